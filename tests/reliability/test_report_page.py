"""docs/reliability.md is written from one complete run of the suite, named by date and commit, or not at all.

The suite's own ledger (tests/reliability/ledger.py, loaded by a root conftest as in the
repository) and reliability conftest run here on a stand-in suite (one test per area,
persistence outside tests/reliability as in the repository) in a separate pytest process,
in one process or spread over xdist workers, writing a stand-in page; nothing touches
docs/reliability.md.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

HERE = Path(__file__).resolve().parent
LEDGER = "tests.reliability.ledger"
AREAS = ["test_load", "test_faults", "test_bad_input", "test_security", "test_persistence"]
PAGE = """# Reliability

<!-- results:run -->
old run
<!-- /results:run -->

""" + "".join(f"## {area}\n\n<!-- results:{area} -->\nold rows\n<!-- /results:{area} -->\n\n"
              for area in ("Load", "Faults", "Bad input", "Security", "Persistence"))


@pytest.fixture
def suite(tmp_path: Path) -> Path:
    """A stand-in of the suite: the real conftest, one test per area reporting ``MARK``'s value."""
    folder = tmp_path / "tests" / "reliability"
    folder.mkdir(parents=True)
    (tmp_path / "tests" / "conftest.py").write_text(f"pytest_plugins = [{LEDGER!r}]\n")
    shutil.copy(HERE / "conftest.py", folder)
    for area in AREAS[:-1]:
        (folder / f"{area}.py").write_text(
            "import os\n\n"
            f"def {area}_row(observed):\n"
            f"    '''{area} was tried'''\n"
            f"    observed('saw ' + os.environ['MARK'])\n"
            "    assert os.environ['MARK'] != 'fail'\n")
    # Persistence lives outside the folder and notes what it saw with pytest's own record_property.
    (tmp_path / "tests" / "integration").mkdir()
    (tmp_path / "tests" / "integration" / "test_persistence.py").write_text(
        "import os\n\n"
        "def test_persistence_row(record_property):\n"
        "    record_property('observed', 'saw ' + os.environ['MARK'])\n"
        "    assert os.environ['MARK'] != 'fail'\n")
    (tmp_path / "pyproject.toml").write_text("[tool.pytest.ini_options]\n")  # the root directory, the page's
    (tmp_path / "docs").mkdir()
    (tmp_path / "docs" / "reliability.md").write_text(PAGE)
    return tmp_path


def run(suite: Path, mark: str, *args: str) -> str:
    """pytest on the stand-in suite; what its terminal summary said about the page."""
    env = {**os.environ, "MARK": mark, "PYTHONPATH": str(HERE.parents[1])}
    done = subprocess.run([sys.executable, "-m", "pytest", "-p", "no:cacheprovider", "-o", "python_functions=*_row",
                           "-o", "addopts=", *args], cwd=suite, env=env, capture_output=True, text=True, check=False)
    return next((line for line in done.stdout.splitlines() if line.startswith("reliability:")), done.stdout)


# make test spreads the tests over xdist workers: the controller, which runs none, writes the page.
PROCESSES = pytest.mark.parametrize("processes", [[], ["-n", "2"]], ids=["one process", "two xdist workers"])


@PROCESSES
def test_a_complete_run_rewrites_every_row_and_names_its_date_and_commit(suite: Path, processes: list[str]) -> None:
    said = run(suite, "first", "tests", *processes)
    page = (suite / "docs" / "reliability.md").read_text()
    assert "rewritten from this complete run" in said
    assert "old" not in page and page.count("saw first") == len(AREAS)
    stamp = re.search(r"one complete run of the suite: (\d{4}-\d\d-\d\d \d\d:\d\d) UTC, commit ([^ ;]+)", page)
    assert stamp and re.fullmatch(r"[0-9a-f]{7,}", stamp.group(2))
    assert f"{len(AREAS)} tests, {len(AREAS)} passed" in page


@pytest.mark.parametrize("partial", [["tests", "-k", "not test_faults"], ["tests/reliability/test_load.py"],
                                     ["tests", "-x"]], ids=["deselected", "one area", "stopped early"])
@PROCESSES
def test_a_partial_run_leaves_the_page_as_it_was(suite: Path, partial: list[str], processes: list[str]) -> None:
    run(suite, "first", "tests")
    before = (suite / "docs" / "reliability.md").read_text()
    mark = "fail" if "-x" in partial else "second"
    said = run(suite, mark, *partial, *processes)
    assert "left as it was" in said
    assert (suite / "docs" / "reliability.md").read_text() == before


def test_failures_are_rows_of_the_run_too(suite: Path) -> None:
    run(suite, "fail", "tests")
    page = (suite / "docs" / "reliability.md").read_text()
    assert page.count("| FAILED |") == len(AREAS) and f"{len(AREAS)} FAILED" in page
