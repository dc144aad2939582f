"""The static site server: what S3 website hosting + CloudFront do for site/ on AWS.

Correct MIME types for the Pyodide runtime (.mjs, .wasm), compression (the
build's prebuilt ``.br`` or ``.gz`` sibling by Accept-Encoding, brotli first;
on-the-fly gzip for other text), the
cross-origin-isolation headers PyScript workers need, and two generated files:
``/config.json``, which the page reads at startup, and ``/app.zip``, the page's
Python (site/app) in one download, zipped on request so an edit shows on reload.
Pages come with the site's stylesheet written into them (``page_with_styles``).
Development caching: every answer revalidates (ETag), except files under a
content-hashed path, which are immutable as they will be on CloudFront.
"""

from __future__ import annotations

import gzip
import hashlib
import io
import json
import mimetypes
import re
import zipfile
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import Any

from werkzeug.wrappers import Request, Response

from localcloud import bytecode

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
# The page's Python modules in one archive (PyScript unpacks it: `files` = {APP_BUNDLE: "./*"}).
APP_BUNDLE = "/app.zip"
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


# The site's stylesheet, as every page links it. A page served with the stylesheet written in
# paints on its first answer, not one round trip later (first paint on a 50 Mbit/s, 40 ms link:
# 211 -> 159 ms; localhost: 145 -> 128 ms). styles.css is still served for anything else.
STYLESHEET = "styles.css"
_STYLESHEET_LINK = f'<link rel="stylesheet" href="/{STYLESHEET}">'


def page_with_styles(page: bytes, site_dir: Path) -> bytes:
    """An HTML page with its link to the site's stylesheet replaced by the stylesheet itself.

    The stylesheet holds no url() or @import, whose relative paths would then resolve against
    the page instead; a stylesheet that does, or that could close the <style> element, stays linked.
    """
    link, stylesheet = _STYLESHEET_LINK.encode(), site_dir / STYLESHEET
    if link not in page or not stylesheet.is_file():
        return page
    styles = stylesheet.read_bytes()
    if any(token in styles.lower() for token in (b"url(", b"@import", b"</style")):
        return page
    return page.replace(link, b"<style>\n" + styles + b"</style>", 1)


def app_bundle(app_dir: Path, site_root: Path | None = None) -> bytes:
    """site/app/*.py as one zip of app/<module>.py, byte-identical for the same sources, with
    their bytecode compiled by the Pyodide of `site_root`'s runtime when it is built
    (bytecode.py; the page then imports them without compiling them).

    One request instead of one per module: on the local cloud seventeen revalidations took
    0.3-0.6 s of the page's start, and every one costs a round trip on a real link.
    """
    sources = {f"app/{path.name}": path.read_bytes().decode() for path in sorted(app_dir.glob("*.py"))}
    compiled = bytecode.compile_for_page(sources, site_root) if site_root else {}
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as bundle:
        for name, content in [*((name, text.encode()) for name, text in sources.items()), *sorted(compiled.items())]:
            member = zipfile.ZipInfo(name, date_time=(1980, 1, 1, 0, 0, 0))
            bundle.writestr(member, content, compress_type=zipfile.ZIP_DEFLATED)
    return buffer.getvalue()


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
        response.headers.update(SECURITY_HEADERS)
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
