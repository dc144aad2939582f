"""Items read past botocore's model walk (pettube.item_reads) are the items botocore would have given."""

from __future__ import annotations

from collections.abc import Iterator
from decimal import Decimal
from typing import Any

import boto3
import pytest
from boto3.dynamodb.conditions import Key
from botocore.exceptions import ClientError
from botocore.parsers import BaseJSONParser
from moto import mock_aws

from pettube import aws, item_reads

REGION, TABLE = "us-east-1", "item-reads"
# Every kind of AttributeValue, binary ones nested too: those are the values this must decode itself.
EVERY_KIND: dict[str, Any] = {
    "text": "Rex's first walk ✓", "count": Decimal("42"), "ratio": Decimal("0.125"), "picture": b"\x00\xffjpeg",
    "flags": {b"\x01", b"\x02"}, "tags": {"dog", "walk"}, "sizes": {Decimal(360), Decimal(720)},
    "done": True, "nothing": None, "empty": "",
    "renditions": [{"key": "a/b_720p.mp4", "height": Decimal(720), "digest": b"\x10\x20"},
                   [Decimal(1), "two", b"\x03"]],
    "meta": {"by": {"name": "Julie", "avatar": b"\x89PNG"}, "likes": Decimal(3)},
}


def _create_table(dynamodb: Any) -> None:
    dynamodb.create_table(TableName=TABLE, BillingMode="PAY_PER_REQUEST",
                          KeySchema=[{"AttributeName": "owner_id", "KeyType": "HASH"},
                                     {"AttributeName": "video_id", "KeyType": "RANGE"}],
                          AttributeDefinitions=[{"AttributeName": "owner_id", "AttributeType": "S"},
                                                {"AttributeName": "video_id", "AttributeType": "S"}])


@pytest.fixture
def tables() -> Iterator[tuple[Any, Any]]:
    """The same table through boto3 as it comes, and through a resource whose client reads items directly."""
    with mock_aws():
        plain = boto3.resource("dynamodb", region_name=REGION)
        _create_table(plain)
        direct = boto3.resource("dynamodb", region_name=REGION)
        item_reads.register(direct.meta.client)
        yield plain.Table(TABLE), direct.Table(TABLE)


def test_every_kind_of_value_reads_as_botocore_parses_it(tables: tuple[Any, Any]) -> None:
    plain, direct = tables
    for n in range(5):
        plain.put_item(Item={"owner_id": "julie", "video_id": f"v{n}", **EVERY_KIND, "n": Decimal(n)})
    key = {"owner_id": "julie", "video_id": "v3"}
    assert direct.get_item(Key=key)["Item"] == plain.get_item(Key=key)["Item"]
    assert direct.get_item(Key=key)["Item"]["meta"]["by"]["avatar"].value == b"\x89PNG"
    assert direct.scan()["Items"] == plain.scan()["Items"]
    # A page at a time: the rest of the answer (the cursor, the counts) is botocore's, as before.
    query = {"KeyConditionExpression": Key("owner_id").eq("julie"), "ScanIndexForward": False, "Limit": 2}
    for _ in range(3):
        ours, theirs = direct.query(**query), plain.query(**query)
        assert (ours["Items"], ours.get("LastEvaluatedKey"), ours["Count"]) \
            == (theirs["Items"], theirs.get("LastEvaluatedKey"), theirs["Count"])
        query["ExclusiveStartKey"] = theirs.get("LastEvaluatedKey")
        if query["ExclusiveStartKey"] is None:
            break
    assert "Item" not in direct.get_item(Key={"owner_id": "julie", "video_id": "none"})


def test_an_error_is_botocores_as_ever(tables: tuple[Any, Any]) -> None:
    with pytest.raises(ClientError) as raised:
        tables[1].meta.client.query(TableName="no-such-table", KeyConditionExpression="owner_id = :o",
                                    ExpressionAttributeValues={":o": {"S": "julie"}})
    assert raised.value.response["Error"]["Code"] == "ResourceNotFoundException"


def test_the_functions_table_leaves_the_items_out_of_botocores_walk(monkeypatch: pytest.MonkeyPatch) -> None:
    """What the change is for: botocore walks a structure per AttributeValue, unless the items skip it."""
    walked: list[str] = []
    walk = BaseJSONParser._handle_structure
    monkeypatch.setattr(BaseJSONParser, "_handle_structure",
                        lambda parser, shape, value: walked.append(shape.name) or walk(parser, shape, value))
    with mock_aws():
        plain = boto3.resource("dynamodb", region_name=REGION)
        _create_table(plain)
        for n in range(5):
            plain.Table(TABLE).put_item(Item={"owner_id": "julie", "video_id": f"v{n}", **EVERY_KIND})
        query = {"KeyConditionExpression": Key("owner_id").eq("julie")}
        walked.clear()
        expected = plain.Table(TABLE).query(**query)["Items"]
        assert walked.count("AttributeValue") > 5 * len(EVERY_KIND)
        walked.clear()
        assert aws.table(TABLE).query(**query)["Items"] == expected
        assert "AttributeValue" not in walked
