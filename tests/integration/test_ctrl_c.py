"""Ctrl-C on `make dev` stops PetTube's local cloud quietly and leaves no process behind."""

from __future__ import annotations

import contextlib
import os
import signal
import stat
import subprocess
import sys
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import imageio_ffmpeg
import pytest

from localcloud.endpoints import Endpoints

pytestmark = [pytest.mark.slow,
              pytest.mark.skipif(not Path("/proc/self/stat").exists(), reason="reads the process tree in /proc")]
REPO = Path(__file__).resolve().parents[2]
OWNER = "us-east-1:5b7e1c2a-0d3f-4e6a-9b8c-7d6e5f4a3b2c"


@dataclass(frozen=True)
class Proc:
    """One process, told apart from a later one that reuses its pid by its start time."""

    pid: int
    parent: int
    group: int
    started: int
    ended: bool  # a zombie: it has exited, only its parent has not collected it yet

    @property
    def alive(self) -> bool:
        now = _proc(self.pid)
        return now is not None and now.started == self.started and not now.ended

    @property
    def command(self) -> str:
        try:
            return Path(f"/proc/{self.pid}/cmdline").read_bytes().replace(b"\0", b" ").decode(errors="replace")
        except OSError:
            return ""


def _proc(pid: int) -> Proc | None:
    """The process from /proc/<pid>/stat, or None once it is gone."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except (OSError, IndexError):
        return None
    return Proc(pid, parent=int(fields[1]), group=int(fields[2]), started=int(fields[19]), ended=fields[0] == "Z")


def _living() -> list[Proc]:
    found = (_proc(int(entry.name)) for entry in Path("/proc").iterdir() if entry.name.isdigit())
    return [proc for proc in found if proc is not None and not proc.ended]


def _descendants(root: int) -> list[Proc]:
    """Every living process below ``root``, whatever process group it chose."""
    living = _living()
    below, parents = [], {root}
    while True:
        found = [proc for proc in living if proc.parent in parents and proc not in below]
        if not found:
            return below
        below += found
        parents = {proc.pid for proc in found}


def _group(pgid: int) -> list[Proc]:
    return [proc for proc in _living() if proc.group == pgid]


def _clip(path: Path, seconds: int) -> bytes:
    """A small test clip; the pipeline's ffmpeg reads it in real time, so its job runs for ``seconds``."""
    subprocess.run([imageio_ffmpeg.get_ffmpeg_exe(), "-v", "error", "-f", "lavfi", "-i",
                    f"testsrc2=size=320x180:rate=10:duration={seconds}", "-c:v", "libx264", "-preset",
                    "ultrafast", str(path)], check=True)
    return path.read_bytes()


def _real_time_ffmpeg(directory: Path) -> Path:
    """An ffmpeg that reads its input at the input's own frame rate (-re): a job long enough to catch."""
    wrapper = directory / "ffmpeg"
    wrapper.write_text(f'#!/bin/sh\nexec "{imageio_ffmpeg.get_ffmpeg_exe()}" -re "$@"\n')
    wrapper.chmod(wrapper.stat().st_mode | stat.S_IXUSR)
    return wrapper


def _ctrl_c_not_ignored() -> None:
    signal.signal(signal.SIGINT, signal.SIG_DFL)


