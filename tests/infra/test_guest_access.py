"""Guests (share links): an identity pool identity without sign-in may watch a shared video and do nothing else."""

from __future__ import annotations

from typing import Any

import pytest
from localcloud.stack import Stack

from iam_check import Need, granted, role_statements


@pytest.fixture(scope="module")
def stack() -> Stack:
    return Stack({"GoogleClientId": "123-abc.apps.googleusercontent.com", "SiteOrigin": "https://site.example"})


def api_call(stack: Stack, method: str, path: str) -> Need:
    """The permission API Gateway checks for a signed call (AWS_IAM): execute-api:Invoke on the method ARN."""
    api = stack.physical_name("MyMediaApi")
    stage = stack.parameters["StageName"]
    arn = f"arn:aws:execute-api:{stack.region}:{stack.account_id}:{api}/{stage}/{method}{path}"
    return Need("execute-api:Invoke", arn)


def role(stack: Stack, logical_id: str) -> list[dict[str, Any]]:
    return role_statements(stack.resources[logical_id]["Properties"])


def test_the_pool_gives_guests_identities_and_maps_them_to_the_guest_role(resources: dict[str, Any]) -> None:
    assert resources["IdentityPool"]["Properties"]["AllowUnauthenticatedIdentities"] is True
    roles = resources["IdentityPoolRoles"]["Properties"]["Roles"]
    assert roles["unauthenticated"] == {"Fn::GetAtt": ["GuestRole", "Arn"]}
    assert roles["authenticated"] == {"Fn::GetAtt": ["AuthenticatedRole", "Arn"]}


def test_guest_role_trusts_only_this_pools_unauthenticated_identities(resources: dict[str, Any]) -> None:
    (trust,) = resources["GuestRole"]["Properties"]["AssumeRolePolicyDocument"]["Statement"]
    assert trust["Principal"] == {"Federated": "cognito-identity.amazonaws.com"}
    assert trust["Action"] == "sts:AssumeRoleWithWebIdentity"
    assert trust["Condition"]["StringEquals"]["cognito-identity.amazonaws.com:aud"] == {"Ref": "IdentityPool"}
    assert trust["Condition"]["ForAnyValue:StringLike"]["cognito-identity.amazonaws.com:amr"] == "unauthenticated"


@pytest.mark.parametrize(("method", "path"), [("GET", "/shared/Gq3vYc1oQnB8Xk2L0sTt5uVw7yZa9bCd")])
def test_a_guest_may_open_a_share_link(stack: Stack, method: str, path: str) -> None:
    assert granted(role(stack, "GuestRole"), api_call(stack, method, path))


@pytest.mark.parametrize(("method", "path"), [
    ("GET", "/media"), ("GET", "/media/01jc5x8m9n2p3q4r5s6t7v8w9x"), ("PATCH", "/media/01jc5x8m9n2p3q4r5s6t7v8w9x"),
    ("DELETE", "/media/01jc5x8m9n2p3q4r5s6t7v8w9x"), ("POST", "/shared/Gq3vYc1oQnB8Xk2L0sTt5uVw7yZa9bCd"),
    ("DELETE", "/shared/Gq3vYc1oQnB8Xk2L0sTt5uVw7yZa9bCd"),
])
def test_a_guest_may_call_no_other_route(stack: Stack, method: str, path: str) -> None:
    assert not granted(role(stack, "GuestRole"), api_call(stack, method, path))


def test_a_guest_may_do_nothing_at_all_outside_the_api(stack: Stack, resources: dict[str, Any]) -> None:
    """Not one action but execute-api:Invoke: no bucket (videos play from presigned URLs), no table, no job."""
    statements = role(stack, "GuestRole")
    assert {s["Action"] for s in statements} == {"execute-api:Invoke"}
    assert all(s["Effect"] == "Allow" and "Condition" not in s for s in statements)
    for bucket in ("OriginalsBucket", "TranscodedBucket", "SiteBucket"):
        name = stack.physical_name(bucket)
        for action in ("s3:GetObject", "s3:PutObject", "s3:ListBucket", "s3:DeleteObject"):
            assert not granted(statements, Need(action, f"arn:aws:s3:::{name}/someone/video/clip.mp4"))
            assert not granted(statements, Need(action, f"arn:aws:s3:::{name}"))
    assert [p["PolicyName"] for p in resources["GuestRole"]["Properties"]["Policies"]] == ["watch-shared-videos"]
    assert "ManagedPolicyArns" not in resources["GuestRole"]["Properties"]


def test_a_signed_in_user_may_open_share_links_too(stack: Stack) -> None:
    statements = role(stack, "AuthenticatedRole")
    assert granted(statements, api_call(stack, "GET", "/shared/Gq3vYc1oQnB8Xk2L0sTt5uVw7yZa9bCd"))
    assert granted(statements, api_call(stack, "PATCH", "/media/01jc5x8m9n2p3q4r5s6t7v8w9x"))
    assert not granted(statements, api_call(stack, "DELETE", "/shared/Gq3vYc1oQnB8Xk2L0sTt5uVw7yZa9bCd"))
