"""Changes to moto 5.2.5's models that the local cloud applies once, before it serves anything.

- CompleteMultipartUpload assembles the object once instead of five times.
- A DynamoDB query on the table's partition key (the table itself, or a local
  secondary index such as MyMedia's ``by_created``) reads the page it answers,
  as DynamoDB does, instead of walking and sorting the whole table: the
  partition's order is kept until an item changes, and moto is handed the
  Limit + 1 items after ExclusiveStartKey.
- DynamoDB item values (AttributeValue) are serialized directly instead of through
  moto's generic botocore-shape walker, which spent ~10 ms per MyMedia record.
- The items a partition query answers are not copied (moto deep-copies each so that
  nothing downstream changes the stored item; nothing does: projections build new
  items, the answer is turned into dicts at once, and the edge answers one DynamoDB
  request at a time, so no write runs meanwhile). Elsewhere a value's members are
  copied without ``copy.deepcopy``'s dispatch for each. An item's size (moto weighs
  every item it reads against the 1 MB page limit, twice) is summed without building
  a DynamoType per map member; ``dynamo_to_dict`` no longer re-runs an import at every
  step of its recursion; and an item (a map of AttributeValue) is serialized at once.
- A stored item read lately keeps its size, its answer and its JSON text until any item
  is written, so a burst of the same listing converts, weighs and encodes each item once.
- An S3 object put without tags gets no empty tag set in the S3 backend's tagger.
  The backend is saved whole at every change of S3 (persistence.Journal); an entry
  per object made that save grow with the library (3.6 MB, pickled and written at
  every upload, with 28,000 objects). A library saved with them loses them as it loads.
- A queue remembers the receipt handles of its latest 1,000 deleted messages, not of every one:
  moto keeps them so that DeleteMessage of a deleted message succeeds, as on SQS, and the
  SQS backend is saved whole at every change, so each event's save grew with every event
  the queue had delivered. A library saved with them keeps 1,000 at its queue's next delete.
- moto's record of every model instance it ever made (``instances_tracked``, for its
  dashboard and reset) holds them weakly: it kept every overwritten S3 object, every
  copy a DynamoDB read hands back and every SQS message alive for the life of the
  process, so a cloud that runs for weeks grew with every request it served.
- An item moto writes (PutItem, UpdateItem, BatchWriteItem's puts) is held as a restored one is
  (library/items.py): its names interned, the short values a table repeats held once, and left out
  of moto's record of instances.
- The server's dispatcher lists moto's service packages once, not by reading moto's
  directory (about 175 entries) at every request while it holds its one lock.
- At every request moto listed its handler class's methods (``inspect.getmembers``) and
  ran a regex over the whole answer to put a request id into an XML ``<RequestId>``:
  the methods are listed once a class, the regex runs on answers that have one.

Each one keeps moto's answers byte for byte and is tested against moto's own code
(tests/localcloud/test_motofixes.py). Fidelity fixes that live at the edge instead
(S3 event key encoding, moto's extra ObjectCreated:Put) are in lambdaruntime/dispatcher.py.
"""

from __future__ import annotations

import base64
import binascii
import codecs
import copy
import hashlib
import itertools
import json
import threading
import weakref
from bisect import bisect_left, bisect_right
from collections.abc import Callable, Iterable, Iterator
from datetime import datetime
from functools import cache, wraps
from typing import Any

from moto import backends as moto_backends
from moto.core import responses as core_responses
from moto.core.common_models import BaseModel
from moto.core.serialize import BaseJSONSerializer
from moto.dynamodb import responses as dynamodb_responses
from moto.dynamodb.models import DynamoDBBackend
from moto.dynamodb.models import utilities as dynamodb_utilities
from moto.dynamodb.models.dynamo_type import DynamoType, Item, LimitedSizeDict
from moto.dynamodb.models.table import Table
from moto.dynamodb.models.utilities import bytesize

from moto.core.compat import HAS_CRT
from moto.s3 import models as s3_models
from moto.s3.exceptions import EntityTooSmall, InvalidPart, MalformedXML
from moto.sqs.models import Queue
from moto.utilities.utils import md5_hash

from localcloud.library import items, s3keys

