"""People and files for the reliability suite: real sign-ins, browser-like uploads, signed MyMedia calls, clips.

Users come from the Cognito user pool (any number, made per test, so no two
tests share an identity) or from the Google stand-in (julie, bob, carol), and
always go through the real exchange: ID token -> GetId ->
GetCredentialsForIdentity; guests, like the page's, through the basic flow: GetId ->
GetOpenIdToken -> STS AssumeRoleWithWebIdentity with the guest role. Uploads are S3 multipart with those credentials, as
the page does; MyMedia calls are SigV4-signed HTTP requests to the local API.
"""

from __future__ import annotations

import json
import secrets
import subprocess
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlsplit

import boto3
import requests
from boto3.dynamodb.types import TypeDeserializer
from botocore import UNSIGNED
from botocore.auth import SigV4Auth
from botocore.awsrequest import AWSRequest
from botocore.config import Config
from botocore.credentials import Credentials
from botocore.utils import percent_encode_sequence
from pycognito.aws_srp import AWSSRP

from localcloud.endpoints import Endpoints

GOOGLE = "accounts.google.com"
TERMINAL = frozenset({"ready", "failed", "canceled"})
PASSWORD = "Reliable-pass-1"


@dataclass
class User:
    """A signed-in person: identity id, one hour of the authenticated role, and what they can do with it."""

    cloud: Endpoints
    name: str
    identity_id: str
    credentials: Credentials
    logins: dict[str, str]

    def s3(self) -> Any:
        return boto3.client("s3", region_name=self.cloud.region, endpoint_url=self.cloud.aws,
                            aws_access_key_id=self.credentials.access_key,
                            aws_secret_access_key=self.credentials.secret_key,
                            aws_session_token=self.credentials.token,
                            config=Config(signature_version="s3v4", retries={"max_attempts": 1}))

    def upload(self, video_id: str, file_name: str, body: bytes, content_type: str = "video/mp4") -> str:
        """A one-part multipart upload under the user's own prefix, as the page sends small files."""
        s3, key = self.s3(), f"{self.identity_id}/{video_id}/{file_name}"
        bucket = self.cloud.originals_bucket
        upload_id = s3.create_multipart_upload(Bucket=bucket, Key=key, ContentType=content_type)["UploadId"]
        etag = s3.upload_part(Bucket=bucket, Key=key, UploadId=upload_id, PartNumber=1, Body=body)["ETag"]
        s3.complete_multipart_upload(Bucket=bucket, Key=key, UploadId=upload_id,
                                     MultipartUpload={"Parts": [{"PartNumber": 1, "ETag": etag}]})
        return key

    def api(self, method: str, path: str, query: dict[str, str] | None = None,
            body: bytes | None = None, headers: dict[str, str] | None = None) -> requests.Response:
        """A SigV4-signed call to MyMedia (query encoded as AWS canonicalises it)."""
        url = f"{self.cloud.api}{path}" + (f"?{percent_encode_sequence(query)}" if query else "")
        request = AWSRequest(method=method, url=url, data=body, headers=headers or {})
        SigV4Auth(self.credentials, "execute-api", self.cloud.region).add_auth(request)
        return requests.request(method, request.url, headers=dict(request.headers), data=body, timeout=60)


def _public_client(cloud: Endpoints, service: str) -> Any:
    """Cognito Identity and STS's AssumeRoleWithWebIdentity are called without a signature."""
    return boto3.client(service, region_name=cloud.region, endpoint_url=cloud.aws,
                        config=Config(signature_version=UNSIGNED))


def _exchange(cloud: Endpoints, name: str, logins: dict[str, str]) -> User:
    identity = _public_client(cloud, "cognito-identity")
    identity_id = identity.get_id(IdentityPoolId=cloud.identity_pool_id, Logins=logins)["IdentityId"]
    answer = identity.get_credentials_for_identity(IdentityId=identity_id, Logins=logins)["Credentials"]
    return User(cloud, name, identity_id,
                Credentials(answer["AccessKeyId"], answer["SecretKey"], answer["SessionToken"]), logins)


