"""Read a source video's display size from its MP4/QuickTime header with a few small ranged GETs.

Knowing the source size lets the ladder stop at the source height instead of
upscaling. Only ISO-BMFF files (mp4, mov, m4v, 3gp) are probed: their track
header (``moov/trak/tkhd``) holds width, height and the rotation matrix, and
the ``moov`` box is found by hopping over top-level box headers, never by
reading the media data. Anything else, or anything odd, gives ``None`` and the
job falls back to MediaConvert's own no-upscale scaling.
"""

from __future__ import annotations

import struct
from collections.abc import Callable, Iterator
from dataclasses import dataclass

ISO_BMFF_EXTENSIONS = frozenset({"mp4", "m4v", "mov", "3gp", "3g2"})
MAX_TOP_LEVEL_BOXES = 16
MAX_MOOV_BYTES = 8 * 1024 * 1024

# read(offset, length) -> bytes: a ranged GET, or a slice in tests.
RangeReader = Callable[[int, int], bytes]


@dataclass(frozen=True)
class SourceInfo:
    """What the header says: the picture size a viewer sees (rotation applied), and whether there is sound."""

    width: int
    height: int
    has_audio: bool


def probe_source(read: RangeReader, total_bytes: int) -> SourceInfo | None:
    """The first video track's display size and whether any audio track exists; None when not cheaply known."""
    try:
        moov = _find_moov(read, total_bytes)
        return _describe(moov) if moov else None
    except (struct.error, ValueError, IndexError):
        return None


def _find_moov(read: RangeReader, total_bytes: int) -> bytes | None:
    offset = 0
    for _ in range(MAX_TOP_LEVEL_BOXES):
        if offset + 8 > total_bytes:
            return None
        header = read(offset, 16)
        size, kind, header_size = _box_header(header, 0, total_bytes - offset)
        if kind == b"moov":
            if size > MAX_MOOV_BYTES:
                return None
            return read(offset + header_size, size - header_size)
        offset += size
    return None


def _box_header(data: bytes, start: int, available: int) -> tuple[int, bytes, int]:
    size, kind = struct.unpack_from(">I4s", data, start)
    header_size = 8
    if size == 1:
        (size,) = struct.unpack_from(">Q", data, start + 8)
        header_size = 16
    elif size == 0:  # "extends to the end of the file"
        size = available
    if size < header_size:
        raise ValueError("corrupt box size")
    return size, kind, header_size


def _children(data: bytes, start: int = 0, end: int | None = None) -> Iterator[tuple[bytes, int, int]]:
    end = len(data) if end is None else end
    while start + 8 <= end:
        size, kind, header_size = _box_header(data, start, end - start)
        yield kind, start + header_size, min(start + size, end)
        start += size


def _child(data: bytes, start: int, end: int, kind: bytes) -> tuple[int, int] | None:
    return next(((s, e) for k, s, e in _children(data, start, end) if k == kind), None)


def _describe(moov: bytes) -> SourceInfo | None:
    size: tuple[int, int] | None = None
    has_audio = False
    for kind, start, end in _children(moov):
        if kind != b"trak":
            continue
        handler = _handler_type(moov, start, end)
        has_audio = has_audio or handler == b"soun"
        tkhd = _child(moov, start, end, b"tkhd")
        if handler == b"vide" and tkhd and size is None:
            size = _tkhd_size(moov, tkhd[0])
    return SourceInfo(size[0], size[1], has_audio) if size else None


def _handler_type(data: bytes, start: int, end: int) -> bytes:
    mdia = _child(data, start, end, b"mdia")
    hdlr = mdia and _child(data, mdia[0], mdia[1], b"hdlr")
    # hdlr: version/flags (4), pre_defined (4), handler_type (4)
    return data[hdlr[0] + 8:hdlr[0] + 12] if hdlr else b""


def _tkhd_size(data: bytes, start: int) -> tuple[int, int] | None:
    version = data[start]
    # version 1 has 64-bit creation/modification/duration fields
    matrix_at = start + (52 if version == 1 else 40)
    a, b, _u, c, d = struct.unpack_from(">iiiii", data, matrix_at)
    width_fixed, height_fixed = struct.unpack_from(">II", data, matrix_at + 36)
    width, height = width_fixed >> 16, height_fixed >> 16
    if width <= 0 or height <= 0:
        return None
    # A 90 or 270 degree rotation (phone portrait video) swaps what the viewer sees.
    if a == 0 and d == 0 and b != 0 and c != 0:
        width, height = height, width
    return width, height
