"""`python -m widgets.site build [--chapters 00 01] [--labs 01] [--out DIR] [--cache DIR] [--jobs N]`: build the course site.

Writes a static site (open index.html, or publish the folder on any static host) from the chapter
notebooks, executed; see widgets/site/__init__.py for the parts and the README for the numbers.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import Optional, Sequence

from .build import DEFAULT_CACHE, DEFAULT_OUT, DEFAULT_WORKERS, BuildError, build


def main(argv: Optional[Sequence[str]] = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m widgets.site", description=__doc__.splitlines()[0])
    commands = parser.add_subparsers(dest="command", required=True)
    command = commands.add_parser("build", help="execute the chapters and write the static site")
    command.add_argument("--chapters", nargs="+", metavar="NN", help="only these chapters (e.g. 00 01); default: all")
    command.add_argument("--labs", nargs="*", metavar="NN",
                         help="precompute only these chapters' labs (default: every built chapter's; none if empty)")
    command.add_argument("--out", type=Path, default=DEFAULT_OUT, help=f"output folder (default: {DEFAULT_OUT.name}/)")
    command.add_argument("--cache", type=Path, default=DEFAULT_CACHE,
                         help=f"executed chapters and trained runs kept between builds (default: {DEFAULT_CACHE.name}/)")
    command.add_argument("--jobs", type=int, default=DEFAULT_WORKERS, metavar="N",
                         help=f"processes that execute chapters and train lab runs at once (default: {DEFAULT_WORKERS})")
    args = parser.parse_args(argv)
    try:
        build(args.out, args.cache, args.chapters, say=lambda line: print(line, flush=True), workers=args.jobs,
              labs=args.labs)
    except BuildError as exc:
        parser.error(str(exc))
    return 0


if __name__ == "__main__":
    sys.exit(main())
