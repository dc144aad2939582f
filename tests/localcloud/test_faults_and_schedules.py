"""Fault injection on the edge, and EventBridge schedules in the local runtime."""

from __future__ import annotations

import threading

import pytest
from botocore.config import Config
from botocore.exceptions import ClientError

from localcloud.cloud import LocalCloud
from localcloud.endpoints import Endpoints
from localcloud.lambdaruntime.schedules import Schedule, Scheduler, UnsupportedSchedule, rate_seconds


@pytest.mark.slow
def test_an_injected_throttle_fails_the_next_call_with_dynamodbs_own_error(
        cloud: LocalCloud, local_cloud: Endpoints) -> None:
    ddb = local_cloud.client("dynamodb", config=Config(retries={"total_max_attempts": 1, "mode": "standard"}))
    key = {"owner_id": {"S": "faults"}, "video_id": {"S": "v1"}}
    cloud.faults.inject(service="dynamodb", operation="PutItem", code="ProvisionedThroughputExceededException")
    try:
        with pytest.raises(ClientError) as failure:
            ddb.put_item(TableName=local_cloud.table, Item=key)
        assert failure.value.response["Error"]["Code"] == "ProvisionedThroughputExceededException"
        ddb.put_item(TableName=local_cloud.table, Item=key)  # only the next call was failed
        assert ddb.get_item(TableName=local_cloud.table, Key=key)["Item"] == key
    finally:
        cloud.faults.clear()


@pytest.mark.slow
def test_an_injected_s3_error_has_s3s_xml_shape_and_status(cloud: LocalCloud, local_cloud: Endpoints) -> None:
    s3 = local_cloud.client("s3", config=Config(retries={"total_max_attempts": 1, "mode": "standard"}))
    s3.put_object(Bucket=local_cloud.transcoded_bucket, Key="faults/a.txt", Body=b"a")
    cloud.faults.inject(service="s3", operation="GetObject", code="InternalError", status=500, times=2)
    try:
        for _ in range(2):
            with pytest.raises(ClientError) as failure:
                s3.get_object(Bucket=local_cloud.transcoded_bucket, Key="faults/a.txt")
            assert failure.value.response["Error"]["Code"] == "InternalError"
            assert failure.value.response["ResponseMetadata"]["HTTPStatusCode"] == 500
        assert s3.get_object(Bucket=local_cloud.transcoded_bucket, Key="faults/a.txt")["Body"].read() == b"a"
    finally:
        cloud.faults.clear()


@pytest.mark.parametrize("expression,seconds", [("rate(1 minute)", 60), ("rate(10 minutes)", 600),
                                                ("rate(2 hours)", 7200), ("rate(1 day)", 86400)])
def test_rate_expressions_become_periods(expression: str, seconds: int) -> None:
    assert rate_seconds(expression) == seconds


def test_cron_schedules_are_refused_by_name() -> None:
    with pytest.raises(UnsupportedSchedule, match="rate"):
        rate_seconds("cron(0 12 * * ? *)")


def test_a_schedule_delivers_eventbridge_scheduled_events_to_its_function() -> None:
    delivered: list[tuple[str, dict]] = []
    two = threading.Event()

    def deliver(function: str, event: dict) -> None:
        delivered.append((function, event))
        if len(delivered) >= 2:
            two.set()

    rule = "arn:aws:events:us-east-1:123456789012:rule/pettube-sweeper"
    scheduler = Scheduler([Schedule(rule, "SweeperFunction", 60)], deliver, "us-east-1", "123456789012",
                          speedup=600)  # one minute becomes 0.1 s
    scheduler.start()
    try:
        assert two.wait(timeout=30)
    finally:
        scheduler.stop()
    function, event = delivered[0]
    assert function == "SweeperFunction"
    assert event["detail-type"] == "Scheduled Event" and event["source"] == "aws.events"
    assert event["resources"] == [rule] and event["detail"] == {}
    assert delivered[0][1]["id"] != delivered[1][1]["id"]
