"""AWS's own published job settings, run unchanged (but for buckets, role and input) through the local MediaConvert.

The JSON files under mediaconvert_jobs/ name their origin in its README. Each job runs
on a short generated clip; every output is then read back from S3 and checked the way
ffprobe would check it: size, duration, bitrate against what was asked, segment
lengths, and a main manifest that lists every rendition.
"""

from __future__ import annotations

import json
import math
import xml.etree.ElementTree as ET
from pathlib import Path
from typing import Any

import pytest
from test_mediaconvert import FFMPEG, ROLE, EventLog, Harness, events_queue, finished, harness, moto_url  # noqa: F401 - fixtures

from localcloud.mediaconvert import hls
from localcloud.mediaconvert.probe import probe
from localcloud.mediaconvert.samples import make_clip

pytestmark = pytest.mark.slow

JOBS = Path(__file__).parent / "mediaconvert_jobs"
CLIP_SECONDS = 4  # two segments for a 3 s SegmentLength; 10 fps keeps the 1080p renditions cheap
TOLERANCE_MS = 150
BITRATE_TOLERANCE = 1.2  # x264's VBV keeps the average under the cap; this leaves room for the container


def published(name: str, input_key: str) -> dict[str, Any]:
    """A published job (or its Settings alone), pointed at the test buckets, role and input."""
    job = json.loads((JOBS / name).read_text())
    job = job if "Settings" in job else {"Settings": job}
    job["Role"] = ROLE
    for source in job["Settings"].setdefault("Inputs", [{}]):
        source["FileInput"] = f"s3://originals/{input_key}"
    for group in job["Settings"]["OutputGroups"]:
        settings = settings_of(group)
        settings["Destination"] = "s3://transcoded/" + settings["Destination"].removeprefix("s3://").partition("/")[2]
    return job


def run(h: Harness, events: EventLog, tmp_path: Path, request: dict[str, Any], wait_until: Any) -> dict[str, Any]:
    """Run the job on a fresh clip; return the COMPLETE event's detail."""
    clip = make_clip(FFMPEG, tmp_path / "VANLIFE.mp4", seconds=CLIP_SECONDS, width=320, height=180, fps=10)
    h.s3.upload_file(str(clip), "originals", "VANLIFE.mp4")
    job = h.mediaconvert.create_job(**request)["Job"]
    done = finished(h, job["Id"], wait_until)
    assert done["Status"] == "COMPLETE", done.get("ErrorMessage")
    return wait_until(lambda: [e["detail"] for e in events.for_job(job["Id"]) if e["detail"]["status"] == "COMPLETE"], message="COMPLETE event")[0]


def download(h: Harness, uri: str, folder: Path) -> Path:
    bucket, _, key = uri.removeprefix("s3://").partition("/")
    target = folder / key.rpartition("/")[2]
    h.s3.download_file(bucket, key, str(target))
    return target


def settings_of(group: dict[str, Any]) -> dict[str, Any]:
    """The group's type-specific settings (HlsGroupSettings, CmafGroupSettings...)."""
    return next(value for key, value in group["OutputGroupSettings"].items() if key != "Type")


def cap(output: dict[str, Any]) -> int:
    h264 = output["VideoDescription"]["CodecSettings"]["H264Settings"]
    return h264.get("MaxBitrate") or h264["Bitrate"]


