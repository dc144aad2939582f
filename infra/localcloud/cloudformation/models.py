"""The resolved template seen as a CloudFormation stack: its name, outputs and resources with local values."""

from __future__ import annotations

import uuid
from collections.abc import Callable
from datetime import datetime, timezone
from typing import Any

from deploy.settings import DeploySettings
from localcloud.awserrors import AwsError
from localcloud.stack import TEMPLATE_PATH, Stack

COMPLETE = "CREATE_COMPLETE"


class ValidationError(AwsError):
    """CloudFormation's answer for an unknown stack or resource."""

    code = "ValidationError"
    status = 400


class AlreadyExistsException(AwsError):
    """CloudFormation's answer to creating a stack whose name is taken."""

    code = "AlreadyExistsException"
    status = 400


def api_url(stack: Stack, edge_url: str) -> str:
    """The MyMedia API's local invoke URL (LocalStack's path form of ``https://<api>.execute-api...``)."""
    return f"{edge_url}/restapis/{stack.physical_name('MyMediaApi')}/{stack.parameters['StageName']}/_user_request_"


class LocalStackView:
    """One stack, named as ``make deploy`` names it for the template's stage."""

    def __init__(self, stack: Stack, *, site_url: str, api_url: str, queue_url: Callable[[str], str],
                 created: float) -> None:
        self.stack = stack
        parameters = stack.parameters
        self.name = DeploySettings(stage=parameters["StageName"], region=stack.region,
                                   google_client_id=parameters["GoogleClientId"]).stack_name
        self.stack_id = (f"arn:aws:cloudformation:{stack.region}:{stack.account_id}:stack/{self.name}/"
                         f"{uuid.uuid5(uuid.NAMESPACE_URL, self.name)}")
        self._local_urls = {"SiteUrl": site_url, "ApiUrl": api_url}
        self._queue_url = queue_url
        self.created = datetime.fromtimestamp(created, timezone.utc)

    def named(self, name: str) -> bool:
        """True when a StackName is this stack's name or id."""
        return name in (self.name, self.stack_id)

    def holds(self, physical_id: str | None) -> bool:
        """True when one of this stack's resources has that physical id."""
        return any(resource["PhysicalResourceId"] == physical_id for resource in self.resources())

    def check_name(self, name: str | None) -> None:
        """Refuse a StackName that is neither this stack's name nor its id, as CloudFormation does."""
        if name is not None and not self.named(name):
            raise ValidationError(f"Stack with id {name} does not exist")

    def physical_id(self, logical_id: str) -> str:
        """What CloudFormation reports as the physical id: a queue's URL, else what Ref gives locally."""
        if self.stack.template["Resources"][logical_id]["Type"] == "AWS::SQS::Queue":
            return self._queue_url(self.stack.physical_name(logical_id))
        return self.stack.physical_name(logical_id)

    def outputs(self) -> list[dict[str, str]]:
        """The template's outputs with local values (the site and API URLs, queue URLs where Ref gives one)."""
        template_outputs = self.stack.template.get("Outputs", {})
        resolved = self.stack.outputs()
        listed = []
        for key, output in template_outputs.items():
            ref = output["Value"].get("Ref") if isinstance(output["Value"], dict) else None
            if key in self._local_urls:
                value = self._local_urls[key]
            elif ref in self.stack.template["Resources"]:
                value = self.physical_id(ref)
            else:
                value = resolved[key]
            listed.append({"OutputKey": key, "OutputValue": value,
                           **({"Description": output["Description"]} if "Description" in output else {})})
        return listed

    def describe(self) -> dict[str, Any]:
        """The Stack structure of DescribeStacks."""
        return {
            "StackId": self.stack_id, "StackName": self.name,
            "Description": self.stack.template.get("Description", ""),
            "Parameters": [{"ParameterKey": k, "ParameterValue": v} for k, v in self.stack.parameters.items()],
            "CreationTime": self.created, "StackStatus": COMPLETE,
            "Capabilities": ["CAPABILITY_IAM", "CAPABILITY_AUTO_EXPAND"],
            "Outputs": self.outputs(), "Tags": [], "EnableTerminationProtection": False,
            "DriftInformation": {"StackDriftStatus": "NOT_CHECKED"},
        }

    def resource(self, logical_id: str) -> dict[str, Any]:
        """One resource's StackResourceDetail; raises ValidationError for an unknown logical id."""
        resource = self.stack.template["Resources"].get(logical_id)
        if resource is None:
            raise ValidationError(f"Resource {logical_id} does not exist for stack {self.name}")
        return {"StackName": self.name, "StackId": self.stack_id, "LogicalResourceId": logical_id,
                "PhysicalResourceId": self.physical_id(logical_id), "ResourceType": resource["Type"],
                "LastUpdatedTimestamp": self.created, "Timestamp": self.created, "ResourceStatus": COMPLETE,
                "DriftInformation": {"StackResourceDriftStatus": "NOT_CHECKED"}}

    def resources(self) -> list[dict[str, Any]]:
        return [self.resource(logical_id) for logical_id in self.stack.template["Resources"]]

    @staticmethod
    def template_body() -> str:
        """The template as written (GetTemplate's Original stage)."""
        return TEMPLATE_PATH.read_text()