_DECODE_HEX = codecs.getdecoder("hex_codec")
# moto's own, kept for the tests that hold the replacement to its answers.
MOTO_COMPLETE_MULTIPART = s3_models.FakeMultipart.complete
MOTO_PUT_OBJECT_TAGGING = s3_models.S3Backend.put_object_tagging
MOTO_TABLE_QUERY = Table.query
MOTO_ALL_ITEMS = Table.all_items
# moto's item writes (update_item changes an item in place, so the backend's); wrapped as installed when
# apply() runs, so library/changes.py's recording of the same methods stays, whichever comes first.
ITEM_WRITES = ((Table, "put_item"), (Table, "delete_item"), (DynamoDBBackend, "update_item"))
_reading = threading.local()  # the items the query running on this thread reads
MOTO_JSON_STRUCTURE = BaseJSONSerializer._serialize_type_structure
MOTO_JSON_BODY = BaseJSONSerializer._serialize_body
MOTO_MODULES = moto_backends.list_of_moto_modules
MOTO_METHOD_NAMES = core_responses.method_names_from_class
MOTO_ENRICH_RESPONSE = core_responses.BaseResponse._enrich_response
MOTO_DYNAMO_TO_DICT = dynamodb_utilities.dynamo_to_dict
MOTO_VALUE_SIZE = DynamoType.size
MOTO_ITEM_SIZE = Item.size
MOTO_VALUE_COPY = DynamoType.__deepcopy__
MOTO_ITEM_COPY = Item.__deepcopy__
MOTO_JSON_MAP = BaseJSONSerializer._serialize_type_map
MOTO_QUEUE_DELETE = Queue.delete_message
DELETED_RECEIPTS = 1000  # a queue's latest deleted messages whose receipt handles a repeated delete may name
_SETS = ("SS", "NS", "BS")
_PLAIN = (str, int, float, bool, type(None))  # what dynamo_to_dict hands back as it is
_STRINGS, _STRING_SETS, _AS_IS = ("S", "N"), ("SS", "NS"), ("NULL", "BOOL")
# AttributeValue's members in botocore's order (the order moto writes them); B and BS are left to moto.
_ATTRIBUTE_MEMBERS = ("S", "N", "SS", "NS", "M", "L", "NULL", "BOOL")
_MEMBER_NAMES = frozenset(_ATTRIBUTE_MEMBERS)


class _Checksum:
    """moto's compute_checksum, fed a chunk at a time (the same library and fallback for each algorithm)."""

    def __init__(self, algorithm: str) -> None:
        self._hash = hashlib.sha1(usedforsecurity=False) if algorithm == "SHA1" else (
            hashlib.sha256(usedforsecurity=False) if algorithm not in ("CRC32C", "CRC32", "CRC64NVME") else None)
        self._crc, self._width, self._update = 0, 4, binascii.crc32
        if algorithm == "CRC64NVME" and HAS_CRT:
            from awscrt import checksums

            self._width, self._update = 8, checksums.crc64nvme
        elif algorithm == "CRC32C":
            try:
                import crc32c

                self._update = crc32c.crc32c
            except ImportError:  # moto falls back to CRC32 too
                pass

    def update(self, chunk: bytes) -> None:
        if self._hash is not None:
            self._hash.update(chunk)
        else:
            self._crc = self._update(chunk, self._crc)

    def digest(self) -> bytes:
        return self._hash.digest() if self._hash is not None else self._crc.to_bytes(self._width, "big")


def _checksum(chunks: Iterator[bytes], algorithm: str) -> bytes:
    running = _Checksum(algorithm)
    for chunk in chunks:
        running.update(chunk)
    return running.digest()


