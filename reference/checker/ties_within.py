"""Ties inside one argument: where entries of one leaf are equal (``max(x)``, a max-pooling window, ``sort``,
``top_k``), the candidate's shares of the tied entries must add up to JAX's derivative along the tie
direction (all the tied entries moved together).

Per entry, the kink rule accepts any value between JAX's one-sided slopes: at a tie ``x_i = x_j = max(x)``
each of ``∂max/∂x_i`` and ``∂max/∂x_j`` lies in ``[0, 1]``, so a max-pool backward that routes the
gradient to *every* tied maximum (``1 + 1``) passes entry by entry. But moving the tied entries together
changes the maximum at rate 1: a subgradient splits that rate among them (all to one, JAX's equal parts,
any non-negative shares adding up to it). :func:`check_ties_within` groups the equal values of one leaf
in a trial the candidate disagrees on, and requires, per output entry (a scalar for a gradient,
``ctᵀf`` for a VJP), ``D− ≤ Σ_{j∈G} ∂f/∂x_j ≤ D+``, where ``D∓`` are JAX's one-sided derivatives of
``s ↦ f(x + s·1_G)`` (:func:`~chainrule.reference.checker.ties.directional`).

Why the rule is sound for the derivatives one writes by hand: the kinks a tie creates are functions of the
*differences* of the tied entries (``max(x_i, x_j) = x_j + relu(x_i − x_j)``), constant along ``1_G``,
so any valid convention at them (``c·(e_i − e_j)``) adds nothing to the sum, which then equals the
derivative along the tie exactly. Groups on a kink point (``x_i = x_j = 0``) are left to the kink rule:
there each entry may sit on a kink of its own (``|x_i| − |x_j|``) and follow its own convention, as for
ties between two arguments (:mod:`~chainrule.reference.checker.ties`). Only trials a kink already
excused are examined (the candidate differs from JAX there), so a passing run that agrees with JAX costs
nothing.
"""

from __future__ import annotations

import math
from typing import Any

import jax.numpy as jnp
import numpy as np

from ..tolerances import kink_tolerance
from .compare import as_rows
from .problem import Block, Problem
from .programs import cached, padded_size
from .ties import directional, one_sided_rates

__all__ = ["MAX_SHOWN", "check_ties_within", "tie_groups", "within_message"]


#: The most tied entries a diagnosis names one by one.
MAX_SHOWN = 6


def tie_groups(x: np.ndarray, points: tuple[float, ...]) -> list[np.ndarray]:
    """The groups (sorted flat indices) of two or more equal, finite entries of one trial's leaf ``x``,
    except groups whose value is a kink point.

    >>> [g.tolist() for g in tie_groups(np.array([0.5, 0.0, 0.5, 0.0, 2.0, 0.5]), (0.0,))]
    [[0, 2, 5]]
    """
    flat = np.ravel(x)
    if flat.size < 2:
        return []
    order = np.argsort(flat, kind="stable")
    vals = flat[order]
    starts = np.flatnonzero(np.concatenate([[True], vals[1:] != vals[:-1]]))
    ends = np.concatenate([starts[1:], [vals.size]])
    kinks = np.asarray(points, dtype=flat.dtype)
    return [np.sort(order[s:e]) for s, e in zip(starts, ends, strict=True)
            if e - s >= 2 and np.isfinite(vals[s]) and not np.isin(vals[s], kinks)]


