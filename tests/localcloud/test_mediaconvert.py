"""The local MediaConvert through a real boto3 client: API shapes, errors, and jobs run by ffmpeg.

moto's ThreadedMotoServer provides S3 and EventBridge (a rule sends aws.mediaconvert
events to an SQS queue, so the test reads them as a rule target would); the service
runs behind its own small werkzeug server, as on the edge.
"""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import boto3
import pytest
from botocore.exceptions import ClientError
from moto.server import ThreadedMotoServer
from werkzeug.serving import make_server

import localcloud.mediaconvert as mediaconvert
from localcloud.mediaconvert import ffmpeg as ff
from localcloud.mediaconvert.probe import probe
from localcloud.mediaconvert.samples import make_audio_only, make_clip
from localcloud.services import ServiceContext

REGION, ACCOUNT = "us-east-1", "123456789012"
ROLE = f"arn:aws:iam::{ACCOUNT}:role/MediaConvertRole"
FFMPEG = ff.executable({})
CREDENTIALS = {"aws_access_key_id": "testing", "aws_secret_access_key": "testing", "region_name": REGION}

pytestmark = pytest.mark.slow  # every test here starts moto's server and the service's; most run ffmpeg


class Harness:
    """moto + one MediaConvert service instance + an event queue, with boto3 clients on both."""

    def __init__(self, moto_url: str, tmp: Path, settings: dict[str, Any]) -> None:
        self.tmp = tmp
        self.temp_dir = tmp / "jobs"
        self.temp_dir.mkdir()
        ctx = ServiceContext(
            region=REGION, account_id=ACCOUNT, edge_url=moto_url, site_url="", idp_url="",
            admin_access_key_id="testing", admin_secret_access_key="testing", state_dir=tmp,
            stack=None, runtime=None,  # type: ignore[arg-type]  # the service needs neither
            settings={"mediaconvert_temp_dir": str(self.temp_dir), **settings},
        )
        self.service = mediaconvert.create(ctx)
        self.server = make_server("127.0.0.1", 0, self._wsgi, threaded=True)
        threading.Thread(target=self.server.serve_forever, daemon=True).start()
        self.mediaconvert = boto3.client("mediaconvert", endpoint_url=f"http://127.0.0.1:{self.server.server_port}", **CREDENTIALS)
        self.s3 = boto3.client("s3", endpoint_url=moto_url, **CREDENTIALS)

    def _wsgi(self, environ: dict[str, Any], start_response: Any) -> Any:
        from werkzeug.wrappers import Request

        return self.service.dispatch(Request(environ))(environ, start_response)

    def close(self) -> None:
        self.service.close()
        self.server.shutdown()


@pytest.fixture(scope="module")
def moto_url() -> Iterator[str]:
    server = ThreadedMotoServer(ip_address="127.0.0.1", port=0, verbose=False)
    server.start()
    host, port = server.get_host_and_port()
    url = f"http://{host}:{port}"
    s3 = boto3.client("s3", endpoint_url=url, **CREDENTIALS)
    s3.create_bucket(Bucket="originals")
    s3.create_bucket(Bucket="transcoded")
    yield url
    server.stop()


@pytest.fixture(scope="module")
def events_queue(moto_url: str) -> Any:
    """An SQS queue that receives every MediaConvert Job State Change, like the job-state rule."""
    sqs = boto3.client("sqs", endpoint_url=moto_url, **CREDENTIALS)
    events = boto3.client("events", endpoint_url=moto_url, **CREDENTIALS)
    url = sqs.create_queue(QueueName="mediaconvert-events")["QueueUrl"]
    arn = sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["QueueArn"])["Attributes"]["QueueArn"]
    pattern = {"source": ["aws.mediaconvert"], "detail-type": ["MediaConvert Job State Change"]}
    events.put_rule(Name="mediaconvert-jobs", EventPattern=json.dumps(pattern))
    events.put_targets(Rule="mediaconvert-jobs", Targets=[{"Id": "queue", "Arn": arn}])
    return EventLog(sqs, url)


