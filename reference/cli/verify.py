"""``chainrule verify [--json] [-k PATTERN] [--trials N] [--seed S] [--dtype float64|float32] [--jobs N]
[--cache-dir DIR | --no-cache]``: check every catalog rule against JAX; exit status 1 if any fails, 2 on a
usage error. Compiled programs go to JAX's persistent compilation cache
(:mod:`chainrule.reference.compile_cache`), so a second run skips XLA's compiler."""

from __future__ import annotations

import argparse
import json
import math
import sys
import time
from pathlib import Path

from .arguments import jobs_type, seed_type, trials_type

__all__ = ["add_parser"]

#: How each status shows in the table (``xfail``: a misprinted formula failing, as it must).
_STATUS = {"pass": "[green]pass[/green]", "xfail": "[yellow]xfail[/yellow]", "fail": "[bold red]FAIL[/bold red]"}


def add_parser(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("verify", help="check every catalog rule against jax.jacfwd and jax.jacrev")
    p.add_argument("--json", action="store_true", help="print one JSON object instead of a table")
    p.add_argument("-k", dest="pattern", metavar="PATTERN",
                   help=("only matching rules: comma-separated RULES IDs (exact), topics (exact), "
                         "REF-8.x items, or name substrings/globs"))
    p.add_argument("--trials", type=trials_type, default=100,
                   help="random trials per shape configuration (default 100)")
    p.add_argument("--seed", type=seed_type, default=0, help="seed of the random draws (default 0)")
    p.add_argument("--dtype", choices=("float64", "float32"), default="float64",
                   help="precision of the inputs and the comparison (default float64)")
    p.add_argument("--jobs", type=jobs_type, default=None, metavar="N",
                   help="worker processes, each verifying batches of rules (default: the usable cores)")
    cache = p.add_mutually_exclusive_group()
    cache.add_argument("--cache-dir", type=Path, default=None, metavar="DIR",
                       help="JAX's persistent compilation cache (default: $CHAINRULE_CACHE_DIR, else "
                            "~/.cache/chainrule/xla)")
    cache.add_argument("--no-cache", action="store_true",
                       help="compile everything afresh, reading and writing no cache (also CHAINRULE_NO_CACHE=1)")
    p.set_defaults(func=_run)


def _run(args: argparse.Namespace) -> int:
    from rich import box
    from rich.console import Console
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn
    from rich.table import Table

    from ..catalog import CATALOG
    from ..catalog.parallel import default_jobs, verify_in_parallel
    from ..catalog.verify import TOLERANCES, select
    from ..compile_cache import enable_compilation_cache

    if args.trials < 1:
        print(f"chainrule verify: --trials must be at least 1, got {args.trials}", file=sys.stderr)
        return 2
    rules = select(CATALOG, args.pattern)
    if not rules:
        print(f"chainrule verify: no rule matches -k {args.pattern!r}; see `chainrule rules` for names, "
              "IDs and topics", file=sys.stderr)
        return 2
    start = time.perf_counter()
    if not args.no_cache:  # before anything compiles; the workers turn on the same directory
        enable_compilation_cache(args.cache_dir)
    err = Console(stderr=True)
    jobs = args.jobs or default_jobs()
    if args.json:
        results = verify_in_parallel(rules, jobs=jobs, trials=args.trials, seed=args.seed, dtype=args.dtype)
    else:
        with Progress(TextColumn("verifying"), BarColumn(), MofNCompleteColumn(),
                      TextColumn("{task.description}"), TimeElapsedColumn(), console=err,
                      transient=True) as progress:
            task = progress.add_task("", total=len(rules))

            def advance(r: object) -> None:
                progress.update(task, advance=1, description=getattr(r, "name", ""))

            results = verify_in_parallel(rules, jobs=jobs, trials=args.trials, seed=args.seed, dtype=args.dtype,
                                         on_result=advance)
    failed = [r for r in results if not r.ok]
    xfailed = sum(r.status == "xfail" for r in results)
    passed = len(results) - len(failed) - xfailed
    if args.json:
        print(json.dumps({"rules": [r.to_json() for r in results], "passed": passed, "failed": len(failed),
                          "xfailed": xfailed}, ensure_ascii=False, indent=1))
        return 1 if failed else 0
    out = Console()
    tol = TOLERANCES[args.dtype]
    # The status column comes first and never wraps, so it survives an 80-column terminal and a pipe
    # (rich renders 80 columns when stdout is not a terminal); long names and sizes fold instead.
    table = Table(title=f"chainrule verify: closed forms vs JAX ({args.dtype}, rtol {tol.rtol:g}, "
                        f"atol {tol.atol:g})", box=box.SIMPLE_HEAD, pad_edge=False, collapse_padding=True)
    table.add_column("status", no_wrap=True, width=6)
    rule_width = min(max((len(r.name) for r in results), default=4), 28)
    id_width = max((len(r.id) for r in results), default=2)
    # what is left for the sizes: status 6, ID, trials 6, rel err 7, and two spaces between columns
    sizes_width = max(10, out.width - (6 + rule_width + id_width + 6 + 7 + 2 * 5))
    table.add_column("rule", overflow="fold", width=rule_width)
    table.add_column("ID", no_wrap=True, width=id_width)
    table.add_column("sizes", overflow="fold", max_width=sizes_width)
    table.add_column("trials", justify="right", no_wrap=True, width=6)
    table.add_column("rel err", justify="right", no_wrap=True, width=7)  # the largest normwise relative error
    sizes = {rule.name: rule.describe_sizes() for rule in rules}
    for r in results:
        table.add_row(_STATUS[r.status], r.name, r.id,
                      sizes[r.name], str(r.trials),
                      f"{r.max_rel_error:.1e}" if math.isfinite(r.max_rel_error) else "n/a")  # n/a: none compared
    out.print(table)
    for r in failed:
        out.print(f"[bold red]FAIL[/bold red] {r.message}", highlight=False, soft_wrap=True)
    for r in results:  # a printed misprint failing as it must: what the engine found, and what is wrong
        if r.status == "xfail":
            out.print(f"[yellow]xfail[/yellow] {r.name} ({r.id}): {r.diagnosis}", highlight=False)
    expected = f", {xfailed} failed as expected (misprints, see the xfail rows)" if xfailed else ""
    out.print(f"{passed} passed, {len(failed)} failed{expected}: {len(results)} rules, "
              f"{sum(r.trials for r in results)} trials, seed {args.seed}, "
              f"{time.perf_counter() - start:.1f} s", highlight=False)
    return 1 if failed else 0
