"""API Gateway's read operations for REST APIs (rest-json), one method per operation."""

from __future__ import annotations

from typing import Any

from localcloud.apigatewayapi.models import NotFoundException, RestApiView
from localcloud.controlplane import Claim, ControlPlane


class ApiGatewayApi(ControlPlane[RestApiView]):
    """GetRestApis, GetRestApi, GetStages, GetStage, GetResources and GetResource for the template's API;
    every other REST API is moto's."""

    name = "apigateway"

    def claim(self, operation: str, params: dict[str, Any]) -> Claim:
        api_id = params.get("restApiId")
        if api_id is None:
            return Claim.LISTING if operation == "GetRestApis" else Claim.MOTO
        return Claim.OWN if api_id == self.backend.api_id else Claim.MOTO

    def get_rest_apis(self, params: dict[str, Any]) -> dict[str, Any]:
        return {"items": [self.backend.describe()]}

    def get_rest_api(self, params: dict[str, Any]) -> dict[str, Any]:
        self.backend.check(params["restApiId"])
        return self.backend.describe()

    def get_stages(self, params: dict[str, Any]) -> dict[str, Any]:
        self.backend.check(params["restApiId"])
        return {"item": self.backend.stages()}

    def get_stage(self, params: dict[str, Any]) -> dict[str, Any]:
        self.backend.check(params["restApiId"])
        return _one(self.backend.stages(), "stageName", params["stageName"], "Stage")

    def get_resources(self, params: dict[str, Any]) -> dict[str, Any]:
        self.backend.check(params["restApiId"])
        return {"items": self.backend.resources()}

    def get_resource(self, params: dict[str, Any]) -> dict[str, Any]:
        self.backend.check(params["restApiId"])
        return _one(self.backend.resources(), "id", params["resourceId"], "Resource")


def _one(items: list[dict[str, Any]], key: str, value: str, kind: str) -> dict[str, Any]:
    """The item whose ``key`` is ``value``, else API Gateway's NotFoundException for that kind."""
    for item in items:
        if item[key] == value:
            return item
    raise NotFoundException(f"Invalid {kind} identifier specified")
