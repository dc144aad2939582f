"""CloudFormation's read operations on the edge (query protocol), one method per operation."""

from __future__ import annotations

from typing import Any

from localcloud.cloudformation.models import LocalStackView
from localcloud.controlplane import ControlPlane

_SUMMARY = ("LogicalResourceId", "PhysicalResourceId", "ResourceType", "LastUpdatedTimestamp", "ResourceStatus",
            "DriftInformation")
_RESOURCE = ("StackName", "StackId", "LogicalResourceId", "PhysicalResourceId", "ResourceType", "Timestamp",
             "ResourceStatus", "DriftInformation")


class CloudFormationApi(ControlPlane):
    """DescribeStacks, ListStacks, ListStackResources, DescribeStackResource(s) and GetTemplate."""

    name = "cloudformation"

    def __init__(self, view: LocalStackView, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.view = view

    def describe_stacks(self, params: dict[str, Any]) -> dict[str, Any]:
        self.view.check_name(params.get("StackName"))
        return {"Stacks": [self.view.describe()]}

    def list_stacks(self, params: dict[str, Any]) -> dict[str, Any]:
        stack = self.view.describe()
        return {"StackSummaries": [{key: stack[key] for key in ("StackId", "StackName", "CreationTime",
                                                                "StackStatus", "DriftInformation")}]}

    def list_stack_resources(self, params: dict[str, Any]) -> dict[str, Any]:
        self.view.check_name(params["StackName"])
        return {"StackResourceSummaries": [{key: resource[key] for key in _SUMMARY}
                                           for resource in self.view.resources()]}

    def describe_stack_resources(self, params: dict[str, Any]) -> dict[str, Any]:
        self.view.check_name(params.get("StackName"))
        wanted = params.get("LogicalResourceId")
        return {"StackResources": [{key: resource[key] for key in _RESOURCE} for resource in self.view.resources()
                                   if wanted in (None, resource["LogicalResourceId"])]}

    def describe_stack_resource(self, params: dict[str, Any]) -> dict[str, Any]:
        self.view.check_name(params["StackName"])
        return {"StackResourceDetail": self.view.resource(params["LogicalResourceId"])}

    def get_template(self, params: dict[str, Any]) -> dict[str, Any]:
        self.view.check_name(params.get("StackName"))
        return {"TemplateBody": self.view.template_body(), "StagesAvailable": ["Original", "Processed"]}
