"""Named errors: each says which rule was broken, so callers never parse messages."""

from __future__ import annotations


class PetTubeError(Exception):
    """Base of every error PetTube raises on purpose."""


class ConfigError(PetTubeError):
    """An environment variable the template should have set is missing or malformed."""


class MalformedEvent(PetTubeError):
    """An invocation whose event lacks what the function reads: not the event source it is wired to."""


class InvalidOriginalKey(PetTubeError):
    """An originals object whose key is not `{identity_id}/{video_id}/{file name}`."""


class DeleteFailed(PetTubeError):
    """S3 refused to delete some of a video's objects; the record stays ``deleting`` so the delete can finish later."""


class ApiError(PetTubeError):
    """An API failure the caller should see, with its HTTP status and stable error code."""

    STATUS_CODE = 500
    CODE = "InternalError"


class BadRequest(ApiError):
    """The request is malformed (bad limit, cursor, id or edit); the message names what is wrong."""

    STATUS_CODE = 400
    CODE = "BadRequest"


class Forbidden(ApiError):
    """No Cognito identity on the request: API Gateway's IAM auth was bypassed or misconfigured."""

    STATUS_CODE = 403
    CODE = "Forbidden"


class NotFound(ApiError):
    """No such video for this caller (another user's video is indistinguishable from none)."""

    STATUS_CODE = 404
    CODE = "NotFound"