def check_group(h: Harness, group: dict[str, Any], details: dict[str, Any], folder: Path) -> None:
    """Every output of one group is in S3 and is what the group asked for."""
    kind = group["OutputGroupSettings"]["Type"]
    assert details["type"] == kind.removesuffix("_SETTINGS")
    assert len(details["outputDetails"]) == len(group["Outputs"])
    if kind == "HLS_GROUP_SETTINGS":
        check_hls(h, group, details, folder)
        return
    if kind in ("CMAF_GROUP_SETTINGS", "DASH_ISO_GROUP_SETTINGS"):
        check_fmp4(h, group, details, folder)
        return
    for output, detail in zip(group["Outputs"], details["outputDetails"]):
        video = output["VideoDescription"]
        if output["ContainerSettings"]["Container"] == "RAW":
            capture = video["CodecSettings"]["FrameCaptureSettings"]
            expected = min(capture["MaxCaptures"], math.ceil(CLIP_SECONDS * capture["FramerateNumerator"] / capture["FramerateDenominator"]))
            assert detail["outputFilePaths"][0].endswith(f".{expected - 1:07d}.jpg")
            (image,) = probe(FFMPEG, download(h, detail["outputFilePaths"][0], folder))
            assert (image.video[0].width, image.video[0].height) == (video["Width"], video["Height"])
            continue
        path = download(h, detail["outputFilePaths"][0], folder)
        (info,) = probe(FFMPEG, path)
        assert (info.video[0].width, info.video[0].height) == (video["Width"], video["Height"]) == (detail["videoDetails"]["widthInPx"], detail["videoDetails"]["heightInPx"])
        assert abs(info.duration_ms - CLIP_SECONDS * 1000) <= TOLERANCE_MS
        assert 8 * path.stat().st_size / CLIP_SECONDS <= BITRATE_TOLERANCE * (cap(output) + 96000)


def check_hls(h: Harness, group: dict[str, Any], details: dict[str, Any], folder: Path) -> None:
    settings = settings_of(group)
    (main_uri,) = details["playlistFilePaths"]
    main = download(h, main_uri, folder).read_text().splitlines()
    listed = {main[n + 1]: line for n, line in enumerate(main) if line.startswith("#EXT-X-STREAM-INF:")}
    assert len(listed) == len(group["Outputs"])
    for output, detail in zip(group["Outputs"], details["outputDetails"]):
        video = output["VideoDescription"]
        playlist_uri = detail["outputFilePaths"][0]
        name = playlist_uri.rpartition("/")[2]
        assert name == main_uri.rpartition("/")[2].removesuffix(".m3u8") + output["NameModifier"] + ".m3u8"
        assert f"RESOLUTION={video['Width']}x{video['Height']}" in listed[name] and 'CODECS="avc1.' in listed[name]
        playlist = download(h, playlist_uri, folder)
        for segment in hls.segments(playlist):
            download(h, playlist_uri.rpartition("/")[0] + "/" + segment.uri, folder)
        lengths = [segment.seconds for segment in hls.segments(playlist)]
        files = {segment.uri for segment in hls.segments(playlist)}
        assert len(files) == (1 if settings.get("SegmentControl") == "SINGLE_FILE" else len(lengths))
        assert all(length <= settings["SegmentLength"] + 0.5 for length in lengths)
        assert all(length >= settings["SegmentLength"] - 0.5 for length in lengths[:-1])
        assert abs(sum(lengths) * 1000 - CLIP_SECONDS * 1000) <= TOLERANCE_MS
        (info,) = probe(FFMPEG, playlist)
        assert (info.video[0].width, info.video[0].height) == (video["Width"], video["Height"])
        assert info.audio, f"{name} has no audio"
        assert abs(detail["durationInMs"] - CLIP_SECONDS * 1000) <= TOLERANCE_MS
        assert hls.bitrates(playlist)[1] <= BITRATE_TOLERANCE * (cap(output) + 96000)


MPD_NS = {"mpd": "urn:mpeg:dash:schema:mpd:2011"}


