"""A developer's library survives restarts of `make dev`, clean or not."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
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

    def env(self) -> dict[str, str]:
        return {**os.environ, "PETTUBE_STATE_DIR": str(self.state_dir), "PETTUBE_EDGE_PORT": "0",
                "PETTUBE_SITE_PORT": "0", "PETTUBE_IDP_PORT": "0", "PETTUBE_AUTOSAVE_SECONDS": "0.5"}

    def command(self, *args: str) -> subprocess.CompletedProcess[str]:
        """Another `python -m localcloud` command on this state directory."""
        return subprocess.run([sys.executable, "-m", "localcloud", *args], cwd=REPO, env=self.env(),
                              capture_output=True, text=True, timeout=300)

    def refused(self, *args: str) -> str:
        """A command that must refuse (by default, starting the cloud); its error output."""
        done = self.command(*(args or ("up",)))
        assert done.returncode == 2, done.stderr
        return done.stderr

    def start(self, wait_until) -> Endpoints:
        launched = time.time()
        log = self.state_dir.with_name(self.state_dir.name + ".log")
        with open(log, "ab") as errors:
            self.process = subprocess.Popen([sys.executable, "-m", "localcloud", "up"], cwd=REPO, env=self.env(),
                                            stdout=subprocess.DEVNULL, stderr=errors)
        path = self.state_dir / "endpoints.json"
        # A crashed run leaves its endpoints.json behind: wait for this run's.
        wait_until(lambda: (path.exists() and path.stat().st_mtime >= launched) or self.process.poll() is not None,
                   timeout=120, message="the local cloud to start")
        assert self.process.poll() is None, f"the local cloud exited during start-up:\n{log.read_text()[-3000:]}"
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


def test_an_unreadable_library_is_kept_and_the_start_says_what_to_do(run: Run) -> None:
    saved = run.state_dir / "moto-state.pickle"
    saved.parent.mkdir(parents=True)
    damaged = b"\x80\x05 half of a library, then the disk filled up"
    saved.write_bytes(damaged)

    error = run.refused()

    assert saved.read_bytes() == damaged
    assert str(saved) in error and "cannot be read" in error
    assert "localcloud restore" in error and "PETTUBE_STATE_DIR" in error


def test_a_second_cloud_on_the_same_library_refuses_to_start(run: Run, wait_until) -> None:
    endpoints = run.start(wait_until)
    _put_library(endpoints, "first-cloud")

    error = run.refused()

    assert "another local cloud is using" in error and str(run.state_dir) in error
    assert (run.state_dir / "endpoints.json").exists()  # the running cloud's, left in place
    keys, videos = _library(endpoints)
    assert "owner/first-cloud/720p.mp4" in keys and "first-cloud" in videos


def test_a_backup_taken_while_the_cloud_runs_restores_the_whole_library(run: Run, wait_until, tmp_path: Path) -> None:
    endpoints = run.start(wait_until)
    _put_library(endpoints, "backed-up")
    wait_until(lambda: (run.state_dir / "moto-state.pickle").exists(), message="the autosave")
    backup = tmp_path / "backup"
    with ThreadPoolExecutor(1) as uploads:  # the library keeps changing (and saving) during the copy
        busy = uploads.submit(lambda: [_put_library(endpoints, f"meanwhile-{n}") for n in range(20)])
        done = run.command("backup", str(backup))
        busy.result()
    assert done.returncode == 0, done.stderr
    run.stop(signal.SIGKILL)

    restored = Run(tmp_path / "restored")
    assert restored.command("restore", str(backup)).returncode == 0
    endpoints_after = restored.start(wait_until)
    try:
        keys, videos = _library(endpoints_after)
        assert "owner/backed-up/720p.mp4" in keys and "backed-up" in videos
        body = endpoints_after.client("s3").get_object(Bucket=endpoints_after.transcoded_bucket,
                                                       Key="owner/backed-up/720p.mp4")["Body"].read()
        assert body == b"backed-up" * 100
        assert endpoints_after.user_pool_id == endpoints.user_pool_id
        assert endpoints_after.admin_access_key_id == endpoints.admin_access_key_id
        assert (restored.state_dir / "admin-credentials.json").stat().st_mode & 0o077 == 0
    finally:
        restored.stop(signal.SIGKILL)


def test_restore_never_writes_over_a_running_or_existing_library(run: Run, wait_until, tmp_path: Path) -> None:
    endpoints = run.start(wait_until)
    _put_library(endpoints, "current")
    backup = tmp_path / "backup"
    assert run.command("backup", str(backup)).returncode == 0

    assert "a local cloud is running on" in run.refused("restore", str(backup))
    run.stop(signal.SIGTERM)
    library = {path: path.read_bytes() for path in run.state_dir.rglob("*") if path.is_file()}
    assert "already holds a library" in run.refused("restore", str(backup))
    assert {path: path.read_bytes() for path in run.state_dir.rglob("*") if path.is_file()} == library


def test_a_damaged_backup_restores_nothing(run: Run, wait_until, tmp_path: Path) -> None:
    _put_library(run.start(wait_until), "precious")
    backup = tmp_path / "backup"
    assert run.command("backup", str(backup)).returncode == 0
    run.stop(signal.SIGTERM)
    saved = backup / "moto-state.pickle"
    saved.write_bytes(saved.read_bytes()[:-10])

    empty = Run(tmp_path / "elsewhere")
    assert "is damaged" in empty.refused("restore", str(backup))
    assert not (empty.state_dir / "moto-state.pickle").exists()
