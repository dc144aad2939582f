"""Bytes a phone-sized player receives to watch a clip: adaptive streaming (Auto) against the fixed MP4.

    python -m bench.stream_bytes [--seconds 60] [--height 1080] [--no-write]

A local cloud of its own. A person signs in (the Google stand-in) on a desktop-sized page,
uploads a clip (ffmpeg's test pattern with a tone, --seconds long, --height lines) and waits
for its ladder. Then, on a phone-sized page (390x844 CSS pixels, device pixel ratio 3, mobile),
the same person plays it to the end in Auto, at twice the speed, over each link: every
segment response's body is counted, and the renditions hls.js fetched are noted. The
baseline in the same run is what the page played before adaptive streaming: one fixed MP4
(720p or the largest rung below), downloaded whole to be watched to the end; and the largest
HLS rendition, what a player without adaptation would fetch at the top quality.
"""

from __future__ import annotations

import json
import re
import sys
import tempfile
from collections import Counter
from pathlib import Path
from typing import Any

import imageio_ffmpeg
from playwright.sync_api import BrowserContext, Page, Playwright, Response, expect, sync_playwright

from bench.cold_start import emulate, sign_in
from bench.report import Run, argument_parser, publish
from localcloud.cloud import LocalCloud, Ports
from localcloud.mediaconvert.samples import make_clip
from tools.chromium import launch_options

HEADING = "## Bytes to watch a clip on a phone"
PERSON = "Julie Martin"
PHONE = {"viewport": {"width": 390, "height": 844}, "device_scale_factor": 3, "is_mobile": True, "has_touch": True}
# Chromium's network emulation (DevTools Network.emulateNetworkConditions): throughput in bytes/s.
LINKS = {"localhost": None,
         "5mbit-40ms": {"offline": False, "latency": 40, "downloadThroughput": 5e6 / 8, "uploadThroughput": 5e6 / 8}}
PLAYBACK_RATE = 2
WAIT_MS = 900_000
SEGMENT = re.compile(r"_(\d+p)\.ts\?")


def upload(context: BrowserContext, site: str, clip: Path) -> dict[str, Any]:
    """The person uploads ``clip`` on a desktop-sized page; MyMedia's answer for it once it streams."""
    page = context.new_page()
    answers: list[dict[str, Any]] = []

    def seen(response: Response) -> None:
        if response.request.method == "GET" and "/media/" in response.url and response.ok:
            answers.append(json.loads(response.text()))

    page.on("response", seen)
    page.goto(site)
    page.wait_for_function("document.body.dataset.ready !== undefined", timeout=WAIT_MS)
    sign_in(context, page, PERSON)
    page.get_by_label("Choose videos to upload").set_input_files([str(clip)])
    title = clip.stem
    card = page.locator(f"#gallery li[data-status=ready]:has(.video-title:text-is('{title}'))")
    expect(card).to_be_visible(timeout=WAIT_MS)
    card.get_by_role("button", name=f"Play {title}").click()
    expect(page.locator("#player-sizes .quality-now")).to_have_text(re.compile("^Playing"), timeout=WAIT_MS)
    page.close()
    streamed = [answer for answer in answers if answer.get("stream")]
    if not streamed:
        raise RuntimeError("MyMedia never answered the video's stream")
    return streamed[-1]


def watch(context: BrowserContext, site: str, title: str, link: dict[str, Any] | None) -> dict[str, Any]:
    """Play ``title`` to the end in Auto on a phone-sized page over ``link``: segment bytes by rendition."""
    page = context.new_page()
    emulate(context, page, link)
    fetched: Counter[str] = Counter()
    responses: list[Response] = []
    page.on("response", lambda response: responses.append(response) if SEGMENT.search(response.url) else None)
    page.goto(site)
    page.wait_for_function("document.body.dataset.ready !== undefined", timeout=WAIT_MS)
    sign_in(context, page, PERSON)
    page.locator(f"#gallery li:has(.video-title:text-is('{title}'))").get_by_role(
        "button", name=f"Play {title}").click()
    player = page.get_by_label(f"Video player: {title}")
    expect(player).to_be_visible(timeout=WAIT_MS)
    player.evaluate(f"video => {{ video.muted = true; video.playbackRate = {PLAYBACK_RATE}; video.play(); }}")
    page.wait_for_function("video => video.ended", arg=player.element_handle(), timeout=WAIT_MS)
    width = player.evaluate("video => video.getBoundingClientRect().width")
    for response in responses:
        fetched[SEGMENT.search(response.url).group(1)] += len(response.body())  # type: ignore[union-attr]
    page.close()
    return {"bytes": sum(fetched.values()), "renditions": dict(fetched), "player_width": width}


