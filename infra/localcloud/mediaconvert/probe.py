"""Media facts read from ``ffmpeg -i`` (imageio-ffmpeg ships no ffprobe; this works pip-only)."""

from __future__ import annotations

import re
import subprocess
from dataclasses import dataclass, field
from pathlib import Path

_INPUT = re.compile(r"^Input #(\d+), ([^,]+(?:,[^,\s]+)*), from '(.*)':$", re.M)
_DURATION = re.compile(r"Duration: (\d+):(\d+):(\d+(?:\.\d+)?)")
_STREAM = re.compile(r"Stream #\d+:(\d+)[^:]*: (Video|Audio): (\w+)(.*)")
_SIZE = re.compile(r", (\d{2,5})x(\d{2,5})[ ,]")
_FPS = re.compile(r", (\d+(?:\.\d+)?) fps")
_BITRATE = re.compile(r", (\d+) kb/s")
_RATE = re.compile(r", (\d+) Hz, ([\w.()]+)")
_ROTATION = re.compile(r"rotation of (-?\d+(?:\.\d+)?) degrees")
_OPEN_ERROR = re.compile(r"^(?:\[.*?\] )?Error opening input(?: file)?:? ?(.*)$", re.M)

_CHANNELS = {"mono": 1, "stereo": 2, "2.1": 3, "quad": 4, "5.0": 5, "5.1": 6, "5.1(side)": 6, "7.1": 8}


@dataclass
class VideoStream:
    """One video stream as displayed (rotation applied, as ffmpeg's autorotate does)."""

    index: int
    codec: str
    width: int
    height: int
    fps: float
    rotation: int = 0
    bitrate: int | None = None  # bits/s, when the container states it (MP4 does, MPEG-TS does not)


@dataclass
class AudioStream:
    """One audio stream."""

    index: int
    codec: str
    sample_rate: int
    channels: int


@dataclass
class MediaInfo:
    """What ffmpeg found in one file; ``error`` is set when it could not open it."""

    path: str
    duration_ms: int | None = None
    video: list[VideoStream] = field(default_factory=list)
    audio: list[AudioStream] = field(default_factory=list)
    error: str | None = None


class ProbeError(Exception):
    """ffmpeg itself could not be run."""


def probe(ffmpeg: str, *paths: Path | str) -> list[MediaInfo]:
    """Probe several files with one ffmpeg process (a process start costs more than the parse)."""
    command = [ffmpeg, "-hide_banner", "-nostdin"]
    for path in paths:
        command += ["-i", str(path)]
    try:
        # A process group of its own, like the transcode's (see ffmpeg.FfmpegRun.run): not hit by Ctrl-C.
        result = subprocess.run(command, capture_output=True, text=True, errors="replace", timeout=120,
                                process_group=0)
    except (OSError, subprocess.TimeoutExpired) as exc:
        raise ProbeError(f"ffmpeg could not probe the media: {exc}") from exc
    return parse(result.stderr, [str(path) for path in paths])


def parse(text: str, paths: list[str]) -> list[MediaInfo]:
    """Parse ``ffmpeg -i`` output; a file ffmpeg failed to open (it stops there) keeps ``error``."""
    infos = {path: MediaInfo(path) for path in paths}
    headers = list(_INPUT.finditer(text))
    for number, header in enumerate(headers):
        end = headers[number + 1].start() if number + 1 < len(headers) else len(text)
        _fill(infos[paths[int(header.group(1))]], text[header.end() : end])
    opened = len(headers)
    if opened < len(paths):
        failure = _OPEN_ERROR.search(text)
        reason = failure.group(1).strip() if failure else ""
        infos[paths[opened]].error = reason or (text.strip().splitlines() or ["unreadable"])[-1]
    return [infos[path] for path in paths]


def _fill(info: MediaInfo, block: str) -> None:
    duration = _DURATION.search(block)
    if duration:
        hours, minutes, seconds = duration.groups()
        info.duration_ms = round((int(hours) * 3600 + int(minutes) * 60 + float(seconds)) * 1000)
    lines = block.splitlines()
    for number, line in enumerate(lines):
        stream = _STREAM.search(line)
        if not stream:
            continue
        index, kind, codec, rest = int(stream.group(1)), stream.group(2), stream.group(3), stream.group(4)
        if kind == "Video":
            size = _SIZE.search(rest + " ")
            if not size:
                continue
            fps = _FPS.search(rest)
            width, height = int(size.group(1)), int(size.group(2))
            rotation = _rotation(lines[number + 1 : number + 8])
            if rotation in (90, 270):
                width, height = height, width
            bitrate = _BITRATE.search(rest)
            info.video.append(VideoStream(index, codec, width, height, float(fps.group(1)) if fps else 25.0, rotation,
                                          int(bitrate.group(1)) * 1000 if bitrate else None))
        else:
            rate = _RATE.search(rest)
            channels = _CHANNELS.get(rate.group(2), 2) if rate else 2
            info.audio.append(AudioStream(index, codec, int(rate.group(1)) if rate else 0, channels))


def _rotation(following: list[str]) -> int:
    for line in following:
        if "Stream #" in line:
            break
        match = _ROTATION.search(line)
        if match:
            return round(float(match.group(1))) % 360
    return 0
