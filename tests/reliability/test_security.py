"""Cross-user attempts: every path from one user to another's videos is refused, with AWS's answers."""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import replace

import boto3
import pytest
import requests
from botocore import UNSIGNED
from botocore.config import Config
from botocore.credentials import Credentials
from botocore.exceptions import ClientError
from rel_actors import User, google_user, guest, pool_id_token, pool_user, video, video_id

from localcloud.access.credentials import CredentialAuthority
from localcloud.access.roles import pool_roles
from localcloud.cloud import LocalCloud
from localcloud.endpoints import Endpoints

pytestmark = pytest.mark.slow


@pytest.fixture
def pair(local_cloud: Endpoints) -> tuple[User, User]:
    """Two fresh users: the attacker and the victim."""
    return pool_user(local_cloud, "attacker"), pool_user(local_cloud, "victim")


@pytest.fixture
def victims_ready_video(local_cloud: Endpoints, pair: tuple[User, User]) -> str:
    """A ready video of the victim's (record and rendition written by the admin: no transcode needed)."""
    _, victim = pair
    vid, prefix = video_id(), f"{pair[1].identity_id}/"
    key = f"{prefix}{vid}/secret_360p.mp4"
    local_cloud.client("s3").put_object(Bucket=local_cloud.transcoded_bucket, Key=key, Body=b"\0\0\0\x18ftypmp42" * 10)
    local_cloud.client("s3").put_object(Bucket=local_cloud.originals_bucket, Key=f"{prefix}{vid}/secret.mp4", Body=b"x")
    now = "2026-11-26T12:00:00.000Z"
    local_cloud.client("dynamodb").put_item(TableName=local_cloud.table, Item={
        "owner_id": {"S": victim.identity_id}, "video_id": {"S": vid}, "status": {"S": "ready"},
        "title": {"S": "secret.mp4"}, "original_key": {"S": f"{prefix}{vid}/secret.mp4"},
        "created_at": {"S": now}, "updated_at": {"S": now}, "progress": {"N": "100"},
        "renditions": {"L": [{"M": {"key": {"S": key}, "width": {"N": "640"}, "height": {"N": "360"}}}]}})
    return vid


def _code(error: pytest.ExceptionInfo[ClientError]) -> str:
    return error.value.response["Error"]["Code"]


def test_s3_put_get_list_delete_and_multipart_on_anothers_prefix_are_refused(
        local_cloud: Endpoints, pair: tuple[User, User], victims_ready_video: str,
        observed: Callable[[str], None]) -> None:
    """S3 PutObject, GetObject, ListObjectsV2, DeleteObject and CreateMultipartUpload on another user's prefix"""
    attacker, victim = pair
    s3, bucket = attacker.s3(), local_cloud.originals_bucket
    theirs = f"{victim.identity_id}/{victims_ready_video}/secret.mp4"
    attempts = {
        "PutObject": lambda: s3.put_object(Bucket=bucket, Key=theirs, Body=b"overwrite"),
        "GetObject": lambda: s3.get_object(Bucket=bucket, Key=theirs),
        "ListObjectsV2": lambda: s3.list_objects_v2(Bucket=bucket, Prefix=f"{victim.identity_id}/"),
        "DeleteObject": lambda: s3.delete_object(Bucket=bucket, Key=theirs),
        "CreateMultipartUpload": lambda: s3.create_multipart_upload(Bucket=bucket, Key=f"{victim.identity_id}/x1234567/a.mp4"),
        "GetObject (transcoded)": lambda: s3.get_object(Bucket=local_cloud.transcoded_bucket,
                                                        Key=f"{victim.identity_id}/{victims_ready_video}/secret_360p.mp4"),
    }
    answers = {}
    for name, attempt in attempts.items():
        with pytest.raises(ClientError) as refused:
            attempt()
        answers[name] = _code(refused)
    observed(", ".join(f"{name}: {code}" for name, code in answers.items()))
    assert set(answers.values()) == {"AccessDenied"}
    assert local_cloud.client("s3").get_object(Bucket=bucket, Key=theirs)["Body"].read() == b"x"
    own = attacker.upload(video_id(), "mine.mp4", b"\0" * 64)
    observed("the attacker's own upload under their prefix still works")
    assert own.startswith(attacker.identity_id)


