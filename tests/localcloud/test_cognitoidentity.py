"""The local Cognito Identity: tokens validated as Cognito does, stable identities, one-hour credentials."""

from __future__ import annotations

import base64
import json
import logging
from collections.abc import Callable, Iterator
from dataclasses import replace
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import boto3
import pytest
from botocore import UNSIGNED
from botocore.config import Config
from botocore.exceptions import ClientError
from identity_fakes import (ADMIN_KEY, ADMIN_SECRET, GOOGLE_CLIENT_ID, IDP, SITE, FakeClock, make_ctx, service_app,
                            stack, wsgi_client)
from joserfc import jwt
from joserfc.jwk import RSAKey
from moto import mock_aws
from moto.utilities.utils import load_resource
from werkzeug.test import Client

from localcloud import cognitoidentity
from localcloud.access import authenticator_for
from localcloud.access.credentials import CredentialAuthority
from localcloud.access.roles import pool_roles
from localcloud.cognitoidentity.models import IdentityPoolBackend, IdentityStore, PoolConfig
from localcloud.cognitoidentity.openid import ISSUER, OpenIdTokens
from localcloud.cognitoidentity.responses import CognitoIdentityService
from localcloud.idp.app import IdentityProvider
from localcloud.cognitoidp.keys import UserPoolKeys, sign_tokens_with
from localcloud.idp.keys import load_signing_key
from localcloud.idp.users import USERS

GOOGLE = "accounts.google.com"


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock()


@pytest.fixture(scope="module")
def signing_key(tmp_path_factory: pytest.TempPathFactory) -> RSAKey:
    """One stand-in key for the module (RSA key generation is the slow part of these tests)."""
    return load_signing_key(tmp_path_factory.mktemp("idp"))


@pytest.fixture
def idp(signing_key: RSAKey, clock: FakeClock) -> IdentityProvider:
    return IdentityProvider(issuer=IDP, client_id=GOOGLE_CLIENT_ID, site_url=SITE, key=signing_key, clock=clock)


def _identity_client(tmp_path: Path, idp: IdentityProvider, clock: FakeClock, *, signed: bool = False) -> Any:
    """boto3's cognito-identity client (unsigned, as a browser's; or with the admin key) against a fresh local
    service; JWKS read from the in-process IdP."""
    idp_client = Client(idp)
    service = cognitoidentity.create(make_ctx(tmp_path), clock=clock,
                                     fetch=lambda url: idp_client.get(urlsplit(url).path).get_json())
    credentials: dict[str, Any] = ({"aws_access_key_id": ADMIN_KEY, "aws_secret_access_key": ADMIN_SECRET} if signed
                                   else {"config": Config(signature_version=UNSIGNED)})
    return wsgi_client(service_app(service), "cognito-identity", **credentials)


@pytest.fixture
def identity(tmp_path: Path, idp: IdentityProvider, clock: FakeClock) -> Any:
    return _identity_client(tmp_path, idp, clock)


POOL = stack().physical_name("IdentityPool")


def _error(call: Any) -> tuple[str, str]:
    with pytest.raises(ClientError) as caught:
        call()
    return caught.value.response["Error"]["Code"], caught.value.response["Error"]["Message"]


def _b64(data: dict[str, Any]) -> str:
    return base64.urlsafe_b64encode(json.dumps(data).encode()).rstrip(b"=").decode()


def test_the_same_google_user_always_gets_the_same_identity(identity: Any, idp: IdentityProvider) -> None:
    julie = identity.get_id(IdentityPoolId=POOL, Logins={GOOGLE: idp.issue(USERS["julie"], nonce="a")})["IdentityId"]
    again = identity.get_id(IdentityPoolId=POOL, Logins={GOOGLE: idp.issue(USERS["julie"], nonce="b")})["IdentityId"]
    bob = identity.get_id(IdentityPoolId=POOL, Logins={GOOGLE: idp.issue(USERS["bob"], nonce="c")})["IdentityId"]
    assert julie == again != bob
    assert julie.startswith("us-east-1:") and len(julie) == len("us-east-1:") + 36


