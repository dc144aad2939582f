"""ffmpeg command lines for an encode plan, and running them: progress, cancel, time limit.

One job decodes its input once and fans the frames out with ``split`` to every
output when this ffmpeg's threaded pipeline makes that faster (ffmpeg >= 7; with
Debian's 5.1 separate runs were faster). ``python -m bench.transcode_overhead``
measures both ways on the installed ffmpeg.
"""

from __future__ import annotations

import os
import re
import signal
import subprocess
import tempfile
import threading
import time
from collections.abc import Callable, Mapping
from functools import lru_cache
from pathlib import Path, PurePosixPath
from typing import Any

from localcloud.mediaconvert import exceptions as errors
from localcloud.mediaconvert.plan import EncodePlan, OutputPlan, frame_size

# MediaConvert's QualityTuningLevel -> the x264 preset that trades speed for quality alike.
PRESETS = {"SINGLE_PASS": "veryfast", "SINGLE_PASS_HQ": "fast", "MULTI_PASS_HQ": "medium"}
DEFAULT_QVBR_LEVEL = 7  # MediaConvert's default QvbrQualityLevel


def executable(settings: Mapping[str, Any]) -> str:
    """The ffmpeg to run: the configured one, else the static build PyPI's imageio-ffmpeg ships."""
    configured = settings.get("ffmpeg") or os.environ.get("PETTUBE_FFMPEG")
    if configured:
        return str(configured)
    import imageio_ffmpeg

    return imageio_ffmpeg.get_ffmpeg_exe()


@lru_cache(maxsize=8)
def version(ffmpeg: str) -> tuple[int, int]:
    """(major, minor) of an ffmpeg binary; (0, 0) when its banner is not a release number."""
    banner = subprocess.run([ffmpeg, "-version"], capture_output=True, text=True, timeout=30).stdout
    match = re.search(r"version n?(\d+)\.(\d+)", banner)
    return (int(match.group(1)), int(match.group(2))) if match else (0, 0)


def prefers_single_decode(ffmpeg: str) -> bool:
    """True when one decode split to all outputs beats one run per output on this ffmpeg."""
    return version(ffmpeg) >= (7, 0)


def _scale_chain(width: int | None, height: int | None, scaling: str, src: tuple[int, int]) -> str:
    frame_w, frame_h, pic_w, pic_h = frame_size(width, height, scaling, *src)
    chain = f"scale={pic_w}:{pic_h},setsar=1"
    if (pic_w, pic_h) != (frame_w, frame_h):
        if scaling == "FILL":
            chain += f",crop={frame_w}:{frame_h}"
        else:
            chain += f",pad={frame_w}:{frame_h}:(ow-iw)/2:(oh-ih)/2:black"
    return chain


def _video_chain(output: OutputPlan, src: tuple[int, int]) -> str:
    if output.frames:
        frames = output.frames
        # The first frame, then the first one at least denominator/numerator s after the last capture
        # (the fps filter writes nothing for a clip shorter than one interval). 1 ms absorbs timestamp rounding.
        interval = frames.denominator / frames.numerator
        rate = f"select='isnan(prev_selected_t)+gte(t-prev_selected_t+0.001,{interval:g})'"
        return rate + "," + _scale_chain(frames.width, frames.height, frames.scaling, src)
    video = output.video
    assert video is not None
    chain = _scale_chain(video.width, video.height, video.scaling, src)
    if video.h264.get("FramerateControl") == "SPECIFIED":
        chain = f"fps={video.h264['FramerateNumerator']}/{video.h264['FramerateDenominator']}," + chain
    return chain


