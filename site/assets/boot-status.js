// While Python is not running yet, the runtime's boot module reports a first visit's
// download of its memory snapshot, the biggest file of the page.
addEventListener("pettube:boot-progress", ({ detail }) => {
  const percent = Math.floor((100 * detail.received) / detail.expected);
  const progress = document.querySelector("#boot-progress"), bar = progress.querySelector("[role=progressbar]");
  progress.hidden = false;
  bar.setAttribute("aria-valuenow", percent);
  bar.firstElementChild.style.width = `${percent}%`;
  document.querySelector("#boot-progress-text").textContent =
    percent < 100 ? `Downloading the app: ${percent}%` : "Downloaded. Starting…";
});
// Python says why the app cannot start; if Python itself could not start, the runtime's
// loader or boot module says so with this event (e.g. a file that did not download).
addEventListener("pettube:boot-failed", (event) => {
  document.querySelector("#boot").classList.add("failed");
  document.querySelector("#boot-title").textContent = "PetTube could not start";
  document.querySelector("#boot-detail").textContent = "Part of the app could not be downloaded or started "
    + `(${event.detail}). Check your connection, then try again.`;
  document.querySelector("#boot-retry").hidden = false;
});
document.querySelector("#boot-retry").addEventListener("click", () => location.reload());

// What the scripts that paint before Python share (assets/signin.js, assets/gallery-cache.js).
window.pettubeEarly = {
  // The sign-in this tab will resume once Python is up, as {provider, claims}, or null: the same
  // test as Python's (app.auth.needs_fresh_token: the ID token lasts more than 5 minutes yet).
  savedLogin() {
    try {
      const login = JSON.parse(sessionStorage.getItem("pettube.login"));
      const payload = login.token.split(".")[1].replace(/-/g, "+").replace(/_/g, "/");
      const claims = JSON.parse(atob(payload));
      return claims.exp - 300 > Date.now() / 1000 ? { provider: login.provider, claims } : null;
    } catch {
      return null;
    }
  },
  // Show a screen before Python has started; the boot screen (and why) comes back if it cannot start.
  show(screen) {
    const show = (name) => {
      for (const section of ["boot", "signin", "workspace", "watch"]) {
        document.getElementById(section).hidden = section !== name;
      }
      document.body.dataset.screen = name;
    };
    show(screen);
    if (screen === "signin") { // a first visit's download shows where the person waits (until Python is up)
      document.querySelector(".signin-card").append(document.getElementById("boot-progress"));
    }
    addEventListener("pettube:boot-failed", () => show("boot"));
  },
};
