"""An execution environment's log stream reads as Lambda's: one invocation at a time, START to REPORT."""

from __future__ import annotations

import threading
import time
from pathlib import Path

import pytest

from localcloud.lambdaruntime.runtime import FunctionError, LambdaRuntime
from localcloud.stack import Stack

CODE_DIR = Path(__file__).resolve().parents[2] / "lambda"


def test_each_invocation_ends_in_its_stream_before_the_next_starts() -> None:
    """Two callers share one environment: every START is followed by its own END and REPORT before
    the next START, with END and REPORT written as one batch."""
    stack = Stack({"GoogleClientId": "local.apps.googleusercontent.com", "SiteOrigin": "http://127.0.0.1:8080"})
    written: list[tuple[str, tuple[str, ...]]] = []
    lock = threading.Lock()

    def sink(_function: str, stream: str, *lines: str) -> None:
        if lines[0].startswith("END"):
            time.sleep(0.01)  # time for the other caller to take the environment, if it were handed on already
        with lock:
            written.append((stream, lines))

    runtime = LambdaRuntime(stack, {"AWS_REGION": "us-east-1"}, CODE_DIR, concurrency=1, on_log=sink)

    def caller(name: str) -> None:
        for n in range(6):  # the upload function refuses an event without records: quick
            with pytest.raises(FunctionError, match="MalformedEvent"):
                runtime.invoke("UploadFunction", {}, request_id=f"{name}-{n}")

    try:
        callers = [threading.Thread(target=caller, args=(name,)) for name in ("a", "b")]
        for thread in callers:
            thread.start()
        for thread in callers:
            thread.join()
    finally:
        runtime.close()

    runtime_lines = [lines for _, lines in written if lines[0].split()[0] in ("START", "END")]
    assert len({stream for stream, _ in written}) == 1 and len(runtime_lines) == 24
    for start, end in zip(runtime_lines[::2], runtime_lines[1::2]):
        request_id = start[0].split()[2]
        assert start == (f"START RequestId: {request_id} Version: $LATEST",)
        assert end[0] == f"END RequestId: {request_id}" and end[1].startswith(f"REPORT RequestId: {request_id}\t")
