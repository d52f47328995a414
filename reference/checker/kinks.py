"""Kinks: JAX's one-sided derivatives at a failing entry, whether a claimed value lies between them, and
proximity scans for a failure that happens only near a point where the derivative jumps.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from typing import Any

import jax
import jax.numpy as jnp
import numpy as np

from .problem import Block, Problem
from .programs import as_args, diff_tree, upcast, wrt_function

__all__ = ["SCAN_POINTS", "accept_kinks", "classify", "column_fn", "near_kink", "one_sided"]


SCAN_POINTS = 41


def column_fn(P: Problem, block: Block) -> Callable[..., Any]:
    """``col(leaves, extra, x_shifted, e) -> block column``: ∂f/∂x along the one-hot ``e`` at a point."""
    li = block.in_leaf

    def col(leaves: Any, extra: Any, xs: Any, e: Any) -> Any:
        up = upcast(P, leaves)

        def g(xi: Any) -> Any:
            ls = list(up)
            ls[li] = xi
            return jax.tree_util.tree_leaves(P.f(*as_args(P, ls)))

        outs = jax.jvp(g, (xs,), (e,))[1]
        if P.kind == "gradient":
            return outs[0]
        if P.kind == "vjp":
            return sum(jnp.sum(o * c.astype(o.dtype)) for o, c in zip(outs, extra["ct"], strict=True))
        return outs[block.out_leaf]

    return col


def one_sided(P: Problem, block: Block) -> Callable[..., Any]:
    """``fn(leaves, extra) -> (L, R)``: left and right derivatives of ``block``, batched over trials."""
    li = block.in_leaf

    if P.kind == "jvp":
        def one(lv: Any, ex: Any, sign: float) -> Any:
            args = as_args(P, upcast(P, lv))
            g, ps = wrt_function(P, args)
            t = diff_tree(P, [c.astype(jnp.result_type(p)) for c, p in
                               zip(ex["t"], jax.tree_util.tree_leaves(ps), strict=True)], ps)
            scale = 1.0 + max(jnp.max(jnp.abs(p)) for p in jax.tree_util.tree_leaves(ps))
            h = jnp.sqrt(jnp.finfo(jax.tree_util.tree_leaves(ps)[0].dtype).eps) * scale
            shifted = jax.tree_util.tree_map(lambda p, v: p + sign * h * v, ps, t)
            return jax.tree_util.tree_leaves(jax.jvp(g, shifted, t)[1])[block.out_leaf]
    else:
        col = column_fn(P, block)

        def one(lv: Any, ex: Any, sign: float) -> Any:
            x = upcast(P, lv)[li]
            n = max(1, x.size)
            E = jnp.eye(n, dtype=x.dtype).reshape((n, *x.shape))
            h = jnp.sqrt(jnp.finfo(x.dtype).eps) * jnp.maximum(1.0, jnp.abs(x))
            cols = jax.vmap(lambda e: col(lv, ex, x + sign * h * e, e))(E)
            return jnp.moveaxis(cols, 0, -1).reshape(tuple(cols.shape[1:]) + tuple(x.shape))

    return jax.jit(jax.vmap(lambda lv, ex: (one(lv, ex, -1.0), one(lv, ex, 1.0))))


def near_kink(P: Problem, block: Block, leaves: list[np.ndarray], extra: dict[str, Any], trial: int,
               entries: list[tuple[int, ...]], tol: float) -> list[bool]:
    """For each entry (out index + in index) of ``block`` at ``trial``: does JAX's derivative along the
    entry's input coordinate jump within ``0.1·max(1, |x_j|)`` of the point?"""
    if P.kind not in ("gradient", "jacobian", "vjp") or block.in_leaf is None or block.product:
        return [False] * len(entries)
    li = block.in_leaf
    out_nd = len(block.out_shape)
    x_shape = tuple(block.in_shape)
    col = column_fn(P, block)
    lv = [jnp.asarray(a[trial]) for a in leaves]
    ex = {k: [jnp.asarray(a[trial]) for a in v] for k, v in extra.items()}
    x = upcast(P, lv)[li]
    E, outs_idx, R = [], [], []
    for idx in entries:
        j = np.ravel_multi_index(idx[out_nd:], x_shape) if x_shape else 0
        e = np.zeros(max(1, math.prod(x_shape)))
        e[j] = 1.0
        E.append(e.reshape(x_shape))
        outs_idx.append(int(np.ravel_multi_index(idx[:out_nd], block.out_shape)) if out_nd else 0)
        R.append(0.1 * max(1.0, abs(float(np.asarray(x).reshape(-1)[j]))))
    E_ = jnp.asarray(np.stack(E), x.dtype)
    S = jnp.asarray(np.linspace(-1.0, 1.0, SCAN_POINTS)[None, :] * np.asarray(R)[:, None], x.dtype)
    O_ = jnp.asarray(outs_idx)

    def per_entry(e: Any, s_row: Any, o: Any) -> Any:
        return jax.vmap(lambda s: jnp.reshape(col(lv, ex, x + s * e, e), (-1,))[o])(s_row)

    G = np.asarray(jax.jit(jax.vmap(per_entry))(E_, S, O_), np.float64)
    out = []
    for g in G:
        d = np.abs(np.diff(g))
        left = np.concatenate([[0.0], d[:-1]])
        right = np.concatenate([d[1:], [0.0]])
        jump = (d > max(tol, 1e-3 * float(np.max(np.abs(g)))) ) & (d > 10 * np.maximum(left, right))
        out.append(bool(jump.any()))
    return out


def accept_kinks(P: Problem, bi: int, part: np.ndarray, L: np.ndarray, R: np.ndarray,
                  claimed: list[np.ndarray], ref: list[np.ndarray], ok: np.ndarray,
                  kink_info: dict[tuple[int, int], tuple[np.ndarray, np.ndarray]],
                  conventions: dict[tuple[int, int], list[tuple[str, str]]]) -> bool:
    """Accept failing trials ``part`` of block ``bi`` whose mismatches all sit at kinks, between JAX's
    one-sided derivatives ``L``, ``R`` (``kinks="between"``). True when every trial was accepted."""
    tol = P.tol
    all_ok = True
    for n, t in enumerate(part):
        c = claimed[bi][t].astype(np.float64)
        r = ref[bi][t].astype(np.float64)
        scale = float(np.max(np.abs(r), initial=0.0))
        tb = tol.atol + tol.rtol * scale
        tk = tb + (1e-6 if P.tol_key == "float64" else 1e-3) * max(scale, 1.0)
        at_kink = np.abs(R[n] - L[n]) > tk
        kink_info[(bi, int(t))] = (L[n], R[n])
        good = np.abs(c - r) <= tb
        inside = (c >= np.minimum(L[n], R[n]) - tk) & (c <= np.maximum(L[n], R[n]) + tk)
        accepted = good | (at_kink & inside) if P.opts["kinks"] == "between" else good
        if np.all(accepted & np.isfinite(c)) and (at_kink & ~good).any():
            ok[bi, t] = True
            sel = at_kink & ~good
            conventions[(bi, int(t))] = [(classify(c_, L_, R_, tk), classify(r_, L_, R_, tk))
                                         for c_, r_, L_, R_ in zip(c[sel], r[sel], L[n][sel], R[n][sel],
                                                                   strict=True)]
        else:
            all_ok = False
    return all_ok


def classify(c: float, L: float, R: float, tol: float) -> str:
    if abs(c - L) <= tol:
        return "left slope"
    if abs(c - R) <= tol:
        return "right slope"
    if abs(c - (L + R) / 2) <= tol:
        return "midpoint"
    return "a value between the slopes"
