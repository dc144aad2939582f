"""moto's S3 objects keep their bytes in the blob store instead of memory and the saved state.

moto's FakeKey holds its value in a SpooledTemporaryFile and pickles it inline, so
every save copied every byte of the library. Once ``use`` names a store, a key
written from then on stores its bytes there and keeps only a ``Blob`` (digest and
size); pickling a key writes the digest. A key saved by the previous format (bytes
inline) is moved into the store as it is loaded: that is the migration.
"""

from __future__ import annotations

import sys
from collections.abc import Iterator
from typing import Any

from moto.s3.models import FakeKey
from moto.utilities.utils import LowercaseDict, md5_hash

from localcloud import motofixes
from localcloud.library.blobs import BlobStore
from localcloud.library.items import SHORT, HeldOnce, held_once

_MOTO_VALUE = FakeKey.value
_MOTO_GETSTATE = FakeKey.__getstate__
_MOTO_SETSTATE = FakeKey.__setstate__
_MOTO_SET_METADATA = FakeKey.set_metadata
# Request headers moto files among an object's metadata that describe the upload, not the object: its
# signature's payload hash and transfer checksums. S3 keeps none of them, so HeadObject and GetObject
# never answer with them; moto's did (x-amz-content-sha256 on every object, a unique 64-character string).
UPLOAD_HEADERS = frozenset({"x-amz-content-sha256", "content-md5", "x-amz-content-crc32", "x-amz-content-crc32c",
                            "x-amz-content-sha1"})


class Blob:
    """A key's bytes in a store; pickled as its digest alone.

    It holds the SHA-256 as its 32 bytes, not as the 64 hex digits that name the file: 48 B less for
    every object of a library (a video has about ten)."""

    __slots__ = ("_sha256", "store")

    def __init__(self, store: BlobStore, digest: str) -> None:
        self.store = store
        self._sha256 = bytes.fromhex(digest)

    @property
    def digest(self) -> str:
        """The file's name in the store: the hex SHA-256 of the bytes."""
        return self._sha256.hex()

    def __reduce__(self) -> tuple[Any, tuple[str]]:
        return _restore_blob, (self.digest,)


class _NoBuffer:
    """What a key whose bytes are in the store has instead of moto's SpooledTemporaryFile.

    moto reads the buffer only through ``value`` and ``etag`` (both answered from the
    store here) and closes it when the key goes; an empty spooled file per key cost
    about 0.4 KB of memory for nothing, times every object in the library.
    """

    def close(self) -> None:
        pass


_NO_BUFFER = _NoBuffer()


# What moto gives every object a copy of, though all hold the same: the canned ACL (six
# objects), the restore state machine's transitions, the names of the account, region,
# bucket and storage class. Each key keeps one shared instance instead, about 0.8 KB less a
# key (a family's library holds tens of thousands). moto replaces a key's ACL with a new
# one when it changes (PutObjectAcl), never changes one in place, and only reads the rest.
_ALIKE: dict[tuple[Any, ...], Any] = {}
_REPEATED_NAMES = ("model_name", "account_id", "region_name", "partition", "bucket_name", "_storage_class",
                   "checksum_algorithm", "_version_id", "encryption")
_REPEATED_NUMBERS = ("_max_buffer_size",)  # moto's setting, the same for every key: an int of its own (32 B) each


def _alike(name: str, value: Any) -> Any:
    """The one shared instance of an attribute every key holds alike (``value`` itself for any other)."""
    if name == "acl" and value is not None:
        grants = tuple((tuple((grantee.id, grantee.uri, grantee.display_name) for grantee in grant.grantees),
                        tuple(grant.permissions)) for grant in value.grants)
        return _ALIKE.setdefault(("acl", grants), value)
    if name == "_transitions" and value is not None:
        return _ALIKE.setdefault(("transitions", *value), value)
    if name in _REPEATED_NAMES and type(value) is str:
        return sys.intern(value)
    if name in _REPEATED_NUMBERS and type(value) is int:
        return _ALIKE.setdefault((name, value), value)
    return value


class _Library:
    """The store new keys write to, and the digests named between ``start_loading`` and ``end_loading``
    (None outside: a set of every key's digest, kept while the cloud runs, cost about 65 B a key)."""

    store: BlobStore | None = None
    named: set[str] | None = None


def _name(digest: str) -> None:
    if _Library.named is not None:
        _Library.named.add(digest)


def _restore_blob(digest: str) -> Blob:
    if _Library.store is None:
        raise RuntimeError("a saved S3 object names a blob, but no blob store is in use")
    _name(digest)
    return Blob(_Library.store, digest)


def _value(self: FakeKey) -> bytes:
    blob = getattr(self, "_blob", None)
    if blob is None:
        return _MOTO_VALUE.fget(self)  # type: ignore[attr-defined,no-any-return]
    return blob.store.read(blob.digest)


