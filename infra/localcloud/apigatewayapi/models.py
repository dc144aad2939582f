"""The template's REST API as API Gateway's control plane describes it: the API, its stage, its resource tree."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

from localcloud.awserrors import AwsError
from localcloud.stack import Stack

_HTTP_METHODS = ("get", "put", "post", "delete", "options", "head", "patch", "x-amazon-apigateway-any-method")


class NotFoundException(AwsError):
    """API Gateway's answer for an unknown API, stage or resource."""

    code = "NotFoundException"
    status = 404


def _id(*parts: str) -> str:
    """A stable id shaped like API Gateway's (10 lowercase characters), the same at every start."""
    return uuid.uuid5(uuid.NAMESPACE_URL, "/".join(parts)).hex[:10]


class RestApiView:
    """One REST API of the template (its OpenAPI body, as SAM's transform wrote it) and its stage."""

    def __init__(self, stack: Stack, logical_id: str, created: datetime) -> None:
        self.stack = stack
        self.logical_id = logical_id
        self.api_id = stack.physical_name(logical_id)
        self.created = created
        self._body = stack.resources[logical_id]["Properties"].get("Body", {})

    def check(self, rest_api_id: str) -> None:
        if rest_api_id != self.api_id:
            raise NotFoundException(f"Invalid API identifier specified {self.stack.account_id}:{rest_api_id}")

    def describe(self) -> dict[str, Any]:
        """The RestApi structure."""
        info = self._body.get("info", {})
        return {"id": self.api_id, "name": info.get("title", self.stack.physical_name(self.logical_id)),
                "description": info.get("description", ""), "version": info.get("version", ""),
                "createdDate": self.created, "apiKeySource": "HEADER",
                "endpointConfiguration": {"types": ["EDGE"]}, "disableExecuteApiEndpoint": False,
                "rootResourceId": _id(self.api_id, "/")}

    def stages(self) -> list[dict[str, Any]]:
        """Every AWS::ApiGateway::Stage of this API, with its throttling as method settings."""
        found = []
        for logical_id in self.stack.of_type("AWS::ApiGateway::Stage"):
            props = self.stack.resources[logical_id]["Properties"]
            if props.get("RestApiId") != self.api_id:
                continue
            settings = {f"{s.get('ResourcePath', '/*').lstrip('/')}/{s.get('HttpMethod', '*')}": {
                "throttlingBurstLimit": int(s.get("ThrottlingBurstLimit", 5000)),
                "throttlingRateLimit": float(s.get("ThrottlingRateLimit", 10000)),
                "metricsEnabled": str(s.get("MetricsEnabled", "false")).lower() == "true"}
                for s in props.get("MethodSettings", [])}
            found.append({"deploymentId": _id(self.api_id, "deployment", str(props.get("DeploymentId"))),
                          "stageName": props["StageName"], "description": props.get("Description", ""),
                          "cacheClusterEnabled": False, "methodSettings": settings,
                          "tracingEnabled": str(props.get("TracingEnabled", "false")).lower() == "true",
                          "createdDate": self.created, "lastUpdatedDate": self.created})
        return found

    def resources(self) -> list[dict[str, Any]]:
        """The resource tree API Gateway builds from the OpenAPI paths: every path prefix is a resource."""
        paths: dict[str, dict[str, Any]] = {"/": {}}
        for path, operations in self._body.get("paths", {}).items():
            parts = path.strip("/").split("/")
            for depth in range(1, len(parts)):
                paths.setdefault("/" + "/".join(parts[:depth]), {})
            paths[path] = operations
        found = []
        for path in sorted(paths):
            resource: dict[str, Any] = {"id": _id(self.api_id, path), "path": path}
            if path != "/":
                parent, _, part = path.rpartition("/")
                resource.update(parentId=_id(self.api_id, parent or "/"), pathPart=part)
            methods = {self._method_name(name): self._method(name, operation)
                       for name, operation in paths[path].items() if name in _HTTP_METHODS}
            if methods:
                resource["resourceMethods"] = methods
            found.append(resource)
        return found

    @staticmethod
    def _method_name(name: str) -> str:
        return "ANY" if name == "x-amazon-apigateway-any-method" else name.upper()

    def _method(self, name: str, operation: dict[str, Any]) -> dict[str, Any]:
        security = {key for requirement in operation.get("security", []) for key in requirement}
        return {"httpMethod": self._method_name(name),
                "authorizationType": "AWS_IAM" if "AWS_IAM" in security else "NONE", "apiKeyRequired": False}
