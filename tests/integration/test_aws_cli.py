"""AWS's own CLI against the local cloud, as a developer would use it with the admin credentials.

Each test runs ``aws`` (the awscli of the dev extra) as a subprocess with only
what endpoints.json gives: the edge URL, the region and the admin key.
"""

from __future__ import annotations

import base64
import json
import os
import subprocess
import sys
import time
import uuid
import zipfile
from pathlib import Path
from typing import Any

import boto3
import pytest
import requests
from botocore import UNSIGNED
from botocore.auth import SigV4Auth
from botocore.awsrequest import AWSRequest
from botocore.config import Config
from botocore.credentials import Credentials

from localcloud.cloud import LocalCloud
from localcloud.endpoints import Endpoints
from tests.conftest import load_event

pytestmark = pytest.mark.slow
AWS = str(Path(sys.executable).with_name("aws"))


@pytest.fixture(scope="module")
def cli_env(cloud: LocalCloud, local_cloud: Endpoints, tmp_path_factory: pytest.TempPathFactory) -> dict[str, str]:
    """The environment of a fresh shell: the admin credentials from endpoints.json, no config of the user's."""
    published = json.loads(cloud.endpoints_path.read_text())
    home = tmp_path_factory.mktemp("aws-home")
    return {"PATH": os.environ.get("PATH", ""), "HOME": str(home), "AWS_PAGER": "",
            "AWS_ACCESS_KEY_ID": published["admin_access_key_id"],
            "AWS_SECRET_ACCESS_KEY": published["admin_secret_access_key"],
            "AWS_DEFAULT_REGION": published["region"], "AWS_ENDPOINT_URL": published["aws"],
            "AWS_CONFIG_FILE": str(home / "config"), "AWS_SHARED_CREDENTIALS_FILE": str(home / "credentials")}


def aws(env: dict[str, str], *args: str, check: bool = True) -> Any:
    """Run one CLI command; its JSON output parsed (or the finished process when ``check`` is False)."""
    done = subprocess.run([AWS, *args, "--output", "json"], env=env, capture_output=True, text=True)
    if not check:
        return done
    assert done.returncode == 0, done.stderr
    return json.loads(done.stdout) if done.stdout.strip() else None


def function_name(cloud: LocalCloud, logical_id: str) -> str:
    return cloud.stack.functions[logical_id].name


def test_list_and_describe_every_function_of_the_template(cloud: LocalCloud, cli_env: dict[str, str]) -> None:
    listed = {f["FunctionName"]: f for f in aws(cli_env, "lambda", "list-functions")["Functions"]}
    assert set(listed) == {spec.name for spec in cloud.stack.functions.values()}
    name = function_name(cloud, "MyMediaFunction")
    configuration = aws(cli_env, "lambda", "get-function-configuration", "--function-name", name)
    assert configuration["Handler"] == "pettube.mymedia.handler"
    assert configuration["Environment"]["Variables"]["VIDEOS_TABLE"] == cloud.stack.physical_name("VideosTable")
    assert configuration["LoggingConfig"]["LogGroup"] == "/aws/lambda/pettube-mymedia"
    by_arn = aws(cli_env, "lambda", "get-function", "--function-name", configuration["FunctionArn"])
    assert by_arn["Configuration"]["FunctionName"] == name


def test_unknown_function_is_not_found(cli_env: dict[str, str]) -> None:
    done = aws(cli_env, "lambda", "get-function", "--function-name", "no-such-function", check=False)
    assert done.returncode != 0 and "ResourceNotFoundException" in done.stderr


def test_invoke_mymedia_with_an_api_gateway_event(cloud: LocalCloud, cli_env: dict[str, str],
                                                  tmp_path: Path) -> None:
    event, out = tmp_path / "event.json", tmp_path / "out.json"
    event.write_text(json.dumps(load_event("apigw_list_media.json")))
    answer = aws(cli_env, "lambda", "invoke", "--function-name", function_name(cloud, "MyMediaFunction"),
                 "--payload", f"fileb://{event}", str(out))
    assert answer["StatusCode"] == 200 and "FunctionError" not in answer
    response = json.loads(out.read_text())
    assert response["statusCode"] == 200
    assert json.loads(response["body"])["videos"] == []  # a new identity has none yet


