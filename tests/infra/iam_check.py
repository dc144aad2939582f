"""Which IAM permission a boto3 call needs, and whether a role's policies grant it.

The mapping follows the Service Authorization Reference: most operations need
the action of the same name, S3 object reads and multipart steps map onto
s3:GetObject / s3:PutObject, DeleteObjects onto s3:DeleteObject per key, and
CreateJob also passes its role (iam:PassRole).
An operation missing here fails the test, so a new call cannot slip through.
"""

from __future__ import annotations

from dataclasses import dataclass
from fnmatch import fnmatchcase
from typing import Any

S3_OBJECT_ACTIONS = {
    "HeadObject": "s3:GetObject", "GetObject": "s3:GetObject",
    "PutObject": "s3:PutObject", "CreateMultipartUpload": "s3:PutObject", "UploadPart": "s3:PutObject",
    "CompleteMultipartUpload": "s3:PutObject", "DeleteObject": "s3:DeleteObject",
    "AbortMultipartUpload": "s3:AbortMultipartUpload", "ListParts": "s3:ListMultipartUploadParts",
}
S3_BUCKET_ACTIONS = {"ListObjectsV2": "s3:ListBucket", "ListObjects": "s3:ListBucket", "HeadBucket": "s3:ListBucket"}
DYNAMODB_ITEM_OPERATIONS = {"GetItem", "PutItem", "UpdateItem", "DeleteItem", "Query", "Scan"}


class UnmappedOperation(Exception):
    """A handler made a call this checker has no IAM mapping for: add it above."""


@dataclass(frozen=True)
class Need:
    """One permission: an IAM action on a resource ARN."""

    action: str
    resource: str


def needs(service: str, operation: str, params: dict[str, Any], region: str, account: str) -> list[Need]:
    """The permissions one recorded call needs."""
    if service == "s3":
        bucket = params["Bucket"]
        if operation in S3_OBJECT_ACTIONS:
            return [Need(S3_OBJECT_ACTIONS[operation], f"arn:aws:s3:::{bucket}/{params['Key']}")]
        if operation == "DeleteObjects":
            return [Need("s3:DeleteObject", f"arn:aws:s3:::{bucket}/{o['Key']}") for o in params["Delete"]["Objects"]]
        if operation in S3_BUCKET_ACTIONS:
            return [Need(S3_BUCKET_ACTIONS[operation], f"arn:aws:s3:::{bucket}")]
    if service == "dynamodb" and operation in DYNAMODB_ITEM_OPERATIONS:
        arn = f"arn:aws:dynamodb:{region}:{account}:table/{params['TableName']}"
        return [Need(f"dynamodb:{operation}", arn + (f"/index/{params['IndexName']}" if "IndexName" in params else ""))]
    if service == "mediaconvert" and operation == "CreateJob":
        queue = params.get("Queue") or f"arn:aws:mediaconvert:{region}:{account}:queues/Default"
        return [Need("mediaconvert:CreateJob", queue), Need("iam:PassRole", params["Role"])]
    if service == "mediaconvert" and operation in ("GetJob", "CancelJob"):
        return [Need(f"mediaconvert:{operation}", f"arn:aws:mediaconvert:{region}:{account}:jobs/{params['Id']}")]
    raise UnmappedOperation(f"{service}:{operation}")


def _as_list(value: Any) -> list[str]:
    return value if isinstance(value, list) else [value]


def _covers(statement: dict[str, Any], need: Need) -> bool:
    """Actions compare case-insensitively, ARNs case-sensitively; both take * and ? wildcards."""
    action = any(fnmatchcase(need.action.lower(), p.lower()) for p in _as_list(statement.get("Action", [])))
    return action and any(fnmatchcase(need.resource, p) for p in _as_list(statement.get("Resource", [])))


def granted(statements: list[dict[str, Any]], need: Need) -> bool:
    """True when an unconditional Allow covers the need and no Deny does."""
    if any(s["Effect"] == "Deny" and _covers(s, need) for s in statements):
        return False
    return any(s["Effect"] == "Allow" and "Condition" not in s and _covers(s, need) for s in statements)


def role_statements(role_properties: dict[str, Any]) -> list[dict[str, Any]]:
    """The inline policy statements of a resolved AWS::IAM::Role."""
    found = []
    for policy in role_properties.get("Policies", []):
        statements = policy["PolicyDocument"]["Statement"]
        found.extend(statements if isinstance(statements, list) else [statements])
    return found
