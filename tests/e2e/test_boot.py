"""How Python starts in the page: from the install-time memory snapshot, or the ordinary way when it cannot.

The snapshot skips seconds of interpreter start-up and boto3 imports, but only the Pyodide
build that made it can restore it. Whatever goes wrong with it (missing, made by another
build, damaged) must cost time, never the app.
"""

from __future__ import annotations

import pytest
from playwright.sync_api import Page

from tests.e2e.test_app import open_app, sign_in_with_google

pytestmark = pytest.mark.slow


def boot_of(page: Page) -> dict[str, str]:
    return page.evaluate("() => ({ ...globalThis.pettubeBoot })")


@pytest.mark.timeout(600)
def test_python_starts_from_the_memory_snapshot_and_signs_in(local_cloud, guarded_context) -> None:
    julie = guarded_context()
    page = open_app(julie, local_cloud.site)
    assert boot_of(page) == {"mode": "snapshot", "reason": ""}
    # The restored interpreter reaches the network (Cognito Identity through boto3, the
    # MyMedia API through fetch): what a snapshot taken in the wrong engine breaks.
    sign_in_with_google(julie, page, "Julie Martin")
    listed = "() => !document.querySelector('#empty').hidden || document.querySelectorAll('#gallery li').length > 0"
    page.wait_for_function(listed, timeout=60_000)
    assert not julie.page_errors


@pytest.mark.timeout(900)
@pytest.mark.parametrize(("served", "reason"), [
    ({"status": 404, "body": "Not Found"}, "HTTP 404"),
    ({"status": 200, "body": b"\0" * 4096}, "magic number"),
], ids=["missing", "not-a-snapshot"])
def test_without_a_usable_snapshot_python_starts_the_ordinary_way(
        local_cloud, guarded_context, served: dict, reason: str) -> None:
    bob = guarded_context()
    bob.context.route("**/snapshot.bin", lambda route: route.fulfill(**served))
    warnings: list[str] = []
    bob.context.on("console", lambda message: message.type == "warning" and warnings.append(message.text))
    page = open_app(bob, local_cloud.site)
    boot = boot_of(page)
    assert boot["mode"] == "ordinary" and reason in boot["reason"]
    assert any("ordinary way" in text and reason in text for text in warnings)
    sign_in_with_google(bob, page, "Bob Okafor")
    assert not bob.page_errors


@pytest.mark.timeout(900)
def test_a_browser_without_stack_switching_neither_downloads_nor_restores_the_snapshot(
        local_cloud, guarded_context) -> None:
    """Firefox and Safari lack WebAssembly JSPI; Chromium without it stands in for them."""
    carol = guarded_context()
    carol.context.add_init_script("delete WebAssembly.Suspending; delete WebAssembly.promising;")
    asked: list[str] = []
    carol.context.on("request", lambda request: asked.append(request.url))
    page = open_app(carol, local_cloud.site)
    boot = boot_of(page)
    assert boot["mode"] == "ordinary" and "JSPI" in boot["reason"]
    assert not [url for url in asked if url.endswith("/snapshot.bin")]
    sign_in_with_google(carol, page, "Carol Nguyen")
    assert not carol.page_errors
