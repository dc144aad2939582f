// Both ends of a sign-in redirect, in JavaScript because they must work without Python.
// - No answer in the fragment: the page's plain "Sign in with Google" form (used before Python is
//   up) came here. Start the OpenID Connect request (implicit flow, the ID token in the fragment)
//   to the local Google stand-in, or to Google on AWS, with a fresh state and nonce kept in this tab.
// - The identity provider's answer (#id_token=...&state=...): hand it back to the PetTube page,
//   which checks state and nonce (auth.credential_from_fragment). This file only carries it.
(() => {
  const PENDING = "pettube.signin.pending", GOOGLE_AUTHORIZE = "https://accounts.google.com/o/oauth2/v2/auth";
  const say = (text) => { document.getElementById("callback-message").textContent = text; };

  const start = async () => {
    const random = () => btoa(String.fromCharCode(...crypto.getRandomValues(new Uint8Array(16))))
      .replace(/\+/g, "-").replace(/\//g, "_").replace(/=+$/, "");
    try {
      const config = await (await fetch("/config.json", { cache: "no-store" })).json();
      const state = random(), nonce = random();
      sessionStorage.setItem(PENDING, JSON.stringify({ state, nonce }));
      const endpoint = config.idp_url ? `${config.idp_url.replace(/\/+$/, "")}/authorize` : GOOGLE_AUTHORIZE;
      const request = new URLSearchParams({
        response_type: "id_token", client_id: config.google_client_id,
        redirect_uri: `${location.origin}${location.pathname}`, scope: "openid email profile", nonce, state,
      });
      location.replace(`${endpoint}?${request}`);
    } catch {
      say("Sign-in is not available right now. Please go back and try again.");
    }
  };

  if (!location.hash) {
    start();
    return;
  }
  const answer = { type: "pettube-signin", fragment: location.hash };
  history.replaceState(null, "", location.pathname); // keep the token out of history
  if (window.parent !== window) {
    window.parent.postMessage(answer, location.origin); // silent renewal frame
    return;
  }
  if (sessionStorage.getItem(PENDING)) {
    // A sign-in in the whole tab (the form before Python, or a blocked popup): go back with the answer.
    sessionStorage.setItem(`${PENDING}.fragment`, answer.fragment);
    location.replace("/");
    return;
  }
  // A popup: a same-origin channel, which needs no window.opener.
  const channel = new BroadcastChannel("pettube-signin");
  channel.postMessage(answer);
  channel.close();
  window.close();
  say("You are signed in. You can close this window.");
})();
