"""Sharing in Chromium against the local cloud: titles, a link a guest watches, revoking it, search, expiring URLs.

Two scenarios: julie's videos on the shared cloud (rename, share, a guest watches, private
again, bob locked out, search), and a cloud of its own whose presigned URLs live one
minute, where the page must keep playing after they expire.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any
from urllib.parse import unquote, urlsplit

import pytest
from botocore.exceptions import ClientError
from localcloud.endpoints import Endpoints
from playwright.sync_api import Page, expect

from tests.e2e.pages import BOOT_TIMEOUT_MS, PROCESS_TIMEOUT_MS, card, make_clip, open_app, sign_in_with_google, throttle
from tests.reliability.rel_actors import google_user
from tests.separate_cloud import TEST_SETTINGS, separate_cloud

pytestmark = pytest.mark.slow

TITLE = "Rex <b>meets</b> the cat 🐈"
DESCRIPTION = "He was brave for about four seconds.\nThen he was not."
LINK = re.compile(r"/#/watch/[A-Za-z0-9_-]{32}$")
URL_SECONDS = 60  # the template's smallest UrlExpirySeconds
# The presigned URL a player reads: a stream's segments (hls.js plays from a blob: URL), or the MP4's own.
SOURCE = "video => video.dataset.source || video.currentSrc"


def share(page: Page, title: str, visibility: str) -> str:
    """Choose who can watch in the share dialog; the link it then shows ("" when private)."""
    card(page, title).get_by_role("button", name="Share").click()
    dialog = page.get_by_role("dialog", name="Share")
    dialog.get_by_label(visibility).check()
    link = dialog.get_by_label("Link", exact=True)
    if visibility == "Private":
        expect(link).to_be_hidden(timeout=30_000)
        return ""
    expect(link).to_have_value(LINK, timeout=30_000)
    return link.input_value()


def close_share(page: Page) -> None:
    page.get_by_role("dialog", name="Share").get_by_role("button", name="Done").click()
    expect(page.get_by_role("dialog", name="Share")).to_be_hidden()


def reload(page: Page) -> None:
    page.reload(wait_until="domcontentloaded")
    page.wait_for_selector("body[data-ready=true]", state="attached", timeout=BOOT_TIMEOUT_MS)


def plays(page: Page, title: str) -> None:
    """The player for ``title`` really advances (muted: headless Chromium allows that without a gesture)."""
    player = page.get_by_label(f"Video player: {title}")
    expect(player).to_be_visible(timeout=60_000)
    start = player.evaluate("video => { video.muted = true; video.play(); return video.currentTime; }")
    page.wait_for_function("([video, from]) => video.currentTime > from + 0.5", arg=[player.element_handle(), start],
                           timeout=60_000)


@pytest.fixture(scope="module")
def sharing_clips(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    folder = tmp_path_factory.mktemp("sharing-clips")
    return {"rex": make_clip(folder / "rex-zoomies.mp4", 4, "red"),
            "mia": make_clip(folder / "mia at the beach.mp4", 3, "blue")}


@pytest.mark.timeout(1200)
def test_julie_shares_a_video_a_guest_watches_it_and_the_link_dies_when_she_makes_it_private(
    local_cloud: Endpoints, guarded_context: Callable[..., Any], shoot: Callable[..., Path],
    sharing_clips: dict[str, Path],
) -> None:
    julie = guarded_context(permissions=["clipboard-read", "clipboard-write"])
    page = open_app(julie, local_cloud.site)
    sign_in_with_google(julie, page, "Julie Martin")
    page.get_by_label("Choose videos to upload").set_input_files([sharing_clips["rex"], sharing_clips["mia"]])
    for title in ("rex-zoomies", "mia at the beach"):  # a new video is titled after its file
        expect(card(page, title)).to_have_attribute("data-status", "ready", timeout=PROCESS_TIMEOUT_MS)
    video_id = card(page, "rex-zoomies").get_attribute("data-video-id")

    # Renamed in place: the API's refusal shows next to the field, then the new details show escaped.
    rex = page.locator(f'#gallery li[data-video-id="{video_id}"]')
    rex.get_by_role("button", name="Edit details").click()
    title_field = rex.get_by_label("Title")
    title_field.fill("   ")
    rex.get_by_role("button", name="Save").click()
    expect(rex.locator(".field-error[data-field=title]")).to_contain_text("title", ignore_case=True, timeout=30_000)
    expect(title_field).to_have_attribute("aria-invalid", "true")
    shoot(page, "1-title-refused")
    title_field.fill(f"  {TITLE} ")
    rex.get_by_label("Description").fill(DESCRIPTION)
    rex.get_by_role("button", name="Save").click()
    expect(rex.locator(".video-title")).to_have_text(TITLE, timeout=30_000)  # trimmed by the API
    expect(rex.locator(".video-description")).to_have_text(DESCRIPTION)
    assert page.locator("#gallery b").count() == 0, "a title was inserted as HTML"

    # Find: the search box filters by title and description as you type; sort by title.
    shown = page.get_by_role("list", name="My videos").locator("li").count()  # earlier tests may have left videos
    search = page.get_by_label("Search my videos")
    search.press_sequentially("BRAVE")
    expect(page.get_by_role("list", name="My videos").locator("li")).to_have_count(1)
    expect(card(page, TITLE)).to_be_visible()
    expect(page.locator("#media-count")).to_have_text(f"1 of {shown} videos")
    search.fill("beach")
    expect(page.get_by_role("list", name="My videos").locator("li")).to_have_count(1)
    expect(card(page, "mia at the beach")).to_be_visible()
    search.fill("parrot")
    expect(page.locator("#no-match")).to_have_text("No videos match “parrot”.")
    shoot(page, "2-no-match")
    search.fill("")
    page.get_by_label("Sort videos").select_option("title")
    ours = page.locator("#gallery .video-title").filter(has_text=re.compile(f"^(mia at the beach|{re.escape(TITLE)})$"))
    expect(ours).to_have_text(["mia at the beach", TITLE])  # by title, whatever case: "mia" before "Rex"

    # Shared by link: copied as people do, and marked on the card.
    link = share(page, TITLE, "Anyone with the link")
    assert link.startswith(local_cloud.site)
    page.get_by_role("dialog", name="Share").get_by_role("button", name="Copy link").click()
    expect(page.locator(".toast", has_text="Link copied.")).to_be_visible()
    assert page.evaluate("navigator.clipboard.readText()") == link
    shoot(page, "3-share-dialog", full_page=False)
    close_share(page)
    expect(card(page, TITLE).locator(".chip-link")).to_have_text("Anyone with the link")

    # A guest on a phone, never signed in, opens the link: the video plays, with its details and the owner's name.
    guest = guarded_context(viewport={"width": 390, "height": 844}, is_mobile=True, has_touch=True)
    watch = open_app(guest, link)
    expect(watch.get_by_role("heading", name=TITLE)).to_be_visible(timeout=60_000)
    expect(watch.locator("#watch-owner")).to_have_text("Shared by Julie")  # given_name, never the email
    expect(watch.locator("#watch-description")).to_have_text(DESCRIPTION)
    expect(watch.get_by_role("link", name="Sign in to upload your own")).to_be_visible()
    plays(watch, TITLE)
    guest_player = watch.get_by_label(f"Video player: {TITLE}")
    assert guest_player.evaluate("video => video.currentSrc").startswith("blob:"), "the guest is not streaming"
    assert re.search(r"_\d+p\.ts\?", guest_player.evaluate("video => video.dataset.source")), "not an HLS segment"
    shoot(watch, "4-guest-watching")
    assert watch.evaluate("sessionStorage.getItem('pettube.login')") is None
    assert watch.evaluate("localStorage.getItem('pettube.guest-identity')"), "the guest identity is not kept"
    assert "julie@" not in watch.content() and "us-east-1:" not in watch.content(), "an email or identity id leaked"

    # Julie makes it private: the guest's reload says so, plainly.
    share(page, TITLE, "Private")
    close_share(page)
    expect(card(page, TITLE).locator(".chip-link")).to_have_count(0)
    reload(watch)
    expect(watch.get_by_role("heading", name="This video is not available")).to_be_visible(timeout=60_000)
    expect(watch.get_by_label(f"Video player: {TITLE}")).to_have_count(0)
    shoot(watch, "5-guest-not-available")
    watch.get_by_role("link", name="Go to PetTube").click()  # and from there, sign in to upload their own
    expect(watch.get_by_role("button", name="Sign in with Google")).to_be_visible()

    # Turning the link on again makes a new one; the old one stays dead. Julie, signed in, opens it.
    new_link = share(page, TITLE, "Anyone with the link")
    close_share(page)
    assert new_link != link
    page.goto(new_link)
    expect(page.get_by_role("heading", name=TITLE)).to_be_visible(timeout=60_000)
    expect(page.get_by_role("link", name="Go to my videos")).to_be_visible()
    page.get_by_role("link", name="Go to my videos").click()
    expect(card(page, TITLE)).to_be_visible(timeout=60_000)
    share(page, TITLE, "Private")
    close_share(page)

    # Bob, signed in, can neither change, delete nor read julie's video by any route: the same 404 as no video.
    bob = google_user(local_cloud, "bob")
    missing = bob.api("GET", "/media/01aaaaaaaaaaaaaaaaaaaaaaaa")
    assert missing.status_code == 404
    for method, body in (("GET", None), ("PATCH", b'{"title": "mine now", "visibility": "link"}'), ("DELETE", None)):
        answer = bob.api(method, f"/media/{video_id}", body=body,
                         headers={"Content-Type": "application/json"} if body else None)
        assert (answer.status_code, answer.json()) == (404, missing.json()), method
    assert video_id not in bob.api("GET", "/media").text
    for token in (link, new_link):
        assert bob.api("GET", f"/shared/{token.rsplit('/', 1)[1]}").status_code == 404
    # Nor straight from S3 with his own credentials (path-style URL: /bucket/key).
    thumbnail_key = unquote(urlsplit(card(page, TITLE).locator("img").get_attribute("src")).path).split("/", 2)[2]
    s3 = bob.s3()
    for attempt in (lambda: s3.get_object(Bucket=local_cloud.transcoded_bucket, Key=thumbnail_key),
                    lambda: s3.list_objects_v2(Bucket=local_cloud.originals_bucket,
                                               Prefix=thumbnail_key.split("/", 1)[0] + "/")):
        with pytest.raises(ClientError, match="AccessDenied"):
            attempt()
    reload(page)
    expect(card(page, TITLE)).to_have_attribute("data-status", "ready", timeout=60_000)  # still julie's, unchanged
    shoot(page, "6-julie-after-bob")

    assert not julie.page_errors and not guest.page_errors, julie.page_errors + guest.page_errors


@pytest.fixture
def short_lived_urls(tmp_path: Path) -> Iterator[Endpoints]:
    """A cloud of its own whose MyMedia signs URLs for one minute (the template's UrlExpirySeconds)."""
    with separate_cloud(tmp_path / "state", {**TEST_SETTINGS, "parameters": {"UrlExpirySeconds": str(URL_SECONDS)},
                                             "persist": False}) as endpoints:
        yield endpoints


def watch_slowly(page: Page, title: str) -> tuple[str, Any]:
    """Start watching on a slow link, then pause on a crawl: the browser holds only the first seconds.

    Paused, a player goes on buffering (hls.js two 10 s segments ahead, a browser a whole small
    MP4), so the link drops to a crawl that keeps the stream open but brings almost nothing more.
    The slow link before it is 100 KB/s: a first 270p segment (about 450 KB) and hls.js itself
    (about 100 KB) take some 6 s; at 10 KB/s they took 57 of the 60 s allowed, and CI ran out.
    The URL it plays, and the page's network emulation (to lift the slow link later).
    """
    network = page.context.new_cdp_session(page)
    network.send("Network.enable")
    throttle(network, download=100_000)
    plays(page, title)
    player = page.get_by_label(f"Video player: {title}")
    player.evaluate("video => video.pause()")
    throttle(network, download=200)
    return player.evaluate(SOURCE), network


def wait_until_expired(page: Page, url: str) -> None:
    """Until a presigned URL is past its X-Amz-Date + X-Amz-Expires, and S3 refuses it."""
    page.wait_for_function("url => { const q = new URL(url).searchParams;"
                           " const d = q.get('X-Amz-Date'), at = Date.UTC(+d.slice(0, 4), +d.slice(4, 6) - 1,"
                           " +d.slice(6, 8), +d.slice(9, 11), +d.slice(11, 13), +d.slice(13, 15));"
                           " return Date.now() > at + 1000 * (+q.get('X-Amz-Expires') + 2); }",
                           arg=url, timeout=(URL_SECONDS + 30) * 1000)
    assert page.request.get(url).status == 403, "the URL should have expired"


def jump_ahead_and_play_on(page: Page, network: Any, title: str, expired_url: str) -> None:
    """Play on and jump past what was downloaded: the browser must ask again, with a URL that expired.

    The page gives the player a fresh URL and it goes on from there, still playing. The slow
    link has done its part (nothing past the first seconds was fetched) and is lifted, so only
    the expired URL stands in the way.
    """
    throttle(network)
    player = page.get_by_label(f"Video player: {title}")
    player.evaluate("video => { video.play(); video.currentTime = 25; }")
    page.wait_for_function("video => video.currentTime > 25.5 && !video.paused", arg=player.element_handle(),
                           timeout=120_000)
    assert player.evaluate(SOURCE) != expired_url


@pytest.mark.timeout(900)
def test_the_page_keeps_playing_after_its_urls_expire(
    short_lived_urls: Endpoints, guarded_context: Callable[..., Any], shoot: Callable[..., Path], tmp_path: Path,
) -> None:
    julie = guarded_context()
    page = open_app(julie, short_lived_urls.site)
    sign_in_with_google(julie, page, "Julie Martin")
    page.get_by_label("Choose videos to upload").set_input_files([make_clip(tmp_path / "long walk.mp4", 30, "green")])
    walk = card(page, "long walk")
    expect(walk).to_have_attribute("data-status", "ready", timeout=PROCESS_TIMEOUT_MS)
    first_thumbnail = walk.locator("img").get_attribute("src")
    link = share(page, "long walk", "Anyone with the link")
    close_share(page)

    # A guest and julie both start watching on a slow link, and pause.
    guest = guarded_context()
    watch = open_app(guest, link)
    guest_url, guest_network = watch_slowly(watch, "long walk")
    walk.get_by_role("button", name="Play long walk").click()
    julie_url, julie_network = watch_slowly(page, "long walk")

    # A minute later every URL they were given has expired; julie's gallery has fresh ones by then.
    expect(walk.locator("img")).not_to_have_attribute("src", first_thumbnail, timeout=(URL_SECONDS + 30) * 1000)
    for url in (julie_url, guest_url):
        wait_until_expired(page, url)

    jump_ahead_and_play_on(page, julie_network, "long walk", julie_url)
    jump_ahead_and_play_on(watch, guest_network, "long walk", guest_url)
    shoot(page, "7-owner-resumed-after-expiry", full_page=False)
    shoot(watch, "8-guest-resumed-after-expiry", full_page=False)
    for screen in (page, watch):
        assert not screen.locator(".toast-error").count(), screen.locator(".toast-error").all_inner_texts()
    assert not julie.page_errors and not guest.page_errors, julie.page_errors + guest.page_errors
