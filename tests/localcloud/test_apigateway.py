"""The local API Gateway: IAM signatures, the role's Invoke permission, and proxy events with the signer's identity."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from botocore.credentials import Credentials
from identity_fakes import (
    ADMIN_KEY,
    ADMIN_SECRET,
    EDGE,
    SITE,
    FakeClock,
    FakeRuntime,
    make_ctx,
    session_for,
    signed,
    stack,
    to_werkzeug,
)
from werkzeug.wrappers import Request, Response

from localcloud import apigateway
from localcloud.access.credentials import CredentialAuthority
from localcloud.lambdaruntime.runtime import FunctionError

API = f"{EDGE}/restapis/{stack().physical_name('MyMediaApi')}/prod/_user_request_"
JULIE, BOB = "us-east-1:11111111-1111-4111-8111-111111111111", "us-east-1:22222222-2222-4222-8222-222222222222"
GUEST = "us-east-1:33333333-3333-4333-8333-333333333333"


class Gateway:
    """The service on a fake runtime, with julie's session credentials."""

    def __init__(self, state_dir: Path) -> None:
        self.clock = FakeClock()
        self.runtime = FakeRuntime()
        self.service = apigateway.create(make_ctx(state_dir, self.runtime), clock=self.clock)
        authority = CredentialAuthority.for_state_dir(state_dir, clock=self.clock)
        julie, guest = session_for(authority, JULIE, "104650192837465012345"), session_for(authority, GUEST, None)
        self.julie = Credentials(julie.access_key_id, julie.secret_access_key, julie.session_token)
        self.guest = Credentials(guest.access_key_id, guest.secret_access_key, guest.session_token)

    def call(self, request: Request) -> Response:
        return self.service.dispatch(request)

    def as_julie(self, method: str, path: str, **kwargs: Any) -> Response:
        return self.call(signed(method, API + path, self.julie, service="execute-api", **kwargs))

    def as_guest(self, method: str, path: str, **kwargs: Any) -> Response:
        return self.call(signed(method, API + path, self.guest, service="execute-api", **kwargs))

    def last_event(self) -> dict[str, Any]:
        return self.runtime.calls[-1][1]


@pytest.fixture
def gateway(tmp_path: Path) -> Gateway:
    return Gateway(tmp_path)


def _refusal(response: Response) -> tuple[int, str, str]:
    body = json.loads(response.get_data())
    return response.status_code, response.headers["x-amzn-ErrorType"], body.get("message") or body.get("Message")


def test_a_signed_request_reaches_mymedia_with_julies_identity(gateway: Gateway) -> None:
    gateway.runtime.result = {"statusCode": 200, "headers": {"Content-Type": "application/json"},
                              "body": json.dumps({"videos": []})}
    reply = gateway.as_julie("GET", "/media?limit=5")
    assert reply.status_code == 200 and json.loads(reply.get_data()) == {"videos": []}
    function, event = gateway.runtime.calls[-1]
    assert function == "MyMediaFunction"
    assert event["resource"] == "/media" and event["path"] == "/media" and event["httpMethod"] == "GET"
    assert event["queryStringParameters"] == {"limit": "5"}
    identity = event["requestContext"]["identity"]
    assert identity["cognitoIdentityId"] == JULIE
    assert identity["cognitoAuthenticationType"] == "authenticated"
    assert identity["cognitoIdentityPoolId"] == stack().physical_name("IdentityPool")
    assert event["requestContext"]["stage"] == "prod" and event["requestContext"]["accountId"] == "123456789012"


def test_a_guest_reaches_only_get_shared_as_an_unauthenticated_identity(gateway: Gateway) -> None:
    gateway.runtime.result = {"statusCode": 404, "body": json.dumps({"error": "NotFound"})}
    assert gateway.as_guest("GET", "/shared/any-token-at-all").status_code == 404  # the function's own answer
    event = gateway.last_event()
    assert event["resource"] == "/shared/{token}" and event["pathParameters"] == {"token": "any-token-at-all"}
    identity = event["requestContext"]["identity"]
    assert (identity["cognitoIdentityId"], identity["cognitoAuthenticationType"]) == (GUEST, "unauthenticated")
    assert identity["cognitoAuthenticationProvider"] is None
    refused = [gateway.as_guest("GET", "/media"), gateway.as_guest("GET", "/media/v1"),
               gateway.as_guest("PATCH", "/media/v1", body=b'{"visibility": "link"}'),
               gateway.as_guest("DELETE", "/media/v1")]
    assert [_refusal(reply)[:2] for reply in refused] == [(403, "AccessDeniedException")] * 4
    assert len(gateway.runtime.calls) == 1


