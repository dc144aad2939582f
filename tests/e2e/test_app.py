"""PetTube in Chromium against the local cloud: sign in, upload, watch, delete, and privacy between users.

One scenario on purpose: each browser boot costs Python's start-up, so julie's session
carries the upload, playback and delete steps, and bob gets a fresh profile of his own.
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from playwright.sync_api import Page, expect

from tests.e2e.pages import (
    BOOT_TIMEOUT_MS, MIB, PROCESS_TIMEOUT_MS, card, make_clip, open_app, sign_in_with_google, throttle,
)

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def clips(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    """Two clips, a corrupt 'video' big enough to show progress, and a text file."""
    folder = tmp_path_factory.mktemp("clips")
    broken = folder / "broken clip.mp4"
    broken.write_bytes(os.urandom(30 * MIB))  # six 5 MiB parts: four in flight, then two
    notes = folder / "notes.txt"
    notes.write_text("not a video")
    return {
        "rex": make_clip(folder / "Rex <img src=x onerror=alert(1)> & friends.mp4", 4, "red"),
        "mia": make_clip(folder / "mia-zoomies.mp4", 5, "blue", size="854x480"),  # two sizes: 480p and 360p
        "broken": broken,
        "notes": notes,
    }


def wait_for_upload_percent(page: Page, name: str, above: int, below: int) -> None:
    """Wait until an upload's bar is in a range (rows are re-rendered on state changes: look it up afresh)."""
    page.wait_for_function(
        """([label, above, below]) => {
            const bar = document.querySelector(`[role=progressbar][aria-label="${label}"]`);
            const percent = bar ? Number(bar.getAttribute('aria-valuenow')) : 0;
            return percent > above && percent < below;
        }""",
        arg=[f"Upload of {name}", above, below], timeout=120_000)


@pytest.mark.timeout(1200)
def test_julie_uploads_watches_and_deletes_and_bob_sees_none_of_it(
    local_cloud, guarded_context, shoot, clips: dict[str, Path]
) -> None:
    julie = guarded_context()
    page = open_app(julie, local_cloud.site, shoot)
    expect(page.get_by_role("button", name="Sign in with Google")).to_be_visible()
    shoot(page, "1-sign-in")
    sign_in_with_google(julie, page, "Julie Martin")
    expect(page.locator("#empty")).to_be_visible(timeout=60_000)
    shoot(page, "2-empty")

    # Refused before a byte is sent.
    page.get_by_label("Choose videos to upload").set_input_files([clips["notes"]])
    refused = page.locator(".upload-refused")
    expect(refused).to_contain_text("Not a video")

    # Two clips at once.
    page.get_by_label("Choose videos to upload").set_input_files([clips["rex"], clips["mia"]])
    for name in ("Rex <img src=x onerror=alert(1)> & friends.mp4", "mia-zoomies.mp4"):
        expect(page.get_by_role("progressbar", name=f"Upload of {name}")).to_have_attribute("aria-valuenow", "100", timeout=60_000)
    # A big file on a slow link: progress with speed and time left, a dropped connection,
    # then the tab is reloaded mid-upload and the same file resumes from the parts S3 has.
    network = page.context.new_cdp_session(page)
    network.send("Network.enable")
    throttle(network, upload=2 * MIB)
    page.get_by_label("Choose videos to upload").set_input_files([clips["broken"]])
    wait_for_upload_percent(page, "broken clip.mp4", above=10, below=60)
    expect(page.locator(".upload-uploading .upload-line")).to_contain_text("/s")
    shoot(page, "3-uploading")
    throttle(network, offline=True)
    page.wait_for_timeout(1500)
    throttle(network, upload=2 * MIB)
    wait_for_upload_percent(page, "broken clip.mp4", above=70, below=100)
    page.reload(wait_until="domcontentloaded")
    page.wait_for_selector("body[data-ready=true]", state="attached", timeout=BOOT_TIMEOUT_MS)
    expect(page.locator("#resume-hint")).to_contain_text("broken clip.mp4", timeout=60_000)
    page.get_by_label("Choose videos to upload").set_input_files([clips["broken"]])
    expect(page.locator(".upload-uploading .upload-line")).to_contain_text("resumed", timeout=60_000)
    expect(page.locator("#resume-hint")).to_be_hidden()  # the file is on screen again, with its own progress
    resumed_at = int(page.get_by_role("progressbar", name="Upload of broken clip.mp4").get_attribute("aria-valuenow"))
    assert resumed_at >= 60, f"the upload started again from {resumed_at}% instead of resuming"
    throttle(network)
    expect(page.get_by_role("progressbar", name="Upload of broken clip.mp4")).to_have_attribute(
        "aria-valuenow", "100", timeout=120_000)

    # Processing happens by itself; the gallery follows without a reload.
    # A new video's title is its file name without the extension.
    rex, mia, broken = card(page, "Rex <img src=x onerror=alert(1)> & friends"), card(page, "mia-zoomies"), card(page, "broken clip")
    for ready in (rex, mia):
        expect(ready).to_have_attribute("data-status", "ready", timeout=PROCESS_TIMEOUT_MS)
    expect(broken).to_have_attribute("data-status", "failed", timeout=PROCESS_TIMEOUT_MS)
    expect(broken.locator(".video-reason")).to_contain_text("could not be")
    # Their upload rows stepped aside: each card now tells where its video stands.
    expect(page.locator("#uploads .upload-done")).to_have_count(0, timeout=30_000)
    assert page.locator("#gallery img[src=x], #uploads img").count() == 0, "a file name was inserted as HTML"
    for ready in (rex, mia):
        thumbnail = ready.locator("img")
        expect(thumbnail).to_be_visible()
        assert thumbnail.evaluate("img => img.complete && img.naturalWidth > 0"), "thumbnail did not load"
    shoot(page, "4-gallery")

    # Play a rendition: the video really plays, and another size keeps playing.
    page.get_by_role("button", name="Play mia-zoomies").click()
    player = page.get_by_label("Video player: mia-zoomies")
    expect(player).to_be_visible()
    player.evaluate("video => { video.muted = true; return video.play(); }")
    page.wait_for_function("video => video.currentTime > 0.5", arg=player.element_handle(), timeout=60_000)
    shoot(page, "5-playing", full_page=False)
    sizes = page.get_by_role("group", name="Video size").get_by_role("button")
    assert sizes.count() >= 2, "a 480p source should offer more than one size"
    position = player.evaluate("video => video.currentTime")
    sizes.last.click()
    expect(sizes.last).to_have_attribute("aria-pressed", "true")
    page.wait_for_function("([video, from]) => video.currentTime > from + 0.3 || video.ended",
                           arg=[player.element_handle(), position], timeout=60_000)
    page.keyboard.press("Escape")
    expect(page.get_by_role("dialog")).to_have_count(0)

    # Bob, in his own browser profile, sees none of julie's videos.
    bob = guarded_context()
    bob_page = open_app(bob, local_cloud.site)
    sign_in_with_google(bob, bob_page, "Bob Okafor")
    expect(bob_page.locator("#empty")).to_be_visible(timeout=60_000)
    expect(bob_page.get_by_role("list", name="My videos").locator("li")).to_have_count(0)
    shoot(bob_page, "6-bob-empty")

    # Julie deletes one (after confirming); it is gone, also after a reload.
    page.get_by_role("button", name="Delete mia-zoomies").click()
    dialog = page.get_by_role("dialog", name="Delete this video?")
    expect(dialog).to_contain_text("mia-zoomies")
    dialog.get_by_role("button", name="Delete").click()
    expect(mia).to_have_count(0)
    page.reload(wait_until="domcontentloaded")
    page.wait_for_selector("body[data-ready=true]", state="attached", timeout=BOOT_TIMEOUT_MS)
    expect(rex).to_have_attribute("data-status", "ready", timeout=60_000)
    expect(mia).to_have_count(0)
    shoot(page, "7-after-delete")
    jump_to_renewal(page)  # through the Google stand-in in a hidden frame (prompt=none)

    assert not julie.page_errors and not bob.page_errors, julie.page_errors + bob.page_errors



