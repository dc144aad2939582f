"""The Cognito Identity wire protocol (JSON 1.1, ``X-Amz-Target: AWSCognitoIdentityService.<Op>``)."""

from __future__ import annotations

import json
import time
import uuid
from typing import Any

from botocore import xform_name
from werkzeug.wrappers import Request, Response

from localcloud.access.authenticate import Authenticator
from localcloud.access.errors import AuthError
from localcloud.access.responses import refusal
from localcloud.awserrors import json_response
from localcloud.cognitoidentity.exceptions import (
    CognitoIdentityError,
    InvalidParameterException,
    UnknownOperationException,
)
from localcloud.cognitoidentity.models import IdentityPoolBackend, PoolConfig

TARGET_PREFIX = "AWSCognitoIdentityService."
CONTENT_TYPE = "application/x-amz-json-1.1"


class CognitoIdentityService:
    """The edge service: one snake_case method per operation, found from X-Amz-Target."""

    name = "cognito-identity"
    # Unsigned on AWS too: what a browser calls to sign in.
    public_operations = ("GetId", "GetCredentialsForIdentity", "GetOpenIdToken")
    # SigV4-signed and IAM-authorised on AWS; here the admin key's (the pool's roles grant no cognito-identity:*).
    admin_operations = ("ListIdentityPools", "DescribeIdentityPool")

    def __init__(self, backend: IdentityPoolBackend, authenticator: Authenticator) -> None:
        self.backend = backend
        self._auth = authenticator

    def matches(self, request: Request) -> bool:
        """Cognito Identity calls carry its X-Amz-Target (GetId and friends are unsigned public calls)."""
        return request.headers.get("X-Amz-Target", "").startswith(TARGET_PREFIX)

    def dispatch(self, request: Request) -> Response:
        """Run the operation and answer in Cognito's JSON shape, errors included."""
        operation = request.headers["X-Amz-Target"][len(TARGET_PREFIX):]
        if operation in self.admin_operations:
            try:
                self._auth.admin(request, service=self.name)
            except AuthError as error:
                return refusal(error, request, now=time.time())
        try:
            if operation not in self.public_operations + self.admin_operations:
                raise UnknownOperationException(f"{operation} is not offered by the local Cognito Identity.")
            try:
                params = json.loads(request.get_data() or b"{}")
            except ValueError:
                raise InvalidParameterException("The request body is not valid JSON.") from None
            if not isinstance(params, dict):
                raise InvalidParameterException("The request body must be a JSON object.")
            body = getattr(self, xform_name(operation))(params)
        except CognitoIdentityError as error:
            return json_response(error, content_type=CONTENT_TYPE)
        return Response(json.dumps(body), content_type=CONTENT_TYPE, headers={"x-amzn-RequestId": str(uuid.uuid4())})

    def close(self) -> None:
        """Nothing runs in the background."""

    def get_id(self, params: dict[str, Any]) -> dict[str, Any]:
        return {"IdentityId": self.backend.get_id(_required(params, "IdentityPoolId"), params.get("Logins") or {})}

    def get_credentials_for_identity(self, params: dict[str, Any]) -> dict[str, Any]:
        identity_id = _required(params, "IdentityId")
        credentials = self.backend.get_credentials_for_identity(identity_id, params.get("Logins") or {})
        return {"IdentityId": identity_id, "Credentials": {
            "AccessKeyId": credentials.access_key_id, "SecretKey": credentials.secret_access_key,
            "SessionToken": credentials.session_token, "Expiration": credentials.expiration}}

    def get_open_id_token(self, params: dict[str, Any]) -> dict[str, Any]:
        identity_id = _required(params, "IdentityId")
        return {"IdentityId": identity_id, "Token": self.backend.get_open_id_token(identity_id,
                                                                                 params.get("Logins") or {})}


    def list_identity_pools(self, params: dict[str, Any]) -> dict[str, Any]:
        max_results = params.get("MaxResults")
        if not isinstance(max_results, int) or not 1 <= max_results <= 60:
            raise InvalidParameterException("1 validation error detected: Value at 'maxResults' failed to satisfy "
                                            "constraint: Member must have value between 1 and 60")
        pools = self.backend.list_pools()[:max_results]
        return {"IdentityPools": [{"IdentityPoolId": p.pool_id, "IdentityPoolName": p.name} for p in pools]}

    def describe_identity_pool(self, params: dict[str, Any]) -> dict[str, Any]:
        return _described(self.backend.describe_pool(_required(params, "IdentityPoolId")))


def _described(pool: PoolConfig) -> dict[str, Any]:
    """DescribeIdentityPool's answer: the pool's flags and its providers (user pools by ProviderName)."""
    user_pools = [p for p in pool.providers.values() if p.token_use == "id"]
    return {"IdentityPoolId": pool.pool_id, "IdentityPoolName": pool.name,
            "AllowUnauthenticatedIdentities": pool.allow_unauthenticated, "AllowClassicFlow": pool.allow_classic_flow,
            "SupportedLoginProviders": {p.name: p.audience for p in pool.providers.values() if p not in user_pools},
            "CognitoIdentityProviders": [{"ProviderName": p.name, "ClientId": p.audience,
                                          "ServerSideTokenCheck": False} for p in user_pools]}


def _required(params: dict[str, Any], name: str) -> str:
    value = params.get(name)
    if not isinstance(value, str) or not value:
        raise InvalidParameterException(f"1 validation error detected: Value null at '{name[0].lower() + name[1:]}' "
                                        "failed to satisfy constraint: Member must not be null")
    return value

