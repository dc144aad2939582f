"""infra/template.yaml -> the plain CloudFormation template AWS receives.

Translated here with samtranslator, as the local cloud does, rather than by
CloudFormation's server-side SAM transform: the offline tests then check the
very template that is deployed, and a change set lists real resources.
"""

from __future__ import annotations

import copy
import json
from pathlib import Path
from typing import Any

import boto3
from samtranslator.model.exceptions import InvalidDocumentException
from samtranslator.parser.parser import Parser
from samtranslator.translator.translator import Translator
from samtranslator.yaml_helper import yaml_parse

from deploy.errors import TemplateError

TEMPLATE_PATH = Path(__file__).resolve().parents[1] / "template.yaml"
# CloudFormation's limit for a template sent inline (TemplateBody).
MAX_TEMPLATE_BODY_BYTES = 51_200
# Lambda runtime architecture -> the wheel platform pip must fetch for it.
WHEEL_PLATFORMS = {"arm64": "manylinux2014_aarch64", "x86_64": "manylinux2014_x86_64"}


def load_sam(path: Path = TEMPLATE_PATH) -> dict[str, Any]:
    """The SAM template as data, short-form intrinsics (!Ref, !Sub) expanded."""
    return yaml_parse(path.read_text(encoding="utf-8"))


def with_code_uri(sam_template: dict[str, Any], code_uri: str) -> dict[str, Any]:
    """A copy whose functions all load their code from ``code_uri`` (an s3:// URI)."""
    sam = copy.deepcopy(sam_template)
    sam.setdefault("Globals", {}).setdefault("Function", {})["CodeUri"] = code_uri
    for resource in sam.get("Resources", {}).values():
        if resource.get("Type") == "AWS::Serverless::Function":
            resource.get("Properties", {}).pop("CodeUri", None)
    return sam


def translate(sam_template: dict[str, Any], code_uri: str, parameters: dict[str, str], region: str) -> dict[str, Any]:
    """Plain CloudFormation for ``sam_template`` with every function's code at ``code_uri``."""
    translator = Translator(None, Parser(), boto_session=boto3.Session(region_name=region))
    try:
        return translator.translate(with_code_uri(sam_template, code_uri), parameter_values=dict(parameters))
    except InvalidDocumentException as exc:
        details = "; ".join(str(cause) for cause in exc.causes)
        raise TemplateError(f"SAM translation failed: {details}") from exc


def template_body(template: dict[str, Any]) -> str:
    """Compact JSON for CreateChangeSet, refused early when CloudFormation would refuse it."""
    body = json.dumps(template, separators=(",", ":"), sort_keys=True)
    if len(body.encode()) > MAX_TEMPLATE_BODY_BYTES:
        raise TemplateError(
            f"translated template is {len(body.encode())} bytes; CloudFormation takes at most "
            f"{MAX_TEMPLATE_BODY_BYTES} inline (upload it and pass TemplateURL instead)"
        )
    return body


def lambda_runtime(sam_template: dict[str, Any]) -> tuple[str, str]:
    """(python version, wheel platform) of the functions, from the template's Globals."""
    function = sam_template.get("Globals", {}).get("Function", {})
    runtime = str(function.get("Runtime", ""))
    if not runtime.startswith("python"):
        raise TemplateError(f"Globals.Function.Runtime {runtime!r} is not a Python runtime")
    architecture = (function.get("Architectures") or ["x86_64"])[0]
    return runtime.removeprefix("python"), WHEEL_PLATFORMS[architecture]