def test_identity_ids_survive_a_restart(tmp_path: Path, idp: IdentityProvider, clock: FakeClock) -> None:
    token = idp.issue(USERS["julie"], nonce="n")
    before = _identity_client(tmp_path, idp, clock).get_id(IdentityPoolId=POOL, Logins={GOOGLE: token})
    after = _identity_client(tmp_path, idp, clock).get_id(IdentityPoolId=POOL, Logins={GOOGLE: token})
    assert before["IdentityId"] == after["IdentityId"]


def test_credentials_last_one_hour_and_differ_per_call(identity: Any, idp: IdentityProvider, clock: FakeClock) -> None:
    logins = {GOOGLE: idp.issue(USERS["julie"], nonce="n")}
    identity_id = identity.get_id(IdentityPoolId=POOL, Logins=logins)["IdentityId"]
    first = identity.get_credentials_for_identity(IdentityId=identity_id, Logins=logins)
    second = identity.get_credentials_for_identity(IdentityId=identity_id, Logins=logins)
    assert first["IdentityId"] == identity_id
    assert first["Credentials"]["Expiration"].timestamp() == pytest.approx(clock() + 3600, abs=1)
    assert first["Credentials"]["AccessKeyId"].startswith("ASIA")
    assert first["Credentials"]["AccessKeyId"] != second["Credentials"]["AccessKeyId"]


def test_bob_cannot_get_credentials_for_julies_identity(identity: Any, idp: IdentityProvider) -> None:
    julie = identity.get_id(IdentityPoolId=POOL, Logins={GOOGLE: idp.issue(USERS["julie"], nonce="n")})["IdentityId"]
    bob_logins = {GOOGLE: idp.issue(USERS["bob"], nonce="n")}
    identity.get_id(IdentityPoolId=POOL, Logins=bob_logins)
    code, message = _error(lambda: identity.get_credentials_for_identity(IdentityId=julie, Logins=bob_logins))
    assert code == "NotAuthorizedException" and message.startswith("Logins don't match")
    code, _ = _error(lambda: identity.get_credentials_for_identity(IdentityId=julie))
    assert code == "NotAuthorizedException"


def test_unknown_pool_and_identity_are_not_found(identity: Any, idp: IdentityProvider) -> None:
    token = idp.issue(USERS["julie"], nonce="n")
    assert _error(lambda: identity.get_id(IdentityPoolId="us-east-1:00000000-0000-0000-0000-000000000000",
                                          Logins={GOOGLE: token}))[0] == "ResourceNotFoundException"
    assert _error(lambda: identity.get_credentials_for_identity(
        IdentityId="us-east-1:00000000-0000-0000-0000-000000000000", Logins={GOOGLE: token}))[0] == \
        "ResourceNotFoundException"


def test_a_guest_gets_a_new_identity_and_credentials_of_the_pools_unauthenticated_role(
        identity: Any, tmp_path: Path, caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.INFO, logger="localcloud.cognitoidentity")
    guest, other = (identity.get_id(IdentityPoolId=POOL)["IdentityId"] for _ in range(2))
    assert guest != other and guest.startswith("us-east-1:")
    answer = identity.get_credentials_for_identity(IdentityId=guest)["Credentials"]
    session = CredentialAuthority.for_state_dir(tmp_path).resolve(answer["AccessKeyId"], answer["SessionToken"])
    assert (session.identity_id, session.authenticated) == (guest, False)
    roles = pool_roles(stack()).by_kind
    assert session.role_arn == roles["unauthenticated"] != roles["authenticated"]
    # As on AWS, the enhanced flow scopes a guest's credentials down with Cognito's managed session policy.
    assert session.session_policy == "AmazonCognitoUnAuthedIdentitiesSessionPolicy"
    assert guest in caplog.text and answer["SessionToken"] not in caplog.text and answer["SecretKey"] not in caplog.text


def test_a_signed_in_identity_gets_no_guest_credentials(identity: Any, idp: IdentityProvider) -> None:
    julie = identity.get_id(IdentityPoolId=POOL, Logins={GOOGLE: idp.issue(USERS["julie"], nonce="n")})["IdentityId"]
    code, message = _error(lambda: identity.get_credentials_for_identity(IdentityId=julie))
    assert code == "NotAuthorizedException" and message.startswith("Logins don't match")


