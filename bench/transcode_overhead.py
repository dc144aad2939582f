"""Transcode overhead: the local MediaConvert's job time against bare ffmpeg making the same files.

Generates a 720p clip with sound (60 s by default), builds PetTube's own CreateJob
(pettube.transcode: the 1080/720/480/360 ladder capped at the source height, plus
a thumbnail), and measures in one run:

- the job through the local service (boto3 CreateJob -> COMPLETE: S3 download,
  probe, ffmpeg, probe of the outputs, S3 upload, events), against moto;
- the bare ffmpeg command line(s) producing the same outputs from a local file;
- one decode split to all outputs against one ffmpeg run per output.

Prints the figures and ratios and writes them into the "Transcode overhead"
section of docs/benchmarks.md. Usage: python -m bench.transcode_overhead [--seconds 60] [--repeat 1]
"""

from __future__ import annotations

import json
import logging
import platform
import resource
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path
from typing import Any

import boto3
from moto.server import ThreadedMotoServer
from werkzeug.serving import make_server
from werkzeug.wrappers import Request

import localcloud.mediaconvert as mediaconvert
from bench.report import Run, argument_parser, publish
from localcloud.mediaconvert import ffmpeg as ff
from localcloud.mediaconvert.plan import build_plan
from localcloud.mediaconvert.samples import make_clip
from localcloud.services import ServiceContext
from pettube.layout import parse_original_key
from pettube.probe import SourceInfo
from pettube.transcode import build_create_job

HEADING = "## Transcode overhead"
KEY = "us-east-1:0b6c0b9e-1111-2222-3333-444455556666/01hz3v8k9m2n4p6q8r0s2t4v6w/bench.mp4"
CREDENTIALS = {"aws_access_key_id": "bench", "aws_secret_access_key": "bench", "region_name": "us-east-1"}


def cpu_seconds() -> float:
    """CPU used so far by this process (service, moto, boto3) and its finished children (ffmpeg).

    Less sensitive than wall time to other work on a shared machine.
    """
    own, children = resource.getrusage(resource.RUSAGE_SELF), resource.getrusage(resource.RUSAGE_CHILDREN)
    return own.ru_utime + own.ru_stime + children.ru_utime + children.ru_stime


def measured(run: Any, *args: Any) -> tuple[float, float]:
    """(wall seconds, CPU seconds) of one call; a call that returns seconds reports its own wall time."""
    cpu, start = cpu_seconds(), time.perf_counter()
    own_wall = run(*args)
    return own_wall if own_wall is not None else time.perf_counter() - start, cpu_seconds() - cpu


def bare_runs(ffmpeg: str, request: dict[str, Any], clip: Path, workdir: Path, single_decode: bool) -> None:
    """The ffmpeg command line(s) the service would run, on a local file, without the service."""
    plan = build_plan(request["Settings"])
    ff.make_output_folders(plan, workdir)
    for command in ff.build_commands(ffmpeg, plan, clip, (1280, 720), 25.0, workdir, single_decode):
        subprocess.run(command, check=True, stdout=subprocess.DEVNULL)


def service_run(ffmpeg: str, request: dict[str, Any], clip: Path, tmp: Path) -> float:
    """CreateJob -> COMPLETE through the local service (boto3 over HTTP, S3 and events in moto); the job's seconds."""
    moto = ThreadedMotoServer(ip_address="127.0.0.1", port=0, verbose=False)
    moto.start()
    host, port = moto.get_host_and_port()
    moto_url = f"http://{host}:{port}"
    ctx = ServiceContext(region="us-east-1", account_id="123456789012", edge_url=moto_url, site_url="", idp_url="",
                         admin_access_key_id="bench", admin_secret_access_key="bench", state_dir=tmp,
                         stack=None, runtime=None,  # type: ignore[arg-type]  # not used by this service
                         settings={"ffmpeg": ffmpeg, "mediaconvert_concurrency": 1})
    service = mediaconvert.create(ctx)
    server = make_server("127.0.0.1", 0, lambda env, start: service.dispatch(Request(env))(env, start), threaded=True)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        s3 = boto3.client("s3", endpoint_url=moto_url, **CREDENTIALS)
        for bucket in ("orig", "trans"):
            s3.create_bucket(Bucket=bucket)
        s3.upload_file(str(clip), "orig", KEY)
        client = boto3.client("mediaconvert", endpoint_url=f"http://127.0.0.1:{server.server_port}", **CREDENTIALS)
        job_id = client.create_job(**request)["Job"]["Id"]
        # Polled slowly: the wall figure is the job's own Timing, and fast polling would add CPU to the job's side.
        while (job := client.get_job(Id=job_id)["Job"])["Status"] not in ("COMPLETE", "ERROR", "CANCELED"):
            time.sleep(1.0)
        if job["Status"] != "COMPLETE":
            sys.exit(f"the job ended {job['Status']}: {job.get('ErrorMessage')}")
        return (job["Timing"]["FinishTime"] - job["Timing"]["SubmitTime"]).total_seconds()
    finally:
        service.close()
        server.shutdown()
        moto.stop()


