"""The page's Python compiled ahead, by the interpreter that runs the page.

PyScript unpacks app.zip and Python compiled every module of site/app on every visit: about
150 ms of a first visit's start and 40-80 ms of a returning visit's, on this machine's
Chromium. Bytecode is specific to one Python version, and the page's Python is Pyodide's:
its own build compiles here, in Node, from the runtime the site serves. What it makes are
checked-hash .pyc files (PEP 552): the page uses one only while the source beside it hashes
the same, so bytecode that lags behind an edit costs time, never correctness.
"""

from __future__ import annotations

import base64
import contextlib
import hashlib
import json
import logging
import shutil
import subprocess
import threading
from pathlib import Path

from sitepack import kept

log = logging.getLogger(__name__)

NODE_SIDE = Path(__file__).with_name("bytecode_node.mjs")
PYODIDE_SIDE = Path(__file__).with_name("bytecode_pyodide.py")
# Loading Pyodide in Node takes 2-5 s here; a machine that takes ten times that has other trouble.
TIMEOUT_S = 60
# Beside the runtime's pyodide/: a new runtime starts with none; deploys skip dot-directories.
CACHE_DIR = ".pyc-cache"
CACHE_ENTRIES = 16  # the sources of the last few edits (about 200 kB each)
# Cache entries being compiled in the background, so one set of sources is compiled once.
_background: set[Path] = set()
_background_lock = threading.Lock()


def runtime_pyodide(site_root: Path) -> Path | None:
    """The directory of the Pyodide the site serves (its runtime.json says where), if built."""
    manifest = site_root / "vendor" / "runtime.json"
    if not manifest.is_file():
        return None
    pyodide = site_root / json.loads(manifest.read_text())["base"] / "pyodide"
    return pyodide if (pyodide / "pyodide.mjs").is_file() else None


def compile_for_page(sources: dict[str, str], site_root: Path, *, wait: bool = True) -> dict[str, bytes]:
    """.pyc path -> bytes for `sources` (path relative to Python's working directory -> text),
    compiled by the site's Pyodide; {} when there is no built runtime or no Node, or the compiler
    fails (said in the log): the page then compiles the sources itself, as before.

    What a runtime compiled is kept beside it (``.pyc-cache``, by a hash of the sources and the
    compiler), so only the first start after an edit waits for Node: every start of the local
    cloud asks, and the tests start dozens. Without `wait`, sources not compiled yet get {} at
    once and are compiled in the background for the next call (``compiling`` says while): the
    local cloud publishes an edit while a browser's reload waits for it."""
    pyodide, node = runtime_pyodide(site_root), shutil.which("node")
    if pyodide is None or node is None or not sources:
        return {}
    request = json.dumps(sources, sort_keys=True)
    key = hashlib.sha256(b"\0".join([NODE_SIDE.read_bytes(), PYODIDE_SIDE.read_bytes(), request.encode()]))
    cached = pyodide.parent / CACHE_DIR / f"{key.hexdigest()}.json"
    with contextlib.suppress(ValueError):  # an unreadable entry is compiled again
        if (text := kept.read(cached)) is not None:
            return _decoded(text.decode())
    if wait:
        return _compile([node, str(NODE_SIDE), str(pyodide), str(PYODIDE_SIDE)], request, cached)
    with _background_lock:
        if cached not in _background:
            _background.add(cached)
            threading.Thread(target=_compile_in_background, name="page-bytecode", daemon=True,
                             args=([node, str(NODE_SIDE), str(pyodide), str(PYODIDE_SIDE)], request, cached)).start()
    return {}


def compiling() -> bool:
    """Whether a background compile (``compile_for_page(..., wait=False)``) is still running."""
    with _background_lock:
        return bool(_background)


def _compile(command: list[str], request: str, cached: Path) -> dict[str, bytes]:
    try:
        result = subprocess.run(command, input=request, capture_output=True, text=True, timeout=TIMEOUT_S,
                                check=True)
        compiled = _decoded(result.stdout)
    except (OSError, subprocess.SubprocessError, ValueError) as exc:
        stderr = getattr(exc, "stderr", None)
        detail = stderr if isinstance(stderr, str) and stderr.strip() else str(exc)
        log.warning("the page's Python was not compiled ahead (the page compiles it): %s", detail.strip()[-500:])
        return {}
    kept.keep(cached, result.stdout.encode(), CACHE_ENTRIES)
    return compiled


def _compile_in_background(command: list[str], request: str, cached: Path) -> None:
    try:
        _compile(command, request, cached)
    finally:
        with _background_lock:
            _background.discard(cached)


def _decoded(text: str) -> dict[str, bytes]:
    return {path: base64.b64decode(data) for path, data in json.loads(text).items()}