def measure(seconds: int, height: int, links: list[str]) -> dict[str, Any]:
    """The clip's fixed renditions' sizes and each link's Auto playback, in one run."""
    with tempfile.TemporaryDirectory(prefix="bench-stream-") as root:
        clip = make_clip(imageio_ffmpeg.get_ffmpeg_exe(), Path(root) / "zoomies.mp4", seconds,
                         width=height * 16 // 9, height=height)
        cloud = LocalCloud(state_dir=Path(root) / "state", ports=Ports(0, 0, 0), settings={"persist": False})
        site = cloud.start().site
        try:
            with sync_playwright() as playwright:
                video = _desktop(playwright, site, clip)
                watched = {link: _phone(playwright, site, clip.stem, LINKS[link]) for link in links}
        finally:
            cloud.stop()
    ts_sizes = _stream_sizes(video)
    return {"mp4": max(r["bytes"] for r in video["renditions"]), "mp4_label": video["renditions"][0]["label"],
            "top_hls": max(ts_sizes.values()), "top_label": max(ts_sizes, key=_lines),
            "hls_sizes": ts_sizes, "watched": watched}


def _stream_sizes(video: dict[str, Any]) -> dict[str, int]:
    """Each HLS rendition's bytes: the last byte range its media playlist names (single-file segments)."""
    sizes = {}
    for text in video["stream"]["playlists"].values():
        ranges = re.findall(r"#EXT-X-BYTERANGE:(\d+)@(\d+)", text)
        found = SEGMENT.search(next((line for line in text.splitlines() if line and not line.startswith("#")), ""))
        if ranges and found:
            length, offset = ranges[-1]
            sizes[found.group(1)] = int(length) + int(offset)
    return sizes


def _desktop(playwright: Playwright, site: str, clip: Path) -> dict[str, Any]:
    with tempfile.TemporaryDirectory(prefix="bench-profile-") as profile:
        context = playwright.chromium.launch_persistent_context(profile, **launch_options())
        try:
            return upload(context, site, clip)
        finally:
            context.close()


def _phone(playwright: Playwright, site: str, title: str, link: dict[str, Any] | None) -> dict[str, Any]:
    with tempfile.TemporaryDirectory(prefix="bench-profile-") as profile:
        context = playwright.chromium.launch_persistent_context(profile, **launch_options(), **PHONE)
        try:
            return watch(context, site, title, link)
        finally:
            context.close()


def _mb(count: int) -> str:
    return f"{count / 1e6:.2f} MB"


def _lines(label: str) -> int:
    """A rung's height from its label ("720p" -> 720)."""
    return int(label.removesuffix("p"))


def render(results: dict[str, Any], seconds: int, height: int) -> str:
    """The section of docs/benchmarks.md: the fixed baselines, then Auto over each link."""
    lines = [f"A {seconds} s {height}p clip (ffmpeg's test pattern with a tone), played to the end at "
             f"{PLAYBACK_RATE}x on a phone-sized page (390x844 CSS px, device pixel ratio 3). Auto = hls.js's "
             "choice (capped to the player's size); bytes = segment response bodies.", "",
             "| how | link | bytes | renditions fetched | / fixed MP4 |", "|---|---|---|---|---|"]
    fixed = results["mp4"]
    lines.append(f"| fixed MP4 {results['mp4_label']} (a fixed rendition, as before streaming; baseline) | any | {_mb(fixed)} "
                 f"| {results['mp4_label']} | 1.00x |")
    lines.append(f"| fixed HLS {results['top_label']} (no adaptation, top quality) | any | {_mb(results['top_hls'])} "
                 f"| {results['top_label']} | {results['top_hls'] / fixed:.2f}x |")
    for link, watched in results["watched"].items():
        fetched = ", ".join(f"{label} {_mb(n)}" for label, n in sorted(watched["renditions"].items()))
        lines.append(f"| Auto (player {watched['player_width']:.0f} CSS px wide) | {link} | {_mb(watched['bytes'])} "
                     f"| {fetched} | {watched['bytes'] / fixed:.2f}x |")
    sizes = ", ".join(f"{label} {_mb(n)}" for label, n in sorted(results["hls_sizes"].items(), key=lambda item: _lines(item[0])))
    lines += ["", f"The stream's renditions: {sizes}."]
    return "\n".join(lines)


def main() -> int:
    parser = argument_parser(__doc__)
    parser.add_argument("--seconds", type=int, default=60)
    parser.add_argument("--height", type=int, default=1080)
    parser.add_argument("--links", default=",".join(LINKS), help=f"comma-separated, of {', '.join(LINKS)}")
    args = parser.parse_args()
    run = Run.start()
    results = measure(args.seconds, args.height, args.links.split(","))
    publish(HEADING, render(results, args.seconds, args.height), run, write=not args.no_write)
    return 0


if __name__ == "__main__":
    sys.exit(main())
