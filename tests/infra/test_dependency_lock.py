"""The locks agree with pyproject.toml: a pin edited there without `make lock` fails here.

pyproject.toml is where people edit ranges and pins; requirements.lock (what `make dev`
and `make test` install, with hashes) and lambda/requirements.txt (the Lambda package's
subset) are written from it by `make lock`. These tests read the files only: no network.
"""

from __future__ import annotations

import re
import tomllib
from dataclasses import dataclass
from pathlib import Path

import pytest
from packaging.requirements import Requirement
from packaging.utils import NormalizedName, canonicalize_name

ROOT = Path(__file__).resolve().parents[2]
LOCK = ROOT / "requirements.lock"
LAMBDA_LOCK = ROOT / "lambda" / "requirements.txt"
PYPROJECT = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))
PROJECT = canonicalize_name(PYPROJECT["project"]["name"])
RELOCK = "pyproject.toml and the lock disagree: run `make lock` and commit both"


@dataclass(frozen=True)
class Locked:
    """One entry of a lock file."""

    version: str
    hashes: frozenset[str]
    # uv annotates an entry "via pettube (pyproject.toml...)" when pyproject names it.
    declared: bool


def read_lock(path: Path) -> dict[NormalizedName, Locked]:
    """The entries of a lock that `make lock` wrote, by canonical name."""
    entries: dict[NormalizedName, Locked] = {}
    # An entry starts at column 0; its hashes and annotations are indented under it.
    for block in re.split(r"\n(?=\S)", path.read_text(encoding="utf-8")):
        if block.startswith("#") or not block.strip():
            continue
        requirement = Requirement(block.splitlines()[0].removesuffix("\\").strip())
        (version,) = [spec.version for spec in requirement.specifier if spec.operator == "=="]
        entries[canonicalize_name(requirement.name)] = Locked(
            version=version,
            hashes=frozenset(re.findall(r"--hash=sha256:([0-9a-f]{64})", block)),
            declared=f"{PROJECT} (pyproject.toml" in block,
        )
    return entries


def expand(requirements: list[str]) -> list[Requirement]:
    """Requirements with the project's references to its own extras (pettube[local]) followed."""
    expanded: list[Requirement] = []
    for text in requirements:
        requirement = Requirement(text)
        if canonicalize_name(requirement.name) == PROJECT:
            for extra in sorted(requirement.extras):
                expanded.extend(expand(PYPROJECT["project"]["optional-dependencies"][extra]))
        else:
            expanded.append(requirement)
    return expanded


RUNTIME = expand(PYPROJECT["project"]["dependencies"])
# What `make lock` puts in requirements.lock: the project, its dev extra and the tooling
# group; and setuptools must also satisfy [build-system] (pettube is built with the lock's).
DEVELOPMENT = (
    RUNTIME
    + expand(PYPROJECT["project"]["optional-dependencies"]["dev"])
    + expand(PYPROJECT["dependency-groups"]["tooling"])
    + expand(PYPROJECT["build-system"]["requires"])
)


def unmet(requirements: list[Requirement], lock: dict[NormalizedName, Locked]) -> list[str]:
    """Each requirement the lock lacks or pins at a version the requirement excludes."""
    problems = []
    for requirement in requirements:
        locked = lock.get(canonicalize_name(requirement.name))
        if locked is None:
            problems.append(f"{requirement} is not locked")
        elif not requirement.specifier.contains(locked.version, prereleases=True):
            problems.append(f"{requirement} is locked at {locked.version}")
    return problems


def stale(requirements: list[Requirement], lock: dict[NormalizedName, Locked]) -> list[str]:
    """Lock entries pyproject.toml once named and no longer does."""
    named = {canonicalize_name(requirement.name) for requirement in requirements}
    return sorted(name for name, locked in lock.items() if locked.declared and name not in named)


def test_every_dependency_pyproject_names_is_locked_at_a_version_it_allows() -> None:
    problems = unmet(DEVELOPMENT, read_lock(LOCK))
    assert not problems, f"{RELOCK}: {problems}"


def test_a_dependency_dropped_from_pyproject_is_dropped_from_the_lock() -> None:
    problems = stale(DEVELOPMENT, read_lock(LOCK))
    assert not problems, f"{RELOCK}: {problems} are no longer in pyproject.toml"


def test_every_locked_version_carries_pypis_hashes() -> None:
    for path in (LOCK, LAMBDA_LOCK):
        assert [name for name, locked in read_lock(path).items() if not locked.hashes] == [], path


def test_the_lambda_installs_its_runtime_dependencies_from_the_same_lock() -> None:
    lock, lambda_lock = read_lock(LOCK), read_lock(LAMBDA_LOCK)
    problems = unmet(RUNTIME, lambda_lock) + stale(RUNTIME, lambda_lock)
    assert not problems, f"{RELOCK}: {problems}"
    differing = sorted(name for name, locked in lambda_lock.items() if lock.get(name) != locked)
    assert not differing, f"{RELOCK}: {differing} differ from requirements.lock"


def test_a_pin_changed_or_dropped_without_relocking_is_caught(tmp_path: Path) -> None:
    """The checks above can fail: a lock as `make lock` writes it, then pyproject moves on."""
    lock = tmp_path / "requirements.lock"
    lock.write_text(
        "# This file was autogenerated by uv via the following command:\n"
        "#    make lock\n"
        "boto3==1.44.5 \\\n"
        f"    --hash=sha256:{'a' * 64}\n"
        "    # via\n"
        f"    #   {PROJECT} (pyproject.toml)\n"
        "    #   moto\n"
        "pytest==9.2.0 \\\n"
        f"    --hash=sha256:{'b' * 64}\n"
        f"    # via {PROJECT} (pyproject.toml)\n",
        encoding="utf-8",
    )
    locked = read_lock(lock)
    assert unmet([Requirement("boto3==1.44.5"), Requirement("pytest>=9")], locked) == []
    assert unmet([Requirement("boto3==1.44.6")], locked) == ["boto3==1.44.6 is locked at 1.44.5"]
    assert unmet([Requirement("moto==5.2.5")], locked) == ["moto==5.2.5 is not locked"]
    assert stale([Requirement("boto3==1.44.5")], locked) == ["pytest"]
