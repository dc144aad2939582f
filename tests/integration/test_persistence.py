"""A developer's library survives restarts of `make dev`, clean or not."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from localcloud.endpoints import Endpoints

pytestmark = pytest.mark.slow
REPO = Path(__file__).resolve().parents[2]


class Run:
    """`python -m localcloud up` in its own process, as `make dev` runs it."""

    def __init__(self, state_dir: Path) -> None:
        self.state_dir = state_dir
        self.process: subprocess.Popen[bytes] | None = None

    def start(self, wait_until) -> Endpoints:
        env = {**os.environ, "PETTUBE_STATE_DIR": str(self.state_dir), "PETTUBE_EDGE_PORT": "0",
               "PETTUBE_SITE_PORT": "0", "PETTUBE_IDP_PORT": "0", "PETTUBE_AUTOSAVE_SECONDS": "0.5"}
        launched = time.time()
        self.process = subprocess.Popen([sys.executable, "-m", "localcloud", "up"], cwd=REPO, env=env,
                                        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        path = self.state_dir / "endpoints.json"
        # A crashed run leaves its endpoints.json behind: wait for this run's.
        wait_until(lambda: (path.exists() and path.stat().st_mtime >= launched) or self.process.poll() is not None,
                   timeout=120, message="the local cloud to start")
        assert self.process.poll() is None, "the local cloud exited during start-up"
        return Endpoints.read(path)

    def stop(self, sig: int = signal.SIGTERM) -> None:
        assert self.process is not None
        self.process.send_signal(sig)
        self.process.wait(timeout=60)


@pytest.fixture
def run(tmp_path: Path) -> Iterator[Run]:
    local = Run(tmp_path / "state")
    yield local
    if local.process and local.process.poll() is None:
        local.stop(signal.SIGKILL)


def _put_library(endpoints: Endpoints, name: str) -> None:
    endpoints.client("s3").put_object(Bucket=endpoints.transcoded_bucket, Key=f"owner/{name}/720p.mp4",
                                      Body=name.encode() * 100)
    endpoints.client("dynamodb").put_item(TableName=endpoints.table, Item={
        "owner_id": {"S": "owner"}, "video_id": {"S": name}, "status": {"S": "ready"},
        "created_at": {"S": "2026-11-26T12:00:00.000Z"}})


def _library(endpoints: Endpoints) -> tuple[set[str], set[str]]:
    listed = endpoints.client("s3").list_objects_v2(Bucket=endpoints.transcoded_bucket).get("Contents", [])
    items = endpoints.client("dynamodb").scan(TableName=endpoints.table)["Items"]
    return {o["Key"] for o in listed}, {i["video_id"]["S"] for i in items}


def test_a_clean_restart_keeps_every_object_and_record(run: Run, wait_until) -> None:
    endpoints = run.start(wait_until)
    _put_library(endpoints, "kept-video")
    run.stop(signal.SIGTERM)
    assert not (run.state_dir / "endpoints.json").exists()  # removed on a clean stop

    endpoints = run.start(wait_until)
    keys, videos = _library(endpoints)
    assert "owner/kept-video/720p.mp4" in keys and "kept-video" in videos
    body = endpoints.client("s3").get_object(Bucket=endpoints.transcoded_bucket, Key="owner/kept-video/720p.mp4")
    assert body["Body"].read() == b"kept-video" * 100
    assert endpoints.user_pool_id  # the user pool (and its users) came back with the same id


def test_a_crash_loses_at_most_the_last_moments(run: Run, wait_until) -> None:
    endpoints = run.start(wait_until)
    _put_library(endpoints, "before-crash")
    saved = run.state_dir / "moto-state.pickle"
    mtime = saved.stat().st_mtime if saved.exists() else 0
    wait_until(lambda: saved.exists() and saved.stat().st_mtime > mtime, message="the autosave")
    time.sleep(0.6)  # let an autosave that started before the put finish too
    run.stop(signal.SIGKILL)

    endpoints = run.start(wait_until)
    keys, videos = _library(endpoints)
    assert "owner/before-crash/720p.mp4" in keys and "before-crash" in videos
