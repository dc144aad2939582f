// "Sign in with Google" without Python: the OpenID Connect request (implicit flow, the ID token
// in the fragment) to the local Google stand-in, or to Google on AWS, with a fresh state and
// nonce kept in this tab. signin-callback.html brings the answer back to the page, where Python
// checks state and nonce (auth.credential_from_fragment) and signs in.
(async () => {
  const GOOGLE_AUTHORIZE = "https://accounts.google.com/o/oauth2/v2/auth";
  const random = () => btoa(String.fromCharCode(...crypto.getRandomValues(new Uint8Array(16))))
    .replace(/\+/g, "-").replace(/\//g, "_").replace(/=+$/, "");
  try {
    const answer = await fetch("/config.json", { cache: "no-store" });
    const config = await answer.json();
    const state = random(), nonce = random();
    sessionStorage.setItem("pettube.signin.pending", JSON.stringify({ state, nonce }));
    const endpoint = config.idp_url ? `${config.idp_url.replace(/\/+$/, "")}/authorize` : GOOGLE_AUTHORIZE;
    const request = new URLSearchParams({
      response_type: "id_token", client_id: config.google_client_id,
      redirect_uri: `${location.origin}/assets/signin-callback.html`, scope: "openid email profile", nonce, state,
    });
    location.replace(`${endpoint}?${request}`);
  } catch {
    document.getElementById("signin-message").textContent = "Sign-in is not available right now. Please try again.";
  }
})();
