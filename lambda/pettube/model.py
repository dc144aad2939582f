"""PetTube's domain types: what a video is, independent of where it is stored.

Pure: no boto3, no DynamoDB shapes. ``videos.py`` maps these to and from table
items; the handlers and the pure helpers (checks, sweeper decisions) use only this.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import UTC, datetime
from enum import StrEnum


class Status(StrEnum):
    """Where a video is in its life.

    ``deleting`` is the tombstone a delete writes before it touches S3: from then on
    no job event may change the record, and every job event cleans up instead.
    """

    UPLOADED = "uploaded"
    PROCESSING = "processing"
    READY = "ready"
    FAILED = "failed"
    CANCELED = "canceled"
    DELETING = "deleting"


IN_FLIGHT = frozenset({Status.UPLOADED, Status.PROCESSING})


class Visibility(StrEnum):
    """Who may watch: only the owner, or anyone holding the video's share link."""

    PRIVATE = "private"
    LINK = "link"


@dataclass(frozen=True)
class Failure:
    """Why a video will never play, in words a person can act on."""

    code: str
    message: str


JOB_CANCELED = Failure("Canceled", "The transcoding job was canceled before it finished.")


@dataclass(frozen=True)
class Rendition:
    """One playable MP4 of a video."""

    key: str
    width: int
    height: int
    bitrate: int | None = None
    bytes: int | None = None
    duration_ms: int | None = None


@dataclass(frozen=True)
class StreamVariant:
    """One rendition of a video's HLS stream: its media playlist (the segments are one object beside it)."""

    playlist_key: str
    width: int
    height: int


@dataclass(frozen=True)
class Stream:
    """A video's adaptive stream: the HLS master playlist and the renditions it lists, largest first."""

    master_key: str
    variants: tuple[StreamVariant, ...]


@dataclass(frozen=True)
class Video:
    """A video record as the rest of the code sees it."""

    owner_id: str
    video_id: str
    status: Status
    title: str
    original_key: str
    created_at: str
    updated_at: str
    size_bytes: int | None = None
    progress: int = 0
    job_id: str | None = None
    renditions: tuple[Rendition, ...] = field(default_factory=tuple)
    thumbnail_key: str | None = None
    duration_ms: int | None = None
    failure: Failure | None = None
    description: str = ""
    visibility: Visibility = Visibility.PRIVATE
    share_token: str | None = None
    owner_name: str | None = None
    stream: Stream | None = None

    @property
    def shareable(self) -> bool:
        """True when its share link may be watched right now."""
        return self.status is Status.READY and self.visibility is Visibility.LINK and self.share_token is not None


MAX_TITLE = 100
MAX_DESCRIPTION = 2000
MAX_OWNER_NAME = 50


def default_title(file_name: str) -> str:
    """The title a new upload gets: its file name without the extension, within the title's limit."""
    stem, dot, extension = file_name.rpartition(".")
    name = stem if dot and stem.strip() and extension else file_name
    return name.strip()[:MAX_TITLE].strip() or "Untitled video"


# Timestamps are ISO-8601 UTC text with milliseconds and a "Z": they sort as text,
# which the by_created and by_status indexes rely on.
TIMESTAMP = re.compile(r"\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(?:\.\d{1,6})?Z")


def timestamp(moment: datetime) -> str:
    """``moment`` (timezone-aware) in the records' text format."""
    return moment.astimezone(UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")


def utc_now() -> str:
    """The current time in the records' text format."""
    return timestamp(datetime.now(UTC))
