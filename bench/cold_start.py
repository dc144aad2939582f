"""Page cold start: PetTube's self-hosted PyScript + boto3 runtime against the AWS SDK for JavaScript v3.

Headless Chromium, each round in a fresh profile: every page is opened once cold (empty
HTTP and compiled-wasm caches, no saved snapshot), then again warm (same profile: caches and the
snapshot the first visit saved in IndexedDB kept, as for a returning visitor). Pages alternate
within a round (order rotated every round); medians over the rounds. Figures per page:
navigation -> first contentful paint, navigation -> ready (boto3 imported and the S3 +
Cognito Identity clients built, or the JS SDK's two clients), and bytes transferred. Three
pages: PetTube's runtime restoring its install-time memory snapshot (what the app does),
the same runtime booting the ordinary way (its fallback), and the JS page (an esbuild bundle
of the same two clients, built here into a temp dir) as the baseline measured in the same
run. Served by the local cloud's site server (brotli/gzip siblings, immutable versioned
runtime). In the same rotation, PetTube's own page from a local cloud: signed out (first paint,
sign-in usable, Python ready), and a returning visitor (signed in, the same tab reloaded: the
gallery from the last visit visible with its thumbnails, Python ready). `--links` picks
localhost and/or a slower network emulated through Chromium's DevTools protocol. Writes the
"Page cold start" section of docs/benchmarks.md (tables per link).

Usage: python -m bench.cold_start [--runs 5] [--links localhost,50mbit-40ms] [--no-write]
"""

from __future__ import annotations

import json
import shutil
import statistics
import subprocess
import sys
import tempfile
from collections.abc import Callable
from functools import partial
from pathlib import Path
from typing import Any

import imageio_ffmpeg

from playwright.sync_api import BrowserContext, Page, Playwright, sync_playwright
from playwright.sync_api import Error as PlaywrightError

from bench.report import Run, argument_parser, publish
from localcloud.cloud import LocalCloud, Ports
from localcloud.site_server import serve
from tools.chromium import launch_options
from tools.site_build.build import Layout, build, core_chunks, loader_script, page_packages, pyscript_config

REPO = Path(__file__).resolve().parents[1]
PAGES_DIR = Path(__file__).with_name("pages")
BASELINE = "JS SDK v3 (baseline)"
SNAPSHOT = "PyScript + boto3, memory snapshot (the app)"
ORDINARY = "PyScript + boto3, ordinary boot (fallback)"
PAGES = {BASELINE: "cold_start_jssdk.html", SNAPSHOT: "cold_start_boto3.html", ORDINARY: "cold_start_ordinary.html"}
APP = "PetTube app, signed out"
RETURNING = "PetTube app, returning visitor"
# Who comes back, and how many videos (small clips, made on the spot) their gallery holds.
PERSON, GALLERY_CLIPS = "Carol Nguyen", 6
# How each PetTube page must have started Python: a fallback must not pass for a snapshot.
EXPECTED_BOOT = {SNAPSHOT: "snapshot", ORDINARY: "ordinary", APP: "snapshot", RETURNING: "snapshot"}
# Chromium's network emulation (DevTools Network.emulateNetworkConditions): throughput in bytes/s.
LINKS = {"localhost": None, "50mbit-40ms": {"offline": False, "latency": 40, "downloadThroughput": 50e6 / 8,
                                             "uploadThroughput": 50e6 / 8}}
