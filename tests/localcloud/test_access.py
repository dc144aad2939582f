"""The guard in front of moto: signatures checked, role credentials held to the template's policy."""

from __future__ import annotations

import io
import json
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import pytest
from botocore import UNSIGNED
from botocore.config import Config
from botocore.credentials import Credentials
from botocore.exceptions import ClientError
from identity_fakes import (
    ADMIN_KEY,
    ADMIN_SECRET,
    EDGE,
    FakeClock,
    make_ctx,
    presigned,
    session_for,
    signed,
    stack,
    to_werkzeug,
    wsgi_client,
)
from moto.moto_server.werkzeug_app import DomainDispatcherApplication, create_backend_app
from werkzeug.test import Client
from werkzeug.wrappers import Request

from localcloud import access, mediaconvert
from localcloud.access.credentials import CredentialAuthority
from localcloud.access.policy import Policy, RequestContext
from localcloud.access.s3actions import operation as s3_operation
from localcloud.edge import Edge

BUCKET = stack().physical_name("OriginalsBucket")
TRANSCODED = stack().physical_name("TranscodedBucket")
JULIE, BOB, GUEST = (f"us-east-1:{uuid.uuid4()}" for _ in range(3))


class Setup:
    """An in-process edge (moto + the guard) and credentials for julie and bob."""

    def __init__(self, state_dir: Path) -> None:
        self.state_dir = state_dir
        self.clock = FakeClock()
        self._clients: dict[tuple[str, str], Any] = {}
        self.guard = access.create(make_ctx(state_dir), clock=self.clock)
        self.edge = Edge(DomainDispatcherApplication(create_backend_app), [], [self.guard], lambda bucket: [])
        authority = CredentialAuthority.for_state_dir(state_dir, clock=self.clock)
        self.creds = {name: session_for(authority, iid, name) for name, iid in (("julie", JULIE), ("bob", BOB))}
        self.creds["guest"] = session_for(authority, GUEST, None)
        self.admin = self.client("s3", ADMIN_KEY, ADMIN_SECRET)
        for bucket in {BUCKET, TRANSCODED} - {b["Name"] for b in self.admin.list_buckets()["Buckets"]}:
            self.admin.create_bucket(Bucket=bucket)

    def client(self, service: str, key: str, secret: str, token: str | None = None) -> Any:
        # Like the web app and MyMedia: SigV4 presigned URLs (S3 refuses SigV2 on new buckets).
        return wsgi_client(self.edge, service, aws_access_key_id=key, aws_secret_access_key=secret,
                           aws_session_token=token, config=Config(signature_version="s3v4") if service == "s3" else None)

    def of(self, name: str, service: str = "s3") -> Any:
        if (name, service) not in self._clients:  # building a boto3 client is the slow part
            c = self.creds[name]
            self._clients[name, service] = self.client(service, c.access_key_id, c.secret_access_key,
                                                       c.session_token)
        return self._clients[name, service]

    def edge_reply(self, request: Any) -> Any:
        """The edge's whole answer to one prepared werkzeug request."""
        return Client(self.edge).open(request)

    def botocore_creds(self, name: str) -> Credentials:
        c = self.creds[name]
        return Credentials(c.access_key_id, c.secret_access_key, c.session_token)


@pytest.fixture(scope="module")
def setup(tmp_path_factory: pytest.TempPathFactory) -> Setup:
    return Setup(tmp_path_factory.mktemp("state"))


@pytest.fixture(autouse=True)
def _reset_clock(setup: Setup) -> None:
    setup.clock.now = FakeClock().now


def _code(call: Any) -> str:
    with pytest.raises(ClientError) as caught:
        call()
    return caught.value.response["Error"]["Code"]


def test_julie_writes_under_her_own_prefix(setup: Setup) -> None:
    setup.of("julie").put_object(Bucket=BUCKET, Key=f"{JULIE}/v1/cat.mp4", Body=b"meow")
    assert setup.admin.get_object(Bucket=BUCKET, Key=f"{JULIE}/v1/cat.mp4")["Body"].read() == b"meow"