class EventLog:
    """Every event received so far, by job id."""

    def __init__(self, sqs: Any, url: str) -> None:
        self.sqs, self.url, self.seen = sqs, url, []

    def for_job(self, job_id: str) -> list[dict[str, Any]]:
        while True:
            messages = self.sqs.receive_message(QueueUrl=self.url, MaxNumberOfMessages=10).get("Messages", [])
            if not messages:
                break
            for message in messages:
                self.seen.append(json.loads(message["Body"]))
                self.sqs.delete_message(QueueUrl=self.url, ReceiptHandle=message["ReceiptHandle"])
        return [event for event in self.seen if event["detail"]["jobId"] == job_id]


@pytest.fixture
def harness(moto_url: str, tmp_path: Path) -> Iterator[Harness]:
    h = Harness(moto_url, tmp_path, {"mediaconvert_concurrency": 2, "mediaconvert_status_update_seconds": 0})
    yield h
    h.close()


def mp4_output(modifier: str, height: int, bitrate: int = 300_000) -> dict[str, Any]:
    """One ladder rung as PetTube's builder writes it."""
    return {
        "NameModifier": modifier,
        "ContainerSettings": {"Container": "MP4", "Mp4Settings": {"MoovPlacement": "PROGRESSIVE_DOWNLOAD"}},
        "VideoDescription": {
            "Height": height,
            "CodecSettings": {"Codec": "H_264", "H264Settings": {"RateControlMode": "QVBR", "MaxBitrate": bitrate, "CodecProfile": "HIGH"}},
        },
        "AudioDescriptions": [{"AudioSourceName": "Audio Selector 1", "CodecSettings": {"Codec": "AAC", "AacSettings": {"Bitrate": 64000, "CodingMode": "CODING_MODE_2_0", "SampleRate": 48000}}}],
    }


THUMBNAIL = {
    "NameModifier": "_thumb",
    "ContainerSettings": {"Container": "RAW"},
    "VideoDescription": {"Width": 160, "Height": 90, "CodecSettings": {"Codec": "FRAME_CAPTURE", "FrameCaptureSettings": {"FramerateNumerator": 1, "FramerateDenominator": 1, "MaxCaptures": 2, "Quality": 80}}},
}


def job_request(key: str, outputs: list[dict[str, Any]], **extra: Any) -> dict[str, Any]:
    return {
        "Role": ROLE,
        "UserMetadata": {"application": "pettube", "video_id": "v1"},
        "Settings": {
            "Inputs": [{"FileInput": f"s3://originals/{key}", "AudioSelectors": {"Audio Selector 1": {"DefaultSelection": "DEFAULT"}}}],
            "OutputGroups": [{"Name": "File Group", "OutputGroupSettings": {"Type": "FILE_GROUP_SETTINGS", "FileGroupSettings": {"Destination": "s3://transcoded/u1/v1/"}}, "Outputs": outputs}],
        },
        **extra,
    }


def upload(h: Harness, path: Path, key: str) -> str:
    h.s3.upload_file(str(path), "originals", key)
    return key


def finished(h: Harness, job_id: str, wait_until: Any) -> dict[str, Any]:
    return wait_until(lambda: (j := h.mediaconvert.get_job(Id=job_id)["Job"])["Status"] in ("COMPLETE", "ERROR", "CANCELED") and j, timeout=120, message=f"job {job_id} to finish")


# ------------------------------------------------------------------ API and errors (no transcoding)


def error_of(call: Any, **kwargs: Any) -> tuple[str, str]:
    with pytest.raises(ClientError) as raised:
        call(**kwargs)
    return raised.value.response["Error"]["Code"], raised.value.response["Error"]["Message"]


def test_unsupported_setting_is_refused_by_its_path(harness: Harness) -> None:
    request = job_request("a.mp4", [mp4_output("_360p", 360)])
    request["Settings"]["OutputGroups"][0]["Outputs"][0]["VideoDescription"]["CodecSettings"]["H264Settings"]["InterlaceMode"] = "TOP_FIELD"
    code, message = error_of(harness.mediaconvert.create_job, **request)
    assert code == "BadRequestException"
    assert "Settings.OutputGroups[0].Outputs[0].VideoDescription.CodecSettings.H264Settings.InterlaceMode='TOP_FIELD'" in message


