"""The page's use cases: sign in and stay signed in, upload, keep the gallery fresh, play, delete.

Sits between the session, the services (Cognito, S3, MyMedia) and the views; main.py
only binds events to these methods.
"""

from __future__ import annotations

import asyncio
import logging
from datetime import datetime, timezone
from typing import Any

from .auth import GOOGLE, RETRY_RENEW_SECONDS, AuthError, Login, exchange, needs_fresh_token, seconds_until_renewal
from .config import SiteConfig
from .mymedia import MyMediaClient, MyMediaError, Video
from .s3parts import S3Multipart
from .signin import GoogleSignIn, UserPoolSignIn, save_login, saved_login
from .state import Session
from .transport import LocalResumeStore, XhrPartSender, fetch_send
from .upload import DONE, Upload, Uploader
from . import mediaviews, views

logger = logging.getLogger("pettube.page")
POLL_SECONDS = 2.5
MIN_RENEW_INTERVAL_SECONDS = 60


def identity_client(config: SiteConfig) -> Any:
    """Cognito Identity's GetId and GetCredentialsForIdentity are public calls: no signature."""
    import boto3
    from botocore import UNSIGNED
    from botocore.config import Config

    return boto3.client("cognito-identity", region_name=config.region, endpoint_url=config.aws_endpoint,
                        config=Config(signature_version=UNSIGNED, retries={"mode": "standard", "max_attempts": 3}))


