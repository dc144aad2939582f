"""Local cloud start-up and event-to-handler latency.

    python -m bench.localcloud_latency [--runs 5] [--events 40] [--no-write]

Start-up: `python -m localcloud up` in a fresh process until endpoints.json
appears (after a warm install), against the bare floor of starting Python and
importing boto3 in the same run; then its stop, SIGTERM (as Ctrl-C) until the
process has exited, against the same floor. Event latency: from the PutObject call to the
upload handler's first line, against the PutObject round trip alone.
Goals: ready in under 3 s, event-to-handler under 100 ms.
"""

from __future__ import annotations

import json
import os
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import NamedTuple
from urllib.parse import quote_plus

from bench.report import Run, argument_parser, publish

REPO = Path(__file__).resolve().parents[1]
HEADING = "## Local cloud start-up and event latency"


def free_ports() -> dict[str, str]:
    """Ports for the edge, the site and the Google stand-in, free now. Every start of a run uses the same
    ones, as every `make dev` uses its defaults (4566, 8080, 8090), which a running `make dev` would hold."""
    ports = {}
    for role in ("EDGE", "SITE", "IDP"):
        with socket.socket() as probe:
            probe.bind(("127.0.0.1", 0))
            ports[f"PETTUBE_{role}_PORT"] = str(probe.getsockname()[1])
    return ports


class Startup(NamedTuple):
    """One start of `python -m localcloud up`: seconds to endpoints.json, and the cloud process's RSS then
    (with ``every_bucket_read``: seconds until a request to each bucket was answered, and the RSS after);
    then its stop."""

    seconds: float
    rss_mb: float
    stopped: float  # seconds from SIGTERM (Ctrl-C's clean stop) until the process has exited
    buckets_read: float | None = None


def _read_every_bucket(endpoints_path: Path) -> None:
    """HEAD a key in every bucket, through the edge: answered once the bucket's objects are loaded."""
    import boto3
    from botocore.exceptions import ClientError

    endpoints = json.loads(endpoints_path.read_text())
    s3 = boto3.client("s3", region_name=endpoints["region"], endpoint_url=endpoints["aws"],
                      aws_access_key_id=endpoints["admin_access_key_id"],
                      aws_secret_access_key=endpoints["admin_secret_access_key"])
    for bucket in s3.list_buckets()["Buckets"]:
        try:
            s3.head_object(Bucket=bucket["Name"], Key="bench/no-such-object")
        except ClientError as exc:
            if exc.response["Error"]["Code"] != "404":
                raise


