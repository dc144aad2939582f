"""``.pettube/endpoints.json``: the machine-readable contract of a running local cloud.

Tools, tests and the site read this file instead of guessing ports and names.
It is written once everything is ready and removed on a clean stop.
"""

from __future__ import annotations

import json
import os
from dataclasses import asdict, dataclass, fields
from pathlib import Path
from typing import Any


@dataclass(frozen=True)
class Endpoints:
    site: str  # the address people open: the local CloudFront
    site_bucket_website: str  # the site bucket's own S3 website endpoint, behind it
    aws: str
    api: str
    idp: str
    region: str
    originals_bucket: str
    transcoded_bucket: str
    table: str
    identity_pool_id: str
    guest_role_arn: str
    google_client_id: str
    user_pool_id: str
    user_pool_client_id: str
    dead_letter_queue: str
    admin_access_key_id: str
    admin_secret_access_key: str

    def client(self, service: str, **kwargs: Any) -> Any:
        """A boto3 client on the local edge with the admin credentials."""
        import boto3

        return boto3.client(service, region_name=self.region, endpoint_url=self.aws,
                            aws_access_key_id=self.admin_access_key_id,
                            aws_secret_access_key=self.admin_secret_access_key, **kwargs)

    def site_config(self, max_upload_bytes: int) -> dict[str, Any]:
        """What the page reads from /config.json (the same keys `make deploy` writes on AWS)."""
        return {
            "mode": "local", "region": self.region, "aws_endpoint": self.aws, "api_url": self.api,
            "identity_pool_id": self.identity_pool_id, "guest_role_arn": self.guest_role_arn,
            "google_client_id": self.google_client_id,
            "idp_url": self.idp, "user_pool_id": self.user_pool_id,
            "user_pool_client_id": self.user_pool_client_id, "originals_bucket": self.originals_bucket,
            "max_upload_bytes": max_upload_bytes,
        }

    def write(self, path: Path) -> None:
        """Write atomically, readable only by the owner (it holds admin credentials)."""
        path.parent.mkdir(parents=True, exist_ok=True)
        tmp = path.with_suffix(".tmp")
        tmp.write_text(json.dumps(asdict(self), indent=2) + "\n")
        os.chmod(tmp, 0o600)
        tmp.replace(path)

    @classmethod
    def read(cls, path: Path) -> Endpoints:
        data = json.loads(path.read_text())
        return cls(**{f.name: data[f.name] for f in fields(cls)})
