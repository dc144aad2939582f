"""A bucket's S3 website endpoint: what http://<bucket>.s3-website-<region>.amazonaws.com answers.

As S3 documents it (Amazon S3 User Guide, "Hosting a static website"):

- GET and HEAD only; the path is the key, and a path that is empty or ends in ``/`` gets the
  index document's suffix (``/`` -> ``index.html``, ``/docs/`` -> ``docs/index.html``); a key
  that is missing while ``<key>/<index>`` exists is answered with a 302 to ``/<key>/``;
- an object with ``x-amz-website-redirect-location`` is a 301 to that location;
- every object answer carries the headers stored with the object (Content-Type,
  Cache-Control, Content-Encoding, x-amz-meta-*...), its ETag and Last-Modified, and honours
  conditional and Range requests;
- reads are anonymous: the bucket policy must let anyone s3:GetObject the key (and Block
  Public Access must not restrict the bucket), or the answer is 403 AccessDenied. A missing key
  is 404 NoSuchKey only where anyone may also s3:ListBucket, otherwise 403: S3 does not tell
  strangers which keys exist;
- a 4XX answer is the error document with the error's status, or, without one (or when the
  error document cannot be read either), S3's own HTML error page.

One endpoint serves the bucket it is given; a request whose Host names another bucket
(``other.s3-website-us-east-1.amazonaws.com``, as a Host header) is served from that one, so
tests can try other website configurations than the site's.
"""

from __future__ import annotations

import html
import logging
import secrets
from collections.abc import Callable, Iterable
from typing import Any

from werkzeug.wrappers import Request, Response

from localcloud.website.bucket import Bucket, StoredObject, WebsiteConfiguration

log = logging.getLogger("localcloud.website")

_MESSAGES = {
    "NoSuchKey": (404, "The specified key does not exist."),
    "AccessDenied": (403, "Access Denied"),
    "NoSuchWebsiteConfiguration": (404, "The specified bucket does not have a website configuration"),
    "MethodNotAllowed": (405, "The specified method is not allowed against this resource."),
}
_WEBSITE_HOST = ".s3-website"


class WebsiteEndpoint:
    """WSGI app: the website endpoint of `bucket` (and of other buckets named by the Host header)."""

    def __init__(self, bucket: Bucket, other_bucket: Callable[[str], Bucket] | None = None) -> None:
        self.bucket = bucket
        self._other_bucket = other_bucket

    def __call__(self, environ: dict[str, Any], start_response: Callable[..., Any]) -> Iterable[bytes]:
        return self.handle(Request(environ))(environ, start_response)

    def handle(self, request: Request) -> Response:
        """The endpoint's answer to one request."""
        bucket = self._bucket_for(request.host)
        website = bucket.website()
        if website is None:
            return self._error_page(bucket, "NoSuchWebsiteConfiguration")
        if request.method not in ("GET", "HEAD"):
            return self._error_page(bucket, "MethodNotAllowed", headers={"Allow": "GET, HEAD"})
        key = request.path.lstrip("/")  # werkzeug has decoded it
        if key == "" or key.endswith("/"):
            key += website.index_suffix
        found, code = self._read(bucket, key)
        if found is None and not key.endswith(website.index_suffix):
            folder, _ = self._read(bucket, f"{key}/{website.index_suffix}")
            if folder is not None:
                return Response(status=302, headers={"Location": f"{request.path}/"})
        if found is None:
            return self._error(request, bucket, website, code, key)
        if found.redirect_location:
            return Response(status=301, headers={"Location": found.redirect_location})
        return self._object(request, found)

    def _bucket_for(self, host: str) -> Bucket:
        name = host.split(_WEBSITE_HOST, 1)[0] if _WEBSITE_HOST in host else None
        if name is None or name == self.bucket.name or self._other_bucket is None:
            return self.bucket
        return self._other_bucket(name)

    @staticmethod
    def _read(bucket: Bucket, key: str) -> tuple[StoredObject | None, str]:
        """The object anyone may read, or None and the error S3 answers instead."""
        if not bucket.anonymous_may("s3:GetObject", f"arn:aws:s3:::{bucket.name}/{key}"):
            return None, "AccessDenied"
        stored = bucket.get(key)
        if stored is not None:
            return stored, ""
        listable = bucket.anonymous_may("s3:ListBucket", f"arn:aws:s3:::{bucket.name}")
        return None, "NoSuchKey" if listable else "AccessDenied"

    @staticmethod
    def _object(request: Request, stored: StoredObject, status: int = 200) -> Response:
        response = Response(stored.body, status=status, headers=dict(stored.headers))
        response.headers.setdefault("Content-Type", "binary/octet-stream")
        response.set_etag(stored.etag)
        response.last_modified = stored.last_modified
        if status == 200:
            response.make_conditional(request, accept_ranges=True, complete_length=len(stored.body))
        return response

    def _error(self, request: Request, bucket: Bucket, website: WebsiteConfiguration, code: str,
               key: str) -> Response:
        """The error document with the error's status, or S3's own page without one."""
        status = _MESSAGES[code][0]
        if website.error_key:
            document, _ = self._read(bucket, website.error_key)
            if document is not None:
                return self._object(request, document, status)
        return self._error_page(bucket, code, key=key)

    @staticmethod
    def _error_page(bucket: Bucket, code: str, *, key: str | None = None,
                    headers: dict[str, str] | None = None) -> Response:
        """S3's HTML error page, as the website endpoint writes it."""
        status, message = _MESSAGES[code]
        reason = {403: "Forbidden", 404: "Not Found", 405: "Method Not Allowed"}[status]
        details = [("Code", code), ("Message", message)]
        details += [("Key", key)] if key is not None else [("BucketName", bucket.name)]
        details += [("RequestId", secrets.token_hex(8).upper()), ("HostId", secrets.token_urlsafe(48))]
        items = "\n".join(f"<li>{name}: {html.escape(value)}</li>" for name, value in details)
        page = (f"<html>\n<head><title>{status} {reason}</title></head>\n<body>\n<h1>{status} {reason}</h1>\n"
                f"<ul>\n{items}\n</ul>\n<hr/>\n</body>\n</html>\n")
        log.debug("website %s: %s %s", bucket.name, status, code)
        return Response(page, status=status, mimetype="text/html", headers=headers)
