"""The Lambda deployment package: lambda/pettube plus lambda/requirements.txt, one zip.

lambda/requirements.txt is the Lambda's subset of the project's lock (`make lock`
writes both from pyproject.toml), with PyPI's hash of every file: pip installs
nothing else, for any platform.

The zip is byte-for-byte reproducible (sorted entries, fixed timestamps), and
its S3 key is its hash: an unchanged build leaves the functions untouched.
"""

from __future__ import annotations

import hashlib
import shutil
import subprocess
import sys
import zipfile
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

from deploy.errors import PackagingError

LAMBDA_DIR = Path(__file__).resolve().parents[2] / "lambda"
SKIPPED_DIRS = {"__pycache__", "tests", ".pytest_cache"}
SKIPPED_SUFFIXES = {".pyc", ".pyo"}
# Zip entries need a date; the DOS epoch keeps the bytes independent of checkouts.
ZIP_EPOCH = (1980, 1, 1, 0, 0, 0)

Installer = Callable[[Path, Path, str, str], None]


@dataclass(frozen=True)
class LambdaPackage:
    """A built zip and the content hash that names it in S3."""

    path: Path
    sha256: str

    @property
    def key(self) -> str:
        """S3 key: the same code always lands on the same key."""
        return f"lambda/pettube-{self.sha256[:20]}.zip"


def pip_install(requirements: Path, target: Path, python_version: str, platform: str) -> None:
    """Install the locked requirements as Lambda's runtime needs them (binary wheels only).

    Hash-checking mode: a wheel whose hash is not in the lock, or a requirement without
    one, fails the build rather than shipping unreviewed code.
    """
    command = [
        sys.executable, "-m", "pip", "install", "--quiet", "--disable-pip-version-check",
        "--require-hashes", "--requirement", str(requirements), "--target", str(target),
        "--platform", platform, "--python-version", python_version,
        "--implementation", "cp", "--only-binary=:all:", "--no-compile",
    ]
    result = subprocess.run(command, capture_output=True, text=True, check=False)
    if result.returncode != 0:
        raise PackagingError(f"pip could not install {requirements}:\n{result.stderr.strip()}")


def _dependencies(requirements: Path, cache_dir: Path, python_version: str, platform: str,
                  installer: Installer) -> Path | None:
    """A directory of installed dependencies, reused while requirements and platform stay the same."""
    if not requirements.is_file() or not requirements.read_text(encoding="utf-8").strip():
        return None
    digest = hashlib.sha256(f"{python_version} {platform}\n".encode() + requirements.read_bytes()).hexdigest()
    target = cache_dir / f"deps-{digest[:20]}"
    if not target.is_dir():
        staging = cache_dir / f"{target.name}.partial"
        shutil.rmtree(staging, ignore_errors=True)
        staging.mkdir(parents=True)
        installer(requirements, staging, python_version, platform)
        staging.rename(target)
    return target


def _files(tree: Path, root: Path) -> Iterator[tuple[str, Path]]:
    """(zip name relative to ``root``, path) for each file under ``tree`` worth shipping."""
    for path in sorted(tree.rglob("*")):
        relative = path.relative_to(root)
        if path.is_file() and not SKIPPED_DIRS.intersection(relative.parts) and path.suffix not in SKIPPED_SUFFIXES:
            yield relative.as_posix(), path


def _write_zip(out: Path, entries: list[tuple[str, Path]]) -> None:
    with zipfile.ZipFile(out, "w") as archive:
        for name, path in sorted(entries):
            info = zipfile.ZipInfo(name, date_time=ZIP_EPOCH)
            # Lambda runs code as another user: files must be world-readable.
            info.external_attr = 0o100644 << 16
            info.compress_type = zipfile.ZIP_DEFLATED
            archive.writestr(info, path.read_bytes())


def build(
    out_dir: Path,
    python_version: str,
    platform: str,
    *,
    lambda_dir: Path = LAMBDA_DIR,
    installer: Installer = pip_install,
) -> LambdaPackage:
    """Zip the ``pettube`` package with its dependencies for the template's runtime."""
    package_dir = lambda_dir / "pettube"
    if not (package_dir / "__init__.py").is_file():
        raise PackagingError(f"{package_dir} is not a Python package")
    out_dir.mkdir(parents=True, exist_ok=True)
    deps = _dependencies(lambda_dir / "requirements.txt", out_dir, python_version, platform, installer)
    entries = list(_files(package_dir, lambda_dir))
    if deps is not None:
        entries.extend(_files(deps, deps))
    staging = out_dir / "lambda.zip.partial"
    _write_zip(staging, entries)
    sha256 = hashlib.sha256(staging.read_bytes()).hexdigest()
    final = out_dir / f"pettube-{sha256[:20]}.zip"
    staging.replace(final)
    return LambdaPackage(final, sha256)
