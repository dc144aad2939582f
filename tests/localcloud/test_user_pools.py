"""The local user pools: SRP sign-in that needs the password, the client's flows enforced, each pool's own key.

The SRP client is pycognito's (written against AWS, not against this code), through boto3.
"""

from __future__ import annotations

import base64
import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from botocore import UNSIGNED
from botocore.config import Config
from botocore.exceptions import ClientError
from identity_fakes import FakeClock, make_ctx, wsgi_client
from joserfc import jwt
from joserfc.errors import BadSignatureError
from joserfc.jwk import KeySet, RSAKey
from moto.moto_server.werkzeug_app import DomainDispatcherApplication, create_backend_app
from moto.utilities.utils import load_resource
from pycognito.aws_srp import AWSSRP
from werkzeug.test import Client
from werkzeug.wrappers import Request

from localcloud import cognitoidp
from localcloud.cognitoidp import keys as keys_module
from localcloud.cognitoidp.responses import CHALLENGE_SECONDS, UserPoolService

PASSWORD = "Walkies-2026"
EMAIL = "rex@pettube.test"


class Pool:
    """One user pool with one confirmed user, behind the local user-pool service and moto, as on the edge."""

    def __init__(self, state_dir: Path, clock: FakeClock) -> None:
        self.service: UserPoolService = cognitoidp.create(make_ctx(state_dir), clock=clock)
        moto = DomainDispatcherApplication(create_backend_app)

        def edge(environ: dict[str, Any], start_response: Any) -> Any:
            request = Request(environ)
            app = self.service.dispatch(request) if self.service.matches(request) else moto
            return app(environ, start_response)

        self.app = edge
        # Admin calls are signed with any key here: nothing but moto stands behind this app.
        self.admin = wsgi_client(edge, "cognito-idp", aws_access_key_id="x", aws_secret_access_key="x")
        self.public = wsgi_client(edge, "cognito-idp", config=Config(signature_version=UNSIGNED))
        self.id = self.admin.create_user_pool(PoolName="srp-test", UsernameAttributes=["email"])["UserPool"]["Id"]
        self.client_id = self.new_client(["ALLOW_USER_SRP_AUTH", "ALLOW_REFRESH_TOKEN_AUTH"])
        self.admin.admin_create_user(UserPoolId=self.id, Username=EMAIL, MessageAction="SUPPRESS",
                                     UserAttributes=[{"Name": "email", "Value": EMAIL}])
        self.admin.admin_set_user_password(UserPoolId=self.id, Username=EMAIL, Password=PASSWORD, Permanent=True)

    def new_client(self, flows: list[str]) -> str:
        return self.admin.create_user_pool_client(UserPoolId=self.id, ClientName="web", ExplicitAuthFlows=flows,
                                                  PreventUserExistenceErrors="ENABLED")["UserPoolClient"]["ClientId"]

    def srp(self, username: str = EMAIL, password: str = PASSWORD) -> AWSSRP:
        return AWSSRP(username=username, password=password, pool_id=self.id, client_id=self.client_id,
                      client=self.public)

    def challenge(self) -> tuple[AWSSRP, dict[str, str]]:
        """Start an SRP sign-in as the user: pycognito's client and the challenge's parameters."""
        srp = self.srp()
        started = self.public.initiate_auth(ClientId=self.client_id, AuthFlow="USER_SRP_AUTH",
                                            AuthParameters=srp.get_auth_params())
        return srp, started["ChallengeParameters"]

    def answer(self, responses: dict[str, str]) -> dict[str, Any]:
        return self.public.respond_to_auth_challenge(ClientId=self.client_id, ChallengeName="PASSWORD_VERIFIER",
                                                     ChallengeResponses=responses)

    def sign_in(self, username: str = EMAIL, password: str = PASSWORD) -> dict[str, Any]:
        return self.srp(username, password).authenticate_user()["AuthenticationResult"]

    def jwks(self) -> dict[str, Any]:
        return Client(self.app).get(f"/{self.id}/.well-known/jwks.json").get_json()

    def close(self) -> None:
        self.admin.delete_user_pool(UserPoolId=self.id)
        self.service.close()


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock()


@pytest.fixture
def pool(tmp_path: Path, clock: FakeClock) -> Iterator[Pool]:
    pool = Pool(tmp_path, clock)
    yield pool
    pool.close()


def _error(call: Any) -> tuple[str, str]:
    with pytest.raises(ClientError) as caught:
        call()
    return caught.value.response["Error"]["Code"], caught.value.response["Error"]["Message"]


def _claims(token: str) -> dict[str, Any]:
    payload = token.split(".")[1]
    return json.loads(base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4)))


def _forged_answer(parameters: dict[str, str]) -> dict[str, str]:
    """What moto accepts as a proof: the challenge's own values and a signature made without the password."""
    return {"USERNAME": parameters["USER_ID_FOR_SRP"], "PASSWORD_CLAIM_SECRET_BLOCK": parameters["SECRET_BLOCK"],
            "TIMESTAMP": "Fri Dec 4 13:00:00 UTC 2026",
            "PASSWORD_CLAIM_SIGNATURE": base64.b64encode(b"\0" * 32).decode()}


def test_the_right_password_signs_in_by_srp_with_tokens_for_that_user(pool: Pool) -> None:
    tokens = pool.sign_in()
    claims = _claims(tokens["IdToken"])
    assert claims["email"] == EMAIL and claims["token_use"] == "id"
    assert claims["iss"].endswith(f"/{pool.id}") and claims["aud"] == pool.client_id
    assert tokens["AccessToken"] and tokens["RefreshToken"]


