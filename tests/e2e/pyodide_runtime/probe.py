"""An upload from Pyodide through both urllib3 transports, before and after pyodide_fixes.apply().

The upload uses the S3 calls the page's botocore keeps (CreateMultipartUpload with a
Content-Type, UploadPart with a body, CompleteMultipartUpload with an XML body): the
calls whose headers and bodies urllib3's browser backend used to corrupt.

Awaited top-level code can suspend (JSPI), so urllib3 uses fetch; a call from a plain
JS callback (a timer here, a sync event handler in the app) cannot, so it uses a
synchronous XHR. The test reads every object back with CPython boto3.
"""

import asyncio
import json

import boto3
from botocore.config import Config
from app import pyodide_fixes
from pyodide.ffi import create_once_callable
from pyscript import document, window

query = window.URL.new(window.location.href).searchParams
BODY = bytes(range(256)) + "PetTube vidéo".encode()
s3 = boto3.client(
    "s3",
    endpoint_url=query.get("endpoint"),
    region_name="us-east-1",
    aws_access_key_id="testing",
    aws_secret_access_key="testing",
    config=Config(retries={"total_max_attempts": 1}),  # one attempt: the unfixed calls fail fast
)


def put(key: str) -> str:
    """Upload BODY as video/mp4 in one part; the outcome as text (an unfixed call may fail)."""
    bucket = query.get("bucket")
    try:
        upload_id = s3.create_multipart_upload(Bucket=bucket, Key=key, ContentType="video/mp4")["UploadId"]
        part = s3.upload_part(Bucket=bucket, Key=key, UploadId=upload_id, PartNumber=1, Body=BODY)
        s3.complete_multipart_upload(Bucket=bucket, Key=key, UploadId=upload_id,
                                     MultipartUpload={"Parts": [{"ETag": part["ETag"], "PartNumber": 1}]})
    except Exception as error:  # the report names it; the test decides
        return f"{type(error).__name__}: {error}"
    return "ok"


def put_from_js_callback(key: str) -> asyncio.Future:
    """Run put() from a JS timer callback, where JSPI cannot suspend: the XHR transport."""
    future = asyncio.get_running_loop().create_future()
    window.setTimeout(create_once_callable(lambda: future.set_result(put(key))), 0)
    return future


results = {"fetch-unfixed": put("fetch-unfixed.bin"), "xhr-unfixed": await put_from_js_callback("xhr-unfixed.bin")}
results["applied"] = pyodide_fixes.apply()
window.console.info("probe: fix applied")
results["fetch-fixed"] = put("fetch-fixed.bin")
results["xhr-fixed"] = await put_from_js_callback("xhr-fixed.bin")
document.body.dataset.result = json.dumps(results)