HEADING = "## Page cold start"
# Injected before any page script: note the moment the DOM first shows each state (checked on
# every change and every image load until the page is ready). Ready: body[data-ready] (the bench
# pages: their clients built; PetTube's page: Python up, its handlers bound). Sign-in usable: the
# sign-in choices on screen (the Google button is a plain form: it works without script). Gallery
# visible: cards on screen with every thumbnail loaded (a card without its picture does not count).
# An image's load event reaches the document but never the window (HTML's event path for "load"):
# listening on the window saw the thumbnails only at the page's next change, hundreds of ms late.
WATCH_MARKS = """(() => {
  const note = (name) => { document.documentElement.dataset[name] ??= String(performance.now()); };
  const check = () => {
    const signin = document.querySelector("#signin"), workspace = document.querySelector("#workspace");
    if (signin && !signin.hidden && document.querySelector("#google-signin")) note("benchSignin");
    const images = [...document.querySelectorAll("#gallery img")];
    if (workspace && !workspace.hidden && document.querySelector("#gallery > li")
        && images.every((image) => image.complete && image.naturalWidth > 0)) note("benchGallery");
    if (document.body?.dataset.ready !== undefined) {
      note("benchReady");
      observer.disconnect();
      document.removeEventListener("load", check, true);
    }
  };
  const observer = new MutationObserver(check);
  observer.observe(document, { attributes: true, childList: true, subtree: true });
  document.addEventListener("load", check, true);
})();"""
# A page without PetTube's boot module starts Python with Pyodide's own loadPyodide.
METRICS = """() => {
  const nav = performance.getEntriesByType("navigation")[0];
  const paint = performance.getEntriesByName("first-contentful-paint")[0];
  const bytes = performance.getEntriesByType("resource").reduce((sum, r) => sum + r.transferSize, nav.transferSize);
  const mark = (name) => name in document.documentElement.dataset ? Number(document.documentElement.dataset[name]) : null;
  return { paint: paint ? paint.startTime : null, ready: mark("benchReady"), signin: mark("benchSignin"),
           gallery: mark("benchGallery"), bytes,
           boot: globalThis.pettubeBoot?.mode ?? "ordinary", snapshot: globalThis.pettubeBoot?.snapshot ?? "" };
}"""
# Where a snapshot page's warm visit must have found its snapshot: the first visit saved it.
EXPECTED_SNAPSHOT = {"cold": "downloaded", "warm": "stored"}
# A visitor who comes back had the first page open long enough for its idle-time work (saving
# the snapshot, warming up the code cache), and for Chromium to write Pyodide's compiled wasm
# to its code cache, which it does a moment after V8 has optimized enough of the module.
SETTLED = "() => globalThis.pettubeBoot?.store !== 'saving' && globalThis.pettubeBoot?.warmUp !== 'pending'"
CODE_CACHE_WRITTEN_MS = 5_000
# The page has kept the gallery for the next visit: every card's thumbnail is in the cache.
GALLERY_KEPT = """async () => {
  const name = (await caches.keys()).find((key) => key.startsWith("pettube-thumbnails:"));
  const kept = name ? (await (await caches.open(name)).keys()).length : 0;
  return kept > 0 && kept >= document.querySelectorAll("#gallery img").length;
}"""
WAIT_MS = 300_000
Visitor = Callable[[Playwright], dict[str, dict[str, Any]]]


class BenchSetupError(RuntimeError):
    """The benchmark site could not be prepared (runtime build or esbuild failed)."""


def prepare_site(root: Path) -> str:
    """Lay out the runtime, both bench pages and the JS bundle under `root`; the runtime version."""
    manifest = build(REPO, release=True)  # the bytes a visitor of the deployed site gets
    shutil.copytree(REPO / "site" / "vendor", root / "vendor")
    (root / "app").mkdir()
    shutil.copy2(REPO / "site" / "app" / "pyodide_fixes.py", root / "app")
    for page in PAGES_DIR.glob("cold_start_*"):
        shutil.copy2(page, root)
    config = pyscript_config(REPO / "site", manifest, {"/app/pyodide_fixes.py": "./app/pyodide_fixes.py"})
    (root / "cold_start_boto3.json").write_text(json.dumps(config))
    # The same page and runtime with PyScript pointed at pyodide.mjs itself, handing it the page's
    # packages to install, and a loader that does not start the snapshot's download: no snapshot.
    ordinary = {**config, "interpreter": config["interpreter"].rsplit("/", 1)[0] + "/pyodide.mjs",
                "packages": page_packages(Layout(REPO)), "packages_cache": "passthrough"}
    (root / "cold_start_ordinary.json").write_text(json.dumps(ordinary))
    chunks = core_chunks(root / "vendor" / manifest["version"])
    (root / "vendor" / "pyscript-ordinary.js").write_text(loader_script(manifest["version"], chunks, config["plugins"],
                                                                        early_boot=False))
    page = (root / "cold_start_boto3.html").read_text()
    (root / PAGES[ORDINARY]).write_text(page.replace("/cold_start_boto3.json", "/cold_start_ordinary.json")
                                        .replace("/vendor/pyscript.js", "/vendor/pyscript-ordinary.js"))
    esbuild = REPO / "node_modules" / ".bin" / "esbuild"
    command = [str(esbuild), str(PAGES_DIR / "cold_start_jssdk.entry.js"), "--bundle", "--minify", "--format=esm",
               "--platform=browser", f"--outfile={root / 'cold_start_jssdk.js'}", "--log-level=warning"]
    result = subprocess.run(command, cwd=REPO, capture_output=True, text=True, check=False)
    if result.returncode != 0:
        raise BenchSetupError(f"esbuild failed: {result.stderr.strip()}")
    return manifest["version"]


