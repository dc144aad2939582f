"""DynamoDB's promise the pipeline rests on: a conditional write is checked and applied as one step.

The videos table only ever moves forward because every change is a conditional
UpdateItem (lambda/pettube/videos.py). moto checks the condition and then applies
the update without a lock, so under load a late progress event could pass its
check, let COMPLETE through, and then write "processing" over "ready": the video
would say "Processing 100%" until the sweeper failed it, the record a failed CI run
left. The edge applies DynamoDB requests one at a time; this test fails without that.
"""

from __future__ import annotations

import sys
import threading
from collections.abc import Iterator

import pytest
from botocore.exceptions import ClientError

from localcloud.endpoints import Endpoints

WRITERS = 6
ATTEMPTS_EACH = 30


@pytest.fixture
def eager_thread_switches() -> Iterator[None]:
    """Switch Python threads every 10 µs, as a busy 2-core machine does at its worst moments."""
    previous = sys.getswitchinterval()
    sys.setswitchinterval(1e-5)
    yield
    sys.setswitchinterval(previous)


@pytest.mark.slow
def test_concurrent_conditional_writes_never_both_win(local_cloud: Endpoints, eager_thread_switches: None) -> None:
    """Optimistic increments from many writers: each success must show in the final count."""
    key = {"owner_id": {"S": "atomicity"}, "video_id": {"S": "counter"}}
    admin = local_cloud.client("dynamodb")
    admin.put_item(TableName=local_cloud.table, Item={**key, "n": {"N": "0"}})
    successes: list[int] = []
    refusals: list[int] = []

    def writer() -> None:
        ddb = local_cloud.client("dynamodb")
        for _ in range(ATTEMPTS_EACH):
            seen = int(ddb.get_item(TableName=local_cloud.table, Key=key, ConsistentRead=True)["Item"]["n"]["N"])
            try:
                ddb.update_item(TableName=local_cloud.table, Key=key, UpdateExpression="SET n = :next",
                                ConditionExpression="n = :seen",
                                ExpressionAttributeValues={":seen": {"N": str(seen)}, ":next": {"N": str(seen + 1)}})
            except ClientError as error:
                assert error.response["Error"]["Code"] == "ConditionalCheckFailedException"
                refusals.append(seen)
            else:
                successes.append(seen)

    try:
        threads = [threading.Thread(target=writer) for _ in range(WRITERS)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        final = int(admin.get_item(TableName=local_cloud.table, Key=key, ConsistentRead=True)["Item"]["n"]["N"])
    finally:
        admin.delete_item(TableName=local_cloud.table, Key=key)
    assert len(successes) + len(refusals) == WRITERS * ATTEMPTS_EACH
    assert refusals, "the writers never contended: the test proved nothing"
    # Two writers that both won from the same value would leave the count short of the successes.
    assert sorted(successes) == list(range(final))
