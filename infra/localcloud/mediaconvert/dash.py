"""The DASH manifest (MPD) of a CMAF or DASH ISO group, from the fragmented-MP4 renditions ffmpeg wrote.

Every rendition is written once, by ffmpeg's hls muxer in fMP4 mode; its media
playlist already says where each segment and the initialization section are, so
the MPD is derived from it: a SegmentTemplate with a SegmentTimeline for segmented
files, a SegmentList with byte ranges for SegmentControl SINGLE_FILE. Video and
audio renditions are one adaptation set each, as MediaConvert writes them.
"""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET
from pathlib import Path

from localcloud.mediaconvert import hls

NAMESPACE = "urn:mpeg:dash:schema:mpd:2011"
MAIN_PROFILE = "urn:mpeg:dash:profile:isoff-main:2011"
TIMESCALE = 1000
_NUMBERED = re.compile(r"_(\d{5})(\.\w+)$")


def mpd(renditions: list[tuple[hls.Variant, Path]], duration_ms: int, min_buffer_seconds: float) -> str:
    """The MPD text for ``renditions`` ((variant, its media playlist) in job order)."""
    root = ET.Element("MPD", {
        "xmlns": NAMESPACE, "profiles": MAIN_PROFILE, "type": "static",
        "mediaPresentationDuration": f"PT{duration_ms / 1000:.3f}S", "minBufferTime": f"PT{min_buffer_seconds:g}S",
    })
    period = ET.SubElement(root, "Period", {"id": "1", "start": "PT0S"})
    sets: dict[str, ET.Element] = {}
    for number, (variant, playlist) in enumerate(renditions, start=1):
        kind = "audio" if variant.resolution is None else "video"
        if kind not in sets:
            sets[kind] = ET.SubElement(period, "AdaptationSet", {
                "id": str(len(sets) + 1), "contentType": kind, "mimeType": f"{kind}/mp4", "segmentAlignment": "true", "startWithSAP": "1",
            })
        attributes = {"id": str(number), "bandwidth": str(variant.peak_bps), "codecs": variant.codecs}
        if variant.resolution:
            attributes |= {"width": str(variant.resolution[0]), "height": str(variant.resolution[1]), "sar": "1:1"}
            if variant.frame_rate:
                attributes["frameRate"] = f"{variant.frame_rate:g}"
        elif variant.sample_rate:
            attributes["audioSamplingRate"] = str(variant.sample_rate)
        _segments(ET.SubElement(sets[kind], "Representation", attributes), playlist)
    ET.indent(root)
    return '<?xml version="1.0" encoding="UTF-8"?>\n' + ET.tostring(root, encoding="unicode") + "\n"


def _segments(representation: ET.Element, playlist: Path) -> None:
    segments = hls.segments(playlist)
    init = hls.init_section(playlist)
    assert init is not None, f"{playlist.name} is not a fragmented-MP4 playlist"
    if init.length is None:  # one file per segment: a template with their exact durations
        template = ET.SubElement(representation, "SegmentTemplate", {
            "timescale": str(TIMESCALE), "initialization": init.uri,
            "media": _NUMBERED.sub(r"_$Number%05d$\2", segments[0].uri), "startNumber": _NUMBERED.search(segments[0].uri).group(1).lstrip("0") or "0",
        })
        timeline = ET.SubElement(template, "SegmentTimeline")
        start = 0
        for segment in segments:
            duration = round(segment.seconds * TIMESCALE)
            ET.SubElement(timeline, "S", {"t": str(start), "d": str(duration)})
            start += duration
        return
    listed = ET.SubElement(representation, "SegmentList", {"timescale": str(TIMESCALE), "duration": str(round(segments[0].seconds * TIMESCALE))})
    ET.SubElement(listed, "Initialization", {"sourceURL": init.uri, "range": _range(init)})
    for segment in segments:
        ET.SubElement(listed, "SegmentURL", {"media": segment.uri, "mediaRange": _range(segment)})


def _range(segment: hls.Segment) -> str:
    assert segment.length is not None and segment.offset is not None
    return f"{segment.offset}-{segment.offset + segment.length - 1}"
