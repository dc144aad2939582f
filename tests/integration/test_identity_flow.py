"""The whole sign-in exchange against the running local cloud, with the clients a browser's Python uses."""

from __future__ import annotations

import json
import secrets
from collections.abc import Callable
from typing import Any
from urllib.parse import parse_qs, urlsplit

import boto3
import pytest
import requests
from botocore import UNSIGNED
from botocore.auth import SigV4Auth
from botocore.awsrequest import AWSRequest
from botocore.config import Config
from botocore.credentials import Credentials
from botocore.exceptions import ClientError
from botocore.utils import percent_encode_sequence

from localcloud.endpoints import Endpoints

pytestmark = pytest.mark.slow
GOOGLE = "accounts.google.com"


def _id_token(cloud: Endpoints, user: str) -> str:
    """The implicit flow an automated client uses: prompt=none with login_hint, token in the fragment."""
    nonce, state = secrets.token_urlsafe(8), secrets.token_urlsafe(8)
    reply = requests.get(f"{cloud.idp}/authorize", allow_redirects=False, timeout=10, params={
        "response_type": "id_token", "client_id": cloud.google_client_id, "redirect_uri": f"{cloud.site}/",
        "scope": "openid email profile", "nonce": nonce, "state": state, "login_hint": user, "prompt": "none"})
    assert reply.status_code == 302
    answer = {k: v[0] for k, v in parse_qs(urlsplit(reply.headers["Location"]).fragment).items()}
    assert answer["state"] == state
    return answer["id_token"]


def _sign_in(cloud: Endpoints, user: str) -> tuple[str, Credentials]:
    identity = boto3.client("cognito-identity", region_name=cloud.region, endpoint_url=cloud.aws,
                            config=Config(signature_version=UNSIGNED))
    logins = {GOOGLE: _id_token(cloud, user)}
    identity_id = identity.get_id(IdentityPoolId=cloud.identity_pool_id, Logins=logins)["IdentityId"]
    answer = identity.get_credentials_for_identity(IdentityId=identity_id, Logins=logins)["Credentials"]
    return identity_id, Credentials(answer["AccessKeyId"], answer["SecretKey"], answer["SessionToken"])


def _s3(cloud: Endpoints, credentials: Credentials) -> Any:
    return boto3.client("s3", region_name=cloud.region, endpoint_url=cloud.aws,
                        aws_access_key_id=credentials.access_key, aws_secret_access_key=credentials.secret_key,
                        aws_session_token=credentials.token, config=Config(signature_version="s3v4"))


def _api(cloud: Endpoints, credentials: Credentials, path: str, query: dict[str, str] | None = None) -> requests.Response:
    # SigV4 signs the URI-encoded query (":" as %3A), as AWS recomputes it; encode it the same way.
    url = f"{cloud.api}{path}" + (f"?{percent_encode_sequence(query)}" if query else "")
    request = AWSRequest(method="GET", url=url)
    SigV4Auth(credentials, "execute-api", cloud.region).add_auth(request)
    return requests.get(request.url, headers=dict(request.headers), timeout=30)


def test_google_sign_in_to_upload_to_signed_mymedia_call(local_cloud: Endpoints,
                                                         wait_until: Callable[..., Any]) -> None:
    julie_id, julie = _sign_in(local_cloud, "julie")
    bob_id, _ = _sign_in(local_cloud, "bob")
    assert julie_id != bob_id and _sign_in(local_cloud, "julie")[0] == julie_id

    s3, video_id = _s3(local_cloud, julie), secrets.token_hex(13)
    s3.put_object(Bucket=local_cloud.originals_bucket, Key=f"{julie_id}/{video_id}/hello.mp4", Body=b"not a video")
    with pytest.raises(ClientError) as refused:
        s3.put_object(Bucket=local_cloud.originals_bucket, Key=f"{bob_id}/{video_id}/hello.mp4", Body=b"x")
    assert refused.value.response["Error"]["Code"] == "AccessDenied"

    mine = wait_until(lambda: (r := _api(local_cloud, julie, "/media")).status_code == 200 and video_id in r.text
                      and r, timeout=30, message="julie's upload in her MyMedia listing")
    spoofed = _api(local_cloud, julie, "/media", {"identity_id": bob_id, "owner_id": bob_id})
    assert spoofed.status_code == 200 and bob_id not in spoofed.text and video_id in spoofed.text
    assert json.loads(mine.text)


def test_unsigned_and_forged_calls_are_refused(local_cloud: Endpoints) -> None:
    assert requests.get(f"{local_cloud.api}/media", timeout=10).json() == {"message": "Missing Authentication Token"}
    _, julie = _sign_in(local_cloud, "julie")
    forged = Credentials(julie.access_key, "not-the-secret", julie.token)
    reply = _api(local_cloud, forged, "/media")
    assert reply.status_code == 403 and reply.headers["x-amzn-ErrorType"] == "InvalidSignatureException"
    anonymous = requests.put(f"{local_cloud.aws}/{local_cloud.originals_bucket}/x/y/z.mp4", data=b"x", timeout=10)
    assert anonymous.status_code == 403 and "<Code>AccessDenied</Code>" in anonymous.text