def complete_multipart(
    self: s3_models.FakeMultipart, body: Iterator[tuple[int, str]]
) -> tuple[bytes | s3keys.Blob, str, tuple[str, str, int] | None]:
    """FakeMultipart.complete assembling the object on disk, a chunk at a time, instead of five copies in memory.

    moto grows two bytearrays part by part, copies both to bytes and reads every part
    twice: for a 256 MiB video, 3.5 s and over 1 GiB of memory in CompleteMultipartUpload
    (real S3 assembles the parts on its side). With the library's blob store in use, the
    parts' files are copied into the object's file 1 MiB at a time, checksums computed on
    the way; without it, joined once. Same checks, same ETag, same checksum.
    """
    algorithm = self.metadata.get("x-amz-checksum-algorithm") or "CRC64NVME"
    kind = self.metadata.get("x-amz-checksum-type") or ("FULL_OBJECT" if algorithm == "CRC64NVME" else "COMPOSITE")
    parts: list[s3_models.FakeKey] = []
    md5s = bytearray()
    for number, etag in body:
        part = self.parts.get(number)
        if part is None or part.etag.replace('"', "") != etag.replace('"', ""):
            raise InvalidPart()
        if parts and parts[-1].contentsize < s3_models.S3_UPLOAD_PART_MIN_SIZE:
            raise EntityTooSmall()
        md5s.extend(_DECODE_HEX(part.etag.replace('"', ""))[0])
        parts.append(part)
    if not parts:
        raise MalformedXML()
    etag = f"{md5_hash(bytes(md5s)).hexdigest()}-{len(parts)}"
    if kind == "COMPOSITE":
        per_part = b"".join(_checksum(s3keys.chunks(part), algorithm) for part in parts)
        checksum = (kind, base64.b64encode(_checksum(iter((per_part,)), algorithm)).decode(), len(parts))
    whole = _Checksum(algorithm) if kind != "COMPOSITE" else None

    def assembled() -> Iterator[bytes]:
        for part in parts:
            for chunk in s3keys.chunks(part):
                if whole is not None:
                    whole.update(chunk)
                yield chunk

    store = s3keys.current_store()
    if store is None:
        total: bytes | s3keys.Blob = b"".join(assembled())
    else:
        total = s3keys.Blob(store, store.put_chunks(assembled())[0])
    if whole is not None:
        checksum = (kind, base64.b64encode(whole.digest()).decode(), 1)
    return total, etag, checksum


class _Orders:
    """Each queried partition's items in a query's order, kept until any item of any table is written."""

    writes = 0  # item writes so far; an order made before the last write is made again
    kept: weakref.WeakKeyDictionary[Table, dict[tuple[str | None, DynamoType], tuple[int, list[Any], list[Item]]]] = (
        weakref.WeakKeyDictionary())


def _counting_writes(method: Callable[..., Any], compacting: bool) -> Callable[..., Any]:
    """moto's item write, counted (a partition's kept order is then made again) and, unless it is a
    delete, the written item compacted (library/items.py) while the edge still holds DynamoDB."""
    @wraps(method)
    def written(*args: Any, **kwargs: Any) -> Any:
        try:
            result = method(*args, **kwargs)
        finally:
            _Orders.writes += 1
        if not (compacting and isinstance(result, Item)):
            return result
        untrack(result)  # as a restored item: it holds nothing a reset must close
        return items.compact(result)
    return written


def _partition(table: Table, hash_key: DynamoType | None, index_name: str | None,
               hash_key_conditions: list[tuple[str, DynamoType]] | None) -> tuple[DynamoType, list[str]] | None:
    """The one partition a query can match and the attributes moto orders it by; None: not such a query."""
    if index_name is not None:
        index = next((i for i in table.all_indexes() if i.name == index_name), None)
        keys = index.schema if index else []
        hashes = [key["AttributeName"] for key in keys if key["KeyType"] == "HASH"]
        ranges = [key["AttributeName"] for key in keys if key["KeyType"] == "RANGE"]
        # moto matches an index query by its key conditions alone: they must name the partition key.
        if hashes != [table.hash_key_attr] or [name for name, _ in hash_key_conditions or []] != hashes \
                or len(ranges) != 1:
            return None
        return hash_key_conditions[0][1], table._generate_attr_to_sort_by(  # type: ignore[index]
            hashes + [table.hash_key_attr], ranges + [table.range_key_attr])
    if hash_key is None:
        return None
    return hash_key, [table.range_key_attr] if table.range_key_attr else []


