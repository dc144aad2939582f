"""Cheap checks on an uploaded original; deep ones (can it be decoded?) are the transcoder's.

Each refusal is a ``Failure`` whose message the uploader sees in the gallery.
"""

from __future__ import annotations

from dataclasses import dataclass
from urllib.parse import unquote

from pettube.layout import IDENTITY_ID, OriginalKey
from pettube.model import MAX_OWNER_NAME, Failure

VIDEO_EXTENSIONS = frozenset({
    "mp4", "m4v", "mov", "qt", "3gp", "3g2", "mkv", "webm", "avi", "wmv", "flv", "ogv",
    "mpg", "mpeg", "m2v", "ts", "mts", "m2ts", "mxf", "dv",
})
# What browsers and S3 send when they do not know a type: neutral, so the extension decides.
NEUTRAL_TYPES = frozenset({"", "application/octet-stream", "binary/octet-stream"})
# Video containers some browsers label as application/*.
VIDEO_APPLICATION_TYPES = frozenset({"application/mp4", "application/x-matroska", "application/mxf", "application/ogg"})


# x-amz-meta-owner-name: the page's display name for the uploader, percent-encoded UTF-8
# (S3 metadata travels in HTTP headers, which carry ASCII only).
OWNER_NAME_METADATA = "owner-name"


@dataclass(frozen=True)
class ObjectFacts:
    """What S3's HEAD says about the original."""

    size: int
    content_type: str
    owner_name: str | None = None


def owner_display_name(raw: str | None) -> str | None:
    """The uploader's name as share links show it: decoded, trimmed, at most 50 characters.

    Anyone holding a link sees it, so a value that looks like an e-mail address or a
    Cognito identity id is dropped rather than shown.
    """
    name = unquote(raw or "").strip()[:MAX_OWNER_NAME].strip()
    if not name or "@" in name or IDENTITY_ID.search(name):
        return None
    return name


def _human_size(size: int) -> str:
    value = float(size)
    for unit in ("bytes", "KiB", "MiB", "GiB"):
        if value < 1024 or unit == "GiB":
            return f"{size} bytes" if unit == "bytes" else f"{value:.1f} {unit}"
        value /= 1024
    raise AssertionError("unreachable")


def _looks_like_video_type(content_type: str) -> bool:
    media_type = content_type.split(";", 1)[0].strip().lower()
    return media_type in NEUTRAL_TYPES or media_type.startswith("video/") or media_type in VIDEO_APPLICATION_TYPES


def check_original(original: OriginalKey, facts: ObjectFacts, max_bytes: int) -> Failure | None:
    """Why this object cannot become a video, or None when it is worth transcoding."""
    if facts.size == 0:
        return Failure("EmptyFile", f"“{original.file_name}” is empty (0 bytes).")
    if facts.size > max_bytes:
        return Failure(
            "FileTooLarge",
            f"“{original.file_name}” is {_human_size(facts.size)}; the largest accepted is {_human_size(max_bytes)}.",
        )
    if original.extension not in VIDEO_EXTENSIONS:
        shown = f".{original.extension} files" if original.extension else "files without an extension"
        return Failure(
            "NotAVideo",
            f"“{original.file_name}” does not look like a video: {shown} are not accepted (MP4, MOV, WebM, MKV are).",
        )
    if not _looks_like_video_type(facts.content_type):
        return Failure(
            "NotAVideo",
            f"“{original.file_name}” was uploaded as {facts.content_type}, not as a video.",
        )
    return None
