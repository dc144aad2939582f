"""A restored bucket's objects and table's items load when something first asks for them, not before the
cloud is up.

A family's library holds tens of thousands of records (at 10 GB: 100,000 objects, ten a video:
its original, its stream's segment files and playlists, an MP4 and a thumbnail; and 10,000
items), about 30 µs each to unpickle. A start needs none of them: the page comes from the
site bucket, sign-in from the user pools. So a bucket or table restored from the library
starts with its records pending: ``FakeBucket.keys`` and ``Table.items`` become properties
that load them the first time any code (moto's or ours) reads them, once, whichever thread
asks first, while the others wait for it (a bucket's objects then wait on disk, library/paging.py: what
loads is their names and digests). A table pending answers its item count (DescribeTable's ItemCount) from
the library. After the start, ``load_all`` loads whatever is still pending in the background,
tables first (the gallery's listing reads one).

What reads a bucket or table without loading it uses ``stored``: the journal, which saves
a pending one's service row (its records are rows of their own, unchanged while pending)
and matches a request's changes (made only to loaded ones).
"""

from __future__ import annotations

import gc
import logging
import threading
from collections import defaultdict
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from typing import Any

from moto.dynamodb.models.table import Table
from moto.s3.models import FakeBucket
from moto.s3.utils import _VersionedKeyStore

from localcloud.awserrors import AwsError

log = logging.getLogger("localcloud.library")

# Where each kind of holder keeps its records, and what it holds when it has none.
_RECORDS: dict[type, tuple[str, Callable[[], Any]]] = {
    FakeBucket: ("keys", _VersionedKeyStore),
    Table: ("items", lambda: defaultdict(dict)),
}
_MOTO_TABLE_LEN = Table.__len__


class UnreadableRecords(AwsError):
    """A bucket's or table's saved records cannot be read: it stays pending and its rows as they are; the
    request that asked for them gets the service's internal error with this message (the edge answers it)."""

    status = 500


class PendingRecords:
    """A bucket's objects or a table's items, still in the library: ``container`` (kind, region, name)
    names their rows; ``count`` is how many there are."""

    __slots__ = ("container", "count", "_load", "_lock", "_loaded")

    def __init__(self, container: tuple[str, str, str], count: int, load: Callable[[], Any]) -> None:
        self.container = container
        self.count = count
        self._load = load
        self._lock = threading.Lock()
        self._loaded: Any = None

    def resolve(self) -> Any:
        """The records, loaded by the first caller; the others wait for that load and get the same ones."""
        with self._lock:
            if self._loaded is None:
                try:
                    with _no_collection():
                        self._loaded = self._load()
                except Exception as exc:
                    kind, _, name = self.container
                    what = f"objects of bucket {name}" if kind == "s3" else f"items of table {name}"
                    raise UnreadableRecords(
                        f"the saved {what} cannot be read ({type(exc).__name__}: {exc}); they are kept as they are",
                        code="InternalError" if kind == "s3" else "InternalServerError") from exc
            return self._loaded


@contextmanager
def _no_collection() -> Iterator[None]:
    """No garbage collection pass while many small objects are made (they are all kept)."""
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()


def _records_of(holder: FakeBucket | Table) -> tuple[str, Callable[[], Any]]:
    """The attribute that holds ``holder``'s records, and what it holds when there are none."""
    return next(spec for kind, spec in _RECORDS.items() if isinstance(holder, kind))


def stored(holder: FakeBucket | Table) -> Any:
    """The records of a bucket or table as they are now: loaded, or still pending (nothing is loaded)."""
    return holder.__dict__[_records_of(holder)[0]]


def is_pending(holder: FakeBucket | Table) -> bool:
    return type(stored(holder)) is PendingRecords


def _records_property(name: str) -> property:
    def loaded(holder: Any) -> Any:
        records = holder.__dict__[name]
        if type(records) is PendingRecords:
            records = records.resolve()
            holder.__dict__[name] = records
        return records

    def replace(holder: Any, records: Any) -> None:
        holder.__dict__[name] = records

    return property(loaded, replace)


def _table_len(table: Table) -> int:
    records = table.__dict__["items"]
    return records.count if type(records) is PendingRecords else _MOTO_TABLE_LEN(table)


def install() -> None:
    """Make ``FakeBucket.keys`` and ``Table.items`` load pending records when read (idempotent; loaded ones
    answer as before), and a pending table's length come from the library."""
    for kind, (name, _) in _RECORDS.items():
        if not isinstance(kind.__dict__.get(name), property):
            setattr(kind, name, _records_property(name))
    Table.__len__ = _table_len  # type: ignore[method-assign]


def load_all(holders: Iterable[FakeBucket | Table], stop: threading.Event | None = None) -> int:
    """Load the records of every holder still pending, unless ``stop`` is set first; how many it loaded.
    One that cannot be read is logged and left pending (its requests say why); the others still load."""
    loaded = 0
    for holder in holders:
        if stop is not None and stop.is_set():
            return loaded
        if is_pending(holder):
            try:
                getattr(holder, _records_of(holder)[0])
            except UnreadableRecords as error:
                log.error("%s", error.message)
                continue
            loaded += 1
    return loaded


def forget_pending(holders: Iterable[FakeBucket | Table]) -> None:
    """The library closes: holders still pending have no records in memory from now on (moto's reset, which
    disposes every object, must not load them from a library given back)."""
    for holder in holders:
        if is_pending(holder):
            name, empty = _records_of(holder)
            holder.__dict__[name] = empty()
