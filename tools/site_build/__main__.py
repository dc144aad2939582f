"""`python -m tools.site_build [--release] [--force]`: build PetTube's self-hosted browser runtime."""

from __future__ import annotations

import argparse
import logging
import sys
from pathlib import Path

from tools.site_build.build import build

REPO_ROOT = Path(__file__).resolve().parents[2]


def main(argv: list[str] | None = None) -> int:
    """Run the build; exit 1 with the reason on a failure the developer can act on."""
    parser = argparse.ArgumentParser(prog="python -m tools.site_build", description=__doc__)
    parser.add_argument("--root", type=Path, default=REPO_ROOT, help="repository root (default: this checkout)")
    parser.add_argument("--release", action="store_true",
                        help="compress as it ships (brotli quality 11: minutes of CPU; make deploy, the benchmarks); "
                             "without it, for this machine (quality 6: seconds)")
    parser.add_argument("--force", action="store_true", help="rebuild even when the inputs are unchanged")
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="site_build: %(message)s")
    try:
        manifest = build(args.root.resolve(), force=args.force, release=args.release)
    except (RuntimeError, OSError) as error:
        logging.getLogger("site_build").error("%s: %s", type(error).__name__, error)
        return 1
    print(f"site/vendor/{manifest['version']} ready; page entry site/{manifest['loader']}, config site/{manifest['config']}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
