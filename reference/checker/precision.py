"""Precision said, never loosened silently: low-precision examples run the candidate in float64 when it
accepts float64.

Parameters built in float32 (``jnp.zeros`` without x64, an equinox module, a PyTorch port) would
otherwise get float32 tolerances (rtol 2e-4) although the candidate computes in float64 with errors of
1e-15, and a backward wrong by 1e-4 would pass. :func:`promote` tries the candidate once on float64
inputs; when it returns float64 derivatives, every float leaf is drawn in float64 and the float64
tolerances apply, and the report says so. When the candidate only runs in low precision (it raises on
float64, or returns float32 for float64 inputs), the dtype's tolerance applies and the first line of
the report says that the candidate runs only in that precision. ``candidate_precision="as-given"``
keeps the examples' dtypes (to check a float32 kernel as float32).
"""

from __future__ import annotations

from dataclasses import replace

import jax
import jax.numpy as jnp
import numpy as np

from ..tolerances import TOLERANCES, Tolerance
from .drawing import draw, extras
from .problem import Problem, dtype_name, is_float
from .programs import as_args, candidate_output, numpy_args, to_numpy_tree, upcast

__all__ = ["promote"]


def _eps(dtype: np.dtype) -> float:
    return float(jnp.finfo(dtype).eps)


def promote(P: Problem) -> Problem:
    """``P`` with its float leaves in float64 when the examples are of lower precision and the
    candidate accepts float64 (a note says so); otherwise ``P``, with ``precision_note`` set when the
    candidate runs only in low precision."""
    lows = sorted({dtype_name(P.leaves[i].dtype) for i in P.diff_leaves
                   if _eps(P.leaves[i].dtype) > _eps(np.dtype(np.float64))})
    if not lows or P.opts["candidate_precision"] == "as-given" or P.exact_dtype or P.opts["precision"] == "float32":
        return P
    given = "/".join(lows)
    leaves = [replace(lf, dtype=np.dtype(np.float64), example=np.asarray(lf.example, np.float64))
              if is_float(lf.dtype) else lf for lf in P.leaves]
    Q = replace(P, leaves=leaves)
    if _accepts_float64(Q):
        rtol = P.opts["rtol"]
        atol = P.opts["atol"]
        base = TOLERANCES["float64"]
        Q.tol = Tolerance(rtol=base.rtol if rtol is None else float(rtol),
                          atol=base.atol if atol is None else float(atol))
        Q.tol_key = "float64"
        Q.precision_note = (f"the examples are {given}; the candidate accepts float64, so every trial ran in "
                            "float64 with float64 tolerances (candidate_precision='as-given' keeps "
                            f"{given})")
        return Q
    P.low_precision = True
    P.precision_note = (f"{P.tol_key} tolerances (rtol {P.tol.rtol:g}): the candidate runs only in {given} "
                        "(it does not return float64 derivatives for float64 inputs)")
    return P


def _accepts_float64(Q: Problem) -> bool:
    """Whether the candidate, given float64 inputs of one drawn trial, returns only float64 floats."""
    shapes = [lf.shape for lf in Q.leaves]
    leaves, _ = draw(replace(Q, opts={**Q.opts, "avoid": None}), shapes, 1, Q.opts["seed"])
    lv0 = [jnp.asarray(a[0]) for a in leaves]
    try:
        out_struct = jax.eval_shape(Q.f, *as_args(Q, upcast(Q, lv0)))
    except Exception:
        return False
    extra = extras(Q, out_struct, 1, Q.opts["seed"])
    ex0 = {k: [jnp.asarray(a[0]) for a in v] for k, v in extra.items()}
    try:
        out = jax.eval_shape(lambda lv, ex: candidate_output(Q, lv, ex), lv0, ex0)
    except Exception:
        try:
            out = to_numpy_tree(Q.cand(*numpy_args(Q, leaves, extra, 0)))
        except Exception:
            return False
    floats = [np.dtype(a.dtype) for a in jax.tree_util.tree_leaves(out) if is_float(a.dtype)]
    return bool(floats) and all(d == np.float64 for d in floats)
