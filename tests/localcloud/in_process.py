"""A saved library loaded into moto's in-process backends, as the cloud's start loads it."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import boto3
from moto import mock_aws

from localcloud import motofixes
from localcloud.cloud import ACCOUNT_ID
from localcloud.persistence import MotoState


@contextmanager
def started(directory: Path) -> Iterator[tuple[MotoState, Any]]:
    """The library in ``directory`` loaded, and an S3 client of the in-process backends."""
    motofixes.apply()
    with mock_aws():
        state = MotoState(directory, ACCOUNT_ID)
        state.load()
        try:
            yield state, boto3.client("s3", region_name="us-east-1")
        finally:
            state.close()
