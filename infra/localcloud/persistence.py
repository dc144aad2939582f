"""Keep the local cloud's data across restarts and crashes: moto's backends saved under .pettube/.

moto keeps everything in memory and forgets it on exit (so does LocalStack's
free edition). Here every request that changes moto is journaled before its
answer leaves (``Journal``, in front of moto on the edge): the S3 objects and
DynamoDB items it changed (library/changes.py), and the rest of the services it
touched, are written in one SQLite transaction (library/store.py). An object's
bytes went to disk when it was written (library/blobs.py), so saving costs what
changed, and what was acknowledged survives ``kill -9``. A crash loses at most
the requests in flight.

A saved library is never overwritten by a cloud that could not read it: a file
that cannot be read, or that an unknown format wrote, stops the start with a
message naming the file and the ways out; the previous formats (one pickle of
every backend) are migrated and kept aside. One cloud at a time holds a state
directory (an advisory lock the kernel drops when the process dies, even by
``kill -9``). A restored bucket's objects and table's items load when first asked
for, and all of them once the cloud is up (library/ondemand.py): a start does not
wait for tens of thousands of records. Then object files no saved object names
(overwritten, deleted, or written by a request a crash cut short) are removed.

moto's models hold a few objects pickle cannot copy (locks, condition
variables, RSA keys of user pools); a Pickler with a private dispatch table
rebuilds those instead of copying them.
"""

from __future__ import annotations

import copyreg
import fcntl
import gc
import io
import logging
import os
import pickle
import re
import sys
import threading
import time
from collections import defaultdict
from collections.abc import Callable, Iterable
from contextlib import nullcontext
from functools import cache, partial
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, unquote

from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from moto.dynamodb.exceptions import ResourceNotFoundException
from moto.dynamodb.models.dynamo_type import DynamoType, Item, LimitedSizeDict
from moto.s3.utils import _VersionedKeyStore
from moto.utilities.utils import LowercaseDict

from localcloud import motofixes
from localcloud.library import changes as record_changes
from localcloud.library import ondemand, paging, s3keys
from localcloud.library.items import is_leaf, share_key_values, shared
from localcloud.library.blobs import BlobStore
from localcloud.library.changes import Changes, item_key
from localcloud.library.reclaim import Reclaimer, named_digests
from localcloud.library.store import Batch, Container, LibraryStore, UnreadableStore

log = logging.getLogger("localcloud.persistence")

# What PetTube stores in moto, kept across restarts. moto's other backends live in memory only, as in
# moto itself: IAM, and a developer's own Lambda functions, stacks and REST APIs (docs/compatibility.md).
SERVICES = {
    "dynamodb": ("moto.dynamodb.models", "dynamodb_backends"),
    "s3": ("moto.s3.models", "s3_backends"),
    "sqs": ("moto.sqs.models", "sqs_backends"),
    "events": ("moto.events.models", "events_backends"),
    "cognito-idp": ("moto.cognitoidp.models", "cognitoidp_backends"),
}
STATE_NAME = "library.sqlite3"
# Formats 1 (object bytes inline) and 2 (bytes in the blob store): every backend in one pickle.
SNAPSHOT_NAME = "moto-state.pickle"
SNAPSHOT_VERSIONS = (1, 2)
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


def _item_attributes(attributes: dict[str, Any]) -> LimitedSizeDict:
    """An item's attributes as they were saved, without moto re-measuring the whole item at every attribute."""
    restored = LimitedSizeDict()
    # Sized when it was written (LimitedSizeDict's own setitem is O(n) each); the names interned, as
    # pickle does for an object's attributes but not for a dict's keys: one string per name, not per item.
    dict.update(restored, {sys.intern(name): value for name, value in attributes.items()})
    return restored


def _with_attributes(cls: type, attributes: dict[str, Any]) -> Any:
    """An object (an item, an S3 object's metadata) with its attributes set one by one, as its constructor
    sets them: they then live in the object (CPython 3.11+), not in a dict of their own as pickle would
    restore them."""
    restored = cls.__new__(cls)
    for name, value in attributes.items():
        setattr(restored, name, value)
    motofixes.untrack(restored)
    if isinstance(restored, Item):
        share_key_values(restored)
    return restored


