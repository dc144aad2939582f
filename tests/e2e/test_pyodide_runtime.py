"""The self-hosted runtime in Chromium: boto3 in Pyodide uploads exactly what it was given."""

from __future__ import annotations

import json
import shutil
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from urllib.parse import urlencode, urlsplit

import boto3
import pytest
from moto.server import ThreadedMotoServer
from playwright.sync_api import Request, Route, sync_playwright

from localcloud.site_server import serve
from sitepack import bytecode
from tools.chromium import launch_options
from tools.site_build.build import build, pyscript_config

pytestmark = pytest.mark.slow

REPO_ROOT = Path(__file__).resolve().parents[2]
PROBE = Path(__file__).with_name("pyodide_runtime")
BUCKET = "probe-bucket"
SENT = bytes(range(256)) + "PetTube vidéo".encode()  # what probe.py uploads


@pytest.fixture(scope="module")
def s3_endpoint() -> Iterator[str]:
    """moto on a free port, with a bucket whose CORS lets the page PUT (moto refuses preflights otherwise)."""
    server = ThreadedMotoServer(ip_address="127.0.0.1", port=0, verbose=False)
    server.start()
    host, port = server.get_host_and_port()
    endpoint = f"http://{host}:{port}"
    s3 = s3_client(endpoint)
    s3.create_bucket(Bucket=BUCKET)
    s3.put_bucket_cors(Bucket=BUCKET, CORSConfiguration={"CORSRules": [{
        "AllowedOrigins": ["*"], "AllowedMethods": ["GET", "PUT", "HEAD"],
        "AllowedHeaders": ["*"], "ExposeHeaders": ["ETag"]}]})
    yield endpoint
    server.stop()


def s3_client(endpoint: str) -> Any:
    """CPython boto3 (no Emscripten backend) reading what the browser stored."""
    return boto3.client("s3", endpoint_url=endpoint, region_name="us-east-1",
                        aws_access_key_id="testing", aws_secret_access_key="testing")


@pytest.fixture(scope="module")
def site_root(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The built runtime plus the probe page and pyodide_fixes.py with the bytecode both homes
    serve with it in app.zip (compiled by the runtime's Pyodide), laid out like site/."""
    manifest = build(REPO_ROOT)
    root = tmp_path_factory.mktemp("site")
    shutil.copytree(REPO_ROOT / "site" / "vendor", root / "vendor")
    fixes = "app/pyodide_fixes.py"
    files = {fixes: (REPO_ROOT / "site" / fixes).read_bytes(),
             **bytecode.compile_for_page({fixes: (REPO_ROOT / "site" / fixes).read_text()}, root)}
    for path, content in files.items():
        (root / path).parent.mkdir(parents=True, exist_ok=True)
        (root / path).write_bytes(content)
    shutil.copy2(PROBE / "index.html", root)
    shutil.copy2(PROBE / "probe.py", root)
    config = pyscript_config(REPO_ROOT / "site", manifest, {f"/{path}": f"./{path}" for path in files})
    (root / "probe.json").write_text(json.dumps(config))
    return root


@pytest.fixture(scope="module")
def probe(site_root: Path, s3_endpoint: str) -> dict[str, Any]:
    """Run the probe page once: its report, requests that tried to leave 127.0.0.1, later console errors."""
    off_host: list[str] = []
    console: list[tuple[str, str]] = []

    def guard(route: Route, request: Request) -> None:
        if urlsplit(request.url).hostname == "127.0.0.1":
            route.continue_()
        else:
            off_host.append(request.url)
            route.abort()

    with serve(site_root) as site, sync_playwright() as playwright:
        browser = playwright.chromium.launch(**launch_options())
        page = browser.new_page()
        page.on("console", lambda message: console.append((message.type, message.text)))
        page.route("**/*", guard)
        page.goto(f"{site}/index.html?{urlencode({'endpoint': s3_endpoint, 'bucket': BUCKET})}")
        try:
            page.wait_for_function("document.body.dataset.result !== undefined", timeout=120_000)
        except Exception:
            pytest.fail("the probe page never reported; console:\n" + "\n".join(map(str, console[-30:])))
        report = json.loads(page.evaluate("document.body.dataset.result"))
        report["boot"] = page.evaluate("({ ...globalThis.pettubeBoot })")
        browser.close()
    texts = [text for _, text in console]
    after_fix = console[texts.index("probe: fix applied"):] if "probe: fix applied" in texts else console
    return {**report, "off_host": off_host, "errors_after_fix": [text for kind, text in after_fix if kind == "error"]}


TRANSPORTS = ("fetch", "xhr")


def stored(endpoint: str, key: str) -> tuple[bytes, str] | None:
    """The object's bytes and Content-Type as S3 kept them, or None when nothing was stored."""
    s3 = s3_client(endpoint)
    try:
        obj = s3.get_object(Bucket=BUCKET, Key=key)
    except s3.exceptions.NoSuchKey:
        return None
    return obj["Body"].read(), obj["ContentType"]


@pytest.mark.parametrize("transport", TRANSPORTS)
def test_an_upload_from_the_browser_stores_exactly_the_bytes_and_content_type(
        probe: dict[str, Any], s3_endpoint: str, transport: str) -> None:
    assert probe["applied"] is True
    assert probe[f"{transport}-fixed"] == "ok"
    assert stored(s3_endpoint, f"{transport}-fixed.bin") == (SENT, "video/mp4")


@pytest.mark.parametrize("transport", TRANSPORTS)
def test_without_the_fix_the_browser_backend_corrupts_the_upload(
        probe: dict[str, Any], s3_endpoint: str, transport: str) -> None:
    # Same page, same client, before apply(). Through XHR moto even answers 200 and keeps
    # the text "<_io.BytesIO object at 0x...>" with Content-Type "b'video/mp4'".
    assert stored(s3_endpoint, f"{transport}-unfixed.bin") != (SENT, "video/mp4"), probe[f"{transport}-unfixed"]


def test_pyscript_s_own_package_comes_compiled_from_the_snapshot_instead_of_its_set_up(probe: dict[str, Any]) -> None:
    # PyScript's set-up writes its package's files for Python to compile and import, at every
    # start; the restored page recognized that set-up and imported the snapshot's compiled package.
    imported = probe["pyscript"]
    assert {"pyscript", "pyscript.context", "pyscript.display", "pyscript.events"} <= imported.keys()
    assert [name for name, compiled in imported.items() if not compiled] == []
    assert probe["pyscript-files-written"] is False
    assert probe["boot"]["setUp"] == "snapshot"


def test_the_page_s_own_modules_come_with_bytecode_compiled_by_the_page_s_pyodide(probe: dict[str, Any]) -> None:
    # The bytecode app.zip holds, compiled in Node by the runtime's own Pyodide, is what the
    # page's Python imports instead of compiling the module (40-150 ms of the app's start).
    assert probe["precompiled"] == {"app.pyodide_fixes": True}


def test_the_page_shows_no_console_errors_once_fixed(probe: dict[str, Any]) -> None:
    assert probe["errors_after_fix"] == []


def test_the_runtime_loads_everything_from_the_site_itself(probe: dict[str, Any]) -> None:
    assert probe["off_host"] == []
