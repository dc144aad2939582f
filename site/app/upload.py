"""The upload engine: S3 multipart, several parts in flight, retries, cancel, resume.

The engine is plain asyncio. What touches the outside comes in through three small
ports: ``MultipartApi`` (S3 control calls and presigned part URLs, signed in Python),
``PartSender`` (the browser PUTs a ``Blob.slice`` itself, so the file never enters
Python's memory) and ``ResumeStore`` (localStorage: upload id and key per file
fingerprint). CPython tests drive it with moto and in-memory fakes.
"""

from __future__ import annotations

import asyncio
import itertools
import logging
import random
import time
from dataclasses import dataclass, field
from typing import Any, Callable, Protocol

from .uploadplan import (
    Part,
    ProgressMeter,
    fingerprint,
    new_video_id,
    object_key,
    part_size_for,
    plan_parts,
    refusal,
    retry_delay,
)

logger = logging.getLogger("pettube.upload")

REFUSED, QUEUED, UPLOADING, COMPLETING, DONE, FAILED, CANCELED = (
    "refused", "queued", "uploading", "completing", "done", "failed", "canceled"
)
ACTIVE = frozenset({QUEUED, UPLOADING, COMPLETING})


class UploadError(Exception):
    """An upload step failed in a way a person should read about."""


class TransientError(UploadError):
    """The network or the service failed for now; trying again can help."""


class PartError(TransientError):
    """Sending one part failed; ``retryable`` says whether trying again can help."""

    def __init__(self, message: str, retryable: bool = True) -> None:
        super().__init__(message)
        self.retryable = retryable


class MultipartApi(Protocol):
    """S3 multipart control calls, made with the signed-in user's credentials."""

    def create(self, key: str, content_type: str) -> str: ...
    def list_parts(self, key: str, upload_id: str) -> dict[int, tuple[str, int]] | None: ...
    def presign_part(self, key: str, upload_id: str, number: int) -> str: ...
    def complete(self, key: str, upload_id: str, etags: dict[int, str]) -> None: ...
    def abort(self, key: str, upload_id: str) -> None: ...


class PartSender(Protocol):
    """Sends one byte range of the source to a presigned URL; returns the part's ETag."""

    async def send(
        self, url: str, source: Any, part: Part, on_progress: Callable[[int], None]
    ) -> str: ...


class ResumeStore(Protocol):
    """Keeps unfinished uploads by file fingerprint across reloads."""

    def get(self, key: str) -> dict[str, Any] | None: ...
    def put(self, key: str, record: dict[str, Any]) -> None: ...
    def delete(self, key: str) -> None: ...
    def items(self) -> list[tuple[str, dict[str, Any]]]: ...


@dataclass
class Upload:
    """One file on its way to S3, as the page shows it."""

    local_id: str
    name: str
    size: int
    content_type: str
    source: Any = field(repr=False)
    owner_id: str
    fingerprint: str
    status: str = QUEUED
    message: str = ""
    video_id: str = ""
    key: str = ""
    upload_id: str = ""
    part_size: int = 0
    resumed_bytes: int = 0
    meter: ProgressMeter = field(init=False)

    def __post_init__(self) -> None:
        self.meter = ProgressMeter(self.size)

    @property
    def can_cancel(self) -> bool:
        """Cancel is offered while bytes may still be sent."""
        return self.status in (QUEUED, UPLOADING)

    @property
    def can_retry(self) -> bool:
        """Retry is offered after a failure (it resumes from the parts already in S3)."""
        return self.status == FAILED