def startup_once(state_dir: Path, ports: dict[str, str], code: Path = REPO, *,
                 every_bucket_read: bool = False) -> Startup:
    """`python -m localcloud up` on ``state_dir`` and ``ports`` until endpoints.json appears
    (``code``: another checkout); with ``every_bucket_read``, then until every bucket answers."""
    env = {**os.environ, **ports, "PETTUBE_STATE_DIR": str(state_dir),
           "PYTHONPATH": f"{code / 'infra'}{os.pathsep}{code}"}
    endpoints = state_dir / "endpoints.json"
    endpoints.unlink(missing_ok=True)
    started = time.perf_counter()
    process = subprocess.Popen([sys.executable, "-m", "localcloud", "up"], env=env, cwd=code,
                               stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        while not endpoints.exists():
            if process.poll() is not None:
                raise RuntimeError(f"the local cloud of {code} exited during start-up")
            time.sleep(0.01)
        up = time.perf_counter() - started
        buckets_read = None
        if every_bucket_read:
            _read_every_bucket(endpoints)
            buckets_read = time.perf_counter() - started
        rss = rss_mb(process.pid)
    except BaseException:
        process.kill()
        process.wait(timeout=30)
        raise
    asked = time.perf_counter()
    process.terminate()
    process.wait(timeout=30)
    return Startup(up, rss, time.perf_counter() - asked, buckets_read)


def rss_mb(pid: int | str = "self") -> float:
    """A process's resident memory (Linux's /proc), in MB."""
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    raise RuntimeError("no VmRSS in /proc: RSS is measured on Linux")


def floor_once() -> float:
    started = time.perf_counter()
    subprocess.run([sys.executable, "-c", "import boto3"], check=True)
    return time.perf_counter() - started


def event_latency(events: int) -> tuple[list[float], list[float]]:
    from localcloud.cloud import LocalCloud, Ports

    with tempfile.TemporaryDirectory() as state, tempfile.TemporaryDirectory() as stamps:
        cloud = LocalCloud(state_dir=Path(state), ports=Ports(0, 0, 0), settings={})
        endpoints = cloud.start()
        spec = cloud.runtime.stack.functions["UploadFunction"]
        cloud.runtime.update_function("UploadFunction", handler="stamp.handler", environment={
            **spec.environment, "PYTHONPATH": str(REPO / "bench" / "handlers"), "STAMP_DIR": stamps})
        s3 = endpoints.client("s3")
        latencies, round_trips = [], []
        try:
            for i in range(events + 3):  # the first events warm the worker up
                key = f"us-east-1:bench/{i}/clip {i}.mp4"
                before = time.time()
                s3.put_object(Bucket=endpoints.originals_bucket, Key=key, Body=b"\0" * 1024)
                after = time.time()
                wanted = quote_plus(key, safe="/")
                while True:
                    found = [json.loads(p.read_text()) for p in Path(stamps).glob("*.json")]
                    hit = [f for f in found if f["key"] == wanted]
                    if hit:
                        break
                    time.sleep(0.001)
                if i >= 3:
                    latencies.append(hit[0]["started"] - before)
                    round_trips.append(after - before)
        finally:
            cloud.stop()
    return latencies, round_trips


def p95(values: list[float]) -> float:
    return sorted(values)[max(0, int(len(values) * 0.95) - 1)]


def main() -> None:
    parser = argument_parser(__doc__)
    parser.add_argument("--runs", type=int, default=5, help="start-ups (and as many bare boto3 imports)")
    parser.add_argument("--events", type=int, default=40, help="PutObject events timed to the upload handler")
    args = parser.parse_args()
    run = Run.start()
    with tempfile.TemporaryDirectory() as state:
        startups, stops, floors, ports = [], [], [], free_ports()
        for _ in range(args.runs):  # alternate, so machine noise hits both alike
            floors.append(floor_once())
            startup = startup_once(Path(state), ports)
            startups.append(startup.seconds)
            stops.append(startup.stopped)
    latencies, round_trips = event_latency(args.events)
    ms = lambda v: f"{v * 1000:.0f} ms"  # noqa: E731
    rows = [
        "| measure | median | p95 | baseline (same run) | ratio |",
        "|---|---|---|---|---|",
        f"| start-up to endpoints.json (warm install), {args.runs} runs | {statistics.median(startups):.2f} s | "
        f"{max(startups):.2f} s (max) | `python -c 'import boto3'`: {statistics.median(floors):.2f} s | "
        f"{statistics.median(startups) / statistics.median(floors):.1f}x |",
        f"| stop: SIGTERM (Ctrl-C) until the process has exited, {args.runs} runs | "
        f"{statistics.median(stops):.2f} s | {max(stops):.2f} s (max) | the same: {statistics.median(floors):.2f} s | "
        f"{statistics.median(stops) / statistics.median(floors):.1f}x |",
        f"| PutObject -> upload handler starts, {args.events} events | {ms(statistics.median(latencies))} | "
        f"{ms(p95(latencies))} | PutObject round trip: {ms(statistics.median(round_trips))} | "
        f"{statistics.median(latencies) / statistics.median(round_trips):.1f}x |",
    ]
    publish(HEADING, "One run; the ratio is what to compare across machines. Goals: ready under 3 s; event to "
                     "handler under 100 ms.\n\n" + "\n".join(rows), run, write=not args.no_write)


if __name__ == "__main__":
    main()