def test_mymedia_never_shows_or_deletes_anothers_video(
        local_cloud: Endpoints, pair: tuple[User, User], victims_ready_video: str,
        observed: Callable[[str], None]) -> None:
    """MyMedia GET/PATCH/DELETE /media/{victim's id}, and listing with the victim's id in the query and headers"""
    attacker, victim = pair
    missing = attacker.api("GET", f"/media/{video_id()}")
    got = attacker.api("GET", f"/media/{victims_ready_video}")
    patched = attacker.api("PATCH", f"/media/{victims_ready_video}", body=b'{"title": "mine now", "visibility": "link"}')
    deleted = attacker.api("DELETE", f"/media/{victims_ready_video}")
    spoofed = attacker.api("GET", "/media", {"owner_id": victim.identity_id, "identity_id": victim.identity_id},
                           headers={"X-Identity-Id": victim.identity_id, "X-Amz-Cognito-Identity-Id": victim.identity_id})
    observed(f"GET {got.status_code} {got.json().get('error')}, PATCH {patched.status_code} "
             f"{patched.json().get('error')}, DELETE {deleted.status_code} {deleted.json().get('error')} (a missing "
             f"video: {missing.status_code}), spoofed list {spoofed.status_code} with "
             f"{len(spoofed.json()['videos'])} videos")
    assert missing.status_code == 404
    for answer in (got, patched, deleted):  # the same answer as for a video that does not exist
        assert (answer.status_code, answer.json()) == (missing.status_code, missing.json())
    assert spoofed.status_code == 200 and spoofed.json()["videos"] == []
    record = video(local_cloud, victim.identity_id, victims_ready_video)
    assert (record["status"], record["title"], record.get("share_token")) == ("ready", "secret.mp4", None)
    assert victim.api("GET", f"/media/{victims_ready_video}").status_code == 200
    observed("the victim's video is untouched and still theirs")


def test_a_presigned_url_is_refused_after_it_expires(
        local_cloud: Endpoints, pair: tuple[User, User], victims_ready_video: str,
        observed: Callable[[str], None], wait_until, reconfigure) -> None:
    """Reusing a MyMedia presigned rendition URL after its expiry (URL_EXPIRY_SECONDS set to 3 s for the test)"""
    # Not 1 s: the signature's date has whole seconds, so a 1 s URL signed at hh:mm:ss.9 lives
    # 0.1 s, and a busy machine's first GET came too late.
    _, victim = pair
    reconfigure("MyMediaFunction", URL_EXPIRY_SECONDS="3")
    url = victim.api("GET", f"/media/{victims_ready_video}").json()["renditions"][0]["url"]
    fresh = requests.get(url, timeout=10)
    # A Response is falsy when not ok: wait for a one-element list instead.
    (expired,) = wait_until(lambda: (r := requests.get(url, timeout=10)).status_code != 200 and [r],
                            timeout=10, interval=0.25, message="the URL to expire")
    observed(f"fresh URL {fresh.status_code}; after expiry {expired.status_code} "
             f"'{expired.text.split('<Message>')[1].split('<')[0] if '<Message>' in expired.text else expired.text[:60]}'")
    assert fresh.status_code == 200
    assert expired.status_code == 403 and "<Code>AccessDenied</Code>" in expired.text


def test_a_token_from_another_user_pool_gets_no_identity(local_cloud: Endpoints,
                                                         observed: Callable[[str], None]) -> None:
    """GetId with an ID token from a different user pool (its own signing key), under its own and our provider name"""
    admin = local_cloud.client("cognito-idp")
    other = admin.create_user_pool(PoolName=f"intruder-{video_id()[:8]}")["UserPool"]["Id"]
    client_id = admin.create_user_pool_client(UserPoolId=other, ClientName="intruder",
                                              ExplicitAuthFlows=["ALLOW_USER_SRP_AUTH"])["UserPoolClient"]["ClientId"]
    token = pool_id_token(local_cloud, other, client_id, f"mallory-{video_id()[:6]}@evil.test")
    identity = boto3.client("cognito-identity", region_name=local_cloud.region, endpoint_url=local_cloud.aws,
                            config=Config(signature_version=UNSIGNED))
    ours = f"cognito-idp.{local_cloud.region}.amazonaws.com/{local_cloud.user_pool_id}"
    answers = []
    for provider in (f"cognito-idp.{local_cloud.region}.amazonaws.com/{other}", ours):
        with pytest.raises(ClientError) as refused:
            identity.get_id(IdentityPoolId=local_cloud.identity_pool_id, Logins={provider: token})
        answers.append(_code(refused))
    observed(f"as its own provider: {answers[0]}; as this pool's provider: {answers[1]}")
    assert answers == ["NotAuthorizedException", "NotAuthorizedException"]


