"""``chainrule audit [--json] [-k PATTERN] [--list] [--seed S] [--rtol R] [--atol A] [--cache-dir DIR | --no-cache]``:
sweep JAX's own derivative rules (``jax.jvp``, ``jax.vjp``, ``jax.grad``) over their domains and edges against an
independent witness (:mod:`chainrule.reference.witness`) and list where JAX is wrong, each finding with the few
lines of Python that reproduce it. Exit status 0 when the sweep ran (findings are its output, not an error), 2
on a usage error (a ``-k`` that matches nothing)."""

from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path
from typing import TYPE_CHECKING

from .arguments import seed_type

if TYPE_CHECKING:  # pragma: no cover
    from ..audit import AuditFunction, AuditReport

__all__ = ["add_parser"]


def _tolerance(text: str) -> float:
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a number ≥ 0, got {text!r}") from None
    if not value >= 0 or value == float("inf"):
        raise argparse.ArgumentTypeError(f"expected a finite number ≥ 0, got {text!r}")
    return value


def add_parser(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("audit", help="sweep JAX's own derivative rules against an independent witness")
    p.add_argument("--json", action="store_true", help="print one JSON object instead of a table")
    p.add_argument("-k", dest="pattern", metavar="PATTERN",
                   help="only matching functions: comma-separated families (numpy, lax, nn, special, stats, "
                        "reduction, linalg), globs (jss.i0*) or name substrings (bessel)")
    p.add_argument("--list", action="store_true", help="list the audited functions and exit")
    p.add_argument("--seed", type=seed_type, default=0, help="seed of the random points and directions (default 0)")
    p.add_argument("--rtol", type=_tolerance, default=1e-6,
                   help="relative tolerance added to the witness's error bound (default 1e-6)")
    p.add_argument("--atol", type=_tolerance, default=1e-10,
                   help="absolute tolerance added to the witness's error bound (default 1e-10)")
    cache = p.add_mutually_exclusive_group()
    cache.add_argument("--cache-dir", type=Path, default=None, metavar="DIR",
                       help="JAX's persistent compilation cache (default: $CHAINRULE_CACHE_DIR, else "
                            "~/.cache/chainrule/xla)")
    cache.add_argument("--no-cache", action="store_true", help="compile everything afresh (also CHAINRULE_NO_CACHE=1)")
    p.set_defaults(func=_run)


def _list(chosen: list[AuditFunction]) -> int:
    from rich import box
    from rich.console import Console
    from rich.table import Table

    out = Console()
    table = Table(title=f"chainrule audit --list: {len(chosen)} functions", box=box.SIMPLE_HEAD, pad_edge=False,
                  collapse_padding=True)
    table.add_column("family", no_wrap=True, width=9)
    table.add_column("function", overflow="fold")
    table.add_column("points", justify="right", no_wrap=True, width=6)
    for f in chosen:
        table.add_row(f.family, f.name, str(len(f.edges) + f.random))
    out.print(table)
    return 0


def _run(args: argparse.Namespace) -> int:
    from ..audit import audit, select

    chosen = select(args.pattern)
    if not chosen:
        print(f"chainrule audit: no audited function matches -k {args.pattern!r}; see `chainrule audit --list` "
              "for names and families", file=sys.stderr)
        return 2
    if args.list:
        return _list(chosen)
    from rich.console import Console
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

    from ..compile_cache import enable_compilation_cache

    start = time.perf_counter()
    if not args.no_cache:
        enable_compilation_cache(args.cache_dir)
    if args.json:
        report = audit(args.pattern, seed=args.seed, rtol=args.rtol, atol=args.atol)
        print(json.dumps(report.to_json(), ensure_ascii=False, indent=1))
        return 0
    with Progress(TextColumn("auditing"), BarColumn(), MofNCompleteColumn(), TextColumn("{task.description}"),
                  TimeElapsedColumn(), console=Console(stderr=True), transient=True) as progress:
        task = progress.add_task("", total=len(chosen))
        report = audit(args.pattern, seed=args.seed, rtol=args.rtol, atol=args.atol,
                       on_result=lambda r: progress.update(task, advance=1, description=r.name))
    _print(report, time.perf_counter() - start)
    return 0


def _print(report: AuditReport, seconds: float) -> None:
    from rich import box
    from rich.console import Console
    from rich.markup import escape
    from rich.table import Table

    out = Console()
    groups = report.grouped()
    results = report.results
    # The status column comes first and never wraps, so it survives an 80-column terminal and a pipe (rich
    # renders 80 columns when stdout is not a terminal); names and values fold instead.
    table = Table(title=f"chainrule audit: JAX's derivatives vs an independent witness (float64, rtol "
                        f"{report.rtol:g}, atol {report.atol:g})",
                  box=box.SIMPLE_HEAD, pad_edge=False, collapse_padding=True)
    table.add_column("status", no_wrap=True, width=6)
    table.add_column("function", overflow="fold", max_width=26)
    table.add_column("mode", no_wrap=True, width=4)
    table.add_column("at", overflow="fold", max_width=14)
    table.add_column("JAX", overflow="fold", max_width=11)
    table.add_column("witness", overflow="fold", max_width=18)
    for f, n in groups:
        at = ", ".join(f"{float(p.reshape(-1)[0]):.3g}" + ("…" if p.size > 1 else "") for p in f.point)
        if f.nargs > 1:
            at = f"∂{f.argument}: {at}"
        table.add_row("[bold red]WRONG[/bold red]", escape(f.function), f.mode, at + (f" +{n - 1}" if n > 1 else ""),
                      f"{f.jax_at_entry:.4g}", f"{f.witness_at_entry:.4g} ± {f.error_at_entry:.1g}")
    if groups:
        out.print(table)
        out.print()
    for f, _ in groups:
        out.print(f"[bold red]WRONG[/bold red] {escape(f'{f.function} [{f.mode}] {f.describe()}')}",
                  highlight=False, soft_wrap=True)
        out.print(escape(f.repro()), highlight=False, soft_wrap=True)
        out.print()
    for r in results:
        if r.error:
            out.print(f"[yellow]error[/yellow] {escape(r.name)}: {escape(r.error)}", highlight=False, soft_wrap=True)
    rows = sum(r.rows for r in results)
    decided = sum(r.decided for r in results)
    wrong = sum(r.status == "wrong" for r in results)
    errors = sum(r.status == "error" for r in results)
    skipped = sum(len(r.skipped) for r in results)
    out.print(f"{len(results)} functions, {rows} derivatives compared ({decided} decided by the witness), "
              f"{len(report.findings)} findings in {wrong} functions"
              + (f", {errors} could not run" if errors else "")
              + (f", {skipped} arguments JAX does not differentiate" if skipped else "")
              + f", seed {report.seed}, {seconds:.1f} s",
              highlight=False)
