"""One warm execution environment: a child process running bootstrap.py."""

from __future__ import annotations

import json
import os
import select
import subprocess
import sys
import threading
import time
import uuid
from datetime import datetime, timezone
from pathlib import Path
from typing import Protocol

from localcloud.lambdaruntime.bootstrap import OUTPUT_DONE
from localcloud.stack import FunctionSpec

# How long an invocation's last output lines may take to reach the log after its reply (they are already written).
_OUTPUT_GRACE_SECONDS = 1.0


class InvocationTimeout(Exception):
    """The handler ran past the function's timeout; its environment was killed."""


class EnvironmentCrashed(Exception):
    """The execution environment died mid-invocation (killed, out of memory, os._exit)."""


class LogSink(Protocol):
    """Where a function's output goes: ``sink(function logical id, log stream name, *lines)``."""

    def __call__(self, function: str, stream: str, *lines: str) -> None: ...


def new_log_stream_name(now: datetime | None = None) -> str:
    """A log stream name as Lambda gives each execution environment: ``2026/12/04/[$LATEST]<32 hex>``."""
    return f"{(now or datetime.now(timezone.utc)):%Y/%m/%d}/[$LATEST]{uuid.uuid4().hex}"


class Worker:
    """A child process that imports the handler once and serves invocations in turn.

    Like a Lambda execution environment it has a log stream of its own, named in
    its environment (``AWS_LAMBDA_LOG_STREAM_NAME``) and on every line it logs.
    """

    def __init__(self, spec: FunctionSpec, env: dict[str, str], code_dir: Path, log: LogSink) -> None:
        self.spec = spec
        self.log_stream = new_log_stream_name()
        to_child_r, to_child_w = os.pipe()
        from_child_r, from_child_w = os.pipe()
        child_env = {**env, "AWS_LAMBDA_LOG_STREAM_NAME": self.log_stream,
                     "_PETTUBE_RUNTIME_IN": str(to_child_r), "_PETTUBE_RUNTIME_OUT": str(from_child_w),
                     "PYTHONPATH": os.pathsep.join([str(code_dir), env.get("PYTHONPATH", "")]).rstrip(os.pathsep),
                     "PYTHONUNBUFFERED": "1"}
        # A process group of its own: a terminal's Ctrl-C (sent to the whole foreground group) must
        # not interrupt a handler mid-event; the runtime ends its environments when the cloud stops.
        self.process = subprocess.Popen(
            [sys.executable, "-m", "localcloud.lambdaruntime.bootstrap"],
            env=child_env, pass_fds=(to_child_r, from_child_w), process_group=0,
            stdin=subprocess.DEVNULL, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
        )
        os.close(to_child_r)
        os.close(from_child_w)
        self._to_child = os.fdopen(to_child_w, "w", encoding="utf-8")
        self._from_child = os.fdopen(from_child_r, "r", encoding="utf-8")
        self._output_done = threading.Event()
        self._logs = threading.Thread(target=self._relay_logs, args=(log,), daemon=True)
        self._logs.start()

    def _relay_logs(self, log: LogSink) -> None:
        assert self.process.stdout is not None
        for raw in self.process.stdout:
            done = raw.endswith(OUTPUT_DONE)  # after a last line the handler left without a newline, too
            text = raw.removesuffix(OUTPUT_DONE) if done else raw
            if text:
                log(self.spec.logical_id, self.log_stream, text.decode("utf-8", "replace").rstrip("\n"))
            if done:
                self._output_done.set()

    @property
    def alive(self) -> bool:
        return self.process.poll() is None

    def invoke(self, event: object, request_id: str, function_arn: str) -> dict:
        """Run one invocation; returns {"result": ...} or {"error": {...}}."""
        deadline = time.time() + self.spec.timeout
        self._to_child.write(json.dumps({"event": event, "request_id": request_id, "function_arn": function_arn,
                                         "deadline_ms": int(deadline * 1000)}) + "\n")
        self._to_child.flush()
        # The reply is one line, written whole after the handler returns: once the pipe has a byte to
        # read, the line follows (or the end, if the environment died).
        if not select.select([self._from_child], [], [], max(0.0, deadline - time.time()))[0]:
            self.kill()
            raise InvocationTimeout(f"Task timed out after {self.spec.timeout:.2f} seconds")
        reply = self._from_child.readline()
        if not reply:
            code = self.process.wait()
            raise EnvironmentCrashed(f"Runtime exited with error: exit status {code}")
        # The handler's output precedes END in its log stream, as on Lambda.
        self._output_done.wait(_OUTPUT_GRACE_SECONDS)
        self._output_done.clear()
        return json.loads(reply)

    def kill(self) -> None:
        if self.alive:
            self.process.kill()
        self.process.wait()
        for stream in (self._to_child, self._from_child):
            try:
                stream.close()
            except OSError:
                pass
