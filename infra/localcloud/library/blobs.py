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
        """Store ``data`` (durably once ``sync`` returns); its SHA-256, hex.

        Bytes already stored are not written again, but their file's time is renewed: an
        object about to name it must not lose it to ``discard_unnamed`` meanwhile.
        """
        digest = hashlib.sha256(data).hexdigest()
        with self._lock:
            try:
                os.utime(self.path(digest))
                return digest
            except FileNotFoundError:
                pass
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
        with self._lock:
            tmp.replace(target)  # equal bytes: the same file, replaced by itself (with a new time)
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

    def discard_unnamed(self, named: set[str], since: float) -> tuple[int, int]:
        """Delete the files not in ``named`` last written or reused before ``since`` (a time.time()).

        ``named`` was read at ``since``: a file written or reused after that may be named by
        now, and is kept. How many files went, and how many unnamed ones were kept so.
        """
        removed = recent = 0
        for digest in self.digests() - named:
            path = self.path(digest)
            with self._lock:  # no put() can reuse the file between this look and the unlink
                try:
                    if path.stat().st_mtime >= since:
                        recent += 1
                    else:
                        path.unlink()
                        removed += 1
                except FileNotFoundError:
                    pass
        return removed, recent

    def clear_leftovers(self) -> None:
        """Delete the writes a crash interrupted (only while nothing writes: at start)."""
        for leftover in (self.root / TMP_DIR).iterdir():
            leftover.unlink(missing_ok=True)

    def collect(self, keep: set[str]) -> int:
        """Delete every blob not in ``keep`` (only while nothing writes: at start); how many blobs went."""
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
