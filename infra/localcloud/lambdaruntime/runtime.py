"""Invoke the template's functions with Lambda's semantics.

Synchronous invokes (API Gateway) return the result or raise FunctionError.
Asynchronous invokes (S3, EventBridge) are retried ``MaximumRetryAttempts``
times (two by default, as on AWS) and then sent to the function's OnFailure
destination in the record format AWS uses, so a developer can list them.
"""

from __future__ import annotations

import logging
import os
import queue
import threading
import time
import uuid
from collections import deque
from collections.abc import Callable
from dataclasses import replace
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

from localcloud.lambdaruntime.worker import EnvironmentCrashed, InvocationTimeout, LogSink, Worker
from localcloud.logs import function_log_groups
from localcloud.stack import FunctionSpec, Stack

log = logging.getLogger("localcloud.lambda")


class FunctionError(Exception):
    """A handler raised, timed out or crashed; carries Lambda's error payload."""

    def __init__(self, payload: dict[str, Any]) -> None:
        super().__init__(f"{payload.get('errorType')}: {payload.get('errorMessage')}")
        self.payload = payload


class RuntimeClosed(Exception):
    """The local cloud is stopping: the event is left queued, to be delivered after a restart."""


class _Pool:
    """Warm environments of one function; grows on demand up to ``concurrency``."""

    def __init__(self, spec: FunctionSpec, make: Callable[[FunctionSpec], Worker], concurrency: int) -> None:
        self.spec = spec
        self._make = make
        self._idle: queue.LifoQueue[Worker] = queue.LifoQueue()
        self._slots = threading.BoundedSemaphore(concurrency)
        self._all: list[Worker] = []
        self._lock = threading.Lock()

    def acquire(self) -> Worker:
        self._slots.acquire()
        while True:
            try:
                worker = self._idle.get_nowait()
            except queue.Empty:
                worker = self._make(self.spec)
                with self._lock:
                    self._all.append(worker)
            if worker.alive and worker.spec == self.spec:
                return worker
            self._discard(worker)  # crashed, or its code was replaced

    def _discard(self, worker: Worker) -> None:
        worker.kill()
        with self._lock:
            if worker in self._all:
                self._all.remove(worker)

    def release(self, worker: Worker) -> None:
        if worker.alive and worker.spec == self.spec:
            self._idle.put(worker)
        else:
            self._discard(worker)
        self._slots.release()

    def close(self) -> None:
        with self._lock:
            for worker in self._all:
                worker.kill()
            self._all.clear()


# Warm environments per function, at most: one per CPU (two at least). An invocation is CPU-bound Python
# between short waits on the cloud, so more environments than cores run nothing sooner, and each new one
# costs about 0.4 s of CPU to start. On 2 CPUs a burst of 200 MyMedia listings (bench/burst.py) took
# 2.0-2.3 s with two, 2.4-2.5 s with four (the previous default), 2.4 s with one (2026-12-05).
DEFAULT_CONCURRENCY = max(2, os.cpu_count() or 2)
# The invocations a runtime remembers, newest last (with their events: an API Gateway event is a few KB).
# Bounded: a cloud left running answers a listing every few seconds for as long as a page is open.
RECENT_INVOCATIONS = 1000


def _console(function: str, _stream: str, *lines: str) -> None:
    for line in lines:
        logging.getLogger(f"lambda.{function}").info(line)


