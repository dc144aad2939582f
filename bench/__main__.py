"""`python -m bench` (`make bench`): run every benchmark in turn; each updates its docs/benchmarks.md section."""

from __future__ import annotations

import argparse
import subprocess
import sys
from pathlib import Path

# Modules of bench/ that are not benchmarks: this runner, where figures go, compat's pytest plugin.
NOT_BENCHMARKS = ("__init__", "__main__", "report", "compat_plugin")
BENCHMARKS = sorted(p.stem for p in Path(__file__).parent.glob("*.py") if p.stem not in NOT_BENCHMARKS)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench", description=__doc__.split(": ", 1)[1])
    parser.add_argument("names", nargs="*", metavar="name",
                        help=f"benchmarks to run, each with its defaults (default: all of {', '.join(BENCHMARKS)})")
    names = parser.parse_args(argv).names or BENCHMARKS
    if unknown := sorted(set(names) - set(BENCHMARKS)):
        parser.error(f"no benchmark named {', '.join(unknown)}")
    failed = []
    for name in names:
        print(f"\n==> python -m bench.{name}", flush=True)
        if subprocess.run([sys.executable, "-m", f"bench.{name}"]).returncode != 0:
            failed.append(name)
    if failed:
        print(f"failed: {', '.join(failed)}", file=sys.stderr)
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
