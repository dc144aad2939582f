"""The MyMedia API client: the signed-in user's videos as typed records, and delete.

The wire shape is lambda/pettube/mymedia.py's: ``{"videos": [...], "next_cursor"}``;
each video has ``id``, ``title``, ``status``, ``progress``, ``renditions`` (with
presigned ``url``), ``thumbnail_url`` and ``failure`` (``{"code", "message"}`` or null).

Requests are signed with SigV4 (service ``execute-api``) in Python and sent by the
browser's fetch; ``send`` is injected so CPython tests can answer for the browser.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any, Awaitable, Callable
from urllib.parse import quote, urlencode

from .signing import Credentials, signed_api_headers

IN_FLIGHT = frozenset({"uploaded", "processing"})
STATUSES = frozenset({"uploaded", "processing", "ready", "failed", "canceled"})

# send(method, url, headers) -> (HTTP status, body text)
Send = Callable[[str, str, dict[str, str]], Awaitable[tuple[int, str]]]


class MyMediaError(Exception):
    """The API refused or failed a request; the message is for the person."""

    def __init__(self, message: str, status: int = 0) -> None:
        super().__init__(message)
        self.status = status


@dataclass(frozen=True)
class Rendition:
    """One transcoded size of a video, playable through its presigned URL."""

    url: str
    label: str
    width: int
    height: int
    bitrate: int
    bytes: int


@dataclass(frozen=True)
class Video:
    """One of the user's videos, as the gallery shows it."""

    video_id: str
    title: str
    status: str
    progress: int
    created_at: str
    duration_ms: int | None
    thumbnail_url: str
    renditions: tuple[Rendition, ...]
    failure_message: str
    size_bytes: int
    failure_detail: str = ""

    @property
    def in_flight(self) -> bool:
        """Still being processed: the gallery keeps polling while any video is."""
        return self.status in IN_FLIGHT

    def rendition(self, label: str | None = None) -> Rendition | None:
        """The rendition with ``label``, else the best one for a typical screen (720p or the nearest below)."""
        if not self.renditions:
            return None
        for rendition in self.renditions:
            if rendition.label == label:
                return rendition
        by_size = sorted(self.renditions, key=lambda r: min(r.width, r.height))
        fitting = [r for r in by_size if min(r.width, r.height) <= 720]
        return fitting[-1] if fitting else by_size[0]


def _int(value: Any, default: int = 0) -> int:
    try:
        return int(value)
    except (TypeError, ValueError):
        return default


def parse_video(raw: dict[str, Any]) -> Video:
    """A typed record from one API item (unknown statuses read as processing, never crash the page)."""
    status = str(raw.get("status", "processing"))
    renditions = tuple(
        Rendition(
            url=str(item.get("url", "")),
            label=str(item.get("label") or f"{min(_int(item.get('width')), _int(item.get('height')))}p"),
            width=_int(item.get("width")),
            height=_int(item.get("height")),
            bitrate=_int(item.get("bitrate")),
            bytes=_int(item.get("bytes")),
        )
        for item in raw.get("renditions") or []
        if item.get("url")
    )
    failure = raw.get("failure") or {}
    duration = raw.get("duration_ms")
    return Video(
        video_id=str(raw.get("id", "")),
        title=str(raw.get("title") or "Untitled video"),
        status=status if status in STATUSES else "processing",
        progress=max(0, min(100, _int(raw.get("progress")))),
        created_at=str(raw.get("created_at", "")),
        duration_ms=_int(duration) if duration is not None else None,
        thumbnail_url=str(raw.get("thumbnail_url") or ""),
        renditions=renditions,
        failure_message=failure_reason(str(failure.get("code") or ""), str(failure.get("message") or "")),
        size_bytes=_int(raw.get("size_bytes")),
        failure_detail=str(failure.get("message") or ""),
    )


# MediaConvert's error messages are for developers (they name S3 paths); people get these.
# Codes: https://docs.aws.amazon.com/mediaconvert/latest/ug/mediaconvert_error_codes.html
_TRANSCODER_REASONS = {
    "MediaConvert1010": "This file could not be opened as a video. It may be damaged or not a video at all.",
    "MediaConvert1020": "This file has no picture: it looks like sound only.",
    "MediaConvert1021": "This video's sound could not be read.",
    "MediaConvert1030": "This video could not be decoded. It may be damaged.",
    "MediaConvert1040": "This video's format is not one PetTube can convert.",
    "MediaConvert1076": "This video ends early: the upload may have been cut short or the file is damaged.",
    "MediaConvert1404": "The uploaded file was gone before it could be converted.",
}


def failure_reason(code: str, message: str) -> str:
    """A sentence a person can act on; the service's own message when there is no better one."""
    if code in _TRANSCODER_REASONS:
        return _TRANSCODER_REASONS[code]
    if code.startswith("MediaConvert"):
        return "Converting this video failed. Try uploading it again."
    return message or code


def parse_page(body: dict[str, Any]) -> tuple[list[Video], str | None]:
    """The videos of one listing page and the cursor of the next (None at the end)."""
    return [parse_video(item) for item in body.get("videos", [])], body.get("next_cursor") or None


def error_message(status: int, body: str) -> str:
    """A sentence for a failed API call, using the API's own message when it gave one."""
    try:
        message = json.loads(body).get("message", "")
    except (ValueError, AttributeError):
        message = ""
    if status in (401, 403):
        return "Your session has expired. Please sign in again."
    if status == 404:
        return message or "That video no longer exists."
    return message or f"The media service answered {status}. Please try again."


class MyMediaClient:
    """Lists and deletes the caller's videos; the API decides who the caller is from the signature."""

    def __init__(self, api_url: str, region: str, credentials: Callable[[], Credentials], send: Send) -> None:
        self.api_url = api_url.rstrip("/")
        self.region = region
        self._credentials = credentials
        self._send = send

    async def _call(self, method: str, path: str, query: dict[str, str] | None = None) -> dict[str, Any]:
        url = f"{self.api_url}{path}"
        if query:
            url = f"{url}?{urlencode(sorted(query.items()))}"
        headers = signed_api_headers(method, url, self._credentials(), self.region)
        status, text = await self._send(method, url, headers)
        if not 200 <= status < 300:
            raise MyMediaError(error_message(status, text), status)
        return json.loads(text) if text.strip() else {}

    async def list_videos(self, limit: int = 100) -> list[Video]:
        """Every video of the caller, newest first, following the cursor to the end."""
        videos: list[Video] = []
        cursor: str | None = None
        while True:
            query = {"limit": str(limit)}
            if cursor:
                query["cursor"] = cursor
            page, cursor = parse_page(await self._call("GET", "/media", query))
            videos.extend(page)
            if not cursor:
                return videos

    async def delete(self, video_id: str) -> None:
        """Delete a video with all its files."""
        await self._call("DELETE", f"/media/{quote(video_id, safe='')}")
