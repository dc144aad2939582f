"""Pinned pure-Python wheels for Pyodide: download once into a cache, then trim botocore."""

from __future__ import annotations

import base64
import hashlib
import subprocess
import sys
import zipfile
from pathlib import Path

from tools.site_build import botocore_data

REQUIREMENTS = Path(__file__).with_name("requirements-pyodide.txt")

# Pyodide 314 runs CPython 3.14: ask pip for wheels that install there, not on the host.
_TARGET = ("--python-version", "3.14", "--implementation", "py", "--abi", "none", "--platform", "any")
# The date of members the build adds: zip's earliest, so the archive is the same on every build.
_ZIP_EPOCH = (1980, 1, 1, 0, 0, 0)


class WheelDownloadError(RuntimeError):
    """pip could not fetch a pinned wheel (offline with an empty cache, or a hash mismatch)."""


def pinned_hashes(requirements: Path = REQUIREMENTS) -> dict[str, str]:
    """Map each pinned requirement (`name==version`) to its sha256, for cache checks."""
    pins: dict[str, str] = {}
    for line in requirements.read_text().splitlines():
        spec, _, rest = line.partition(" --hash=sha256:")
        if spec and not spec.startswith("#"):
            pins[spec.strip()] = rest.strip()
    return pins


def sha256_of(path: Path) -> str:
    """Hex sha256 of a file, read in blocks (wheels reach tens of MB)."""
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def download(cache: Path, requirements: Path = REQUIREMENTS) -> list[Path]:
    """Return the pinned wheels, calling pip only when the cache lacks one (offline afterwards)."""
    cache.mkdir(parents=True, exist_ok=True)
    wanted = set(pinned_hashes(requirements).values())
    cached = {sha256_of(path): path for path in cache.glob("*.whl")}
    if not wanted <= cached.keys():
        command = [sys.executable, "-m", "pip", "download", "--no-deps", "--only-binary=:all:",
                   "--require-hashes", *_TARGET, "--dest", str(cache), "-r", str(requirements)]
        result = subprocess.run(command, capture_output=True, text=True, check=False)
        if result.returncode != 0:
            raise WheelDownloadError(result.stderr.strip().splitlines()[-1] if result.stderr else "pip failed")
        cached = {sha256_of(path): path for path in cache.glob("*.whl")}
    return sorted(cached[digest] for digest in wanted)


def _record_line(name: str, data: bytes) -> str:
    """One RECORD row as the wheel spec writes it (urlsafe base64 sha256, no padding)."""
    digest = base64.urlsafe_b64encode(hashlib.sha256(data).digest()).rstrip(b"=").decode()
    return f"{name},sha256={digest},{len(data)}"


def repack_stored(archive: Path, target: Path, leave_out: frozenset[str] = frozenset(),
                  extra: dict[str, bytes] | None = None) -> Path:
    """Copy a zip (wheel, Pyodide's standard library) with its members stored, not deflated,
    but for the members named in `leave_out`, and with `extra` members added at the end.

    The site serves it brotli-compressed: one stream over the whole archive shrinks it
    far more than deflate member by member (the page's wheels and standard library:
    4.0 MB deflated, 2.9 MB stored then brotli), and zipimport reads stored members
    without inflating them. Member names, order and dates are kept: reproducible.
    """
    with zipfile.ZipFile(archive) as source, zipfile.ZipFile(target, "w", zipfile.ZIP_STORED) as out:
        for info in source.infolist():
            if info.filename in leave_out:
                continue
            data = source.read(info)
            info.compress_type = zipfile.ZIP_STORED
            out.writestr(info, data)
        for name, data in (extra or {}).items():
            out.writestr(zipfile.ZipInfo(name, date_time=_ZIP_EPOCH), data)
    return target


def slim_botocore(wheel: Path, dest: Path, api: dict[str, tuple[str, ...]] = botocore_data.PAGE_API) -> Path:
    """Repack botocore with its data cut down to the page's calls (16.9 MB -> 1.8 MB stored), reproducibly."""
    target = dest / wheel.name
    with zipfile.ZipFile(wheel) as source, zipfile.ZipFile(target, "w", zipfile.ZIP_STORED) as out:
        record = None
        rows = []
        for info in source.infolist():
            if info.filename.endswith(".dist-info/RECORD"):
                record = info
                continue
            kept = botocore_data.trim_member(info.filename, source.read(info), api)
            if kept is None:
                continue
            name, data = kept
            member = zipfile.ZipInfo(name, date_time=info.date_time)
            member.external_attr = info.external_attr
            out.writestr(member, data, compress_type=zipfile.ZIP_STORED)
            rows.append(_record_line(name, data))
        if record is None:
            raise ValueError(f"{wheel.name} has no RECORD")
        rows.append(f"{record.filename},,")
        out.writestr(record, "\n".join(rows) + "\n", compress_type=zipfile.ZIP_STORED)
    return target
