"""The local MediaConvert's pure parts: scaling, naming, subset checks, ffmpeg commands and process control."""

from __future__ import annotations

import threading
import time
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

import pytest

from localcloud.mediaconvert import exceptions as errors
from localcloud.mediaconvert import wire
from localcloud.mediaconvert.events import job_progress
from localcloud.mediaconvert.ffmpeg import FfmpegRun, build_commands, classify
from localcloud.mediaconvert.plan import build_plan, frame_size
from localcloud.mediaconvert.probe import parse
from localcloud.mediaconvert.spec import check_supported


@pytest.mark.parametrize(
    ("request_size", "scaling", "source", "expected"),
    [
        # The user guide's own examples for each scaling behaviour.
        ((640, 480), "DEFAULT", (1280, 720), (640, 480, 640, 360)),  # fit, then pad
        ((300, 400), "STRETCH_TO_OUTPUT", (200, 200), (300, 400, 300, 400)),
        ((300, 400), "FIT", (200, 200), (300, 300, 300, 300)),
        ((200, 300), "FIT_NO_UPSCALE", (400, 400), (200, 200, 200, 200)),
        ((1280, 720), "FIT_NO_UPSCALE", (640, 360), (640, 360, 640, 360)),
        ((300, 400), "FILL", (200, 200), (300, 400, 400, 400)),  # cover, then crop
        ((None, 720), "DEFAULT", (1920, 1080), (1280, 720, 1280, 720)),
        ((1280, None), "DEFAULT", (1920, 1080), (1280, 720, 1280, 720)),
        ((None, None), "DEFAULT", (1920, 1080), (1920, 1080, 1920, 1080)),
    ],
)
def test_frame_size_follows_mediaconvert_scaling(request_size: tuple[Any, Any], scaling: str, source: tuple[int, int], expected: tuple[int, ...]) -> None:
    assert frame_size(*request_size, scaling, *source) == expected


def _settings(destination: str, outputs: list[dict[str, Any]]) -> dict[str, Any]:
    return {
        "Inputs": [{"FileInput": "s3://originals/u/v/My Pet.MOV"}],
        "OutputGroups": [{"OutputGroupSettings": {"Type": "FILE_GROUP_SETTINGS", "FileGroupSettings": {"Destination": destination}}, "Outputs": outputs}],
    }


MP4 = {"ContainerSettings": {"Container": "MP4"}, "VideoDescription": {"CodecSettings": {"Codec": "H_264", "H264Settings": {"Bitrate": 500000}}}}
JPEG = {"ContainerSettings": {"Container": "RAW"}, "VideoDescription": {"CodecSettings": {"Codec": "FRAME_CAPTURE", "FrameCaptureSettings": {"FramerateNumerator": 1, "FramerateDenominator": 5}}}}


def test_folder_destination_names_outputs_after_the_input() -> None:
    plan = build_plan(_settings("s3://out/u/v/", [{**MP4, "NameModifier": "_720p"}, {**JPEG, "NameModifier": "_thumb"}]))
    assert plan.outputs[0].uri() == "s3://out/u/v/My Pet_720p.mp4"
    assert plan.outputs[1].uri(36) == "s3://out/u/v/My Pet_thumb.0000036.jpg"


def test_destination_with_a_file_name_sets_the_base_name() -> None:
    plan = build_plan(_settings("s3://out/u/v/movie", [MP4]))
    assert plan.outputs[0].key() == "u/v/movie.mp4"


@pytest.mark.parametrize(
    ("outputs", "complaint"),
    [
        ([MP4, {**MP4, "NameModifier": "_b"}], "NameModifier is required"),
        ([{**MP4, "NameModifier": "_a"}, {**MP4, "NameModifier": "_a"}], "same file"),
        ([{**MP4, "ContainerSettings": {"Container": "RAW"}}], "FRAME_CAPTURE"),
        ([{"ContainerSettings": {"Container": "MP4"}, "VideoDescription": {"CodecSettings": {"Codec": "H_264", "H264Settings": {"RateControlMode": "QVBR"}}}}], "MaxBitrate is required"),
    ],
)
def test_inconsistent_outputs_are_bad_requests(outputs: list[dict[str, Any]], complaint: str) -> None:
    with pytest.raises(errors.BadRequestException, match=complaint):
        build_plan(_settings("s3://out/u/v/", outputs))


def test_subset_check_names_an_unsupported_member() -> None:
    request = {"Role": "r", "Settings": {"Inputs": [{"FileInput": "s3://a/b", "InputClippings": [{}]}]}}
    with pytest.raises(errors.BadRequestException, match=r"Settings\.Inputs\[0\]\.InputClippings is not supported"):
        check_supported(request)


def test_pettube_builder_job_is_within_the_supported_subset() -> None:
    transcode = pytest.importorskip("pettube.transcode")
    layout, probe = pytest.importorskip("pettube.layout"), pytest.importorskip("pettube.probe")
    original = layout.parse_original_key("us-east-1:0b6c0b9e-1111-2222-3333-444455556666/01hz3v8k9m2n4p6q8r0s2t4v6w/My Pet.mp4")
    request = transcode.build_create_job(original, "orig", "trans", "arn:aws:iam::123456789012:role/mc", "pettube", probe.SourceInfo(1280, 720, True))
    check_supported(request)
    assert len(build_plan(request["Settings"]).outputs) == len([o for g in request["Settings"]["OutputGroups"] for o in g["Outputs"]])