def emulate(context: BrowserContext, page: Page, link: dict[str, Any] | None) -> None:
    """Put `page` behind the emulated `link` (nothing for localhost)."""
    if link:
        devtools = context.new_cdp_session(page)
        devtools.send("Network.enable")
        devtools.send("Network.emulateNetworkConditions", link)


def delivered_throughput(site: str, version: str, link: dict[str, Any]) -> float:
    """MB/s the emulated link actually delivers to one big download (the snapshot), to read its figures by."""
    with sync_playwright() as playwright, tempfile.TemporaryDirectory(prefix="bench-profile-") as profile:
        context = playwright.chromium.launch_persistent_context(profile, **launch_options())
        page = context.new_page()
        emulate(context, page, link)
        page.goto(f"{site}/cold_start_jssdk.html")
        seconds, size = page.evaluate("""async url => {
            const started = performance.now();
            await (await fetch(url, { cache: "no-store" })).arrayBuffer();
            const entry = performance.getEntriesByName(new URL(url, location.href).href).pop();
            return [(performance.now() - started) / 1000, entry.transferSize];
        }""", f"/vendor/{version}/pyodide/snapshot.bin")
        context.close()
    return size / seconds / 1e6


def visit(context: BrowserContext, url: str, link: dict[str, Any] | None, linger_ms: int = 0) -> dict[str, Any]:
    """Open `url` in a new tab (over the emulated `link`), wait until the page says ready, read its
    figures; close it once its idle-time work is done and `linger_ms` more have passed."""
    page = context.new_page()
    emulate(context, page, link)
    page.goto(url)
    page.wait_for_function("document.documentElement.dataset.benchReady !== undefined", timeout=WAIT_MS)
    metrics = page.evaluate(METRICS)
    page.wait_for_function(SETTLED, timeout=60_000)
    page.wait_for_timeout(linger_ms)
    page.close()
    return metrics


def fresh_profile(playwright: Playwright, profile: str) -> BrowserContext:
    """A new persistent profile (the only kind where Chromium keeps compiled code) that notes the moments."""
    context = playwright.chromium.launch_persistent_context(profile, **launch_options())
    context.add_init_script(WATCH_MARKS)
    return context


def visit_pair(playwright: Playwright, url: str, link: dict[str, Any] | None) -> dict[str, dict[str, Any]]:
    """A fresh profile: the cold visit (kept open until Chromium has cached its code), then the warm one."""
    with tempfile.TemporaryDirectory(prefix="bench-profile-") as profile:
        context = fresh_profile(playwright, profile)
        try:
            cold = visit(context, url, link, linger_ms=CODE_CACHE_WRITTEN_MS)
            return {"cold": cold, "warm": visit(context, url, link)}
        finally:
            context.close()


def sign_in(context: BrowserContext, page: Page, person: str) -> None:
    """`person` signs in with the Google stand-in's account chooser (a popup, Python being up)."""
    with context.expect_page() as chooser:
        page.get_by_role("button", name="Sign in with Google").click()
    chooser.value.get_by_text(person).first.click()
    page.wait_for_selector("#workspace", state="visible", timeout=60_000)