def test_bobs_id_anywhere_in_the_request_does_not_change_the_identity(gateway: Gateway) -> None:
    gateway.as_julie("DELETE", f"/media/{BOB}?identity_id={BOB}&owner_id={BOB}", body=json.dumps(
        {"identity_id": BOB, "requestContext": {"identity": {"cognitoIdentityId": BOB}}}).encode(),
        headers={"X-Amz-Cognito-Identity-Id": BOB, "cognitoIdentityId": BOB})
    event = gateway.last_event()
    assert event["pathParameters"] == {"id": BOB} and event["queryStringParameters"]["owner_id"] == BOB
    assert event["requestContext"]["identity"]["cognitoIdentityId"] == JULIE


def _tampered(gateway: Gateway, change: str) -> Request:
    """Julie's signed DELETE, changed after signing (or signed with the wrong secret)."""
    url = API + "/media/v1?x=1"
    if change == "secret":
        wrong = Credentials(gateway.julie.access_key, "wrong", gateway.julie.token)
        return signed("DELETE", url, wrong, service="execute-api", body=b"{}")
    request = signed("DELETE", url, gateway.julie, service="execute-api", body=b"{}")
    if change == "body":
        return to_werkzeug(request.url, "DELETE", request.headers, b'{"x": 1}')
    environ = dict(request.environ)
    if change == "path":
        environ["PATH_INFO"] = environ["RAW_URI"] = environ["REQUEST_URI"] = environ["PATH_INFO"].replace("/v1", "/v2")
    else:
        environ["QUERY_STRING"] = "x=2"
    return Request(environ)


@pytest.mark.parametrize("change", ["path", "query", "body", "secret"])
def test_tampered_requests_are_refused_with_invalid_signature(gateway: Gateway, change: str) -> None:
    status, error_type, _ = _refusal(gateway.call(_tampered(gateway, change)))
    assert (status, error_type) == (403, "InvalidSignatureException")
    assert gateway.runtime.calls == []


def test_unsigned_requests_are_missing_authentication(gateway: Gateway) -> None:
    assert _refusal(gateway.call(to_werkzeug(API + "/media", "GET", {}, None))) == \
        (403, "MissingAuthenticationTokenException", "Missing Authentication Token")


def test_unknown_keys_are_unrecognized_clients(gateway: Gateway) -> None:
    stranger = Credentials("AKIASTRANGERSTRANGER", "secret")
    reply = gateway.call(signed("GET", API + "/media", stranger, service="execute-api"))
    assert _refusal(reply)[:2] == (403, "UnrecognizedClientException")


def test_julies_expired_credentials_are_refused(gateway: Gateway) -> None:
    gateway.clock.advance(3600)
    assert _refusal(gateway.as_julie("GET", "/media")) == \
        (403, "ExpiredTokenException", "The security token included in the request is expired")


def test_a_signature_for_another_service_is_incomplete(gateway: Gateway) -> None:
    reply = gateway.call(signed("GET", API + "/media", gateway.julie, service="s3"))
    assert _refusal(reply)[:2] == (403, "IncompleteSignatureException")


def test_a_replayed_request_outside_fifteen_minutes_is_refused(gateway: Gateway) -> None:
    request = signed("GET", API + "/media", gateway.julie, service="execute-api")
    gateway.clock.advance(16 * 60)
    assert _refusal(gateway.call(request))[:2] == (403, "InvalidSignatureException")


def test_unknown_routes_answer_missing_authentication_token(gateway: Gateway) -> None:
    assert _refusal(gateway.as_julie("GET", "/admin"))[1] == "MissingAuthenticationTokenException"
    assert _refusal(gateway.as_julie("POST", "/media"))[1] == "MissingAuthenticationTokenException"


def test_function_errors_become_502(gateway: Gateway) -> None:
    gateway.runtime.result = FunctionError({"errorType": "KeyError", "errorMessage": "boom"})
    reply = gateway.as_julie("GET", "/media")
    assert reply.status_code == 502 and json.loads(reply.get_data()) == {"message": "Internal server error"}
    gateway.runtime.result = {"body": "no status"}
    assert gateway.as_julie("GET", "/media").status_code == 502


def test_preflight_answers_the_site_origin_without_a_signature(gateway: Gateway) -> None:
    reply = gateway.call(to_werkzeug(API + "/media/v1", "OPTIONS", {"Origin": SITE,
                                                                    "Access-Control-Request-Method": "DELETE"}, None))
    assert reply.status_code == 200
    assert reply.headers["Access-Control-Allow-Origin"] == SITE
    assert "DELETE" in reply.headers["Access-Control-Allow-Methods"]
    assert "x-amz-security-token" in reply.headers["Access-Control-Allow-Headers"]


def test_admin_credentials_are_allowed_without_a_cognito_identity(gateway: Gateway) -> None:
    reply = gateway.call(signed("GET", API + "/media", Credentials(ADMIN_KEY, ADMIN_SECRET), service="execute-api"))
    assert reply.status_code == 200
    assert gateway.last_event()["requestContext"]["identity"]["cognitoIdentityId"] is None


def test_other_apis_and_stages_are_forbidden(gateway: Gateway) -> None:
    other = API.replace("/prod/", "/dev/")
    assert gateway.call(signed("GET", other + "/media", gateway.julie, service="execute-api")).status_code == 403