FFMPEG_I = """Input #0, mov,mp4,m4a,3gp,3g2,mj2, from 'phone.mp4':
  Duration: 00:00:12.34, start: 0.000000, bitrate: 785 kb/s
  Stream #0:0[0x1](und): Video: h264 (High) (avc1 / 0x31637661), yuv420p(tv, bt709, progressive), 1920x1080 [SAR 1:1 DAR 16:9], 700 kb/s, 29.97 fps, 30 tbr, 90k tbn (default)
    Side data:
      displaymatrix: rotation of -90.00 degrees
  Stream #0:1[0x2](und): Audio: aac (LC) (mp4a / 0x6134706D), 48000 Hz, stereo, fltp, 128 kb/s (default)
[in#1 @ 0x1] Error opening input: Invalid data found when processing input
"""


def test_probe_reads_size_rotation_audio_and_open_errors() -> None:
    phone, text = parse(FFMPEG_I, ["phone.mp4", "notes.mp4"])
    assert phone.duration_ms == 12340
    assert (phone.video[0].width, phone.video[0].height, phone.video[0].rotation, phone.video[0].fps) == (1080, 1920, 270, 29.97)
    assert (phone.audio[0].sample_rate, phone.audio[0].channels) == (48000, 2)
    assert text.error == "Invalid data found when processing input"


@pytest.mark.parametrize(
    ("returncode", "log", "code"),
    [
        (0, "", None),
        (0, "[in#0] stream 1, offset 0xa703: partial file", errors.SOURCE_READ_ERROR),
        (-9, "", errors.UNKNOWN_ERROR),
        (1, "Error while decoding stream #0:0: Invalid data found when processing input", errors.UNSUPPORTED_CODEC),
        (1, "[libx264] Error initializing output stream 0:0", errors.SETTINGS_ERROR),
        (1, "something else", errors.UNKNOWN_ERROR),
    ],
)
def test_ffmpeg_exit_maps_to_mediaconvert_error_codes(returncode: int, log: str, code: int | None) -> None:
    if code is None:
        classify(returncode, log)
        return
    with pytest.raises(errors.JobFailed) as failed:
        classify(returncode, log)
    assert failed.value.code == code and failed.value.message


def test_one_decode_feeds_every_output_with_split() -> None:
    plan = build_plan(_settings("s3://out/u/v/", [{**MP4, "NameModifier": "_a"}, {**MP4, "NameModifier": "_b"}, {**JPEG, "NameModifier": "_t"}]))
    single = build_commands("ffmpeg", plan, Path("in.mov"), (1280, 720), 30.0, Path("/tmp/w"), single_decode=True)
    separate = build_commands("ffmpeg", plan, Path("in.mov"), (1280, 720), 30.0, Path("/tmp/w"), single_decode=False)
    assert len(single) == 1 and single[0].count("-i") == 1
    assert "[0:v:0]split=3[s0][s1][s2]" in single[0][single[0].index("-filter_complex") + 1]
    assert len(separate) == 3 and all("split" not in " ".join(command) for command in separate)
    assert "-noautorotate" in single[0]  # MediaConvert's default Rotate is DEGREE_0


def test_progress_is_read_from_ffmpeg_progress_output() -> None:
    script = "printf 'out_time_us=1500000\\nprogress=continue\\nout_time_us=3000000\\nprogress=end\\n'"
    seen: list[float] = []
    FfmpegRun(["sh", "-c", script], 3000, seen.append).run(threading.Event(), time.monotonic() + 30)
    assert seen == [0.5, 1.0]


def test_cancel_and_deadline_stop_the_process() -> None:
    canceled = threading.Event()
    threading.Timer(0.2, canceled.set).start()
    with pytest.raises(errors.JobCanceled):
        FfmpegRun(["sleep", "30"], 1000, lambda _: None).run(canceled, time.monotonic() + 30)
    with pytest.raises(errors.JobFailed, match="time limit"):
        FfmpegRun(["sleep", "30"], 1000, lambda _: None).run(threading.Event(), time.monotonic() + 0.2)


def test_status_update_progress_has_aws_shape() -> None:
    progress = job_progress("TRANSCODING", 40, 45)
    assert progress["phaseProgress"]["PROBING"] == {"status": "COMPLETE", "percentComplete": 100}
    assert progress["phaseProgress"]["TRANSCODING"] == {"status": "PROGRESSING", "percentComplete": 40}
    assert progress["phaseProgress"]["UPLOADING"] == {"status": "PENDING", "percentComplete": 0}
    assert (progress["jobPercentComplete"], progress["currentPhase"], progress["retryCount"]) == (45, "TRANSCODING", 0)


def test_wire_names_and_timestamps_follow_the_model() -> None:
    job_shape = wire.service_model().shape_for("Job")
    created = datetime(2026, 1, 2, tzinfo=timezone.utc)
    body = wire.to_wire(job_shape, {"Id": "1-a", "CreatedAt": created, "Settings": {"OutputGroups": []}, "Timing": {"StartTime": None}})
    assert body == {"id": "1-a", "createdAt": created.timestamp(), "settings": {"outputGroups": []}, "timing": {}}
    request_shape = wire.operation("CreateJob").input_shape
    assert wire.from_wire(request_shape, {"role": "r", "settings": {"inputs": [{"fileInput": "s3://a/b"}]}}) == {"Role": "r", "Settings": {"Inputs": [{"FileInput": "s3://a/b"}]}}
    with pytest.raises(errors.BadRequestException, match="unknown member 'bogus'"):
        wire.from_wire(request_shape, {"bogus": 1})