def check_ties_within(P: Problem, blocks: list[Block], leaves: list[np.ndarray], extra: dict[str, Any],
                       claimed: list[np.ndarray], ref: list[np.ndarray], ok: np.ndarray,
                       accepted: dict[tuple[int, int], list[tuple[str, str]]],
                       ) -> tuple[dict[tuple[int, int], str], int]:
    """The tie rule inside one leaf, on the trials accepted at a kink (``accepted``, still ``ok``): for each
    group ``G`` of equal entries of the block's input leaf (away from the kink points) where the candidate
    differs from JAX, the candidate's sum over ``G`` must lie between JAX's one-sided derivatives along
    ``1_G``, per output entry. Marks failing trials in ``ok`` and returns ``{(block, trial): diagnosis}``
    and the number of tied groups checked."""
    if P.kind not in ("gradient", "jacobian", "vjp") or not P.dense:
        return {}, 0
    tol = P.tol
    points = tuple(P.opts["kink_points"] or ())
    info: dict[tuple[int, int], str] = {}
    checked = 0
    for bi, b in enumerate(blocks):
        li = b.in_leaf
        assert li is not None  # a dense gradient's, Jacobian's or VJP's blocks each have an input leaf
        m = math.prod(b.out_shape)  # a failing block has entries: never 0
        items: list[tuple[int, np.ndarray]] = []
        for t in sorted(t for (bj, t) in accepted if bj == bi and ok[bi, t]):
            c, r = (as_rows(a[t].astype(np.float64), m) for a in (claimed[bi], ref[bi]))
            tb = tol.bound_for(r)
            differs = np.abs(c - r) > tb  # pragma: no mutate - equivalent: > vs >= differ only at |c − r| = tb
            items.extend((t, g) for g in tie_groups(leaves[li][t], points) if differs[:, g].any())
        if not items:
            continue
        checked += len(items)
        fn = cached(P, ("tie-within", li, b.out_leaf), lambda li=li, b=b: directional(P, (li,), b.out_leaf))
        n_in = max(1, math.prod(b.in_shape))
        size = padded_size(len(items))
        idx = [items[min(k, len(items) - 1)] for k in range(size)]
        ts = np.asarray([t for t, _ in idx])
        E = np.zeros((size, n_in))
        for k, (_, g) in enumerate(idx):
            E[k, g] = 1.0
        try:
            Dm, Dp = (as_rows(np.asarray(a, np.float64), size) for a in fn(
                [jnp.asarray(a[ts]) for a in leaves], {k: [jnp.asarray(a[ts]) for a in v] for k, v in extra.items()},
                [jnp.asarray(E.reshape((size, *b.in_shape)))]))
        except Exception:  # f not differentiable along the tie: no tie information
            continue
        for k, (t, g) in enumerate(items):
            if not ok[bi, t]:
                continue  # this trial already failed at an earlier tie
            c, r = (as_rows(a[t].astype(np.float64), m) for a in (claimed[bi], ref[bi]))
            scale = float(np.max(np.abs(r), initial=0.0))
            tk = g.size * kink_tolerance(tol, P.tol_key, scale, terms=2)
            lo, hi = np.minimum(Dm[k], Dp[k]), np.maximum(Dm[k], Dp[k])
            total = c[:, g].sum(axis=1)
            # outside [lo − tk, hi + tk], or not finite (clip moves an inf to a bound, and NaN ≠ NaN)
            bad = total != np.clip(total, lo - tk, hi + tk)
            if not bad.any():
                continue
            o = int(np.flatnonzero(bad)[0])
            ok[bi, t] = False
            info[(bi, t)] = within_message(P, b, o, g, t, leaves[li][t], c[o, g], r[o, g], float(lo[o]),
                                           float(hi[o]), tb=tol.bound(scale))
    return info, checked


def within_message(P: Problem, b: Block, o: int, g: np.ndarray, t: int, x: np.ndarray, c: np.ndarray,
                    r: np.ndarray, lo: float, hi: float, tb: float) -> str:
    """The diagnosis of shares that do not add up at a tie inside one leaf: output entry ``o``, tied flat
    indices ``g`` of the block's input ``x`` (one trial), the candidate's shares ``c`` and JAX's ``r``."""
    def index(flat: int, shape: tuple[int, ...]) -> str:  # "[i, j]", or "" for a scalar
        return f"[{', '.join(str(int(i)) for i in np.unravel_index(flat, shape))}]" if shape else ""

    assert b.in_leaf is not None
    name = P.leaves[b.in_leaf].path
    shape = tuple(b.in_shape)
    if P.kind == "jacobian":
        out = b.name[1:b.name.index("/∂")] + index(o, tuple(b.out_shape))
        what = f"∂{out}"
    elif P.kind == "vjp":
        out, what = "ctᵀf", "the cotangent"
    else:
        out, what = "f", "the gradient"
    active = np.flatnonzero((np.abs(c) > tb) | (np.abs(r) > tb))  # entries f depends on (or the candidate claims)
    if active.size < 2:
        active = np.arange(g.size)
    shown = active[:MAX_SHOWN]
    more = active.size > MAX_SHOWN  # the rest elided as "…"; the message counts them
    names = [f"{name}{index(int(g[j]), shape)}" for j in shown]
    value = float(np.max(np.asarray(x).ravel()[g]))  # the tied entries' one value
    where = " = ".join(names) + (" = …" if more else "") + f" = {value:.6g}"
    routed = int((np.abs(c[active]) > tb).sum())
    if routed == active.size:
        route = f"routes {what} to all {active.size} tied entries"
    else:
        route = f"gives shares to {routed} of the {active.size} tied entries"
    shares = " + ".join(f"{v:.6g}" for v in c[shown]) + (" + …" if more else "")
    jax_shares = " + ".join(f"{v:.6g}" for v in r[shown]) + (" + …" if more else "")
    total = float(c[active].sum())
    return (f"wrong at a tie: where {where} (trial {t + 1}; {g.size} equal entries of {name}), the candidate "
            f"{route}: shares {shares} = {total:.6g}, but moving them together changes {out} "
            f"at rate {one_sided_rates(lo, hi)} "
            f"(JAX's shares: {jax_shares}); each share alone lies between its one-sided slopes, but the "
            "shares of tied entries must add up to the rate along the tie (all to one of them, or split "
            "among them)")
