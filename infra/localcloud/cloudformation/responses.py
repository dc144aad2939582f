"""CloudFormation's read operations on the edge (query protocol), one method per operation."""

from __future__ import annotations

from typing import Any

from localcloud.cloudformation.models import LocalStackView
from localcloud.controlplane import ControlPlane

_SUMMARY = ("LogicalResourceId", "PhysicalResourceId", "ResourceType", "LastUpdatedTimestamp", "ResourceStatus",
            "DriftInformation")
_RESOURCE = ("StackName", "StackId", "LogicalResourceId", "PhysicalResourceId", "ResourceType", "Timestamp",
             "ResourceStatus", "DriftInformation")


class CloudFormationApi(ControlPlane[LocalStackView]):
    """DescribeStacks, ListStacks, ListStackResources, DescribeStackResource(s) and GetTemplate."""

    name = "cloudformation"

    def describe_stacks(self, params: dict[str, Any]) -> dict[str, Any]:
        self.backend.check_name(params.get("StackName"))
        return {"Stacks": [self.backend.describe()]}

    def list_stacks(self, params: dict[str, Any]) -> dict[str, Any]:
        stack = self.backend.describe()
        return {"StackSummaries": [{key: stack[key] for key in ("StackId", "StackName", "CreationTime",
                                                                "StackStatus", "DriftInformation")}]}

    def list_stack_resources(self, params: dict[str, Any]) -> dict[str, Any]:
        self.backend.check_name(params["StackName"])
        return {"StackResourceSummaries": [{key: resource[key] for key in _SUMMARY}
                                           for resource in self.backend.resources()]}

    def describe_stack_resources(self, params: dict[str, Any]) -> dict[str, Any]:
        self.backend.check_name(params.get("StackName"))
        wanted = params.get("LogicalResourceId")
        return {"StackResources": [{key: resource[key] for key in _RESOURCE} for resource in self.backend.resources()
                                   if wanted in (None, resource["LogicalResourceId"])]}

    def describe_stack_resource(self, params: dict[str, Any]) -> dict[str, Any]:
        self.backend.check_name(params["StackName"])
        return {"StackResourceDetail": self.backend.resource(params["LogicalResourceId"])}

    def get_template(self, params: dict[str, Any]) -> dict[str, Any]:
        self.backend.check_name(params.get("StackName"))
        return {"TemplateBody": self.backend.template_body(), "StagesAvailable": ["Original", "Processed"]}
