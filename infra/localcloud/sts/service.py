"""AssumeRoleWithWebIdentity for the local Cognito Identity's OpenID tokens (query protocol, unsigned).

As STS does: the token must be genuine (signature, issuer) and current; the
role's trust policy from the template must allow ``sts:AssumeRoleWithWebIdentity``
to the token's federated principal under the token's ``aud``, ``amr`` and ``sub``
(so a token of another pool, or a signed-in identity's token against the guest
role, is refused); then the caller gets the role's credentials for the asked
duration (default one hour, at most the role's MaxSessionDuration) with no
session policy. Errors carry STS's codes: AccessDenied, InvalidIdentityToken,
ExpiredTokenException, ValidationError.
"""

from __future__ import annotations

import base64
import hashlib
import json
import logging
import re
import uuid
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime, timezone
from typing import Any
from urllib.parse import urlsplit

import xmltodict
from werkzeug.wrappers import Request, Response

from localcloud.access.credentials import CredentialAuthority, SessionCredentials
from localcloud.access.policy import Policy, RequestContext
from localcloud.awserrors import AwsError, query_response
from localcloud.cognitoidentity.openid import ISSUER, ExpiredToken, InvalidToken, OpenIdTokens
from localcloud.stack import Stack

log = logging.getLogger("localcloud.sts")

ACTION = "AssumeRoleWithWebIdentity"
_NAMESPACE = "https://sts.amazonaws.com/doc/2011-06-15/"
_FORM = "application/x-www-form-urlencoded"
_SESSION_NAME = re.compile(r"^[\w+=,.@-]{2,64}$")
_MIN_DURATION_SECONDS = 900
_DEFAULT_DURATION_SECONDS = 3600
_NOT_AUTHORIZED = "Not authorized to perform sts:AssumeRoleWithWebIdentity"
# The federated principal and condition-key prefix of the tokens this STS accepts (the issuer's host).
PROVIDER = urlsplit(ISSUER).netloc
_INVALID_TOKEN = ("The web identity token that was passed could not be validated by AWS. Get a new identity token "
                  "from the identity provider and then retry the request.")


class StsError(AwsError):
    """An STS refusal (Sender errors: 400 unless said otherwise)."""


@dataclass(frozen=True)
class WebIdentityRole:
    """What STS needs of a role: its trust policy and the longest session it allows."""

    arn: str
    trust: Mapping[str, Any]
    max_session_seconds: int

    def trusts(self, provider: str, keys: Mapping[str, list[str]]) -> bool:
        """True when a statement for the federated ``provider`` allows the call under these condition keys."""
        statements = self.trust.get("Statement", [])
        for_provider = [s for s in (statements if isinstance(statements, list) else [statements])
                        if _names_federated(s.get("Principal"), provider)]
        return Policy(tuple(for_provider)).allows(
            RequestContext(f"sts:{ACTION}", self.arn, keys=dict(keys)))


def _names_federated(principal: Any, provider: str) -> bool:
    if principal == "*":
        return True
    if not isinstance(principal, Mapping):
        return False
    federated = principal.get("Federated", [])
    return provider in (federated if isinstance(federated, list) else [federated])


def web_identity_roles(stack: Stack) -> dict[str, WebIdentityRole]:
    """Every role of the template by ARN (STS answers AccessDenied alike for unknown and untrusting roles)."""
    roles = {}
    for logical_id in stack.of_type("AWS::IAM::Role"):
        props = stack.resources[logical_id]["Properties"]
        arn = stack.arn(logical_id)
        roles[arn] = WebIdentityRole(arn, props.get("AssumeRolePolicyDocument", {}),
                                     int(props.get("MaxSessionDuration", _DEFAULT_DURATION_SECONDS)))
    return roles


def _required(params: Mapping[str, str], name: str) -> str:
    value = params.get(name)
    if not value:
        raise StsError(f"1 validation error detected: Value null at '{name[0].lower() + name[1:]}' failed to "
                       "satisfy constraint: Member must not be null", code="ValidationError")
    return value


def _duration(params: Mapping[str, str], role: WebIdentityRole) -> int:
    given = params.get("DurationSeconds")
    if given is None:
        return _DEFAULT_DURATION_SECONDS
    if not given.isdigit() or int(given) < _MIN_DURATION_SECONDS:
        raise StsError(f"1 validation error detected: Value '{given}' at 'durationSeconds' failed to satisfy "
                       f"constraint: Member must have value greater than or equal to {_MIN_DURATION_SECONDS}",
                       code="ValidationError")
    if int(given) > role.max_session_seconds:
        raise StsError("The requested DurationSeconds exceeds the MaxSessionDuration set for this role.",
                       code="ValidationError")
    return int(given)


def _role_id(arn: str) -> str:
    """A stable unique id for the role, shaped like IAM's (AROA + 17 characters)."""
    digest = base64.b32encode(hashlib.sha256(arn.encode()).digest()).decode("ascii")
    return "AROA" + digest[:17]