def test_unsupported_output_group_type_is_refused(harness: Harness) -> None:
    request = job_request("a.mp4", [mp4_output("_360p", 360)])
    request["Settings"]["OutputGroups"][0]["OutputGroupSettings"] = {"Type": "MS_SMOOTH_GROUP_SETTINGS", "MsSmoothGroupSettings": {"Destination": "s3://transcoded/x/"}}
    code, message = error_of(harness.mediaconvert.create_job, **request)
    assert code == "BadRequestException" and "MS_SMOOTH_GROUP_SETTINGS" in message


def test_container_must_fit_its_group(harness: Harness) -> None:
    request = job_request("a.mp4", [mp4_output("_360p", 360)])
    request["Settings"]["OutputGroups"][0]["OutputGroupSettings"] = {"Type": "HLS_GROUP_SETTINGS", "HlsGroupSettings": {"Destination": "s3://transcoded/x/", "SegmentLength": 6, "MinSegmentLength": 0}}
    code, message = error_of(harness.mediaconvert.create_job, **request)
    assert code == "BadRequestException" and "Outputs[0].ContainerSettings.Container must be M3U8 in a HLS_GROUP" in message


@pytest.mark.parametrize("role", ["MediaConvertRole", "arn:aws:iam::123:role/x", "arn:aws:s3:::bucket"])
def test_role_must_be_an_iam_role_arn(harness: Harness, role: str) -> None:
    code, message = error_of(harness.mediaconvert.create_job, **job_request("a.mp4", [mp4_output("_360p", 360)], Role=role))
    assert code == "BadRequestException" and "role ARN" in message


def test_enum_values_are_checked_against_the_model(harness: Harness) -> None:
    request = job_request("a.mp4", [mp4_output("_360p", 360)])
    request["Settings"]["OutputGroups"][0]["Outputs"][0]["VideoDescription"]["CodecSettings"]["Codec"] = "H_999"
    code, message = error_of(harness.mediaconvert.create_job, **request)
    assert code == "BadRequestException" and "H_999" in message


def test_unknown_job_is_not_found_and_finished_job_cannot_be_canceled(harness: Harness, wait_until: Any) -> None:
    assert error_of(harness.mediaconvert.get_job, Id="1700000000000-nosuch")[0] == "NotFoundException"
    job = harness.mediaconvert.create_job(**job_request("missing/clip.mp4", [mp4_output("_360p", 360)]))["Job"]
    done = finished(harness, job["Id"], wait_until)
    assert (done["Status"], done["ErrorCode"]) == ("ERROR", 1404)
    assert "s3://originals/missing/clip.mp4" in done["ErrorMessage"]
    assert error_of(harness.mediaconvert.cancel_job, Id=job["Id"])[0] == "ConflictException"


def test_create_job_answers_like_aws(harness: Harness) -> None:
    job = harness.mediaconvert.create_job(**job_request("missing/b.mp4", [mp4_output("_360p", 360)], ClientRequestToken="tok-1"))["Job"]
    assert job["Status"] in ("SUBMITTED", "PROGRESSING", "ERROR")
    assert job["Arn"] == f"arn:aws:mediaconvert:{REGION}:{ACCOUNT}:jobs/{job['Id']}"
    assert job["Queue"] == f"arn:aws:mediaconvert:{REGION}:{ACCOUNT}:queues/Default"
    assert job["Settings"]["OutputGroups"][0]["Outputs"][0]["NameModifier"] == "_360p"
    assert job["UserMetadata"] == {"application": "pettube", "video_id": "v1"}
    assert job["CreatedAt"].tzinfo is not None
    again = harness.mediaconvert.create_job(**job_request("missing/b.mp4", [mp4_output("_360p", 360)], ClientRequestToken="tok-1"))["Job"]
    assert again["Id"] == job["Id"]


def test_list_jobs_pages_newest_first(harness: Harness) -> None:
    ids = [harness.mediaconvert.create_job(**job_request(f"missing/{n}.mp4", [mp4_output("_360p", 360)]))["Job"]["Id"] for n in range(3)]
    first = harness.mediaconvert.list_jobs(MaxResults=2)
    second = harness.mediaconvert.list_jobs(MaxResults=2, NextToken=first["NextToken"])
    listed = [job["Id"] for job in first["Jobs"] + second["Jobs"]]
    assert listed == ids[::-1] and "NextToken" not in second
    assert harness.mediaconvert.describe_endpoints()["Endpoints"][0]["Url"].startswith("http://")


