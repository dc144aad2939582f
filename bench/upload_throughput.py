"""Upload throughput from the page against curl, and the page's memory while it uploads.

    python -m bench.upload_throughput [--mib 256] [--rounds 2] [--no-write]

The real app in headless Chromium, signed in through the Google stand-in,
uploads one file (multipart: parts signed in Python, sent by the browser from
Blob.slice) to the local cloud; curl PUTs the same file to the same edge with a
presigned URL. Rounds alternate the two. The page's memory is read with
``performance.measureUserAgentSpecificMemory()`` (the page is cross-origin
isolated, so Chromium allows it; it counts the JS heap and Pyodide's wasm
memory) before, during and after the upload. Goal: throughput ratio
page / curl at least 0.8, memory flat.
"""

from __future__ import annotations

import os
import statistics
import subprocess
import tempfile
import time
from pathlib import Path

from botocore.config import Config
from playwright.sync_api import Page, sync_playwright

from bench.report import Run, argument_parser, publish
from localcloud.cloud import LocalCloud, Ports
from tools.chromium import launch_options

REPO = Path(__file__).resolve().parents[1]
HEADING = "## Upload throughput"
MIB = 1024 * 1024


def page_memory(page: Page) -> int:
    return int(page.evaluate("performance.measureUserAgentSpecificMemory().then(m => m.bytes)"))


def upload_in_page(page: Page, file: Path) -> tuple[float, int]:
    """Seconds from choosing the file to 100 %, and the peak JS heap sampled in the page meanwhile."""
    page.evaluate("""() => { window.__heapPeak = 0; window.__heapTimer = setInterval(() => {
        window.__heapPeak = Math.max(window.__heapPeak, performance.memory.usedJSHeapSize); }, 100); }""")
    started = time.perf_counter()
    page.get_by_label("Choose videos to upload").set_input_files([str(file)])
    page.wait_for_function(
        """label => document.querySelector(`[role=progressbar][aria-label="${label}"]`)
                   ?.getAttribute('aria-valuenow') === '100'""",
        arg=f"Upload of {file.name}", polling=50, timeout=900_000)
    seconds = time.perf_counter() - started
    peak = int(page.evaluate("() => { clearInterval(window.__heapTimer); return window.__heapPeak; }"))
    return seconds, peak


def upload_with_curl(cloud: LocalCloud, file: Path, key: str) -> float:
    s3 = cloud.endpoints.client("s3", config=Config(signature_version="s3v4"))
    url = s3.generate_presigned_url("put_object", Params={"Bucket": cloud.endpoints.originals_bucket, "Key": key},
                                    ExpiresIn=600)
    started = time.perf_counter()
    subprocess.run(["curl", "-sS", "-f", "-o", "/dev/null", "-X", "PUT", "-T", str(file), url], check=True)
    return time.perf_counter() - started


def main() -> None:
    parser = argument_parser(__doc__)
    parser.add_argument("--mib", type=int, default=256, help="size of the file uploaded each round, in MiB")
    parser.add_argument("--rounds", type=int, default=2, help="rounds, each: curl, then the page")
    args = parser.parse_args()
    run = Run.start()
    with tempfile.TemporaryDirectory() as work:
        cloud = LocalCloud(state_dir=Path(work) / "state", ports=Ports(0, 0, 0), settings={"persist": False})
        endpoints = cloud.start()
        # Measure the upload path only: the pipeline's work after the upload is another benchmark's.
        spec = cloud.runtime.stack.functions["UploadFunction"]
        cloud.runtime.update_function("UploadFunction", handler="stamp.handler", environment={
            **spec.environment, "PYTHONPATH": str(REPO / "bench" / "handlers"), "STAMP_DIR": work})
        page_times, curl_times, baseline, peaks, after = [], [], [], [], []
        try:
            with sync_playwright() as playwright:
                browser = playwright.chromium.launch(**launch_options())
                page = browser.new_page()
                page.goto(endpoints.site)
                page.wait_for_selector("body[data-ready=true]", state="attached", timeout=300_000)
                with page.context.expect_page() as popup:
                    page.get_by_role("button", name="Sign in with Google").click()
                popup.value.get_by_text("Julie Martin").first.click()
                page.wait_for_selector("#workspace", state="visible", timeout=120_000)
                for n in range(args.rounds):
                    file = Path(work) / f"bench-{n}.mp4"
                    with open(file, "wb") as out:  # incompressible, like video
                        for _ in range(args.mib):
                            out.write(os.urandom(MIB))
                    curl_times.append(upload_with_curl(cloud, file, f"curl/bench-{n}.mp4"))
                    baseline.append(page_memory(page))
                    seconds, peak = upload_in_page(page, file)
                    page_times.append(seconds)
                    peaks.append(peak)
                    after.append(page_memory(page))
                    file.unlink()
                browser.close()
        finally:
            cloud.stop()
    size = args.mib * MIB
    page_rate = size / statistics.median(page_times) / MIB
    curl_rate = size / statistics.median(curl_times) / MIB
    text = (
        f"One {args.mib} MiB file of random bytes per round to the local cloud's edge on 127.0.0.1; the page signed "
        "in through the Google stand-in and uploaded with its multipart engine (parts signed in Python, sent by "
        "Chromium from Blob.slice; files over 64 MiB go in 16 MiB parts, four in flight); curl sent the same "
        "file as one presigned PUT. The page's time includes CompleteMultipartUpload, which the local cloud "
        "answers with its own assembly of the parts (`infra/localcloud/motofixes.py`, faster than moto's; "
        "real S3 assembles on its side). Medians over the rounds.\n\n"
        "| uploader | median time | throughput |\n|---|---|---|\n"
        f"| curl (baseline) | {statistics.median(curl_times):.1f} s | {curl_rate:.0f} MiB/s |\n"
        f"| the page | {statistics.median(page_times):.1f} s | {page_rate:.0f} MiB/s |\n\n"
        f"Ratio page / curl: **{page_rate / curl_rate:.2f}** (goal at least 0.8).\n\n"
        f"Page memory for a {args.mib} MiB file: JS heap + wasm (`measureUserAgentSpecificMemory`) "
        f"{statistics.median(baseline) / MIB:.0f} MiB before and {statistics.median(after) / MIB:.0f} MiB after; "
        f"JS heap peak while uploading (`performance.memory`, sampled every 100 ms) {max(peaks) / MIB:.0f} MiB.\n"
    )
    publish(HEADING, text, run, write=not args.no_write)


if __name__ == "__main__":
    main()