def _client_for(tmp_path: Path, config: Callable[[], PoolConfig]) -> Any:
    """A boto3 client of a service on the pool ``config`` returns (tests change the pool between calls)."""
    backend = IdentityPoolBackend(config, IdentityStore(tmp_path / "identities.json"),
                                  CredentialAuthority.for_state_dir(tmp_path), OpenIdTokens.for_state_dir(tmp_path),
                                  region="us-east-1")
    authenticator = authenticator_for(make_ctx(tmp_path))
    return wsgi_client(service_app(CognitoIdentityService(backend, authenticator)), "cognito-identity",
                       config=Config(signature_version=UNSIGNED))


def test_a_pool_that_disallows_guests_refuses_them_even_with_an_identity_from_before(tmp_path: Path) -> None:
    config = PoolConfig(POOL, {}, allow_unauthenticated=True, roles=pool_roles(stack()).by_kind)
    identity = _client_for(tmp_path, lambda: config)
    earlier_guest = identity.get_id(IdentityPoolId=POOL)["IdentityId"]
    config = replace(config, allow_unauthenticated=False)
    unsupported = ("NotAuthorizedException", "Unauthenticated access is not supported for this identity pool.")
    assert _error(lambda: identity.get_id(IdentityPoolId=POOL)) == unsupported
    assert _error(lambda: identity.get_credentials_for_identity(IdentityId=earlier_guest)) == unsupported


def _claims(token: str) -> dict[str, Any]:
    segment = token.split(".")[1]
    return json.loads(base64.urlsafe_b64decode(segment + "=" * (-len(segment) % 4)))


def test_a_guest_gets_a_ten_minute_open_id_token_for_the_basic_flow(identity: Any, clock: FakeClock) -> None:
    guest = identity.get_id(IdentityPoolId=POOL)["IdentityId"]
    answer = identity.get_open_id_token(IdentityId=guest)
    claims = _claims(answer["Token"])
    assert answer["IdentityId"] == guest
    assert (claims["iss"], claims["aud"], claims["sub"], claims["amr"]) == (ISSUER, POOL, guest, ["unauthenticated"])
    assert claims["exp"] - int(clock()) == 600


def test_a_signed_in_identity_gets_an_authenticated_token_only_with_its_logins(identity: Any,
                                                                              idp: IdentityProvider) -> None:
    logins = {GOOGLE: idp.issue(USERS["julie"], nonce="n")}
    julie = identity.get_id(IdentityPoolId=POOL, Logins=logins)["IdentityId"]
    assert _claims(identity.get_open_id_token(IdentityId=julie, Logins=logins)["Token"])["amr"] == \
        ["authenticated", GOOGLE]
    code, message = _error(lambda: identity.get_open_id_token(IdentityId=julie))
    assert code == "NotAuthorizedException" and message.startswith("Logins don't match")


def test_a_pool_without_the_classic_flow_refuses_open_id_tokens(tmp_path: Path) -> None:
    config = PoolConfig(POOL, {}, allow_unauthenticated=True, allow_classic_flow=False,
                        roles=pool_roles(stack()).by_kind)
    identity = _client_for(tmp_path, lambda: config)
    guest = identity.get_id(IdentityPoolId=POOL)["IdentityId"]
    assert _error(lambda: identity.get_open_id_token(IdentityId=guest)) == (
        "InvalidParameterException", "Basic (classic) flow is not enabled, please use enhanced flow.")


def _kid(token: str) -> str:
    segment = token.split(".")[0]
    return json.loads(base64.urlsafe_b64decode(segment + "=" * (-len(segment) % 4)))["kid"]


def _forged(idp: IdentityProvider, clock: FakeClock, kind: str) -> str:
    """A token that must be refused, made the way an attacker or a bug would make it."""
    user = USERS["julie"]
    claims = {"iss": IDP, "aud": GOOGLE_CLIENT_ID, "sub": user.sub, "email": user.email,
              "iat": int(clock()), "exp": int(clock()) + 3600}
    genuine = idp.issue(user, nonce="n")
    if kind == "forged signature":
        header, payload, signature = genuine.split(".")
        return ".".join([header, _b64({**claims, "sub": USERS["bob"].sub}), signature])
    if kind == "alg none":
        return f"{_b64({'alg': 'none', 'kid': _kid(genuine)})}.{_b64(claims)}."
    if kind == "unknown key":
        stranger = RSAKey.generate_key(2048, parameters={"kid": "not-the-idps-key"})
        return jwt.encode({"alg": "RS256", "kid": "not-the-idps-key"}, claims, stranger)
    if kind == "same kid, other key":
        stranger = RSAKey.generate_key(2048)
        return jwt.encode({"alg": "RS256", "kid": _kid(genuine)}, claims, stranger)
    if kind == "garbage":
        return "not-a-jwt"
    raise AssertionError(kind)


