"""A cloud left running does not grow with the requests it has served.

With a page open, the local cloud answers a listing every few seconds for as long
as it runs (days, for a family's `make dev`). What it records of each request, a
function's log lines and the runtime's note of each invocation, is held in memory:
both keep only their newest entries.
"""

from __future__ import annotations

import itertools
import time
from pathlib import Path

import boto3
import pytest
from moto import mock_aws

from localcloud.lambdaruntime.runtime import FunctionError, LambdaRuntime
from localcloud.logs import FunctionLogs
from localcloud.stack import Stack

CODE_DIR = Path(__file__).resolve().parents[2] / "lambda"
ACCOUNT, REGION = "123456789012", "us-east-1"


@pytest.fixture(scope="module")
def stack() -> Stack:
    return Stack({"GoogleClientId": "local.apps.googleusercontent.com", "SiteOrigin": "http://127.0.0.1:8080"})


def _stored(group: str) -> dict[str, list[str]]:
    """Every stream of ``group`` with its messages, read through the CloudWatch Logs API."""
    client = boto3.client("logs", region_name=REGION)
    streams = client.describe_log_streams(logGroupName=group)["logStreams"]
    return {stream["logStreamName"]: [event["message"] for event in client.get_log_events(
        logGroupName=group, logStreamName=stream["logStreamName"], startFromHead=True)["events"]]
        for stream in streams}


def test_a_functions_log_keeps_its_newest_lines_and_drops_the_oldest_across_its_streams(stack: Stack) -> None:
    with mock_aws():
        ticks = itertools.count(int(time.time() * 1000))  # a millisecond a line: their order is unambiguous
        logs = FunctionLogs(stack, ACCOUNT, REGION, max_events=20, clock=lambda: next(ticks) / 1000)
        logs.create_groups()
        group = logs.groups["MyMediaFunction"].name
        for n in range(5):  # an environment that has gone away: its stream gets nothing more
            logs("MyMediaFunction", "gone", f"gone {n}")
        for n in range(60):  # two warm environments, taking turns
            logs("MyMediaFunction", "warm-a" if n % 2 else "warm-b", f"line {n}")

        stored = _stored(group)
        kept = sorted((message for messages in stored.values() for message in messages),
                      key=lambda message: int(message.split()[1]))
        assert 18 <= len(kept) <= 20
        assert kept == [f"line {n}" for n in range(60 - len(kept), 60)], "not the newest lines"
        assert set(stored) == {"warm-a", "warm-b"}, "the stream left with nothing is still listed"
        described = boto3.client("logs", region_name=REGION).describe_log_streams(logGroupName=group)["logStreams"]
        assert {s["logStreamName"]: s["storedBytes"] for s in described} == {
            name: sum(len(m) for m in messages) for name, messages in stored.items()}

        # The line after its environment's stream emptied still lands, in a stream of that name.
        logs("MyMediaFunction", "gone", "back again")
        assert _stored(group)["gone"] == ["back again"]


def test_the_runtime_remembers_only_its_latest_invocations(stack: Stack) -> None:
    runtime = LambdaRuntime(stack, {"AWS_REGION": REGION}, CODE_DIR, recent=2, on_log=lambda *_: None)
    try:
        ids = [f"request-{n}" for n in range(4)]
        for request_id in ids:  # the upload function refuses an event without records: quick, and recorded
            with pytest.raises(FunctionError, match="MalformedEvent"):
                runtime.invoke("UploadFunction", {}, request_id=request_id)
    finally:
        runtime.close()
    assert [invocation["request_id"] for invocation in runtime.invocations] == ids[-2:]
