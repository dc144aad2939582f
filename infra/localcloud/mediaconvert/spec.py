"""The subset of CreateJob the local MediaConvert runs; anything else is refused by name.

The tree mirrors CreateJob's request (boto3 member names). A leaf is ``ANY`` (the
value is used as given), the set of values the local service honours, or
``NoEffect``: a setting accepted because it only tunes how MediaConvert's own encoder
or muxer works (sharpness, adaptive quantization, transport stream PIDs...) and has
no meaningful effect on what ffmpeg writes. A member or value outside the tree is a
BadRequestException naming it, so a job never runs with a setting silently dropped.
docs/mediaconvert.md renders the same subset for people; its list of no-effect
settings is generated from this tree (``render_no_effect``) and a test keeps it so.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

from localcloud.mediaconvert.exceptions import BadRequestException

ANY = object()


@dataclass(frozen=True)
class NoEffect:
    """Accepted with ``values`` (a set, or ANY), and changes nothing in the outputs."""

    values: Any = ANY


_H264_LEVELS = {"AUTO"} | {
    f"LEVEL_{level}" for level in ("1", "1_1", "1_2", "1_3", "2", "2_1", "2_2", "3", "3_1", "3_2", "4", "4_1", "4_2", "5", "5_1", "5_2")
}

_ENABLED = {"ENABLED", "DISABLED"}
_AQ = NoEffect({"ENABLED", "DISABLED"})

H264: dict[str, Any] = {
    "RateControlMode": {"CBR", "VBR", "QVBR"},
    "Bitrate": ANY,
    "MaxBitrate": ANY,
    "HrdBufferSize": ANY,
    "QvbrSettings": {"QvbrQualityLevel": ANY, "QvbrQualityLevelFineTune": NoEffect()},
    "CodecProfile": {"BASELINE", "MAIN", "HIGH"},
    "CodecLevel": _H264_LEVELS,
    "GopSize": ANY,
    "GopSizeUnits": {"FRAMES", "SECONDS"},
    "FramerateControl": {"INITIALIZE_FROM_SOURCE", "SPECIFIED"},
    "FramerateNumerator": ANY,
    "FramerateDenominator": ANY,
    "NumberBFramesBetweenReferenceFrames": ANY,
    "SceneChangeDetect": {"ENABLED", "DISABLED", "TRANSITION_DETECTION"},
    "QualityTuningLevel": {"SINGLE_PASS", "SINGLE_PASS_HQ", "MULTI_PASS_HQ"},
    "ParControl": {"INITIALIZE_FROM_SOURCE", "SPECIFIED"},
    "ParNumerator": ANY,
    "ParDenominator": ANY,
    "InterlaceMode": NoEffect({"PROGRESSIVE"}),
    "Syntax": NoEffect({"DEFAULT"}),
    "SlowPal": NoEffect({"DISABLED"}),
    "Telecine": NoEffect({"NONE"}),
    "FramerateConversionAlgorithm": NoEffect({"DUPLICATE_DROP", "INTERPOLATE", "FRAMEFORMER"}),
    "AdaptiveQuantization": NoEffect({"OFF", "AUTO", "LOW", "MEDIUM", "HIGH", "HIGHER", "MAX"}),
    "SpatialAdaptiveQuantization": _AQ,
    "TemporalAdaptiveQuantization": _AQ,
    "FlickerAdaptiveQuantization": _AQ,
    "Softness": NoEffect(),
    "HrdBufferInitialFillPercentage": NoEffect(),
    "HrdBufferFinalFillPercentage": NoEffect(),
    "GopClosedCadence": NoEffect(),
    "GopBReference": NoEffect(_ENABLED),
    "MinIInterval": NoEffect(),
    "NumberReferenceFrames": NoEffect(),
    "Slices": NoEffect(),
    "EntropyEncoding": NoEffect({"CABAC", "CAVLC"}),
    "FieldEncoding": NoEffect({"PAFF", "FORCE_FIELD", "MBAFF"}),
    "UnregisteredSeiTimecode": NoEffect(_ENABLED),
    "RepeatPps": NoEffect(_ENABLED),
    "DynamicSubGop": NoEffect({"ADAPTIVE", "STATIC"}),
    "WriteMp4PackagingType": NoEffect({"AVC1", "AVC3"}),
}

FRAME_CAPTURE: dict[str, Any] = {
    "FramerateNumerator": ANY,
    "FramerateDenominator": ANY,
    "MaxCaptures": ANY,
    "Quality": ANY,
}

VIDEO: dict[str, Any] = {
    "Width": ANY,
    "Height": ANY,
    "ScalingBehavior": {"DEFAULT", "STRETCH_TO_OUTPUT", "FIT", "FIT_NO_UPSCALE", "FILL"},
    "AntiAlias": NoEffect(_ENABLED),
    "Sharpness": NoEffect(),
    "AfdSignaling": NoEffect({"NONE", "AUTO", "FIXED"}),
    "RespondToAfd": NoEffect({"NONE"}),
    "TimecodeInsertion": NoEffect({"DISABLED", "PIC_TIMING_SEI"}),
    "DropFrameTimecode": NoEffect(_ENABLED),
    "ColorMetadata": NoEffect({"INSERT", "IGNORE"}),
    "CodecSettings": {
        "Codec": {"H_264", "FRAME_CAPTURE"},
        "H264Settings": H264,
        "FrameCaptureSettings": FRAME_CAPTURE,
    },
}

AUDIO: dict[str, Any] = {
    "AudioSourceName": ANY,
    "AudioTypeControl": NoEffect({"FOLLOW_INPUT", "USE_CONFIGURED"}),
    "AudioType": NoEffect(),
    "LanguageCodeControl": NoEffect({"FOLLOW_INPUT", "USE_CONFIGURED"}),
    "StreamName": NoEffect(),
    "CodecSettings": {
        "Codec": {"AAC"},
        "AacSettings": {
            "Bitrate": ANY,
            "CodingMode": {"CODING_MODE_1_0", "CODING_MODE_2_0"},
            "SampleRate": ANY,
            # HE-AAC profiles are encoded as AAC-LC at the same bitrate: ffmpeg's own AAC encoder has no SBR.
            "CodecProfile": NoEffect({"LC", "HEV1", "HEV2"}),
            "RateControlMode": NoEffect({"CBR"}),
            "RawFormat": NoEffect({"NONE"}),
            "Specification": NoEffect({"MPEG4"}),
            "AudioDescriptionBroadcasterMix": NoEffect({"NORMAL"}),
        },
    },
}

M3U8_CONTAINER: dict[str, Any] = {
    name: NoEffect()
    for name in (
        "AudioFramesPerPes", "AudioPids", "PatInterval", "PmtInterval", "PmtPid", "PrivateMetadataPid",
        "ProgramNumber", "Scte35Pid", "TimedMetadataPid", "VideoPid", "TransportStreamId", "PcrPid",
    )
} | {
    "PcrControl": NoEffect({"PCR_EVERY_PES_PACKET", "CONFIGURED_PCR_PERIOD"}),
    "Scte35Source": NoEffect({"NONE"}),
    "TimedMetadata": NoEffect({"NONE"}),
    "NielsenId3": NoEffect({"NONE"}),
    "AudioDuration": NoEffect({"DEFAULT_CODEC_DURATION"}),
}

HLS_OUTPUT: dict[str, Any] = {
    "AudioGroupId": NoEffect(),
    "AudioRenditionSets": NoEffect(),
    "AudioTrackType": NoEffect({"AUDIO_ONLY_VARIANT_STREAM"}),
    "SegmentModifier": NoEffect(),
    "IFrameOnlyManifest": NoEffect({"EXCLUDE"}),
    "AudioOnlyContainer": NoEffect({"AUTOMATIC"}),
}

OUTPUT: dict[str, Any] = {
    "NameModifier": ANY,
    "Extension": ANY,
    "Preset": ANY,
    "ContainerSettings": {
        "Container": {"MP4", "RAW", "M3U8", "CMFC", "MPD"},
        "Mp4Settings": {
            "MoovPlacement": {"PROGRESSIVE_DOWNLOAD", "NORMAL"},
            "CslgAtom": NoEffect({"INCLUDE", "EXCLUDE"}),
            "FreeSpaceBox": NoEffect({"EXCLUDE"}),
            "AudioDuration": NoEffect({"DEFAULT_CODEC_DURATION"}),
        },
        "M3u8Settings": M3U8_CONTAINER,
        "CmfcSettings": {
            "AudioDuration": NoEffect({"DEFAULT_CODEC_DURATION"}),
            "AudioGroupId": NoEffect(),
            "AudioRenditionSets": NoEffect(),
            "AudioTrackType": NoEffect({"ALTERNATE_AUDIO_AUTO_SELECT_DEFAULT", "ALTERNATE_AUDIO_AUTO_SELECT"}),
            "IFrameOnlyManifest": NoEffect({"EXCLUDE"}),
            "Scte35Source": NoEffect({"NONE"}),
            "Scte35Esam": NoEffect({"NONE"}),
            "TimedMetadata": NoEffect({"NONE"}),
        },
        "MpdSettings": {
            "AudioDuration": NoEffect({"DEFAULT_CODEC_DURATION"}),
            "CaptionContainerType": NoEffect({"RAW"}),
            "Scte35Source": NoEffect({"NONE"}),
            "Scte35Esam": NoEffect({"NONE"}),
            "TimedMetadata": NoEffect({"NONE"}),
        },
    },
    "OutputSettings": {"HlsSettings": HLS_OUTPUT},
    "VideoDescription": VIDEO,
    "AudioDescriptions": [AUDIO],
}

INPUT: dict[str, Any] = {
    "FileInput": ANY,
    "AudioSelectors": {
        "*": {
            "DefaultSelection": {"DEFAULT", "NOT_DEFAULT"},
            "Offset": NoEffect({0}),
            "ProgramSelection": NoEffect({0, 1}),
        }
    },
    "VideoSelector": {"Rotate": {"DEGREE_0", "AUTO"}, "ColorSpace": NoEffect({"FOLLOW"}), "AlphaBehavior": NoEffect({"DISCARD"})},
    "TimecodeSource": NoEffect({"ZEROBASED", "EMBEDDED"}),
    "PsiControl": NoEffect({"USE_PSI"}),
    "DeblockFilter": NoEffect({"DISABLED"}),
    "DenoiseFilter": NoEffect({"DISABLED"}),
    "FilterEnable": NoEffect({"AUTO"}),
    "FilterStrength": NoEffect({0}),
}

# Where S3 writes the group's objects; CannedAcl is honoured (the objects get that ACL).
DESTINATION_SETTINGS: dict[str, Any] = {
    "S3Settings": {
        "AccessControl": {"CannedAcl": {"PUBLIC_READ", "AUTHENTICATED_READ", "BUCKET_OWNER_READ", "BUCKET_OWNER_FULL_CONTROL"}},
    },
}

HLS_GROUP: dict[str, Any] = {
    "Destination": ANY,
    "DestinationSettings": DESTINATION_SETTINGS,
    "SegmentLength": ANY,
    "SegmentControl": {"SEGMENTED_FILES", "SINGLE_FILE"},
    "MinSegmentLength": NoEffect({0}),
    "OutputSelection": {"MANIFESTS_AND_SEGMENTS"},
    "DirectoryStructure": {"SINGLE_DIRECTORY"},
    "StreamInfResolution": {"INCLUDE"},
    "ManifestDurationFormat": NoEffect({"INTEGER", "FLOATING_POINT"}),
    "CodecSpecification": NoEffect({"RFC_4281", "RFC_6381"}),
    "ManifestCompression": NoEffect({"NONE"}),
    "ClientCache": NoEffect(_ENABLED),
    "CaptionLanguageSetting": NoEffect({"OMIT", "NONE"}),
    "ProgramDateTime": NoEffect({"EXCLUDE"}),
    "ProgramDateTimePeriod": NoEffect(),
    "TimedMetadataId3Frame": NoEffect({"PRIV", "TDRL", "NONE"}),
    "TimedMetadataId3Period": NoEffect(),
    "TimestampDeltaMilliseconds": NoEffect({0}),
}

# What CMAF and DASH ISO groups share: fMP4 segments of SegmentLength, a DASH manifest derived from them.
_FMP4_GROUP: dict[str, Any] = {
    "Destination": ANY,
    "DestinationSettings": DESTINATION_SETTINGS,
    "SegmentLength": ANY,
    "SegmentControl": {"SEGMENTED_FILES", "SINGLE_FILE"},
    "SegmentLengthControl": {"EXACT", "GOP_MULTIPLE"},
    "MinBufferTime": ANY,
    "MpdProfile": {"MAIN_PROFILE"},
    "MpdManifestBandwidthType": {"MAX"},
    "WriteSegmentTimelineInRepresentation": {"ENABLED"},
    "FragmentLength": NoEffect(),
    "MinFinalSegmentLength": NoEffect(),
    "PtsOffsetHandlingForBFrames": NoEffect({"ZERO_BASED", "MATCH_INITIAL_PTS"}),
    "VideoCompositionOffsets": NoEffect({"SIGNED", "UNSIGNED"}),
    "DashManifestStyle": NoEffect({"BASIC"}),
}

CMAF_GROUP: dict[str, Any] = _FMP4_GROUP | {
    "WriteDashManifest": {"ENABLED", "DISABLED"},
    "WriteHlsManifest": {"ENABLED", "DISABLED"},
    "StreamInfResolution": {"INCLUDE"},
    "ManifestDurationFormat": NoEffect({"INTEGER", "FLOATING_POINT"}),
    "CodecSpecification": NoEffect({"RFC_4281", "RFC_6381"}),
    "ManifestCompression": NoEffect({"NONE"}),
    "ClientCache": NoEffect(_ENABLED),
    "TargetDurationCompatibilityMode": NoEffect({"LEGACY", "SPEC_COMPLIANT"}),
}

DASH_ISO_GROUP: dict[str, Any] = _FMP4_GROUP | {
    "HbbtvCompliance": NoEffect({"NONE"}),
    "AudioChannelConfigSchemeIdUri": NoEffect({"MPEG_CHANNEL_CONFIGURATION"}),
}

CREATE_JOB: dict[str, Any] = {
    "Role": ANY,
    "UserMetadata": ANY,
    "Queue": ANY,
    "JobTemplate": ANY,
    "ClientRequestToken": ANY,
    "Priority": ANY,
    "StatusUpdateInterval": ANY,
    "Tags": ANY,
    "BillingTagsSource": ANY,
    "SimulateReservedQueue": NoEffect({"DISABLED"}),
    "AccelerationSettings": {"Mode": NoEffect({"DISABLED", "PREFERRED"})},
    "Settings": {
        "Inputs": [INPUT],
        "OutputGroups": [
            {
                "Name": ANY,
                "CustomName": ANY,
                "OutputGroupSettings": {
                    "Type": {"FILE_GROUP_SETTINGS", "HLS_GROUP_SETTINGS", "CMAF_GROUP_SETTINGS", "DASH_ISO_GROUP_SETTINGS"},
                    "FileGroupSettings": {"Destination": ANY, "DestinationSettings": DESTINATION_SETTINGS},
                    "HlsGroupSettings": HLS_GROUP,
                    "CmafGroupSettings": CMAF_GROUP,
                    "DashIsoGroupSettings": DASH_ISO_GROUP,
                },
                "Outputs": [OUTPUT],
            }
        ],
        "TimecodeConfig": {"Source": NoEffect({"ZEROBASED", "EMBEDDED"})},
        "AdAvailOffset": NoEffect({0}),
    },
}


def check_supported(params: Any, spec: Any = CREATE_JOB, path: str = "") -> None:
    """Refuse, by its path, the first member or value the local service does not run."""
    if spec is ANY:
        return
    if isinstance(spec, NoEffect):
        check_supported(params, spec.values, path)
        return
    if isinstance(spec, list):
        for index, item in enumerate(params):
            check_supported(item, spec[0], f"{path}[{index}]")
        return
    if isinstance(spec, set):
        if params not in spec:
            raise BadRequestException(
                f"{path}={params!r} is not supported by the local MediaConvert "
                f"(supported: {', '.join(sorted(map(str, spec)))}); see docs/mediaconvert.md"
            )
        return
    for key, value in params.items():
        child = spec.get(key, spec.get("*"))
        where = f"{path}.{key}" if path else key
        if child is None:
            raise BadRequestException(
                f"{where} is not supported by the local MediaConvert; see docs/mediaconvert.md"
            )
        check_supported(value, child, where)


def no_effect_settings(spec: Any = CREATE_JOB, path: str = "") -> Iterator[tuple[str, Any]]:
    """(path, accepted values) of every NoEffect setting, in tree order; list items are written ``[]``."""
    if isinstance(spec, NoEffect):
        yield path, spec.values
    elif isinstance(spec, list):
        yield from no_effect_settings(spec[0], f"{path}[]")
    elif isinstance(spec, dict):
        for key, child in spec.items():
            yield from no_effect_settings(child, f"{path}.{key}" if path else key)


def render_no_effect() -> str:
    """The Markdown table of no-effect settings that docs/mediaconvert.md carries."""
    rows = ["| setting | accepted values |", "|---|---|"]
    for path, values in no_effect_settings():
        shown = "any" if values is ANY else ", ".join(f"`{value}`" for value in sorted(map(str, values)))
        rows.append(f"| `{path.removeprefix('Settings.')}` | {shown} |")
    return "\n".join(rows) + "\n"