def test_a_wrong_password_is_refused(pool: Pool) -> None:
    assert _error(lambda: pool.sign_in(password="Walkies-2027")) == (
        "NotAuthorizedException", "Incorrect username or password.")


def test_a_claim_made_without_the_password_is_refused(pool: Pool) -> None:
    _, challenge = pool.challenge()
    assert _error(lambda: pool.answer(_forged_answer(challenge))) == (
        "NotAuthorizedException", "Incorrect username or password.")


def test_an_unknown_user_is_refused_like_a_wrong_password(pool: Pool) -> None:
    """PreventUserExistenceErrors: the answer does not tell whether the address has an account."""
    assert _error(lambda: pool.sign_in(username="nobody@pettube.test")) == (
        "NotAuthorizedException", "Incorrect username or password.")


def test_a_challenge_is_answered_once(pool: Pool) -> None:
    srp, challenge = pool.challenge()
    answer = srp.process_challenge(challenge, {"USERNAME": EMAIL})
    assert pool.answer(answer)["AuthenticationResult"]["IdToken"]
    assert _error(lambda: pool.answer(answer))[0] == "NotAuthorizedException"


def test_a_challenge_expires_after_three_minutes(pool: Pool, clock: FakeClock) -> None:
    srp, challenge = pool.challenge()
    clock.advance(CHALLENGE_SECONDS + 1)
    answer = srp.process_challenge(challenge, {"USERNAME": EMAIL})
    assert _error(lambda: pool.answer(answer)) == (
        "NotAuthorizedException", "Invalid session for the user, session is expired.")


def test_a_password_flow_the_client_does_not_allow_is_refused(pool: Pool) -> None:
    assert _error(lambda: pool.public.initiate_auth(
        ClientId=pool.client_id, AuthFlow="USER_PASSWORD_AUTH",
        AuthParameters={"USERNAME": EMAIL, "PASSWORD": PASSWORD})) == (
        "InvalidParameterException", "USER_PASSWORD_AUTH flow not enabled for this client")


def test_a_client_that_allows_the_password_flow_still_gets_it(pool: Pool) -> None:
    client_id = pool.new_client(["ALLOW_USER_PASSWORD_AUTH"])
    result = pool.public.initiate_auth(ClientId=client_id, AuthFlow="USER_PASSWORD_AUTH",
                                       AuthParameters={"USERNAME": EMAIL, "PASSWORD": PASSWORD})
    assert result["AuthenticationResult"]["IdToken"]


def test_tokens_verify_with_the_pools_own_published_key_and_not_with_motos(pool: Pool) -> None:
    tokens = pool.sign_in()
    renewed = pool.public.initiate_auth(ClientId=pool.client_id, AuthFlow="REFRESH_TOKEN_AUTH",
                                        AuthParameters={"REFRESH_TOKEN": tokens["RefreshToken"]})
    ours = KeySet.import_key_set(pool.jwks())
    motos = RSAKey.import_key(load_resource("cognitoidp/resources/jwks-public.json")["keys"][0])
    for token in (tokens["IdToken"], tokens["AccessToken"], renewed["AuthenticationResult"]["IdToken"]):
        assert jwt.decode(token, ours, algorithms=["RS256"]).claims["sub"]
        with pytest.raises(BadSignatureError):
            jwt.decode(token, motos, algorithms=["RS256"])


def test_each_pool_has_its_own_key_kept_across_restarts(pool: Pool, tmp_path: Path, clock: FakeClock) -> None:
    first = pool.jwks()
    pool.service.close()
    pool.service = cognitoidp.create(make_ctx(tmp_path), clock=clock)  # the local cloud started again
    assert pool.jwks() == first
    other = Pool(tmp_path, clock)
    try:
        assert {k["kid"] for k in other.jwks()["keys"]}.isdisjoint(k["kid"] for k in first["keys"])
    finally:
        other.close()


def test_a_second_local_cloud_closing_leaves_the_first_signing(pool: Pool, tmp_path_factory: pytest.TempPathFactory,
                                                               clock: FakeClock) -> None:
    """moto is process-wide: a cloud started and stopped beside the running one must not unhook its keys."""
    cognitoidp.create(make_ctx(tmp_path_factory.mktemp("other")), clock=clock).close()
    token = pool.sign_in()["IdToken"]
    assert jwt.decode(token, KeySet.import_key_set(pool.jwks()), algorithms=["RS256"]).claims["email"] == EMAIL


def test_a_pools_key_is_read_once_not_at_every_token(pool: Pool, monkeypatch: pytest.MonkeyPatch) -> None:
    """Importing a private key checks it, 35 ms of CPU: every token moto issued used to pay that."""
    reads: list[Path] = []
    load = keys_module.load_signing_key
    monkeypatch.setattr(keys_module, "load_signing_key",
                        lambda state_dir, file: reads.append(file) or load(state_dir, file))
    first, second = pool.sign_in(), pool.sign_in()
    published = KeySet.import_key_set(pool.jwks())
    for token in (first["IdToken"], first["AccessToken"], second["IdToken"]):
        assert jwt.decode(token, published, algorithms=["RS256"]).claims["sub"]
    assert len(reads) <= 1, f"the pool's key was read {len(reads)} times"