def _set_value(self: FakeKey, new_value: bytes | str | Blob) -> None:
    """The key's bytes into the store; a Blob (an object assembled on disk from its parts) is taken as it is."""
    store = _Library.store
    if store is None:
        _MOTO_VALUE.fset(self, new_value)  # type: ignore[attr-defined]
        return
    getattr(self, "_value_buffer", _NO_BUFFER).close()  # the empty spooled file moto's constructor made
    self._value_buffer = _NO_BUFFER
    if isinstance(new_value, Blob):
        self._blob = new_value
        self.contentsize = new_value.store.path(new_value.digest).stat().st_size
        if getattr(self, "_etag", None) is None:
            md5 = md5_hash()
            for chunk in new_value.store.chunks(new_value.digest):
                md5.update(chunk)
            self._etag = md5.hexdigest()
    else:
        data = new_value.encode() if isinstance(new_value, str) else bytes(new_value)
        self._blob = Blob(store, store.put(data))
        self.contentsize = len(data)
        if getattr(self, "_etag", None) is None:  # moto computes it from the buffer, which stays empty
            self._etag = md5_hash(data).hexdigest()
    _name(self._blob.digest)  # a key of the previous format being loaded names it too
    # moto records each key so that a reset can close its buffer; a key whose bytes are in the store has none.
    motofixes.untrack(self)


def chunks(key: FakeKey) -> Iterator[bytes]:
    """A key's bytes a chunk at a time: read from its file when it has one."""
    blob = getattr(key, "_blob", None)
    if blob is None:
        yield key.value
    else:
        yield from blob.store.chunks(blob.digest)


def current_store() -> BlobStore | None:
    """The store keys write to now (None: moto's way, bytes in memory)."""
    return _Library.store


def _getstate(self: FakeKey) -> dict[str, Any]:
    """The key's attributes, without its buffer and lock (a key restored from the store has neither), and
    without the None of a name it leaves to the class-wide default."""
    if getattr(self, "_blob", None) is None:
        return _MOTO_GETSTATE(self)  # type: ignore[no-any-return]
    return {name: value for name in _NAMES if name not in _NOT_SAVED
            and (value := getattr(self, name, _UNSET)) is not _UNSET and value is not getattr(FakeKey, name, _UNSET)}


# moto sets these on every key, and almost every key keeps them None. A key leaves them to class-wide
# defaults, so that its attributes live in the object itself (below): a dict of its own cost about
# 0.8 KB a key.
_NONE_UNLESS_SET = frozenset((
    "_status", "website_redirect_location", "checksum_algorithm", "_expiry", "multipart", "encryption", "kms_key_id",
    "bucket_key_enabled", "lock_mode", "lock_legal_status", "lock_until", "checksum_value", "checksum_type",
    "checksum_parts"))

# CPython (3.11) keeps an object's attributes in the object while their names are among the first 29 its
# class has seen (the names instances share); moto's constructor sets 36, checksums among the last.
# Naming first what a key holds (21 always; checksums, parts, encryption often; the number of parts of
# an upload in parts, as every original from the page) keeps them in that set, whatever moto builds
# afterwards. A key with any other name set (a redirect, an object lock, a restore's status) gets a
# dict of its own.
_RESTORED_NAMES = ("_transitions", "_tick", "_time_progressed", "model_name", "name", "account_id", "region_name",
                   "partition", "last_modified", "acl", "_storage_class", "_metadata", "_etag", "_version_id",
                   "_is_versioned", "bucket_name", "_max_buffer_size", "_value_buffer", "disposed", "_blob",
                   "contentsize", "checksum_algorithm", "checksum_value", "checksum_type", "multipart",
                   "encryption", "kms_key_id", "bucket_key_enabled", "checksum_parts")

# Every name a key's attributes may have: what moto 5.2.5's FakeKey and ManagedState set, and the store's
# _blob; ``_set_attribute`` adds any other it is ever given. A key's saved state is read by these names:
# ``vars(key)`` would give the key a dict of its own for good (CPython keeps it once made), 64 B a key.
_NAMES = dict.fromkeys((*_RESTORED_NAMES, "_status", "lock", "lock_mode", "lock_legal_status", "lock_until",
                        "website_redirect_location", "_expiry"))
_NOT_SAVED = frozenset(("_value_buffer", "lock"))  # the buffer a stored key has not, and the lock that guards it
_UNSET = object()


def _name_restored_attributes_first() -> None:
    first = object.__new__(FakeKey)  # not moto's __new__: nothing records it
    for name in _RESTORED_NAMES:
        setattr(first, name, None)
    first._value_buffer, first.disposed = _NO_BUFFER, True  # moto's __del__ closes the one, checks the other


_name_restored_attributes_first()


