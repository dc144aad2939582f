"""Pre-compressed `.gz` siblings, which the site server sends when the browser accepts gzip."""

from __future__ import annotations

import gzip
from pathlib import Path

# Below this a file costs a round trip either way; compressing it buys nothing.
MIN_BYTES = 1024
# A sibling must save at least this share of the bytes.
MIN_SAVING = 0.10
# Types a site server compresses; zips and wheels are sent as they are.
SUFFIXES = (".js", ".mjs", ".wasm", ".json", ".css")


def gzip_siblings(directory: Path) -> list[Path]:
    """Write `name.gz` next to every file worth compressing; byte-identical on every build."""
    written = []
    for path in sorted(p for p in directory.rglob("*") if p.is_file() and p.suffix in SUFFIXES):
        data = path.read_bytes()
        if len(data) < MIN_BYTES:
            continue
        # mtime=0 and no file name in the header keep the output reproducible.
        packed = gzip.compress(data, compresslevel=9, mtime=0)
        if len(packed) <= len(data) * (1 - MIN_SAVING):
            sibling = path.with_name(path.name + ".gz")
            sibling.write_bytes(packed)
            written.append(sibling)
    return written
