"""Apply a template through a CloudFormation change set: review first, then execute or discard.

A change set lists what will be added, modified or replaced before anything
happens, which is what ``make deploy DRY_RUN=1`` prints.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timezone
from typing import Any

from botocore.exceptions import ClientError

from deploy.errors import ChangeSetError, StackFailedError, StackStateError

# CloudFormation's reasons for a change set that would change nothing.
NO_CHANGES = ("didn't contain changes", "No updates are to be performed")
# A stack whose first create failed cannot be updated, only deleted.
DEAD_STATES = {"ROLLBACK_COMPLETE", "ROLLBACK_FAILED", "DELETE_FAILED", "UPDATE_ROLLBACK_FAILED"}
DONE_STATES = {"CREATE_COMPLETE", "UPDATE_COMPLETE"}
POLL_SECONDS = 5.0

Sleep = Callable[[float], None]


@dataclass
class ChangeSet:
    """One created change set and what it would do."""

    stack_name: str
    name: str
    kind: str  # CREATE for a new stack, UPDATE for an existing one
    changes: list[dict[str, Any]] = field(default_factory=list)

    @property
    def empty(self) -> bool:
        """True when the stack already matches the template."""
        return not self.changes


def stack_status(cfn: Any, stack_name: str) -> str | None:
    """The stack's status, or None when there is no such stack."""
    try:
        return cfn.describe_stacks(StackName=stack_name)["Stacks"][0]["StackStatus"]
    except ClientError as exc:
        if "does not exist" in exc.response["Error"].get("Message", ""):
            return None
        raise


def _change_set_kind(cfn: Any, stack_name: str) -> str:
    status = stack_status(cfn, stack_name)
    # REVIEW_IN_PROGRESS: a stack that only ever had change sets (an earlier dry run).
    if status is None or status == "REVIEW_IN_PROGRESS":
        return "CREATE"
    if status in DEAD_STATES:
        raise StackStateError(f"stack {stack_name} is {status}: run `make destroy` for this stage, then deploy again")
    if status.endswith("_IN_PROGRESS"):
        raise StackStateError(f"stack {stack_name} is busy ({status}); wait for it to finish and retry")
    return "UPDATE"


def create(cfn: Any, stack_name: str, body: str, parameters: dict[str, str], tags: dict[str, str],
           *, sleep: Sleep = time.sleep) -> ChangeSet:
    """Create a change set for ``body`` and wait until CloudFormation has computed it."""
    kind = _change_set_kind(cfn, stack_name)
    name = "pettube-" + datetime.now(timezone.utc).strftime("%Y%m%d-%H%M%S")
    try:
        cfn.create_change_set(
            StackName=stack_name,
            ChangeSetName=name,
            ChangeSetType=kind,
            TemplateBody=body,
            Parameters=[{"ParameterKey": k, "ParameterValue": v} for k, v in parameters.items()],
            # The template creates IAM roles (unnamed): CloudFormation wants that acknowledged.
            Capabilities=["CAPABILITY_IAM"],
            Tags=[{"Key": k, "Value": v} for k, v in tags.items()],
        )
    except ClientError as exc:
        raise ChangeSetError(f"CloudFormation refused the change set: {exc.response['Error']['Message']}") from exc
    change_set = ChangeSet(stack_name, name, kind)
    while True:
        described = cfn.describe_change_set(StackName=stack_name, ChangeSetName=name)
        if described["Status"] == "CREATE_COMPLETE":
            change_set.changes = _all_changes(cfn, described)
            return change_set
        if described["Status"] == "FAILED":
            reason = described.get("StatusReason", "")
            if any(marker in reason for marker in NO_CHANGES):
                return change_set
            raise ChangeSetError(f"change set {name} failed: {reason}")
        sleep(POLL_SECONDS)


def _all_changes(cfn: Any, described: dict[str, Any]) -> list[dict[str, Any]]:
    changes = list(described.get("Changes", []))
    while described.get("NextToken"):
        described = cfn.describe_change_set(
            StackName=described["StackId"], ChangeSetName=described["ChangeSetName"], NextToken=described["NextToken"]
        )
        changes.extend(described.get("Changes", []))
    return changes


