"""Event sources: deliver queued S3 and EventBridge events to the runtime.

On AWS, S3 and EventBridge invoke Lambda asynchronously through Lambda's own
internal queue. Locally that queue is an SQS queue per function on the edge
(moto delivers S3 notifications and EventBridge targets to SQS in the real
record format); a poller per function receives from it and hands each event to
``LambdaRuntime.invoke_async``. A message is deleted only once the event has
succeeded or been dead-lettered, so a crash of the local cloud redelivers it
(at-least-once, as AWS promises).

A poller asks the edge only when its queue has a message to receive: the queue is
moto's, in this process, and announces every message added to it. Long polls of a
second each, one per function, kept an idle cloud 2 % busy.
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

from moto.sqs.models import sqs_backends

from localcloud.lambdaruntime.runtime import LambdaRuntime, RuntimeClosed

log = logging.getLogger("localcloud.events")

# The longest a poller waits without asking: a message is not announced when it becomes visible again
# (its visibility timeout over, after a delivery that did not end) or when its delay ends.
UNANNOUNCED_SECONDS = 20.0


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


class Arrivals:
    """Waits, without a request, until moto's queue of this name in this process holds a message to receive.

    moto's queue notifies its condition (``_messages_lock``) whenever a message is added, which is how its
    own long polls wait; ``wake`` ends a wait at once.
    """

    def __init__(self, account_id: str, region: str, queue_name: str) -> None:
        self._backend = (account_id, region)
        self._name = queue_name

    def _queue(self) -> Any:
        account_id, region = self._backend
        return sqs_backends[account_id][region].queues.get(self._name)  # looked up again: a restore replaces it

    def wait(self, stopping: threading.Event, timeout: float) -> None:
        """Until a message can be received, ``stopping`` is set, or ``timeout`` seconds have passed."""
        queue = self._queue()
        if queue is None:
            stopping.wait(timeout)
            return
        with queue._messages_lock:
            queue._messages_lock.wait_for(lambda: stopping.is_set() or bool(queue.messages), timeout)

    def wake(self) -> None:
        queue = self._queue()
        if queue is not None:
            with queue._messages_lock:
                queue._messages_lock.notify_all()


class EventSourcePoller:
    """Receives one function's events from its queue and invokes the function for each (``stop_together``
    stops it)."""

    def __init__(self, runtime: LambdaRuntime, function: str, queue_url: str, sqs: Any,
                 executor: ThreadPoolExecutor, arrivals: Arrivals) -> None:
        self.runtime = runtime
        self.function = function
        self.queue_url = queue_url
        self._sqs = sqs
        self._executor = executor
        self._arrivals = arrivals
        self._stopping = threading.Event()
        spec = runtime.stack.functions[function]
        # Long enough that a message stays hidden through every retry.
        self._visibility = spec.timeout * (spec.max_retries + 1) + 30
        self._thread = threading.Thread(target=self._run, name=f"poll-{function}", daemon=True)

    def start(self) -> None:
        self._thread.start()

    def _run(self) -> None:
        while not self._stopping.is_set():
            self._arrivals.wait(self._stopping, UNANNOUNCED_SECONDS)
            if self._stopping.is_set():
                return
            try:
                reply = self._sqs.receive_message(QueueUrl=self.queue_url, MaxNumberOfMessages=10,
                                                  VisibilityTimeout=self._visibility)
            except Exception:  # the edge is going away, or a transient error: try again
                if self._stopping.wait(0.5):
                    return
                continue
            messages = reply.get("Messages", [])
            if not messages and self._stopping.wait(1.0):  # announced, but received by another reader first
                return
            for message in messages:
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
    """Stop pollers at once: each waiting one is woken, and one receiving finishes its request."""
    for poller in pollers:
        poller._stopping.set()
        poller._arrivals.wake()
    for poller in pollers:
        poller._thread.join(timeout=5)
