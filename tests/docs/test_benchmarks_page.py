"""docs/benchmarks.md holds only what bench/ commands write; a run never erases another run's figures."""

from __future__ import annotations

import ast
import re
from datetime import UTC, datetime
from pathlib import Path

from bench.report import Run, publish

REPO = Path(__file__).resolve().parents[2]


def headings() -> dict[str, str]:
    """Each benchmark's ``HEADING`` -> its module, read from bench/*.py without running them."""
    owners = {}
    for path in sorted((REPO / "bench").glob("*.py")):
        for node in ast.parse(path.read_text()).body:
            if isinstance(node, ast.Assign) and any(getattr(t, "id", "") == "HEADING" for t in node.targets):
                owners[ast.literal_eval(node.value)] = f"bench.{path.stem}"
    return owners


def test_every_section_of_the_page_is_written_by_the_command_it_names() -> None:
    owners = headings()
    text = (REPO / "docs" / "benchmarks.md").read_text()
    sections = re.split(r"\n(?=## )", text)[1:]
    assert sections
    for section in sections:
        heading, _, body = section.partition("\n")
        owner = owners.get(heading) or owners.get(heading.partition(":")[0])  # "## X: 10 GB": one of X's sizes
        assert owner, f"'{heading}' is written by no benchmark in bench/"
        commands = re.findall(r"`python -m (bench\.\w+)[^`]*`", body)
        assert commands and set(commands) == {owner}, f"'{heading}' must name `python -m {owner}`"


def _run(when: str) -> Run:
    return Run("python -m bench.example --rounds 2", datetime.fromisoformat(when).replace(tzinfo=UTC), "abc1234", 0.5)


def test_a_run_rewrites_its_own_section_only_and_the_log_keeps_every_run(tmp_path: Path) -> None:
    report, log = tmp_path / "benchmarks.md", tmp_path / "benchmarks-log.md"
    report.write_text("# Benchmarks\n\n## Example\n\nold figures\n\n## Other\n\nother figures\n")

    publish("## Example", "Figures: 1 ms.", _run("2026-12-01T10:00"), True, report, log)
    publish("## Example", "Figures: 2 ms.\n\n### localhost\n\n| a |", _run("2026-12-02T11:30"), True, report, log)
    publish("## Example", "Figures: 3 ms.", _run("2026-12-03T12:00"), False, report, log)

    page = report.read_text()
    assert "2 ms" in page and "1 ms" not in page and "3 ms" not in page and "old figures" not in page
    assert "## Other\n\nother figures\n" in page
    assert page.index("## Example") < page.index("## Other")
    assert "`python -m bench.example --rounds 2` (2026-12-02 11:30 UTC, commit abc1234" in page
    entries = re.findall(r"^## (.*)$", log.read_text(), flags=re.MULTILINE)
    assert entries == ["2026-12-01 10:00 UTC: Example", "2026-12-02 11:30 UTC: Example"]
    assert "\n#### localhost\n" in log.read_text()


def test_a_run_names_the_command_as_typed_and_the_commit(monkeypatch) -> None:
    monkeypatch.setattr("sys.argv", ["/x/bench/example.py", "--rounds", "2", "--label", "two words"])
    run = Run.start()
    assert run.command.endswith("--rounds 2 --label 'two words'")
    assert re.fullmatch(r"[0-9a-f]{7,}( with uncommitted changes)?", run.commit)
