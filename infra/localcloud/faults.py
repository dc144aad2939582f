"""Fault injection on the edge: make the next matching AWS call fail as AWS would.

For testing what a handler does on the bad day (DynamoDB throttling, an S3
500, a MediaConvert rejection) without patching its code: the edge answers
matching requests with the service's own error shape, a given number of
times, then lets requests through again.

    cloud.faults.inject(service="dynamodb", operation="UpdateItem",
                        code="ProvisionedThroughputExceededException", times=1)
"""

from __future__ import annotations

import json
import threading
import uuid
from dataclasses import dataclass

from werkzeug.wrappers import Request, Response

# S3 REST requests (path-style) -> operation names as in the S3 API reference.
_S3_OPERATIONS = {
    ("GET", "object", ""): "GetObject", ("HEAD", "object", ""): "HeadObject",
    ("PUT", "object", ""): "PutObject", ("DELETE", "object", ""): "DeleteObject",
    ("POST", "object", "uploads"): "CreateMultipartUpload", ("PUT", "object", "uploadId"): "UploadPart",
    ("POST", "object", "uploadId"): "CompleteMultipartUpload", ("DELETE", "object", "uploadId"): "AbortMultipartUpload",
    ("GET", "object", "uploadId"): "ListParts", ("GET", "bucket", ""): "ListObjectsV2",
    ("GET", "bucket", "uploads"): "ListMultipartUploads", ("POST", "bucket", "delete"): "DeleteObjects",
}


def signing_service(request: Request) -> str | None:
    """The service a request is signed for (SigV4 credential scope), as AWS routes it."""
    credential = request.args.get("X-Amz-Credential", "")
    if not credential:
        auth = request.headers.get("Authorization", "")
        credential = auth.split("Credential=", 1)[1].split(",", 1)[0] if "Credential=" in auth else ""
    parts = credential.split("/")
    return parts[3] if len(parts) == 5 else None


def operation_of(request: Request) -> str | None:
    """The API operation a request calls, for the protocols PetTube uses."""
    target = request.headers.get("X-Amz-Target")
    if target:
        return target.rsplit(".", 1)[-1]
    if signing_service(request) == "s3":
        path = request.path.lstrip("/")
        kind = "object" if "/" in path and path.split("/", 1)[1] else "bucket"
        sub = next((s for s in ("uploadId", "uploads", "delete") if s in request.args), "")
        return _S3_OPERATIONS.get((request.method, kind, sub))
    if request.path.startswith("/2017-08-29/jobs"):  # MediaConvert's REST paths
        return {"POST": "CreateJob", "DELETE": "CancelJob"}.get(request.method, "GetJob")
    return None


@dataclass
class Fault:
    service: str
    operation: str | None
    code: str
    status: int
    message: str
    remaining: int


class FaultInjector:
    """Answers matching requests with an AWS error; checked by the edge before anything else."""

    def __init__(self) -> None:
        self._faults: list[Fault] = []
        self._lock = threading.Lock()
        self.injected = 0  # how many requests were failed, for tests to assert on

    def inject(self, service: str, code: str, *, operation: str | None = None, status: int = 400,
               message: str = "Injected fault", times: int = 1) -> Fault:
        """Fail the next ``times`` requests to ``service`` (and ``operation``, if given)."""
        fault = Fault(service, operation, code, status, message, times)
        with self._lock:
            self._faults.append(fault)
        return fault

    def clear(self) -> None:
        with self._lock:
            self._faults.clear()

    def check(self, request: Request) -> Response | None:
        if not self._faults:  # the fast path: nothing injected
            return None
        service, operation = signing_service(request), operation_of(request)
        with self._lock:
            for fault in self._faults:
                if fault.service == service and fault.operation in (None, operation):
                    fault.remaining -= 1
                    if fault.remaining <= 0:
                        self._faults.remove(fault)
                    self.injected += 1
                    return _error_response(request, fault)
        return None


def _error_response(request: Request, fault: Fault) -> Response:
    request_id = str(uuid.uuid4())
    if fault.service == "s3":
        body = (f'<?xml version="1.0" encoding="UTF-8"?><Error><Code>{fault.code}</Code>'
                f"<Message>{fault.message}</Message><RequestId>{request_id}</RequestId></Error>")
        return Response(body, status=fault.status, mimetype="application/xml",
                        headers={"x-amz-request-id": request_id})
    # JSON protocols: __type for the awsJson services, x-amzn-ErrorType for REST-JSON ones.
    body = json.dumps({"__type": fault.code, "message": fault.message})
    return Response(body, status=fault.status, mimetype="application/x-amz-json-1.0",
                    headers={"x-amzn-RequestId": request_id, "x-amzn-ErrorType": fault.code})
