"""Cognito Identity's error types, so boto3 raises the same ClientError as against AWS."""

from __future__ import annotations

from localcloud.awserrors import AwsError


class CognitoIdentityError(AwsError):
    """Base class; ``code`` is the ``__type`` AWS returns (Cognito Identity answers 400)."""

    code = "InternalErrorException"


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


class InvalidIdentityPoolConfigurationException(CognitoIdentityError):
    """The pool attaches no role for this kind of identity."""

    code = "InvalidIdentityPoolConfigurationException"
