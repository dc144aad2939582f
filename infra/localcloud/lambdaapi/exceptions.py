"""The Lambda API's errors, with the codes and statuses AWS answers."""

from __future__ import annotations

from localcloud.awserrors import AwsError


class ResourceNotFoundException(AwsError):
    """No such function (or version) in the local deployment."""

    code = "ResourceNotFoundException"
    status = 404


class InvalidRequestContentException(AwsError):
    """The invocation's payload is not JSON."""

    code = "InvalidRequestContentException"
    status = 400


class InvalidParameterValueException(AwsError):
    """A parameter Lambda would refuse (an unknown invocation type)."""

    code = "InvalidParameterValueException"
    status = 400


class ResourceConflictException(AwsError):
    """A function by that name exists already (the template defines it)."""

    code = "ResourceConflictException"
    status = 409
