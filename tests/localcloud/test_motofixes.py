"""The local cloud's changes to moto give moto's answers.

CompleteMultipartUpload: same bytes, ETag, checksum and errors. DynamoDB queries on the
partition key: same items, pages and keys, reading one partition instead of the table.
DynamoDB answers: the same JSON, byte for byte, without moto's per-attribute shape walk.
"""

from __future__ import annotations

import copy
import gc
import inspect
import os
import pickle
import random
from datetime import datetime
from pathlib import Path
from collections.abc import Callable, Iterator
from typing import Any

import boto3
import pytest
from moto import mock_aws
from moto.core import DEFAULT_ACCOUNT_ID as ACCOUNT_ID
from moto.core.model_instances import model_data
from moto.core.serialize import BaseJSONSerializer
from moto.dynamodb import responses as dynamodb_responses
from moto.dynamodb.models import dynamodb_backends
from moto.dynamodb.models import utilities as dynamodb_utilities
from moto.dynamodb.models.dynamo_type import DynamoType, Item
from moto.dynamodb.models.table import Table
from moto.s3.utils import CaseInsensitiveDict
from moto.s3.exceptions import EntityTooSmall, InvalidPart, MalformedXML
from moto.s3.models import FakeKey, FakeMultipart, s3_backends
from moto.sqs.models import sqs_backends

from localcloud import motofixes
from localcloud.library import s3keys
from localcloud.library.blobs import BlobStore
from localcloud.motofixes import (
    MOTO_ALL_ITEMS,
    MOTO_COMPLETE_MULTIPART,
    MOTO_DYNAMO_TO_DICT,
    MOTO_ITEM_COPY,
    MOTO_ITEM_SIZE,
    MOTO_JSON_BODY,
    MOTO_JSON_MAP,
    MOTO_JSON_STRUCTURE,
    MOTO_TABLE_QUERY,
    MOTO_VALUE_COPY,
    MOTO_VALUE_SIZE,
    all_items,
    complete_multipart,
    copy_item,
    copy_value,
    dynamo_to_dict,
    item_size,
    query_partition,
    serialize_body,
    serialize_map,
    serialize_structure,
    value_size,
)

MIB = 1024 * 1024


def upload(parts: list[bytes], **metadata: str) -> FakeMultipart:
    multipart = FakeMultipart("pets/rex.mp4", CaseInsensitiveDict(metadata), "123456789012", "us-east-1")
    for number, data in enumerate(parts, start=1):
        multipart.set_part(number, data)
    return multipart


def listing(multipart: FakeMultipart) -> list[tuple[int, str]]:
    return [(number, part.etag) for number, part in sorted(multipart.parts.items())]


@pytest.mark.parametrize("metadata", [
    {},  # moto's default: CRC64NVME over the whole object
    {"x-amz-checksum-algorithm": "CRC32"},  # composite: a checksum of the parts' checksums
    {"x-amz-checksum-algorithm": "SHA256", "x-amz-checksum-type": "FULL_OBJECT"},
], ids=["default", "crc32-composite", "sha256-full-object"])
def test_same_object_etag_and_checksum_as_moto(metadata: dict[str, str]) -> None:
    parts = [os.urandom(5 * MIB), os.urandom(5 * MIB), os.urandom(123)]
    multipart = upload(parts, **metadata)
    ours = complete_multipart(multipart, iter(listing(multipart)))
    assert ours == MOTO_COMPLETE_MULTIPART(multipart, iter(listing(multipart)))
    assert ours[0] == b"".join(parts) and ours[1].endswith("-3")


@pytest.mark.parametrize("metadata", [{}, {"x-amz-checksum-algorithm": "CRC32"}], ids=["default", "crc32-composite"])
def test_with_the_library_the_object_is_assembled_on_disk(metadata: dict[str, str], tmp_path: Path) -> None:
    """Parts' bytes are files as they arrive; the object is copied from them into its own file, never
    joined in memory; ETag and checksum are moto's."""
    parts = [os.urandom(5 * MIB), os.urandom(5 * MIB), os.urandom(123)]
    expected = MOTO_COMPLETE_MULTIPART(upload(parts, **metadata), iter(listing(upload(parts, **metadata))))
    store = BlobStore(tmp_path)
    previous = s3keys.use(store)
    try:
        multipart = upload(parts, **metadata)
        assert all(store.path(part._blob.digest).read_bytes() == data  # each part: a file of its own
                   for part, data in zip(multipart.parts.values(), parts))
        total, etag, checksum = complete_multipart(multipart, iter(listing(multipart)))
    finally:
        s3keys.stop_using(store, previous)
    assert isinstance(total, s3keys.Blob)  # a file, not bytes
    assert store.path(total.digest).read_bytes() == b"".join(parts)
    assert (etag, checksum) == expected[1:]


