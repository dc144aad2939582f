"""A burst: 200 signed `GET /media` at once from a new user, against a bare moto server answering MyMedia's query.

    python -m bench.burst [--requests 200] [--videos 30] [--no-write]

The local cloud runs as `make dev` runs it (`python -m localcloud up`, its own
process, a fresh library); a new user of the user pool signs in through the
identity pool and owns --videos ready videos. Every request is signed before the
burst, then all are sent at once (one thread and one connection each), as many
browser tabs would. The same run sends the same number of DynamoDB queries -
MyMedia's newest-first page, signed the same way - at once to a bare moto server
holding the same items: what moto alone costs on this machine, under the same
burst. Figures: the burst's total time and p50/p99 of the requests.
Goal: the 200-request burst under 2 s, p99 under 1.5 s.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import boto3
import requests
from botocore.auth import SigV4Auth
from botocore.awsrequest import AWSRequest
from botocore.credentials import Credentials

from bench.load import percentile
from bench.mymedia_latency import _moto_server, _video
from bench.report import REPO, Run, argument_parser, publish
from localcloud.endpoints import Endpoints

HEADING = "## Burst of MyMedia listings"
PAGE = 24  # the page's first listing


@contextmanager
def _local_cloud(state_dir: Path) -> Iterator[Endpoints]:
    """`python -m localcloud up` on ``state_dir`` until it has written endpoints.json."""
    env = {**os.environ, "PETTUBE_STATE_DIR": str(state_dir), "PETTUBE_EDGE_PORT": "0", "PETTUBE_SITE_PORT": "0",
           "PETTUBE_IDP_PORT": "0"}
    process = subprocess.Popen([sys.executable, "-m", "localcloud", "up"], cwd=REPO, env=env,
                               stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True)
    try:
        while not (state_dir / "endpoints.json").exists():
            if process.poll() is not None:
                raise RuntimeError("the local cloud exited during start-up")
            time.sleep(0.05)
        yield Endpoints.read(state_dir / "endpoints.json")
    finally:
        os.killpg(process.pid, signal.SIGTERM)
        process.wait(timeout=60)


def _burst(prepared: list[AWSRequest]) -> tuple[float, list[float], list[int]]:
    """Send every request at once; the burst's seconds, each request's milliseconds and status."""
    times: list[float] = [0.0] * len(prepared)
    statuses: list[int] = [0] * len(prepared)
    gate = threading.Barrier(len(prepared) + 1)

    def send(n: int) -> None:
        request = prepared[n]
        gate.wait()
        started = time.perf_counter()
        answer = requests.request(request.method, request.url, headers=dict(request.headers), data=request.body,
                                  timeout=120)
        times[n] = (time.perf_counter() - started) * 1000
        statuses[n] = answer.status_code

    threads = [threading.Thread(target=send, args=(n,)) for n in range(len(prepared))]
    for thread in threads:
        thread.start()
    gate.wait()
    started = time.perf_counter()
    for thread in threads:
        thread.join()
    return time.perf_counter() - started, times, statuses


def _signed(credentials: Credentials, service: str, method: str, url: str, count: int,
            body: bytes | None = None, headers: dict[str, str] | None = None) -> list[AWSRequest]:
    prepared = []
    for _ in range(count):
        request = AWSRequest(method=method, url=url, data=body, headers=dict(headers or {}))
        SigV4Auth(credentials, service, "us-east-1").add_auth(request)
        prepared.append(request)
    return prepared


def _query(table: str, owner: str) -> bytes:
    """MyMedia's newest-first query (lambda/pettube/videos.py list_newest), as the SDK sends it."""
    return json.dumps({"TableName": table, "IndexName": "by_created", "KeyConditionExpression": "owner_id = :owner",
                       "ExpressionAttributeValues": {":owner": {"S": owner}}, "ScanIndexForward": False,
                       "Limit": PAGE + 1}).encode()


def _moto_burst(endpoints: Endpoints, items: list[dict[str, Any]], owner: str, count: int) -> dict[str, Any]:
    """The same query, as many times at once, against a bare moto server holding the same table and items."""
    schema = endpoints.client("dynamodb").describe_table(TableName=endpoints.table)["Table"]
    with _moto_server() as url:
        moto = boto3.client("dynamodb", endpoint_url=url, region_name="us-east-1", aws_access_key_id="bench",
                            aws_secret_access_key="bench")
        indexes = {kind: [{k: index[k] for k in ("IndexName", "KeySchema", "Projection")} for index in schema[kind]]
                   for kind in ("LocalSecondaryIndexes", "GlobalSecondaryIndexes") if schema.get(kind)}
        moto.create_table(TableName=endpoints.table, KeySchema=schema["KeySchema"], BillingMode="PAY_PER_REQUEST",
                          AttributeDefinitions=schema["AttributeDefinitions"], **indexes)
        for item in items:
            moto.put_item(TableName=endpoints.table, Item=item)
        headers = {"X-Amz-Target": "DynamoDB_20120810.Query", "Content-Type": "application/x-amz-json-1.0"}
        prepared = _signed(Credentials("bench", "bench"), "dynamodb", "POST", url, count,
                           _query(endpoints.table, owner), headers)
        total, times, statuses = _burst(prepared)
    return {"total": total, "times": times, "statuses": statuses}


def measure(count: int, videos: int) -> dict[str, dict[str, Any]]:
    """The burst against the local cloud's MyMedia and against bare moto, in this run."""
    from tests.reliability.rel_actors import pool_user

    with tempfile.TemporaryDirectory() as state, _local_cloud(Path(state)) as endpoints:
        user = pool_user(endpoints, "burst")
        dynamodb = endpoints.client("dynamodb")
        serializer = boto3.dynamodb.types.TypeSerializer()
        items = [{k: serializer.serialize(v) for k, v in _video(user.identity_id, n).items()} for n in range(videos)]
        for item in items:
            dynamodb.put_item(TableName=endpoints.table, Item=item)
        user.api("GET", "/media")  # the function's first start is not part of a burst
        prepared = _signed(user.credentials, "execute-api", "GET", f"{endpoints.api}/media", count)
        total, times, statuses = _burst(prepared)
        local = {"total": total, "times": times, "statuses": statuses}
        bare = _moto_burst(endpoints, items, user.identity_id, count)
    return {"local cloud: signed GET /media (API Gateway, MyMedia Lambda, DynamoDB query, presigned URLs)": local,
            "bare moto server: the same DynamoDB query": bare}


def _table(results: dict[str, dict[str, Any]], count: int) -> str:
    rows = [f"| {count} at once | total | p50 | p99 | answers |", "|---|---|---|---|---|"]
    for name, result in results.items():
        statuses = result["statuses"]
        answers = ", ".join(f"{status}: {statuses.count(status)}" for status in sorted(set(statuses)))
        rows.append(f"| {name} | {result['total']:.2f} s | {percentile(result['times'], 0.5) / 1000:.2f} s | "
                    f"{percentile(result['times'], 0.99) / 1000:.2f} s | {answers} |")
    return "\n".join(rows)


def main() -> None:
    parser = argument_parser(__doc__)
    parser.add_argument("--requests", type=int, default=200)
    parser.add_argument("--videos", type=int, default=30, help="the user's videos (MyMedia lists the newest 24)")
    args = parser.parse_args()
    run = Run.start()
    results = measure(args.requests, args.videos)
    publish(HEADING, "One run, both bursts in it. Goal: the local cloud's burst under 2 s, p99 under 1.5 s.\n\n"
            + _table(results, args.requests), run, write=not args.no_write)


if __name__ == "__main__":
    main()
