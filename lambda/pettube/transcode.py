"""The MediaConvert CreateJob request for one original: an HLS ladder, one MP4 (720p at most), a JPEG thumbnail.

The HLS group writes MPEG-TS with muxed audio, ``SINGLE_FILE``: each rendition is one
object that its media playlist addresses by byte ranges, so MyMedia answers playlists
holding one presigned URL per rendition (docs/mediaconvert.md, "PetTube's ladder").

Pure: no I/O, so every request can be checked against botocore's MediaConvert
model in tests. Never upscaling, two ways: when the source size is known (probed
from an MP4/MOV header) the ladder stops at the source's short side and every
output has the source's aspect ratio; when it is not, the full 16:9 ladder goes
out with ``ScalingBehavior: FIT_NO_UPSCALE``, which MediaConvert documents as
shrinking to fit the box but never enlarging.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from typing import Any

from pettube.layout import OriginalKey, video_prefix
from pettube.probe import ISO_BMFF_EXTENSIONS, SourceInfo

AUDIO_SELECTOR = "Audio Selector 1"
THUMBNAIL_MODIFIER = "_thumb"
MIN_SIDE = 32  # MediaConvert's smallest Width/Height
QVBR_QUALITY = 7
# Where a video's stream lives below its prefix: hls/stream.m3u8, hls/stream_720p.m3u8 and .ts.
STREAM_FOLDER = "hls/"
STREAM_NAME = "stream"
# Six seconds: a third of Apple's old ten, so a quality switch lands sooner; GOPs of two seconds align.
SEGMENT_SECONDS = 6
FALLBACK_SHORT_SIDE = 720


@dataclass(frozen=True)
class Rung:
    """One step of the ladder, named by its short side (``720p`` is 1280x720 or 720x1280)."""

    short_side: int
    max_bitrate: int
    audio_bitrate: int

    @property
    def name(self) -> str:
        """The label users see and the output's name modifier."""
        return f"{self.short_side}p"


LADDER = (
    Rung(1080, 6_000_000, 128_000),
    Rung(720, 3_500_000, 128_000),
    Rung(480, 1_500_000, 96_000),
    Rung(360, 800_000, 96_000),
)


@dataclass(frozen=True)
class OutputSize:
    """A planned rendition: its rung and the exact picture size requested."""

    rung: Rung
    width: int
    height: int


def _even(value: float) -> int:
    """H.264 needs even dimensions."""
    return max(MIN_SIDE, int(round(value / 2)) * 2)


def _fit(rung: Rung, source: SourceInfo) -> OutputSize:
    long_side = _even(rung.short_side * max(source.width, source.height) / min(source.width, source.height))
    short_side = _even(rung.short_side)
    if source.width >= source.height:
        return OutputSize(rung, long_side, short_side)
    return OutputSize(rung, short_side, long_side)


def plan_ladder(source: SourceInfo | None) -> list[OutputSize]:
    """The renditions to make, largest first, none larger than a known source."""
    if source is None:
        return [OutputSize(r, _even(r.short_side * 16 / 9), r.short_side) for r in LADDER]
    short_side = min(source.width, source.height)
    rungs = [r for r in LADDER if r.short_side <= short_side]
    if not rungs:  # smaller than the smallest rung: one rendition at the source's own size
        smallest = LADDER[-1]
        rungs = [Rung(_even(short_side), smallest.max_bitrate, smallest.audio_bitrate)]
    return [_fit(rung, source) for rung in rungs]


def fallback_size(ladder: list[OutputSize]) -> OutputSize:
    """The one MP4 kept beside the stream (download, and players without HLS): 720p or the largest below.

    A whole MP4 ladder would double the transcoding bill for players that all stream (docs/cost.md).
    """
    fitting = [size for size in ladder if size.rung.short_side <= FALLBACK_SHORT_SIDE]
    return fitting[0] if fitting else ladder[-1]


def client_request_token(original: OriginalKey) -> str:
    """The same token for every retry of one original, so MediaConvert folds retries within its minute."""
    return hashlib.sha256(original.key.encode()).hexdigest()


