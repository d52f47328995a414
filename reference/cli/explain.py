"""``chainrule explain``: the step table of a built-in worked example (:mod:`chainrule.reference.derivation.examples`).

* ``chainrule explain NAME [--markdown] [--around K] [--seed S]`` checks the example's derivation and
  prints its step table (variable, definition, claimed partials, JAX's partials, ∂y/∂v, status).
  Exit status 0 when the example comes out as documented (a pitfall example, such as ``C-5-naive``,
  comes out as documented when the check fails it and names the missing path), 1 otherwise.
* ``chainrule explain --list`` lists the examples.

Exit status 2 on a usage error (no NAME, an unknown NAME, a negative ``--around``).
"""

from __future__ import annotations

import argparse
import os
import sys

from .arguments import seed_type

__all__ = ["add_parser"]


def add_parser(sub: argparse._SubParsersAction) -> None:
    """Register ``explain`` on the ``chainrule`` subcommand parser."""
    p = sub.add_parser(
        "explain",
        help="check a built-in worked chain-rule example step by step and print its step table",
        description="Check a built-in worked example (RULES C-2 … T-2) step by step against JAX and "
                    "print its step table. Exit status 1 if the example does not come out as "
                    "documented.",
    )
    p.add_argument("name", nargs="?", metavar="NAME", help="the example's RULES ID, e.g. T-1 (see --list)")
    p.add_argument("--list", action="store_true", help="list the built-in examples")
    p.add_argument("--markdown", action="store_true", help="print the table as Markdown")
    p.add_argument("--around", type=int, default=16,
                   help="random points around the example's point to check too (default 16)")
    p.add_argument("--seed", type=seed_type, default=0, help="seed of the random points (default 0)")
    p.set_defaults(func=_cmd_explain)


def _cmd_explain(args: argparse.Namespace) -> int:
    from rich.console import Console
    from rich.table import Table
    from rich.text import Text

    from ..derivation.examples import EXAMPLES, get

    out = Console()
    if not out.is_terminal and "COLUMNS" not in os.environ:
        out = Console(width=120)  # piped or captured: wide enough for the seven columns
    if args.list:
        table = Table(title=f"chainrule explain: {len(EXAMPLES)} built-in examples")
        for col in ("NAME", "§", "derivation", "expected"):
            table.add_column(col)
        for e in EXAMPLES.values():
            expected = ("fails: misses " + ", ".join(" → ".join(p) for p in e.expect_missing)
                        if e.pitfall else "passes")
            table.add_row(e.id, e.section, Text(e.title), expected)
        out.print(table)
        return 0
    if args.name is None:
        print("chainrule explain: give an example NAME (e.g. chainrule explain T-1) or --list",
              file=sys.stderr)
        return 2
    if args.around < 0:
        print(f"chainrule explain: --around must be at least 0, got {args.around}", file=sys.stderr)
        return 2
    try:
        example = get(args.name)
    except ValueError as exc:
        print(f"chainrule explain: {exc}", file=sys.stderr)
        return 2
    report = example.check(around=args.around, seed=args.seed)
    expected = example.as_expected(report)
    title = f"{example.id} ({example.section}): {example.title}"
    if args.markdown:
        print(report.markdown(title), end="")
    else:
        out.print(report.table(title))
    if example.pitfall:
        paths = ", ".join(" → ".join(p) for p in example.expect_missing)
        verdict = (f"pitfall {example.id}: the check fails this derivation on purpose and must name the "
                   f"missing path {paths}: " + ("it does." if expected else "it does NOT."))
        if args.markdown:
            print(f"\n{verdict}")
        else:
            out.print(Text(verdict, style="bold green" if expected else "bold red"))
    return 0 if expected else 1