@pytest.mark.parametrize("kind", ["forged signature", "alg none", "unknown key", "same kid, other key", "garbage"])
def test_tokens_not_signed_by_the_provider_are_refused(identity: Any, idp: IdentityProvider, clock: FakeClock,
                                                       kind: str) -> None:
    code, message = _error(lambda: identity.get_id(IdentityPoolId=POOL, Logins={GOOGLE: _forged(idp, clock, kind)}))
    assert code == "NotAuthorizedException" and message.startswith("Invalid login token.")


def test_a_token_for_another_client_is_refused(signing_key: RSAKey, identity: Any, clock: FakeClock) -> None:
    other_app = IdentityProvider(issuer=IDP, client_id="someone-else.apps", site_url=SITE,
                                 key=signing_key, clock=clock)
    code, message = _error(lambda: identity.get_id(
        IdentityPoolId=POOL, Logins={GOOGLE: other_app.issue(USERS["julie"], nonce="n")}))
    assert (code, message) == ("NotAuthorizedException", "Invalid login token. Incorrect token audience.")


def test_a_token_from_another_issuer_is_refused(signing_key: RSAKey, identity: Any, clock: FakeClock) -> None:
    impostor = IdentityProvider(issuer="http://127.0.0.1:1", client_id=GOOGLE_CLIENT_ID, site_url=SITE,
                                key=signing_key, clock=clock)
    code, message = _error(lambda: identity.get_id(
        IdentityPoolId=POOL, Logins={GOOGLE: impostor.issue(USERS["julie"], nonce="n")}))
    assert (code, message) == ("NotAuthorizedException", "Invalid login token. Issuer doesn't match providerName")


def test_an_expired_token_is_refused(identity: Any, idp: IdentityProvider, clock: FakeClock) -> None:
    token = idp.issue(USERS["julie"], nonce="n")
    clock.advance(3600)
    code, message = _error(lambda: identity.get_id(IdentityPoolId=POOL, Logins={GOOGLE: token}))
    assert code == "NotAuthorizedException" and message.startswith("Invalid login token. Token expired")


