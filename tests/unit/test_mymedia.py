"""The MyMedia API: only ever the caller's own videos, newest first, with short-lived URLs; delete everywhere."""

from __future__ import annotations

import base64
import json
from datetime import datetime, timezone
from typing import Any
from urllib.parse import parse_qs, unquote, urlparse

import botocore.auth
import pytest
from lambda_fakes import ORIGINALS, OTHER, OWNER, SITE, TRANSCODED, load_event

from pettube import aws, job_state, mymedia
from pettube.videos import VideoRepository

MINE = [f"01jc5x8m9n2p3q4r5s6t7v{n:04d}" for n in range(30)]
THEIRS = [f"01jd0000000000000000th{n:04d}" for n in range(5)]


def api_event(method: str = "GET", path: str = "/media", identity: str | None = OWNER,
              query: dict[str, str] | None = None, headers: dict[str, str] | None = None,
              body: str | None = None) -> dict[str, Any]:
    """A stored API Gateway REST proxy event, re-aimed (as API Gateway would build it)."""
    if path == "/media":
        name = "apigw_list_media.json"
    elif path.startswith("/shared/"):
        name = "apigw_get_shared.json"
    else:
        name = {"GET": "apigw_get_media.json", "PATCH": "apigw_patch_media.json",
                "DELETE": "apigw_delete_media.json"}[method]
    event = load_event(name)
    event["path"] = path
    event["requestContext"]["path"] = "/prod" + path
    if path != "/media":
        event["pathParameters"] = {"token" if path.startswith("/shared/") else "id": path.rsplit("/", 1)[1]}
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


