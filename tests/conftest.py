"""Shared fixtures: the local cloud (started once per session), waiting, artifacts."""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any, TypeVar

import pytest

from localcloud.cloud import LocalCloud, Ports
from localcloud.endpoints import Endpoints
from tests.separate_cloud import TEST_SETTINGS

# docs/reliability.md's ledger: a plugin of every process, the xdist controller's included.
pytest_plugins = ["tests.reliability.ledger"]

T = TypeVar("T")
REPO_ROOT = Path(__file__).resolve().parents[1]
EVENTS_DIR = Path(__file__).parent / "events"


# Each test's place: with the session's local cloud (after every other test) or before it.
ON_CLOUD = pytest.StashKey[dict[str, bool]]()
SETTING_UP = pytest.StashKey[pytest.Item]()


@pytest.fixture(scope="session")
def cloud(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> Iterator[LocalCloud]:
    """The whole local cloud on free ports, with its own state directory.

    Only a test ordered with the cloud's may start it (see pytest_collection_modifyitems):
    started earlier, the in-process moto tests after it would reset its buckets and tables
    under it, and every later cloud test would fail, each after its own timeout.
    """
    starter = request.session.stash[SETTING_UP]
    if not request.config.stash[ON_CLOUD].get(starter.nodeid, True):
        pytest.fail(f"{starter.nodeid} starts the local cloud but is not ordered with the tests that use it: "
                    f"it asks for the cloud by name only at run time, so mark it @pytest.mark.local_cloud",
                    pytrace=False)
    local = LocalCloud(state_dir=tmp_path_factory.mktemp("pettube-state"), ports=Ports(0, 0, 0),
                       settings=TEST_SETTINGS)
    local.start()
    yield local
    local.stop()


@pytest.fixture(scope="session")
def local_cloud(cloud: LocalCloud) -> Endpoints:
    """The running cloud's endpoints.json, as tools read it."""
    return Endpoints.read(cloud.endpoints_path)


def _wait_until(predicate: Callable[[], T | None], timeout: float = 60.0, interval: float = 0.05,
                message: str = "condition") -> T:
    """Poll until ``predicate`` returns something truthy; fail the test with ``message`` if it never does."""
    deadline = time.monotonic() + timeout
    while True:
        value = predicate()
        if value:
            return value
        if time.monotonic() > deadline:
            pytest.fail(f"timed out waiting for {message}")
        time.sleep(interval)


@pytest.fixture
def wait_until() -> Callable[..., Any]:
    """Wait for an asynchronous outcome (an event delivered, a job finished) without fixed sleeps."""
    return _wait_until


def load_event(name: str) -> dict[str, Any]:
    """A real event shape stored under tests/events/."""
    import json

    return json.loads((EVENTS_DIR / name).read_text())


@pytest.fixture
def artifacts_dir() -> Path:
    """Where tests leave screenshots and logs for people to look at."""
    path = REPO_ROOT / "test-artifacts"
    path.mkdir(exist_ok=True)
    return path


@pytest.hookimpl(tryfirst=True)  # before xdist reads the groups off the markers
def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """Run every test that uses the shared local cloud after all the others, in every process.

    moto keeps one set of backends per process: the in-process ``mock_aws`` and
    ThreadedMotoServer tests reset or share them, which would wipe the running
    local cloud's buckets and tables. Ordering (stable otherwise) keeps them apart.

    ``make test`` spreads the tests over three processes (pytest-xdist with
    ``--dist loadgroup --no-loadscope-reorder``): each worker starts its own cloud and
    takes whole groups in this order, a group being one module's tests that use the
    cloud or the rest of that module. So a module's tests run in one process and in
    their order, and no worker runs an in-process moto test after its cloud started.
    """
    uses_cloud = {"cloud", "local_cloud"}
    on_cloud = {item: bool(uses_cloud & set(getattr(item, "fixturenames", ())))
                or item.get_closest_marker("local_cloud") is not None for item in items}
    items.sort(key=on_cloud.__getitem__)
    for item in items:
        group = item.nodeid.split("::", 1)[0] + (" on the cloud" if on_cloud[item] else "")
        item.add_marker(pytest.mark.xdist_group(group))
    config.stash[ON_CLOUD] = {item.nodeid: used for item, used in on_cloud.items()}


@pytest.hookimpl(tryfirst=True)
def pytest_runtest_setup(item: pytest.Item) -> None:
    """Remember which test is being set up: the cloud fixture checks who starts it."""
    item.session.stash[SETTING_UP] = item
