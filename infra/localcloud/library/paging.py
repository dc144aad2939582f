"""An S3 object's state stays in the library between the requests that use it, not in memory.

moto keeps every object as a FakeKey in its bucket's key store, about 1 KB each with its
name, ETag, checksum, dates and metadata; a family's 10 GB library is 100,000 objects
(ten a video), so memory grew with the library. Every object's row is in the library
already (the journal saves each change before answering), so between requests a bucket's
key store holds, for an object of one version whose bytes are in the blob store, just the
32-byte SHA-256 of those bytes (the reclaimer reads it to know which files are named), in
place of the list of versions moto holds: about 0.7 KB less an object (0.26x of what it took).

How each kind of request finds an object:

- A changing request (the journal records it: ``changes.recording``) that reads an object
  gets moto's own list of versions, read from its row once and kept in the store while any
  changing request holds it: moto changes objects in place (an ACL, a retention), and the
  journal saves the object as memory holds it. When the last request holding it has been
  saved, the object goes back to its digest (``release``), its row being what memory held.
- A read (GET, HEAD) gets the object read from its row for that request alone.
- A listing gets, for an object on disk, a ``Listed`` that answers its name at once and
  reads its row only when asked anything else: moto sorts and pages a listing by names, so
  a page of 1,000 objects out of 100,000 reads 1,000 rows.

Objects of several versions, delete markers, and objects whose bytes moto keeps itself stay
in memory as moto holds them; a store without a library (no state directory) is moto's own.
"""

from __future__ import annotations

import pickle
import sqlite3
import threading
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import Any

from moto.s3.exceptions import MissingKey
from moto.s3.models import FakeKey
from moto.s3.utils import _VersionedKeyStore

from localcloud.library import changes as record_changes
from localcloud.library.ondemand import UnreadableRecords
from localcloud.library.store import Container

_MOTO_SGETITEM = _VersionedKeyStore.__sgetitem__
_CONTAINER = "library_container"  # the attribute a store whose objects may be on disk names its bucket's rows by


class _Pager:
    """The library objects are read from (None: every object is in memory), and the objects changing
    requests hold, counted by request."""

    path: Path | None = None
    lock = threading.Lock()  # the holds, and an object's move between its row and memory
    held: dict[tuple[int, str], int] = {}  # (id of the store, key) -> how many changing requests hold it
    reading = threading.Lock()  # the one read connection
    connection: sqlite3.Connection | None = None


def use(path: Path | None) -> Path | None:
    """Objects go to disk between requests, read back from the library at ``path`` (None: never, moto's way);
    the previous library."""
    with _Pager.reading:
        if _Pager.connection is not None:
            _Pager.connection.close()
        previous, _Pager.path, _Pager.connection = _Pager.path, path, None
    install()
    return previous


def stop_using(path: Path, previous: Path | None) -> None:
    """Give back what ``use(path)`` replaced, unless another library took over since."""
    if _Pager.path == path:
        use(previous)


def install() -> None:
    """Patch moto's key store (idempotent): reads and listings find objects on disk."""
    if _VersionedKeyStore.__sgetitem__ is not _MOTO_SGETITEM:
        return
    _VersionedKeyStore.__sgetitem__ = _versions  # type: ignore[method-assign]
    # moto's items() and values() are its _iteritems and _itervalues under other names, bound at class creation.
    _VersionedKeyStore.items = _VersionedKeyStore.iteritems = _VersionedKeyStore._iteritems = _items
    _VersionedKeyStore.values = _VersionedKeyStore.itervalues = _VersionedKeyStore._itervalues = _values


def on_disk(store: _VersionedKeyStore, container: Container) -> None:
    """``store``'s objects may go to disk from now on; their rows are ``container``'s."""
    store.__dict__[_CONTAINER] = container


def at_rest(versions: list[Any]) -> bytes | None:
    """What an object's versions leave in memory while on disk: its bytes' SHA-256, the version marked
    disposed (nothing to close: its bytes are in the blob store); None: they stay in memory (several
    versions, a delete marker, bytes moto keeps)."""
    if len(versions) != 1 or type(versions[0]) is not FakeKey:
        return None
    blob = getattr(versions[0], "_blob", None)
    if blob is None:
        return None
    versions[0].disposed = True
    return blob._sha256


