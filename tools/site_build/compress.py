"""Pre-compressed `.br` and `.gz` siblings, which the site server sends by the browser's Accept-Encoding."""

from __future__ import annotations

import gzip
from pathlib import Path

import brotli

# Below this a file costs a round trip either way; compressing it buys nothing.
MIN_BYTES = 1024
# A sibling must save at least this share of the bytes.
MIN_SAVING = 0.10
# Types a site server compresses: snapshot.bin is the page's Pyodide memory; the wheels and
# the standard library's zip are built with stored members for this (wheels.repack_stored).
SUFFIXES = (".js", ".mjs", ".wasm", ".json", ".css", ".bin", ".whl", ".zip")
# Brotli's best quality, with its largest standard window (16 MB) for big files: compressed
# once at install, downloaded on every cold visit. It costs minutes of build time (2 cores:
# snapshot 110 s, wasm 44 s) and saves 1.4 MB of the cold page's download against quality 9
# with a 4 MB window (snapshot 7.56 -> 6.47 MB, wasm 3.10 -> 2.77 MB).
LARGE_WINDOW_ABOVE = 2_000_000


def _brotli(data: bytes) -> bytes:
    return brotli.compress(data, quality=11, lgwin=24 if len(data) > LARGE_WINDOW_ABOVE else 22)


def file_siblings(path: Path) -> list[Path]:
    """Write `name.br` and `name.gz` next to `path` where each saves enough; byte-identical on every build."""
    data = path.read_bytes()
    if len(data) < MIN_BYTES:
        return []
    written = []
    # mtime=0 and no file name in the gzip header keep the output reproducible.
    for suffix, packed in ((".br", _brotli(data)), (".gz", gzip.compress(data, compresslevel=9, mtime=0))):
        if len(packed) <= len(data) * (1 - MIN_SAVING):
            sibling = path.with_name(path.name + suffix)
            sibling.write_bytes(packed)
            written.append(sibling)
    return written


def siblings(directory: Path) -> list[Path]:
    """Compressed siblings for every file under `directory` of a type worth compressing."""
    files = sorted(p for p in directory.rglob("*") if p.is_file() and p.suffix in SUFFIXES)
    return [sibling for path in files for sibling in file_siblings(path)]
