"""The gallery from the last visit, before Python: a returning visitor sees their cards and thumbnails
while the runtime is still loading, marked as updating, then the live gallery; sign-out leaves nothing
of it in the browser, and another person signed in on the same browser never sees it."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import Page, expect

from pages import BOOT_TIMEOUT_MS, PROCESS_TIMEOUT_MS, card, make_clip, open_app, sign_in_with_google
from test_signin_first_paint import HeldRuntime

pytestmark = [pytest.mark.slow, pytest.mark.timeout(900)]

# A title is the file name without its extension: markup in it must show as text, never run.
TITLE = 'Tom <img src=x onerror="document.body.dataset.pwned=1"> <b>& Jerry'  # no '/': a file name
CAROL = "accounts.google.com 109876543210987654321"  # the Google stand-in's carol (provider, subject)
# What this browser keeps of a person's gallery (assets/gallery-cache.js).
STORED = """async (owner) => ({
  cards: localStorage.getItem(`pettube.gallery:${owner}`) !== null,
  thumbnails: (await caches.has(`pettube-thumbnails:${owner}`))
    ? (await (await caches.open(`pettube-thumbnails:${owner}`)).keys()).length : 0,
})"""


def stored(page: Page, owner: str) -> dict[str, Any]:
    return page.evaluate(STORED, owner)


def reload_before_python(page: Page, runtime: HeldRuntime) -> None:
    """Reload with the runtime's files held back: what shows now shows without Python."""
    page.reload(wait_until="commit")  # DOMContentLoaded waits for the runtime module
    page.wait_for_function("document.readyState !== 'loading'")
    assert page.locator("body[data-ready]").count() == 0 and runtime.held, "Python must not be running yet"


# What the page shows and keeps of a card's thumbnail, for a failure to say which step went missing.
THUMBNAIL_STATE = """([card, owner]) => (async () => {
  const image = card.querySelector("img"), kept = JSON.parse(localStorage.getItem(`pettube.gallery:${owner}`) ?? "null");
  const cache = await caches.open(`pettube-thumbnails:${owner}`);
  return { src: image?.getAttribute("src"), complete: image?.complete, naturalWidth: image?.naturalWidth,
           kept: kept?.thumbs ?? null, cached: (await cache.keys()).map((request) => request.url) };
})()"""


def thumbnail_loaded(page: Page, card: Any) -> None:
    """The card's picture is decoded (the card as it is now: a stale handle to a replaced one never loads)."""
    try:  # an img without a src is "complete" too: its width says it has a picture
        expect(card.locator("img")).not_to_have_js_property("naturalWidth", 0, timeout=30_000)
        expect(card.locator("img")).to_have_js_property("complete", True, timeout=30_000)
    except AssertionError as error:
        state = page.evaluate(THUMBNAIL_STATE, [card.element_handle(), CAROL])
        raise AssertionError(f"the thumbnail did not load: {state}") from error


def test_the_last_visits_gallery_shows_before_python_and_only_to_its_owner(
        local_cloud: Any, guarded_context: Any, shoot: Any, tmp_path: Path) -> None:
    browser = guarded_context()
    page = open_app(browser, local_cloud.site)
    sign_in_with_google(browser, page, "Carol Nguyen")
    page.get_by_label("Choose videos to upload").set_input_files([make_clip(tmp_path / f"{TITLE}.mp4", 2, "orange")])
    tom = card(page, TITLE)
    expect(tom).to_have_attribute("data-status", "ready", timeout=PROCESS_TIMEOUT_MS)
    page.wait_for_function(f"async () => ({STORED})({CAROL!r}).then((kept) => kept.thumbnails > 0)")

    # Carol comes back (same tab): her gallery, thumbnail included, before Python has started.
    runtime = HeldRuntime(browser.context)
    reload_before_python(page, runtime)
    expect(tom).to_be_visible()
    expect(tom.locator(".video-title")).to_have_text(TITLE)
    expect(tom).to_have_attribute("data-status", "ready")
    thumbnail_loaded(page, tom)
    assert tom.locator("img").get_attribute("src").startswith("blob:"), "the thumbnail's bytes come from the cache"
    expect(page.get_by_role("status").filter(has_text="Updating")).to_be_visible()
    expect(page.get_by_role("list", name="My videos")).to_have_attribute("aria-busy", "true")
    assert page.locator("#gallery img[src=x], body[data-pwned]").count() == 0, "a title was inserted as HTML"
    assert page.locator("body[data-ready]").count() == 0
    shoot(page, "0-last-visit-before-python")

    # Python starts: the same card, live (its buttons work), no longer marked as updating.
    runtime.release()
    page.wait_for_selector("body[data-ready=true]", state="attached", timeout=BOOT_TIMEOUT_MS)
    expect(page.locator("#gallery-updating")).to_be_hidden()
    expect(page.get_by_role("list", name="My videos")).to_have_attribute("aria-busy", "false")
    tom.get_by_role("button", name="Edit").click()
    editing = page.get_by_role("form", name=f"Edit details of {TITLE}")
    expect(editing.get_by_label("Title")).to_have_value(TITLE)
    editing.get_by_role("button", name="Cancel").click()
    expect(tom).to_be_visible()
    shoot(page, "1-live")

    # Julie signs in on the same browser (another tab, same profile): carol's gallery is still
    # stored, as she has not signed out, but julie sees none of it, before or after Python.
    julie = open_app(browser, local_cloud.site)
    sign_in_with_google(browser, julie, "Julie Martin")
    expect(julie.locator("#gallery-loading")).to_be_hidden(timeout=60_000)
    assert stored(julie, CAROL)["cards"] and stored(julie, CAROL)["thumbnails"] >= 1
    runtime = HeldRuntime(browser.context)
    reload_before_python(julie, runtime)
    expect(card(julie, TITLE)).to_have_count(0)
    runtime.release()
    julie.wait_for_selector("body[data-ready=true]", state="attached", timeout=BOOT_TIMEOUT_MS)
    expect(julie.locator("#user-name")).to_have_text("Julie Martin")
    expect(card(julie, TITLE)).to_have_count(0)

    # Carol signs out: nothing of her gallery stays in the browser; a reload shows sign-in, no cards.
    page.get_by_role("button", name="Sign out").click()
    expect(page.get_by_role("button", name="Sign in with Google")).to_be_visible()
    page.wait_for_function(f"async () => ({STORED})({CAROL!r}).then((kept) => !kept.cards && !kept.thumbnails)")
    runtime = HeldRuntime(browser.context)
    reload_before_python(page, runtime)
    expect(page.get_by_role("button", name="Sign in with Google")).to_be_visible()
    expect(card(page, TITLE)).to_have_count(0)
    runtime.release()
    assert not browser.page_errors