def test_invoke_reports_a_function_error_as_lambda_does(cloud: LocalCloud, cli_env: dict[str, str],
                                                       tmp_path: Path) -> None:
    out = tmp_path / "out.json"
    answer = aws(cli_env, "lambda", "invoke", "--function-name", function_name(cloud, "MyMediaFunction"),
                 "--payload", '{"not": "an API event"}', "--log-type", "Tail", str(out))
    assert answer["StatusCode"] == 200 and answer["FunctionError"] == "Unhandled"
    error = json.loads(out.read_text())
    assert error["errorType"] == "MalformedEvent" and "API Gateway" in error["errorMessage"]
    assert error["stackTrace"] and "bootstrap.py" not in "".join(error["stackTrace"])
    log = base64.b64decode(answer["LogResult"]).decode().splitlines()
    assert log[0].startswith("START RequestId:") and log[-1].startswith("REPORT RequestId:")
    assert log[0].split()[2] == log[-1].split()[2]  # one invocation's lines
    assert any("MalformedEvent" in line for line in log)


def test_event_invoke_is_accepted_and_runs(cloud: LocalCloud, cli_env: dict[str, str], tmp_path: Path,
                                           wait_until) -> None:
    marker = f"aws-cli-event/{uuid.uuid4().hex}.mp4"
    record = load_event("s3_put_simple.json")
    record["Records"][0]["s3"]["object"]["key"] = marker
    answer = aws(cli_env, "lambda", "invoke", "--function-name", function_name(cloud, "UploadFunction"),
                 "--invocation-type", "Event",
                 "--payload", json.dumps(record), str(tmp_path / "out.json"))
    assert answer["StatusCode"] == 202
    wait_until(lambda: any(i["function"] == "UploadFunction" and marker in json.dumps(i["event"])
                           for i in cloud.runtime.invocations), message="the queued event to run")


def test_a_failing_event_invoke_is_retried_then_dead_lettered(cloud: LocalCloud, cli_env: dict[str, str],
                                                             tmp_path: Path, wait_until) -> None:
    event = {"detail-type": "MediaConvert Job State Change", "marker": uuid.uuid4().hex}  # no detail: refused
    answer = aws(cli_env, "lambda", "invoke", "--function-name", function_name(cloud, "JobStateFunction"),
                 "--invocation-type", "Event", "--payload", json.dumps(event), str(tmp_path / "out.json"))
    assert answer["StatusCode"] == 202
    record = wait_until(lambda: next((r for r in cloud.dead_letters() if r["requestPayload"] == event), None),
                        message="the failed event in the dead-letter queue")
    spec = cloud.stack.functions["JobStateFunction"]
    assert record["requestContext"]["approximateInvokeCount"] == spec.max_retries + 1
    assert record["responseContext"]["functionError"] == "Unhandled"


def test_log_groups_streams_and_events(cloud: LocalCloud, cli_env: dict[str, str], tmp_path: Path) -> None:
    aws(cli_env, "lambda", "invoke", "--function-name", function_name(cloud, "MyMediaFunction"),
        "--payload", "{}", str(tmp_path / "out.json"))
    groups = {g["logGroupName"]: g for g in aws(cli_env, "logs", "describe-log-groups",
                                                "--log-group-name-prefix", "/aws/lambda/")["logGroups"]}
    retention = int(cloud.stack.parameters["LogRetentionDays"])
    assert {name: g.get("retentionInDays") for name, g in groups.items()} == {
        f"/aws/lambda/pettube-{suffix}": retention for suffix in ("upload", "job-state", "mymedia", "sweeper")}
    streams = aws(cli_env, "logs", "describe-log-streams", "--log-group-name", "/aws/lambda/pettube-mymedia")
    stream = streams["logStreams"][0]["logStreamName"]
    assert "[$LATEST]" in stream
    messages = [e["message"] for e in aws(cli_env, "logs", "get-log-events", "--log-group-name",
                                          "/aws/lambda/pettube-mymedia", "--log-stream-name", stream)["events"]]
    assert any(m.startswith("START RequestId:") for m in messages)
    assert any(m.startswith("REPORT RequestId:") for m in messages)
    found = aws(cli_env, "logs", "filter-log-events", "--log-group-name", "/aws/lambda/pettube-mymedia",
                "--filter-pattern", "MalformedEvent")["events"]
    assert found and all("MalformedEvent" in e["message"] for e in found)


