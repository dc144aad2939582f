"""The Lambda API's operations on the edge: one method per operation of botocore's model."""

from __future__ import annotations

import base64
import json
from typing import Any

from werkzeug.wrappers import Response

from localcloud.controlplane import Claim, ControlPlane
from localcloud.lambdaapi.exceptions import InvalidParameterValueException, ResourceConflictException
from localcloud.lambdaapi.models import LATEST, LambdaBackend, event_payload

_INVOCATION_TYPES = ("RequestResponse", "Event", "DryRun")


class LambdaApi(ControlPlane[LambdaBackend]):
    """ListFunctions, GetFunction, GetFunctionConfiguration and Invoke for the template's functions; any
    other function is moto's (created and described by moto, which runs code only in Docker)."""

    name = "lambda"

    def claim(self, operation: str, params: dict[str, Any]) -> Claim:
        function_name = params.get("FunctionName")
        if function_name is None:
            return Claim.LISTING if operation == "ListFunctions" else Claim.MOTO
        return Claim.OWN if self.backend.defines(function_name) else Claim.MOTO

    def list_functions(self, params: dict[str, Any]) -> dict[str, Any]:
        """The template's functions all at once (four), then moto's first page."""
        return {"Functions": self.backend.list_functions()}

    def create_function(self, params: dict[str, Any]) -> dict[str, Any]:
        """A function by one of the template's names exists already, as after ``make deploy``."""
        raise ResourceConflictException(f"Function already exist: {params['FunctionName']}")

    def get_function_configuration(self, params: dict[str, Any]) -> dict[str, Any]:
        return self.backend.configuration(self.backend.logical_id(params["FunctionName"], params.get("Qualifier")))

    def get_function(self, params: dict[str, Any]) -> dict[str, Any]:
        """The configuration and tags; no ``Code`` location: the code is the repository's lambda/ directory."""
        logical_id = self.backend.logical_id(params["FunctionName"], params.get("Qualifier"))
        return {"Configuration": self.backend.configuration(logical_id), "Tags": self.backend.tags(logical_id)}

    def invoke(self, params: dict[str, Any]) -> dict[str, Any] | Response:
        """RequestResponse (200, the result or the error with X-Amz-Function-Error), Event (202) or DryRun (204)."""
        logical_id = self.backend.logical_id(params["FunctionName"], params.get("Qualifier"))
        invocation_type = params.get("InvocationType", "RequestResponse")
        if invocation_type not in _INVOCATION_TYPES:
            raise InvalidParameterValueException(
                f"1 validation error detected: Value '{invocation_type}' at 'invocationType' failed to satisfy "
                f"constraint: Member must satisfy enum value set: [{', '.join(_INVOCATION_TYPES)}]")
        event = event_payload(params.get("Payload"))
        if invocation_type == "DryRun":
            return Response(status=204, headers={"X-Amz-Executed-Version": LATEST})
        if invocation_type == "Event":
            self.backend.invoke_async(logical_id, event)
            return Response(status=202)
        invocation = self.backend.invoke(logical_id, event, tail=params.get("LogType") == "Tail")
        headers = {"X-Amz-Executed-Version": LATEST}
        if invocation.function_error:
            headers["X-Amz-Function-Error"] = invocation.function_error
        if invocation.log_tail is not None:
            headers["X-Amz-Log-Result"] = base64.b64encode(invocation.log_tail.encode()).decode("ascii")
        return Response(json.dumps(invocation.payload), status=200, headers=headers, content_type="application/json")
