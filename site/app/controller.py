"""The page's use cases: sign in and stay signed in, upload, keep the gallery fresh, find, play, edit, share, delete.

Sits between the session, the services (Cognito, S3, MyMedia) and the views; main.py
only binds events to these methods. A share link's watch page is watching.py's.
"""

from __future__ import annotations

import asyncio
import logging
from datetime import datetime, timezone
from typing import Any

from . import mediaviews, playerviews, views
from .auth import (
    GOOGLE, RETRY_RENEW_SECONDS, AuthError, Login, exchange, needs_fresh_token, owner_metadata, seconds_until_renewal,
)
from .config import SiteConfig
from .details import Details
from .freshness import Recoveries, keep_fresh
from .library import ORDERS, find_videos
from .mymedia import MyMediaClient, MyMediaError, Video, default_title
from .routes import watch_token
from .s3parts import S3Multipart
from .signin import GoogleSignIn, UserPoolSignIn, save_login, saved_login
from .state import Session
from .tasks import Tasks
from .transport import LocalResumeStore, XhrPartSender, fetch_send
from .upload import DONE, Upload, Uploader
from .watching import WatchPage, on_trouble

logger = logging.getLogger("pettube.page")
POLL_SECONDS = 2.5
MIN_RENEW_INTERVAL_SECONDS = 60


def public_client(config: SiteConfig, service: str) -> Any:
    """A client for public calls, made without a signature: Cognito Identity's GetId, GetCredentialsForIdentity
    and GetOpenIdToken, STS's AssumeRoleWithWebIdentity."""
    import boto3
    from botocore import UNSIGNED
    from botocore.config import Config

    return boto3.client(service, region_name=config.region, endpoint_url=config.aws_endpoint,
                        config=Config(signature_version=UNSIGNED, retries={"mode": "standard", "max_attempts": 3}))


