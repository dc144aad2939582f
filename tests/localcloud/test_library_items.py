"""Items moto writes while the cloud runs are held as restored ones are: repeated values once, and a
write to one item changes no other."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import boto3
import pytest
from moto import mock_aws
from moto.dynamodb.models import dynamodb_backends
from moto.dynamodb.models.dynamo_type import DynamoType, Item

from localcloud import motofixes
from localcloud.cloud import ACCOUNT_ID
from localcloud.library import changes, items
from tests.localcloud.memory import OWNER, retained
from tests.localcloud.memory import mymedia_record as record

TABLE = "videos-table"


@pytest.fixture
def dynamodb() -> Iterator[Any]:
    """moto patched as a running cloud has it: motofixes first, then the journal's recording of changes."""
    motofixes.apply()
    changes.install()
    with mock_aws():
        client = boto3.client("dynamodb", region_name="us-east-1")
        client.create_table(TableName=TABLE, BillingMode="PAY_PER_REQUEST", KeySchema=[
            {"AttributeName": "owner_id", "KeyType": "HASH"}, {"AttributeName": "video_id", "KeyType": "RANGE"}],
            AttributeDefinitions=[{"AttributeName": "owner_id", "AttributeType": "S"},
                                  {"AttributeName": "video_id", "AttributeType": "S"}])
        yield client


def _stored(n: int) -> Item:
    partition = dynamodb_backends[ACCOUNT_ID]["us-east-1"].tables[TABLE].items[DynamoType({"S": OWNER})]
    return partition[DynamoType({"S": f"video-{n:04d}"})]


def _key(n: int) -> dict[str, Any]:
    return {"owner_id": {"S": OWNER}, "video_id": {"S": f"video-{n:04d}"}}


def test_written_items_share_what_they_repeat_and_a_write_to_one_changes_no_other(dynamodb: Any) -> None:
    dynamodb.put_item(TableName=TABLE, Item=record(0))
    dynamodb.batch_write_item(RequestItems={TABLE: [{"PutRequest": {"Item": record(1)}}]})
    written = record(2)  # by UpdateItem, which makes the item
    dynamodb.update_item(TableName=TABLE, Key=_key(2), UpdateExpression="SET #s = :s, progress = :p, renditions = :r",
                         ExpressionAttributeNames={"#s": "status"}, ExpressionAttributeValues={
                             ":s": written["status"], ":p": written["progress"], ":r": written["renditions"]})
    first, second, third = map(_stored, range(3))
    assert first.attrs["status"] is second.attrs["status"] is third.attrs["status"]
    assert first.attrs["progress"] is third.attrs["progress"]
    widths = [item.attrs["renditions"].value[0].value["width"] for item in (first, second, third)]
    assert widths[0] is widths[1] is widths[2]
    assert first.attrs["renditions"] is not second.attrs["renditions"]  # lists and maps stay each item's own
    names = [next(name for name in item.attrs if name == "renditions") for item in (first, second)]
    assert names[0] is names[1]
    assert first.hash_key is first.attrs["owner_id"] and first.range_key is first.attrs["video_id"]

    for n, write in enumerate([
            {"UpdateExpression": "SET #s = :s", "ExpressionAttributeNames": {"#s": "status"},
             "ExpressionAttributeValues": {":s": {"S": "deleting"}}},
            {"UpdateExpression": "ADD progress :p", "ExpressionAttributeValues": {":p": {"N": "-50"}}},
            {"UpdateExpression": "SET renditions[0].width = :w", "ExpressionAttributeValues": {":w": {"N": "640"}}}]):
        dynamodb.update_item(TableName=TABLE, Key=_key(n), **write)
    answers = [dynamodb.get_item(TableName=TABLE, Key=_key(n))["Item"] for n in range(3)]
    assert [(a["status"]["S"], a["progress"]["N"], a["renditions"]["L"][0]["M"]["width"]["N"]) for a in answers] == [
        ("deleting", "100", "1280"), ("ready", "50", "1280"), ("ready", "100", "640")]
    assert _stored(1).attrs["renditions"].value[0].value["width"].value == "1280"


def test_a_written_item_takes_two_thirds_of_the_memory_moto_builds_it_with() -> None:
    """Every item moto builds holds its own copy of every name and value, and of its key values twice."""
    requests = [record(n) for n in range(50)]

    def built() -> list[Item]:
        return [Item(hash_key=DynamoType(attrs["owner_id"]), range_key=DynamoType(attrs["video_id"]),
                     attrs=_as_decoded(attrs)) for attrs in requests]

    as_moto_builds = retained(built)
    compacted = retained(lambda: [items.compact(item) for item in built()])
    assert compacted <= 2 / 3 * as_moto_builds  # 0.55x
    assert [items.compact(item).to_json() for item in built()] == [item.to_json() for item in built()]


def _as_decoded(value: Any) -> Any:
    """A copy with every string its own object, as moto gets them from a request's JSON."""
    if isinstance(value, dict):
        return {"".join(list(name)): _as_decoded(member) for name, member in value.items()}
    if isinstance(value, list):
        return [_as_decoded(member) for member in value]
    return "".join(list(value)) if isinstance(value, str) else value


def test_a_value_every_item_repeats_stays_shared_while_values_that_never_repeat_come_and_go() -> None:
    """The shared values are bounded; a status that every write repeats is never the one that goes (it
    went once it was the oldest, and the three writes above then kept three 'ready's when the test ran
    in a process that had written thousands of other values before)."""
    leaves = items.Leaves(3)
    ready = leaves.share(DynamoType({"S": "ready"}))
    first_id = leaves.share(DynamoType({"S": "video-0000"}))
    for n in range(1, 10):
        leaves.share(DynamoType({"S": f"video-{n:04d}"}))
        assert leaves.share(DynamoType({"S": "ready"})) is ready
    assert leaves.share(DynamoType({"S": "video-0000"})) is not first_id  # gone: only three are held