def test_following_the_logs_shows_an_uploads_log_lines(local_cloud: Endpoints, cli_env: dict[str, str],
                                                       wait_until) -> None:
    """What ``aws logs tail --follow`` does (CLI v2): poll FilterLogEvents from a start time for new events.

    PyPI's awscli is version 1, which has no ``logs tail``; its filter-log-events is the same call.
    """
    since = int(time.time() * 1000) - 60_000
    key = f"aws-cli-tail/{uuid.uuid4().hex}.mp4"  # outside the upload layout: the function logs it and stops
    local_cloud.client("s3").put_object(Bucket=local_cloud.originals_bucket, Key=key, Body=b"\0" * 64)

    def poll() -> list[str]:
        events = aws(cli_env, "logs", "filter-log-events", "--log-group-name", "/aws/lambda/pettube-upload",
                     "--start-time", str(since), "--interleaved")["events"]
        return [e["message"] for e in events if key in e["message"]]

    line = wait_until(poll, message="the upload's log line")[0]
    assert json.loads(line)["message"] == "Original ignored: key outside the upload layout"


def test_describe_stacks_shows_the_stack_with_local_outputs(cloud: LocalCloud, local_cloud: Endpoints,
                                                            cli_env: dict[str, str]) -> None:
    stacks = aws(cli_env, "cloudformation", "describe-stacks")["Stacks"]
    assert [s["StackName"] for s in stacks] == [f"pettube-{cloud.stack.parameters['StageName']}"]
    outputs = {o["OutputKey"]: o["OutputValue"] for o in stacks[0]["Outputs"]}
    assert outputs["ApiUrl"] == local_cloud.api and outputs["SiteUrl"] == local_cloud.site
    assert outputs["OriginalsBucketName"] == local_cloud.originals_bucket
    assert outputs["UserPoolId"] == local_cloud.user_pool_id
    assert outputs["DeadLetterQueueUrl"].startswith(local_cloud.aws)
    assert stacks[0]["StackStatus"] == "CREATE_COMPLETE"


def test_stack_resources_map_logical_ids_to_local_physical_ids(cloud: LocalCloud, local_cloud: Endpoints,
                                                               cli_env: dict[str, str]) -> None:
    name = f"pettube-{cloud.stack.parameters['StageName']}"
    summaries = aws(cli_env, "cloudformation", "list-stack-resources", "--stack-name", name)
    physical = {r["LogicalResourceId"]: r["PhysicalResourceId"] for r in summaries["StackResourceSummaries"]}
    assert physical["VideosTable"] == local_cloud.table
    assert physical["MyMediaFunction"] == function_name(cloud, "MyMediaFunction")
    detail = aws(cli_env, "cloudformation", "describe-stack-resource", "--stack-name", name,
                 "--logical-resource-id", "OriginalsBucket")["StackResourceDetail"]
    assert detail["PhysicalResourceId"] == local_cloud.originals_bucket
    assert detail["ResourceType"] == "AWS::S3::Bucket"
    missing = aws(cli_env, "cloudformation", "describe-stacks", "--stack-name", "someone-elses", check=False)
    assert missing.returncode != 0 and "does not exist" in missing.stderr


def _stack_names(env: dict[str, str]) -> list[str]:
    return [s["StackName"] for s in aws(env, "cloudformation", "describe-stacks")["Stacks"]]


def _queue_url(env: dict[str, str], queue: str) -> Any:
    """``aws sqs get-queue-url`` (awscli 1's SQS customisation ignores AWS_ENDPOINT_URL: name it)."""
    return aws(env, "sqs", "get-queue-url", "--queue-name", queue, "--endpoint-url", env["AWS_ENDPOINT_URL"],
               check=False)


def _queue_stack(path: Path, *queues: str) -> str:
    """A template of one's own with an SQS queue per name; its file:// argument."""
    path.write_text(json.dumps({"Resources": {
        f"Queue{i}": {"Type": "AWS::SQS::Queue", "Properties": {"QueueName": queue}}
        for i, queue in enumerate(queues)}}))
    return f"file://{path}"


