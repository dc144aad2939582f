"""The local CloudFront: the address people open (``endpoints.site``), in front of the site
bucket's website endpoint (``localcloud.website``), doing what the template's SiteDistribution does.

- Every viewer request goes to the origin as it came (GET and HEAD; CloudFront's default
  behaviour allows no other method), conditional and Range headers included, and the origin's
  answer comes back with the response headers policy's headers (``sitepack.headers``, built
  from the page's config, as CloudFront's SiteHeadersPolicy carries them).
- Compression as ``Compress: true`` does it: gzip or brotli (brotli first) for a viewer that
  accepts it, on a 200 answer of a compressible type between 1,000 and 10,000,000 bytes that
  the origin did not encode itself (https://docs.aws.amazon.com/AmazonCloudFront/latest/
  DeveloperGuide/ServingCompressedFiles.html). Objects the deploy stored encoded (the build's
  .br siblings) pass as they are.
- One thing CloudFront does not do: a viewer that does not accept the encoding an object was
  stored with (curl, urllib) gets it decoded. Every browser that runs the page accepts brotli.
- Before a browser's navigation (and any request that is not a browser's subresource fetch),
  the site bucket is brought up to date with site/ (``SitePublisher.refresh``): an edit shows
  on reload. CloudFront's own caching is left out: what the origin answers is what is current.

``serve(root)`` serves a folder the same way, as if `make deploy` had published it, for test
and benchmark pages.
"""

from __future__ import annotations

import gzip
import logging
import re
import threading
from collections import OrderedDict
from collections.abc import Callable, Iterable, Mapping
from contextlib import AbstractContextManager
from pathlib import Path
from typing import Any

import brotli
from werkzeug.serving import make_server
from werkzeug.wrappers import Request, Response

from localcloud.website.bucket import FolderBucket
from localcloud.website.endpoint import WebsiteEndpoint
from sitepack.files import SECURITY_HEADERS
from sitepack.headers import site_headers
from sitepack.loopback import running

# CloudFront's compressible types (the list in the page above, as prefixes and names).
_COMPRESSIBLE = re.compile(r"^(text/|application/(javascript|json|wasm|toml|xml|xhtml\+xml|manifest\+json|"
                           r"x-javascript|x-python|ld\+json|rss\+xml|atom\+xml)|image/svg\+xml|font/)")
COMPRESS_MIN, COMPRESS_MAX = 1_000, 10_000_000
ENCODED_KEPT = 64  # bodies kept encoded (or decoded), by ETag: the page's files, a few versions each
_DECODERS = {"br": brotli.decompress, "gzip": gzip.decompress}
_ENCODERS = {"br": lambda body: brotli.compress(body, quality=5), "gzip": lambda body: gzip.compress(body, 6)}


class Distribution:
    """WSGI app: the viewer side of the distribution in front of `origin`.

    `config` is the page's config.json (the headers policy is built from it; test pages without
    one get the headers that need none, and no Content-Security-Policy); `before_viewer_request`
    runs first for every request that may be a reload (a navigation, or a client that is no browser).
    """

    def __init__(self, origin: WebsiteEndpoint, config: Callable[[], Mapping[str, Any]] | None,
                 before_viewer_request: Callable[[], object] | None = None) -> None:
        self.origin = origin
        self._config = config
        self._before = before_viewer_request
        self._encoded: OrderedDict[tuple[str, str], bytes] = OrderedDict()  # (ETag, recoding) -> body
        self._encoded_lock = threading.Lock()

    def __call__(self, environ: dict[str, Any], start_response: Callable[..., Any]) -> Iterable[bytes]:
        request = Request(environ)
        response = self.handle(request)
        response.headers.update(site_headers(self._config()) if self._config else SECURITY_HEADERS)
        return response(environ, start_response)

    def handle(self, request: Request) -> Response:
        """The origin's answer as the viewer gets it (without the headers policy)."""
        if request.method not in ("GET", "HEAD"):
            return Response("Method Not Allowed", status=405, headers={"Allow": "GET, HEAD"}, mimetype="text/plain")
        if self._before is not None and request.headers.get("Sec-Fetch-Mode", "navigate") == "navigate":
            self._before()
        response = self.origin.handle(request)
        if response.status_code == 200:
            self._encode_for_viewer(request, response)
        return response

    def _encode_for_viewer(self, request: Request, response: Response) -> None:
        stored = response.headers.get("Content-Encoding")
        accepted = request.accept_encodings
        etag = response.get_etag()[0] or ""
        if stored and not accepted[stored]:
            self._recode(response, etag, stored, None)
            stored = None
        length = response.calculate_content_length() or 0
        if stored or not _COMPRESSIBLE.match(response.mimetype or "") or not COMPRESS_MIN <= length <= COMPRESS_MAX:
            return
        wanted = next((encoding for encoding in ("br", "gzip") if accepted[encoding]), None)
        if wanted:
            self._recode(response, etag, None, wanted)
            response.vary.add("Accept-Encoding")

    def _recode(self, response: Response, etag: str, stored: str | None, wanted: str | None) -> None:
        """The body decoded from `stored` and/or encoded as `wanted`, kept by the object's ETag."""
        key = (etag, f"{stored}>{wanted}")
        with self._encoded_lock:
            body = self._encoded.get(key)
            if body is not None:
                self._encoded.move_to_end(key)
        if body is None:
            body = response.get_data()
            body = _DECODERS[stored](body) if stored else body
            body = _ENCODERS[wanted](body) if wanted else body
            with self._encoded_lock:
                self._encoded[key] = body
                while len(self._encoded) > ENCODED_KEPT:
                    self._encoded.popitem(last=False)
        response.set_data(body)
        if wanted:
            response.headers["Content-Encoding"] = wanted
        else:
            del response.headers["Content-Encoding"]


def serve(root: Path, config: Mapping[str, Any] | None = None) -> AbstractContextManager[str]:
    """The base URL of `root` served as the local cloud serves the site (the bucket's objects as
    `make deploy` would store them, behind the local CloudFront) on a free 127.0.0.1 port, while
    the block runs: for tests and benchmarks of pages. With `config` (a config.json's values),
    the answers carry the Content-Security-Policy the page would get."""
    logging.getLogger("werkzeug").setLevel(logging.WARNING)  # no line per request in test/bench output
    distribution = Distribution(WebsiteEndpoint(FolderBucket(root)), None if config is None else lambda: config)
    return running(make_server("127.0.0.1", 0, distribution, threaded=True), f"site:{root.name}")
