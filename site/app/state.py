"""The one session object: who is signed in, their credentials, uploads and videos."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from .auth import Login, Profile
from .config import SiteConfig
from .mymedia import Video
from .signing import Credentials, s3_client


class NotSignedIn(Exception):
    """An action needs credentials and nobody is signed in."""


@dataclass
class Session:
    """Everything the page knows about the current user; replaced wholesale on sign-out."""

    config: SiteConfig
    login: Login | None = None
    identity_id: str | None = None
    credentials: Credentials | None = None
    videos: list[Video] = field(default_factory=list)
    loaded: bool = False
    _s3: Any = field(default=None, repr=False)

    @property
    def signed_in(self) -> bool:
        """True once Cognito has given this page credentials."""
        return self.credentials is not None and self.identity_id is not None

    @property
    def profile(self) -> Profile | None:
        """The person, for the header."""
        return self.login.profile() if self.login else None

    def sign_in(self, login: Login, identity_id: str, credentials: Credentials) -> None:
        """Record a successful exchange (also after a renewal: the identity id stays the same)."""
        self.login, self.identity_id = login, identity_id
        self.set_credentials(credentials)

    def set_credentials(self, credentials: Credentials) -> None:
        """New credentials: the next S3 call builds a client with them."""
        self.credentials = credentials
        self._s3 = None

    def current_credentials(self) -> Credentials:
        """Credentials for signing now; fails clearly when signed out."""
        if self.credentials is None:
            raise NotSignedIn("Please sign in first.")
        return self.credentials

    def s3(self) -> Any:
        """The S3 client for the current credentials (rebuilt after a renewal)."""
        if self._s3 is None:
            self._s3 = s3_client(self.current_credentials(), self.config.region, self.config.aws_endpoint)
        return self._s3

    def set_videos(self, videos: list[Video]) -> None:
        """The latest listing from MyMedia."""
        self.videos = videos
        self.loaded = True

    def video(self, video_id: str) -> Video | None:
        """One listed video by id."""
        return next((video for video in self.videos if video.video_id == video_id), None)

    def replace_video(self, video: Video) -> None:
        """The API's newer answer for one video (after an edit, or a fresh URL)."""
        self.videos = [video if listed.video_id == video.video_id else listed for listed in self.videos]

    def forget_video(self, video_id: str) -> None:
        """Drop a deleted video at once, before the next listing confirms it."""
        self.videos = [video for video in self.videos if video.video_id != video_id]

    @property
    def anything_in_flight(self) -> bool:
        """True while a video is still processing: the gallery keeps polling."""
        return any(video.in_flight for video in self.videos)
