"""Each function's settings, read once from the environment the template sets."""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass
from functools import cache

from pettube.errors import ConfigError

MAX_URL_EXPIRY_SECONDS = 3600


def _required(env: Mapping[str, str], name: str) -> str:
    """The value of a variable the template always sets; its absence is a deployment bug."""
    value = env.get(name, "").strip()
    if not value:
        raise ConfigError(f"environment variable {name} is not set")
    return value


def _positive_int(env: Mapping[str, str], name: str) -> int:
    """A positive integer variable (CloudFormation Number parameters arrive as strings)."""
    raw = _required(env, name)
    try:
        value = int(raw)
    except ValueError:
        raise ConfigError(f"environment variable {name} is not an integer: {raw!r}") from None
    if value <= 0:
        raise ConfigError(f"environment variable {name} must be positive, got {value}")
    return value


@dataclass(frozen=True)
class UploadConfig:
    """Settings of the upload function (S3 ObjectCreated -> MediaConvert job)."""

    videos_table: str
    transcoded_bucket: str
    mediaconvert_role_arn: str
    max_upload_bytes: int
    application_tag: str

    @classmethod
    def from_env(cls, env: Mapping[str, str] = os.environ) -> UploadConfig:
        """Read the upload function's variables, failing loudly on a broken deployment."""
        return cls(
            videos_table=_required(env, "VIDEOS_TABLE"),
            transcoded_bucket=_required(env, "TRANSCODED_BUCKET"),
            mediaconvert_role_arn=_required(env, "MEDIACONVERT_ROLE_ARN"),
            max_upload_bytes=_positive_int(env, "MAX_UPLOAD_BYTES"),
            application_tag=_required(env, "APPLICATION_TAG"),
        )


@dataclass(frozen=True)
class JobStateConfig:
    """Settings of the job-state function (MediaConvert events -> video record)."""

    videos_table: str
    transcoded_bucket: str

    @classmethod
    def from_env(cls, env: Mapping[str, str] = os.environ) -> JobStateConfig:
        """Read the job-state function's variables."""
        return cls(videos_table=_required(env, "VIDEOS_TABLE"), transcoded_bucket=_required(env, "TRANSCODED_BUCKET"))


@dataclass(frozen=True)
class MyMediaConfig:
    """Settings of the MyMedia API function."""

    videos_table: str
    originals_bucket: str
    transcoded_bucket: str
    url_expiry_seconds: int
    allowed_origin: str

    @classmethod
    def from_env(cls, env: Mapping[str, str] = os.environ) -> MyMediaConfig:
        """Read MyMedia's variables; URLs never outlive an hour, whatever the template says."""
        expiry = _positive_int(env, "URL_EXPIRY_SECONDS")
        if expiry > MAX_URL_EXPIRY_SECONDS:
            raise ConfigError(f"URL_EXPIRY_SECONDS must be at most {MAX_URL_EXPIRY_SECONDS}, got {expiry}")
        return cls(
            videos_table=_required(env, "VIDEOS_TABLE"),
            originals_bucket=_required(env, "ORIGINALS_BUCKET"),
            transcoded_bucket=_required(env, "TRANSCODED_BUCKET"),
            url_expiry_seconds=expiry,
            allowed_origin=_required(env, "ALLOWED_ORIGIN"),
        )


@dataclass(frozen=True)
class SweeperConfig:
    """Settings of the stuck-video sweeper."""

    videos_table: str
    originals_bucket: str
    transcoded_bucket: str
    stuck_after_seconds: int

    @classmethod
    def from_env(cls, env: Mapping[str, str] = os.environ) -> SweeperConfig:
        """Read the sweeper's variables: table, buckets, and how long unchanged counts as stuck."""
        return cls(
            videos_table=_required(env, "VIDEOS_TABLE"),
            originals_bucket=_required(env, "ORIGINALS_BUCKET"),
            transcoded_bucket=_required(env, "TRANSCODED_BUCKET"),
            stuck_after_seconds=_positive_int(env, "STUCK_AFTER_SECONDS"),
        )


@cache
def upload_config() -> UploadConfig:
    """The upload function's settings, read on first use and kept for the container's life."""
    return UploadConfig.from_env()


@cache
def job_state_config() -> JobStateConfig:
    """The job-state function's settings, read on first use."""
    return JobStateConfig.from_env()


@cache
def mymedia_config() -> MyMediaConfig:
    """MyMedia's settings, read on first use."""
    return MyMediaConfig.from_env()


@cache
def sweeper_config() -> SweeperConfig:
    """The sweeper's settings, read on first use."""
    return SweeperConfig.from_env()
