"""Which services a request through the journal may change: CloudFormation's reads save nothing."""

from __future__ import annotations

import io
from typing import Any

import pytest
from botocore.auth import SigV4Auth
from botocore.awsrequest import AWSRequest
from botocore.credentials import Credentials

from localcloud.persistence import SERVICES, _changed_services


def _environ(action: str) -> dict[str, Any]:
    """A CloudFormation request as the AWS CLI sends it: POST, the action in a signed form body."""
    body = f"Action={action}&Version=2010-05-15&StackName=scratch".encode()
    request = AWSRequest(method="POST", url="http://127.0.0.1:4566/", data=body,
                         headers={"Content-Type": "application/x-www-form-urlencoded"})
    SigV4Auth(Credentials("AKIAEXAMPLE", "secret"), "cloudformation", "us-east-1").add_auth(request)
    return {"REQUEST_METHOD": "POST", "QUERY_STRING": "", "CONTENT_LENGTH": str(len(body)),
            "HTTP_AUTHORIZATION": request.headers["Authorization"], "wsgi.input": io.BytesIO(body)}


@pytest.mark.parametrize("action", ["DescribeStacks", "ListStackResources", "GetTemplate"])
def test_reading_a_stack_saves_nothing_and_leaves_the_body_to_read(action: str) -> None:
    environ = _environ(action)
    assert _changed_services(environ) is None
    assert environ["wsgi.input"].read().startswith(f"Action={action}&".encode())


@pytest.mark.parametrize("action", ["CreateStack", "UpdateStack", "DeleteStack"])
def test_changing_a_stack_saves_every_kept_service(action: str) -> None:
    """A stack of one's own makes (or removes) queues, buckets, tables: each is saved by its request."""
    assert set(_changed_services(_environ(action)) or ()) == set(SERVICES)
