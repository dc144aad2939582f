"""Shared facts of the offline template and deploy tests (imported by name: tests/ has no packages)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
REGION = "us-east-1"
ACCOUNT_ID = "123456789012"  # moto's default account
CODE_URI = "s3://pettube-artifacts-123456789012-us-east-1/lambda/pettube-0123456789abcdef0123.zip"
# A deployed stack's outputs (eu-west-1), as `make deploy` reads them.
STACK_OUTPUTS = {
    "SiteUrl": "https://d111111abcdef8.cloudfront.net",
    "ApiUrl": "https://abc123.execute-api.eu-west-1.amazonaws.com/prod",
    "IdentityPoolId": "eu-west-1:0f1e2d3c-4b5a-6978-8a9b-0c1d2e3f4a5b",
    "GuestRoleArn": "arn:aws:iam::123456789012:role/pettube-prod-GuestRole-1A2B3C4D5E6F",
    "GoogleClientId": "123-abc.apps.googleusercontent.com",
    "UserPoolId": "eu-west-1_AbCdEf123",
    "UserPoolClientId": "1example23456789",
    "OriginalsBucketName": "pettube-prod-originals-123456789012-eu-west-1",
}
PARAMETERS = {"GoogleClientId": "123-abc.apps.googleusercontent.com", "StageName": "test"}


def load_event(name: str) -> dict[str, Any]:
    """A recorded event shape from tests/infra/events/."""
    return json.loads((HERE / "events" / name).read_text(encoding="utf-8"))