def build_create_job(
    original: OriginalKey,
    originals_bucket: str,
    transcoded_bucket: str,
    role_arn: str,
    application_tag: str,
    source: SourceInfo | None = None,
) -> dict[str, Any]:
    """Keyword arguments for ``mediaconvert.create_job`` transcoding ``original``."""
    ladder = plan_ladder(source)
    with_audio = source is None or source.has_audio
    input_settings: dict[str, Any] = {
        # MediaConvert takes an s3:// URL of the raw key: spaces and unicode go in unescaped.
        "FileInput": f"s3://{originals_bucket}/{original.key}",
        "TimecodeSource": "ZEROBASED",
    }
    if original.extension in ISO_BMFF_EXTENSIONS:
        # Phones record portrait video as landscape plus a rotation flag; AUTO honours it (MP4/MOV only).
        input_settings["VideoSelector"] = {"Rotate": "AUTO"}
    if with_audio:
        input_settings["AudioSelectors"] = {AUDIO_SELECTOR: {"DefaultSelection": "DEFAULT"}}
    destination = f"s3://{transcoded_bucket}/{video_prefix(original.owner_id, original.video_id)}"
    return {
        "Role": role_arn,
        "ClientRequestToken": client_request_token(original),
        "UserMetadata": {
            "application": application_tag,
            "owner_id": original.owner_id,
            "video_id": original.video_id,
        },
        "StatusUpdateInterval": "SECONDS_10",
        "Settings": {
            "TimecodeConfig": {"Source": "ZEROBASED"},
            "Inputs": [input_settings],
            "OutputGroups": [
                _hls_group(destination + STREAM_FOLDER + STREAM_NAME, [_hls_output(size, with_audio) for size in ladder]),
                _file_group("MP4 renditions", destination, [_mp4_output(fallback_size(ladder), with_audio)]),
                _file_group("Thumbnail", destination, [_thumbnail_output(ladder[-1])]),
            ],
        },
    }


def _file_group(name: str, destination: str, outputs: list[dict[str, Any]]) -> dict[str, Any]:
    return {
        "Name": name,
        "OutputGroupSettings": {"Type": "FILE_GROUP_SETTINGS", "FileGroupSettings": {"Destination": destination}},
        "Outputs": outputs,
    }


def _hls_group(destination: str, outputs: list[dict[str, Any]]) -> dict[str, Any]:
    return {
        "Name": "HLS",
        "OutputGroupSettings": {
            "Type": "HLS_GROUP_SETTINGS",
            "HlsGroupSettings": {
                "Destination": destination,
                "SegmentLength": SEGMENT_SECONDS,
                "MinSegmentLength": 0,
                "SegmentControl": "SINGLE_FILE",
                "OutputSelection": "MANIFESTS_AND_SEGMENTS",
                "DirectoryStructure": "SINGLE_DIRECTORY",
                "ManifestDurationFormat": "FLOATING_POINT",
                "StreamInfResolution": "INCLUDE",
                "CodecSpecification": "RFC_4281",
            },
        },
        "Outputs": outputs,
    }


def _hls_output(size: OutputSize, with_audio: bool) -> dict[str, Any]:
    return _encoded(size, with_audio, name_modifier=f"_{size.rung.name}",
                    container={"Container": "M3U8", "M3u8Settings": {}})


def _mp4_output(size: OutputSize, with_audio: bool) -> dict[str, Any]:
    # PROGRESSIVE_DOWNLOAD puts the moov atom first ("faststart"): playback starts before the download ends.
    return _encoded(size, with_audio, name_modifier=f"_{size.rung.name}",
                    container={"Container": "MP4", "Mp4Settings": {"MoovPlacement": "PROGRESSIVE_DOWNLOAD"}})


def _encoded(size: OutputSize, with_audio: bool, name_modifier: str, container: dict[str, Any]) -> dict[str, Any]:
    """One rung's H.264 (+ AAC) output in ``container``: the HLS and MP4 renditions are encoded alike."""
    output: dict[str, Any] = {
        "NameModifier": name_modifier,
        "ContainerSettings": container,
        "VideoDescription": {
            "Width": size.width,
            "Height": size.height,
            "ScalingBehavior": "FIT_NO_UPSCALE",
            "CodecSettings": {
                "Codec": "H_264",
                "H264Settings": {
                    "RateControlMode": "QVBR",
                    "QvbrSettings": {"QvbrQualityLevel": QVBR_QUALITY},
                    "MaxBitrate": size.rung.max_bitrate,
                    "CodecProfile": "HIGH",
                    "CodecLevel": "AUTO",
                    "GopSize": 2.0,
                    "GopSizeUnits": "SECONDS",
                    "SceneChangeDetect": "TRANSITION_DETECTION",
                    "QualityTuningLevel": "SINGLE_PASS_HQ",
                },
            },
        },
    }
    if with_audio:
        output["AudioDescriptions"] = [{
            "AudioSourceName": AUDIO_SELECTOR,
            "CodecSettings": {
                "Codec": "AAC",
                "AacSettings": {
                    "Bitrate": size.rung.audio_bitrate,
                    "CodingMode": "CODING_MODE_2_0",
                    "SampleRate": 48000,
                },
            },
        }]
    return output


def _thumbnail_output(size: OutputSize) -> dict[str, Any]:
    # MediaConvert names it <input base name>_thumb.0000000.jpg
    return {
        "NameModifier": THUMBNAIL_MODIFIER,
        "ContainerSettings": {"Container": "RAW"},
        "VideoDescription": {
            "Width": size.width,
            "Height": size.height,
            "ScalingBehavior": "FIT_NO_UPSCALE",
            "CodecSettings": {
                "Codec": "FRAME_CAPTURE",
                "FrameCaptureSettings": {
                    "FramerateNumerator": 1,
                    "FramerateDenominator": 1,
                    "MaxCaptures": 1,
                    "Quality": 80,
                },
            },
        },
    }
