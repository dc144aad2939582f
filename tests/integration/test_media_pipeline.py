"""A generated clip through the whole media pipeline in the local cloud: upload -> job -> ready -> MyMedia -> delete.

And a delete while the clip still transcodes: the job is canceled, and once it has
ended neither bucket holds anything of the video.
"""

from __future__ import annotations

import json
import subprocess
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
import requests

from localcloud.cloud import LocalCloud
from localcloud.endpoints import Endpoints

pytestmark = pytest.mark.slow
EVENTS = Path(__file__).resolve().parents[1] / "events"
OWNER = "us-east-1:7d0c5e2a-1b3f-4c6d-8e9f-0a1b2c3d4e5f"


def _clip(path: Path, size: str, seconds: int = 2) -> bytes:
    """A short test clip with sound, made by the ffmpeg PyPI ships."""
    import imageio_ffmpeg

    subprocess.run([imageio_ffmpeg.get_ffmpeg_exe(), "-v", "error", "-f", "lavfi", "-i",
                    f"testsrc2=size={size}:rate=15:duration={seconds}", "-f", "lavfi", "-i", f"sine=duration={seconds}",
                    "-shortest", "-c:v", "libx264", "-preset", "ultrafast", "-c:a", "aac", str(path)], check=True)
    return path.read_bytes()


def _video(cloud: Endpoints, video_id: str) -> dict[str, Any] | None:
    from boto3.dynamodb.types import TypeDeserializer

    item = cloud.client("dynamodb").get_item(TableName=cloud.table, ConsistentRead=True, Key={
        "owner_id": {"S": OWNER}, "video_id": {"S": video_id}}).get("Item")
    return {k: TypeDeserializer().deserialize(v) for k, v in item.items()} if item else None


def _mymedia(cloud: LocalCloud, method: str, path: str, body: dict[str, Any] | None = None) -> tuple[int, Any]:
    event = json.loads((EVENTS / ("apigw_list_media.json" if path == "/media" else "apigw_get_media.json")).read_text())
    event.update(httpMethod=method, path=path, queryStringParameters=None, multiValueQueryStringParameters=None,
                 body=json.dumps(body) if body is not None else None)
    event["requestContext"]["identity"]["cognitoIdentityId"] = OWNER
    response = cloud.runtime.invoke("MyMediaFunction", event)
    return response["statusCode"], json.loads(response["body"]) if response.get("body") else None


def test_clip_becomes_a_playable_video_never_upscaled_then_deletes_everywhere(
        cloud: LocalCloud, local_cloud: Endpoints, wait_until: Callable[..., Any], tmp_path: Path) -> None:
    video_id = "01jcpipe11ne0000000000000a"
    key = f"{OWNER}/{video_id}/my pet 🐶 + friend.mp4"
    s3 = local_cloud.client("s3")
    s3.put_object(Bucket=local_cloud.originals_bucket, Key=key, Body=_clip(tmp_path / "clip.mp4", "640x360"),
                  ContentType="video/mp4")

    item = wait_until(lambda: (v := _video(local_cloud, video_id)) and v["status"] not in ("uploaded", "processing")
                      and v, timeout=120, message="the video to finish transcoding")
    assert item["status"] == "ready", item.get("failure_message")
    assert item["title"] == "my pet 🐶 + friend"
    assert [(r["width"], r["height"]) for r in item["renditions"]] == [(640, 360)]  # no 480p/720p/1080p upscales
    for rendition in item["renditions"]:
        head = s3.head_object(Bucket=local_cloud.transcoded_bucket, Key=rendition["key"])
        assert rendition["bytes"] == head["ContentLength"] and rendition["bitrate"] > 0
        assert 1500 <= rendition["duration_ms"] <= 2500
    s3.head_object(Bucket=local_cloud.transcoded_bucket, Key=item["thumbnail_key"])

    status, body = _mymedia(cloud, "GET", f"/media/{video_id}")
    assert status == 200 and body["status"] == "ready"
    played = requests.get(body["renditions"][0]["url"], timeout=10)
    assert played.status_code == 200 and played.content[4:8] == b"ftyp"

    status, _ = _mymedia(cloud, "DELETE", f"/media/{video_id}")
    assert status == 204
    assert _video(local_cloud, video_id) is None
    for bucket in (local_cloud.originals_bucket, local_cloud.transcoded_bucket):
        assert s3.list_objects_v2(Bucket=bucket, Prefix=f"{OWNER}/{video_id}/")["KeyCount"] == 0


def test_deleting_a_video_while_it_transcodes_cancels_the_job_and_leaves_no_object_in_either_bucket(
        cloud: LocalCloud, local_cloud: Endpoints, wait_until: Callable[..., Any], tmp_path: Path) -> None:
    video_id = "01jcpipe11ne0000000000000c"
    prefix = f"{OWNER}/{video_id}/"
    s3, mediaconvert = local_cloud.client("s3"), local_cloud.client("mediaconvert")
    # Long enough at 720p that its three renditions are still being encoded when the delete comes.
    s3.put_object(Bucket=local_cloud.originals_bucket, Key=prefix + "long walk.mp4",
                  Body=_clip(tmp_path / "long.mp4", "1280x720", seconds=40), ContentType="video/mp4")
    item = wait_until(lambda: (v := _video(local_cloud, video_id)) and v.get("job_id") and v,
                      timeout=60, message="the transcoding job to start")
    assert item["status"] == "processing"
    status, shared = _mymedia(cloud, "PATCH", f"/media/{video_id}", {"visibility": "link"})
    assert status == 200

    assert _mymedia(cloud, "DELETE", f"/media/{video_id}")[0] == 204
    job = wait_until(lambda: (j := mediaconvert.get_job(Id=item["job_id"])["Job"])["Status"]
                     in ("COMPLETE", "ERROR", "CANCELED") and j, timeout=60, message="the job to end")
    assert job["Status"] == "CANCELED"
    assert _video(local_cloud, video_id) is None
    for bucket in (local_cloud.originals_bucket, local_cloud.transcoded_bucket):
        assert s3.list_objects_v2(Bucket=bucket, Prefix=prefix)["KeyCount"] == 0, bucket
    token = shared["share_url"].rsplit("/", 1)[1]
    assert _mymedia(cloud, "GET", f"/shared/{token}") == (404, {"error": "NotFound",
                                                               "message": "This video is not available."})


def test_file_that_only_claims_to_be_a_video_ends_failed_with_the_transcoders_reason(
        local_cloud: Endpoints, wait_until: Callable[..., Any]) -> None:
    video_id = "01jcpipe11ne0000000000000b"
    local_cloud.client("s3").put_object(Bucket=local_cloud.originals_bucket, Key=f"{OWNER}/{video_id}/cat.mp4",
                                        Body=b"this is a text file with a video's name" * 100, ContentType="video/mp4")

    item = wait_until(lambda: (v := _video(local_cloud, video_id)) and v["status"] not in ("uploaded", "processing")
                      and v, timeout=60, message="the job to fail")
    assert item["status"] == "failed"
    assert item["failure_code"].startswith("MediaConvert")
    assert item["failure_message"]