class LambdaRuntime:
    """Runs every function of the stack; one pool of warm workers per function."""

    def __init__(self, stack: Stack, base_env: dict[str, str], code_dir: Path, *,
                 concurrency: int = DEFAULT_CONCURRENCY, retry_delays: tuple[float, ...] = (1.0, 2.0),
                 send_to_destination: Callable[[str, dict[str, Any]], None] | None = None,
                 on_log: LogSink | None = None, recent: int = RECENT_INVOCATIONS) -> None:
        self.stack = stack
        self._base_env = base_env
        self.code_dir = code_dir
        self._retry_delays = retry_delays
        self._send = send_to_destination
        # A function's own output is its log (CloudWatch Logs on AWS); by default one logger per function.
        self.log_sink: LogSink = on_log or _console
        self._log_groups = {lid: group.name for lid, group in function_log_groups(stack).items()}
        self._pools = {lid: _Pool(spec, self._spawn, concurrency) for lid, spec in stack.functions.items()}
        # What ran lately, for tests and benchmarks.
        self.invocations: deque[dict[str, Any]] = deque(maxlen=recent)
        self._closed = threading.Event()

    def _spawn(self, spec: FunctionSpec) -> Worker:
        env = {**self._base_env, **spec.environment,
               "AWS_LAMBDA_FUNCTION_NAME": spec.name, "AWS_LAMBDA_FUNCTION_MEMORY_SIZE": str(spec.memory_mb),
               "AWS_LAMBDA_FUNCTION_VERSION": "$LATEST", "AWS_LAMBDA_LOG_GROUP_NAME": self._log_groups[spec.logical_id],
               "_HANDLER": spec.handler}
        return Worker(spec, env, self.code_dir, self.log_sink)

    def spec(self, function: str) -> FunctionSpec:
        """What ``function`` runs with now (the template's, unless ``update_function`` changed it)."""
        return self._pools[function].spec

    def update_function(self, function: str, **changes: Any) -> FunctionSpec:
        """Like Lambda's UpdateFunctionConfiguration: new invocations get fresh environments.

        ``changes`` are FunctionSpec fields (handler, environment, timeout, max_retries...).
        Returns the previous spec so a caller can put it back.
        """
        pool = self._pools[function]
        previous = pool.spec
        pool.spec = replace(previous, **changes)
        return previous

    def invoke(self, function: str, event: Any, request_id: str | None = None) -> Any:
        """RequestResponse invoke; raises FunctionError as the Lambda API reports one.

        ``request_id`` (a new one by default) names the invocation in its log lines.
        """
        pool = self._pools[function]
        spec = pool.spec
        request_id = request_id or str(uuid.uuid4())
        started = time.perf_counter()
        worker = pool.acquire()
        stream = worker.log_stream
        try:  # the environment is handed on after its END and REPORT, so no other START comes between
            self.log_sink(function, stream, f"START RequestId: {request_id} Version: $LATEST")
            try:
                reply = worker.invoke(event, request_id, self.stack.arn(function))
            except (InvocationTimeout, EnvironmentCrashed) as exc:
                error_type = "Sandbox.Timedout" if isinstance(exc, InvocationTimeout) else "Runtime.ExitError"
                reply = {"error": {"errorType": error_type, "errorMessage": f"RequestId: {request_id} Error: {exc}"}}
            duration_ms = (time.perf_counter() - started) * 1000
            self.log_sink(function, stream, f"END RequestId: {request_id}",
                          f"REPORT RequestId: {request_id}\tDuration: {duration_ms:.2f} ms\t"
                          f"Memory Size: {spec.memory_mb} MB")
        finally:
            pool.release(worker)
        self.invocations.append({"function": function, "request_id": request_id, "event": event,
                                 "ok": "error" not in reply, "duration_ms": duration_ms, "at": time.time()})
        if "error" in reply:
            raise FunctionError(reply["error"])
        return reply["result"]

    def invoke_async(self, function: str, event: Any) -> None:
        """Event invoke: up to MaximumRetryAttempts retries, then the OnFailure destination."""
        spec = self._pools[function].spec
        attempts = spec.max_retries + 1
        for attempt in range(1, attempts + 1):
            if self._closed.is_set():
                raise RuntimeClosed(function)
            try:
                self.invoke(function, event)
                return
            except FunctionError as exc:
                if self._closed.is_set():  # killed by the shutdown, not by its own fault
                    raise RuntimeClosed(function) from exc
                error = exc.payload
                log.warning("%s failed (attempt %d of %d): %s", function, attempt, attempts, exc)
                if attempt < attempts:
                    self._closed.wait(self._retry_delays[min(attempt - 1, len(self._retry_delays) - 1)])
        self._dead_letter(spec, event, error, attempts)

    def _dead_letter(self, spec: FunctionSpec, event: Any, error: dict[str, Any], attempts: int) -> None:
        # The shape of an asynchronous invocation's OnFailure destination record.
        record = {
            "version": "1.0",
            "timestamp": datetime.now(timezone.utc).isoformat(timespec="milliseconds").replace("+00:00", "Z"),
            "requestContext": {"requestId": str(uuid.uuid4()), "functionArn": f"{self.stack.arn(spec.logical_id)}:$LATEST",
                               "condition": "RetriesExhausted", "approximateInvokeCount": attempts},
            "requestPayload": event,
            "responseContext": {"statusCode": 200, "executedVersion": "$LATEST", "functionError": "Unhandled"},
            "responsePayload": {k: error.get(k) for k in ("errorMessage", "errorType", "stackTrace")},
        }
        log.error("%s: retries exhausted, dead-lettered to %s", spec.logical_id, spec.on_failure_queue)
        if spec.on_failure_queue and self._send:
            self._send(spec.on_failure_queue, record)

    def close(self) -> None:
        self._closed.set()
        for pool in self._pools.values():
            pool.close()

