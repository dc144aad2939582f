"""The local cloud run as `make dev` runs it, for the tests of the library it keeps."""

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

REPO = Path(__file__).resolve().parents[2]


class Run:
    """`python -m localcloud up` in its own process, as `make dev` runs it."""

    def __init__(self, state_dir: Path) -> None:
        self.state_dir = state_dir
        self.process: subprocess.Popen[bytes] | None = None

    def env(self) -> dict[str, str]:
        return {**os.environ, "PETTUBE_STATE_DIR": str(self.state_dir), "PETTUBE_EDGE_PORT": "0",
                "PETTUBE_SITE_PORT": "0", "PETTUBE_IDP_PORT": "0"}

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
                                            stdout=subprocess.DEVNULL, stderr=errors, start_new_session=True)
        path = self.state_dir / "endpoints.json"
        # A crashed run leaves its endpoints.json behind: wait for this run's.
        wait_until(lambda: (path.exists() and path.stat().st_mtime >= launched) or self.process.poll() is not None,
                   timeout=120, message="the local cloud to start")
        assert self.process.poll() is None, f"the local cloud exited during start-up:\n{log.read_text()[-3000:]}"
        return Endpoints.read(path)

    def stop(self, sig: int = signal.SIGTERM) -> None:
        """SIGTERM: a clean stop. SIGKILL: a crash, of the whole process group (Lambda workers too)."""
        assert self.process is not None
        if sig == signal.SIGKILL:
            os.killpg(self.process.pid, sig)
        else:
            self.process.send_signal(sig)
        self.process.wait(timeout=60)


@pytest.fixture
def run(tmp_path: Path) -> Iterator[Run]:
    """A cloud on a fresh state directory, killed if a test leaves it running."""
    local = Run(tmp_path / "state")
    yield local
    if local.process and local.process.poll() is None:
        local.stop(signal.SIGKILL)


def put_library(endpoints: Endpoints, name: str) -> None:
    endpoints.client("s3").put_object(Bucket=endpoints.transcoded_bucket, Key=f"owner/{name}/720p.mp4",
                                      Body=name.encode() * 100)
    endpoints.client("dynamodb").put_item(TableName=endpoints.table, Item={
        "owner_id": {"S": "owner"}, "video_id": {"S": name}, "status": {"S": "ready"},
        "created_at": {"S": "2026-11-26T12:00:00.000Z"}})


def library(endpoints: Endpoints) -> tuple[set[str], set[str]]:
    listed = endpoints.client("s3").list_objects_v2(Bucket=endpoints.transcoded_bucket).get("Contents", [])
    items = endpoints.client("dynamodb").scan(TableName=endpoints.table)["Items"]
    return {o["Key"] for o in listed}, {i["video_id"]["S"] for i in items}
