"""Keep the local cloud's data across restarts: moto's backends saved under .pettube/.

moto keeps everything in memory and forgets it on exit (so does LocalStack's
free edition). An S3 object's bytes go to disk once, when the object is written
(library/blobs.py); everything else moto holds is snapshotted to one file, on a
clean stop and in the background a few seconds after anything changed, so a
crash (``kill -9``) loses at most the last few seconds. The snapshot is written
to a temporary file and renamed, so a crash mid-write leaves the previous one
whole; it names object files, whose renames are made durable before it is.

A saved library is never overwritten by a cloud that could not read it: a file
that cannot be read, or that an unknown format wrote, stops the start with a
message naming the file and the ways out; the previous format is migrated and
kept aside. One cloud at a time holds a state directory (an advisory lock the
kernel drops when the process dies, even by ``kill -9``). At start, object
files no saved object names (overwritten, deleted, or written after the last
save before a crash) are removed.

moto's models hold a few objects pickle cannot copy (locks, condition
variables, RSA keys of user pools); a Pickler with a private dispatch table
rebuilds those instead of copying them.
"""

from __future__ import annotations

import copyreg
import fcntl
import io
import logging
import os
import pickle
import threading
from collections.abc import Callable
from pathlib import Path
from typing import Any

from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa

from localcloud.library import s3keys
from localcloud.library.blobs import BlobStore, fsync_directory

log = logging.getLogger("localcloud.persistence")

# What PetTube stores in moto; STS and IAM hold nothing worth keeping. Pickled in this order,
# while requests go on: records before the objects they name, so a saved record's objects
# (written before it) are saved too.
SERVICES = {
    "dynamodb": ("moto.dynamodb.models", "dynamodb_backends"),
    "s3": ("moto.s3.models", "s3_backends"),
    "sqs": ("moto.sqs.models", "sqs_backends"),
    "events": ("moto.events.models", "events_backends"),
    "cognito-idp": ("moto.cognitoidp.models", "cognitoidp_backends"),
}
# 1: object bytes inline (migrated on load); 2: object bytes in the blob store under OBJECTS_DIR.
FORMAT_VERSION = 2
READABLE_VERSIONS = (1, 2)
STATE_NAME = "moto-state.pickle"
OBJECTS_DIR = "objects"
LOCK_NAME = "library.lock"


class SavedStateError(Exception):
    """The saved library cannot be used as it is; the message names the file and what to do."""


class LibraryLock:
    """Exclusive use of a state directory while a cloud runs on it (or a restore writes it).

    ``flock`` rather than a pid file: the kernel releases it when the holder dies, so a
    crashed cloud never leaves a stale lock behind.
    """

    def __init__(self, state_dir: Path) -> None:
        self.path = state_dir / LOCK_NAME
        self._fd: int | None = None

    def acquire(self) -> bool:
        """Take the lock if nobody holds it; False when another process (or cloud) does."""
        self.path.parent.mkdir(parents=True, exist_ok=True)
        fd = os.open(self.path, os.O_RDWR | os.O_CREAT, 0o600)
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            os.close(fd)
            return False
        self._fd = fd
        return True

    def release(self) -> None:
        if self._fd is not None:
            os.close(self._fd)  # closing drops the flock
            self._fd = None


def _ways_out(path: Path) -> str:
    return (f"The file was left as it is. To start anyway: restore a backup "
            f"(`python -m localcloud restore <backup dir>`), or move the file aside "
            f"(`mv {path} {path}.unreadable`) to start with an empty library, or run with another "
            f"state directory (`PETTUBE_STATE_DIR=<dir> make dev`).")


def _new_lock() -> Any:
    return threading.RLock()


def _new_condition() -> threading.Condition:
    return threading.Condition()


def _load_private_key(pem: bytes) -> rsa.RSAPrivateKey:
    return serialization.load_pem_private_key(pem, password=None)  # type: ignore[return-value]


def _reduce_private_key(key: rsa.RSAPrivateKey) -> tuple[Callable[..., Any], tuple[bytes]]:
    pem = key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                            serialization.NoEncryption())
    return _load_private_key, (pem,)


class _StatePickler(pickle.Pickler):
    dispatch_table = copyreg.dispatch_table.copy()
    dispatch_table[type(threading.RLock())] = lambda _: (_new_lock, ())
    dispatch_table[type(threading.Lock())] = lambda _: (_new_lock, ())
    dispatch_table[threading.Condition] = lambda _: (_new_condition, ())

    def reducer_override(self, obj: Any) -> Any:
        if isinstance(obj, rsa.RSAPrivateKey):
            return _reduce_private_key(obj)
        return NotImplemented


def _backends() -> dict[str, Any]:
    import importlib

    return {name: getattr(importlib.import_module(module), attr) for name, (module, attr) in SERVICES.items()}


