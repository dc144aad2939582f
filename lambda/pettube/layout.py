"""Where things live in S3: the key layout shared by the browser, the Lambdas and the IAM policy.

Originals are written by the browser under ``{identity_id}/{video_id}/{file name}``; the
authenticated role may only write below its own ``${cognito-identity.amazonaws.com:sub}/``,
so the first key segment *is* the uploader. Transcoded outputs go under the same
``{identity_id}/{video_id}/`` prefix of the transcoded bucket.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from pettube.errors import InvalidOriginalKey

IDENTITY_ID = re.compile(r"[a-z]{2}(?:-[a-z]+)+-\d+:[0-9a-fA-F]{8}(?:-[0-9a-fA-F]{4}){3}-[0-9a-fA-F]{12}")
VIDEO_ID = re.compile(r"[A-Za-z0-9-]{8,64}")


@dataclass(frozen=True)
class OriginalKey:
    """An originals object key split into owner, video and the user's file name."""

    key: str
    owner_id: str
    video_id: str
    file_name: str

    @property
    def extension(self) -> str:
        """The lower-cased extension without the dot ('' when the name has none)."""
        stem, dot, ext = self.file_name.rpartition(".")
        return ext.lower() if dot and stem else ""


def parse_original_key(key: str) -> OriginalKey:
    """Split an (already unquoted) originals key, refusing anything outside the layout."""
    owner_id, _, rest = key.partition("/")
    video_id, _, file_name = rest.partition("/")
    if not IDENTITY_ID.fullmatch(owner_id):
        raise InvalidOriginalKey("the first key segment is not a Cognito identity id")
    if not VIDEO_ID.fullmatch(video_id):
        raise InvalidOriginalKey("the second key segment is not a video id ([A-Za-z0-9-]{8,64})")
    if not file_name or file_name.endswith("/"):
        raise InvalidOriginalKey("the key has no file name after the video id")
    return OriginalKey(key=key, owner_id=owner_id, video_id=video_id, file_name=file_name)


def is_video_id(value: str) -> bool:
    """True when ``value`` could be a video id (anything else cannot name a video)."""
    return VIDEO_ID.fullmatch(value) is not None


def video_prefix(owner_id: str, video_id: str) -> str:
    """The key prefix of one video's objects, in both buckets."""
    return f"{owner_id}/{video_id}/"
