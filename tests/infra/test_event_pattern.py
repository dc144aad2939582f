"""The job-state rule's EventBridge pattern, evaluated by moto's implementation of AWS's matcher."""

from __future__ import annotations

import copy
import json
from typing import Any

import pytest
from moto.events.models import EventPattern

from infra_facts import load_event

STACK_NAME = "pettube-test"


def resolve_stack_name(value: Any) -> Any:
    """The pattern's only intrinsic is Ref AWS::StackName (the application tag)."""
    if value == {"Ref": "AWS::StackName"}:
        return STACK_NAME
    if isinstance(value, dict):
        return {k: resolve_stack_name(v) for k, v in value.items()}
    if isinstance(value, list):
        return [resolve_stack_name(v) for v in value]
    return value


@pytest.fixture(scope="module")
def pattern(resources: dict[str, Any]) -> EventPattern:
    (rule,) = [r["Properties"] for r in resources.values() if r["Type"] == "AWS::Events::Rule" and "EventPattern" in r["Properties"]]
    assert rule["Targets"][0]["Arn"] == {"Fn::GetAtt": ["JobStateFunction", "Arn"]}
    return EventPattern.load(json.dumps(resolve_stack_name(rule["EventPattern"])))


def test_a_complete_event_of_this_stacks_job_reaches_the_job_state_function(pattern: EventPattern) -> None:
    assert pattern.matches_event(load_event("mediaconvert_complete.json"))


@pytest.mark.parametrize("status", ["PROGRESSING", "STATUS_UPDATE", "ERROR", "CANCELED", "INPUT_INFORMATION"])
def test_every_job_state_of_this_stack_is_delivered(pattern: EventPattern, status: str) -> None:
    event = load_event("mediaconvert_complete.json")
    event["detail"]["status"] = status
    assert pattern.matches_event(event)


def test_jobs_of_another_application_in_the_account_are_ignored(pattern: EventPattern) -> None:
    """Another stack (or another app's MediaConvert jobs) must not write into this table."""
    event = load_event("mediaconvert_complete.json")
    event["detail"]["userMetadata"]["application"] = "pettube-prod"
    assert not pattern.matches_event(event)
    del event["detail"]["userMetadata"]["application"]
    assert not pattern.matches_event(event)


def test_events_from_other_sources_are_ignored(pattern: EventPattern) -> None:
    """An S3 event that happens to carry the same metadata is not a job state change."""
    assert not pattern.matches_event(load_event("s3_object_created_eventbridge.json"))
    forged = copy.deepcopy(load_event("mediaconvert_complete.json"))
    forged["source"] = "pettube.custom"
    assert not pattern.matches_event(forged)
