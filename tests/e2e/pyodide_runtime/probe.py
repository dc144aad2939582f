"""An upload from Pyodide through both urllib3 transports, before and after pyodide_fixes.apply().

The upload uses the S3 calls the page's botocore keeps (CreateMultipartUpload with a
Content-Type, UploadPart with a body, CompleteMultipartUpload with an XML body): the
calls whose headers and bodies urllib3's browser backend used to corrupt.

Awaited top-level code can suspend (JSPI), so urllib3 uses fetch; a call from a plain
JS callback (a timer here, a sync event handler in the app) cannot, so it uses a
synchronous XHR. The test reads every object back with CPython boto3.

It also says whether PyScript's own modules came compiled from the memory snapshot (its
set-up, which writes their files, skipped) and which of the page's were imported from the
bytecode beside them, rather than compiled.
"""

import asyncio
import importlib.util
import json
import os
import sys

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


def precompiled(name: str) -> bool:
    """The module's source has bytecode beside it that Python imports instead of compiling it:
    a checked-hash .pyc (PEP 552) of exactly that source."""
    spec = sys.modules[name].__spec__
    try:
        with open(spec.cached, "rb") as cached, open(spec.origin, "rb") as source:
            header, text = cached.read(16), source.read()
    except OSError:
        return False
    return int.from_bytes(header[4:8], "little") == 0b11 and header[8:16] == importlib.util.source_hash(text)


def imported_from_python(package: str) -> list[str]:
    """The package's modules made from Python sources (not those PyScript makes from JavaScript objects)."""
    return [name for name, module in sys.modules.items() if name.split(".")[0] == package
            and str(getattr(getattr(module, "__spec__", None), "origin", "")).endswith(".py")]


def from_snapshot(name: str) -> bool:
    """The module was imported from the code compiled into the memory snapshot (snapshot_warmup.py)."""
    compiled = sys.modules.get("_pettube_pyscript")
    return compiled is not None and sys.modules[name].__spec__.loader is compiled.package


results = {
    "pyscript": {name: from_snapshot(name) for name in imported_from_python("pyscript")},
    "pyscript-files-written": os.path.exists("pyscript/__init__.py"),
    "precompiled": {name: precompiled(name) for name in imported_from_python("app")},
}
results |= {"fetch-unfixed": put("fetch-unfixed.bin"), "xhr-unfixed": await put_from_js_callback("xhr-unfixed.bin")}
results["applied"] = pyodide_fixes.apply()
window.console.info("probe: fix applied")
results["fetch-fixed"] = put("fetch-fixed.bin")
results["xhr-fixed"] = await put_from_js_callback("xhr-fixed.bin")
document.body.dataset.result = json.dumps(results)
