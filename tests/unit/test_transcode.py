"""The CreateJob request builder: ladder, no upscaling, HLS and faststart MP4s, a thumbnail, metadata; valid per botocore."""

from __future__ import annotations

from typing import Any

import pytest
from botocore.exceptions import ParamValidationError
from lambda_fakes import APPLICATION, ORIGINALS, OWNER, ROLE_ARN, TRANSCODED, assert_valid_create_job

from pettube.layout import parse_original_key
from pettube.probe import SourceInfo
from pettube.transcode import build_create_job, client_request_token

ORIGINAL = parse_original_key(f"{OWNER}/01jc5x8m9n2p3q4r5s6t7v8w9x/My cat + Kätzchen 🐱.mov")


def job(source: SourceInfo | None, original=ORIGINAL) -> dict[str, Any]:
    return build_create_job(original, ORIGINALS, TRANSCODED, ROLE_ARN, APPLICATION, source)


def group(request: dict[str, Any], name: str) -> dict[str, Any]:
    (found,) = [g for g in request["Settings"]["OutputGroups"] if g["Name"] == name]
    return found


def renditions(request: dict[str, Any]) -> list[dict[str, Any]]:
    return group(request, "MP4 renditions")["Outputs"]


def stream(request: dict[str, Any]) -> list[dict[str, Any]]:
    return group(request, "HLS")["Outputs"]


def thumbnail(request: dict[str, Any]) -> dict[str, Any]:
    (output,) = group(request, "Thumbnail")["Outputs"]
    return output


def sizes(request: dict[str, Any]) -> list[tuple[str, int, int]]:
    """The ladder: the stream's renditions."""
    return [(o["NameModifier"], o["VideoDescription"]["Width"], o["VideoDescription"]["Height"])
            for o in stream(request)]


@pytest.mark.parametrize("source", [
    None, SourceInfo(1920, 1080, True), SourceInfo(1080, 1920, False), SourceInfo(3840, 2160, True),
    SourceInfo(1280, 720, True), SourceInfo(320, 240, True), SourceInfo(16, 16, False), SourceInfo(1000, 1000, True),
])
def test_every_request_is_valid_for_mediaconvert_create_job(source: SourceInfo | None) -> None:
    assert_valid_create_job(job(source))


def test_model_check_catches_malformed_requests() -> None:
    missing_role = {k: v for k, v in job(None).items() if k != "Role"}
    with pytest.raises(ParamValidationError):
        assert_valid_create_job(missing_role)
    bad_enum = job(None)
    renditions(bad_enum)[0]["ContainerSettings"]["Mp4Settings"]["MoovPlacement"] = "FASTSTART"
    with pytest.raises(AssertionError, match="MoovPlacement"):
        assert_valid_create_job(bad_enum)


def test_unknown_source_gets_the_full_ladder_with_mediaconvert_refusing_to_upscale() -> None:
    request = job(None)
    assert sizes(request) == [("_1080p", 1920, 1080), ("_720p", 1280, 720), ("_480p", 854, 480), ("_360p", 640, 360)]
    outputs = stream(request) + renditions(request) + [thumbnail(request)]
    assert {o["VideoDescription"]["ScalingBehavior"] for o in outputs} == {"FIT_NO_UPSCALE"}


def test_known_720p_source_is_never_upscaled_to_1080p() -> None:
    assert sizes(job(SourceInfo(1280, 720, True))) == [("_720p", 1280, 720), ("_480p", 854, 480), ("_360p", 640, 360)]


def test_known_source_between_rungs_stops_at_the_rung_below() -> None:
    assert [name for name, _, _ in sizes(job(SourceInfo(1600, 900, True)))] == ["_720p", "_480p", "_360p"]


def test_portrait_source_keeps_its_orientation_and_aspect() -> None:
    assert sizes(job(SourceInfo(1080, 1920, True)))[0] == ("_1080p", 1080, 1920)
    assert sizes(job(SourceInfo(1080, 1920, True)))[-1] == ("_360p", 360, 640)


def test_source_smaller_than_every_rung_gets_one_rendition_at_its_own_size() -> None:
    assert sizes(job(SourceInfo(320, 240, True))) == [("_240p", 320, 240)]


def test_thumbnail_is_a_single_jpeg_frame_capture_at_the_smallest_rendition_size() -> None:
    request = job(SourceInfo(1280, 720, True))
    output = thumbnail(request)
    assert output["ContainerSettings"] == {"Container": "RAW"}
    codec = output["VideoDescription"]["CodecSettings"]
    assert codec["Codec"] == "FRAME_CAPTURE"
    assert codec["FrameCaptureSettings"]["MaxCaptures"] == 1
    assert (output["VideoDescription"]["Width"], output["VideoDescription"]["Height"]) == (640, 360)


