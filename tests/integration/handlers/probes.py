"""Stand-in handlers the integration tests swap into a function (like UpdateFunctionCode)."""

from __future__ import annotations

import json
import os
import time
from pathlib import Path
from typing import Any

from aws_lambda_powertools.utilities.data_classes import S3Event


def record(event: dict[str, Any], context: Any) -> dict[str, Any]:
    """Write what the handler saw (decoded keys, environment, context) where the test can read it."""
    seen = {
        "keys": [S3Event(event).object_key],
        "raw_keys": [r["s3"]["object"]["key"] for r in event["Records"]],
        "event_names": [r["eventName"] for r in event["Records"]],
        "videos_table": os.environ.get("VIDEOS_TABLE"),
        "function_name": context.function_name,
        "remaining_ms": context.get_remaining_time_in_millis(),
        "request_id": context.aws_request_id,
    }
    out = Path(os.environ["PROBE_DIR"]) / f"{context.aws_request_id}.json"
    partial = out.with_suffix(".partial")  # the test reads every *.json as it appears: never a half-written one
    partial.write_text(json.dumps(seen))
    partial.replace(out)
    return seen


def always_fails(event: dict[str, Any], context: Any) -> None:
    raise RuntimeError("probe handler fails on purpose")


def sleeps(event: dict[str, Any], context: Any) -> None:
    time.sleep(30)
