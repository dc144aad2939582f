"""Time to watch: from upload complete to "can press play", and to the full HLS ladder, in the local cloud.

Starts a local cloud of its own, then for each clip (generated with ffmpeg: a test pattern
with a tone, 10 s, 60 s and 300 s at 720p and 1080p; ``--quick``: 10 s and 60 s at 720p)
uploads it to the originals bucket as a user's upload would land there, and asks MyMedia
(the deployed function, invoked as API Gateway would, for the owner) every 50 ms for the
video until it answers something to play (the original's preview, presigned) and until it
answers the stream. Clips go one after another, so each job has the transcoder to itself.
Also reports what each video stores: the HLS renditions against the MP4 renditions (the
figures docs/cost.md quotes). Usage: python -m bench.time_to_watch [--quick] [--no-write]
"""

from __future__ import annotations

import json
import tempfile
import time
import uuid
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import imageio_ffmpeg

from bench.report import Run, argument_parser, publish
from localcloud.cloud import LocalCloud, Ports
from localcloud.endpoints import Endpoints
from localcloud.mediaconvert.samples import make_clip

HEADING = "## Time to watch"
FULL = [(10, 720), (10, 1080), (60, 720), (60, 1080), (300, 720), (300, 1080)]
QUICK = [(10, 720), (60, 720)]
POLL_SECONDS = 0.05


@dataclass(frozen=True)
class Watched:
    """One clip's figures: seconds from upload complete, and the bytes its video stores by kind."""

    seconds: int
    height: int
    playable: float
    ladder: float
    hls_bytes: int
    mp4_bytes: int
    same_rung_ts_bytes: int  # the stream's rendition of the MP4's rung, for TS against MP4 overhead
    original_bytes: int


def media_event(owner: str, video_id: str) -> dict[str, Any]:
    """GET /media/{id} as API Gateway hands it to MyMedia for a caller signed in as ``owner``."""
    path = f"/media/{video_id}"
    return {"resource": "/media/{id}", "path": path, "httpMethod": "GET", "headers": {}, "multiValueHeaders": {},
            "queryStringParameters": None, "multiValueQueryStringParameters": None, "pathParameters": {"id": video_id},
            "body": None, "isBase64Encoded": False,
            "requestContext": {"resourcePath": "/media/{id}", "httpMethod": "GET", "path": "/prod" + path,
                               "stage": "prod", "identity": {"cognitoIdentityId": owner}}}


def watch(endpoints: Endpoints, function: str, clip: Path, seconds: int, height: int) -> Watched:
    """Upload ``clip`` and time MyMedia's answers for it: first something to play, then the stream."""
    owner, video_id = f"{endpoints.region}:{uuid.uuid4()}", uuid.uuid4().hex
    s3, lambda_ = endpoints.client("s3"), endpoints.client("lambda")
    s3.upload_file(str(clip), endpoints.originals_bucket, f"{owner}/{video_id}/{clip.name}")
    uploaded = time.perf_counter()
    payload = json.dumps(media_event(owner, video_id)).encode()
    playable = None
    while True:
        answer = json.loads(lambda_.invoke(FunctionName=function, Payload=payload)["Payload"].read())
        video = json.loads(answer["body"]) if answer.get("statusCode") == 200 else {}
        if playable is None and (video.get("preview") or video.get("stream") or video.get("renditions")):
            playable = time.perf_counter() - uploaded
        if video.get("stream") or video.get("status") in ("failed", "canceled"):
            break
        time.sleep(POLL_SECONDS)
    if not video.get("stream"):
        raise RuntimeError(f"the {seconds} s {height}p clip did not stream: {video.get('failure')}")
    ladder = time.perf_counter() - uploaded
    stored = s3.list_objects_v2(Bucket=endpoints.transcoded_bucket, Prefix=f"{owner}/{video_id}/")["Contents"]
    mp4s = [o for o in stored if o["Key"].endswith(".mp4")]
    rung = mp4s[0]["Key"].rsplit("_", 1)[1].removesuffix(".mp4")
    return Watched(seconds, height, playable, ladder,
                   hls_bytes=sum(o["Size"] for o in stored if o["Key"].endswith((".ts", ".m3u8"))),
                   mp4_bytes=sum(o["Size"] for o in mp4s),
                   same_rung_ts_bytes=sum(o["Size"] for o in stored if o["Key"].endswith(f"_{rung}.ts")),
                   original_bytes=clip.stat().st_size)


def table(results: list[Watched]) -> str:
    """The section's body: one row per clip."""
    rows = ["| clip | upload complete -> can press play | -> full ladder (HLS) | HLS ladder stored | the one MP4 "
            "(720p) | its rung as TS | original |", "|---|---|---|---|---|---|---|"]
    rows += [f"| {r.seconds} s {r.height}p | {r.playable:.2f} s | {r.ladder:.1f} s | {r.hls_bytes / 1e6:.2f} MB | "
             f"{r.mp4_bytes / 1e6:.2f} MB | {r.same_rung_ts_bytes / 1e6:.2f} MB | {r.original_bytes / 1e6:.2f} MB |"
             for r in results]
    return ("A fresh upload plays from its original (MyMedia's `preview`, presigned) as soon as the upload "
            "function has recorded it; the ladder then replaces it. Measured through the deployed MyMedia "
            "function every 50 ms, clips one after another on this machine's local MediaConvert. "
            "The first clip also pays the upload and MyMedia functions' cold start in a freshly started cloud. "
            "Clips: ffmpeg test pattern with a tone (x264 ultrafast).\n\n" + "\n".join(rows))


def main(argv: list[str] | None = None) -> int:
    """Run the clips, print the table, write it into docs/benchmarks.md unless --no-write."""
    parser = argument_parser(__doc__)
    parser.add_argument("--quick", action="store_true", help="10 s and 60 s at 720p only (a few minutes)")
    args = parser.parse_args(argv)
    run = Run.start()
    ffmpeg = imageio_ffmpeg.get_ffmpeg_exe()
    with tempfile.TemporaryDirectory(prefix="time-to-watch-") as folder:
        cloud = LocalCloud(state_dir=Path(folder) / "state", ports=Ports(0, 0, 0), settings={"persist": False})
        endpoints = cloud.start()
        try:
            function = cloud.stack.functions["MyMediaFunction"].name
            results = []
            for seconds, height in QUICK if args.quick else FULL:
                clip = make_clip(ffmpeg, Path(folder) / f"clip-{seconds}s-{height}p.mp4", seconds,
                                 width=height * 16 // 9, height=height)
                results.append(watch(endpoints, function, clip, seconds, height))
                print(table(results).splitlines()[-1], flush=True)
        finally:
            cloud.stop()
    publish(HEADING, table(results), run, write=not args.no_write)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
