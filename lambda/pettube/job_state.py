"""MediaConvert Job State Change -> progress, renditions or the failure reason on the video record.

Every write is conditional (see ``videos.py``): a duplicate, late or reordered
event is a logged no-op, never a step backwards. An event for a video its owner
deleted (no record, or the ``deleting`` tombstone) removes the video's transcoded
outputs instead, and cancels the job if it is still running: a job that writes
after the delete leaves nothing behind once its final event has been handled. Rendition sizes: COMPLETE events
carry no file sizes, so each output is HEADed (the function needs s3:GetObject on
the transcoded bucket); the bitrate stored is the measured average,
bytes * 8 / duration. The HLS stream is recorded as its master playlist and the renditions
the master lists (COMPLETE's HLS group: ``playlistFilePaths`` and each output's media playlist).
"""

from __future__ import annotations

from aws_lambda_powertools import Logger
from aws_lambda_powertools.utilities.data_classes import event_source
from aws_lambda_powertools.utilities.typing import LambdaContext
from botocore.exceptions import ClientError

from pettube import aws
from pettube.cleanup import purge_video
from pettube.config import JobStateConfig, job_state_config
from pettube.events import MediaConvertJobEvent, OutputFile, split_s3_url
from pettube.model import IN_FLIGHT, JOB_CANCELED, Failure, Rendition, Status, Stream, StreamVariant
from pettube.shapes import expects
from pettube.videos import VideoRepository

logger = Logger()

PROGRESS_STATES = frozenset({"PROGRESSING", "INPUT_INFORMATION", "STATUS_UPDATE"})
FINAL_STATES = frozenset({"COMPLETE", "ERROR", "CANCELED"})
NO_OUTPUTS = Failure("NoRenditions", "Transcoding finished but produced no playable video.")


@expects("a MediaConvert job state change", {"detail.jobId": str, "detail.status": str})
@logger.inject_lambda_context(clear_state=True)
@event_source(data_class=MediaConvertJobEvent)
def handler(event: MediaConvertJobEvent, context: LambdaContext) -> None:
    """Apply one job state change to the video it belongs to."""
    owner_id, video_id, job_id = event.owner_id, event.video_id, event.job_id
    if not owner_id or not video_id:
        logger.warning("Job event without PetTube metadata ignored", extra={"job_id": job_id})
        return
    logger.append_keys(identity_id=owner_id, video_id=video_id, job_id=job_id, job_status=event.status)
    config = job_state_config()
    videos = VideoRepository(aws.table(config.videos_table))
    if apply(videos, event, owner_id, video_id):
        logger.info("Video updated", extra={"progress": event.percent_complete})
        return
    video = videos.get(owner_id, video_id)
    if video is None or video.status is Status.DELETING:
        clean_up_deleted(config, owner_id, video_id, job_id, event.status)
    else:
        logger.info("Stale, duplicate or untracked job event ignored")


def apply(videos: VideoRepository, event: MediaConvertJobEvent, owner_id: str, video_id: str) -> bool:
    """Record what the event says on the video; False when the record refused it (stale, or no such video)."""
    job_id = event.job_id
    if event.status in PROGRESS_STATES:
        return videos.record_progress(owner_id, video_id, job_id, event.percent_complete)
    if event.status == "COMPLETE":
        current = videos.get(owner_id, video_id)
        if current is None or current.status not in IN_FLIGHT:
            return False  # deleted or already settled: its outputs need no measuring
        renditions, thumbnail_key = collect_outputs(list(event.outputs))
        if not renditions:
            return videos.record_end(owner_id, video_id, job_id, Status.FAILED, NO_OUTPUTS)
        duration = max((r.duration_ms for r in renditions if r.duration_ms), default=None)
        stream = collect_stream(event)
        return videos.record_ready(owner_id, video_id, job_id, renditions, thumbnail_key, duration, stream)
    if event.status == "ERROR":
        failure = Failure(f"MediaConvert{event.error_code}", event.error_message)
        return videos.record_end(owner_id, video_id, job_id, Status.FAILED, failure)
    if event.status == "CANCELED":
        return videos.record_end(owner_id, video_id, job_id, Status.CANCELED, JOB_CANCELED)
    return False  # SUBMITTED, NEW_WARNING, QUEUE_HOP: nothing to record


def clean_up_deleted(config: JobStateConfig, owner_id: str, video_id: str, job_id: str, job_status: str) -> None:
    """The owner deleted this video: stop its job if it may still run, remove whatever it wrote."""
    purge_video(owner_id, video_id, None if job_status in FINAL_STATES else job_id, (config.transcoded_bucket,))
    logger.info("Job event for a deleted video: its outputs were removed")


def collect_outputs(outputs: list[OutputFile]) -> tuple[list[Rendition], str | None]:
    """Renditions (largest first, with sizes from S3) and the thumbnail key from COMPLETE's outputs."""
    thumbnail_key = next((o.key for o in outputs if o.is_image), None)
    renditions = [_rendition(o) for o in outputs
                  if not o.is_image and not o.is_media_playlist and o.width and o.height]
    renditions.sort(key=lambda r: r.height * r.width, reverse=True)
    return renditions, thumbnail_key


def collect_stream(event: MediaConvertJobEvent) -> Stream | None:
    """The HLS stream COMPLETE reports (None for a job without one: videos transcoded before streaming)."""
    manifests = event.hls_manifests
    variants = [StreamVariant(o.key, int(o.width), int(o.height))
                for o in event.outputs if o.is_media_playlist and o.width and o.height]
    if not manifests or not variants:
        return None
    variants.sort(key=lambda v: v.width * v.height, reverse=True)
    return Stream(split_s3_url(manifests[0])[1], tuple(variants))


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
