"""CloudWatch Logs for the local functions: moto's logs backend, fed by the Lambda runtime.

Each function writes to the log group its template names (``LoggingConfig`` ->
an ``AWS::Logs::LogGroup`` with ``RetentionInDays`` from ``LogRetentionDays``;
``/aws/lambda/<name>`` when it names none), one stream per execution
environment, with the START/END/REPORT lines and the function's own output, as
Lambda does. The logs API itself (DescribeLogGroups, GetLogEvents,
FilterLogEvents, which ``aws logs tail --follow`` polls...) is moto's, behind
the edge's access guard like the rest of moto.

Why moto's backend rather than a service of our own: moto already answers every
read the CLI and SDKs make, with CloudWatch's filter patterns and paging; what
it lacks is only the writer, and the runtime writes in-process (no HTTP request
per line, no change counted for the autosave: logs are not part of the saved
library and start empty after a restart). The console keeps its readable log:
every line also goes to the ``lambda.<logical id>`` logger.

CloudWatch keeps a group's events for its ``RetentionInDays``; here they are held
in memory, so each function's group also keeps only its newest ``MAX_EVENTS``:
a cloud left running with a page open answers a listing every few seconds, and
its memory must not grow with every request it has served.
"""

from __future__ import annotations

import heapq
import logging
import threading
import time
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from moto.logs.models import LogsBackend, logs_backends

from localcloud.stack import Stack


# What Lambda returns of an invocation's log with LogType=Tail: its last 4 KB.
TAIL_BYTES = 4096
# Events a function's log group holds, at most (about 5 MB of a MyMedia-like log); past it the oldest tenth goes.
MAX_EVENTS = 10_000


@dataclass(frozen=True)
class LogGroup:
    """Where one function logs, and for how long CloudWatch keeps it (None: forever)."""

    name: str
    retention_days: int | None


def function_log_groups(stack: Stack) -> dict[str, LogGroup]:
    """Each function's log group by logical id, as the template configures it."""
    groups = {}
    for logical_id, spec in stack.functions.items():
        props = stack.resources[logical_id]["Properties"]
        name = props.get("LoggingConfig", {}).get("LogGroup") or f"/aws/lambda/{spec.name}"
        retention = next((resource["Properties"].get("RetentionInDays")
                          for resource in stack.resources.values()
                          if resource["Type"] == "AWS::Logs::LogGroup"
                          and resource["Properties"].get("LogGroupName") == name), None)
        groups[logical_id] = LogGroup(name, int(retention) if retention is not None else None)
    return groups


class FunctionLogs:
    """The Lambda runtime's log sink (``LogSink``): CloudWatch Logs in moto, and the console."""

    def __init__(self, stack: Stack, account_id: str, region: str, *, max_events: int = MAX_EVENTS,
                 clock: Callable[[], float] = time.time) -> None:
        self.groups = function_log_groups(stack)
        self.max_events = max_events
        self._clock = clock
        self._backend: LogsBackend = logs_backends[account_id][region]
        self._streams: set[tuple[str, str]] = set()
        # Each group's events as of its last trim, plus the lines written since (others may put events too:
        # a trim counts them all again).
        self._written: Counter[str] = Counter()
        self._lock = threading.Lock()  # moto's log streams are not thread-safe (its own comment says so)

    def create_groups(self) -> None:
        """Create the template's log groups with their retention (kept when they exist already)."""
        with self._lock:
            for group in self.groups.values():
                if group.name not in self._backend.groups:
                    self._backend.create_log_group(group.name, tags={})
                if group.retention_days is not None:
                    self._backend.put_retention_policy(group.name, group.retention_days)

    def __call__(self, function: str, stream: str, *lines: str) -> None:
        """Lines of a function's execution environment ``stream``, put as one batch."""
        console = logging.getLogger(f"lambda.{function}")
        for line in lines:
            console.info(line)
        group = self.groups[function].name
        timestamp = int(self._clock() * 1000)
        events: list[dict[str, Any]] = [{"timestamp": timestamp, "message": line} for line in lines]
        with self._lock:
            if (group, stream) not in self._streams:
                self._backend.ensure_log_stream(group, stream)
                self._streams.add((group, stream))
            self._backend.put_log_events(group, stream, events)
            self._written[group] += len(events)
            if self._written[group] > self.max_events:
                self._forget_oldest(group)

    def _forget_oldest(self, group_name: str) -> None:
        """Drop the group's oldest events, across its streams, down to nine tenths of ``max_events``
        (a stream left empty goes too, as an environment's stream has no use without events)."""
        group = self._backend.groups[group_name]
        streams = dict(group.streams)
        held = sum(len(stream.events) for stream in streams.values())
        excess = held - self.max_events * 9 // 10
        cut = Counter[str]()
        oldest = [(stream.events[0].timestamp, name) for name, stream in streams.items() if stream.events]
        heapq.heapify(oldest)
        while excess > 0 and oldest:
            _, name = heapq.heappop(oldest)
            cut[name] += 1
            excess -= 1
            events = streams[name].events
            if cut[name] < len(events):
                heapq.heappush(oldest, (events[cut[name]].timestamp, name))
        for name, count in cut.items():
            stream = streams[name]
            stream.stored_bytes -= sum(len(event.message) for event in stream.events[:count])
            del stream.events[:count]
            if not stream.events:
                del group.streams[name]
                self._streams.discard((group_name, name))
        self._written[group_name] = held - sum(cut.values())

    def invocation_tail(self, function: str, request_id: str) -> str:
        """The last 4 KB of one invocation's log lines, from its START to its REPORT line (LogType=Tail)."""
        group = self.groups[function].name
        with self._lock:
            streams = [stream for (g, stream) in self._streams if g == group]
            for stream in streams:
                messages = [event.message for event in self._backend.groups[group].streams[stream].events]
                start = f"START RequestId: {request_id} "
                first = next((i for i, m in enumerate(messages) if m.startswith(start)), None)
                if first is not None:
                    report = f"REPORT RequestId: {request_id}"
                    last = next((i for i, m in enumerate(messages) if m.startswith(report)), len(messages) - 1)
                    text = "".join(m + "\n" for m in messages[first:last + 1]).encode()
                    return text[-TAIL_BYTES:].decode("utf-8", "ignore")
        return ""
