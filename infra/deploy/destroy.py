"""Tear a stage down: empty its buckets (CloudFormation cannot delete full ones), then delete the stack."""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any

from botocore.exceptions import ClientError

from deploy import changeset
from deploy.errors import StackStateError

# The stack outputs naming the buckets that hold objects at tear-down time.
BUCKET_OUTPUTS = ("SiteBucketName", "OriginalsBucketName", "TranscodedBucketName")


def empty_bucket(s3: Any, bucket: str) -> int:
    """Delete every object and unfinished multipart upload; the number of objects deleted."""
    deleted = 0
    try:
        for page in s3.get_paginator("list_objects_v2").paginate(Bucket=bucket):
            keys = [{"Key": item["Key"]} for item in page.get("Contents", [])]
            if keys:  # at most 1000 per page, DeleteObjects' own limit
                s3.delete_objects(Bucket=bucket, Delete={"Objects": keys, "Quiet": True})
                deleted += len(keys)
        for page in s3.get_paginator("list_multipart_uploads").paginate(Bucket=bucket):
            for upload in page.get("Uploads", []):
                s3.abort_multipart_upload(Bucket=bucket, Key=upload["Key"], UploadId=upload["UploadId"])
    except ClientError as exc:
        if exc.response["Error"]["Code"] != "NoSuchBucket":
            raise
    return deleted


def destroy(cfn: Any, s3: Any, stack_name: str, *, report: Callable[[str], None] = print,
            sleep: Callable[[float], None] = time.sleep) -> bool:
    """Delete the stage's stack and everything in it; False when there was no stack."""
    status = changeset.stack_status(cfn, stack_name)
    if status is None:
        return False
    if status.endswith("_IN_PROGRESS") and status != "REVIEW_IN_PROGRESS":
        raise StackStateError(f"stack {stack_name} is busy ({status}); wait for it to finish and retry")
    outputs, _ = changeset.outputs(cfn, stack_name)
    for key in BUCKET_OUTPUTS:
        if key in outputs:
            report(f"  emptied {outputs[key]}: {empty_bucket(s3, outputs[key])} object(s)")
    cfn.delete_stack(StackName=stack_name)
    changeset.wait(cfn, stack_name, {"DELETE_COMPLETE"}, report=report, sleep=sleep)
    return True
