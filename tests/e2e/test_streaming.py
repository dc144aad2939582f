"""Adaptive streaming in Chromium against a local cloud: watch the original at once, then the HLS ladder.

On a cloud of its own the test pauses MediaConvert's Default queue (UpdateQueue, as an operator
would on AWS), so the upload's transcode job waits SUBMITTED: the video can be watched from its
original while its ladder waits (and the test knows the ladder is not done). Once the queue
resumes, it streams through hls.js in Auto,
switches to a fixed quality, and every playlist the page was given names only presigned,
expiring URLs, as does every segment request. A 1080p clip plays in Auto, and when the link
drops to 1 Mbit/s (Chromium's network emulation) hls.js moves down a rendition while the
picture never stops to wait for data (no `waiting` event).
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlsplit

import pytest
from localcloud.endpoints import Endpoints
from playwright.sync_api import Page, Response, expect

from tests.e2e.pages import PROCESS_TIMEOUT_MS, card, make_clip, open_app, sign_in_with_google
from tests.e2e.test_sharing import plays
from tests.separate_cloud import TEST_SETTINGS, separate_cloud

pytestmark = pytest.mark.slow


@pytest.fixture
def paused_transcoder(tmp_path: Path) -> Iterator[Endpoints]:
    """A cloud of its own whose MediaConvert Default queue is paused: new jobs wait SUBMITTED."""
    with separate_cloud(tmp_path / "state", {**TEST_SETTINGS, "persist": False}) as endpoints:
        endpoints.client("mediaconvert").update_queue(Name="Default", Status="PAUSED")
        yield endpoints


def presigned(url: str) -> bool:
    """A SigV4 query-signed URL with a lifetime (X-Amz-Expires), not a bare object address."""
    query = parse_qs(urlsplit(url).query)
    return all(query.get(name) for name in ("X-Amz-Signature", "X-Amz-Credential", "X-Amz-Expires"))


@pytest.mark.timeout(1200)
def test_a_fresh_upload_plays_at_once_then_streams_adaptively_from_presigned_playlists(
    paused_transcoder: Endpoints, guarded_context: Callable[..., Any], shoot: Callable[..., Path], tmp_path: Path,
) -> None:
    julie = guarded_context()
    page = open_app(julie, paused_transcoder.site)
    answers: list[dict[str, Any]] = []
    segments: list[str] = []

    def seen(response: Response) -> None:
        if response.request.method == "GET" and "/media/" in response.url and response.ok:
            answers.append(json.loads(response.text()))

    page.on("response", seen)
    page.on("request", lambda request: segments.append(request.url) if ".ts?" in request.url else None)
    sign_in_with_google(julie, page, "Julie Martin")

    # The transcoder's queue is paused: Bella's job waits SUBMITTED.
    page.get_by_label("Choose videos to upload").set_input_files([make_clip(tmp_path / "bella.mp4", 6, "red",
                                                                            size="1280x720")])

    # Bella can be watched at once, from her original, while her ladder has not even started.
    bella = card(page, "bella")
    expect(bella.get_by_role("button", name="Play bella")).to_be_visible(timeout=60_000)
    expect(bella.locator(".badge-quality")).to_have_text("Original · more sizes soon")
    bella.get_by_role("button", name="Play bella").click()
    plays(page, "bella")
    expect(page.locator("#player-sizes .quality-now")).to_have_text("Playing Original")
    assert bella.get_attribute("data-status") in ("uploaded", "processing")
    shoot(page, "1-original-while-transcoding", full_page=False)
    page.keyboard.press("Escape")
    mediaconvert = paused_transcoder.client("mediaconvert")
    assert [job["Status"] for job in mediaconvert.list_jobs()["Jobs"]] == ["SUBMITTED"]
    mediaconvert.update_queue(Name="Default", Status="ACTIVE")

    # Once her ladder is done, she streams: hls.js in Auto, then a fixed quality chosen by hand.
    expect(bella).to_have_attribute("data-status", "ready", timeout=3 * PROCESS_TIMEOUT_MS)
    bella.get_by_role("button", name="Play bella").click()
    plays(page, "bella")
    player = page.get_by_label("Video player: bella")
    assert player.evaluate("video => video.currentSrc").startswith("blob:"), "Media Source Extensions, not a file"
    sizes = page.get_by_role("group", name="Video size")
    expect(sizes.get_by_role("button", name="Auto")).to_have_attribute("aria-pressed", "true")
    assert [b.inner_text() for b in sizes.get_by_role("button").all()] == ["Auto", "720p", "480p", "360p"]
    expect(sizes.locator(".quality-now")).to_have_text(re.compile(r"^Playing (720|480|360)p \(auto\)$"), timeout=30_000)
    # Fixing the quality Auto plays now switches nothing; the page says it is fixed all the same.
    on_screen = _playing(sizes)
    sizes.get_by_role("button", name=on_screen).click()
    expect(sizes.locator(".quality-now")).to_have_text(f"Playing {on_screen}", timeout=30_000)
    sizes.get_by_role("button", name="360p").click()
    expect(sizes.get_by_role("button", name="360p")).to_have_attribute("aria-pressed", "true")
    expect(sizes.locator(".quality-now")).to_have_text("Playing 360p", timeout=30_000)
    plays(page, "bella")
    assert "_360p.ts" in player.evaluate("video => video.dataset.source")
    shoot(page, "2-streaming-360p", full_page=False)

    # Every URL in every playlist the page received is presigned and expires; so is every segment request.
    streams = [answer["stream"] for answer in answers if answer.get("stream")]
    assert streams, "the page never received a stream"
    for stream in streams:
        assert stream["playlists"]
        for text in stream["playlists"].values():
            uris = [line for line in text.splitlines() if line and not line.startswith("#")]
            assert uris and all(presigned(uri) for uri in uris), uris
    assert segments and all(presigned(url) for url in segments), segments
    assert not julie.page_errors, julie.page_errors


# A link slower than the 720p rendition of a test pattern (about 1.7 Mbit/s) and faster than 360p (about 0.5).
SLOW_LINK = {"offline": False, "latency": 40, "downloadThroughput": 1_000_000 / 8, "uploadThroughput": 1_000_000 / 8}
RUNGS = ("1080p", "720p", "480p", "360p")


def _playing(sizes: Any) -> str:
    """The rung the player says it plays in Auto ("720p" of "Playing 720p (auto)")."""
    found = re.fullmatch(r"Playing (\d+p) \(auto\)", sizes.locator(".quality-now").inner_text())
    assert found, "the player is not in Auto"
    return found.group(1)


@pytest.mark.timeout(1200)
def test_a_1080p_clip_plays_in_auto_and_moves_down_a_rendition_when_the_network_slows_without_rebuffering(
    local_cloud: Endpoints, guarded_context: Callable[..., Any], shoot: Callable[..., Path], tmp_path: Path,
) -> None:
    julie = guarded_context()
    page = open_app(julie, local_cloud.site)
    sign_in_with_google(julie, page, "Julie Martin")
    page.get_by_label("Choose videos to upload").set_input_files(
        [make_clip(tmp_path / "zoomies in the garden.mp4", 45, "orange", size="1920x1080")])
    zoomies = card(page, "zoomies in the garden")
    expect(zoomies).to_have_attribute("data-status", "ready", timeout=3 * PROCESS_TIMEOUT_MS)
    zoomies.get_by_role("button", name="Play zoomies in the garden").click()
    plays(page, "zoomies in the garden")
    player = page.get_by_label("Video player: zoomies in the garden")
    sizes = page.get_by_role("group", name="Video size")
    assert [b.inner_text() for b in sizes.get_by_role("button").all()] == ["Auto", *RUNGS]

    # Auto on a fast link: 720p or more (capped to the player's size), with its 12 s buffered ahead.
    expect(sizes.locator(".quality-now")).to_have_text(re.compile(r"^Playing (1080|720)p \(auto\)$"),
                                                       timeout=60_000)
    page.wait_for_function("video => video.buffered.length && video.buffered.end(0) - video.currentTime > 10",
                           arg=player.element_handle(), timeout=60_000)
    before = _playing(sizes)

    # The link drops to 1 Mbit/s: hls.js moves down, and the picture never stops to wait for data.
    throttled_at = player.evaluate("""video => {
        video.dataset.waits = "0";
        video.addEventListener("waiting", () => { video.dataset.waits = String(Number(video.dataset.waits) + 1); });
        return video.currentTime;
    }""")
    devtools = julie.context.new_cdp_session(page)
    devtools.send("Network.enable")
    devtools.send("Network.emulateNetworkConditions", SLOW_LINK)
    lower = "|".join(RUNGS[RUNGS.index(before) + 1:])
    expect(sizes.locator(".quality-now")).to_have_text(re.compile(rf"^Playing ({lower}) \(auto\)$"), timeout=120_000)
    # Past what was buffered before the link slowed: what plays now came over the slow link.
    page.wait_for_function("([video, from]) => video.currentTime > from + 20 || video.ended",
                           arg=[player.element_handle(), throttled_at], timeout=180_000)
    assert player.evaluate("video => video.dataset.waits") == "0", "playback stalled waiting for data"
    assert re.search(rf"_({lower})\.ts", player.evaluate("video => video.dataset.source"))
    shoot(page, "3-auto-moved-down-on-a-slow-link", full_page=False)
    assert not julie.page_errors, julie.page_errors