def returning_visit(playwright: Playwright, url: str, link: dict[str, Any] | None) -> dict[str, dict[str, Any]]:
    """A fresh profile: PERSON signs in and the page lists (and keeps) their gallery, then they come back:
    the same tab reloaded (the sign-in is kept per tab), measured like a warm visit."""
    with tempfile.TemporaryDirectory(prefix="bench-profile-") as profile:
        context = fresh_profile(playwright, profile)
        try:
            page = context.new_page()
            emulate(context, page, link)
            page.goto(url)
            page.wait_for_function("document.body.dataset.ready !== undefined", timeout=WAIT_MS)
            sign_in(context, page, PERSON)
            page.wait_for_function(GALLERY_KEPT, timeout=WAIT_MS)
            page.wait_for_function(SETTLED, timeout=60_000)
            page.wait_for_timeout(CODE_CACHE_WRITTEN_MS)
            page.reload()
            page.wait_for_function("document.documentElement.dataset.benchReady !== undefined", timeout=WAIT_MS)
            return {"warm": page.evaluate(METRICS)}
        finally:
            context.close()


def seed_gallery(url: str, folder: Path) -> None:
    """PERSON's gallery: GALLERY_CLIPS small clips uploaded through the page, waited for until all are ready."""
    clips = []
    for number in range(GALLERY_CLIPS):
        clip = folder / f"pet {number + 1}.mp4"
        subprocess.run([imageio_ffmpeg.get_ffmpeg_exe(), "-hide_banner", "-loglevel", "error", "-y", "-f", "lavfi",
                        "-i", f"testsrc2=size=640x360:rate=25:duration={2 + number}", "-c:v", "libx264",
                        "-preset", "ultrafast", "-pix_fmt", "yuv420p", str(clip)], check=True)
        clips.append(str(clip))
    with sync_playwright() as playwright, tempfile.TemporaryDirectory(prefix="bench-profile-") as profile:
        context = playwright.chromium.launch_persistent_context(profile, **launch_options())
        try:
            page = context.new_page()
            page.goto(url)
            page.wait_for_function("document.body.dataset.ready !== undefined", timeout=WAIT_MS)
            sign_in(context, page, PERSON)
            page.get_by_label("Choose videos to upload").set_input_files(clips)
            page.wait_for_function(f"document.querySelectorAll('#gallery li[data-status=ready] img').length"
                                   f" === {GALLERY_CLIPS}", timeout=WAIT_MS)
        finally:
            context.close()


def run(visitors: dict[str, Visitor], runs: int, crashes: list[str]) -> dict[str, dict[str, list[float]]]:
    """Every round: each visitor's visits in a fresh profile (order rotated every round); samples per
    page and metric. A renderer crash (rare; seen on snapshot pages: see tools/chromium.py) is noted in
    `crashes` and that visitor's visits made again."""
    samples: dict[str, dict[str, list[float]]] = {name: {} for name in visitors}
    with sync_playwright() as playwright:
        for round_number in range(runs):
            shift = round_number % len(visitors)
            for name in list(visitors)[shift:] + list(visitors)[:shift]:
                for attempt in (1, 2):
                    try:
                        visits = visitors[name](playwright)
                        break
                    except PlaywrightError as exc:
                        if "crashed" not in str(exc) or attempt == 2:
                            exc.add_note(f"while visiting: {name}")
                            raise
                        crashes.append(name)
                        print(f"{name}: the renderer crashed; visiting again with a fresh profile", flush=True)
                for state, metrics in visits.items():
                    boot, source = metrics.pop("boot"), metrics.pop("snapshot")
                    if name in EXPECTED_BOOT and boot != EXPECTED_BOOT[name]:
                        raise BenchSetupError(f"{name}: the page booted {boot!r}, not {EXPECTED_BOOT[name]!r}")
                    if EXPECTED_BOOT.get(name) == "snapshot" and source != EXPECTED_SNAPSHOT[state]:
                        raise BenchSetupError(f"{name}, {state}: the snapshot was {source!r}, "
                                              f"not {EXPECTED_SNAPSHOT[state]!r}")
                    for metric, value in metrics.items():
                        if value is not None:
                            samples[name].setdefault(f"{metric} {state}", []).append(value)
            print(f"round {round_number + 1}/{runs} done", flush=True)
    return samples


