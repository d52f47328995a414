"""``python -m chainrule.benchmarks.worker NAME [--quick]``: run one suite in this process, print JSON.

The harness starts this module in a subprocess for a suite whose JAX must start differently (its
``Suite.env``, e.g. ``XLA_FLAGS`` for simulated devices): JAX reads those variables once, at start.
It prints ``{"devices": [...], "cases": [...]}`` (the harness's :func:`~chainrule.benchmarks.harness.run_cases`)
as the only thing on stdout; anything the suite itself prints goes to stderr.

It lives outside the harness because it needs the registry, and the harness imports no suite.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import sys
from collections.abc import Sequence

__all__ = ["main"]


def main(argv: Sequence[str] | None = None) -> int:
    """Run the suite named in ``argv``; 0 on success, 2 for an unknown suite."""
    parser = argparse.ArgumentParser(prog="python -m chainrule.benchmarks.worker",
                                     description="run one benchmark suite and print its cases as JSON")
    parser.add_argument("name", help="the suite's exact name (chainrule.benchmarks.registry.SUITES)")
    parser.add_argument("--quick", action="store_true", help="the quick run's sizes and repeats")
    args = parser.parse_args(argv)

    from .harness import run_cases
    from .registry import by_name

    try:
        suite = by_name(args.name)
    except KeyError as exc:
        print(f"chainrule.benchmarks.worker: {exc.args[0]}", file=sys.stderr)
        return 2
    with contextlib.redirect_stdout(sys.stderr):  # stdout carries the JSON alone
        result = run_cases(suite, args.quick)
    json.dump(result, sys.stdout)
    sys.stdout.write("\n")
    return 0


if __name__ == "__main__":  # pragma: no cover - the subprocess entry of Suite.env suites
    sys.exit(main())
