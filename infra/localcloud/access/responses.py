"""Refusals in the wire format of the service the request was meant for.

Which AWS error each AuthError is (code, status, message) per protocol; the
shapes themselves come from localcloud.awserrors. Codes and messages are AWS's own.
"""

from __future__ import annotations

from werkzeug.wrappers import Request, Response

from localcloud.access import errors
from localcloud.access.sigv4 import signing_service, timestamp_of
from localcloud.awserrors import (
    AwsError,
    Protocol,
    json_content_type,
    json_response,
    protocol_of,
    query_response,
    rest_json_response,
    s3_response,
)

_INVALID_TOKEN = "The security token included in the request is invalid."
_INVALID_SIGNATURE = ("The request signature we calculated does not match the signature you provided. Check your "
                      "AWS Secret Access Key and signing method. Consult the service documentation for details.")
# error class -> (S3 code, S3 status, S3 message; None: the error's own)
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
# error class -> (code, status, message) for JSON services (DynamoDB, Cognito, API Gateway...)
_JSON = {
    errors.MissingAuthentication: ("MissingAuthenticationTokenException", 403, None),
    errors.IncompleteSignature: ("IncompleteSignatureException", 400, None),
    errors.UnsupportedSignature: ("IncompleteSignatureException", 400, None),
    errors.UnknownAccessKey: ("UnrecognizedClientException", 400, _INVALID_TOKEN),
    errors.InvalidSessionToken: ("UnrecognizedClientException", 400, _INVALID_TOKEN),
    errors.ExpiredSessionToken: ("ExpiredTokenException", 400, None),
    errors.SignatureMismatch: ("InvalidSignatureException", 400, _INVALID_SIGNATURE),
    errors.RequestExpired: ("InvalidSignatureException", 400, None),
    errors.AccessDenied: ("AccessDeniedException", 400, None),
}


def _s3_error(error: errors.AuthError, request: Request, *, now: float) -> Response:
    """S3's XML error document for a refused request."""
    code, status, message = _S3[type(error)]
    details: dict[str, str | int] = {}
    if isinstance(error, errors.RequestExpired) and error.args[0] == "Signature expired":
        # A header-signed request outside the 15-minute window.
        code = "RequestTimeTooSkewed"
        message = "The difference between the request time and the current time is too large."
    elif isinstance(error, errors.RequestExpired) and error.expires is not None:
        details = {"X-Amz-Expires": error.expires, "Expires": error.signed_at, "ServerTime": timestamp_of(now)}
    details["Resource"] = request.path
    return s3_response(AwsError(message or str(error), code=code, status=status), details=details)


def json_error(error: errors.AuthError) -> AwsError:
    """The error a JSON-protocol service (DynamoDB, Cognito, API Gateway...) answers ``error`` with."""
    code, status, message = _JSON[type(error)]
    return AwsError(message or str(error), code=code, status=status)


def refusal(error: errors.AuthError, request: Request, *, now: float) -> Response:
    """The refusal in the protocol of the service the request was meant for."""
    protocol = protocol_of(request, signing_service(request))
    if protocol is Protocol.S3:
        return _s3_error(error, request, now=now)
    refused = json_error(error)
    if protocol is Protocol.JSON:
        return json_response(refused, content_type=json_content_type(request))
    if protocol is Protocol.QUERY:
        # Query services drop the "Exception" suffix (AccessDenied, IncompleteSignature...).
        return query_response(AwsError(refused.message, code=refused.code.removesuffix("Exception"),
                                       status=refused.status))
    return rest_json_response(refused)


def control_plane_error(error: errors.AuthError) -> Response:
    """A refusal on moto's /moto-api/ (no AWS service): JSON with the code a JSON-protocol service would use."""
    refused = json_error(error)
    if isinstance(error, (errors.AccessDenied, errors.MissingAuthentication)):
        refused.status = 403
    return json_response(refused, content_type="application/json")
