"""Load: N users each uploading M short clips at once through the real flow, MyMedia measured meanwhile.

Every user signs in through the identity pool (a fresh user-pool account each),
uploads their clips with multipart uploads under their own prefix, all users at
once; the pipeline (upload Lambda, local MediaConvert, job-state Lambda) runs as
it always does. While it works, one user's MyMedia listing is called
continuously (signed, through the local API Gateway). Figures: time from the
first upload to the last video ready, MyMedia p50/p95/p99 during the load
against an idle baseline measured just before it in the same run, and the
invariants (every video ready, one record and one job per upload).

    python -m bench.load [--users 10] [--clips 5] [--no-write]

The reliability suite runs a scaled-down ``run_load`` with the same checks.
"""

from __future__ import annotations

import statistics
import tempfile
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from localcloud.endpoints import Endpoints
from tests.reliability.rel_actors import User, clip, pool_user, settled, video_id

HEADING = "## Load"
IDLE_CALLS = 20


@dataclass
class LoadResult:
    """What a load run saw."""

    users: int
    clips_per_user: int
    uploaded: dict[str, list[str]]  # identity id -> video ids
    final: dict[tuple[str, str], dict[str, Any] | None]  # (owner, video) -> last record seen
    listed: dict[str, list[str]]  # identity id -> video ids MyMedia returned at the end
    jobs_per_video: dict[str, int]
    seconds_to_all_settled: float
    idle_ms: list[float]
    busy_ms: list[float]
    busy_statuses: list[int] = field(default_factory=list)

    @property
    def statuses(self) -> dict[str, int]:
        """How many videos ended in each status."""
        counts: dict[str, int] = {}
        for item in self.final.values():
            status = item["status"] if item else "missing"
            counts[status] = counts.get(status, 0) + 1
        return counts


def percentile(values: list[float], share: float) -> float:
    """Nearest-rank percentile (no interpolation: the figure is a real measured call)."""
    ordered = sorted(values)
    return ordered[max(0, min(len(ordered) - 1, round(share * len(ordered)) - 1))]


def _timed_list(user: User) -> tuple[float, int]:
    started = time.perf_counter()
    status = user.api("GET", "/media").status_code
    return (time.perf_counter() - started) * 1000, status


def run_load(cloud: Endpoints, users: int, clips_per_user: int, workdir: Path,
             timeout: float = 600.0) -> LoadResult:
    """Sign in ``users`` users, upload all clips at once, wait for every video to settle, measure MyMedia."""
    people = [pool_user(cloud, f"load{n}") for n in range(users)]
    sources = [clip(workdir / f"clip{n}.mp4", size="160x120", seconds=1 + n % 2) for n in range(clips_per_user)]
    watcher = people[0]
    idle = [_timed_list(watcher) for _ in range(IDLE_CALLS)]

    uploads = [(person, video_id(), n) for person in people for n in range(clips_per_user)]
    busy: list[tuple[float, int]] = []
    stop = threading.Event()

    def watch() -> None:
        while not stop.is_set():
            busy.append(_timed_list(watcher))

    monitor = threading.Thread(target=watch, name="mymedia-watch", daemon=True)
    started = time.perf_counter()
    monitor.start()
    with ThreadPoolExecutor(max_workers=len(uploads)) as pool:
        list(pool.map(lambda u: u[0].upload(u[1], f"pet clip {u[2]}.mp4", sources[u[2]]), uploads))
    final: dict[tuple[str, str], dict[str, Any] | None] = {}
    deadline = time.monotonic() + timeout
    pending = {(p.identity_id, vid) for p, vid, _ in uploads}
    while pending and time.monotonic() < deadline:
        for key in sorted(pending):
            item = settled(cloud, *key)
            if item:
                final[key] = item
                pending.discard(key)
        time.sleep(0.2)
    elapsed = time.perf_counter() - started
    stop.set()
    monitor.join()
    for key in pending:
        final[key] = None
    return LoadResult(
        users=users, clips_per_user=clips_per_user,
        uploaded={p.identity_id: [vid for q, vid, _ in uploads if q is p] for p in people},
        final=final, listed={p.identity_id: _listed_ids(p) for p in people},
        jobs_per_video=_jobs_per_video(cloud, {vid for _, vid, _ in uploads}),
        seconds_to_all_settled=elapsed, idle_ms=[ms for ms, _ in idle], busy_ms=[ms for ms, _ in busy],
        busy_statuses=[status for _, status in busy])


