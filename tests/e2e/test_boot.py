"""How Python starts in the page: from the install-time memory snapshot, or the ordinary way when it cannot.

The snapshot skips seconds of interpreter start-up and boto3 imports, but only the Pyodide
build that made it can restore it. Whatever goes wrong with it (missing, made by another
build, damaged, planted in IndexedDB, paired with another build's standard library) must
cost time, never the app; a returning visitor reads it back from IndexedDB.
"""

from __future__ import annotations

import io
import json
import re
import struct
import zipfile
from pathlib import Path

import pytest
from playwright.sync_api import Page, expect

from tests.e2e.pages import open_app, sign_in_with_google, throttle
from tools.site_build import npm, snapshot

REPO = Path(__file__).resolve().parents[2]

pytestmark = pytest.mark.slow


# A first visit's idle-time work is over: saving the snapshot, warming up the code cache.
SETTLED = "() => globalThis.pettubeBoot.store !== 'saving' && globalThis.pettubeBoot.warmUp !== 'pending'"
# Chromium writes a wasm module to its code cache a moment after V8 has optimized enough of it
# (which the warm-up makes sure of): a first visit stays open a while longer, as a person's
# would (with room for a busy machine).
CODE_CACHE_WRITTEN_MS = 8_000
# Overwrite every snapshot the page saved in IndexedDB with other bytes, as a script could.
PLANT = """async () => {
  const database = await new Promise((resolve) => { indexedDB.open("pettube-runtime").onsuccess = (e) => resolve(e.target.result); });
  const objects = database.transaction("snapshots", "readwrite").objectStore("snapshots");
  const keys = await new Promise((resolve) => { objects.getAllKeys().onsuccess = (e) => resolve(e.target.result); });
  await Promise.all(keys.map((key) => new Promise((resolve) => {
    objects.put(new Blob(["import js; js.alert('planted')"]), key).onsuccess = resolve;
  })));
  database.close();
  return keys.length;
}"""


# What PyScript and the page's Python fetch once they are up, and index.html preloads.
PRELOADED = ("/app.zip", "/app/main.py", "/config.json", "/vendor/pyscript.json")


def fetched_early_and_once(asked: list[str], site: str) -> bool:
    """Each preloaded file was asked for once (no unused preload, no second download) and
    before Python started loading (its module factory), not after it was up."""
    python = next(index for index, url in enumerate(asked) if url.endswith(f"/pyodide/{npm.FACTORY_SCRIPT}"))
    return all(asked.count(site + path) == 1 and asked.index(site + path) < python for path in PRELOADED)


def runtime_asked_early(asked: list[str]) -> bool:
    """Pyodide's script and wasm module were asked for before PyScript called loadPyodide
    (whose first request is the package lock): the boot module starts them as it is imported."""
    lock = next(index for index, url in enumerate(asked) if url.endswith("/pyodide-lock.json"))
    return all(any(url.endswith(name) for url in asked[:lock])
               for name in (f"/{npm.FACTORY_SCRIPT}", "/pyodide.asm.wasm"))


def plugins_turned_off_but_fetched(asked: list[str]) -> list[str]:
    """The PyScript plugin modules the page asked for although its config turns them off (for
    MicroPython too, which has a config of its own)."""
    config = json.loads((REPO / "site" / "vendor" / "pyscript.json").read_text())
    off = "|".join(re.escape(plugin.removeprefix("!")) for plugin in config["plugins"])
    return [url for url in asked if re.search(rf"/pyscript/(?:{off})-[\w-]+\.js$", url)]


def boot_of(page: Page) -> dict[str, str]:
    return page.evaluate("() => ({ ...globalThis.pettubeBoot })")


def signed_in_and_listed(guarded, page: Page, person: str) -> None:
    """The restored interpreter reaches the network (Cognito Identity through boto3, the MyMedia
    API through fetch): what a snapshot taken in the wrong engine breaks."""
    sign_in_with_google(guarded, page, person)
    listed = "() => !document.querySelector('#empty').hidden || document.querySelectorAll('#gallery li').length > 0"
    page.wait_for_function(listed, timeout=60_000)


