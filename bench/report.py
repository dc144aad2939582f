"""Where benchmark figures go: docs/benchmarks.md shows each benchmark's latest run, docs/benchmarks-log.md every run.

Each benchmark owns one ``## `` section of docs/benchmarks.md and rewrites only that, so
a run never erases another benchmark's figures. The same section is appended, dated,
to the log: a run never erases an earlier run of the same benchmark either, and an A/B
comparison is two runs of one command at two commits, both in the log. Every section
opens with the exact command, the date, the commit and the machine's load: nothing in
either file is typed by hand.
"""

from __future__ import annotations

import argparse
import os
import shlex
import subprocess
import sys
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
REPORT = REPO / "docs" / "benchmarks.md"
LOG = REPO / "docs" / "benchmarks-log.md"
LOG_INTRO = ("# Benchmark log\n\nEvery run of a benchmark command that wrote docs/benchmarks.md, appended by "
             "the command (bench/report.py), oldest first. Compare runs of one command at different commits here.\n")


def argument_parser(doc: str) -> argparse.ArgumentParser:
    """A benchmark's parser: named as it is run (`python -m bench.x`), with the common --no-write."""
    module = getattr(sys.modules["__main__"].__spec__, "name", "bench")
    parser = argparse.ArgumentParser(prog=f"python -m {module}", description=doc.strip().splitlines()[0])
    parser.add_argument("--no-write", action="store_true",
                        help="print only; leave docs/benchmarks.md and docs/benchmarks-log.md alone")
    return parser


@dataclass(frozen=True)
class Run:
    """A benchmark run's provenance, noted when it starts: what ran, when, on which commit, how busy."""

    command: str
    started: datetime
    commit: str
    load_before: float = field(default_factory=lambda: os.getloadavg()[0])

    @classmethod
    def start(cls) -> Run:
        """This process's run: its command line as typed (``python -m bench.x ...``) and the checkout's commit."""
        module = getattr(sys.modules["__main__"].__spec__, "name", sys.argv[0])
        return cls(shlex.join(["python", "-m", module, *sys.argv[1:]]), datetime.now(UTC), checkout_commit())

    def line(self) -> str:
        """The sentence every section opens with."""
        return (f"`{self.command}` ({self.started:%Y-%m-%d %H:%M} UTC, commit {self.commit}, {os.cpu_count()} CPUs, "
                f"load average {self.load_before:.1f} before and {os.getloadavg()[0]:.1f} after)")


def checkout_commit() -> str:
    """The short commit of the checkout, marked when files differ from it (results are of the files)."""
    def git(*args: str) -> str:
        done = subprocess.run(["git", *args], cwd=REPO, capture_output=True, text=True, check=False)
        return done.stdout.strip() if done.returncode == 0 else ""

    commit = git("rev-parse", "--short", "HEAD") or "unknown"
    return commit + (" with uncommitted changes" if git("status", "--porcelain", "--untracked-files=no") else "")


def publish(heading: str, body: str, run: Run, write: bool, report: Path = REPORT, log: Path = LOG) -> str:
    """Print the section; with ``write``, make it the benchmark's section in the report and append it to the log."""
    text = f"{heading}\n\n{run.line()}. {body.strip()}\n"
    print(text)
    if write:
        write_section(heading, text, report)
        append_log(heading, text, run, log)
    return text


def write_section(heading: str, text: str, report: Path = REPORT) -> None:
    """Replace (or append) the section starting at `heading`; other sections stay byte for byte."""
    current = report.read_text() if report.exists() else "# Benchmarks\n"
    start = current.find(heading + "\n")
    if start == -1:
        updated = current.rstrip("\n") + "\n\n" + text
    else:
        end = current.find("\n## ", start + len(heading))
        rest = current[end + 1 :] if end != -1 else ""
        updated = current[:start] + text.rstrip("\n") + ("\n\n" + rest if rest else "")
    report.parent.mkdir(exist_ok=True)
    report.write_text(updated.rstrip("\n") + "\n")


def append_log(heading: str, text: str, run: Run, log: Path = LOG) -> None:
    """Append the section to the log under a dated heading; its own headings go one level down."""
    entry = text.replace("\n### ", "\n#### ").replace(heading, f"## {run.started:%Y-%m-%d %H:%M} UTC: "
                                                               f"{heading.removeprefix('## ')}", 1)
    current = log.read_text() if log.exists() else LOG_INTRO
    log.write_text(current.rstrip("\n") + "\n\n" + entry.rstrip("\n") + "\n")
