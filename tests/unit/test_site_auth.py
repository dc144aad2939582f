"""Sign-in in the page: reading ID tokens, the IdP request and answer, the Cognito exchange, renewal timing."""

from __future__ import annotations

import base64
import json
from datetime import datetime, timedelta, timezone
from typing import Any
from urllib.parse import parse_qs, urlsplit

import boto3
import pytest
from app.auth import (
    GOOGLE,
    AuthError,
    Login,
    TokenError,
    authorize_url,
    credential_from_fragment,
    display_name,
    exchange,
    guest_exchange,
    needs_fresh_token,
    owner_metadata,
    seconds_until_renewal,
)
from app.config import ConfigError, SiteConfig
from app.signing import Credentials
from botocore.stub import Stubber
from moto import mock_aws

NOW = datetime(2026, 11, 26, 12, 0, tzinfo=timezone.utc)


def jwt(claims: dict) -> str:
    """An unsigned JWT with these claims (the page only reads claims; Cognito verifies)."""
    def part(value: dict) -> str:
        return base64.urlsafe_b64encode(json.dumps(value).encode()).rstrip(b"=").decode()
    return f"{part({'alg': 'RS256', 'kid': 'k1'})}.{part(claims)}.c2ln"


JULIE = {"sub": "1001", "email": "julie@example.com", "name": "Julie Martin", "picture": "http://127.0.0.1:1/j.svg",
         "nonce": "n-1", "exp": int((NOW + timedelta(hours=1)).timestamp())}


def test_the_header_shows_the_person_from_the_token() -> None:
    profile = Login(GOOGLE, jwt(JULIE)).profile()
    assert (profile.name, profile.email, profile.initials) == ("Julie Martin", "julie@example.com", "JM")
    assert profile.picture.endswith("j.svg")


def test_a_user_pool_token_without_a_name_shows_the_email_not_the_internal_username() -> None:
    profile = Login("cognito-idp", jwt({"email": "bob@example.com", "cognito:username": "5d769e38"})).profile()
    assert (profile.name, profile.initials) == ("bob@example.com", "B")


def test_garbage_instead_of_a_token_is_a_clear_error() -> None:
    with pytest.raises(TokenError):
        Login(GOOGLE, "not-a-jwt").profile()


def test_the_idp_request_is_an_implicit_id_token_request_with_nonce_and_state() -> None:
    url = authorize_url("http://127.0.0.1:9/", "client-1", "http://127.0.0.1:8/assets/signin-callback.html",
                        nonce="n-1", state="s-1", login_hint="julie", silent=True)
    parts = urlsplit(url)
    query = {key: values[0] for key, values in parse_qs(parts.query).items()}
    assert parts.path == "/authorize"
    assert query["response_type"] == "id_token" and query["client_id"] == "client-1"
    assert (query["nonce"], query["state"], query["login_hint"], query["prompt"]) == ("n-1", "s-1", "julie", "none")


def test_the_answer_is_accepted_only_for_our_own_state_and_nonce() -> None:
    token = jwt(JULIE)
    assert credential_from_fragment(f"#id_token={token}&state=s-1", state="s-1", nonce="n-1") == token
    with pytest.raises(AuthError, match="does not match"):
        credential_from_fragment(f"#id_token={token}&state=other", state="s-1", nonce="n-1")
    with pytest.raises(AuthError, match="another request"):
        credential_from_fragment(f"#id_token={token}&state=s-1", state="s-1", nonce="n-2")
    with pytest.raises(AuthError, match="User cancelled"):
        credential_from_fragment("#error=access_denied&error_description=User+cancelled&state=s-1",
                                 state="s-1", nonce="n-1")


def test_the_exchange_yields_the_identity_and_temporary_credentials() -> None:
    with mock_aws():
        client = boto3.client("cognito-identity", region_name="us-east-1")
        pool = client.create_identity_pool(IdentityPoolName="pettube", AllowUnauthenticatedIdentities=False,
                                           SupportedLoginProviders={GOOGLE: "client-1"})["IdentityPoolId"]
        identity_id, credentials = exchange(client, pool, Login(GOOGLE, jwt(JULIE)))
    assert identity_id.startswith("us-east-1:")
    assert credentials.access_key_id and credentials.session_token
    assert credentials.expiration.tzinfo is not None
    assert credentials.secret_access_key not in repr(credentials)


