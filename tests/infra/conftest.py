"""Fixtures for the offline template and deploy tests: no test here talks to AWS."""

from __future__ import annotations

import os
from collections.abc import Iterator
from typing import Any

import boto3
import pytest
from moto import mock_aws

from deploy import template as templates
from infra_facts import CODE_URI, PARAMETERS, REGION


@pytest.fixture(scope="session")
def sam_template() -> dict[str, Any]:
    """infra/template.yaml as data."""
    return templates.load_sam()


@pytest.fixture(scope="session")
def translated(sam_template: dict[str, Any]) -> dict[str, Any]:
    """The plain CloudFormation AWS would receive (code at CODE_URI)."""
    return templates.translate(sam_template, CODE_URI, PARAMETERS, REGION)


@pytest.fixture(scope="session")
def resources(translated: dict[str, Any]) -> dict[str, Any]:
    """Translated resources by logical id."""
    return translated["Resources"]


@pytest.fixture
def aws(monkeypatch: pytest.MonkeyPatch) -> Iterator[boto3.Session]:
    """A boto3 Session on moto in-process, with credentials that could never reach AWS."""
    for name in ("AWS_PROFILE", "AWS_SESSION_TOKEN", "AWS_ENDPOINT_URL"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "testing")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "testing")
    monkeypatch.setenv("AWS_CONFIG_FILE", os.devnull)
    monkeypatch.setenv("AWS_SHARED_CREDENTIALS_FILE", os.devnull)
    with mock_aws():
        yield boto3.Session(region_name=REGION)
