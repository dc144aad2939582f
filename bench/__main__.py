"""`python -m bench` (`make bench`): run every benchmark in turn; each updates its docs/benchmarks.md section."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

BENCHMARKS = sorted(p.stem for p in Path(__file__).parent.glob("*.py")
                    if p.stem not in ("__init__", "__main__", "report"))


def main(names: list[str]) -> int:
    failed = []
    for name in names or BENCHMARKS:
        print(f"\n==> bench.{name}", flush=True)
        if subprocess.run([sys.executable, "-m", f"bench.{name}"]).returncode != 0:
            failed.append(name)
    if failed:
        print(f"failed: {', '.join(failed)}", file=sys.stderr)
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
