"""kill -9 at random moments, during uploads and their saves, never costs an acknowledged object or record.

Each round starts the cloud as `make dev` does, uploads objects of random sizes (some
multipart) each followed by its DynamoDB record, and kills the whole process group at a
random moment. The next start must show:

- every object whose upload was acknowledged is there, byte for byte;
- every object there holds exactly the bytes that were sent for it (no torn or mixed object);
- every record whose write was acknowledged is there, and every record names an object that is there.
"""

from __future__ import annotations

import hashlib
import random
import signal
import threading

import pytest
from library_run import Run, run  # noqa: F401 - run is a fixture

from localcloud.endpoints import Endpoints

pytestmark = pytest.mark.slow
ROUNDS = 2
PART = 5 * 1024 * 1024  # S3's smallest part


class Uploader(threading.Thread):
    """Uploads until told to stop; remembers what was sent and what was acknowledged."""

    def __init__(self, endpoints: Endpoints, rng: random.Random, round_: int, sent: dict[str, bytes]) -> None:
        super().__init__(daemon=True)
        self.s3 = endpoints.client("s3")
        self.dynamodb = endpoints.client("dynamodb")
        self.bucket, self.table = endpoints.transcoded_bucket, endpoints.table
        self.rng, self.round = rng, round_
        self.sent = sent  # key -> bytes, filled before the request goes out
        self.acknowledged: list[str] = []  # object keys
        self.recorded: list[str] = []  # video ids whose record was acknowledged
        self.stopping = threading.Event()
        self.killed = threading.Event()
        self.failure: Exception | None = None

    def run(self) -> None:
        number = 0
        try:
            while not self.stopping.is_set():
                number += 1
                video = f"crash-{self.round}-{number}"
                key = f"owner/{video}/720p.mp4"
                data = self.rng.randbytes(self.rng.randint(1, 400_000))
                if number % 7 == 0:
                    data = self.rng.randbytes(PART) + data
                    self.sent[key] = data
                    self._multipart(key, data)
                else:
                    self.sent[key] = data
                    self.s3.put_object(Bucket=self.bucket, Key=key, Body=data)
                self.acknowledged.append(key)
                self.dynamodb.put_item(TableName=self.table, Item={
                    "owner_id": {"S": "owner"}, "video_id": {"S": video}, "status": {"S": "ready"},
                    "created_at": {"S": "2026-11-26T12:00:00.000Z"}})
                self.recorded.append(video)
        except Exception as exc:  # after the kill, the request in flight fails
            if not self.killed.is_set():
                self.failure = exc

    def _multipart(self, key: str, data: bytes) -> None:
        upload = self.s3.create_multipart_upload(Bucket=self.bucket, Key=key)["UploadId"]
        parts = []
        for number, start in enumerate(range(0, len(data), PART), start=1):
            etag = self.s3.upload_part(Bucket=self.bucket, Key=key, UploadId=upload, PartNumber=number,
                                       Body=data[start:start + PART])["ETag"]
            parts.append({"PartNumber": number, "ETag": etag})
        self.s3.complete_multipart_upload(Bucket=self.bucket, Key=key, UploadId=upload,
                                          MultipartUpload={"Parts": parts})


def _check(endpoints: Endpoints, sent: dict[str, bytes], acknowledged: set[str], recorded: set[str]) -> int:
    """Assert the promises after a crash; how many objects are there."""
    s3, bucket = endpoints.client("s3"), endpoints.transcoded_bucket
    pages = s3.get_paginator("list_objects_v2").paginate(Bucket=bucket, Prefix="owner/crash-")
    present = {item["Key"] for page in pages for item in page.get("Contents", [])}
    assert acknowledged <= present, f"acknowledged objects lost: {sorted(acknowledged - present)[:5]}"
    for key in present:
        body = s3.get_object(Bucket=bucket, Key=key)["Body"].read()
        assert hashlib.sha256(body).digest() == hashlib.sha256(sent[key]).digest(), f"{key} is not what was sent"
    records = {record["video_id"]["S"] for page in endpoints.client("dynamodb").get_paginator("query").paginate(
        TableName=endpoints.table, KeyConditionExpression="owner_id = :o",
        ExpressionAttributeValues={":o": {"S": "owner"}}) for record in page["Items"]}
    assert recorded <= records, f"acknowledged records lost: {sorted(recorded - records)[:5]}"
    for video in records:
        assert f"owner/{video}/720p.mp4" in present, f"{video} lost its object"
    return len(present)


def test_kill_9_at_random_moments_keeps_every_acknowledged_object_intact(run: Run, wait_until,
                                                                         record_property) -> None:
    """kill -9 of the process group at random moments during uploads and their saves, twice, then a start."""
    seed = random.randrange(2**32)
    rng = random.Random(seed)
    print(f"seed {seed}")  # shown when the test fails: rerun with random.Random(<seed>)
    sent: dict[str, bytes] = {}
    acknowledged: set[str] = set()
    recorded: set[str] = set()
    for round_ in range(ROUNDS):
        endpoints = run.start(wait_until)
        _check(endpoints, sent, acknowledged, recorded)
        uploader = Uploader(endpoints, rng, round_, sent)
        uploader.start()
        wait_until(lambda: len(uploader.recorded) >= 7 or not uploader.is_alive(),  # one multipart upload, at least
                   message="the first uploads")
        uploader.stopping.wait(rng.uniform(0, 1))  # a random moment: mid-upload, mid-save, or between
        uploader.killed.set()
        run.stop(signal.SIGKILL)
        uploader.stopping.set()
        uploader.join()
        assert uploader.failure is None, f"an upload failed before the kill: {uploader.failure!r}"
        acknowledged |= set(uploader.acknowledged)
        recorded |= set(uploader.recorded)
    endpoints = run.start(wait_until)
    present = _check(endpoints, sent, acknowledged, recorded)
    record_property("observed", f"{ROUNDS} kills; {len(sent)} uploads sent, {len(acknowledged)} acknowledged before "
                                f"a kill: all {present} objects there are intact, every acknowledged record is there "
                                f"and has its object (seed {seed})")
