"""`python -m tools.architecture`: write docs/architecture.dot from the template and render docs/architecture.svg."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from tools.architecture import dot, model

DOCS = Path(__file__).resolve().parents[2] / "docs"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m tools.architecture", description=__doc__.split(": ", 1)[1])
    parser.add_argument("--template", type=Path, default=model.TEMPLATE, help="SAM template (default: %(default)s)")
    parser.add_argument("--out", type=Path, default=DOCS, help="folder for architecture.dot/.svg (default: %(default)s)")
    parser.add_argument("--check", action="store_true",
                        help="write nothing; exit 1 when the committed files are not those of the template")
    args = parser.parse_args(argv)
    text = dot.source(model.build(model.load_template(args.template)))
    dot_path, svg_path = args.out / "architecture.dot", args.out / "architecture.svg"
    if args.check:
        svg = svg_path.read_text() if svg_path.exists() else ""
        stale = [str(p) for p, ok in ((dot_path, dot_path.exists() and dot_path.read_text() == text),
                                      (svg_path, dot.stamped_digest(svg) == dot.digest(text))) if not ok]
        for path in stale:
            print(f"{path} is not drawn from the current template: run python -m tools.architecture", file=sys.stderr)
        return 1 if stale else 0
    dot_path.write_text(text)
    try:
        svg_path.write_text(dot.render_svg(text))
    except dot.GraphvizMissing as error:
        print(f"wrote {dot_path}; {svg_path} not rendered: {error}", file=sys.stderr)
        return 2
    print(f"wrote {dot_path} and {svg_path}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