def test_renditions_are_faststart_h264_aac_mp4s() -> None:
    for output in renditions(job(None)):
        assert output["ContainerSettings"] == {"Container": "MP4", "Mp4Settings": {"MoovPlacement": "PROGRESSIVE_DOWNLOAD"}}
        assert output["VideoDescription"]["CodecSettings"]["Codec"] == "H_264"
        assert output["VideoDescription"]["CodecSettings"]["H264Settings"]["MaxBitrate"] > 0
        assert output["AudioDescriptions"][0]["CodecSettings"]["Codec"] == "AAC"


def test_silent_source_asks_for_no_audio_so_mediaconvert_does_not_fail_on_a_missing_track() -> None:
    request = job(SourceInfo(1280, 720, has_audio=False))
    assert "AudioSelectors" not in request["Settings"]["Inputs"][0]
    assert all("AudioDescriptions" not in output for output in stream(request) + renditions(request))


def test_input_is_the_raw_key_and_outputs_go_under_the_owners_video_prefix() -> None:
    request = job(None)
    assert request["Settings"]["Inputs"][0]["FileInput"] == f"s3://{ORIGINALS}/{ORIGINAL.key}"
    prefix = f"s3://{TRANSCODED}/{OWNER}/01jc5x8m9n2p3q4r5s6t7v8w9x/"
    for name in ("MP4 renditions", "Thumbnail"):
        assert group(request, name)["OutputGroupSettings"]["FileGroupSettings"]["Destination"] == prefix
    assert group(request, "HLS")["OutputGroupSettings"]["HlsGroupSettings"]["Destination"] == prefix + "hls/stream"
    assert request["Role"] == ROLE_ARN


def test_user_metadata_names_owner_video_and_the_application_the_event_rule_filters_on() -> None:
    assert job(None)["UserMetadata"] == {
        "application": APPLICATION, "owner_id": OWNER, "video_id": "01jc5x8m9n2p3q4r5s6t7v8w9x"}


def test_rotation_metadata_is_honoured_only_for_containers_that_carry_it() -> None:
    webm = parse_original_key(f"{OWNER}/01jc5x8m9n2p3q4r5s6t7v8w9x/clip.webm")
    assert job(None)["Settings"]["Inputs"][0]["VideoSelector"] == {"Rotate": "AUTO"}
    assert "VideoSelector" not in job(None, webm)["Settings"]["Inputs"][0]


def test_client_request_token_is_stable_per_original_and_distinct_between_originals() -> None:
    other = parse_original_key(f"{OWNER}/01jc5x8m9n2p3q4r5s6t7v8w9y/My cat + Kätzchen 🐱.mov")
    assert job(None)["ClientRequestToken"] == job(SourceInfo(640, 360, True))["ClientRequestToken"]
    assert client_request_token(ORIGINAL) != client_request_token(other)


def test_the_stream_is_single_file_hls_with_the_same_ladder_never_upscaled() -> None:
    request = job(SourceInfo(1280, 720, True))
    settings = group(request, "HLS")["OutputGroupSettings"]
    assert settings["Type"] == "HLS_GROUP_SETTINGS"
    # One object per rendition, addressed by byte ranges: one presigned URL per media playlist.
    assert settings["HlsGroupSettings"]["SegmentControl"] == "SINGLE_FILE"
    assert sizes(request) == [("_720p", 1280, 720), ("_480p", 854, 480), ("_360p", 640, 360)]
    assert {o["ContainerSettings"]["Container"] for o in stream(request)} == {"M3U8"}
    # The one MP4 is encoded as its rung of the stream is.
    (mp4,) = renditions(request)
    assert (mp4["VideoDescription"], mp4["AudioDescriptions"]) == \
        (stream(request)[0]["VideoDescription"], stream(request)[0]["AudioDescriptions"])


@pytest.mark.parametrize(("source", "kept"), [
    (None, "_720p"), (SourceInfo(1920, 1080, True), "_720p"), (SourceInfo(854, 480, True), "_480p"),
    (SourceInfo(320, 240, True), "_240p")])
def test_one_mp4_is_kept_beside_the_stream_at_720p_or_the_largest_below(source, kept) -> None:
    assert [o["NameModifier"] for o in renditions(job(source))] == [kept]


def test_stream_segments_end_on_keyframes_of_every_rendition() -> None:
    segment = group(job(None), "HLS")["OutputGroupSettings"]["HlsGroupSettings"]["SegmentLength"]
    gops = {o["VideoDescription"]["CodecSettings"]["H264Settings"]["GopSize"] for o in stream(job(None))}
    assert len(gops) == 1 and segment % gops.pop() == 0
