"""Removing what a deleted video leaves behind: its transcoding job and its objects in S3.

Shared by the three places that finish a delete: the API's DELETE, the job-state
function (for outputs a job writes after the delete, see docs/reliability.md) and
the sweeper (a delete that died half-way). Each step is idempotent.
"""

from __future__ import annotations

from collections.abc import Iterable

from aws_lambda_powertools import Logger
from botocore.exceptions import ClientError

from pettube import aws
from pettube.errors import DeleteFailed
from pettube.layout import video_prefix

logger = Logger(child=True)

# The job already ended (CancelJob conflicts) or MediaConvert no longer knows it: nothing left to stop.
_NOTHING_TO_CANCEL = {"ConflictException", "NotFoundException"}
_DELETE_BATCH = 1000  # DeleteObjects takes at most 1,000 keys


def cancel_job(job_id: str) -> bool:
    """Stop a transcoding job; False when it had already ended or is unknown."""
    try:
        aws.client("mediaconvert").cancel_job(Id=job_id)
    except ClientError as error:
        if aws.error_code(error) not in _NOTHING_TO_CANCEL:
            raise
        logger.info("Job already ended; nothing to cancel",
                    extra={"job_id": job_id, "aws_error": aws.error_code(error)})
        return False
    logger.info("Transcoding job canceled", extra={"job_id": job_id})
    return True


def delete_video_objects(bucket: str, owner_id: str, video_id: str) -> int:
    """Delete every object under the video's prefix in ``bucket``; returns how many there were."""
    s3 = aws.client("s3")
    keys = sorted(obj["Key"] for page in s3.get_paginator("list_objects_v2").paginate(
        Bucket=bucket, Prefix=video_prefix(owner_id, video_id)) for obj in page.get("Contents", ()))
    for start in range(0, len(keys), _DELETE_BATCH):
        batch = [{"Key": key} for key in keys[start:start + _DELETE_BATCH]]
        result = s3.delete_objects(Bucket=bucket, Delete={"Objects": batch, "Quiet": True})
        if result.get("Errors"):
            codes = sorted({e.get("Code", "") for e in result["Errors"]})
            raise DeleteFailed(f"S3 refused to delete {len(result['Errors'])} objects in {bucket}: {codes}")
    return len(keys)


def purge_video(owner_id: str, video_id: str, job_id: str | None, buckets: Iterable[str]) -> None:
    """Stop the video's job (when it may still run), then empty its prefix in each bucket."""
    if job_id:
        cancel_job(job_id)
    for bucket in buckets:
        removed = delete_video_objects(bucket, owner_id, video_id)
        logger.info("Video objects deleted", extra={"bucket": bucket, "count": removed})
