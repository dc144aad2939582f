"""CreateJob settings -> an encode plan: what each output is, where it goes, at what size.

Pure code, no I/O: the plan is checked when the job is created (so a bad request
is a BadRequestException, never a job that fails later) and sized against the
probed input when it runs.
"""

from __future__ import annotations

import posixpath
from dataclasses import dataclass
from typing import Any

from localcloud.mediaconvert.exceptions import BadRequestException

# AWS documents these defaults for AAC and frame capture settings.
DEFAULT_AAC = {"Bitrate": 96000, "SampleRate": 48000, "CodingMode": "CODING_MODE_2_0"}
DEFAULT_JPEG_QUALITY = 80
DEFAULT_HLS_SEGMENT_SECONDS = 10

# OutputGroupSettings.Type -> (its settings member, the type COMPLETE events report, the containers it holds).
GROUP_KINDS = {
    "FILE_GROUP_SETTINGS": ("FileGroupSettings", "FILE_GROUP", ("MP4", "RAW")),
    "HLS_GROUP_SETTINGS": ("HlsGroupSettings", "HLS_GROUP", ("M3U8",)),
    "CMAF_GROUP_SETTINGS": ("CmafGroupSettings", "CMAF_GROUP", ("CMFC",)),
    "DASH_ISO_GROUP_SETTINGS": ("DashIsoGroupSettings", "DASH_ISO_GROUP", ("MPD",)),
}
# MediaConvert's S3 CannedAcl -> the x-amz-acl S3 applies to every object of the group.
CANNED_ACLS = {
    "PUBLIC_READ": "public-read",
    "AUTHENTICATED_READ": "authenticated-read",
    "BUCKET_OWNER_READ": "bucket-owner-read",
    "BUCKET_OWNER_FULL_CONTROL": "bucket-owner-full-control",
}


@dataclass(frozen=True)
class VideoPlan:
    """Size and H.264 rate control of one MP4 output."""

    width: int | None
    height: int | None
    scaling: str
    h264: dict[str, Any]


@dataclass(frozen=True)
class AudioPlan:
    """AAC settings of one MP4 output."""

    bitrate: int
    sample_rate: int
    channels: int


@dataclass(frozen=True)
class FramesPlan:
    """A JPEG frame capture output: the first frame, then one every denominator/numerator s."""

    width: int | None
    height: int | None
    scaling: str
    numerator: int
    denominator: int
    max_captures: int | None
    quality: int


@dataclass(frozen=True)
class GroupPlan:
    """One output group: what events call it, where it writes, and how it segments."""

    kind: str  # FILE_GROUP | HLS_GROUP, as the COMPLETE event reports it
    containers: tuple[str, ...]  # the containers its outputs may use
    bucket: str
    base: str  # key without extension; outputs add their NameModifier, an HLS group's main manifest is base.m3u8
    acl: str | None = None
    segment_seconds: int | None = None  # set for streaming groups
    single_file: bool = False  # SegmentControl SINGLE_FILE: one media file per output, addressed by byte ranges
    manifests: tuple[str, ...] = ()  # the group's top-level manifests: "m3u8" (HLS), "mpd" (DASH)
    min_buffer_seconds: float | None = None  # the MPD's minBufferTime (MinBufferTime; default SegmentLength)

    def manifest_uris(self) -> list[str]:
        """The group's top-level manifests, as playlistFilePaths reports them."""
        return [f"s3://{self.bucket}/{self.base}.{extension}" for extension in self.manifests]


@dataclass(frozen=True)
class OutputPlan:
    """One output file (MP4), file sequence (JPEG) or HLS rendition (playlist and segments), and its S3 location."""

    group: int
    bucket: str
    stem: str  # key without extension, e.g. "uid/vid/clip_720p"
    extension: str
    video: VideoPlan | None = None
    audio: AudioPlan | None = None
    frames: FramesPlan | None = None
    faststart: bool = True
    segment_seconds: int | None = None  # a streaming rendition: its segment target length
    single_file: bool = False
    segment_extension: str = "ts"  # ts (HLS), cmfv/cmfa (CMAF), mp4 (DASH ISO): the latter two are fragmented MP4

    def key(self, capture: int | None = None) -> str:
        """The S3 key; frame captures are numbered ``stem.NNNNNNN.jpg`` as MediaConvert does."""
        if capture is None:
            return f"{self.stem}.{self.extension}"
        return f"{self.stem}.{capture:07d}.{self.extension}"

    def uri(self, capture: int | None = None) -> str:
        """The s3:// path MediaConvert reports in outputFilePaths."""
        return f"s3://{self.bucket}/{self.key(capture)}"


@dataclass(frozen=True)
class EncodePlan:
    """Everything one job does: its input and all outputs, in job order."""

    input_uri: str
    input_bucket: str
    input_key: str
    autorotate: bool
    audio_selectors: frozenset[str]
    outputs: tuple[OutputPlan, ...]
    groups: tuple[GroupPlan, ...]


