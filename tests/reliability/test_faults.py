"""Faults: crashes, retries, dead letters, injected AWS errors, a killed transcoder; no video is left in flight."""

from __future__ import annotations

import json
import os
import signal
from collections.abc import Callable, Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from rel_actors import User, clip, pool_user, settled, video, video_id

from localcloud.cloud import LocalCloud
from localcloud.endpoints import Endpoints

pytestmark = pytest.mark.slow


@pytest.fixture
def user(local_cloud: Endpoints) -> User:
    return pool_user(local_cloud, "faults")


@pytest.fixture(scope="module")
def tiny(tmp_path_factory: pytest.TempPathFactory) -> bytes:
    return clip(tmp_path_factory.mktemp("clips") / "tiny.mp4")


@pytest.fixture
def faults(cloud: LocalCloud) -> Iterator[Any]:
    """The edge's fault injector, emptied after the test whatever happens."""
    yield cloud.faults
    cloud.faults.clear()


def _attempts(cloud: LocalCloud, function: str, needle: str) -> list[bool]:
    return [i["ok"] for i in cloud.runtime.invocations if i["function"] == function and needle in json.dumps(i["event"])]


def _attempts_by_event(cloud: LocalCloud, needle: str) -> dict[str, list[bool]]:
    """Upload-function attempts per S3 event name (moto sends Put and CompleteMultipartUpload for one upload)."""
    seen: dict[str, list[bool]] = {}
    for i in cloud.runtime.invocations:
        if i["function"] == "UploadFunction" and needle in json.dumps(i["event"]):
            seen.setdefault(i["event"]["Records"][0]["eventName"], []).append(i["ok"])
    return seen


def _dead_letter(cloud: LocalCloud, needle: str) -> dict[str, Any] | None:
    return next((r for r in cloud.dead_letters() if needle in json.dumps(r["requestPayload"])), None)


def _sweep(cloud: LocalCloud, reconfigure: Callable[..., Path]) -> dict[str, int]:
    """Run the scheduled sweeper now, counting anything untouched for a second as stuck."""
    reconfigure("SweeperFunction", STUCK_AFTER_SECONDS="1")
    event = {"version": "0", "id": "reliability-sweep", "detail-type": "Scheduled Event", "source": "aws.events",
             "account": "123456789012", "time": datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ"),
             "region": "us-east-1", "resources": [], "detail": {}}
    return cloud.runtime.invoke("SweeperFunction", event)


def _ready_after(local_cloud: Endpoints, user: User, tiny: bytes, wait_until) -> dict[str, Any]:
    """Everything else keeps working: a good clip still goes through."""
    vid = video_id()
    user.upload(vid, "after.mp4", tiny)
    return wait_until(lambda: settled(local_cloud, user.identity_id, vid), timeout=120, message="a good clip")


def test_an_upload_handler_that_crashes_once_is_retried_and_the_video_plays(
        cloud: LocalCloud, local_cloud: Endpoints, user: User, tiny: bytes, reconfigure, wait_until,
        observed: Callable[[str], None]) -> None:
    """Upload function crashes on the first delivery of the event, works on Lambda's retry"""
    reconfigure("UploadFunction", "faulty.crashes_once")
    vid = video_id()
    user.upload(vid, "retry.mp4", tiny)
    item = wait_until(lambda: settled(local_cloud, user.identity_id, vid), timeout=120, message="the video")
    attempts = _attempts_by_event(cloud, vid)
    observed(f"attempts per S3 event {dict((k, ['ok' if a else 'crash' for a in v]) for k, v in sorted(attempts.items()))}; "
             f"video {item['status']}, one job")
    assert item["status"] == "ready" and attempts and all(a == [False, True] for a in attempts.values())


