"""The job-state function: MediaConvert events move a video forward, never backwards."""

from __future__ import annotations

import pytest
from lambda_fakes import OWNER, TRANSCODED, load_event

from pettube import job_state
from pettube.layout import parse_original_key
from pettube.videos import VideoRepository

VIDEO = "01jc5x8m9n2p3q4r5s6t7v8w9x"
JOB = "1762086896123-x7k2pq"
PREFIX = f"{OWNER}/{VIDEO}/"
RENDITION_BYTES = {"cat_720p.mp4": 3_000_000, "cat_480p.mp4": 1_500_000, "cat_360p.mp4": 750_000}


@pytest.fixture
def video(moto_aws):
    """A video whose job has been created, with the job's outputs already in the transcoded bucket."""
    repository = VideoRepository(moto_aws.table)
    repository.claim(parse_original_key(f"{PREFIX}cat.mp4"), 9_000_000)
    repository.start_processing(OWNER, VIDEO, JOB)
    for name, size in RENDITION_BYTES.items():
        moto_aws.s3.put_object(Bucket=TRANSCODED, Key=PREFIX + name, Body=bytes(size))
    moto_aws.s3.put_object(Bucket=TRANSCODED, Key=PREFIX + "cat_thumb.0000000.jpg", Body=b"\xff\xd8\xff")
    return lambda: moto_aws.video(OWNER, VIDEO)


def deliver(*names: str, context) -> None:
    for name in names:
        job_state.handler(load_event(f"mediaconvert_{name}.json"), context)


def test_progressing_job_shows_processing_and_status_updates_raise_progress(video, lambda_context) -> None:
    deliver("progressing", "input_information", "status_update_40", context=lambda_context)
    assert (video()["status"], video()["progress"]) == ("processing", 40)
    deliver("status_update_80", context=lambda_context)
    assert video()["progress"] == 80


def test_complete_job_makes_the_video_ready_with_renditions_sizes_and_thumbnail(video, lambda_context) -> None:
    deliver("progressing", "status_update_40", "complete", context=lambda_context)
    item = video()
    assert (item["status"], item["progress"]) == ("ready", 100)
    assert item["thumbnail_key"] == PREFIX + "cat_thumb.0000000.jpg"
    assert item["duration_ms"] == 30041
    top = item["renditions"][0]
    assert [r["height"] for r in item["renditions"]] == [720, 480, 360]
    assert (top["key"], top["width"], top["height"], top["bytes"]) == (PREFIX + "cat_720p.mp4", 1280, 720, 3_000_000)
    assert top["duration_ms"] == 30041
    assert top["bitrate"] == round(3_000_000 * 8 * 1000 / 30041)  # measured average, bits per second


def test_error_marks_the_video_failed_with_mediaconverts_code_and_message(video, lambda_context) -> None:
    deliver("progressing", "error", context=lambda_context)
    item = video()
    assert item["status"] == "failed"
    assert item["failure_code"] == "MediaConvert1030"
    assert item["failure_message"] == "Video codec [indeo4] is not a supported input video codec"


def test_canceled_job_marks_the_video_canceled(video, lambda_context) -> None:
    deliver("progressing", "canceled", context=lambda_context)
    assert video()["status"] == "canceled"


@pytest.mark.parametrize("order", [
    ("progressing", "status_update_40", "status_update_80", "complete"),
    ("complete", "status_update_80", "status_update_40", "progressing"),
    ("status_update_80", "complete", "status_update_40", "complete", "progressing", "complete"),
    ("complete", "complete", "complete"),
])
def test_any_order_or_repetition_of_a_successful_jobs_events_ends_ready(video, lambda_context, order) -> None:
    deliver(*order, context=lambda_context)
    item = video()
    assert (item["status"], item["progress"], len(item["renditions"])) == ("ready", 100, 3)


def test_a_ready_video_never_returns_to_processing(video, lambda_context) -> None:
    deliver("complete", context=lambda_context)
    ready = video()
    deliver("progressing", "status_update_40", "error", "canceled", context=lambda_context)
    assert video() == ready


def test_progress_never_goes_backwards(video, lambda_context) -> None:
    deliver("status_update_80", "status_update_40", "progressing", context=lambda_context)
    assert (video()["status"], video()["progress"]) == ("processing", 80)


def test_failed_video_stays_failed_when_late_progress_arrives(video, lambda_context) -> None:
    deliver("error", "status_update_80", "progressing", context=lambda_context)
    assert (video()["status"], video()["failure_code"]) == ("failed", "MediaConvert1030")


