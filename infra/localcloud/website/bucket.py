"""What a website endpoint reads: a bucket's website configuration, who may read it, its objects.

``MotoBucket`` reads the local cloud's S3 (moto's backend, in this process: a page load is a
few dozen reads, and a round trip through the edge each would cost more than serving them).
``FolderBucket`` is a folder seen as ``make deploy`` would publish it, for test and benchmark
pages that are not in a bucket.
"""

from __future__ import annotations

import hashlib
import json
import xml.etree.ElementTree as ElementTree
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime, timezone
from pathlib import Path
from typing import Any, Protocol

from deploy import site as deploy_site
from localcloud.access.policy import Policy, RequestContext
from sitepack.files import content_type

# The stored headers a GET returns besides x-amz-meta-* (S3 keeps others, such as checksums, to itself).
SERVED_HEADERS = {name.lower(): name for name in ("Content-Type", "Cache-Control", "Content-Encoding",
                                                  "Content-Disposition", "Content-Language", "Expires")}
_S3_XMLNS = "{http://s3.amazonaws.com/doc/2006-03-01/}"


@dataclass(frozen=True)
class WebsiteConfiguration:
    """A bucket's website settings that the endpoint serves (RoutingRules and
    RedirectAllRequestsTo are not: PetTube uses neither)."""

    index_suffix: str
    error_key: str | None = None


@dataclass(frozen=True)
class StoredObject:
    """One object: its bytes and what S3 answers about it."""

    body: bytes
    etag: str
    last_modified: datetime
    headers: Mapping[str, str] = field(default_factory=dict)  # those of SERVED_HEADERS stored, x-amz-meta-*
    redirect_location: str | None = None  # x-amz-website-redirect-location


class Bucket(Protocol):
    """The reads a website endpoint makes of its bucket."""

    name: str

    def website(self) -> WebsiteConfiguration | None:
        """The website configuration, or None when the bucket has none."""

    def anonymous_may(self, action: str, resource: str) -> bool:
        """Whether the bucket's policy lets anyone (no credentials) do `action` on `resource` (an ARN)."""

    def get(self, key: str) -> StoredObject | None:
        """The object, or None when there is none."""


def website_from_xml(document: bytes) -> WebsiteConfiguration:
    """PutBucketWebsite's XML, as S3 (and moto) keep it."""
    root = ElementTree.fromstring(document)
    suffix = root.findtext(f"{_S3_XMLNS}IndexDocument/{_S3_XMLNS}Suffix") or root.findtext("IndexDocument/Suffix")
    error = root.findtext(f"{_S3_XMLNS}ErrorDocument/{_S3_XMLNS}Key") or root.findtext("ErrorDocument/Key")
    return WebsiteConfiguration(index_suffix=suffix or "index.html", error_key=error)


def _anyone(principal: Any) -> bool:
    """Principal "*" (or {"AWS": "*"}): everyone, requests without credentials included."""
    named = principal.get("AWS") if isinstance(principal, dict) else principal
    return named == "*" or named == ["*"]


def anonymous_statements(policy: Mapping[str, Any]) -> Policy:
    """A bucket policy's statements that apply to a request without credentials."""
    statements = policy.get("Statement", [])
    listed = statements if isinstance(statements, list) else [statements]
    return Policy(tuple(s for s in listed if _anyone(s.get("Principal"))))


class MotoBucket:
    """A bucket of the local cloud's S3."""

    def __init__(self, name: str, account_id: str) -> None:
        self.name = name
        self._account_id = account_id

    def _backend(self) -> Any:
        from moto.s3.models import s3_backends

        return s3_backends[self._account_id]["aws"]

    def _bucket(self) -> Any:
        return self._backend().buckets.get(self.name)

    def website(self) -> WebsiteConfiguration | None:
        bucket = self._bucket()
        if bucket is None or not bucket.website_configuration:
            return None
        return website_from_xml(bucket.website_configuration)

    def anonymous_may(self, action: str, resource: str) -> bool:
        """The bucket policy's public statements decide, unless Block Public Access restricts the
        bucket to its account. Website requests are plain HTTP: aws:SecureTransport is false."""
        bucket = self._bucket()
        if bucket is None or not bucket.policy:
            return False
        block = bucket.public_access_block
        if block is not None and str(block.restrict_public_buckets).lower() == "true":
            return False
        request = RequestContext(action=action, resource=resource, keys={"aws:SecureTransport": ["false"]})
        return anonymous_statements(json.loads(bucket.policy)).allows(request)

    def object_states(self) -> dict[str, tuple[str, str, str, str]]:
        """(ETag, Content-Type, Cache-Control, Content-Encoding) by key, as ``deploy.site`` compares
        them: what a publish need not put again, without a HEAD request for each."""
        bucket = self._bucket()
        if bucket is None:
            return {}
        states = {}
        for key in list(bucket.keys.values()):
            metadata = {name.lower(): value for name, value in key.metadata.items()}
            states[key.name] = (key.etag.strip('"'), metadata.get("content-type", ""),
                                metadata.get("cache-control", ""), metadata.get("content-encoding", ""))
        return states

    def get(self, key: str) -> StoredObject | None:
        stored = self._backend().get_object(self.name, key) if self._bucket() is not None else None
        if stored is None:
            return None
        metadata = {name.lower(): value for name, value in stored.metadata.items()}
        headers = {SERVED_HEADERS.get(name, name): value for name, value in metadata.items()
                   if name in SERVED_HEADERS or name.startswith("x-amz-meta-")}
        return StoredObject(body=stored.value, etag=stored.etag.strip('"'),
                            last_modified=stored.last_modified.replace(tzinfo=timezone.utc), headers=headers,
                            redirect_location=stored.website_redirect_location)


class FolderBucket:
    """A folder as a website bucket holding what ``make deploy`` would store for each file (its
    type, cache lifetime and compressed sibling), index.html as index document, that anyone may
    read and list (so a missing file is a 404, as a test page's author expects)."""

    def __init__(self, root: Path) -> None:
        self.root = root.resolve()
        self.name = self.root.name

    def website(self) -> WebsiteConfiguration:
        return WebsiteConfiguration(index_suffix="index.html")

    def anonymous_may(self, action: str, resource: str) -> bool:
        return action in ("s3:GetObject", "s3:ListBucket")

    def get(self, key: str) -> StoredObject | None:
        path = (self.root / key).resolve()
        if self.root not in path.parents or not path.is_file():
            return None
        body, encoding = deploy_site.stored_body(path, self.root)
        headers = {"Content-Type": content_type(key), "Cache-Control": deploy_site.cache_control(key)}
        if encoding:
            headers["Content-Encoding"] = encoding
        modified = datetime.fromtimestamp(path.stat().st_mtime, tz=timezone.utc)
        return StoredObject(body=body, etag=hashlib.md5(body, usedforsecurity=False).hexdigest(),
                            last_modified=modified, headers=headers)
