"""The Cognito Identity wire protocol (JSON 1.1, ``X-Amz-Target: AWSCognitoIdentityService.<Op>``)."""

from __future__ import annotations

import json
import uuid
from typing import Any

from botocore import xform_name
from werkzeug.wrappers import Request, Response

from localcloud.awserrors import json_response
from localcloud.cognitoidentity.exceptions import (
    CognitoIdentityError,
    InvalidParameterException,
    UnknownOperationException,
)
from localcloud.cognitoidentity.models import IdentityPoolBackend

TARGET_PREFIX = "AWSCognitoIdentityService."
CONTENT_TYPE = "application/x-amz-json-1.1"


class CognitoIdentityService:
    """The edge service: one snake_case method per operation, found from X-Amz-Target."""

    name = "cognito-identity"
    operations = ("GetId", "GetCredentialsForIdentity", "GetOpenIdToken")

    def __init__(self, backend: IdentityPoolBackend) -> None:
        self.backend = backend

    def matches(self, request: Request) -> bool:
        """Cognito Identity calls carry its X-Amz-Target (GetId and friends are unsigned public calls)."""
        return request.headers.get("X-Amz-Target", "").startswith(TARGET_PREFIX)

    def dispatch(self, request: Request) -> Response:
        """Run the operation and answer in Cognito's JSON shape, errors included."""
        operation = request.headers["X-Amz-Target"][len(TARGET_PREFIX):]
        try:
            if operation not in self.operations:
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


def _required(params: dict[str, Any], name: str) -> str:
    value = params.get(name)
    if not isinstance(value, str) or not value:
        raise InvalidParameterException(f"1 validation error detected: Value null at '{name[0].lower() + name[1:]}' "
                                        "failed to satisfy constraint: Member must not be null")
    return value

