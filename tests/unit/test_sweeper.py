"""The stuck-video sweeper: in-flight videos that stopped changing end with a reason, live ones are left alone."""

from __future__ import annotations

import pytest
from lambda_fakes import ORIGINALS, OWNER, ROLE_ARN, TRANSCODED

from pettube import sweeper
from pettube.config import sweeper_config
from pettube.layout import parse_original_key
from pettube.model import Status
from pettube.videos import VideoRepository

LONG_AGO = "2020-01-01T00:00:00.000Z"


@pytest.fixture
def old(moto_aws):
    """A repository whose writes are dated long ago, so the videos it makes look stuck."""
    return VideoRepository(moto_aws.table, clock=lambda: LONG_AGO)


def claimed(repository: VideoRepository, video_id: str, job_id: str | None = None) -> None:
    repository.claim(parse_original_key(f"{OWNER}/{video_id}/cat.mp4"), 1000)
    if job_id:
        repository.start_processing(OWNER, video_id, job_id)


def job(stubbed, job_id: str, status: str, **fields) -> None:
    stubbed.stubber.add_response("get_job", {"Job": {"Id": job_id, "Status": status, "Role": ROLE_ARN,
                                                     "Settings": {}, **fields}}, {"Id": job_id})


def test_an_upload_that_never_got_a_job_is_failed_with_a_reason(moto_aws, old, mediaconvert, lambda_context) -> None:
    claimed(old, "vid-no-job-1")
    assert sweeper.handler({}, lambda_context) == {"failed_not_processed": 1}
    video = moto_aws.video(OWNER, "vid-no-job-1")
    assert video["status"] == "failed" and video["failure_code"] == "UploadNotProcessed"
    assert video["updated_at"] > LONG_AGO


def test_a_job_that_errored_without_telling_us_fails_with_mediaconverts_reason(
        moto_aws, old, mediaconvert, lambda_context) -> None:
    claimed(old, "vid-job-err", "job-err")
    job(mediaconvert, "job-err", "ERROR", ErrorCode=1999, ErrorMessage="The transcoder process ended unexpectedly")
    assert sweeper.handler({}, lambda_context) == {"failed_job_error": 1}
    video = moto_aws.video(OWNER, "vid-job-err")
    assert (video["status"], video["failure_code"]) == ("failed", "MediaConvert1999")
    assert video["failure_message"] == "The transcoder process ended unexpectedly"


@pytest.mark.parametrize(("state", "status", "code"), [
    ("CANCELED", "canceled", "Canceled"), ("COMPLETE", "failed", "ResultNotRecorded")])
def test_a_finished_job_whose_last_event_was_lost_ends_the_video(
        moto_aws, old, mediaconvert, lambda_context, state: str, status: str, code: str) -> None:
    claimed(old, "vid-job-end", "job-end")
    job(mediaconvert, "job-end", state)
    sweeper.handler({}, lambda_context)
    video = moto_aws.video(OWNER, "vid-job-end")
    assert (video["status"], video["failure_code"]) == (status, code)


def test_an_unknown_job_is_reported_lost(moto_aws, old, mediaconvert, lambda_context) -> None:
    claimed(old, "vid-job-gone", "job-gone")
    mediaconvert.stubber.add_client_error("get_job", "NotFoundException", "not found", 404, expected_params={"Id": "job-gone"})
    assert sweeper.handler({}, lambda_context) == {"failed_job_lost": 1}
    assert moto_aws.video(OWNER, "vid-job-gone")["failure_code"] == "JobLost"


def test_running_jobs_and_recent_or_finished_videos_are_left_alone(moto_aws, old, mediaconvert, lambda_context) -> None:
    claimed(old, "vid-running", "job-running")
    job(mediaconvert, "job-running", "PROGRESSING")
    claimed(VideoRepository(moto_aws.table), "vid-fresh-1")  # updated just now
    claimed(old, "vid-done-1", "job-done")
    old.record_ready(OWNER, "vid-done-1", "job-done", [], None, None)
    assert sweeper.handler({}, lambda_context) == {"still_running": 1}
    assert moto_aws.video(OWNER, "vid-running")["status"] == "processing"
    assert moto_aws.video(OWNER, "vid-fresh-1")["status"] == "uploaded"
    assert moto_aws.video(OWNER, "vid-done-1")["status"] == "ready"


def test_a_late_event_that_settles_the_video_first_wins(moto_aws, old, mediaconvert, lambda_context) -> None:
    claimed(old, "vid-race-1", "job-race")
    job(mediaconvert, "job-race", "ERROR", ErrorCode=1010, ErrorMessage="bad input")
    old.record_ready(OWNER, "vid-race-1", "job-race", [], None, None)  # arrives between query and write
    video = sweeper.StuckVideo(OWNER, "vid-race-1", Status.PROCESSING, "job-race")
    assert sweeper.settle(VideoRepository(moto_aws.table), video, sweeper_config()) == "changed_meanwhile"
    assert moto_aws.video(OWNER, "vid-race-1")["status"] == "ready"


def test_many_stuck_videos_are_all_found_across_pages(moto_aws, old, mediaconvert, lambda_context,
                                                     monkeypatch: pytest.MonkeyPatch) -> None:
    for number in range(30):
        claimed(old, f"vid-many-{number:03d}")
    pages: list[int] = []
    query = moto_aws.table.query

    def small_pages(**kwargs):
        page = query(Limit=7, **kwargs)
        pages.append(len(page["Items"]))
        return page

    monkeypatch.setattr(moto_aws.table, "query", small_pages)
    monkeypatch.setattr(sweeper.aws, "table", lambda name: moto_aws.table)
    assert sweeper.handler({}, lambda_context) == {"failed_not_processed": 30}
    assert len(pages) >= 5


def test_a_delete_that_died_half_way_is_finished_job_objects_and_record(moto_aws, old, mediaconvert,
                                                                         lambda_context) -> None:
    claimed(old, "vid-deleting-1", "job-deleting")
    prefix = f"{OWNER}/vid-deleting-1/"
    moto_aws.s3.put_object(Bucket=ORIGINALS, Key=prefix + "cat.mp4", Body=b"original")
    moto_aws.s3.put_object(Bucket=TRANSCODED, Key=prefix + "cat_720p.mp4", Body=b"output")
    old.begin_delete(OWNER, "vid-deleting-1")  # then the API function died
    claimed(VideoRepository(moto_aws.table), "vid-deleting-2")
    VideoRepository(moto_aws.table).begin_delete(OWNER, "vid-deleting-2")  # a delete under way right now
    mediaconvert.expect_cancel("job-deleting")
    assert sweeper.handler({}, lambda_context) == {"delete_finished": 1}
    assert moto_aws.video(OWNER, "vid-deleting-1") is None
    assert moto_aws.keys(ORIGINALS, prefix) == moto_aws.keys(TRANSCODED, prefix) == []
    assert moto_aws.video(OWNER, "vid-deleting-2")["status"] == "deleting"