def test_one_users_token_cannot_fetch_anothers_credentials(local_cloud: Endpoints,
                                                           observed: Callable[[str], None]) -> None:
    """GetCredentialsForIdentity for julie's identity id with bob's Google token"""
    julie, bob = google_user(local_cloud, "julie"), google_user(local_cloud, "bob")
    identity = boto3.client("cognito-identity", region_name=local_cloud.region, endpoint_url=local_cloud.aws,
                            config=Config(signature_version=UNSIGNED))
    with pytest.raises(ClientError) as refused:
        identity.get_credentials_for_identity(IdentityId=julie.identity_id, Logins=bob.logins)
    observed(f"{_code(refused)}: {refused.value.response['Error']['Message']}")
    assert _code(refused) == "NotAuthorizedException"


def test_expired_credentials_are_refused_by_s3_and_the_api(cloud: LocalCloud, local_cloud: Endpoints,
                                                           observed: Callable[[str], None]) -> None:
    """A user's own credentials, issued more than an hour ago, on S3 PutObject and MyMedia"""
    user = pool_user(local_cloud, "expired")
    old = CredentialAuthority.for_state_dir(cloud.state_dir, clock=lambda: time.time() - 3700).issue(
        identity_id=user.identity_id, identity_pool_id=local_cloud.identity_pool_id,
        role_arn=pool_roles(cloud.stack).by_kind["authenticated"], login_provider=next(iter(user.logins)),
        subject="expired")
    stale = replace(user, credentials=Credentials(old.access_key_id, old.secret_access_key, old.session_token))
    with pytest.raises(ClientError) as refused:
        stale.upload(video_id(), "late.mp4", b"\0" * 64)
    api = stale.api("GET", "/media")
    observed(f"S3: {_code(refused)}; MyMedia: {api.status_code} {api.headers.get('x-amzn-ErrorType')}")
    assert _code(refused) == "ExpiredToken"
    assert api.status_code == 403 and api.headers["x-amzn-ErrorType"] == "ExpiredTokenException"
    assert user.api("GET", "/media").status_code == 200


def test_a_guest_reaches_shared_videos_through_the_api_and_nothing_else(
        local_cloud: Endpoints, pair: tuple[User, User], victims_ready_video: str,
        observed: Callable[[str], None]) -> None:
    """Guest credentials of the page's basic flow (GetId, GetOpenIdToken, AssumeRoleWithWebIdentity) on S3, MyMedia"""
    visitor, (_, victim) = guest(local_cloud), pair
    s3, theirs = visitor.s3(), f"{victim.identity_id}/{victims_ready_video}"
    attempts = {
        "ListObjectsV2 (originals)": lambda: s3.list_objects_v2(Bucket=local_cloud.originals_bucket),
        "GetObject (originals)": lambda: s3.get_object(Bucket=local_cloud.originals_bucket, Key=f"{theirs}/secret.mp4"),
        "GetObject (transcoded)": lambda: s3.get_object(Bucket=local_cloud.transcoded_bucket,
                                                        Key=f"{theirs}/secret_360p.mp4"),
        "CreateMultipartUpload (own prefix)": lambda: s3.create_multipart_upload(
            Bucket=local_cloud.originals_bucket, Key=f"{visitor.identity_id}/{video_id()}/mine.mp4"),
        "PutObject (own prefix)": lambda: s3.put_object(
            Bucket=local_cloud.originals_bucket, Key=f"{visitor.identity_id}/{video_id()}/mine.mp4", Body=b"x"),
    }
    answers = {}
    for name, attempt in attempts.items():
        with pytest.raises(ClientError) as refused:
            attempt()
        answers[name] = _code(refused)
    api = {f"{method} {path}": visitor.api(method, path, body=body).status_code for method, path, body in [
        ("GET", "/media", None), ("GET", f"/media/{victims_ready_video}", None),
        ("PATCH", f"/media/{victims_ready_video}", b'{"visibility": "link"}'),
        ("DELETE", f"/media/{victims_ready_video}", None)]}
    shared = visitor.api("GET", "/shared/not-a-real-token")
    observed(", ".join(f"{name}: {code}" for name, code in answers.items()) + "; MyMedia: " +
             ", ".join(f"{route} {status}" for route, status in api.items()) +
             f"; GET /shared/<random> {shared.status_code} {shared.headers.get('x-amzn-ErrorType', '(from MyMedia)')}")
    assert set(answers.values()) == {"AccessDenied"}
    assert set(api.values()) == {403}
    assert shared.status_code == 404 and "x-amzn-ErrorType" not in shared.headers  # the function answered
    assert local_cloud.client("s3").get_object(Bucket=local_cloud.originals_bucket,
                                               Key=f"{theirs}/secret.mp4")["Body"].read() == b"x"