def test_an_upload_handler_that_always_crashes_is_dead_lettered_and_the_sweeper_fails_the_video(
        cloud: LocalCloud, local_cloud: Endpoints, user: User, tiny: bytes, reconfigure, wait_until,
        observed: Callable[[str], None]) -> None:
    """Upload function crashes after recording the video, on every attempt; then the scheduled sweeper runs"""
    reconfigure("UploadFunction", "faulty.crashes_after_recording")
    vid = video_id()
    user.upload(vid, "doomed.mp4", tiny)
    record = wait_until(lambda: _dead_letter(cloud, vid), timeout=60, message="the dead letter")
    stuck = video(local_cloud, user.identity_id, vid)
    observed(f"{record['requestContext']['approximateInvokeCount']} attempts, dead-lettered with "
             f"'{record['responsePayload']['errorMessage']}'; record left '{stuck['status']}'")
    assert record["requestContext"]["condition"] == "RetriesExhausted"
    assert stuck["status"] == "uploaded"

    wait_until(lambda: (datetime.now(UTC) - datetime.fromisoformat(stuck["updated_at"])).total_seconds() > 1.5,
               message="the record to age past the threshold")
    outcomes = _sweep(cloud, reconfigure)
    item = video(local_cloud, user.identity_id, vid)
    observed(f"sweeper: {outcomes}; video {item['status']} ({item['failure_code']}: {item['failure_message']})")
    assert (item["status"], item["failure_code"]) == ("failed", "UploadNotProcessed")


def test_a_job_state_handler_that_always_crashes_leaves_no_video_processing_forever(
        cloud: LocalCloud, local_cloud: Endpoints, user: User, tiny: bytes, reconfigure, wait_until,
        observed: Callable[[str], None]) -> None:
    """Job-state function crashes on every MediaConvert event (the job completes unrecorded); then the sweeper runs"""
    reconfigure("JobStateFunction", "faulty.always_fails")
    vid = video_id()
    user.upload(vid, "unheard.mp4", tiny)
    complete = wait_until(lambda: (r := _dead_letter(cloud, vid)) and
                          any(d["requestPayload"]["detail"]["status"] == "COMPLETE" for d in cloud.dead_letters()
                              if vid in json.dumps(d["requestPayload"])) and r,
                          timeout=120, message="the COMPLETE event in the dead-letter queue")
    stuck = video(local_cloud, user.identity_id, vid)
    observed(f"job events dead-lettered ('{complete['responsePayload']['errorMessage']}'); record left "
             f"'{stuck['status']}'")
    assert stuck["status"] == "processing"

    wait_until(lambda: (datetime.now(UTC) - datetime.fromisoformat(stuck["updated_at"])).total_seconds() > 1.5,
               message="the record to age past the threshold")
    outcomes = _sweep(cloud, reconfigure)
    item = video(local_cloud, user.identity_id, vid)
    observed(f"sweeper asked MediaConvert (GetJob: COMPLETE): {outcomes}; video {item['status']} "
             f"({item['failure_code']})")
    assert (item["status"], item["failure_code"]) == ("failed", "ResultNotRecorded")


@pytest.mark.parametrize(("service", "operation", "code", "status", "times"), [
    # 7: both S3 events of the upload exhaust the SDK's 3 attempts once, then Lambda's retry gets through.
    ("dynamodb", "PutItem", "ProvisionedThroughputExceededException", 400, 7),
    ("s3", "HeadObject", "InternalError", 500, 7),
])
def test_aws_errors_injected_into_the_upload_handler_are_retried_until_the_video_plays(
        cloud: LocalCloud, local_cloud: Endpoints, user: User, tiny: bytes, faults, wait_until,
        observed: Callable[[str], None], service: str, operation: str, code: str, status: int, times: int) -> None:
    """AWS errors injected at the edge into the upload function's calls (more than the SDK's own retries absorb)"""
    vid = video_id()
    before = faults.injected
    faults.inject(service=service, operation=operation, code=code, status=status, times=times)
    user.upload(vid, "bumpy.mp4", tiny)
    item = wait_until(lambda: settled(local_cloud, user.identity_id, vid), timeout=120, message="the video")
    attempts = _attempts(cloud, "UploadFunction", vid)
    observed(f"{faults.injected - before} {operation} calls answered {status} {code}; Lambda attempts "
             f"{['ok' if a else 'error' for a in attempts]}; video {item['status']}")
    assert item["status"] == "ready" and False in attempts and attempts[-1] is True
    assert faults.injected - before == times