def test_the_default_queue_answers_get_list_and_update_like_aws(harness: Harness) -> None:
    queue = harness.mediaconvert.get_queue(Name="Default")["Queue"]
    assert (queue["Name"], queue["Type"], queue["PricingPlan"], queue["Status"]) == ("Default", "SYSTEM", "ON_DEMAND", "ACTIVE")
    assert queue["Arn"] == f"arn:aws:mediaconvert:{REGION}:{ACCOUNT}:queues/Default"
    listed = harness.mediaconvert.list_queues()
    assert [q["Name"] for q in listed["Queues"]] == ["Default"] and listed["TotalConcurrentJobs"] == 2
    updated = harness.mediaconvert.update_queue(Name="Default", Status="PAUSED", Description="held for a demo")["Queue"]
    assert (updated["Status"], updated["Description"]) == ("PAUSED", "held for a demo")
    assert updated["LastUpdated"] >= queue["LastUpdated"]
    assert error_of(harness.mediaconvert.get_queue, Name="Premium")[0] == "NotFoundException"
    assert error_of(harness.mediaconvert.update_queue, Name="Premium", Status="ACTIVE")[0] == "NotFoundException"
    code, message = error_of(harness.mediaconvert.update_queue, Name="Default", ConcurrentJobs=5)
    assert code == "BadRequestException" and "ConcurrentJobs" in message
    assert error_of(harness.mediaconvert.update_queue, Name="Default", Status="STOPPED")[0] == "BadRequestException"


# ------------------------------------------------------------------ jobs run by ffmpeg


def test_a_paused_queue_holds_new_jobs_until_it_is_resumed(harness: Harness, tmp_path: Path, wait_until: Any) -> None:
    key = upload(harness, make_clip(FFMPEG, tmp_path / "nap.mp4", seconds=1, width=160, height=120), "u1/v1/nap.mp4")
    harness.mediaconvert.update_queue(Name="Default", Status="PAUSED")
    job = harness.mediaconvert.create_job(**job_request(key, [mp4_output("_120p", 120)]))["Job"]
    threading.Event().wait(1.0)  # a worker that ignored the pause would have taken the job by now
    assert harness.mediaconvert.get_job(Id=job["Id"])["Job"]["Status"] == "SUBMITTED"
    held = harness.mediaconvert.get_queue(Name="Default")["Queue"]
    assert (held["SubmittedJobsCount"], held["ProgressingJobsCount"]) == (1, 0)
    harness.mediaconvert.update_queue(Name="Default", Status="ACTIVE")
    assert finished(harness, job["Id"], wait_until)["Status"] == "COMPLETE"


