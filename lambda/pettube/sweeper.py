"""Scheduled sweep: no video stays ``uploaded`` or ``processing`` forever.

A video is stuck when its record has not changed for ``STUCK_AFTER_SECONDS``
while still in flight: its upload event was dead-lettered after the record was
claimed, or its job's final state change was lost. MediaConvert's own view of
the job decides the outcome (``GetJob``):

- no job id: no job was ever started -> ``failed`` (``UploadNotProcessed``);
- ERROR -> ``failed`` with MediaConvert's code and message; CANCELED -> ``canceled``;
- COMPLETE -> ``failed`` (``ResultNotRecorded``): GetJob does not return output
  paths, so the result cannot be rebuilt here; the COMPLETE event waits in the
  dead-letter queue for a developer to redrive;
- unknown job (NotFoundException) -> ``failed`` (``JobLost``);
- SUBMITTED / PROGRESSING -> left alone: queued jobs send no events, and
  MediaConvert ends any job after 48 hours, which a later sweep then settles.

A video left ``deleting`` that long is a delete that died half-way (the API
function timed out or S3 refused a key): the sweep finishes it, cancelling the
job, emptying the video's prefix in both buckets and removing the record.

Every write goes through the repository's conditional transitions, so a sweep
racing a late job event never moves a video backwards.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from aws_lambda_powertools import Logger
from aws_lambda_powertools.utilities.typing import LambdaContext
from boto3.dynamodb.conditions import Key
from botocore.exceptions import ClientError

from pettube import aws
from pettube.cleanup import purge_video
from pettube.config import SweeperConfig, sweeper_config
from pettube.model import JOB_CANCELED, Failure, Status, timestamp
from pettube.videos import VideoRepository

logger = Logger()

BY_STATUS = "by_status"
SWEPT = (Status.UPLOADED, Status.PROCESSING, Status.DELETING)
NOT_PROCESSED = Failure("UploadNotProcessed",
                        "The upload arrived but could not be processed. Please upload the video again.")
RESULT_NOT_RECORDED = Failure("ResultNotRecorded",
                              "The video was transcoded but the result could not be saved. Please upload it again.")
JOB_LOST = Failure("JobLost", "The transcoding job for this video no longer exists. Please upload it again.")


@dataclass(frozen=True)
class StuckVideo:
    """An in-flight or half-deleted video as the by_status index projects it."""

    owner_id: str
    video_id: str
    status: Status
    job_id: str | None


@logger.inject_lambda_context(clear_state=True)
def handler(event: dict[str, Any], context: LambdaContext) -> dict[str, int]:
    """Settle every stuck video; returns how many ended in each outcome (also logged)."""
    config = sweeper_config()
    table = aws.table(config.videos_table)
    cutoff = timestamp(datetime.now(UTC) - timedelta(seconds=config.stuck_after_seconds))
    outcomes: dict[str, int] = {}
    for video in find_stuck(table, cutoff):
        logger.append_keys(identity_id=video.owner_id, video_id=video.video_id, job_id=video.job_id)
        outcome = settle(VideoRepository(table), video, config)
        outcomes[outcome] = outcomes.get(outcome, 0) + 1
        logger.info("Stuck video checked", extra={"outcome": outcome, "status": str(video.status)})
    logger.remove_keys(["identity_id", "video_id", "job_id"])
    logger.info("Sweep finished", extra={"outcomes": outcomes, "cutoff": cutoff})
    return outcomes


def find_stuck(table: Any, cutoff: str) -> Iterator[StuckVideo]:
    """Videos in flight or being deleted, last updated before ``cutoff``: one index query per status, paginated."""
    for status in SWEPT:
        query: dict[str, Any] = {
            "IndexName": BY_STATUS,
            "KeyConditionExpression": Key("status").eq(str(status)) & Key("updated_at").lt(cutoff),
        }
        while True:
            page = table.query(**query)
            for item in page["Items"]:
                yield StuckVideo(item["owner_id"], item["video_id"], status, item.get("job_id"))
            if "LastEvaluatedKey" not in page:
                break
            query["ExclusiveStartKey"] = page["LastEvaluatedKey"]


def settle(videos: VideoRepository, video: StuckVideo, config: SweeperConfig) -> str:
    """Decide one stuck video's fate from its job (or finish its delete); returns the outcome's name."""
    if video.status is Status.DELETING:
        purge_video(video.owner_id, video.video_id, video.job_id, (config.originals_bucket, config.transcoded_bucket))
        videos.delete(video.owner_id, video.video_id)
        return "delete_finished"
    if not video.job_id:
        applied = videos.fail_before_job(video.owner_id, video.video_id, NOT_PROCESSED)
        return "failed_not_processed" if applied else "changed_meanwhile"
    try:
        job = aws.client("mediaconvert").get_job(Id=video.job_id)["Job"]
    except ClientError as error:
        if aws.error_code(error) != "NotFoundException":
            raise
        return _end(videos, video, Status.FAILED, JOB_LOST, "failed_job_lost")
    state = job.get("Status")
    if state == "ERROR":
        failure = Failure(f"MediaConvert{job.get('ErrorCode', 'unknown')}",
                          job.get("ErrorMessage") or "MediaConvert gave no reason")
        return _end(videos, video, Status.FAILED, failure, "failed_job_error")
    if state == "CANCELED":
        return _end(videos, video, Status.CANCELED, JOB_CANCELED, "canceled")
    if state == "COMPLETE":
        return _end(videos, video, Status.FAILED, RESULT_NOT_RECORDED, "failed_result_not_recorded")
    return "still_running"


def _end(videos: VideoRepository, video: StuckVideo, status: Status, failure: Failure, outcome: str) -> str:
    assert video.job_id
    applied = videos.record_end(video.owner_id, video.video_id, video.job_id, status, failure)
    return outcome if applied else "changed_meanwhile"

