"""The site configuration (site/config.json), typed and checked once at startup."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

MODES = ("local", "aws")


class ConfigError(ValueError):
    """The site configuration is missing a field or has a wrong value."""


@dataclass(frozen=True)
class SiteConfig:
    """Where the page's AWS services live: the local cloud or a deployed stack."""

    mode: str
    region: str
    aws_endpoint: str | None
    api_url: str
    identity_pool_id: str
    guest_role_arn: str
    google_client_id: str
    idp_url: str | None
    user_pool_id: str
    user_pool_client_id: str
    originals_bucket: str
    max_upload_bytes: int

    @classmethod
    def from_dict(cls, raw: dict[str, Any]) -> SiteConfig:
        """Check config.json's fields so a broken deployment fails with a clear message."""
        required = ("region", "api_url", "identity_pool_id", "guest_role_arn", "originals_bucket")
        missing = [name for name in required if not raw.get(name)]
        if missing:
            raise ConfigError(f"config.json lacks {', '.join(missing)}")
        mode = raw.get("mode", "aws")
        if mode not in MODES:
            raise ConfigError(f"config.json mode must be one of {MODES}, not {mode!r}")
        if mode == "local" and not raw.get("aws_endpoint"):
            raise ConfigError("config.json: local mode needs aws_endpoint")
        try:
            max_upload_bytes = int(raw.get("max_upload_bytes") or 5 * 1024**3)
        except (TypeError, ValueError) as exc:
            raise ConfigError("config.json: max_upload_bytes must be a number") from exc
        return cls(
            mode=mode,
            region=raw["region"],
            aws_endpoint=raw.get("aws_endpoint") or None,
            api_url=raw["api_url"].rstrip("/"),
            identity_pool_id=raw["identity_pool_id"],
            guest_role_arn=raw["guest_role_arn"],
            google_client_id=raw.get("google_client_id") or "",
            idp_url=(raw.get("idp_url") or "").rstrip("/") or None,
            user_pool_id=raw.get("user_pool_id") or "",
            user_pool_client_id=raw.get("user_pool_client_id") or "",
            originals_bucket=raw["originals_bucket"],
            max_upload_bytes=max_upload_bytes,
        )

    @property
    def is_local(self) -> bool:
        """True in the local cloud, where the Google stand-in replaces Google."""
        return self.mode == "local"

    @property
    def has_user_pool(self) -> bool:
        """Email + password sign-in is offered only when the stack has a user pool."""
        return bool(self.user_pool_id and self.user_pool_client_id)

    @property
    def user_pool_provider(self) -> str:
        """The Logins key Cognito Identity expects for this user pool's ID tokens."""
        return f"cognito-idp.{self.region}.amazonaws.com/{self.user_pool_id}"

    @property
    def user_pool_endpoint(self) -> str | None:
        """Where amazon-cognito-identity-js sends user-pool calls (None: AWS's own)."""
        return f"{self.aws_endpoint.rstrip('/')}/" if self.aws_endpoint else None
