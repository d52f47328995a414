"""Kinks: JAX's one-sided derivatives at a failing entry, whether a claimed value lies between them (or
between JAX's derivatives with the trial's ties broken in random orders), and proximity scans for a failure
that happens only near a point where the derivative jumps.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from typing import Any

import jax
import jax.numpy as jnp
import numpy as np

from ..tolerances import kink_tolerance
from .perturbed import reference_rows
from .problem import Block, Problem, is_float
from .programs import as_args, cached, diff_tree, upcast, wrt_function

__all__ = ["AXIS_SIDES", "JUMP_RATIO", "SCAN_POINTS", "TANGENT_SIDES", "TIE_BREAKS", "accept_kinks", "classify",
           "column_fn", "has_ties", "kink_sides", "near_kink", "one_sided", "settle_kinks", "tie_broken"]


SCAN_POINTS = 41

#: Points per trial at which :func:`tie_broken` breaks the trial's ties, each in a random order.
TIE_BREAKS = 32

#: A scanned derivative jumps where one step of the scan differs more than this many times its neighbours'
#: steps. Equivalent mutants (no mutate): a kink's step is 10⁴ and more times its smooth neighbours' on the
#: scan's grid, so no derivative one meets tells 10 from 11.
JUMP_RATIO = 10  # pragma: no mutate


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
        # equivalent mutant (== → is): P.kind is always one of the code's own literals (check_gradient's
        # "gradient", …), an interned string, so `is` and `==` agree
        if P.kind == "gradient":  # pragma: no mutate
            return outs[0]
        if P.kind == "vjp":  # pragma: no mutate - equivalent: the same interned literal as above
            return sum(jnp.sum(o * c.astype(o.dtype)) for o, c in zip(outs, extra["ct"], strict=True))
        return outs[block.out_leaf]

    return col


#: the names of JAX's one-sided derivatives along an input's axis (``x − h·e_j`` and ``x + h·e_j``)
AXIS_SIDES = ("the left slope", "the right slope")
#: and along a JVP's tangent (``x ∓ h·t``): the tangent says which way is which, so "left" would be wrong
#: wherever ``t < 0``
TANGENT_SIDES = ("the slope from the −t side", "the slope from the +t side")


def kink_sides(P: Problem) -> tuple[str, str]:
    """The names of the check's one-sided derivatives: :data:`TANGENT_SIDES` for a JVP, else :data:`AXIS_SIDES`."""
    return TANGENT_SIDES if P.kind == "jvp" else AXIS_SIDES  # pragma: no mutate - == is `is` on interned literals


def one_sided(P: Problem, block: Block) -> Callable[..., Any]:
    """``fn(leaves, extra) -> (L, R)``: left and right derivatives of ``block``, batched over trials."""
    li = block.in_leaf

    if P.kind == "jvp":
        def one(lv: Any, ex: Any, sign: float) -> Any:
            args = as_args(P, upcast(P, lv))
            g, ps = wrt_function(P, args)
            # equivalent mutants (no mutate): one tangent per differentiated leaf, so strict= never matters
            t = diff_tree(P, [c.astype(jnp.result_type(p)) for c, p in
                               zip(ex["t"], jax.tree_util.tree_leaves(ps), strict=True)], ps)  # pragma: no mutate
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
        e = np.zeros(math.prod(x_shape))  # a scalar input (shape ()) has one entry: math.prod(()) = 1
        e[j] = 1.0
        E.append(e.reshape(x_shape))
        outs_idx.append(int(np.ravel_multi_index(idx[:out_nd], block.out_shape)) if out_nd else 0)
        R.append(0.1 * max(1.0, abs(float(np.asarray(x).ravel()[j]))))
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
        jump = (d > max(tol, 1e-3 * float(np.max(np.abs(g))))) & (d > JUMP_RATIO * np.maximum(left, right))
        out.append(bool(jump.any()))
    return out