class Dev:
    """`python -m localcloud up` as `make dev` runs it: a process group of its own, like a terminal's foreground job."""

    def __init__(self, directory: Path) -> None:
        self.directory = directory
        self.state_dir = directory / "state"
        self.endpoints_path = self.state_dir / "endpoints.json"
        self.launched: list[subprocess.Popen[str]] = []
        self.logs: list[Path] = []

    @property
    def process(self) -> subprocess.Popen[str]:
        return self.launched[-1]

    def launch(self) -> subprocess.Popen[str]:
        run = len(self.launched)
        self.logs = [self.directory / f"run{run}.stdout", self.directory / f"run{run}.stderr"]
        env = {**os.environ, "PETTUBE_STATE_DIR": str(self.state_dir), "PETTUBE_EDGE_PORT": "0",
               "PETTUBE_SITE_PORT": "0", "PETTUBE_IDP_PORT": "0",
               "PETTUBE_FFMPEG": str(_real_time_ffmpeg(self.directory))}
        with open(self.logs[0], "w") as stdout, open(self.logs[1], "w") as stderr:
            # As `make dev` in a terminal's foreground: Ctrl-C not ignored, even when the tests themselves run
            # as a background job (which starts with SIGINT ignored, and so would every child).
            self.launched.append(subprocess.Popen([sys.executable, "-m", "localcloud", "up"], cwd=REPO, env=env,
                                                  text=True, stdout=stdout, stderr=stderr, process_group=0,
                                                  preexec_fn=_ctrl_c_not_ignored))
        return self.process

    def start(self, wait_until: Callable[..., Any]) -> Endpoints:
        process = self.launch()
        wait_until(lambda: self.endpoints_path.exists() or process.poll() is not None, timeout=120,
                   message="the local cloud to start")
        assert process.poll() is None, self.output()
        return Endpoints.read(self.endpoints_path)

    def ctrl_c(self) -> str:
        """Press Ctrl-C as a terminal does (SIGINT to the whole foreground group); what it printed then."""
        before = [log.stat().st_size for log in self.logs]
        os.killpg(self.process.pid, signal.SIGINT)
        self.process.wait(timeout=120)  # a guard against a hang, not a measure of speed
        return self.output(since=before)

    def output(self, since: list[int] | None = None) -> str:
        """What the last run printed (from the given offsets of stdout and stderr on)."""
        return "".join(log.read_bytes()[start:].decode(errors="replace")
                       for log, start in zip(self.logs, since or [0, 0]))

    def kill_everything(self) -> None:
        for process in self.launched:
            for proc in _descendants(process.pid) + _group(process.pid):
                with contextlib.suppress(ProcessLookupError):
                    os.kill(proc.pid, signal.SIGKILL)
            process.kill()
            process.wait()


@pytest.fixture
def dev(tmp_path: Path) -> Iterator[Dev]:
    local = Dev(tmp_path)
    yield local
    local.kill_everything()  # whatever a failed test left running


def _assert_quiet(output: str) -> None:
    assert "KeyboardInterrupt" not in output, output
    # A function's own error is logged with its traceback (its CloudWatch log on AWS); nothing else may be.
    assert not [line for line in output.splitlines() if "Traceback" in line and " lambda." not in line], output


def _status(endpoints: Endpoints, video_id: str) -> str | None:
    item = endpoints.client("dynamodb").get_item(TableName=endpoints.table, ConsistentRead=True, Key={
        "owner_id": {"S": OWNER}, "video_id": {"S": video_id}}).get("Item")
    return item["status"]["S"] if item else None


def test_ctrl_c_stops_everything_quietly_and_an_interrupted_transcode_comes_back_canceled(
        dev: Dev, tmp_path: Path, wait_until: Callable[..., Any]) -> None:
    endpoints = dev.start(wait_until)
    video_id = "01jcctrlc0000000000000000a"
    # An upload runs the upload function (a Lambda worker process), which starts a transcode (ffmpeg).
    endpoints.client("s3").put_object(Bucket=endpoints.originals_bucket, Key=f"{OWNER}/{video_id}/cat.mp4",
                                      Body=_clip(tmp_path / "clip.mp4", seconds=60), ContentType="video/mp4")

    def worker_and_transcode() -> list[Proc]:
        running = _descendants(dev.process.pid)
        commands = [proc.command for proc in running]
        worker = any("lambdaruntime.bootstrap" in command for command in commands)
        transcode = any(" -re " in command and " -progress " in command for command in commands)
        return running if worker and transcode else []

    running = wait_until(worker_and_transcode, timeout=120, message="a Lambda worker and a transcode to run")
    output = dev.ctrl_c()

    assert dev.process.returncode == 0, output
    _assert_quiet(output)
    assert "Stopping PetTube's local cloud" in output
    assert not [proc.command for proc in running if proc.alive]
    assert not _group(dev.process.pid)
    assert not dev.endpoints_path.exists()  # a clean stop removes it

    # The stop canceled the job (ffmpeg did not quit on the Ctrl-C by itself, which reads as a bad source).
    endpoints = dev.start(wait_until)
    final = wait_until(lambda: (status := _status(endpoints, video_id)) not in (None, "uploaded", "processing")
                       and status, timeout=120, message="the interrupted job's last event")
    assert final == "canceled"


def test_ctrl_c_while_starting_stops_quietly_and_leaves_nothing_behind(
        dev: Dev, wait_until: Callable[..., Any]) -> None:
    process = dev.launch()
    # The admin credentials are written once the ports are bound, seconds before the cloud is up.
    wait_until(lambda: (dev.state_dir / "admin-credentials.json").exists() or process.poll() is not None,
               timeout=120, message="the start to be under way")
    output = dev.ctrl_c()

    _assert_quiet(output)
    assert process.returncode in (0, 130), output  # 0 when the start was done before the signal came
    assert not _group(process.pid)
    assert not dev.endpoints_path.exists()
