"""Shared boto3 clients: built on first use (a cold start pays only for what it calls), injectable in tests.

Clients use boto3's default endpoint resolution: on AWS the regional endpoints,
in the local cloud whatever ``AWS_ENDPOINT_URL`` the runtime sets.
"""

from __future__ import annotations

import time
from functools import lru_cache
from typing import Any

import boto3
from botocore.config import Config
from botocore.exceptions import ClientError

from pettube import item_reads

# Presigned GET URLs must be SigV4 (required outside us-east-1 and for SSE-KMS objects);
# MediaConvert throttles CreateJob, so give it botocore's adaptive back-off.
_CONFIGS: dict[str, Config] = {
    "s3": Config(signature_version="s3v4", retries={"mode": "standard", "max_attempts": 3}),
    "mediaconvert": Config(retries={"mode": "adaptive", "max_attempts": 5}),
    "dynamodb": Config(retries={"mode": "standard", "max_attempts": 3}),
}

_built: dict[str, Any] = {}
_tables: dict[str, Any] = {}

# A signed GET URL is handed out again for a tenth of its lifetime (at most 5 minutes).
# A listing signs every thumbnail and rendition of up to 24 videos, about a hundred URLs at a
# third of a millisecond each: over half of MyMedia's time, asked again at every visit and
# refresh. A viewer loses at most that tenth of the URL's life (the page renews by the
# X-Amz-Date and X-Amz-Expires the URL itself carries), and gets the same thumbnail URL on
# every listing in that window, which the browser's cache then answers.
_REUSE_FRACTION, _REUSE_MAX_SECONDS = 10, 300
_SIGNED_KEPT = 4096


def client(service: str) -> Any:
    """The process-wide low-level client for ``service`` (s3, mediaconvert)."""
    if service not in _built:
        _built[service] = boto3.client(service, config=_CONFIGS.get(service))
    return _built[service]


def table(name: str) -> Any:
    """The process-wide DynamoDB Table resource for ``name``.

    Built once: boto3 builds a new resource class at every ``Table()``, about 0.4 ms (5 % of a
    warm MyMedia listing's CPU, asked for at every invocation).
    """
    if "dynamodb" not in _built:
        _built["dynamodb"] = boto3.resource("dynamodb", config=_CONFIGS["dynamodb"])
        item_reads.register(_built["dynamodb"].meta.client)
    if name not in _tables:
        _tables[name] = _built["dynamodb"].Table(name)
    return _tables[name]


def inject(service: str, replacement: Any) -> None:
    """Use ``replacement`` from now on: a client for s3/mediaconvert, a ServiceResource for dynamodb."""
    _built[service] = replacement
    _tables.clear()  # built on the resource that may just have been replaced
    _signed_get.cache_clear()


def reset() -> None:
    """Forget everything built or injected, so the next call builds afresh."""
    _built.clear()
    _tables.clear()
    _signed_get.cache_clear()


def presigned_get(bucket: str, key: str, expires_in: int) -> str:
    """A GET URL of ``bucket``/``key`` that expires at most ``expires_in`` seconds from now.

    The same URL comes back for a while (see _REUSE_FRACTION): it was signed in the current
    window, a tenth of ``expires_in`` long, so at least nine tenths of its life are left.
    """
    window = max(1, min(expires_in // _REUSE_FRACTION, _REUSE_MAX_SECONDS))
    return _signed_get(bucket, key, expires_in, int(time.time() // window))


@lru_cache(maxsize=_SIGNED_KEPT)
def _signed_get(bucket: str, key: str, expires_in: int, _window: int) -> str:
    return str(client("s3").generate_presigned_url("get_object", Params={"Bucket": bucket, "Key": key},
                                                   ExpiresIn=expires_in))


def error_code(error: ClientError) -> str:
    """The AWS error code of a failed call ("" when the response carries none)."""
    return str(error.response.get("Error", {}).get("Code", ""))
