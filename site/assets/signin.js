// Sign-in at first paint, before Python runs (Python takes over once it has started).
// - Someone who is not signed in sees the sign-in choices at once instead of "Starting PetTube".
// - "Sign in with Google" is a plain form (GET /assets/signin-google.html): it works with no
//   script at all; Python, once up, opens the account chooser in a popup instead.
// - The email form is shown when the stack has a user pool; a submit before Python is up is
//   queued (data-queued on the form) and sent by Python as soon as it has started.
(() => {
  const SAVED_LOGIN = "pettube.login", PENDING = "pettube.signin.pending", RENEW_MARGIN_SECONDS = 300;
  const $ = (selector) => document.querySelector(selector);

  // Python will resume this tab's sign-in (the same test as its needs_fresh_token) or finish a
  // redirect sign-in: then sign-in is not the screen to show.
  const signedIn = () => {
    try {
      const payload = JSON.parse(sessionStorage.getItem(SAVED_LOGIN)).token.split(".")[1];
      const claims = JSON.parse(atob(payload.replace(/-/g, "+").replace(/_/g, "/")));
      return claims.exp - RENEW_MARGIN_SECONDS > Date.now() / 1000;
    } catch {
      return false;
    }
  };
  const python = () => document.body.dataset.signin === "python";

  if (sessionStorage.getItem(`${PENDING}.fragment`)) {
    $("#boot-title").textContent = "Signing you in…";
    return;
  }
  if (python() || signedIn() || location.hash.startsWith("#/watch/") || document.body.dataset.screen !== "boot") {
    return;
  }
  $("#boot").hidden = true;
  $("#signin").hidden = false;
  document.body.dataset.screen = "signin";
  addEventListener("pettube:boot-failed", () => {
    $("#signin").hidden = true;
    $("#boot").hidden = false;
    document.body.dataset.screen = "boot";
  });

  fetch("/config.json").then((answer) => answer.json()).then((config) => {
    if (!python() && config.user_pool_id && config.user_pool_client_id) {
      $("#email-signin").hidden = false;
    }
  }).catch(() => {}); // Python reports a missing config when it starts

  const form = $("#email-form");
  form.addEventListener("submit", (event) => {
    if (python()) {
      return;
    }
    event.preventDefault();
    if (!form.reportValidity()) {
      return;
    }
    form.dataset.queued = "true";
    $("#email-submit").setAttribute("aria-busy", "true");
    const note = $("#signin-error");
    note.textContent = "Signing in as soon as PetTube has started…";
    note.hidden = false;
  });
})();
