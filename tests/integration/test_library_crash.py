"""kill -9 at random moments, during uploads and saves, never costs a saved object or corrupts one.

Each round starts the cloud as `make dev` does, uploads objects of random sizes (some
multipart) each followed by its DynamoDB record, and kills the whole process group at a
random moment. The next start must show:

- every object whose save the test saw completing is there, byte for byte;
- every object there holds exactly the bytes that were sent for it (no torn or mixed object);
- every record names an object that is there.

A save is seen from outside by the saved file being replaced: after an upload is
acknowledged, the second replacement comes from a save that started after it.
"""

from __future__ import annotations

import hashlib
import random
import signal
import threading
from pathlib import Path

import pytest
from library_run import Run, run  # noqa: F401 - run is a fixture

from localcloud.endpoints import Endpoints

pytestmark = pytest.mark.slow
ROUNDS = 3
PART = 5 * 1024 * 1024  # S3's smallest part


class SaveWatch:
    """Counts replacements of the saved file, as anyone can see them from outside."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self.replacements = 0
        self._last: tuple[int, int] | None = None
        self._lock = threading.Lock()

    def look(self) -> int:
        """Replacements seen so far, counting one that happened since the last look."""
        with self._lock:
            try:
                stat = self.path.stat()
                current = (stat.st_ino, stat.st_mtime_ns)
            except FileNotFoundError:
                current = None
            if current is not None and current != self._last:
                if self._last is not None:
                    self.replacements += 1
                self._last = current
            return self.replacements


class Uploader(threading.Thread):
    """Uploads until told to stop; remembers what was sent, acknowledged, and seen saved."""

    def __init__(self, endpoints: Endpoints, watch: SaveWatch, rng: random.Random, round_: int,
                 sent: dict[str, bytes]) -> None:
        super().__init__(daemon=True)
        self.s3 = endpoints.client("s3")
        self.dynamodb = endpoints.client("dynamodb")
        self.bucket, self.table = endpoints.transcoded_bucket, endpoints.table
        self.watch, self.rng, self.round = watch, rng, round_
        self.sent = sent  # key -> bytes, filled before the request goes out
        self.acknowledged: list[tuple[str, int]] = []  # key, replacements seen right after its ack
        self.stopping = threading.Event()
        self.first_saved = threading.Event()
        self.killed = threading.Event()
        self.failure: Exception | None = None

    def run(self) -> None:
        number = 0
        try:
            while not self.stopping.is_set():
                number += 1
                key = f"owner/crash-{self.round}-{number}/720p.mp4"
                data = self.rng.randbytes(self.rng.randint(1, 400_000))
                self.sent[key] = data
                if number % 7 == 0:
                    data = self.rng.randbytes(PART) + data
                    self.sent[key] = data
                    self._multipart(key, data)
                else:
                    self.s3.put_object(Bucket=self.bucket, Key=key, Body=data)
                self.acknowledged.append((key, self.watch.look()))
                self.dynamodb.put_item(TableName=self.table, Item={
                    "owner_id": {"S": "owner"}, "video_id": {"S": key.split("/")[1]}, "status": {"S": "ready"},
                    "created_at": {"S": "2026-11-26T12:00:00.000Z"}})
                if self.saved():
                    self.first_saved.set()
        except Exception as exc:  # after the kill, the request in flight fails
            if not self.killed.is_set():
                self.failure = exc
            self.first_saved.set()

    def _multipart(self, key: str, data: bytes) -> None:
        upload = self.s3.create_multipart_upload(Bucket=self.bucket, Key=key)["UploadId"]
        parts = []
        for number, start in enumerate(range(0, len(data), PART), start=1):
            etag = self.s3.upload_part(Bucket=self.bucket, Key=key, UploadId=upload, PartNumber=number,
                                       Body=data[start:start + PART])["ETag"]
            parts.append({"PartNumber": number, "ETag": etag})
        self.s3.complete_multipart_upload(Bucket=self.bucket, Key=key, UploadId=upload,
                                          MultipartUpload={"Parts": parts})

    def saved(self) -> list[str]:
        """The acknowledged keys a completed save certainly holds."""
        now = self.watch.look()
        return [key for key, seen in self.acknowledged if now >= seen + 2]


def _check(endpoints: Endpoints, sent: dict[str, bytes], saved: set[str]) -> int:
    """Assert the promises after a crash; how many objects are there."""
    s3, bucket = endpoints.client("s3"), endpoints.transcoded_bucket
    present = {item["Key"] for page in s3.get_paginator("list_objects_v2").paginate(Bucket=bucket, Prefix="owner/crash-")
               for item in page.get("Contents", [])}
    assert saved <= present, f"saved objects lost: {sorted(saved - present)[:5]}"
    for key in present:
        body = s3.get_object(Bucket=bucket, Key=key)["Body"].read()
        assert hashlib.sha256(body).digest() == hashlib.sha256(sent[key]).digest(), f"{key} is not what was sent"
    records = endpoints.client("dynamodb").query(
        TableName=endpoints.table, KeyConditionExpression="owner_id = :o",
        ExpressionAttributeValues={":o": {"S": "owner"}})["Items"]
    for record in records:
        assert f"owner/{record['video_id']['S']}/720p.mp4" in present, f"{record['video_id']['S']} lost its object"
    return len(present)


def test_kill_9_at_random_moments_keeps_every_saved_object_intact(run: Run, wait_until, record_property) -> None:
    """kill -9 of the process group at random moments during uploads and saves, three times, then a start."""
    seed = random.randrange(2**32)
    rng = random.Random(seed)
    print(f"seed {seed}")  # shown when the test fails: rerun with random.Random(<seed>)
    sent: dict[str, bytes] = {}
    saved: set[str] = set()
    for round_ in range(ROUNDS):
        endpoints = run.start(wait_until)
        _check(endpoints, sent, saved)
        uploader = Uploader(endpoints, SaveWatch(run.state_dir / "moto-state.pickle"), rng, round_, sent)
        uploader.start()
        uploader.first_saved.wait()
        uploader.stopping.wait(rng.uniform(0, 2))  # a random moment: mid-upload, mid-save, or between
        uploader.killed.set()
        run.stop(signal.SIGKILL)
        uploader.stopping.set()
        uploader.join()
        assert uploader.failure is None, f"an upload failed before the kill: {uploader.failure!r}"
        saved |= set(uploader.saved())
    assert saved  # the rounds did save something
    endpoints = run.start(wait_until)
    present = _check(endpoints, sent, saved)
    record_property("observed", f"{ROUNDS} kills; {len(sent)} uploads sent, {len(saved)} seen saved before a kill: "
                                f"all {present} objects there are intact, every record has its object (seed {seed})")
