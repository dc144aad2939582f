"""HLS manifests: reading the media playlists ffmpeg writes, writing the multivariant playlist MediaConvert writes.

ffmpeg's hls muxer writes one media playlist per rendition (each rendition is its
own ffmpeg output; MPEG-TS segments for HLS groups, fragmented MP4 for CMAF and
DASH groups); the group's main manifest lists them all, as MediaConvert's does:
BANDWIDTH is the peak segment bitrate, AVERAGE-BANDWIDTH the mean, CODECS read from
the encoded stream (RFC 6381 ``avc1.PPCCLL``), RESOLUTION and FRAME-RATE as encoded.
Audio-only renditions (CMAF) are an audio group every video rendition refers to.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

AAC_LC = "mp4a.40.2"
AUDIO_GROUP = "program_audio"  # MediaConvert's default AudioGroupId
_SPS_START = b"\x00\x00\x01\x67"
_ATTRIBUTE = re.compile(r'([A-Z-]+)=("[^"]*"|[^,]*)')


@dataclass(frozen=True)
class Variant:
    """One rendition as the main manifest lists it."""

    uri: str  # relative to the main manifest
    name: str  # the rendition's NameModifier-derived name, for an audio rendition's NAME
    peak_bps: int
    average_bps: int
    codecs: str
    resolution: tuple[int, int] | None
    frame_rate: float | None
    sample_rate: int | None = None


@dataclass(frozen=True)
class Segment:
    """One media segment: its duration and where its bytes are."""

    seconds: float
    uri: str
    length: int | None = None  # EXT-X-BYTERANGE length (single-file renditions)
    offset: int | None = None


def segments(playlist: Path) -> list[Segment]:
    """The segments of a media playlist, with byte ranges resolved (an omitted offset follows the previous range)."""
    found, seconds, byte_range, next_offset = [], 0.0, None, 0
    for line in playlist.read_text().splitlines():
        if line.startswith("#EXTINF:"):
            seconds = float(line[8:].split(",")[0])
        elif line.startswith("#EXT-X-BYTERANGE:"):
            length, _, offset = line[17:].partition("@")
            byte_range = (int(length), int(offset) if offset else next_offset)
            next_offset = sum(byte_range)
        elif line and not line.startswith("#"):
            found.append(Segment(seconds, line, *(byte_range or (None, None))))
            byte_range = None
    return found


def init_section(playlist: Path) -> Segment | None:
    """The EXT-X-MAP of a fragmented-MP4 playlist (its initialization segment), or None for MPEG-TS."""
    for line in playlist.read_text().splitlines():
        if line.startswith("#EXT-X-MAP:"):
            attributes = {key: value.strip('"') for key, value in _ATTRIBUTE.findall(line[11:])}
            length, _, offset = attributes.get("BYTERANGE", "").partition("@")
            return Segment(0.0, attributes["URI"], int(length) if length else None, int(offset or 0) if length else None)
    return None


def bitrates(playlist: Path) -> tuple[int, int]:
    """(peak, average) bits per second over the rendition's segments."""
    sizes = [(s.length if s.length is not None else (playlist.parent / s.uri).stat().st_size, s.seconds) for s in segments(playlist)]
    peak = max((8 * size / seconds for size, seconds in sizes if seconds > 0), default=0)
    total = sum(seconds for _, seconds in sizes)
    return round(peak), round(8 * sum(size for size, _ in sizes) / total) if total else 0


def avc_codec(media: Path) -> str | None:
    """``avc1.PPCCLL`` from an MP4 ``avcC`` box, else the first H.264 sequence parameter set (Annex B, MPEG-TS)."""
    with media.open("rb") as stream:
        head = stream.read(1 << 16)
    box = head.find(b"avcC")
    if box >= 0:
        return "avc1." + head[box + 5 : box + 8].hex()
    at = head.find(_SPS_START)
    if at < 0 or len(head) < at + 7:
        return None
    return "avc1." + head[at + 4 : at + 7].hex()


def main_manifest(variants: list[Variant]) -> str:
    """The multivariant playlist text, renditions in job order; audio-only renditions form one audio group."""
    audio = [variant for variant in variants if variant.resolution is None and variant.codecs == AAC_LC]
    video = [variant for variant in variants if variant not in audio] if len(audio) < len(variants) else []
    lines = ["#EXTM3U", "#EXT-X-VERSION:6" if audio and video else "#EXT-X-VERSION:3", "#EXT-X-INDEPENDENT-SEGMENTS"]
    if video:
        for number, variant in enumerate(audio):
            default = "YES" if number == 0 else "NO"
            lines.append(f'#EXT-X-MEDIA:TYPE=AUDIO,GROUP-ID="{AUDIO_GROUP}",NAME="{variant.name}",AUTOSELECT=YES,DEFAULT={default},URI="{variant.uri}"')
    extra = max(audio, key=lambda variant: variant.peak_bps) if audio and video else None
    for variant in video or audio:
        peak, average, codecs = variant.peak_bps, variant.average_bps, variant.codecs
        if extra:
            peak, average, codecs = peak + extra.peak_bps, average + extra.average_bps, f"{codecs},{AAC_LC}"
        attributes = [f"BANDWIDTH={peak}", f"AVERAGE-BANDWIDTH={average}", f'CODECS="{codecs}"']
        if variant.resolution:
            attributes.append(f"RESOLUTION={variant.resolution[0]}x{variant.resolution[1]}")
        if variant.frame_rate:
            attributes.append(f"FRAME-RATE={variant.frame_rate:.3f}")
        if extra:
            attributes.append(f'AUDIO="{AUDIO_GROUP}"')
        lines += ["#EXT-X-STREAM-INF:" + ",".join(attributes), variant.uri]
    return "\n".join(lines) + "\n"