def test_julie_completes_a_multipart_upload_under_her_prefix(setup: Setup) -> None:
    s3, key = setup.of("julie"), f"{JULIE}/v2/long.mp4"
    upload = s3.create_multipart_upload(Bucket=BUCKET, Key=key)["UploadId"]
    part1 = s3.upload_part(Bucket=BUCKET, Key=key, UploadId=upload, PartNumber=1, Body=b"a" * 5 * 1024 * 1024)
    part2 = s3.upload_part(Bucket=BUCKET, Key=key, UploadId=upload, PartNumber=2, Body=b"b")
    assert len(s3.list_parts(Bucket=BUCKET, Key=key, UploadId=upload)["Parts"]) == 2
    # Listing the bucket's unfinished uploads would show everyone's: the role does not allow it.
    with pytest.raises(ClientError, match="AccessDenied"):
        s3.list_multipart_uploads(Bucket=BUCKET, Prefix=f"{JULIE}/")
    s3.complete_multipart_upload(Bucket=BUCKET, Key=key, UploadId=upload, MultipartUpload={"Parts": [
        {"PartNumber": 1, "ETag": part1["ETag"]}, {"PartNumber": 2, "ETag": part2["ETag"]}]})
    assert setup.admin.head_object(Bucket=BUCKET, Key=key)["ContentLength"] == 5 * 1024 * 1024 + 1


def test_julie_cannot_put_get_or_list_under_bobs_prefix(setup: Setup) -> None:
    setup.admin.put_object(Bucket=BUCKET, Key=f"{BOB}/v1/dog.mp4", Body=b"woof")
    julie = setup.of("julie")
    assert _code(lambda: julie.put_object(Bucket=BUCKET, Key=f"{BOB}/v1/dog.mp4", Body=b"x")) == "AccessDenied"
    assert _code(lambda: julie.get_object(Bucket=BUCKET, Key=f"{BOB}/v1/dog.mp4")) == "AccessDenied"
    assert _code(lambda: julie.list_objects_v2(Bucket=BUCKET, Prefix=f"{BOB}/")) == "AccessDenied"
    assert _code(lambda: julie.create_multipart_upload(Bucket=BUCKET, Key=f"{BOB}/v9/x.mp4")) == "AccessDenied"
    assert _code(lambda: julie.delete_object(Bucket=BUCKET, Key=f"{BOB}/v1/dog.mp4")) == "AccessDenied"
    assert _code(lambda: julie.copy_object(Bucket=BUCKET, Key=f"{JULIE}/v1/stolen.mp4",
                                           CopySource={"Bucket": BUCKET, "Key": f"{BOB}/v1/dog.mp4"})) == "AccessDenied"
    assert setup.admin.get_object(Bucket=BUCKET, Key=f"{BOB}/v1/dog.mp4")["Body"].read() == b"woof"


def test_a_guest_can_neither_upload_nor_list_nor_read_either_bucket(setup: Setup) -> None:
    """The guest role grants nothing on S3, not even under the guest's own identity id."""
    setup.admin.put_object(Bucket=TRANSCODED, Key=f"{JULIE}/v1/cat_360p.mp4", Body=b"meow")
    setup.admin.put_object(Bucket=BUCKET, Key=f"{JULIE}/v1/cat.mp4", Body=b"meow")
    guest = setup.of("guest")
    attempts = [
        lambda: guest.put_object(Bucket=BUCKET, Key=f"{GUEST}/v1/mine.mp4", Body=b"x"),
        lambda: guest.create_multipart_upload(Bucket=BUCKET, Key=f"{GUEST}/v1/mine.mp4"),
        lambda: guest.list_objects_v2(Bucket=BUCKET, Prefix=f"{GUEST}/"),
        lambda: guest.list_objects_v2(Bucket=TRANSCODED),
        lambda: guest.get_object(Bucket=BUCKET, Key=f"{JULIE}/v1/cat.mp4"),
        lambda: guest.get_object(Bucket=TRANSCODED, Key=f"{JULIE}/v1/cat_360p.mp4"),
    ]
    assert [_code(attempt) for attempt in attempts] == ["AccessDenied"] * len(attempts)
    assert _code(lambda: setup.of("guest", "dynamodb").list_tables()) == "AccessDeniedException"


def test_role_credentials_reach_no_other_service(setup: Setup) -> None:
    assert _code(lambda: setup.of("julie", "dynamodb").list_tables()) == "AccessDeniedException"


