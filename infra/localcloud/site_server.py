"""The static site server: what S3 website hosting + CloudFront do for site/ on AWS.

Correct MIME types for the Pyodide runtime (.mjs, .wasm), compression (the
build's prebuilt ``.br`` or ``.gz`` sibling by Accept-Encoding, brotli first;
on-the-fly gzip for other text), the
cross-origin-isolation headers PyScript workers need, and the generated
``/config.json`` the page reads at startup. Development caching: every answer
revalidates (ETag), except files under a content-hashed path, which are
immutable as they will be on CloudFront.
"""

from __future__ import annotations

import gzip
import hashlib
import json
import mimetypes
import re
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import Any

from werkzeug.wrappers import Request, Response

# The Content-Type of each site file, in both homes (`make deploy` stores the same on S3).
CONTENT_TYPES = {
    ".html": "text/html; charset=utf-8", ".js": "text/javascript; charset=utf-8",
    ".mjs": "text/javascript; charset=utf-8", ".css": "text/css; charset=utf-8",
    ".json": "application/json", ".map": "application/json", ".wasm": "application/wasm",
    ".py": "text/x-python; charset=utf-8", ".toml": "application/toml", ".whl": "application/zip",
    ".zip": "application/zip", ".tar": "application/x-tar", ".svg": "image/svg+xml",
    ".txt": "text/plain; charset=utf-8", ".ico": "image/x-icon", ".webmanifest": "application/manifest+json",
    ".bin": "application/octet-stream",
}
# The build's compressed siblings, in order of preference (brotli is about 10% smaller).
PREBUILT_ENCODINGS = ((".br", "br"), (".gz", "gzip"))
_COMPRESSIBLE = re.compile(r"^(text/|application/(javascript|json|wasm|toml|manifest\+json|x-python)|image/svg)")
# A path segment of 8+ hex digits, or a name like app.3f9a1c2b.js, marks content-addressed files.
_HASHED = re.compile(r"(/[0-9a-f]{8,}/|\.[0-9a-f]{8,}\.)")
SECURITY_HEADERS = {
    # Cross-origin isolation (SharedArrayBuffer for PyScript workers). credentialless
    # still lets the page show thumbnails and videos from presigned S3 URLs.
    "Cross-Origin-Opener-Policy": "same-origin",
    "Cross-Origin-Embedder-Policy": "credentialless",
    "Cross-Origin-Resource-Policy": "same-origin",
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "strict-origin-when-cross-origin",
}


def content_type(name: str) -> str:
    """What a browser needs for this file (.mjs as JavaScript, .wasm as application/wasm)."""
    suffix = Path(name).suffix.lower()
    return CONTENT_TYPES.get(suffix) or mimetypes.guess_type(name)[0] or "application/octet-stream"


class SiteServer:
    """WSGI app serving ``root`` plus a generated ``/config.json``."""

    def __init__(self, root: Path, config: Callable[[], dict[str, Any]]) -> None:
        self.root = root.resolve()
        self._config = config
        self._gzip_cache: dict[tuple[Path, float], bytes] = {}

    def __call__(self, environ: dict[str, Any], start_response: Callable[..., Any]) -> Iterable[bytes]:
        request = Request(environ)
        response = self.handle(request)
        response.headers.update(SECURITY_HEADERS)
        return response(environ, start_response)

    def handle(self, request: Request) -> Response:
        if request.method not in ("GET", "HEAD"):
            return Response("Method Not Allowed", status=405, headers={"Allow": "GET, HEAD"})
        if request.path == "/config.json":
            response = Response(json.dumps(self._config(), indent=2), mimetype="application/json")
            response.headers["Cache-Control"] = "no-store"
            return response
        path = self._resolve(request.path)
        if path is None:
            return Response("Not Found", status=404, mimetype="text/plain")
        return self._file(request, path)

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
        stat = path.stat()
        etag = hashlib.sha1(f"{path}:{stat.st_mtime_ns}:{stat.st_size}".encode()).hexdigest()
        immutable = bool(_HASHED.search("/" + path.relative_to(self.root).as_posix()))
        headers = {"Cache-Control": "public, max-age=31536000, immutable" if immutable else "no-cache",
                   "Vary": "Accept-Encoding"}
        if request.if_none_match.contains(etag):
            return Response(status=304, headers={**headers, "ETag": f'"{etag}"'})
        body, encoding = self._body(request, path, mime, stat.st_mtime)
        response = Response(body, content_type=mime, headers=headers)
        if encoding:
            response.headers["Content-Encoding"] = encoding
        response.set_etag(etag)
        return response

    def _body(self, request: Request, path: Path, mime: str, mtime: float) -> tuple[bytes, str | None]:
        accepted = request.accept_encodings
        for suffix, encoding in PREBUILT_ENCODINGS:
            prebuilt = path.with_name(path.name + suffix)
            if accepted[encoding] and prebuilt.is_file():
                return prebuilt.read_bytes(), encoding
        if not accepted["gzip"] or not _COMPRESSIBLE.match(mime):
            return path.read_bytes(), None
        key = (path, mtime)
        if key not in self._gzip_cache:
            self._gzip_cache[key] = gzip.compress(path.read_bytes(), compresslevel=6)
        return self._gzip_cache[key], "gzip"
