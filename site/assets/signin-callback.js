// Hands the identity provider's answer (#id_token=...&state=...) back to the PetTube page.
// JavaScript because it must run at once, without booting Python in a popup.
// The page checks state and nonce; this file only carries the fragment.
(() => {
  const answer = { type: "pettube-signin", fragment: location.hash };
  history.replaceState(null, "", location.pathname); // keep the token out of history
  if (window.parent !== window) {
    window.parent.postMessage(answer, location.origin); // silent renewal frame
    return;
  }
  if (sessionStorage.getItem("pettube.signin.pending")) {
    // The popup was blocked and the whole tab went to sign in: go back with the answer.
    sessionStorage.setItem("pettube.signin.pending.fragment", answer.fragment);
    location.replace("/");
    return;
  }
  // A popup: COOP (same-origin) severs window.opener, so use a same-origin channel.
  const channel = new BroadcastChannel("pettube-signin");
  channel.postMessage(answer);
  channel.close();
  window.close();
  document.getElementById("callback-message").textContent = "You are signed in. You can close this window.";
})();
