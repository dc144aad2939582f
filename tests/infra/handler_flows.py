"""Run each Lambda handler through its normal flow on moto and record every boto3 call it makes.

The handlers get the environment the template gives them (resolved by the local
cloud's Stack) and boto3 clients from one Session whose ``provide-client-params``
hook sees every API call and every presigned URL. MediaConvert, which moto
lacks, is answered by a ``before-call`` hook. Calls made while setting up
(seeding buckets and the table) are not attributed to any function.
"""

from __future__ import annotations

import json
import os
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import unquote_plus

import boto3
from botocore.awsrequest import AWSResponse
from botocore.config import Config
from localcloud.stack import Stack
from moto import mock_aws

SHARED_EVENTS = Path(__file__).resolve().parents[1] / "events"
# Names the shared event fixtures use, replaced by the stack's own.
FIXTURE_TRANSCODED = "pettube-transcoded-123456789012"


@dataclass
class Call:
    """One boto3 operation a handler made (or presigned)."""

    function: str
    service: str
    operation: str
    params: dict[str, Any]


@dataclass
class Recorder:
    """Attributes calls to the function whose handler is running."""

    current: str | None = None
    calls: list[Call] = field(default_factory=list)

    def __call__(self, params: dict[str, Any], model: Any, **_: Any) -> None:
        if self.current:
            self.calls.append(Call(self.current, model.service_model.endpoint_prefix, model.name, dict(params)))

    def by_function(self) -> dict[str, list[Call]]:
        grouped: dict[str, list[Call]] = {}
        for call in self.calls:
            grouped.setdefault(call.function, []).append(call)
        return grouped


@dataclass(frozen=True)
class FakeContext:
    """The LambdaContext fields Powertools reads."""

    function_name: str = "pettube-test"
    memory_limit_in_mb: int = 256
    invoked_function_arn: str = "arn:aws:lambda:us-east-1:123456789012:function:pettube-test"
    aws_request_id: str = "c6af9ac6-7b61-11e6-9a41-93e812345678"

    def get_remaining_time_in_millis(self) -> int:
        return 30_000


JOB_ID = json.loads((SHARED_EVENTS / "mediaconvert_complete.json").read_text())["detail"]["jobId"]


def _accept_create_job(**_: Any) -> tuple[AWSResponse, dict[str, Any]]:
    """CreateJob's answer, with the job id the shared job-state events carry."""
    return AWSResponse("https://mediaconvert.invalid", 201, {}, None), {"Job": {"Id": JOB_ID}}


def _accept_cancel_job(**_: Any) -> tuple[AWSResponse, dict[str, Any]]:
    return AWSResponse("https://mediaconvert.invalid", 202, {}, None), {}


def _job_still_running(**_: Any) -> tuple[AWSResponse, dict[str, Any]]:
    return AWSResponse("https://mediaconvert.invalid", 200, {}, None), {"Job": {"Id": JOB_ID, "Status": "PROGRESSING"}}


def shared_event(name: str, stack: Stack) -> dict[str, Any]:
    """An event from tests/events/ with its bucket names changed to the stack's."""
    text = (SHARED_EVENTS / name).read_text(encoding="utf-8")
    return json.loads(text.replace(FIXTURE_TRANSCODED, stack.physical_name("TranscodedBucket")))


@contextmanager
def recording_aws(stack: Stack) -> Iterator[tuple[boto3.Session, Recorder]]:
    """moto with the stack's buckets and table, and a recording Session."""
    from pettube import aws

    recorder = Recorder()
    with mock_aws():
        session = boto3.Session(region_name=stack.region)
        session.events.register("provide-client-params", recorder)
        session.events.register("before-call.mediaconvert.CreateJob", _accept_create_job)
        session.events.register("before-call.mediaconvert.CancelJob", _accept_cancel_job)
        session.events.register("before-call.mediaconvert.GetJob", _job_still_running)
        s3 = session.client("s3", config=Config(signature_version="s3v4"))
        for bucket in ("OriginalsBucket", "TranscodedBucket"):
            s3.create_bucket(Bucket=stack.physical_name(bucket))
        table = stack.resources["VideosTable"]["Properties"]
        dynamodb = session.resource("dynamodb")
        dynamodb.create_table(TableName=stack.physical_name("VideosTable"), BillingMode="PAY_PER_REQUEST",
                              **{k: table[k] for k in ("KeySchema", "AttributeDefinitions", "LocalSecondaryIndexes", "GlobalSecondaryIndexes")})
        aws.reset()
        aws.inject("s3", s3)
        aws.inject("dynamodb", dynamodb)
        aws.inject("mediaconvert", session.client("mediaconvert"))
        try:
            yield session, recorder
        finally:
            aws.reset()