def split_s3_uri(uri: str, what: str) -> tuple[str, str]:
    """``s3://bucket/key`` -> (bucket, key); anything else is a BadRequestException."""
    if not uri.startswith("s3://") or "/" not in uri[5:] or uri[5:].startswith("/"):
        raise BadRequestException(f"{what}: {uri!r} is not an s3://bucket/key location")
    bucket, _, key = uri[5:].partition("/")
    return bucket, key


def build_plan(settings: dict[str, Any]) -> EncodePlan:
    """Check cross-field rules and lay out every output; raise BadRequestException on the first problem."""
    inputs = settings.get("Inputs") or []
    if len(inputs) != 1:
        raise BadRequestException("Settings.Inputs: the local MediaConvert runs jobs with exactly one input")
    source = inputs[0]
    if "FileInput" not in source:
        raise BadRequestException("Settings.Inputs[0].FileInput is required")
    bucket, key = split_s3_uri(source["FileInput"], "Settings.Inputs[0].FileInput")
    input_stem = posixpath.splitext(posixpath.basename(key))[0]
    selectors = frozenset(source.get("AudioSelectors", {}))
    groups = settings.get("OutputGroups") or []
    if not groups:
        raise BadRequestException("Settings.OutputGroups: at least one output group is required")
    outputs: list[OutputPlan] = []
    plans = []
    for g, group in enumerate(groups):
        where = f"Settings.OutputGroups[{g}]"
        plan = _group_plan(group.get("OutputGroupSettings", {}), input_stem, f"{where}.OutputGroupSettings")
        plans.append(plan)
        members = group.get("Outputs") or []
        if not members:
            raise BadRequestException(f"{where}.Outputs: at least one output is required")
        for o, output in enumerate(members):
            if (len(members) > 1 or plan.segment_seconds) and not output.get("NameModifier"):
                raise BadRequestException(f"{where}.Outputs[{o}].NameModifier is required when a group has several outputs or is a streaming group")
            stem = plan.base + output.get("NameModifier", "")
            outputs.append(_output_plan(output, g, plan, stem, selectors, f"{where}.Outputs[{o}]"))
    stems = [(plan.bucket, plan.stem, plan.extension) for plan in outputs]
    stems += [(plan.bucket, plan.base, extension) for plan in plans for extension in plan.manifests]
    if len(set(stems)) != len(stems):
        raise BadRequestException("Settings.OutputGroups: two outputs would write the same file; use distinct NameModifier values")
    rotate = source.get("VideoSelector", {}).get("Rotate", "DEGREE_0")
    return EncodePlan(source["FileInput"], bucket, key, rotate == "AUTO", selectors, tuple(outputs), tuple(plans))


def _group_plan(settings: dict[str, Any], input_stem: str, where: str) -> GroupPlan:
    kind = GROUP_KINDS.get(settings.get("Type", ""))
    group = settings.get(kind[0], {}) if kind else {}
    if kind is None or "Destination" not in group:
        raise BadRequestException(f"{where}: a {' or '.join(GROUP_KINDS)} Destination is required")
    member, name, containers = kind
    bucket, key = split_s3_uri(group["Destination"], f"{where}.{member}.Destination")
    # A destination ending in "/" is a folder: the file name comes from the input.
    base = key + input_stem if key.endswith("/") or not key else key
    acl = group.get("DestinationSettings", {}).get("S3Settings", {}).get("AccessControl", {}).get("CannedAcl")
    if name == "FILE_GROUP":
        return GroupPlan(name, containers, bucket, base, CANNED_ACLS.get(acl))
    manifests = {"HLS_GROUP": ("m3u8",), "DASH_ISO_GROUP": ("mpd",)}.get(name) or tuple(
        extension for extension, member in (("mpd", "WriteDashManifest"), ("m3u8", "WriteHlsManifest")) if group.get(member, "ENABLED") == "ENABLED"
    )
    return GroupPlan(
        name, containers, bucket, base, CANNED_ACLS.get(acl),
        segment_seconds=group.get("SegmentLength", DEFAULT_HLS_SEGMENT_SECONDS),
        single_file=group.get("SegmentControl") == "SINGLE_FILE",
        manifests=manifests,
        min_buffer_seconds=group["MinBufferTime"] / 1000 if "MinBufferTime" in group else None,
    )


