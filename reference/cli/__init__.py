"""The ``chainrule`` command line: one module per subcommand, each registering itself the same way.

* ``chainrule verify``: check every catalog rule against JAX (:mod:`.verify`);
* ``chainrule rules``: list the catalog (:mod:`.rules`);
* ``chainrule check MODULE:FUNCTION MODULE:DERIVATIVE --shape x=5 …``: check your own derivative
  against JAX (:mod:`.check`);
* ``chainrule explain``: the step table of a worked example (:mod:`.explain`);
* ``chainrule derive "EXPR" --wrt w,b --shape X=N,n …``: derive an expression's gradient step by step and
  verify it (:mod:`.derive`);
* ``chainrule bench``: the benchmarks (:mod:`.bench`);
* ``chainrule audit``: JAX's own derivatives against a witness (:mod:`.audit`);
* ``chainrule docs``: the documentation site (:mod:`.docs`).

Each subcommand module defines ``add_parser(subparsers)``, which adds its parser and sets ``func`` to
the function that runs it and returns the exit status. A module imports JAX, rich or the catalog only
inside that function, so ``chainrule --help`` is instant.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence

from . import audit, bench, check, derive, docs, explain, rules, verify

__all__ = ["SUBCOMMANDS", "build_parser", "main"]

#: The subcommand modules, in the order ``chainrule --help`` lists them.
SUBCOMMANDS = (verify, rules, check, explain, derive, bench, audit, docs)


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="chainrule",
        description="The matrix calculus of deep learning, derived by hand and verified against JAX.",
    )
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")
    sub.required = True
    for module in SUBCOMMANDS:
        module.add_parser(sub)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of the ``chainrule`` console script; returns the exit status."""
    args = build_parser().parse_args(argv)
    return int(args.func(args))


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
