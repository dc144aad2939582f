"""Publish the built site to the site bucket with the right types and cache lifetimes.

CloudFront's managed CachingOptimized policy honours the Cache-Control stored on
each object: versioned runtime files (Pyodide, wheels, hashed bundles) are
cached for a year, everything else is revalidated on every load so a deploy
shows at once (a revalidation costs a 304, not a download).
"""

from __future__ import annotations

import hashlib
import json
import posixpath
import re
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from html.parser import HTMLParser
from pathlib import Path
from typing import Any

from botocore.exceptions import ClientError

from deploy.errors import PrerequisiteError
from sitepack.bundle import APP_BUNDLE, app_bundle, compressed
from sitepack.files import PREBUILT_ENCODINGS, content_type, page_with_styles

SITE_DIR = Path(__file__).resolve().parents[2] / "site"
CONFIG_KEY = "config.json"
IMMUTABLE = "public, max-age=31536000, immutable"
REVALIDATE = "no-cache"
# A path part carrying a content hash (main.3f2a9c1b.js) or a version
# (pyodide-314.0.7/, boto3-1.44.5-py3-none-any.whl) never changes content.
VERSIONED_PART = re.compile(r"(?:^|[.\-_])[0-9a-f]{8,}(?=[.\-_]|$)|(?:^|[\-_@]v?)\d+\.\d+(?:\.\d+)*(?=[.\-_/]|$)")
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


def site_config(outputs: dict[str, str], parameters: dict[str, str], region: str) -> dict[str, Any]:
    """site/config.json for AWS, from the stack outputs (the page's only source of endpoints)."""
    return {
        "mode": "aws",
        "region": region,
        "aws_endpoint": None,
        "api_url": outputs["ApiUrl"],
        "identity_pool_id": outputs["IdentityPoolId"],
        "guest_role_arn": outputs["GuestRoleArn"],
        "google_client_id": outputs["GoogleClientId"],
        "idp_url": None,
        "user_pool_id": outputs["UserPoolId"],
        "user_pool_client_id": outputs["UserPoolClientId"],
        "originals_bucket": outputs["OriginalsBucketName"],
        "max_upload_bytes": int(parameters["MaxUploadBytes"]),
    }


def check_built(site_dir: Path = SITE_DIR) -> None:
    """Fail before deploying when the site's runtime has not been built yet, or was built for this
    machine only (make dev, make test: brotli in seconds, more bytes on every cold visit)."""
    missing = [name for name in ("index.html", "vendor") if not (site_dir / name).exists()]
    if missing:
        raise PrerequisiteError(f"the site is not built ({', '.join(missing)} missing in {site_dir}): "
                                "run `python -m tools.site_build --release` (make deploy does)")
    manifest = site_dir / "vendor" / "runtime.json"
    if manifest.is_file() and json.loads(manifest.read_text()).get("release") is False:
        raise PrerequisiteError("the site's runtime is compressed for local use only: run "
                                "`python -m tools.site_build --release` (make deploy does)")


class _PyScriptSources(HTMLParser):
    """The src of every Python script (<script type="py" src=...>) in a page."""

    def __init__(self) -> None:
        super().__init__()
        self.sources: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        found = dict(attrs)
        if tag == "script" and found.get("type") == "py" and found.get("src"):
            self.sources.append(found["src"])


def page_scripts(site_dir: Path) -> set[str]:
    """The keys of the Python scripts index.html runs. PyScript fetches each by its URL, so each
    goes up as a file of its own, although app.zip holds every module of site/app too."""
    parser = _PyScriptSources()
    parser.feed((site_dir / "index.html").read_text())
    return {posixpath.normpath(source.lstrip("/")) for source in parser.sources}  # "./app/main.py" too


@dataclass(frozen=True)
class SiteFile:
    """One object to upload: its bytes, and "br" or "gzip" when they are the build's compressed sibling."""

    key: str
    body: bytes
    encoding: str | None = None


