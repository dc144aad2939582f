"""What the docs say about the template and the key layout is what the template and the code do."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest

from pettube.layout import parse_original_key, video_prefix
from tools.architecture.model import load_template

REPO = Path(__file__).resolve().parents[2]
DOCS = [REPO / "README.md", *sorted((REPO / "docs").glob("*.md"))]
NUMBERS = {"one": 1, "two": 2, "three": 3, "four": 4, "five": 5, "six": 6, "seven": 7, "eight": 8, "nine": 9,
           "ten": 10, "eleven": 11, "twelve": 12}
NUMBER = rf"\b(\d+|{'|'.join(NUMBERS)})"
IDENTITY_ID = "us-east-1:0123abcd-0123-4567-89ab-0123456789ab"


@pytest.fixture(scope="module")
def resources() -> dict[str, dict[str, Any]]:
    return load_template()["Resources"]


def _of_type(resources: dict[str, dict[str, Any]], kind: str) -> list[str]:
    return [lid for lid, resource in resources.items() if resource["Type"] == kind]


def _counts(pattern: str) -> list[tuple[str, int, str]]:
    """(doc, number, phrase) for every count the docs state with ``pattern`` after a number."""
    found = []
    for doc in DOCS:
        for match in re.finditer(NUMBER + pattern, doc.read_text(), flags=re.IGNORECASE):
            value = match.group(1).lower()
            found.append((doc.name, int(NUMBERS.get(value, value)), match.group(0)))
    return found


def test_every_stated_count_of_functions_and_alarms_is_the_templates(resources: dict[str, dict[str, Any]]) -> None:
    functions = len(_of_type(resources, "AWS::Serverless::Function"))
    alarms = len(_of_type(resources, "AWS::CloudWatch::Alarm"))
    stated = [(doc, n, phrase, functions) for doc, n, phrase in _counts(r" (?:Lambda )?(?:functions|handlers)\b")]
    stated += [(doc, n, phrase, alarms) for doc, n, phrase in _counts(r" (?:CloudWatch )?alarms\b")]
    assert stated, "the cost page prices the alarms: its count must be found"
    wrong = [f"{doc}: '{phrase}' (the template has {actual})" for doc, n, phrase, actual in stated if n != actual]
    assert not wrong


def test_the_cost_of_the_alarms_is_their_count_times_the_price() -> None:
    priced = re.findall(r"\| (\d+) CloudWatch alarms[^|]*\| \$(\d+\.\d\d)", (REPO / "docs" / "cost.md").read_text())
    assert priced and all(round(int(n) * 0.10, 2) == float(cost) for n, cost in priced)


def test_the_deploy_page_names_every_resource_the_stack_creates(resources: dict[str, dict[str, Any]]) -> None:
    text = (REPO / "docs" / "deploy.md").read_text()
    table = text[text.index("## What the stack creates"):text.index("## Watching it run")]
    named = {cell for row in table.splitlines() if row.startswith("| `")
             for cell in re.findall(r"`([*A-Za-z0-9]+)`", row.split(" | ")[0])}
    patterns = [re.compile(re.escape(n).replace(r"\*", "[A-Za-z0-9]+") + "$") for n in named if "*" in n]
    missing = [lid for lid in resources if lid not in named and not any(p.match(lid) for p in patterns)]
    assert not missing, f"docs/deploy.md's 'What the stack creates' lacks {missing}"
    assert not {n for n in named if "*" not in n} - set(resources), "it names resources the template lacks"


def test_the_deploy_page_names_every_route_and_log_group(resources: dict[str, dict[str, Any]]) -> None:
    text = (REPO / "docs" / "deploy.md").read_text()
    routes = [f"`{event['Properties']['Method'].upper()} {event['Properties']['Path']}`"
              for lid in _of_type(resources, "AWS::Serverless::Function")
              for event in resources[lid]["Properties"].get("Events", {}).values() if event["Type"] == "Api"]
    assert not [route for route in routes if route not in text]
    logs = {resources[lid]["Properties"]["LogGroupName"]["Fn::Sub"].split("${AWS::StackName}")[1]
            for lid in _of_type(resources, "AWS::Logs::LogGroup")}
    listed = re.search(r"names: pettube-<stage>(-[a-z-]+(?: \| -[a-z-]+)*)\)", text)
    assert listed and set(listed.group(1).split(" | ")) == logs


def test_each_function_has_the_log_group_and_alarm_the_docs_promise(resources: dict[str, dict[str, Any]]) -> None:
    """README, deploy.md, cost.md: a log group and an alarm per function, and one alarm for the dead-letter queue."""
    dimensions = [dim for lid in _of_type(resources, "AWS::CloudWatch::Alarm")
                  for dim in resources[lid]["Properties"]["Dimensions"]]
    functions = _of_type(resources, "AWS::Serverless::Function")
    assert sorted(d["Value"]["Ref"] for d in dimensions if d["Name"] == "FunctionName") == sorted(functions)
    assert [d["Name"] for d in dimensions if d["Name"] != "FunctionName"] == ["QueueName"]
    for lid in functions:
        assert resources[lid]["Properties"]["LoggingConfig"]["LogGroup"]["Ref"].endswith("LogGroup")


def test_the_schedule_the_docs_state_is_the_templates(resources: dict[str, dict[str, Any]]) -> None:
    schedules = {event["Properties"]["Schedule"] for lid in _of_type(resources, "AWS::Serverless::Function")
                 for event in resources[lid]["Properties"].get("Events", {}).values() if event["Type"] == "Schedule"}
    minutes = {m.group(1) for s in schedules if (m := re.fullmatch(r"rate\((\d+) minutes\)", s))}
    for doc in DOCS:
        text = doc.read_text()
        assert set(re.findall(r"`(rate\([^)]*\))`", text)) <= schedules, doc.name
        assert set(re.findall(r"every (\d+) minutes", text)) <= minutes, doc.name


def test_the_key_layout_in_the_security_page_is_the_codes() -> None:
    text = (REPO / "docs" / "security.md").read_text()
    original, prefix = "`<identity id>/<video id>/<file name>`", "`<identity id>/<video id>/`"
    assert original in text and prefix in text

    def fill(layout: str) -> str:
        return layout.strip("`").replace("<identity id>", IDENTITY_ID).replace("<video id>", "clip-0001") \
            .replace("<file name>", "Rex at the beach.mp4")

    key = parse_original_key(fill(original))
    assert (key.owner_id, key.video_id, key.file_name) == (IDENTITY_ID, "clip-0001", "Rex at the beach.mp4")
    assert video_prefix(key.owner_id, key.video_id) == fill(prefix)
