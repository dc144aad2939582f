"""The subset of CreateJob the local MediaConvert runs; anything else is refused by name.

The tree mirrors CreateJob's request (boto3 member names). A leaf is ``ANY`` (the
value is used as given) or the set of values the local service honours: those it
implements, plus AWS defaults that change nothing for the outputs it writes (e.g.
``InterlaceMode: PROGRESSIVE``). A member or value outside the tree is a
BadRequestException naming it, so a job never runs with a setting silently dropped.
docs/mediaconvert.md renders the same subset for people.
"""

from __future__ import annotations

from typing import Any

from localcloud.mediaconvert.exceptions import BadRequestException

ANY = object()

_H264_LEVELS = {"AUTO"} | {
    f"LEVEL_{level}" for level in ("1", "1_1", "1_2", "1_3", "2", "2_1", "2_2", "3", "3_1", "3_2", "4", "4_1", "4_2", "5", "5_1", "5_2")
}

H264: dict[str, Any] = {
    "RateControlMode": {"CBR", "VBR", "QVBR"},
    "Bitrate": ANY,
    "MaxBitrate": ANY,
    "QvbrSettings": {"QvbrQualityLevel": ANY},
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
    "InterlaceMode": {"PROGRESSIVE"},
    "ParControl": {"INITIALIZE_FROM_SOURCE"},
    "Syntax": {"DEFAULT"},
    "SlowPal": {"DISABLED"},
    "Telecine": {"NONE"},
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
    "AntiAlias": {"ENABLED"},
    "AfdSignaling": {"NONE"},
    "RespondToAfd": {"NONE"},
    "TimecodeInsertion": {"DISABLED"},
    "ColorMetadata": {"INSERT"},
    "CodecSettings": {
        "Codec": {"H_264", "FRAME_CAPTURE"},
        "H264Settings": H264,
        "FrameCaptureSettings": FRAME_CAPTURE,
    },
}

AUDIO: dict[str, Any] = {
    "AudioSourceName": ANY,
    "AudioTypeControl": {"FOLLOW_INPUT"},
    "LanguageCodeControl": {"FOLLOW_INPUT"},
    "CodecSettings": {
        "Codec": {"AAC"},
        "AacSettings": {
            "Bitrate": ANY,
            "CodingMode": {"CODING_MODE_1_0", "CODING_MODE_2_0"},
            "SampleRate": ANY,
            "CodecProfile": {"LC"},
            "RateControlMode": {"CBR"},
            "RawFormat": {"NONE"},
            "Specification": {"MPEG4"},
        },
    },
}

OUTPUT: dict[str, Any] = {
    "NameModifier": ANY,
    "Extension": ANY,
    "ContainerSettings": {
        "Container": {"MP4", "RAW"},
        "Mp4Settings": {
            "MoovPlacement": {"PROGRESSIVE_DOWNLOAD", "NORMAL"},
            "CslgAtom": {"INCLUDE", "EXCLUDE"},
            "FreeSpaceBox": {"EXCLUDE"},
            "AudioDuration": {"DEFAULT_CODEC_DURATION"},
        },
    },
    "VideoDescription": VIDEO,
    "AudioDescriptions": [AUDIO],
}

INPUT: dict[str, Any] = {
    "FileInput": ANY,
    "AudioSelectors": {"*": {"DefaultSelection": {"DEFAULT", "NOT_DEFAULT"}}},
    "VideoSelector": {"Rotate": {"DEGREE_0", "AUTO"}, "ColorSpace": {"FOLLOW"}},
    "TimecodeSource": {"ZEROBASED", "EMBEDDED"},
    "PsiControl": {"USE_PSI"},
    "DeblockFilter": {"DISABLED"},
    "DenoiseFilter": {"DISABLED"},
    "FilterEnable": {"AUTO"},
}

CREATE_JOB: dict[str, Any] = {
    "Role": ANY,
    "UserMetadata": ANY,
    "Queue": ANY,
    "ClientRequestToken": ANY,
    "Priority": ANY,
    "StatusUpdateInterval": ANY,
    "Tags": ANY,
    "BillingTagsSource": ANY,
    "SimulateReservedQueue": {"DISABLED"},
    "AccelerationSettings": {"Mode": {"DISABLED", "PREFERRED"}},
    "Settings": {
        "Inputs": [INPUT],
        "OutputGroups": [
            {
                "Name": ANY,
                "CustomName": ANY,
                "OutputGroupSettings": {
                    "Type": {"FILE_GROUP_SETTINGS"},
                    "FileGroupSettings": {"Destination": ANY},
                },
                "Outputs": [OUTPUT],
            }
        ],
        "TimecodeConfig": {"Source": {"ZEROBASED", "EMBEDDED"}},
    },
}


def check_supported(params: Any, spec: Any = CREATE_JOB, path: str = "") -> None:
    """Refuse, by its path, the first member or value the local service does not run."""
    if spec is ANY:
        return
    if isinstance(spec, list):
        for index, item in enumerate(params):
            check_supported(item, spec[0], f"{path}[{index}]")
        return
    if isinstance(spec, set):
        if params not in spec:
            raise BadRequestException(
                f"{path}={params!r} is not supported by the local MediaConvert "
                f"(supported: {', '.join(sorted(spec))}); see docs/mediaconvert.md"
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
