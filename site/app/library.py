"""Finding a video in My media: filter by words of the title and description, sort newest, oldest or by title."""

from __future__ import annotations

import unicodedata
from collections.abc import Iterable

from .mymedia import Video

ORDERS = ("newest", "oldest", "title")


def folded(text: str) -> str:
    """Text compared the way people expect: case and accents ignored ("Élan" finds "elan")."""
    decomposed = unicodedata.normalize("NFKD", text)
    return "".join(char for char in decomposed if not unicodedata.combining(char)).casefold()


def matches(video: Video, query: str) -> bool:
    """Every word of the query appears in the title or the description."""
    haystack = folded(f"{video.title}\n{video.description}")
    return all(word in haystack for word in folded(query).split())


def find_videos(videos: Iterable[Video], query: str = "", order: str = "newest") -> list[Video]:
    """The videos the search box and the sort menu ask for (newest first for an unknown order)."""
    found = [video for video in videos if matches(video, query)]
    by_age = sorted(found, key=lambda video: (video.created_at, video.video_id), reverse=order != "oldest")
    if order == "title":
        return sorted(by_age, key=lambda video: folded(video.title))  # stable: same titles stay newest first
    return by_age
