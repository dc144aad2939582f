"""The saved library: one SQLite database (standard library, WAL), one row per record.

A row per S3 object (its versions: metadata and the digest of its bytes, which
live in the blob store) and per DynamoDB item, and one per service for the rest
of moto's state (buckets, tables, queues, user pools: small however large the
library grows). A change writes the rows it touched in one transaction, so
saving costs what changed; SQLite's write-ahead log with ``synchronous=FULL``
makes a committed transaction survive ``kill -9`` and power loss, and a crash
mid-transaction leaves the previous state whole.
"""

from __future__ import annotations

import logging
import os
import sqlite3
import time
from collections.abc import Iterator
from pathlib import Path

from localcloud.library.blobs import fsync_directory

log = logging.getLogger("localcloud.library")

FORMAT_VERSION = 3
# kind: "s3" (container: bucket, key: object key) or "dynamodb" (container: table, key: the item's key).
_SCHEMA = """
CREATE TABLE meta (name TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE services (service TEXT PRIMARY KEY, state BLOB NOT NULL);
CREATE TABLE records (kind TEXT NOT NULL, region TEXT NOT NULL, container TEXT NOT NULL, key TEXT NOT NULL,
                      state BLOB NOT NULL, PRIMARY KEY (kind, region, container, key)) WITHOUT ROWID;
"""
# A record's row is its key and saved state, ~1.4 KB for an S3 object or a MyMedia item. A table WITHOUT ROWID
# keeps at most about a quarter of a page of a row in the page: with SQLite's 4 KB pages, every row spilled
# its last few hundred bytes into an overflow page of its own, ~4.7 KB of file a record. 16 KB pages keep rows
# up to ~4 KB whole. A library created before is rewritten with them when it is opened (``_repage``).
PAGE_SIZE = 16384
Container = tuple[str, str, str]  # kind, region, name
Record = tuple[str, str, str, str]  # kind, region, container, key


class UnreadableStore(Exception):
    """The file is not a library this code can read; the message says what it is instead."""


class Batch:
    """One transaction's writes: services' states, records written and records gone."""

    def __init__(self) -> None:
        self.services: dict[str, bytes] = {}
        self.records: dict[Record, bytes | None] = {}  # None: the record is gone
        self.dropped: set[Container] = set()  # every record of these containers is gone

    def __bool__(self) -> bool:
        return bool(self.services or self.records or self.dropped)


