"""The web app's pure upload decisions: refusals, S3 part limits, ids and keys the Lambdas accept."""

from __future__ import annotations

import pytest
from app.uploadplan import (
    MAX_PARTS,
    MIB,
    MIN_PART_BYTES,
    ProgressMeter,
    new_video_id,
    object_key,
    plan_parts,
    refusal,
    retry_delay,
    safe_file_name,
)
from pettube.layout import is_video_id, parse_original_key

GIB = 1024 * MIB
IDENTITY = "us-east-1:0f8fad5b-d9cb-469f-a165-70867728950e"


@pytest.mark.parametrize("size", [1, 5 * MIB - 1, 5 * MIB, 5 * MIB + 1, 300 * MIB + 7, 5 * GIB, 5 * 1024 * GIB])
def test_parts_cover_the_file_exactly_within_s3_limits(size: int) -> None:
    parts = plan_parts(size)
    assert parts[0].start == 0 and parts[-1].end == size
    assert all(a.end == b.start for a, b in zip(parts, parts[1:]))
    assert [p.number for p in parts] == list(range(1, len(parts) + 1))
    assert len(parts) <= MAX_PARTS
    assert all(p.size >= MIN_PART_BYTES for p in parts[:-1])


def test_large_files_use_bigger_parts_for_fewer_requests() -> None:
    assert plan_parts(50 * MIB)[0].size == 5 * MIB
    assert plan_parts(100 * MIB)[0].size == 16 * MIB
    assert plan_parts(2 * GIB)[0].size == 16 * MIB


def test_a_resumed_upload_keeps_its_stored_part_size() -> None:
    assert [p.size for p in plan_parts(20 * MIB, part_size=8 * MIB)] == [8 * MIB, 8 * MIB, 4 * MIB]


def test_an_empty_file_cannot_be_planned() -> None:
    with pytest.raises(ValueError):
        plan_parts(0)


@pytest.mark.parametrize(
    ("name", "content_type"),
    [("notes.txt", "text/plain"), ("cat.jpg", "image/jpeg"), ("report.pdf", "application/pdf"), ("data.bin", "")],
)
def test_obvious_non_videos_are_refused_with_a_reason(name: str, content_type: str) -> None:
    message = refusal(name, content_type, 1000, 10**9)
    assert message is not None and message.startswith("Not a video")


@pytest.mark.parametrize(
    ("name", "content_type"),
    [("clip.mp4", "video/mp4"), ("clip.MOV", ""), ("clip.mkv", "application/octet-stream"), ("x", "video/webm")],
)
def test_videos_are_accepted_even_when_the_browser_does_not_know_the_type(name: str, content_type: str) -> None:
    assert refusal(name, content_type, 1000, 10**9) is None


def test_over_size_and_empty_files_are_refused_with_the_limit() -> None:
    assert refusal("big.mp4", "video/mp4", 6 * 10**9, 5 * 10**9) == "Too large: 6.0 GB. The limit is 5.0 GB."
    assert refusal("empty.mp4", "video/mp4", 0, 5 * 10**9) == "This file is empty."


def test_video_ids_are_what_the_upload_lambda_accepts_and_sort_by_time() -> None:
    early = new_video_id(now_ms=1_700_000_000_000, entropy=b"\xff" * 10)
    late = new_video_id(now_ms=1_700_000_000_001, entropy=b"\x00" * 10)
    assert len(early) == 26 and early == early.lower()
    assert is_video_id(early) and is_video_id(new_video_id())
    assert early < late
    assert new_video_id() != new_video_id()


def test_the_key_is_parsed_back_by_the_lambdas_into_owner_video_and_name() -> None:
    video_id = new_video_id()
    parsed = parse_original_key(object_key(IDENTITY, video_id, "Rex at the beach (1).mp4"))
    assert (parsed.owner_id, parsed.video_id, parsed.file_name) == (IDENTITY, video_id, "Rex at the beach (1).mp4")


def test_file_names_cannot_escape_their_folder_and_stay_bounded() -> None:
    assert safe_file_name("../../etc/passwd") == ".._.._etc_passwd"
    assert safe_file_name("a\\b\x00c.mp4") == "a_b_c.mp4"
    long_name = "ü" * 300 + ".mp4"
    shortened = safe_file_name(long_name)
    assert shortened.endswith(".mp4") and len(shortened.encode()) <= 200


def test_speed_and_time_left_follow_the_recent_rate() -> None:
    meter = ProgressMeter(total=100 * MIB)
    meter.record(0, now=0.0)
    assert meter.speed is None and meter.seconds_left is None
    for second in range(1, 11):
        meter.record(second * MIB, now=float(second))
    assert meter.speed == pytest.approx(MIB)
    assert meter.seconds_left == pytest.approx(90)
    assert meter.percent == 10
    for second in range(11, 16):  # the connection got faster: the window forgets the slow start
        meter.record(10 * MIB + (second - 10) * 4 * MIB, now=float(second))
    assert meter.speed == pytest.approx(4 * MIB, rel=0.3)


def test_percent_reaches_100_only_when_every_byte_is_sent() -> None:
    meter = ProgressMeter(total=1000)
    meter.record(999, now=1.0)
    assert meter.percent == 99
    meter.record(1000, now=2.0)
    assert meter.percent == 100


def test_retry_delays_grow_then_stop_growing() -> None:
    delays = [retry_delay(attempt, jitter=0.5) for attempt in range(1, 9)]
    assert delays[:4] == [1.0, 2.0, 4.0, 8.0]
    assert max(delays) == 20.0
