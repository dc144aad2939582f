"""When the page must fetch new presigned URLs: each one says when it was signed and for how long.

A SigV4 presigned URL carries ``X-Amz-Date`` (signing time, UTC) and ``X-Amz-Expires``
(seconds), so the page needs no setting of its own: the API's URL lifetime (the
template's UrlExpirySeconds) is read from the URLs themselves.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Awaitable, Callable, Iterable
from datetime import datetime, timedelta, timezone
from typing import Any
from urllib.parse import parse_qs, urlsplit

# Renew a fifth of a URL's life before it ends, at most five minutes before.
RENEW_FRACTION = 0.2
MAX_MARGIN_SECONDS = 300.0


def url_lifetime(url: str) -> tuple[datetime, float] | None:
    """When a presigned URL was signed and how many seconds it lives; None for any other URL."""
    query = parse_qs(urlsplit(url).query)
    try:
        signed = datetime.strptime(query["X-Amz-Date"][0], "%Y%m%dT%H%M%SZ").replace(tzinfo=timezone.utc)
        return signed, float(query["X-Amz-Expires"][0])
    except (KeyError, IndexError, ValueError):
        return None


def renew_at(url: str) -> datetime | None:
    """The moment to replace this URL: before it expires, with a margin proportional to its life."""
    lifetime = url_lifetime(url)
    if lifetime is None:
        return None
    signed, seconds = lifetime
    return signed + timedelta(seconds=seconds - min(MAX_MARGIN_SECONDS, seconds * RENEW_FRACTION))


def url_due(url: str, now: datetime) -> bool:
    """True once a presigned URL should have been replaced (a player still loading it will soon be refused)."""
    moment = renew_at(url)
    return moment is not None and moment <= now


def seconds_until_renewal(urls: Iterable[str], now: datetime) -> float | None:
    """Seconds until the first of these URLs needs replacing (0 when overdue); None when none will expire."""
    moments = [moment for moment in map(renew_at, urls) if moment is not None]
    return max(0.0, (min(moments) - now).total_seconds()) if moments else None


# A URL that fails again this soon after being replaced is broken, not expired: do not loop.
RECOVERY_GAP_SECONDS = 10.0
# Never re-list more often than this for URLs, whatever a skewed clock says.
MIN_RENEW_SECONDS = 15.0


class Recoveries:
    """Allows a player one fresh-URL recovery at a time, and then none for ``gap`` seconds."""

    def __init__(self, gap: float = RECOVERY_GAP_SECONDS, clock: Callable[[], float] = time.monotonic) -> None:
        self.gap = gap
        self._clock = clock
        self._last: dict[str, float] = {}
        self._running: set[str] = set()

    def recovering(self, player: str) -> bool:
        """A recovery of this player is under way: its other troubles until then are the same one."""
        return player in self._running

    def allow(self, player: str) -> bool:
        """True (and the recovery begun) unless this player recovered less than ``gap`` seconds ago."""
        last = self._last.get(player)
        if player in self._running or (last is not None and self._clock() - last < self.gap):
            return False
        self._running.add(player)
        return True

    def done(self, player: str) -> None:
        """The recovery ended: the gap counts from the fresh URLs, not from the trouble."""
        self._running.discard(player)
        self._last[player] = self._clock()


async def keep_fresh(
    urls: Callable[[], Iterable[str]],
    renew: Callable[[], Awaitable[bool]],
    *,
    sleep: Callable[[float], Awaitable[Any]] = asyncio.sleep,
    now: Callable[[], datetime] = lambda: datetime.now(timezone.utc),
    floor: float = MIN_RENEW_SECONDS,
) -> None:
    """Call ``renew`` each time the first of ``urls()`` is due; stop when none will expire or ``renew`` says False."""
    while True:
        due = seconds_until_renewal(urls(), now())
        if due is None:
            return
        await sleep(max(due, floor))
        if not await renew():
            return