def _listed_ids(user: User) -> list[str]:
    ids, cursor = [], None
    while True:
        reply = user.api("GET", "/media", {"limit": "100", **({"cursor": cursor} if cursor else {})}).json()
        ids += [v["id"] for v in reply["videos"]]
        cursor = reply["next_cursor"]
        if not cursor:
            return ids


def _jobs_per_video(cloud: Endpoints, video_ids: set[str]) -> dict[str, int]:
    """How many MediaConvert jobs name each video in their UserMetadata (duplicates would show as 2+)."""
    counts = dict.fromkeys(video_ids, 0)
    mediaconvert = cloud.client("mediaconvert")
    token = None
    while True:
        page = mediaconvert.list_jobs(MaxResults=20, **({"NextToken": token} if token else {}))
        for job in page["Jobs"]:
            vid = job.get("UserMetadata", {}).get("video_id")
            if vid in counts:
                counts[vid] += 1
        token = page.get("NextToken")
        if not token:
            return counts


def summary(result: LoadResult) -> list[str]:
    """The figures, one line each, as printed and as written to docs/benchmarks.md."""
    idle50, busy50 = statistics.median(result.idle_ms), statistics.median(result.busy_ms)
    return [
        f"{result.users} users x {result.clips_per_user} clips = {len(result.final)} videos; "
        f"final states {result.statuses}; jobs per video {sorted(set(result.jobs_per_video.values()))}",
        f"time from first upload to every video settled: {result.seconds_to_all_settled:.1f} s",
        f"MyMedia GET /media idle ({len(result.idle_ms)} calls): p50 {idle50:.0f} ms, "
        f"p95 {percentile(result.idle_ms, 0.95):.0f} ms, p99 {percentile(result.idle_ms, 0.99):.0f} ms",
        f"MyMedia GET /media during load ({len(result.busy_ms)} calls, statuses "
        f"{sorted(set(result.busy_statuses))}): p50 {busy50:.0f} ms, p95 {percentile(result.busy_ms, 0.95):.0f} ms, "
        f"p99 {percentile(result.busy_ms, 0.99):.0f} ms; p50 ratio load/idle {busy50 / idle50:.1f}x",
    ]


def main() -> int:
    from bench.report import Run, argument_parser, publish
    from localcloud.cloud import LocalCloud, Ports

    parser = argument_parser(__doc__)
    parser.add_argument("--users", type=int, default=10, help="users signing in and uploading at once")
    parser.add_argument("--clips", type=int, default=5, help="short clips each user uploads")
    args = parser.parse_args()
    run = Run.start()
    with tempfile.TemporaryDirectory(prefix="pettube-load-") as tmp:
        cloud = LocalCloud(state_dir=Path(tmp) / "state", ports=Ports(0, 0, 0), settings={"persist": False})
        endpoints = cloud.start()
        try:
            result = run_load(endpoints, args.users, args.clips, Path(tmp))
        finally:
            cloud.stop()
    publish(HEADING, "On the local cloud (defaults: MediaConvert concurrency half the CPUs, up to a warm Lambda "
                     "environment per CPU, two at least, for each function), one run:\n\n"
            + "\n".join(f"- {line}" for line in summary(result)),
            run, write=not args.no_write)
    ok = result.statuses == {"ready": len(result.final)} and set(result.jobs_per_video.values()) == {1}
    return 0 if ok else 1


if __name__ == "__main__":
    raise SystemExit(main())
