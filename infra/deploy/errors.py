"""Named failures of a deployment, each with a message a newcomer can act on."""

from __future__ import annotations


class DeployError(Exception):
    """Base: the command stops and prints this message (no traceback)."""


class SettingsError(DeployError):
    """A parameter is missing or malformed; raised before anything is created."""


class PrerequisiteError(DeployError):
    """Something the deployment needs is not there (credentials, the built site)."""


class PackagingError(DeployError):
    """The Lambda package could not be built (dependency install failed)."""


class TemplateError(DeployError):
    """The template cannot be translated or is too large to send."""


class StackStateError(DeployError):
    """The stack is in a state CloudFormation cannot change (busy, failed create)."""


class ChangeSetError(DeployError):
    """CloudFormation refused the change set."""


class StackFailedError(DeployError):
    """Applying the change set failed and CloudFormation rolled back."""
