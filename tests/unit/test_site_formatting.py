"""What people read on the page: sizes, speeds, durations, time left, dates."""

from __future__ import annotations

from datetime import datetime, timezone

import pytest
from app.formatting import human_bytes, human_duration, human_speed, relative_date, time_left


@pytest.mark.parametrize(
    ("count", "text"), [(0, "0 B"), (999, "999 B"), (1500, "1.5 KB"), (12_345_678, "12.3 MB"), (512 * 10**9, "512 GB")]
)
def test_sizes_read_like_a_file_manager(count: int, text: str) -> None:
    assert human_bytes(count) == text


def test_speed_is_blank_until_measured() -> None:
    assert human_speed(None) == ""
    assert human_speed(2_500_000) == "2.5 MB/s"


@pytest.mark.parametrize(("ms", "text"), [(7_000, "0:07"), (205_400, "3:25"), (3_723_000, "1:02:03"), (None, "")])
def test_durations_read_like_a_player(ms: int | None, text: str) -> None:
    assert human_duration(ms) == text


@pytest.mark.parametrize(
    ("seconds", "text"),
    [(None, ""), (2, "a few seconds left"), (42, "40 s left"), (150, "2 min left"), (7260, "2 h 1 min left")],
)
def test_time_left_is_rounded_the_way_people_say_it(seconds: float | None, text: str) -> None:
    assert time_left(seconds) == text


def test_dates_are_relative_to_now() -> None:
    now = datetime(2026, 11, 26, 12, 0, tzinfo=timezone.utc)
    assert relative_date("2026-11-26T11:59:30.000Z", now) == "just now"
    assert relative_date("2026-11-26T11:15:00.000Z", now) == "45 min ago"
    assert relative_date("2026-11-25T10:00:00.000Z", now) == "yesterday"
    assert relative_date("2025-01-02T10:00:00.000Z", now) == "02 Jan 2025"
    assert relative_date("not a date", now) == ""
