"""When the memory snapshot cannot be used, Python starts the ordinary way, and the app works.

Only the Pyodide build that made the snapshot can restore it. Whatever goes wrong with it
(missing, made by another build, damaged, not Pyodide's memory, paired with another build's
standard library, a browser without JSPI) must cost time, never the app. Apart from
test_boot.py so the two halves of the page's start run in two test processes side by side.
"""

from __future__ import annotations

import io
import json
import struct
import zipfile
from pathlib import Path

import pytest

from tests.e2e.pages import boot_of, open_app, sign_in_with_google
from tools.site_build import snapshot

REPO = Path(__file__).resolve().parents[2]

pytestmark = pytest.mark.slow


def built_header_bytes() -> int:
    """The length of Pyodide's header in the built snapshot's image (its third field)."""
    manifest = json.loads((REPO / "site" / "vendor" / "runtime.json").read_text())
    return struct.unpack_from("<I", (REPO / "site" / manifest["snapshot"]).read_bytes(), 8)[0]


# What is served as snapshot.bin (made when the test runs: the build's header length is read
# from the built snapshot), and what the page must say it was.
UNUSABLE_SNAPSHOTS = {
    "missing": (lambda: {"status": 404, "body": "Not Found"}, "HTTP 404"),
    "not-a-snapshot": (lambda: {"status": 200, "body": b"\0" * 4096}, "not a PetTube snapshot"),
    "another-build": (lambda: {"status": 200, "body": snapshot.stored_form(b"\1" * 4096)}, "made by another build"),
    "truncated": (lambda: {"status": 200, "body": snapshot.stored_form(b"\1" * 8192, built_header_bytes())[:-1]},
                  "truncated"),
    # Sound in form, but not Pyodide's memory: Pyodide's own check refuses it.
    "not-pyodides-memory": (lambda: {"status": 200, "body": snapshot.stored_form(b"\1" * 8192, built_header_bytes())},
                            "magic number"),
}


@pytest.mark.timeout(900)
@pytest.mark.parametrize("case", UNUSABLE_SNAPSHOTS)
def test_without_a_usable_snapshot_python_starts_the_ordinary_way(local_cloud, guarded_context, case: str) -> None:
    make, reason = UNUSABLE_SNAPSHOTS[case]
    served = make()
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
def test_a_standard_library_that_does_not_match_the_snapshot_means_the_ordinary_way(
        local_cloud, guarded_context) -> None:
    """The restored page mounts the standard library without the modules the snapshot holds.
    One that leaves out a module this snapshot does not hold (another build's) would break a
    later import: the page notices at once and starts with the whole standard library."""
    manifest = json.loads((REPO / "site" / "vendor" / "runtime.json").read_text())
    served = REPO / "site" / manifest["base"] / "pyodide" / snapshot.STDLIB_REST_NAME
    other = io.BytesIO()
    with zipfile.ZipFile(served) as rest, zipfile.ZipFile(other, "w") as out:
        for info in rest.infolist():
            data = rest.read(info)
            out.writestr(info, data + b"\nantigravity" if info.filename == snapshot.IN_MEMORY_MEMBER else data)
    carol = guarded_context()
    carol.context.route(f"**/{snapshot.STDLIB_REST_NAME}",
                       lambda route: route.fulfill(status=200, body=other.getvalue(), content_type="application/zip"))
    page = open_app(carol, local_cloud.site)
    boot = boot_of(page)
    assert boot["mode"] == "ordinary" and "lacks 1 modules" in boot["reason"] and "antigravity" in boot["reason"]
    sign_in_with_google(carol, page, "Carol Nguyen")
    assert not carol.page_errors


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
