"""A share link's watch page: guest credentials, the shared video, fresh URLs for as long as it is open.

Anyone may open ``#/watch/<token>``: the page asks Cognito for guest credentials (the
identity pool's unauthenticated role, which may call nothing but ``GET /shared/*``) and
signs its API call with them exactly as a signed-in page signs its own. The watch page
always uses guest credentials, also for a signed-in visitor: it shows what anyone with
the link sees.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable
from datetime import datetime, timezone
from typing import Any

from . import playerviews, views
from .auth import AuthError, guest_exchange, seconds_until_renewal
from .config import SiteConfig
from .freshness import Recoveries, keep_fresh, url_due
from .mymedia import MyMediaClient, MyMediaError, Playable, SharedVideo
from .playerviews import OnTrouble
from .signing import Credentials
from .tasks import Tasks
from .transport import fetch_send, save_guest_identity, saved_guest_identity

logger = logging.getLogger("pettube.page")
NOT_AVAILABLE = ("This video is not available",
                 "Its owner may have stopped sharing it, or it was deleted. Check the link you were sent.")


def on_trouble(stage: str, fresh: Callable[[], Awaitable[Playable]], recoveries: Recoveries) -> OnTrouble:
    """A player's trouble handler: a failed or starved player whose URL has expired gets a fresh one."""
    def trouble(kind: str, position: float, playing: bool, url: str) -> None:
        if kind == "error" or url_due(url, datetime.now(timezone.utc)):
            asyncio.ensure_future(recover_player(stage, fresh, position, playing, recoveries, failed=kind == "error"))
    return trouble


async def recover_player(stage: str, fresh: Callable[[], Awaitable[Playable]], position: float, playing: bool,
                         recoveries: Recoveries, *, failed: bool = True) -> None:
    """Continue at the same place, playing if it was, with a freshly signed URL for the same size.

    A player that fails again just after its recovery is broken, not expired: that is said
    once (a waiting player's repeated events are no failure and say nothing). Troubles that
    come while a recovery is under way (the old player's last errors) are that same trouble.
    """
    if recoveries.recovering(stage):
        return
    if not recoveries.allow(stage):
        if failed:
            views.toast("This video could not be played. Please try again later.", "error")
        return
    try:
        await _resume_fresh(stage, fresh, position, playing)
    finally:
        recoveries.done(stage)


async def _resume_fresh(stage: str, fresh: Callable[[], Awaitable[Playable]], position: float, playing: bool) -> None:
    label = playerviews.playing_label(stage)
    try:
        video = await fresh()
    except (MyMediaError, AuthError) as exc:
        views.toast(str(exc), "error")
        return
    if not await playerviews.resume(stage, video, position, playing):
        rendition = video.rendition(label)
        if rendition is None:
            return
        playerviews.resume_at(stage, rendition.url, position, playing)
        playerviews.renew_poster(stage, video)
    logger.info("player resumed with fresh URLs", extra={"position": round(position, 1), "playing": playing})


class WatchPage:
    """The watch screen's state: which link is open and the guest credentials to read it with."""

    def __init__(self, config: SiteConfig, identity: Any, sts: Any, tasks: Tasks, recoveries: Recoveries) -> None:
        self.config = config
        self.identity = identity
        self.sts = sts
        self.tasks = tasks
        self.recoveries = recoveries
        self.token: str | None = None
        self.video: SharedVideo | None = None
        self._guest: Credentials | None = None
        self.media = MyMediaClient(config.api_url, config.region, self._credentials, fetch_send)

    def _credentials(self) -> Credentials:
        """Guest credentials, fetched again shortly before they expire (a watch page may stay open for hours)."""
        if self._guest is None or seconds_until_renewal(self._guest, datetime.now(timezone.utc)) <= 0:
            identity_id, self._guest = guest_exchange(self.identity, self.sts, self.config.identity_pool_id,
                                                      self.config.guest_role_arn, saved_guest_identity())
            save_guest_identity(identity_id)
            logger.info("guest credentials", extra={"expires": self._guest.expiration.isoformat()})
        return self._guest

    async def open(self, token: str, signed_in: bool) -> None:
        """Show the shared video, or say clearly that it is not available."""
        self.close()
        self.token = token
        views.show_screen("watch")
        playerviews.watch_loading()
        if not token:  # not the shape of any link PetTube makes
            playerviews.watch_missing(*NOT_AVAILABLE)
            return
        try:
            video = await self.media.shared(token)
        except (MyMediaError, AuthError) as exc:
            if getattr(exc, "status", 0) == 404:
                playerviews.watch_missing(*NOT_AVAILABLE)
            else:
                playerviews.watch_missing("This video could not be loaded", str(exc))
            return
        if token != self.token:  # the person went elsewhere meanwhile
            return
        if video.rendition() is None and video.stream is None:
            playerviews.watch_missing(*NOT_AVAILABLE)
            return
        self.video = video
        trouble = on_trouble(playerviews.WATCH, lambda: self.media.shared(token), self.recoveries)
        await playerviews.render_watch(video, trouble, signed_in)
        self.tasks.restart("watch-urls", keep_fresh(lambda: self.video.urls if self.video else [], self._renew))

    def switch(self, label: str) -> None:
        """Another quality of the shared video."""
        if playerviews.choose_quality(playerviews.WATCH, label):
            return
        rendition = self.video.rendition(label) if self.video else None
        if rendition is not None:
            playerviews.switch_rendition(playerviews.WATCH, rendition)

    def close(self) -> None:
        """Leaving the watch page: stop the video and its renewals."""
        if self.token is not None:
            self.tasks.cancel("watch-urls")
            playerviews.leave_watch()
        self.token, self.video = None, None

    async def _renew(self) -> bool:
        """Fresh URLs before the current ones expire; False once the link stops working."""
        token = self.token
        if not token:
            return False
        try:
            self.video = await self.media.shared(token)
        except MyMediaError as exc:
            logger.info("shared video not renewed", extra={"status": exc.status})
            return exc.status != 404
        except AuthError:
            logger.info("guest credentials not renewed")
            return True
        playerviews.renew_poster(playerviews.WATCH, self.video)
        return True
