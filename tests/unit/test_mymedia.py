"""The MyMedia API: only ever the caller's own videos, newest first, with short-lived URLs; delete everywhere."""

from __future__ import annotations

import json
from typing import Any
from urllib.parse import parse_qs, urlparse

import pytest
from lambda_fakes import ORIGINALS, OTHER, OWNER, SITE, TRANSCODED, load_event

from pettube import mymedia

MINE = [f"01jc5x8m9n2p3q4r5s6t7v{n:04d}" for n in range(30)]
THEIRS = [f"01jd0000000000000000th{n:04d}" for n in range(5)]


def api_event(method: str = "GET", path: str = "/media", identity: str | None = OWNER,
              query: dict[str, str] | None = None, headers: dict[str, str] | None = None,
              body: str | None = None) -> dict[str, Any]:
    """A stored API Gateway REST proxy event, re-aimed (as API Gateway would build it)."""
    name = {"GET": "apigw_get_media.json", "DELETE": "apigw_delete_media.json"}[method]
    event = load_event("apigw_list_media.json" if path == "/media" else name)
    event["path"] = path
    event["requestContext"]["path"] = "/prod" + path
    if path != "/media":
        event["pathParameters"] = {"id": path.rsplit("/", 1)[1]}
    event["queryStringParameters"] = query
    event["multiValueQueryStringParameters"] = {k: [v] for k, v in query.items()} if query else None
    for key, value in (headers or {}).items():
        event["headers"][key] = value
        event["multiValueHeaders"][key] = [value]
    event["body"] = body
    event["requestContext"]["identity"]["cognitoIdentityId"] = identity
    return event


def call(context, **kwargs: Any) -> tuple[int, dict[str, str], Any]:
    response = mymedia.handler(api_event(**kwargs), context)
    body = json.loads(response["body"]) if response.get("body") else None
    headers = {name: values[-1] for name, values in (response.get("multiValueHeaders") or {}).items()}
    return response["statusCode"], headers | (response.get("headers") or {}), body


def put_video(moto_aws, owner: str, video_id: str, minute: int, status: str = "ready", objects: bool = False) -> None:
    """A record as the pipeline leaves it, and (when asked) its objects in both buckets."""
    prefix = f"{owner}/{video_id}/"
    created = f"2026-11-02T12:{minute:02d}:00.000Z"
    item: dict[str, Any] = {
        "owner_id": owner, "video_id": video_id, "status": status, "title": f"clip {minute}.mp4",
        "original_key": prefix + f"clip {minute}.mp4", "created_at": created, "updated_at": created,
        "size_bytes": 1000, "progress": 100 if status == "ready" else 35,
    }
    if status == "ready":
        item["renditions"] = [
            {"key": prefix + f"clip {minute}_720p.mp4", "width": 1280, "height": 720, "bitrate": 2_000_000,
             "bytes": 500, "duration_ms": 2000},
            {"key": prefix + f"clip {minute}_360p.mp4", "width": 640, "height": 360, "bitrate": 800_000,
             "bytes": 200, "duration_ms": 2000},
        ]
        item["thumbnail_key"] = prefix + f"clip {minute}_thumb.0000000.jpg"
        item["duration_ms"] = 2000
    if status == "failed":
        item.update(failure_code="MediaConvert1010", failure_message="The input file could not be opened.")
    moto_aws.table.put_item(Item=item)
    if objects:
        moto_aws.s3.put_object(Bucket=ORIGINALS, Key=item["original_key"], Body=b"original")
        derived = [r["key"] for r in item.get("renditions", ())] + [item["thumbnail_key"]]
        for key in derived:
            moto_aws.s3.put_object(Bucket=TRANSCODED, Key=key, Body=b"derived")


@pytest.fixture
def library(moto_aws):
    """30 videos of mine, 5 of someone else's (with their objects), interleaved in time."""
    for minute, video_id in enumerate(MINE):
        put_video(moto_aws, OWNER, video_id, minute, objects=minute in (4, 5))
    for minute, video_id in enumerate(THEIRS):
        put_video(moto_aws, OTHER, video_id, minute * 6 + 3, objects=True)
    return moto_aws


def listed_ids(body: dict[str, Any]) -> list[str]:
    return [video["id"] for video in body["videos"]]


def test_listing_is_newest_first_24_by_default_and_the_cursor_continues_it(library, lambda_context) -> None:
    status, _, first = call(lambda_context)
    assert status == 200
    assert listed_ids(first) == MINE[::-1][:24]
    status, _, second = call(lambda_context, query={"cursor": first["next_cursor"]})
    assert listed_ids(second) == MINE[::-1][24:]
    assert second["next_cursor"] is None


def test_limit_sets_the_page_size_and_the_last_page_has_no_cursor(library, lambda_context) -> None:
    pages, cursor = [], None
    while True:
        _, _, body = call(lambda_context, query={"limit": "7", **({"cursor": cursor} if cursor else {})})
        pages.append(listed_ids(body))
        cursor = body["next_cursor"]
        if cursor is None:
            break
    assert [len(page) for page in pages] == [7, 7, 7, 7, 2]
    assert sum(pages, []) == MINE[::-1]


@pytest.mark.parametrize("query", [{"limit": "0"}, {"limit": "101"}, {"limit": "ten"}, {"limit": "-5"},
                                   {"cursor": "not-a-cursor"}, {"cursor": "W10"}])
def test_bad_limit_or_cursor_is_a_400_with_a_json_error(library, lambda_context, query) -> None:
    status, _, body = call(lambda_context, query=query)
    assert status == 400
    assert body["error"] == "bad_request" and body["message"]


