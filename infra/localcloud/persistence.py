"""Keep the local cloud's data across restarts: moto's backends saved under .pettube/.

moto keeps everything in memory and forgets it on exit (so does LocalStack's
free edition). PetTube snapshots the backends it uses to one file: on a clean
stop, and in the background a few seconds after anything changed, so a crash
(``kill -9``) loses at most the last few seconds. The snapshot is written to a
temporary file and renamed, so a crash mid-write leaves the previous one whole.

moto's models hold a few objects pickle cannot copy (locks, condition
variables, RSA keys of user pools); a Pickler with a private dispatch table
rebuilds those instead of copying them.
"""

from __future__ import annotations

import copyreg
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

log = logging.getLogger("localcloud.persistence")

# What PetTube stores in moto; STS and IAM hold nothing worth keeping.
SERVICES = {
    "s3": ("moto.s3.models", "s3_backends"),
    "dynamodb": ("moto.dynamodb.models", "dynamodb_backends"),
    "sqs": ("moto.sqs.models", "sqs_backends"),
    "events": ("moto.events.models", "events_backends"),
    "cognito-idp": ("moto.cognitoidp.models", "cognitoidp_backends"),
}
FORMAT_VERSION = 1


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
    """Saves and restores one account's moto backends to ``path``."""

    def __init__(self, path: Path, account_id: str) -> None:
        self.path = path
        self.account_id = account_id
        self._lock = threading.Lock()

    def save(self) -> None:
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
            self.path.parent.mkdir(parents=True, exist_ok=True)
            tmp = self.path.with_suffix(".tmp")
            with open(tmp, "wb") as out:
                out.write(buffer.getbuffer())
                out.flush()
                os.fsync(out.fileno())
            tmp.replace(self.path)

    def load(self) -> bool:
        """Put the saved backends back; False when there is nothing (or nothing usable) saved."""
        if not self.path.exists():
            return False
        try:
            with open(self.path, "rb") as saved:
                snapshot = pickle.load(saved)  # noqa: S301 - our own file, written by save()
        except Exception as exc:
            log.warning("could not read the saved state %s (%s); starting empty", self.path, exc)
            return False
        if snapshot.get("version") != FORMAT_VERSION:
            log.warning("saved state %s is from another version; starting empty", self.path)
            return False
        backends = _backends()
        for name, regions in snapshot["services"].items():
            for region, backend in regions.items():
                backends[name][self.account_id][region] = backend
        return True


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
