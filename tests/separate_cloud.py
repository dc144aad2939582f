"""A local cloud in a process of its own, for tests that need other settings than the session's.

moto keeps one set of backends per process: a second cloud started inside the test process
shares the session cloud's buckets, tables, pools and functions, and what it provisions,
publishes or leaves running stays behind for every later test. In a process of its own it is
as separate as a developer's ``make dev``, and stopping it takes everything with it.

Run as ``python -m tests.separate_cloud <state-dir> <settings-json>``: it starts the cloud
(which writes ``endpoints.json`` once it is ready) and stops it on SIGTERM.
"""

from __future__ import annotations

import json
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from localcloud.cloud import LocalCloud, Ports, configure_logging
from localcloud.endpoints import Endpoints

REPO_ROOT = Path(__file__).resolve().parents[1]
# What every test cloud runs with: retries a fraction of a second apart, two transcodes at once, and
# x264's fastest preset. The tests check what a job makes and how it plays, not the picture's quality
# per bit, and with it the 1080p streaming test takes about 40 % less time (2026-12-05).
TEST_SETTINGS: dict[str, Any] = {"retry_delays": [0.2, 0.4], "mediaconvert_concurrency": 2,
                                 "mediaconvert_x264_preset": "ultrafast"}
START_TIMEOUT = 180.0  # a cold start on a loaded 2-core machine, with room to spare
STOP_TIMEOUT = 60.0


@contextmanager
def separate_cloud(state_dir: Path, settings: dict[str, Any]) -> Iterator[Endpoints]:
    """Start a cloud with ``settings`` in its own process; its endpoints while the block runs."""
    state_dir.mkdir(parents=True, exist_ok=True)
    log_path = state_dir.parent / f"{state_dir.name}.log"
    endpoints_path = state_dir / "endpoints.json"
    with log_path.open("wb") as log:
        process = subprocess.Popen([sys.executable, "-m", "tests.separate_cloud", str(state_dir),
                                    json.dumps(settings)], cwd=REPO_ROOT, stdin=subprocess.DEVNULL,
                                   stdout=log, stderr=subprocess.STDOUT)
        try:
            yield _wait_for_endpoints(process, endpoints_path, log_path)
        finally:
            _stop(process)


def _wait_for_endpoints(process: subprocess.Popen[bytes], path: Path, log_path: Path) -> Endpoints:
    deadline = time.monotonic() + START_TIMEOUT
    while not path.exists():
        if process.poll() is not None or time.monotonic() > deadline:
            outcome = f"exited with {process.returncode}" if process.returncode is not None else "is not up"
            raise RuntimeError(f"the separate local cloud {outcome}; its log ends:\n"
                               f"{log_path.read_text(errors='replace')[-4000:]}")
        time.sleep(0.1)
    return Endpoints.read(path)


def _stop(process: subprocess.Popen[bytes]) -> None:
    if process.poll() is None:
        process.send_signal(signal.SIGTERM)
    try:
        process.wait(STOP_TIMEOUT)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait()


def _serve(state_dir: Path, settings: dict[str, Any]) -> None:
    """The process's body: up until SIGTERM, then a full stop."""
    configure_logging()
    stopping = threading.Event()
    signal.signal(signal.SIGTERM, lambda signum, frame: stopping.set())
    cloud = LocalCloud(state_dir=state_dir, ports=Ports(0, 0, 0), settings=settings)
    cloud.start()
    try:
        while not stopping.wait(0.5):  # a timed wait lets the signal handler run promptly
            pass
    finally:
        cloud.stop()


if __name__ == "__main__":
    _serve(Path(sys.argv[1]), json.loads(sys.argv[2]))
