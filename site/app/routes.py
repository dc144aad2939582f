"""The page's two places, named in the address's fragment: the workspace (``#/``) and a share link (``#/watch/<token>``).

A fragment never reaches a server: the token stays out of access logs and Referer
headers, and the static site needs no routing of its own.
"""

from __future__ import annotations

import re

WATCH_PREFIX = "#/watch/"
WORKSPACE = "#/"
# secrets.token_urlsafe(24) makes 32 URL-safe characters; anything else cannot be a share token.
_TOKEN = re.compile(r"[A-Za-z0-9_-]{16,128}")


def watch_token(fragment: str) -> str | None:
    """The share token a ``#/watch/<token>`` address names ("" when it names none that could exist); None elsewhere."""
    if not fragment.startswith(WATCH_PREFIX):
        return None
    token = fragment[len(WATCH_PREFIX):].strip("/")
    return token if _TOKEN.fullmatch(token) else ""
