"""Drawing trials: every leaf drawn from its domain, one trial in ten an *edge trial* at or near a kink
point or a tie, and the per-trial random vectors (cotangents, tangents, probes).

An edge trial, per edgeable leaf (drawn from ``real`` or ``unit``): about a third of the entries are set
exactly to a kink point and a sixth to within 1e−6…1e−2 of one; then some entries are *tied inside the
leaf* (:func:`tie_within`: neighbours along an axis set to the larger or the smaller of the two, and the
leaf's maximum or minimum copied onto another entry, so that ``max``, max-pooling, ``sort`` and
``top_k`` really meet ties); last, arguments of one shape tie on a third of their entries
(``maximum(x, y)`` at ``x = y``). The ties inside a leaf come from their own random stream, so the
other draws of a seed are those they were before it existed.
"""

from __future__ import annotations

import itertools
import math
from typing import Any

import jax
import numpy as np

from .problem import Problem
from .programs import as_args

__all__ = ["EDGE_DOMAINS", "draw", "extras", "redraw_near_kinks", "tie_within"]


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
    if P.opts["avoid"] is not None:
        redraw_near_kinks(P, out, shapes, rng)
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
        tie_rng = np.random.default_rng([int(seed), 0x71E5])
        for i in edgeable:
            tie_within(tie_rng, out[i][trials - n_edge:])
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


def tie_within(rng: np.random.Generator, x: np.ndarray) -> None:
    """Tie entries of each trial of one leaf (``x``: trials × leaf shape, float64), in place.

    Per trial, about one entry in six is paired with its predecessor along a random axis and both take
    the larger of the two (or, half the time, the smaller): equal neighbours, as in one pooling window,
    and often its maximum. Then, each with probability ½, the leaf's maximum and its minimum are copied
    onto one other entry: ties at the extremes (``max(x)``, ``min(x)``, the ends of ``sort(x)``). A leaf
    of one entry is left alone.
    """
    shape = x.shape[1:]
    n = math.prod(shape)
    axes = [a for a, s in enumerate(shape) if s > 1]
    if n < 2 or not axes:
        return
    pairs = max(1, round(n / 6))
    for k in range(x.shape[0]):
        v = x[k].reshape(shape)
        for _ in range(pairs):
            a = int(rng.choice(axes))
            at = [int(rng.integers(s)) for s in shape]
            at[a] = int(rng.integers(1, shape[a]))
            prev = list(at)
            prev[a] -= 1
            pick = max if rng.random() < 0.5 else min
            v[tuple(at)] = v[tuple(prev)] = pick(v[tuple(at)], v[tuple(prev)])
        flat = v.reshape(-1)
        for extreme in (np.argmax, np.argmin):
            if rng.random() < 0.5:
                src = int(extreme(flat))
                dst = int(rng.integers(n - 1))
                flat[dst + (dst >= src)] = flat[src]
        x[k] = v


def redraw_near_kinks(P: Problem, leaves: list[np.ndarray], shapes: list[tuple[int, ...]],
                      rng: np.random.Generator, rounds: int = 200) -> None:
    """Redraw, in place, every trial where ``avoid(*args)`` has a distance below ``avoid_margin``.

    ``avoid`` (an option of every check) maps one trial's arguments to the distances from its kinks
    (``z = w·x + b`` for a ReLU unit): random trials then stay away from them, and the kinks themselves
    are left to edge trials and exact tests. Raises ``ValueError`` when ``rounds`` redraws do not get
    every trial clear (the domain sits on the kink: widen it or lower the margin).
    """
    avoid, margin = P.opts["avoid"], float(P.opts["avoid_margin"])
    trials = leaves[0].shape[0] if leaves else 0
    drawn = [i for i, lf in enumerate(P.leaves) if lf.drawn]
    for _ in range(rounds):
        bad = [t for t in range(trials)
               if np.min(np.abs(np.asarray(avoid(*as_args(P, [a[t] for a in leaves])), dtype=np.float64)),
                         initial=np.inf) < margin]
        if not bad:
            return
        for i in drawn:
            domain = P.leaves[i].domain
            assert domain is not None
            leaves[i][bad] = np.asarray(domain.draw(rng, (len(bad), *shapes[i])), dtype=np.float64)
    raise ValueError(f"avoid: could not draw {trials} trials at least {margin} away from the kink for shapes "
                     f"{', '.join(f'{lf.path} {s}' for lf, s in zip(P.leaves, shapes, strict=True))}; widen "
                     "the domain or lower avoid_margin")


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
