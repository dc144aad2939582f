"""The MyMedia API client: the signed-in user's videos as typed records, edits, delete, and shared videos.

The wire shape is lambda/pettube/mymedia.py's: ``{"videos": [...], "next_cursor"}``;
each video has ``id``, ``title``, ``description``, ``visibility``, ``share_url``,
``status``, ``progress``, ``renditions`` (with presigned ``url``), ``thumbnail_url`` and
``failure`` (``{"code", "message"}`` or null). ``GET /shared/{token}`` answers a shared
video's ``title``, ``description``, ``duration_ms``, ``thumbnail_url``, ``renditions``
and ``owner_name`` to anyone with guest credentials.

Requests are signed with SigV4 (service ``execute-api``) in Python and sent by the
browser's fetch; ``send`` is injected so CPython tests can answer for the browser.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from typing import Any, Awaitable, Callable
from pathlib import PurePosixPath
from urllib.parse import quote, urlencode

from .signing import Credentials, signed_api_headers

IN_FLIGHT = frozenset({"uploaded", "processing"})
STATUSES = frozenset({"uploaded", "processing", "ready", "failed", "canceled"})
PRIVATE, LINK = "private", "link"
EDITABLE = ("title", "description", "visibility")

_RESOLUTION = re.compile(r"RESOLUTION=(\d+x\d+)")  # in a master playlist's #EXT-X-STREAM-INF lines
# send(method, url, headers, body) -> (HTTP status, body text)
Send = Callable[[str, str, dict[str, str], bytes], Awaitable[tuple[int, str]]]


class MyMediaError(Exception):
    """The API refused or failed a request; the message is for the person."""

    def __init__(self, message: str, status: int = 0) -> None:
        super().__init__(message)
        self.status = status

    @property
    def field(self) -> str | None:
        """The edited field a refusal (400) is about, so the page can show it next to that field."""
        if self.status != 400:
            return None
        words = str(self).casefold()
        return next((name for name in EDITABLE if name in words), None)


@dataclass(frozen=True)
class Stream:
    """A video's HLS stream as MyMedia answers it: the master playlist and its media playlists by URI,
    every segment URI presigned (the player serves the playlists from memory)."""

    master: str
    playlists: dict[str, str]

    @property
    def qualities(self) -> list[str]:
        """The master's renditions as the size row names them ("720p"), largest first."""
        sizes = [tuple(map(int, size.split("x"))) for size in _RESOLUTION.findall(self.master)]
        return [f"{min(w, h)}p" for w, h in sorted(set(sizes), key=lambda s: s[0] * s[1], reverse=True)]

    @property
    def urls(self) -> list[str]:
        """The distinct presigned URLs the playlists name (one per rendition)."""
        lines = (line for text in self.playlists.values() for line in text.splitlines())
        return list(dict.fromkeys(line for line in lines if line and not line.startswith("#")))


def parse_stream(raw: Any) -> Stream | None:
    """The stream of a GET /media/{id} or /shared/{token} answer (None: MP4s only, or a listing)."""
    if not isinstance(raw, dict) or not raw.get("master") or not isinstance(raw.get("playlists"), dict):
        return None
    return Stream(master=str(raw["master"]), playlists={str(k): str(v) for k, v in raw["playlists"].items()})


@dataclass(frozen=True)
class Rendition:
    """One transcoded size of a video, playable through its presigned URL."""

    url: str
    label: str
    width: int
    height: int
    bitrate: int
    bytes: int


class Playable:
    """What the player needs of a video: its sizes and thumbnail, all presigned URLs."""

    title: str
    thumbnail_url: str
    renditions: tuple[Rendition, ...]
    stream: Stream | None

    @property
    def urls(self) -> list[str]:
        """Every presigned URL of the video (they expire: see freshness.py)."""
        streamed = self.stream.urls if self.stream else []
        return [r.url for r in self.renditions] + ([self.thumbnail_url] if self.thumbnail_url else []) + streamed

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


@dataclass(frozen=True)
class Video(Playable):
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
    description: str = ""
    visibility: str = PRIVATE
    share_url: str = ""
    stream: Stream | None = None

    @property
    def in_flight(self) -> bool:
        """Still being processed: the gallery keeps polling while any video is."""
        return self.status in IN_FLIGHT



@dataclass(frozen=True)
class SharedVideo(Playable):
    """A video someone shared by link, as its watch page shows it (no id, no owner identity)."""

    title: str
    description: str
    duration_ms: int | None
    thumbnail_url: str
    renditions: tuple[Rendition, ...]
    owner_name: str
    stream: Stream | None = None


