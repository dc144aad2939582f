"""DynamoDB items held compactly: the values a table repeats are held once, whoever built the item.

A family's records repeat most of their values (an owner's id, a status, a rendition's width,
height and bitrate) and all of their attribute names; moto builds each of them anew for every
item, from the request's JSON. Items restored from the library share them (persistence.py);
``compact`` gives an item moto has just written the same form. It runs inside moto's write,
while the edge hands moto one DynamoDB request at a time, so no other request sees the item
half changed.

Only S, N, BOOL and NULL values are shared: moto replaces such a value when it writes one
(SET, ADD), where it changes lists, maps and sets in place, and those stay each item's own.
"""

from __future__ import annotations

import sys
import threading
from collections.abc import Hashable
from typing import Any, Generic, TypeVar

from moto.dynamodb.models.dynamo_type import DynamoType, Item, LimitedSizeDict

T = TypeVar("T")
SHORT = 64  # characters: ids, statuses, names and dates repeat across a table; longer strings seldom do
SCALARS = frozenset({"S", "N", "BOOL", "NULL"})


def shared(value: Any) -> Any:
    """``value``, interned when it is a string short enough to repeat across records."""
    return sys.intern(value) if type(value) is str and len(value) <= SHORT else value


def held_once(table: dict[str, Any]) -> dict[str, Any]:
    """A table of names and values (an S3 object's metadata) with its names interned and short values
    shared: every object names a content type, most the same."""
    return {sys.intern(name): shared(value) for name, value in table.items()}


def is_leaf(kind: str, value: Any) -> bool:
    """Whether a value of this kind may be held once for every item that has it."""
    return kind in SCALARS and not (type(value) is str and len(value) > SHORT)


def share_key_values(item: Item) -> None:
    """moto gives an item copies of its key values beside the same values among its attributes;
    one of each serves both (a key never changes in place, and moto changes no S, N or B value)."""
    for key in ("hash_key", "range_key"):
        value = getattr(item, key)
        if value is not None:
            setattr(item, key, next((same for same in item.attrs.values()
                                     if same.type == value.type and same.value == value.value), value))


class HeldOnce(Generic[T]):
    """One instance of each value written lately, for records to share.

    Bounded: the value used longest ago goes once ``limit`` are held (the records holding it keep it;
    only newer records stop sharing it), so values that never repeat (ids, dates) cost nothing
    lasting, and the ones every record repeats (a status, an owner) are never the ones to go.
    """

    def __init__(self, limit: int) -> None:
        self._limit = limit
        self._held: dict[Hashable, T] = {}
        self._lock = threading.Lock()

    def hold(self, key: Hashable, value: T) -> T:
        """The instance held for ``key`` (``value`` itself, held from now on, when there is none)."""
        with self._lock:
            held = self._held.pop(key, None)
            if held is None:
                held = value
                if len(self._held) >= self._limit:
                    del self._held[next(iter(self._held))]
            self._held[key] = held  # the newest use last: what goes first is used least lately
        return held


class Leaves:
    """The short scalar values written lately, one DynamoType each, for items to share."""

    def __init__(self, limit: int) -> None:
        self._values: HeldOnce[DynamoType] = HeldOnce(limit)

    def share(self, value: DynamoType) -> DynamoType:
        """The held value equal to ``value`` (``value`` itself, held from now on, when there is none);
        lists and maps keep their own container, with their members shared."""
        if type(value) is not DynamoType:
            return value
        kind, inner = value.type, value.value
        if kind == "M" and type(inner) is dict:
            value.value = {sys.intern(name): self.share(member) for name, member in inner.items()}
            return value
        if kind == "L" and type(inner) is list:
            value.value = [self.share(member) for member in inner]
            return value
        if not is_leaf(kind, inner):
            return value
        value.value = shared(inner)
        return self._values.hold((kind, value.value), value)


# Enough for a family's repeated values (statuses, owners, sizes of every rendition ladder) many times over.
_WRITTEN = Leaves(4096)


def compact(item: Item) -> Item:
    """``item`` as a restored one is held: names interned, repeated values shared, keys not copied."""
    attributes = LimitedSizeDict()
    # LimitedSizeDict's own setitem re-measures the whole item at every attribute.
    dict.update(attributes, {sys.intern(name): _WRITTEN.share(value) for name, value in item.attrs.items()})
    item.attrs = attributes
    share_key_values(item)
    return item
