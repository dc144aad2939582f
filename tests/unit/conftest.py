"""Fixtures for the Lambda unit tests: the functions' environment, moto in-process, a stubbed MediaConvert."""

from __future__ import annotations

import io
import json
import os
from collections.abc import Callable, Iterator
from typing import Any

# Powertools' Logger reads its service name when the handler modules are imported.
os.environ.setdefault("POWERTOOLS_SERVICE_NAME", "pettube")

import boto3  # noqa: E402
import pytest  # noqa: E402
from botocore.config import Config  # noqa: E402
from botocore.stub import Stubber  # noqa: E402
from lambda_fakes import (  # noqa: E402
    FUNCTION_ENV, ORIGINALS, REGION, TABLE, TRANSCODED, FakeLambdaContext, MotoAws, StubbedMediaConvert,
    videos_table_definition,
)
from moto import mock_aws  # noqa: E402

from pettube import aws, config, job_state, mymedia, upload  # noqa: E402


@pytest.fixture
def lambda_context() -> FakeLambdaContext:
    return FakeLambdaContext()


@pytest.fixture(autouse=True)
def function_env(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """Every test starts with the template's environment, fresh config and fresh clients."""
    monkeypatch.delenv("AWS_ENDPOINT_URL", raising=False)
    monkeypatch.delenv("AWS_PROFILE", raising=False)
    for name, value in FUNCTION_ENV.items():
        monkeypatch.setenv(name, value)
    _forget_process_state()
    yield
    _forget_process_state()


def _forget_process_state() -> None:
    for cached in (config.upload_config, config.job_state_config, config.mymedia_config, config.sweeper_config,
                   mymedia.api):
        cached.cache_clear()
    aws.reset()


@pytest.fixture(scope="module")
def _moto_clients() -> Iterator[dict[str, Any]]:
    """moto in-process for one test module, clients built once (each costs ~0.2-0.5 s).

    Module scope, not session: mock_aws patches botocore process-wide, and later
    modules (the site's, other suites) must talk to whatever they really target.
    """
    with mock_aws() as mock:
        yield {
            "mock": mock,
            "s3": boto3.client("s3", region_name=REGION, config=Config(signature_version="s3v4")),
            "dynamodb": boto3.resource("dynamodb", region_name=REGION),
            "mediaconvert": boto3.client("mediaconvert", region_name=REGION),
        }


@pytest.fixture
def moto_aws(_moto_clients: dict[str, Any]) -> Iterator[MotoAws]:
    """Empty buckets and table made from the template, the handlers' clients pointed at them."""
    _moto_clients["mock"].reset()
    s3, dynamodb = _moto_clients["s3"], _moto_clients["dynamodb"]
    s3.create_bucket(Bucket=ORIGINALS)
    s3.create_bucket(Bucket=TRANSCODED)
    dynamodb.create_table(**videos_table_definition())
    aws.inject("s3", s3)
    aws.inject("dynamodb", dynamodb)
    yield MotoAws(s3=s3, table=dynamodb.Table(TABLE))


@pytest.fixture
def mediaconvert(moto_aws: MotoAws, _moto_clients: dict[str, Any]) -> Iterator[StubbedMediaConvert]:
    """MediaConvert (which moto lacks) as a Stubber: unexpected calls fail, requests are validated."""
    client = _moto_clients["mediaconvert"]
    stubbed = StubbedMediaConvert(Stubber(client))

    def record(params: dict[str, Any], **_: Any) -> None:
        stubbed.requests.append(params)

    client.meta.events.register("provide-client-params.mediaconvert.CreateJob", record)
    aws.inject("mediaconvert", client)
    try:
        with stubbed.stubber:
            yield stubbed
            stubbed.stubber.assert_no_pending_responses()
    finally:
        client.meta.events.unregister("provide-client-params.mediaconvert.CreateJob", record)


@pytest.fixture
def logs(monkeypatch: pytest.MonkeyPatch) -> Callable[[], list[dict[str, Any]]]:
    """The structured log lines the handlers wrote, parsed."""
    stream = io.StringIO()
    for module in (upload, job_state, mymedia):
        monkeypatch.setattr(module.logger.registered_handler, "stream", stream)
    return lambda: [json.loads(line) for line in stream.getvalue().splitlines()]