@pytest.mark.parametrize(("parts", "tamper", "error"), [
    ([b"a" * 5 * MIB, b"b"], lambda listed: [(1, listed[0][1]), (2, '"0000"')], InvalidPart),
    ([b"a" * 5 * MIB, b"b"], lambda listed: [*listed, (3, '"0000"')], InvalidPart),
    ([b"small", b"b" * 5 * MIB], lambda listed: listed, EntityTooSmall),
    ([b"a" * 5 * MIB], lambda listed: [], MalformedXML),
], ids=["wrong-etag", "missing-part", "small-middle-part", "no-parts"])
def test_same_refusals_as_moto(parts: list[bytes], tamper: Callable, error: type[Exception]) -> None:
    multipart = upload(parts)
    for complete in (MOTO_COMPLETE_MULTIPART, complete_multipart):
        with pytest.raises(error):
            complete(multipart, iter(tamper(listing(multipart))))


# The videos table's shape (infra/template.yaml): owner/video keys, newest-first LSI, status GSI.
TABLE = {
    "TableName": "videos", "BillingMode": "PAY_PER_REQUEST",
    "AttributeDefinitions": [{"AttributeName": name, "AttributeType": "S"}
                             for name in ("owner_id", "video_id", "created_at", "status", "updated_at")],
    "KeySchema": [{"AttributeName": "owner_id", "KeyType": "HASH"}, {"AttributeName": "video_id", "KeyType": "RANGE"}],
    "LocalSecondaryIndexes": [{"IndexName": "by_created", "Projection": {"ProjectionType": "ALL"}, "KeySchema": [
        {"AttributeName": "owner_id", "KeyType": "HASH"}, {"AttributeName": "created_at", "KeyType": "RANGE"}]}],
    "GlobalSecondaryIndexes": [{"IndexName": "by_status", "Projection": {"ProjectionType": "KEYS_ONLY"}, "KeySchema": [
        {"AttributeName": "status", "KeyType": "HASH"}, {"AttributeName": "updated_at", "KeyType": "RANGE"}]}],
}
QUERIES = {
    "newest-first": {"IndexName": "by_created", "KeyConditionExpression": "owner_id = :o", "ScanIndexForward": False,
                     "Limit": 5, "ExpressionAttributeValues": {":o": {"S": "owner-1"}}},
    "since": {"IndexName": "by_created", "KeyConditionExpression": "owner_id = :o AND created_at > :t",
              "ExpressionAttributeValues": {":o": {"S": "owner-2"}, ":t": {"S": "2026-06"}}, "Limit": 4},
    "filtered": {"KeyConditionExpression": "owner_id = :o AND begins_with(video_id, :v)", "Limit": 3,
                 "FilterExpression": "#s = :s", "ExpressionAttributeNames": {"#s": "status"},
                 "ExpressionAttributeValues": {":o": {"S": "owner-1"}, ":v": {"S": "v1"}, ":s": {"S": "ready"}}},
    "status-gsi": {"IndexName": "by_status", "KeyConditionExpression": "#s = :s", "Limit": 4,
                   "ExpressionAttributeNames": {"#s": "status"}, "ExpressionAttributeValues": {":s": {"S": "processing"}}},
    "oldest-first": {"IndexName": "by_created", "KeyConditionExpression": "owner_id = :o", "Limit": 3,
                     "FilterExpression": "#s = :s", "ExpressionAttributeNames": {"#s": "status"},
                     "ExpressionAttributeValues": {":o": {"S": "owner-3"}, ":s": {"S": "ready"}}},
    "by-video-id": {"KeyConditionExpression": "owner_id = :o", "Limit": 4, "ScanIndexForward": False,
                    "ExpressionAttributeValues": {":o": {"S": "owner-0"}}},
    "nobody": {"KeyConditionExpression": "owner_id = :o", "ExpressionAttributeValues": {":o": {"S": "nobody"}}},
}


