"""The reliability suite's record: every test notes what it tried and what happened; docs/reliability.md shows it.

Each test's docstring says what was tried; ``observed(...)`` notes what the
system did (figures included). At the end of the session the results section of
each area that ran (Load, Faults, Bad input, Security, Persistence) is rewritten
in docs/reliability.md; areas that did not run keep their previous text, so the
page only ever shows what ran. Rows keep collection order: the page is stable
from run to run except for measured figures.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

import pytest

REPORT = Path(__file__).resolve().parents[2] / "docs" / "reliability.md"
AREAS = {"test_load": "Load", "test_faults": "Faults", "test_bad_input": "Bad input",
         "test_security": "Security", "test_persistence": "Persistence"}


@dataclass
class Row:
    """One test's line in the report."""

    area: str
    tried: str
    happened: list[str] = field(default_factory=list)
    result: str = "not run"


class Ledger:
    """Rows by test id, filled while tests run; written to the report when the session ends."""

    def __init__(self) -> None:
        self.rows: dict[str, Row] = {}
        self.partial: set[str] = set()  # areas with deselected tests: their tables are left as they were

    def pytest_deselected(self, items: list[pytest.Item]) -> None:
        self.partial.update(a for a in (AREAS.get(Path(str(i.path)).stem) for i in items) if a)

    def row(self, item: pytest.Item) -> Row | None:
        area = AREAS.get(Path(str(item.path)).stem)
        if area is None:
            return None
        if item.nodeid not in self.rows:
            doc = (getattr(item, "function", None).__doc__ or item.name).strip().splitlines()[0]
            self.rows[item.nodeid] = Row(area, _param_label(item, doc))
        return self.rows[item.nodeid]

    # Registered as a plugin, so it also sees tests outside this folder (persistence).
    @pytest.hookimpl(hookwrapper=True)
    def pytest_runtest_makereport(self, item: pytest.Item, call: pytest.CallInfo[None]) -> Iterator[None]:
        outcome = yield
        report = outcome.get_result()
        row = self.row(item)
        if row is None or (report.when != "call" and not report.failed and not report.skipped):
            return
        if report.skipped:
            row.result = "skipped"
            row.happened.append(_reason(report))
        elif report.failed:
            row.result = "FAILED"
            row.happened.append(f"failed at {report.when}: {_reason(report)}")
        elif row.result != "FAILED":
            row.result = "passed"


def _param_label(item: pytest.Item, doc: str) -> str:
    callspec = getattr(item, "callspec", None)
    return f"{doc} [{callspec.id}]" if callspec else doc


def _reason(report: pytest.TestReport) -> str:
    text = report.longrepr[2] if isinstance(report.longrepr, tuple) else str(report.longrepr)
    lines = [line for line in str(text).splitlines() if line.startswith("E ")] or str(text).splitlines()[-1:]
    return re.sub(r"\s+", " ", lines[0].removeprefix("E").strip())[:200] if lines else "no detail"


_LEDGER = Ledger()


def pytest_configure(config: pytest.Config) -> None:
    config.pluginmanager.register(_LEDGER, "reliability-ledger")


def pytest_sessionfinish(session: pytest.Session) -> None:
    """Rewrite only areas whose every test ran in this session (a -k or -x run leaves the page alone)."""
    if session.config.getoption("collectonly"):
        return
    unfinished = set(_LEDGER.partial)
    for item in session.items:
        area = AREAS.get(Path(str(item.path)).stem)
        row = _LEDGER.rows.get(item.nodeid)
        if area and (row is None or row.result == "not run"):
            unfinished.add(area)
    ran = [row for row in _LEDGER.rows.values() if row.result != "not run" and row.area not in unfinished]
    if ran:
        write_report(ran)


def write_report(rows: list[Row], report: Path = REPORT) -> None:
    """Rewrite the results table of each area present in ``rows``; everything else stays as it is."""
    text = report.read_text() if report.exists() else "# Reliability\n"
    for area in dict.fromkeys(row.area for row in rows):
        table = ["| What was tried | What happened | Result |", "|---|---|---|"]
        table += [f"| {_cell(r.tried)} | {_cell('; '.join(r.happened) or '-')} | {r.result} |"
                  for r in rows if r.area == area]
        start, end = f"<!-- results:{area} -->", f"<!-- /results:{area} -->"
        block = f"{start}\n" + "\n".join(table) + f"\n{end}"
        if start in text and end in text:
            text = text[:text.index(start)] + block + text[text.index(end) + len(end):]
        else:
            text = text.rstrip("\n") + f"\n\n## {area}\n\n{block}\n"
    report.write_text(text.rstrip("\n") + "\n")


def _cell(text: str) -> str:
    return text.replace("|", "\\|").replace("\n", " ")


@pytest.fixture
def observed(request: pytest.FixtureRequest) -> Callable[[str], None]:
    """Note what the system did, in words and figures, for this test's row in docs/reliability.md."""
    row = _LEDGER.row(request.node)
    assert row is not None, "observed() is for the reliability suite's modules"
    row.happened.clear()
    return row.happened.append


HANDLERS_DIR = Path(__file__).parent / "handlers"


@pytest.fixture
def reconfigure(cloud, tmp_path: Path) -> Iterator[Callable[..., Path]]:
    """Change a function's environment (and optionally its handler) for one test; always put the template's back.

    Extra handlers live in tests/reliability/handlers (on PYTHONPATH); PROBE_DIR is
    a per-test directory they may write to.
    """
    previous: dict[str, object] = {}

    def change(function: str, handler: str | None = None, **variables: str) -> Path:
        spec = cloud.runtime.stack.functions[function]
        environment = {**spec.environment, "PYTHONPATH": str(HANDLERS_DIR), "PROBE_DIR": str(tmp_path), **variables}
        old = cloud.runtime.update_function(function, environment=environment, handler=handler or spec.handler)
        previous.setdefault(function, old)
        return tmp_path

    yield change
    for function, old in previous.items():
        cloud.runtime.update_function(function, environment=old.environment, handler=old.handler)
