"""Shared boto3 clients: built on first use (a cold start pays only for what it calls), injectable in tests.

Clients use boto3's default endpoint resolution: on AWS the regional endpoints,
in the local cloud whatever ``AWS_ENDPOINT_URL`` the runtime sets.
"""

from __future__ import annotations

from typing import Any

import boto3
from botocore.config import Config
from botocore.exceptions import ClientError

# Presigned GET URLs must be SigV4 (required outside us-east-1 and for SSE-KMS objects);
# MediaConvert throttles CreateJob, so give it botocore's adaptive back-off.
_CONFIGS: dict[str, Config] = {
    "s3": Config(signature_version="s3v4", retries={"mode": "standard", "max_attempts": 3}),
    "mediaconvert": Config(retries={"mode": "adaptive", "max_attempts": 5}),
    "dynamodb": Config(retries={"mode": "standard", "max_attempts": 3}),
}

_built: dict[str, Any] = {}


def client(service: str) -> Any:
    """The process-wide low-level client for ``service`` (s3, mediaconvert)."""
    if service not in _built:
        _built[service] = boto3.client(service, config=_CONFIGS.get(service))
    return _built[service]


def table(name: str) -> Any:
    """A DynamoDB Table resource for ``name`` on the process-wide DynamoDB resource."""
    if "dynamodb" not in _built:
        _built["dynamodb"] = boto3.resource("dynamodb", config=_CONFIGS["dynamodb"])
    return _built["dynamodb"].Table(name)


def inject(service: str, replacement: Any) -> None:
    """Use ``replacement`` from now on: a client for s3/mediaconvert, a ServiceResource for dynamodb."""
    _built[service] = replacement


def reset() -> None:
    """Forget everything built or injected, so the next call builds afresh."""
    _built.clear()


def error_code(error: ClientError) -> str:
    """The AWS error code of a failed call ("" when the response carries none)."""
    return str(error.response.get("Error", {}).get("Code", ""))
