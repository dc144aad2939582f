"""A pyodide-lock.json for exactly the vendored wheels, so loadPackage resolves offline."""

from __future__ import annotations

import zipfile
from email.parser import Parser
from pathlib import Path
from typing import Any

from packaging.markers import default_environment
from packaging.requirements import Requirement
from packaging.utils import canonicalize_name

from tools.site_build.wheels import sha256_of

# Markers are evaluated for the interpreter inside Pyodide 314, not for the build host.
_PYODIDE_ENV = {
    **default_environment(),
    "python_version": "3.14",
    "python_full_version": "3.14.2",
    "sys_platform": "emscripten",
    "platform_system": "Emscripten",
    "platform_machine": "wasm32",
    "platform_python_implementation": "CPython",
    "implementation_name": "cpython",
    "os_name": "posix",
    "extra": "",
}


class MissingDependencyError(RuntimeError):
    """A vendored wheel needs a package that is not vendored: the page would fail to import it."""


def _metadata(wheel: zipfile.ZipFile) -> Any:
    """The wheel's METADATA headers (Name, Version, Requires-Dist)."""
    name = next(n for n in wheel.namelist() if n.endswith(".dist-info/METADATA") and n.count("/") == 1)
    return Parser().parsestr(wheel.read(name).decode("utf-8"))


def _imports(wheel: zipfile.ZipFile) -> list[str]:
    """Top-level importable names, read from the files (top_level.txt is optional and can be stale)."""
    names = set()
    for entry in wheel.namelist():
        top = entry.split("/")[0]
        if top.endswith((".dist-info", ".data")):
            continue
        if "/" in entry or top.endswith(".py"):
            names.add(top.removesuffix(".py"))
    return sorted(name for name in names if name.isidentifier())


def _depends(metadata: Any) -> list[str]:
    """Requirements that apply inside Pyodide (no extras, markers evaluated for 3.14/emscripten)."""
    depends = set()
    for line in metadata.get_all("Requires-Dist") or []:
        requirement = Requirement(line)
        if requirement.marker is None or requirement.marker.evaluate(_PYODIDE_ENV):
            depends.add(canonicalize_name(requirement.name))
    return sorted(depends)


def package_entry(wheel_path: Path) -> dict[str, Any]:
    """One `packages` entry in the shape of Pyodide's own lock, with the file's real sha256."""
    with zipfile.ZipFile(wheel_path) as wheel:
        metadata = _metadata(wheel)
        imports = _imports(wheel)
    return {
        "name": canonicalize_name(metadata["Name"]),
        "version": metadata["Version"],
        "file_name": wheel_path.name,
        "install_dir": "site",
        "sha256": sha256_of(wheel_path),
        "package_type": "package",
        "imports": imports,
        "depends": _depends(metadata),
        "unvendored_tests": False,
        "tool": {},
    }


def build_lock(upstream: dict[str, Any], wheels: list[Path]) -> dict[str, Any]:
    """Keep upstream's `info` (the ABI Pyodide checks), list only our wheels, check dependencies."""
    packages = {entry["name"]: entry for entry in map(package_entry, wheels)}
    for entry in packages.values():
        missing = [name for name in entry["depends"] if name not in packages]
        if missing:
            raise MissingDependencyError(f"{entry['name']} needs {', '.join(missing)}, which is not vendored")
    return {"info": upstream["info"], "packages": dict(sorted(packages.items())), "tool": upstream.get("tool", {})}
