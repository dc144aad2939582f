"""Refusals in the wire format of the service the request was meant for.

S3 answers with its XML ``<Error>`` document; JSON-protocol services (requests
with X-Amz-Target) with ``{"__type", "message"}``; query-protocol services
(SQS, STS, IAM) with an ``<ErrorResponse>``. Codes and messages are AWS's own.
"""

from __future__ import annotations

import json
import uuid
from xml.sax.saxutils import escape

from werkzeug.wrappers import Request, Response

from localcloud.access import errors
from localcloud.access.sigv4 import timestamp_of

# error class -> (S3 code, S3 status, S3 message)
_S3 = {
    errors.MissingAuthentication: ("AccessDenied", 403, "Access Denied"),
    errors.IncompleteSignature: ("AuthorizationQueryParametersError", 400, None),
    errors.UnsupportedSignature: ("InvalidRequest", 400, None),
    errors.UnknownAccessKey: ("InvalidAccessKeyId", 403,
                              "The AWS Access Key Id you provided does not exist in our records."),
    errors.InvalidSessionToken: ("InvalidToken", 400, "The provided token is malformed or otherwise invalid."),
    errors.ExpiredSessionToken: ("ExpiredToken", 400, "The provided token has expired."),
    errors.SignatureMismatch: ("SignatureDoesNotMatch", 403,
                               "The request signature we calculated does not match the signature you provided. "
                               "Check your key and signing method."),
    errors.RequestExpired: ("AccessDenied", 403, None),
    errors.AccessDenied: ("AccessDenied", 403, None),
}
# error class -> (code for JSON/query services, status)
_OTHER = {
    errors.MissingAuthentication: ("MissingAuthenticationTokenException", 403),
    errors.IncompleteSignature: ("IncompleteSignatureException", 400),
    errors.UnsupportedSignature: ("IncompleteSignatureException", 400),
    errors.UnknownAccessKey: ("UnrecognizedClientException", 400),
    errors.InvalidSessionToken: ("UnrecognizedClientException", 400),
    errors.ExpiredSessionToken: ("ExpiredTokenException", 400),
    errors.SignatureMismatch: ("InvalidSignatureException", 400),
    errors.RequestExpired: ("InvalidSignatureException", 400),
    errors.AccessDenied: ("AccessDeniedException", 400),
}


def _s3_code(error: errors.AuthError) -> tuple[str, int, str]:
    code, status, message = _S3[type(error)]
    if isinstance(error, errors.RequestExpired) and error.args[0] == "Signature expired":
        # A header-signed request outside the 15-minute window.
        return "RequestTimeTooSkewed", 403, "The difference between the request time and the current time is too large."
    return code, status, message or str(error)


def s3_error(error: errors.AuthError, request: Request, *, now: float) -> Response:
    """S3's XML error document for a refused request."""
    code, status, message = _s3_code(error)
    extra = ""
    if isinstance(error, errors.RequestExpired) and error.expires is not None:
        extra = (f"<X-Amz-Expires>{error.expires}</X-Amz-Expires><Expires>{error.signed_at}</Expires>"
                 f"<ServerTime>{timestamp_of(now)}</ServerTime>")
    body = (f'<?xml version="1.0" encoding="UTF-8"?>\n<Error><Code>{code}</Code>'
            f"<Message>{escape(message)}</Message>{extra}<Resource>{escape(request.path)}</Resource>"
            f"<RequestId>{uuid.uuid4().hex[:16].upper()}</RequestId></Error>")
    return Response(body, status=status, content_type="application/xml")


def service_error(error: errors.AuthError, request: Request) -> Response:
    """The error shape of a JSON- or query-protocol service (DynamoDB, SQS, STS, ...)."""
    code, status = _OTHER[type(error)]
    message = str(error)
    if request.headers.get("X-Amz-Target"):
        return Response(json.dumps({"__type": code, "message": message}), status=status,
                        content_type="application/x-amz-json-1.0", headers={"x-amzn-ErrorType": code})
    body = (f"<ErrorResponse><Error><Type>Sender</Type><Code>{code.removesuffix('Exception')}</Code>"
            f"<Message>{escape(message)}</Message></Error><RequestId>{uuid.uuid4()}</RequestId></ErrorResponse>")
    return Response(body, status=status, content_type="text/xml")


def control_plane_error(error: errors.AuthError) -> Response:
    """A refusal on moto's /moto-api/ (no AWS service): JSON with the code a JSON-protocol service would use."""
    code, status = _OTHER[type(error)]
    status = 403 if isinstance(error, (errors.AccessDenied, errors.MissingAuthentication)) else status
    return Response(json.dumps({"__type": code, "message": str(error)}), status=status,
                    content_type="application/json", headers={"x-amzn-ErrorType": code})
