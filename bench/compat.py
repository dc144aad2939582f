"""`python -m bench.compat`: moto's own server-mode tests against the edge and against a bare moto server.

A test suite nobody here wrote: the tests of the moto release in use (from its
PyPI sdist), run with ``TEST_SERVER_MODE`` once against a bare ``moto.server``
and once against a fresh local cloud's edge (admin key, see compat_plugin.py).
A test that passes against moto and fails against the edge is the edge's doing:
a bug, or a case where the edge refuses what AWS refuses too (docs/compatibility.md).

    python -m bench.compat                                  # S3, DynamoDB and SQS (long: thousands of tests)
    python -m bench.compat tests/test_sqs/test_server.py    # any of moto's test paths

The counts and the tests failing against the edge only go to docs/benchmarks.md.
"""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
import tarfile
import tempfile
import time
import xml.etree.ElementTree as ElementTree
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from importlib.metadata import version
from pathlib import Path

from bench.report import REPO, Run, argument_parser, publish

HEADING = "## moto's own tests against the edge"
DEFAULT_TESTS = ("tests/test_s3", "tests/test_dynamodb", "tests/test_sqs")
# The edge's admin key signs; bare moto accepts any key.
BARE_MOTO_KEY = ("testing", "testing")


def moto_tests(workdir: Path) -> Path:
    """The source tree of the installed moto's sdist (its tests are not in the wheel), downloaded once."""
    release = version("moto")
    tree = workdir / f"moto-{release}"
    if not (tree / "tests").is_dir():
        subprocess.run([sys.executable, "-m", "pip", "download", f"moto=={release}", "--no-binary", ":all:",
                        "--no-deps", "--quiet", "-d", str(workdir)], check=True)
        with tarfile.open(workdir / f"moto-{release}.tar.gz") as sdist:
            sdist.extractall(workdir, filter="data")
    return tree


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def _wait_for(condition: Callable[[], bool], what: str, seconds: float = 180) -> None:
    deadline = time.monotonic() + seconds
    while not condition():
        if time.monotonic() > deadline:
            raise TimeoutError(f"{what} did not start")
        time.sleep(0.5)


@contextmanager
def bare_moto() -> Iterator[tuple[str, tuple[str, str]]]:
    """A plain moto server, as moto's own server-mode CI runs it."""
    port = _free_port()
    server = subprocess.Popen([sys.executable, "-m", "moto.server", "-p", str(port)], stdout=subprocess.DEVNULL,
                              stderr=subprocess.DEVNULL)
    try:
        url = f"http://127.0.0.1:{port}"
        _wait_for(lambda: _answers(url), "moto.server")
        yield url, BARE_MOTO_KEY
    finally:
        server.terminate()
        server.wait()


@contextmanager
def edge() -> Iterator[tuple[str, tuple[str, str]]]:
    """A fresh local cloud (its own state directory and ports): its edge URL and admin key."""
    state = Path(tempfile.mkdtemp(prefix="pettube-compat-"))
    env = {**os.environ, "PETTUBE_STATE_DIR": str(state), "PETTUBE_EDGE_PORT": str(_free_port()),
           "PETTUBE_SITE_PORT": str(_free_port()), "PETTUBE_IDP_PORT": str(_free_port())}
    cloud = subprocess.Popen([sys.executable, "-m", "localcloud"], env=env, stdout=subprocess.DEVNULL,
                             stderr=subprocess.DEVNULL)
    try:
        endpoints = state / "endpoints.json"
        _wait_for(endpoints.exists, "the local cloud")
        published = json.loads(endpoints.read_text())
        yield published["aws"], (published["admin_access_key_id"], published["admin_secret_access_key"])
    finally:
        cloud.terminate()
        cloud.wait()


def _answers(url: str) -> bool:
    try:
        with socket.create_connection(tuple(url.removeprefix("http://").split(":")), timeout=1):  # type: ignore[arg-type]
            return True
    except OSError:
        return False


