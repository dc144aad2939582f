"""What the page's packaging derives from a built runtime, kept beside it for the next process.

Every start of the local cloud packs the page again (the tests start dozens), and the
expensive parts (Node compiling the bytecode, brotli compressing the archive) give the same
bytes for the same inputs: each is kept under the runtime's directory, named by a hash of
its inputs. A new runtime starts with none; deploys skip dot-directories.
"""

from __future__ import annotations

import logging
import os
import tempfile
from pathlib import Path

log = logging.getLogger(__name__)


def read(path: Path) -> bytes | None:
    """The kept entry at `path`, or None when there is none (or it cannot be read)."""
    try:
        return path.read_bytes()
    except OSError:
        return None


def write_whole(path: Path, data: bytes) -> None:
    """Write `path` whole or not at all: a reader (another process starting, a server sending the
    file) sees the old bytes or the new ones, never part of them."""
    with tempfile.NamedTemporaryFile("wb", dir=path.parent, suffix=".tmp", delete=False) as partial:
        try:
            partial.write(data)
        except BaseException:
            os.unlink(partial.name)
            raise
    os.replace(partial.name, path)


def keep(path: Path, data: bytes, entries: int) -> None:
    """Write the entry whole (several processes may start at once) and drop the oldest of its kind
    (its suffix) beyond `entries`; a read-only runtime only means the work is done again next time."""
    try:
        path.parent.mkdir(exist_ok=True)
        write_whole(path, data)
        by_age = sorted(path.parent.glob(f"*{path.suffix}"), key=lambda entry: entry.stat().st_mtime)
        for stale in by_age[:-entries]:
            stale.unlink(missing_ok=True)
    except OSError as exc:
        log.info("%s not kept (%s): made again at the next start", path.name, exc)