def _attribute_value(kind: str, value: Any) -> DynamoType:
    """One of an item's values, built as moto's own constructor builds it, with short strings interned.

    Set one by one (see ``_with_attributes``), a value's two attributes take about 60 B less,
    and an item holds dozens of values. The strings a table repeats (an owner's id, a status,
    a rendition's name, a map's member names) are then held once, not once per item.
    """
    restored = DynamoType.__new__(DynamoType)
    restored.type = kind
    if type(value) is dict:
        value = {sys.intern(name): member for name, member in value.items()}
    restored.value = shared(value)
    return restored


def _metadata(store: dict[str, str]) -> LowercaseDict | dict[str, str]:
    """An S3 object's metadata, built as moto builds it, held as every key with the same one holds it
    (s3keys.held_metadata)."""
    return s3keys.held_metadata(_with_attributes(LowercaseDict, {"store": store}))


# What threading.Thread.__init__ sets on every thread: the machinery of a running thread, not data.
_THREAD_MACHINERY = frozenset(vars(threading.Thread()))


def _reduce_thread(thread: threading.Thread) -> tuple[Callable[..., Any], tuple[type, dict[str, Any]]]:
    """moto runs some jobs (DynamoDB table exports and imports) as Thread subclasses: keep their data only."""
    return _restore_thread, (type(thread), {k: v for k, v in vars(thread).items() if k not in _THREAD_MACHINERY})


def _restore_thread(cls: type, data: dict[str, Any]) -> threading.Thread:
    """A job saved by _reduce_thread: its data on a thread that is not started (its work was done before)."""
    thread = cls.__new__(cls)
    threading.Thread.__init__(thread)
    vars(thread).update(data)
    return thread


class _StatePickler(pickle.Pickler):
    dispatch_table = copyreg.dispatch_table.copy()
    dispatch_table[type(threading.RLock())] = lambda _: (_new_lock, ())
    dispatch_table[type(threading.Lock())] = lambda _: (_new_lock, ())
    dispatch_table[threading.Condition] = lambda _: (_new_condition, ())
    dispatch_table[LimitedSizeDict] = lambda attributes: (_item_attributes, (dict(attributes),))
    dispatch_table[DynamoType] = lambda value: (_attribute_value, (value.type, value.value))
    # An item's three attributes, moto's Item's constructor's, by name: vars() gives the item a dict for good.
    dispatch_table[Item] = lambda item: (_with_attributes, (Item, {"hash_key": item.hash_key,
                                                                   "range_key": item.range_key, "attrs": item.attrs}))
    dispatch_table[LowercaseDict] = lambda metadata: (_metadata, (metadata.store,))

    def reducer_override(self, obj: Any) -> Any:
        if isinstance(obj, rsa.RSAPrivateKey):
            return _reduce_private_key(obj)
        if isinstance(obj, threading.Thread):
            return _reduce_thread(obj)
        return NotImplemented


@cache
def _backends() -> dict[str, Any]:
    import importlib

    return {name: getattr(importlib.import_module(module), attr) for name, (module, attr) in SERVICES.items()}



def _dumps(obj: Any, pickler: Callable[[io.BytesIO], pickle.Pickler] = _StatePickler) -> bytes:
    """Pickle ``obj`` while requests may go on changing it (a dict changing size is retried)."""
    buffer = io.BytesIO()
    for attempt in range(5):
        try:
            buffer.seek(0)
            buffer.truncate()
            pickler(buffer).dump(obj)
            return buffer.getvalue()
        except RuntimeError:
            if attempt == 4:
                raise
    raise AssertionError("unreachable")