def accept_kinks(P: Problem, bi: int, part: np.ndarray, L: np.ndarray, R: np.ndarray,
                  claimed: list[np.ndarray], ref: list[np.ndarray], ok: np.ndarray,
                  kink_info: dict[tuple[int, int], tuple[np.ndarray, np.ndarray]],
                  conventions: dict[tuple[int, int], list[tuple[str, str]]],
                  lo: np.ndarray | None = None,  # pragma: no mutate - annotations (PEP 563)
                  hi: np.ndarray | None = None) -> bool:  # pragma: no mutate - annotations (PEP 563)
    """Accept failing trials ``part`` of block ``bi`` whose mismatches all sit at kinks, between JAX's
    one-sided derivatives ``L``, ``R`` (``kinks="between"``), or within ``[lo, hi]``: the range of JAX's
    derivatives at the trial's ties broken in random orders (:func:`tie_broken`; at a three-way tie of
    ``sort`` the middle rank's entry has one-sided slopes 0 and 0 but is 1 for the tie broken with that
    entry in the middle). True when every trial was accepted."""
    tol = P.tol
    all_ok = True
    # equivalent mutants (no mutate): kinks is validated to "between" or "jax", and "jax" sorts after
    # "between", so <= is ==
    between = P.opts["kinks"] == "between"  # pragma: no mutate
    sides = kink_sides(P)
    for n, t in enumerate(part):
        c = claimed[bi][t].astype(np.float64)
        r = ref[bi][t].astype(np.float64)
        scale = float(np.max(np.abs(r)))  # a block that fails has entries
        tb = tol.bound(scale)
        tk = kink_tolerance(P.tol, P.tol_key, scale)
        low, high = np.minimum(L[n], R[n]), np.maximum(L[n], R[n])
        if lo is not None and hi is not None:
            low, high = np.minimum(low, lo[n]), np.maximum(high, hi[n])
        at_kink = np.abs(high - low) > tk
        kink_info[(bi, int(t))] = (L[n], R[n])
        good = np.abs(c - r) <= tb
        inside = (c >= low - tk) & (c <= high + tk)
        accepted = np.logical_or(good, at_kink & inside) if between else good
        if not np.all(np.logical_and(accepted, np.isfinite(c))):
            all_ok = False
            continue
        ok[bi, t] = True  # a failing trial whose entries that are not good all sit at kinks, accepted
        sel = at_kink & ~good
        conventions[(bi, int(t))] = [(classify(c_, L_, R_, tk, sides), classify(r_, L_, R_, tk, sides))
                                     for c_, r_, L_, R_ in zip(c[sel], r[sel], L[n][sel], R[n][sel],
                                                               strict=True)]  # pragma: no mutate - equal lengths
    return all_ok


def classify(c: float, L: float, R: float, tol: float, sides: tuple[str, str] = AXIS_SIDES) -> str:
    """Which of JAX's values at a kink ``c`` is: the left or right slope, their midpoint, or (at a tie) the
    derivative with the tie broken in another order. A JVP's one-sided derivatives are taken along ``−t``
    and ``+t``, not along an input's axis: its ``sides`` name them so (:data:`TANGENT_SIDES`).

    >>> classify(1.0, -1.0, 1.0, 1e-9), classify(0.0, -1.0, 1.0, 1e-9)
    ('the right slope', 'the midpoint')
    >>> classify(-1.0, -1.0, 1.0, 1e-9, TANGENT_SIDES)
    'the slope from the −t side'
    """
    if abs(c - L) <= tol:
        return sides[0]
    if abs(c - R) <= tol:
        return sides[1]
    if abs(c - (L + R) / 2) <= tol:
        return "the midpoint"
    if c != float(np.clip(c, min(L, R), max(L, R))):  # outside [L, R] (within tol of either returned above)
        return "the derivative at the tie broken in another order"
    return "a value between the slopes"


def has_ties(P: Problem, leaves: list[np.ndarray], t: int) -> bool:
    """Whether trial ``t`` holds two equal entries among its drawn float leaves."""
    v = np.concatenate([np.asarray(a[t], np.float64).ravel() for a, lf in zip(leaves, P.leaves, strict=True)
                        if lf.drawn and is_float(lf.dtype)] or [np.zeros(0)])
    return bool(np.unique(v).size < v.size)


