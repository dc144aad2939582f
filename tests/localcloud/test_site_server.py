"""The local site server serves site/ as CloudFront would: types, compression, caching, isolation."""

from __future__ import annotations

import gzip
import io
import zipfile
from pathlib import Path

import brotli
import pytest
from werkzeug.test import Client

from localcloud.site_server import SiteServer

CONFIG = {"mode": "local", "aws_endpoint": "http://127.0.0.1:1", "api_url": "http://127.0.0.1:1/api"}


@pytest.fixture
def client(tmp_path: Path) -> Client:
    (tmp_path / "index.html").write_text("<!doctype html><title>PetTube</title>" + "x" * 2000)
    runtime = tmp_path / "vendor" / "0123456789abcdef"
    runtime.mkdir(parents=True)
    (runtime / "pyodide.mjs").write_text("export const x = 1;" * 200)
    (runtime / "pyodide.asm.wasm").write_bytes(b"\0asm" + b"\1" * 4000)
    (runtime / "pyodide.asm.wasm.gz").write_bytes(gzip.compress(b"\0asm" + b"\1" * 4000))
    (runtime / "snapshot.bin").write_bytes(b"\2" * 8000)
    (runtime / "snapshot.bin.br").write_bytes(brotli.compress(b"\2" * 8000))
    (runtime / "snapshot.bin.gz").write_bytes(gzip.compress(b"\2" * 8000))
    (tmp_path / "app").mkdir()
    (tmp_path / "app" / "__init__.py").write_text("")
    (tmp_path / "app" / "main.py").write_text("print('hello')\n")
    (tmp_path.parent / "secret.txt").write_text("not for the web")
    return Client(SiteServer(tmp_path, lambda: CONFIG))


def test_runtime_files_get_the_types_pyodide_needs(client: Client) -> None:
    assert client.get("/vendor/0123456789abcdef/pyodide.mjs").headers["Content-Type"] == "text/javascript; charset=utf-8"
    assert client.get("/vendor/0123456789abcdef/pyodide.asm.wasm").headers["Content-Type"] == "application/wasm"
    assert client.get("/").headers["Content-Type"] == "text/html; charset=utf-8"


def test_compressed_when_the_browser_accepts_gzip_using_the_prebuilt_copy(client: Client) -> None:
    wasm = client.get("/vendor/0123456789abcdef/pyodide.asm.wasm", headers={"Accept-Encoding": "gzip, br"})
    assert wasm.headers["Content-Encoding"] == "gzip"
    assert gzip.decompress(wasm.get_data()) == b"\0asm" + b"\1" * 4000
    page = client.get("/", headers={"Accept-Encoding": "gzip"})
    assert page.headers["Content-Encoding"] == "gzip" and b"PetTube" in gzip.decompress(page.get_data())
    assert "Content-Encoding" not in client.get("/").headers


def test_the_brotli_sibling_wins_when_the_browser_accepts_it(client: Client) -> None:
    """Chromium sends `br` to http://127.0.0.1 too; the 45 MB memory snapshot is 20% smaller in brotli."""
    url = "/vendor/0123456789abcdef/snapshot.bin"
    best = client.get(url, headers={"Accept-Encoding": "gzip, deflate, br, zstd"})
    assert best.headers["Content-Encoding"] == "br" and brotli.decompress(best.get_data()) == b"\2" * 8000
    assert best.headers["Vary"] == "Accept-Encoding"
    older = client.get(url, headers={"Accept-Encoding": "gzip"})
    assert older.headers["Content-Encoding"] == "gzip" and gzip.decompress(older.get_data()) == b"\2" * 8000
    refused = client.get(url, headers={"Accept-Encoding": "br;q=0, gzip"})
    assert refused.headers["Content-Encoding"] == "gzip"
    plain = client.get(url)
    assert "Content-Encoding" not in plain.headers and plain.get_data() == b"\2" * 8000
    assert plain.headers["Content-Type"] == "application/octet-stream"


def test_hashed_runtime_is_immutable_and_the_page_revalidates(client: Client) -> None:
    assert "immutable" in client.get("/vendor/0123456789abcdef/pyodide.mjs").headers["Cache-Control"]
    page = client.get("/")
    assert page.headers["Cache-Control"] == "no-cache"
    assert client.get("/", headers={"If-None-Match": page.headers["ETag"]}).status_code == 304


def test_the_site_headers_are_on_every_answer(client: Client) -> None:
    for path in ("/", "/config.json", "/missing"):
        headers = client.get(path).headers
        assert headers["Cross-Origin-Opener-Policy"] == "same-origin-allow-popups"
        assert "frame-ancestors 'self'" in headers["Content-Security-Policy"]
        assert headers["X-Content-Type-Options"] == "nosniff"


def test_config_is_generated_and_never_cached(client: Client) -> None:
    answer = client.get("/config.json")
    assert answer.json == CONFIG
    assert answer.headers["Cache-Control"] == "no-store"


@pytest.mark.parametrize("path", ["/../secret.txt", "/%2e%2e/secret.txt", "/vendor/../../secret.txt"])
def test_nothing_outside_the_site_is_served(client: Client, path: str) -> None:
    assert client.get(path).status_code == 404


def test_only_reads_are_allowed(client: Client) -> None:
    assert client.post("/index.html").status_code == 405


def test_a_page_comes_with_the_stylesheet_written_in_and_follows_its_edits(client: Client, tmp_path: Path) -> None:
    """One answer paints the page: no second round trip for the stylesheet before the first paint."""
    (tmp_path / "styles.css").write_text("body { color: teal; }\n")
    (tmp_path / "page.html").write_text('<head><link rel="stylesheet" href="/styles.css"></head><p>Hi</p>')
    first = client.get("/page.html")
    assert first.get_data() == b'<head><style>\nbody { color: teal; }\n</style></head><p>Hi</p>'
    assert client.get("/page.html", headers={"If-None-Match": first.headers["ETag"]}).status_code == 304
    (tmp_path / "styles.css").write_text("body { color: navy; }\n")
    second = client.get("/page.html", headers={"If-None-Match": first.headers["ETag"]})
    assert second.status_code == 200 and b"navy" in second.get_data()
    assert client.get("/styles.css").get_data() == b"body { color: navy; }\n"  # still there on its own


def test_the_page_python_comes_in_one_archive_that_follows_every_edit(client: Client, tmp_path: Path) -> None:
    first = client.get("/app.zip")
    assert first.headers["Content-Type"] == "application/zip" and first.headers["Cache-Control"] == "no-cache"
    bundle = zipfile.ZipFile(io.BytesIO(first.get_data()))
    assert bundle.namelist() == ["app/__init__.py", "app/main.py"]
    assert {info.compress_type for info in bundle.infolist()} == {zipfile.ZIP_DEFLATED}  # a third of the bytes
    assert bundle.read("app/main.py") == b"print('hello')\n"
    # Unchanged sources: a reload costs a 304. An edit (or a new module) shows on the next load.
    assert client.get("/app.zip", headers={"If-None-Match": first.headers["ETag"]}).status_code == 304
    (tmp_path / "app" / "views.py").write_text("VIEWS = 1\n")
    second = client.get("/app.zip", headers={"If-None-Match": first.headers["ETag"]})
    assert second.status_code == 200
    assert zipfile.ZipFile(io.BytesIO(second.get_data())).namelist() == ["app/__init__.py", "app/main.py", "app/views.py"]
