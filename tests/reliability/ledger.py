"""The reliability suite's record: every test notes what it tried and what happened; docs/reliability.md shows it.

Each test's docstring says what was tried; ``observed(...)`` (tests/reliability/conftest.py)
notes what the system did (figures included); a test outside that folder (persistence)
notes it with pytest's own ``record_property("observed", text)``, which is what
``observed`` does. A session in which every test of every area
(Load, Faults, Bad input, Security, Persistence) ran rewrites all of the page's
results at once, stamped with its date and commit; any other session (``-k``,
``-x``, one file, an interrupted run) leaves the page as it was, so its rows
always come from one complete run. Rows keep collection order: the page is
stable from run to run except for measured figures.

A plugin the root conftest loads (``pytest_plugins``), not a conftest of this folder:
under pytest-xdist the controller process writes the page, and it never collects,
so it never loads a conftest below tests/.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

import pytest

from bench.report import checkout_commit

# The page, under the session's root directory (a stand-in suite writes its own).
REPORT = Path("docs", "reliability.md")
OBSERVED = "observed"
# The key under which an xdist worker sends the controller what it collected.
WORKER_OUTPUT = "reliability"
AREAS = {"test_load": "Load", "test_faults": "Faults", "test_bad_input": "Bad input",
         "test_security": "Security", "test_persistence": "Persistence", "test_library_crash": "Persistence"}


@dataclass
class Row:
    """One test's line in the report."""

    area: str
    tried: str
    happened: list[str] = field(default_factory=list)
    result: str = ""


class Ledger:
    """Rows by test id, filled from test reports; written to the report when the session ends.

    Reports are where the rows come from because they are what the process that ran the
    test shares: under pytest-xdist the workers run the tests and the controller, which
    sees every report, writes the page. A worker also sends what only it can see, the
    tests it was given (``expected``) and the areas ``-k``/``-m`` cut short (``partial``).
    """

    def __init__(self) -> None:
        self.rows: dict[str, Row] = {}
        self.expected: dict[str, str] = {}  # nodeid -> area, in collection order
        self.partial: set[str] = set()  # areas with deselected tests: this run cannot write the page
        self.outcome = ""  # what became of docs/reliability.md, for the terminal summary

    def pytest_deselected(self, items: list[pytest.Item]) -> None:
        self.partial.update(a for a in map(_area, items) if a)

    def pytest_collection_finish(self, session: pytest.Session) -> None:
        self.expected.update((item.nodeid, area) for item in session.items if (area := _area(item)))

    @pytest.hookimpl(hookwrapper=True)
    def pytest_runtest_makereport(self, item: pytest.Item, call: pytest.CallInfo[None]) -> Iterator[None]:
        """Label the report with the test's area and what it tried (its docstring's first line)."""
        outcome = yield
        area = _area(item)
        if area:
            doc = (getattr(item, "function", None).__doc__ or item.name).strip().splitlines()[0]
            outcome.get_result().reliability = [area, _param_label(item, doc)]

    def pytest_runtest_logreport(self, report: pytest.TestReport) -> None:
        labels = getattr(report, "reliability", None)
        if not labels or (report.when != "call" and not report.failed and not report.skipped):
            return
        row = self.rows.setdefault(report.nodeid, Row(*labels))
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

    @pytest.hookimpl(optionalhook=True)
    def pytest_testnodedown(self, node: object, error: object) -> None:
        """Under xdist (controller): take in what a finished worker saw at collection."""
        sent = getattr(node, "workeroutput", {}).get(WORKER_OUTPUT)
        if sent:
            self.expected.update(sent["expected"])
            self.partial.update(sent["partial"])

    def incomplete(self) -> set[str]:
        """The areas of which some test was deselected, never run, or interrupted."""
        missing = {area for nodeid, area in self.expected.items() if nodeid not in self.rows}
        return self.partial | missing | (set(AREAS.values()) - {row.area for row in self.rows.values()})

    def ordered_rows(self) -> list[Row]:
        """Rows in collection order, whichever process ran them first."""
        order = {nodeid: index for index, nodeid in enumerate(self.expected)}
        return [self.rows[nodeid] for nodeid in sorted(self.rows, key=lambda n: order.get(n, len(order)))]


def _area(item: pytest.Item) -> str | None:
    return AREAS.get(Path(str(item.path)).stem)


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
    """Rewrite the page only from a session in which every test of every area ran.

    An xdist worker hands what it collected to the controller instead (it ran only a share).
    """
    workeroutput = getattr(session.config, "workeroutput", None)
    if workeroutput is not None:
        workeroutput[WORKER_OUTPUT] = {"expected": _LEDGER.expected, "partial": sorted(_LEDGER.partial)}
        return
    if session.config.getoption("collectonly") or not _LEDGER.rows:
        return
    incomplete = _LEDGER.incomplete()
    if incomplete:
        _LEDGER.outcome = (f"{REPORT.name} left as it was: not every test of {', '.join(sorted(incomplete))} ran "
                           "in this session (its rows come from one complete run only)")
        return
    write_report(_LEDGER.ordered_rows(), datetime.now(UTC), checkout_commit(), session.config.rootpath / REPORT)
    _LEDGER.outcome = f"{REPORT.name} rewritten from this complete run"


def pytest_terminal_summary(terminalreporter: pytest.TerminalReporter) -> None:
    if _LEDGER.outcome:
        terminalreporter.write_line(f"reliability: {_LEDGER.outcome}")


def write_report(rows: list[Row], finished: datetime, commit: str, report: Path) -> None:
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