class _ServicePickler(_StatePickler):
    """Pickles a service's backends with their records (S3 objects, DynamoDB items) left out, by name.

    The records are rows of their own; the service's pickle names the container
    they fill. With ``batch``, every record reached is written to it as well (a
    whole library saved at once: a migration).
    """

    def __init__(self, buffer: io.BytesIO, containers: dict[int, tuple[Container, Any]], batch: Batch | None) -> None:
        super().__init__(buffer, protocol=pickle.HIGHEST_PROTOCOL)
        self._containers = containers
        self._batch = batch

    def persistent_id(self, obj: Any) -> Container | None:
        if type(obj) is ondemand.PendingRecords and self._batch is None:
            return obj.container  # its rows are as they were loaded: nothing changes records not loaded
        if type(obj) not in (_VersionedKeyStore, defaultdict, ondemand.PendingRecords):
            return None
        found = self._containers.get(id(obj))
        if found is None:
            return None
        container, holder = found
        if self._batch is not None:
            for key, record in _records(container[0], holder):
                self._batch.records[(*container, key)] = _dumps(record)
        return container


def _containers(service: str, regions: dict[str, Any]) -> dict[int, tuple[Container, Any]]:
    """The record containers of one service's backends, by id: each one's name and its bucket or table."""
    found: dict[int, tuple[Container, Any]] = {}
    for region, backend in regions.items():
        if service == "s3":
            found |= {id(ondemand.stored(bucket)): (("s3", region, name), bucket)
                      for name, bucket in list(backend.buckets.items())}
        elif service == "dynamodb":
            found |= {id(ondemand.stored(table)): (("dynamodb", region, name), table)
                      for name, table in list(backend.tables.items())}
    return found


def _records(kind: str, holder: Any) -> Iterable[tuple[str, Any]]:
    """Every record of a bucket (key, versions) or a table (key, item)."""
    if kind == "s3":
        yield from ((key, holder.keys.getlist(key)) for key in list(holder.keys))
        return
    for stored in list(holder.items.values()):
        for item in (list(stored.values()) if holder.range_key_attr else [stored]):
            yield _key_text(item.hash_key, item.range_key), item


def _key_text(hash_key: Any, range_key: Any) -> str:
    """An item's key as its row names it: moto's own identity of a key, (type, value) of each part."""
    return repr((hash_key.type, hash_key.value) + ((range_key.type, range_key.value) if range_key is not None else ()))


class _ServiceUnpickler(pickle.Unpickler):
    """Loads a service's backends; the records of each bucket and table its pickle names are left
    pending, loaded from their rows when first asked for (library/ondemand.py)."""

    def __init__(self, state: bytes, store: LibraryStore) -> None:
        super().__init__(io.BytesIO(state))
        self._store = store
        self.containers: set[Container] = set()

    def persistent_load(self, container: Any) -> Any:
        container = tuple(container)
        self.containers.add(container)
        load = _objects if container[0] == "s3" else _items
        return ondemand.PendingRecords(container, self._store.count(*container),
                                       lambda store=self._store: load(store, container))


def _objects(store: LibraryStore, container: Container) -> _VersionedKeyStore:
    """A bucket's objects from its rows: on disk (library/paging.py), but those that stay in memory."""
    objects = _VersionedKeyStore()
    paging.on_disk(objects, container)
    for key, state in store.records(*container):
        versions = pickle.loads(state)  # noqa: S301 - our own library
        digest = paging.at_rest(versions)
        if digest is None:
            dict.__setitem__(objects, sys.intern(key), versions)
        else:
            dict.__setitem__(objects, key, digest)
    return objects


class _ItemUnpickler(pickle.Unpickler):
    """Restores one of a table's rows, its short scalar values shared with the table's other items.

    A family's records repeat most of their values (an owner's id, a status, a rendition's width,
    height and bitrate), each a DynamoType of about 90 B; ``leaves`` holds those restored so far
    while one table loads, and an item takes the one already there.
    """

    def __init__(self, state: bytes, leaves: dict[str, dict[Any, DynamoType]]) -> None:
        super().__init__(io.BytesIO(state))
        # Not a method of this unpickler: its memo keeps what find_class returns, and a cycle through
        # it would keep every row's unpickler until a collection (none runs while records load).
        self._value = partial(_leaf_value, leaves)

    def find_class(self, module: str, name: str) -> Any:
        if module == __name__ and name == "_attribute_value":
            return self._value
        return super().find_class(module, name)


