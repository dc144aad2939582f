"""What one deployment is (stage, region, Google client), checked before any AWS call."""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

import boto3

from deploy.errors import SettingsError

# Google's OAuth web client ids: "<project number>-<32 chars>.apps.googleusercontent.com".
GOOGLE_CLIENT_ID = re.compile(r"^[0-9]+-[0-9a-z]+\.apps\.googleusercontent\.com$")
# How ``make deploy`` names each template parameter, for error messages.
MAKE_VARIABLES = {"GoogleClientId": "GOOGLE_CLIENT_ID", "StageName": "STAGE", "AlarmEmail": "ALARM_EMAIL",
                  "SiteHosting": "SITE_HOSTING"}


@dataclass(frozen=True)
class DeploySettings:
    """The inputs of ``make deploy``: everything else comes from the template's defaults."""

    stage: str
    region: str
    google_client_id: str
    alarm_email: str = ""
    site_hosting: str = "S3Website"  # or PrivateBucket (docs/deploy.md, "How the site is hosted")

    @property
    def stack_name(self) -> str:
        """One stack per stage, so a test stage never touches production."""
        return f"pettube-{self.stage}"

    def parameters(self) -> dict[str, str]:
        """The template parameters this deployment sets (the rest keep their defaults)."""
        return {
            "GoogleClientId": self.google_client_id,
            "StageName": self.stage,
            "AlarmEmail": self.alarm_email,
            "SiteHosting": self.site_hosting,
        }


def mediaconvert_regions() -> list[str]:
    """Regions with MediaConvert, from botocore's bundled endpoint data (no network)."""
    return boto3.Session().get_available_regions("mediaconvert")


def _constraint_problems(name: str, value: str, spec: dict[str, Any]) -> list[str]:
    """The template's own AllowedPattern/AllowedValues/Min/Max checks, run locally."""
    problems = []
    pattern = spec.get("AllowedPattern")
    if pattern is not None and not re.fullmatch(pattern, value):
        hint = spec.get("ConstraintDescription") or f"must match {pattern}"
        problems.append(f"{name}={value!r}: {hint}")
    allowed = spec.get("AllowedValues")
    if allowed is not None and value not in [str(v) for v in allowed]:
        problems.append(f"{name}={value!r}: must be one of {allowed}")
    if spec.get("Type") == "Number":
        try:
            number = float(value)
        except ValueError:
            return [*problems, f"{name}={value!r}: must be a number"]
        if "MinValue" in spec and number < float(spec["MinValue"]):
            problems.append(f"{name}={value}: must be at least {spec['MinValue']}")
        if "MaxValue" in spec and number > float(spec["MaxValue"]):
            problems.append(f"{name}={value}: must be at most {spec['MaxValue']}")
    return problems


def validate(settings: DeploySettings, sam_template: dict[str, Any]) -> None:
    """Raise one SettingsError listing every bad input, so a deploy never half-starts."""
    problems = []
    if not settings.google_client_id:
        problems.append("GOOGLE_CLIENT_ID is required (create one: docs/deploy.md, step 1)")
    elif not GOOGLE_CLIENT_ID.fullmatch(settings.google_client_id):
        problems.append(
            f"GOOGLE_CLIENT_ID={settings.google_client_id!r} is not a Google OAuth web client id "
            "(expected <number>-<id>.apps.googleusercontent.com)"
        )
    if not settings.region:
        problems.append("REGION is required")
    elif settings.region not in mediaconvert_regions():
        problems.append(f"REGION={settings.region!r} has no MediaConvert; pick one of {mediaconvert_regions()}")
    declared = sam_template.get("Parameters", {})
    for name, value in settings.parameters().items():
        if name not in declared:
            problems.append(f"the template declares no parameter {name}")
        elif value or name != "GoogleClientId":
            label = f"{MAKE_VARIABLES.get(name, name)} ({name})"
            problems.extend(_constraint_problems(label, value, declared[name]))
    if problems:
        raise SettingsError("cannot deploy:\n  - " + "\n  - ".join(problems))