def _ordered(table: Table, index_name: str | None, hash_key: DynamoType,
             attrs: list[str]) -> tuple[list[Any], list[Item]]:
    """The partition's items that have every attribute of ``attrs``, ordered as moto orders them; and their keys."""
    kept = _Orders.kept.setdefault(table, {})
    found = kept.get((index_name, hash_key))
    if found is not None and found[0] == _Orders.writes:
        return found[1], found[2]
    writes = _Orders.writes
    stored = table.items.get(hash_key)
    items = [] if stored is None else list(stored.values()) if table.range_key_attr else [stored]
    # DynamoType compares by cast_value: the same order, without a Python comparison per pair.
    entries = sorted(((tuple(item.attrs[a].cast_value for a in attrs), item) for item in items
                      if all(a in item.attrs for a in attrs)), key=lambda entry: entry[0])
    keys, ordered = [entry[0] for entry in entries], [entry[1] for entry in entries]
    kept[(index_name, hash_key)] = (writes, keys, ordered)
    return keys, ordered


def _page(keys: list[Any], items: list[Item], attrs: list[str], limit: int | None,
          exclusive_start_key: dict[str, Any] | None, forward: bool) -> list[Item]:
    """The items moto's query reaches: the Limit + 1 after ExclusiveStartKey in the query's direction."""
    if limit is None:
        return items
    start = None
    if exclusive_start_key is not None:
        start = tuple(DynamoType(exclusive_start_key[a]).cast_value for a in attrs)
    if forward:
        first = 0 if start is None else bisect_right(keys, start)
        return items[first:first + limit + 1]
    end = len(items) if start is None else bisect_left(keys, start)
    return items[max(0, end - limit - 1):end]


def query_partition(self: Table, hash_key: DynamoType | None, range_comparison: str | None,
                    range_objs: list[DynamoType], limit: int, exclusive_start_key: dict[str, Any],
                    scan_index_forward: bool, projection_expressions: list[list[str]] | None,
                    index_name: str | None = None, consistent_read: bool = False, filter_expression: Any = None,
                    hash_key_conditions: list[tuple[str, DynamoType]] | None = None,
                    range_key_conditions: list[tuple[str, str, list[DynamoType]]] | None = None,
                    **filter_kwargs: Any) -> tuple[list[Item], int, dict[str, Any] | None]:
    """Table.query that hands moto the page it answers in place of every item of the table.

    moto's query calls ``all_items()`` (every item, sorted) and keeps those whose key matches:
    MyMedia's newest-first page cost grew with the whole table. Given the partition's items in
    the same order (only those a key condition on the sort key keeps, or the Limit + 1 after
    ExclusiveStartKey when there is none), moto's own code gives the same answer, key for key
    and page for page.
    """
    args = (self, hash_key, range_comparison, range_objs, limit, exclusive_start_key, scan_index_forward,
            projection_expressions, index_name, consistent_read, filter_expression)
    keywords = {"hash_key_conditions": hash_key_conditions, "range_key_conditions": range_key_conditions,
                **filter_kwargs}
    partition = _partition(self, hash_key, index_name, hash_key_conditions)
    if partition is None:
        return MOTO_TABLE_QUERY(*args, **keywords)  # type: ignore[arg-type]
    partition_key, attrs = partition
    keys, items = _ordered(self, index_name, partition_key, attrs)
    start_named = exclusive_start_key is None or all(a in exclusive_start_key for a in attrs)
    if not range_comparison and not filter_kwargs and start_named:
        items = _page(keys, items, attrs, limit, exclusive_start_key, scan_index_forward)
    _reading.table, _reading.items = self, items
    try:
        return MOTO_TABLE_QUERY(*args, **keywords)  # type: ignore[arg-type]
    finally:
        _reading.table = _reading.items = None


def all_items(self: Table) -> list[Item]:
    """Table.all_items, but the queried items alone while ``query_partition`` runs on this thread."""
    if getattr(_reading, "table", None) is self:
        return list(_reading.items)
    return MOTO_ALL_ITEMS(self)


def _string(value: Any) -> Any:
    return str(value) if value not in (None, {}, []) else value  # moto's _serialize_type_string


class _Written(dict):  # type: ignore[type-arg]
    """An AttributeValue that ``dynamo_to_dict`` built exactly as moto's serializer would write it (strings that
    are str all through, no binary): the serializer writes it as it is."""

    __slots__ = ()


