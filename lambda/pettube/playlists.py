"""A video's HLS playlists as one viewer may receive them: every media URI a presigned, expiring URL.

MediaConvert writes the master playlist and one media playlist per rendition, each
addressing its single-file rendition by byte range (``#EXT-X-BYTERANGE``) with a URI
relative to itself. The bucket stays private, so a viewer gets the media playlists
rewritten: each URI becomes a presigned GET of the same object, the byte ranges kept.
One rendition is one object, so a playlist holds one distinct URL however long the
video is. The master playlist is passed on as written: its URIs name the media
playlists of the same answer, which the page serves to its player from memory.
"""

from __future__ import annotations

import posixpath
from collections.abc import Callable, Mapping
from concurrent.futures import ThreadPoolExecutor
from functools import cache

from pettube.model import Stream

# sign(key) -> a presigned GET URL of that object in the transcoded bucket
Sign = Callable[[str], str]
# read(key) -> the text of that object in the transcoded bucket
Read = Callable[[str], str]


def resolve(playlist_key: str, uri: str) -> str:
    """The object key a URI written in the playlist at ``playlist_key`` names (relative, as MediaConvert writes)."""
    return posixpath.normpath(posixpath.join(posixpath.dirname(playlist_key), uri))


def uris(playlist: str) -> list[str]:
    """The URI lines of a playlist, in order (every line that is neither blank nor a tag or comment)."""
    return [line.strip() for line in playlist.splitlines() if line.strip() and not line.startswith("#")]


def sign_media_playlist(playlist: str, playlist_key: str, sign: Sign) -> str:
    """The media playlist with each segment URI replaced by a presigned URL of the object it names."""
    signed = cache(sign)  # single-file: every segment names the same object, signed once
    lines = [signed(resolve(playlist_key, line.strip())) if line.strip() and not line.startswith("#") else line
             for line in playlist.splitlines()]
    return "\n".join(lines) + "\n"


def stream_answer(stream: Stream, read: Read, sign: Sign) -> dict[str, object]:
    """What MyMedia sends for a video's stream: the master as written and its media playlists, signed.

    Only the renditions the record lists are answered, whatever else a master might name.
    """
    known = {variant.playlist_key for variant in stream.variants}
    keys = [stream.master_key, *sorted(known)]
    with ThreadPoolExecutor(max_workers=len(keys)) as pool:  # a few small GETs at once, not one after another
        texts: Mapping[str, str] = dict(zip(keys, pool.map(read, keys)))
    master = texts[stream.master_key]
    playlists = {uri: sign_media_playlist(texts[key], key, sign)
                 for uri in uris(master) if (key := resolve(stream.master_key, uri)) in known}
    return {"master": master, "playlists": playlists}
