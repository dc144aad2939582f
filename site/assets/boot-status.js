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