def _iso(epoch: float) -> str:
    return datetime.fromtimestamp(epoch, tz=timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")


class StsService:
    """The edge service claiming AssumeRoleWithWebIdentity; the rest of STS is moto's."""

    name = "sts"

    def __init__(self, roles: Mapping[str, WebIdentityRole], tokens: OpenIdTokens, authority: CredentialAuthority,
                 *, account_id: str) -> None:
        self._roles = roles
        self._tokens = tokens
        self._authority = authority
        self._account_id = account_id

    def matches(self, request: Request) -> bool:
        """A query-protocol request (GET, or a form POST) to ``/`` whose Action is AssumeRoleWithWebIdentity."""
        if request.path != "/" or request.method not in ("GET", "POST"):
            return False
        if request.method == "POST":
            if request.mimetype != _FORM:
                return False
            request.get_data(cache=True)  # the edge hands the cached body on to moto if this is not ours
        return request.values.get("Action") == ACTION

    def close(self) -> None:
        """Nothing runs in the background."""

    def dispatch(self, request: Request) -> Response:
        """Assume the role, or answer STS's error."""
        try:
            result = self.assume_role_with_web_identity(request.values)
        except StsError as error:
            return query_response(error)
        document = {f"{ACTION}Response": {"@xmlns": _NAMESPACE, f"{ACTION}Result": result,
                                          "ResponseMetadata": {"RequestId": str(uuid.uuid4())}}}
        return Response(xmltodict.unparse(document), content_type="text/xml")

    def assume_role_with_web_identity(self, params: Mapping[str, str]) -> dict[str, Any]:
        """The ``AssumeRoleWithWebIdentityResult`` element for a valid call."""
        role_arn, session_name = _required(params, "RoleArn"), _required(params, "RoleSessionName")
        token = _required(params, "WebIdentityToken")
        if not _SESSION_NAME.match(session_name):
            raise StsError("1 validation error detected: Value at 'roleSessionName' failed to satisfy constraint: "
                           "Member must satisfy regular expression pattern: [\\w+=,.@-]*", code="ValidationError")
        if "Policy" in params or any(name.startswith("PolicyArns.") for name in params):
            # Refused rather than ignored: ignoring a caller's scope-down would grant more than asked for.
            raise StsError("The local STS does not apply session policies passed to AssumeRoleWithWebIdentity.",
                           code="ValidationError")
        try:
            claims = self._tokens.verify(token)
        except ExpiredToken as expired:
            self._log(role_arn, None, "ExpiredTokenException")
            raise StsError(f"Token expired: current date/time {int(expired.now)} must be before the expiration "
                           f"date/time{int(expired.expires)}", code="ExpiredTokenException") from None
        except InvalidToken:
            self._log(role_arn, None, "InvalidIdentityToken")
            raise StsError(_INVALID_TOKEN, code="InvalidIdentityToken") from None
        keys = {f"{PROVIDER}:aud": [claims.pool_id], f"{PROVIDER}:sub": [claims.identity_id],
                f"{PROVIDER}:amr": list(claims.amr)}
        role = self._roles.get(role_arn)
        if role is None or not role.trusts(PROVIDER, keys):
            self._log(role_arn, claims.identity_id, "AccessDenied")
            raise StsError(_NOT_AUTHORIZED, code="AccessDenied", status=403)
        credentials = self._authority.issue(
            identity_id=claims.identity_id, identity_pool_id=claims.pool_id, role_arn=role_arn,
            login_provider=claims.provider, session_name=session_name, lifetime=_duration(params, role))
        self._log(role_arn, claims.identity_id, "assumed", credentials)
        return self._result(credentials, role)

    def _result(self, credentials: SessionCredentials, role: WebIdentityRole) -> dict[str, Any]:
        return {
            "SubjectFromWebIdentityToken": credentials.identity_id,
            "Audience": credentials.identity_pool_id,
            "AssumedRoleUser": {
                "Arn": f"arn:aws:sts::{self._account_id}:assumed-role/{credentials.role_name}/"
                       f"{credentials.session_name}",
                "AssumedRoleId": f"{_role_id(role.arn)}:{credentials.session_name}"},
            "Credentials": {"AccessKeyId": credentials.access_key_id, "SecretAccessKey": credentials.secret_access_key,
                            "SessionToken": credentials.session_token, "Expiration": _iso(credentials.expiration)},
            "Provider": PROVIDER,
        }

    @staticmethod
    def _log(role_arn: str, identity_id: str | None, outcome: str,
             credentials: SessionCredentials | None = None) -> None:
        # Never the token or the secret: who asked for which role, and what happened.
        log.info(json.dumps({"event": "assume_role_with_web_identity", "role": role_arn, "identity_id": identity_id,
                             "outcome": outcome,
                             "access_key_id": credentials.access_key_id if credentials else None}))