def _attribute_value(value: dict[str, Any]) -> dict[str, Any] | None:
    """An AttributeValue as moto's JSON serializer writes it; None when it holds binary (moto's path)."""
    if type(value) is _Written:
        return value
    if len(value) == 1:  # most values are one string or number: no need to walk every member name
        ((name, member),) = value.items()
        if name in _STRINGS:
            return {} if member is None else {name: _string(member)}
    if not value.keys() <= _MEMBER_NAMES:
        return None
    out: dict[str, Any] = {}
    for name in _ATTRIBUTE_MEMBERS:
        member = value.get(name)
        if member is None:
            continue
        if name in _STRINGS:
            out[name] = _string(member)
        elif name in _AS_IS:
            out[name] = member
        elif name in _STRING_SETS:
            out[name] = [_string(item) for item in member]
        elif name == "M":
            mapped = {key: _attribute_value(item) for key, item in member.items() if item is not None}
            if None in mapped.values():
                return None
            out[name] = mapped
        else:  # L: a None item is kept as it is, as moto's list serializer does
            listed = [None if item is None else _attribute_value(item) for item in member]
            if any(serialized is None and item is not None for serialized, item in zip(listed, member)):
                return None
            out[name] = listed
    return out


def serialize_structure(self: BaseJSONSerializer, serialized: Any, value: Any, shape: Any, key: str) -> None:
    """moto's JSON structure serializer, with DynamoDB's AttributeValue written directly.

    moto resolves every member of every attribute through botocore's shape model
    (candidate key names, aliases): about 10 ms per MyMedia record, so a 25-video page
    took a quarter of a second to serialize. Same JSON, byte for byte.
    """
    if (shape.name == "AttributeValue" and key and isinstance(value, dict)
            and self.operation_model.service_model.service_name == "dynamodb"):
        direct = _attribute_value(value)
        if direct is not None:
            self._default_serialize(serialized, direct, shape, key)
            return
    MOTO_JSON_STRUCTURE(self, serialized, value, shape, key)


def copy_item(self: Item, memo: dict[int, Any]) -> Item:
    """Item.__deepcopy__, except while a partition query runs on this thread: then the item itself (the
    answer only reads it, under the edge's one-DynamoDB-request-at-a-time lock)."""
    if getattr(_reading, "table", None) is not None:
        return self
    return MOTO_ITEM_COPY(self, memo)


def copy_value(self: DynamoType, memo: dict[int, Any]) -> DynamoType:
    """DynamoType.__deepcopy__, its members copied directly (``copy.deepcopy`` still sees each top-level value,
    so an item whose key is also one of its attributes keeps them one object)."""
    result = self.__class__.__new__(self.__class__)
    result.type = kind = self.type
    inner = self.value
    if kind == "L":
        result.value = [copy_value(member, memo) if type(member) is DynamoType else copy.deepcopy(member, memo)
                        for member in inner]
    elif kind == "M":
        result.value = {key: copy_value(member, memo) if type(member) is DynamoType else copy.deepcopy(member, memo)
                        for key, member in inner.items()}
    elif kind in _SETS:
        result.value = list(inner)
    else:
        result.value = inner
    return result


def value_size(value: DynamoType) -> int:
    """DynamoType.size by moto's rules, without building a DynamoType for every member of a set or map."""
    kind, inner = value.type, value.value
    if kind == "N":
        return len(str(inner))
    if kind in ("SS", "BS"):
        return sum(1 if isinstance(member, bool) else bytesize(member) for member in inner)
    if kind == "NS":
        return sum(len(str(member)) for member in inner)
    if kind == "L":
        return sum(value_size(member) for member in inner)
    if kind == "M":
        return sum(bytesize(key) + value_size(member if type(member) is DynamoType else DynamoType(member))
                   for key, member in inner.items())
    return 1 if isinstance(inner, bool) else bytesize(inner)


def item_size(self: Item) -> int:
    """Item.size: its names' and values' bytes, as DynamoDB counts them against a page's 1 MB.

    moto's query weighs each item it keeps twice (does it still fit the page, then the page's new
    size): a stored item is weighed once until an item is written (``_Answers``).
    """
    return _ANSWERS.size(self.attrs)


def _weight(attrs: dict[str, DynamoType]) -> int:
    return sum(bytesize(key) + value_size(value) for key, value in attrs.items())