def _leaf_value(leaves: dict[str, dict[Any, DynamoType]], kind: str, value: Any) -> DynamoType:
    """``_attribute_value``, the one already restored when it is a short scalar seen before."""
    if not is_leaf(kind, value):
        return _attribute_value(kind, value)
    alike = leaves.setdefault(kind, {})
    leaf = alike.get(value)
    if leaf is None:
        leaf = alike[value] = _attribute_value(kind, value)
    return leaf


def _items(store: LibraryStore, container: Container) -> defaultdict[Any, Any]:
    """A table's items from its rows, as moto holds them: by hash key (and by range key within one)."""
    items: defaultdict[Any, Any] = defaultdict(dict)
    leaves: dict[str, dict[Any, DynamoType]] = {}
    for _, state in store.records(*container):
        item = _ItemUnpickler(state, leaves).load()
        if item.range_key is None:
            items[item.hash_key] = item
        else:
            items[item.hash_key][item.range_key] = item
    return items


class MotoState:
    """Saves and restores one account's moto backends in the state directory.

    ``load`` first, then ``save`` each change: a library that has not been loaded (or could
    not be) is never written, and ``close`` gives the state directory back.
    """

    def __init__(self, state_dir: Path, account_id: str) -> None:
        self.path = state_dir / STATE_NAME
        self.snapshot_path = state_dir / SNAPSHOT_NAME
        self.account_id = account_id
        self._lock = threading.Lock()
        self._directory = LibraryLock(state_dir)
        self._blobs: BlobStore | None = None  # the state directory's object files, once loaded
        self._previous_store: BlobStore | None = None
        self._previous_library: Path | None = None  # where objects on disk were read from before this library
        self._store: LibraryStore | None = None
        self.reclaimer: Reclaimer | None = None  # deletes object files nothing names, once loaded
        self._loader: threading.Thread | None = None  # loads pending tables and buckets after the start
        self._closing = threading.Event()

    def load(self) -> bool:
        """Put the saved backends back; False when nothing is saved yet.

        Raises SavedStateError when another cloud holds the state directory, or the saved
        library cannot be read or comes from an unknown format: it is never overwritten. A
        library of a previous format (one pickle) is migrated, and its file kept aside.
        """
        if not self._directory.acquire():
            raise SavedStateError(
                f"another local cloud is using {self.path.parent} (it holds {self._directory.path}). "
                f"Stop it first, or run with another state directory (`PETTUBE_STATE_DIR=<dir> make dev`).")
        record_changes.install()
        ondemand.install()
        self._blobs = BlobStore(self.path.parent / OBJECTS_DIR)
        self._previous_store = s3keys.use(self._blobs)
        s3keys.start_loading()
        gc.disable()  # a large library is many small objects: no collection pass while they are made
        try:
            restored = self._restore()
        except BaseException:
            self.close()
            raise
        finally:
            gc.enable()
        self._previous_library = paging.use(self.path)
        for s3 in _backends()["s3"][self.account_id].values():
            motofixes.forget_empty_tag_sets(s3)  # saved whole at every change: no entry per object
        self._blobs.clear_leftovers()
        named = s3keys.end_loading()
        if not any(map(ondemand.is_pending, self._holders())):  # else once every one is loaded, in the background
            self._collect_garbage(named)
        self.reclaimer = Reclaimer(self._blobs, lambda: named_digests(dict(_backends()["s3"][self.account_id])),
                                   self.path.parent)
        return restored

    def _holders(self) -> list[Any]:
        """Every table, then every bucket, of the backends this library holds."""
        backends = _backends()
        return [*(table for dynamodb in list(backends["dynamodb"][self.account_id].values())
                  for table in list(dynamodb.tables.values())),
                *(bucket for s3 in list(backends["s3"][self.account_id].values())
                  for bucket in list(s3.buckets.values()))]

    def load_records_in_background(self) -> None:
        """Load the tables and buckets whose records are still pending, while the cloud answers requests;
        then delete the object files nothing names (a crash's leftovers), as the start would have."""
        if any(map(ondemand.is_pending, self._holders())):
            self._loader = threading.Thread(target=self._load_pending, name="library-load", daemon=True)
            self._loader.start()

    def _load_pending(self) -> None:
        started = time.perf_counter()
        loaded = ondemand.load_all(self._holders(), stop=self._closing)
        log.info("loaded the records of %d table(s) and bucket(s) in %.1f s", loaded, time.perf_counter() - started)
        if self.reclaimer is not None and not self._closing.is_set():
            self.reclaimer.released()

    def _restore(self) -> bool:
        if self.path.exists():
            try:
                self._store = LibraryStore.open(self.path)
            except UnreadableStore as exc:
                raise SavedStateError(f"the saved library {self.path} cannot be read ({exc}). "
                                      f"{_ways_out(self.path)}") from exc
            self._load_store()
            if self.snapshot_path.exists() and self.snapshot_path.stat().st_nlink > 1:
                self.snapshot_path.unlink()  # migrated, and kept aside, by a start that stopped right after
            return True
        if self.snapshot_path.exists():
            self._migrate(self._load_snapshot())
            return True
        self._store = LibraryStore.create(self.path, Batch())
        return False

    def _load_store(self) -> None:
        assert self._store is not None
        backends = _backends()
        named: set[Container] = set()
        for service, state in self._store.services().items():
            unpickler = _ServiceUnpickler(state, self._store)
            for region, backend in unpickler.load().items():
                backends[service][self.account_id][region] = backend
            named |= unpickler.containers
        orphans = self._store.containers() - named
        if orphans:  # a deleted bucket's or table's rows, left by a crash between two saves
            batch = Batch()
            batch.dropped |= orphans
            self._store.write(batch)

    def _load_snapshot(self) -> int:
        """Put the backends of a previous format's pickle back; its format version."""
        try:
            with open(self.snapshot_path, "rb") as saved:
                snapshot = pickle.load(saved)  # noqa: S301 - our own file, written by the previous format
            version = snapshot.get("version") if isinstance(snapshot, dict) else None
        except Exception as exc:
            raise SavedStateError(f"the saved library {self.snapshot_path} cannot be read ({type(exc).__name__}: "
                                  f"{exc}). {_ways_out(self.snapshot_path)}") from exc
        if version not in SNAPSHOT_VERSIONS:
            raise SavedStateError(
                f"the saved library {self.snapshot_path} was written in format {version!r}; this local cloud "
                f"reads formats {SNAPSHOT_VERSIONS} there. Run the version of PetTube that wrote it. "
                f"{_ways_out(self.snapshot_path)}")
        backends = _backends()
        for name, regions in snapshot["services"].items():
            for region, backend in regions.items():
                backends[name][self.account_id][region] = backend
        return version

    def _migrate(self, version: int) -> None:
        """Save the loaded backends as a new library, keeping the previous file under another name."""
        kept = self.snapshot_path.with_name(f"{self.snapshot_path.name}.v{version}")
        serial = 1
        while kept.exists() and not kept.samefile(self.snapshot_path):
            serial += 1
            kept = self.snapshot_path.with_name(f"{self.snapshot_path.name}.v{version}-{serial}")
        if not kept.exists():
            os.link(self.snapshot_path, kept)
        batch = Batch()
        self._save_services(SERVICES, batch, whole=True)
        self._blobs.sync()
        self._store = LibraryStore.create(self.path, batch)
        self.snapshot_path.unlink()
        log.warning("migrated the saved library %s (format %s) to %s; the previous file is kept as %s: delete it "
                    "once the library looks right", self.snapshot_path, version, self.path, kept)

    def _collect_garbage(self, named: set[str]) -> None:
        """Delete the blobs the saved state does not name: overwritten, deleted, or written after its save."""
        if not named:
            return  # a state naming no blob at all keeps the store as it is, rather than empty it
        removed = self._blobs.collect(keep=named)
        if removed:
            log.info("removed %d object files no saved object names", removed)

    def _save_services(self, services: Iterable[str], batch: Batch, *, whole: bool = False) -> None:
        """Pickle ``services`` into ``batch`` (and with ``whole``, every record they hold)."""
        backends = _backends()
        for service in services:
            regions = dict(backends[service][self.account_id])
            containers = _containers(service, regions)
            batch.services[service] = _dumps(
                regions, lambda buffer, c=containers: _ServicePickler(buffer, c, batch if whole else None))

    def save(self, changes: Changes, services: Iterable[str]) -> None:
        """Save the records ``changes`` names and the ``services`` a request changed, in one transaction.

        Each record is saved as moto holds it now, under a lock: whichever of two
        requests changing one object saves last, it saves the object's latest state. Then
        the objects the request held go back to disk (library/paging.py).
        """
        if self._store is None:
            raise SavedStateError(f"refusing to write {self.path}: the saved library was not loaded first")
        try:
            with self._lock:
                batch = Batch()
                self._save_services(services, batch)
                self._changed_objects(changes, batch)
                self._changed_items(changes, batch)
                if batch:
                    self._blobs.sync()  # every object file the rows name is on disk before they are
                    self._store.write(batch)
        finally:
            paging.release(changes)  # the objects it held go back to disk, saved or not

    def reset(self) -> None:
        """moto's backends were reset: the saved library follows (every record gone, every service saved)."""
        assert self._store is not None
        with self._lock:
            batch = Batch()
            batch.dropped |= self._store.containers()
            self._save_services(SERVICES, batch)
            self._store.write(batch)

    def _changed_objects(self, changes: Changes, batch: Batch) -> None:
        buckets = [(region, bucket) for region, backend in _backends()["s3"][self.account_id].items()
                   for bucket in list(backend.buckets.values())]
        by_store = {id(ondemand.stored(bucket)): (region, bucket) for region, bucket in buckets}  # none loaded
        by_name = {bucket.name: (region, bucket) for region, bucket in buckets}
        changed = [(by_store.get(id(store)), key) for store, key in changes.objects]
        changed += [(by_name.get(name), key) for name, key in changes.named_objects]
        for where, key in changed:
            if where is None:
                continue  # a bucket gone: its records went with it
            region, bucket = where
            paging.on_disk(bucket.keys, ("s3", region, bucket.name))
            versions = bucket.keys.getlist(key)
            batch.records[("s3", region, bucket.name, key)] = _dumps(versions) if versions else None

    def _changed_items(self, changes: Changes, batch: Batch) -> None:
        for region, name in changes.dropped_tables:
            batch.dropped.add(("dynamodb", region, name))
        for backend, table_name, attributes in changes.items:
            try:
                table = backend.get_table(table_name)
            except ResourceNotFoundException:
                continue
            hash_key, range_key = item_key(table, attributes)
            item = table.items.get(hash_key)
            if item is not None and range_key is not None:
                item = item.get(range_key)
            batch.records[("dynamodb", backend.region_name, table.name, _key_text(hash_key, range_key))] = (
                _dumps(item) if item is not None else None)

    def close(self) -> None:
        """Give the state directory back."""
        self._closing.set()
        if self._loader is not None:
            self._loader.join()  # it stops after the table or bucket it is loading
            self._loader = None
        if self.reclaimer is not None:
            self.reclaimer.close()
            self.reclaimer = None
        paging.stop_using(self.path, self._previous_library)  # its connection first: the last one checkpoints
        if self._store is not None:
            self._store.close()
            self._store = None
        if self._blobs is not None:
            ondemand.forget_pending(self._holders())
            s3keys.stop_using(self._blobs, self._previous_store)
        self._directory.release()


