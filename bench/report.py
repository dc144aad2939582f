"""docs/benchmarks.md: each benchmark owns one `## ` section and rewrites only that."""

from __future__ import annotations

from pathlib import Path

REPORT = Path(__file__).resolve().parents[1] / "docs" / "benchmarks.md"


def write_section(heading: str, text: str, report: Path = REPORT) -> None:
    """Replace (or append) the section starting at `heading`; other sections stay byte for byte."""
    current = report.read_text() if report.exists() else "# Benchmarks\n"
    start = current.find(heading)
    if start == -1:
        updated = current.rstrip("\n") + "\n\n" + text
    else:
        end = current.find("\n## ", start + len(heading))
        rest = current[end + 1 :] if end != -1 else ""
        updated = current[:start] + text.rstrip("\n") + ("\n\n" + rest if rest else "")
    report.parent.mkdir(exist_ok=True)
    report.write_text(updated.rstrip("\n") + "\n")
