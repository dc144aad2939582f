"""SigV4 in Python with botocore's own signer: MyMedia API requests and S3 clients.

The temporary credentials come from Cognito Identity; the browser sends what is
signed here (fetch for the API, XHR for presigned parts).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timezone
from typing import Any


@dataclass(frozen=True)
class Credentials:
    """Temporary AWS credentials for one Cognito identity."""

    access_key_id: str
    secret_access_key: str
    session_token: str
    expiration: datetime

    def seconds_left(self, now: datetime | None = None) -> float:
        """Time until these credentials (and every URL they signed) stop working."""
        current = now or datetime.now(timezone.utc)
        return (self.expiration - current).total_seconds()

    def __repr__(self) -> str:
        """Never show the secret parts, even in a traceback."""
        return f"Credentials(access_key_id={self.access_key_id[:4]}..., expiration={self.expiration.isoformat()})"


def signed_api_headers(
    method: str, url: str, credentials: Credentials, region: str, body: bytes = b"", content_type: str | None = None
) -> dict[str, str]:
    """Headers that make API Gateway (AWS_IAM auth) accept this request as the caller's identity (user or guest)."""
    from botocore.auth import SigV4Auth
    from botocore.awsrequest import AWSRequest
    from botocore.credentials import Credentials as BotoCredentials

    headers = {"Accept": "application/json"}
    if content_type:
        headers["Content-Type"] = content_type
    request = AWSRequest(method=method, url=url, data=body, headers=headers)
    boto_credentials = BotoCredentials(
        credentials.access_key_id, credentials.secret_access_key, credentials.session_token
    )
    SigV4Auth(boto_credentials, "execute-api", region).add_auth(request)
    # The browser sets Host itself and refuses to send it from script.
    return {name: value for name, value in request.headers.items() if name.lower() != "host"}


def s3_client(credentials: Credentials, region: str, endpoint_url: str | None) -> Any:
    """An S3 client with the user's credentials (path-style locally, where bucket DNS names do not resolve)."""
    import boto3
    from botocore.config import Config

    return boto3.client(
        "s3",
        region_name=region,
        endpoint_url=endpoint_url,
        aws_access_key_id=credentials.access_key_id,
        aws_secret_access_key=credentials.secret_access_key,
        aws_session_token=credentials.session_token,
        config=Config(
            signature_version="s3v4",
            s3={"addressing_style": "path" if endpoint_url else "virtual"},
            retries={"mode": "standard", "max_attempts": 3},
        ),
    )