class Controller:
    """One per page: owns the session and the background tasks (renewal, polling)."""

    def __init__(self, config: SiteConfig, user_pool: UserPoolSignIn | None) -> None:
        self.config = config
        self.session = Session(config)
        self.google = GoogleSignIn(config)
        self.user_pool = user_pool
        self.identity = identity_client(config)
        self.media = MyMediaClient(config.api_url, config.region, lambda: self.session.current_credentials(), fetch_send)
        self.store = LocalResumeStore()
        self.uploader = Uploader(S3Multipart(lambda: self.session.s3(), config.originals_bucket), XhrPartSender(),
                                 self.store, self.on_upload_change)
        self._expected: dict[str, Video] = {}
        self._upload_status: dict[str, str] = {}
        self._tasks: dict[str, asyncio.Task[Any]] = {}

    # ------------------------------------------------------------ signing in
    async def start(self) -> None:
        """Show the right screen: resume this tab's sign-in when it is still valid."""
        try:
            await self.google.prepare(self.enter_google)
            credential = self.google.redirected_credential()
        except (AuthError, OSError) as exc:
            views.show_error("#signin-error", str(exc))
            credential = None
        login = Login(GOOGLE, credential) if credential else saved_login()
        if login and not needs_fresh_token(login, datetime.now(timezone.utc)):
            try:
                await self.enter(login)
                return
            except AuthError:
                save_login(None)
        views.show_screen("signin")

    async def sign_in_with_google(self) -> None:
        """The person clicked the Google button (local stand-in: popup account chooser)."""
        views.show_error("#signin-error", "")
        views.set_busy("#google-signin", True)
        try:
            await self.enter_google(await self.google.sign_in())
        except AuthError as exc:
            views.show_error("#signin-error", str(exc))
        finally:
            views.set_busy("#google-signin", False)

    async def enter_google(self, credential: str) -> None:
        """A Google ID token arrived (popup, redirect or Google's own callback)."""
        await self.enter(Login(GOOGLE, credential))

    async def enter(self, login: Login) -> None:
        """Exchange the token for credentials and open the workspace."""
        identity_id, credentials = exchange(self.identity, self.config.identity_pool_id, login)
        self.session.sign_in(login, identity_id, credentials)
        save_login(login)
        logger.info("signed in")
        views.render_account(self.session.profile)
        views.show_screen("workspace")
        self._show_resume_hint()
        self._run("renewal", self._renew_forever())
        await self.refresh()

    async def _renew_forever(self) -> None:
        """Renew credentials before they expire, without the person noticing; say so only if it fails."""
        floor = 0.0
        while self.session.signed_in:
            due = seconds_until_renewal(self.session.current_credentials(), datetime.now(timezone.utc))
            # A clock far off AWS's would make fresh credentials look stale: never renew in a tight loop.
            await asyncio.sleep(max(due, floor))
            try:
                await self.renew()
                floor = MIN_RENEW_INTERVAL_SECONDS
            except AuthError as exc:
                if self.session.current_credentials().seconds_left() <= 0:
                    views.banner(f"{exc} Your session has ended: sign out and sign in again to continue.")
                    return
                await asyncio.sleep(RETRY_RENEW_SECONDS)

    async def renew(self) -> None:
        """A fresh token if the old one is about to expire, then fresh credentials for the same identity."""
        login = self.session.login
        if login is None:
            raise AuthError("Not signed in.")
        if needs_fresh_token(login, datetime.now(timezone.utc)):
            provider = self.google if login.provider == GOOGLE else self.user_pool
            if provider is None:
                raise AuthError("Cannot renew this sign-in.")
            login = Login(login.provider, await provider.renew(login))
        identity_id, credentials = exchange(self.identity, self.config.identity_pool_id, login, self.session.identity_id)
        self.session.sign_in(login, identity_id, credentials)
        save_login(login)
        logger.info("credentials renewed", extra={"expires": credentials.expiration.isoformat()})
        views.banner("")

    def sign_out(self) -> None:
        """Forget everything about the user in this page and this browser tab."""
        for task in self._tasks.values():
            task.cancel()
        for upload in list(self.uploader.uploads.values()):
            self.uploader.cancel(upload.local_id)
        save_login(None)
        if self.user_pool:
            self.user_pool.sign_out()
        self.session = Session(self.config)
        self._expected.clear()
        views.render_account(None)
        mediaviews.render_gallery([], loaded=False)
        mediaviews.clear_uploads()
        views.show_screen("signin")

    # ------------------------------------------------------------ uploads
    def add_files(self, files: Any) -> None:
        """Files chosen or dropped: each is refused at once or starts uploading."""
        for index in range(int(files.length)):
            file = files.item(index)
            self.uploader.add(file, name=str(file.name), size=int(file.size), content_type=str(file.type or ""),
                              last_modified=int(file.lastModified), identity_id=str(self.session.identity_id),
                              max_bytes=self.config.max_upload_bytes)

    def _show_resume_hint(self) -> None:
        """Name this person's interrupted uploads that are not on screen (one chosen again is shown below)."""
        on_screen = {upload.fingerprint for upload in self.uploader.uploads.values()}
        prefix = f"{self.session.identity_id}/"
        mediaviews.resume_hint([str(record.get("name", "")) for fingerprint, record in self.store.items()
                                if fingerprint not in on_screen and str(record.get("key", "")).startswith(prefix)])

    def on_upload_change(self, upload: Upload) -> None:
        """Show progress; a finished upload appears in the gallery at once, then updates by itself."""
        mediaviews.show_upload(upload)
        if self._upload_status.get(upload.local_id) != upload.status:
            self._upload_status[upload.local_id] = upload.status
            self._show_resume_hint()
        if upload.status == DONE and upload.video_id not in self._expected:
            self._expected[upload.video_id] = Video(
                video_id=upload.video_id, title=upload.name, status="uploaded", progress=0,
                created_at=datetime.now(timezone.utc).isoformat(), duration_ms=None, thumbnail_url="",
                renditions=(), failure_message="", size_bytes=upload.size)
            self._show_videos()
            self._run("poll", self._poll())

    # ------------------------------------------------------------ gallery
    async def refresh(self, quiet: bool = False) -> None:
        """Reload the list from MyMedia; keep polling while anything is in flight."""
        try:
            videos = await self.media.list_videos()
        except MyMediaError as exc:
            if not quiet:
                views.toast(str(exc), "error")
            return
        self.session.set_videos(videos)
        for video in videos:
            self._expected.pop(video.video_id, None)
        self._show_videos()
        # A finished upload's row steps aside once its card has the last word (ready, failed, canceled).
        settled = {video.video_id for video in videos if not video.in_flight}
        for upload in self.uploader.uploads.values():
            if upload.status == DONE and upload.video_id in settled:
                mediaviews.remove_upload(upload.local_id)
        if self.session.anything_in_flight or self._expected:
            self._run("poll", self._poll())

    def _show_videos(self) -> None:
        listed = {video.video_id for video in self.session.videos}
        waiting = [video for video in self._expected.values() if video.video_id not in listed]
        mediaviews.render_gallery(waiting[::-1] + self.session.videos, loaded=self.session.loaded or bool(waiting))

    async def _poll(self) -> None:
        while self.session.signed_in and (self.session.anything_in_flight or self._expected):
            await asyncio.sleep(POLL_SECONDS)
            await self.refresh(quiet=True)

    def _video(self, video_id: str) -> Video | None:
        return next((video for video in self.session.videos if video.video_id == video_id), None)

    def play(self, video_id: str, label: str | None = None) -> None:
        """Open the player on a rendition (720p by default) or switch to another size."""
        video = self._video(video_id)
        rendition = video.rendition(label) if video else None
        if video is None or rendition is None:
            views.toast("This video cannot be played yet.", "error")
        elif label is None:
            mediaviews.open_player(video, rendition)
        else:
            mediaviews.switch_rendition(rendition)

    async def delete(self, video_id: str) -> None:
        """Delete after confirmation; the card goes at once, the list is checked again after."""
        video = self._video(video_id)
        if video is None:
            return
        if not await views.confirm("Delete this video?", f"“{video.title}” and all its sizes will be removed. This cannot be undone."):
            return
        try:
            await self.media.delete(video_id)
        except MyMediaError as exc:
            views.toast(str(exc), "error")
            return
        self.session.forget_video(video_id)
        self._show_videos()
        views.toast(f"Deleted “{video.title}”.")

    def _run(self, name: str, coroutine: Any) -> None:
        """Run one background task per name (a second start while running is dropped)."""
        task = self._tasks.get(name)
        if task and not task.done():
            coroutine.close()
            return
        self._tasks[name] = asyncio.ensure_future(coroutine)
