"""The page's Python modules (site/app) in one archive, with the bytecode the page's Pyodide compiled."""

from __future__ import annotations

import io
import zipfile
from pathlib import Path

from sitepack import bytecode

# The archive's URL path. PyScript unpacks it (`files` = {APP_BUNDLE: "./*"}) as app/*.py.
APP_BUNDLE = "/app.zip"


def app_bundle(app_dir: Path, site_root: Path | None = None, *, wait_for_bytecode: bool = True) -> bytes:
    """site/app/*.py as one zip of app/<module>.py, byte-identical for the same sources, with
    their bytecode compiled by the Pyodide of `site_root`'s runtime when it is built
    (bytecode.py; the page then imports them without compiling them), or, without
    `wait_for_bytecode`, when it is compiled already.

    One request instead of one per module: on the local cloud seventeen revalidations took
    0.3-0.6 s of the page's start, and every one costs a round trip on a real link.
    """
    sources = {f"app/{path.name}": path.read_bytes().decode() for path in sorted(app_dir.glob("*.py"))}
    compiled = bytecode.compile_for_page(sources, site_root, wait=wait_for_bytecode) if site_root else {}
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as bundle:
        for name, content in [*((name, text.encode()) for name, text in sources.items()), *sorted(compiled.items())]:
            member = zipfile.ZipInfo(name, date_time=(1980, 1, 1, 0, 0, 0))
            bundle.writestr(member, content, compress_type=zipfile.ZIP_DEFLATED)
    return buffer.getvalue()