def main() -> None:
    parser = argument_parser(__doc__)
    parser.add_argument("--seconds", type=float, default=60.0, help="length of the generated 720p clip")
    parser.add_argument("--repeat", type=int, default=1, help="rounds (interleaved); medians are reported")
    args = parser.parse_args()
    run = Run.start()
    logging.getLogger("werkzeug").setLevel(logging.WARNING)  # one line per GetJob poll otherwise
    ffmpeg = ff.executable({})
    request = build_create_job(parse_original_key(KEY), "orig", "trans", "arn:aws:iam::123456789012:role/bench", "bench",
                               SourceInfo(1280, 720, True))
    outputs = [o.get("NameModifier") for g in request["Settings"]["OutputGroups"] for o in g["Outputs"]]
    with tempfile.TemporaryDirectory() as tmp_name:
        tmp = Path(tmp_name)
        clip = make_clip(ffmpeg, tmp / "bench.mp4", seconds=args.seconds, width=1280, height=720)
        rounds: dict[str, list[tuple[float, float]]] = {"service": [], "bare_single": [], "bare_separate": []}
        for _ in range(args.repeat):  # interleaved, so a busy spell on the machine hits every variant
            rounds["service"].append(measured(service_run, ffmpeg, request, clip, tmp))
            rounds["bare_single"].append(measured(bare_runs, ffmpeg, request, clip, tmp / "single", True))
            rounds["bare_separate"].append(measured(bare_runs, ffmpeg, request, clip, tmp / "separate", False))
    wall = {name: statistics.median(r[0] for r in runs) for name, runs in rounds.items()}
    cpu = {name: statistics.median(r[1] for r in runs) for name, runs in rounds.items()}
    single = ff.prefers_single_decode(ffmpeg)
    default_mode, base = ("single decode", "bare_single") if single else ("separate runs", "bare_separate")
    ratios = {
        "overhead_wall": wall["service"] / wall[base],
        "overhead_cpu": cpu["service"] / cpu[base],
        "separate_over_single_wall": wall["bare_separate"] / wall["bare_single"],
        "separate_over_single_cpu": cpu["bare_separate"] / cpu["bare_single"],
    }
    major, minor = ff.version(ffmpeg)
    print(json.dumps({name: round(value, 3) for name, value in {**{f"wall_{k}": v for k, v in wall.items()}, **{f"cpu_{k}": v for k, v in cpu.items()}, **ratios}.items()}))
    text = (
        f"A {args.seconds:g} s 1280x720 25 fps clip "
        f"with AAC sound, PetTube's own CreateJob (`pettube.transcode`: outputs {', '.join(outputs)}), ffmpeg {major}.{minor} "
        f"({Path(ffmpeg).name}), {platform.machine()}; "
        f"median of {args.repeat} interleaved round(s). CPU is user+system time of ffmpeg plus, for the job, the service, moto and boto3 in this process.\n\n"
        "| measurement | wall s | CPU s |\n|---|---|---|\n"
        f"| local MediaConvert job (Timing SubmitTime -> FinishTime: S3 download, probe, ffmpeg, upload to moto; {default_mode}) | {wall['service']:.2f} | {cpu['service']:.2f} |\n"
        f"| bare ffmpeg, one decode split to every output | {wall['bare_single']:.2f} | {cpu['bare_single']:.2f} |\n"
        f"| bare ffmpeg, one run per output | {wall['bare_separate']:.2f} | {cpu['bare_separate']:.2f} |\n\n"
        f"- Service overhead, job / bare ffmpeg ({default_mode}): wall **{ratios['overhead_wall']:.3f}**, "
        f"CPU {ratios['overhead_cpu']:.3f} (goal <= 1.10).\n"
        f"- One run per output / one decode: wall **{ratios['separate_over_single_wall']:.3f}**, "
        f"CPU {ratios['separate_over_single_cpu']:.3f} (> 1: single decode is faster on this ffmpeg).\n"
    )
    publish(HEADING, text, run, write=not args.no_write)


if __name__ == "__main__":
    main()
