"""The reliability suite's record: every test notes what it tried and what happened; docs/reliability.md shows it.

Each test's docstring says what was tried; ``observed(...)`` notes what the
system did (figures included); a test outside this folder (persistence) notes it
with pytest's own ``record_property("observed", text)``, which is what
``observed`` does. A session in which every test of every area
(Load, Faults, Bad input, Security, Persistence) ran rewrites all of the page's
results at once, stamped with its date and commit; any other session (``-k``,
``-x``, one file, an interrupted run) leaves the page as it was, so its rows
always come from one complete run. Rows keep collection order: the page is
stable from run to run except for measured figures.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

import pytest

from bench.report import checkout_commit

REPORT = Path(__file__).resolve().parents[2] / "docs" / "reliability.md"
OBSERVED = "observed"
AREAS = {"test_load": "Load", "test_faults": "Faults", "test_bad_input": "Bad input",
         "test_security": "Security", "test_persistence": "Persistence", "test_library_crash": "Persistence"}


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
        self.partial: set[str] = set()  # areas with deselected tests: this run cannot write the page
        self.outcome = ""  # what became of docs/reliability.md, for the terminal summary

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
        if report.when == "call":
            row.happened = [str(value) for key, value in report.user_properties if key == OBSERVED]
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
    """Rewrite the page only from a session in which every test of every area ran."""
    if session.config.getoption("collectonly") or not _LEDGER.rows:
        return
    incomplete = set(_LEDGER.partial) | (set(AREAS.values()) - {r.area for r in _LEDGER.rows.values()})
    for item in session.items:
        area = AREAS.get(Path(str(item.path)).stem)
        row = _LEDGER.rows.get(item.nodeid)
        if area and (row is None or row.result == "not run"):
            incomplete.add(area)
    if incomplete:
        _LEDGER.outcome = (f"{REPORT.name} left as it was: not every test of {', '.join(sorted(incomplete))} ran "
                           "in this session (its rows come from one complete run only)")
        return
    write_report(list(_LEDGER.rows.values()), datetime.now(UTC), checkout_commit())
    _LEDGER.outcome = f"{REPORT.name} rewritten from this complete run"


def pytest_terminal_summary(terminalreporter: pytest.TerminalReporter) -> None:
    if _LEDGER.outcome:
        terminalreporter.write_line(f"reliability: {_LEDGER.outcome}")


def write_report(rows: list[Row], finished: datetime, commit: str, report: Path = REPORT) -> None:
    """Replace every area's results table, and the line naming the run they come from; all else stays."""
    text = report.read_text() if report.exists() else "# Reliability\n"
    results = Counter(row.result for row in rows)
    stamp = (f"Results of one complete run of the suite: {finished:%Y-%m-%d %H:%M} UTC, commit {commit}; "
             f"{len(rows)} tests, " + ", ".join(f"{n} {result}" for result, n in sorted(results.items())) + ".")
    blocks = {"run": stamp}
    for area in AREAS.values():
        table = ["| What was tried | What happened | Result |", "|---|---|---|"]
        table += [f"| {_cell(r.tried)} | {_cell('; '.join(r.happened) or '-')} | {r.result} |"
                  for r in rows if r.area == area]
        blocks[area] = "\n".join(table)
    for name, body in blocks.items():
        start, end = f"<!-- results:{name} -->", f"<!-- /results:{name} -->"
        block = f"{start}\n{body}\n{end}"
        if start in text and end in text:
            text = text[:text.index(start)] + block + text[text.index(end) + len(end):]
        else:
            text = text.rstrip("\n") + (f"\n\n## {name}" if name != "run" else "") + f"\n\n{block}\n"
    report.write_text(text.rstrip("\n") + "\n")


def _cell(text: str) -> str:
    return text.replace("|", "\\|").replace("\n", " ")


@pytest.fixture
def observed(record_property: Callable[[str, object], None]) -> Callable[[str], None]:
    """Note what the system did, in words and figures, for this test's row in docs/reliability.md."""
    return lambda text: record_property(OBSERVED, text)


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
