"""A handler that notes when it started, for the event-latency benchmark."""

from __future__ import annotations

import json
import os
import time
from pathlib import Path
from typing import Any


def handler(event: dict[str, Any], context: Any) -> None:
    started = time.time()
    key = event["Records"][0]["s3"]["object"]["key"]
    out = Path(os.environ["STAMP_DIR"]) / f"{context.aws_request_id}.json"
    tmp = out.with_suffix(".tmp")  # renamed into place: the bench never reads half a file
    tmp.write_text(json.dumps({"key": key, "started": started}))
    tmp.replace(out)
