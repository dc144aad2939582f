"""Which operation an S3 REST request calls and which IAM actions and resources it needs (path-style URLs).

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

from localcloud.access.postpolicy import is_form_upload, object_key

_OBJECT_OPERATIONS = {
    # (method, subresource) -> operation; subresource "" means the object itself.
    ("GET", ""): "GetObject", ("HEAD", ""): "HeadObject", ("PUT", ""): "PutObject", ("DELETE", ""): "DeleteObject",
    ("POST", "uploads"): "CreateMultipartUpload", ("POST", "uploadId"): "CompleteMultipartUpload",
    ("PUT", "uploadId"): "UploadPart", ("GET", "uploadId"): "ListParts", ("DELETE", "uploadId"): "AbortMultipartUpload",
    ("GET", "tagging"): "GetObjectTagging", ("PUT", "tagging"): "PutObjectTagging",
    ("DELETE", "tagging"): "DeleteObjectTagging", ("GET", "acl"): "GetObjectAcl", ("PUT", "acl"): "PutObjectAcl",
    ("GET", "attributes"): "GetObjectAttributes", ("POST", "restore"): "RestoreObject",
    ("POST", "select"): "SelectObjectContent", ("GET", "retention"): "GetObjectRetention",
    ("PUT", "retention"): "PutObjectRetention", ("GET", "legal-hold"): "GetObjectLegalHold",
    ("PUT", "legal-hold"): "PutObjectLegalHold",
}
_BUCKET_OPERATIONS = {
    ("GET", ""): "ListObjects", ("HEAD", ""): "HeadBucket", ("PUT", ""): "CreateBucket", ("DELETE", ""): "DeleteBucket",
    ("GET", "uploads"): "ListMultipartUploads", ("GET", "versions"): "ListObjectVersions",
    ("GET", "location"): "GetBucketLocation", ("GET", "cors"): "GetBucketCors", ("PUT", "cors"): "PutBucketCors",
    ("DELETE", "cors"): "DeleteBucketCors", ("GET", "policy"): "GetBucketPolicy", ("PUT", "policy"): "PutBucketPolicy",
    ("DELETE", "policy"): "DeleteBucketPolicy", ("GET", "notification"): "GetBucketNotificationConfiguration",
    ("PUT", "notification"): "PutBucketNotificationConfiguration", ("GET", "website"): "GetBucketWebsite",
    ("PUT", "website"): "PutBucketWebsite", ("DELETE", "website"): "DeleteBucketWebsite",
    ("GET", "acl"): "GetBucketAcl", ("PUT", "acl"): "PutBucketAcl", ("GET", "tagging"): "GetBucketTagging",
    ("PUT", "tagging"): "PutBucketTagging", ("GET", "lifecycle"): "GetBucketLifecycleConfiguration",
    ("PUT", "lifecycle"): "PutBucketLifecycleConfiguration", ("GET", "encryption"): "GetBucketEncryption",
    ("PUT", "encryption"): "PutBucketEncryption", ("GET", "versioning"): "GetBucketVersioning",
    ("PUT", "versioning"): "PutBucketVersioning", ("GET", "publicAccessBlock"): "GetPublicAccessBlock",
    ("PUT", "publicAccessBlock"): "PutPublicAccessBlock", ("POST", "delete"): "DeleteObjects",
}
# The IAM action of each operation whose permission has another name (the rest: the operation's own name).
_ACTIONS = {
    "HeadObject": "GetObject", "SelectObjectContent": "GetObject", "CopyObject": "PutObject",
    "CreateMultipartUpload": "PutObject", "CompleteMultipartUpload": "PutObject", "UploadPart": "PutObject",
    "UploadPartCopy": "PutObject", "ListParts": "ListMultipartUploadParts", "DeleteObjects": "DeleteObject",
    "ListBuckets": "ListAllMyBuckets", "ListObjects": "ListBucket", "ListObjectsV2": "ListBucket",
    "HeadBucket": "ListBucket", "ListMultipartUploads": "ListBucketMultipartUploads",
    "ListObjectVersions": "ListBucketVersions", "GetBucketCors": "GetBucketCORS", "PutBucketCors": "PutBucketCORS",
    "DeleteBucketCors": "PutBucketCORS", "GetBucketNotificationConfiguration": "GetBucketNotification",
    "PutBucketNotificationConfiguration": "PutBucketNotification",
    "GetBucketLifecycleConfiguration": "GetLifecycleConfiguration",
    "PutBucketLifecycleConfiguration": "PutLifecycleConfiguration",
    "GetBucketEncryption": "GetEncryptionConfiguration", "PutBucketEncryption": "PutEncryptionConfiguration",
    "GetPublicAccessBlock": "GetBucketPublicAccessBlock", "PutPublicAccessBlock": "PutBucketPublicAccessBlock",
}
# Parameters that select an operation; anything else in the query is an argument.
_SUBRESOURCES = ({k for _, k in _OBJECT_OPERATIONS} | {k for _, k in _BUCKET_OPERATIONS}) - {""}
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


@dataclass(frozen=True)
class S3Operation:
    """What one S3 REST request is: the API operation, and the IAM action it needs on its resource."""

    name: str
    action: str
    bucket: str
    key: str


def operation(request: Request) -> S3Operation:
    """The operation a path-style S3 request calls; raises UnmappedS3Request for any other request."""
    bucket, _, key = request.path.lstrip("/").partition("/")
    method, sub = request.method.upper(), _subresource(request)
    if not bucket:
        if method != "GET":
            raise UnmappedS3Request(f"{method} /")
        name = "ListBuckets"
    elif is_form_upload(request):
        name, key = "PutObject", object_key(request)  # a browser-based upload (POST policy)
    else:
        found = (_OBJECT_OPERATIONS if key else _BUCKET_OPERATIONS).get((method, sub))
        if found is None:
            raise UnmappedS3Request(f"{method} {'object' if key else 'bucket'} ?{sub}")
        name = found
    if name == "ListObjects" and request.args.get("list-type") == "2":
        name = "ListObjectsV2"
    elif name in ("PutObject", "UploadPart") and "x-amz-copy-source" in request.headers:
        name = {"PutObject": "CopyObject", "UploadPart": "UploadPartCopy"}[name]
    return S3Operation(name, _ACTIONS.get(name, name), bucket, key)


def permissions(request: Request) -> list[Permission]:
    """Every permission the request needs; all must be allowed."""
    called = operation(request)
    if not called.bucket:
        return [Permission(f"s3:{called.action}", "*")]
    bucket_arn = f"arn:aws:s3:::{called.bucket}"
    if called.name == "DeleteObjects":
        return [Permission("s3:DeleteObject", f"{bucket_arn}/{k}") for k in _deleted_keys(request.get_data(cache=True))]
    if not called.key:
        keys = {cond: [request.args[arg]] for arg, cond in _LIST_KEYS.items() if arg in request.args}
        return [Permission(f"s3:{called.action}", bucket_arn, keys)]
    needed = [Permission(f"s3:{called.action}", f"{bucket_arn}/{called.key}")]
    copy_source = request.headers.get("x-amz-copy-source")
    if copy_source and request.method.upper() == "PUT":
        source = unquote(copy_source.split("?", 1)[0]).lstrip("/")
        needed.append(Permission("s3:GetObject", f"arn:aws:s3:::{source}"))
    return needed