def test_mediaconvert_refusing_jobs_fails_the_video_with_a_reason(
        local_cloud: Endpoints, user: User, tiny: bytes, faults, wait_until, observed: Callable[[str], None]) -> None:
    """MediaConvert CreateJob throttled (429) on every one of the SDK's attempts"""
    # MediaConvert stays throttled until the video settles (moto sends two S3 events per upload, both try).
    faults.inject(service="mediaconvert", operation="CreateJob", code="TooManyRequestsException", status=429, times=100)
    vid = video_id()
    user.upload(vid, "busy.mp4", tiny)
    item = wait_until(lambda: settled(local_cloud, user.identity_id, vid), timeout=120, message="the video")
    faults.clear()
    observed(f"video {item['status']} ({item['failure_code']}: {item['failure_message']})")
    assert (item["status"], item["failure_code"]) == ("failed", "TranscoderUnavailable")
    assert _ready_after(local_cloud, user, tiny, wait_until)["status"] == "ready"


def _ffmpeg_children(job_id: str) -> list[int]:
    """This process's ffmpeg children working for ``job_id`` (the local MediaConvert runs in-process)."""
    found = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            ppid = int((entry / "stat").read_text().rsplit(")", 1)[1].split()[1])
            command = (entry / "cmdline").read_bytes().split(b"\0")
        except (OSError, IndexError, ValueError):
            continue
        if ppid == os.getpid() and b"-progress" in command and f"mediaconvert-{job_id}-".encode() in b" ".join(command):
            found.append(int(entry.name))
    return found


def test_the_transcoder_killed_mid_job_fails_the_video_with_a_reason(
        local_cloud: Endpoints, user: User, tiny: bytes, tmp_path: Path, wait_until,
        observed: Callable[[str], None]) -> None:
    """SIGKILL to the local MediaConvert's ffmpeg while it transcodes a 20 s 640x360 clip"""
    vid = video_id()
    user.upload(vid, "long.mp4", clip(tmp_path / "long.mp4", size="640x360", seconds=20, rate=25))
    job_id = wait_until(lambda: (v := video(local_cloud, user.identity_id, vid)) and v.get("job_id"),
                        timeout=60, message="the job to start")
    pids = wait_until(lambda: _ffmpeg_children(job_id), timeout=60, interval=0.02, message="ffmpeg to run")
    for pid in pids:
        os.kill(pid, signal.SIGKILL)
    item = wait_until(lambda: settled(local_cloud, user.identity_id, vid), timeout=60, message="the video to end")
    observed(f"killed {len(pids)} ffmpeg process(es); video {item['status']} "
             f"({item['failure_code']}: {item['failure_message']})")
    assert (item["status"], item["failure_code"]) == ("failed", "MediaConvert1999")
    assert "SIGKILL" in item["failure_message"]
    assert _ready_after(local_cloud, user, tiny, wait_until)["status"] == "ready"
    observed("a good clip uploaded next was ready")


def test_an_abandoned_multipart_upload_makes_no_video_and_is_reported(
        local_cloud: Endpoints, user: User, observed: Callable[[str], None]) -> None:
    """A multipart upload started, one part sent, never completed"""
    s3, bucket, vid = user.s3(), local_cloud.originals_bucket, video_id()
    key = f"{user.identity_id}/{vid}/half.mp4"
    upload_id = s3.create_multipart_upload(Bucket=bucket, Key=key, ContentType="video/mp4")["UploadId"]
    s3.upload_part(Bucket=bucket, Key=key, UploadId=upload_id, PartNumber=1, Body=b"\0" * 1024)

    admin = local_cloud.client("s3")
    unfinished = admin.list_multipart_uploads(Bucket=bucket, Prefix=f"{user.identity_id}/")["Uploads"]
    parts = s3.list_parts(Bucket=bucket, Key=key, UploadId=upload_id)["Parts"]
    rules = admin.get_bucket_lifecycle_configuration(Bucket=bucket)["Rules"]
    cleanup = [r["AbortIncompleteMultipartUpload"]["DaysAfterInitiation"] for r in rules
               if "AbortIncompleteMultipartUpload" in r]
    observed(f"no record, no object; ListMultipartUploads (developer) reports {len(unfinished)} unfinished upload, "
             f"ListParts (owner, to resume) {len(parts)} part; the bucket lifecycle rule aborts it after "
             f"{cleanup} day(s) on AWS (moto keeps it)")
    assert video(local_cloud, user.identity_id, vid) is None
    assert [u["UploadId"] for u in unfinished] == [upload_id] and len(parts) == 1
    assert cleanup == [2]
    s3.abort_multipart_upload(Bucket=bucket, Key=key, UploadId=upload_id)
    assert admin.list_multipart_uploads(Bucket=bucket, Prefix=f"{user.identity_id}/").get("Uploads", []) == []
