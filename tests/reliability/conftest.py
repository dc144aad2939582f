"""Fixtures of the reliability suite: noting what a test observed, changing a function for one test.

What the notes become, docs/reliability.md, is written by tests/reliability/ledger.py.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from tests.reliability.ledger import OBSERVED


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
