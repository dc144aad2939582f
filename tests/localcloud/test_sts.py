"""Guests by the basic flow (GetOpenIdToken, then STS AssumeRoleWithWebIdentity), and why not the enhanced one.

Everything goes through the edge with real boto3 clients: Cognito Identity,
the local STS, the local API Gateway and the S3 guard, one state directory.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

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
    FakeRuntime,
    make_ctx,
    signed,
    stack,
    wsgi_client,
)
from joserfc.jwk import RSAKey
from werkzeug.test import Client
from werkzeug.wrappers import Request, Response

from localcloud import access, apigateway, cognitoidentity, sts
from localcloud.cognitoidentity.openid import OpenIdTokens
from localcloud.edge import Edge

POOL = stack().physical_name("IdentityPool")
GUEST_ROLE = stack().outputs()["GuestRoleArn"]
AUTHENTICATED_ROLE = stack().arn("AuthenticatedRole")
API = f"{EDGE}/restapis/{stack().physical_name('MyMediaApi')}/prod/_user_request_"
ORIGINALS = stack().physical_name("OriginalsBucket")
GOOGLE = "accounts.google.com"
NOT_AUTHORIZED = ("AccessDenied", "Not authorized to perform sts:AssumeRoleWithWebIdentity")


def _moto(environ: dict[str, Any], start_response: Any) -> Any:
    """Stands in for moto: echoes the body it was handed, so a test sees what got past the edge."""
    return Response(Request(environ).get_data(), status=200)(environ, start_response)


class Cloud:
    """The edge with the identity services, the API on a runtime whose MyMedia answers 404, and the S3 guard."""

    def __init__(self, state_dir: Path) -> None:
        self.clock = FakeClock()
        self.runtime = FakeRuntime(result={"statusCode": 404, "body": '{"error": "NotFound"}'})
        ctx = make_ctx(state_dir, self.runtime)
        services = [cognitoidentity.create(ctx, clock=self.clock), sts.create(ctx, clock=self.clock),
                    apigateway.create(ctx, clock=self.clock)]
        self.edge = Edge(_moto, services, [access.create(ctx, clock=self.clock)], lambda bucket: [])
        self.identity = wsgi_client(self.edge, "cognito-identity", config=Config(signature_version=UNSIGNED))
        self.sts = wsgi_client(self.edge, "sts")  # AssumeRoleWithWebIdentity is unsigned in botocore's model
        self.tokens = OpenIdTokens.for_state_dir(state_dir, clock=self.clock)

    def guest_token(self) -> str:
        guest = self.identity.get_id(IdentityPoolId=POOL)["IdentityId"]
        return str(self.identity.get_open_id_token(IdentityId=guest)["Token"])

    def assume(self, token: str, role_arn: str = GUEST_ROLE) -> dict[str, Any]:
        return dict(self.sts.assume_role_with_web_identity(RoleArn=role_arn, RoleSessionName="watch-shared",
                                                           WebIdentityToken=token))

    def call(self, method: str, url: str, credentials: Credentials, service: str) -> Response:
        return Client(self.edge).open(signed(method, url, credentials, service=service))


@pytest.fixture
def cloud(tmp_path: Path) -> Cloud:
    return Cloud(tmp_path)


def _credentials(answer: dict[str, Any]) -> Credentials:
    found = answer["Credentials"]
    return Credentials(found["AccessKeyId"], found.get("SecretAccessKey") or found["SecretKey"], found["SessionToken"])


def _error(call: Any) -> tuple[str, str, int]:
    with pytest.raises(ClientError) as caught:
        call()
    response = caught.value.response
    return response["Error"]["Code"], response["Error"]["Message"], response["ResponseMetadata"]["HTTPStatusCode"]


def test_a_guest_by_the_basic_flow_reaches_get_shared_and_nothing_else(cloud: Cloud) -> None:
    guest = cloud.identity.get_id(IdentityPoolId=POOL)["IdentityId"]
    answer = cloud.assume(cloud.identity.get_open_id_token(IdentityId=guest)["Token"])
    assert (answer["SubjectFromWebIdentityToken"], answer["Audience"], answer["Provider"]) == \
        (guest, POOL, "cognito-identity.amazonaws.com")
    assert answer["AssumedRoleUser"]["Arn"] == \
        f"arn:aws:sts::123456789012:assumed-role/{GUEST_ROLE.rsplit('/', 1)[1]}/watch-shared"
    assert answer["Credentials"]["Expiration"].timestamp() == pytest.approx(cloud.clock() + 3600, abs=1)
    credentials = _credentials(answer)

    reached = cloud.call("GET", f"{API}/shared/x", credentials, "execute-api")
    assert reached.status_code == 404 and reached.get_json() == {"error": "NotFound"}  # MyMedia's own answer
    identity = cloud.runtime.calls[-1][1]["requestContext"]["identity"]
    assert (identity["cognitoIdentityId"], identity["cognitoAuthenticationType"]) == (guest, "unauthenticated")

    for method, path in (("GET", "/media"), ("GET", "/media/v1"), ("PATCH", "/media/v1"), ("DELETE", "/media/v1")):
        assert cloud.call(method, API + path, credentials, "execute-api").status_code == 403, (method, path)
    for method, key in (("GET", "a/b.mp4"), ("PUT", f"{guest}/b.mp4")):
        refused = cloud.call(method, f"{EDGE}/{ORIGINALS}/{key}", credentials, "s3")
        assert refused.status_code == 403 and b"<Code>AccessDenied</Code>" in refused.get_data(), (method, key)
    assert len(cloud.runtime.calls) == 1


def test_enhanced_flow_guest_credentials_are_scoped_out_of_the_api_as_on_aws(cloud: Cloud) -> None:
    guest = cloud.identity.get_id(IdentityPoolId=POOL)["IdentityId"]
    credentials = _credentials(cloud.identity.get_credentials_for_identity(IdentityId=guest))
    refused = cloud.call("GET", f"{API}/shared/x", credentials, "execute-api")
    assert refused.status_code == 403 and refused.headers["x-amzn-ErrorType"] == "AccessDeniedException"
    assert cloud.runtime.calls == []


def test_a_signed_in_identitys_token_assumes_only_the_authenticated_role(cloud: Cloud) -> None:
    # What GetOpenIdToken gives a Google identity (test_cognitoidentity checks the amr it issues).
    token = cloud.tokens.issue(identity_id="us-east-1:julie", pool_id=POOL, amr=["authenticated", GOOGLE])
    assert _error(lambda: cloud.assume(token, GUEST_ROLE)) == (*NOT_AUTHORIZED, 403)
    answer = cloud.assume(token, AUTHENTICATED_ROLE)
    assert answer["AssumedRoleUser"]["Arn"].split("/")[1] == AUTHENTICATED_ROLE.rsplit("/", 1)[1]
    reached = cloud.call("GET", f"{API}/media", _credentials(answer), "execute-api")
    assert reached.status_code == 404  # MyMedia reached (its stand-in answers 404 to everything)
    identity = cloud.runtime.calls[-1][1]["requestContext"]["identity"]
    assert (identity["cognitoIdentityId"], identity["cognitoAuthenticationProvider"]) == ("us-east-1:julie", GOOGLE)


def test_a_guests_token_cannot_assume_the_authenticated_role_or_roles_outside_the_pool(cloud: Cloud) -> None:
    token = cloud.guest_token()
    assert _error(lambda: cloud.assume(token, AUTHENTICATED_ROLE)) == (*NOT_AUTHORIZED, 403)
    for role in (stack().arn("MediaConvertRole"), "arn:aws:iam::123456789012:role/NoSuchRole"):
        assert _error(lambda: cloud.assume(token, role)) == (*NOT_AUTHORIZED, 403), role


def test_a_token_for_another_identity_pool_is_not_trusted(cloud: Cloud) -> None:
    other_pool = "us-east-1:00000000-0000-4000-8000-000000000000"
    token = cloud.tokens.issue(identity_id="us-east-1:stranger", pool_id=other_pool, amr=["unauthenticated"])
    assert _error(lambda: cloud.assume(token)) == (*NOT_AUTHORIZED, 403)


def test_an_expired_token_is_refused(cloud: Cloud) -> None:
    token = cloud.guest_token()
    cloud.clock.advance(600)
    code, message, status = _error(lambda: cloud.assume(token))
    assert (code, status) == ("ExpiredTokenException", 400)
    assert message.startswith("Token expired: current date/time")


@pytest.mark.parametrize("forgery", ["another key", "tampered claims", "not a JWT"])
def test_forged_tokens_are_invalid_identity_tokens(cloud: Cloud, forgery: str) -> None:
    genuine = cloud.guest_token()
    if forgery == "another key":
        impostor = OpenIdTokens(RSAKey.generate_key(2048, parameters={"kid": "x"}), clock=cloud.clock)
        token = impostor.issue(identity_id="us-east-1:guest", pool_id=POOL, amr=["unauthenticated"])
    elif forgery == "tampered claims":
        elsewhere = cloud.tokens.issue(identity_id="us-east-1:julie", pool_id=POOL, amr=["authenticated", GOOGLE])
        header, _, signature = genuine.split(".")
        token = ".".join([header, elsewhere.split(".")[1], signature])
    else:
        token = "not-a-jwt-at-all"
    code, _, status = _error(lambda: cloud.assume(token))
    assert (code, status) == ("InvalidIdentityToken", 400)


def test_other_sts_calls_pass_to_moto_with_their_body(cloud: Cloud) -> None:
    body = b"Action=GetCallerIdentity&Version=2011-06-15"
    request = signed("POST", f"{EDGE}/", Credentials(ADMIN_KEY, ADMIN_SECRET), service="sts", body=body,
                     headers={"Content-Type": "application/x-www-form-urlencoded; charset=utf-8"})
    assert Client(cloud.edge).open(request).get_data() == body  # what the moto stand-in was handed
