"""``chainrule bench [--quick] [--out DIR] [-k SUITE]``: run the benchmarks, write JSON, Markdown, PNGs.

A progress bar while it runs, then one table per suite (median time per call and the ratio to the
suite's baseline). ``DIR/results.json`` holds every figure with the machine it was measured on,
``DIR/summary.md`` the tables, ``DIR/<suite>.png`` the plots. Exit status 1 if a contender's answer
disagrees with the baseline's (within the dtype's row of :data:`chainrule.reference.tolerances.TOLERANCES`)
or a contender fails; 2 on a usage error.

The benchmarks themselves are the package :mod:`chainrule.benchmarks` (harness, suites, registry);
this module only parses the arguments and prints. It imports them inside the command, the one place
where ``reference`` reaches ``benchmarks`` (which otherwise depends on ``reference``, not the reverse).
"""

from __future__ import annotations

import argparse
import shlex
import sys
from pathlib import Path

__all__ = ["add_parser"]


def add_parser(sub: argparse._SubParsersAction) -> None:
    """Register ``chainrule bench`` on the CLI's subparsers."""
    p = sub.add_parser("bench", help="time closed forms against jax.grad, jacfwd and jacrev; write plots")
    p.add_argument("--quick", action="store_true",
                   help="small sizes and few repeats (under a minute; what CI runs)")
    p.add_argument("--out", type=Path, default=Path("bench-results"), metavar="DIR",
                   help="where results.json, summary.md and the PNG plots go (default ./bench-results)")
    p.add_argument("-k", dest="pattern", metavar="SUITE",
                   help="only suites whose name contains SUITE (comma-separated)")
    p.set_defaults(func=_cmd_bench)


def _cmd_bench(args: argparse.Namespace) -> int:
    from rich.console import Console
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn
    from rich.table import Table

    from chainrule.benchmarks.harness import run
    from chainrule.benchmarks.registry import SUITES, select_suites
    from chainrule.benchmarks.report import cell, headline, write_results

    suites = select_suites(SUITES, args.pattern)
    if not suites:
        print(f"chainrule bench: no suite matches -k {args.pattern!r}; suites: "
              f"{', '.join(s.name for s in SUITES)}", file=sys.stderr)
        return 2
    if args.out.exists() and not args.out.is_dir():
        print(f"chainrule bench: --out {args.out} exists and is not a directory; pass a directory",
              file=sys.stderr)
        return 2
    total = sum(len(list(s.cases(args.quick))) for s in suites)
    command = ("chainrule bench" + (" --quick" if args.quick else "")
               + (f" -k {shlex.quote(args.pattern)}" if args.pattern else "")
               + f" --out {shlex.quote(str(args.out))}")
    err = Console(stderr=True)
    with Progress(TextColumn("benchmarking"), BarColumn(), MofNCompleteColumn(),
                  TextColumn("{task.description}"), TimeElapsedColumn(), console=err,
                  transient=True) as progress:
        task = progress.add_task("", total=total)

        def advance(suite: str, case: dict) -> None:
            progress.update(task, advance=1, description=f"{suite}: {case['label']}")

        results = run(suites, quick=args.quick, command=command, on_case=advance)
    out = Console()
    problems = []
    for suite in results["suites"]:
        names: list[str] = []
        for case in suite["cases"]:
            names += [c["name"] for c in case["contenders"] if c["name"] not in names]
        table = Table(title=f"{suite['title']} (÷ {suite['baseline']})", title_justify="left")
        table.add_column("case")
        for n in names:
            table.add_column(n, justify="right", overflow="fold")
        for case in suite["cases"]:
            by = {c["name"]: c for c in case["contenders"]}
            table.add_row(case["label"], *(cell(by[n]) if n in by else "" for n in names))
            for c in case["contenders"]:
                if c["status"] == "error":
                    problems.append(f"{suite['name']} / {case['label']} / {c['name']}: {c['reason']}")
                elif c.get("matches") is False:
                    tol = case.get("tolerance") or {}
                    problems.append(f"{suite['name']} / {case['label']} / {c['name']}: answer differs from "
                                    f"{suite['baseline']} by {c.get('max_rel_error')} (relative; tolerance "
                                    f"rtol {tol.get('rtol')}, atol {tol.get('atol')}, {case['dtype']})")
        out.print(table)
        head = headline(suite, results["machine"])
        if head:
            out.print(f"Headline: {head}", highlight=False, soft_wrap=False)
    paths = write_results(results, args.out)
    for p in problems:
        out.print(f"[bold red]PROBLEM[/bold red] {p}", highlight=False, soft_wrap=True)
    out.print(f"{sum(len(s['cases']) for s in results['suites'])} cases in {results['seconds']:.1f} s; "
              f"wrote {', '.join(str(p) for p in paths)}", highlight=False, soft_wrap=True)
    return 1 if problems else 0