def test_a_stack_of_ones_own_deploys_beside_the_templates(cloud: LocalCloud, cli_env: dict[str, str],
                                                          tmp_path: Path) -> None:
    """As on AWS, a developer's own stack lives beside PetTube's: moto's CloudFormation creates, updates and
    deletes it and its queues; listings show both stacks; PetTube's own stack cannot be created again."""
    ours, name = f"pettube-{cloud.stack.parameters['StageName']}", f"scratch-{uuid.uuid4().hex[:8]}"
    aws(cli_env, "cloudformation", "create-stack", "--stack-name", name,
        "--template-body", _queue_stack(tmp_path / "one.json", f"{name}-a"))
    try:
        assert _stack_names(cli_env) == [ours, name]
        assert json.loads(_queue_url(cli_env, f"{name}-a").stdout)["QueueUrl"].endswith(f"/{name}-a")
        aws(cli_env, "cloudformation", "update-stack", "--stack-name", name,
            "--template-body", _queue_stack(tmp_path / "two.json", f"{name}-a", f"{name}-b"))
        resources = aws(cli_env, "cloudformation", "list-stack-resources", "--stack-name", name)
        assert sorted(r["LogicalResourceId"] for r in resources["StackResourceSummaries"]) == ["Queue0", "Queue1"]
        assert json.loads(_queue_url(cli_env, f"{name}-b").stdout)["QueueUrl"].endswith(f"/{name}-b")
        again = aws(cli_env, "cloudformation", "create-stack", "--stack-name", ours,
                    "--template-body", _queue_stack(tmp_path / "clash.json", f"{name}-c"), check=False)
        assert again.returncode != 0 and "AlreadyExistsException" in again.stderr
        assert aws(cli_env, "cloudformation", "describe-stacks", "--stack-name", ours)["Stacks"][0]["Outputs"]
    finally:
        aws(cli_env, "cloudformation", "delete-stack", "--stack-name", name)
    assert _stack_names(cli_env) == [ours]
    gone = _queue_url(cli_env, f"{name}-a")
    assert gone.returncode != 0 and "NonExistentQueue" in gone.stderr


def test_a_function_of_ones_own_is_created_beside_the_templates(cloud: LocalCloud, cli_env: dict[str, str],
                                                               tmp_path: Path) -> None:
    """``aws lambda create-function`` works as on AWS (moto keeps the function; it runs code only in Docker),
    listings show the template's functions and then it; a template function's name is taken."""
    name = f"scratch-{uuid.uuid4().hex[:8]}"
    trust = json.dumps({"Version": "2012-10-17", "Statement": [{
        "Effect": "Allow", "Principal": {"Service": "lambda.amazonaws.com"}, "Action": "sts:AssumeRole"}]})
    role = aws(cli_env, "iam", "create-role", "--role-name", name, "--assume-role-policy-document", trust)["Role"]
    code = tmp_path / "code.zip"
    with zipfile.ZipFile(code, "w") as archive:
        archive.writestr("app.py", "def handler(event, context):\n    return event\n")
    template_functions = {spec.name for spec in cloud.stack.functions.values()}
    try:
        created = aws(cli_env, "lambda", "create-function", "--function-name", name, "--runtime", "python3.12",
                      "--role", role["Arn"], "--handler", "app.handler", "--zip-file", f"fileb://{code}")
        assert created["FunctionName"] == name and created["Handler"] == "app.handler"
        listed = [f["FunctionName"] for f in aws(cli_env, "lambda", "list-functions")["Functions"]]
        assert set(listed[:-1]) == template_functions and listed[-1] == name
        assert aws(cli_env, "lambda", "get-function-configuration", "--function-name", name)["Runtime"] == "python3.12"
        clash = aws(cli_env, "lambda", "create-function", "--function-name", function_name(cloud, "MyMediaFunction"),
                    "--runtime", "python3.12", "--role", role["Arn"], "--handler", "app.handler",
                    "--zip-file", f"fileb://{code}", check=False)
        assert clash.returncode != 0 and "ResourceConflictException" in clash.stderr
    finally:
        aws(cli_env, "lambda", "delete-function", "--function-name", name, check=False)
        aws(cli_env, "iam", "delete-role", "--role-name", name)
    listed = {f["FunctionName"] for f in aws(cli_env, "lambda", "list-functions")["Functions"]}
    assert listed == template_functions


