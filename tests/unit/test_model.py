"""The domain model stays apart from persistence: pure modules load without boto3 or the table code."""

from __future__ import annotations

import subprocess
import sys
from datetime import datetime, timedelta, timezone

import pytest

from pettube.model import TIMESTAMP, timestamp

PURE = ("pettube.model", "pettube.checks", "pettube.cursor", "pettube.layout", "pettube.transcode", "pettube.probe")


@pytest.mark.parametrize("module", PURE)
def test_pure_modules_never_load_persistence_or_boto3(module: str) -> None:
    probe = (f"import sys, {module}; "
             "print(sorted(m for m in sys.modules if m in ('pettube.videos', 'boto3', 'botocore')))")
    loaded = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, check=True).stdout
    assert loaded.strip() == "[]"


def test_timestamps_are_utc_with_milliseconds_whatever_the_zone() -> None:
    moment = datetime(2026, 12, 4, 12, 30, 5, 123456, tzinfo=timezone(timedelta(hours=2)))
    assert timestamp(moment) == "2026-12-04T10:30:05.123Z"
    assert TIMESTAMP.fullmatch(timestamp(moment))
