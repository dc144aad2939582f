"""The page's Python modules (site/app) in one archive, with the bytecode the page's Pyodide compiled."""

from __future__ import annotations

import contextlib
import hashlib
import io
import zipfile
from functools import lru_cache
from pathlib import Path

import brotli

from sitepack import bytecode, kept

# The archive's URL path. PyScript unpacks it (`files` = {APP_BUNDLE: "./*"}) as app/*.py.
APP_BUNDLE = "/app.zip"


def app_bundle(app_dir: Path, site_root: Path | None = None, *, wait_for_bytecode: bool = True) -> bytes:
    """site/app/*.py as one zip of app/<module>.py, byte-identical for the same sources, with
    their bytecode compiled by the Pyodide of `site_root`'s runtime when it is built
    (bytecode.py; the page then imports them without compiling them), or, without
    `wait_for_bytecode`, when it is compiled already.

    One request instead of one per module: on the local cloud seventeen revalidations took
    0.3-0.6 s of the page's start, and every one costs a round trip on a real link. Members are
    stored, not deflated: the archive travels brotli-compressed as a whole (``compressed``),
    which shares one dictionary across modules (a third smaller than deflating each), and the
    page unpacks it without inflating anything.
    """
    sources = {f"app/{path.name}": path.read_bytes().decode() for path in sorted(app_dir.glob("*.py"))}
    compiled = bytecode.compile_for_page(sources, site_root, wait=wait_for_bytecode) if site_root else {}
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_STORED) as bundle:
        for name, content in [*((name, text.encode()) for name, text in sources.items()), *sorted(compiled.items())]:
            bundle.writestr(zipfile.ZipInfo(name, date_time=(1980, 1, 1, 0, 0, 0)), content)
    return buffer.getvalue()


# Beside the runtime, as its bytecode is (sitepack.kept): the archives of the last few edits.
CACHE_DIR = ".app-zip-cache"
CACHE_ENTRIES = 8


@lru_cache(maxsize=4)  # a cloud start and every republish compress the same archive again
def compressed(bundle: bytes, site_root: Path | None = None) -> bytes:
    """The archive as it is stored and sent (Content-Encoding: br). Quality 10: within 3% of 11's
    size at a third of its time (0.4 s against 1.0 s for the page's 450 KB).

    With `site_root`'s runtime built, what a process compressed is kept beside it for the next
    (every start of the local cloud publishes the archive; the tests start dozens): an entry is
    used only when it decompresses to exactly `bundle` (2 ms)."""
    pyodide = bytecode.runtime_pyodide(site_root) if site_root else None
    cached = pyodide.parent / CACHE_DIR / f"{hashlib.sha256(bundle).hexdigest()}.br" if pyodide else None
    if cached and (entry := kept.read(cached)) is not None:
        with contextlib.suppress(brotli.error):
            if brotli.decompress(entry) == bundle:
                return entry
    packed = brotli.compress(bundle, quality=10)
    if cached:
        kept.keep(cached, packed, CACHE_ENTRIES)
    return packed
