"""Shared facts of the offline template and deploy tests (imported by name: tests/ has no packages)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
REGION = "us-east-1"
ACCOUNT_ID = "123456789012"  # moto's default account
CODE_URI = "s3://pettube-artifacts-123456789012-us-east-1/lambda/pettube-0123456789abcdef0123.zip"
PARAMETERS = {"GoogleClientId": "123-abc.apps.googleusercontent.com", "StageName": "test"}


def load_event(name: str) -> dict[str, Any]:
    """A recorded event shape from tests/infra/events/."""
    return json.loads((HERE / "events" / name).read_text(encoding="utf-8"))
