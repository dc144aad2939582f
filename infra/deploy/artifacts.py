"""The artifacts bucket: where the Lambda zip waits for CloudFormation, private and encrypted."""

from __future__ import annotations

import json
from typing import Any

from botocore.exceptions import ClientError

from deploy.package import LambdaPackage


def bucket_name(account_id: str, region: str) -> str:
    """One bucket per account and region, shared by every stage (bucket names are global)."""
    return f"pettube-artifacts-{account_id}-{region}"


def _tls_only_policy(bucket: str) -> str:
    return json.dumps({
        "Version": "2012-10-17",
        "Statement": [{
            "Sid": "TlsOnly",
            "Effect": "Deny",
            "Principal": "*",
            "Action": "s3:*",
            "Resource": [f"arn:aws:s3:::{bucket}", f"arn:aws:s3:::{bucket}/*"],
            "Condition": {"Bool": {"aws:SecureTransport": "false"}},
        }],
    })


def ensure_bucket(s3: Any, bucket: str, region: str) -> bool:
    """Create the bucket if missing, locked down (no public access, SSE, TLS only); True if created."""
    try:
        s3.head_bucket(Bucket=bucket)
        return False
    except ClientError as exc:
        if exc.response["Error"]["Code"] not in ("404", "NoSuchBucket"):
            raise
    # us-east-1 is the one region that refuses an explicit LocationConstraint.
    location = {} if region == "us-east-1" else {"CreateBucketConfiguration": {"LocationConstraint": region}}
    s3.create_bucket(Bucket=bucket, ObjectOwnership="BucketOwnerEnforced", **location)
    s3.put_public_access_block(Bucket=bucket, PublicAccessBlockConfiguration={
        "BlockPublicAcls": True, "IgnorePublicAcls": True,
        "BlockPublicPolicy": True, "RestrictPublicBuckets": True,
    })
    s3.put_bucket_encryption(Bucket=bucket, ServerSideEncryptionConfiguration={
        "Rules": [{"ApplyServerSideEncryptionByDefault": {"SSEAlgorithm": "AES256"}}],
    })
    s3.put_bucket_policy(Bucket=bucket, Policy=_tls_only_policy(bucket))
    return True


def upload_package(s3: Any, bucket: str, package: LambdaPackage) -> bool:
    """Upload the zip unless that exact build is already there; True if uploaded."""
    try:
        s3.head_object(Bucket=bucket, Key=package.key)
        return False
    except ClientError as exc:
        if exc.response["Error"]["Code"] not in ("404", "NoSuchKey"):
            raise
    s3.upload_file(str(package.path), bucket, package.key)
    return True


def code_uri(bucket: str, package: LambdaPackage) -> str:
    """The s3:// URI that replaces the template's CodeUri ../lambda/."""
    return f"s3://{bucket}/{package.key}"