class MotoState:
    """Saves and restores one account's moto backends to ``path``.

    ``load`` first, then ``save``: a state that has not been loaded (or could not be)
    is never written over the file, and ``close`` gives the state directory back.
    """

    def __init__(self, path: Path, account_id: str) -> None:
        self.path = path
        self.account_id = account_id
        self._lock = threading.Lock()
        self._directory = LibraryLock(path.parent)
        self._blobs: BlobStore | None = None  # the state directory's object files, once loaded
        self._previous_store: BlobStore | None = None
        self._writable = False

    def load(self) -> bool:
        """Put the saved backends back; False when nothing is saved yet.

        Raises SavedStateError when another cloud holds the state directory, or the saved
        file cannot be read or comes from an unknown format: it is never overwritten. A
        file of the previous format (object bytes inline) is migrated, and kept aside.
        """
        if not self._directory.acquire():
            raise SavedStateError(
                f"another local cloud is using {self.path.parent} (it holds {self._directory.path}). "
                f"Stop it first, or run with another state directory (`PETTUBE_STATE_DIR=<dir> make dev`).")
        self._blobs = BlobStore(self.path.parent / OBJECTS_DIR)
        self._previous_store = s3keys.use(self._blobs)
        if not self.path.exists():
            self._writable = True
            return False
        s3keys.start_loading()
        try:
            with open(self.path, "rb") as saved:
                snapshot = pickle.load(saved)  # noqa: S301 - our own file, written by save()
            version = snapshot.get("version") if isinstance(snapshot, dict) else None
        except Exception as exc:
            self.close()
            raise SavedStateError(f"the saved library {self.path} cannot be read ({type(exc).__name__}: "
                                  f"{exc}). {_ways_out(self.path)}") from exc
        if version not in READABLE_VERSIONS:
            self.close()
            raise SavedStateError(
                f"the saved library {self.path} was written in format {version!r}; this local cloud "
                f"reads formats {READABLE_VERSIONS}. Run the version of PetTube that wrote it. {_ways_out(self.path)}")
        backends = _backends()
        for name, regions in snapshot["services"].items():
            for region, backend in regions.items():
                backends[name][self.account_id][region] = backend
        self._writable = True
        if version != FORMAT_VERSION:
            self._migrate(version)
        self._collect_garbage(s3keys.named_digests())
        return True

    def _migrate(self, version: int) -> None:
        """Save the loaded state in today's format, keeping the previous file under another name."""
        kept = self.path.with_name(f"{self.path.name}.v{version}")
        serial = 1
        while kept.exists() and not kept.samefile(self.path):
            serial += 1
            kept = self.path.with_name(f"{self.path.name}.v{version}-{serial}")
        if not kept.exists():
            os.link(self.path, kept)
        self.save()
        log.warning("migrated the saved library %s from format %s to %s (object bytes now in %s); the previous "
                    "file is kept as %s: delete it once the library looks right", self.path, version,
                    FORMAT_VERSION, self._blobs.root, kept)

    def _collect_garbage(self, named: set[str]) -> None:
        """Delete the blobs the saved state does not name: overwritten, deleted, or written after its save."""
        if not named:
            return  # a state naming no blob at all keeps the store as it is, rather than empty it
        removed = self._blobs.collect(keep=named)
        if removed:
            log.info("removed %d object files no saved object names", removed)

    def save(self) -> None:
        if not self._writable:
            raise SavedStateError(f"refusing to write {self.path}: the saved library was not loaded first")
        snapshot = {"version": FORMAT_VERSION,
                    "services": {name: dict(backends[self.account_id]) for name, backends in _backends().items()}}
        buffer = io.BytesIO()
        for attempt in range(5):  # a request may change a dict while it is being copied
            try:
                buffer.seek(0)
                buffer.truncate()
                _StatePickler(buffer, protocol=pickle.HIGHEST_PROTOCOL).dump(snapshot)
                break
            except RuntimeError:
                if attempt == 4:
                    raise
        with self._lock:
            self._blobs.sync()  # every blob the snapshot names is on disk before the snapshot is
            tmp = self.path.with_suffix(".tmp")
            with open(os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600), "wb") as out:
                out.write(buffer.getbuffer())
                out.flush()
                os.fsync(out.fileno())
            tmp.replace(self.path)
            fsync_directory(self.path.parent)

    def close(self) -> None:
        """Give the state directory back (after the last save)."""
        self._writable = False
        if self._blobs is not None:
            s3keys.stop_using(self._blobs, self._previous_store)
        self._directory.release()


class Autosaver:
    """Saves the state shortly after it changes, off the request path."""

    def __init__(self, state: MotoState, changes: Callable[[], int], interval: float) -> None:
        self._state = state
        self._changes = changes  # a counter of requests that may have changed the state
        self._saved_at = changes()
        self._interval = interval
        self._stopping = threading.Event()
        self._thread = threading.Thread(target=self._run, name="autosave", daemon=True)

    def start(self) -> None:
        self._thread.start()

    def _run(self) -> None:
        while not self._stopping.wait(self._interval):
            now = self._changes()
            if now != self._saved_at:
                try:
                    self._state.save()
                    self._saved_at = now
                except Exception:
                    log.exception("saving the local cloud's state failed; will retry")

    def stop(self) -> None:
        self._stopping.set()
        self._thread.join(timeout=30)
