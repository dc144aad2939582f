"""Fault injection on the edge: make the next matching AWS call fail as AWS would.

For testing what a handler does on the bad day (DynamoDB throttling, an S3
500, a MediaConvert rejection) without patching its code: the edge answers
matching requests with the service's own error shape (localcloud.awserrors:
S3 XML, awsJson, rest-json or query, by the request), a given number of times,
then lets requests through again. Requests are matched by the service of their
SigV4 scope and their operation, read with the access guard's parsers.

    cloud.faults.inject(service="dynamodb", operation="UpdateItem",
                        code="ProvisionedThroughputExceededException", times=1)
"""

from __future__ import annotations

import threading
from dataclasses import dataclass

from werkzeug.wrappers import Request, Response

from localcloud.access.s3actions import UnmappedS3Request
from localcloud.access.s3actions import operation as s3_operation
from localcloud.access.sigv4 import signing_service
from localcloud.awserrors import AwsError, response_for
from localcloud.controlplane import route


def operation_of(request: Request, service: str | None) -> str | None:
    """The API operation a request to ``service`` calls, for the protocols PetTube uses."""
    target = request.headers.get("X-Amz-Target")
    if target:
        return target.rsplit(".", 1)[-1]
    if service == "s3":
        try:
            return s3_operation(request).name
        except UnmappedS3Request:
            return None
    if service == "mediaconvert":
        routed = route("mediaconvert", request)
        return routed[0].name if routed else None
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
        service = signing_service(request)
        operation = operation_of(request, service)
        with self._lock:
            for fault in self._faults:
                if fault.service == service and fault.operation in (None, operation):
                    fault.remaining -= 1
                    if fault.remaining <= 0:
                        self._faults.remove(fault)
                    self.injected += 1
                    return response_for(AwsError(fault.message, code=fault.code, status=fault.status),
                                        request, service)
        return None

