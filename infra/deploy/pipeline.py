"""The deployment, step by step: check, package, translate, change set, publish.

Every AWS call goes through the one boto3 Session passed in, so the tests run
the whole path against moto in-process and never reach AWS.
"""

from __future__ import annotations

import json
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from botocore.exceptions import BotoCoreError, ClientError, NoCredentialsError

from deploy import artifacts, changeset, package, site
from deploy import template as templates
from deploy.errors import PrerequisiteError
from deploy.settings import DeploySettings, validate

BUILD_DIR = Path(__file__).resolve().parents[2] / "build" / "deploy"

Report = Callable[[str], None]


@dataclass(frozen=True)
class DeployResult:
    """What a run did: the change set, and the site URL once the stack is live."""

    change_set: changeset.ChangeSet
    site_url: str | None
    config: dict[str, Any] | None


def account_id(session: Any) -> str:
    """The caller's account, which also proves the credentials work before anything is made."""
    try:
        return session.client("sts").get_caller_identity()["Account"]
    except NoCredentialsError as exc:
        raise PrerequisiteError("no AWS credentials: set AWS_PROFILE or run `aws configure` (docs/deploy.md)") from exc
    except (ClientError, BotoCoreError) as exc:
        raise PrerequisiteError(f"the AWS credentials do not work: {exc}") from exc


def deploy(
    settings: DeploySettings,
    session: Any,
    *,
    dry_run: bool = False,
    site_dir: Path = site.SITE_DIR,
    build_dir: Path = BUILD_DIR,
    installer: package.Installer = package.pip_install,
    sam_template: dict[str, Any] | None = None,
    report: Report = print,
    sleep: Callable[[float], None] = time.sleep,
) -> DeployResult:
    """Deploy (or, with ``dry_run``, only show) ``infra/template.yaml`` as the stage's stack."""
    sam = sam_template if sam_template is not None else templates.load_sam()
    validate(settings, sam)
    if not dry_run:
        site.check_built(site_dir)
    account = account_id(session)

    python_version, platform = templates.lambda_runtime(sam)
    lambda_zip = package.build(build_dir, python_version, platform, installer=installer)
    bucket = artifacts.bucket_name(account, settings.region)
    report(f"Lambda package {lambda_zip.path.name} ({lambda_zip.path.stat().st_size // 1024} KiB)")
    body = templates.template_body(
        templates.translate(sam, artifacts.code_uri(bucket, lambda_zip), settings.parameters(), settings.region)
    )
    s3, cfn = session.client("s3"), session.client("cloudformation")
    if not dry_run:
        if artifacts.ensure_bucket(s3, bucket, settings.region):
            report(f"created artifacts bucket {bucket} (private, encrypted)")
        if artifacts.upload_package(s3, bucket, lambda_zip):
            report(f"uploaded s3://{bucket}/{lambda_zip.key}")

    tags = {"application": "pettube", "pettube:stage": settings.stage}
    change_set = changeset.create(cfn, settings.stack_name, body, settings.parameters(), tags, sleep=sleep)
    report(changeset.summary(change_set))
    if dry_run or change_set.empty:
        changeset.discard(cfn, change_set)
        if dry_run:
            report("dry run: change set discarded, nothing applied")
            return DeployResult(change_set, None, None)
    else:
        changeset.execute(cfn, change_set, report=report, sleep=sleep)

    outputs, parameters = changeset.outputs(cfn, settings.stack_name)
    config = site.site_config(outputs, parameters, settings.region)
    _keep_copy(build_dir / settings.stack_name / site.CONFIG_KEY, config)
    published = site.publish(s3, outputs["SiteBucketName"], config, site_dir)
    report(f"site: {published.uploaded} file(s) uploaded, {published.unchanged} unchanged")
    report(f"PetTube is live at {outputs['SiteUrl']}")
    report(f"(Google client {settings.google_client_id} must list {outputs['SiteUrl']} as an authorised JavaScript origin)")
    return DeployResult(change_set, outputs["SiteUrl"], config)


def _keep_copy(path: Path, config: dict[str, Any]) -> None:
    """A local copy of what the site was given, for debugging a deployment."""
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(config, indent=2, sort_keys=True) + "\n", encoding="utf-8")
