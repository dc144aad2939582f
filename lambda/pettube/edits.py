"""What an owner may change on a video (``PATCH /media/{id}``), checked before anything is written.

Every refusal is a ``BadRequest`` whose message names the field and the rule, so
the page can show it as it is.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

from pettube.errors import BadRequest
from pettube.model import MAX_DESCRIPTION, MAX_TITLE, Visibility

FIELDS = ("title", "description", "visibility")
_SHAPE = "The body must be a JSON object with any of: " + ", ".join(FIELDS) + "."


@dataclass(frozen=True)
class VideoEdit:
    """The changes one PATCH asks for; None leaves a field as it is."""

    title: str | None = None
    description: str | None = None
    visibility: Visibility | None = None


def parse_edit(body: str | None) -> VideoEdit:
    """The edit a request body asks for, trimmed and checked; BadRequest names what is wrong."""
    try:
        fields = json.loads(body or "")
    except ValueError:
        raise BadRequest(_SHAPE) from None
    if not isinstance(fields, dict):
        raise BadRequest(_SHAPE)
    unknown = sorted(set(fields) - set(FIELDS))
    if unknown:
        raise BadRequest(f"Unknown field {', '.join(map(repr, unknown))}: only {', '.join(FIELDS)} can be changed.")
    if not fields:
        raise BadRequest("Nothing to change: " + _SHAPE[0].lower() + _SHAPE[1:])
    return VideoEdit(
        title=_text(fields, "title", 1, MAX_TITLE),
        description=_text(fields, "description", 0, MAX_DESCRIPTION),
        visibility=_visibility(fields),
    )


def _text(fields: dict[str, Any], name: str, shortest: int, longest: int) -> str | None:
    if name not in fields:
        return None
    value = fields[name]
    if not isinstance(value, str):
        raise BadRequest(f"{name} must be a string.")
    value = value.strip()
    if len(value) < shortest:
        raise BadRequest(f"{name} must not be empty.")
    if len(value) > longest:
        raise BadRequest(f"{name} must be at most {longest} characters (this one has {len(value)}).")
    return value


def _visibility(fields: dict[str, Any]) -> Visibility | None:
    if "visibility" not in fields:
        return None
    value = fields["visibility"]
    if value not in {str(v) for v in Visibility}:
        raise BadRequest('visibility must be "private" or "link".')
    return Visibility(value)
