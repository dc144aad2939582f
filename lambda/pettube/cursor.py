"""Opaque pagination cursors for the MyMedia listing.

A cursor holds only the last item's ``created_at`` and ``video_id``; the owner
part of DynamoDB's start key is always the caller's own identity, so a cursor
copied from another user's session can never reach into their videos.
"""

from __future__ import annotations

import base64
import binascii
import json

from pettube.errors import BadRequest
from pettube.layout import is_video_id
from pettube.model import TIMESTAMP


def encode_cursor(after: tuple[str, str]) -> str:
    """A URL-safe token for the position after (created_at, video_id)."""
    return base64.urlsafe_b64encode(json.dumps(list(after)).encode()).rstrip(b"=").decode()


def decode_cursor(token: str) -> tuple[str, str]:
    """The position a token names; BadRequest for anything this API did not hand out."""
    try:
        value = json.loads(base64.urlsafe_b64decode(token + "=" * (-len(token) % 4)))
    except (binascii.Error, ValueError, UnicodeDecodeError):
        raise BadRequest("The cursor is not one this API handed out.") from None
    if (not isinstance(value, list) or len(value) != 2 or not all(isinstance(v, str) for v in value)
            or not TIMESTAMP.fullmatch(value[0]) or not is_video_id(value[1])):
        raise BadRequest("The cursor is not one this API handed out.")
    return value[0], value[1]
