"""Playlists for one viewer: every segment URI presigned, byte ranges kept, nothing beyond the recorded renditions."""

from __future__ import annotations

from pettube.model import Stream, StreamVariant
from pettube.playlists import resolve, sign_media_playlist, stream_answer, uris

PREFIX = "us-east-1:6f1a2b3c-4d5e-4f60-8a7b-9c0d1e2f3a4b/01jc5x8m9n2p3q4r5s6t7v8w9x/hls/"
MEDIA = ("#EXTM3U\n#EXT-X-TARGETDURATION:6\n#EXT-X-PLAYLIST-TYPE:VOD\n"
         "#EXTINF:6.000,\n#EXT-X-BYTERANGE:188000@0\nstream_720p.ts\n"
         "#EXTINF:6.000,\n#EXT-X-BYTERANGE:190000@188000\nstream_720p.ts\n"
         "#EXTINF:2.500,\n#EXT-X-BYTERANGE:80000@378000\nstream_720p.ts\n#EXT-X-ENDLIST\n")
MASTER = ("#EXTM3U\n#EXT-X-STREAM-INF:BANDWIDTH=2400000,RESOLUTION=1280x720\nstream_720p.m3u8\n"
          "#EXT-X-STREAM-INF:BANDWIDTH=900000,RESOLUTION=640x360\nstream_360p.m3u8\n")


def signer(calls: list[str]):
    def sign(key: str) -> str:
        calls.append(key)
        return f"https://transcoded.example/{key}?X-Amz-Expires=900&X-Amz-Signature=abc"
    return sign


def test_uris_resolve_against_the_playlists_own_folder_and_never_climb_out_unseen() -> None:
    assert resolve(PREFIX + "stream.m3u8", "stream_720p.m3u8") == PREFIX + "stream_720p.m3u8"
    assert resolve(PREFIX + "stream.m3u8", "../other/x.ts").endswith("/01jc5x8m9n2p3q4r5s6t7v8w9x/other/x.ts")


def test_a_single_file_playlist_keeps_its_byte_ranges_and_signs_its_one_object_once() -> None:
    calls: list[str] = []
    signed = sign_media_playlist(MEDIA, PREFIX + "stream_720p.m3u8", signer(calls))
    assert calls == [PREFIX + "stream_720p.ts"]
    assert [line for line in signed.splitlines() if line.startswith("#")] == \
        [line for line in MEDIA.splitlines() if line.startswith("#")]
    assert set(uris(signed)) == {f"https://transcoded.example/{PREFIX}stream_720p.ts?X-Amz-Expires=900&X-Amz-Signature=abc"}
    assert len(uris(signed)) == 3


def test_the_answer_holds_the_master_as_written_and_only_the_recorded_renditions() -> None:
    stored = {PREFIX + "stream.m3u8": MASTER, PREFIX + "stream_720p.m3u8": MEDIA}
    stream = Stream(PREFIX + "stream.m3u8", (StreamVariant(PREFIX + "stream_720p.m3u8", 1280, 720),))
    answer = stream_answer(stream, stored.__getitem__, signer([]))
    assert answer["master"] == MASTER
    assert list(answer["playlists"]) == ["stream_720p.m3u8"]  # 360p is not in the record: not read, not answered