# Which service a JSON request is for, by its X-Amz-Target; others by their signature's scope, S3 unsigned.
_TARGETS = {"DynamoDB_": "dynamodb", "AmazonSQS.": "sqs", "AWSEvents.": "events",
            "AWSCognitoIdentityProviderService.": "cognito-idp"}
# moto delivers notifications in the request that causes them: S3 to SQS and EventBridge, EventBridge to SQS;
# a developer's own CloudFormation stack creates (or deletes) its resources in any kept service.
_DELIVERS_TO = {"s3": ("sqs", "events"), "events": ("sqs",), "cloudformation": tuple(SERVICES)}
# Operations that change nothing worth saving (a received message's visibility comes back after a crash).
_READS = ("Describe", "List", "Get", "Query", "Scan", "BatchGet", "ReceiveMessage")
_SCOPE = re.compile(r"[^/=&\s]+/\d{8}/[^/]+/([^/]+)/aws4_request")
_RESET = "/moto-api/reset"


def _changed_services(environ: dict[str, Any]) -> tuple[str, ...] | None:
    """The services a request may change (and whose notifications it may deliver); None: it only reads."""
    if environ["REQUEST_METHOD"] in ("GET", "HEAD", "OPTIONS"):
        return None
    target = environ.get("HTTP_X_AMZ_TARGET", "")
    if target:
        if target.partition(".")[2].startswith(_READS):
            return None
        service = next((name for prefix, name in _TARGETS.items() if target.startswith(prefix)), "")
    else:
        scope = _SCOPE.search(unquote(environ.get("HTTP_AUTHORIZATION") or environ.get("QUERY_STRING", "")))
        service = scope.group(1) if scope else "s3"
        if service == "cloudformation" and _query_action(environ).startswith(_READS):
            return None
    return tuple(dict.fromkeys(name for name in (service, *_DELIVERS_TO.get(service, ())) if name in SERVICES))


