"""What the handler code needs from the template: every variable it reads, every permission it uses.

Both lists are derived from the code (the settings classes, the boto3 calls the
handlers really make), not written by hand, so a new variable or call that the
template does not provide fails here instead of in production.
"""

from __future__ import annotations

import ast
import re
from pathlib import Path

import pytest
from localcloud.stack import Stack

import handler_flows
from iam_check import granted, needs, role_statements

CONFIG_PY = Path(__file__).resolve().parents[2] / "lambda" / "pettube" / "config.py"
ENV_NAME = re.compile(r"^[A-Z][A-Z0-9_]*$")


def variables_read_by_config() -> dict[str, set[str]]:
    """Settings class -> the environment variable names its from_env reads (string constants)."""
    read: dict[str, set[str]] = {}
    for node in ast.parse(CONFIG_PY.read_text(encoding="utf-8")).body:
        if isinstance(node, ast.ClassDef) and node.name.endswith("Config"):
            for item in node.body:
                if isinstance(item, ast.FunctionDef) and item.name == "from_env":
                    read[node.name] = {c.value for c in ast.walk(item) if isinstance(c, ast.Constant)
                                       and isinstance(c.value, str) and ENV_NAME.match(c.value)}
    return read


@pytest.fixture(scope="module")
def stack() -> Stack:
    return Stack({"GoogleClientId": "123-abc.apps.googleusercontent.com", "SiteOrigin": "https://site.example"})


def test_config_reads_variables_for_each_function() -> None:
    """Guards the derivation itself: an empty list would make the next test pass vacuously."""
    read = variables_read_by_config()
    assert set(read) == {"UploadConfig", "JobStateConfig", "MyMediaConfig", "SweeperConfig"}
    assert all("VIDEOS_TABLE" in names for names in read.values())


@pytest.mark.parametrize("config_class", ["UploadConfig", "JobStateConfig", "MyMediaConfig", "SweeperConfig"])
def test_every_variable_a_function_reads_is_set_by_the_template(stack: Stack, config_class: str) -> None:
    function = config_class.removesuffix("Config") + "Function"
    environment = stack.functions[function].environment
    missing = variables_read_by_config()[config_class] - {k for k, v in environment.items() if v}
    assert missing == set(), f"{function} reads {sorted(missing)} but the template does not set them"


@pytest.fixture(scope="module")
def calls(stack: Stack) -> dict[str, list[handler_flows.Call]]:
    return handler_flows.run_all(stack)


def test_the_flows_exercise_every_function(calls: dict[str, list[handler_flows.Call]]) -> None:
    operations = {function: {c.operation for c in made} for function, made in calls.items()}
    assert "CreateJob" in operations["UploadFunction"]
    assert {"UpdateItem", "ListObjectsV2", "DeleteObjects"} <= operations["JobStateFunction"]
    assert {"Query", "GetObject", "UpdateItem", "CancelJob", "DeleteObjects",
            "DeleteItem"} <= operations["MyMediaFunction"]
    assert {"Query", "GetJob", "CancelJob", "DeleteObjects", "DeleteItem"} <= operations["SweeperFunction"]
    share_lookups = [c for c in calls["MyMediaFunction"] if c.params.get("IndexName") == "by_share_token"]
    assert share_lookups, "GET /shared never queried the share-token index"


@pytest.mark.parametrize("function", ["UploadFunction", "JobStateFunction", "MyMediaFunction", "SweeperFunction"])
def test_every_call_a_handler_makes_is_allowed_by_its_role(
        stack: Stack, calls: dict[str, list[handler_flows.Call]], function: str) -> None:
    role = stack.resources[function]["Properties"]["Role"]
    (role_id,) = [lid for lid in stack.of_type("AWS::IAM::Role") if stack.arn(lid) == role]
    statements = role_statements(stack.resources[role_id]["Properties"])
    denied = sorted({f"{n.action} on {n.resource}" for call in calls[function]
                     for n in needs(call.service, call.operation, call.params, stack.region, stack.account_id)
                     if not granted(statements, n)})
    assert denied == [], f"{function}'s role lacks: {denied}"


def test_the_permission_check_can_fail(stack: Stack) -> None:
    """A call outside the role's grants is reported: the check is not vacuous."""
    statements = role_statements(stack.resources["JobStateFunctionRole"]["Properties"])
    (need,) = [n for n in needs("dynamodb", "DeleteItem", {"TableName": stack.physical_name("VideosTable")},
                                stack.region, stack.account_id)]
    assert not granted(statements, need)