def google_user(cloud: Endpoints, login: str) -> User:
    """One of the stand-in's test users, signed in by the implicit flow an automated client uses."""
    nonce, state = secrets.token_urlsafe(8), secrets.token_urlsafe(8)
    reply = requests.get(f"{cloud.idp}/authorize", allow_redirects=False, timeout=10, params={
        "response_type": "id_token", "client_id": cloud.google_client_id, "redirect_uri": f"{cloud.site}/",
        "scope": "openid email profile", "nonce": nonce, "state": state, "login_hint": login, "prompt": "none"})
    fragment = parse_qs(urlsplit(reply.headers["Location"]).fragment)
    return _exchange(cloud, login, {GOOGLE: fragment["id_token"][0]})


def pool_id_token(cloud: Endpoints, pool_id: str, client_id: str, email: str) -> str:
    """A fresh user-pool user's ID token, signed in by SRP (pycognito's client) as the page does."""
    admin = cloud.client("cognito-idp")
    admin.admin_create_user(UserPoolId=pool_id, Username=email, MessageAction="SUPPRESS",
                            UserAttributes=[{"Name": "email", "Value": email}])
    admin.admin_set_user_password(UserPoolId=pool_id, Username=email, Password=PASSWORD, Permanent=True)
    public = boto3.client("cognito-idp", region_name=cloud.region, endpoint_url=cloud.aws,
                          config=Config(signature_version=UNSIGNED))
    srp = AWSSRP(username=email, password=PASSWORD, pool_id=pool_id, client_id=client_id, client=public)
    return srp.authenticate_user()["AuthenticationResult"]["IdToken"]


def pool_user(cloud: Endpoints, label: str) -> User:
    """A brand-new user of the stack's user pool, signed in through the identity pool."""
    email = f"{label}-{secrets.token_hex(4)}@pettube.test"
    token = pool_id_token(cloud, cloud.user_pool_id, cloud.user_pool_client_id, email)
    return _exchange(cloud, email, {f"cognito-idp.{cloud.region}.amazonaws.com/{cloud.user_pool_id}": token})


def guest(cloud: Endpoints) -> User:
    """Someone who opened a share link: a new unauthenticated identity taking the guest role by the basic flow."""
    identity = _public_client(cloud, "cognito-identity")
    identity_id = identity.get_id(IdentityPoolId=cloud.identity_pool_id)["IdentityId"]
    token = identity.get_open_id_token(IdentityId=identity_id)["Token"]
    answer = _public_client(cloud, "sts").assume_role_with_web_identity(
        RoleArn=cloud.guest_role_arn, RoleSessionName="guest", WebIdentityToken=token)["Credentials"]
    return User(cloud, "guest", identity_id,
                Credentials(answer["AccessKeyId"], answer["SecretAccessKey"], answer["SessionToken"]), {})


def video_id() -> str:
    """A fresh 26-character lowercase id, like the page's ULIDs."""
    return secrets.token_hex(13)


def video(cloud: Endpoints, owner_id: str, vid: str) -> dict[str, Any] | None:
    """The video's record, read strongly consistently by the admin."""
    item = cloud.client("dynamodb").get_item(TableName=cloud.table, ConsistentRead=True, Key={
        "owner_id": {"S": owner_id}, "video_id": {"S": vid}}).get("Item")
    return {k: TypeDeserializer().deserialize(v) for k, v in item.items()} if item else None


def settled(cloud: Endpoints, owner_id: str, vid: str) -> dict[str, Any] | None:
    """The record once it is terminal (for wait_until), else None."""
    item = video(cloud, owner_id, vid)
    return item if item and item["status"] in TERMINAL else None


def clip(path: Path, size: str = "160x120", seconds: float = 1, audio: bool = True, video: bool = True,
         rate: int = 10) -> bytes:
    """A short generated clip (or audio-only file) made with the ffmpeg PyPI ships."""
    import imageio_ffmpeg

    inputs: list[str] = []
    if video:
        inputs += ["-f", "lavfi", "-i", f"testsrc2=size={size}:rate={rate}:duration={seconds}"]
    if audio:
        inputs += ["-f", "lavfi", "-i", f"sine=duration={seconds}"]
    codecs = (["-c:v", "libx264", "-preset", "ultrafast", "-pix_fmt", "yuv420p"] if video else []) + \
        (["-c:a", "aac"] if audio else [])
    subprocess.run([imageio_ffmpeg.get_ffmpeg_exe(), "-v", "error", "-y", *inputs, *codecs, "-shortest", str(path)],
                   check=True, timeout=120)
    return path.read_bytes()


def body_json(response: requests.Response) -> Any:
    """The JSON body, or the raw text when it is not JSON (so assertions show it)."""
    try:
        return response.json()
    except json.JSONDecodeError:
        return response.text
