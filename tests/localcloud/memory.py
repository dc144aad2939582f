"""What the library tests weigh: the memory a set of records keeps, whether a record has a dict of its own,
and a MyMedia-like record."""

from __future__ import annotations

import gc
import tracemalloc
from collections.abc import Callable
from typing import Any

from moto.dynamodb.models.dynamo_type import Item

OWNER = "us-east-1:00000000-0000-4000-8000-000000000000"


def retained(make: Callable[[], Any]) -> int:
    """Bytes still held by what ``make()`` returns."""
    gc.collect()
    tracemalloc.start()
    try:
        kept = make()  # alive while measured
        gc.collect()
        held = tracemalloc.get_traced_memory()[0]
        del kept
        return held
    finally:
        tracemalloc.stop()


def mymedia_record(n: int) -> dict[str, Any]:
    """A MyMedia-like record: an owner, a status, a title of its own, a ladder of renditions."""
    key = f"{OWNER}/video-{n:04d}"
    return {"owner_id": {"S": OWNER}, "video_id": {"S": f"video-{n:04d}"}, "status": {"S": "ready"},
            "title": {"S": f"Rex at the beach, take {n}"}, "progress": {"N": "100"},
            "renditions": {"L": [{"M": {"name": {"S": name}, "key": {"S": f"{key}/{name}.m3u8"},
                                        "width": {"N": str(width)}}}
                                 for name, width in (("720p", 1280), ("480p", 854), ("360p", 640))]}}


def has_a_dict_of_its_own(record: Any) -> bool:
    """Whether CPython has given an S3 object or a DynamoDB item a dict for its attributes (it keeps one once
    made, 64 B more): that dict is then what the record refers to, where a compact record refers to its
    attribute values themselves."""
    names = {"hash_key", "attrs"} if isinstance(record, Item) else {"name", "_etag"}
    return any(type(ref) is dict and names <= ref.keys() for ref in gc.get_referents(record))
