"""The local CloudFront in front of a website bucket (here a folder as `make deploy` would publish it,
as `site_server.serve` serves test pages): types, the build's compressed siblings, CloudFront's own
compression, cache lifetimes, the site headers on every answer, and only reads."""

from __future__ import annotations

import gzip
from pathlib import Path

import brotli
import pytest
from werkzeug.test import Client

from localcloud.site_server import Distribution
from localcloud.website.bucket import FolderBucket
from localcloud.website.endpoint import WebsiteEndpoint

RUNTIME = "/vendor/0123456789abcdef"
SNAPSHOT = b"\2" * 8000


@pytest.fixture
def site(tmp_path: Path) -> Path:
    root = tmp_path / "site"
    runtime = root / RUNTIME.lstrip("/")
    runtime.mkdir(parents=True)
    (root / "index.html").write_text("<!doctype html><title>PetTube</title>" + "x" * 2000)
    (runtime / "pyodide.mjs").write_text("export const x = 1;" * 200)
    (runtime / "pyodide.asm.wasm").write_bytes(b"\0asm" + b"\1" * 4000)
    (runtime / "pyodide.asm.wasm.gz").write_bytes(gzip.compress(b"\0asm" + b"\1" * 4000))
    (runtime / "snapshot.bin").write_bytes(SNAPSHOT)
    (runtime / "snapshot.bin.br").write_bytes(brotli.compress(SNAPSHOT))
    (runtime / "snapshot.bin.gz").write_bytes(gzip.compress(SNAPSHOT))
    (tmp_path / "secret.txt").write_text("not for the web")
    return root


@pytest.fixture
def client(site: Path) -> Client:
    config = {"mode": "local", "region": "us-east-1", "aws_endpoint": "http://127.0.0.1:1",
              "api_url": "http://127.0.0.1:1/api", "idp_url": "http://127.0.0.1:2"}
    return Client(Distribution(WebsiteEndpoint(FolderBucket(site)), lambda: config))


def test_runtime_files_get_the_types_pyodide_needs(client: Client) -> None:
    assert client.get(f"{RUNTIME}/pyodide.mjs").headers["Content-Type"] == "text/javascript; charset=utf-8"
    assert client.get(f"{RUNTIME}/pyodide.asm.wasm").headers["Content-Type"] == "application/wasm"
    assert client.get("/").headers["Content-Type"] == "text/html; charset=utf-8"


def test_the_stored_brotli_sibling_goes_to_browsers_and_is_decoded_for_clients_without_brotli(
        client: Client) -> None:
    """The object holds the build's .br bytes (brotli first, as the deploy stores it): every browser
    that runs the page accepts them; a client that does not gets them decoded, and gzipped if it asks."""
    url = f"{RUNTIME}/snapshot.bin"
    best = client.get(url, headers={"Accept-Encoding": "gzip, deflate, br, zstd"})
    assert best.headers["Content-Encoding"] == "br" and brotli.decompress(best.get_data()) == SNAPSHOT
    plain = client.get(url)
    assert "Content-Encoding" not in plain.headers and plain.get_data() == SNAPSHOT
    assert plain.headers["Content-Type"] == "application/octet-stream"
    older = client.get(f"{RUNTIME}/pyodide.mjs", headers={"Accept-Encoding": "gzip"})
    assert older.headers["Content-Encoding"] == "gzip"
    assert gzip.decompress(older.get_data()) == b"export const x = 1;" * 200


def test_cloudfront_compresses_what_the_origin_sent_plain(client: Client) -> None:
    page = client.get("/", headers={"Accept-Encoding": "gzip, br"})
    assert page.headers["Content-Encoding"] == "br" and b"PetTube" in brotli.decompress(page.get_data())
    assert "Accept-Encoding" in page.headers["Vary"]
    assert gzip.decompress(client.get("/", headers={"Accept-Encoding": "gzip"}).get_data()).startswith(b"<!doctype")
    assert "Content-Encoding" not in client.get("/").headers


def test_hashed_runtime_is_immutable_and_the_page_revalidates(client: Client) -> None:
    assert "immutable" in client.get(f"{RUNTIME}/pyodide.mjs").headers["Cache-Control"]
    page = client.get("/")
    assert page.headers["Cache-Control"] == "no-cache"
    again = client.get("/", headers={"If-None-Match": page.headers["ETag"]})
    assert again.status_code == 304 and again.get_data() == b""


def test_the_site_headers_are_on_every_answer(client: Client) -> None:
    for path in ("/", f"{RUNTIME}/pyodide.mjs", "/missing"):
        headers = client.get(path).headers
        assert headers["Cross-Origin-Opener-Policy"] == "same-origin-allow-popups"
        assert "frame-ancestors" in headers["Content-Security-Policy"]
        assert headers["X-Content-Type-Options"] == "nosniff"


@pytest.mark.parametrize("path", ["/../secret.txt", "/%2e%2e/secret.txt", f"{RUNTIME}/../../../secret.txt"])
def test_nothing_outside_the_site_is_served(client: Client, path: str) -> None:
    answer = client.get(path)
    assert answer.status_code == 404 and b"not for the web" not in answer.get_data()


def test_only_reads_are_allowed(client: Client) -> None:
    assert client.post("/index.html").status_code == 405


def test_a_page_comes_with_the_stylesheet_written_in_and_follows_its_edits(client: Client, site: Path) -> None:
    """One answer paints the page: no second round trip for the stylesheet before the first paint."""
    (site / "styles.css").write_text("body { color: teal; }\n")
    (site / "page.html").write_text('<head><link rel="stylesheet" href="/styles.css"></head><p>Hi</p>')
    first = client.get("/page.html")
    assert first.get_data() == b'<head><style>\nbody { color: teal; }\n</style></head><p>Hi</p>'
    assert client.get("/page.html", headers={"If-None-Match": first.headers["ETag"]}).status_code == 304
    (site / "styles.css").write_text("body { color: navy; }\n")
    second = client.get("/page.html", headers={"If-None-Match": first.headers["ETag"]})
    assert second.status_code == 200 and b"navy" in second.get_data()
    assert client.get("/styles.css").get_data() == b"body { color: navy; }\n"  # still there on its own


def test_test_pages_without_a_config_get_the_headers_that_need_none(site: Path) -> None:
    """serve(root) for test and benchmark pages: no Content-Security-Policy to build without endpoints."""
    headers = Client(Distribution(WebsiteEndpoint(FolderBucket(site)), None)).get("/").headers
    assert headers["Cross-Origin-Opener-Policy"] == "same-origin-allow-popups"
    assert "Content-Security-Policy" not in headers
