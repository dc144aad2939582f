"""The MP4/MOV header probe: source size and audio from a few header reads, never the media data."""

from __future__ import annotations

import struct
import subprocess

import pytest
from lambda_fakes import box, mp4_bytes, track

from pettube.probe import SourceInfo, probe_source


class CountingReader:
    """A ranged reader over bytes that records how much was read."""

    def __init__(self, data: bytes) -> None:
        self.data = data
        self.bytes_read = 0

    def __call__(self, offset: int, length: int) -> bytes:
        chunk = self.data[offset:offset + length]
        self.bytes_read += len(chunk)
        return chunk


def test_landscape_mp4_reports_its_size_and_audio() -> None:
    data = mp4_bytes(1280, 720)
    assert probe_source(CountingReader(data), len(data)) == SourceInfo(1280, 720, has_audio=True)


def test_phone_portrait_video_reports_the_rotated_size_a_viewer_sees() -> None:
    data = mp4_bytes(1920, 1080, rotate_90=True)
    assert probe_source(CountingReader(data), len(data)) == SourceInfo(1080, 1920, has_audio=True)


def test_silent_video_reports_no_audio() -> None:
    data = mp4_bytes(640, 360, audio=False)
    assert probe_source(CountingReader(data), len(data)) == SourceInfo(640, 360, has_audio=False)


def test_moov_after_large_media_data_is_found_without_reading_the_media() -> None:
    data = mp4_bytes(1280, 720, media_bytes=8 * 1024 * 1024)
    reader = CountingReader(data)
    assert probe_source(reader, len(data)) == SourceInfo(1280, 720, has_audio=True)
    assert reader.bytes_read < 2048


def test_64_bit_box_sizes_and_version_1_track_headers_are_understood() -> None:
    media = bytes(5000)
    large_mdat = struct.pack(">I4sQ", 1, b"mdat", 16 + len(media)) + media
    moov = box(b"moov", track(b"vide", 3840, 2160, version=1))
    data = box(b"ftyp", b"isom\x00\x00\x02\x00") + large_mdat + moov
    assert probe_source(CountingReader(data), len(data)) == SourceInfo(3840, 2160, has_audio=False)


@pytest.mark.parametrize("data", [
    b"",
    b"not a video at all, just text" * 10,
    box(b"ftyp", b"isom") + struct.pack(">I4s", 3, b"mdat"),  # box smaller than its own header
    box(b"ftyp", b"isom") + box(b"moov", box(b"trak", b"\x00" * 4)),  # truncated track
    box(b"ftyp", b"isom") + box(b"moov", track(b"soun")),  # audio only
])
def test_anything_unreadable_gives_unknown_instead_of_an_error(data: bytes) -> None:
    assert probe_source(CountingReader(data), len(data)) is None


@pytest.mark.slow
def test_real_ffmpeg_portrait_clip_is_probed_as_portrait(tmp_path) -> None:
    imageio_ffmpeg = pytest.importorskip("imageio_ffmpeg")
    clip = tmp_path / "portrait.mp4"
    subprocess.run(
        [imageio_ffmpeg.get_ffmpeg_exe(), "-v", "error", "-f", "lavfi", "-i", "testsrc2=size=320x180:rate=10:duration=0.5",
         "-f", "lavfi", "-i", "sine=duration=0.5", "-shortest", "-c:v", "libx264", "-c:a", "aac", str(tmp_path / "flat.mp4")],
        check=True,
    )
    subprocess.run(
        [imageio_ffmpeg.get_ffmpeg_exe(), "-v", "error", "-display_rotation:v:0", "90", "-i", str(tmp_path / "flat.mp4"),
         "-c", "copy", str(clip)],
        check=True,
    )
    data = clip.read_bytes()
    assert probe_source(CountingReader(data), len(data)) == SourceInfo(180, 320, has_audio=True)