@pytest.fixture
def videos() -> Iterator[Any]:
    rng = random.Random(7)
    with mock_aws():
        client = boto3.client("dynamodb", region_name="us-east-1")
        client.create_table(**TABLE)
        for owner in range(4):
            for number in range(rng.randint(8, 20)):
                item = {"owner_id": {"S": f"owner-{owner}"}, "video_id": {"S": f"v{number}"},
                        "status": {"S": rng.choice(["ready", "processing"])},
                        "updated_at": {"S": f"2026-{rng.randint(1, 12):02}"}}
                if number % 6:  # some videos are not in the newest-first index
                    item["created_at"] = {"S": f"2026-{rng.randint(1, 12):02}-{rng.randint(10, 28)}"}
                client.put_item(TableName="videos", Item=item)
        yield client


def _pages(client: Any, query: dict[str, Any]) -> list[dict[str, Any]]:
    pages, start = [], None
    while True:
        page = client.query(TableName="videos", **query, **({"ExclusiveStartKey": start} if start else {}))
        pages.append({k: page.get(k) for k in ("Items", "Count", "ScannedCount", "LastEvaluatedKey")})
        start = page.get("LastEvaluatedKey")
        if not start:
            return pages


@pytest.mark.parametrize("name", QUERIES)
def test_a_partition_query_gives_moto_s_pages(videos: Any, monkeypatch: pytest.MonkeyPatch, name: str) -> None:
    monkeypatch.setattr(Table, "query", MOTO_TABLE_QUERY)
    monkeypatch.setattr(Table, "all_items", MOTO_ALL_ITEMS)
    moto_pages = _pages(videos, QUERIES[name])
    monkeypatch.setattr(Table, "query", query_partition)
    monkeypatch.setattr(Table, "all_items", all_items)
    assert _pages(videos, QUERIES[name]) == moto_pages


