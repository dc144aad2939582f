"""The local library at size: memory, saving, MyMedia's listing and start-up, against the previous persistence.

    python -m bench.library [--gigabytes 2] [--videos 2000] [--users 20] [--runs 500] [--no-write]

Fills a local cloud through its edge, from another process as uploads come from browsers:
per video the ten objects the pipeline writes (the original; an HLS stream of three rungs,
a segment file and a playlist each, and its master playlist; the 720p MP4; a thumbnail), of
realistic proportions (every object's bytes unique, so nothing is deduplicated), and the
DynamoDB record MyMedia lists. One user has 1,000 videos, one has 10 and one 25, a full
page (when --videos allows; the 25 separate the table's size from the page's); the rest are
spread over the other users. Then: the cloud's process memory (RSS) before and after the
fill, and of the cloud restarted on the filled library against one started on an empty
library, the time to persist one change (the save a PutItem causes) and the saved library's
size, the latency of MyMedia's listing query (by_created, newest 25, through the edge, its
items read as MyMedia reads them) for the 10-, 25- and 1,000-video user, taking turns, and
the start-up time of `python -m localcloud up` on the filled library: to endpoints.json, and
until a request to every bucket is answered (this code reads a restored bucket's objects
from the library after the start, or when first asked for; they then wait on disk).

Each design fills its own cloud, in its own process, in the same run: this code (every
change journaled in SQLite before its answer) and, as the baseline, the code of commit
BASELINE (the whole state pickled to one file a few seconds after a change), run from
an archive of that commit with its own bench/library.py.
Goals: RSS independent of library size (within 100 MB); listing p99 at 1,000
videos within 1.5x of 10 videos; start-up under 3 s.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from bench.localcloud_latency import free_ports, rss_mb, startup_once
from bench.mymedia_latency import _video
from bench.report import Run, argument_parser, publish

REPO = Path(__file__).resolve().parents[1]
HEADING = "## Local library at size"
BASELINE = "5a22d3c"  # the last commit that pickled the whole state (format 2)
DESIGNS = {"journal": "this code: each change journaled in SQLite before its answer",
           "snapshot": f"{BASELINE}: the whole state pickled a few seconds after a change"}
# A video's objects as the pipeline writes them (pettube/transcode.py), and their shares of its bytes, by bitrate:
# the original from a phone (10 Mbit/s, in the originals bucket); the HLS stream, one segment file per rung
# (3, 1.4 and 0.75 Mbit/s) and a playlist each, under a master playlist; the 720p MP4 beside it; a thumbnail.
ORIGINAL = "original"
SHARES = {ORIGINAL: 0.55, "hls/stream_720p.ts": 0.165, "hls/stream_480p.ts": 0.077, "hls/stream_360p.ts": 0.041,
          "720p.mp4": 0.165, "thumb.jpg": 0.002}
PLAYLISTS = ("hls/stream.m3u8", "hls/stream_720p.m3u8", "hls/stream_480p.m3u8", "hls/stream_360p.m3u8")
PLAYLIST_BYTES = 600
BIG, SMALL, PAGE = 1_000, 10, 25  # PAGE: exactly one listing page, the control for the page's own cost


def _libraries(videos: int) -> tuple[int, int, int]:
    """The big, the small and the one-page user's video counts: 1,000, 10 and 25, or less in a smaller fill."""
    return min(BIG, videos // 2), min(SMALL, max(1, videos // 100)), min(PAGE, max(1, videos // 40))


def _owners(videos: int, users: int) -> list[str]:
    """One owner per video: the big, the small and the one-page library first, the rest round-robin."""
    big, small, page = _libraries(videos)
    rest = videos - big - small - page
    return ([_user(0)] * big + [_user(1)] * small + [_user(2)] * page
            + [_user(3 + n % max(1, users - 3)) for n in range(rest)])


def _user(n: int) -> str:
    return f"us-east-1:{n:08x}-0000-4000-8000-{n:012x}"


def _fill(endpoints: Any, owners: list[str], total_bytes: int, first: int = 0) -> None:
    """Upload one video per owner, its ten objects as the pipeline writes them, then its record."""
    s3, table = endpoints.client("s3"), endpoints.client("dynamodb")
    per_video = total_bytes // max(1, len(owners))
    block = os.urandom(max(int(per_video * max(SHARES.values())) + 1, PLAYLIST_BYTES))

    def put_video(args: tuple[int, str]) -> None:
        n, owner = args
        record = _video(owner, n)
        prefix = record["original_key"].rsplit("/", 1)[0]
        sizes = {**{name: max(16, int(per_video * share)) for name, share in SHARES.items()},
                 **dict.fromkeys(PLAYLISTS, PLAYLIST_BYTES)}
        for name, size in sizes.items():
            bucket, key = ((endpoints.originals_bucket, record["original_key"]) if name == ORIGINAL
                           else (endpoints.transcoded_bucket, f"{prefix}/{name}"))
            s3.put_object(Bucket=bucket, Key=key, Body=os.urandom(16) + block[:size - 16])  # unique: none deduplicated
        table.put_item(TableName=endpoints.table, Item=_typed(record))

    with ThreadPoolExecutor(4) as pool:
        list(pool.map(put_video, enumerate(owners, start=first)))


def _typed(record: dict[str, Any]) -> dict[str, Any]:
    from boto3.dynamodb.types import TypeSerializer

    serializer = TypeSerializer()
    return {key: serializer.serialize(value) for key, value in record.items()}


def _listing_ms(endpoints: Any, owners: dict[str, str], runs: int) -> dict[str, list[float]]:
    """MyMedia's listing query through the edge for each owner, its items read as MyMedia reads them
    (pettube/item_reads.py): botocore's own walk of every item's model would make the figure follow the
    answer's size, not the query's. The owners take turns, so that the machine's drift over the runs
    weighs on every owner's figures alike."""
    from pettube import item_reads

    client = endpoints.client("dynamodb")
    item_reads.register(client)

    def query(owner: str) -> dict[str, Any]:
        return {"TableName": endpoints.table, "IndexName": "by_created", "KeyConditionExpression": "owner_id = :o",
                "ExpressionAttributeValues": {":o": {"S": owner}}, "ScanIndexForward": False, "Limit": 25}

    queries = {name: query(owner) for name, owner in owners.items()}
    for request in queries.values():
        client.query(**request)
    times: dict[str, list[float]] = {name: [] for name in queries}
    for _ in range(runs):
        for name, request in queries.items():
            started = time.perf_counter()
            client.query(**request)
            times[name].append((time.perf_counter() - started) * 1000)
    return times


def _fill_from_another_process(endpoints_path: Path, args: Any, warm_up: bool = False) -> float:
    """``_fill`` run by another process, so that this process's RSS is the cloud's own (the filling client's
    allocations, its threads' arenas and botocore's caches, grow its own process); that process's growth, MB."""
    sizes = ["--gigabytes", str(args.gigabytes), "--videos", str(args.videos), "--users", str(args.users)]
    done = subprocess.run([sys.executable, "-m", "bench.library", "--fill-from", str(endpoints_path), *sizes,
                           *(["--warm-up"] if warm_up else [])], cwd=REPO, env=_code_env(REPO), check=True,
                          capture_output=True, text=True)
    return float(json.loads(done.stdout.strip().splitlines()[-1])["rss_growth"])


def fill_from(endpoints_path: Path, args: Any) -> dict[str, float]:
    """Upload the library ``args`` describe to the cloud ``endpoints_path`` names (with ``--warm-up``: one
    small video, for the first calls before the empty figure); how much this process's RSS grew, MB."""
    from localcloud.endpoints import Endpoints

    endpoints = Endpoints.read(endpoints_path)
    with _pipeline_paused(endpoints):
        if args.warm_up:
            _fill(endpoints, ["warm-up"], 1024, first=10**7)
            return {"rss_growth": 0.0}
        _fill(endpoints, ["warm-up"], 1024, first=10**7 + 1)  # this process's clients and pools, before its figure
        before = rss_mb()
        _fill(endpoints, _owners(args.videos, args.users), int(args.gigabytes * 1024**3))
        return {"rss_growth": rss_mb() - before}


@contextmanager
def _pipeline_paused(endpoints: Any) -> Iterator[None]:
    """The originals bucket without its upload notification while the block runs: a library's videos were
    transcoded when they were uploaded, and the bench's originals (random bytes) would each start the
    pipeline now, a Lambda and a failed job apiece, and turn their ready records into failed ones."""
    s3 = endpoints.client("s3")
    notification = s3.get_bucket_notification_configuration(Bucket=endpoints.originals_bucket)
    notification.pop("ResponseMetadata", None)
    s3.put_bucket_notification_configuration(Bucket=endpoints.originals_bucket, NotificationConfiguration={})
    try:
        yield
    finally:
        s3.put_bucket_notification_configuration(Bucket=endpoints.originals_bucket,
                                                 NotificationConfiguration=notification)


def child(state_dir: Path, args: Any) -> dict[str, Any]:
    """Run one cloud in this process, filled from another; its figures."""
    from localcloud.cloud import LocalCloud, Ports

    cloud = LocalCloud(state_dir=state_dir, ports=Ports(0, 0, 0))
    endpoints = cloud.start()
    _fill_from_another_process(cloud.endpoints_path, args, warm_up=True)
    rss_empty = rss_mb()
    client_growth = _fill_from_another_process(cloud.endpoints_path, args)
    rss_full = rss_mb()
    saves: list[float] = []
    state, save = cloud._moto_state, cloud._moto_state.save

    def timed(*changes: Any) -> None:
        started = time.perf_counter()
        save(*changes)
        saves.append(time.perf_counter() - started)

    state.save = timed  # type: ignore[method-assign]
    for n in range(3):
        endpoints.client("dynamodb").put_item(TableName=endpoints.table, Item=_typed(_video(_user(10**6), 10**6 + n)))
    item_saves, saves = saves, []
    for n in range(3):  # the save of an upload: the object's row and the S3 service's own state
        endpoints.client("s3").put_object(Bucket=endpoints.transcoded_bucket, Key=f"extra/{n}/thumb.jpg",
                                          Body=os.urandom(10_000))
    state.save = save  # type: ignore[method-assign]
    stored = sum(path.stat().st_size for path in state_dir.glob("library.sqlite3*"))
    figures = {"rss_empty": rss_empty, "rss_full": rss_full, "client_growth": client_growth,
               "save_s": statistics.median(item_saves),
               "object_save_s": statistics.median(saves), "state_mb": stored / 1024**2,
               **_listing_ms(endpoints, {"small": _user(1), "page": _user(2), "big": _user(0)}, args.runs)}
    cloud.stop()
    return figures


def _archive(commit: str, target: Path) -> Path:
    """The repository's files at ``commit`` in ``target`` (the built site shared), to run that code."""
    target.mkdir()
    archive = subprocess.run(["git", "archive", commit], cwd=REPO, capture_output=True, check=True).stdout
    subprocess.run(["tar", "-x", "-C", str(target)], input=archive, check=True)
    (target / "site" / "vendor").symlink_to(REPO / "site" / "vendor")
    return target


def _code_env(code: Path) -> dict[str, str]:
    """The environment that runs the checkout at ``code`` rather than this one."""
    return {**os.environ, "PYTHONPATH": f"{code / 'infra'}{os.pathsep}{code}"}


def _fill_in_child(code: Path, child_design: str, state_dir: Path, args: Any) -> dict[str, Any]:
    sizes = ["--gigabytes", str(args.gigabytes), "--videos", str(args.videos), "--users", str(args.users),
             "--runs", str(args.runs)]
    done = subprocess.run([sys.executable, "-m", "bench.library", "--child", child_design, "--state-dir",
                           str(state_dir), *sizes], cwd=code, env=_code_env(code), capture_output=True, text=True)
    if done.returncode:
        raise RuntimeError(f"filling the {child_design} library failed:\n{done.stderr[-3000:]}")
    return json.loads(done.stdout.strip().splitlines()[-1])


def _p(values: list[float], q: int) -> float:
    return statistics.quantiles(values, n=100, method="inclusive")[q - 1]


def _table(results: dict[str, dict[str, Any]], args: Any) -> str:
    size = f"{args.gigabytes:g} GB in {args.videos:,} videos, {args.users} users"
    rows = ["| measure | " + " | ".join(DESIGNS[d] for d in results) + " |", "|---|" + "---|" * len(results)]

    def row(label: str, cell: Any) -> None:
        rows.append(f"| {label} | " + " | ".join(cell(r) for r in results.values()) + " |")

    row("RSS, empty cloud", lambda r: f"{r['rss_empty']:.0f} MB")
    row(f"RSS, {size}", lambda r: f"{r['rss_full']:.0f} MB ({r['rss_full'] - r['rss_empty']:+.0f} MB)")
    row("RSS growth of the filling client's own process, over the fill",
        lambda r: f"{r['client_growth']:+.0f} MB" if "client_growth" in r else "in the cloud's process")
    row(f"RSS after a restart (`python -m localcloud up`, then a request to every bucket), {size} against an "
        "empty library",
        lambda r: f"{r['rss_restarted']:.0f} MB against {r['rss_restarted_empty']:.0f} MB "
                  f"({r['rss_restarted'] - r['rss_restarted_empty']:+.0f} MB)")
    row("persist one change (the save of one PutItem), median of 3", lambda r: f"{r['save_s'] * 1000:.1f} ms")
    row("persist one upload (the save of one PutObject), median of 3",
        lambda r: f"{r['object_save_s'] * 1000:.1f} ms" if "object_save_s" in r else "not measured by that code")
    row("saved state (database, or pickle), object files aside", lambda r: f"{r['state_mb']:.1f} MB")
    big, small, page = _libraries(args.videos)
    for key, videos in (("small", small), ("page", page), ("big", big)):
        row(f"listing, newest 25 of {videos:,} videos: p50 / p99 ({args.runs} runs)",
            lambda r, k=key: f"{_p(r[k], 50):.1f} / {_p(r[k], 99):.1f} ms" if k in r else "not measured by that code")
    row(f"listing p99, {big:,} videos / {small:,} videos", lambda r: f"{_p(r['big'], 99) / _p(r['small'], 99):.2f}x")
    row(f"listing p99, {big:,} videos / {page:,} videos" + (" (both answer a full page)" if page == PAGE else ""),
        lambda r: f"{_p(r['big'], 99) / _p(r['page'], 99):.2f}x" if "page" in r else "not measured by that code")
    row(f"start-up on the filled library (`python -m localcloud up` to endpoints.json), median of {args.startups}",
        lambda r: f"{statistics.median(r['startups']):.2f} s")
    row("... until a request to every bucket is answered (every bucket's objects read), median of "
        f"{args.startups}", lambda r: f"{statistics.median(r['buckets_read']):.2f} s")
    return "\n".join(rows)


def main() -> None:
    parser = argument_parser(__doc__)
    parser.add_argument("--gigabytes", type=float, default=2.0, help="the library's object bytes")
    parser.add_argument("--videos", type=int, default=2000)
    parser.add_argument("--users", type=int, default=20)
    parser.add_argument("--runs", type=int, default=500, help="listing queries timed per user (p99 of 500: the fifth slowest)")
    parser.add_argument("--startups", type=int, default=3)
    parser.add_argument("--child", help=argparse.SUPPRESS)
    parser.add_argument("--state-dir", type=Path, help=argparse.SUPPRESS)
    parser.add_argument("--fill-from", type=Path, help=argparse.SUPPRESS)
    parser.add_argument("--warm-up", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.fill_from:
        print(json.dumps(fill_from(args.fill_from, args)))
        return
    if args.child:
        print(json.dumps(child(args.state_dir, args)))
        return
    run = Run.start()
    results: dict[str, dict[str, Any]] = {}
    with tempfile.TemporaryDirectory() as work:
        # The baseline's bench/library.py names its own code's design "objects".
        codes = {"journal": (REPO, "journal"), "snapshot": (_archive(BASELINE, Path(work) / "baseline"), "objects")}
        for design, (code, child_design) in codes.items():
            state_dir = Path(work) / design
            results[design] = _fill_in_child(code, child_design, state_dir, args)
            ports = free_ports()
            startups = [startup_once(state_dir, ports, code, every_bucket_read=True) for _ in range(args.startups)]
            results[design]["startups"] = [startup.seconds for startup in startups]
            results[design]["buckets_read"] = [startup.buckets_read for startup in startups]
            results[design]["rss_restarted"] = statistics.median(startup.rss_mb for startup in startups)
            results[design]["rss_restarted_empty"] = startup_once(Path(work) / f"{design}-empty", ports, code,
                                                                  every_bucket_read=True).rss_mb
    size = f"{args.gigabytes:g} GB in {args.videos:,} videos"  # each size its own section: a 10 GB run keeps the 2 GB one
    publish(f"{HEADING}: {size}",
            "One run; each design filled its own cloud in its own process. This code's cloud is filled from another "
            "process, so its RSS is the cloud's own, with the pipeline's ten objects a video; the baseline's own bench "
            "fills from the cloud's process, so its RSS includes that client's (its growth: the row below), with four "
            "objects a video (three MP4 renditions and a thumbnail, the layout before HLS). Listing: MyMedia's query, "
            "its items read as MyMedia reads them (pettube/item_reads.py), the three owners taking turns; the "
            "baseline's own bench reads them with botocore's parser, one owner after another. Goals: RSS independent "
            "of library size (within 100 MB), listing p99 at 1,000 videos within 1.5x of 10, start-up under 3 s.\n\n"
            + _table(results, args), run, write=not args.no_write)


if __name__ == "__main__":
    main()