def _h264_args(h264: dict[str, Any], fps: float, preset: str | None) -> list[str]:
    args = ["-c:v", "libx264", "-pix_fmt", "yuv420p"]
    args += ["-preset", preset or PRESETS[h264.get("QualityTuningLevel", "SINGLE_PASS")]]
    mode = h264["RateControlMode"]
    if mode == "QVBR":
        level = h264.get("QvbrSettings", {}).get("QvbrQualityLevel", DEFAULT_QVBR_LEVEL)
        # QVBR level 1..10 -> x264 CRF 35..17 (level 7 ~ CRF 23, x264's own default).
        args += ["-crf", str(37 - 2 * level)]
    else:
        args += ["-b:v", str(h264["Bitrate"])]
    peak = h264["Bitrate"] if mode == "CBR" else h264.get("MaxBitrate")
    if mode == "CBR":
        args += ["-minrate", str(peak)]
    if peak:
        args += ["-maxrate", str(peak), "-bufsize", str(h264.get("HrdBufferSize") or 2 * peak)]
    if "CodecProfile" in h264:
        args += ["-profile:v", h264["CodecProfile"].lower()]
    if h264.get("CodecLevel", "AUTO") != "AUTO":
        args += ["-level:v", h264["CodecLevel"].removeprefix("LEVEL_").replace("_", ".")]
    if "GopSize" in h264:
        frames = h264["GopSize"] * (fps if h264.get("GopSizeUnits") == "SECONDS" else 1)
        args += ["-g", str(max(1, round(frames)))]
    if "NumberBFramesBetweenReferenceFrames" in h264:
        args += ["-bf", str(h264["NumberBFramesBetweenReferenceFrames"])]
    if h264.get("SceneChangeDetect") == "DISABLED":
        args += ["-sc_threshold", "0"]
    return args


def local_name(number: int, output: OutputPlan) -> str:
    """The file (or image2 pattern) output ``number`` is written to in the job's temp dir.

    An HLS rendition gets a folder of its own holding files named as in S3, because its
    playlist refers to its segments by name.
    """
    if output.frames:
        return f"o{number}.%07d.{output.extension}"
    if output.segment_seconds:
        return f"o{number}/{PurePosixPath(output.stem).name}.{output.extension}"
    return f"o{number}.{output.extension}"


def _hls_args(output: OutputPlan, playlist: Path) -> list[str]:
    """The hls muxer writing a VOD media playlist: segments of SegmentLength, cut on forced keyframes.

    MPEG-TS segments for HLS groups; fragmented MP4 (the same muxer, ``fmp4``) for CMAF and DASH ISO groups.
    """
    seconds, extension = output.segment_seconds, output.segment_extension
    args = ["-force_key_frames", f"expr:gte(t,n_forced*{seconds})"] if output.video else []
    args += ["-f", "hls", "-hls_time", str(seconds), "-hls_playlist_type", "vod", "-hls_list_size", "0", "-start_number", "1"]
    name = playlist.stem.replace("%", "%%")
    if extension != "ts":
        args += ["-hls_segment_type", "fmp4"]
    if output.single_file:
        return args + ["-hls_flags", "single_file", "-hls_segment_filename", str(playlist.parent / f"{name}.{extension}"), str(playlist)]
    if extension != "ts":
        args += ["-hls_fmp4_init_filename", f"{playlist.stem}_init.{extension}"]
    return args + ["-hls_segment_filename", str(playlist.parent / f"{name}_%05d.{extension}"), str(playlist)]


def _output_args(number: int, output: OutputPlan, label: str | None, fps: float, workdir: Path, preset: str | None) -> list[str]:
    args = ["-map", f"[{label}]"] if label else ["-vn"]
    if output.frames:
        # MediaConvert's JPEG quality 1..100 -> mjpeg's qscale 31..2.
        qscale = round(2 + (100 - output.frames.quality) * 29 / 99)
        args += ["-c:v", "mjpeg", "-pix_fmt", "yuvj420p", "-q:v", str(qscale), "-fps_mode", "vfr", "-an"]
        if output.frames.max_captures:
            args += ["-frames:v", str(output.frames.max_captures)]
        return args + ["-start_number", "0", "-f", "image2", str(workdir / local_name(number, output))]
    if output.video:
        args += _h264_args(output.video.h264, fps, preset)
    if output.audio:
        audio = output.audio
        args += ["-map", "0:a:0", "-c:a", "aac", "-b:a", str(audio.bitrate), "-ar", str(audio.sample_rate), "-ac", str(audio.channels)]
    else:
        args += ["-an"]
    if output.segment_seconds:
        return args + _hls_args(output, workdir / local_name(number, output))
    if output.faststart:
        args += ["-movflags", "+faststart"]
    return args + ["-f", "mp4", str(workdir / local_name(number, output))]


def make_output_folders(plan: EncodePlan, workdir: Path) -> None:
    """The folders the plan's outputs are written into (an HLS rendition's own), which ffmpeg does not make."""
    for number, output in enumerate(plan.outputs):
        (workdir / local_name(number, output)).parent.mkdir(parents=True, exist_ok=True)


