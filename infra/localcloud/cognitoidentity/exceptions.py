"""Cognito Identity's error types, with its status codes, so boto3 raises the same ClientError."""

from __future__ import annotations


class CognitoIdentityError(Exception):
    """Base class; ``code`` is the ``__type`` AWS returns."""

    code = "InternalErrorException"
    status = 400

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


class NotAuthorizedException(CognitoIdentityError):
    """A login token failed validation, or logins do not match the identity."""

    code = "NotAuthorizedException"


class ResourceNotFoundException(CognitoIdentityError):
    """Unknown identity pool or identity."""

    code = "ResourceNotFoundException"


class InvalidParameterException(CognitoIdentityError):
    """A required parameter is missing or malformed."""

    code = "InvalidParameterException"


class ResourceConflictException(CognitoIdentityError):
    """The logins belong to different identities."""

    code = "ResourceConflictException"


class UnknownOperationException(CognitoIdentityError):
    """An operation the local Cognito Identity does not offer."""

    code = "UnknownOperationException"
