"""Integration tests that know PetTube only by its stack's outputs, as SAM projects' integration tests do.

Nothing here reads endpoints.json or the template: the stack is found with
CloudFormation's ``DescribeStacks`` and every URL, bucket and pool comes from its
``Outputs``. By default the stack is the local cloud's (``pettube-<stage>`` on the
edge, admin key); with ``AWS_SAM_STACK_NAME`` set the same tests run against that
deployed stack with the shell's AWS credentials (docs/deploy.md, "Tests").
They create one throw-away user-pool user and delete it at the end.
"""

from __future__ import annotations

import os
import secrets
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import boto3
import pytest
import requests
from botocore import UNSIGNED
from botocore.auth import SigV4Auth
from botocore.awsrequest import AWSRequest
from botocore.config import Config
from botocore.credentials import Credentials
from botocore.exceptions import ClientError
from pycognito.aws_srp import AWSSRP

# The local cloud is asked for by name at run time (not against AWS): ordered with its tests all the same.
pytestmark = [pytest.mark.slow, pytest.mark.local_cloud]
PASSWORD = "Stack-outputs-1"


@dataclass(frozen=True)
class Deployment:
    """One stack's outputs and a way to reach its services as an administrator and as the public."""

    outputs: dict[str, str]
    session: boto3.Session
    endpoint_url: str | None  # None on AWS

    @property
    def region(self) -> str:
        return str(self.session.region_name)

    def admin(self, service: str) -> Any:
        return self.session.client(service, endpoint_url=self.endpoint_url)

    def public(self, service: str) -> Any:
        """A client as a browser has it: no credentials (sign-in calls need none)."""
        return boto3.client(service, region_name=self.region, endpoint_url=self.endpoint_url,
                            config=Config(signature_version=UNSIGNED))


def _outputs(cloudformation: Any, stack_name: str | None) -> dict[str, str]:
    stacks = cloudformation.describe_stacks(**({"StackName": stack_name} if stack_name else {}))["Stacks"]
    assert len(stacks) == 1, f"expected one stack, found {[s['StackName'] for s in stacks]}"
    return {o["OutputKey"]: o["OutputValue"] for o in stacks[0].get("Outputs", [])}


@pytest.fixture(scope="module")
def deployment(request: pytest.FixtureRequest) -> Deployment:
    """The stack named by AWS_SAM_STACK_NAME on AWS, else the local cloud's one stack."""
    stack_name = os.environ.get("AWS_SAM_STACK_NAME")
    if stack_name:
        session, endpoint = boto3.Session(), None
    else:
        local = request.getfixturevalue("local_cloud")  # starts the local cloud only when it is the target
        session = boto3.Session(aws_access_key_id=local.admin_access_key_id,
                                aws_secret_access_key=local.admin_secret_access_key, region_name=local.region)
        endpoint = local.aws
    return Deployment(_outputs(session.client("cloudformation", endpoint_url=endpoint), stack_name), session, endpoint)


@dataclass(frozen=True)
class SignedIn:
    """A user-pool user with the identity pool's credentials, as the page has them after sign-in."""

    identity_id: str
    credentials: Credentials


@pytest.fixture(scope="module")
def user(deployment: Deployment) -> Iterator[SignedIn]:
    """A new user of the stack's user pool, signed in by SRP and traded for Cognito Identity credentials."""
    pool_id, client_id = deployment.outputs["UserPoolId"], deployment.outputs["UserPoolClientId"]
    email = f"stack-test-{secrets.token_hex(4)}@pettube.test"
    idp = deployment.admin("cognito-idp")
    idp.admin_create_user(UserPoolId=pool_id, Username=email, MessageAction="SUPPRESS",
                          UserAttributes=[{"Name": "email", "Value": email}, {"Name": "email_verified",
                                                                               "Value": "true"}])
    try:
        idp.admin_set_user_password(UserPoolId=pool_id, Username=email, Password=PASSWORD, Permanent=True)
        srp = AWSSRP(username=email, password=PASSWORD, pool_id=pool_id, client_id=client_id,
                     client=deployment.public("cognito-idp"))
        id_token = srp.authenticate_user()["AuthenticationResult"]["IdToken"]
        identity = deployment.public("cognito-identity")
        logins = {f"cognito-idp.{deployment.region}.amazonaws.com/{pool_id}": id_token}
        identity_id = identity.get_id(IdentityPoolId=deployment.outputs["IdentityPoolId"], Logins=logins)["IdentityId"]
        c = identity.get_credentials_for_identity(IdentityId=identity_id, Logins=logins)["Credentials"]
        yield SignedIn(identity_id, Credentials(c["AccessKeyId"], c["SecretKey"], c["SessionToken"]))
    finally:
        idp.admin_delete_user(UserPoolId=pool_id, Username=email)


def _api(deployment: Deployment, path: str, credentials: Credentials | None) -> requests.Response:
    request = AWSRequest(method="GET", url=deployment.outputs["ApiUrl"].rstrip("/") + path)
    if credentials is not None:
        SigV4Auth(credentials, "execute-api", deployment.region).add_auth(request)
    prepared = request.prepare()
    return requests.get(prepared.url, headers=dict(prepared.headers), timeout=30)


def test_the_stack_names_every_endpoint_the_tests_need(deployment: Deployment) -> None:
    wanted = {"ApiUrl", "SiteUrl", "OriginalsBucketName", "TranscodedBucketName", "VideosTableName",
              "IdentityPoolId", "UserPoolId", "UserPoolClientId"}
    assert wanted <= set(deployment.outputs), wanted - set(deployment.outputs)


def test_the_api_refuses_an_unsigned_call(deployment: Deployment) -> None:
    reply = _api(deployment, "/media", None)
    assert reply.status_code == 403 and reply.json()["message"] == "Missing Authentication Token"


def test_a_new_user_signs_in_and_sees_an_empty_gallery(deployment: Deployment, user: SignedIn) -> None:
    reply = _api(deployment, "/media", user.credentials)
    assert reply.status_code == 200, reply.text
    assert reply.json()["videos"] == []


def test_a_user_writes_only_under_their_own_prefix(deployment: Deployment, user: SignedIn) -> None:
    s3 = boto3.client("s3", region_name=deployment.region, endpoint_url=deployment.endpoint_url,
                      aws_access_key_id=user.credentials.access_key, aws_secret_access_key=user.credentials.secret_key,
                      aws_session_token=user.credentials.token, config=Config(signature_version="s3v4"))
    someone_else = f"{deployment.region}:{'0' * 8}-0000-4000-8000-{'0' * 12}"
    with pytest.raises(ClientError) as refused:
        s3.put_object(Bucket=deployment.outputs["OriginalsBucketName"], Key=f"{someone_else}/intruder.mp4", Body=b"x")
    assert refused.value.response["Error"]["Code"] == "AccessDenied"