def seconds(m: dict[str, float], key: str) -> str:
    """A median in seconds, or a dash where the page has no such moment."""
    return f"{m[key] / 1000:.2f} s" if key in m else "—"


def app_table(median: dict[str, dict[str, float]]) -> list[str]:
    """The app's own page, signed out and for a returning visitor, against the JS SDK page's ready
    in the same run."""
    lines = ["PetTube's own page (index.html from the local cloud, in the same rotation). Signed out: a fresh "
             "profile's cold visit, then a warm one in a new tab. Returning visitor: signed in as "
             f"{PERSON} ({GALLERY_CLIPS} videos), the page's gallery listed and kept, then the same tab "
             "reloaded (the sign-in is kept per tab). Sign-in usable = the sign-in choices on screen (the Google "
             "button is a plain form: it works before Python); gallery visible = the last visit's cards on "
             "screen with every thumbnail decoded; Python ready = Python up, its handlers bound.", "",
             "| page | visit | first paint | sign-in usable | gallery visible (returning visitor) | Python ready "
             "| bytes |", "|---|---|---|---|---|---|---|"]
    for name in (APP, RETURNING):
        m = median[name]
        for state in ("cold", "warm"):
            if f"ready {state}" in m:
                bytes_ = m[f"bytes {state}"]
                size = f"{bytes_ / 1e6:.2f} MB" if bytes_ >= 1e6 else f"{bytes_ / 1e3:.0f} KB"
                lines.append(f"| {name} | {state} | {m[f'paint {state}']:.0f} ms | {seconds(m, f'signin {state}')} "
                             f"| {seconds(m, f'gallery {state}')} | {seconds(m, f'ready {state}')} | {size} |")
    base, app, back = median[BASELINE], median[APP], median[RETURNING]
    lines += ["", f"- Against the JS SDK page's ready in the same run ({base['ready cold'] / 1000:.2f} s cold, "
              f"{base['ready warm'] / 1000:.2f} s warm): sign-in usable {app['signin cold'] / base['ready cold']:.1f}x "
              f"cold, {app['signin warm'] / base['ready warm']:.1f}x warm; gallery visible (returning visitor) "
              f"{back['gallery warm'] / base['ready warm']:.1f}x warm; PetTube's Python ready "
              f"{app['ready cold'] / base['ready cold']:.1f}x cold, {app['ready warm'] / base['ready warm']:.1f}x warm.",
              ""]
    return lines


def table(samples: dict[str, dict[str, list[float]]], link: str, delivered: float | None) -> list[str]:
    """One link's medians per page, and each PetTube page's ratios against the JS baseline."""
    median = {name: {key: statistics.median(values) for key, values in metrics.items()}
              for name, metrics in samples.items()}
    lines = [f"### {link}", ""]
    if delivered is not None:
        nominal = LINKS[link]["downloadThroughput"] / 1e6
        lines += [f"Chromium's emulation of this link delivered {delivered:.1f} MB/s to one download of the "
                  f"snapshot on its own (nominal {nominal:.2f} MB/s): read the figures with that rate.", ""]
    lines += [
             "| page | first paint cold | first paint warm | ready cold | ready warm | bytes cold | bytes warm |",
             "|---|---|---|---|---|---|---|"]
    for name in PAGES:
        m = median[name]
        lines.append(f"| {name} | {m['paint cold']:.0f} ms | {m['paint warm']:.0f} ms | {m['ready cold'] / 1000:.2f} s "
                     f"| {m['ready warm'] / 1000:.2f} s | {m['bytes cold'] / 1e6:.2f} MB | {m['bytes warm'] / 1e3:.0f} KB |")
    base = median[BASELINE]
    lines.append("")
    for name in (SNAPSHOT, ORDINARY):
        m = median[name]
        lines.append(f"- {name} / JS SDK, same run: ready cold {m['ready cold'] / base['ready cold']:.1f}x, "
                     f"ready warm {m['ready warm'] / base['ready warm']:.1f}x, "
                     f"bytes cold {m['bytes cold'] / base['bytes cold']:.0f}x.")
    snap, ordinary = median[SNAPSHOT], median[ORDINARY]
    lines += [f"- Snapshot / ordinary boot: ready cold {snap['ready cold'] / ordinary['ready cold']:.2f}x, "
              f"ready warm {snap['ready warm'] / ordinary['ready warm']:.2f}x, "
              f"bytes cold {snap['bytes cold'] / ordinary['bytes cold']:.2f}x.", ""]
    return lines + app_table(median)


