"""Why a request's authentication or authorisation failed, independent of wire format.

The S3 guard and the local API Gateway both raise these; each front end turns
them into its own service's error shape (S3 XML, API Gateway JSON).
"""

from __future__ import annotations


class AuthError(Exception):
    """Base class: a request was refused before reaching the service."""


class MissingAuthentication(AuthError):
    """The request carries no SigV4 signature at all."""


class IncompleteSignature(AuthError):
    """The Authorization header or presigned query is malformed or lacks a part."""


class UnsupportedSignature(AuthError):
    """Signature Version 2 (or another scheme): S3 buckets created since 2020 accept only SigV4."""


class UnknownAccessKey(AuthError):
    """The access key id is neither the admin key nor one the local Cognito issued."""


class InvalidSessionToken(AuthError):
    """The session token is missing, forged or does not belong to the access key."""


class ExpiredSessionToken(AuthError):
    """The temporary credentials' one hour is over."""


class SignatureMismatch(AuthError):
    """The recomputed SigV4 signature differs: wrong secret, or the request was changed."""


class RequestExpired(AuthError):
    """A presigned URL past X-Amz-Expires, or a signed request too far from the clock."""

    def __init__(self, message: str, *, signed_at: str = "", expires: int | None = None) -> None:
        super().__init__(message)
        self.signed_at = signed_at
        self.expires = expires


class AccessDenied(AuthError):
    """The signer is known but no statement of its role's policy allows the action."""

    def __init__(self, message: str, *, principal_arn: str, action: str, resource: str) -> None:
        super().__init__(message)
        self.principal_arn = principal_arn
        self.action = action
        self.resource = resource
