"""The guard in front of moto: every request must be signed, and role credentials stay in their lane.

moto checks no presigned URL and, with its own IAM enforcement on, breaks
presigned URLs and CORS preflights (it answers 500 to every unsigned or
query-signed request, and expands no policy variable). So moto runs open and
this guard decides: preflights pass to the edge's CORS layer; the admin key is
allowed everything once its signature verifies; a Cognito identity's
credentials get exactly what their role (the pool's authenticated or
unauthenticated role, recorded in the session token) allows on S3, with
``${cognito-identity.amazonaws.com:sub}`` set to its identity id, and nothing
on any other service (the roles grant none there). moto's own control
plane (``/moto-api/``: reset, the whole state as data.json) answers only the
admin key, and never a browser: one cross-site form POST would otherwise wipe
the local library.
"""

from __future__ import annotations

import json
import logging
import re
import time
from collections.abc import Callable
from functools import cache

import botocore.session
from werkzeug.wrappers import Request, Response

from localcloud.access import errors
from localcloud.access.authenticate import Authenticator, Principal
from localcloud.access.policy import RequestContext
from localcloud.access.responses import control_plane_error, refusal
from localcloud.access.roles import PoolRoles
from localcloud.access.s3actions import UnmappedS3Request, permissions

log = logging.getLogger("localcloud.access")

# moto serves a user pool's public keys here; AWS serves them unauthenticated too.
_PUBLIC_PATH = re.compile(r"^/[\w-]+/\.well-known/(jwks\.json|openid-configuration)$")
_IDP_TARGET = "AWSCognitoIdentityProviderService."
_MOTO_CONTROL_PLANE = "/moto-api/"
# Headers every browser adds to a page's requests (fetch, forms, navigations) and a CLI never sends.
_BROWSER_HEADERS = ("Origin", "Sec-Fetch-Site", "Sec-Fetch-Mode")


@cache
def _unsigned_user_pool_operations() -> frozenset[str]:
    """User-pool operations AWS serves without SigV4 (InitiateAuth, SignUp, ...), per botocore's model."""
    model = botocore.session.get_session().get_service_model("cognito-idp")
    return frozenset(op for op in model.operation_names if model.operation_model(op).auth_type == "none")


def _is_exempt(request: Request) -> bool:
    if request.method == "OPTIONS" or _PUBLIC_PATH.match(request.path):
        return True
    target = request.headers.get("X-Amz-Target", "")
    return target.startswith(_IDP_TARGET) and target[len(_IDP_TARGET):] in _unsigned_user_pool_operations()


class AccessGuard:
    """Checks one request bound for moto; answers an AWS-shaped refusal or None to let it pass."""

    def __init__(self, authenticator: Authenticator, roles: PoolRoles, *,
                 clock: Callable[[], float] = time.time) -> None:
        self._auth = authenticator
        self._roles = roles
        self._clock = clock

    def check(self, request: Request) -> Response | None:
        """None when the request may reach moto, else the refusal to send instead."""
        control_plane = request.path.startswith(_MOTO_CONTROL_PLANE)
        if not control_plane and _is_exempt(request):
            return None
        try:
            if control_plane:
                self._admit_to_control_plane(request)
                return None
            principal = self._auth.authenticate(request, any_region=True)
            if not principal.admin:
                self._authorise(request, principal)
        except errors.AuthError as error:
            self._log_refusal(request, error)
            if control_plane:
                return control_plane_error(error)
            return refusal(error, request, now=self._clock())
        return None

    def _admit_to_control_plane(self, request: Request) -> None:
        """moto's /moto-api/ resets or dumps every backend: the admin key only, from a tool, never a page."""
        if any(name in request.headers for name in _BROWSER_HEADERS):
            raise errors.AccessDenied("moto's control plane does not answer requests made by web pages",
                                      principal_arn="", action="moto-api", resource=request.path)
        principal = self._auth.authenticate(request)
        if not principal.admin:
            raise errors.AccessDenied(f"User: {principal.arn} is not allowed to use moto's control plane",
                                      principal_arn=principal.arn, action="moto-api", resource=request.path)

    def _authorise(self, request: Request, principal: Principal) -> None:
        assert principal.session is not None
        if principal.service != "s3":
            raise errors.AccessDenied(
                f"User: {principal.arn} is not authorized to perform this {principal.service} action",
                principal_arn=principal.arn, action=f"{principal.service}:*", resource="*")
        try:
            needed = permissions(request)
        except UnmappedS3Request as exc:
            raise errors.AccessDenied("Access Denied", principal_arn=principal.arn, action=str(exc),
                                      resource=request.path) from None
        variables = {"cognito-identity.amazonaws.com:sub": principal.session.identity_id,
                     "cognito-identity.amazonaws.com:aud": principal.session.identity_pool_id,
                     "aws:userid": f"{principal.access_key_id}:{principal.session.session_name}"}
        role = self._roles.policy_of(principal.session)
        for permission in needed:
            keys = {**permission.keys, "aws:SecureTransport": [str(request.scheme == "https").lower()]}
            if not role.allows(RequestContext(permission.action, permission.resource, variables, keys)):
                raise errors.AccessDenied("Access Denied", principal_arn=principal.arn,
                                          action=permission.action, resource=permission.resource)

    def _log_refusal(self, request: Request, error: errors.AuthError) -> None:
        # Access key ids are not secrets (CloudTrail logs them); tokens and signatures never appear here.
        record = {"event": "access_refused", "reason": type(error).__name__, "method": request.method,
                  "path": request.path}
        if isinstance(error, errors.AccessDenied):
            record.update(action=error.action, resource=error.resource, principal=error.principal_arn)
        log.info(json.dumps(record))