def build_commands(
    ffmpeg: str, plan: EncodePlan, source: Path, src_size: tuple[int, int], fps: float,
    workdir: Path, single_decode: bool, preset: str | None = None,
) -> list[list[str]]:
    """The ffmpeg runs that write every output of the plan into ``workdir``."""
    head = [ffmpeg, "-nostdin", "-hide_banner", "-loglevel", "error", "-nostats", "-progress", "pipe:1", "-y"]
    head += ([] if plan.autorotate else ["-noautorotate"]) + ["-i", str(source)]
    numbered = list(enumerate(plan.outputs))
    batches = [numbered] if single_decode else [[item] for item in numbered]
    commands = []
    for batch in batches:
        with_video = [(n, out) for n, out in batch if out.video or out.frames]
        graph = []
        if len(with_video) > 1:
            graph.append("[0:v:0]split=" + str(len(with_video)) + "".join(f"[s{n}]" for n, _ in with_video))
            graph += [f"[s{n}]{_video_chain(out, src_size)}[v{n}]" for n, out in with_video]
        else:
            graph += [f"[0:v:0]{_video_chain(out, src_size)}[v{n}]" for n, out in with_video]
        command = head + (["-filter_complex", ";".join(graph)] if graph else [])
        for n, out in batch:
            label = f"v{n}" if (out.video or out.frames) else None
            command += _output_args(n, out, label, fps, workdir, preset)
        commands.append(command)
    return commands


class FfmpegRun:
    """One ffmpeg process: reports progress, stops on cancel or deadline, classifies failures."""

    def __init__(self, command: list[str], duration_ms: int, on_progress: Callable[[float], None]) -> None:
        self.command = command
        self.duration_ms = max(1, duration_ms)
        self.on_progress = on_progress

    def run(self, canceled: threading.Event, deadline: float) -> None:
        """Run to the end; raise JobCanceled, or JobFailed with MediaConvert's code."""
        with tempfile.TemporaryFile(mode="w+", errors="replace") as stderr:
            # Its own process group: a terminal's Ctrl-C would otherwise make ffmpeg quit on its own and the
            # job end in ERROR as if the source were at fault; the cloud's stop cancels the job instead.
            process = subprocess.Popen(self.command, stdout=subprocess.PIPE, stderr=stderr, text=True,
                                       process_group=0)
            reader = threading.Thread(target=self._read_progress, args=(process,), daemon=True)
            reader.start()
            stopped_by = None
            while process.poll() is None:
                if canceled.is_set():
                    stopped_by = "cancel"
                elif time.monotonic() > deadline:
                    stopped_by = "deadline"
                if stopped_by:
                    process.kill()
                    process.wait()
                    break
                time.sleep(0.05)
            reader.join(timeout=5)
            stderr.seek(0)
            log = stderr.read()
        if stopped_by == "cancel":
            raise errors.JobCanceled()
        if stopped_by == "deadline":
            raise errors.JobFailed(errors.UNKNOWN_ERROR, "The job exceeded its time limit and the transcoder was stopped")
        classify(process.returncode, log)

    def _read_progress(self, process: subprocess.Popen[str]) -> None:
        assert process.stdout is not None
        position = 0
        for line in process.stdout:
            key, _, value = line.strip().partition("=")
            if key == "out_time_us" and value.lstrip("-").isdigit():
                position = max(position, int(value) // 1000)
            elif key == "progress":
                self.on_progress(min(1.0, position / self.duration_ms))


def classify(returncode: int, log: str) -> None:
    """Turn ffmpeg's exit status and error log into MediaConvert's job error, or return."""
    last = (log.strip().splitlines() or ["no error output"])[-1]
    if "partial file" in log:
        raise errors.JobFailed(errors.SOURCE_READ_ERROR, f"Source read error: the input ends unexpectedly ({last})")
    if returncode == 0:
        return
    if returncode < 0:
        name = signal.Signals(-returncode).name if -returncode in signal.valid_signals() else str(-returncode)
        raise errors.JobFailed(errors.UNKNOWN_ERROR, f"The transcoder process ended unexpectedly ({name})")
    if "Invalid data found" in log or "Error while decoding" in log:
        raise errors.JobFailed(errors.UNSUPPORTED_CODEC, f"The input could not be decoded: {last}")
    if "Error initializing" in log or "Invalid argument" in log or "Error opening output" in log:
        raise errors.JobFailed(errors.SETTINGS_ERROR, f"The encoding settings do not fit this input: {last}")
    raise errors.JobFailed(errors.UNKNOWN_ERROR, f"The transcoder failed (exit {returncode}): {last}")
