"""A handler given an event it is not wired for fails with MalformedEvent naming the field, before it runs."""

from __future__ import annotations

from typing import Any

import pytest

from pettube.errors import MalformedEvent
from pettube.shapes import expects

S3_FIELDS = {"Records[].s3.bucket.name": str, "Records[].s3.object.key": str}


@expects("an S3 event notification", S3_FIELDS)
def handler(event: Any, context: Any) -> str:
    return "ran"


def record(key: Any = "k") -> dict[str, Any]:
    return {"s3": {"bucket": {"name": "b"}, "object": {"key": key}}}


def test_an_event_with_every_field_reaches_the_handler() -> None:
    assert handler({"Records": [record(), record("other")]}, None) == "ran"


@pytest.mark.parametrize(("event", "problem"), [
    ({}, "Records is missing or not a non-empty list"),
    ([], "Records is missing or not a non-empty list"),
    ("garbage", "Records is missing or not a non-empty list"),
    ({"Records": []}, "Records is missing or not a non-empty list"),
    ({"Records": [{}]}, "s3 is missing or not an object"),
    ({"Records": [record(), record(key=7)]}, "key is missing or not a str"),
    ({"Records": [{"s3": {"bucket": None}}]}, "bucket is missing or not an object"),
])
def test_an_event_without_a_field_is_refused_by_name(event: Any, problem: str) -> None:
    with pytest.raises(MalformedEvent, match=f"^not an S3 event notification: {problem}$"):
        handler(event, None)
