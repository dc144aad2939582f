"""Stand-in handlers for the fault tests: the real upload handler with a crash around it.

They run inside the local runtime's worker (PYTHONPATH set by the ``reconfigure``
fixture); PROBE_DIR is where a handler remembers what it already did.
"""

from __future__ import annotations

import hashlib
import json
import os
from pathlib import Path
from typing import Any

from pettube import upload


class InjectedCrash(RuntimeError):
    """The failure a fault test asked for."""


def crashes_once(event: dict[str, Any], context: Any) -> None:
    """Fail the first delivery of each event (like a cold dependency), then behave normally on the retry."""
    marker = Path(os.environ["PROBE_DIR"]) / hashlib.sha256(json.dumps(event, sort_keys=True).encode()).hexdigest()
    if not marker.exists():
        marker.write_text("crashed")
        raise InjectedCrash("first attempt crashes on purpose")
    upload.handler(event, context)


def crashes_after_recording(event: dict[str, Any], context: Any) -> None:
    """A bug after the video is recorded and before its job starts, on every attempt."""
    def broken(*args: Any, **kwargs: Any) -> None:
        raise InjectedCrash("job creation step crashes on purpose")

    upload._start_job = broken
    upload.handler(event, context)


def always_fails(event: dict[str, Any], context: Any) -> None:
    """A handler with a bug that every event hits."""
    raise InjectedCrash("handler crashes on purpose")