class _Answers:
    """What the items read lately weigh and are as an answer (``dynamo_to_dict`` of their attributes),
    kept until any item of any table is written.

    A burst of MyMedia listings answers the same page again and again: converting, weighing and
    encoding its items took about 40 % of the local cloud's CPU in a burst (py-spy). An item's
    attributes (moto's LimitedSizeDict, held here so its id is not reused) are the key. Any write
    clears everything, as ``_Orders`` does, so an UpdateItem that changes an item in place is never
    answered stale; the edge hands moto one DynamoDB request at a time, answer included, so no
    write runs meanwhile. Bounded: the item read longest ago goes first; answers are shared, and
    nothing changes them.
    """

    def __init__(self, limit: int) -> None:
        self._limit = limit
        self._kept: dict[int, list[Any]] = {}  # id(attrs) -> [attrs, answer or None, size or None]
        self._writes = -1
        self._lock = threading.Lock()

    def _entry(self, attrs: dict[str, Any]) -> list[Any]:
        with self._lock:
            if self._writes != _Orders.writes:
                self._kept.clear()
                self._writes = _Orders.writes
            entry = self._kept.pop(id(attrs), None)
            if entry is None or entry[0] is not attrs:
                entry = [attrs, None, None]
                if len(self._kept) >= self._limit:
                    del self._kept[next(iter(self._kept))]
            self._kept[id(attrs)] = entry  # the newest read last
            return entry

    def answer(self, attrs: LimitedSizeDict) -> _Answer:
        entry = self._entry(attrs)
        if entry[1] is None:
            entry[1] = _Answer({key: dynamo_to_dict(value) for key, value in attrs.items()})
        return entry[1]  # type: ignore[no-any-return]

    def size(self, attrs: LimitedSizeDict) -> int:
        entry = self._entry(attrs)
        if entry[2] is None:
            entry[2] = _weight(attrs)
        return entry[2]  # type: ignore[no-any-return]


class _Answer(dict):  # type: ignore[type-arg]
    """A stored item as ``dynamo_to_dict`` answers it, and what the serializer wrote of it (``serialize_map``)."""

    __slots__ = ("written",)

    def __init__(self, converted: dict[str, Any]) -> None:
        super().__init__(converted)
        self.written: _Encoded | None = None


class _Encoded(dict):  # type: ignore[type-arg]
    """An item as the JSON serializer writes it, and its JSON text once a body has held it (``serialize_body``)."""

    __slots__ = ("text",)

    def __init__(self, written: dict[str, Any]) -> None:
        super().__init__(written)
        self.text: str | None = None

    def encoded(self) -> str:
        if self.text is None:
            self.text = json.dumps(self)
        return self.text


# A few hundred items: the first pages of the users listing at once.
_ANSWERS = _Answers(256)


def _as_written(kind: str, value: Any) -> dict[str, Any]:
    """``{kind: value}``, marked as written when the serializer would write it unchanged."""
    if kind in _STRINGS:
        written = type(value) is str
    elif kind in _STRING_SETS:
        written = type(value) is list and all(type(member) is str for member in value)
    elif kind in _AS_IS:
        written = True
    elif kind == "M":
        written = type(value) is dict and all(type(member) is _Written for member in value.values())
    elif kind == "L":
        written = type(value) is list and all(type(member) is _Written for member in value)
    else:
        written = False
    return _Written({kind: value}) if written else {kind: value}


def dynamo_to_dict(obj: Any) -> Any:
    """moto's dynamo_to_dict, the same result; moto's imports DynamoType again at every step of the recursion."""
    if type(obj) in _PLAIN:
        return obj
    if type(obj) is LimitedSizeDict:  # an item's attributes
        return _ANSWERS.answer(obj)
    if isinstance(obj, datetime):
        return obj
    if isinstance(obj, DynamoType):
        if obj.type == "B":
            return {"B": obj.value if isinstance(obj.value, bytes) else base64.b64decode(obj.value)}
        if obj.type == "BS":
            return {"BS": [v if isinstance(v, bytes) else base64.b64decode(v) for v in obj.value]}
        return _as_written(obj.type, dynamo_to_dict(obj.value))
    if hasattr(obj, "to_json"):
        return dynamo_to_dict(obj.to_json())
    if isinstance(obj, dict):
        return {k: dynamo_to_dict(v) for k, v in obj.items()}
    if isinstance(obj, list):
        return [dynamo_to_dict(item) for item in obj]
    return obj