def _query_action(environ: dict[str, Any]) -> str:
    """A query-protocol request's Action (CloudFormation's), from its URL or its form body, which is put back."""
    action = parse_qs(environ.get("QUERY_STRING", "")).get("Action")
    if action:
        return action[0]
    body = environ["wsgi.input"].read(int(environ.get("CONTENT_LENGTH") or 0))
    environ["wsgi.input"] = io.BytesIO(body)
    return parse_qs(body.decode("utf-8", "replace")).get("Action", [""])[0]


def _named_object(environ: dict[str, Any]) -> tuple[str, str] | None:
    """The bucket and key a path-style S3 request names (an ACL or tagging changes the object in place)."""
    path = environ.get("PATH_INFO", "").encode("latin-1").decode("utf-8", "replace")
    bucket, _, key = path.lstrip("/").partition("/")
    return (bucket, key) if bucket and key else None


def _releases_objects(environ: dict[str, Any]) -> bool:
    """An S3 request that may leave object files unnamed: a delete of any kind, or the end of a
    multipart upload (its parts' files). Not every PUT, though an overwrite lets go of a file
    too: PetTube never overwrites a video, and the next pass (or start) takes such files."""
    method, query = environ["REQUEST_METHOD"], environ.get("QUERY_STRING", "")
    return method == "DELETE" or (method == "POST" and ("delete" in query or "uploadId" in query))