@pytest.mark.timeout(600)
def test_python_starts_from_the_memory_snapshot_and_a_returning_visit_reads_it_from_indexeddb(
        local_cloud, guarded_context) -> None:
    julie = guarded_context(warm_up=True)
    asked: list[str] = []
    julie.context.on("request", lambda request: asked.append(request.url))
    page = open_app(julie, local_cloud.site)
    # The warm-up waits for the page to be idle; a slow machine may see it done already.
    # PyScript's package came compiled from the snapshot, not written and compiled by its set-up.
    assert boot_of(page) | {"store": "", "warmUp": ""} == {"mode": "snapshot", "reason": "", "snapshot": "downloaded",
                                                           "store": "", "warmUp": "", "setUp": "snapshot"}
    assert boot_of(page)["warmUp"] in ("pending", "done")
    assert fetched_early_and_once(asked, local_cloud.site) and runtime_asked_early(asked)
    page.wait_for_function(SETTLED, timeout=60_000)
    assert plugins_turned_off_but_fetched(asked) == []
    assert boot_of(page)["store"] == "saved" and boot_of(page)["warmUp"] == "done"
    signed_in_and_listed(julie, page, "Julie Martin")
    page.close()

    asked.clear()
    page = open_app(julie, local_cloud.site)
    assert boot_of(page) == {"mode": "snapshot", "reason": "", "snapshot": "stored", "store": "", "warmUp": "",
                             "setUp": "snapshot"}
    assert not [url for url in asked if url.endswith("/snapshot.bin")]  # not even from the HTTP cache
    assert fetched_early_and_once(asked, local_cloud.site) and runtime_asked_early(asked)
    signed_in_and_listed(julie, page, "Julie Martin")
    assert not julie.page_errors


def code_cache_use(guarded, site: str, trace: Path) -> tuple[int, int, dict[str, str]]:
    """Visit the app with V8's trace on: how many wasm functions V8 compiled at their first call,
    how many bytes of compiled JavaScript Pyodide's factory script came with from Chromium's code
    cache, and how Python started; the page stays open until Chromium has written its caches."""
    browser = guarded.context.browser
    browser.start_tracing(path=str(trace), categories=["v8.wasm", "v8", "devtools.timeline"])
    try:
        page = open_app(guarded, site)
        boot = boot_of(page)
    finally:
        browser.stop_tracing()
    page.wait_for_function(SETTLED, timeout=60_000)
    page.wait_for_timeout(CODE_CACHE_WRITTEN_MS)
    boot |= {key: boot_of(page)[key] for key in ("store", "warmUp")}
    page.close()
    data = json.loads(trace.read_text())
    events = data["traceEvents"] if isinstance(data, dict) else data
    factory = [event["args"]["data"] for event in events if event.get("name") == "v8.compile"
               and event.get("args", {}).get("data", {}).get("url", "").endswith(f"/pyodide/{npm.FACTORY_SCRIPT}")]
    assert factory, f"the page did not compile {npm.FACTORY_SCRIPT}"
    return (sum(event.get("name") == "wasm.CompileLazy" for event in events),
            factory[0].get("consumedCacheSize") or 0, boot)


@pytest.mark.timeout(600)
def test_a_returning_visit_gets_pythons_machine_code_from_the_browsers_code_cache(
        local_cloud, guarded_context, tmp_path: Path) -> None:
    """V8 compiles Pyodide's wasm a function at a time, at its first call: over 2,000 functions
    on the main thread of a first visit. Chromium keeps the compiled module in its code cache
    once V8 has optimized enough of it, which the boot module's idle-time warm-up on a first
    visit makes sure of, so a returning visit compiles only what the first had not run by then,
    and does not warm up again. Likewise the JavaScript of Pyodide's module factory: Chromium
    caches a script's compiled code from its second load, which the warm-up makes, so the very
    next visit compiles none of what the first one did. Anything that kept them out of the
    cache (serving the wasm so it cannot be compiled while streaming, the factory as a module
    script, a Cache-Control that forbids storing them, a page in a context without an HTTP
    cache) fails this."""
    julie = guarded_context(persistent=True)
    first, first_factory, boot = code_cache_use(julie, local_cloud.site, tmp_path / "first.json")
    assert boot == {"mode": "snapshot", "reason": "", "snapshot": "downloaded", "store": "saved", "warmUp": "done",
                    "setUp": "snapshot"}
    again, again_factory, boot = code_cache_use(julie, local_cloud.site, tmp_path / "again.json")
    assert boot == {"mode": "snapshot", "reason": "", "snapshot": "stored", "store": "", "warmUp": "",
                    "setUp": "snapshot"}
    assert first > 1000
    assert again < first / 5, f"{again} functions compiled lazily on the returning visit, {first} on the first"
    assert first_factory == 0 and again_factory > 100_000, (first_factory, again_factory)
    assert not julie.page_errors