def serialize_map(self: BaseJSONSerializer, serialized: Any, value: Any, shape: Any, key: str) -> None:
    """moto's JSON map serializer, with a DynamoDB item (a map of AttributeValue) written at once rather than
    through moto's per-member dispatch; anything else (binary values) goes moto's way. A stored item's
    answer (``_Answer``) keeps what it is written as, for the next answer that holds it."""
    if (shape.value.name == "AttributeValue" and isinstance(value, dict)
            and self.operation_model.service_model.service_name == "dynamodb"):
        if type(value) is _Answer and value.written is not None:
            self._default_serialize(serialized, value.written, shape, key)
            return
        direct = self.MAP_TYPE()
        for name, member in value.items():
            converted = _attribute_value(member) if isinstance(member, dict) else None
            if converted is None:
                break
            direct[name] = converted
        else:
            if type(value) is _Answer:
                direct = value.written = _Encoded(direct)
            self._default_serialize(serialized, direct, shape, key)
            return
    MOTO_JSON_MAP(self, serialized, value, shape, key)


def serialize_body(self: BaseJSONSerializer, body: Any) -> str:
    """moto's JSON body, with the items a stored item's answer already wrote (``_Encoded``) put in as text:
    a burst of listings encodes each item of the page once. The same bytes as ``json.dumps(body)``."""
    items = body.get("Items") if type(body) is dict and not self.pretty_print else None
    if not items or type(items) is not list or any(type(item) is not _Encoded for item in items):
        return MOTO_JSON_BODY(self, body)  # type: ignore[no-any-return]
    listed = "[" + ", ".join(item.encoded() for item in items) + "]"
    return "{" + ", ".join(f"{json.dumps(name)}: {listed if name == 'Items' else json.dumps(value)}"
                           for name, value in body.items()) + "}"


def put_object_tagging(self: s3_models.S3Backend, key: s3_models.FakeKey, tags: dict[str, str] | None) -> Any:
    """moto's, leaving no entry for an object without tags (no entry and an empty one answer the same)."""
    answer = MOTO_PUT_OBJECT_TAGGING(self, key, tags)
    if not self.tagger.tags.get(key.arn, True):
        del self.tagger.tags[key.arn]
    return answer


def forget_empty_tag_sets(backend: s3_models.S3Backend) -> None:
    """Drop the empty tag sets a library saved before this change holds, one per object."""
    backend.tagger.tags = {arn: tag_set for arn, tag_set in backend.tagger.tags.items() if tag_set}


class WeakInstances:
    """A model's ``instances_tracked``: what moto's list of its instances offers, without keeping them alive."""

    def __init__(self) -> None:
        self._refs: dict[int, weakref.ref[Any]] = {}  # by the id of the ref, alive until its callback returns
        self._forget = lambda ref: self._refs.pop(id(ref), None)  # one callback for every ref

    def append(self, instance: Any) -> None:
        try:
            ref = weakref.ref(instance, self._forget)
        except TypeError:  # a model with __slots__ and no __weakref__: not tracked rather than kept forever
            return
        self._refs[id(ref)] = ref

    def discard(self, instance: Any) -> None:
        """Stop tracking ``instance`` (one that holds nothing a reset must close)."""
        for ref in weakref.getweakrefs(instance):
            self._refs.pop(id(ref), None)

    def __iter__(self) -> Iterator[Any]:
        return iter([instance for ref in list(self._refs.values()) if (instance := ref()) is not None])

    def __len__(self) -> int:
        return len(self._refs)


def untrack(instance: Any) -> None:
    """Leave ``instance`` out of moto's record of its model's instances: a restored record holds nothing
    a reset must close, and the record cost about 150 B an instance, times every record of a library."""
    tracked = type(instance).__dict__.get("instances_tracked")
    if isinstance(tracked, WeakInstances):
        tracked.discard(instance)