def test_events_that_arrive_before_the_upload_stored_the_job_id_still_count(moto_aws, lambda_context) -> None:
    VideoRepository(moto_aws.table).claim(parse_original_key(f"{PREFIX}cat.mp4"), 9_000_000)
    deliver("progressing", "status_update_40", context=lambda_context)
    assert VideoRepository(moto_aws.table).start_processing(OWNER, VIDEO, JOB) is False  # events got there first
    item = moto_aws.video(OWNER, VIDEO)
    assert (item["status"], item["job_id"], item["progress"]) == ("processing", JOB, 40)


def test_events_of_a_different_job_do_not_touch_the_video(video, lambda_context) -> None:
    event = load_event("mediaconvert_complete.json")
    event["detail"]["jobId"] = "1762086899999-other"
    job_state.handler(event, lambda_context)
    assert video()["status"] == "processing"


def test_events_for_a_deleted_video_do_not_resurrect_it_and_remove_what_the_job_wrote(
        moto_aws, mediaconvert, lambda_context) -> None:
    """The record is gone: a running job is canceled, and its outputs, even late ones, are deleted."""
    mediaconvert.expect_cancel(JOB)
    deliver("progressing", context=lambda_context)
    moto_aws.s3.put_object(Bucket=TRANSCODED, Key=PREFIX + "cat_720p.mp4", Body=b"written after the delete")
    deliver("complete", context=lambda_context)  # final: nothing left to cancel
    assert moto_aws.table.scan()["Count"] == 0
    assert moto_aws.keys(TRANSCODED, PREFIX) == []


def test_a_final_event_for_a_video_being_deleted_cleans_up_instead_of_making_it_ready(
        video, moto_aws, mediaconvert, lambda_context, logs) -> None:
    VideoRepository(moto_aws.table).begin_delete(OWNER, VIDEO)
    for key in moto_aws.keys(TRANSCODED, PREFIX)[1:]:  # the delete removed what it found; one output came later
        moto_aws.s3.delete_object(Bucket=TRANSCODED, Key=key)
    deliver("complete", context=lambda_context)
    assert video()["status"] == "deleting"
    assert moto_aws.keys(TRANSCODED, PREFIX) == []
    assert [line["message"] for line in logs() if line["level"] == "WARNING"] == []  # outputs not measured


def test_a_job_that_was_already_over_when_canceled_still_has_its_outputs_removed(
        moto_aws, mediaconvert, lambda_context) -> None:
    mediaconvert.expect_cancel(JOB, refusal="ConflictException")
    moto_aws.s3.put_object(Bucket=TRANSCODED, Key=PREFIX + "cat_360p.mp4", Body=b"output")
    deliver("status_update_80", context=lambda_context)
    assert moto_aws.keys(TRANSCODED, PREFIX) == []


def test_events_of_jobs_pettube_did_not_start_are_ignored(video, lambda_context, logs) -> None:
    event = load_event("mediaconvert_complete.json")
    event["detail"]["userMetadata"] = {"application": "pettube"}
    job_state.handler(event, lambda_context)
    assert video()["status"] == "processing"
    assert any(log["level"] == "WARNING" for log in logs())


def test_missing_rendition_object_leaves_its_size_unknown_but_the_video_plays(video, moto_aws,
                                                                              lambda_context) -> None:
    moto_aws.s3.delete_object(Bucket=TRANSCODED, Key=PREFIX + "cat_480p.mp4")
    deliver("complete", context=lambda_context)
    item = video()
    assert item["status"] == "ready"
    middle = item["renditions"][1]
    assert middle["height"] == 480 and "bytes" not in middle and "bitrate" not in middle


def test_complete_without_any_video_output_is_a_failure_not_an_empty_ready_video(video, lambda_context) -> None:
    event = load_event("mediaconvert_complete.json")
    event["detail"]["outputGroupDetails"] = [g for g in event["detail"]["outputGroupDetails"]  # thumbnail only
                                             if g["outputDetails"][0]["outputFilePaths"][0].endswith(".jpg")]
    job_state.handler(event, lambda_context)
    assert (video()["status"], video()["failure_code"]) == ("failed", "NoRenditions")


def test_complete_job_records_the_hls_stream_master_and_renditions_apart_from_the_mp4s(video, lambda_context) -> None:
    deliver("complete", context=lambda_context)
    item = video()
    assert item["stream"]["master_key"] == PREFIX + "hls/stream.m3u8"
    assert [(v["playlist_key"], v["width"], v["height"]) for v in item["stream"]["variants"]] == [
        (PREFIX + "hls/stream_720p.m3u8", 1280, 720), (PREFIX + "hls/stream_480p.m3u8", 854, 480),
        (PREFIX + "hls/stream_360p.m3u8", 640, 360)]
    # The media playlists are the stream's, not renditions to download.
    assert all(r["key"].endswith(".mp4") for r in item["renditions"])
