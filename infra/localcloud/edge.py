"""The AWS edge: one port, real wire protocols, moto plus PetTube's own services.

Order of a request: PetTube services that claim it (MediaConvert, Cognito
Identity, STS's web identity, the Lambda, CloudFormation and API Gateway control
planes, API Gateway invocations) -> browser CORS preflights, answered here because moto
refuses preflights for private objects and missing buckets -> guards (access
control on the caller's credentials) -> moto. Browser-facing CORS headers are
added on the way out.
"""

from __future__ import annotations

import io
import logging
import threading
from collections.abc import Callable, Iterable, Sequence
from fnmatch import fnmatchcase
from typing import Any

from werkzeug.wrappers import Request, Response

from localcloud.awserrors import AwsError, response_for, s3_response
from localcloud.services import EdgeService, Guard

log = logging.getLogger("localcloud.edge")

# AWS's JSON APIs (Cognito Identity, STS...) answer any origin; a browser calls them directly.
_JSON_API_CORS = {
    "Access-Control-Allow-Origin": "*",
    "Access-Control-Allow-Methods": "GET, POST, PUT, DELETE, HEAD, OPTIONS",
    "Access-Control-Allow-Headers": "*",
    "Access-Control-Expose-Headers": "x-amzn-RequestId, x-amzn-ErrorType, x-amzn-ErrorMessage, Date",
    "Access-Control-Max-Age": "600",
}

# DynamoDB checks a request's condition and applies it as one step; moto does the two
# apart with no lock, so concurrent conditional writes could both win (a late progress
# event could write "processing" over "ready"). The edge hands moto one DynamoDB request at a time.
_SERIAL_TARGET_PREFIX = "DynamoDB_"

CorsRules = Callable[[str], Sequence[dict[str, Any]]]


def _rule_allows(rule: dict[str, Any], origin: str, method: str, headers: Iterable[str]) -> bool:
    if not any(fnmatchcase(origin, o) for o in rule.get("AllowedOrigins", [])):
        return False
    if method not in rule.get("AllowedMethods", []):
        return False
    allowed = [h.lower() for h in rule.get("AllowedHeaders", [])]
    return all(any(fnmatchcase(h.lower(), a) for a in allowed) for h in headers if h)


class Edge:
    """WSGI application for the edge port."""

    def __init__(self, moto_app: Callable[..., Any], services: Sequence[EdgeService],
                 guards: Sequence[Guard], bucket_cors: CorsRules, faults: Guard | None = None) -> None:
        self._moto = moto_app
        self._faults = faults
        self.services = list(services)
        self.guards = list(guards)
        self._bucket_cors = bucket_cors
        self._serial = threading.Lock()

    def __call__(self, environ: dict[str, Any], start_response: Callable[..., Any]) -> Iterable[bytes]:
        request = Request(environ)
        injected = self._faults.check(request) if self._faults else None
        if injected is not None:
            return self._with_cors(request, injected)(environ, start_response)
        for service in self.services:
            if service.matches(request):
                return self._with_cors(request, service.dispatch(request))(environ, start_response)
        if request.method == "OPTIONS" and "Origin" in request.headers:
            return self._preflight(request)(environ, start_response)
        for guard in self.guards:
            refusal = guard.check(request)
            if refusal is not None:
                return self._with_cors(request, refusal)(environ, start_response)
        body = request.__dict__.get("_cached_data")
        if body is not None:  # a guard read the body to check its hash: hand moto a fresh stream
            environ["wsgi.input"] = io.BytesIO(body)
            environ["CONTENT_LENGTH"] = str(len(body))
        if request.headers.get("X-Amz-Target", "").startswith(_SERIAL_TARGET_PREFIX):
            with self._serial:
                return self._moto_at_once(request, environ, start_response)
        return self._moto_with_cors(request, environ, start_response)

    # ---------------------------------------------------------- CORS
    @staticmethod
    def _bucket_of(request: Request) -> str | None:
        first = request.path.lstrip("/").split("/", 1)[0]
        return first or None

    def _matching_rule(self, request: Request, method: str) -> dict[str, Any] | None:
        bucket = self._bucket_of(request)
        origin = request.headers.get("Origin", "")
        wanted = [h.strip() for h in request.headers.get("Access-Control-Request-Headers", "").split(",")]
        for rule in self._bucket_cors(bucket) if bucket else []:
            if _rule_allows(rule, origin, method, wanted if request.method == "OPTIONS" else []):
                return rule
        return None

    def _preflight(self, request: Request) -> Response:
        if self._bucket_of(request) is None:
            return Response(status=200, headers=_JSON_API_CORS)
        method = request.headers.get("Access-Control-Request-Method", "")
        rule = self._matching_rule(request, method)
        if rule is None:
            # S3's own answer when no rule matches.
            return s3_response(AwsError("CORSResponse: This CORS request is not allowed.", code="AccessForbidden",
                                        status=403))
        headers = {
            "Access-Control-Allow-Origin": request.headers["Origin"],
            "Access-Control-Allow-Methods": ", ".join(rule["AllowedMethods"]),
            "Access-Control-Allow-Headers": request.headers.get("Access-Control-Request-Headers", ""),
            "Vary": "Origin, Access-Control-Request-Headers, Access-Control-Request-Method",
        }
        if rule.get("ExposedHeaders"):
            headers["Access-Control-Expose-Headers"] = ", ".join(rule["ExposedHeaders"])
        if rule.get("MaxAgeSeconds"):
            headers["Access-Control-Max-Age"] = str(rule["MaxAgeSeconds"])
        return Response(status=200, headers=headers)

    def _cors_headers(self, request: Request) -> dict[str, str]:
        if "Origin" not in request.headers:
            return {}
        if self._bucket_of(request) is None or "X-Amz-Target" in request.headers:
            return {k: v for k, v in _JSON_API_CORS.items() if k in
                    ("Access-Control-Allow-Origin", "Access-Control-Expose-Headers")}
        rule = self._matching_rule(request, request.method)
        if rule is None:
            return {}
        headers = {"Access-Control-Allow-Origin": request.headers["Origin"], "Vary": "Origin"}
        if rule.get("ExposedHeaders"):
            headers["Access-Control-Expose-Headers"] = ", ".join(rule["ExposedHeaders"])
        return headers

    def _with_cors(self, request: Request, response: Response) -> Response:
        for name, value in self._cors_headers(request).items():
            response.headers.setdefault(name, value)
        return response

    def _moto_at_once(self, request: Request, environ: dict[str, Any],
                      start_response: Callable[..., Any]) -> list[bytes]:
        """moto's whole answer, produced before returning (so under the caller's lock)."""
        chunks = self._moto_with_cors(request, environ, start_response)
        try:
            return [b"".join(chunks)]
        finally:
            if hasattr(chunks, "close"):
                chunks.close()

    def _moto_with_cors(self, request: Request, environ: dict[str, Any],
                        start_response: Callable[..., Any]) -> Iterable[bytes]:
        extra = self._cors_headers(request)

        def start(status: str, headers: list[tuple[str, str]], exc_info: Any = None) -> Any:
            present = {name.lower() for name, _ in headers}
            headers = headers + [(k, v) for k, v in extra.items() if k.lower() not in present]
            return start_response(status, headers, exc_info)

        try:
            return self._moto(environ, start)
        except AwsError as error:  # raised inside moto by the local cloud's own code (an unreadable bucket)
            return self._with_cors(request, response_for(error, request, None))(environ, start_response)