def test_a_refused_exchange_asks_the_person_to_sign_in_again() -> None:
    client = boto3.client("cognito-identity", region_name="us-east-1", aws_access_key_id="x",
                          aws_secret_access_key="x")
    with Stubber(client) as stub:
        stub.add_client_error("get_id", "NotAuthorizedException", "Invalid login token. Token expired.")
        with pytest.raises(AuthError, match=r"refused \(NotAuthorizedException\).*sign in again"):
            exchange(client, "us-east-1:00000000-0000-0000-0000-000000000000", Login(GOOGLE, jwt(JULIE)))


def test_renewal_is_due_five_minutes_before_expiry_and_at_once_when_late() -> None:
    credentials = Credentials("AK", "SK", "ST", NOW + timedelta(hours=1))
    assert seconds_until_renewal(credentials, NOW) == 3300
    assert seconds_until_renewal(credentials, NOW + timedelta(minutes=58)) == 0


def test_a_token_about_to_expire_must_be_refreshed_before_the_exchange() -> None:
    login = Login(GOOGLE, jwt(JULIE))
    assert not needs_fresh_token(login, NOW)
    assert needs_fresh_token(login, NOW + timedelta(minutes=56))


def test_site_config_from_the_local_cloud() -> None:
    config = SiteConfig.from_dict({
        "mode": "local", "region": "us-east-1", "aws_endpoint": "http://127.0.0.1:4566", "api_url": "http://x/",
        "identity_pool_id": "us-east-1:p", "guest_role_arn": "arn:aws:iam::123456789012:role/guest",
        "google_client_id": "g", "idp_url": "http://127.0.0.1:9/",
        "user_pool_id": "us-east-1_abc", "user_pool_client_id": "c", "originals_bucket": "b",
        "max_upload_bytes": "1000",
    })
    assert config.is_local and config.api_url == "http://x" and config.max_upload_bytes == 1000
    assert config.user_pool_provider == "cognito-idp.us-east-1.amazonaws.com/us-east-1_abc"
    assert config.user_pool_endpoint == "http://127.0.0.1:4566/"


def test_a_broken_site_config_names_what_is_wrong() -> None:
    with pytest.raises(ConfigError, match="api_url"):
        SiteConfig.from_dict({"region": "us-east-1", "identity_pool_id": "p", "originals_bucket": "b"})
    with pytest.raises(ConfigError, match="aws_endpoint"):
        SiteConfig.from_dict({"mode": "local", "region": "r", "api_url": "a", "identity_pool_id": "p",
                              "guest_role_arn": "g", "originals_bucket": "b"})


GUEST_ROLE = "arn:aws:iam::123456789012:role/pettube-GuestRole"


def _clients() -> tuple[Any, Any]:
    keys = {"region_name": "us-east-1", "aws_access_key_id": "x", "aws_secret_access_key": "x"}
    return boto3.client("cognito-identity", **keys), boto3.client("sts", **keys)


def _assumed(identity_id: str) -> dict[str, Any]:
    return {"Credentials": {"AccessKeyId": "ASIAGUESTEXAMPLE1", "SecretAccessKey": "SK", "SessionToken": "ST",
                            "Expiration": NOW + timedelta(hours=1)},
            "SubjectFromWebIdentityToken": identity_id}


def _assume_params(identity_id: str, token: str) -> dict[str, str]:
    return {"RoleArn": GUEST_ROLE, "RoleSessionName": f"guest-{identity_id.split(':')[1]}", "WebIdentityToken": token}


