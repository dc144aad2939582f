"""Runs inside Pyodide, the page's own interpreter: Python sources to the .pyc files it looks for.

Run by `bytecode_node.mjs` for the page's modules, which app.zip carries with their bytecode.
"""

import importlib.util
import os
import py_compile
import tempfile
from pathlib import Path


def checked_bytecode(sources: dict[str, str]) -> dict[str, bytes]:
    """Compile `sources` (path relative to the working directory -> text) into the .pyc files
    Python looks for next to them: .pyc path -> bytes. Checked-hash .pyc files (PEP 552): Python
    uses one only while the source beside it hashes the same, and compiles the source otherwise.
    A source that is not a module gets none: PyScript runs a page script such as app/main.py
    (top-level await) itself, and a syntax error shows where the page imports the module."""
    files = {}
    with tempfile.TemporaryDirectory() as scratch:
        source, compiled = os.path.join(scratch, "source.py"), os.path.join(scratch, "compiled.pyc")
        for path, text in sources.items():
            Path(source).write_text(text, encoding="utf-8")
            try:
                py_compile.compile(source, compiled, dfile=os.path.abspath(path), doraise=True,
                                   invalidation_mode=py_compile.PycInvalidationMode.CHECKED_HASH)
            except py_compile.PyCompileError:
                continue
            files[importlib.util.cache_from_source(path)] = Path(compiled).read_bytes()
    return files
