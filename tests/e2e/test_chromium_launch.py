"""How the tests and benchmarks launch Chromium (tools/chromium.py): Playwright's own switches
kept, no omnibox WebUI burning a core while a page is being timed, and no heap profiling to crash
a page whose Python waits on JavaScript."""

from __future__ import annotations

import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
from playwright.sync_api import Browser, Playwright, sync_playwright

from tools.chromium import ARGS, DISABLED_FEATURES, NO_HEAP_PROFILING, launch_options


@pytest.fixture(scope="module")
def playwright() -> Iterator[Playwright]:
    with sync_playwright() as started:
        yield started


def command_lines(browser: Browser, kind: str) -> list[list[str]]:
    """The arguments of the browser's processes of one type, read from /proc (Chromium returns its
    own command line over CDP only under --enable-automation, which Playwright does not pass)."""
    processes = browser.new_browser_cdp_session().send("SystemInfo.getProcessInfo")["processInfo"]
    return [Path(f"/proc/{process['id']}/cmdline").read_bytes().decode().split("\0")
            for process in processes if process["type"] == kind]


def browser_command_line(browser: Browser) -> list[str]:
    return command_lines(browser, "browser")[0]


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


# What a session Chromium picked for heap profiling looks like, picked for certain.
PROFILED_SESSION = ("--enable-features=HeapProfilerReporting:stable-probability/1.0/nonstable-probability/1.0"
                    "/renderer-prob-pct/100")


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="reads the renderers' command lines from /proc")
def test_a_session_chosen_for_heap_profiling_profiles_no_page(playwright: Playwright) -> None:
    """A heap-profiled renderer unwinds sampled allocations by scanning past the end of a JSPI stack
    and crashes ("Page crashed"): with such a session forced, 6 of 10 boots of the app crashed with
    HeapProfilerReporting on and none of 10 with it off (2026-12-05)."""
    def profiled_renderers(options: dict) -> int:
        browser = playwright.chromium.launch(**options)
        try:
            browser.new_context().new_page().goto("about:blank")
            # A renderer rewrites its command line into one string, its switches apart by spaces.
            renderers = [" ".join(line).split() for line in command_lines(browser, "renderer")]
            return sum("--subproc-heap-profiling" in switches for switches in renderers)
        finally:
            browser.close()

    options = launch_options()
    features = ",".join(feature for feature in DISABLED_FEATURES if feature not in NO_HEAP_PROFILING)
    profiling_on = [*(arg for arg in options["args"] if not arg.startswith("--disable-features=")),
                    f"--disable-features={features}", PROFILED_SESSION]
    assert profiled_renderers({**options, "args": profiling_on}) > 0, "the forced session was not profiled"
    assert profiled_renderers({**options, "args": [*options["args"], PROFILED_SESSION]}) == 0