@contextmanager
def running(recorder: Recorder, stack: Stack, function: str) -> Iterator[None]:
    """The function's template environment set, its cached settings fresh, its calls attributed."""
    from pettube import config, mymedia

    saved = dict(os.environ)
    os.environ.update(stack.functions[function].environment)
    for cached in (config.upload_config, config.job_state_config, config.mymedia_config, config.sweeper_config,
                   mymedia.api):
        cached.cache_clear()
    recorder.current = function
    try:
        yield
    finally:
        recorder.current = None
        os.environ.clear()
        os.environ.update(saved)


def run_all(stack: Stack) -> dict[str, list[Call]]:
    """Every function's normal flows, one after the other.

    Upload an original and finish its job; list, open, share and watch it through
    MyMedia; upload a second one and delete it while it transcodes (its job's late
    COMPLETE then cleans up); delete the first; and sweep a stuck upload and a
    delete that died half-way.
    """
    from pettube import job_state, mymedia, sweeper, upload

    context = FakeContext()
    with recording_aws(stack) as (session, recorder):
        s3 = session.client("s3")
        originals, transcoded = stack.physical_name("OriginalsBucket"), stack.physical_name("TranscodedBucket")

        def uploaded(event_name: str) -> str:
            event = shared_event(event_name, stack)
            key = unquote_plus(event["Records"][0]["s3"]["object"]["key"])
            s3.put_object(Bucket=originals, Key=key, Body=b"\x00\x00\x00\x18ftypmp42")
            with running(recorder, stack, "UploadFunction"):
                upload.handler(event, context)
            return key.split("/")[1]

        first = uploaded("s3_put_simple.json")
        complete = shared_event("mediaconvert_complete.json", stack)
        outputs = [path.removeprefix("s3://").split("/", 1) for group in complete["detail"]["outputGroupDetails"]
                   for output in group["outputDetails"] for path in output["outputFilePaths"]]
        for bucket, output_key in outputs:
            s3.put_object(Bucket=bucket, Key=output_key, Body=b"rendition")
        with running(recorder, stack, "JobStateFunction"):
            for name in ("mediaconvert_progressing.json", "mediaconvert_status_update_40.json"):
                job_state.handler(shared_event(name, stack), context)
            job_state.handler(complete, context)

        second = uploaded("s3_put_spaces_and_plus.json")
        statuses = []
        with running(recorder, stack, "MyMediaFunction"):
            for name in ("apigw_list_media.json", "apigw_get_media.json", "apigw_patch_media.json"):
                answer = mymedia.handler(shared_event(name, stack), context)
                statuses.append(answer["statusCode"])
            token = json.loads(answer["body"])["share_url"].rsplit("/", 1)[1]
            watch = _aimed("apigw_get_shared.json", f"/shared/{token}", stack)
            statuses.append(mymedia.handler(watch, context)["statusCode"])
            for video_id in (second, first):
                delete = _aimed("apigw_delete_media.json", f"/media/{video_id}", stack)
                statuses.append(mymedia.handler(delete, context)["statusCode"])
        assert statuses == [200, 200, 200, 200, 204, 204], statuses

        late = shared_event("mediaconvert_complete.json", stack)
        late["detail"]["userMetadata"]["video_id"] = second
        s3.put_object(Bucket=transcoded, Key=f"{late['detail']['userMetadata']['owner_id']}/{second}/late.mp4",
                      Body=b"written after the delete")
        with running(recorder, stack, "JobStateFunction"):
            job_state.handler(late, context)

        _seed_stuck_videos(session, stack)
        with running(recorder, stack, "SweeperFunction"):
            outcomes = sweeper.handler({}, context)
        assert outcomes == {"still_running": 1, "delete_finished": 1}, outcomes
        return recorder.by_function()


def _aimed(name: str, path: str, stack: Stack) -> dict[str, Any]:
    """A stored API Gateway event sent to another path (its last segment the path parameter)."""
    event = shared_event(name, stack)
    event["path"], event["requestContext"]["path"] = path, "/prod" + path
    (parameter,) = event["pathParameters"]
    event["pathParameters"][parameter] = path.rsplit("/", 1)[1]
    return event


def _seed_stuck_videos(session: boto3.Session, stack: Stack) -> None:
    """A video processing for days, and one whose delete stopped half-way days ago."""
    owner = json.loads((SHARED_EVENTS / "mediaconvert_complete.json").read_text())["detail"]["userMetadata"]["owner_id"]
    table = session.resource("dynamodb").Table(stack.physical_name("VideosTable"))
    for video_id, status in (("01stuck0processing0000000", "processing"), ("01stuck0deleting000000000", "deleting")):
        table.put_item(Item={"owner_id": owner, "video_id": video_id, "status": status, "job_id": JOB_ID,
                             "title": "stuck", "created_at": "2020-01-01T00:00:00.000Z",
                             "updated_at": "2020-01-01T00:00:00.000Z"})
    session.client("s3").put_object(Bucket=stack.physical_name("OriginalsBucket"),
                                     Key=f"{owner}/01stuck0deleting000000000/clip.mp4", Body=b"left behind")
