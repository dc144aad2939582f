"""Every AWS error shape the local cloud writes is one a real boto3 client raises as the right ClientError."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from botocore.config import Config
from botocore.exceptions import ClientError
from identity_fakes import ADMIN_KEY, ADMIN_SECRET, wsgi_client
from werkzeug.wrappers import Request, Response

from localcloud.access.sigv4 import signing_service
from localcloud.awserrors import AwsError, json_response, query_response, response_for, rest_json_response, s3_response

# Characters every shape must carry intact (XML escaping, JSON quoting).
MESSAGE = 'Key "cat <1> & dog" is not yours'


def _app(answer: Callable[[Request], Response]) -> Callable[..., Any]:
    def app(environ: dict[str, Any], start_response: Any) -> Any:
        return answer(Request(environ))(environ, start_response)
    return app


def _raised(service: str, answer: Callable[[Request], Response], call: Callable[[Any], Any]) -> dict[str, Any]:
    client = wsgi_client(_app(answer), service, aws_access_key_id=ADMIN_KEY, aws_secret_access_key=ADMIN_SECRET,
                         config=Config(retries={"total_max_attempts": 1}))
    with pytest.raises(ClientError) as caught:
        call(client)
    return caught.value.response


def _error(status: int = 400) -> AwsError:
    return AwsError(MESSAGE, code="PetTubeTestError", status=status)


SHAPES = [
    pytest.param("s3", 403, lambda r: s3_response(_error(403), details={"Resource": r.path}),
                 lambda c: c.get_object(Bucket="b", Key="k"), id="s3-xml"),
    pytest.param("dynamodb", 400, lambda r: json_response(_error()), lambda c: c.list_tables(), id="awsjson-1.0"),
    pytest.param("cognito-identity", 400, lambda r: json_response(_error(), content_type="application/x-amz-json-1.1"),
                 lambda c: c.get_id(IdentityPoolId="us-east-1:pool"), id="awsjson-1.1"),
    pytest.param("mediaconvert", 409, lambda r: rest_json_response(_error(409)), lambda c: c.list_jobs(),
                 id="rest-json"),
    pytest.param("apigateway", 403, lambda r: rest_json_response(_error(403), message_key="Message"),
                 lambda c: c.get_rest_apis(), id="rest-json-Message"),
    pytest.param("sts", 400, lambda r: query_response(_error()), lambda c: c.get_caller_identity(), id="query-xml"),
]


@pytest.mark.parametrize(("service", "status", "answer", "call"), SHAPES)
def test_each_shape_reaches_boto3_as_its_code_message_and_status(
        service: str, status: int, answer: Callable[[Request], Response], call: Callable[[Any], Any]) -> None:
    response = _raised(service, answer, call)
    assert (response["Error"]["Code"], response["Error"]["Message"]) == ("PetTubeTestError", MESSAGE)
    assert response["ResponseMetadata"]["HTTPStatusCode"] == status


@pytest.mark.parametrize(("service", "call"), [
    ("s3", lambda c: c.put_object(Bucket="b", Key="k", Body=b"x")),
    ("dynamodb", lambda c: c.get_item(TableName="t", Key={"k": {"S": "v"}})),
    ("cognito-identity", lambda c: c.get_id(IdentityPoolId="us-east-1:pool")),
    ("mediaconvert", lambda c: c.create_job(Role="arn:aws:iam::1:role/r", Settings={})),
    ("sts", lambda c: c.get_caller_identity()),
])
def test_an_error_takes_the_shape_of_the_protocol_the_request_speaks(service: str, call: Callable[[Any], Any]) -> None:
    response = _raised(service, lambda r: response_for(_error(503), r, signing_service(r)), call)
    assert (response["Error"]["Code"], response["Error"]["Message"]) == ("PetTubeTestError", MESSAGE)
    assert response["ResponseMetadata"]["HTTPStatusCode"] == 503


def test_s3_details_follow_the_message_in_the_document() -> None:
    details = {"Resource": "/b/k", "ServerTime": "20260101T000000Z"}
    body = s3_response(_error(403), details=details).get_data(as_text=True)
    assert body.index("<Message>") < body.index("<Resource>/b/k</Resource>") < body.index("<ServerTime>")
    assert "&lt;1&gt; &amp; dog" in body