def test_a_metadata_key_with_an_underscore_is_kept(local_cloud: Endpoints, cli_env: dict[str, str],
                                                   tmp_path: Path) -> None:
    """S3 keeps x-amz-meta-has_underscore; werkzeug's server drops such headers, the edge's does not."""
    bucket = f"scratch-{uuid.uuid4().hex[:8]}"
    body = tmp_path / "body.txt"
    body.write_text("x")
    aws(cli_env, "s3api", "create-bucket", "--bucket", bucket)
    try:
        aws(cli_env, "s3api", "put-object", "--bucket", bucket, "--key", "k", "--body", str(body),
            "--metadata", "has_underscore=h,no-underscore=s")
        metadata = aws(cli_env, "s3api", "head-object", "--bucket", bucket, "--key", "k")["Metadata"]
        assert metadata == {"has_underscore": "h", "no-underscore": "s"}
    finally:
        aws(cli_env, "s3api", "delete-object", "--bucket", bucket, "--key", "k")
        aws(cli_env, "s3api", "delete-bucket", "--bucket", bucket)


def test_control_planes_refuse_a_wrong_key(cli_env: dict[str, str]) -> None:
    wrong = {**cli_env, "AWS_SECRET_ACCESS_KEY": "not-the-admin-secret"}
    for command in (("lambda", "list-functions"), ("cloudformation", "describe-stacks"),
                    ("apigateway", "get-rest-apis"), ("logs", "describe-log-groups")):
        done = aws(wrong, *command, check=False)
        assert done.returncode != 0 and "signature" in done.stderr.lower(), command


def test_api_gateway_describes_the_mymedia_api_as_the_template_defines_it(
        cloud: LocalCloud, cli_env: dict[str, str]) -> None:
    apis = aws(cli_env, "apigateway", "get-rest-apis")["items"]
    assert [a["id"] for a in apis] == [cloud.stack.physical_name("MyMediaApi")]
    api_id = apis[0]["id"]
    stages = aws(cli_env, "apigateway", "get-stages", "--rest-api-id", api_id)["item"]
    assert [s["stageName"] for s in stages] == [cloud.stack.parameters["StageName"]]
    resources = {r["path"]: r for r in aws(cli_env, "apigateway", "get-resources", "--rest-api-id", api_id)["items"]}
    assert {"/", "/media", "/media/{id}", "/shared", "/shared/{token}"} <= set(resources)
    media = resources["/media/{id}"]
    assert media["parentId"] == resources["/media"]["id"] and media["pathPart"] == "{id}"
    assert {"GET", "PATCH", "DELETE"} <= set(media["resourceMethods"])
    assert resources["/shared/{token}"]["resourceMethods"]["GET"]["authorizationType"] == "AWS_IAM"
    missing = aws(cli_env, "apigateway", "get-stages", "--rest-api-id", "nosuchapi1", check=False)
    assert missing.returncode != 0 and "NotFoundException" in missing.stderr


def test_a_rest_api_of_ones_own_is_listed_after_the_templates(cloud: LocalCloud, cli_env: dict[str, str]) -> None:
    """``aws apigateway create-rest-api`` is moto's; ``get-rest-apis`` lists the MyMedia API, then it."""
    created = aws(cli_env, "apigateway", "create-rest-api", "--name", f"scratch-{uuid.uuid4().hex[:8]}")
    try:
        listed = [api["id"] for api in aws(cli_env, "apigateway", "get-rest-apis")["items"]]
        assert listed == [cloud.stack.physical_name("MyMediaApi"), created["id"]]
        resources = aws(cli_env, "apigateway", "get-resources", "--rest-api-id", created["id"])["items"]
        assert [r["path"] for r in resources] == ["/"]
    finally:
        aws(cli_env, "apigateway", "delete-rest-api", "--rest-api-id", created["id"])
    assert [api["id"] for api in aws(cli_env, "apigateway", "get-rest-apis")["items"]] == [
        cloud.stack.physical_name("MyMediaApi")]


@pytest.mark.parametrize("secret, error", [("not-the-secret", "InvalidSignatureException"),
                                           (None, "SerializationException")])
def test_an_unreadable_request_is_refused_not_a_server_error(local_cloud: Endpoints, secret: str | None,
                                                             error: str) -> None:
    """A control plane reads a request to see whose resources it is about: one it cannot read (MaxItems that
    is no number) gets the signature's refusal when the key is wrong, else a 400 naming it; never a 500."""
    request = AWSRequest(method="GET", url=f"{local_cloud.aws}/2015-03-31/functions/?MaxItems=many")
    key = Credentials(local_cloud.admin_access_key_id, secret or local_cloud.admin_secret_access_key)
    SigV4Auth(key, "lambda", local_cloud.region).add_auth(request)
    answer = requests.get(request.url, headers=dict(request.headers), timeout=30)
    assert answer.status_code == 400 and answer.headers["x-amzn-ErrorType"].startswith(error), answer.text