def _output_plan(output: dict[str, Any], number: int, group: GroupPlan, stem: str, selectors: frozenset[str], where: str) -> OutputPlan:
    container = output.get("ContainerSettings", {}).get("Container")
    video = output.get("VideoDescription")
    codec = (video or {}).get("CodecSettings", {})
    if container not in group.containers:
        raise BadRequestException(f"{where}.ContainerSettings.Container must be {' or '.join(group.containers)} in a {group.kind}")
    if container == "RAW":
        if codec.get("Codec") != "FRAME_CAPTURE" or output.get("AudioDescriptions"):
            raise BadRequestException(f"{where}: a RAW container holds a FRAME_CAPTURE video and no audio")
        return OutputPlan(number, group.bucket, stem, output.get("Extension", "jpg"), frames=_frames_plan(video, codec, where))
    audio = output.get("AudioDescriptions") or []
    if len(audio) > 1:
        raise BadRequestException(f"{where}.AudioDescriptions: the local MediaConvert writes at most one audio track")
    if video is None and not audio:
        raise BadRequestException(f"{where}: an {container} output needs a VideoDescription or an AudioDescription")
    if container in ("CMFC", "MPD") and video is not None and audio:
        raise BadRequestException(f"{where}: a {container} output holds video or audio, not both; put each in its own output")
    segment_extension = {"M3U8": "ts", "MPD": "mp4", "CMFC": "cmfv" if video is not None else "cmfa"}.get(container, "ts")
    moov = output["ContainerSettings"].get("Mp4Settings", {}).get("MoovPlacement", "PROGRESSIVE_DOWNLOAD")
    return OutputPlan(
        number,
        group.bucket,
        stem,
        output.get("Extension", "mp4" if container == "MP4" else "m3u8"),
        video=_video_plan(video, codec, where) if video else None,
        audio=_audio_plan(audio[0], selectors, f"{where}.AudioDescriptions[0]") if audio else None,
        faststart=moov == "PROGRESSIVE_DOWNLOAD",
        segment_seconds=group.segment_seconds,
        single_file=group.single_file,
        segment_extension=segment_extension,
    )


def _video_plan(video: dict[str, Any], codec: dict[str, Any], where: str) -> VideoPlan:
    if codec.get("Codec") != "H_264":
        raise BadRequestException(f"{where}.VideoDescription.CodecSettings.Codec must be H_264 in an MP4 or M3U8 container")
    h264 = dict(codec.get("H264Settings", {}))
    mode = h264.setdefault("RateControlMode", "CBR")
    if mode in ("CBR", "VBR") and "Bitrate" not in h264:
        raise BadRequestException(f"{where}...H264Settings.Bitrate is required for {mode} rate control")
    if mode == "QVBR" and "MaxBitrate" not in h264:
        raise BadRequestException(f"{where}...H264Settings.MaxBitrate is required for QVBR rate control")
    if h264.get("FramerateControl") == "SPECIFIED" and not (h264.get("FramerateNumerator") and h264.get("FramerateDenominator")):
        raise BadRequestException(f"{where}...H264Settings: FramerateNumerator and FramerateDenominator are required when FramerateControl is SPECIFIED")
    if h264.get("ParControl") == "SPECIFIED" and h264.get("ParNumerator") != h264.get("ParDenominator"):
        raise BadRequestException(f"{where}...H264Settings: the local MediaConvert writes square pixels only (ParNumerator equal to ParDenominator)")
    return VideoPlan(video.get("Width"), video.get("Height"), video.get("ScalingBehavior", "DEFAULT"), h264)


def _frames_plan(video: dict[str, Any], codec: dict[str, Any], where: str) -> FramesPlan:
    settings = codec.get("FrameCaptureSettings", {})
    if not (settings.get("FramerateNumerator") and settings.get("FramerateDenominator")):
        raise BadRequestException(f"{where}...FrameCaptureSettings: FramerateNumerator and FramerateDenominator are required")
    return FramesPlan(
        video.get("Width"),
        video.get("Height"),
        video.get("ScalingBehavior", "DEFAULT"),
        settings["FramerateNumerator"],
        settings["FramerateDenominator"],
        settings.get("MaxCaptures"),
        settings.get("Quality", DEFAULT_JPEG_QUALITY),
    )


def _audio_plan(description: dict[str, Any], selectors: frozenset[str], where: str) -> AudioPlan:
    codec = description.get("CodecSettings", {})
    if codec.get("Codec") != "AAC":
        raise BadRequestException(f"{where}.CodecSettings.Codec must be AAC")
    source = description.get("AudioSourceName")
    if source is not None and source not in selectors:
        raise BadRequestException(f"{where}.AudioSourceName {source!r} names no AudioSelector of the input")
    aac = {**DEFAULT_AAC, **codec.get("AacSettings", {})}
    channels = 1 if aac["CodingMode"] == "CODING_MODE_1_0" else 2
    return AudioPlan(aac["Bitrate"], aac["SampleRate"], channels)


def _even(value: float) -> int:
    return max(2, int(round(value / 2)) * 2)


def frame_size(width: int | None, height: int | None, scaling: str, src_w: int, src_h: int) -> tuple[int, int, int, int]:
    """(frame width, frame height, picture width, picture height) for MediaConvert's scaling behaviours."""
    if width is None and height is None:
        return src_w, src_h, src_w, src_h
    if width is None:
        width = _even(src_w * height / src_h)
        return width, height, width, height
    if height is None:
        height = _even(src_h * width / src_w)
        return width, height, width, height
    if scaling == "STRETCH_TO_OUTPUT":
        return width, height, width, height
    fit = min(width / src_w, height / src_h)
    if scaling == "FILL":
        cover = max(width / src_w, height / src_h)
        return width, height, _even(src_w * cover), _even(src_h * cover)
    if scaling == "FIT_NO_UPSCALE":
        fit = min(fit, 1.0)
    inner_w, inner_h = min(width, _even(src_w * fit)), min(height, _even(src_h * fit))
    if scaling == "DEFAULT":  # fit, then pad to the requested frame
        return width, height, inner_w, inner_h
    return inner_w, inner_h, inner_w, inner_h
