"""The upload engine: parallel parts, retries, cancel, resume after a reload, and S3 assembling the file."""

from __future__ import annotations

import asyncio
import hashlib
import os
from typing import Any, Callable

import boto3
import pytest
import requests
from app.s3parts import S3Multipart
from app.upload import CANCELED, DONE, FAILED, REFUSED, PartError, TransientError, Upload, Uploader
from botocore.exceptions import EndpointConnectionError
from app.uploadplan import MIB, Part
from moto import mock_aws

IDENTITY = "us-east-1:0f8fad5b-d9cb-469f-a165-70867728950e"
BUCKET = "pettube-originals-123456789012-us-east-1"


class MemoryStore:
    """localStorage stand-in."""

    def __init__(self) -> None:
        self.saved: dict[str, dict[str, Any]] = {}

    def get(self, key: str) -> dict[str, Any] | None:
        return self.saved.get(key)

    def put(self, key: str, record: dict[str, Any]) -> None:
        self.saved[key] = dict(record)

    def delete(self, key: str) -> None:
        self.saved.pop(key, None)

    def items(self) -> list[tuple[str, dict[str, Any]]]:
        return list(self.saved.items())


class HttpSender:
    """Sends parts to presigned URLs like the browser does (moto intercepts the HTTP call)."""

    def __init__(self, fail: Callable[[int, int], bool] = lambda number, call: False) -> None:
        self.fail = fail
        self.calls: list[int] = []
        self.in_flight = 0
        self.most_in_flight = 0

    async def send(self, url: str, source: bytes, part: Part, on_progress: Callable[[int], None]) -> str:
        self.calls.append(part.number)
        self.in_flight += 1
        self.most_in_flight = max(self.most_in_flight, self.in_flight)
        try:
            await asyncio.sleep(0)
            on_progress(part.size // 2)
            await asyncio.sleep(0)
            if self.fail(part.number, len(self.calls)):
                raise PartError("Connection lost.")
            answer = requests.put(url, data=source[part.start : part.end], timeout=10)
            answer.raise_for_status()
            on_progress(part.size)
            return answer.headers["ETag"]
        finally:
            self.in_flight -= 1


@pytest.fixture
def s3() -> Any:
    with mock_aws():
        client = boto3.client("s3", region_name="us-east-1")
        client.create_bucket(Bucket=BUCKET)
        yield client


def run(sender: HttpSender, store: MemoryStore, s3: Any, data: bytes, *, name: str = "rex.mp4",
        metadata: dict[str, str] | None = None, **options: Any) -> Upload:
    """Upload ``data`` to completion (or failure) and return the upload as the page would show it."""
    changes: list[str] = []

    async def go() -> Upload:
        uploader = Uploader(
            S3Multipart(lambda: s3, BUCKET, lambda: metadata or {}), sender, store, lambda up: changes.append(up.status),
            sleep=lambda seconds: asyncio.sleep(0), **options,
        )
        upload = uploader.add(data, name=name, size=len(data), content_type="video/mp4",
                              last_modified=1, identity_id=IDENTITY, max_bytes=10**9)
        await uploader.wait()
        return upload

    return asyncio.run(go())


def test_a_file_arrives_whole_under_the_owner_prefix(s3: Any) -> None:
    data = os.urandom(12 * MIB + 123)
    sender = HttpSender()
    upload = run(sender, MemoryStore(), s3, data)
    assert upload.status == DONE and upload.meter.percent == 100
    assert upload.key == f"{IDENTITY}/{upload.video_id}/rex.mp4"
    stored = s3.get_object(Bucket=BUCKET, Key=upload.key)
    assert hashlib.sha256(stored["Body"].read()).digest() == hashlib.sha256(data).digest()
    assert stored["ContentType"] == "video/mp4"
    assert sorted(sender.calls) == [1, 2, 3]


def test_the_owners_display_name_arrives_as_user_metadata_of_the_object(s3: Any) -> None:
    upload = run(HttpSender(), MemoryStore(), s3, os.urandom(MIB), metadata={"owner-name": "Zo%C3%AB"})
    stored = s3.head_object(Bucket=BUCKET, Key=upload.key)
    assert stored["Metadata"] == {"owner-name": "Zo%C3%AB"}  # x-amz-meta-owner-name, read by the upload Lambda


def test_no_more_parts_than_the_limit_are_in_flight(s3: Any) -> None:
    sender = HttpSender()
    upload = run(sender, MemoryStore(), s3, os.urandom(31 * MIB), parts_in_flight=3)
    assert upload.status == DONE
    assert sender.most_in_flight == 3


def test_a_dropped_part_is_retried_and_the_upload_still_completes(s3: Any) -> None:
    sender = HttpSender(fail=lambda number, call: number == 2 and call <= 4)
    upload = run(sender, MemoryStore(), s3, os.urandom(11 * MIB))
    assert upload.status == DONE
    assert sender.calls.count(2) >= 2


def test_a_lasting_outage_fails_with_a_reason_and_retry_sends_only_the_missing_parts(s3: Any) -> None:
    data = os.urandom(16 * MIB)
    store = MemoryStore()
    offline = {"on": True}
    sender = HttpSender(fail=lambda number, call: number == 3 and offline["on"])

    async def go() -> tuple[Upload, list[int], str]:
        uploader = Uploader(S3Multipart(lambda: s3, BUCKET), sender, store, lambda up: None,
                            attempts=3, sleep=lambda seconds: asyncio.sleep(0))
        upload = uploader.add(data, name="rex.mp4", size=len(data), content_type="video/mp4",
                              last_modified=1, identity_id=IDENTITY, max_bytes=10**9)
        await uploader.wait()
        failed_message = upload.message
        assert upload.status == FAILED and upload.can_retry
        sender.calls.clear()
        offline["on"] = False
        uploader.retry(upload.local_id)
        await uploader.wait()
        return upload, list(sender.calls), failed_message

    upload, calls_after_retry, message = asyncio.run(go())
    assert "Connection lost" in message and "Retry" in message
    assert upload.status == DONE
    assert calls_after_retry == [3]
    assert s3.get_object(Bucket=BUCKET, Key=upload.key)["Body"].read() == data
    assert store.saved == {}


def test_after_a_reload_the_same_file_resumes_from_the_parts_already_in_s3(s3: Any) -> None:
    data = os.urandom(21 * MIB)
    store = MemoryStore()
    first = run(HttpSender(fail=lambda number, call: number >= 3), store, s3, data, attempts=1)
    assert first.status == FAILED and len(store.saved) == 1
    # A new page (new Uploader), the person chooses the same file again.
    sender = HttpSender()
    second = run(sender, store, s3, data)
    assert second.status == DONE
    assert second.key == first.key and second.video_id == first.video_id
    assert sorted(sender.calls) == [3, 4, 5]
    assert second.resumed_bytes == 10 * MIB
    assert s3.get_object(Bucket=BUCKET, Key=second.key)["Body"].read() == data


def test_a_stored_upload_that_s3_no_longer_has_starts_afresh(s3: Any) -> None:
    data = os.urandom(6 * MIB)
    store = MemoryStore()
    first = run(HttpSender(fail=lambda number, call: True), store, s3, data, attempts=1)
    s3.abort_multipart_upload(Bucket=BUCKET, Key=first.key, UploadId=first.upload_id)
    second = run(HttpSender(), store, s3, data)
    assert second.status == DONE and second.video_id != first.video_id


def test_cancel_stops_sending_and_leaves_nothing_in_s3(s3: Any) -> None:
    store = MemoryStore()
    class StuckSender(HttpSender):
        async def send(self, url: str, source: bytes, part: Part, on_progress: Callable[[int], None]) -> str:
            self.calls.append(part.number)
            await asyncio.sleep(3600)
            return ""

    async def go() -> Upload:
        uploader = Uploader(S3Multipart(lambda: s3, BUCKET), StuckSender(), store, lambda up: None)
        data = os.urandom(11 * MIB)
        upload = uploader.add(data, name="rex.mp4", size=len(data), content_type="video/mp4",
                              last_modified=1, identity_id=IDENTITY, max_bytes=10**9)
        for _ in range(5):
            await asyncio.sleep(0)
        assert upload.can_cancel
        uploader.cancel(upload.local_id)
        await uploader.wait()
        return upload

    upload = asyncio.run(go())
    assert upload.status == CANCELED and not upload.can_retry
    assert s3.list_multipart_uploads(Bucket=BUCKET).get("Uploads", []) == []
    assert store.saved == {}


def test_a_refused_file_sends_nothing(s3: Any) -> None:
    sender = HttpSender()

    async def go() -> Upload:
        uploader = Uploader(S3Multipart(lambda: s3, BUCKET), sender, MemoryStore(), lambda up: None)
        return uploader.add(b"hello", name="notes.txt", size=5, content_type="text/plain",
                            last_modified=1, identity_id=IDENTITY, max_bytes=10**9)

    upload = asyncio.run(go())
    assert upload.status == REFUSED and upload.message.startswith("Not a video")
    assert sender.calls == []
    assert s3.list_multipart_uploads(Bucket=BUCKET).get("Uploads", []) == []


class FlakyMultipart(S3Multipart):
    """S3 control calls that fail while the connection is down, like botocore does offline."""

    def __init__(self, client: Any, failures: int) -> None:
        super().__init__(lambda: client, BUCKET)
        self.failures = failures

    def complete(self, key: str, upload_id: str, etags: dict[int, str]) -> None:
        if self.failures:
            self.failures -= 1
            raise TransientError("Connection lost.")
        super().complete(key, upload_id, etags)


def test_completing_survives_a_short_outage(s3: Any) -> None:
    data = os.urandom(6 * MIB)

    async def go() -> Upload:
        uploader = Uploader(FlakyMultipart(s3, failures=2), HttpSender(), MemoryStore(), lambda up: None,
                            sleep=lambda seconds: asyncio.sleep(0))
        upload = uploader.add(data, name="rex.mp4", size=len(data), content_type="video/mp4",
                              last_modified=1, identity_id=IDENTITY, max_bytes=10**9)
        await uploader.wait()
        return upload

    upload = asyncio.run(go())
    assert upload.status == DONE
    assert s3.get_object(Bucket=BUCKET, Key=upload.key)["Body"].read() == data


def test_s3_connection_errors_are_reported_as_transient() -> None:
    class Offline:
        def create_multipart_upload(self, **params: Any) -> dict:
            raise EndpointConnectionError(endpoint_url="http://127.0.0.1:1")

    with pytest.raises(TransientError):
        S3Multipart(lambda: Offline(), BUCKET).create("k", "video/mp4")