def test_ladder_job_completes_with_outputs_of_the_requested_size(harness: Harness, events_queue: EventLog, tmp_path: Path, wait_until: Any) -> None:
    key = upload(harness, make_clip(FFMPEG, tmp_path / "My Pet.mp4", seconds=3, width=320, height=240), "u1/v1/My Pet.mp4")
    job = harness.mediaconvert.create_job(**job_request(key, [mp4_output("_240p", 240), mp4_output("_120p", 120), THUMBNAIL]))["Job"]
    done = finished(harness, job["Id"], wait_until)
    assert done["Status"] == "COMPLETE", done.get("ErrorMessage")
    assert done["Timing"]["StartTime"] <= done["Timing"]["FinishTime"]
    events = wait_until(lambda: (e := events_queue.for_job(job["Id"])) and e[-1]["detail"]["status"] == "COMPLETE" and e, message="COMPLETE event")
    statuses = [event["detail"]["status"] for event in events]
    assert statuses[:2] == ["PROGRESSING", "INPUT_INFORMATION"] and "STATUS_UPDATE" in statuses
    complete = events[-1]
    assert complete["source"] == "aws.mediaconvert" and complete["detail-type"] == "MediaConvert Job State Change"
    assert complete["detail"]["userMetadata"] == {"application": "pettube", "video_id": "v1"}
    assert complete["resources"] == [done["Arn"]]
    outputs = complete["detail"]["outputGroupDetails"][0]["outputDetails"]
    paths = [o["outputFilePaths"][0] for o in outputs]
    assert paths == ["s3://transcoded/u1/v1/My Pet_240p.mp4", "s3://transcoded/u1/v1/My Pet_120p.mp4", "s3://transcoded/u1/v1/My Pet_thumb.0000001.jpg"]
    for local, path in zip(("a.mp4", "b.mp4"), paths[:2]):
        harness.s3.download_file("transcoded", path.removeprefix("s3://transcoded/"), str(tmp_path / local))
    for info, (width, height), reported in zip(probe(FFMPEG, tmp_path / "a.mp4", tmp_path / "b.mp4"), [(320, 240), (160, 120)], outputs):
        assert (info.video[0].width, info.video[0].height) == (width, height)
        assert reported["videoDetails"] == {"widthInPx": width, "heightInPx": height, "averageBitrate": info.video[0].bitrate}
        assert abs(info.duration_ms - 3000) < 150 and abs(reported["durationInMs"] - 3000) < 150
        assert info.audio and info.audio[0].codec == "aac"
    head = (tmp_path / "a.mp4").read_bytes()[:4096]
    assert head.find(b"moov") < head.find(b"mdat") or b"mdat" not in head  # faststart: moov first
    thumbs = harness.s3.list_objects_v2(Bucket="transcoded", Prefix="u1/v1/My Pet_thumb")["Contents"]
    assert [o["Key"] for o in thumbs] == ["u1/v1/My Pet_thumb.0000000.jpg", "u1/v1/My Pet_thumb.0000001.jpg"]
    assert outputs[2]["videoDetails"] == {"widthInPx": 160, "heightInPx": 90}
    assert done["OutputGroupDetails"][0]["OutputDetails"][0]["VideoDetails"] == {"WidthInPx": 320, "HeightInPx": 240}
    assert list(harness.temp_dir.iterdir()) == []


def _error_for(harness: Harness, path: Path, key: str, wait_until: Any) -> dict[str, Any]:
    upload(harness, path, key)
    job = harness.mediaconvert.create_job(**job_request(key, [mp4_output("_240p", 240), THUMBNAIL]))["Job"]
    done = finished(harness, job["Id"], wait_until)
    assert done["Status"] == "ERROR"
    assert list(harness.temp_dir.iterdir()) == []
    return done


def test_text_file_named_mp4_ends_in_input_error(harness: Harness, events_queue: EventLog, tmp_path: Path, wait_until: Any) -> None:
    (tmp_path / "notes.mp4").write_text("these are not moving pictures\n")
    done = _error_for(harness, tmp_path / "notes.mp4", "u1/v2/notes.mp4", wait_until)
    assert done["ErrorCode"] == 1010
    assert "Unable to open input file [s3://originals/u1/v2/notes.mp4]" in done["ErrorMessage"]
    error = wait_until(lambda: [e for e in events_queue.for_job(done["Id"]) if e["detail"]["status"] == "ERROR"], message="ERROR event")[0]
    assert (error["detail"]["errorCode"], error["detail"]["errorMessage"]) == (1010, done["ErrorMessage"])


