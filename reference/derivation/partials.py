r"""Checking each step's claimed local partials against ``jax.jacfwd`` of the step's own function.

A step whose claimed ``∂u/∂p`` disagrees with JAX's at some point is a **wrong step**. Each partial is
compared over all usable points at once by the one engine (:mod:`.measure`, i.e.
:func:`chainrule.reference.checker.compare.errors`); the first failing point gives the message, with
a guess at the mistake: the total derivative written for the local partial, a sign, a factor 2, or
the shared diagnosis of :mod:`chainrule.reference.checker.diagnosis` (transpose, a few entries, …).

>>> import numpy as np
>>> hint(np.array([[2.0, 4.0], [6.0, 8.0]]), np.array([[1.0, 2.0], [3.0, 4.0]]))
'off by a constant factor 2'
"""

from __future__ import annotations

from typing import Any

import numpy as np

from ..checker.diagnosis import diagnose_values
from ..tolerances import Tolerance
from .accumulate import accumulate
from .display import dense, fmt, fmt_number
from .evaluate import Evaluation
from .measure import TOLERANCE, agrees, measure
from .model import Step
from .report import StepCheck

__all__ = ["check_step", "hint"]


def hint(claimed: np.ndarray, ref: np.ndarray) -> str:
    """The shared diagnosis of a wrong local partial, as a short phrase."""
    c, r = np.atleast_1d(claimed), np.atleast_1d(ref)
    found = diagnose_values(c, r, out_shape=r.shape[:1], in_shape=r.shape[1:])
    return found or "no simple pattern (not a constant factor, not a transpose, not a few entries)"


def check_step(ev: Evaluation, s: Step, claimed_at: dict[int, dict[str, dict[str, Any]]], points: list[int],
               tol: Tolerance = TOLERANCE) -> StepCheck:
    """Compare every claimed partial of step ``s`` (``claimed_at[t][s.name][p]``) with JAX's at ``points``."""
    wrong, messages, s_abs, s_rel = [], [], 0.0, 0.0
    for p in s.wrt:
        claimed = [dense(claimed_at[t][s.name][p]) for t in points]
        ref = ev.local[s.name][p][points]
        abs_err, rel_err, ok = measure(claimed, ref, tol)
        s_abs, s_rel = max(s_abs, float(abs_err.max())), max(s_rel, float(rel_err.max()))
        if not ok.all():
            i = int(np.flatnonzero(~ok)[0])
            wrong.append(p)
            messages.append(_message(ev, s, p, points[i], claimed[i], ref[i], tol))
    claimed0 = claimed_at[0][s.name]
    return StepCheck(
        name=s.name, formula=s.formula, params=s.wrt, value=ev.env[s.name][0],
        claimed={p: dense(claimed0[p]) for p in s.wrt},
        claimed_text={p: fmt(claimed0[p]) for p in s.wrt},
        jax={p: ev.local[s.name][p][0] for p in s.wrt},
        partial_formulas=dict(s.partial_formulas), wrong=tuple(wrong),
        max_abs_error=s_abs, max_rel_error=s_rel, messages=tuple(messages),
    )


def _message(ev: Evaluation, s: Step, p: str, t: int, c: np.ndarray, r: np.ndarray, tol: Tolerance) -> str:
    idx: tuple[int, ...] = ()
    if c.ndim:
        with np.errstate(invalid="ignore"):
            idx = tuple(int(i) for i in np.unravel_index(int(np.argmax(np.abs(c - r))), c.shape))
    entry = f"entry {idx}: " if idx else ""
    at = "" if t == 0 else " (" + ", ".join(f"{x} = {fmt(ev.env[x][t])}" for x in ev.graph.inputs) + ")"
    return (
        f"step {s.name}: claimed ∂{s.name}/∂{p} = {s.partial_formulas[p]} vs jax.jacfwd of "
        f"{s.name} = {s.formula} | float64 | {ev.where(t)}{at} | {entry}claimed "
        f"{fmt_number(c[idx])}, JAX {fmt_number(r[idx])} | {_why(ev, s, p, t, c, r, tol)} | {ev.reproduce}"
    )


def _why(ev: Evaluation, s: Step, p: str, t: int, c: np.ndarray, r: np.ndarray, tol: Tolerance) -> str:
    """A guess at what a wrong local partial is: a total derivative, a sign, a factor 2, a transpose."""
    if not np.all(np.isfinite(c)):
        return "the claimed value is not finite"
    total = accumulate(ev.graph, s, lambda a, b: ev.local[a][b][t]).get(p)
    if total is not None and agrees(c, total, tol):
        return (f"that is the total derivative d{s.name}/d{p} (every path from {p}), not the local "
                f"partial ∂{s.name}/∂{p} with the other parameters held fixed; the chain rule adds "
                "the other paths itself, so they would be counted twice")
    if c.size == 1:
        for f, text in ((-1.0, "sign flipped"), (2.0, "off by a factor 2"), (0.5, "off by a factor 1/2")):
            if agrees(c, f * r, tol):
                return text
        return "a different value"
    return hint(c, r)
