"""JAX's reference at inputs near a trial's: the kink rule's tie-broken points
(:func:`~chainrule.reference.checker.kinks.tie_broken`) and the conditioning measure's perturbed ones
(:mod:`~chainrule.reference.checker.conditioning`) run through the reference program of the check itself.
"""

from __future__ import annotations

import math
from typing import Any

import jax
import numpy as np

from .problem import Problem
from .programs import normalize_tree, programs, run_batched

__all__ = ["reference_rows"]


def reference_rows(P: Problem, extra: dict[str, Any], idx: np.ndarray, rows: list[np.ndarray],
                   T: int) -> list[np.ndarray]:
    """JAX's first witness, block by block (leading axis = row), at the inputs ``rows`` (one array per leaf,
    leading axis = row) with the cotangents/tangents/probes of trials ``idx`` (one per row). Runs in
    batches of ``T`` rows, the batch size the check's reference program was compiled for."""
    R = int(idx.size)
    out: list[list[np.ndarray]] = []
    per_trial = 3 * sum(max(1, math.prod(a.shape[1:])) for a in rows)
    fn = programs(P)["ref"]
    for start in range(0, R, T):
        take = np.arange(start, start + T).clip(max=R - 1)
        lv = [a[take] for a in rows]
        ex = {key: [a[idx[take]] for a in v] for key, v in extra.items()}
        refs, _ = run_batched(fn, lv, ex, T, per_trial, P.opts.get("memory", 1 << 30))
        tree = refs[0] if P.dense else refs
        w = [np.asarray(a, np.float64) for a in jax.tree_util.tree_leaves(normalize_tree(tree))]
        out.append([a[:min(T, R - start)] for a in w])
    return [np.concatenate(parts) for parts in zip(*out, strict=True)]
