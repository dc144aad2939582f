"""Function settings: read from the template's environment, refused loudly when the deployment is broken."""

from __future__ import annotations

import pytest
from lambda_fakes import FUNCTION_ENV

from pettube.config import MyMediaConfig, SweeperConfig, UploadConfig
from pettube.errors import ConfigError


def test_upload_settings_come_from_the_environment() -> None:
    config = UploadConfig.from_env(FUNCTION_ENV)
    assert config.max_upload_bytes == 50 * 1024 * 1024
    assert config.application_tag == "pettube"


@pytest.mark.parametrize(("name", "value", "words"), [
    ("TRANSCODED_BUCKET", "", "TRANSCODED_BUCKET is not set"),
    ("MAX_UPLOAD_BYTES", "5GB", "not an integer"),
    ("MAX_UPLOAD_BYTES", "0", "must be positive"),
])
def test_broken_upload_settings_name_the_variable(name: str, value: str, words: str) -> None:
    with pytest.raises(ConfigError, match=words):
        UploadConfig.from_env(FUNCTION_ENV | {name: value})


def test_presigned_urls_may_not_be_configured_to_outlive_an_hour() -> None:
    with pytest.raises(ConfigError, match="at most 3600"):
        MyMediaConfig.from_env(FUNCTION_ENV | {"URL_EXPIRY_SECONDS": "7200"})


@pytest.mark.parametrize("value", ["", "0", "-5", "ten"])
def test_a_missing_or_bad_stuck_threshold_names_the_variable(value: str) -> None:
    with pytest.raises(ConfigError, match="STUCK_AFTER_SECONDS"):
        SweeperConfig.from_env(FUNCTION_ENV | {"STUCK_AFTER_SECONDS": value})
