"""The upload function: S3 ObjectCreated -> checked, recorded once, one MediaConvert job."""

from __future__ import annotations

from urllib.parse import quote

import pytest
from lambda_fakes import ORIGINALS, OWNER, assert_valid_create_job, load_event, mp4_bytes

from pettube import upload
from pettube.layout import parse_original_key
from pettube.videos import VideoRepository

SIMPLE_KEY = f"{OWNER}/01jc5x8m9n2p3q4r5s6t7v8w9x/cat.mp4"


def run(event_name: str, context) -> None:
    upload.handler(load_event(event_name), context)


def test_upload_records_the_video_and_starts_one_transcoding_job(moto_aws, mediaconvert, lambda_context) -> None:
    moto_aws.put_original(SIMPLE_KEY)
    mediaconvert.accept("job-1")
    run("s3_put_simple.json", lambda_context)

    item = moto_aws.video(OWNER, "01jc5x8m9n2p3q4r5s6t7v8w9x")
    assert item["status"] == "processing"
    assert item["job_id"] == "job-1"
    assert (item["title"], item["description"], item["visibility"]) == ("cat", "", "private")
    assert "share_token" not in item and "owner_name" not in item
    assert item["original_key"] == SIMPLE_KEY
    assert item["created_at"].endswith("Z") and len(item["created_at"]) == len("2026-11-02T12:34:56.789Z")
    (request,) = mediaconvert.requests
    assert_valid_create_job(request)
    assert request["Settings"]["Inputs"][0]["FileInput"] == f"s3://{ORIGINALS}/{SIMPLE_KEY}"
    assert request["UserMetadata"]["owner_id"] == OWNER


LONG_NAME = ("a very long walk with the dog " * 30).strip()


@pytest.mark.parametrize(("event_name", "raw_key", "title"), [
    ("s3_put_spaces_and_plus.json", f"{OWNER}/01jc5x8m9n2p3q4r5s6t7v8w9y/my cat + dog.mp4", "my cat + dog"),
    ("s3_put_unicode.json", f"{OWNER}/01jc5x8m9n2p3q4r5s6t7v8w9z/Kätzchen 🐱 spielt.mov", "Kätzchen 🐱 spielt"),
    ("s3_put_long_key.json", f"{OWNER}/01jc5x8m9n2p3q4r5s6t7v8wa0/{LONG_NAME}.mp4", LONG_NAME[:100].strip()),
    ("s3_multipart_complete.json", f"{OWNER}/01jc5x8m9n2p3q4r5s6t7v8wa2/holiday 2026.webm", "holiday 2026"),
])
def test_url_encoded_event_keys_reach_the_real_object_and_the_title_is_the_file_name_without_extension(
        moto_aws, mediaconvert, lambda_context, event_name: str, raw_key: str, title: str) -> None:
    moto_aws.put_original(raw_key)
    mediaconvert.accept()
    run(event_name, lambda_context)

    original = parse_original_key(raw_key)
    item = moto_aws.video(OWNER, original.video_id)
    assert item["title"] == title
    assert item["status"] == "processing"
    assert mediaconvert.requests[0]["Settings"]["Inputs"][0]["FileInput"] == f"s3://{ORIGINALS}/{raw_key}"


def test_repeated_event_never_makes_a_second_video_or_job(moto_aws, mediaconvert, lambda_context) -> None:
    moto_aws.put_original(SIMPLE_KEY)
    mediaconvert.accept("job-1")  # only one job is stubbed: a second CreateJob would fail the test
    run("s3_put_simple.json", lambda_context)
    first = moto_aws.video(OWNER, "01jc5x8m9n2p3q4r5s6t7v8w9x")
    run("s3_put_simple.json", lambda_context)
    run("s3_put_simple.json", lambda_context)

    assert len(mediaconvert.requests) == 1
    assert moto_aws.video(OWNER, "01jc5x8m9n2p3q4r5s6t7v8w9x") == first
    assert moto_aws.table.scan()["Count"] == 1


def test_retry_after_a_crash_before_the_job_was_stored_starts_the_job(moto_aws, mediaconvert, lambda_context) -> None:
    moto_aws.put_original(SIMPLE_KEY)
    VideoRepository(moto_aws.table).claim(parse_original_key(SIMPLE_KEY), 24)  # the crashed attempt got this far
    mediaconvert.accept("job-2")
    run("s3_put_simple.json", lambda_context)

    assert moto_aws.video(OWNER, "01jc5x8m9n2p3q4r5s6t7v8w9x")["job_id"] == "job-2"


def test_probed_720p_mp4_gets_no_1080p_rendition(moto_aws, mediaconvert, lambda_context) -> None:
    moto_aws.put_original(SIMPLE_KEY, body=mp4_bytes(1280, 720, media_bytes=200_000))
    mediaconvert.accept()
    run("s3_put_simple.json", lambda_context)

    outputs = mediaconvert.requests[0]["Settings"]["OutputGroups"][0]["Outputs"]
    assert [o["NameModifier"] for o in outputs] == ["_720p", "_480p", "_360p"]


