"""Pinned pure-Python wheels for Pyodide: download once into a cache, then trim botocore."""

from __future__ import annotations

import base64
import hashlib
import subprocess
import sys
import zipfile
from pathlib import Path

REQUIREMENTS = Path(__file__).with_name("requirements-pyodide.txt")

# The AWS services the page talks to through boto3. SigV4 for the MyMedia API needs no
# service model (botocore.auth signs any request), so nothing else is kept.
PAGE_SERVICES = ("s3", "sts", "cognito-identity")

# Pyodide 314 runs CPython 3.14: ask pip for wheels that install there, not on the host.
_TARGET = ("--python-version", "3.14", "--implementation", "py", "--abi", "none", "--platform", "any")


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


def _keeps(name: str, services: tuple[str, ...]) -> bool:
    """True for every wheel entry except the data of services the page never calls."""
    parts = name.split("/")
    if parts[:2] != ["botocore", "data"] or len(parts) == 3:
        return True  # code, and data/*.json shared by all services (endpoints, partitions, retries)
    return parts[2] in services


def _record_line(name: str, data: bytes) -> str:
    """One RECORD row as the wheel spec writes it (urlsafe base64 sha256, no padding)."""
    digest = base64.urlsafe_b64encode(hashlib.sha256(data).digest()).rstrip(b"=").decode()
    return f"{name},sha256={digest},{len(data)}"


def repack_stored(archive: Path, target: Path) -> Path:
    """Copy a zip (wheel, Pyodide's standard library) with its members stored, not deflated.

    The site serves it brotli-compressed: one stream over the whole archive shrinks it
    far more than deflate member by member (the page's wheels and standard library:
    4.0 MB deflated, 2.9 MB stored then brotli), and zipimport reads stored members
    without inflating them. Member names, order and dates are kept: reproducible.
    """
    with zipfile.ZipFile(archive) as source, zipfile.ZipFile(target, "w", zipfile.ZIP_STORED) as out:
        for info in source.infolist():
            data = source.read(info)
            info.compress_type = zipfile.ZIP_STORED
            out.writestr(info, data)
    return target


def slim_botocore(wheel: Path, dest: Path, services: tuple[str, ...] = PAGE_SERVICES) -> Path:
    """Repack botocore with only the given services' data (16.9 MB -> 3.3 MB stored), reproducibly."""
    target = dest / wheel.name
    with zipfile.ZipFile(wheel) as source, zipfile.ZipFile(target, "w", zipfile.ZIP_STORED) as out:
        kept = [info for info in source.infolist() if _keeps(info.filename, services)]
        record = next(info for info in kept if info.filename.endswith(".dist-info/RECORD"))
        rows = []
        for info in kept:
            if info is record:
                continue
            data = source.read(info)
            out.writestr(info, data, compress_type=zipfile.ZIP_STORED)
            rows.append(_record_line(info.filename, data))
        rows.append(f"{record.filename},,")
        out.writestr(record, "\n".join(rows) + "\n", compress_type=zipfile.ZIP_STORED)
    return target
