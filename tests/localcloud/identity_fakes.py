"""Small fakes for the identity and access tests: a clock, a ctx on the real template, signed requests."""

from __future__ import annotations

import io
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import parse_qsl, quote, urlsplit

import boto3
from botocore.auth import S3SigV4Auth, S3SigV4QueryAuth, SigV4Auth
from botocore.awsrequest import AWSRequest, AWSResponse
from botocore.credentials import Credentials
from botocore.utils import percent_encode_sequence
from werkzeug.test import Client, EnvironBuilder
from werkzeug.wrappers import Request

from localcloud.access.credentials import CredentialAuthority, SessionCredentials
from localcloud.access.roles import pool_roles
from localcloud.services import ServiceContext
from localcloud.stack import Stack

EDGE = "http://127.0.0.1:4566"
SITE = "http://127.0.0.1:8080"
IDP = "http://127.0.0.1:8090"
GOOGLE_CLIENT_ID = "pettube-test.apps.googleusercontent.com"
ADMIN_KEY, ADMIN_SECRET = "AKIAADMINADMINADMIN0", "admin-secret-admin-secret"


class FakeClock:
    """Epoch seconds that move only when a test says so."""

    def __init__(self, now: float | None = None) -> None:
        self.now = time.time() if now is None else now

    def __call__(self) -> float:
        return self.now

    def advance(self, seconds: float) -> None:
        self.now += seconds


@dataclass
class FakeRuntime:
    """Records RequestResponse invokes and answers with ``result`` (or raises it)."""

    result: Any = field(default_factory=lambda: {"statusCode": 200, "body": "{}"})
    calls: list[tuple[str, dict[str, Any]]] = field(default_factory=list)

    def invoke(self, function: str, event: dict[str, Any]) -> Any:
        self.calls.append((function, event))
        if isinstance(self.result, Exception):
            raise self.result
        return self.result


_STACK: Stack | None = None


def stack() -> Stack:
    """The real template, resolved once per test session (translation takes a moment)."""
    global _STACK
    if _STACK is None:
        host = urlsplit(SITE).netloc
        _STACK = Stack({"GoogleClientId": GOOGLE_CLIENT_ID, "SiteOrigin": SITE},
                       attributes={("SiteDistribution", "DomainName"): host, ("SiteBucket", "WebsiteURL"): SITE})
    return _STACK


def session_for(authority: CredentialAuthority, identity_id: str, google_subject: str | None) -> SessionCredentials:
    """A Google user's credentials as the local Cognito Identity issues them, or for no subject a guest's as the
    basic flow (STS) issues them: GuestRole with no session policy (test_sts covers the enhanced flow's)."""
    kind = "unauthenticated" if google_subject is None else "authenticated"
    return authority.issue(identity_id=identity_id, identity_pool_id=stack().physical_name("IdentityPool"),
                           role_arn=pool_roles(stack()).by_kind[kind],
                           login_provider="" if google_subject is None else "accounts.google.com",
                           subject=google_subject or "")


def make_ctx(state_dir: Path, runtime: Any = None) -> ServiceContext:
    """A ServiceContext like the running local cloud's, without any server."""
    return ServiceContext(region="us-east-1", account_id="123456789012", edge_url=EDGE, site_url=SITE,
                          idp_url=IDP, admin_access_key_id=ADMIN_KEY, admin_secret_access_key=ADMIN_SECRET,
                          state_dir=state_dir, stack=stack(), runtime=runtime or FakeRuntime())


def _quoted(url: str) -> str:
    """The URL with path and query quoted the way botocore's serializers quote them."""
    parts = urlsplit(url)
    query = percent_encode_sequence(parse_qsl(parts.query, keep_blank_values=True))
    return parts._replace(path=quote(parts.path, safe="/~"), query=query).geturl()


def to_werkzeug(prepared_url: str, method: str, headers: Any, body: bytes | None) -> Request:
    """A werkzeug Request carrying exactly what a client would put on the wire."""
    parts = urlsplit(prepared_url)
    builder = EnvironBuilder(method=method, base_url=f"{parts.scheme}://{parts.netloc}", path=parts.path,
                             query_string=parts.query, headers={k: v.decode() if isinstance(v, bytes) else v for k, v in headers.items()},
                             data=body or b"")
    return Request(builder.get_environ())


def signed(method: str, url: str, creds: Credentials, *, service: str = "s3", body: bytes = b"",
           headers: dict[str, str] | None = None) -> Request:
    """A header-signed request, exactly as botocore would send it."""
    request = AWSRequest(method=method, url=_quoted(url), data=body, headers=headers or {})
    (S3SigV4Auth if service == "s3" else SigV4Auth)(creds, service, "us-east-1").add_auth(request)
    prepared = request.prepare()
    return to_werkzeug(prepared.url, method, prepared.headers, prepared.body)


def presigned(method: str, url: str, creds: Credentials, *, expires: int = 3600) -> Request:
    """A presigned-URL request (query-string SigV4), as generate_presigned_url makes them."""
    request = AWSRequest(method=method, url=_quoted(url))
    S3SigV4QueryAuth(creds, "s3", "us-east-1", expires=expires).add_auth(request)
    prepared = request.prepare()
    return to_werkzeug(prepared.url, method, prepared.headers, None)


class _Body(io.BytesIO):
    """The raw body botocore's AWSResponse streams (or, for GetObject, reads) from."""

    def stream(self, **_: Any) -> Any:
        yield self.getvalue()


def send_through(app: Any, prepared: Any) -> AWSResponse:
    """Run a botocore-prepared request through a WSGI app in-process and wrap the answer for botocore."""
    body = prepared.body
    if hasattr(body, "read"):
        body = body.read()
    if isinstance(body, str):
        body = body.encode()
    response = Client(app).open(to_werkzeug(prepared.url, prepared.method, prepared.headers, body))
    return AWSResponse(prepared.url, response.status_code, dict(response.headers), _Body(response.get_data()))


def wsgi_client(app: Any, service: str, **kwargs: Any) -> Any:
    """A real boto3 client whose requests go to ``app`` in-process (no sockets)."""
    client = boto3.client(service, **{"region_name": "us-east-1", "endpoint_url": EDGE, **kwargs})
    client.meta.events.register("before-send", lambda request, **_: send_through(app, request))
    return client


def service_app(service: Any) -> Any:
    """An EdgeService as a WSGI app, for the test client."""
    def app(environ: dict[str, Any], start_response: Any) -> Any:
        return service.dispatch(Request(environ))(environ, start_response)
    return app
