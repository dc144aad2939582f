"""How the tests and benchmarks launch Chromium (tools/chromium.py): Playwright's own switches
kept, and no omnibox WebUI burning a core while a page is being timed."""

from __future__ import annotations

import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
from playwright.sync_api import Browser, Playwright, sync_playwright

from tools.chromium import ARGS, DISABLED_FEATURES, launch_options


@pytest.fixture(scope="module")
def playwright() -> Iterator[Playwright]:
    with sync_playwright() as started:
        yield started


def browser_command_line(browser: Browser) -> list[str]:
    """The launched browser process's arguments, read from /proc (Chromium returns its own
    command line over CDP only under --enable-automation, which Playwright does not pass)."""
    processes = browser.new_browser_cdp_session().send("SystemInfo.getProcessInfo")["processInfo"]
    pid = next(process["id"] for process in processes if process["type"] == "browser")
    return Path(f"/proc/{pid}/cmdline").read_bytes().decode().split("\0")


def disabled_features(arguments: list[str]) -> set[str]:
    """What Chromium disables: it keeps only the last --disable-features switch."""
    switches = [argument for argument in arguments if argument.startswith("--disable-features=")]
    return set(switches[-1].removeprefix("--disable-features=").split(",")) if switches else set()


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="reads the browser's command line from /proc")
def test_playwrights_disabled_features_are_kept(playwright: Playwright) -> None:
    """PetTube's --disable-features replaces Playwright's, so it must repeat every one of them
    (a Playwright upgrade that adds one fails here until tools/chromium.py lists it)."""
    browser = playwright.chromium.launch(**{**launch_options(), "args": list(ARGS)})
    try:
        playwrights = disabled_features(browser_command_line(browser))
    finally:
        browser.close()
    assert playwrights, "Playwright passed no --disable-features: the list in tools/chromium.py is stale"
    assert playwrights <= set(DISABLED_FEATURES), f"missing from tools/chromium.py: {sorted(playwrights - set(DISABLED_FEATURES))}"

    browser = playwright.chromium.launch(**launch_options())
    try:
        assert disabled_features(browser_command_line(browser)) == set(DISABLED_FEATURES)
    finally:
        browser.close()


def test_no_omnibox_webui_renders_beside_the_page(playwright: Playwright) -> None:
    """Without the two omnibox features off, headless Chromium renders chrome://omnibox-popup
    for every new browser, over a second of CPU while the first page loads."""
    def omnibox_targets(options: dict) -> list[str]:
        browser = playwright.chromium.launch(**options)
        try:
            page = browser.new_page()
            page.goto("about:blank")
            targets = browser.new_browser_cdp_session().send("Target.getTargets")["targetInfos"]
            return [target["url"] for target in targets if target["url"].startswith("chrome://omnibox-popup")]
        finally:
            browser.close()

    if not omnibox_targets({**launch_options(), "args": list(ARGS)}):
        pytest.skip("this Chromium renders no omnibox WebUI headless: NO_OMNIBOX_WEBUI has nothing to turn off")
    assert omnibox_targets(launch_options()) == []
