"""The local MediaConvert on the running local cloud's edge: a boto3 job end to end, events by rule."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from localcloud.endpoints import Endpoints
from localcloud.mediaconvert import ffmpeg as ff
from localcloud.mediaconvert.samples import make_clip

pytestmark = pytest.mark.slow


def test_job_on_the_edge_completes_and_its_events_reach_a_rule(local_cloud: Endpoints, tmp_path: Path, wait_until: Any) -> None:
    s3, sqs, events = local_cloud.client("s3"), local_cloud.client("sqs"), local_cloud.client("events")
    mediaconvert = local_cloud.client("mediaconvert")
    # A bucket of its own: an upload to the originals bucket would start PetTube's pipeline.
    s3.create_bucket(Bucket="mediaconvert-edge-test")
    s3.upload_file(str(make_clip(ff.executable({}), tmp_path / "edge.mp4", seconds=2)), "mediaconvert-edge-test", "in/edge.mp4")
    queue = sqs.create_queue(QueueName="mediaconvert-edge-test")["QueueUrl"]
    arn = sqs.get_queue_attributes(QueueUrl=queue, AttributeNames=["QueueArn"])["Attributes"]["QueueArn"]
    pattern = {"source": ["aws.mediaconvert"], "detail": {"userMetadata": {"application": ["edge-test"]}}}
    events.put_rule(Name="mediaconvert-edge-test", EventPattern=json.dumps(pattern))
    events.put_targets(Rule="mediaconvert-edge-test", Targets=[{"Id": "q", "Arn": arn}])
    destination = f"s3://{local_cloud.transcoded_bucket}/edge-test/"
    job = mediaconvert.create_job(
        Role="arn:aws:iam::123456789012:role/MediaConvertRole",
        UserMetadata={"application": "edge-test"},
        Settings={
            "Inputs": [{"FileInput": "s3://mediaconvert-edge-test/in/edge.mp4", "AudioSelectors": {"Audio Selector 1": {"DefaultSelection": "DEFAULT"}}}],
            "OutputGroups": [{
                "OutputGroupSettings": {"Type": "FILE_GROUP_SETTINGS", "FileGroupSettings": {"Destination": destination}},
                "Outputs": [{
                    "NameModifier": "_120p",
                    "ContainerSettings": {"Container": "MP4"},
                    "VideoDescription": {"Height": 120, "CodecSettings": {"Codec": "H_264", "H264Settings": {"RateControlMode": "QVBR", "MaxBitrate": 200000}}},
                    "AudioDescriptions": [{"AudioSourceName": "Audio Selector 1", "CodecSettings": {"Codec": "AAC", "AacSettings": {"Bitrate": 64000, "CodingMode": "CODING_MODE_2_0", "SampleRate": 48000}}}],
                }],
            }],
        },
    )["Job"]

    def complete_event() -> dict[str, Any] | None:
        for message in sqs.receive_message(QueueUrl=queue, MaxNumberOfMessages=10).get("Messages", []):
            event = json.loads(message["Body"])
            if event["detail"]["jobId"] == job["Id"] and event["detail"]["status"] in ("COMPLETE", "ERROR"):
                return event
        return None

    event = wait_until(complete_event, timeout=120, message="the job's final event")
    assert event["detail"]["status"] == "COMPLETE", event["detail"].get("errorMessage")
    path = event["detail"]["outputGroupDetails"][0]["outputDetails"][0]["outputFilePaths"][0]
    assert path == f"{destination}edge_120p.mp4"
    assert s3.head_object(Bucket=local_cloud.transcoded_bucket, Key="edge-test/edge_120p.mp4")["ContentType"] == "video/mp4"
    assert mediaconvert.get_job(Id=job["Id"])["Job"]["Status"] == "COMPLETE"
