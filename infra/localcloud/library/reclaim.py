"""Object files nothing names any more are deleted while the cloud runs, not only at the next start.

A deleted video, or a multipart upload's parts once the object is assembled (or the upload
aborted), leave files behind: a family that uploads and deletes gigabytes would otherwise
hold them twice until a restart. The files named are those of every object version and
every part of every upload under way, read while no change to S3 is under way, so the saved
library names exactly what memory holds (the journal commits each change before the change
counts as done): a crash at any moment restarts from a library whose every file is on disk.
A file written or reused after that reading may be named by now: it is kept, and looked at
again a little later. A backup (another process) holds ``reclaim.lock`` shared while it copies,
and files are deleted only under it exclusively: every file the backup's copy of the database
names is still there when the backup copies the files.
"""

from __future__ import annotations

import fcntl
import logging
import os
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from localcloud.library import paging
from localcloud.library.blobs import BlobStore

log = logging.getLogger("localcloud.library")
# Filesystem times lag the clock by up to a tick: a file this much older than the reading counts as new.
CLOCK_MARGIN = 2.0
PAUSE_NAME = "reclaim.lock"  # in the state directory: held shared by a backup, exclusively to delete
BACKUP_WAIT = 5.0  # a pass that found a backup under way tries again this much later


@contextmanager
def paused(state_dir: Path) -> Iterator[None]:
    """No object file of ``state_dir`` is deleted while this is held (by a backup, in any process)."""
    fd = os.open(state_dir / PAUSE_NAME, os.O_RDWR | os.O_CREAT, 0o600)
    try:
        fcntl.flock(fd, fcntl.LOCK_SH)
        yield
    finally:
        os.close(fd)  # closing drops the flock


@contextmanager
def _unless_paused(state_dir: Path) -> Iterator[bool]:
    """True (and the pause lock held exclusively) unless a backup holds it now."""
    fd = os.open(state_dir / PAUSE_NAME, os.O_RDWR | os.O_CREAT, 0o600)
    try:
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            yield False
            return
        yield True
    finally:
        os.close(fd)


def named_digests(s3_regions: dict[str, Any]) -> set[str]:
    """The files moto's S3 backends (region -> backend) name: every version of every key, every part."""
    named: set[str] = set()
    for backend in list(s3_regions.values()):
        for bucket in list(backend.buckets.values()):
            named.update(digest.hex() for digest in paging.digests(bucket.keys))
            parts = [part for upload in list(bucket.multiparts.values()) for part in list(upload.parts.values())]
            named.update(blob.digest for part in parts if (blob := getattr(part, "_blob", None)) is not None)
    return named


class Reclaimer:
    """A thread that deletes unnamed object files after a change let go of some.

    The journal wraps each S3 change in ``changing()`` and calls ``released()`` after one
    that may have let go of files (a delete, a completed or aborted multipart upload).
    """

    def __init__(self, store: BlobStore, named: Callable[[], set[str]], state_dir: Path) -> None:
        self._store = store
        self._state_dir = state_dir
        self._named = named
        self._quiet = threading.Condition()
        self._changing = 0
        self._wanted = threading.Event()
        self._closed = False
        self._thread = threading.Thread(target=self._run, name="library-reclaim", daemon=True)
        self._thread.start()

    @contextmanager
    def changing(self) -> Iterator[None]:
        """Around one S3 change, from its first effect in memory until it is saved."""
        with self._quiet:
            self._changing += 1
        try:
            yield
        finally:
            with self._quiet:
                self._changing -= 1
                self._quiet.notify_all()

    def released(self) -> None:
        """A change may have let go of object files: look once S3 is quiet."""
        self._wanted.set()

    def reclaim_now(self) -> tuple[int, int] | None:
        """Wait until no S3 change is under way, read what is named, delete the rest.

        How many files went, and how many unnamed files were kept as too new to judge;
        None when a backup is under way (nothing is deleted then).
        """
        with self._quiet:  # held while reading: a change that starts now waits the few ms it takes
            self._quiet.wait_for(lambda: self._changing == 0 or self._closed)
            if self._closed:
                return 0, 0
            since = time.time() - CLOCK_MARGIN
            named = self._named()
        # Only the deleting excludes a backup: a backup's copy of the database made since the
        # reading names none of these files either (a reused one is recent, and kept).
        with _unless_paused(self._state_dir) as free:
            if not free:
                return None
            removed, recent = self._store.discard_unnamed(named, since)
        if removed:
            log.info("removed %d object file(s) no object names any more", removed)
        return removed, recent

    def _run(self) -> None:
        again: float | None = None  # unnamed files too new to judge: look again after the margin
        while True:
            self._wanted.wait(again)
            if self._closed:
                return
            self._wanted.clear()
            try:
                outcome = self.reclaim_now()
                again = BACKUP_WAIT if outcome is None else CLOCK_MARGIN if outcome[1] else None
            except Exception:  # a failed pass leaves files for the next one (or the next start): never a crash
                log.exception("reclaiming object files failed; they stay until the next pass")
                again = None

    def close(self) -> None:
        with self._quiet:
            self._closed = True
            self._quiet.notify_all()
        self._wanted.set()
        self._thread.join(timeout=10)
