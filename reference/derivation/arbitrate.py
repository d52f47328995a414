r"""Arbitration for derivations (issue 15): where a claimed local partial and JAX's disagree, a second witness
decides whose is wrong.

For step ``u`` and parameter ``p`` at a point, each disagreeing column ``j`` of ``∂u/∂p`` is estimated from
the step's own values, ``d/ds u(…, p + s·e_j, …)`` (:func:`chainrule.reference.witness.directional_derivative`:
the complex step where the step takes complex input, else Ridders-extrapolated central differences in
float64, with an error bound). If the witness sides with the claim beyond doubt at every disagreeing column,
JAX's local partial is wrong there: the evaluation's reference is corrected to the claim, and JAX's ``∂y/∂v``
and ``dy/dx`` at that point are recomputed from the corrected local partials by the chain rule (which is
exact), so the combination and the claimed totals are judged against a right reference too. Otherwise (the
witness sides with JAX, with neither, or cannot decide) nothing changes and the step is wrong as before.

>>> import jax.numpy as jnp
>>> from jax.scipy.special import i0, i1
>>> from chainrule import Derivation
>>> r = Derivation(x=0.0).let("u", lambda x: i0(x), {"x": lambda x: i1(x)}).claim("x", lambda x: i1(x)).check()
>>> r.ok, r.jax_wrong[0]["step"], r.jax_wrong[0]["jax"], r.jax_wrong[0]["witness"]
(True, 'u', 1.0, 0.0)
"""

from __future__ import annotations

from typing import Any

import numpy as np

from .. import witness as W
from ..autodiff import x64
from ..checker.arbitrate import witness_side
from ..tolerances import Tolerance
from .accumulate import combine
from .display import dense
from .evaluate import Evaluation
from .measure import agrees
from .model import Step

__all__ = ["MAX_COLUMNS", "MAX_ESTIMATES", "arbitrate_steps"]

#: Disagreeing columns estimated per step, parameter and point; more: undecided (nothing is excused).
MAX_COLUMNS = 16
#: Witness estimates per derivation check.
MAX_ESTIMATES = 256


def arbitrate_steps(ev: Evaluation, claimed_at: dict[int, dict[str, dict[str, Any]]], points: list[int],
                    tol: Tolerance) -> list[dict[str, Any]]:
    """Correct ``ev``'s JAX references in place where the witness shows JAX's local partial is wrong;
    returns the findings (step, parameter, point, JAX's value, the witness's, its bound, the claim)."""
    findings: list[dict[str, Any]] = []
    corrected: set[int] = set()
    budget = [MAX_ESTIMATES]
    for s in ev.graph.steps:
        for p in s.wrt:
            for t in points:
                c = np.asarray(dense(claimed_at[t][s.name][p]), np.float64)
                r = np.asarray(ev.local[s.name][p][t], np.float64)
                if c.shape != r.shape or agrees(c, r, tol) or budget[0] <= 0:
                    continue
                found = _arbitrate(ev, s, p, t, c, r, tol, budget)
                if found is None:
                    continue
                local = np.array(ev.local[s.name][p])  # a writable copy (JAX's arrays are read-only)
                local[t] = c
                ev.local[s.name][p] = local
                corrected.add(t)
                findings.append(found)
    for t in sorted(corrected):
        redo = combine(ev.graph, lambda a, b, t=t: ev.local[a][b][t])
        for x in ev.graph.inputs:
            _set(ev.jax_tot, x, t, redo[x])
        for s in ev.graph.steps:
            _set(ev.jax_adj, s.name, t, redo[s.name])
    return findings


def _set(tree: dict[str, np.ndarray], key: str, t: int, value: np.ndarray) -> None:
    arr = np.array(tree[key])
    arr[t] = np.asarray(value, np.float64).reshape(arr.shape[1:])
    tree[key] = arr


def _arbitrate(ev: Evaluation, s: Step, p: str, t: int, c: np.ndarray, r: np.ndarray, tol: Tolerance,
               budget: list[int]) -> dict[str, Any] | None:
    """The finding when the witness sides with the claim at every disagreeing column, else None."""
    vals = {k: np.asarray(v, np.float64) for k, v in ev.at(t).items()}
    x = vals[p]
    n_out = c.ndim - x.ndim
    bound = tol.bound_for(r)
    bad = np.abs(c - r) > bound
    cols = sorted({tuple(int(i) for i in ix[n_out:]) for ix in np.argwhere(bad)})
    if not cols or len(cols) > MAX_COLUMNS:
        return None
    scale = max(1.0, float(np.max(np.abs(x), initial=0.0)))
    witness_cols, errors = [], []
    for j in cols:
        if budget[0] <= 0:
            return None
        budget[0] -= 1
        e = np.zeros(x.shape)
        e[j] = 1.0

        def g(h: Any, e: np.ndarray = e) -> Any:
            args = {q: vals[q] for q in s.params}
            args[p] = args[p] + h * e
            with x64(True):
                return np.asarray(s.fn(**args))

        est = W.directional_derivative(g, scale=scale)
        sel = (Ellipsis, *j) if n_out else j
        c_col, r_col = c[sel], r[sel]
        if witness_side(est, c_col, r_col, tol) != "candidate":
            return None
        witness_cols.append(np.asarray(est.value, np.float64).reshape(-1))
        errors.append(float(np.max(est.error)))
    sel = (Ellipsis, *cols[0]) if n_out else cols[0]
    return {"step": s.name, "param": p, "point": t, "columns": cols, "jax": _first(r[sel]),
            "witness": _first(witness_cols[0]), "error": max(errors), "claimed": _first(c[sel]),
            "where": ev.where(t)}


def _first(a: Any) -> float:
    """The first entry of the first disagreeing column, as the report shows it."""
    return float(np.asarray(a, np.float64).reshape(-1)[0])