@pytest.mark.timeout(600)
def test_a_snapshot_planted_in_indexeddb_is_never_restored(local_cloud, guarded_context) -> None:
    """Only the exact bytes the boot module was built with come from the store: anything else
    written there (by a script, or a damaged disk) is ignored and replaced by the real one."""
    bob = guarded_context()
    page = open_app(bob, local_cloud.site)
    page.wait_for_function(SETTLED, timeout=60_000)
    assert page.evaluate(PLANT) == 1
    page.close()

    alerts: list[str] = []
    bob.context.on("dialog", lambda dialog: (alerts.append(dialog.message), dialog.dismiss()))
    page = open_app(bob, local_cloud.site)
    # The first visit warmed up the code cache: the snapshot, not the browser, changed.
    assert boot_of(page) | {"store": ""} == {"mode": "snapshot", "reason": "", "snapshot": "downloaded", "store": "",
                                             "warmUp": "", "setUp": "snapshot"}
    page.wait_for_function(SETTLED, timeout=60_000)
    assert boot_of(page)["store"] == "saved"
    page.close()

    page = open_app(bob, local_cloud.site)
    assert boot_of(page)["snapshot"] == "stored"
    signed_in_and_listed(bob, page, "Bob Okafor")
    assert not alerts and not bob.page_errors


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


@pytest.mark.timeout(600)
@pytest.mark.parametrize(("lost", "reason"), [
    ("**/pyodide.asm.wasm", "Python's runtime did not load"),
    (f"**/pyodide/{npm.FACTORY_SCRIPT}", f"Python's runtime did not load: {npm.FACTORY_SCRIPT} did not load"),
    ("**/amazon-cognito-identity.min.js", "amazon-cognito-identity.min.js did not load"),
    ("**/pyscript/core.js", "core.js"),
    ("**/pyodide/pyodide.mjs", "Python could not start"),
], ids=["python", "python-factory", "cognito", "pyscript", "pyodide-module"])
def test_a_runtime_file_that_does_not_download_ends_in_a_named_failure_and_try_again_works(
        local_cloud, guarded_context, shoot, lost: str, reason: str) -> None:
    """Pyodide waits for ever on a module that did not download, and Python cannot report its
    own failure to start: the page says what failed instead of 'Starting' for good, and its
    button loads the app once the file comes through."""
    carol = guarded_context()
    carol.context.route(lost, lambda route: route.abort("connectionreset"))
    page = carol.context.new_page()
    page.goto(local_cloud.site, wait_until="domcontentloaded")
    expect(page.locator("#boot-title")).to_have_text("PetTube could not start", timeout=120_000)
    expect(page.locator("#boot-detail")).to_contain_text(reason)
    expect(page.locator("#boot-detail")).to_contain_text("Check your connection")
    expect(page.locator("#boot .spinner")).to_be_hidden()
    retry = page.get_by_role("button", name="Try again")
    expect(retry).to_be_visible()
    shoot(page, "failed")
    # Only the lost file may show as an error the page did not handle: Pyodide leaves a second
    # promise of its wasm download unhandled ("Failed to fetch"), and PyScript the failed start.
    file = lost.rsplit("/", 1)[-1]
    assert all(error == "Failed to fetch" or file in error for error in carol.page_errors), carol.page_errors

    carol.context.unroute(lost)
    retry.click()
    sign_in_with_google(carol, page, "Carol Nguyen")


@pytest.mark.timeout(600)
def test_a_first_visit_on_a_slow_link_shows_how_far_the_download_is(local_cloud, guarded_context, shoot) -> None:
    """A first visit waits seconds for Python's memory snapshot on a slow link: the boot screen
    shows how far its download is, then the app starts. A returning visit reads it back from
    IndexedDB and shows no download."""
    carol = guarded_context()
    page = carol.context.new_page()
    network = carol.context.new_cdp_session(page)
    network.send("Network.enable")
    throttle(network, download=2_000_000, latency=40)
    page.goto(local_cloud.site, wait_until="domcontentloaded")
    bar = page.get_by_role("progressbar", name="Downloading the app")
    page.wait_for_function("""() => {
        const bar = document.querySelector('#boot-progress [role=progressbar]');
        const percent = bar ? Number(bar.getAttribute('aria-valuenow')) : 0;
        return percent > 0 && percent < 100;
    }""", timeout=120_000)
    expect(bar).to_be_visible()
    expect(page.locator("#boot-progress-text")).to_contain_text("Downloading the app: ")
    shoot(page, "downloading")
    page.wait_for_selector("body[data-ready=true]", state="attached", timeout=300_000)
    assert page.locator("#boot-progress [role=progressbar]").get_attribute("aria-valuenow") == "100"
    page.wait_for_function(SETTLED, timeout=60_000)
    page.close()

    page = open_app(carol, local_cloud.site)
    assert boot_of(page)["snapshot"] == "stored"
    expect(page.locator("#boot-progress")).to_be_hidden()
    assert page.locator("#boot-progress").get_attribute("hidden") is not None  # never shown
    sign_in_with_google(carol, page, "Carol Nguyen")
    assert not carol.page_errors
