"""Every `python ...`, `pytest ...` and `make ...` command the docs show still runs as written.

Each is found in README.md, docs/*.md and tools/README.md (code blocks and inline code)
and run harmlessly: a Python module or script with ``--help`` after the documented
arguments (so a misspelt module or a bad value fails), pytest with ``--collect-only``,
make with ``-n`` (a dry run: an unknown target or variable error fails).
"""

from __future__ import annotations

import re
import shlex
import subprocess
import sys
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]
# The benchmark log is left out: it records each command as it ran at its own commit.
DOCS = [REPO / "README.md", REPO / "tools" / "README.md",
        *sorted(p for p in (REPO / "docs").glob("*.md") if p.name != "benchmarks-log.md")]
PYTHON = re.compile(r"^(?:\.venv/bin/)?python3?$")
PYTEST = re.compile(r"^(?:\.venv/bin/)?pytest$")


def shown_commands(markdown: str) -> list[str]:
    """Commands in fenced code blocks (backslash continuations joined, comments dropped) and inline code."""
    lines, fenced = [], False
    for line in markdown.replace("\\\n", " ").splitlines():
        if line.lstrip().startswith("```"):
            fenced = not fenced
        elif fenced:
            lines.append(line.split("  #", 1)[0].strip())
    inline = re.findall(r"(?<!`)`([^`]+)`(?!`)", re.sub(r"```.*?```", "", markdown, flags=re.DOTALL))
    candidates = lines + [" ".join(code.split()) for code in inline]
    return [c for c in candidates if c.split(" ", 1)[0] == "make" or PYTHON.match(c.split(" ", 1)[0])
            or PYTEST.match(c.split(" ", 1)[0])]


def harmless(command: str) -> list[str]:
    """The command as it would be typed, made to check itself instead of doing its work."""
    words = shlex.split(command)
    program, args = words[0], words[1:]
    if program == "make":
        return ["make", "-n", *args]
    if PYTEST.match(program):
        return [sys.executable, "-m", "pytest", *args, "--collect-only", "-q"]
    if args[:1] == ["-c"]:
        return [sys.executable, *args]  # a one-liner the docs time as a baseline: cheap, run it
    if args[:2] == ["-m", "pytest"]:
        return [sys.executable, *args, "--collect-only", "-q"]
    return [sys.executable, *args, "--help"]


SHOWN: dict[str, list[str]] = {}
for _doc in DOCS:
    for _command in shown_commands(_doc.read_text()):
        SHOWN.setdefault(" ".join(_command.split()), []).append(_doc.relative_to(REPO).as_posix())


def test_the_docs_show_commands() -> None:
    assert {"make dev", "python -m tools.architecture"} <= set(SHOWN)
    assert any(command.startswith("python -m bench.cold_start") for command in SHOWN)


@pytest.fixture(scope="module")
def outcomes() -> dict[str, subprocess.CompletedProcess[str]]:
    """Every command's check, run side by side (most of their time is Python importing)."""
    def check(command: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run(harmless(command), cwd=REPO, capture_output=True, text=True, timeout=240, check=False)

    with ThreadPoolExecutor(max_workers=4) as pool:
        return dict(zip(SHOWN, pool.map(check, SHOWN)))


@pytest.mark.parametrize("command", sorted(SHOWN))
def test_a_documented_command_runs_as_written(
        outcomes: dict[str, subprocess.CompletedProcess[str]], command: str) -> None:
    done = outcomes[command]
    assert done.returncode == 0, f"`{command}` ({', '.join(SHOWN[command])}) fails:\n{done.stderr[-2000:]}"