def test_pages_after_writes_are_moto_s(videos: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    """An item added, re-dated in place, or deleted between two listings moves in (or out of) the next pages."""
    query = QUERIES["newest-first"]
    motofixes.apply()  # as the local cloud runs: item writes are counted
    _pages(videos, query)  # the partition's order, kept
    key = {"owner_id": {"S": "owner-1"}, "video_id": {"S": "v1"}}
    videos.update_item(TableName="videos", Key=key, UpdateExpression="SET created_at = :c",
                       ExpressionAttributeValues={":c": {"S": "2027-01-01"}})
    videos.put_item(TableName="videos", Item={**key, "video_id": {"S": "new"}, "created_at": {"S": "2026-12-31"}})
    videos.delete_item(TableName="videos", Key={**key, "video_id": {"S": "v2"}})
    ours = _pages(videos, query)
    monkeypatch.setattr(Table, "query", MOTO_TABLE_QUERY)
    monkeypatch.setattr(Table, "all_items", MOTO_ALL_ITEMS)
    assert ours == _pages(videos, query)
    assert [item["video_id"]["S"] for item in ours[0]["Items"][:2]] == ["v1", "new"]


def test_moto_is_handed_the_page_not_the_partition(videos: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    """A newest-first page of 2 after a cursor: moto reads 3 items (one tells whether more follow), whatever
    the owner has."""
    handed: list[int] = []

    def counted(table: Table) -> list[Any]:
        items = all_items(table)
        handed.append(len(items))
        return items

    monkeypatch.setattr(Table, "query", query_partition)
    monkeypatch.setattr(Table, "all_items", counted)
    pages = _pages(videos, {**QUERIES["newest-first"], "Limit": 2})

    assert len(pages) > 2 and set(handed[:-1]) == {3}  # the last page: what is left


class OtherOwner(dict):
    """Another owner's partition: reading it fails the test."""

    def values(self) -> Any:
        raise AssertionError("a query for one owner read another owner's videos")

    __iter__ = items = values  # type: ignore[assignment]


def test_a_newest_first_page_reads_only_its_owner(videos: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(Table, "query", query_partition)
    monkeypatch.setattr(Table, "all_items", all_items)
    table = dynamodb_backends["123456789012"]["us-east-1"].get_table("videos")
    for owner, partition in list(table.items.items()):
        if owner.value != "owner-1":
            table.items[owner] = OtherOwner(partition)

    page = videos.query(TableName="videos", **QUERIES["newest-first"])

    dates = [item["created_at"]["S"] for item in page["Items"]]
    assert len(dates) == 5 and dates == sorted(dates, reverse=True)


EVERY_TYPE = {
    "owner_id": {"S": "owner-9"}, "video_id": {"S": "every-type"}, "created_at": {"S": "2026-01-01"},
    "n": {"N": "-12.50"}, "yes": {"BOOL": True}, "no": {"BOOL": False}, "nothing": {"NULL": True},
    "empty_s": {"S": ""}, "names": {"SS": ["b", "a"]}, "numbers": {"NS": ["1", "2.5"]},
    "list": {"L": [{"S": "x"}, {"N": "1"}, {"L": []}, {"M": {}}, {"M": {"deep": {"L": [{"BOOL": False}]}}}]},
    "renditions": {"L": [{"M": {"key": {"S": "a/b c_720p.mp4"}, "height": {"N": "720"}}}]},
    "unicode": {"S": "Rex \u00e9t\u00e9 \U0001f436"},
}
WITH_BINARY = {**EVERY_TYPE, "video_id": {"S": "binary"}, "blob": {"B": b"\x00\xff"}, "blobs": {"BS": [b"a", b"b"]},
               "nested_blob": {"M": {"b": {"B": b"\x01"}}}}
CALLS = {
    "query": lambda c: c.query(TableName="videos", IndexName="by_created", KeyConditionExpression="owner_id = :o",
                               ExpressionAttributeValues={":o": {"S": "owner-9"}}, ScanIndexForward=False),
    "query-projected": lambda c: c.query(
        TableName="videos", KeyConditionExpression="owner_id = :o", FilterExpression="attribute_exists(n)",
        ProjectionExpression="video_id, renditions[0].height, #n", ExpressionAttributeNames={"#n": "n"},
        ExpressionAttributeValues={":o": {"S": "owner-9"}}),
    "get": lambda c: c.get_item(TableName="videos", Key={"owner_id": {"S": "owner-9"}, "video_id": {"S": "binary"}}),
    "scan": lambda c: c.scan(TableName="videos", Limit=30),
    "batch-get": lambda c: c.batch_get_item(RequestItems={"videos": {"Keys": [
        {"owner_id": {"S": "owner-9"}, "video_id": {"S": v}} for v in ("every-type", "binary")]}}),
    "update": lambda c: c.update_item(TableName="videos", Key={"owner_id": {"S": "owner-9"}, "video_id": {"S": "x"}},
                                      UpdateExpression="SET m = :m", ReturnValues="ALL_NEW",
                                      ExpressionAttributeValues={":m": EVERY_TYPE["list"]}),
    "describe": lambda c: c.describe_table(TableName="videos"),
}


# What an answer's items go through: moto's code, then the fixes.
ANSWER_PATHS = {
    "moto": (MOTO_JSON_STRUCTURE, MOTO_JSON_MAP, MOTO_JSON_BODY, MOTO_VALUE_COPY, MOTO_ITEM_COPY, MOTO_VALUE_SIZE,
             MOTO_ITEM_SIZE, MOTO_DYNAMO_TO_DICT, MOTO_TABLE_QUERY),
    "fixed": (serialize_structure, serialize_map, serialize_body, copy_value, copy_item, value_size, item_size,
              dynamo_to_dict, query_partition),
}


def _answer_path(monkeypatch: pytest.MonkeyPatch, name: str) -> None:
    serializer, map_serializer, body, type_copy, item_copy, type_size, size, to_dict, query = ANSWER_PATHS[name]
    monkeypatch.setattr(BaseJSONSerializer, "_serialize_type_structure", serializer)
    monkeypatch.setattr(BaseJSONSerializer, "_serialize_type_map", map_serializer)
    monkeypatch.setattr(BaseJSONSerializer, "_serialize_body", body)
    monkeypatch.setattr(DynamoType, "__deepcopy__", type_copy)
    monkeypatch.setattr(Item, "__deepcopy__", item_copy)
    monkeypatch.setattr(Table, "query", query)
    monkeypatch.setattr(Table, "all_items", all_items if name == "fixed" else MOTO_ALL_ITEMS)
    monkeypatch.setattr(DynamoType, "size", type_size)
    monkeypatch.setattr(Item, "size", size)
    monkeypatch.setattr(dynamodb_utilities, "dynamo_to_dict", to_dict)
    monkeypatch.setattr(dynamodb_responses, "dynamo_to_dict", to_dict)


@pytest.mark.parametrize("call", CALLS)
def test_dynamodb_answers_are_moto_s_json_byte_for_byte(videos: Any, monkeypatch: pytest.MonkeyPatch,
                                                         call: str) -> None:
    bodies: list[bytes] = []
    videos.meta.events.register("after-call.dynamodb", lambda http_response, **_: bodies.append(http_response.content))
    for item in (EVERY_TYPE, WITH_BINARY):
        videos.put_item(TableName="videos", Item=item)
    stored = videos.scan(TableName="videos")["Items"]
    answers = []
    motofixes.apply()  # as the local cloud runs: item writes are counted
    for path in ("moto", "fixed", "fixed"):  # the second of ours from what the first kept
        _answer_path(monkeypatch, path)
        if call == "update":
            videos.delete_item(TableName="videos", Key={"owner_id": {"S": "owner-9"}, "video_id": {"S": "x"}})
        answers.append((CALLS[call](videos), bodies[-1]))
    (moto_parsed, moto_body), (ours_parsed, ours_body), (_, again_body) = answers
    assert ours_body == moto_body and again_body == moto_body
    if call != "update":
        assert videos.scan(TableName="videos")["Items"] == stored  # an answer never changes what it read
    moto_parsed.pop("ResponseMetadata"), ours_parsed.pop("ResponseMetadata")
    assert ours_parsed == moto_parsed


def test_an_item_changed_in_place_is_answered_changed(videos: Any) -> None:
    """What a listing's items were answered as is kept for the next listing, until any write: moto's
    UpdateItem changes the stored item in place, and the next page shows the change, in JSON and in size."""
    motofixes.apply()  # as the local cloud runs: item writes are counted
    query = QUERIES["newest-first"]
    before = videos.query(TableName="videos", **query)
    assert videos.query(TableName="videos", **query)["Items"] == before["Items"]  # answered from what was kept
    first = before["Items"][0]
    videos.update_item(TableName="videos", Key={"owner_id": first["owner_id"], "video_id": first["video_id"]},
                       UpdateExpression="SET #s = :s", ExpressionAttributeNames={"#s": "status"},
                       ExpressionAttributeValues={":s": {"S": "failed: " + "x" * 5000}})
    after = videos.query(TableName="videos", **query)
    assert after["Items"][0]["status"] == {"S": "failed: " + "x" * 5000}
    assert after["Items"][1:] == before["Items"][1:]
    table = dynamodb_backends["123456789012"]["us-east-1"].tables["videos"]
    stored = table.items[DynamoType(first["owner_id"])][DynamoType(first["video_id"])]
    assert stored.size() == MOTO_ITEM_SIZE(stored) > 5000  # where a page ends (1 MB) moves with it


def test_item_sizes_and_dicts_are_motos(videos: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    """An item's size decides where a page ends (1 MB): every type, nested and binary, weighs what moto says."""
    for item in (EVERY_TYPE, WITH_BINARY):
        videos.put_item(TableName="videos", Item=item)
    table = dynamodb_backends["123456789012"]["us-east-1"].tables["videos"]
    stored = [item for item in table.all_items() if item.attrs["owner_id"].value == "owner-9"]
    assert len(stored) == 2
    _answer_path(monkeypatch, "moto")
    moto_sizes = [item.size() for item in stored]
    moto_values = {name: value.size() for item in stored for name, value in item.attrs.items()}
    moto_dicts = MOTO_DYNAMO_TO_DICT({"Items": stored, "Count": 2, "When": datetime(2026, 1, 1)})
    _answer_path(monkeypatch, "fixed")
    assert [item.size() for item in stored] == moto_sizes
    assert {name: value.size() for item in stored for name, value in item.attrs.items()} == moto_values
    assert dynamo_to_dict({"Items": stored, "Count": 2, "When": datetime(2026, 1, 1)}) == moto_dicts


def test_a_page_ends_at_one_megabyte_where_motos_does(videos: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    """Items of 300 KB: moto's query ends each page before 1 MB; weighing each item once ends it at the same key."""
    for number in range(7):
        videos.put_item(TableName="videos", Item={"owner_id": {"S": "owner-big"}, "video_id": {"S": f"b{number}"},
                                                  "blob": {"S": str(number) * 300_000}})
    query = {"KeyConditionExpression": "owner_id = :o", "ExpressionAttributeValues": {":o": {"S": "owner-big"}}}
    answers = {}
    for path in ANSWER_PATHS:
        _answer_path(monkeypatch, path)
        answers[path] = [([item["video_id"]["S"] for item in page["Items"]], page["LastEvaluatedKey"])
                         for page in _pages(videos, query)]
    assert answers["fixed"] == answers["moto"]
    assert [len(ids) for ids, _ in answers["fixed"]] == [3, 3, 1]


def test_a_copied_item_is_motos_copy(videos: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    """What a query copies before projecting: equal, sharing nothing mutable, its keys as moto's copy has them."""
    videos.put_item(TableName="videos", Item=EVERY_TYPE)
    table = dynamodb_backends["123456789012"]["us-east-1"].tables["videos"]
    (stored,) = [item for item in table.all_items() if item.attrs["owner_id"].value == "owner-9"]
    _answer_path(monkeypatch, "moto")
    moto_copy = copy.deepcopy(stored)
    _answer_path(monkeypatch, "fixed")
    ours = copy.deepcopy(stored)
    assert ours == moto_copy == stored and ours.to_json() == stored.to_json()
    assert (ours.hash_key is ours.attrs["owner_id"]) == (moto_copy.hash_key is moto_copy.attrs["owner_id"])
    ours.attrs["renditions"].value[0].value["height"].value = "1080"
    ours.attrs["list"].value.append(DynamoType({"S": "more"}))
    ours.attrs["names"].value.append("c")
    assert stored.to_json() == moto_copy.to_json()  # the stored item did not change with its copy


def test_the_dispatcher_finds_motos_services_without_reading_its_directory_each_request(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    from moto import backends
    from moto.moto_server.werkzeug_app import DomainDispatcherApplication, create_backend_app

    motofixes.apply()
    listed: list[str] = []
    listdir = os.listdir
    monkeypatch.setattr(backends.os, "listdir", lambda path: listed.append(path) or listdir(path))
    assert backends.list_of_moto_modules() == tuple(motofixes.MOTO_MODULES())  # the same services, in order
    listed.clear()
    dispatcher = DomainDispatcherApplication(create_backend_app)
    for _ in range(3):
        assert dispatcher.get_backend_for_host("dynamodb") == "dynamodb"
        assert dispatcher.get_backend_for_host("sqs.us-east-1.amazonaws.com") == "sqs"
    assert listed == []


def _tracked() -> dict[str, int]:
    """How many instances of each moto model its ``instances_tracked`` holds."""
    return {f"{service}.{name}": len(model.instances_tracked)  # type: ignore[attr-defined]
            for service, models in model_data.items() for name, model in models.items()}


def test_moto_keeps_no_instance_alive_that_nothing_else_keeps_and_its_reset_still_disposes_the_rest() -> None:
    """A cloud that runs for weeks: serving requests must not grow memory (moto's list kept every instance)."""
    motofixes.apply()
    with mock_aws():
        s3, dynamodb, sqs = (boto3.client(name, region_name="us-east-1") for name in ("s3", "dynamodb", "sqs"))
        s3.create_bucket(Bucket="pets")
        dynamodb.create_table(TableName="videos", KeySchema=[{"AttributeName": "id", "KeyType": "HASH"}],
                              AttributeDefinitions=[{"AttributeName": "id", "AttributeType": "S"}],
                              BillingMode="PAY_PER_REQUEST")
        queue = sqs.create_queue(QueueName="events")["QueueUrl"]

        def serve(requests: int) -> None:
            """What a day of PetTube does: objects rewritten, records read and updated, events queued and taken."""
            for n in range(requests):
                s3.put_object(Bucket="pets", Key="rex/thumb.jpg", Body=f"frame {n}".encode())
                dynamodb.put_item(TableName="videos", Item={"id": {"S": "rex"}, "views": {"N": str(n)}})
                assert dynamodb.get_item(TableName="videos", Key={"id": {"S": "rex"}})["Item"]["views"] == {"N": str(n)}
                sqs.send_message(QueueUrl=queue, MessageBody=f"event {n}")
                for message in sqs.receive_message(QueueUrl=queue).get("Messages", []):
                    sqs.delete_message(QueueUrl=queue, ReceiptHandle=message["ReceiptHandle"])

        serve(3)
        gc.collect()
        before = _tracked()
        serve(60)
        gc.collect()
        grown = {model: count - before.get(model, 0) for model, count in _tracked().items()
                 if count != before.get(model, 0)}
        assert grown == {}
        stored = s3_backends[ACCOUNT_ID]["aws"].buckets["pets"].keys["rex/thumb.jpg"]
        assert stored in list(FakeKey.instances_tracked) and not stored.disposed  # type: ignore[attr-defined]
        assert s3.get_object(Bucket="pets", Key="rex/thumb.jpg")["Body"].read() == b"frame 59"
    assert stored.disposed  # moto's reset found it among the instances it tracks


def test_request_ids_and_actions_are_moto_s_without_its_per_request_walks(monkeypatch: pytest.MonkeyPatch) -> None:
    """moto listed its handler's methods and ran a regex over the whole answer at every request:
    answers keep their request ids (XML ones in the body too) and every action still answers."""
    motofixes.apply()
    motofixes.method_names.cache_clear()
    walked: list[object] = []
    getmembers = inspect.getmembers
    monkeypatch.setattr(inspect, "getmembers",
                        lambda *args, **kwargs: walked.append(args[0]) or getmembers(*args, **kwargs))
    with mock_aws():
        sqs = boto3.client("sqs", region_name="us-east-1")
        dynamodb = boto3.client("dynamodb", region_name="us-east-1")
        for n in range(3):
            queue = sqs.create_queue(QueueName=f"q{n}")  # the query protocol: an XML <RequestId>
            assert queue["ResponseMetadata"]["RequestId"] and queue["QueueUrl"].endswith(f"/q{n}")
            listed = dynamodb.list_tables()
            assert listed["TableNames"] == [] and listed["ResponseMetadata"]["RequestId"]
    assert len(walked) <= 2  # once a handler class (SQS's, DynamoDB's), not once a request
    xml = '<CreateQueueResponse><RequestId>moto</RequestId></CreateQueueResponse>'
    headers, body = motofixes.enrich_response({}, xml)
    assert body == xml.replace("moto", headers["x-amzn-requestid"])  # what moto's own writes
    json_body = '{"TableNames": ["<RequestId>"]}'
    assert motofixes.enrich_response({}, json_body.encode())[1] == json_body.encode()


def test_a_queue_remembers_only_its_latest_deleted_receipts_and_a_repeated_delete_still_succeeds(
        monkeypatch: pytest.MonkeyPatch) -> None:
    """moto kept the receipt handle of every message a queue ever deleted (so that a second DeleteMessage
    succeeds, as on SQS), and the library saves the SQS service whole at every change."""
    motofixes.apply()
    monkeypatch.setattr(motofixes, "DELETED_RECEIPTS", 5)
    with mock_aws():
        sqs = boto3.client("sqs", region_name="us-east-1")
        url = sqs.create_queue(QueueName="events")["QueueUrl"]
        handles = []
        for n in range(12):
            sqs.send_message(QueueUrl=url, MessageBody=f"event {n}")
            (message,) = sqs.receive_message(QueueUrl=url)["Messages"]
            sqs.delete_message(QueueUrl=url, ReceiptHandle=message["ReceiptHandle"])
            handles.append(message["ReceiptHandle"])
        queue = sqs_backends[ACCOUNT_ID]["us-east-1"].queues["events"]
        assert list(queue.deleted_messages) == handles[-5:]
        sqs.delete_message(QueueUrl=url, ReceiptHandle=handles[-1])  # deleted again: accepted, as SQS does
        saved = pickle.loads(pickle.dumps(queue.deleted_messages))  # noqa: S301 - made here
        assert type(saved) is set and saved == set(handles[-5:])  # saved as moto's own set
