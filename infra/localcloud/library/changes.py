"""What one request changed in moto's records: S3 objects and DynamoDB items, noted as moto changes them.

The journal (persistence.py) saves a request's changes before its answer leaves.
For that it must know which of a library's records the request touched, whatever
the operation: PutObject, CopyObject, DeleteObjects, CompleteMultipartUpload,
PutItem, UpdateItem, BatchWriteItem and TransactWriteItems all end in the few
model methods patched here. Each notes the record on the running request's
``Changes`` (one per thread: moto answers a request on the thread that reads it);
outside ``recording`` the patches only call moto's own methods.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from functools import wraps
from typing import Any

from moto.dynamodb.models import DynamoDBBackend
from moto.dynamodb.models.dynamo_type import DynamoType
from moto.s3.utils import _VersionedKeyStore

_running = threading.local()


@dataclass
class Changes:
    """The records one request changed (their state is read from moto when the change is saved)."""

    objects: list[tuple[_VersionedKeyStore, str]] = field(default_factory=list)  # a bucket's key store, key
    items: list[tuple[DynamoDBBackend, str, dict[str, Any]]] = field(default_factory=list)  # table, item or key
    dropped_tables: list[tuple[str, str]] = field(default_factory=list)  # region, table name
    named_objects: list[tuple[str, str]] = field(default_factory=list)  # bucket, key: changed in place (ACL...)
    # The objects the request read or changed, kept in memory until it is saved (library/paging.py): (id of
    # the bucket's key store, key), and the stores by id.
    held: set[tuple[int, str]] = field(default_factory=set)
    held_stores: dict[int, _VersionedKeyStore] = field(default_factory=dict)


@contextmanager
def recording() -> Iterator[Changes]:
    """Note the records changed on this thread until the block ends."""
    changes = Changes()
    _running.changes = changes
    try:
        yield changes
    finally:
        _running.changes = None


def current() -> Changes | None:
    """The changes of the request this thread is running, if it is being recorded."""
    return getattr(_running, "changes", None)


def _object_change(method: Callable[..., Any]) -> Callable[..., Any]:
    @wraps(method)
    def noted(self: _VersionedKeyStore, key: str, *args: Any) -> Any:
        result = method(self, key, *args)
        changes = current()
        if changes is not None:
            changes.objects.append((self, key))
        return result
    return noted


def _item_change(method: Callable[..., Any]) -> Callable[..., Any]:
    @wraps(method)
    def noted(self: DynamoDBBackend, table_name: str, attributes: dict[str, Any], *args: Any, **kwargs: Any) -> Any:
        result = method(self, table_name, attributes, *args, **kwargs)
        changes = current()
        if changes is not None:
            changes.items.append((self, table_name, attributes))
        return result
    return noted


def _table_dropped(method: Callable[..., Any]) -> Callable[..., Any]:
    @wraps(method)
    def noted(self: DynamoDBBackend, name: str) -> Any:
        table = method(self, name)
        changes = current()
        if changes is not None:
            changes.dropped_tables.append((self.region_name, table.name))
        return table
    return noted


def _delete_key(self: _VersionedKeyStore, key: str) -> None:
    dict.__delitem__(self, key)


_PATCHED = ((_VersionedKeyStore, "__setitem__"), (_VersionedKeyStore, "setlist"), (_VersionedKeyStore, "pop"),
            (_VersionedKeyStore, "__delitem__"), (DynamoDBBackend, "put_item"), (DynamoDBBackend, "update_item"),
            (DynamoDBBackend, "delete_item"), (DynamoDBBackend, "delete_table"))


def install() -> None:
    """Patch moto's models (idempotent): from now on ``recording`` sees every record a request changes.

    Each patch wraps the method as it is now, so what motofixes put there before (its item writes
    compact and count) keeps working, whichever of the two is installed first.
    """
    if getattr(_VersionedKeyStore.__setitem__, "__wrapped__", None) is not None:
        return
    for owner, name in _PATCHED:
        method = _delete_key if (owner, name) == (_VersionedKeyStore, "__delitem__") else getattr(owner, name)
        if owner is _VersionedKeyStore:
            patched = _object_change(method)
        elif name == "delete_table":
            patched = _table_dropped(method)
        else:  # put_item(table, item, ...), update_item(table, key, ...), delete_item(table, key, ...)
            patched = _item_change(method)
        setattr(owner, name, patched)


def item_key(table: Any, attributes: dict[str, Any]) -> tuple[DynamoType, DynamoType | None]:
    """The hash and range key of the item ``attributes`` (an item, or its key) names in ``table``."""
    hash_key = DynamoType(attributes[table.hash_key_attr])
    range_key = DynamoType(attributes[table.range_key_attr]) if table.range_key_attr else None
    return hash_key, range_key
