"""MediaConvert Job State Change -> progress, renditions or the failure reason on the video record.

Every write is conditional (see ``videos.py``): a duplicate, late or reordered
event is a logged no-op, never a step backwards. Rendition sizes: COMPLETE events
carry no file sizes, so each output is HEADed (the function needs s3:GetObject on
the transcoded bucket); the bitrate stored is the measured average,
bytes * 8 / duration.
"""

from __future__ import annotations

from aws_lambda_powertools import Logger
from aws_lambda_powertools.utilities.data_classes import event_source
from aws_lambda_powertools.utilities.typing import LambdaContext
from botocore.exceptions import ClientError

from pettube import aws
from pettube.config import job_state_config
from pettube.events import MediaConvertJobEvent, OutputFile
from pettube.model import JOB_CANCELED, Failure, Rendition, Status
from pettube.videos import VideoRepository

logger = Logger()

PROGRESS_STATES = frozenset({"PROGRESSING", "INPUT_INFORMATION", "STATUS_UPDATE"})
NO_OUTPUTS = Failure("NoRenditions", "Transcoding finished but produced no playable video.")


@logger.inject_lambda_context(clear_state=True)
@event_source(data_class=MediaConvertJobEvent)
def handler(event: MediaConvertJobEvent, context: LambdaContext) -> None:
    """Apply one job state change to the video it belongs to."""
    owner_id, video_id, job_id = event.owner_id, event.video_id, event.job_id
    if not owner_id or not video_id:
        logger.warning("Job event without PetTube metadata ignored", extra={"job_id": job_id})
        return
    logger.append_keys(identity_id=owner_id, video_id=video_id, job_id=job_id, job_status=event.status)
    videos = VideoRepository(aws.table(job_state_config().videos_table))
    if event.status in PROGRESS_STATES:
        applied = videos.record_progress(owner_id, video_id, job_id, event.percent_complete)
    elif event.status == "COMPLETE":
        renditions, thumbnail_key = collect_outputs(list(event.outputs))
        if renditions:
            duration = max((r.duration_ms for r in renditions if r.duration_ms), default=None)
            applied = videos.record_ready(owner_id, video_id, job_id, renditions, thumbnail_key, duration)
        else:
            applied = videos.record_end(owner_id, video_id, job_id, Status.FAILED, NO_OUTPUTS)
    elif event.status == "ERROR":
        failure = Failure(f"MediaConvert{event.error_code}", event.error_message)
        applied = videos.record_end(owner_id, video_id, job_id, Status.FAILED, failure)
    elif event.status == "CANCELED":
        applied = videos.record_end(owner_id, video_id, job_id, Status.CANCELED, JOB_CANCELED)
    else:
        logger.debug("Job state not tracked")
        return
    if applied:
        logger.info("Video updated", extra={"progress": event.percent_complete})
    else:
        logger.info("Stale or duplicate job event ignored")


def collect_outputs(outputs: list[OutputFile]) -> tuple[list[Rendition], str | None]:
    """Renditions (largest first, with sizes from S3) and the thumbnail key from COMPLETE's outputs."""
    thumbnail_key = next((o.key for o in outputs if o.is_image), None)
    renditions = [_rendition(o) for o in outputs if not o.is_image and o.width and o.height]
    renditions.sort(key=lambda r: r.height * r.width, reverse=True)
    return renditions, thumbnail_key


def _rendition(output: OutputFile) -> Rendition:
    size = _object_size(output)
    bitrate = None
    if size and output.duration_ms:
        bitrate = round(size * 8 * 1000 / output.duration_ms)
    return Rendition(output.key, int(output.width or 0), int(output.height or 0), bitrate, size, output.duration_ms)


def _object_size(output: OutputFile) -> int | None:
    try:
        return int(aws.client("s3").head_object(Bucket=output.bucket, Key=output.key)["ContentLength"])
    except ClientError as error:
        # The video still plays without its byte count: record it, say why it is missing.
        logger.warning("Could not read a rendition's size", extra={
            "key": output.key, "aws_error": aws.error_code(error)})
        return None