def test_a_presigned_put_works_until_it_expires(setup: Setup) -> None:
    key = f"{JULIE}/v3/clip.mp4"
    url = setup.of("julie").generate_presigned_url("put_object", Params={"Bucket": BUCKET, "Key": key}, ExpiresIn=60)
    assert setup.guard.check(to_werkzeug(url, "PUT", {}, b"data")) is None
    setup.clock.advance(61)
    refusal = setup.guard.check(to_werkzeug(url, "PUT", {}, b"data"))
    assert refusal is not None and refusal.status_code == 403
    assert b"<Code>AccessDenied</Code><Message>Request has expired</Message>" in refusal.get_data()


def test_a_presigned_url_cannot_be_pointed_at_another_key(setup: Setup) -> None:
    url = setup.of("julie").generate_presigned_url("put_object", Params={"Bucket": BUCKET, "Key": f"{JULIE}/a.mp4"})
    refusal = setup.guard.check(to_werkzeug(url.replace(f"{JULIE}/a.mp4".replace(":", "%3A"), f"{JULIE}/b.mp4"),
                                            "PUT", {}, b""))
    assert refusal is not None and b"SignatureDoesNotMatch" in refusal.get_data()


def test_a_presigned_put_under_bobs_prefix_is_refused(setup: Setup) -> None:
    refusal = setup.guard.check(presigned("PUT", f"{EDGE}/{BUCKET}/{BOB}/v1/x.mp4", setup.botocore_creds("julie")))
    assert refusal is not None and b"<Code>AccessDenied</Code>" in refusal.get_data()


def test_expired_credentials_are_refused(setup: Setup) -> None:
    julie = setup.of("julie")
    setup.clock.advance(3600)
    assert _code(lambda: julie.put_object(Bucket=BUCKET, Key=f"{JULIE}/late.mp4", Body=b"x")) == "ExpiredToken"


def test_unknown_keys_forged_tokens_and_wrong_secrets_are_refused(setup: Setup) -> None:
    julie = setup.creds["julie"]
    key = f"{JULIE}/x.mp4"
    stranger = setup.client("s3", "AKIASTRANGERSTRANGER", "secret")
    assert _code(lambda: stranger.put_object(Bucket=BUCKET, Key=key, Body=b"x")) == "InvalidAccessKeyId"
    forged = setup.client("s3", julie.access_key_id, julie.secret_access_key, julie.session_token[:-3] + "abc")
    assert _code(lambda: forged.put_object(Bucket=BUCKET, Key=key, Body=b"x")) == "InvalidToken"
    borrowed = setup.client("s3", setup.creds["bob"].access_key_id, julie.secret_access_key, julie.session_token)
    assert _code(lambda: borrowed.put_object(Bucket=BUCKET, Key=key, Body=b"x")) == "InvalidToken"
    wrong_secret = setup.client("s3", julie.access_key_id, "not-the-secret", julie.session_token)
    assert _code(lambda: wrong_secret.put_object(Bucket=BUCKET, Key=key, Body=b"x")) == "SignatureDoesNotMatch"
    bad_admin = setup.client("s3", ADMIN_KEY, "not-the-admin-secret")
    assert _code(lambda: bad_admin.list_buckets()) == "SignatureDoesNotMatch"


def test_signature_version_2_is_refused(setup: Setup) -> None:
    julie = setup.creds["julie"]
    legacy = wsgi_client(setup.edge, "s3", aws_access_key_id=julie.access_key_id,
                         aws_secret_access_key=julie.secret_access_key, aws_session_token=julie.session_token)
    url = legacy.generate_presigned_url("put_object", Params={"Bucket": BUCKET, "Key": f"{JULIE}/a.mp4"})
    refusal = setup.guard.check(to_werkzeug(url, "PUT", {}, b""))
    assert refusal is not None and b"<Code>InvalidRequest</Code>" in refusal.get_data()


def test_a_changed_header_breaks_the_signature(setup: Setup) -> None:
    request = signed("PUT", f"{EDGE}/{BUCKET}/{JULIE}/x.mp4", setup.botocore_creds("julie"), body=b"x",
                     headers={"Content-Type": "video/mp4"})
    request.environ["CONTENT_TYPE"] = "text/html"
    refusal = setup.guard.check(request)
    assert refusal is not None and b"SignatureDoesNotMatch" in refusal.get_data()