def summary(change_set: ChangeSet) -> str:
    """The change set as a table a reviewer reads before saying yes."""
    if change_set.empty:
        return f"{change_set.stack_name}: no changes"
    lines = [f"{change_set.stack_name}: {change_set.kind} with {len(change_set.changes)} change(s)"]
    for change in change_set.changes:
        resource = change.get("ResourceChange", {})
        replacement = resource.get("Replacement")
        note = "  (replaced)" if replacement == "True" else "  (may be replaced)" if replacement == "Conditional" else ""
        lines.append(f"  {resource.get('Action', '?'):<8} {resource.get('LogicalResourceId', '?'):<44}"
                     f" {resource.get('ResourceType', '')}{note}")
    return "\n".join(lines)


def discard(cfn: Any, change_set: ChangeSet) -> None:
    """Delete the change set, and the empty placeholder stack a CREATE change set leaves."""
    cfn.delete_change_set(StackName=change_set.stack_name, ChangeSetName=change_set.name)
    if change_set.kind == "CREATE" and stack_status(cfn, change_set.stack_name) == "REVIEW_IN_PROGRESS":
        cfn.delete_stack(StackName=change_set.stack_name)


def execute(cfn: Any, change_set: ChangeSet, *, report: Callable[[str], None] = print,
            sleep: Sleep = time.sleep) -> None:
    """Apply the change set and follow the stack's events until it settles."""
    cfn.execute_change_set(StackName=change_set.stack_name, ChangeSetName=change_set.name)
    wait(cfn, change_set.stack_name, DONE_STATES, report=report, sleep=sleep)


def wait(cfn: Any, stack_name: str, success: set[str], *, report: Callable[[str], None] = print,
         sleep: Sleep = time.sleep) -> str:
    """Poll until the stack leaves *_IN_PROGRESS; raise with the first failure reason otherwise."""
    seen: set[str] = set()
    failures: list[str] = []
    while True:
        status = stack_status(cfn, stack_name) or "DELETE_COMPLETE"
        for event in _new_events(cfn, stack_name, seen):
            line = f"  {event['ResourceStatus']:<24} {event['LogicalResourceId']}"
            reason = event.get("ResourceStatusReason")
            if event["ResourceStatus"].endswith("_FAILED") and reason:
                failures.append(f"{event['LogicalResourceId']}: {reason}")
                line += f"  {reason}"
            report(line)
        if not status.endswith("_IN_PROGRESS"):
            break
        sleep(POLL_SECONDS)
    if status not in success:
        detail = failures[0] if failures else "see the stack's events in the CloudFormation console"
        raise StackFailedError(f"stack {stack_name} ended {status}: {detail}")
    return status


def _new_events(cfn: Any, stack_name: str, seen: set[str]) -> list[dict[str, Any]]:
    """Events not reported yet, oldest first (the API lists newest first)."""
    try:
        events = cfn.describe_stack_events(StackName=stack_name)["StackEvents"]
    except ClientError:
        return []  # the stack is gone (a finished delete)
    fresh = [event for event in events if event["EventId"] not in seen]
    if not seen:
        # First poll: only this operation's events, not the stack's whole history.
        fresh = fresh[: next((i + 1 for i, e in enumerate(fresh) if _is_stack_start(e, stack_name)), len(fresh))]
    seen.update(event["EventId"] for event in events)
    return list(reversed(fresh))


def _is_stack_start(event: dict[str, Any], stack_name: str) -> bool:
    return event["LogicalResourceId"] == stack_name and event.get("ResourceStatusReason") == "User Initiated"


def outputs(cfn: Any, stack_name: str) -> tuple[dict[str, str], dict[str, str]]:
    """(outputs, parameters) of the deployed stack, by key."""
    stack = cfn.describe_stacks(StackName=stack_name)["Stacks"][0]
    return (
        {item["OutputKey"]: item["OutputValue"] for item in stack.get("Outputs", [])},
        {item["ParameterKey"]: item.get("ParameterValue", "") for item in stack.get("Parameters", [])},
    )
