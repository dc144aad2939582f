"""The deploy command end to end against moto in-process: dry run, deploy, redeploy, destroy."""

from __future__ import annotations

import base64
import hashlib
import json
from pathlib import Path
from typing import Any

import boto3
import pytest
from moto.cloudformation.models import ChangeSet
from moto.iam.access_control import PermissionResult
from moto.s3.models import FakeBucket

from deploy import destroy, pipeline
from deploy import template as templates
from deploy.errors import SettingsError, StackStateError
from deploy.settings import DeploySettings
from infra_facts import HERE, REGION

SETTINGS = DeploySettings(stage="test", region=REGION, google_client_id="123-abc.apps.googleusercontent.com")
ARTIFACTS = "pettube-artifacts-123456789012-us-east-1"


def no_pip(requirements: Path, target: Path, python_version: str, platform: str) -> None:
    """Dependencies are the packaging tests' business; here an empty install keeps runs offline."""


class Runner:
    """Deploys with the test's session and build dir, no pip and no real waiting; keeps the output."""

    def __init__(self, session: boto3.Session, build_dir: Path) -> None:
        self.session, self.build_dir = session, build_dir
        self.lines: list[str] = []

    def __call__(self, settings: DeploySettings = SETTINGS, **options: Any) -> pipeline.DeployResult:
        return pipeline.deploy(settings, self.session, build_dir=self.build_dir, installer=no_pip,
                               report=self.lines.append, sleep=lambda seconds: None, **options)


@pytest.fixture
def run(tmp_path: Path, aws: boto3.Session, monkeypatch: pytest.MonkeyPatch) -> Runner:
    """The deploy command on moto, with two moto gaps filled the way AWS behaves."""
    # moto evaluates bucket policies without their Conditions, so the artifacts
    # bucket's TLS-only Deny would refuse these (HTTPS) requests, which AWS does not.
    monkeypatch.setattr(FakeBucket, "get_permission", lambda self, action, resource: PermissionResult.NEUTRAL)
    # moto computes a stack's outputs when the stack is created, not when a
    # change set is executed: recompute them as CloudFormation would.
    apply = ChangeSet.apply

    def apply_and_refresh_outputs(change_set: ChangeSet) -> None:
        apply(change_set)
        change_set.stack.template = change_set.template
        change_set.stack._parse_template()
        change_set.stack.output_map = change_set.stack._create_output_map()

    monkeypatch.setattr(ChangeSet, "apply", apply_and_refresh_outputs)
    return Runner(aws, tmp_path / "build")


@pytest.fixture
def moto_stack() -> dict[str, Any]:
    """A stack with the real template's interface that moto's CloudFormation can create."""
    return templates.load_sam(HERE / "fixtures" / "moto_stack.yaml")


@pytest.fixture
def built_site(tmp_path: Path) -> Path:
    root = tmp_path / "site"
    (root / "vendor").mkdir(parents=True)
    (root / "index.html").write_text("<!doctype html><title>PetTube</title>")
    return root


def buckets(aws: boto3.Session) -> list[str]:
    return [b["Name"] for b in aws.client("s3").list_buckets()["Buckets"]]


def live_stacks(aws: boto3.Session) -> list[str]:
    summaries = aws.client("cloudformation").list_stacks()["StackSummaries"]
    return [s["StackName"] for s in summaries if s["StackStatus"] != "DELETE_COMPLETE"]


def test_dry_run_shows_the_real_templates_change_set_and_applies_nothing(run: Runner, aws: boto3.Session) -> None:
    result = run(dry_run=True)
    changed = {c["ResourceChange"]["LogicalResourceId"]: c["ResourceChange"]["Action"]
               for c in result.change_set.changes}
    assert result.change_set.kind == "CREATE"
    assert {"UploadFunction", "VideosTable", "SiteDistribution", "DeadLetterAlarm"} <= set(changed)
    assert set(changed.values()) == {"Add"}
    assert any("Add      UploadFunction" in line for line in run.lines)
    assert result.site_url is None
    assert live_stacks(aws) == [] and buckets(aws) == []


def test_bad_parameters_fail_before_any_aws_call(tmp_path: Path) -> None:
    class NoAws:
        def client(self, *args: Any, **kwargs: Any) -> Any:
            raise AssertionError("an AWS client was created")

    with pytest.raises(SettingsError, match="STAGE"):
        pipeline.deploy(DeploySettings("Bad Stage", REGION, SETTINGS.google_client_id), NoAws(),
                        build_dir=tmp_path, installer=no_pip)
    assert not tmp_path.joinpath("lambda").exists() and list(tmp_path.iterdir()) == []