def test_unsigned_requests_are_refused_but_preflights_and_public_sign_in_pass(setup: Setup) -> None:
    anonymous = Client(setup.edge)
    reply = anonymous.put(f"/{BUCKET}/{JULIE}/x.mp4", data=b"x")
    assert reply.status_code == 403 and b"<Code>AccessDenied</Code>" in reply.get_data()
    preflight = to_werkzeug(f"{EDGE}/{BUCKET}/{JULIE}/x.mp4", "OPTIONS",
                            {"Origin": "http://127.0.0.1:8080", "Access-Control-Request-Method": "PUT"}, None)
    assert setup.guard.check(preflight) is None
    sign_in = to_werkzeug(f"{EDGE}/", "POST", {"X-Amz-Target": "AWSCognitoIdentityProviderService.InitiateAuth"},
                          b"{}")
    assert setup.guard.check(sign_in) is None
    admin_only = to_werkzeug(f"{EDGE}/", "POST", {"X-Amz-Target": "AWSCognitoIdentityProviderService.AdminGetUser"},
                             b"{}")
    refusal = setup.guard.check(admin_only)
    assert refusal is not None and json.loads(refusal.get_data())["__type"] == "MissingAuthenticationTokenException"


def test_policy_variables_deny_and_unknown_conditions() -> None:
    policy = Policy.from_documents([{"Statement": [
        {"Effect": "Allow", "Action": "s3:*", "Resource": "arn:aws:s3:::b/${cognito-identity.amazonaws.com:sub}/*"},
        {"Effect": "Deny", "Action": "s3:DeleteObject", "Resource": "*"},
        {"Effect": "Allow", "Action": "s3:ListBucket", "Resource": "arn:aws:s3:::b",
         "Condition": {"StringLike": {"s3:prefix": "${cognito-identity.amazonaws.com:sub}/*"}}},
        {"Effect": "Allow", "Action": "s3:GetObject", "Resource": "*", "Condition": {"DateLessThan": {"x": "y"}}},
    ]}])
    mine = {"cognito-identity.amazonaws.com:sub": "us-east-1:j"}
    assert policy.allows(RequestContext("s3:PutObject", "arn:aws:s3:::b/us-east-1:j/v/f", mine))
    assert not policy.allows(RequestContext("s3:PutObject", "arn:aws:s3:::b/us-east-1:k/v/f", mine))
    assert not policy.allows(RequestContext("s3:PutObject", "arn:aws:s3:::b/us-east-1:j/v/f", {}))
    assert not policy.allows(RequestContext("s3:DeleteObject", "arn:aws:s3:::b/us-east-1:j/v/f", mine))
    assert policy.allows(RequestContext("s3:ListBucket", "arn:aws:s3:::b", mine, {"s3:prefix": ["us-east-1:j/"]}))
    assert not policy.allows(RequestContext("s3:ListBucket", "arn:aws:s3:::b", mine, {"s3:prefix": ["us-east-1:k/"]}))
    assert not policy.allows(RequestContext("s3:ListBucket", "arn:aws:s3:::b", mine))
    assert not policy.allows(RequestContext("s3:GetObject", "arn:aws:s3:::other/x", mine))


def _bucket_survives(setup: Setup) -> bool:
    return BUCKET in [b["Name"] for b in setup.admin.list_buckets()["Buckets"]]


def test_nobody_but_the_admin_key_reaches_motos_control_plane(setup: Setup) -> None:
    """One unsigned or role-signed POST to /moto-api/reset would wipe every bucket and table."""
    anonymous = Client(setup.edge)
    reply = anonymous.post("/moto-api/reset")
    assert reply.status_code == 403 and reply.json["__type"] == "MissingAuthenticationTokenException"
    assert anonymous.get("/moto-api/data.json").status_code == 403
    julie = setup.edge_reply(signed("POST", f"{EDGE}/moto-api/reset", setup.botocore_creds("julie"), service="moto"))
    assert julie.status_code == 403 and "not allowed to use moto's control plane" in julie.json["message"]
    assert _bucket_survives(setup)
    admin = setup.edge_reply(signed("GET", f"{EDGE}/moto-api/state-manager/get-transition?model_name=s3::keyrestore",
                                    Credentials(ADMIN_KEY, ADMIN_SECRET), service="moto"))
    assert admin.status_code == 200, admin.get_data(as_text=True)