def render(results: dict[str, dict[str, dict[str, list[float]]]], delivered: dict[str, float], runs: int,
           version: str, crashes: list[str]) -> str:
    """The section's body: method, then one table per link."""
    lines = [f"Runtime {version} (other work on the machine slows Python's CPU-bound start far more than the JS "
             "page). Headless Chromium, "
             "the local cloud's site server on 127.0.0.1 (the runtime compressed as it ships, brotli quality 11: "
             "`python -m tools.site_build --release`; Chromium asks for br there too), "
             "with Chromium's network emulation for the slower link; cold = fresh profile, warm = same profile "
             "(a returning visitor: HTTP cache, compiled wasm and the snapshot the first visit saved in "
             f"IndexedDB kept; the first visit stays open {CODE_CACHE_WRITTEN_MS / 1000:.0f} s after its idle-time "
             "save and code-cache warm-up, for Chromium to write its code cache); pages rotate within each round; medians of "
             f"{runs} rounds. Ready = boto3 imported and the S3 + Cognito Identity clients built "
             "(JS: the same two clients from an esbuild bundle). Each PetTube page also reports how Python "
             "started, and the run stops if a snapshot page fell back to the ordinary boot or a warm visit "
             "did not find its saved snapshot.", ""]
    if crashes:
        lines += [f"Chromium's renderer crashed {len(crashes)} time(s) during the run ({', '.join(crashes)}); "
                  "each time that page's cold and warm visits were made again in a fresh profile.", ""]
    for link, samples in results.items():
        lines += table(samples, link, delivered.get(link))
    return "\n".join(lines)


def main() -> int:
    """Prepare, measure, print, and (unless --no-write) update docs/benchmarks.md."""
    parser = argument_parser(__doc__)
    parser.add_argument("--runs", type=int, default=5, help="rounds (each: every page cold then warm)")
    parser.add_argument("--links", default=",".join(LINKS), help=f"comma-separated, of {', '.join(LINKS)}")
    args = parser.parse_args()
    run_info = Run.start()
    links = args.links.split(",")
    with tempfile.TemporaryDirectory(prefix="bench-site-") as root:
        version = prepare_site(Path(root))
        cloud = LocalCloud(state_dir=Path(root) / "state", ports=Ports(0, 0, 0), settings={"persist": False})
        app = cloud.start().site
        try:
            seed_gallery(app, Path(root))
            with serve(Path(root)) as site:
                crashes: list[str] = []
                results = {}
                for link in links:
                    visitors = {name: partial(visit_pair, url=f"{site}/{page}", link=LINKS[link])
                                for name, page in PAGES.items()}
                    visitors[APP] = partial(visit_pair, url=app, link=LINKS[link])
                    visitors[RETURNING] = partial(returning_visit, url=app, link=LINKS[link])
                    results[link] = run(visitors, args.runs, crashes)
                delivered = {link: delivered_throughput(site, version, LINKS[link]) for link in links if LINKS[link]}
        finally:
            cloud.stop()
    publish(HEADING, render(results, delivered, args.runs, version, crashes), run_info, write=not args.no_write)
    return 0


if __name__ == "__main__":
    sys.exit(main())