@pytest.mark.parametrize(("faststart", "code"), [(False, 1010), (True, 1076)])
def test_truncated_mp4_ends_in_error(harness: Harness, tmp_path: Path, wait_until: Any, faststart: bool, code: int) -> None:
    clip = make_clip(FFMPEG, tmp_path / "whole.mp4", seconds=3)
    if faststart:  # index first, so the cut falls in the media data
        import subprocess

        subprocess.run([FFMPEG, "-loglevel", "error", "-y", "-i", str(clip), "-c", "copy", "-movflags", "+faststart", str(tmp_path / "fs.mp4")], check=True)
        clip = tmp_path / "fs.mp4"
    data = clip.read_bytes()
    (tmp_path / "cut.mp4").write_bytes(data[: len(data) // 2])
    done = _error_for(harness, tmp_path / "cut.mp4", f"u1/v3/cut{faststart}.mp4", wait_until)
    assert done["ErrorCode"] == code and done["ErrorMessage"]


def test_audio_only_input_ends_in_video_error(harness: Harness, tmp_path: Path, wait_until: Any) -> None:
    done = _error_for(harness, make_audio_only(FFMPEG, tmp_path / "song.m4a"), "u1/v4/song.m4a", wait_until)
    assert done["ErrorCode"] == 1020 and "No video stream" in done["ErrorMessage"]


def test_cancel_stops_a_running_job(moto_url: str, events_queue: EventLog, tmp_path: Path, wait_until: Any) -> None:
    h = Harness(moto_url, tmp_path, {"mediaconvert_concurrency": 1, "mediaconvert_x264_preset": "veryslow", "mediaconvert_status_update_seconds": 0})
    try:
        key = upload(h, make_clip(FFMPEG, tmp_path / "long.mp4", seconds=20, width=640, height=480), "u1/v5/long.mp4")
        running = h.mediaconvert.create_job(**job_request(key, [mp4_output("_480p", 480)]))["Job"]
        waiting = h.mediaconvert.create_job(**job_request(key, [mp4_output("_480p", 480)]))["Job"]
        wait_until(lambda: h.mediaconvert.get_job(Id=running["Id"])["Job"].get("JobPercentComplete", 0) > 0, message="transcoding under way")
        assert h.mediaconvert.get_job(Id=waiting["Id"])["Job"]["Status"] == "SUBMITTED"  # one worker: the second waits
        h.mediaconvert.cancel_job(Id=running["Id"])
        h.mediaconvert.cancel_job(Id=waiting["Id"])
        assert finished(h, running["Id"], wait_until)["Status"] == "CANCELED"
        assert h.mediaconvert.get_job(Id=waiting["Id"])["Job"]["Status"] == "CANCELED"
        assert "Contents" not in h.s3.list_objects_v2(Bucket="transcoded", Prefix="u1/v5/")
        wait_until(lambda: [e for e in events_queue.for_job(running["Id"]) if e["detail"]["status"] == "CANCELED"], message="CANCELED event")
        wait_until(lambda: list(h.temp_dir.iterdir()) == [], message="temp files removed")
    finally:
        h.close()


def test_two_jobs_at_once_both_complete(harness: Harness, tmp_path: Path, wait_until: Any) -> None:
    key = upload(harness, make_clip(FFMPEG, tmp_path / "pair.mp4", seconds=4), "u1/v6/pair.mp4")
    ids = [harness.mediaconvert.create_job(**job_request(key, [mp4_output("_240p", 240)]))["Job"]["Id"] for _ in range(2)]
    jobs = [finished(harness, job_id, wait_until) for job_id in ids]
    assert [job["Status"] for job in jobs] == ["COMPLETE", "COMPLETE"]
    first, second = (job["Timing"] for job in jobs)
    assert second["StartTime"] < first["FinishTime"]  # two workers: they ran side by side


def test_job_past_its_time_limit_ends_in_error(moto_url: str, tmp_path: Path, wait_until: Any) -> None:
    h = Harness(moto_url, tmp_path, {"mediaconvert_job_timeout": 0.3, "mediaconvert_x264_preset": "veryslow"})
    try:
        key = upload(h, make_clip(FFMPEG, tmp_path / "slow.mp4", seconds=10, width=640, height=480), "u1/v7/slow.mp4")
        done = finished(h, h.mediaconvert.create_job(**job_request(key, [mp4_output("_480p", 480)]))["Job"]["Id"], wait_until)
        assert (done["Status"], done["ErrorCode"]) == ("ERROR", 1999) and "time limit" in done["ErrorMessage"]
        assert list(h.temp_dir.iterdir()) == []
    finally:
        h.close()


def test_crashed_transcoder_ends_in_error(moto_url: str, tmp_path: Path, wait_until: Any) -> None:
    crashing = tmp_path / "ffmpeg-that-crashes"
    crashing.write_text(f'#!/bin/sh\ncase "$*" in *-progress*) kill -SEGV $$;; esac\nexec "{FFMPEG}" "$@"\n')
    crashing.chmod(0o755)
    h = Harness(moto_url, tmp_path, {"ffmpeg": str(crashing)})
    try:
        key = upload(h, make_clip(FFMPEG, tmp_path / "c.mp4", seconds=2), "u1/v8/c.mp4")
        done = finished(h, h.mediaconvert.create_job(**job_request(key, [mp4_output("_240p", 240)]))["Job"]["Id"], wait_until)
        assert (done["Status"], done["ErrorCode"]) == ("ERROR", 1999) and "SIGSEGV" in done["ErrorMessage"]
    finally:
        h.close()
