"""The control planes' models without a cloud: names Lambda accepts, log groups, the stack view, the API tree."""

from __future__ import annotations

from datetime import datetime, timezone
from pathlib import Path

import pytest
from werkzeug.test import EnvironBuilder
from werkzeug.wrappers import Request

from localcloud.apigatewayapi.models import NotFoundException, RestApiView
from localcloud.cloudformation.models import LocalStackView, ValidationError
from localcloud.controlplane import route
from localcloud.lambdaapi.exceptions import ResourceNotFoundException
from localcloud.lambdaapi.models import LambdaBackend
from localcloud.lambdaruntime.runtime import LambdaRuntime
from localcloud.logs import function_log_groups
from localcloud.stack import Stack
from tools import compatibility

CODE_DIR = Path(__file__).resolve().parents[2] / "lambda"


@pytest.fixture(scope="module")
def stack() -> Stack:
    return Stack({"GoogleClientId": "local.apps.googleusercontent.com", "SiteOrigin": "http://127.0.0.1:8080"})


@pytest.fixture(scope="module")
def backend(stack: Stack) -> LambdaBackend:
    # No worker starts until an invocation: describing functions needs none.
    return LambdaBackend(stack, LambdaRuntime(stack, {}, CODE_DIR), CODE_DIR, enqueue=lambda *_: None)


def _request(method: str, path: str, **kwargs: object) -> Request:
    return Request(EnvironBuilder(method=method, path=path, **kwargs).get_environ())


@pytest.mark.parametrize("given", ["pettube-my-media-function",
                                   "arn:aws:lambda:us-east-1:123456789012:function:pettube-my-media-function",
                                   "123456789012:function:pettube-my-media-function",
                                   "pettube-my-media-function:$LATEST"])
def test_a_function_is_found_by_every_name_form_lambda_accepts(backend: LambdaBackend, given: str) -> None:
    assert backend.logical_id(given) == "MyMediaFunction"


@pytest.mark.parametrize("given, qualifier", [("no-such-function", None), ("pettube-my-media-function", "7")])
def test_unknown_functions_and_versions_are_not_found(backend: LambdaBackend, given: str,
                                                      qualifier: str | None) -> None:
    with pytest.raises(ResourceNotFoundException):
        backend.logical_id(given, qualifier)


def test_configuration_is_the_templates(backend: LambdaBackend, stack: Stack) -> None:
    configuration = backend.configuration("SweeperFunction")
    assert configuration["Timeout"] == 120 and configuration["Architectures"] == ["arm64"]
    assert configuration["Environment"]["Variables"] == stack.functions["SweeperFunction"].environment
    assert configuration["Role"].startswith("arn:aws:iam::123456789012:role/")


def test_each_function_logs_to_its_templates_group_with_its_retention(stack: Stack) -> None:
    groups = function_log_groups(stack)
    assert groups["UploadFunction"].name == "/aws/lambda/pettube-upload"
    assert {g.retention_days for g in groups.values()} == {int(stack.parameters["LogRetentionDays"])}


@pytest.mark.parametrize("method, path, operation", [
    ("GET", "/2015-03-31/functions/", "ListFunctions"),
    ("GET", "/2015-03-31/functions/pettube-upload-function", "GetFunction"),
    ("GET", "/2015-03-31/functions/pettube-upload-function/configuration", "GetFunctionConfiguration"),
    ("POST", "/2015-03-31/functions/arn:aws:lambda:us-east-1:123456789012:function:f/invocations", "Invoke"),
])
def test_lambda_requests_route_to_their_operation(method: str, path: str, operation: str) -> None:
    routed = route("lambda", _request(method, path))
    assert routed is not None and routed[0].name == operation


def test_query_requests_route_by_action() -> None:
    routed = route("cloudformation", _request("POST", "/", data={"Action": "DescribeStacks", "Version": "2010-05-15"}))
    assert routed is not None and routed[0].name == "DescribeStacks"
    assert route("cloudformation", _request("POST", "/", data={"Action": "NoSuchAction"})) is None


def test_the_stack_is_named_as_make_deploy_names_it(stack: Stack) -> None:
    view = LocalStackView(stack, site_url="http://s", api_url="http://a", queue_url=lambda name: f"http://q/{name}",
                          created=0)
    assert view.name == f"pettube-{stack.parameters['StageName']}"
    view.check_name(view.stack_id)
    with pytest.raises(ValidationError):
        view.check_name("pettube-other")
    outputs = {o["OutputKey"]: o["OutputValue"] for o in view.outputs()}
    assert outputs["DeadLetterQueueUrl"] == f"http://q/{stack.physical_name('DeadLetterQueue')}"
    assert outputs["ApiUrl"] == "http://a" and outputs["SiteUrl"] == "http://s"


def test_the_api_resource_tree_follows_the_openapi_paths(stack: Stack) -> None:
    view = RestApiView(stack, "MyMediaApi", datetime.now(timezone.utc))
    by_path = {r["path"]: r for r in view.resources()}
    assert by_path["/shared/{token}"]["parentId"] == by_path["/shared"]["id"]
    assert by_path["/shared"]["parentId"] == by_path["/"]["id"] == view.describe()["rootResourceId"]
    assert "resourceMethods" not in by_path["/shared"]  # a path prefix only
    with pytest.raises(NotFoundException):
        view.check("someoneelse")


def test_the_compatibility_page_is_what_the_code_answers() -> None:
    """docs/compatibility.md is generated: an operation added or dropped anywhere must show there."""
    page = compatibility.page()
    assert compatibility.PAGE.read_text() == page, "run: python -m tools.compatibility"
    own = {s.name: compatibility.own_operations(s) for s in compatibility.SERVICES}
    assert own["cognito-idp"] == ["InitiateAuth", "RespondToAuthChallenge"]
    assert {"ListIdentityPools", "DescribeIdentityPool", "GetOpenIdToken"} <= set(own["cognito-identity"])
    assert "Invoke" in own["lambda"]
    lambdas = next(s for s in compatibility.SERVICES if s.name == "lambda")
    assert "CreateFunction" in compatibility.moto_operations(lambdas)  # a function of one's own is moto's
