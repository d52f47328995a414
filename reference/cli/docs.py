"""``chainrule docs [--out DIR] [--verify-json FILE ...]``: build the documentation site (``pip install
".[docs]"``); ``DIR/index.html`` opens it. Exit status 1 when the build fails (a Sphinx warning fails it),
2 on a usage error."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

__all__ = ["add_parser"]


def add_parser(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("docs", help="build the documentation site (needs the docs extra)")
    p.add_argument("--out", default="site", metavar="DIR", help="where the site goes (default site/)")
    p.add_argument("--verify-json", nargs="+", type=Path, metavar="FILE",
                   help=("show these `chainrule verify --json --dtype D` outputs (one per dtype) instead of "
                         "running verify in float64 and float32 now"))
    p.set_defaults(func=_run)


def _run(args: argparse.Namespace) -> int:
    from ..docs.build import build_site

    for p in args.verify_json or ():
        if not p.is_file():
            print(f"chainrule docs: --verify-json {p}: no such file; write one with "
                  "`chainrule verify --json --dtype float64 > FILE`", file=sys.stderr)
            return 2
    try:
        built = build_site(args.out, verify_json=args.verify_json)
    except (ImportError, FileNotFoundError, ValueError, RuntimeError) as exc:
        print(f"chainrule docs: {exc}", file=sys.stderr)
        return 1
    print(f"chainrule docs: {built.pages} pages in {built.out} in {built.seconds:.0f} s "
          f"(verify {built.verify_seconds:.0f} s); open {built.index}")
    return 0