def _read(store: _VersionedKeyStore, key: str) -> list[Any]:
    """An object's versions as its row holds them."""
    container = store.__dict__.get(_CONTAINER)
    with _Pager.reading:
        if _Pager.path is None or container is None:
            raise UnreadableRecords(f"the object {key} is in a library this cloud no longer has open",
                                    code="InternalError")
        if _Pager.connection is None:  # any thread's: every read is under the lock
            _Pager.connection = sqlite3.connect(f"file:{_Pager.path}?mode=ro", uri=True, check_same_thread=False)
        row = _Pager.connection.execute(
            "SELECT state FROM records WHERE kind = ? AND region = ? AND container = ? AND key = ?",
            (*container, key)).fetchone()
    if row is None:
        if type(dict.get(store, key)) is not bytes:  # deleted since it was looked up (moto drops it, then its row)
            raise MissingKey(key=key)  # S3's answer once the delete has happened: NoSuchKey
        raise UnreadableRecords(f"the object {key} of bucket {container[2]} has no row in the library",
                                code="InternalError")
    versions: list[Any] = pickle.loads(row[0])  # noqa: S301 - our own library
    for version in versions:
        version.disposed = True  # its bytes are in the blob store: nothing to close when it goes
    return versions


def _versions(store: _VersionedKeyStore, key: str) -> list[Any]:
    """moto's __sgetitem__: the object's list of versions, from its row when it is on disk."""
    versions = dict.__getitem__(store, key)
    changes = record_changes.current() if _Pager.path is not None else None
    if changes is None:
        return versions if type(versions) is list else _read(store, key)
    held = (id(store), key)
    with _Pager.lock:
        versions = dict.__getitem__(store, key)
        if type(versions) is not list:
            versions = _read(store, key)
            dict.__setitem__(store, key, versions)
        if held not in changes.held:
            changes.held.add(held)
            _Pager.held[held] = _Pager.held.get(held, 0) + 1
            changes.held_stores[id(store)] = store
    return versions


def release(changes: record_changes.Changes) -> None:
    """A changing request is saved (or failed): the objects it held or wrote that no other request holds go
    back to disk. Their rows hold what memory holds (a failed save's change is undone with them, as its
    answer said)."""
    stores = dict(changes.held_stores)
    with _Pager.lock:
        free = set()
        for held in changes.held:
            left = _Pager.held.pop(held) - 1
            if left:
                _Pager.held[held] = left
            else:
                free.add(held)
        for store, key in changes.objects:  # written without being read first (a new key)
            if (id(store), key) not in _Pager.held:
                free.add((id(store), key))
                stores[id(store)] = store
        for store_id, key in free:
            store = stores[store_id]
            versions = dict.get(store, key)
            if type(versions) is list and _CONTAINER in store.__dict__ and (digest := at_rest(versions)) is not None:
                dict.__setitem__(store, key, digest)
    changes.held.clear()
    changes.objects.clear()  # released: a second call (the journal's, after the save's) has nothing to do


class Listed(FakeKey):
    """An object on disk, as a listing gives it: its name at once, anything else read from its row when first
    asked (and from the object read then). A reset's dispose needs nothing: its bytes are in the blob store."""

    def __init__(self, store: _VersionedKeyStore, key: str) -> None:  # not moto's: nothing records it
        object.__setattr__(self, "_where", (store, key))
        object.__setattr__(self, "_object", None)

    def __getattribute__(self, name: str) -> Any:
        if name in ("name", "dispose", "__class__"):
            if name == "name":
                return object.__getattribute__(self, "_where")[1]
            return object.__getattribute__(self, name)
        found = object.__getattribute__(self, "_object")
        if found is None:
            store, key = object.__getattribute__(self, "_where")
            try:
                found = _read(store, key)[-1]
            except MissingKey:  # a listing has no NoSuchKey to answer: an error clients retry, S3's InternalError
                raise UnreadableRecords(f"the object {key} was deleted while it was being listed; list again",
                                        code="InternalError") from None
            object.__setattr__(self, "_object", found)
        return getattr(found, name)

    def __setattr__(self, name: str, value: Any) -> None:
        raise AttributeError(f"a listed object cannot be changed ({name})")

    def dispose(self, garbage: bool = False) -> None:
        pass

    def __del__(self) -> None:
        pass


def _listed(store: _VersionedKeyStore, key: str, versions: Any) -> Any:
    if type(versions) is list:
        return versions[-1]
    listed = object.__new__(Listed)
    Listed.__init__(listed, store, key)
    return listed


def _items(store: _VersionedKeyStore) -> Iterator[tuple[str, Any]]:
    for key, versions in store._self_iterable().items():
        yield key, _listed(store, key, versions)


def _values(store: _VersionedKeyStore) -> Iterator[Any]:
    for key, versions in store._self_iterable().items():
        yield _listed(store, key, versions)


def digests(store: _VersionedKeyStore) -> Iterable[bytes]:
    """The SHA-256 of every object version ``store`` holds, read without loading any object."""
    for versions in list(dict.values(store)):
        if type(versions) is not list:
            yield versions
            continue
        for version in versions:
            blob = getattr(version, "_blob", None)
            if blob is not None:
                yield blob._sha256
