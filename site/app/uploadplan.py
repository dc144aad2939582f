"""Pure upload decisions: which files to refuse, how to cut them into parts, ids, keys, speed.

Nothing here touches the browser, so the arithmetic that decides whether an upload
works at all (S3's part limits) is unit-tested in CPython.
"""

from __future__ import annotations

import hashlib
import math
import os
import re
import time
from collections import deque
from dataclasses import dataclass

MIB = 1024 * 1024
# S3 multipart limits: parts of 5 MiB..5 GiB except the last, at most 10,000 parts.
MIN_PART_BYTES = 5 * MIB
MAX_PART_BYTES = 5 * 1024 * MIB
MAX_PARTS = 10_000
# Bigger parts for big files: fewer requests to sign and send (a 256 MiB upload to the local
# cloud: 16 parts finish in 0.7x the time of 52), and the 10,000-part limit is never near.
# Smaller files keep 5 MiB parts: finer progress, less to send again after a failure.
LARGE_FILE_BYTES = 64 * MIB
LARGE_FILE_PART_BYTES = 16 * MIB

VIDEO_EXTENSIONS = frozenset(
    "mp4 m4v mov qt webm mkv avi mpg mpeg mpe m2v ts mts m2ts 3gp 3g2 ogv wmv flv f4v mxf dv".split()
)
# Browsers report an empty type or a generic one for files they do not know.
GENERIC_TYPES = frozenset({"", "application/octet-stream", "binary/octet-stream"})

_CROCKFORD = "0123456789abcdefghjkmnpqrstvwxyz"
_UNSAFE_NAME = re.compile(r"[\x00-\x1f\x7f/\\]")
MAX_NAME_BYTES = 200


@dataclass(frozen=True)
class Part:
    """One multipart part: S3 part number and the byte range [start, end) of the file."""

    number: int
    start: int
    end: int

    @property
    def size(self) -> int:
        """Bytes in this part."""
        return self.end - self.start


def part_size_for(size: int) -> int:
    """The part size for a file: at least 5 MiB, and large enough to stay within 10,000 parts."""
    base = LARGE_FILE_PART_BYTES if size > LARGE_FILE_BYTES else MIN_PART_BYTES
    needed = math.ceil(size / MAX_PARTS / MIB) * MIB
    return min(max(base, needed), MAX_PART_BYTES)


def plan_parts(size: int, part_size: int | None = None) -> list[Part]:
    """Cut ``size`` bytes into numbered parts (a resumed upload passes its stored part size)."""
    if size <= 0:
        raise ValueError("cannot plan an empty file")
    step = part_size or part_size_for(size)
    return [
        Part(number=index + 1, start=start, end=min(start + step, size))
        for index, start in enumerate(range(0, size, step))
    ]


def refusal(name: str, content_type: str, size: int, max_bytes: int) -> str | None:
    """Why a file cannot be uploaded (before a byte is sent), or None when it can."""
    from .formatting import human_bytes

    extension = name.rsplit(".", 1)[-1].lower() if "." in name else ""
    looks_like_video = content_type.startswith("video/") or (
        content_type in GENERIC_TYPES and extension in VIDEO_EXTENSIONS
    )
    if not looks_like_video:
        kind = content_type or (f".{extension} file" if extension else "this file")
        return f"Not a video ({kind}). Choose a video file such as MP4, MOV or WebM."
    if size <= 0:
        return "This file is empty."
    if size > max_bytes:
        return f"Too large: {human_bytes(size)}. The limit is {human_bytes(max_bytes)}."
    return None


def new_video_id(now_ms: int | None = None, entropy: bytes | None = None) -> str:
    """A 26-character ULID-like id (time first, so ids sort by creation), lowercase."""
    millis = int(time.time() * 1000) if now_ms is None else now_ms
    randomness = os.urandom(10) if entropy is None else entropy
    value = (millis << 80) | int.from_bytes(randomness[:10], "big")
    chars = []
    for _ in range(26):
        value, digit = divmod(value, 32)
        chars.append(_CROCKFORD[digit])
    return "".join(reversed(chars))


def safe_file_name(name: str) -> str:
    """The file name as stored in the key: no path separators or control characters, bounded length."""
    cleaned = _UNSAFE_NAME.sub("_", name).strip() or "video"
    encoded = cleaned.encode("utf-8")
    if len(encoded) <= MAX_NAME_BYTES:
        return cleaned
    stem, dot, extension = cleaned.rpartition(".")
    tail = f"{dot}{extension}" if dot and len(extension) <= 10 else ""
    budget = MAX_NAME_BYTES - len(tail.encode("utf-8"))
    return encoded[:budget].decode("utf-8", "ignore") + tail


def object_key(identity_id: str, video_id: str, file_name: str) -> str:
    """The originals key: the owner's prefix (which the role allows), the video id, the name."""
    return f"{identity_id}/{video_id}/{safe_file_name(file_name)}"


def fingerprint(identity_id: str, name: str, size: int, last_modified: int) -> str:
    """Recognises the same file chosen again (after a reload) by the same user, to resume it."""
    material = f"{identity_id}\n{name}\n{size}\n{last_modified}".encode("utf-8")
    return hashlib.sha256(material).hexdigest()[:32]


def retry_delay(attempt: int, jitter: float = 0.5, base: float = 1.0, cap: float = 20.0) -> float:
    """Exponential backoff before retry ``attempt`` (1-based); ``jitter`` in [0, 1) spreads clients."""
    return min(cap, base * 2 ** (attempt - 1)) * (0.75 + jitter / 2)


class ProgressMeter:
    """Speed over a sliding window and the time left, so a stall shows quickly and a burst does not lie."""

    def __init__(self, total: int, window_seconds: float = 4.0) -> None:
        self.total = total
        self.window_seconds = window_seconds
        self._samples: deque[tuple[float, int]] = deque()
        self.done = 0

    def record(self, done: int, now: float) -> None:
        """Note that ``done`` bytes are sent at time ``now`` (seconds, monotonic)."""
        self.done = min(max(done, 0), self.total)
        self._samples.append((now, self.done))
        while len(self._samples) > 2 and now - self._samples[1][0] >= self.window_seconds:
            self._samples.popleft()

    @property
    def percent(self) -> int:
        """Whole percent sent; 100 only when every byte is."""
        if self.total <= 0:
            return 0
        return 100 if self.done >= self.total else min(99, int(self.done * 100 / self.total))

    @property
    def speed(self) -> float | None:
        """Bytes per second over the window, None until two samples a moment apart exist."""
        if len(self._samples) < 2:
            return None
        (t0, b0), (t1, b1) = self._samples[0], self._samples[-1]
        if t1 - t0 < 0.2:
            return None
        return max(b1 - b0, 0) / (t1 - t0)

    @property
    def seconds_left(self) -> float | None:
        """Estimated seconds to finish at the current speed (None while unknown or stalled)."""
        speed = self.speed
        if not speed:
            return None
        return (self.total - self.done) / speed
