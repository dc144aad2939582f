"""CloudFormation's read operations on the edge (query protocol), one method per operation."""

from __future__ import annotations

from typing import Any

from localcloud.cloudformation.models import AlreadyExistsException, LocalStackView
from localcloud.controlplane import Claim, ControlPlane

_SUMMARY = ("LogicalResourceId", "PhysicalResourceId", "ResourceType", "LastUpdatedTimestamp", "ResourceStatus",
            "DriftInformation")
_RESOURCE = ("StackName", "StackId", "LogicalResourceId", "PhysicalResourceId", "ResourceType", "Timestamp",
             "ResourceStatus", "DriftInformation")


class CloudFormationApi(ControlPlane[LocalStackView]):
    """DescribeStacks, ListStacks, ListStackResources, DescribeStackResource(s) and GetTemplate for the
    template's stack; every other stack is moto's (created, updated and deleted by moto's CloudFormation)."""

    name = "cloudformation"

    def claim(self, operation: str, params: dict[str, Any]) -> Claim:
        name = params.get("StackName")
        if name is not None:
            return Claim.OWN if self.backend.named(name) else Claim.MOTO
        if operation in ("DescribeStacks", "ListStacks"):
            return Claim.LISTING
        if operation == "DescribeStackResources":  # by a resource's physical id instead
            return Claim.OWN if self.backend.holds(params.get("PhysicalResourceId")) else Claim.MOTO
        return Claim.MOTO

    def create_stack(self, params: dict[str, Any]) -> dict[str, Any]:
        """The template's stack exists already, as after ``make deploy``."""
        raise AlreadyExistsException(f"Stack [{params['StackName']}] already exists")

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
        logical_id, physical_id = params.get("LogicalResourceId"), params.get("PhysicalResourceId")
        return {"StackResources": [{key: resource[key] for key in _RESOURCE} for resource in self.backend.resources()
                                   if logical_id in (None, resource["LogicalResourceId"])
                                   and physical_id in (None, resource["PhysicalResourceId"])]}

    def describe_stack_resource(self, params: dict[str, Any]) -> dict[str, Any]:
        self.backend.check_name(params["StackName"])
        return {"StackResourceDetail": self.backend.resource(params["LogicalResourceId"])}

    def get_template(self, params: dict[str, Any]) -> dict[str, Any]:
        self.backend.check_name(params.get("StackName"))
        return {"TemplateBody": self.backend.template_body(), "StagesAvailable": ["Original", "Processed"]}
