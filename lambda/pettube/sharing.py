"""Share links: an unguessable token per shared video, carried in the site address's fragment.

The token is 24 random bytes (192 bits) from ``secrets``; it is stored as it is
(GET /media shows the link again, see docs/security.md). The link puts it after
``#``, so it never reaches a server's access log or a Referer header.
"""

from __future__ import annotations

import re
import secrets

TOKEN_BYTES = 24
_TOKEN = re.compile(r"[A-Za-z0-9_-]{32}")  # token_urlsafe(24): 32 URL-safe base64 characters


def new_share_token() -> str:
    """A fresh token: a new one every time a video becomes shared."""
    return secrets.token_urlsafe(TOKEN_BYTES)


def is_share_token(value: str) -> bool:
    """True when ``value`` could be a token this module issued (anything else names no video)."""
    return _TOKEN.fullmatch(value) is not None


def share_url(site_origin: str, token: str) -> str:
    """The address a guest opens: the site's watch route holding the token."""
    return f"{site_origin}/#/watch/{token}"
