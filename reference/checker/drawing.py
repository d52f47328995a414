"""Drawing trials: every leaf drawn from its domain, one trial in ten an *edge trial* at or near a kink
point or a tie, and the per-trial random vectors (cotangents, tangents, probes).
"""

from __future__ import annotations

import itertools
from typing import Any

import jax
import numpy as np

from .problem import Problem

__all__ = ["EDGE_DOMAINS", "draw", "extras"]


EDGE_DOMAINS = ("real", "unit")


def draw(P: Problem, shapes: list[tuple[int, ...]], trials: int, seed: int,
          ) -> tuple[list[np.ndarray], np.ndarray]:
    """``trials`` draws of every leaf (leading axis = trial) and the mask of edge trials."""
    rng = np.random.default_rng([int(seed), 0x5EED])
    out: list[np.ndarray] = []
    for lf, shape in zip(P.leaves, shapes, strict=True):
        if not lf.drawn:
            out.append(np.broadcast_to(lf.example, (trials, *shape)).copy())
        else:
            assert lf.domain is not None
            out.append(np.asarray(lf.domain.draw(rng, (trials, *shape)), dtype=np.float64))
    edge = np.zeros(trials, dtype=bool)
    edgeable = [i for i, lf in enumerate(P.leaves)
                if lf.drawn and lf.domain is not None and lf.domain.name in EDGE_DOMAINS]
    points = np.asarray(P.opts["kink_points"], dtype=np.float64)
    n_edge = trials // 10 if (points.size and edgeable and P.kind != "hessian") else 0
    if n_edge:
        edge[trials - n_edge:] = True
        for i in edgeable:
            x = out[i][trials - n_edge:]
            u = rng.random(x.shape)
            at = rng.choice(points, x.shape)
            near = at + rng.choice([-1.0, 1.0], x.shape) * 10.0 ** rng.uniform(-6, -2, x.shape)
            out[i][trials - n_edge:] = np.where(u < 1 / 3, at, np.where(u < 0.5, near, x))
        by_shape: dict[tuple[int, ...], list[int]] = {}
        for i in edgeable:
            by_shape.setdefault(shapes[i], []).append(i)
        for group in by_shape.values():
            for a, b in itertools.pairwise(group):
                xa, xb = out[a][trials - n_edge:], out[b][trials - n_edge:]
                tie = rng.random(xb.shape) < 1 / 3
                out[b][trials - n_edge:] = np.where(tie, xa, xb)
    for i, lf in enumerate(P.leaves):
        if lf.drawn:
            out[i] = out[i].astype(lf.dtype)
    return out, edge


def extras(P: Problem, out_struct: Any, trials: int, seed: int) -> dict[str, Any]:
    """Per-trial random vectors: cotangents (vjp), tangents (jvp), probes (probe mode)."""
    rng = np.random.default_rng([int(seed), 0xC0DE])
    k = P.opts["probes"]
    diff = [P.leaves[i] for i in P.diff_leaves]
    out_leaves = jax.tree_util.tree_leaves(out_struct)
    ex: dict[str, Any] = {}
    if P.kind == "vjp":
        ex["ct"] = [rng.standard_normal((trials, *o.shape)) for o in out_leaves]
    if P.kind == "jvp":
        ex["t"] = [rng.standard_normal((trials, *lf.shape)) for lf in diff]
    if not P.dense and P.kind in ("jacobian", "hessian"):
        ex["V"] = [rng.choice([-1.0, 1.0], (trials, k, *lf.shape)) for lf in diff]
        if P.kind == "jacobian":
            ex["U"] = [rng.choice([-1.0, 1.0], (trials, k, *o.shape)) for o in out_leaves]
    return ex