def jump_to_renewal(page: Page) -> None:
    """Cognito's credentials last an hour; the page renews them 5 minutes before, silently."""
    pages_before = len(page.context.pages)
    with page.expect_console_message(lambda message: "credentials renewed" in message.text, timeout=60_000):
        page.clock.fast_forward("56:00")
    assert len(page.context.pages) == pages_before, "renewal opened a window the person would notice"
    expect(page.locator("#banner")).to_be_hidden()
    expect(page.locator("#workspace")).to_be_visible()
    # No API call after this: the page's clock is now 56 minutes ahead of the API's,
    # and SigV4 rightly refuses requests signed that far in the future.


@pytest.mark.timeout(600)
def test_an_email_account_signs_up_confirms_signs_in_and_stays_signed_in(local_cloud, guarded_context, shoot) -> None:
    dora = guarded_context()
    page = open_app(dora, local_cloud.site)
    page.get_by_role("button", name="Create account").click()
    page.get_by_label("Email", exact=True).fill("dora@example.com")
    page.get_by_label("Password", exact=True).fill("walkies2026")
    page.locator("#email-submit").click()
    expect(page.locator("#code-hint")).to_contain_text("dora@example.com", timeout=60_000)
    assert "walkies2026" not in page.url, "the password must never reach the address bar"
    page.get_by_label("Code from the email").fill("123456")  # moto's user pools accept any code
    page.get_by_role("button", name="Confirm").click()
    expect(page.locator("#workspace")).to_be_visible(timeout=60_000)
    expect(page.locator("#user-name")).to_have_text("dora@example.com")
    expect(page.locator("#empty")).to_be_visible(timeout=60_000)
    # Keyboard only: from the header, Tab reaches the file chooser and Space opens it.
    # Playwright intercepts file choosers only once a listener exists, and switches that on
    # asynchronously: listen well before the key press, or the chooser can open unseen.
    page.on("filechooser", lambda chooser: None)
    chooser_input = page.get_by_label("Choose videos to upload")
    expect(chooser_input).to_be_enabled()
    page.get_by_role("button", name="Sign out").focus()
    page.keyboard.press("Tab")
    expect(chooser_input).to_be_focused()
    with page.expect_file_chooser(timeout=120_000) as chooser:
        page.keyboard.press("Space")
    assert chooser.value.is_multiple()
    shoot(page, "signed-in")
    jump_to_renewal(page)  # through the user pool's refresh token
    page.get_by_role("button", name="Sign out").click()
    expect(page.get_by_role("button", name="Sign in with Google")).to_be_visible()
    expect(page.locator("#account")).to_be_hidden()