def _new_model(cls: type, *args: Any, **kwargs: Any) -> Any:
    """moto's BaseModel.__new__, recording the instance in a WeakInstances (set again after moto's reset)."""
    instance = super(BaseModel, cls).__new__(cls)  # type: ignore[misc]
    tracked = cls.__dict__.get("instances_tracked")
    if not isinstance(tracked, WeakInstances):
        earlier, tracked = tracked or [], WeakInstances()
        for model in earlier:
            tracked.append(model)
        cls.instances_tracked = tracked  # type: ignore[attr-defined]
    tracked.append(instance)
    return instance


class RecentReceipts(dict):  # type: ignore[type-arg]
    """The receipt handles of a queue's latest deleted messages, oldest first, at most ``DELETED_RECEIPTS``:
    what moto asks of its set of every handle ever deleted (``in``, ``update``)."""

    __slots__ = ()

    def __reduce__(self) -> tuple[type, tuple[list[str]]]:
        return set, (list(self),)  # saved as moto's own set: a library stays readable without this class

    def update(self, handles: Iterable[str]) -> None:  # type: ignore[override]
        for handle in handles:
            if handle is not None:  # moto lists a message's handle before its first receive: None
                self.pop(handle, None)
                self[handle] = None
        for stale in list(itertools.islice(self, max(0, len(self) - DELETED_RECEIPTS))):
            del self[stale]


def delete_message(self: Queue, receipt_handle: str) -> None:
    """moto's Queue.delete_message, its record of deleted handles bounded (a set from moto's constructor,
    or from a library saved before, becomes a RecentReceipts first)."""
    if type(self.deleted_messages) is not RecentReceipts:
        recent = RecentReceipts()
        recent.update(self.deleted_messages)
        self.deleted_messages = recent
    MOTO_QUEUE_DELETE(self, receipt_handle)


def apply() -> None:
    """Install the changes (idempotent)."""
    Queue.delete_message = delete_message  # type: ignore[method-assign]
    BaseModel.__new__ = staticmethod(_new_model)  # type: ignore[assignment,method-assign]
    s3_models.S3Backend.put_object_tagging = put_object_tagging  # type: ignore[method-assign]
    s3_models.FakeMultipart.complete = complete_multipart  # type: ignore[method-assign]
    Table.query = query_partition  # type: ignore[method-assign]
    Table.all_items = all_items  # type: ignore[method-assign]
    if not hasattr(Table.put_item, "__wrapped__"):
        for owner, name in ITEM_WRITES:
            setattr(owner, name, _counting_writes(getattr(owner, name), compacting=name != "delete_item"))
    BaseJSONSerializer._serialize_type_structure = serialize_structure  # type: ignore[method-assign]
    BaseJSONSerializer._serialize_type_map = serialize_map  # type: ignore[method-assign]
    BaseJSONSerializer._serialize_body = serialize_body  # type: ignore[method-assign]
    DynamoType.__deepcopy__ = copy_value  # type: ignore[method-assign]
    Item.__deepcopy__ = copy_item  # type: ignore[method-assign]
    DynamoType.size = value_size  # type: ignore[method-assign]
    Item.size = item_size  # type: ignore[method-assign]
    dynamodb_utilities.dynamo_to_dict = dynamodb_responses.dynamo_to_dict = dynamo_to_dict
    moto_backends.list_of_moto_modules = moto_modules
    core_responses.method_names_from_class = method_names
    core_responses.BaseResponse._enrich_response = staticmethod(enrich_response)  # type: ignore[method-assign]


@cache
def method_names(handler: type) -> tuple[str, ...]:
    """moto's ``method_names_from_class``, once a class: the actions a response class answers do not change."""
    return tuple(MOTO_METHOD_NAMES(handler))


def enrich_response(headers: dict[str, str], body: Any) -> tuple[dict[str, str], Any]:
    """moto's ``_enrich_response``; its regex, which writes the request id into an XML ``<RequestId>``, runs
    only on an answer that has one (it scanned every JSON answer, a whole DynamoDB page at a time)."""
    if isinstance(body, str) and "<RequestId>" in body:
        return MOTO_ENRICH_RESPONSE(headers, body)  # type: ignore[no-any-return]
    return MOTO_ENRICH_RESPONSE(headers, "")[0], body


@cache
def moto_modules() -> tuple[str, ...]:
    """moto's service packages: what ``list_of_moto_modules`` finds in its installed directory, read once."""
    return tuple(MOTO_MODULES())
