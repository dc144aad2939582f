"""The SAM template translates offline into what the deploy command sends, code from S3."""

from __future__ import annotations

from typing import Any

import pytest

from deploy import template as templates
from infra_facts import CODE_URI, PARAMETERS, REGION

HANDLERS = {
    "UploadFunction": "pettube.upload.handler",
    "JobStateFunction": "pettube.job_state.handler",
    "MyMediaFunction": "pettube.mymedia.handler",
    "SweeperFunction": "pettube.sweeper.handler",
}


def functions(resources: dict[str, Any]) -> dict[str, dict[str, Any]]:
    return {k: v["Properties"] for k, v in resources.items() if v["Type"] == "AWS::Lambda::Function"}


def test_every_function_loads_its_code_from_the_uploaded_zip(resources: dict[str, Any]) -> None:
    """The template's CodeUri ../lambda/ is replaced by the artifacts bucket's s3:// URI."""
    bucket, key = CODE_URI.removeprefix("s3://").split("/", 1)
    assert {name: props["Code"] for name, props in functions(resources).items()} == {
        name: {"S3Bucket": bucket, "S3Key": key} for name in HANDLERS
    }


def test_handlers_are_the_package_entry_points(resources: dict[str, Any]) -> None:
    assert {name: props["Handler"] for name, props in functions(resources).items()} == HANDLERS


def test_a_function_level_code_uri_is_replaced_too(sam_template: dict[str, Any]) -> None:
    """A CodeUri set on one function (not Globals) must not slip through as a local path."""
    sam_template = templates.with_code_uri(sam_template, CODE_URI)
    sam_template["Resources"]["UploadFunction"]["Properties"]["CodeUri"] = "../elsewhere/"
    translated = templates.translate(sam_template, CODE_URI, PARAMETERS, REGION)
    assert translated["Resources"]["UploadFunction"]["Properties"]["Code"]["S3Key"] == CODE_URI.split("/", 3)[3]


def test_translated_template_fits_in_a_create_change_set_call(translated: dict[str, Any]) -> None:
    assert len(templates.template_body(translated)) <= templates.MAX_TEMPLATE_BODY_BYTES


def test_lambda_dependencies_are_fetched_for_the_template_runtime(sam_template: dict[str, Any]) -> None:
    """arm64 python3.13 functions need aarch64 wheels built for CPython 3.13."""
    assert templates.lambda_runtime(sam_template) == ("3.13", "manylinux2014_aarch64")


def test_translation_errors_name_the_problem(sam_template: dict[str, Any]) -> None:
    broken = templates.with_code_uri(sam_template, CODE_URI)
    broken["Resources"]["MyMediaFunction"]["Properties"]["Events"]["ListMedia"]["Properties"]["Method"] = 42
    with pytest.raises(templates.TemplateError, match="MyMediaFunction"):
        templates.translate(broken, CODE_URI, PARAMETERS, REGION)
