"""Playwright fixtures for the web app: Chromium, a guard that fails any request leaving 127.0.0.1, screenshots."""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import pytest
from playwright.sync_api import Browser, BrowserContext, Page, Route, sync_playwright

from tools.chromium import launch_options

LOCAL_HOSTS = frozenset({"127.0.0.1"})
SITE = Path(__file__).resolve().parents[2] / "site"


def warmed_up_note() -> str:
    """A script noting, as the boot module does once it has warmed up Chromium's code cache for
    this runtime build and browser, that the warm-up is done (read from the built boot module)."""
    boot = (SITE / json.loads((SITE / "vendor" / "runtime.json").read_text())["interpreter"]).read_text()
    key = re.search(r'const WARM_UP = \{ noted: "([\w-]+)"', boot)
    digest = re.search(r'const SNAPSHOT_SHA256 = "([0-9a-f]{64})";', boot)
    assert key and digest, "the built boot module no longer says how it notes its warm-up"
    # Documents without storage of their own (about:blank, a popup's first page) refuse localStorage.
    return (f"try {{ localStorage.setItem({json.dumps(key.group(1))}, {json.dumps(digest.group(1) + ' ')}"
            " + navigator.userAgent); } catch {}")


def _local(url: str) -> bool:
    """A request this machine answers (data: and blob: URLs never leave the page)."""
    parts = urlsplit(url)
    return parts.scheme in ("data", "blob") or parts.hostname in LOCAL_HOSTS


@dataclass
class Guarded:
    """A browser context whose every off-machine request is refused and remembered."""

    context: BrowserContext
    off_host: list[str] = field(default_factory=list)
    page_errors: list[str] = field(default_factory=list)
    console_errors: list[str] = field(default_factory=list)

    def watch(self, page: Page) -> Page:
        """Record a page's uncaught errors (Python tracebacks reach the console as errors)."""
        page.on("pageerror", lambda error: self.page_errors.append(str(error)))
        page.on("console", lambda message: message.type == "error" and self.console_errors.append(message.text))
        return page


@pytest.fixture(scope="module")
def browser() -> Iterator[Browser]:
    """Headless Chromium: Debian's /usr/bin/chromium when present, else Playwright's own.

    Module-scoped: Playwright's sync API holds an event loop open, and later tests in the
    same run (asyncio.run in unit tests) need it closed.
    """
    with sync_playwright() as playwright:
        launched = playwright.chromium.launch(**launch_options())
        yield launched
        launched.close()


@pytest.fixture
def guarded_context(browser: Browser, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Callable[..., Guarded]]:
    """New browser contexts (fresh profiles) that fail the test if the app reaches beyond 127.0.0.1.

    ``persistent=True`` gives a profile on disk, in a browser of its own: what a returning
    visitor has, and the only kind where Chromium keeps compiled code between visits. Playwright
    turns the HTTP cache off in a context with routes, so that one is guarded differently: its
    browser resolves no host name but 127.0.0.1's, and every request is checked as it goes.

    Without an HTTP cache Chromium keeps no compiled code either, so the boot module's idle-time
    warm-up of that code cache (about 1.6 s of a core per first visit, measured) would fill
    nothing: a fresh non-persistent context starts with the warm-up noted as done, as a browser
    that had it does, unless ``warm_up=True`` asks for a first visit's warm-up.
    """
    made: list[Guarded] = []

    def new(persistent: bool = False, warm_up: bool = False, **options: Any) -> Guarded:
        options = {"viewport": {"width": 1280, "height": 860}, **options}
        if not persistent:
            context = browser.new_context(**options)
            if not warm_up:
                context.add_init_script(warmed_up_note())
            guarded = Guarded(context)

            def refuse(route: Route) -> None:
                guarded.off_host.append(route.request.url)
                route.abort("blockedbyclient")

            context.route(lambda url: not _local(url), refuse)
        else:
            launch = launch_options()
            launch["args"] = [*launch["args"], "--host-resolver-rules=MAP * ~NOTFOUND, EXCLUDE 127.0.0.1"]
            profile = tmp_path_factory.mktemp("profile")
            context = browser.browser_type.launch_persistent_context(str(profile), **launch, **options)
            guarded = Guarded(context)
            context.on("request", lambda request: _local(request.url) or guarded.off_host.append(request.url))
        context.on("page", guarded.watch)
        made.append(guarded)
        return guarded

    yield new
    for guarded in made:
        guarded.context.close()
    off_host = [url for guarded in made for url in guarded.off_host]
    assert not off_host, f"the app tried to leave 127.0.0.1: {off_host}"


@pytest.fixture
def shoot(artifacts_dir: Path, request: pytest.FixtureRequest) -> Callable[..., Path]:
    """Save a screenshot under test-artifacts/, named after the test and the step."""
    def take(page: Page, step: str, full_page: bool = True) -> Path:
        path = artifacts_dir / f"{request.node.name}-{step}.png"
        page.screenshot(path=str(path), full_page=full_page)
        return path
    return take