def test_a_guests_credentials_cannot_use_the_control_planes(local_cloud: Endpoints,
                                                           cli_env: dict[str, str]) -> None:
    """Only the admin may list, invoke or describe: the identity pool's roles grant none of it, as on AWS."""
    identity = boto3.client("cognito-identity", region_name=local_cloud.region, endpoint_url=local_cloud.aws,
                            config=Config(signature_version=UNSIGNED))
    identity_id = identity.get_id(IdentityPoolId=local_cloud.identity_pool_id)["IdentityId"]
    credentials = identity.get_credentials_for_identity(IdentityId=identity_id)["Credentials"]
    guest = {**cli_env, "AWS_ACCESS_KEY_ID": credentials["AccessKeyId"],
             "AWS_SECRET_ACCESS_KEY": credentials["SecretKey"], "AWS_SESSION_TOKEN": credentials["SessionToken"]}
    for command in (("lambda", "invoke", "--function-name", "pettube-my-media-function", "--payload", "{}",
                     os.devnull), ("cloudformation", "describe-stacks"), ("apigateway", "get-rest-apis"),
                    ("logs", "describe-log-groups"), ("mediaconvert", "list-jobs"),
                    ("cognito-identity", "list-identity-pools", "--max-results", "10")):
        done = aws(guest, *command, check=False)
        assert done.returncode != 0 and "AccessDenied" in done.stderr, (command, done.stderr)


def test_cognito_identity_lists_and_describes_the_identity_pool(local_cloud: Endpoints,
                                                                cli_env: dict[str, str]) -> None:
    pools = aws(cli_env, "cognito-identity", "list-identity-pools", "--max-results", "10")["IdentityPools"]
    assert [p["IdentityPoolId"] for p in pools] == [local_cloud.identity_pool_id]
    pool = aws(cli_env, "cognito-identity", "describe-identity-pool", "--identity-pool-id",
               local_cloud.identity_pool_id)
    assert pool["SupportedLoginProviders"] == {"accounts.google.com": local_cloud.google_client_id}
    assert pool["CognitoIdentityProviders"] == [{
        "ProviderName": f"cognito-idp.{local_cloud.region}.amazonaws.com/{local_cloud.user_pool_id}",
        "ClientId": local_cloud.user_pool_client_id, "ServerSideTokenCheck": False}]


def test_get_open_id_token_for_a_guest(local_cloud: Endpoints, cli_env: dict[str, str]) -> None:
    """The basic flow's first step, unsigned as a browser makes it."""
    public = {**cli_env, "AWS_ACCESS_KEY_ID": "", "AWS_SECRET_ACCESS_KEY": ""}
    identity = aws(public, "cognito-identity", "get-id", "--identity-pool-id", local_cloud.identity_pool_id,
                   "--no-sign-request")["IdentityId"]
    token = aws(public, "cognito-identity", "get-open-id-token", "--identity-id", identity, "--no-sign-request")
    claims = json.loads(base64.urlsafe_b64decode(token["Token"].split(".")[1] + "=="))
    assert claims["sub"] == identity and claims["amr"] == ["unauthenticated"]


def test_the_user_pool_refuses_password_sign_in_and_publishes_its_own_key(local_cloud: Endpoints,
                                                                           cli_env: dict[str, str]) -> None:
    """The template allows SRP only: a password sent as such is refused before it is checked."""
    done = aws(cli_env, "cognito-idp", "initiate-auth", "--client-id", local_cloud.user_pool_client_id,
               "--auth-flow", "USER_PASSWORD_AUTH", "--auth-parameters", "USERNAME=rex@pettube.test,PASSWORD=x",
               "--no-sign-request", check=False)
    assert done.returncode != 0 and "USER_PASSWORD_AUTH flow not enabled for this client" in done.stderr
    keys = requests.get(f"{local_cloud.aws}/{local_cloud.user_pool_id}/.well-known/jwks.json", timeout=10).json()
    assert [k["kid"] for k in keys["keys"]] != ["dummy"]  # moto's published key pair is called "dummy"