def test_a_web_page_cannot_reach_motos_control_plane_even_with_the_admin_signature(setup: Setup) -> None:
    """A cross-site form POST (what any web page can send to 127.0.0.1) is refused before anything else."""
    form = Client(setup.edge).post("/moto-api/reset", data={"x": "1"},
                                   headers={"Origin": "http://evil.example", "Sec-Fetch-Site": "cross-site",
                                            "Sec-Fetch-Mode": "navigate"})
    assert form.status_code == 403 and "web pages" in form.json["message"]
    page = setup.edge_reply(signed("POST", f"{EDGE}/moto-api/reset", Credentials(ADMIN_KEY, ADMIN_SECRET),
                                   service="moto", headers={"Origin": "http://evil.example"}))
    assert page.status_code == 403
    assert _bucket_survives(setup)


@pytest.mark.parametrize(("method", "path", "query", "headers", "name", "action"), [
    ("GET", "/b/k", "", {}, "GetObject", "GetObject"),
    ("HEAD", "/b/k", "", {}, "HeadObject", "GetObject"),
    ("PUT", "/b/k", "partNumber=1&uploadId=u", {}, "UploadPart", "PutObject"),
    ("PUT", "/b/k", "", {"x-amz-copy-source": "/b/other"}, "CopyObject", "PutObject"),
    ("GET", "/b/k", "uploadId=u", {}, "ListParts", "ListMultipartUploadParts"),
    ("GET", "/b", "list-type=2&prefix=p", {}, "ListObjectsV2", "ListBucket"),
    ("POST", "/b", "delete", {}, "DeleteObjects", "DeleteObject"),
    ("GET", "/", "", {}, "ListBuckets", "ListAllMyBuckets"),
])
def test_s3_requests_are_named_as_the_api_and_its_permissions_name_them(
        method: str, path: str, query: str, headers: dict[str, str], name: str, action: str) -> None:
    """One table serves the guard (IAM action) and fault injection (operation name)."""
    called = s3_operation(Request.from_values(path, query_string=query, method=method, headers=headers))
    assert (called.name, called.action) == (name, action)


@pytest.fixture(scope="module")
def mediaconvert_edge(setup: Setup) -> Iterator[Edge]:
    """The local MediaConvert on an in-process edge, as the local cloud puts it in front of moto."""
    service = mediaconvert.create(make_ctx(setup.state_dir))
    yield Edge(DomainDispatcherApplication(create_backend_app), [service], [setup.guard], lambda bucket: [])
    service.close()


def test_only_the_admin_key_reaches_mediaconvert(setup: Setup, mediaconvert_edge: Edge) -> None:
    """Jobs name every user's identity id and keys: a user's, a guest's, a forged or no signature gets nothing."""
    def jobs(**credentials: Any) -> Any:
        return wsgi_client(mediaconvert_edge, "mediaconvert", **credentials).list_jobs()

    assert jobs(aws_access_key_id=ADMIN_KEY, aws_secret_access_key=ADMIN_SECRET)["Jobs"] == []
    refused = {}
    for who in ("julie", "guest"):
        c = setup.creds[who]
        refused[who] = _code(lambda: jobs(aws_access_key_id=c.access_key_id, aws_secret_access_key=c.secret_access_key,
                                          aws_session_token=c.session_token))
    refused["wrong secret"] = _code(lambda: jobs(aws_access_key_id=ADMIN_KEY, aws_secret_access_key="guess"))
    refused["unsigned"] = _code(lambda: jobs(config=Config(signature_version=UNSIGNED)))
    assert refused == {"julie": "AccessDeniedException", "guest": "AccessDeniedException",
                       "wrong secret": "InvalidSignatureException", "unsigned": "MissingAuthenticationTokenException"}


