"""A function's event queue is read when it has something to deliver, not polled while the cloud is idle."""

from __future__ import annotations

import json
import threading
from concurrent.futures import ThreadPoolExecutor
from types import SimpleNamespace
from typing import Any

import boto3
from moto import mock_aws

from localcloud.lambdaruntime.dispatcher import Arrivals, EventSourcePoller, stop_together

ACCOUNT, REGION = "123456789012", "us-east-1"


class _CountingSqs:
    """The poller's SQS client, counting the receives it makes."""

    def __init__(self, sqs: Any) -> None:
        self._sqs = sqs
        self.receives = 0

    def receive_message(self, **kwargs: Any) -> Any:
        self.receives += 1
        return self._sqs.receive_message(**kwargs)

    def __getattr__(self, name: str) -> Any:
        return getattr(self._sqs, name)


class _Runtime:
    """What a poller needs of the Lambda runtime: the function's settings, and its asynchronous invoke."""

    def __init__(self) -> None:
        self.stack = SimpleNamespace(functions={"UploadFunction": SimpleNamespace(timeout=3, max_retries=2)})
        self.events: list[Any] = []
        self.delivered = threading.Event()

    def invoke_async(self, function: str, event: Any) -> None:
        self.events.append((function, event))
        self.delivered.set()


def test_an_idle_queue_is_not_polled_and_a_message_is_delivered_as_it_arrives() -> None:
    with mock_aws():
        sqs = boto3.client("sqs", region_name=REGION)
        url = sqs.create_queue(QueueName="pettube-upload-events")["QueueUrl"]
        counting, runtime = _CountingSqs(sqs), _Runtime()
        # The executor delivers, then deletes: leaving its block waits for the deletion.
        with ThreadPoolExecutor(2) as executor:
            poller = EventSourcePoller(runtime, "UploadFunction", url, counting, executor,  # type: ignore[arg-type]
                                       Arrivals(ACCOUNT, REGION, "pettube-upload-events"))
            poller.start()
            try:
                assert not runtime.delivered.wait(1.5), "an event came from an empty queue"
                assert counting.receives == 0, "the idle queue was polled"

                sqs.send_message(QueueUrl=url, MessageBody=json.dumps({"detail": "clip.mp4"}))
                assert runtime.delivered.wait(10), "the message was never delivered"
                assert runtime.events == [("UploadFunction", {"detail": "clip.mp4"})]
            finally:
                stop_together([poller])
            assert not poller._thread.is_alive()
        attributes = sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["All"])["Attributes"]
        assert (attributes["ApproximateNumberOfMessages"], attributes["ApproximateNumberOfMessagesNotVisible"]) \
            == ("0", "0"), "the delivered message was not deleted"
