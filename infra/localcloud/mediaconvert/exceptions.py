"""MediaConvert's errors: API errors with AWS's wire shape, and job failures with AWS's codes."""

from __future__ import annotations

from localcloud.awserrors import AwsError


class MediaConvertApiError(AwsError):
    """An API error, answered in MediaConvert's rest-json shape (see localcloud.awserrors)."""

    status = 500
    code = "InternalServerErrorException"


class BadRequestException(MediaConvertApiError):
    """The request is malformed, invalid, or asks for a setting the local service does not run."""

    status = 400
    code = "BadRequestException"


class NotFoundException(MediaConvertApiError):
    """No job (or route) with that id."""

    status = 404
    code = "NotFoundException"


class ConflictException(MediaConvertApiError):
    """The job is in a state that does not allow the operation (e.g. cancel a finished job)."""

    status = 409
    code = "ConflictException"


class InternalServerErrorException(MediaConvertApiError):
    """An unexpected failure inside the local service."""


# Job error codes from AWS's "Error codes" page of the MediaConvert user guide.
INPUT_ERROR = 1010  # the service can't open the input (unreadable, not media)
VIDEO_ERROR = 1020  # the input has no video stream
AUDIO_ERROR = 1021  # an output wants audio but the input has none
UNSUPPORTED_CODEC = 1030  # the input codec/container can't be decoded
SETTINGS_ERROR = 1040  # the settings don't fit the input
SOURCE_READ_ERROR = 1076  # unexpected end of file while reading the input
FILE_NOT_FOUND = 1404  # the input object or a bucket doesn't exist
UNKNOWN_ERROR = 1999  # the transcoder failed unexpectedly (crash, kill, time limit)


class JobFailed(Exception):
    """A job ends in ERROR with MediaConvert's numeric code and a readable message."""

    def __init__(self, code: int, message: str) -> None:
        super().__init__(f"{code}: {message}")
        self.code = code
        self.message = message


class JobCanceled(Exception):
    """The job was canceled while it ran; its work stops and it ends CANCELED."""
