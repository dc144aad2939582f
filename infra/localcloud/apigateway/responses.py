"""The local API Gateway for the MyMedia REST API (AWS_IAM auth, Lambda proxy integration).

URLs look like LocalStack's: ``/restapis/{api_id}/{stage}/_user_request_/{path}``.
Each request's SigV4 signature (service ``execute-api``) is checked against the
admin key or the credentials the local Cognito Identity issued; the caller's
role must allow ``execute-api:Invoke`` on the method's ARN; then the function
runs with a proxy event whose identity is the signer's and nobody else's.
Refusals use API Gateway's 403 bodies and ``x-amzn-ErrorType`` values.
"""

from __future__ import annotations

import json
import logging
import re
import time
import uuid
from collections.abc import Callable
from typing import Any

from werkzeug.wrappers import Request, Response

from localcloud.access import errors
from localcloud.access.authenticate import Authenticator, Principal
from localcloud.access.policy import RequestContext
from localcloud.access.responses import json_error
from localcloud.access.roles import PoolRoles
from localcloud.apigateway.proxy import BadProxyResult, Route, build_event, match_route, proxy_response
from localcloud.awserrors import AwsError, rest_json_response
from localcloud.lambdaruntime.runtime import FunctionError

log = logging.getLogger("localcloud.apigateway")

_URL = re.compile(r"^/restapis/(?P<api>[^/]+)/(?P<stage>[^/]+)/_user_request_(?P<path>/.*)?$")


def _gateway_error(error: AwsError, *, message_key: str = "message") -> Response:
    response = rest_json_response(error, message_key=message_key)
    response.headers["x-amz-apigw-id"] = uuid.uuid4().hex[:16]
    return response


def refusal(error: errors.AuthError) -> Response:
    """API Gateway's answer to a request that fails IAM authentication or authorisation: always 403."""
    if isinstance(error, errors.AccessDenied):
        # This one is spelled "Message" by API Gateway.
        return _gateway_error(AwsError(f"User: {error.principal_arn} is not authorized to perform: {error.action} "
                                       f"on resource: {error.resource}", code="AccessDeniedException", status=403),
                              message_key="Message")
    refused = json_error(error)
    refused.status = 403
    return _gateway_error(refused)


class ApiGatewayService:
    """The edge service for one REST API and stage from the template."""

    name = "apigateway"

    def __init__(self, *, api_id: str, stage: str, routes: list[Route], authenticator: Authenticator,
                 roles: PoolRoles, invoke: Callable[[str, dict[str, Any]], Any], function_for_arn: Callable[[str], str],
                 region: str, account_id: str, clock: Callable[[], float] = time.time) -> None:
        self._api_id, self._stage, self._routes = api_id, stage, routes
        self._auth, self._roles = authenticator, roles
        self._invoke, self._function_for_arn = invoke, function_for_arn
        self._region, self._account_id, self._clock = region, account_id, clock

    def matches(self, request: Request) -> bool:
        """LocalStack-style invoke URLs (``/restapis/<api>/<stage>/_user_request_/...``); the control plane's
        ``/restapis/<api>/...`` paths are the API Gateway control plane's, or moto's."""
        return _URL.match(request.path) is not None

    def close(self) -> None:
        """Nothing runs in the background."""

    def dispatch(self, request: Request) -> Response:
        """Preflight, authenticate, authorise, invoke, map the result."""
        found = _URL.match(request.path)
        assert found is not None  # matches() said so
        if found["api"] != self._api_id or found["stage"] != self._stage:
            return _gateway_error(AwsError("Forbidden", code="ForbiddenException", status=403))
        path = found["path"] or "/"
        matched = match_route(self._routes, request.method, path)
        if matched is None:
            # API Gateway answers unknown resources and methods this way under IAM auth.
            return refusal(errors.MissingAuthentication("Missing Authentication Token"))
        route, path_parameters = matched
        if route.integration.get("type") == "mock":
            return self._mock(route)
        try:
            principal = self._auth.authenticate(request, service="execute-api")
            self._authorise(principal, request.method, path)
        except errors.AuthError as error:
            log.info(json.dumps({"event": "api_refused", "reason": type(error).__name__,
                                 "method": request.method, "path": path}))
            return refusal(error)
        event = build_event(request, route, path, path_parameters, api_id=self._api_id, stage=self._stage,
                            principal=principal, account_id=self._account_id, now=self._clock())
        return self._call_function(route, event)

    def _authorise(self, principal: Principal, method: str, path: str) -> None:
        if principal.admin:
            return
        assert principal.session is not None
        resource = (f"arn:aws:execute-api:{self._region}:{self._account_id}:{self._api_id}/{self._stage}/"
                    f"{method.upper()}{path}")
        variables = {"cognito-identity.amazonaws.com:sub": principal.session.identity_id,
                     "cognito-identity.amazonaws.com:aud": principal.session.identity_pool_id}
        role = self._roles.policy_of(principal.session)
        if not role.allows(RequestContext("execute-api:Invoke", resource, variables)):
            raise errors.AccessDenied("not allowed", principal_arn=principal.arn, action="execute-api:Invoke",
                                      resource=resource)

    def _call_function(self, route: Route, event: dict[str, Any]) -> Response:
        identity = event["requestContext"]["identity"]["cognitoIdentityId"]
        try:
            function = self._function_for_arn(route.function_arn or "")
            response = proxy_response(self._invoke(function, event))
        except (FunctionError, BadProxyResult) as exc:
            log.warning(json.dumps({"event": "integration_failed", "resource": route.resource,
                                    "identity_id": identity, "error": type(exc).__name__}))
            return _gateway_error(AwsError("Internal server error", code="InternalServerErrorException", status=502))
        response.headers["x-amzn-RequestId"] = event["requestContext"]["requestId"]
        return response

    @staticmethod
    def _mock(route: Route) -> Response:
        """The CORS preflight: the mock integration's response parameters become headers."""
        default = route.integration.get("responses", {}).get("default", {})
        response = Response(status=int(default.get("statusCode", 200)), content_type="application/json")
        for name, value in default.get("responseParameters", {}).items():
            if name.startswith("method.response.header."):
                response.headers[name.removeprefix("method.response.header.")] = str(value).strip("'")
        return response
