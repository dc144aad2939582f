"""Verify AWS Signature Version 4 on incoming requests (Authorization header or presigned query).

The signature is recomputed with botocore's own signers (``SigV4Auth``,
``S3SigV4Auth``, ``SigV4QueryAuth``, ``S3SigV4QueryAuth``), fed exactly the
headers the client declared in SignedHeaders, so the canonicalisation is the
one every AWS SDK for Python uses rather than a second hand-written copy.
"""

from __future__ import annotations

import hmac
from calendar import timegm
from dataclasses import dataclass
from datetime import datetime, timezone
from email.utils import parsedate_to_datetime
from typing import Any
from urllib.parse import quote

from botocore.auth import S3SigV4Auth, S3SigV4QueryAuth, SigV4Auth, SigV4QueryAuth
from botocore.awsrequest import AWSRequest
from botocore.compat import HTTPHeaders
from botocore.credentials import Credentials
from werkzeug.wrappers import Request

from localcloud.access.errors import (
    AuthError,
    IncompleteSignature,
    RequestExpired,
    SignatureMismatch,
    UnsupportedSignature,
)

ALGORITHM = "AWS4-HMAC-SHA256"
TIMESTAMP_FORMAT = "%Y%m%dT%H%M%SZ"
# AWS accepts a signed request up to 15 minutes either side of its clock.
MAX_CLOCK_SKEW_SECONDS = 15 * 60
# A presigned URL may live at most seven days (X-Amz-Expires <= 604800).
MAX_PRESIGN_SECONDS = 7 * 24 * 3600


@dataclass(frozen=True)
class SignatureClaim:
    """What a request says about its own signature, before anything is checked."""

    access_key_id: str
    date: str
    region: str
    service: str
    timestamp: str
    signed_headers: tuple[str, ...]
    signature: str
    session_token: str | None
    presigned: bool
    expires: int | None = None
    policy: str | None = None  # a form upload's base64 policy document, which its signature signs

    @property
    def signed_at(self) -> float:
        """The signing time as epoch seconds."""
        return float(timegm(datetime.strptime(self.timestamp, TIMESTAMP_FORMAT).timetuple()))


def scope_of(credential: str) -> tuple[str, str, str, str]:
    parts = credential.split("/")
    if len(parts) != 5 or parts[4] != "aws4_request" or not all(parts):
        raise IncompleteSignature(f"Credential must have the form KEY/DATE/REGION/SERVICE/aws4_request: {credential!r}")
    return parts[0], parts[1], parts[2], parts[3]


def _header_claim(request: Request, authorization: str) -> SignatureClaim:
    fields: dict[str, str] = {}
    for part in authorization[len(ALGORITHM):].split(","):
        name, _, value = part.strip().partition("=")
        fields[name] = value
    missing = [name for name in ("Credential", "SignedHeaders", "Signature") if not fields.get(name)]
    if missing:
        raise IncompleteSignature(f"Authorization header requires '{missing[0]}' parameter")
    timestamp = request.headers.get("X-Amz-Date")
    if not timestamp and request.headers.get("Date"):
        timestamp = parsedate_to_datetime(request.headers["Date"]).strftime(TIMESTAMP_FORMAT)
    if not timestamp:
        raise IncompleteSignature("Authorization header requires existence of either a 'X-Amz-Date' or a 'Date' header")
    key, date, region, service = scope_of(fields["Credential"])
    return SignatureClaim(key, date, region, service, timestamp, tuple(fields["SignedHeaders"].split(";")),
                          fields["Signature"], request.headers.get("X-Amz-Security-Token"), presigned=False)


def _query_claim(request: Request) -> SignatureClaim:
    args = request.args
    required = ("X-Amz-Algorithm", "X-Amz-Credential", "X-Amz-Date", "X-Amz-Expires",
                "X-Amz-SignedHeaders", "X-Amz-Signature")
    missing = [name for name in required if not args.get(name)]
    if missing:
        raise IncompleteSignature(f"Query-string authentication requires the {missing[0]} parameter")
    if args["X-Amz-Algorithm"] != ALGORITHM:
        raise IncompleteSignature("X-Amz-Algorithm only supports \"AWS4-HMAC-SHA256\"")
    try:
        expires = int(args["X-Amz-Expires"])
    except ValueError:
        raise IncompleteSignature("X-Amz-Expires should be a number") from None
    if not 0 < expires <= MAX_PRESIGN_SECONDS:
        raise IncompleteSignature("X-Amz-Expires must be between 1 and 604800 seconds")
    key, date, region, service = scope_of(args["X-Amz-Credential"])
    return SignatureClaim(key, date, region, service, args["X-Amz-Date"], tuple(args["X-Amz-SignedHeaders"].split(";")),
                          args["X-Amz-Signature"], args.get("X-Amz-Security-Token"), presigned=True, expires=expires)