def _set_attribute(self: FakeKey, name: str, value: Any) -> None:
    """FakeKey's attribute assignment once ``use`` has run: what moto's constructor and requests set goes
    in compact, as a restored key holds it (no None of _NONE_UNLESS_SET, one shared instance of what every
    key holds alike, no lock once the bytes are in the store: it guards moto's buffer)."""
    if name not in _NAMES and not hasattr(getattr(type(self), name, None), "__set__"):  # a new name, not a property
        _NAMES[name] = None
    if value is None and name in _NONE_UNLESS_SET:
        if getattr(self, name) is not None:  # deleting a name the key lacks would give it a dict after all
            object.__delattr__(self, name)  # the class-wide None shows again
    elif name != "lock" or getattr(self, "_blob", None) is None:
        object.__setattr__(self, name, _alike(name, value))


def kept_metadata(table: dict[str, Any]) -> dict[str, Any]:
    """An object's metadata as S3 keeps it (no upload header), its names and short values held once for
    every key that has them: every object names a content type, most the same."""
    return held_once({name: value for name, value in table.items() if name.lower() not in UPLOAD_HEADERS})


# Most objects' metadata tables are alike ({"content-type": "video/mp4"}): one of each is held for every key
# that has it, about 0.3 KB less a key. Bounded as DynamoDB's shared values are (library/items.py).
_TABLES: HeldOnce[Any] = HeldOnce(4096)


def held_metadata(table: LowercaseDict | dict[str, Any]) -> LowercaseDict | dict[str, Any]:
    """``table`` (moto's LowercaseDict, or the plain dict a request that replaced the metadata left) as S3
    keeps it (``kept_metadata``), the instance every key with an equal table of short values holds.

    ``table`` must be no other key's: it is changed. What it returns may be shared, so no key's table is ever
    changed in place again (``_set_metadata`` gives moto a copy to update).
    """
    if isinstance(table, LowercaseDict):
        table.store = store = kept_metadata(table.store)
    else:
        table = store = kept_metadata(table)
    if not all(type(value) is str and len(value) <= SHORT for value in store.values()):
        return table  # a long value seldom repeats: the table stays the key's own
    return _TABLES.hold((type(table), tuple(store.items())), table)


def _own_copy(table: Any) -> Any:
    """A table of the same kind and entries that no key holds."""
    return LowercaseDict(table.store) if isinstance(table, LowercaseDict) else dict(table)


def _set_metadata(self: FakeKey, metadata: Any, replace: bool = False) -> None:
    """moto's set_metadata, on copies (it updates the key's table in place, and takes Content-Encoding out of
    the one it is given, a source key's on CopyObject; either may be shared), then held as every key holds it
    (``held_metadata``): moto kept a string of its own from each request's headers."""
    self._metadata = _own_copy(self._metadata)
    _MOTO_SET_METADATA(self, _own_copy(metadata), replace)
    self._metadata = held_metadata(self._metadata)


def _setstate(self: FakeKey, state: dict[str, Any]) -> None:
    if "_blob" not in state:
        _NAMES.update(dict.fromkeys(name for name in state if name != "value"))  # moto sets them into the key's dict
        _MOTO_SETSTATE(self, state)  # bytes inline: the value setter moves them into the store
        return
    if type(state["name"]) is str:  # a multipart upload's part is named by its number
        state["name"] = sys.intern(state["name"])  # the same string as the bucket's key for it (persistence interns it)
    # One by one, as moto's constructor sets them: setattr interns each name, where a dict update
    # (what pickle does for a __setstate__) gave every key a dict and its own copy of 36 names.
    for name, value in state.items():
        setattr(self, name, value)
    self._value_buffer = _NO_BUFFER
    # Neither moto's lock (it guards moto's buffer, which a stored key has not) nor moto's record of
    # the instance (kept so that a reset can close that buffer): about 0.2 KB a key.
    motofixes.untrack(self)


def use(store: BlobStore | None) -> BlobStore | None:
    """Keys written from now on keep their bytes in ``store`` (None: in memory, moto's way); the previous store."""
    previous, _Library.store = _Library.store, store
    FakeKey.value = property(_value, _set_value)  # type: ignore[method-assign,assignment]
    FakeKey.__getstate__ = _getstate  # type: ignore[method-assign]
    FakeKey.__setstate__ = _setstate  # type: ignore[method-assign]
    FakeKey.__setattr__ = _set_attribute  # type: ignore[method-assign,assignment]
    FakeKey.set_metadata = _set_metadata  # type: ignore[method-assign]
    for name in _NONE_UNLESS_SET:
        if not hasattr(FakeKey, name):
            setattr(FakeKey, name, None)
    return previous


def stop_using(store: BlobStore, previous: BlobStore | None) -> None:
    """Give back what ``use(store)`` replaced, unless another store took over since."""
    if _Library.store is store:
        use(previous)


def start_loading() -> None:
    """Name the digests of the keys loaded (or written) from now on, until ``end_loading``."""
    _Library.named = set()


def end_loading() -> set[str]:
    """The blobs named by the keys loaded (or written) since ``start_loading``; keys name none from now on."""
    named, _Library.named = _Library.named or set(), None
    return named
