"""The Google stand-in: discovery, keys, ID tokens, the account chooser and its redirect rules."""

from __future__ import annotations

from pathlib import Path
from urllib.parse import parse_qs, urlsplit

import pytest
from identity_fakes import GOOGLE_CLIENT_ID, IDP, SITE, FakeClock, make_ctx
from joserfc import jwt
from joserfc.jwk import KeySet
from werkzeug.test import Client

from localcloud.idp import create_app


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock(1_800_000_000)


@pytest.fixture(scope="module")
def state_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """One state directory (so one RSA key, the slow part) for the module."""
    return tmp_path_factory.mktemp("idp-state")


@pytest.fixture
def idp(state_dir: Path, clock: FakeClock) -> Client:
    return Client(create_app(make_ctx(state_dir), clock=clock))


def _request(**extra: str) -> dict[str, str]:
    return {"response_type": "id_token", "client_id": GOOGLE_CLIENT_ID, "redirect_uri": f"{SITE}/",
            "nonce": "n-123", "state": "s-456", **extra}


def _fragment(location: str) -> dict[str, str]:
    return {k: v[0] for k, v in parse_qs(urlsplit(location).fragment).items()}


def _keys(idp: Client) -> KeySet:
    jwks_uri = idp.get("/.well-known/openid-configuration").get_json()["jwks_uri"]
    return KeySet.import_key_set(idp.get(urlsplit(jwks_uri).path).get_json())


def test_discovery_names_the_issuer_and_its_keys(idp: Client) -> None:
    document = idp.get("/.well-known/openid-configuration").get_json()
    assert document["issuer"] == IDP
    assert document["authorization_endpoint"] == f"{IDP}/authorize"
    assert document["id_token_signing_alg_values_supported"] == ["RS256"]
    keys = idp.get(urlsplit(document["jwks_uri"]).path).get_json()["keys"]
    assert keys[0]["kid"] and keys[0]["alg"] == "RS256" and "d" not in keys[0]


def test_silent_request_with_login_hint_redirects_with_a_google_like_id_token(idp: Client, clock: FakeClock) -> None:
    reply = idp.get("/authorize", query_string=_request(login_hint="julie", prompt="none"))
    assert reply.status_code == 302
    assert reply.headers["Location"].startswith(f"{SITE}/#")
    answer = _fragment(reply.headers["Location"])
    assert answer["state"] == "s-456"
    token = jwt.decode(answer["id_token"], _keys(idp), algorithms=["RS256"])
    claims = token.claims
    assert token.header["kid"] == _keys(idp).keys[0].kid
    assert claims["iss"] == IDP and claims["aud"] == GOOGLE_CLIENT_ID and claims["nonce"] == "n-123"
    assert claims["email"] == "julie@pettube.test" and claims["email_verified"] is True
    assert claims["name"] == "Julie Martin" and claims["sub"].isdigit()
    assert claims["exp"] - claims["iat"] == 3600 and claims["iat"] == int(clock())
    assert idp.get(urlsplit(claims["picture"]).path).mimetype == "image/svg+xml"


def test_the_same_user_always_has_the_same_sub_and_users_differ(idp: Client) -> None:
    def sub(user: str) -> str:
        location = idp.get("/authorize", query_string=_request(login_hint=user, prompt="none")).headers["Location"]
        return jwt.decode(_fragment(location)["id_token"], _keys(idp)).claims["sub"]

    assert sub("julie") == sub("julie@pettube.test") != sub("bob")


def test_interactive_request_shows_an_account_chooser_whose_choice_redirects(idp: Client) -> None:
    page = idp.get("/authorize", query_string=_request()).get_data(as_text=True)
    assert "Choose an account" in page and "Julie Martin" in page and "Bob Okafor" in page
    assert "/avatar/bob.svg" in page
    reply = idp.post("/authorize", data={**_request(), "account": "bob"})
    assert reply.status_code == 303
    claims = jwt.decode(_fragment(reply.headers["Location"])["id_token"], _keys(idp)).claims
    assert claims["email"] == "bob@pettube.test"


def test_silent_request_without_a_known_user_answers_login_required(idp: Client) -> None:
    reply = idp.get("/authorize", query_string=_request(login_hint="mallory", prompt="none"))
    answer = _fragment(reply.headers["Location"])
    assert answer["error"] == "login_required" and "id_token" not in answer


@pytest.mark.parametrize("redirect_uri", ["https://evil.example/", "http://127.0.0.1.evil.example/",
                                          "javascript:alert(1)", f"{SITE}/#frag"])
def test_tokens_are_never_sent_to_unregistered_redirect_uris(idp: Client, redirect_uri: str) -> None:
    reply = idp.get("/authorize", query_string=_request(redirect_uri=redirect_uri, login_hint="julie", prompt="none"))
    assert reply.status_code == 400 and "Location" not in reply.headers


def test_an_unknown_client_id_is_refused_without_redirect(idp: Client) -> None:
    reply = idp.get("/authorize", query_string=_request(client_id="other.apps", login_hint="julie", prompt="none"))
    assert reply.status_code == 400 and "Location" not in reply.headers


def test_a_missing_nonce_is_reported_to_the_client(idp: Client) -> None:
    reply = idp.get("/authorize", query_string=_request(nonce="", login_hint="julie", prompt="none"))
    assert _fragment(reply.headers["Location"])["error"] == "invalid_request"


def test_loopback_redirects_on_other_ports_are_allowed_for_tools(idp: Client) -> None:
    reply = idp.get("/authorize", query_string=_request(redirect_uri="http://localhost:9999/cb", login_hint="bob",
                                                         prompt="none"))
    assert reply.headers["Location"].startswith("http://localhost:9999/cb#id_token=")


def test_the_signing_key_survives_a_restart(tmp_path: Path, clock: FakeClock) -> None:
    first = Client(create_app(make_ctx(tmp_path), clock=clock))
    location = first.get("/authorize", query_string=_request(login_hint="julie", prompt="none")).headers["Location"]
    restarted = Client(create_app(make_ctx(tmp_path), clock=clock))
    assert jwt.decode(_fragment(location)["id_token"], _keys(restarted)).claims["name"] == "Julie Martin"