def read_claim(request: Request) -> SignatureClaim | None:
    """The request's SigV4 claim, or None when it is not signed at all."""
    authorization = request.headers.get("Authorization", "")
    if authorization.startswith(ALGORITHM):
        return _header_claim(request, authorization)
    if authorization or "AWSAccessKeyId" in request.args:
        raise UnsupportedSignature("The authorization mechanism you have provided is not supported. "
                                   "Please use AWS4-HMAC-SHA256.")
    if "X-Amz-Signature" in request.args or "X-Amz-Credential" in request.args:
        return _query_claim(request)
    return None


def signing_scope(request: Request) -> tuple[str, str] | None:
    """(region, service) a request is signed for (its credential scope), as AWS routes it; None if unsigned or
    unreadable."""
    try:
        claim = read_claim(request)
    except AuthError:
        return None
    return (claim.region, claim.service) if claim else None


def signing_service(request: Request) -> str | None:
    """The service a request is signed for; None if unsigned or unreadable."""
    scope = signing_scope(request)
    return scope[1] if scope else None


class _ExactHeaders:
    """Canonicalise exactly the headers the client listed, as AWS does (no SDK blacklist)."""

    exact_headers: HTTPHeaders

    def headers_to_sign(self, request: AWSRequest) -> HTTPHeaders:
        return self.exact_headers


class _Header(_ExactHeaders, SigV4Auth):
    pass


class _S3Header(_ExactHeaders, S3SigV4Auth):
    pass


class _Query(_ExactHeaders, SigV4QueryAuth):
    pass


class _S3Query(_ExactHeaders, S3SigV4QueryAuth):
    pass


def _signer(claim: SignatureClaim, secret_key: str) -> Any:
    s3 = claim.service == "s3"
    cls = (_S3Query if s3 else _Query) if claim.presigned else (_S3Header if s3 else _Header)
    return cls(Credentials(claim.access_key_id, secret_key, claim.session_token), claim.service, claim.region)


def _check_time(claim: SignatureClaim, now: float) -> None:
    if claim.timestamp[:8] != claim.date:
        raise SignatureMismatch("the credential scope date differs from X-Amz-Date")
    signed_at = claim.signed_at
    if signed_at - now > MAX_CLOCK_SKEW_SECONDS:
        raise RequestExpired("Request is not yet valid", signed_at=claim.timestamp, expires=claim.expires)
    if claim.presigned and claim.expires is not None and now > signed_at + claim.expires:
        raise RequestExpired("Request has expired", signed_at=claim.timestamp, expires=claim.expires)
    if not claim.presigned and now - signed_at > MAX_CLOCK_SKEW_SECONDS:
        raise RequestExpired("Signature expired", signed_at=claim.timestamp)


def _rebuild(request: Request, claim: SignatureClaim) -> AWSRequest:
    headers = HTTPHeaders()
    for name in claim.signed_headers:
        # A WSGI environ holds one value per name, repeats joined with "," as SigV4 joins them; looked up
        # by name, an S3 metadata header spelt with underscores (kept by the edge's server) is found too.
        value = request.headers.get(name)
        if value is not None:
            headers[name] = value
    params = [(k, v) for k, v in request.args.items(multi=True) if k != "X-Amz-Signature"]
    needs_body = not claim.presigned and "x-amz-content-sha256" not in claim.signed_headers
    # The path exactly as sent (botocore quotes S3 keys itself); werkzeug's servers keep it in RAW_URI.
    raw = request.environ.get("RAW_URI") or request.environ.get("REQUEST_URI")
    path = raw.split("?", 1)[0] if raw else quote(request.path, safe="/~")
    url = f"{request.scheme}://{request.host}{path}"
    rebuilt = AWSRequest(method=request.method, url=url, params=params,
                         data=request.get_data(cache=True) if needs_body else b"")
    rebuilt.headers = headers  # type: ignore[assignment]
    rebuilt.context["timestamp"] = claim.timestamp
    return rebuilt


def verify(request: Request, claim: SignatureClaim, secret_key: str, *, now: float) -> None:
    """Raise unless ``claim`` is a valid, current signature of ``request`` made with ``secret_key``."""
    _check_time(claim, now)
    if "host" not in claim.signed_headers:
        raise IncompleteSignature("the host header must be signed")
    signer = _signer(claim, secret_key)
    rebuilt = _rebuild(request, claim)
    signer.exact_headers = rebuilt.headers
    canonical = signer.canonical_request(rebuilt)
    expected = signer.signature(signer.string_to_sign(rebuilt, canonical), rebuilt)
    if not hmac.compare_digest(expected, claim.signature):
        raise SignatureMismatch("The request signature we calculated does not match the signature you provided.")


def timestamp_of(epoch: float) -> str:
    """Format epoch seconds as a SigV4 timestamp (for messages that quote the server time)."""
    return datetime.fromtimestamp(epoch, tz=timezone.utc).strftime(TIMESTAMP_FORMAT)
