// Sign-in at first paint, before Python runs (Python takes over once it has started).
// - Someone who is not signed in sees the sign-in choices at once instead of "Starting PetTube".
// - "Sign in with Google" is a plain form (GET /assets/signin-callback.html): it works with no
//   script on the page; Python, once up, opens the account chooser in a popup instead.
// - The email form (every stack has a user pool; Python hides it if the pool's library is
//   missing): a submit before Python is up is queued (data-queued on the form) and sent by
//   Python as soon as it has started. Not config.json: Python's fetch takes its preload.
(() => {
  const $ = (selector) => document.querySelector(selector);
  const python = () => document.body.dataset.signin === "python";

  if (sessionStorage.getItem("pettube.signin.pending.fragment")) {
    $("#boot-title").textContent = "Signing you in…";
    return;
  }
  // Python resumes this tab's sign-in (and its gallery shows), a share link opens the watch page, or
  // another screen is already up: then sign-in is not the screen to show.
  if (python() || pettubeEarly.savedLogin() || location.hash.startsWith("#/watch/")
      || document.body.dataset.screen !== "boot") {
    return;
  }
  pettubeEarly.show("signin");

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
