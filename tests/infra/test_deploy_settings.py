"""Bad or missing deploy parameters stop the command before any AWS call."""

from __future__ import annotations

from typing import Any

import pytest

from deploy.errors import SettingsError
from deploy.settings import DeploySettings, validate

GOOD = DeploySettings(stage="prod", region="eu-west-1", google_client_id="1234567890-abcdefghijklmnopqrstuvwxyz012345.apps.googleusercontent.com")


def test_good_settings_pass(sam_template: dict[str, Any]) -> None:
    validate(GOOD, sam_template)


def test_stack_is_named_after_the_stage() -> None:
    assert GOOD.stack_name == "pettube-prod"


@pytest.mark.parametrize(("change", "message"), [
    ({"google_client_id": ""}, "GOOGLE_CLIENT_ID is required"),
    ({"google_client_id": "my-app"}, "not a Google OAuth web client id"),
    ({"region": ""}, "REGION is required"),
    ({"region": "us-east-9"}, "has no MediaConvert"),
    ({"stage": "Prod_1"}, r"STAGE \(StageName\)='Prod_1': must match"),
    ({"stage": "averyveryverylongstage"}, "STAGE"),
    ({"alarm_email": "not-an-address"}, "ALARM_EMAIL"),
    ({"site_hosting": "S3"}, r"SITE_HOSTING \(SiteHosting\)='S3': must be one of \['S3Website', 'PrivateBucket'\]"),
])
def test_each_bad_parameter_is_named_in_the_error(sam_template: dict[str, Any], change: dict[str, str],
                                                  message: str) -> None:
    settings = DeploySettings(**{**GOOD.__dict__, **change})
    with pytest.raises(SettingsError, match=message):
        validate(settings, sam_template)


def test_all_problems_are_reported_at_once(sam_template: dict[str, Any]) -> None:
    with pytest.raises(SettingsError) as caught:
        validate(DeploySettings(stage="", region="", google_client_id=""), sam_template)
    assert str(caught.value).count("\n  - ") == 3
