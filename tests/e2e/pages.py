"""What the browser tests share: clips made on the spot, booting the page, signing in, the gallery's cards."""

from __future__ import annotations

import subprocess
from collections.abc import Callable
from pathlib import Path
from typing import Any

import imageio_ffmpeg
from playwright.sync_api import Locator, Page, expect

# Python boots in the page: generous on a busy 2-core CI machine, never a pass/fail timing.
BOOT_TIMEOUT_MS = 180_000
PROCESS_TIMEOUT_MS = 240_000
MIB = 1024 * 1024


def make_clip(path: Path, seconds: int, colour: str, size: str = "480x270") -> Path:
    """A small real video with sound (H.264 + AAC), made on the spot."""
    subprocess.run(
        [imageio_ffmpeg.get_ffmpeg_exe(), "-hide_banner", "-loglevel", "error", "-y",
         "-f", "lavfi", "-i", f"testsrc2=size={size}:rate=25:duration={seconds}",
         "-f", "lavfi", "-i", f"sine=frequency=440:duration={seconds}",
         "-vf", f"drawbox=x=0:y=0:w=60:h=60:color={colour}:t=fill",
         "-c:v", "libx264", "-preset", "ultrafast", "-pix_fmt", "yuv420p", "-c:a", "aac", "-shortest", str(path)],
        check=True,
    )
    return path


def open_app(guarded: Any, site: str, shoot: Callable[..., Path] | None = None) -> Page:
    """Load the page: it paints a 'starting' state at once, then Python takes over.

    The page's clock is installed (it runs normally) so a test can later jump an hour ahead.
    """
    page = guarded.context.new_page()
    page.clock.install()
    page.goto(site, wait_until="domcontentloaded")
    boot = page.locator("#boot")
    if boot.is_visible():  # a warm start may already be past it
        expect(boot).to_contain_text("Starting PetTube")
        if shoot:
            shoot(page, "0-starting")
    page.wait_for_selector("body[data-ready=true]", state="attached", timeout=BOOT_TIMEOUT_MS)
    return page


def sign_in_with_google(guarded: Any, page: Page, person: str) -> None:
    """The person clicks the Google button and picks their account in the stand-in's chooser popup
    (Python's: before it is up, the button signs in by a redirect in the tab instead)."""
    page.wait_for_selector("body[data-ready=true]", state="attached", timeout=BOOT_TIMEOUT_MS)
    with guarded.context.expect_page() as popup_info:
        page.get_by_role("button", name="Sign in with Google").click()
    popup = popup_info.value
    popup.get_by_text(person).first.click()
    expect(page.locator("#workspace")).to_be_visible(timeout=60_000)
    expect(page.locator("#user-name")).to_have_text(person)


def throttle(network: Any, *, upload: int = -1, download: int = -1, latency: int = 0, offline: bool = False) -> None:
    """Chromium's network emulation: a slow link (bytes/s; -1: no limit), or none at all."""
    network.send("Network.emulateNetworkConditions", {"offline": offline, "latency": latency,
                                                      "downloadThroughput": download, "uploadThroughput": upload})


def card(page: Page, title: str) -> Locator:
    """A gallery card by its video's title."""
    return page.get_by_role("list", name="My videos").locator("li").filter(
        has=page.locator(".video-title", has_text=title))