def test_ready_video_has_presigned_urls_that_expire_as_configured(library, lambda_context) -> None:
    _, _, body = call(lambda_context, path=f"/media/{MINE[3]}")
    assert body["status"] == "ready"
    assert [r["label"] for r in body["renditions"]] == ["720p", "360p"]
    for url in [r["url"] for r in body["renditions"]] + [body["thumbnail_url"]]:
        parsed = urlparse(url)
        query = parse_qs(parsed.query)
        assert TRANSCODED in parsed.netloc + parsed.path
        assert query["X-Amz-Expires"] == ["900"]
        assert query["X-Amz-Algorithm"] == ["AWS4-HMAC-SHA256"]
    assert "clip%203_720p.mp4" in body["renditions"][0]["url"]


def test_unfinished_and_failed_videos_show_status_progress_and_reason_without_urls(moto_aws, lambda_context) -> None:
    put_video(moto_aws, OWNER, MINE[0], 1, status="processing")
    put_video(moto_aws, OWNER, MINE[1], 2, status="failed")
    _, _, body = call(lambda_context)
    failed, processing = body["videos"]
    assert (processing["status"], processing["progress"], processing["renditions"]) == ("processing", 35, [])
    assert processing["thumbnail_url"] is None
    assert failed["failure"] == {"code": "MediaConvert1010", "message": "The input file could not be opened."}


@pytest.mark.parametrize("tampering", [
    {"query": {"owner_id": OTHER, "identity_id": OTHER, "cognitoIdentityId": OTHER}},
    {"headers": {"X-Amz-Cognito-Identity-Id": OTHER, "X-Identity-Id": OTHER, "cognitoIdentityId": OTHER}},
    {"body": json.dumps({"owner_id": OTHER, "identityId": OTHER, "requestContext": {"identity": {
        "cognitoIdentityId": OTHER}}})},
])
def test_listing_never_shows_another_users_videos_whatever_the_request_claims(library, lambda_context,
                                                                              tampering) -> None:
    _, _, body = call(lambda_context, query={"limit": "100", **tampering.get("query", {})},
                      **{k: v for k, v in tampering.items() if k != "query"})
    assert set(listed_ids(body)) == set(MINE)


def test_another_users_cursor_only_ever_pages_through_my_own_videos(library, lambda_context) -> None:
    _, _, theirs = call(lambda_context, identity=OTHER, query={"limit": "2"})
    assert set(listed_ids(theirs)) <= set(THEIRS)
    _, _, mine = call(lambda_context, query={"limit": "100", "cursor": theirs["next_cursor"]})
    assert listed_ids(mine) and set(listed_ids(mine)) <= set(MINE)


@pytest.mark.parametrize("method", ["GET", "DELETE"])
def test_another_users_video_is_not_found_and_never_deleted(library, lambda_context, method) -> None:
    status, _, body = call(lambda_context, method=method, path=f"/media/{THEIRS[0]}",
                           headers={"X-Identity-Id": OTHER})
    assert (status, body["error"]) == (404, "not_found")
    assert library.video(OTHER, THEIRS[0]) is not None
    assert library.s3.list_objects_v2(Bucket=TRANSCODED, Prefix=f"{OTHER}/{THEIRS[0]}/")["KeyCount"] == 3


@pytest.mark.parametrize("identity", [None, ""])
def test_request_without_a_cognito_identity_is_forbidden(library, lambda_context, identity) -> None:
    status, _, body = call(lambda_context, identity=identity)
    assert (status, body["error"]) == (403, "forbidden")


def test_delete_removes_original_renditions_thumbnail_and_record(library, lambda_context) -> None:
    library.s3.put_object(Bucket=TRANSCODED, Key=f"{OWNER}/{MINE[5]}/partial_1080p.mp4", Body=b"left over")
    status, _, body = call(lambda_context, method="DELETE", path=f"/media/{MINE[5]}")
    assert (status, body) == (204, None)
    assert library.video(OWNER, MINE[5]) is None
    for bucket in (ORIGINALS, TRANSCODED):
        assert library.s3.list_objects_v2(Bucket=bucket, Prefix=f"{OWNER}/{MINE[5]}/")["KeyCount"] == 0
    status, _, _ = call(lambda_context, path=f"/media/{MINE[5]}")
    assert status == 404
    # The neighbour whose id shares the prefix is untouched.
    assert library.video(OWNER, MINE[4]) is not None


def test_responses_carry_cors_headers_for_the_site_only(library, lambda_context) -> None:
    _, ok_headers, _ = call(lambda_context)
    _, error_headers, _ = call(lambda_context, path="/media/nope")
    _, foreign_headers, _ = call(lambda_context, headers={"Origin": "https://evil.example"})
    assert ok_headers["Access-Control-Allow-Origin"] == SITE
    assert error_headers["Access-Control-Allow-Origin"] == SITE
    assert "Access-Control-Allow-Origin" not in foreign_headers


def test_unknown_route_is_a_json_404(library, lambda_context) -> None:
    status, _, body = call(lambda_context, path="/media/01jc5x8m9n2p3q4r5s6t7v0000/share")
    assert (status, body["error"]) == (404, "not_found")


def test_logs_name_the_caller_but_never_signed_urls_or_tokens(library, lambda_context, logs) -> None:
    call(lambda_context, query={"limit": "3"})
    lines = logs()
    assert [line["identity_id"] for line in lines if line["message"] == "Listed videos"] == [OWNER]
    text = json.dumps(lines)
    assert "X-Amz-Signature" not in text and "X-Amz-Credential" not in text
    assert "IQoJb3JpZ2luX2VjEXAMPLETOKEN" not in text
