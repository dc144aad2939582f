"""A restored bucket's objects load when something first asks for them, not all before the cloud is up.

A family's library holds tens of thousands of objects (40,000 at 10 GB: every video's
original, renditions, stream and thumbnail), about 30 µs each to unpickle. Nothing a start
does needs them: the page comes from the site bucket, sign-in from the user pools, the
gallery from DynamoDB. So a bucket restored from the library starts with its objects
pending: ``FakeBucket.keys`` becomes a property that loads them the first time any code
(moto's or ours) reads it, once, whichever thread asks first, while the others wait for
it. After the start, ``load_all`` loads every bucket still pending in the background.

What reads a bucket without loading it uses ``stored``: the journal, which saves a
pending bucket's service row (its objects are rows of their own, unchanged while
pending) and matches a request's changes (made only to loaded buckets).
"""

from __future__ import annotations

import gc
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any

from moto.s3.models import FakeBucket
from moto.s3.utils import _VersionedKeyStore

from localcloud.awserrors import AwsError


class UnreadableBucket(AwsError):
    """A bucket's saved objects cannot be read: the bucket stays pending and its rows as they are; the
    request that asked for them gets S3's InternalError with this message (the edge answers it)."""

    code = "InternalError"
    status = 500


class PendingObjects:
    """A bucket's objects, still in the library: ``container`` names their rows."""

    __slots__ = ("container", "_load", "_lock", "_loaded")

    def __init__(self, container: tuple[str, str, str], load: Callable[[], _VersionedKeyStore]) -> None:
        self.container = container
        self._load = load
        self._lock = threading.Lock()
        self._loaded: _VersionedKeyStore | None = None

    def resolve(self) -> _VersionedKeyStore:
        """The objects, loaded by the first caller; the others wait for that load and get the same store."""
        with self._lock:
            if self._loaded is None:
                try:
                    with _no_collection():
                        self._loaded = self._load()
                except Exception as exc:
                    raise UnreadableBucket(f"the saved objects of bucket {self.container[2]} cannot be read "
                                           f"({type(exc).__name__}: {exc}); they are kept as they are") from exc
            return self._loaded


@contextmanager
def _no_collection() -> Iterator[None]:
    """No garbage collection pass while a bucket's many small objects are made (they are all kept)."""
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()


def stored(bucket: FakeBucket) -> _VersionedKeyStore | PendingObjects:
    """The bucket's objects as they are now: loaded, or still pending (nothing is loaded)."""
    return bucket.__dict__["keys"]  # type: ignore[no-any-return]


def _loaded_keys(bucket: FakeBucket) -> _VersionedKeyStore:
    keys = bucket.__dict__["keys"]
    if type(keys) is PendingObjects:
        keys = keys.resolve()
        bucket.__dict__["keys"] = keys
    return keys  # type: ignore[no-any-return]


def _set_keys(bucket: FakeBucket, keys: _VersionedKeyStore | PendingObjects) -> None:
    bucket.__dict__["keys"] = keys


def install() -> None:
    """Make ``FakeBucket.keys`` load pending objects when read (idempotent; a loaded bucket answers as before)."""
    if not isinstance(FakeBucket.__dict__.get("keys"), property):
        FakeBucket.keys = property(_loaded_keys, _set_keys)  # type: ignore[attr-defined]


def load_all(s3_regions: dict[str, Any], stop: threading.Event | None = None) -> int:
    """Load every bucket whose objects are still pending (S3 backends by region), unless ``stop`` is set
    first; how many buckets it loaded."""
    loaded = 0
    for backend in list(s3_regions.values()):
        for bucket in list(backend.buckets.values()):
            if stop is not None and stop.is_set():
                return loaded
            if type(stored(bucket)) is PendingObjects:
                _loaded_keys(bucket)
                loaded += 1
    return loaded


def forget_pending(s3_regions: dict[str, Any]) -> None:
    """The library closes: buckets still pending hold no objects in memory from now on (moto's reset,
    which disposes every object, must not load them from a library given back)."""
    for backend in list(s3_regions.values()):
        for bucket in list(backend.buckets.values()):
            if type(stored(bucket)) is PendingObjects:
                bucket.__dict__["keys"] = _VersionedKeyStore()