def check_fmp4(h: Harness, group: dict[str, Any], details: dict[str, Any], folder: Path) -> None:
    """A CMAF or DASH ISO group: its MPD (and CMAF's HLS manifest) lists every output; each plays as asked."""
    uris = details["playlistFilePaths"]
    base = uris[0].rpartition("/")[0]
    assert [uri.rpartition(".")[2] for uri in uris] == (["mpd", "m3u8"] if "CMAF" in details["type"] else ["mpd"])
    assert all("outputFilePaths" not in detail for detail in details["outputDetails"])
    mpd = ET.parse(download(h, uris[0], folder)).getroot()
    representations = mpd.findall(".//mpd:Representation", MPD_NS)
    assert len(representations) == len(group["Outputs"])
    for output, representation, detail in zip(group["Outputs"], representations, details["outputDetails"]):
        template = representation.find("mpd:SegmentTemplate", MPD_NS)
        if template is not None:
            timeline = [int(s.get("d")) for s in template.findall(".//mpd:S", MPD_NS)]
            names = [template.get("initialization")] + [template.get("media").replace("$Number%05d$", f"{n:05d}") for n in range(1, len(timeline) + 1)]
            media = folder / f"joined{representation.get('id')}.mp4"
            media.write_bytes(b"".join(download(h, f"{base}/{name}", folder).read_bytes() for name in names))
            assert abs(sum(timeline) - CLIP_SECONDS * 1000) <= TOLERANCE_MS
            assert all(d <= settings_of(group)["SegmentLength"] * 1000 + 500 for d in timeline)
        else:  # SINGLE_FILE: byte ranges that cover the one file from its first byte to its last
            listed = representation.find("mpd:SegmentList", MPD_NS)
            init = listed.find("mpd:Initialization", MPD_NS)
            media = download(h, f"{base}/{init.get('sourceURL')}", folder)
            ranges = [init.get("range")] + [url.get("mediaRange") for url in listed.findall("mpd:SegmentURL", MPD_NS)]
            bounds = [tuple(map(int, r.split("-"))) for r in ranges]
            assert bounds[0][0] == 0 and bounds[-1][1] == media.stat().st_size - 1
            assert all(after[0] == before[1] + 1 for before, after in zip(bounds, bounds[1:]))
        (info,) = probe(FFMPEG, media)
        assert abs(detail["durationInMs"] - CLIP_SECONDS * 1000) <= TOLERANCE_MS
        video = output.get("VideoDescription")
        if video:
            assert (representation.get("width"), representation.get("height")) == (str(video["Width"]), str(video["Height"]))
            assert (info.video[0].width, info.video[0].height) == (video["Width"], video["Height"]) and not info.audio
            assert representation.get("codecs").startswith("avc1.")
        else:
            assert info.audio and not info.video and representation.get("codecs") == "mp4a.40.2"
    if len(uris) == 2:
        main = download(h, uris[1], folder).read_text()
        videos = sum(1 for output in group["Outputs"] if output.get("VideoDescription"))
        assert main.count("#EXT-X-STREAM-INF:") == videos
        assert main.count("#EXT-X-MEDIA:TYPE=AUDIO") == len(group["Outputs"]) - videos
        assert main.count('AUDIO="program_audio"') == videos


def dash_presets(h: Harness) -> list[str]:
    """VOD on AWS's DASH presets, created under their published names."""
    names = []
    for path in sorted(JOBS.glob("vod-on-aws_preset_*.json")):
        name = path.stem.removeprefix("vod-on-aws_preset")
        h.mediaconvert.create_preset(Name=name, Settings=json.loads(path.read_text()))
        names.append(name)
    return names


