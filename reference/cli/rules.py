"""``chainrule rules [--markdown]``: list the catalog (the README's rule table is this output)."""

from __future__ import annotations

import argparse

__all__ = ["add_parser"]


def add_parser(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("rules", help="list the catalog's rules")
    p.add_argument("--markdown", action="store_true", help="print the README's Markdown rule table")
    p.set_defaults(func=_run)


def _run(args: argparse.Namespace) -> int:
    from ..catalog import CATALOG
    from ..catalog.table import rule_table

    if args.markdown:
        print(rule_table(CATALOG), end="")
        return 0
    from rich.console import Console
    from rich.table import Table

    table = Table(title=f"chainrule catalog: {len(CATALOG)} rules")
    for col in ("rule", "RULES ID", "topic", "§", "formula", "origin"):
        table.add_column(col)
    for r in CATALOG:
        table.add_row(r.name, r.id, r.topic, r.section, r.formula, r.origin)
    Console().print(table)
    return 0
