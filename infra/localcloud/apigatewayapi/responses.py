"""API Gateway's read operations for REST APIs (rest-json), one method per operation."""

from __future__ import annotations

from typing import Any

from localcloud.apigatewayapi.models import NotFoundException, RestApiView
from localcloud.controlplane import ControlPlane


class ApiGatewayApi(ControlPlane):
    """GetRestApis, GetRestApi, GetStages, GetStage, GetResources and GetResource for the template's API."""

    name = "apigateway"

    def __init__(self, api: RestApiView, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.api = api

    def get_rest_apis(self, params: dict[str, Any]) -> dict[str, Any]:
        return {"items": [self.api.describe()]}

    def get_rest_api(self, params: dict[str, Any]) -> dict[str, Any]:
        self.api.check(params["restApiId"])
        return self.api.describe()

    def get_stages(self, params: dict[str, Any]) -> dict[str, Any]:
        self.api.check(params["restApiId"])
        return {"item": self.api.stages()}

    def get_stage(self, params: dict[str, Any]) -> dict[str, Any]:
        self.api.check(params["restApiId"])
        for stage in self.api.stages():
            if stage["stageName"] == params["stageName"]:
                return stage
        raise NotFoundException("Invalid Stage identifier specified")

    def get_resources(self, params: dict[str, Any]) -> dict[str, Any]:
        self.api.check(params["restApiId"])
        return {"items": self.api.resources()}

    def get_resource(self, params: dict[str, Any]) -> dict[str, Any]:
        self.api.check(params["restApiId"])
        for resource in self.api.resources():
            if resource["id"] == params["resourceId"]:
                return resource
        raise NotFoundException("Invalid Resource identifier specified")
