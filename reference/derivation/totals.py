r"""Checking totals: the chain-rule combination of the claimed partials, and each hand-written claim.

The combination (``dy/dx`` from the claimed partials) is compared with ``jax.grad``/``jax.jacfwd`` of
the composed function. A claimed total (:meth:`Derivation.claim
<chainrule.reference.derivation.Derivation.claim>`) that disagrees is explained by the smallest set of
dataflow paths whose contributions make up the difference: paths it **misses** (``JAX − claimed``)
or counts **twice** (``claimed − JAX``) — the C-5 pitfall ``y = x + x²`` answered ``2x`` misses the
direct path ``x → u_2``. Every comparison goes through the one engine (:mod:`.measure`).

>>> MAX_SUBSET
2
"""

from __future__ import annotations

import itertools

import numpy as np

from ..tolerances import Tolerance
from .accumulate import MAX_PATHS, path_term, paths
from .display import arrow, fmt
from .evaluate import Evaluation
from .measure import TOLERANCE, measure
from .model import Claim
from .report import ClaimCheck

__all__ = ["MAX_SUBSET", "check_claim", "check_combination", "explain"]

#: Sets of up to this many paths are tried when explaining a wrong claimed total.
MAX_SUBSET = 2

Path = tuple[str, ...]


def _diff_name(ev: Evaluation) -> str:
    return "grad" if ev.graph.out.shape == () else "jacfwd"


def check_combination(ev: Evaluation, combined: dict[int, dict[str, np.ndarray]], points: list[int],
                      tol: Tolerance = TOLERANCE) -> tuple[bool, str | None, float, float]:
    """``dy/dx`` from the claimed partials against JAX's: ``(ok, message, max abs, max rel)``."""
    out = ev.graph.out
    ok_all, message, c_abs, c_rel = True, None, 0.0, 0.0
    for x in ev.graph.inputs:
        claimed = [combined[t][x] for t in points]
        ref = ev.jax_tot[x][points]
        abs_err, rel_err, ok = measure(claimed, ref, tol)
        c_abs, c_rel = max(c_abs, float(abs_err.max())), max(c_rel, float(rel_err.max()))
        if not ok.all() and ok_all:
            i = int(np.flatnonzero(~ok)[0])
            ok_all = False
            message = (
                f"d{out.name}/d{x} from the claimed partials vs jax.{_diff_name(ev)} of the composed "
                f"function | float64 | {ev.where(points[i])} | derivation {fmt(claimed[i])}, JAX "
                f"{fmt(ref[i])} | {ev.reproduce}"
            )
    return ok_all, message, c_abs, c_rel


def check_claim(ev: Evaluation, claim: Claim, points: list[int], tol: Tolerance = TOLERANCE) -> ClaimCheck:
    """One claimed total against JAX's, with the missing or doubled paths when it is wrong."""
    x, out = claim.wrt, ev.graph.out
    values = {t: ev.claimed_total(claim, t) for t in points}
    true = {t: ev.jax_tot[x][t] for t in points}
    abs_err, rel_err, ok = measure([values[t] for t in points], ev.jax_tot[x][points], tol)
    bad = points[int(np.flatnonzero(~ok)[0])] if not ok.all() else None
    missing: tuple[Path, ...] = ()
    doubled: tuple[Path, ...] = ()
    message = None
    if bad is not None:
        missing, doubled, note = explain(ev, x, values, true, points, tol)
        head = (f"claim d{out.name}/d{x} = {claim.formula} vs jax.{_diff_name(ev)} | float64 | "
                f"{ev.where(bad)} | claimed {fmt(values[bad])}, JAX {fmt(true[bad])}")
        plural = "s" if len(missing or doubled) > 1 else ""
        if missing:
            note = (f"misses the path{plural} {' and '.join(arrow(p) for p in missing)}: the "
                    "total-derivative chain rule sums the products of the partials over every path "
                    "from the input to the output (RULES C-6)")
        elif doubled:
            note = (f"counts the path{plural} {' and '.join(arrow(p) for p in doubled)} twice "
                    "(RULES C-6 sums over each path once)")
        message = f"{head} | {note} | {ev.reproduce}"
    return ClaimCheck(
        wrt=x, formula=claim.formula, claimed=values[0], jax=true[0], ok=bad is None,
        missing_paths=missing, doubled_paths=doubled, message=message,
        max_abs_error=float(abs_err.max()), max_rel_error=float(rel_err.max()),
    )


def explain(ev: Evaluation, x: str, claimed: dict[int, np.ndarray], true: dict[int, np.ndarray],
            points: list[int], tol: Tolerance = TOLERANCE) -> tuple[tuple[Path, ...], tuple[Path, ...], str]:
    """The smallest set of paths whose contributions make up ``JAX − claimed`` (missing paths) or
    ``claimed − JAX`` (doubled paths); an explanation only when exactly one set fits, else a note."""
    graph = ev.graph
    found = paths(graph, x)
    if not found:
        return (), (), f"there is no path from {x} to {graph.out.name}, so d{graph.out.name}/d{x} = 0"
    if len(found) > MAX_PATHS:
        return (), (), f"more than {MAX_PATHS} paths from {x}: not searched for a missing one"
    terms = {p: np.stack([path_term(graph, p, lambda a, b, t=t: ev.local[a][b][t]) for t in points])
             for p in found}
    gap = np.stack([true[t] - claimed[t] for t in points])
    for size in range(1, min(MAX_SUBSET, len(found)) + 1):
        hits = []
        for sign, kind in ((1.0, "misses"), (-1.0, "counts twice")):
            for subset in itertools.combinations(found, size):
                if measure(sign * gap, sum(terms[p] for p in subset), tol)[2].all():
                    hits.append((kind, subset))
        if len(hits) == 1:
            kind, subset = hits[0]
            return (subset, (), "") if kind == "misses" else ((), subset, "")
        if hits:
            options = " or ".join(f"{k} {' and '.join(arrow(p) for p in sub)}" for k, sub in hits)
            return (), (), (f"ambiguous at the points checked: it {options}; add random points "
                            "(check(around=8)) to tell them apart")
    return (), (), ("no missing or doubled path explains the difference: the combination of the "
                    "partials is right, so the hand-written total has another error")