@pytest.fixture(scope="module")
def pool_state(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The state directory the user pool's signing key and the identity service share, as in one local cloud."""
    return tmp_path_factory.mktemp("state")


@pytest.fixture(scope="module")
def user_pool(pool_state: Path) -> Iterator[dict[str, str]]:
    """A moto user pool standing in for the template's, signing with its own key, with one user signed in."""
    stop_signing = sign_tokens_with(UserPoolKeys(pool_state))
    with mock_aws():
        idp = boto3.client("cognito-idp", region_name="us-east-1")
        pool_id = idp.create_user_pool(PoolName="pettube-user-pool", UsernameAttributes=["email"])["UserPool"]["Id"]
        client_id = idp.create_user_pool_client(UserPoolId=pool_id, ClientName="web",
                                                ExplicitAuthFlows=["ALLOW_USER_PASSWORD_AUTH"])["UserPoolClient"]["ClientId"]
        idp.admin_create_user(UserPoolId=pool_id, Username="carol@pettube.test", MessageAction="SUPPRESS")
        idp.admin_set_user_password(UserPoolId=pool_id, Username="carol@pettube.test", Password="Passw0rd!x",
                                    Permanent=True)
        tokens = idp.initiate_auth(ClientId=client_id, AuthFlow="USER_PASSWORD_AUTH", AuthParameters={
            "USERNAME": "carol@pettube.test", "PASSWORD": "Passw0rd!x"})["AuthenticationResult"]
        saved = dict(stack().overrides)
        stack().overrides.update(UserPool=pool_id, UserPoolClient=client_id)
        try:
            yield {"provider": f"cognito-idp.us-east-1.amazonaws.com/{pool_id}", "pool_id": pool_id,
                   "client_id": client_id, **tokens}
        finally:
            stack().overrides.clear()
            stack().overrides.update(saved)
            stop_signing()


@pytest.fixture
def pool_identity(pool_state: Path, idp: IdentityProvider, clock: FakeClock) -> Any:
    """The identity service of the local cloud whose user pool is ``user_pool``."""
    return _identity_client(pool_state, idp, clock)


def test_the_user_pools_id_tokens_are_accepted(pool_identity: Any, user_pool: dict[str, str]) -> None:
    logins = {user_pool["provider"]: user_pool["IdToken"]}
    identity = pool_identity
    identity_id = identity.get_id(IdentityPoolId=POOL, Logins=logins)["IdentityId"]
    answer = identity.get_credentials_for_identity(IdentityId=identity_id, Logins=logins)
    assert answer["Credentials"]["SessionToken"]


def test_user_pool_access_tokens_are_not_id_tokens(pool_identity: Any, user_pool: dict[str, str]) -> None:
    code, _ = _error(lambda: pool_identity.get_id(IdentityPoolId=POOL,
                                             Logins={user_pool["provider"]: user_pool["AccessToken"]}))
    assert code == "NotAuthorizedException"


def test_a_google_token_under_the_user_pool_key_is_refused(pool_identity: Any, idp: IdentityProvider,
                                                           user_pool: dict[str, str]) -> None:
    code, _ = _error(lambda: pool_identity.get_id(IdentityPoolId=POOL,
                                             Logins={user_pool["provider"]: idp.issue(USERS["julie"], nonce="n")}))
    assert code == "NotAuthorizedException"


def test_a_token_minted_with_motos_published_key_is_refused(pool_identity: Any, user_pool: dict[str, str],
                                                            clock: FakeClock) -> None:
    """moto's private key ships in moto: a user-pool token signed with it proves nothing."""
    now = int(clock())
    claims = {"iss": f"https://{user_pool['provider']}", "aud": user_pool["client_id"], "sub": "mallory",
              "token_use": "id", "iat": now, "exp": now + 3600}
    forged = jwt.encode({"alg": "RS256", "kid": "dummy"}, claims,
                        RSAKey.import_key(load_resource("cognitoidp/resources/jwks-private.json")))
    code, message = _error(lambda: pool_identity.get_id(IdentityPoolId=POOL, Logins={user_pool["provider"]: forged}))
    assert (code, message) == ("NotAuthorizedException", "Invalid login token. Couldn't verify signed token.")


@pytest.mark.parametrize(("claim", "message"), [("nbf", "Invalid login token. The token is not yet valid"),
                                                ("iat", "Invalid login token. The token was issued in the future")])
def test_a_token_not_yet_valid_is_refused(identity: Any, idp: IdentityProvider, signing_key: RSAKey,
                                          clock: FakeClock, claim: str, message: str) -> None:
    """A token dated ten minutes ahead is refused until then, and accepted from then on."""
    claims = jwt.decode(idp.issue(USERS["julie"], nonce="n"), signing_key).claims
    later = jwt.encode({"alg": "RS256", "kid": signing_key.kid}, {**claims, claim: claims["iat"] + 600}, signing_key)
    assert _error(lambda: identity.get_id(IdentityPoolId=POOL, Logins={GOOGLE: later})) == (
        "NotAuthorizedException", message)
    clock.advance(600)
    assert identity.get_id(IdentityPoolId=POOL, Logins={GOOGLE: later})["IdentityId"]


def test_the_admin_lists_and_describes_the_templates_identity_pool(tmp_path: Path, idp: IdentityProvider,
                                                                   clock: FakeClock) -> None:
    admin = _identity_client(tmp_path, idp, clock, signed=True)
    pools = admin.list_identity_pools(MaxResults=60)["IdentityPools"]
    assert [p["IdentityPoolId"] for p in pools] == [POOL]
    pool = admin.describe_identity_pool(IdentityPoolId=POOL)
    assert pool["AllowUnauthenticatedIdentities"] is True and pool["AllowClassicFlow"] is True
    assert pool["SupportedLoginProviders"] == {GOOGLE: GOOGLE_CLIENT_ID}
    assert [p["ProviderName"].startswith("cognito-idp.us-east-1.amazonaws.com/")
            for p in pool["CognitoIdentityProviders"]] == [True]


def test_listing_identity_pools_needs_the_admin_key(identity: Any) -> None:
    """Unsigned (the browser's sign-in calls are), the pool's configuration is not for anyone to read."""
    assert _error(lambda: identity.list_identity_pools(MaxResults=10))[0] == "MissingAuthenticationTokenException"
