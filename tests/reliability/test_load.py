"""Load, scaled down for `make test`: several users uploading at once through the real flow (bench/load.py runs 10 x 5)."""

from __future__ import annotations

import statistics
from collections.abc import Callable
from pathlib import Path

import pytest

from bench.load import percentile, run_load
from localcloud.endpoints import Endpoints

pytestmark = pytest.mark.slow


def test_three_users_uploading_two_clips_each_at_once_all_end_ready_once(
        local_cloud: Endpoints, tmp_path: Path, observed: Callable[[str], None]) -> None:
    """3 users x 2 clips uploaded at once (identity exchange, multipart, pipeline), MyMedia called throughout"""
    result = run_load(local_cloud, users=3, clips_per_user=2, workdir=tmp_path, timeout=240)

    observed(f"{len(result.final)} videos, final states {result.statuses}, "
             f"all settled {result.seconds_to_all_settled:.1f} s after the first upload")
    observed(f"MyMedia p50/p95 idle {statistics.median(result.idle_ms):.0f}/{percentile(result.idle_ms, 0.95):.0f} ms, "
             f"during load {statistics.median(result.busy_ms):.0f}/{percentile(result.busy_ms, 0.95):.0f} ms "
             f"over {len(result.busy_ms)} calls, statuses {sorted(set(result.busy_statuses))}")
    assert result.statuses == {"ready": 6}, result.final
    assert set(result.jobs_per_video.values()) == {1}, "every upload makes exactly one transcoding job"
    for owner, uploaded in result.uploaded.items():
        assert sorted(result.listed[owner]) == sorted(uploaded), "each user sees exactly their own videos, once"
    assert result.busy_ms and set(result.busy_statuses) == {200}, "MyMedia answered every call during the load"
    observed("one record and one MediaConvert job per upload; each user's MyMedia lists exactly their 2 videos")