class LibraryStore:
    """The database at ``path``, opened for one cloud (which holds the state directory's lock)."""

    def __init__(self, connection: sqlite3.Connection, path: Path) -> None:
        self._db = connection
        self.path = path

    @classmethod
    def open(cls, path: Path) -> LibraryStore:
        """Open an existing library; UnreadableStore when it is not one, or of another format."""
        db = sqlite3.connect(path, check_same_thread=False)
        try:  # read before anything is written: a file that is not a library stays as it is
            rows = dict(db.execute("SELECT name, value FROM meta"))
        except sqlite3.DatabaseError as exc:
            db.close()
            raise UnreadableStore(f"{type(exc).__name__}: {exc}") from exc
        if rows.get("format") != str(FORMAT_VERSION):
            db.close()
            raise UnreadableStore(f"it was written in format {rows.get('format')!r}; this local cloud reads "
                                  f"format {FORMAT_VERSION}")
        page_size = db.execute("PRAGMA page_size").fetchone()[0]
        if page_size < PAGE_SIZE:
            _repage(db, path, page_size)
        return cls(_durable(db), path)

    @classmethod
    def create(cls, path: Path, first: Batch) -> LibraryStore:
        """A new library holding ``first``: built under a temporary name, then renamed into place whole."""
        tmp = path.with_name(path.name + ".tmp")
        for leftover in _files(tmp):
            leftover.unlink(missing_ok=True)
        db = sqlite3.connect(tmp, check_same_thread=False)
        db.execute(f"PRAGMA page_size = {PAGE_SIZE}")  # before the first table: it sets the file's page size
        db = _durable(db)
        with db:
            db.executescript(_SCHEMA)
            db.execute("INSERT INTO meta VALUES ('format', ?)", (str(FORMAT_VERSION),))
        store = cls(db, tmp)
        store.write(first)
        db.close()  # the last connection checkpoints the log into the file and removes it
        os.chmod(tmp, 0o600)  # the family's library: its owner's alone
        tmp.replace(path)
        fsync_directory(path.parent)
        return cls.open(path)

    def services(self) -> dict[str, bytes]:
        return dict(self._db.execute("SELECT service, state FROM services"))

    def containers(self) -> set[Container]:
        return set(self._db.execute("SELECT DISTINCT kind, region, container FROM records"))

    def count(self, kind: str, region: str, container: str) -> int:
        """How many rows one bucket or table has."""
        return self._db.execute("SELECT count(*) FROM records WHERE kind = ? AND region = ? AND container = ?",
                                (kind, region, container)).fetchone()[0]

    def records(self, kind: str, region: str, container: str) -> Iterator[tuple[str, bytes]]:
        """The rows of one bucket or table: each record's key and saved state. Over a read-only connection
        of its own, safe from any thread while saves go on (the write-ahead log gives it the last committed
        state); row by row: a bucket's rows are tens of megabytes, which a fetchall would leave in the heap."""
        db = sqlite3.connect(f"file:{self.path}?mode=ro", uri=True)
        try:
            yield from db.execute("SELECT key, state FROM records WHERE kind = ? AND region = ? AND container = ?",
                                  (kind, region, container))
        finally:
            db.close()

    def write(self, batch: Batch) -> None:
        """Apply ``batch`` in one transaction: durable when this returns, or not at all."""
        with self._db:
            for kind, region, name in batch.dropped:
                self._db.execute("DELETE FROM records WHERE kind = ? AND region = ? AND container = ?",
                                 (kind, region, name))
            self._db.executemany("INSERT OR REPLACE INTO services VALUES (?, ?)", batch.services.items())
            self._db.executemany("INSERT OR REPLACE INTO records VALUES (?, ?, ?, ?, ?)",
                                 [(*record, state) for record, state in batch.records.items() if state is not None])
            self._db.executemany("DELETE FROM records WHERE kind = ? AND region = ? AND container = ? AND key = ?",
                                 [record for record, state in batch.records.items() if state is None])

    def close(self) -> None:
        self._db.close()


def _repage(db: sqlite3.Connection, path: Path, page_size: int) -> None:
    """Rewrite a library made with smaller pages with PAGE_SIZE ones, once, before the cloud serves: a VACUUM,
    which SQLite does atomically (a crash leaves the old file whole) and which took 0.6 s for a 234 MB
    library (82 MB after). A library it cannot rewrite (a full disk) stays as it is, and works."""
    before = path.stat().st_size
    started = time.perf_counter()
    db.execute("PRAGMA journal_mode=DELETE")  # a database in WAL mode keeps its page size
    db.execute("PRAGMA synchronous=FULL")
    db.execute(f"PRAGMA page_size = {PAGE_SIZE}")
    try:
        db.execute("VACUUM")
    except sqlite3.OperationalError as exc:
        log.warning("the saved library %s keeps its %d-byte pages (%s)", path, page_size, exc)
        return
    log.info("rewrote the saved library %s with %d KB pages in %.1f s: %.0f MB, %.0f MB before", path,
             PAGE_SIZE // 1024, time.perf_counter() - started, path.stat().st_size / 2**20, before / 2**20)


def _durable(db: sqlite3.Connection) -> sqlite3.Connection:
    """Write-ahead log, fsynced at every commit: a committed change survives a crash or a power loss."""
    db.execute("PRAGMA journal_mode=WAL")
    db.execute("PRAGMA synchronous=FULL")
    return db


def _files(path: Path) -> list[Path]:
    """The database file and the log and index SQLite keeps beside it."""
    return [path, path.with_name(path.name + "-wal"), path.with_name(path.name + "-shm")]


def copy_library(source: Path, target: Path) -> None:
    """Copy the library database ``source`` to ``target`` consistently, while a cloud may be writing it."""
    db = sqlite3.connect(f"file:{source}?mode=ro", uri=True)
    copy = sqlite3.connect(target)
    try:
        db.backup(copy)
    finally:
        copy.close()
        db.close()
