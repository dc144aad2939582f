"""The page's botocore data, cut to its calls, makes exactly the requests the full data makes.

Runs the host's botocore (the same release the page vendors) twice: once on its own data,
once with the trimmed models and endpoints put first on its data path, and compares what
each client would send.
"""

from __future__ import annotations

import gzip
import json
from pathlib import Path
from typing import Any

import botocore
import botocore.session
import pytest
from botocore import UNSIGNED
from botocore.awsrequest import AWSResponse
from botocore.config import Config

from tools.site_build import botocore_data

DATA = Path(botocore.__file__).parent / "data"
# The calls the page makes, with the parameters it passes.
S3_CALLS = [
    ("create_multipart_upload", {"Bucket": "originals", "Key": "eu-west-1:abc/clip.mp4", "ContentType": "video/mp4"}),
    ("list_parts", {"Bucket": "originals", "Key": "eu-west-1:abc/clip.mp4", "UploadId": "u1", "PartNumberMarker": 2}),
    ("complete_multipart_upload", {"Bucket": "originals", "Key": "eu-west-1:abc/clip.mp4", "UploadId": "u1",
                                   "MultipartUpload": {"Parts": [{"ETag": '"e1"', "PartNumber": 1}]}}),
    ("abort_multipart_upload", {"Bucket": "originals", "Key": "eu-west-1:abc/clip.mp4", "UploadId": "u1"}),
]
IDENTITY_CALLS = [
    ("get_id", {"IdentityPoolId": "eu-west-1:pool", "Logins": {"accounts.google.com": "token"}}),
    ("get_credentials_for_identity", {"IdentityId": "eu-west-1:abc", "Logins": {"accounts.google.com": "token"}}),
    ("get_open_id_token", {"IdentityId": "eu-west-1:abc"}),
]
STS_CALLS = [
    ("assume_role_with_web_identity", {"RoleArn": "arn:aws:iam::123456789012:role/guest",
                                       "RoleSessionName": "guest-abc", "WebIdentityToken": "header.claims.sig"}),
]
# A refusal each protocol understands: every call ends in ClientError, after one attempt.
REFUSALS = {"s3": b"<Error><Code>Stub</Code><Message>refused</Message></Error>",
            "cognito-identity": b'{"__type": "Stub", "message": "refused"}',
            "sts": b"<ErrorResponse><Error><Code>Stub</Code><Message>refused</Message></Error></ErrorResponse>"}
VARYING = {"authorization", "x-amz-date", "amz-sdk-invocation-id", "amz-sdk-request", "user-agent"}


class Refusal:
    """The raw body botocore reads a stubbed answer from."""

    def __init__(self, body: bytes) -> None:
        self.body = body

    def stream(self, **_: Any) -> Any:
        yield self.body


def trimmed_data_path(tmp_path: Path) -> Path:
    """The page's trimmed files, laid out as a botocore data directory."""
    for path in [DATA / "endpoints.json", *DATA.glob("*/*/service-2.json*")]:
        relative = path.relative_to(DATA).as_posix()
        if relative.split("/")[0] not in (*botocore_data.PAGE_API, "endpoints.json"):
            continue
        kept = botocore_data.trim_member(f"botocore/data/{relative}", path.read_bytes())
        assert kept is not None
        name, data = kept
        target = tmp_path / name.removeprefix("botocore/data/")
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_bytes(data)
    return tmp_path


def sent(session: botocore.session.Session, service: str, calls: list[tuple[str, dict[str, Any]]],
         region: str, endpoint_url: str | None, config: Config) -> list[tuple[str, str, dict[str, str], bytes]]:
    """What a client of `session` sends for each call (answered by a stub, never the network)."""
    client = session.create_client(service, region_name=region, endpoint_url=endpoint_url, config=config,
                                   aws_access_key_id="AKIDEXAMPLE", aws_secret_access_key="secret",
                                   aws_session_token="token")
    requests = []

    def answer(request: Any, **_: Any) -> AWSResponse:
        headers = {k.lower(): v for k, v in request.headers.items() if k.lower() not in VARYING}
        requests.append((request.method, request.url, headers, request.body or b""))
        return AWSResponse(request.url, 400, {}, Refusal(REFUSALS[service]))

    client.meta.events.register("before-send", answer)
    for operation, params in calls:
        with pytest.raises(botocore.exceptions.ClientError):
            getattr(client, operation)(**params)
    if service == "s3":
        requests.append(("PRESIGN", client.generate_presigned_url(
            "upload_part", Params={"Bucket": "originals", "Key": "k", "UploadId": "u1", "PartNumber": 3},
            ExpiresIn=900).split("X-Amz-Date")[0], {}, b""))
    return requests


@pytest.mark.parametrize(("region", "endpoint_url"), [("us-east-1", None), ("eu-west-1", None),
                                                      ("us-east-1", "http://127.0.0.1:4566")])
def test_the_trimmed_data_sends_the_same_requests_as_botocores_own(tmp_path: Path, region: str,
                                                                   endpoint_url: str | None) -> None:
    full = botocore.session.Session()
    trimmed = botocore.session.Session()
    trimmed.get_component("data_loader").search_paths.insert(0, str(trimmed_data_path(tmp_path)))
    retries = {"mode": "standard", "max_attempts": 1}
    s3_config = Config(signature_version="s3v4", retries=retries,
                       s3={"addressing_style": "path" if endpoint_url else "virtual"})
    identity_config = Config(signature_version=UNSIGNED, retries=retries)
    for service, calls, config in (("s3", S3_CALLS, s3_config), ("cognito-identity", IDENTITY_CALLS, identity_config),
                                   ("sts", STS_CALLS, identity_config)):
        expected = sent(full, service, calls, region, endpoint_url, config)
        assert sent(trimmed, service, calls, region, endpoint_url, config) == expected
        assert len(expected) >= len(calls)


def test_the_trimmed_data_is_a_fraction_of_botocores() -> None:
    model = DATA / "s3" / "2006-03-01" / "service-2.json.gz"
    _, trimmed = botocore_data.trim_member("botocore/data/s3/2006-03-01/service-2.json.gz", model.read_bytes())
    assert len(trimmed) < len(gzip.decompress(model.read_bytes())) / 10
    assert set(json.loads(trimmed)["operations"]) == set(botocore_data.PAGE_API["s3"])


def test_an_operation_botocore_does_not_know_fails_the_build() -> None:
    model = (DATA / "cognito-identity" / "2014-06-30" / "service-2.json.gz").read_bytes()
    with pytest.raises(KeyError, match="GetIdentity"):
        botocore_data.trim_member("botocore/data/cognito-identity/2014-06-30/service-2.json.gz", model,
                                  {"cognito-identity": ("GetId", "GetIdentity")})
