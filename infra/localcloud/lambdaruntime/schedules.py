"""EventBridge schedules (``rate(...)``) for the local runtime; moto stores them but never fires.

Each tick puts a "Scheduled Event" shaped as EventBridge sends it on the
target function's event queue, so it goes through the same asynchronous
invocation path (retries, dead letters) as every other event.
"""

from __future__ import annotations

import json
import logging
import re
import threading
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timezone
from typing import Any

log = logging.getLogger("localcloud.schedules")
_UNITS = {"minute": 60, "minutes": 60, "hour": 3600, "hours": 3600, "day": 86400, "days": 86400}


class UnsupportedSchedule(ValueError):
    """cron(...) expressions are not run locally (only rate(...))."""


def rate_seconds(expression: str) -> float:
    match = re.fullmatch(r"rate\((\d+) (minutes?|hours?|days?)\)", expression.strip())
    if not match:
        raise UnsupportedSchedule(f"{expression!r}: the local cloud runs rate(...) schedules only")
    return int(match.group(1)) * _UNITS[match.group(2)]


@dataclass(frozen=True)
class Schedule:
    rule_arn: str
    function: str  # logical id of the target function
    period_seconds: float


def scheduled_event(rule_arn: str, region: str, account_id: str) -> dict[str, Any]:
    """The event EventBridge delivers for a schedule tick."""
    return {"version": "0", "id": str(uuid.uuid4()), "detail-type": "Scheduled Event", "source": "aws.events",
            "account": account_id, "time": datetime.now(timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ"),
            "region": region, "resources": [rule_arn], "detail": {}}


class Scheduler:
    """One timer thread for all schedules; ``deliver(function, event)`` queues an event."""

    def __init__(self, schedules: list[Schedule], deliver: Callable[[str, dict[str, Any]], None],
                 region: str, account_id: str, speedup: float = 1.0) -> None:
        self.schedules = schedules
        self._deliver = deliver
        self._region, self._account = region, account_id
        self._speedup = speedup
        self._stopping = threading.Event()
        self._thread = threading.Thread(target=self._run, name="schedules", daemon=True)

    def start(self) -> None:
        if self.schedules:
            self._thread.start()

    def _run(self) -> None:
        import time

        due = {s: time.monotonic() + s.period_seconds / self._speedup for s in self.schedules}
        while not self._stopping.wait(max(0.05, min(due.values()) - time.monotonic())):
            now = time.monotonic()
            for schedule, at in due.items():
                if at <= now:
                    due[schedule] = now + schedule.period_seconds / self._speedup
                    try:
                        self._deliver(schedule.function, scheduled_event(schedule.rule_arn, self._region,
                                                                         self._account))
                    except Exception:
                        log.exception("schedule %s could not queue its event", schedule.rule_arn)

    def stop(self) -> None:
        self._stopping.set()
        if self._thread.is_alive():
            self._thread.join(timeout=5)
