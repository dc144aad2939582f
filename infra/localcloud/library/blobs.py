"""Object bytes on disk, once: immutable files named by their SHA-256.

An object's bytes are written when the object is written (fsynced, then renamed
into place), and never again: the saved state holds only the name. Equal bytes
share one file. A file is never changed in place, so a crash leaves either the
whole file or none, a backup copied while the cloud runs is consistent, and
``sync`` makes the renames durable before a saved state may name them.
"""

from __future__ import annotations

import hashlib
import os
import threading
import uuid
from collections.abc import Iterable, Iterator
from pathlib import Path

TMP_DIR = "incoming"
CHUNK = 1 << 20


class BlobStore:
    """The files under ``root``: ``root/ab/abcdef…`` for the blob whose SHA-256 is ``abcdef…``."""

    def __init__(self, root: Path) -> None:
        self.root = root
        self._unsynced: set[Path] = set()
        self._lock = threading.Lock()
        root.mkdir(mode=0o700, parents=True, exist_ok=True)  # the family's videos: their owner's alone
        (root / TMP_DIR).mkdir(mode=0o700, exist_ok=True)

    def path(self, digest: str) -> Path:
        return self.root / digest[:2] / digest

    def put(self, data: bytes) -> str:
        """Store ``data`` (durably once ``sync`` returns); its SHA-256, hex."""
        digest = hashlib.sha256(data).hexdigest()
        if self.path(digest).exists():
            return digest
        return self._write((data,))[0]

    def put_chunks(self, chunks: Iterable[bytes]) -> tuple[str, int]:
        """Store the bytes of ``chunks`` one chunk at a time, never all of them in memory; SHA-256 and size."""
        return self._write(chunks)

    def _write(self, chunks: Iterable[bytes]) -> tuple[str, int]:
        digest, size = hashlib.sha256(), 0
        tmp = self.root / TMP_DIR / f"{uuid.uuid4().hex}.tmp"
        with open(tmp, "wb") as out:
            for chunk in chunks:
                digest.update(chunk)
                size += len(chunk)
                out.write(chunk)
            out.flush()
            os.fsync(out.fileno())
        target = self.path(digest.hexdigest())
        target.parent.mkdir(exist_ok=True)
        tmp.replace(target)  # equal bytes: the same file, replaced by itself
        with self._lock:
            self._unsynced.add(target.parent)
        return digest.hexdigest(), size

    def read(self, digest: str) -> bytes:
        return self.path(digest).read_bytes()

    def chunks(self, digest: str) -> Iterator[bytes]:
        """The blob's bytes, a chunk at a time."""
        with open(self.path(digest), "rb") as blob:
            while chunk := blob.read(CHUNK):
                yield chunk

    def sync(self) -> None:
        """Make every rename so far durable (called before a saved state names the blobs)."""
        with self._lock:
            directories, self._unsynced = self._unsynced, set()
        for directory in directories:
            fsync_directory(directory)

    def digests(self) -> set[str]:
        return {entry.name for directory in os.scandir(self.root) if len(directory.name) == 2
                for entry in os.scandir(directory.path) if len(entry.name) == 64}

    def collect(self, keep: set[str]) -> int:
        """Delete every blob not in ``keep``, and writes a crash interrupted; how many blobs went."""
        for leftover in (self.root / TMP_DIR).iterdir():
            leftover.unlink(missing_ok=True)
        garbage = self.digests() - keep
        for digest in garbage:
            self.path(digest).unlink(missing_ok=True)
        return len(garbage)


def fsync_directory(directory: Path) -> None:
    """Make a rename in ``directory`` durable: without it a power loss may undo the rename."""
    fd = os.open(directory, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)
