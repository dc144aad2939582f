"""Publish the built site to the site bucket with the right types and cache lifetimes.

CloudFront's managed CachingOptimized policy honours the Cache-Control stored on
each object: versioned runtime files (Pyodide, wheels, hashed bundles) are
cached for a year, everything else is revalidated on every load so a deploy
shows at once (a revalidation costs a 304, not a download).
"""

from __future__ import annotations

import hashlib
import json
import mimetypes
import re
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from botocore.exceptions import ClientError

from deploy.errors import PrerequisiteError

SITE_DIR = Path(__file__).resolve().parents[2] / "site"
CONFIG_KEY = "config.json"
IMMUTABLE = "public, max-age=31536000, immutable"
REVALIDATE = "no-cache"
# A path part carrying a content hash (main.3f2a9c1b.js) or a version
# (pyodide-314.0.7/, boto3-1.44.5-py3-none-any.whl) never changes content.
VERSIONED_PART = re.compile(r"(?:[.\-_])[0-9a-f]{8,}(?=[.\-_]|$)|(?:^|[\-_@]v?)\d+\.\d+(?:\.\d+)*(?=[.\-_/]|$)")
# What browsers and Pyodide need that mimetypes does not reliably know.
CONTENT_TYPES = {
    ".html": "text/html; charset=utf-8",
    ".js": "text/javascript; charset=utf-8",
    ".mjs": "text/javascript; charset=utf-8",
    ".css": "text/css; charset=utf-8",
    ".json": "application/json",
    ".map": "application/json",
    ".wasm": "application/wasm",
    ".py": "text/x-python; charset=utf-8",
    ".toml": "application/toml",
    ".whl": "application/zip",
    ".zip": "application/zip",
    ".svg": "image/svg+xml",
    ".txt": "text/plain; charset=utf-8",
}
SKIPPED_PARTS = {"__pycache__", ".DS_Store"}


@dataclass(frozen=True)
class PublishReport:
    """How many files went up and how many were already current."""

    uploaded: int
    unchanged: int


def cache_control(key: str) -> str:
    """A year for versioned runtime files; revalidate for the page, its app code and config."""
    name = key.rsplit("/", 1)[-1]
    if name.endswith(".html") or key == CONFIG_KEY:
        return REVALIDATE
    return IMMUTABLE if any(VERSIONED_PART.search(part) for part in key.split("/")) else REVALIDATE


def content_type(key: str) -> str:
    """The Content-Type a browser needs (.mjs as JavaScript, .wasm as application/wasm)."""
    suffix = Path(key).suffix.lower()
    return CONTENT_TYPES.get(suffix) or mimetypes.guess_type(key)[0] or "application/octet-stream"


def site_config(outputs: dict[str, str], parameters: dict[str, str], region: str) -> dict[str, Any]:
    """site/config.json for AWS, from the stack outputs (the page's only source of endpoints)."""
    return {
        "mode": "aws",
        "region": region,
        "aws_endpoint": None,
        "api_url": outputs["ApiUrl"],
        "identity_pool_id": outputs["IdentityPoolId"],
        "google_client_id": outputs["GoogleClientId"],
        "idp_url": None,
        "user_pool_id": outputs["UserPoolId"],
        "user_pool_client_id": outputs["UserPoolClientId"],
        "originals_bucket": outputs["OriginalsBucketName"],
        "max_upload_bytes": int(parameters["MaxUploadBytes"]),
    }


def check_built(site_dir: Path = SITE_DIR) -> None:
    """Fail before deploying when the site's runtime has not been built yet."""
    missing = [name for name in ("index.html", "vendor") if not (site_dir / name).exists()]
    if missing:
        raise PrerequisiteError(
            f"the site is not built ({', '.join(missing)} missing in {site_dir}): run `python -m tools.build_site`"
        )


def _site_files(site_dir: Path) -> Iterator[tuple[str, Path]]:
    for path in sorted(site_dir.rglob("*")):
        key = path.relative_to(site_dir).as_posix()
        parts = key.split("/")
        # The local cloud's config.json lives in site/ too; AWS gets its own.
        if path.is_file() and key != CONFIG_KEY and not SKIPPED_PARTS.intersection(parts) \
                and not any(part.startswith(".") for part in parts):
            yield key, path


def _stored(s3: Any, bucket: str, key: str) -> tuple[str, str, str] | None:
    """(ETag, Content-Type, Cache-Control) of the object in the bucket, or None."""
    try:
        head = s3.head_object(Bucket=bucket, Key=key)
    except ClientError as exc:
        if exc.response["Error"]["Code"] in ("404", "NoSuchKey"):
            return None
        raise
    return head["ETag"].strip('"'), head.get("ContentType", ""), head.get("CacheControl", "")


def _put(s3: Any, bucket: str, key: str, body: bytes) -> bool:
    """PutObject unless the same bytes and headers are there (single-part ETag = MD5); True if uploaded."""
    wanted = (hashlib.md5(body, usedforsecurity=False).hexdigest(), content_type(key), cache_control(key))
    if _stored(s3, bucket, key) == wanted:
        return False
    s3.put_object(Bucket=bucket, Key=key, Body=body, ContentType=wanted[1], CacheControl=wanted[2])
    return True


def publish(s3: Any, bucket: str, config: dict[str, Any], site_dir: Path = SITE_DIR) -> PublishReport:
    """Upload changed files: runtime first, then config.json, pages last, so no page refers to a missing file."""
    files = [(key, path.read_bytes()) for key, path in _site_files(site_dir)]
    config_body = json.dumps(config, indent=2, sort_keys=True).encode()
    ordered = [f for f in files if not f[0].endswith(".html")] + [(CONFIG_KEY, config_body)] \
        + [f for f in files if f[0].endswith(".html")]
    uploaded = sum(_put(s3, bucket, key, body) for key, body in ordered)
    return PublishReport(uploaded, len(ordered) - uploaded)
