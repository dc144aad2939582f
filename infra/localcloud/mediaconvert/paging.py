"""MediaConvert's list pages: at most MaxResults items, and an opaque NextToken for the rest."""

from __future__ import annotations

import base64
from collections.abc import Sequence
from typing import TypeVar

from localcloud.mediaconvert import exceptions as errors

T = TypeVar("T")


def one_page(items: Sequence[T], max_results: int, next_token: str | None) -> tuple[list[T], str | None]:
    """The page of ``items`` that ``next_token`` starts (the first without one), and the next page's token."""
    try:
        start = int(base64.urlsafe_b64decode(next_token).decode()) if next_token else 0
    except ValueError as exc:
        raise errors.BadRequestException("NextToken is not valid") from exc
    end = start + max_results
    token = base64.urlsafe_b64encode(str(end).encode()).decode() if end < len(items) else None
    return list(items[start:end]), token
