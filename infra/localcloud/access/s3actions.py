"""Which IAM actions and resources an S3 REST request needs (path-style URLs, as on the edge).

The mapping follows the S3 API reference's "Permissions" sections: multipart
parts and completion need s3:PutObject, HEAD needs s3:GetObject, listing needs
s3:ListBucket with the s3:prefix condition key, and so on. A copy needs
s3:GetObject on the source as well; a multi-object delete needs s3:DeleteObject
on every key in its body.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from urllib.parse import unquote
from xml.etree import ElementTree

from werkzeug.wrappers import Request

_OBJECT_SUBRESOURCES = {
    # (method, subresource) -> action; subresource "" means the object itself.
    ("GET", ""): "GetObject", ("HEAD", ""): "GetObject", ("PUT", ""): "PutObject",
    ("DELETE", ""): "DeleteObject", ("POST", "uploads"): "PutObject", ("POST", "uploadId"): "PutObject",
    ("PUT", "uploadId"): "PutObject", ("GET", "uploadId"): "ListMultipartUploadParts",
    ("DELETE", "uploadId"): "AbortMultipartUpload", ("GET", "tagging"): "GetObjectTagging",
    ("PUT", "tagging"): "PutObjectTagging", ("DELETE", "tagging"): "DeleteObjectTagging",
    ("GET", "acl"): "GetObjectAcl", ("PUT", "acl"): "PutObjectAcl", ("GET", "attributes"): "GetObjectAttributes",
    ("POST", "restore"): "RestoreObject", ("POST", "select"): "GetObject", ("GET", "retention"): "GetObjectRetention",
    ("PUT", "retention"): "PutObjectRetention", ("GET", "legal-hold"): "GetObjectLegalHold",
    ("PUT", "legal-hold"): "PutObjectLegalHold",
}
_BUCKET_ACTIONS = {
    ("GET", ""): "ListBucket", ("HEAD", ""): "ListBucket", ("PUT", ""): "CreateBucket",
    ("DELETE", ""): "DeleteBucket", ("GET", "uploads"): "ListBucketMultipartUploads",
    ("GET", "versions"): "ListBucketVersions", ("GET", "location"): "GetBucketLocation",
    ("GET", "cors"): "GetBucketCORS", ("PUT", "cors"): "PutBucketCORS", ("DELETE", "cors"): "PutBucketCORS",
    ("GET", "policy"): "GetBucketPolicy", ("PUT", "policy"): "PutBucketPolicy", ("DELETE", "policy"): "DeleteBucketPolicy",
    ("GET", "notification"): "GetBucketNotification", ("PUT", "notification"): "PutBucketNotification",
    ("GET", "website"): "GetBucketWebsite", ("PUT", "website"): "PutBucketWebsite",
    ("DELETE", "website"): "DeleteBucketWebsite", ("GET", "acl"): "GetBucketAcl", ("PUT", "acl"): "PutBucketAcl",
    ("GET", "tagging"): "GetBucketTagging", ("PUT", "tagging"): "PutBucketTagging",
    ("GET", "lifecycle"): "GetLifecycleConfiguration", ("PUT", "lifecycle"): "PutLifecycleConfiguration",
    ("GET", "encryption"): "GetEncryptionConfiguration", ("PUT", "encryption"): "PutEncryptionConfiguration",
    ("GET", "versioning"): "GetBucketVersioning", ("PUT", "versioning"): "PutBucketVersioning",
    ("GET", "publicAccessBlock"): "GetBucketPublicAccessBlock", ("PUT", "publicAccessBlock"): "PutBucketPublicAccessBlock",
    ("POST", "delete"): "DeleteObject",
}
# Parameters that select an operation; anything else in the query is an argument.
_SUBRESOURCES = ({k for _, k in _OBJECT_SUBRESOURCES} | {k for _, k in _BUCKET_ACTIONS}) - {""}
# Condition keys S3 sets for list requests (used by policies that scope listing to a prefix).
_LIST_KEYS = {"prefix": "s3:prefix", "delimiter": "s3:delimiter", "max-keys": "s3:max-keys"}


class UnmappedS3Request(Exception):
    """The request is no S3 operation the guard knows how to authorise."""


@dataclass(frozen=True)
class Permission:
    """One action on one resource that the request needs."""

    action: str
    resource: str
    keys: dict[str, list[str]] = field(default_factory=dict)


def _subresource(request: Request) -> str:
    found = [name for name in request.args if name in _SUBRESOURCES]
    return found[0] if found else ""


def _deleted_keys(body: bytes) -> list[str]:
    try:
        root = ElementTree.fromstring(body)
    except ElementTree.ParseError:
        raise UnmappedS3Request("malformed DeleteObjects body") from None
    return [el.text or "" for el in root.iter() if el.tag.rsplit("}", 1)[-1] == "Key"]


def permissions(request: Request) -> list[Permission]:
    """Every permission the request needs; all must be allowed."""
    bucket, _, key = request.path.lstrip("/").partition("/")
    method, sub = request.method.upper(), _subresource(request)
    if not bucket:
        if method == "GET":
            return [Permission("s3:ListAllMyBuckets", "*")]
        raise UnmappedS3Request(f"{method} /")
    bucket_arn = f"arn:aws:s3:::{bucket}"
    if not key:
        action = _BUCKET_ACTIONS.get((method, sub))
        if action is None:
            raise UnmappedS3Request(f"{method} bucket ?{sub}")
        if action == "DeleteObject":
            return [Permission("s3:DeleteObject", f"{bucket_arn}/{k}")
                    for k in _deleted_keys(request.get_data(cache=True))]
        keys = {cond: [request.args[arg]] for arg, cond in _LIST_KEYS.items() if arg in request.args}
        return [Permission(f"s3:{action}", bucket_arn, keys)]
    action = _OBJECT_SUBRESOURCES.get((method, sub))
    if action is None:
        raise UnmappedS3Request(f"{method} object ?{sub}")
    needed = [Permission(f"s3:{action}", f"{bucket_arn}/{key}")]
    copy_source = request.headers.get("x-amz-copy-source")
    if copy_source and method == "PUT":
        source = unquote(copy_source.split("?", 1)[0]).lstrip("/")
        needed.append(Permission("s3:GetObject", f"arn:aws:s3:::{source}"))
    return needed
