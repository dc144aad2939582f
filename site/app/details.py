"""A video's details and who can watch it: title and description edited in place, the share dialog.

Edits go to ``PATCH /media/{id}``; the API trims and checks them, and its reason for a
refusal is shown next to the field it names.
"""

from __future__ import annotations

import logging
from collections.abc import Callable

from . import mediaviews, playerviews, views
from .mymedia import MyMediaClient, MyMediaError, Video
from .state import Session
from .transport import can_share, copy_text, share_link

logger = logging.getLogger("pettube.page")


class Details:
    """The owner's edits of one video at a time; ``show_videos`` redraws the gallery after a change."""

    def __init__(self, session: Callable[[], Session], media: MyMediaClient, show_videos: Callable[[], None]) -> None:
        self.session = session
        self.media = media
        self._show_videos = show_videos
        self._saving_visibility = False

    def start_edit(self, video_id: str, context: str) -> None:
        """Title and description become fields, in the card or the player."""
        video = self.session().video(video_id)
        if video is not None:
            mediaviews.start_editing(video, context)

    def end_edit(self, video_id: str, context: str) -> None:
        """Back to the details, saved or not."""
        video = self.session().video(video_id)
        if video is None:
            return
        if context == "player":
            playerviews.player_details(video)
        else:
            mediaviews.stop_editing_card(video)
            self._show_videos()

    async def save_edit(self, fields: dict[str, str]) -> None:
        """Send what changed; the API's reason for refusing shows next to the field it is about."""
        video_id, context = fields.get("id", ""), fields.get("context", "card")
        video = self.session().video(video_id)
        if video is None:
            return
        changes = {name: fields[name] for name in ("title", "description")
                   if name in fields and fields[name].strip() != getattr(video, name)}
        if not changes:
            self.end_edit(video_id, context)
            return
        mediaviews.show_edit_errors(video_id, context, {})
        mediaviews.edit_busy(video_id, context, True)
        try:
            updated = await self.media.update(video_id, changes)
        except MyMediaError as exc:
            mediaviews.show_edit_errors(video_id, context, {exc.field or "": str(exc)})
            return
        finally:
            mediaviews.edit_busy(video_id, context, False)
        self._updated(updated)
        self.end_edit(video_id, context)
        views.toast("Saved.")

    def _updated(self, video: Video) -> None:
        """Show the API's answer for one video everywhere it is on screen."""
        self.session().replace_video(video)
        self._show_videos()
        if playerviews.player_video_id() == video.video_id:
            playerviews.player_details(video)

    def open_share(self, video_id: str) -> None:
        """The share dialog: who can watch, and the link."""
        video = self.session().video(video_id)
        if video is not None:
            playerviews.open_share(video, can_share())

    async def set_visibility(self, visibility: str) -> None:
        """Private, or anyone with the link (a new link each time it is turned on)."""
        video = self.session().video(playerviews.share_video_id())
        if video is None or self._saving_visibility:  # a second choice mid-save: the dialog shows the outcome after
            return
        self._saving_visibility = True
        playerviews.show_share_error("")
        playerviews.share_busy(True)
        try:
            video = await self.media.update(video.video_id, {"visibility": visibility})
        except MyMediaError as exc:
            playerviews.show_share_error(str(exc))
        else:
            self._updated(video)
            logger.info("visibility changed", extra={"video_id": video.video_id, "visibility": video.visibility})
        finally:
            self._saving_visibility = False
            playerviews.share_busy(False)
            playerviews.update_share(video, can_share())

    async def copy_link(self) -> None:
        """Copy the share link; if the browser refuses, select it for the person to copy."""
        video = self.session().video(playerviews.share_video_id())
        if video is None or not video.share_url:
            return
        if await copy_text(video.share_url):
            views.toast("Link copied.")
        else:
            playerviews.select_share_url()
            views.toast("Copy the selected link with Ctrl+C (⌘C on a Mac).")

    async def share_sheet(self) -> None:
        """The system share sheet (phones), with the title and the link."""
        video = self.session().video(playerviews.share_video_id())
        if video is not None and video.share_url:
            await share_link(video.title, video.share_url)
