"""Page cold start: PetTube's self-hosted PyScript + boto3 runtime against the AWS SDK for JavaScript v3.

Headless Chromium, each round in a fresh profile: every page is opened once cold (empty
HTTP and compiled-wasm caches), then again warm (same profile, caches kept). Pages alternate
within a round (order flipped every other round); medians over the rounds. Figures per page:
navigation -> first contentful paint, navigation -> ready (boto3 imported and the S3 +
Cognito Identity clients built, or the JS SDK's two clients), and bytes transferred. The
JS page (an esbuild bundle of the same two clients, built here into a temp dir) is the
baseline measured in the same run. Served by the local cloud's site server (gzip siblings,
immutable versioned runtime). Writes the "Page cold start" section of docs/benchmarks.md.

Usage: python -m bench.cold_start [--runs 5] [--no-write]   (or python bench/cold_start.py)
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from playwright.sync_api import BrowserContext, sync_playwright

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))  # `python bench/cold_start.py` from a checkout: tools/ is not installed

from bench.report import write_section  # noqa: E402
from tools.chromium import launch_options  # noqa: E402
from tools.site_build.build import build, pyscript_config  # noqa: E402
from tools.site_build.serve import serve  # noqa: E402

PAGES_DIR = Path(__file__).with_name("pages")
PAGES = {"JS SDK v3 (baseline)": "cold_start_jssdk.html", "PyScript + boto3": "cold_start_boto3.html"}
SECTION = "## Page cold start"
METRICS = """() => {
  const nav = performance.getEntriesByType("navigation")[0];
  const paint = performance.getEntriesByName("first-contentful-paint")[0];
  const bytes = performance.getEntriesByType("resource").reduce((sum, r) => sum + r.transferSize, nav.transferSize);
  return { paint: paint ? paint.startTime : null, ready: Number(document.body.dataset.ready), bytes };
}"""


class BenchSetupError(RuntimeError):
    """The benchmark site could not be prepared (runtime build or esbuild failed)."""


def prepare_site(root: Path) -> str:
    """Lay out the runtime, both bench pages and the JS bundle under `root`; the runtime version."""
    manifest = build(REPO)
    shutil.copytree(REPO / "site" / "vendor", root / "vendor")
    (root / "app").mkdir()
    shutil.copy2(REPO / "site" / "app" / "pyodide_fixes.py", root / "app")
    for page in PAGES_DIR.glob("cold_start_*"):
        shutil.copy2(page, root)
    config = pyscript_config(REPO / "site", manifest, ["pyodide_fixes.py"])
    (root / "cold_start_boto3.json").write_text(json.dumps(config))
    esbuild = REPO / "node_modules" / ".bin" / "esbuild"
    command = [str(esbuild), str(PAGES_DIR / "cold_start_jssdk.entry.js"), "--bundle", "--minify", "--format=esm",
               "--platform=browser", f"--outfile={root / 'cold_start_jssdk.js'}", "--log-level=warning"]
    result = subprocess.run(command, cwd=REPO, capture_output=True, text=True, check=False)
    if result.returncode != 0:
        raise BenchSetupError(f"esbuild failed: {result.stderr.strip()}")
    return manifest["version"]


def visit(context: BrowserContext, url: str) -> dict[str, float]:
    """Open `url` in a new tab, wait until the page says ready, read its timings and bytes."""
    page = context.new_page()
    page.goto(url)
    page.wait_for_function("document.body.dataset.ready !== undefined", timeout=300_000)
    metrics = page.evaluate(METRICS)
    page.close()
    return metrics


def run(site: str, runs: int) -> dict[str, dict[str, list[float]]]:
    """Every round: a fresh profile per page, cold visit then warm visit; samples per page and metric."""
    samples: dict[str, dict[str, list[float]]] = {name: {} for name in PAGES}
    with sync_playwright() as playwright:
        for round_number in range(runs):
            names = list(PAGES) if round_number % 2 == 0 else list(reversed(PAGES))
            for name in names:
                with tempfile.TemporaryDirectory(prefix="bench-profile-") as profile:
                    context = playwright.chromium.launch_persistent_context(profile, **launch_options())
                    for state in ("cold", "warm"):
                        for metric, value in visit(context, f"{site}/{PAGES[name]}").items():
                            samples[name].setdefault(f"{metric} {state}", []).append(value)
                    context.close()
            print(f"round {round_number + 1}/{runs} done", flush=True)
    return samples


def render(samples: dict[str, dict[str, list[float]]], runs: int, version: str, load_before: float) -> str:
    """The markdown section: method, medians per page, ratios against the JS baseline."""
    median = {name: {key: statistics.median(values) for key, values in metrics.items()}
              for name, metrics in samples.items()}
    lines = [SECTION, "",
             f"`python -m bench.cold_start --runs {runs}` ({time.strftime('%Y-%m-%d')}, runtime {version}, "
             f"{os.cpu_count()} cores, load average {load_before:.1f} before, {os.getloadavg()[0]:.1f} after: other "
             "work on the machine slows Python's CPU-bound start far more than the JS page). Headless Chromium, "
             "localhost, the local cloud's site server (gzip); cold = fresh profile, warm = same profile "
             "(HTTP cache and compiled wasm kept); pages alternate within each round; medians of "
             f"{runs} rounds. Ready = boto3 imported and the S3 + Cognito Identity clients built "
             "(JS: the same two clients from an esbuild bundle).", "",
             "| page | first paint cold | first paint warm | ready cold | ready warm | bytes cold | bytes warm |",
             "|---|---|---|---|---|---|---|"]
    for name, m in median.items():
        lines.append(f"| {name} | {m['paint cold']:.0f} ms | {m['paint warm']:.0f} ms | {m['ready cold'] / 1000:.2f} s "
                     f"| {m['ready warm'] / 1000:.2f} s | {m['bytes cold'] / 1e6:.2f} MB | {m['bytes warm'] / 1e3:.0f} KB |")
    base, python = median["JS SDK v3 (baseline)"], median["PyScript + boto3"]
    lines += ["", f"Ratio PyScript + boto3 / JS SDK, same run: ready cold {python['ready cold'] / base['ready cold']:.0f}x, "
              f"ready warm {python['ready warm'] / base['ready warm']:.0f}x, "
              f"bytes cold {python['bytes cold'] / base['bytes cold']:.0f}x.", ""]
    return "\n".join(lines)


def main() -> int:
    """Prepare, measure, print, and (unless --no-write) update docs/benchmarks.md."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=5, help="rounds (each: every page cold then warm)")
    parser.add_argument("--no-write", action="store_true", help="print only; leave docs/benchmarks.md alone")
    args = parser.parse_args()
    load_before = os.getloadavg()[0]
    with tempfile.TemporaryDirectory(prefix="bench-site-") as root:
        version = prepare_site(Path(root))
        with serve(Path(root)) as site:
            samples = run(site, args.runs)
    text = render(samples, args.runs, version, load_before)
    print(text)
    if not args.no_write:
        write_section(SECTION, text)
    return 0


if __name__ == "__main__":
    sys.exit(main())
