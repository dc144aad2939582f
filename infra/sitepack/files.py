"""How each file of the site is served, the same in both homes: its Content-Type, its compressed
sibling, a page's stylesheet, and the headers of every answer."""

from __future__ import annotations

import mimetypes
from pathlib import Path

# The Content-Type of each site file (`make deploy` stores the same on S3).
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
# On every answer, whatever the config (headers.site_headers adds the Content-Security-Policy
# built from it). On AWS, CloudFront adds them (the template's SiteHeadersPolicy); the local
# site server and the server the build takes the memory snapshot from send them themselves.
SECURITY_HEADERS = {
    # same-origin-allow-popups, not same-origin: Google's sign-in popup reports back through
    # window.opener. The page runs Python on the main thread: it needs no cross-origin isolation.
    "Cross-Origin-Opener-Policy": "same-origin-allow-popups",
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
