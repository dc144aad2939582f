"""Synthetic media made with ffmpeg, for tests and benchmarks (no binary fixtures in git)."""

from __future__ import annotations

import subprocess
from pathlib import Path


def make_clip(ffmpeg: str, path: Path, seconds: float = 3, width: int = 320, height: int = 240, audio: bool = True, fps: int = 25) -> Path:
    """An H.264/AAC MP4 test pattern with a tone (moov at the end, as cameras write it)."""
    command = [ffmpeg, "-nostdin", "-hide_banner", "-loglevel", "error", "-y"]
    command += ["-f", "lavfi", "-i", f"testsrc2=size={width}x{height}:rate={fps}"]
    if audio:
        command += ["-f", "lavfi", "-i", "sine=frequency=440:sample_rate=48000"]
    command += ["-t", str(seconds), "-c:v", "libx264", "-preset", "ultrafast", "-pix_fmt", "yuv420p"]
    command += ["-c:a", "aac", "-shortest"] if audio else ["-an"]
    subprocess.run([*command, str(path)], check=True)
    return path


def make_audio_only(ffmpeg: str, path: Path, seconds: float = 2) -> Path:
    """An AAC-only .m4a: a valid media file with no video stream."""
    command = [ffmpeg, "-nostdin", "-hide_banner", "-loglevel", "error", "-y", "-f", "lavfi"]
    command += ["-i", "sine=frequency=440:sample_rate=48000", "-t", str(seconds), "-c:a", "aac", str(path)]
    subprocess.run(command, check=True)
    return path