@pytest.mark.parametrize(("kind", "segment_control"), [("DASH", None), ("CMAF", None), ("CMAF", "SINGLE_FILE")])
def test_vod_on_aws_dash_and_cmaf_groups_with_its_presets(harness: Harness, events_queue: EventLog, tmp_path: Path, wait_until: Any, kind: str, segment_control: str | None) -> None:
    """VOD on AWS's encode function's DASH ISO and CMAF groups, its DASH presets as video outputs, and (CMAF) an AAC audio output."""
    group = json.loads((JOBS / "vod-on-aws_encode_groups.json").read_text())[kind]
    settings_of(group)["Destination"] = f"s3://transcoded/guid/{kind.lower()}/"
    if segment_control:
        settings_of(group)["SegmentControl"] = segment_control
    presets = dash_presets(harness)
    container = {"DASH": "MPD", "CMAF": "CMFC"}[kind]
    group["Outputs"] = [{"Preset": name, "NameModifier": f"_{name.split('_')[6]}", "ContainerSettings": {"Container": container}} for name in presets]
    if kind == "CMAF":
        audio = published("media-services-vod-automation_watchfolder_job.json", "VANLIFE.mp4")["Settings"]["OutputGroups"][1]["Outputs"][0]["AudioDescriptions"]
        group["Outputs"].append({"NameModifier": "_audio", "ContainerSettings": {"Container": "CMFC"}, "AudioDescriptions": audio})
    request = {"Role": ROLE, "Settings": {"Inputs": [{"FileInput": "s3://originals/VANLIFE.mp4", "AudioSelectors": {"Audio Selector 1": {"DefaultSelection": "DEFAULT"}}}], "OutputGroups": [group]}}
    detail = run(harness, events_queue, tmp_path, request, wait_until)
    expanded = [{**json.loads((JOBS / f"vod-on-aws_preset{o['Preset']}.json").read_text()), **o} if "Preset" in o else o for o in group["Outputs"]]
    check_group(harness, {**group, "Outputs": expanded}, detail["outputGroupDetails"][0], tmp_path)


@pytest.mark.parametrize(
    ("name", "segment_control"),
    [
        ("vod-on-aws-foundations_job-settings.json", None),
        ("vod-on-aws-foundations_job-settings.json", "SINGLE_FILE"),  # one .ts per rendition, addressed by byte ranges
        ("media-services-vod-automation_watchfolder_job.json", None),
    ],
)
def test_published_job_runs_and_every_output_matches_its_settings(harness: Harness, events_queue: EventLog, tmp_path: Path, wait_until: Any, name: str, segment_control: str | None) -> None:
    request = published(name, "VANLIFE.mp4")
    if segment_control:
        settings_of(request["Settings"]["OutputGroups"][0])["SegmentControl"] = segment_control
    detail = run(harness, events_queue, tmp_path, request, wait_until)
    groups = request["Settings"]["OutputGroups"]
    assert len(detail["outputGroupDetails"]) == len(groups)
    for group, details in zip(groups, detail["outputGroupDetails"]):
        check_group(harness, group, details, tmp_path)


def test_published_job_template_runs_with_the_job_giving_only_input_and_destination(harness: Harness, events_queue: EventLog, tmp_path: Path, wait_until: Any) -> None:
    template = json.loads((JOBS / "vod-on-aws_template_720p_avc_aac_16x9_qvbr_no_preset.json").read_text())
    created = harness.mediaconvert.create_job_template(**template)["JobTemplate"]
    assert created["Arn"].endswith(":jobTemplates/_Ott_720p_Avc_Aac_16x9_qvbr_no_preset") and created["Type"] == "CUSTOM"
    assert [t["Name"] for t in harness.mediaconvert.list_job_templates()["JobTemplates"]] == [template["Name"]]
    # As VOD on AWS's encode function does: the job names the template and adds its input and destination.
    hls_group = {"OutputGroupSettings": {"Type": "HLS_GROUP_SETTINGS", "HlsGroupSettings": {"Destination": "s3://transcoded/guid/hls/"}}}
    request = {
        "Role": ROLE,
        "JobTemplate": template["Name"],
        "Settings": {"Inputs": [{"FileInput": "s3://originals/VANLIFE.mp4", "AudioSelectors": {"Audio Selector 1": {"DefaultSelection": "DEFAULT"}}}], "OutputGroups": [hls_group]},
    }
    detail = run(harness, events_queue, tmp_path, request, wait_until)
    check_group(harness, template["Settings"]["OutputGroups"][0], detail["outputGroupDetails"][0], tmp_path)
    harness.mediaconvert.delete_job_template(Name=template["Name"])
    assert harness.mediaconvert.list_job_templates()["JobTemplates"] == []


