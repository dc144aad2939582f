"""The gallery's data: MyMedia answers as typed videos, signed requests and edits, shared videos, readable errors."""

from __future__ import annotations

import asyncio
from datetime import datetime, timedelta, timezone
from urllib.parse import parse_qs, urlsplit

import json
import time

import pytest
from app.mymedia import MyMediaClient, MyMediaError, default_title, parse_page, parse_shared, parse_video
from app.signing import Credentials
from localcloud.access.sigv4 import read_claim, verify
from werkzeug.test import EnvironBuilder

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

    async def send(method: str, url: str, headers: dict[str, str], body: bytes = b"") -> tuple[int, str]:
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


SHARED = "https://pettube.example/#/watch/Zm9vYmFyYmF6cXV4MTIzNDU2Nzg5MGFiY2Rl"


def test_a_shared_video_carries_its_details_and_link_and_a_private_one_none() -> None:
    shared = parse_video({**READY, "description": "Rex meets the neighbour's cat.", "visibility": "link",
                          "share_url": SHARED})
    private = parse_video({**READY, "visibility": "private", "share_url": None})
    assert (shared.visibility, shared.share_url, shared.description) == ("link", SHARED, "Rex meets the neighbour's cat.")
    assert (private.visibility, private.share_url, private.description) == ("private", "", "")
    assert len(shared.urls) == 4  # three sizes and the thumbnail, all presigned


def test_a_new_uploads_title_is_its_file_name_without_the_extension() -> None:
    assert default_title("Rex & friends.final.mp4") == "Rex & friends.final"
    assert default_title("mia") == "mia"
    assert default_title(".mp4") == ".mp4"


def test_the_watch_page_reads_a_shared_video_with_the_owners_name_only() -> None:
    video = parse_shared({"title": "Zoomies", "description": "", "duration_ms": 5000, "thumbnail_url": "http://t",
                          "renditions": READY["renditions"], "owner_name": "Julie"})
    assert (video.title, video.owner_name, video.duration_ms) == ("Zoomies", "Julie", 5000)
    assert video.rendition().label == "720p"
    assert parse_shared({"title": "x", "renditions": [], "owner_name": None}).owner_name == ""


class Api:
    """Answers one request, and keeps it as the API Gateway would receive it."""

    def __init__(self, status: int, answer: dict) -> None:
        self.status, self.answer, self.requests = status, answer, []

    async def send(self, method: str, url: str, headers: dict[str, str], body: bytes = b"") -> tuple[int, str]:
        self.requests.append((method, url, headers, body))
        return self.status, json.dumps(self.answer)


def arrived(method: str, url: str, headers: dict[str, str], body: bytes):
    """The request as a server sees it: the browser adds Host from the URL."""
    parts = urlsplit(url)
    return EnvironBuilder(method=method, base_url=f"{parts.scheme}://{parts.netloc}", path=parts.path,
                          query_string=parts.query, headers={**headers, "Host": parts.netloc}, data=body).get_request()


def test_an_edit_is_a_patch_whose_json_body_is_covered_by_the_signature() -> None:
    api = Api(200, {**READY, "title": "Rex and the cat", "description": "A tense moment."})
    client = MyMediaClient("http://127.0.0.1:5/prod", "us-east-1", lambda: CREDENTIALS, api.send)
    video = asyncio.run(client.update(READY["id"], {"title": "Rex and the cat", "description": "A tense moment."}))
    assert video.title == "Rex and the cat" and video.description == "A tense moment."
    method, url, headers, body = api.requests[0]
    assert (method, urlsplit(url).path) == ("PATCH", f"/prod/media/{READY['id']}")
    assert json.loads(body) == {"title": "Rex and the cat", "description": "A tense moment."}
    request = arrived(method, url, headers, body)
    verify(request, read_claim(request), "secret", now=time.time())  # what the API's IAM check does
    tampered = arrived(method, url, headers, body.replace(b"cat", b"dog"))
    with pytest.raises(Exception, match="signature"):
        verify(tampered, read_claim(tampered), "secret", now=time.time())


@pytest.mark.parametrize(("message", "field"), [
    ("title must be 1 to 100 characters after trimming.", "title"),
    ("Description must be at most 2000 characters.", "description"),
    ("visibility must be one of private, link.", "visibility"),
    ("The body must be a JSON object.", None),
])
def test_a_refused_edit_names_the_field_it_is_about(message: str, field: str | None) -> None:
    api = Api(400, {"error": "BadRequest", "message": message})
    client = MyMediaClient("http://api", "us-east-1", lambda: CREDENTIALS, api.send)
    with pytest.raises(MyMediaError) as refused:
        asyncio.run(client.update("v1", {"title": ""}))
    assert str(refused.value) == message[0].upper() + message[1:] and refused.value.field == field


def test_a_share_link_that_leads_nowhere_is_a_404_and_the_token_is_a_single_path_segment() -> None:
    api = Api(404, {"error": "NotFound", "message": "This video is not available."})
    client = MyMediaClient("http://api/prod", "us-east-1", lambda: CREDENTIALS, api.send)
    with pytest.raises(MyMediaError, match="This video is not available.") as missing:
        asyncio.run(client.shared("abc/../media"))
    assert missing.value.status == 404
    assert api.requests[0][1] == "http://api/prod/shared/abc%2F..%2Fmedia"


STREAM = {"master": "#EXTM3U\n#EXT-X-STREAM-INF:BANDWIDTH=900000,RESOLUTION=640x360\nstream_360p.m3u8\n"
                    "#EXT-X-STREAM-INF:BANDWIDTH=2400000,RESOLUTION=1280x720\nstream_720p.m3u8\n",
          "playlists": {name: f"#EXTM3U\n#EXTINF:6.0,\n#EXT-X-BYTERANGE:100@0\nhttps://s3.example/{name}.ts?X-Amz-Expires=900\n"
                                f"#EXTINF:6.0,\n#EXT-X-BYTERANGE:100@100\nhttps://s3.example/{name}.ts?X-Amz-Expires=900\n"
                        for name in ("stream_360p.m3u8", "stream_720p.m3u8")}}


def test_a_videos_stream_offers_its_qualities_largest_first_and_its_urls_for_renewal() -> None:
    video = parse_video({**READY, "stream": STREAM})
    assert video.stream is not None and video.stream.qualities == ["720p", "360p"]
    # One URL per rendition, however many segments: renewal watches them with the MP4s and thumbnail.
    assert [url for url in video.urls if ".ts?" in url] == ["https://s3.example/stream_360p.m3u8.ts?X-Amz-Expires=900",
                                                            "https://s3.example/stream_720p.m3u8.ts?X-Amz-Expires=900"]
    assert parse_video(READY).stream is None and parse_shared({**READY, "stream": None}).stream is None


def test_a_video_being_transcoded_plays_its_original_labelled_as_such() -> None:
    video = parse_video({**READY, "status": "processing", "renditions": [],
                         "preview": {"label": "Original", "url": "http://127.0.0.1/original.mp4"}})
    assert video.in_flight and video.rendition() is not None
    assert (video.rendition().label, video.rendition().url) == ("Original", "http://127.0.0.1/original.mp4")