def test_deploy_packages_creates_the_stack_and_publishes_the_site(
        run: Runner, aws: boto3.Session, moto_stack: dict[str, Any], built_site: Path) -> None:
    result = run(sam_template=moto_stack, site_dir=built_site)
    s3 = aws.client("s3")
    # The artifacts bucket exists, locked down, and holds the zip the function runs.
    block = s3.get_public_access_block(Bucket=ARTIFACTS)["PublicAccessBlockConfiguration"]
    assert set(block.values()) == {True}
    encryption = s3.get_bucket_encryption(Bucket=ARTIFACTS)["ServerSideEncryptionConfiguration"]
    assert encryption["Rules"][0]["ApplyServerSideEncryptionByDefault"]["SSEAlgorithm"] == "AES256"
    (deny,) = json.loads(s3.get_bucket_policy(Bucket=ARTIFACTS)["Policy"])["Statement"]
    assert (deny["Effect"], deny["Condition"]) == ("Deny", {"Bool": {"aws:SecureTransport": "false"}})
    (zip_key,) = [o["Key"] for o in s3.list_objects_v2(Bucket=ARTIFACTS)["Contents"]]
    zipped = s3.get_object(Bucket=ARTIFACTS, Key=zip_key)["Body"].read()
    (function,) = aws.client("lambda").list_functions()["Functions"]
    assert function["CodeSha256"] == base64.b64encode(hashlib.sha256(zipped).digest()).decode()
    assert function["Handler"] == "pettube.upload.handler"
    # The site and its AWS config.json went to the stack's site bucket.
    cfn = aws.client("cloudformation")
    (stack,) = cfn.describe_stacks(StackName=SETTINGS.stack_name)["Stacks"]
    assert stack["StackStatus"] == "CREATE_COMPLETE"
    outputs = {o["OutputKey"]: o["OutputValue"] for o in stack["Outputs"]}
    config = json.loads(s3.get_object(Bucket=outputs["SiteBucketName"], Key="config.json")["Body"].read())
    assert config == result.config and config["api_url"] == "https://api.example/test"
    assert config["google_client_id"] == SETTINGS.google_client_id
    assert result.site_url == outputs["SiteUrl"] and f"PetTube is live at {result.site_url}" in run.lines


def test_redeploying_updates_the_stack_and_reuses_the_uploaded_zip(
        run: Runner, aws: boto3.Session, moto_stack: dict[str, Any], built_site: Path) -> None:
    run(sam_template=moto_stack, site_dir=built_site)
    first_run = len(run.lines)
    second = run(sam_template=moto_stack, site_dir=built_site)
    assert second.change_set.kind == "UPDATE"
    assert any(line.startswith("uploaded s3://") for line in run.lines[:first_run])
    assert not any(line.startswith("uploaded s3://") for line in run.lines[first_run:])
    assert len(aws.client("s3").list_objects_v2(Bucket=ARTIFACTS)["Contents"]) == 1


def test_destroy_empties_the_buckets_and_deletes_the_stack(
        run: Runner, aws: boto3.Session, moto_stack: dict[str, Any], built_site: Path) -> None:
    run(sam_template=moto_stack, site_dir=built_site)
    cfn, s3 = aws.client("cloudformation"), aws.client("s3")
    outputs = {o["OutputKey"]: o["OutputValue"]
               for o in cfn.describe_stacks(StackName=SETTINGS.stack_name)["Stacks"][0]["Outputs"]}
    s3.put_object(Bucket=outputs["OriginalsBucketName"], Key="us-east-1:u/v/cat.mp4", Body=b"video")
    lines: list[str] = []
    assert destroy.destroy(cfn, s3, SETTINGS.stack_name, report=lines.append, sleep=lambda s: None)
    assert f"  emptied {outputs['OriginalsBucketName']}: 1 object(s)" in lines
    assert live_stacks(aws) == []
    assert outputs["OriginalsBucketName"] not in buckets(aws)
    assert not destroy.destroy(cfn, s3, SETTINGS.stack_name)


def test_a_stack_whose_create_failed_must_be_destroyed_first(run: Runner, aws: boto3.Session,
                                                             moto_stack: dict[str, Any]) -> None:
    cfn = aws.client("cloudformation")
    cfn.create_stack(StackName=SETTINGS.stack_name, TemplateBody=json.dumps(
        {"Resources": {"Q": {"Type": "AWS::SQS::Queue"}}}))
    # moto cannot fail a create: put the stack in the state AWS leaves it in.
    from moto.cloudformation.models import cloudformation_backends

    backend = cloudformation_backends["123456789012"][REGION]
    next(iter(backend.stacks.values())).status = "ROLLBACK_COMPLETE"
    with pytest.raises(StackStateError, match="make destroy"):
        run(sam_template=moto_stack, dry_run=True)
