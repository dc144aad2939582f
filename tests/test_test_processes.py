"""``make test`` spreads whole modules over its processes, and runs each module's tests in their order.

tests/conftest.py depends on it: a module's tests share what its fixtures started, and no
process may run an in-process moto test once its local cloud is up. pytest 9.2 with
pytest-xdist 3.8 silently stopped grouping (pytest-xdist#1386): every test went its own way,
module fixtures started once per process, and nothing failed. This module fails if it happens
again (with one process, as ``make test TEST_WORKERS=0`` runs, it passes trivially).
"""

from __future__ import annotations

import pytest

RAN: list[int] = []


@pytest.mark.parametrize("n", range(12))
def test_every_test_of_a_module_runs_after_the_ones_before_it_in_the_same_process(n: int) -> None:
    RAN.append(n)
    assert RAN == list(range(n + 1))