class Journal:
    """moto behind a journal: whatever a request changed is saved before its answer is sent.

    WSGI: moto's answer is held until the request's changes are committed, then
    handed to the server, which sends it. So an acknowledged change is on disk;
    a crash loses at most the requests whose answers had not left. Reads pass
    straight through.
    """

    def __init__(self, moto: Callable[..., Iterable[bytes]], state: MotoState) -> None:
        self._moto = moto
        self._state = state

    def __call__(self, environ: dict[str, Any], start_response: Callable[..., Any]) -> Iterable[bytes]:
        services = _changed_services(environ)
        if services is None:
            return self._moto(environ, start_response)
        reclaimer = self._state.reclaimer if "s3" in services else None
        with reclaimer.changing() if reclaimer else nullcontext():
            body = self._change(environ, start_response, services)
        if reclaimer and _releases_objects(environ):
            reclaimer.released()
        return [body]

    def _change(self, environ: dict[str, Any], start_response: Callable[..., Any], services: tuple[str, ...]) -> bytes:
        """Run one changing request through moto and save what it changed; its answer's body."""
        with record_changes.recording() as changes:
            answer = self._moto(environ, start_response)  # start_response only keeps the headers until the body
            try:
                body = b"".join(answer)
            finally:
                if hasattr(answer, "close"):
                    answer.close()
        try:
            if environ.get("PATH_INFO", "").startswith(_RESET):
                self._state.reset()
                return body
            if "s3" in services and (named := _named_object(environ)) is not None:
                changes.named_objects.append(named)
            self._state.save(changes, services)
        finally:
            paging.release(changes)  # a request that failed, or a reset, held objects too (save releases them)
        return body