def tie_broken(P: Problem, leaves: list[np.ndarray], extra: dict[str, Any], trials: list[int],
               breaks: int = TIE_BREAKS) -> dict[int, list[np.ndarray]]:
    """JAX's derivative, block by block, at ``breaks`` points near each trial of ``trials`` where every
    group of equal entries (across the drawn float leaves: ties inside one leaf, between two, and entries
    on one kink point) is spread apart, ``h = min(√ε·max(1, |value|), gap/(2·size))`` between neighbours
    (``gap``: the distance to the nearest other value of the trial, so no other order changes), in a random order:
    ``{trial: [per block (breaks, *block shape)]}``. Each is a derivative at a point arbitrarily close to
    the trial's, so every value between them is a limit of JAX's derivatives there (a generalized
    derivative), what ``kinks="between"`` accepts."""
    T = len(leaves[0])  # the trials: the batch the reference program was compiled for
    drawn = [i for i, lf in enumerate(P.leaves) if lf.drawn and is_float(lf.dtype)]
    rdt = [np.dtype(P.ref_dtype) if P.ref_dtype is not None else np.dtype(P.leaves[i].dtype) for i in drawn]
    idx = np.repeat(np.asarray(trials, dtype=int), breaks)
    rows = [a[idx].copy() for a in leaves]
    for i, dt in zip(drawn, rdt, strict=True):
        rows[i] = rows[i].astype(dt)
    for n, t in enumerate(trials):
        rng = np.random.default_rng([0x7E, int(t)])
        flat = [np.asarray(leaves[i][t], np.float64).ravel() for i in drawn]
        v = np.concatenate(flat)
        owner = np.concatenate([np.full(f.size, k) for k, f in enumerate(flat)])
        pos = np.concatenate([np.arange(f.size) for f in flat])
        distinct, inverse, counts = np.unique(v, return_inverse=True, return_counts=True)  # distinct is sorted
        steps = np.diff(distinct)
        gaps = np.minimum(np.r_[np.inf, steps], np.r_[steps, np.inf])  # to the nearest other value
        groups = [(u, np.flatnonzero(inverse == u)) for u in np.flatnonzero(counts > 1)]
        for s in range(breaks):
            offsets = [np.zeros(f.size) for f in flat]
            for u, g in groups:
                # a step the coarsest dtype among the tied entries registers, and that stays inside the gap to
                # the nearest other value, so no other order changes
                eps = max(float(jnp.finfo(rdt[owner[k]]).eps) for k in g)
                h = min(math.sqrt(eps) * max(1.0, abs(float(distinct[u]))), float(gaps[u]) / (2 * g.size))
                spread = rng.permutation(g.size) * h  # v, v + h, …, v + (n − 1)h: below v + gap/2
                for k, o in zip(g, spread, strict=True):
                    offsets[owner[k]][pos[k]] = o
            for k, i in enumerate(drawn):
                row = rows[i][n * breaks + s]
                rows[i][n * breaks + s] = (row.astype(np.float64) + offsets[k].reshape(row.shape)).astype(rdt[k])
    w = reference_rows(P, extra, idx, rows, T)
    return {int(t): [a[n * breaks:(n + 1) * breaks] for a in w] for n, t in enumerate(trials)}


def settle_kinks(P: Problem, blocks: list[Block], leaves: list[np.ndarray], extra: dict[str, Any],
                 edge: np.ndarray, claimed: list[np.ndarray], ref: list[np.ndarray], ok: np.ndarray,
                 kink_info: dict[tuple[int, int], tuple[np.ndarray, np.ndarray]],
                 conventions: dict[tuple[int, int], list[tuple[str, str]]]) -> None:
    """The kink rule over a run: in each block where only edge trials fail, JAX's one-sided derivatives
    of the failing trials (:func:`one_sided`), and for trials that hold ties and still fail, the range at
    the ties broken in random orders (:func:`tie_broken`); accepted trials are marked in ``ok`` and their
    conventions recorded (:func:`accept_kinks`)."""
    if P.kind not in ("gradient", "jacobian", "vjp", "jvp") or not P.dense or P.opts["kink_points"] is None:
        return
    broken: dict[int, list[np.ndarray]] = {}
    for bi, b in enumerate(blocks):
        fails = np.flatnonzero(~ok[bi])
        if not fails.size or (~edge[fails]).any():
            continue  # a trial away from any kink fails: no convention can excuse it
        fn = cached(P, ("one-sided", b.in_leaf, b.out_leaf), lambda b=b: one_sided(P, b))
        # equivalent mutants: the chunk size only groups failing trials for one compiled call; every
        # failing trial is still examined, whatever the size
        chunk = min(64, fails.size)  # pragma: no mutate
        for start in range(0, fails.size, chunk):  # stop at the first chunk that stays failing
            part = fails[start:start + chunk]
            idx = np.resize(part, chunk)  # padded with repeats to the compiled size; the padding rows are not read
            try:
                L, R = (np.asarray(a, np.float64) for a in fn(*jax.tree_util.tree_map(
                    lambda a, idx=idx: jnp.asarray(a[idx]), (leaves, extra))))
            except Exception:  # f not differentiable off the point: no kink information
                break
            if accept_kinks(P, bi, part, L, R, claimed, ref, ok, kink_info, conventions):
                continue
            left = np.asarray([n for n, t in enumerate(part) if not ok[bi, t] and has_ties(P, leaves, int(t))],
                              dtype=int)
            if not left.size:
                break
            need = [int(part[n]) for n in left if int(part[n]) not in broken]
            try:
                broken.update(tie_broken(P, leaves, extra, need) if need else {})
            # equivalent mutants (no mutate): a traced f raises for its program, not for a chunk's values, so
            # after one chunk raises every later one would: break and continue end alike
            except Exception:  # f not evaluable at the tie-broken points: no tie information
                break  # pragma: no mutate
            lo = np.stack([broken[int(part[n])][bi].min(axis=0) for n in left])
            hi = np.stack([broken[int(part[n])][bi].max(axis=0) for n in left])
            if not accept_kinks(P, bi, part[left], L[left], R[left], claimed, ref, ok, kink_info, conventions,
                                lo=lo, hi=hi):
                break
