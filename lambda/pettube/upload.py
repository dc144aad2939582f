"""S3 ObjectCreated on originals -> check the object, record the video once, start one MediaConvert job.

Idempotency is the conditional put in ``VideoRepository.claim``: a repeated event
finds the record and stops, unless an earlier attempt died between recording the
video and storing its job id (then it carries on; the deterministic
``ClientRequestToken`` makes MediaConvert return the same job for a minute).
"""

from __future__ import annotations

from typing import Any
from urllib.parse import unquote_plus

from aws_lambda_powertools import Logger
from aws_lambda_powertools.utilities.data_classes import S3Event, event_source
from aws_lambda_powertools.utilities.typing import LambdaContext
from botocore.exceptions import ClientError

from pettube import aws
from pettube.checks import OWNER_NAME_METADATA, ObjectFacts, check_original, owner_display_name
from pettube.config import UploadConfig, upload_config
from pettube.errors import InvalidOriginalKey
from pettube.layout import OriginalKey, parse_original_key
from pettube.model import Failure, Status
from pettube.probe import ISO_BMFF_EXTENSIONS, SourceInfo, probe_source
from pettube.shapes import expects
from pettube.transcode import build_create_job
from pettube.videos import VideoRepository

logger = Logger()

_MISSING = {"404", "NoSuchKey", "NotFound"}


@expects("an S3 event notification", {"Records[].s3.bucket.name": str, "Records[].s3.object.key": str})
@logger.inject_lambda_context(clear_state=True)
@event_source(data_class=S3Event)
def handler(event: S3Event, context: LambdaContext) -> None:
    """Turn each uploaded original into a video record and a transcoding job."""
    config = upload_config()
    for record in event.records:
        # S3 URL-encodes keys in events (space as "+", "+" as "%2B"); Powertools unquotes only the first record's.
        bucket, key = record.s3.bucket.name, unquote_plus(record.s3.get_object.key)
        try:
            original = parse_original_key(key)
        except InvalidOriginalKey as error:
            # No owner to tell: only an admin can write outside the per-identity prefixes.
            logger.error("Original ignored: key outside the upload layout", extra={"reason": str(error), "key": key})
            continue
        logger.append_keys(identity_id=original.owner_id, video_id=original.video_id)
        process_original(bucket, original, config)


def process_original(bucket: str, original: OriginalKey, config: UploadConfig) -> None:
    """Check, claim and transcode one original; every outcome ends in the record or the log."""
    facts = _head(bucket, original.key)
    if facts is None:
        # Gone before we looked (deleted, or a late duplicate of a deleted video's event):
        # recording it would resurrect a video its owner removed.
        logger.warning("Original no longer exists; nothing recorded")
        return
    repository = VideoRepository(aws.table(config.videos_table))
    failure = check_original(original, facts, config.max_upload_bytes)
    claim = repository.claim(original, facts.size, failure, facts.owner_name)
    if not claim.created and (claim.video.status is not Status.UPLOADED or claim.video.job_id):
        logger.info("Duplicate event ignored", extra={"status": str(claim.video.status)})
        return
    if failure:
        logger.warning("Original refused", extra={"failure_code": failure.code})
        return
    _start_job(bucket, original, facts, config, repository)


def _start_job(bucket: str, original: OriginalKey, facts: ObjectFacts, config: UploadConfig,
               repository: VideoRepository) -> None:
    source = _probe(bucket, original, facts.size)
    request = build_create_job(original, bucket, config.transcoded_bucket, config.mediaconvert_role_arn,
                               config.application_tag, source)
    try:
        job_id = aws.client("mediaconvert").create_job(**request)["Job"]["Id"]
    except ClientError as error:
        failure = _rejection(error)
        repository.fail_before_job(original.owner_id, original.video_id, failure)
        logger.error("MediaConvert refused the job", extra={"failure_code": failure.code,
                                                             "aws_error": aws.error_code(error)})
        return
    repository.start_processing(original.owner_id, original.video_id, job_id)
    logger.info("Transcoding job created", extra={"job_id": job_id, "source": source and vars(source)})


def _head(bucket: str, key: str) -> ObjectFacts | None:
    try:
        head = aws.client("s3").head_object(Bucket=bucket, Key=key)
    except ClientError as error:
        if aws.error_code(error) in _MISSING:
            return None
        raise
    return ObjectFacts(size=int(head["ContentLength"]), content_type=head.get("ContentType", ""),
                       owner_name=owner_display_name(head.get("Metadata", {}).get(OWNER_NAME_METADATA)))


def _probe(bucket: str, original: OriginalKey, size: int) -> SourceInfo | None:
    """The source's size from its header, if it is an MP4/MOV; unknown is fine (see transcode.py)."""
    if original.extension not in ISO_BMFF_EXTENSIONS:
        return None
    s3 = aws.client("s3")

    def read(offset: int, length: int) -> bytes:
        end = min(offset + length, size) - 1
        return s3.get_object(Bucket=bucket, Key=original.key, Range=f"bytes={offset}-{end}")["Body"].read()

    try:
        return probe_source(read, size)
    except ClientError as error:
        logger.warning("Could not probe the original", extra={"aws_error": aws.error_code(error)})
        return None


def _rejection(error: ClientError) -> Failure:
    """A reason a person can read for a CreateJob that MediaConvert refused (after botocore's retries)."""
    details: dict[str, Any] = error.response.get("Error", {})
    status = error.response.get("ResponseMetadata", {}).get("HTTPStatusCode", 0)
    message = details.get("Message") or aws.error_code(error) or "no reason given"
    if status == 429 or status >= 500:
        return Failure("TranscoderUnavailable",
                       f"The video service is busy or unavailable ({message}). Please upload the video again later.")
    return Failure("TranscodeRejected", f"The video could not be sent for transcoding: {message}")
