"""LocalCloud.start: template parameter overrides, and a failed start that leaves nothing behind."""

from __future__ import annotations

import socket
from collections.abc import Iterator
from pathlib import Path

import pytest

from localcloud.cloud import LocalCloud, PortInUseError, Ports

pytestmark = pytest.mark.slow


@pytest.fixture
def taken_port() -> Iterator[int]:
    """A port some other program listens on."""
    with socket.socket() as other:
        other.bind(("127.0.0.1", 0))
        other.listen()
        yield other.getsockname()[1]


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def test_settings_override_the_templates_parameter_defaults(tmp_path: Path) -> None:
    cloud = LocalCloud(state_dir=tmp_path, ports=Ports(0, 0, 0),
                       settings={"parameters": {"UrlExpirySeconds": "30"}, "persist": False})
    try:
        endpoints = cloud.start()
        assert cloud.runtime.stack.functions["MyMediaFunction"].environment["URL_EXPIRY_SECONDS"] == "30"
        assert endpoints.api.endswith("/prod/_user_request_")  # the others keep the template's defaults
    finally:
        cloud.stop()


def test_a_start_that_fails_gives_back_the_ports_it_had_bound(tmp_path: Path, taken_port: int) -> None:
    edge = _free_port()
    cloud = LocalCloud(state_dir=tmp_path, ports=Ports(edge=edge, site=taken_port, idp=0))
    with pytest.raises(PortInUseError):
        cloud.start()
    with socket.socket() as again:  # no stop() needed: the start undid its own steps
        again.bind(("127.0.0.1", edge))
    assert not cloud.endpoints_path.exists()
