"""The gallery's data: MyMedia answers as typed videos, signed requests, readable errors."""

from __future__ import annotations

import asyncio
from datetime import datetime, timedelta, timezone
from urllib.parse import parse_qs, urlsplit

import pytest
from app.mymedia import MyMediaClient, MyMediaError, parse_page, parse_video
from app.signing import Credentials

CREDENTIALS = Credentials("ASIAEXAMPLE", "secret", "session-token", datetime.now(timezone.utc) + timedelta(hours=1))
READY = {
    "id": "01jdxyz0000000000000000000", "title": "Rex <b>&amp; friends</b>.mp4", "status": "ready",
    "progress": 100, "created_at": "2026-11-26T12:00:00.000Z", "duration_ms": 4000,
    "thumbnail_url": "http://127.0.0.1/t.jpg",
    "renditions": [
        {"label": "1080p", "url": "http://127.0.0.1/1080.mp4", "width": 1920, "height": 1080, "bitrate": 5000000, "bytes": 10},
        {"label": "360p", "url": "http://127.0.0.1/360.mp4", "width": 640, "height": 360, "bitrate": 800000, "bytes": 5},
        {"label": "720p", "url": "http://127.0.0.1/720.mp4", "width": 1280, "height": 720, "bitrate": 2500000, "bytes": 7},
    ],
    "failure": None,
}


def test_a_ready_video_offers_its_sizes_and_defaults_to_720p() -> None:
    video = parse_video(READY)
    assert video.title == "Rex <b>&amp; friends</b>.mp4"  # kept verbatim: the view escapes it
    assert not video.in_flight
    assert video.rendition().label == "720p"
    assert video.rendition("1080p").url.endswith("1080.mp4")


def test_processing_and_failed_videos_carry_progress_and_reason() -> None:
    processing = parse_video({"id": "v1", "status": "processing", "progress": 140, "failure": None})
    failed = parse_video({"id": "v2", "status": "failed",
                          "failure": {"code": "1010", "message": "The input file is not a video."}})
    assert processing.in_flight and processing.progress == 100
    assert failed.failure_message == "The input file is not a video." and not failed.in_flight
    assert parse_video({"id": "v3", "status": "mystery"}).status == "processing"


def test_a_portrait_video_defaults_to_the_size_nearest_720p_by_its_short_side() -> None:
    video = parse_video({"id": "v4", "status": "ready", "renditions": [
        {"url": "u1", "width": 1080, "height": 1920}, {"url": "u2", "width": 720, "height": 1280}]})
    assert video.rendition().label == "720p"


def test_a_page_gives_videos_and_the_next_cursor() -> None:
    videos, cursor = parse_page({"videos": [READY], "next_cursor": "abc"})
    assert [v.video_id for v in videos] == [READY["id"]] and cursor == "abc"
    assert parse_page({"videos": [], "next_cursor": None}) == ([], None)


def fake_api(pages: dict[str | None, dict], log: list) -> object:
    import json

    async def send(method: str, url: str, headers: dict[str, str]) -> tuple[int, str]:
        log.append((method, url, headers))
        if method == "DELETE":
            return (404, json.dumps({"error": "not_found", "message": "No such video."})) if url.endswith("gone") else (204, "")
        cursor = parse_qs(urlsplit(url).query).get("cursor", [None])[0]
        return 200, json.dumps(pages[cursor])
    return send


def test_listing_follows_the_cursor_and_signs_every_request_for_execute_api() -> None:
    log: list = []
    pages = {None: {"videos": [READY], "next_cursor": "p2"},
             "p2": {"videos": [{"id": "v2", "status": "processing"}], "next_cursor": None}}
    client = MyMediaClient("http://127.0.0.1:5/restapis/a/prod/_user_request_/", "us-east-1", lambda: CREDENTIALS,
                           fake_api(pages, log))
    videos = asyncio.run(client.list_videos())
    assert [v.video_id for v in videos] == [READY["id"], "v2"]
    assert len(log) == 2
    for _, url, headers in log:
        assert urlsplit(url).path.endswith("/_user_request_/media")
        assert "/us-east-1/execute-api/aws4_request" in headers["Authorization"]
        assert headers["X-Amz-Security-Token"] == "session-token"
        assert "host" not in {name.lower() for name in headers}


def test_deleting_a_missing_video_says_so() -> None:
    log: list = []
    client = MyMediaClient("http://api", "us-east-1", lambda: CREDENTIALS, fake_api({}, log))
    asyncio.run(client.delete("v1"))
    with pytest.raises(MyMediaError, match="No such video"):
        asyncio.run(client.delete("gone"))
    assert log[0][0] == "DELETE" and log[0][1] == "http://api/media/v1"


def test_a_transcoder_failure_reads_as_a_sentence_with_the_technical_message_kept() -> None:
    raw = {"id": "v9", "status": "failed", "failure": {
        "code": "MediaConvert1010",
        "message": "Unable to open input file [s3://pettube-originals/us-east-1:abc/v9/cat.mp4]: [Failed probe/open]"}}
    video = parse_video(raw)
    assert video.failure_message.startswith("This file could not be opened as a video")
    assert "s3://" not in video.failure_message
    assert video.failure_detail == raw["failure"]["message"]


def test_a_check_failure_keeps_its_own_readable_message() -> None:
    video = parse_video({"id": "v8", "status": "failed",
                         "failure": {"code": "FileTooLarge", "message": "“big.mp4” is 6 GB; the limit is 5 GB."}})
    assert video.failure_message == "“big.mp4” is 6 GB; the limit is 5 GB."