def site_files(site_dir: Path, *, wait_for_bytecode: bool = True) -> Iterator[SiteFile]:
    """The built site; where the build wrote X.br (or X.gz) next to X, X's object holds those bytes,
    and the page's Python as the one archive it loads (app.zip), the same bytes the local cloud
    serves, plus the script index.html runs. Pages go up with the stylesheet written in, as the
    local cloud serves them.

    S3 cannot pick a sibling by Accept-Encoding, and CloudFront compresses only
    files under 10 MB (the Pyodide wasm is close, the memory snapshot is 38 MB):
    storing the compressed bytes with their Content-Encoding serves every browser
    the small file. Brotli first: every browser that runs the page (WebAssembly,
    JSPI) accepts it over HTTPS.
    """
    bundle = app_bundle(site_dir / "app", site_dir, wait_for_bytecode=wait_for_bytecode)
    yield SiteFile(APP_BUNDLE.lstrip("/"), compressed(bundle, site_dir), "br")
    scripts = page_scripts(site_dir)
    for path in sorted(site_dir.rglob("*")):
        key = path.relative_to(site_dir).as_posix()
        parts = key.split("/")
        # The local cloud's config.json lives in site/ too; AWS gets its own.
        in_bundle = parts[0] == "app" and path.suffix == ".py" and key not in scripts
        if not path.is_file() or key == CONFIG_KEY or SKIPPED_PARTS.intersection(parts) \
                or any(part.startswith(".") for part in parts) or in_bundle:
            continue
        if path.suffix in (".br", ".gz") and path.with_suffix("").is_file():
            continue
        yield SiteFile(key, *stored_body(path, site_dir))


def stored_body(path: Path, site_dir: Path) -> tuple[bytes, str | None]:
    """What the object of the file at `path` holds, and its Content-Encoding: the build's compressed
    sibling, brotli first, when there is one; a page with the stylesheet written in; else the file."""
    for suffix, encoding in PREBUILT_ENCODINGS:
        sibling = path.with_name(path.name + suffix)
        if sibling.is_file():
            return sibling.read_bytes(), encoding
    if path.suffix == ".html":
        return page_with_styles(path.read_bytes(), site_dir), None
    return path.read_bytes(), None


# (ETag, Content-Type, Cache-Control, Content-Encoding): what decides whether an object is current.
ObjectState = tuple[str, str, str, str]
# HEAD and PUT requests in flight at once: 200 files one after the other cost 200 round trips.
PARALLEL_REQUESTS = 8


def _stored(s3: Any, bucket: str, key: str) -> ObjectState | None:
    """The state of the object in the bucket, or None."""
    try:
        head = s3.head_object(Bucket=bucket, Key=key)
    except ClientError as exc:
        if exc.response["Error"]["Code"] in ("404", "NoSuchKey"):
            return None
        raise
    return (head["ETag"].strip('"'), head.get("ContentType", ""), head.get("CacheControl", ""),
            head.get("ContentEncoding", ""))


def _put(s3: Any, bucket: str, item: SiteFile, known: dict[str, ObjectState] | None) -> bool:
    """PutObject unless the same bytes and headers are there (single-part ETag = MD5); True if uploaded."""
    md5 = hashlib.md5(item.body, usedforsecurity=False).hexdigest()
    wanted = (md5, content_type(item.key), cache_control(item.key), item.encoding or "")
    current = known.get(item.key) if known is not None else _stored(s3, bucket, item.key)
    if current != wanted:
        encoding = {"ContentEncoding": item.encoding} if item.encoding else {}
        s3.put_object(Bucket=bucket, Key=item.key, Body=item.body, ContentType=wanted[1], CacheControl=wanted[2],
                      **encoding)
    if known is not None:
        known[item.key] = wanted
    return current != wanted


def publish(s3: Any, bucket: str, config: dict[str, Any], site_dir: Path = SITE_DIR, *,
            known: dict[str, ObjectState] | None = None, wait_for_bytecode: bool = True) -> PublishReport:
    """Upload changed files: runtime first, then config.json, pages last, so no page refers to a missing file.

    `known`, kept by a caller that publishes again and again (the local cloud, after every change
    under site/), holds everything the bucket has: no key is asked about (a key it lacks is not
    in the bucket, so a fresh local bucket costs no HEAD request per file), and it is brought up
    to date. Without `wait_for_bytecode`, app.zip goes up without the bytecode of sources not
    compiled yet (sitepack.bytecode compiles them meanwhile).
    """
    files = list(site_files(site_dir, wait_for_bytecode=wait_for_bytecode))
    config_file = SiteFile(CONFIG_KEY, json.dumps(config, indent=2, sort_keys=True).encode())
    stages = ([f for f in files if not f.key.endswith(".html")], [config_file],
              [f for f in files if f.key.endswith(".html")])
    uploaded = 0
    with ThreadPoolExecutor(PARALLEL_REQUESTS, thread_name_prefix="publish") as pool:
        for stage in stages:
            uploaded += sum(pool.map(lambda item: _put(s3, bucket, item, known), stage))
    return PublishReport(uploaded, sum(map(len, stages)) - uploaded)