class Uploader:
    """Runs uploads: a shared limit of parts in flight, per-part retries with backoff."""

    def __init__(
        self,
        api: MultipartApi,
        sender: PartSender,
        store: ResumeStore,
        on_change: Callable[[Upload], None],
        *,
        parts_in_flight: int = 4,
        attempts: int = 6,
        sleep: Callable[[float], Any] = asyncio.sleep,
        clock: Callable[[], float] = time.monotonic,
        jitter: Callable[[], float] = random.random,
    ) -> None:
        self.api = api
        self.sender = sender
        self.store = store
        self.on_change = on_change
        self.parts_in_flight = parts_in_flight
        self.attempts = attempts
        self._sleep = sleep
        self._clock = clock
        self._jitter = jitter
        self._slots = asyncio.Semaphore(parts_in_flight)
        self._tasks: dict[str, asyncio.Task[None]] = {}
        self._ids = itertools.count(1)
        self.uploads: dict[str, Upload] = {}

    def add(
        self,
        source: Any,
        *,
        name: str,
        size: int,
        content_type: str,
        last_modified: int,
        identity_id: str,
        max_bytes: int,
    ) -> Upload:
        """Accept a chosen file: refuse it at once, or start sending it."""
        upload = Upload(
            local_id=f"u{next(self._ids)}",
            name=name,
            size=size,
            content_type=content_type,
            source=source,
            owner_id=identity_id,
            fingerprint=fingerprint(identity_id, name, size, last_modified),
        )
        self.uploads[upload.local_id] = upload
        reason = refusal(name, content_type, size, max_bytes)
        if reason:
            upload.status, upload.message = REFUSED, reason
            self.on_change(upload)
            return upload
        self._start(upload)
        return upload

    def cancel(self, local_id: str) -> None:
        """Stop an upload: in-flight parts are aborted, the S3 upload is discarded."""
        task = self._tasks.get(local_id)
        if task and not task.done():
            task.cancel()

    def retry(self, local_id: str) -> None:
        """Try a failed upload again, keeping the parts S3 already has."""
        upload = self.uploads.get(local_id)
        if upload and upload.can_retry:
            self._start(upload)

    def retry_failed(self) -> None:
        """Resume every failed upload (the browser came back online)."""
        for upload in list(self.uploads.values()):
            self.retry(upload.local_id)

    async def wait(self) -> None:
        """Return when every running upload has finished one way or another."""
        while pending := [task for task in self._tasks.values() if not task.done()]:
            await asyncio.gather(*pending, return_exceptions=True)

    def _start(self, upload: Upload) -> None:
        upload.status, upload.message = QUEUED, ""
        self.on_change(upload)
        self._tasks[upload.local_id] = asyncio.ensure_future(self._run(upload))

    async def _run(self, upload: Upload) -> None:
        try:
            etags = await self._send(upload)
            upload.status = COMPLETING
            self.on_change(upload)
            await self._retrying(self.api.complete, upload.key, upload.upload_id, etags)
            self.store.delete(upload.fingerprint)
            upload.meter.record(upload.size, self._clock())
            upload.status = DONE
        except asyncio.CancelledError:
            self._discard(upload)
            upload.status, upload.message = CANCELED, "Canceled."
        except TransientError as exc:
            upload.status = FAILED
            upload.message = f"{exc} Retry to continue from where it stopped."
        except Exception as exc:  # noqa: BLE001 - every failure must reach the person
            logger.warning("upload failed", extra={"video_id": upload.video_id, "error": repr(exc)[:300]})
            upload.status, upload.message = FAILED, f"Upload failed: {exc}"
        self.on_change(upload)

    async def _send(self, upload: Upload) -> dict[int, str]:
        """Start or resume the multipart upload and send every missing part."""
        have = await self._resume(upload)
        if not upload.upload_id:
            upload.video_id = new_video_id()
            upload.key = object_key(upload.owner_id, upload.video_id, upload.name)
            upload.part_size = part_size_for(upload.size)
            upload.upload_id = await self._retrying(self.api.create, upload.key, upload.content_type or "video/mp4")
            self.store.put(upload.fingerprint, self._record(upload))
        parts = plan_parts(upload.size, upload.part_size)
        etags = {n: etag for n, (etag, size) in have.items() if size == parts[n - 1].size}
        sent = {p.number: p.size for p in parts if p.number in etags}
        upload.resumed_bytes = sum(sent.values())
        upload.status = UPLOADING
        upload.meter.record(upload.resumed_bytes, self._clock())
        self.on_change(upload)
        queue = [p for p in parts if p.number not in etags]
        workers = [self._worker(upload, queue, sent, etags) for _ in range(min(self.parts_in_flight, len(queue)))]
        await asyncio.gather(*workers)
        return etags

    async def _resume(self, upload: Upload) -> dict[int, tuple[str, int]]:
        """Pick up a stored upload of the same file if S3 still has it."""
        record = self._record(upload) if upload.upload_id else self.store.get(upload.fingerprint)
        if record is None:
            return {}
        have = await self._retrying(self.api.list_parts, record["key"], record["upload_id"])
        if have is None:  # expired or aborted meanwhile: start afresh
            self.store.delete(upload.fingerprint)
            upload.upload_id = ""
            return {}
        upload.key, upload.upload_id = record["key"], record["upload_id"]
        upload.video_id, upload.part_size = record["video_id"], record["part_size"]
        return have

    async def _worker(self, upload: Upload, queue: list[Part], sent: dict[int, int], etags: dict[int, str]) -> None:
        while queue:
            part = queue.pop(0)
            async with self._slots:
                etags[part.number] = await self._send_part(upload, part, sent)
            sent[part.number] = part.size
            self._progress(upload, sent)

    async def _send_part(self, upload: Upload, part: Part, sent: dict[int, int]) -> str:
        """Send one part, retrying with backoff; each attempt gets a freshly signed URL."""
        for attempt in range(1, self.attempts + 1):
            url = self.api.presign_part(upload.key, upload.upload_id, part.number)

            def on_progress(loaded: int, number: int = part.number) -> None:
                sent[number] = loaded
                self._progress(upload, sent)

            try:
                return await self.sender.send(url, upload.source, part, on_progress)
            except PartError as exc:
                sent.pop(part.number, None)
                if not exc.retryable or attempt == self.attempts:
                    raise
                await self._sleep(retry_delay(attempt, self._jitter()))
        raise PartError("No attempts left.")  # only reached with attempts < 1

    async def _retrying(self, call: Callable[..., Any], *args: Any) -> Any:
        """An S3 control call, tried again with backoff while the connection is down."""
        for attempt in range(1, self.attempts + 1):
            try:
                return call(*args)
            except TransientError:
                if attempt == self.attempts:
                    raise
                await self._sleep(retry_delay(attempt, self._jitter()))
        raise TransientError("No attempts left.")  # only reached with attempts < 1

    def _progress(self, upload: Upload, sent: dict[int, int]) -> None:
        upload.meter.record(sum(sent.values()), self._clock())
        self.on_change(upload)

    def _discard(self, upload: Upload) -> None:
        """Forget a canceled upload everywhere, so S3 keeps no orphan parts."""
        self.store.delete(upload.fingerprint)
        if upload.upload_id:
            try:
                self.api.abort(upload.key, upload.upload_id)
            except Exception:  # noqa: BLE001 - the bucket's lifecycle rule cleans up later
                logger.info("abort failed", extra={"video_id": upload.video_id})

    @staticmethod
    def _record(upload: Upload) -> dict[str, Any]:
        return {
            "key": upload.key,
            "upload_id": upload.upload_id,
            "video_id": upload.video_id,
            "part_size": upload.part_size,
            "name": upload.name,
            "size": upload.size,
        }
