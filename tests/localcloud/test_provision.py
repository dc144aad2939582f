"""Provisioning onto kept state: a newer template's additions reach resources made by an earlier start."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import boto3
import pytest
from identity_fakes import stack
from moto import mock_aws

from localcloud.provision import Provisioner

TABLE = stack().physical_name("VideosTable")


def _client(service: str) -> Any:
    return boto3.client(service, region_name="us-east-1")


@pytest.fixture
def kept_stack_overrides() -> Iterator[None]:
    """The provisioner records moto's user-pool ids on the shared stack: put the test session's back."""
    saved = dict(stack().overrides)
    yield
    stack().overrides.clear()
    stack().overrides.update(saved)


@mock_aws
@pytest.mark.usefixtures("kept_stack_overrides")
def test_a_table_from_before_share_links_gains_the_share_token_index_and_finds_old_items() -> None:
    props = stack().resources["VideosTable"]["Properties"]
    ddb = _client("dynamodb")
    ddb.create_table(  # the table as the template made it before GET /shared existed
        TableName=TABLE, BillingMode=props["BillingMode"], KeySchema=props["KeySchema"],
        AttributeDefinitions=[a for a in props["AttributeDefinitions"] if a["AttributeName"] != "share_token"],
        LocalSecondaryIndexes=props["LocalSecondaryIndexes"],
        GlobalSecondaryIndexes=[i for i in props["GlobalSecondaryIndexes"] if i["IndexName"] != "by_share_token"])
    ddb.put_item(TableName=TABLE, Item={"owner_id": {"S": "us-east-1:julie"}, "video_id": {"S": "v1"},
                                        "share_token": {"S": "tok"}})

    Provisioner(stack(), _client).run()
    Provisioner(stack(), _client).run()  # and again: nothing left to add

    found = ddb.query(TableName=TABLE, IndexName="by_share_token", KeyConditionExpression="share_token = :t",
                      ExpressionAttributeValues={":t": {"S": "tok"}})["Items"]
    assert [item["video_id"]["S"] for item in found] == ["v1"]