def test_output_preset_supplies_the_output_settings(harness: Harness, tmp_path: Path, wait_until: Any) -> None:
    job = published("media-services-vod-automation_watchfolder_job.json", "VANLIFE.mp4")
    mp4_group = job["Settings"]["OutputGroups"][1]
    output = mp4_group["Outputs"][0]
    harness.mediaconvert.create_preset(Name="mp4-720p", Settings=output)
    assert harness.mediaconvert.get_preset(Name="mp4-720p")["Preset"]["Settings"]["VideoDescription"]["Width"] == 1280
    job["Settings"]["OutputGroups"] = [{**mp4_group, "Outputs": [{"Preset": "mp4-720p"}]}]
    clip = make_clip(FFMPEG, tmp_path / "VANLIFE.mp4", seconds=CLIP_SECONDS, width=320, height=180, fps=10)
    harness.s3.upload_file(str(clip), "originals", "VANLIFE.mp4")
    done = finished(harness, harness.mediaconvert.create_job(**job)["Job"]["Id"], wait_until)
    assert done["Status"] == "COMPLETE", done.get("ErrorMessage")
    assert done["OutputGroupDetails"][0]["OutputDetails"][0]["VideoDetails"] == {"WidthInPx": 1280, "HeightInPx": 720}
    harness.mediaconvert.delete_preset(Name="mp4-720p")
    with pytest.raises(harness.mediaconvert.exceptions.NotFoundException):
        harness.mediaconvert.get_preset(Name="mp4-720p")


def test_templates_and_presets_are_listed_a_page_at_a_time_as_boto3s_paginators_read_them(harness: Harness) -> None:
    """A library bigger than one page (AWS gives at most 20): every template comes back, once, in the asked order."""
    template = json.loads((JOBS / "vod-on-aws_template_720p_avc_aac_16x9_qvbr_no_preset.json").read_text())
    names = [f"ladder-{n:02d}" for n in range(23)]
    for name in reversed(names):  # created last-first, so creation order is not name order
        harness.mediaconvert.create_job_template(**{**template, "Name": name, "Category": "pets" if name < "ladder-05" else "other"})
    preset = sorted(JOBS.glob("vod-on-aws_preset_*.json"))[0]
    for name in ("preset-a", "preset-b", "preset-c"):
        harness.mediaconvert.create_preset(Name=name, Settings=json.loads(preset.read_text()))
    try:
        pages = list(harness.mediaconvert.get_paginator("list_job_templates").paginate())
        assert [len(page["JobTemplates"]) for page in pages] == [20, 3]
        assert [t["Name"] for page in pages for t in page["JobTemplates"]] == names
        by_date = harness.mediaconvert.get_paginator("list_job_templates").paginate(
            ListBy="CREATION_DATE", Order="DESCENDING", PaginationConfig={"PageSize": 7})
        assert [t["Name"] for page in by_date for t in page["JobTemplates"]] == names
        assert [t["Name"] for t in harness.mediaconvert.list_job_templates(Category="pets")["JobTemplates"]] == names[:5]
        assert harness.mediaconvert.list_job_templates(ListBy="SYSTEM")["JobTemplates"] == []
        first = harness.mediaconvert.list_presets(MaxResults=2, Order="DESCENDING")
        rest = harness.mediaconvert.list_presets(MaxResults=2, Order="DESCENDING", NextToken=first["NextToken"])
        assert [p["Name"] for p in first["Presets"] + rest["Presets"]] == ["preset-c", "preset-b", "preset-a"]
        assert "NextToken" not in rest
    finally:
        for name in names:
            harness.mediaconvert.delete_job_template(Name=name)
        for name in ("preset-a", "preset-b", "preset-c"):
            harness.mediaconvert.delete_preset(Name=name)