def test_moto_services_answer_every_region_each_starting_empty(setup: Setup) -> None:
    """As on AWS (and bare moto): a queue made in eu-west-1 lives there, not in the template's region."""
    def sqs(region: str) -> Any:
        return wsgi_client(setup.edge, "sqs", region_name=region, aws_access_key_id=ADMIN_KEY,
                           aws_secret_access_key=ADMIN_SECRET)

    name = f"regional-{uuid.uuid4().hex[:8]}"
    sqs("eu-west-1").create_queue(QueueName=name)
    assert len(sqs("eu-west-1").list_queues(QueueNamePrefix=name)["QueueUrls"]) == 1
    assert sqs("us-east-1").list_queues(QueueNamePrefix=name).get("QueueUrls", []) == []


def test_pettubes_own_services_answer_only_the_templates_region(setup: Setup, mediaconvert_edge: Edge) -> None:
    """MediaConvert and the control planes hold the template's resources, which live in its region."""
    client = wsgi_client(mediaconvert_edge, "mediaconvert", region_name="eu-west-1", aws_access_key_id=ADMIN_KEY,
                         aws_secret_access_key=ADMIN_SECRET)
    with pytest.raises(ClientError) as refused:
        client.list_jobs()
    assert refused.value.response["Error"]["Message"] == (
        "Credential should be scoped to a valid region, not 'eu-west-1'. Expecting 'us-east-1'")


def _form_upload(setup: Setup, post: dict[str, Any], content: bytes, **changed: str) -> Any:
    """A browser's form POST of ``post`` (generate_presigned_post's url and fields), ``changed`` fields altered."""
    fields = post["fields"] | changed
    return Client(setup.edge).post(urlsplit(post["url"]).path, data=fields | {"file": (io.BytesIO(content), "pet.mp4")},
                                   content_type="multipart/form-data")


def test_a_presigned_post_uploads_only_what_its_policy_allows_until_it_expires(setup: Setup) -> None:
    key = f"{JULIE}/v9/pet.mp4"
    post = setup.of("julie").generate_presigned_post(
        BUCKET, key, Fields={"Content-Type": "video/mp4"}, ExpiresIn=60,
        Conditions=[{"Content-Type": "video/mp4"}, ["content-length-range", 1, 10]])
    assert _form_upload(setup, post, b"0123456789").status_code == 204
    assert setup.admin.get_object(Bucket=BUCKET, Key=key)["Body"].read() == b"0123456789"

    refusals = {
        "too big": _form_upload(setup, post, b"0123456789A"),
        "another key": _form_upload(setup, post, b"x", key=f"{JULIE}/v9/other.mp4"),
        "a field the policy does not name": _form_upload(setup, post, b"x", **{"x-amz-meta-pet": "cat"}),
        "another content type": _form_upload(setup, post, b"x", **{"Content-Type": "text/html"}),
    }
    for why, reply in refusals.items():
        assert reply.status_code == 403 and b"Invalid according to Policy" in reply.get_data(), why
    tampered = _form_upload(setup, post, b"x", policy=post["fields"]["policy"][:-4] + "AAA=")
    assert b"SignatureDoesNotMatch" in tampered.get_data()
    setup.clock.advance(61)
    expired = _form_upload(setup, post, b"x")
    assert expired.status_code == 403 and b"Policy expired" in expired.get_data()
    assert setup.admin.get_object(Bucket=BUCKET, Key=key)["Body"].read() == b"0123456789"


def test_a_presigned_post_is_held_to_the_signers_role_and_unsigned_forms_are_refused(setup: Setup) -> None:
    theirs = setup.of("julie").generate_presigned_post(BUCKET, f"{BOB}/v1/pet.mp4", ExpiresIn=60)
    reply = _form_upload(setup, theirs, b"x")
    assert reply.status_code == 403 and b"<Code>AccessDenied</Code>" in reply.get_data()
    unsigned = Client(setup.edge).post(f"/{BUCKET}", data={"key": f"{JULIE}/v1/x.mp4", "file": (io.BytesIO(b"x"), "x")},
                                       content_type="multipart/form-data")
    assert unsigned.status_code == 403
    names = {o["Key"] for o in setup.admin.list_objects_v2(Bucket=BUCKET).get("Contents", [])}
    assert f"{BOB}/v1/pet.mp4" not in names and f"{JULIE}/v1/x.mp4" not in names
