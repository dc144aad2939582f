"""MediaConvert Job State Change events, shaped like AWS's documented examples.

Field names follow the user guide's samples (ev_status_*.md): ``detail`` carries
timestamp (ms), accountId, queue, jobId, status, userMetadata, plus per-status
fields. They go out through the edge's EventBridge with PutEvents. Real AWS refuses
PutEvents with an ``aws.*`` Source from customers; moto (5.2.5) accepts it and
routes it by rule like any event, which makes PutEvents the one path that
reaches every rule target (SQS, the local Lambda runtime) exactly as on AWS.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Callable
from datetime import datetime, timezone
from typing import Any

SOURCE = "aws.mediaconvert"
DETAIL_TYPE = "MediaConvert Job State Change"

logger = logging.getLogger(__name__)


def detail(job: Any, status: str, **fields: Any) -> dict[str, Any]:
    """The ``detail`` of one event for ``job`` (a models.Job) in ``status``."""
    now = datetime.now(timezone.utc)
    body = {
        "timestamp": int(now.timestamp() * 1000),
        "accountId": job.account_id,
        "queue": job.queue,
        "jobId": job.id,
        "status": status,
        "userMetadata": dict(job.user_metadata),
    }
    body.update(fields)
    return body


def job_progress(phase: str, transcoding_percent: int, job_percent: int) -> dict[str, Any]:
    """STATUS_UPDATE's ``jobProgress`` block, phase by phase as AWS reports it."""
    order = ["PROBING", "TRANSCODING", "UPLOADING"]
    current = order.index(phase)
    phases = {}
    for number, name in enumerate(order):
        if number < current:
            phases[name] = {"status": "COMPLETE", "percentComplete": 100}
        elif number == current:
            percent = transcoding_percent if name == "TRANSCODING" else 0
            phases[name] = {"status": "PROGRESSING", "percentComplete": percent}
        else:
            phases[name] = {"status": "PENDING", "percentComplete": 0}
    return {"phaseProgress": phases, "jobPercentComplete": job_percent, "currentPhase": phase, "retryCount": 0}


class EventSender:
    """Puts job events on the default bus; a failed put is logged, never fails the job."""

    def __init__(self, client_factory: Callable[[], Any]) -> None:
        self._client_factory = client_factory
        self._client: Any = None

    def send(self, job: Any, body: dict[str, Any]) -> None:
        """Send one event (``body`` from ``detail``) with the job ARN as its resource."""
        entry = {
            "Source": SOURCE,
            "DetailType": DETAIL_TYPE,
            "Detail": json.dumps(body),
            "Resources": [job.arn],
            "Time": datetime.fromtimestamp(body["timestamp"] / 1000, timezone.utc),
        }
        try:
            if self._client is None:
                self._client = self._client_factory()
            answer = self._client.put_events(Entries=[entry])
            if answer.get("FailedEntryCount"):
                logger.warning("event refused", extra={"job_id": job.id, "status": body["status"], "entries": answer["Entries"]})
        except Exception:  # noqa: BLE001 - like moto's _send_safe_notification: events never break the job
            logger.exception("event not sent", extra={"job_id": job.id, "status": body["status"]})
