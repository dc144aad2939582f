"""AWS's error wire shapes, written once for every service, guard and fault of the local cloud.

An ``AwsError`` is moto's ``ServiceException`` (AWS's error ``code`` and
``message``) plus the HTTP status AWS answers with. Each ``*_response`` puts one
on the wire in one protocol's shape, which botocore parses back into a
``ClientError`` with that ``Error.Code`` and ``Error.Message``:

- S3 (rest-xml): ``<Error><Code/><Message/>...<RequestId/></Error>``, with S3's
  extra members (``Resource``, ``ServerTime``...) where S3 adds them;
- awsJson 1.0/1.1 (``X-Amz-Target``: DynamoDB, SQS, Cognito...): ``{"__type", "message"}``;
- rest-json (MediaConvert, API Gateway): ``{"message"}`` with ``x-amzn-ErrorType``;
- query (form POSTs: STS, IAM): ``<ErrorResponse><Error><Type/><Code/><Message/></Error>``.

moto's ``JsonRESTError`` is a werkzeug ``HTTPException`` whose ``code`` is the
HTTP status, and its XML sibling is private to moto; ``ServiceException`` is the
base moto's own services now raise, so PetTube's errors share its meaning of
``code`` and ``message``.
"""

from __future__ import annotations

import json
import uuid
from collections.abc import Mapping
from enum import Enum

import xmltodict
from moto.core.exceptions import ServiceException
from werkzeug.wrappers import Request, Response

_JSON_1_0 = "application/x-amz-json-1.0"


class AwsError(ServiceException):
    """An error as AWS reports it; subclasses set ``code`` (and ``status``) as class attributes."""

    status = 400

    def __init__(self, message: str | None = None, *, code: str | None = None, status: int | None = None) -> None:
        if code is not None:
            self.code = code
        if status is not None:
            self.status = status
        super().__init__(*(() if message is None else (message,)))


class Protocol(Enum):
    """The wire protocols the edge answers in."""

    S3 = "rest-xml"
    JSON = "json"
    REST_JSON = "rest-json"
    QUERY = "query"


def protocol_of(request: Request, service: str | None) -> Protocol:
    """The protocol of a request to ``service`` (its SigV4 scope's service; None when unsigned).

    Everything on the edge without an X-Amz-Target, form body or other
    service's signature is S3 (path-style, the only REST-XML service here).
    """
    if request.headers.get("X-Amz-Target"):
        return Protocol.JSON
    if request.method == "POST" and request.mimetype == "application/x-www-form-urlencoded" and request.path == "/":
        return Protocol.QUERY
    return Protocol.S3 if service in (None, "s3") else Protocol.REST_JSON


def _request_id() -> str:
    return str(uuid.uuid4())


def json_content_type(request: Request) -> str:
    """awsJson answers in the version it was asked in (DynamoDB 1.0, Cognito 1.1...)."""
    asked = request.mimetype
    return asked if asked.startswith("application/x-amz-json") else _JSON_1_0


def s3_response(error: AwsError, *, details: Mapping[str, str | int] | None = None) -> Response:
    """S3's XML error document; ``details`` are the extra members S3 puts after the message."""
    request_id = uuid.uuid4().hex[:16].upper()  # S3's request ids are 16 upper-case hex digits
    document = {"Error": {"Code": error.code, "Message": error.message, **(details or {}), "RequestId": request_id}}
    return Response(xmltodict.unparse(document), status=error.status, content_type="application/xml",
                    headers={"x-amz-request-id": request_id})


def json_response(error: AwsError, *, content_type: str = _JSON_1_0) -> Response:
    """The awsJson shape (``__type`` names the error; the header too, for clients that read only it)."""
    return Response(json.dumps({"__type": error.code, "message": error.message}), status=error.status,
                    content_type=content_type,
                    headers={"x-amzn-RequestId": _request_id(), "x-amzn-ErrorType": error.code})


def rest_json_response(error: AwsError, *, message_key: str = "message") -> Response:
    """The rest-json shape: the code travels in ``x-amzn-ErrorType`` only (API Gateway spells some ``Message``)."""
    return Response(json.dumps({message_key: error.message}), status=error.status, content_type="application/json",
                    headers={"x-amzn-RequestId": _request_id(), "x-amzn-ErrorType": error.code})


def query_response(error: AwsError) -> Response:
    """The query protocol's ``<ErrorResponse>`` (STS, IAM, and any form-encoded POST)."""
    document = {"ErrorResponse": {"Error": {"Type": "Sender" if error.status < 500 else "Receiver",
                                            "Code": error.code, "Message": error.message},
                                  "RequestId": _request_id()}}
    return Response(xmltodict.unparse(document), status=error.status, content_type="text/xml")


def response_for(error: AwsError, request: Request, service: str | None) -> Response:
    """``error`` in the shape the request's protocol uses (awsJson answers in the version it was asked in)."""
    protocol = protocol_of(request, service)
    if protocol is Protocol.S3:
        return s3_response(error)
    if protocol is Protocol.JSON:
        return json_response(error, content_type=json_content_type(request))
    if protocol is Protocol.QUERY:
        return query_response(error)
    return rest_json_response(error)