def put_video(moto_aws, owner: str, video_id: str, minute: int, status: str = "ready", objects: bool = False,
              **fields: Any) -> None:
    """A record as the pipeline leaves it (plus ``fields``), and (when asked) its objects in both buckets."""
    prefix = f"{owner}/{video_id}/"
    created = f"2026-11-02T12:{minute:02d}:00.000Z"
    item: dict[str, Any] = {
        "owner_id": owner, "video_id": video_id, "status": status, "title": f"clip {minute}",
        "description": "", "visibility": "private",
        "original_key": prefix + f"clip {minute}.mp4", "created_at": created, "updated_at": created,
        "size_bytes": 1000, "progress": 100 if status == "ready" else 35, **fields,
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
        derived = [r["key"] for r in item.get("renditions", ())] + [item.get("thumbnail_key")] * (status == "ready")
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


def test_every_listing_of_an_environment_uses_one_table_resource(library, lambda_context, _moto_clients,
                                                                  monkeypatch) -> None:
    """boto3 builds a new resource class at every ``Table()``: about 0.4 ms, 5 % of a warm listing's CPU."""
    resource = _moto_clients["dynamodb"]
    built: list[str] = []
    make = resource.Table
    monkeypatch.setattr(resource, "Table", lambda name: built.append(name) or make(name))
    aws.inject("dynamodb", resource)
    pages = [call(lambda_context) for _ in range(3)]
    assert [listed_ids(body) for _, _, body in pages] == [MINE[::-1][:24]] * 3
    assert len(built) == 1


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
    assert body["error"] == "BadRequest" and body["message"]


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


class Clock:
    """Now, as both MyMedia's URL reuse and botocore's signing read it; moved by the test."""

    def __init__(self, now: float) -> None:
        self.now = now

    def time(self) -> float:
        return self.now

    def datetime(self) -> datetime:
        return datetime.fromtimestamp(self.now, timezone.utc).replace(tzinfo=None)


@pytest.fixture
def clock(monkeypatch) -> Clock:
    clock = Clock(1_800_000_000.0)  # a multiple of 90 s, the reuse window of a 900 s URL
    monkeypatch.setattr(aws, "time", clock)
    monkeypatch.setattr(botocore.auth, "get_current_datetime", clock.datetime)
    return clock


def _listed_urls(lambda_context) -> list[str]:
    _, _, body = call(lambda_context)
    return [url for video in body["videos"] for url in [video["thumbnail_url"]] + [r["url"] for r in video["renditions"]]
            if url]


def _signed_at(url: str) -> float:
    stamp = parse_qs(urlparse(url).query)["X-Amz-Date"][0]
    return datetime.strptime(stamp, "%Y%m%dT%H%M%SZ").replace(tzinfo=timezone.utc).timestamp()


def test_listing_again_soon_gives_the_same_urls_each_with_most_of_its_life_left(library, lambda_context,
                                                                              clock) -> None:
    first = _listed_urls(lambda_context)
    assert first and len(set(first)) == len(first)
    clock.now += 89  # still the same tenth of the 900 s lifetime
    assert _listed_urls(lambda_context) == first  # the browser's cache can answer the thumbnails
    assert all(clock.now - _signed_at(url) <= 90 for url in first)
    clock.now += 1  # the next window: signed afresh, never handed out with less than 810 s left
    again = _listed_urls(lambda_context)
    assert not set(again) & set(first)
    assert all(_signed_at(url) == clock.now for url in again)


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
    assert (status, body["error"]) == (404, "NotFound")
    assert library.video(OTHER, THEIRS[0]) is not None
    assert library.s3.list_objects_v2(Bucket=TRANSCODED, Prefix=f"{OTHER}/{THEIRS[0]}/")["KeyCount"] == 3


@pytest.mark.parametrize("identity", [None, ""])
def test_request_without_a_cognito_identity_is_forbidden(library, lambda_context, identity) -> None:
    status, _, body = call(lambda_context, identity=identity)
    assert (status, body["error"]) == (403, "Forbidden")


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
    assert (status, body["error"]) == (404, "NotFound")


def test_logs_name_the_caller_but_never_signed_urls_or_tokens(library, lambda_context, logs) -> None:
    call(lambda_context, query={"limit": "3"})
    lines = logs()
    assert [line["identity_id"] for line in lines if line["message"] == "Listed videos"] == [OWNER]
    text = json.dumps(lines)
    assert "X-Amz-Signature" not in text and "X-Amz-Credential" not in text
    assert "IQoJb3JpZ2luX2VjEXAMPLETOKEN" not in text


# ---------------------------------------------------------------- editing and sharing

GUEST = "us-east-1:3c2d1e0f-9a8b-4c7d-8e6f-5a4b3c2d1e0f"  # an unauthenticated identity of the pool
NOT_AVAILABLE = {"error": "NotFound", "message": "This video is not available."}


def patch(context, video_id: str, body: Any, identity: str = OWNER) -> tuple[int, Any]:
    raw = body if isinstance(body, str) or body is None else json.dumps(body)
    status, _, answer = call(context, method="PATCH", path=f"/media/{video_id}", body=raw, identity=identity)
    return status, answer


def shared(context, token: str, identity: str = GUEST) -> tuple[int, Any]:
    status, _, answer = call(context, path=f"/shared/{token}", identity=identity)
    return status, answer


def token_of(share_url: str) -> str:
    prefix = f"{SITE}/#/watch/"
    assert share_url.startswith(prefix), share_url
    return share_url.removeprefix(prefix)


def test_patch_trims_and_stores_title_and_description_and_answers_the_video(library, lambda_context) -> None:
    status, body = patch(lambda_context, MINE[3],
                         {"title": "  Rex meets the vacuum 🐶 ", "description": " Round two. "})
    assert status == 200
    assert (body["id"], body["title"], body["description"]) == (MINE[3], "Rex meets the vacuum 🐶", "Round two.")
    assert (body["visibility"], body["share_url"], body["status"]) == ("private", None, "ready")
    assert body["renditions"] and body["thumbnail_url"]  # the same shape as GET /media/{id}
    _, _, fetched = call(lambda_context, path=f"/media/{MINE[3]}")
    assert (fetched["title"], fetched["description"]) == ("Rex meets the vacuum 🐶", "Round two.")


def test_titles_and_descriptions_at_their_limits_are_accepted(library, lambda_context) -> None:
    status, body = patch(lambda_context, MINE[3], {"title": "t" * 100, "description": "d" * 2000})
    assert (status, len(body["title"]), len(body["description"])) == (200, 100, 2000)
    assert patch(lambda_context, MINE[3], {"description": "   "})[1]["description"] == ""


@pytest.mark.parametrize(("body", "words"), [
    (None, "JSON object"),
    ("not json", "JSON object"),
    ("[\"title\", \"x\"]", "JSON object"),
    ("\"Rex\"", "JSON object"),
    ({}, "Nothing to change"),
    ({"name": "Rex"}, "Unknown field 'name'"),
    ({"title": "Rex", "owner_id": OTHER}, "Unknown field 'owner_id'"),
    ({"title": 5}, "title must be a string"),
    ({"title": None}, "title must be a string"),
    ({"title": "  \n "}, "title must not be empty"),
    ({"title": "x" * 101}, "title must be at most 100 characters"),
    ({"description": ["a"]}, "description must be a string"),
    ({"description": "x" * 2001}, "description must be at most 2000 characters"),
    ({"visibility": "public"}, 'visibility must be "private" or "link"'),
    ({"visibility": True}, 'visibility must be "private" or "link"'),
])
def test_bad_patch_bodies_are_400s_that_say_what_is_wrong_and_change_nothing(library, lambda_context,
                                                                            body: Any, words: str) -> None:
    before = library.video(OWNER, MINE[3])
    status, answer = patch(lambda_context, MINE[3], body)
    assert (status, answer["error"]) == (400, "BadRequest")
    assert words in answer["message"]
    assert library.video(OWNER, MINE[3]) == before


def test_patching_another_users_video_is_the_same_404_as_a_missing_one(library, lambda_context) -> None:
    before = library.video(OTHER, THEIRS[0])
    theirs = patch(lambda_context, THEIRS[0], {"title": "mine now", "visibility": "link"})
    missing = patch(lambda_context, "01jzzzzzzzzzzzzzzzzzzzzzzz", {"title": "mine now"})
    assert theirs == missing == (404, {"error": "NotFound", "message": "No such video."})
    assert library.video(OTHER, THEIRS[0]) == before


def test_a_shared_video_carries_a_link_with_an_unguessable_token(library, lambda_context) -> None:
    _, body = patch(lambda_context, MINE[3], {"visibility": "link"})
    token = token_of(body["share_url"])
    assert len(base64.urlsafe_b64decode(token + "=" * (-len(token) % 4))) * 8 >= 128
    _, other = patch(lambda_context, MINE[4], {"visibility": "link"})
    assert token_of(other["share_url"]) != token
    _, _, listing = call(lambda_context, query={"limit": "100"})
    links = {video["id"]: video["share_url"] for video in listing["videos"]}
    assert links[MINE[3]] == body["share_url"] and links[MINE[0]] is None
    _, _, fetched = call(lambda_context, path=f"/media/{MINE[3]}")
    assert fetched["share_url"] == body["share_url"]


def test_the_link_survives_edits_dies_with_private_and_comes_back_as_a_new_one(library, lambda_context) -> None:
    first = token_of(patch(lambda_context, MINE[3], {"visibility": "link"})[1]["share_url"])
    again = patch(lambda_context, MINE[3], {"visibility": "link", "title": "Rex"})[1]
    assert token_of(again["share_url"]) == first  # already shared: the link people have keeps working
    assert shared(lambda_context, first)[0] == 200

    private = patch(lambda_context, MINE[3], {"visibility": "private"})[1]
    assert (private["visibility"], private["share_url"]) == ("private", None)
    assert "share_token" not in library.video(OWNER, MINE[3])
    assert shared(lambda_context, first) == (404, NOT_AVAILABLE)

    second = token_of(patch(lambda_context, MINE[3], {"visibility": "link"})[1]["share_url"])
    assert second != first
    assert shared(lambda_context, first) == (404, NOT_AVAILABLE)
    assert shared(lambda_context, second)[0] == 200


def test_a_guest_gets_the_shared_video_with_the_owners_name_only(moto_aws, lambda_context) -> None:
    put_video(moto_aws, OWNER, MINE[3], 3, objects=True, owner_name="Julie", description="Round two.")
    token = token_of(patch(lambda_context, MINE[3], {"visibility": "link"})[1]["share_url"])
    status, body = shared(lambda_context, token)
    assert status == 200
    assert set(body) == {"title", "description", "duration_ms", "thumbnail_url", "renditions", "owner_name", "stream"}
    assert (body["title"], body["description"], body["owner_name"], body["duration_ms"]) == (
        "clip 3", "Round two.", "Julie", 2000)
    _, _, own = call(lambda_context, path=f"/media/{MINE[3]}")
    assert [{k: v for k, v in r.items() if k != "url"} for r in body["renditions"]] == \
        [{k: v for k, v in r.items() if k != "url"} for r in own["renditions"]]
    for url in [r["url"] for r in body["renditions"]] + [body["thumbnail_url"]]:
        assert parse_qs(urlparse(url).query)["X-Amz-Expires"] == ["900"]
    # Nothing but the presigned URLs' object keys (the bucket layout, see docs/security.md) names the owner.
    fields = {k: v for k, v in body.items() if k not in ("renditions", "thumbnail_url", "stream")}
    assert OWNER not in json.dumps(fields) and "@" not in json.dumps(fields)


def test_a_shared_video_without_an_owner_name_says_null_not_an_identity(moto_aws, lambda_context) -> None:
    put_video(moto_aws, OWNER, MINE[3], 3)
    token = token_of(patch(lambda_context, MINE[3], {"visibility": "link"})[1]["share_url"])
    assert shared(lambda_context, token)[1]["owner_name"] is None


def test_unknown_revoked_deleted_and_unready_links_get_one_identical_404(moto_aws, mediaconvert,
                                                                         lambda_context) -> None:
    for number, status in enumerate(("ready", "ready", "processing")):
        put_video(moto_aws, OWNER, MINE[number], number, status=status)
    tokens = [token_of(patch(lambda_context, video_id, {"visibility": "link"})[1]["share_url"])
              for video_id in MINE[:3]]
    revoked, deleted, unready = tokens
    patch(lambda_context, MINE[0], {"visibility": "private"})
    assert call(lambda_context, method="DELETE", path=f"/media/{MINE[1]}")[0] == 204
    answers = [shared(lambda_context, token) for token in (
        revoked, deleted, unready, "A" * 32, "not-a-token", "Gq3vYc1oQnB8Xk2L0sTt5uVw7yZa9bCd")]
    assert answers == [(404, NOT_AVAILABLE)] * 6


def test_a_signed_in_user_opens_someone_elses_link_like_a_guest(library, lambda_context) -> None:
    token = token_of(patch(lambda_context, MINE[3], {"visibility": "link"})[1]["share_url"])
    assert shared(lambda_context, token, identity=OTHER)[0] == 200


def test_logs_never_contain_a_share_token(library, lambda_context, logs) -> None:
    token = token_of(patch(lambda_context, MINE[3], {"visibility": "link"})[1]["share_url"])
    shared(lambda_context, token)
    shared(lambda_context, "A" * 32)
    text = json.dumps(logs())
    assert "Shared video opened" in text and token not in text


# ---------------------------------------------------------------- deleting a video still transcoding

JOB = "1762086896123-x7k2pq"  # the job of the stored MediaConvert events
PROCESSING = "01jc5x8m9n2p3q4r5s6t7v8w9x"  # the video of the stored MediaConvert events


@pytest.fixture
def transcoding(moto_aws):
    """A video whose job is running: its original, and the first output the job has written."""
    prefix = f"{OWNER}/{PROCESSING}/"
    put_video(moto_aws, OWNER, PROCESSING, 7, status="processing", job_id=JOB)
    moto_aws.s3.put_object(Bucket=ORIGINALS, Key=prefix + "cat.mp4", Body=b"original")
    moto_aws.s3.put_object(Bucket=TRANSCODED, Key=prefix + "cat_1080p.mp4", Body=b"first output")
    return prefix


def test_deleting_a_video_still_transcoding_cancels_its_job_and_empties_both_buckets(
        moto_aws, mediaconvert, transcoding, lambda_context) -> None:
    token = token_of(patch(lambda_context, PROCESSING, {"visibility": "link"})[1]["share_url"])
    mediaconvert.expect_cancel(JOB)
    assert call(lambda_context, method="DELETE", path=f"/media/{PROCESSING}")[0] == 204
    assert moto_aws.video(OWNER, PROCESSING) is None
    assert moto_aws.keys(ORIGINALS, transcoding) == moto_aws.keys(TRANSCODED, transcoding) == []
    assert shared(lambda_context, token) == (404, NOT_AVAILABLE)

    # MediaConvert stops a job asynchronously: it may still write, then report its end.
    moto_aws.s3.put_object(Bucket=TRANSCODED, Key=transcoding + "cat_720p.mp4", Body=b"written after the delete")
    job_state.handler(load_event("mediaconvert_complete.json"), lambda_context)
    assert moto_aws.keys(TRANSCODED, transcoding) == []
    assert moto_aws.video(OWNER, PROCESSING) is None


def test_a_job_that_finished_just_before_the_delete_does_not_stop_it(moto_aws, mediaconvert, transcoding,
                                                                     lambda_context) -> None:
    mediaconvert.expect_cancel(JOB, refusal="ConflictException")
    assert call(lambda_context, method="DELETE", path=f"/media/{PROCESSING}")[0] == 204
    assert moto_aws.keys(ORIGINALS, transcoding) == moto_aws.keys(TRANSCODED, transcoding) == []


def test_a_delete_that_died_half_way_hides_the_video_and_can_be_repeated(moto_aws, mediaconvert, transcoding,
                                                                          lambda_context) -> None:
    VideoRepository(moto_aws.table).begin_delete(OWNER, PROCESSING)  # then the function died
    assert call(lambda_context, path=f"/media/{PROCESSING}")[0] == 404
    assert patch(lambda_context, PROCESSING, {"title": "back?"})[0] == 404
    mediaconvert.expect_cancel(JOB, refusal="ConflictException")
    assert call(lambda_context, method="DELETE", path=f"/media/{PROCESSING}")[0] == 204
    assert moto_aws.video(OWNER, PROCESSING) is None
    assert moto_aws.keys(ORIGINALS, transcoding) == moto_aws.keys(TRANSCODED, transcoding) == []


def test_a_video_being_deleted_is_not_listed_and_paging_still_reaches_every_other_one(library, lambda_context) -> None:
    VideoRepository(library.table).begin_delete(OWNER, MINE[20])  # its delete died half-way
    pages, cursor = [], None
    while True:
        _, _, body = call(lambda_context, query={"limit": "5", **({"cursor": cursor} if cursor else {})})
        pages.extend(listed_ids(body))
        if (cursor := body["next_cursor"]) is None:
            break
    assert pages == [video_id for video_id in MINE[::-1] if video_id != MINE[20]]


MASTER = """#EXTM3U
#EXT-X-VERSION:4
#EXT-X-INDEPENDENT-SEGMENTS
#EXT-X-STREAM-INF:BANDWIDTH=2400000,AVERAGE-BANDWIDTH=2000000,CODECS="avc1.64001f,mp4a.40.2",RESOLUTION=1280x720
stream_720p.m3u8
#EXT-X-STREAM-INF:BANDWIDTH=900000,AVERAGE-BANDWIDTH=800000,CODECS="avc1.64001e,mp4a.40.2",RESOLUTION=640x360
stream_360p.m3u8
"""


def media_playlist(name: str) -> str:
    """A single-file media playlist as MediaConvert writes it: one object, segments by byte range."""
    return (f"#EXTM3U\n#EXT-X-VERSION:4\n#EXT-X-TARGETDURATION:6\n#EXT-X-PLAYLIST-TYPE:VOD\n"
            f"#EXTINF:6.000,\n#EXT-X-BYTERANGE:1000@0\n{name}.ts\n"
            f"#EXTINF:4.000,\n#EXT-X-BYTERANGE:700@1000\n{name}.ts\n#EXT-X-ENDLIST\n")


def put_streamed_video(moto_aws, video_id: str, minute: int, **fields: Any) -> str:
    """A ready video with its HLS stream in the transcoded bucket; answers its prefix."""
    prefix = f"{OWNER}/{video_id}/"
    stream = {"master_key": prefix + "hls/stream.m3u8", "variants": [
        {"playlist_key": prefix + "hls/stream_720p.m3u8", "width": 1280, "height": 720},
        {"playlist_key": prefix + "hls/stream_360p.m3u8", "width": 640, "height": 360}]}
    put_video(moto_aws, OWNER, video_id, minute, objects=True, stream=stream, **fields)
    moto_aws.s3.put_object(Bucket=TRANSCODED, Key=prefix + "hls/stream.m3u8", Body=MASTER.encode())
    for name in ("stream_720p", "stream_360p"):
        moto_aws.s3.put_object(Bucket=TRANSCODED, Key=f"{prefix}hls/{name}.m3u8", Body=media_playlist(name).encode())
    return prefix


def test_a_ready_videos_stream_comes_with_every_segment_uri_presigned_and_expiring(moto_aws, lambda_context) -> None:
    prefix = put_streamed_video(moto_aws, MINE[3], 3)
    _, _, body = call(lambda_context, path=f"/media/{MINE[3]}")
    assert body["stream"]["master"] == MASTER
    assert set(body["stream"]["playlists"]) == {"stream_720p.m3u8", "stream_360p.m3u8"}
    for name, playlist in body["stream"]["playlists"].items():
        lines = playlist.splitlines()
        assert lines.count("#EXT-X-BYTERANGE:1000@0") == 1 and lines.count("#EXT-X-BYTERANGE:700@1000") == 1
        (url,) = {line for line in lines if not line.startswith("#")}  # one object, one URL
        parsed = urlparse(url)
        assert TRANSCODED in parsed.netloc + parsed.path
        assert unquote(parsed.path).endswith(f"{prefix}hls/{name.removesuffix('.m3u8')}.ts")
        assert parse_qs(parsed.query)["X-Amz-Expires"] == ["900"]


def test_the_stream_reaches_a_guest_holding_the_link_but_not_the_listing(moto_aws, lambda_context) -> None:
    put_streamed_video(moto_aws, MINE[3], 3)
    token = token_of(patch(lambda_context, MINE[3], {"visibility": "link"})[1]["share_url"])
    _, body = shared(lambda_context, token)
    assert set(body["stream"]["playlists"]) == {"stream_720p.m3u8", "stream_360p.m3u8"}
    _, _, listing = call(lambda_context)
    assert "stream" not in listing["videos"][0]


def test_a_video_transcoded_before_streaming_has_no_stream_and_still_plays_its_mp4s(library, lambda_context) -> None:
    _, _, body = call(lambda_context, path=f"/media/{MINE[3]}")
    assert body["stream"] is None and body["renditions"]


def test_an_original_being_transcoded_can_be_watched_as_it_is_for_a_while(moto_aws, lambda_context) -> None:
    put_video(moto_aws, OWNER, MINE[0], 1, status="processing")
    put_video(moto_aws, OWNER, MINE[1], 2, status="processing", original_key=f"{OWNER}/{MINE[1]}/clip.avi")
    put_video(moto_aws, OWNER, MINE[2], 3)
    _, _, body = call(lambda_context)
    by_id = {video["id"]: video for video in body["videos"]}
    preview = by_id[MINE[0]]["preview"]
    parsed = urlparse(preview["url"])
    assert preview["label"] == "Original" and ORIGINALS in parsed.netloc + parsed.path
    assert parse_qs(parsed.query)["X-Amz-Expires"] == ["900"]
    assert by_id[MINE[1]]["preview"] is None  # AVI: no browser plays it, so nothing is offered
    assert by_id[MINE[2]]["preview"] is None  # ready: the ladder has replaced it