@pytest.mark.parametrize(("event_name", "key", "body", "content_type", "code", "words"), [
    ("s3_put_not_a_video.json", f"{OWNER}/01jc5x8m9n2p3q4r5s6t7v8wa1/shopping list.txt", b"milk, eggs",
     "text/plain", "NotAVideo", ".txt files are not accepted"),
    ("s3_put_simple.json", SIMPLE_KEY, b"", "video/mp4", "EmptyFile", "is empty"),
    ("s3_put_simple.json", SIMPLE_KEY, b"<html>", "text/html", "NotAVideo", "uploaded as text/html"),
])
def test_objects_failing_the_checks_end_failed_with_a_readable_reason_and_no_job(
        moto_aws, mediaconvert, lambda_context, event_name, key, body, content_type, code, words) -> None:
    moto_aws.put_original(key, body=body, content_type=content_type)
    run(event_name, lambda_context)

    item = moto_aws.video(OWNER, parse_original_key(key).video_id)
    assert item["status"] == "failed"
    assert item["failure_code"] == code
    assert words in item["failure_message"]
    assert mediaconvert.requests == []


def test_file_over_the_configured_maximum_fails_with_both_sizes(moto_aws, mediaconvert, lambda_context,
                                                                monkeypatch) -> None:
    monkeypatch.setenv("MAX_UPLOAD_BYTES", "1024")
    moto_aws.put_original(SIMPLE_KEY, body=bytes(3 * 1024))
    run("s3_put_simple.json", lambda_context)

    item = moto_aws.video(OWNER, "01jc5x8m9n2p3q4r5s6t7v8w9x")
    assert (item["status"], item["failure_code"]) == ("failed", "FileTooLarge")
    assert "3.0 KiB" in item["failure_message"] and "1.0 KiB" in item["failure_message"]


@pytest.mark.parametrize(("code", "status", "failure_code"), [
    ("BadRequestException", 400, "TranscodeRejected"),
    ("TooManyRequestsException", 429, "TranscoderUnavailable"),
    ("InternalServerErrorException", 500, "TranscoderUnavailable"),
])
def test_job_mediaconvert_refuses_ends_failed_with_its_reason(moto_aws, mediaconvert, lambda_context,
                                                               code, status, failure_code) -> None:
    moto_aws.put_original(SIMPLE_KEY)
    mediaconvert.reject(code, "Role arn:aws:iam::123456789012:role/x cannot be assumed", status)
    run("s3_put_simple.json", lambda_context)

    item = moto_aws.video(OWNER, "01jc5x8m9n2p3q4r5s6t7v8w9x")
    assert item["status"] == "failed"
    assert item["failure_code"] == failure_code
    assert "cannot be assumed" in item["failure_message"]


def test_key_outside_the_upload_layout_records_nothing_and_logs_why(moto_aws, mediaconvert, lambda_context,
                                                                   logs) -> None:
    moto_aws.put_original("uploads/cat.mp4")
    run("s3_put_outside_layout.json", lambda_context)

    assert moto_aws.table.scan()["Count"] == 0
    assert any(log["level"] == "ERROR" and "layout" in log["message"] for log in logs())


def test_original_deleted_before_processing_is_not_resurrected_as_a_video(moto_aws, mediaconvert,
                                                                          lambda_context) -> None:
    run("s3_put_simple.json", lambda_context)  # no object behind the event
    assert moto_aws.table.scan()["Count"] == 0


def test_logs_carry_identity_and_video_ids(moto_aws, mediaconvert, lambda_context, logs) -> None:
    moto_aws.put_original(SIMPLE_KEY)
    mediaconvert.accept("job-1")
    run("s3_put_simple.json", lambda_context)

    created = next(log for log in logs() if log["message"] == "Transcoding job created")
    assert created["identity_id"] == OWNER
    assert created["video_id"] == "01jc5x8m9n2p3q4r5s6t7v8w9x"
    assert created["service"] == "pettube"


@pytest.mark.parametrize(("metadata", "owner_name"), [
    ({"owner-name": quote("Julie", safe="")}, "Julie"),
    ({"owner-name": quote("  Zoë 🐶 Ñúñez  ", safe="")}, "Zoë 🐶 Ñúñez"),
    ({"owner-name": quote("Bartholomew " * 10, safe="")}, ("Bartholomew " * 10)[:50].strip()),
    ({}, None),
    ({"owner-name": quote("   ", safe="")}, None),
    ({"owner-name": quote("julie@example.com", safe="")}, None),
    ({"owner-name": quote(OWNER, safe="")}, None),
])
def test_the_owners_display_name_comes_from_the_upload_metadata_never_an_email_or_identity_id(
        moto_aws, mediaconvert, lambda_context, metadata: dict[str, str], owner_name: str | None) -> None:
    moto_aws.put_original(SIMPLE_KEY, metadata=metadata)
    mediaconvert.accept()
    run("s3_put_simple.json", lambda_context)

    assert moto_aws.video(OWNER, "01jc5x8m9n2p3q4r5s6t7v8w9x").get("owner_name") == owner_name
