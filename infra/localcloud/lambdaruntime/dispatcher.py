"""Event sources: deliver queued S3 and EventBridge events to the runtime.

On AWS, S3 and EventBridge invoke Lambda asynchronously through Lambda's own
internal queue. Locally that queue is an SQS queue per function on the edge
(moto delivers S3 notifications and EventBridge targets to SQS in the real
record format); a poller per function long-polls it and hands each event to
``LambdaRuntime.invoke_async``. A message is deleted only once the event has
succeeded or been dead-lettered, so a crash of the local cloud redelivers it
(at-least-once, as AWS promises).
"""

from __future__ import annotations

import json
import logging
import re
import threading
from collections.abc import Sequence
from concurrent.futures import ThreadPoolExecutor
from typing import Any
from urllib.parse import quote_plus, unquote_plus

from localcloud.lambdaruntime.runtime import LambdaRuntime, RuntimeClosed

log = logging.getLogger("localcloud.events")


def as_s3_sends(event: Any) -> Any:
    """Correct two ways moto's S3 notifications differ from S3's; None when nothing is left.

    moto escapes '/' in keys (``a%2Fb``): S3 URL-encodes keys with spaces as
    '+' but keeps '/'. And moto's CompleteMultipartUpload also fires an
    ``ObjectCreated:Put`` for the same object; S3 sends only the first. That
    extra record is recognisable: only a multipart object has an ETag ending
    in ``-<part count>``.
    """
    if not isinstance(event, dict) or "Records" not in event:
        return event
    kept = []
    for record in event["Records"]:
        obj = record.get("s3", {}).get("object", {})
        if record.get("eventName") == "ObjectCreated:Put" and re.search(r"-\d+$", obj.get("eTag", "")):
            continue
        if "key" in obj:
            obj["key"] = quote_plus(unquote_plus(obj["key"]), safe="/")
        kept.append(record)
    return {**event, "Records": kept} if kept else None


def is_test_event(event: Any) -> bool:
    """S3 sends an ``s3:TestEvent`` when a notification is configured; Lambda never sees it."""
    return isinstance(event, dict) and event.get("Event") == "s3:TestEvent"


class EventSourcePoller:
    """Long-polls one function's event queue and invokes the function for each event (``stop_together`` stops it)."""

    def __init__(self, runtime: LambdaRuntime, function: str, queue_url: str, sqs: Any,
                 executor: ThreadPoolExecutor) -> None:
        self.runtime = runtime
        self.function = function
        self.queue_url = queue_url
        self._sqs = sqs
        self._executor = executor
        self._stopping = threading.Event()
        spec = runtime.stack.functions[function]
        # Long enough that a message stays hidden through every retry.
        self._visibility = spec.timeout * (spec.max_retries + 1) + 30
        self._thread = threading.Thread(target=self._run, name=f"poll-{function}", daemon=True)

    def start(self) -> None:
        self._thread.start()

    def _run(self) -> None:
        while not self._stopping.is_set():
            try:
                reply = self._sqs.receive_message(QueueUrl=self.queue_url, MaxNumberOfMessages=10,
                                                  WaitTimeSeconds=1, VisibilityTimeout=self._visibility)
            except Exception:  # the edge is going away, or a transient error: try again
                if self._stopping.wait(0.5):
                    return
                continue
            for message in reply.get("Messages", []):
                self._executor.submit(self._deliver, message)

    def _deliver(self, message: dict[str, Any]) -> None:
        try:
            event = as_s3_sends(json.loads(message["Body"]))
            if event is not None and not is_test_event(event):
                self.runtime.invoke_async(self.function, event)
        except RuntimeClosed:
            return  # stays queued; delivered again after a restart
        except ValueError:
            log.error("dropped an event for %s that is not JSON: %.200r", self.function, message["Body"])
        try:
            self._sqs.delete_message(QueueUrl=self.queue_url, ReceiptHandle=message["ReceiptHandle"])
        except Exception:
            log.warning("could not delete a delivered event for %s", self.function)


def stop_together(pollers: Sequence[EventSourcePoller]) -> None:
    """Stop pollers at once: each may be in a long poll of up to a second, and they wait it out together
    (one after the other, a stop took a second a function)."""
    for poller in pollers:
        poller._stopping.set()
    for poller in pollers:
        poller._thread.join(timeout=5)
