"""From an HTTP request to a REST API proxy event (payload format 1.0), and back from the result.

Routes come from the API's swagger body in the template: each path and method
with an ``aws_proxy`` integration names a function by ARN; ``options`` methods
with a ``mock`` integration are the CORS preflights.
"""

from __future__ import annotations

import base64
import re
import uuid
from dataclasses import dataclass
from datetime import datetime, timezone
from typing import Any

from werkzeug.wrappers import Request, Response

from localcloud.access.authenticate import Principal

_PARAM = re.compile(r"\{([A-Za-z0-9_]+)(\+?)\}")


class BadProxyResult(Exception):
    """The function's answer is not a valid proxy result (API Gateway then answers 502)."""


@dataclass(frozen=True)
class Route:
    """One method on one resource of the API."""

    resource: str
    method: str
    integration: dict[str, Any]
    pattern: re.Pattern[str]

    @property
    def function_arn(self) -> str | None:
        """The Lambda ARN inside the integration URI, for aws_proxy integrations."""
        if self.integration.get("type") != "aws_proxy":
            return None
        match = re.search(r"/functions/(.+)/invocations$", self.integration.get("uri", ""))
        return match.group(1) if match else None


def _pattern(resource: str) -> re.Pattern[str]:
    def one(match: re.Match[str]) -> str:
        name, greedy = match.group(1), match.group(2)
        return f"(?P<{name}>.+)" if greedy else f"(?P<{name}>[^/]+)"

    body = ""
    position = 0
    for match in _PARAM.finditer(resource):
        body += re.escape(resource[position:match.start()]) + one(match)
        position = match.end()
    return re.compile(f"^{body}{re.escape(resource[position:])}$")


def routes_from_swagger(swagger: dict[str, Any]) -> list[Route]:
    """Every method of every path; literal paths sort before templated ones, as API Gateway prefers them."""
    routes = [Route(path, method.upper(), spec.get("x-amazon-apigateway-integration", {}), _pattern(path))
              for path, methods in swagger.get("paths", {}).items()
              for method, spec in methods.items() if isinstance(spec, dict)]
    return sorted(routes, key=lambda r: (r.resource.count("{"), -len(r.resource)))


def match_route(routes: list[Route], method: str, path: str) -> tuple[Route, dict[str, str]] | None:
    """The route answering ``method path`` and its path parameters (ANY matches every method)."""
    for route in routes:
        found = route.pattern.match(path)
        if found and route.method in (method.upper(), "X-AMAZON-APIGATEWAY-ANY-METHOD"):
            return route, found.groupdict()
    return None


def _identity(request: Request, principal: Principal, account_id: str) -> dict[str, Any]:
    session = principal.session
    identity: dict[str, Any] = {
        "cognitoIdentityPoolId": None, "accountId": None, "cognitoIdentityId": None, "caller": None,
        "sourceIp": request.remote_addr or "127.0.0.1", "principalOrgId": None, "accessKey": principal.access_key_id,
        "cognitoAuthenticationType": None, "cognitoAuthenticationProvider": None, "userArn": principal.arn,
        "userAgent": request.headers.get("User-Agent"), "user": None,
    }
    if session is None:
        return {**identity, "accountId": account_id, "caller": account_id, "user": account_id}
    caller = f"{principal.access_key_id}:{session.session_name}"
    provider: str | None = session.login_provider or None  # a guest signed in with no provider
    if provider and provider.startswith("cognito-idp."):
        # User pools appear as "<provider>,<provider>:CognitoSignIn:<sub>" in the event.
        provider = f"{provider},{provider}:CognitoSignIn:{session.subject}"
    return {**identity, "cognitoIdentityPoolId": session.identity_pool_id, "accountId": account_id,
            "cognitoIdentityId": session.identity_id, "caller": caller, "user": caller,
            "cognitoAuthenticationType": "authenticated" if session.authenticated else "unauthenticated",
            "cognitoAuthenticationProvider": provider}


def build_event(request: Request, route: Route, path: str, path_parameters: dict[str, str], *, api_id: str,
                stage: str, principal: Principal, account_id: str, now: float) -> dict[str, Any]:
    """The proxy event API Gateway would hand the function for this request."""
    headers = {name: value for name, value in request.headers.items()}
    multi_headers: dict[str, list[str]] = {}
    for name, value in request.headers.items():
        multi_headers.setdefault(name, []).append(value)
    query = {k: request.args.getlist(k)[-1] for k in request.args}
    raw = request.get_data(cache=True)
    try:
        body, encoded = (raw.decode("utf-8"), False) if raw else (None, False)
    except UnicodeDecodeError:
        body, encoded = base64.b64encode(raw).decode("ascii"), True
    moment = datetime.fromtimestamp(now, tz=timezone.utc)
    request_id = str(uuid.uuid4())
    return {
        "resource": route.resource, "path": path, "httpMethod": request.method,
        "headers": headers or None, "multiValueHeaders": multi_headers or None,
        "queryStringParameters": query or None,
        "multiValueQueryStringParameters": {k: request.args.getlist(k) for k in request.args} or None,
        "pathParameters": path_parameters or None, "stageVariables": None,
        "requestContext": {
            "resourceId": uuid.uuid5(uuid.NAMESPACE_URL, route.resource).hex[:6], "resourcePath": route.resource,
            "httpMethod": request.method, "extendedRequestId": request_id[:16], "requestTime":
            moment.strftime("%d/%b/%Y:%H:%M:%S +0000"), "path": f"/{stage}{path}", "accountId": account_id,
            "protocol": request.environ.get("SERVER_PROTOCOL", "HTTP/1.1"), "stage": stage,
            "domainPrefix": request.host.split(".")[0], "requestTimeEpoch": int(now * 1000),
            "requestId": request_id, "identity": _identity(request, principal, account_id),
            "domainName": request.host, "apiId": api_id,
        },
        "body": body, "isBase64Encoded": encoded,
    }


def proxy_response(result: Any) -> Response:
    """The HTTP response for a function's proxy result; raises BadProxyResult for a malformed one."""
    if not isinstance(result, dict) or not isinstance(result.get("statusCode"), int):
        raise BadProxyResult("the function returned no integer statusCode")
    body = result.get("body") or ""
    if not isinstance(body, str):
        raise BadProxyResult("body must be a string")
    data = base64.b64decode(body) if result.get("isBase64Encoded") else body.encode("utf-8")
    response = Response(data, status=result["statusCode"])
    response.headers.pop("Content-Type", None)
    for name, values in (result.get("multiValueHeaders") or {}).items():
        for value in values:
            response.headers.add(name, str(value))
    for name, value in (result.get("headers") or {}).items():
        response.headers[name] = str(value)
    response.headers.setdefault("Content-Type", "application/json")
    return response