class Controller:
    """One per page: owns the session and the background tasks (renewal, polling)."""

    def __init__(self, config: SiteConfig, user_pool: UserPoolSignIn | None) -> None:
        self.config = config
        self.session = Session(config)
        self.google = GoogleSignIn(config)
        self.user_pool = user_pool
        self.identity = public_client(config, "cognito-identity")
        self.media = MyMediaClient(config.api_url, config.region, lambda: self.session.current_credentials(), fetch_send)
        self.store = LocalResumeStore()
        multipart = S3Multipart(lambda: self.session.s3(), config.originals_bucket,
                                lambda: owner_metadata(self.session.login))
        self.uploader = Uploader(multipart, XhrPartSender(), self.store, self.on_upload_change)
        self.tasks = Tasks()
        self.recoveries = Recoveries()
        self.watch_page = WatchPage(config, self.identity, public_client(config, "sts"), self.tasks, self.recoveries)
        self.details = Details(lambda: self.session, self.media, self._show_videos)
        self.fragment = ""
        self.query, self.order = "", ORDERS[0]
        self.email_mode = {"form": "signin", "code": "confirm"}
        self._expected: dict[str, Video] = {}
        self._upload_status: dict[str, str] = {}

    # ------------------------------------------------------------ where the person is
    async def route(self, fragment: str) -> None:
        """Show the place the address names: a share link's watch page, else the workspace or sign-in."""
        self.fragment = fragment
        token = watch_token(fragment)
        if token is not None:
            await self.watch_page.open(token, signed_in=self.session.signed_in)
            return
        self.watch_page.close()
        if not self.session.signed_in:
            views.drop_last_visit()
            views.show_screen("signin")
            return
        views.show_screen("workspace")
        views.workspace_usable()
        self._show_resume_hint()
        await self.refresh()

    # ------------------------------------------------------------ signing in
    async def start(self, fragment: str) -> None:
        """Show the right screen: resume this tab's sign-in when it is still valid."""
        self.fragment = fragment
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
        await self.route(fragment)

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
        """Exchange the token for credentials, then open the workspace (or the share link being watched)."""
        identity_id, credentials = exchange(self.identity, self.config.identity_pool_id, login)
        self.session.sign_in(login, identity_id, credentials)
        save_login(login)
        logger.info("signed in")
        views.drop_last_visit(unless=login)
        views.render_account(self.session.profile)
        self.tasks.run("renewal", self._renew_forever())
        await self.route(self.fragment)

    async def submit_email(self) -> None:
        """The email form: sign in, create an account, or ask for a password reset code."""
        email, password = views.form_value("#email"), views.form_value("#password")
        mode = self.email_mode["form"]
        views.show_error("#signin-error", "")
        views.set_busy("#email-submit", True)
        try:
            if mode == "signin":
                await self.enter(await self.user_pool.sign_in(email, password))
            elif mode == "signup":
                await self.user_pool.sign_up(email, password)
                self.email_mode["code"] = "confirm"
                views.code_step(f"We sent a confirmation code to {email}.", new_password=False)
            else:
                await self.user_pool.forgot_password(email)
                self.email_mode["code"] = "reset"
                views.code_step(f"If {email} has an account, a reset code is on its way.", new_password=True)
        except AuthError as exc:
            views.show_error("#signin-error", str(exc))
        finally:
            views.set_busy("#email-submit", False)

    async def submit_code(self) -> None:
        """The mailed code: confirm a new account (and sign in), or set a new password."""
        email, code = views.form_value("#email"), views.form_value("#code")
        views.set_busy("#code-submit", True)
        try:
            if self.email_mode["code"] == "confirm":
                await self.user_pool.confirm(email, code)
                await self.enter(await self.user_pool.sign_in(email, views.form_value("#password")))
            else:
                await self.user_pool.reset_password(email, code, views.form_value("#new-password"))
                self.choose_email_mode("signin")
                views.show_error("#signin-error", "Password changed. Sign in with the new one.")
        except AuthError as exc:
            views.show_error("#signin-error", str(exc))
        finally:
            views.set_busy("#code-submit", False)

    def choose_email_mode(self, mode: str) -> None:
        """Sign in, create account or forgot password."""
        self.email_mode["form"] = mode
        views.email_mode(mode)

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
        self.tasks.cancel_all()
        self.watch_page.close()
        for upload in list(self.uploader.uploads.values()):
            self.uploader.cancel(upload.local_id)
        save_login(None)
        if self.user_pool:
            self.user_pool.sign_out()
        if self.session.login:
            views.forget_last_visit(self.session.login)
        self.session = Session(self.config)
        self._expected.clear()
        views.render_account(None)
        self._show_videos()
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
                video_id=upload.video_id, title=default_title(upload.name), status="uploaded", progress=0,
                created_at=datetime.now(timezone.utc).isoformat(), duration_ms=None, thumbnail_url="",
                renditions=(), failure_message="", size_bytes=upload.size)
            self._show_videos()
            self.tasks.run("poll", self._poll())

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
        views.gallery_live()
        self._keep_last_visit()
        # A finished upload's row steps aside once its card has the last word (ready, failed, canceled).
        settled = {video.video_id for video in videos if not video.in_flight}
        for upload in self.uploader.uploads.values():
            if upload.status == DONE and upload.video_id in settled:
                mediaviews.remove_upload(upload.local_id)
        if self.session.anything_in_flight or self._expected:
            self.tasks.run("poll", self._poll())
        self.tasks.run("urls", keep_fresh(lambda: [url for video in self.session.videos for url in video.urls],
                                          self._renew_urls))

    async def _renew_urls(self) -> bool:
        """Re-list before the thumbnails' and players' URLs expire (an open player keeps its own until it fails)."""
        await self.refresh(quiet=True)
        return self.session.signed_in

    def _show_videos(self) -> None:
        listed = {video.video_id for video in self.session.videos}
        waiting = [video for video in self._expected.values() if video.video_id not in listed]
        everything = waiting[::-1] + self.session.videos
        mediaviews.render_gallery(find_videos(everything, self.query, self.order), total=len(everything),
                                  loaded=self.session.loaded or bool(waiting), query=self.query)

    def _keep_last_visit(self) -> None:
        """Keep the gallery as a returning visitor first sees it: unfiltered, newest first."""
        if self.session.login and not self.query and self.order == ORDERS[0]:
            views.keep_last_visit(self.session.login, {video.video_id: video.thumbnail_url
                                                       for video in self.session.videos if video.thumbnail_url})

    def search(self, query: str) -> None:
        """Filter My media as the person types."""
        self.query = query
        self._show_videos()

    def sort(self, order: str) -> None:
        """Newest first, oldest first, or by title."""
        self.order = order if order in ORDERS else ORDERS[0]
        self._show_videos()

    async def _poll(self) -> None:
        while self.session.signed_in and (self.session.anything_in_flight or self._expected):
            await asyncio.sleep(POLL_SECONDS)
            await self.refresh(quiet=True)

    async def act(self, action: str, data: dict[str, str]) -> None:
        """A button with data-action in the gallery, the player or the watch page."""
        video_id, context = data.get("id", ""), data.get("context", "card")
        if action == "play":
            self.play(video_id)
        elif action == "size" and video_id:
            self.play(video_id, data.get("label"))
        elif action == "size":
            self.watch_page.switch(data.get("label", ""))
        elif action == "delete":
            await self.delete(video_id)
        elif action == "edit":
            self.details.start_edit(video_id, context)
        elif action == "cancel-edit":
            self.details.end_edit(video_id, context)
        elif action == "share":
            self.details.open_share(video_id)

    def play(self, video_id: str, label: str | None = None) -> None:
        """Open the player (the stream in Auto, else a rendition) or switch to another quality."""
        if label is not None and playerviews.choose_quality(playerviews.PLAYER, label):
            return
        video = self.session.video(video_id)
        rendition = video.rendition(label) if video else None
        if video is None or rendition is None:
            views.toast("This video cannot be played yet.", "error")
        elif label is None:
            self.tasks.restart("player", self._open_player(video_id))
        else:
            playerviews.switch_rendition(playerviews.PLAYER, rendition)

    async def _open_player(self, video_id: str) -> None:
        """The player with the video's stream: GET /media/{id} answers its playlists, freshly signed."""
        try:
            video = await self._fresh(video_id)
        except MyMediaError as exc:
            views.toast(str(exc), "error")
            return
        await playerviews.open_player(video, on_trouble(playerviews.PLAYER, lambda: self._fresh(video_id),
                                                        self.recoveries))

    async def _fresh(self, video_id: str) -> Video:
        """One video with newly signed URLs (for a player whose URL expired)."""
        video = await self.media.get_video(video_id)
        self.session.replace_video(video)
        return video

    async def delete(self, video_id: str) -> None:
        """Delete after confirmation; the card goes at once, the list is checked again after."""
        video = self.session.video(video_id)
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