def run(tree: Path, tests: list[str], endpoint: str, key: tuple[str, str], report: Path) -> dict[str, str]:
    """test id -> passed | failed | skipped, from moto's tests run in server mode against ``endpoint``."""
    env = {**os.environ, "TEST_SERVER_MODE": "true", "TEST_SERVER_MODE_ENDPOINT": endpoint,
           "AWS_DEFAULT_REGION": "us-east-1", "COMPAT_ACCESS_KEY_ID": key[0], "COMPAT_SECRET_ACCESS_KEY": key[1],
           "PYTHONPATH": os.pathsep.join([str(REPO), str(tree)])}
    subprocess.run([sys.executable, "-m", "pytest", *tests, "-p", "bench.compat_plugin", "-q", "-o", "addopts=",
                    "-p", "no:cacheprovider", f"--junitxml={report}", "--rootdir", str(tree)], cwd=tree, env=env,
                   stdout=subprocess.DEVNULL, check=False)
    outcomes = {}
    for case in ElementTree.parse(report).iter("testcase"):
        test_id = f"{case.get('classname')}::{case.get('name')}"
        failed = case.find("failure") is not None or case.find("error") is not None
        outcomes[test_id] = "failed" if failed else "skipped" if case.find("skipped") is not None else "passed"
    return outcomes


def _earlier_moto_results(workdir: Path, tests: list[str]) -> dict[str, str]:
    """Bare moto's outcomes from the last run in ``workdir``, if it ran these tests with this moto release."""
    try:
        earlier = json.loads((workdir / "results.json").read_text())
    except FileNotFoundError:
        sys.exit(f"--reuse-moto: no earlier run in {workdir}")
    if earlier.get("moto_release") != version("moto") or earlier.get("tests") != tests:
        sys.exit("--reuse-moto: the earlier run was of other tests or another moto release")
    return dict(earlier["outcomes"]["moto"])


def report(results: dict[str, dict[str, str]], edge_only: list[str], tests: list[str], reused: bool) -> str:
    """The section for docs/benchmarks.md: each run's counts, then every test failing against the edge only."""
    rows = []
    for name, label in (("moto", "bare moto server" + (" (the workdir's earlier run)" if reused else "")),
                        ("edge", "the local cloud's edge")):
        counts = [sum(1 for v in results[name].values() if v == o) for o in ("passed", "failed", "skipped")]
        rows.append(f"| {label} | " + " | ".join(map(str, counts)) + " |")
    failing = "\n".join(f"- `{test}`" for test in edge_only) or "none"
    return (f"moto {version('moto')}'s own tests ({', '.join(tests)}) in server mode, against each. A test that "
            f"fails against the edge only is a bug of the edge, unless AWS refuses the same request: "
            f"docs/compatibility.md says which and why.\n\n"
            f"| against | passed | failed | skipped |\n|---|---|---|---|\n" + "\n".join(rows) +
            f"\n\nFailing against the edge only ({len(edge_only)}):\n\n{failing}\n")


def main(argv: list[str] | None = None) -> int:
    run_info = Run.start()
    parser = argument_parser(__doc__.split(": ", 1)[1])
    parser.add_argument("tests", nargs="*", default=list(DEFAULT_TESTS), help="moto test paths (default: %(default)s)")
    parser.add_argument("--workdir", type=Path, default=REPO / "build" / "compat")
    parser.add_argument("--reuse-moto", action="store_true",
                        help="take bare moto's results from the workdir's last run of the same tests (they depend only "
                             "on moto's release) and run against the edge alone")
    args = parser.parse_args(argv)
    args.workdir.mkdir(parents=True, exist_ok=True)
    tree = moto_tests(args.workdir)
    results = {}
    for name, target in (("moto", bare_moto), ("edge", edge)):
        if name == "moto" and args.reuse_moto:
            results[name] = _earlier_moto_results(args.workdir, args.tests)
        else:
            with target() as (endpoint, key):
                results[name] = run(tree, args.tests, endpoint, key, args.workdir / f"{name}.xml")
        counts = {o: sum(1 for v in results[name].values() if v == o) for o in ("passed", "failed", "skipped")}
        print(f"{name}: {counts}")
    edge_only = sorted(t for t, o in results["edge"].items() if o == "failed" and results["moto"].get(t) == "passed")
    (args.workdir / "results.json").write_text(json.dumps({"moto_release": version("moto"), "tests": args.tests,
                                                           "edge_only_failures": edge_only, "outcomes": results},
                                                          indent=1))
    publish(HEADING, report(results, edge_only, args.tests, args.reuse_moto), run_info, not args.no_write)
    return 1 if edge_only else 0


if __name__ == "__main__":
    sys.exit(main())