def test_a_guest_takes_the_guest_role_by_the_basic_flow_and_keeps_its_identity() -> None:
    """GetId, GetOpenIdToken, AssumeRoleWithWebIdentity: the enhanced flow's guest credentials could not call the API
    on AWS (they are scoped down to a managed policy without execute-api)."""
    identity, sts = _clients()
    with Stubber(identity) as cognito, Stubber(sts) as stub:
        cognito.add_response("get_id", {"IdentityId": "us-east-1:g1"}, {"IdentityPoolId": "us-east-1:pool"})
        cognito.add_response("get_open_id_token", {"IdentityId": "us-east-1:g1", "Token": "tok1"},
                             {"IdentityId": "us-east-1:g1"})
        stub.add_response("assume_role_with_web_identity", _assumed("us-east-1:g1"),
                          _assume_params("us-east-1:g1", "tok1"))
        cognito.add_response("get_open_id_token", {"IdentityId": "us-east-1:g1", "Token": "tok2"},
                             {"IdentityId": "us-east-1:g1"})
        stub.add_response("assume_role_with_web_identity", _assumed("us-east-1:g1"),
                          _assume_params("us-east-1:g1", "tok2"))
        identity_id, credentials = guest_exchange(identity, sts, "us-east-1:pool", GUEST_ROLE)
        again, _ = guest_exchange(identity, sts, "us-east-1:pool", GUEST_ROLE, identity_id)
        cognito.assert_no_pending_responses()
        stub.assert_no_pending_responses()
    assert identity_id == again == "us-east-1:g1"
    assert (credentials.access_key_id, credentials.secret_access_key) == ("ASIAGUESTEXAMPLE1", "SK")
    assert credentials.expiration.tzinfo is not None


def test_a_guest_identity_cognito_forgot_is_replaced_by_a_new_one() -> None:
    identity, sts = _clients()
    with Stubber(identity) as cognito, Stubber(sts) as stub:
        cognito.add_client_error("get_open_id_token", "ResourceNotFoundException", "Identity not found")
        cognito.add_response("get_id", {"IdentityId": "us-east-1:new"}, {"IdentityPoolId": "us-east-1:pool"})
        cognito.add_response("get_open_id_token", {"IdentityId": "us-east-1:new", "Token": "token"},
                             {"IdentityId": "us-east-1:new"})
        stub.add_response("assume_role_with_web_identity", _assumed("us-east-1:new"),
                          _assume_params("us-east-1:new", "token"))
        identity_id, credentials = guest_exchange(identity, sts, "us-east-1:pool", GUEST_ROLE, "us-east-1:old")
    assert identity_id == "us-east-1:new" and credentials.access_key_id == "ASIAGUESTEXAMPLE1"


@pytest.mark.parametrize(("service", "operation", "code"), [
    ("cognito-identity", "get_id", "NotAuthorizedException"),
    ("sts", "assume_role_with_web_identity", "AccessDenied"),
])
def test_a_refused_guest_is_a_clear_error(service: str, operation: str, code: str) -> None:
    identity, sts = _clients()
    with Stubber(identity) as cognito, Stubber(sts) as stub:
        if service == "sts":
            cognito.add_response("get_id", {"IdentityId": "us-east-1:g1"})
            cognito.add_response("get_open_id_token", {"IdentityId": "us-east-1:g1", "Token": "token"})
        (cognito if service == "cognito-identity" else stub).add_client_error(operation, code, "refused")
        with pytest.raises(AuthError, match=rf"cannot be opened right now \({code}\)"):
            guest_exchange(identity, sts, "us-east-1:pool", GUEST_ROLE)


@pytest.mark.parametrize(("claims", "name"), [
    ({"given_name": "Julie", "name": "Julie Martin", "email": "julie@example.com"}, "Julie"),
    ({"name": "  Bob   Okafor ", "email": "bob@example.com"}, "Bob Okafor"),
    ({"name": "dora@example.com", "email": "dora@example.com"}, None),
    ({"email": "dora@example.com", "cognito:username": "0f8fad5b"}, None),
])
def test_the_name_others_see_is_the_given_or_full_name_never_the_email(claims: dict, name: str | None) -> None:
    assert display_name(claims) == name


def test_the_owners_name_travels_as_percent_encoded_s3_metadata() -> None:
    assert owner_metadata(Login(GOOGLE, jwt({**JULIE, "given_name": "Zoë & co"}))) == {"owner-name": "Zo%C3%AB%20%26%20co"}
    assert owner_metadata(Login(GOOGLE, jwt({"email": "dora@example.com"}))) == {}
    assert owner_metadata(None) == {}
