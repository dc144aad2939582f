"""A typed, read-only view of EventBridge's ``MediaConvert Job State Change`` events.

Shapes as AWS documents them (https://docs.aws.amazon.com/mediaconvert/latest/ug/ev_status_change.html):
``detail.status`` is one of SUBMITTED, PROGRESSING, INPUT_INFORMATION, STATUS_UPDATE
(``jobProgress.jobPercentComplete``), COMPLETE (``outputGroupDetails[].outputDetails[]``),
ERROR (``errorCode``, ``errorMessage``), CANCELED, NEW_WARNING, QUEUE_HOP.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

from aws_lambda_powertools.utilities.data_classes import EventBridgeEvent


@dataclass(frozen=True)
class OutputFile:
    """One file a finished job wrote, with what MediaConvert measured about it."""

    bucket: str
    key: str
    duration_ms: int | None
    width: int | None
    height: int | None
    group_type: str = "FILE_GROUP"

    @property
    def is_image(self) -> bool:
        """Frame captures (thumbnails) are JPEGs; everything else is a rendition."""
        return self.key.lower().endswith((".jpg", ".jpeg"))

    @property
    def is_media_playlist(self) -> bool:
        """An HLS rendition: MediaConvert reports its media playlist, not its segments."""
        return self.group_type == "HLS_GROUP"


def split_s3_url(url: str) -> tuple[str, str]:
    """``s3://bucket/key`` -> (bucket, key); the key is kept exactly as written."""
    if not url.startswith("s3://"):
        raise ValueError(f"not an s3:// URL: {url!r}")
    bucket, _, key = url[len("s3://"):].partition("/")
    return bucket, key


class MediaConvertJobEvent(EventBridgeEvent):
    """``detail-type: MediaConvert Job State Change`` from ``source: aws.mediaconvert``."""

    @property
    def job_id(self) -> str:
        """MediaConvert's id of the job."""
        return self.detail["jobId"]

    @property
    def status(self) -> str:
        """The job state this event reports."""
        return self.detail["status"]

    @property
    def user_metadata(self) -> dict[str, str]:
        """The UserMetadata the upload function put on the job."""
        return self.detail.get("userMetadata") or {}

    @property
    def owner_id(self) -> str | None:
        """The identity id of the video's owner, from UserMetadata."""
        return self.user_metadata.get("owner_id")

    @property
    def video_id(self) -> str | None:
        """The video this job transcodes, from UserMetadata."""
        return self.user_metadata.get("video_id")

    @property
    def percent_complete(self) -> int | None:
        """STATUS_UPDATE's overall progress, clamped to 0-100 (None on other states)."""
        value = (self.detail.get("jobProgress") or {}).get("jobPercentComplete")
        return None if value is None else max(0, min(100, int(value)))

    @property
    def error_code(self) -> str:
        """ERROR's numeric code (as text: codes are looked up, never computed with)."""
        return str(self.detail.get("errorCode", "unknown"))

    @property
    def error_message(self) -> str:
        """ERROR's human-readable reason."""
        return self.detail.get("errorMessage") or "MediaConvert gave no reason"

    @property
    def outputs(self) -> Iterator[OutputFile]:
        """Every file COMPLETE reports, across all output groups."""
        for group in self.detail.get("outputGroupDetails") or ():
            for output in group.get("outputDetails") or ():
                yield from _files(output, group.get("type") or "FILE_GROUP")

    @property
    def hls_manifests(self) -> list[str]:
        """COMPLETE's HLS master playlists (``playlistFilePaths`` of its HLS groups), as s3:// URLs."""
        return [path for group in self.detail.get("outputGroupDetails") or () if group.get("type") == "HLS_GROUP"
                for path in group.get("playlistFilePaths") or ()]


def _files(output: dict[str, Any], group_type: str) -> Iterator[OutputFile]:
    video = output.get("videoDetails") or {}
    for path in output.get("outputFilePaths") or ():
        bucket, key = split_s3_url(path)
        yield OutputFile(
            bucket=bucket,
            key=key,
            duration_ms=output.get("durationInMs"),
            width=video.get("widthInPx"),
            height=video.get("heightInPx"),
            group_type=group_type,
        )
