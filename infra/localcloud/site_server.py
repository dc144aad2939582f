"""The static site server: what S3 website hosting + CloudFront do for site/ on AWS.

The site's files as both homes serve them (``sitepack``: types for the Pyodide runtime,
the build's prebuilt ``.br`` or ``.gz`` sibling by Accept-Encoding, brotli first, pages
with their stylesheet written in, the headers sitepack.headers builds from the config),
plus what CloudFront does on AWS: on-the-fly gzip for other text, and two
generated files: ``/config.json``, which the page reads at startup, and ``/app.zip``, the
page's Python (site/app) in one download, zipped on request so an edit shows on reload.
Development caching: every answer revalidates (ETag), except files under a
content-hashed path, which are immutable as they will be on CloudFront.
"""

from __future__ import annotations

import gzip
import hashlib
import json
import logging
import re
from collections.abc import Callable, Iterable
from contextlib import AbstractContextManager
from pathlib import Path
from typing import Any

from werkzeug.serving import make_server
from werkzeug.wrappers import Request, Response

from sitepack.bundle import APP_BUNDLE, app_bundle
from sitepack.files import PREBUILT_ENCODINGS, STYLESHEET, content_type, page_with_styles
from sitepack.headers import site_headers
from sitepack.loopback import running

_COMPRESSIBLE = re.compile(r"^(text/|application/(javascript|json|wasm|toml|manifest\+json|x-python)|image/svg)")
# A path segment of 8+ hex digits, or a name like app.3f9a1c2b.js, marks content-addressed files.
_HASHED = re.compile(r"(/[0-9a-f]{8,}/|\.[0-9a-f]{8,}\.)")


class SiteServer:
    """WSGI app serving ``root`` plus the generated ``/config.json`` and ``/app.zip``."""

    def __init__(self, root: Path, config: Callable[[], dict[str, Any]]) -> None:
        self.root = root.resolve()
        self._config = config
        self._gzip_cache: dict[str, bytes] = {}  # by the file's version (path, mtime, size)
        self._bundle: tuple[tuple[tuple[str, int], ...], bytes] | None = None  # (sources' names and mtimes, zip)

    def __call__(self, environ: dict[str, Any], start_response: Callable[..., Any]) -> Iterable[bytes]:
        request = Request(environ)
        response = self.handle(request)
        response.headers.update(site_headers(self._config()))
        return response(environ, start_response)

    def handle(self, request: Request) -> Response:
        if request.method not in ("GET", "HEAD"):
            return Response("Method Not Allowed", status=405, headers={"Allow": "GET, HEAD"})
        if request.path == "/config.json":
            response = Response(json.dumps(self._config(), indent=2), mimetype="application/json")
            response.headers["Cache-Control"] = "no-store"
            return response
        if request.path == APP_BUNDLE:
            return self._app_bundle(request)
        path = self._resolve(request.path)
        if path is None:
            return Response("Not Found", status=404, mimetype="text/plain")
        return self._file(request, path)

    def app_bundle(self) -> bytes:
        """The app bundle, zipped and compiled again only when a module changed (compiling takes
        seconds: the local cloud asks for it as it starts, before any page does)."""
        app_dir = self.root / "app"
        sources = tuple((path.name, path.stat().st_mtime_ns) for path in sorted(app_dir.glob("*.py")))
        if self._bundle is None or self._bundle[0] != sources:
            self._bundle = (sources, app_bundle(app_dir, self.root))
        return self._bundle[1]

    def _app_bundle(self, request: Request) -> Response:
        """The app bundle (revalidated on every load)."""
        body = self.app_bundle()
        etag = hashlib.sha1(body).hexdigest()
        headers = {"Cache-Control": "no-cache"}
        if request.if_none_match.contains(etag):
            return Response(status=304, headers={**headers, "ETag": f'"{etag}"'})
        response = Response(body, content_type=content_type(APP_BUNDLE), headers=headers)
        response.set_etag(etag)
        return response

    def _resolve(self, url_path: str) -> Path | None:
        relative = url_path.lstrip("/") or "index.html"
        candidate = (self.root / relative).resolve()
        if candidate != self.root and self.root not in candidate.parents:
            return None  # ../ escapes the site root
        if candidate.is_dir():
            candidate = candidate / "index.html"
        return candidate if candidate.is_file() else None

    def _file(self, request: Request, path: Path) -> Response:
        mime = content_type(path.name)
        # A page's answer changes with the stylesheet written into it too.
        sources = (path, self.root / STYLESHEET) if path.suffix == ".html" else (path,)
        version = ":".join(f"{source}:{stat.st_mtime_ns}:{stat.st_size}"
                           for source in sources if source.is_file() for stat in [source.stat()])
        etag = hashlib.sha1(version.encode()).hexdigest()
        immutable = bool(_HASHED.search("/" + path.relative_to(self.root).as_posix()))
        headers = {"Cache-Control": "public, max-age=31536000, immutable" if immutable else "no-cache",
                   "Vary": "Accept-Encoding"}
        if request.if_none_match.contains(etag):
            return Response(status=304, headers={**headers, "ETag": f'"{etag}"'})
        body, encoding = self._body(request, path, mime, version)
        response = Response(body, content_type=mime, headers=headers)
        if encoding:
            response.headers["Content-Encoding"] = encoding
        response.set_etag(etag)
        return response

    def _body(self, request: Request, path: Path, mime: str, version: str) -> tuple[bytes, str | None]:
        accepted = request.accept_encodings
        for suffix, encoding in PREBUILT_ENCODINGS:
            prebuilt = path.with_name(path.name + suffix)
            if accepted[encoding] and prebuilt.is_file():
                return prebuilt.read_bytes(), encoding
        content = path.read_bytes()
        if path.suffix == ".html":
            content = page_with_styles(content, self.root)
        if not accepted["gzip"] or not _COMPRESSIBLE.match(mime):
            return content, None
        if version not in self._gzip_cache:
            self._gzip_cache[version] = gzip.compress(content, compresslevel=6)
        return self._gzip_cache[version], "gzip"


def serve(root: Path) -> AbstractContextManager[str]:
    """The base URL of `root` served as the local cloud serves site/ (types, compression, caching,
    app.zip) on a free 127.0.0.1 port, while the block runs: for tests and benchmarks of pages."""
    logging.getLogger("werkzeug").setLevel(logging.WARNING)  # no line per request in test/bench output
    return running(make_server("127.0.0.1", 0, SiteServer(root, config=dict), threaded=True), f"site:{root.name}")