def _int(value: Any, default: int = 0) -> int:
    try:
        return int(value)
    except (TypeError, ValueError):
        return default


def _renditions(raw: dict[str, Any]) -> tuple[Rendition, ...]:
    return tuple(
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


def _preview(raw: dict[str, Any]) -> tuple[Rendition, ...]:
    """The original, playable while its ladder is made: a rendition labelled as such (size unknown)."""
    preview = raw.get("preview") or {}
    if not preview.get("url"):
        return ()
    return (Rendition(url=str(preview["url"]), label=str(preview.get("label") or "Original"), width=0, height=0,
                      bitrate=0, bytes=0),)


def _duration(raw: dict[str, Any]) -> int | None:
    duration = raw.get("duration_ms")
    return _int(duration) if duration is not None else None


def default_title(file_name: str) -> str:
    """The title a new upload gets until its owner names it: the file name without its extension."""
    return PurePosixPath(file_name).stem.strip() or file_name


def parse_video(raw: dict[str, Any]) -> Video:
    """A typed record from one API item (unknown statuses read as processing, never crash the page)."""
    status = str(raw.get("status", "processing"))
    failure = raw.get("failure") or {}
    share_url = str(raw.get("share_url") or "")
    return Video(
        video_id=str(raw.get("id", "")),
        title=str(raw.get("title") or "Untitled video"),
        status=status if status in STATUSES else "processing",
        progress=max(0, min(100, _int(raw.get("progress")))),
        created_at=str(raw.get("created_at", "")),
        duration_ms=_duration(raw),
        thumbnail_url=str(raw.get("thumbnail_url") or ""),
        renditions=_renditions(raw) or _preview(raw),
        failure_message=failure_reason(str(failure.get("code") or ""), str(failure.get("message") or "")),
        size_bytes=_int(raw.get("size_bytes")),
        failure_detail=str(failure.get("message") or ""),
        description=str(raw.get("description") or ""),
        visibility=LINK if raw.get("visibility") == LINK and share_url else PRIVATE,
        share_url=share_url,
        stream=parse_stream(raw.get("stream")),
    )


def parse_shared(raw: dict[str, Any]) -> SharedVideo:
    """A shared video from ``GET /shared/{token}``."""
    return SharedVideo(
        title=str(raw.get("title") or "Untitled video"),
        description=str(raw.get("description") or ""),
        duration_ms=_duration(raw),
        thumbnail_url=str(raw.get("thumbnail_url") or ""),
        renditions=_renditions(raw),
        owner_name=str(raw.get("owner_name") or ""),
        stream=parse_stream(raw.get("stream")),
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
    message = message[:1].upper() + message[1:]  # the API's messages may start with a field name
    if status in (401, 403):
        return "Your session has expired. Please sign in again."
    if status == 404:
        return message or "That video no longer exists."
    return message or f"The media service answered {status}. Please try again."


class MyMediaClient:
    """Calls the MyMedia API; the API decides who the caller is from the signature alone."""

    def __init__(self, api_url: str, region: str, credentials: Callable[[], Credentials], send: Send) -> None:
        self.api_url = api_url.rstrip("/")
        self.region = region
        self._credentials = credentials
        self._send = send

    async def _call(self, method: str, path: str, query: dict[str, str] | None = None,
                    body: dict[str, Any] | None = None) -> dict[str, Any]:
        url = f"{self.api_url}{path}"
        if query:
            url = f"{url}?{urlencode(sorted(query.items()))}"
        payload = json.dumps(body).encode() if body is not None else b""
        headers = signed_api_headers(method, url, self._credentials(), self.region, payload,
                                     content_type="application/json" if body is not None else None)
        status, text = await self._send(method, url, headers, payload)
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

    async def get_video(self, video_id: str) -> Video:
        """One of the caller's videos, with freshly signed URLs."""
        return parse_video(await self._call("GET", _media_path(video_id)))

    async def update(self, video_id: str, changes: dict[str, str]) -> Video:
        """Change any of title, description and visibility; the API trims, checks and answers the video."""
        return parse_video(await self._call("PATCH", _media_path(video_id), body=changes))

    async def delete(self, video_id: str) -> None:
        """Delete a video with all its files."""
        await self._call("DELETE", _media_path(video_id))

    async def shared(self, token: str) -> SharedVideo:
        """A video shared by link (404 when the link is unknown, revoked, or its video gone or not ready)."""
        return parse_shared(await self._call("GET", f"/shared/{quote(token, safe='')}"))


def _media_path(video_id: str) -> str:
    return f"/media/{quote(video_id, safe='')}"
