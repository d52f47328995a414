"""Ties: where two arguments of one shape are equal, the candidate's two partials must add up to JAX's
derivative along the tie direction ``(e_j, e_j)``.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from typing import Any

import jax
import jax.numpy as jnp
import numpy as np

from ..tolerances import kink_tolerance
from .compare import as_rows
from .problem import Block, Problem
from .programs import as_args, cached, padded_size, upcast

__all__ = ["check_ties", "directional", "one_sided_rates", "tie_directional", "tie_message", "tie_pairs"]


def tie_pairs(P: Problem, blocks: list[Block]) -> list[tuple[int, int]]:
    """Pairs of dense blocks of one output whose inputs are two differentiated leaves of one shape: at a
    tie between them (equal values at an index), their two partials move together."""
    if P.kind not in ("gradient", "jacobian", "vjp") or not P.dense:
        return []
    pairs = []
    for ia, a in enumerate(blocks):
        for ib in range(ia + 1, len(blocks)):  # pragma: no mutate - equivalent: a == b is skipped below
            b = blocks[ib]
            # equivalent mutant (no mutate): the blocks of one output come in leaf order, so a.in_leaf > b.in_leaf
            # never holds here and >= is ==
            one_leaf = a.in_leaf == b.in_leaf  # pragma: no mutate
            # (a dense gradient's, Jacobian's or VJP's blocks each have an input leaf and are not products)
            if one_leaf or a.out_leaf != b.out_leaf or tuple(a.in_shape) != tuple(b.in_shape):
                continue
            pairs.append((ia, ib))
    return pairs


# equivalent mutants (no mutate): `int | None` is an annotation, a string under `from __future__ import
# annotations`, never evaluated
def directional(P: Problem, ins: tuple[int, ...], out_leaf: int | None) -> Callable[..., Any]:  # pragma: no mutate
    """``fn(leaves, extra, E) -> (D−, D+)``, batched: JAX's derivative of ``s ↦ f(… x_i + s·E_i …)`` at
    ``s = −h`` and ``s = +h``, where ``x_i`` are the leaves ``ins`` (global leaf indices) and ``E`` one
    direction per leaf of ``ins`` (the tie direction: ones at the tied entries), ``h = √ε·max(1, |x|)``
    over the moved entries: the one-sided directional derivatives along ``E``, flattened over the
    output (a scalar for a gradient, ``ctᵀ·(…)`` for a VJP, output leaf ``out_leaf`` for a Jacobian)."""

    def one(lv: Any, ex: Any, E: Any, sign: float) -> Any:
        up = upcast(P, lv)
        xs = [up[i] for i in ins]
        E = [e.astype(x.dtype) for e, x in zip(E, xs, strict=True)]
        # equivalent mutants (no mutate): xs and E are built leaf for leaf, so strict=False zips the same pairs
        big = jnp.max(jnp.stack([jnp.max(jnp.abs(x) * (e != 0), initial=0.0)  # pragma: no mutate
                                 for x, e in zip(xs, E, strict=True)]))  # pragma: no mutate
        h = jnp.sqrt(jnp.finfo(xs[0].dtype).eps) * jnp.maximum(1.0, big)

        def g(s: Any) -> Any:
            ls = list(up)
            for i, x, e in zip(ins, xs, E, strict=True):
                ls[i] = x + s.astype(x.dtype) * e
            return jax.tree_util.tree_leaves(P.f(*as_args(P, ls)))

        outs = jax.jvp(g, (sign * h,), (jnp.ones((), h.dtype),))[1]
        match P.kind:  # a match, not ==: `is` and `==` agree on the kinds' interned literals
            case "gradient":
                (out,) = outs  # a gradient's f is one scalar: its one-entry vector
                return out[None]
            case "vjp":
                pairs = zip(outs, ex["ct"], strict=True)  # pragma: no mutate - one ct per output: strict= moot
                return jnp.reshape(sum(jnp.sum(o * c.astype(o.dtype)) for o, c in pairs), (-1,))
            case _:
                return jnp.reshape(outs[out_leaf], (-1,))

    return jax.jit(jax.vmap(lambda lv, ex, E: (one(lv, ex, E, -1.0), one(lv, ex, E, 1.0))))


def tie_directional(P: Problem, A: Block, B: Block) -> Callable[..., Any]:
    """``fn(leaves, extra, e) -> (D−, D+)``, batched: JAX's derivative of ``s ↦ f(x + s·e, y + s·e)`` at
    ``s = −h`` and ``s = +h`` (``x``, ``y`` the inputs of ``A`` and ``B``, ``e`` one-hot at the tied
    index, ``h = √ε·max(1, |x_j|)``): the one-sided directional derivatives along the tie direction,
    flattened over the output (a scalar for a gradient, ``ctᵀ·(…)`` for a VJP)."""
    # equivalent mutant (and → or): an invariant every caller keeps (both blocks have an input leaf)
    assert A.in_leaf is not None and B.in_leaf is not None  # pragma: no mutate
    fn = directional(P, (A.in_leaf, B.in_leaf), A.out_leaf)
    return lambda lv, ex, e: fn(lv, ex, [e, e])


def check_ties(P: Problem, blocks: list[Block], leaves: list[np.ndarray], extra: dict[str, Any],
                claimed: list[np.ndarray], ref: list[np.ndarray], ok: np.ndarray,
                accepted: dict[tuple[int, int], list[tuple[str, str]]]) -> tuple[dict[tuple[int, int], str], int]:
    """At a tie ``x_j = y_j`` of two differentiated arguments of one shape, each claimed partial was
    accepted on its own between its one-sided slopes; together they must also lie between JAX's
    one-sided derivatives along the tie direction ``t = (e_j, e_j)``: ``D− ≤ ∂f/∂x_j + ∂f/∂y_j ≤ D+``
    (for ``maximum(x, y)``: ``1 ≤ sum ≤ 1``, so ``(½, ½)``, ``(1, 0)``, ``(0, 1)`` pass and ``(1, 1)``
    fails). Checked on the trials accepted at a kink, at the tied entries where the candidate differs
    from JAX, and only at ties away from the kink points: where both arguments also sit on a kink of
    their own (``|x| − |y|`` at ``x = y = 0``) each partial may follow its own convention (the claim is
    still a generalized gradient), so the sum rule is not required there. Marks failing trials in
    ``ok`` (both blocks) and returns ``{(block, trial): diagnosis}`` and the number of tied entries
    checked."""
    tol = P.tol
    info: dict[tuple[int, int], str] = {}
    checked = 0
    for ia, ib in tie_pairs(P, blocks):
        A, B = blocks[ia], blocks[ib]
        trials = sorted({t for (bi, t) in accepted if bi in (ia, ib) and ok[ia, t] and ok[ib, t]})
        items: list[tuple[int, int]] = []
        for t in trials:
            xa, xb = np.ravel(leaves[A.in_leaf][t]), np.ravel(leaves[B.in_leaf][t])
            tied = np.flatnonzero((xa == xb) & ~np.isin(xa, np.asarray(P.opts["kink_points"], xa.dtype)))
            if not tied.size:
                continue
            m = math.prod(A.out_shape)  # a failing block has entries: never 0
            ca, ra = (as_rows(a[t].astype(np.float64), m) for a in (claimed[ia], ref[ia]))
            cb, rb = (as_rows(a[t].astype(np.float64), m) for a in (claimed[ib], ref[ib]))
            # equivalent mutants (the initial values): this bound only picks which tied entries to examine;
            # a floor of 1 instead of 0 moves it by rtol, below any difference a tie produces
            tb = tol.bound(max(float(np.max(np.abs(ra), initial=0.0)),  # pragma: no mutate
                               float(np.max(np.abs(rb), initial=0.0))))  # pragma: no mutate
            differs = np.logical_or(np.abs(ca - ra) > tb, np.abs(cb - rb) > tb)[:, tied].any(axis=0)
            items.extend((t, int(j)) for j in tied[differs])
        if not items:
            continue
        checked += len(items)
        fn = cached(P, ("tie", A.in_leaf, B.in_leaf, A.out_leaf), lambda A=A, B=B: tie_directional(P, A, B))
        n_in = max(1, math.prod(A.in_shape))
        size = padded_size(len(items))
        idx = [items[min(k, len(items) - 1)] for k in range(size)]
        ts = np.asarray([t for t, _ in idx])
        E = np.zeros((size, n_in))
        E[np.arange(size), [j for _, j in idx]] = 1.0
        try:
            Dm, Dp = (np.asarray(a, np.float64) for a in fn(
                [jnp.asarray(a[ts]) for a in leaves], {k: [jnp.asarray(a[ts]) for a in v] for k, v in extra.items()},
                jnp.asarray(E.reshape((size, *A.in_shape)))))
        except Exception:  # f not differentiable along the tie: no tie information
            continue
        for k, (t, j) in enumerate(items):
            if not ok[ia, t]:
                continue  # this trial already failed at an earlier tie (which marks both blocks)
            m = math.prod(A.out_shape)  # a failing block has entries: never 0
            ca, ra = (as_rows(a[t].astype(np.float64), m)[:, j] for a in (claimed[ia], ref[ia]))
            cb, rb = (as_rows(a[t].astype(np.float64), m)[:, j] for a in (claimed[ib], ref[ib]))
            scale = max(float(np.max(np.abs(ref[ia][t]), initial=0.0)), float(np.max(np.abs(ref[ib][t]), initial=0.0)))
            tk = kink_tolerance(tol, P.tol_key, scale, terms=2)
            lo, hi = np.minimum(Dm[k], Dp[k]), np.maximum(Dm[k], Dp[k])
            total = ca + cb
            # outside [lo − tk, hi + tk], or not finite (clip moves an inf to a bound, and NaN ≠ NaN)
            bad = total != np.clip(total, lo - tk, hi + tk)
            if not bad.any():
                continue
            o = int(np.flatnonzero(bad)[0])
            ok[ia, t] = ok[ib, t] = False
            info[(ia, t)] = info[(ib, t)] = tie_message(P, A, B, o, j, t, ca[o], cb[o], ra[o], rb[o],
                                                         float(lo[o]), float(hi[o]))
    return info, checked


def one_sided_rates(lo: float, hi: float) -> str:
    """JAX's derivatives along a tie direction from its two sides, in words.

    >>> one_sided_rates(1.0, 1.0), one_sided_rates(0.0, 1.0)
    ('1 from either side', '0 from one side and 1 from the other')
    """
    if math.isclose(hi, lo, rel_tol=1e-9, abs_tol=1e-9):
        return f"{lo:.6g} from either side"
    return f"{lo:.6g} from one side and {hi:.6g} from the other"


def tie_message(P: Problem, A: Block, B: Block, o: int, j: int, t: int, ca: float, cb: float,
                 ra: float, rb: float, lo: float, hi: float) -> str:
    """The diagnosis of partials that do not add up at a tie (output entry ``o``, input entry ``j``)."""
    def index(flat: int, shape: tuple[int, ...]) -> str:  # "[i, j]", or "" for a scalar
        return f"[{', '.join(str(int(i)) for i in np.unravel_index(flat, shape))}]" if shape else ""

    a, b = P.leaves[A.in_leaf].path, P.leaves[B.in_leaf].path
    at = index(j, tuple(A.in_shape))
    match P.kind:  # a match, not ==: `is` and `==` agree on the kinds' interned literals
        case "jacobian":
            out = A.name[1:A.name.index("/∂")] + index(o, tuple(A.out_shape))
        case "vjp":
            out = "(ctᵀf)"
        case _:
            out = "f"
    return (f"wrong at a tie: where {a}{at} = {b}{at} (trial {t + 1}), the candidate's ∂{out}/∂{a}{at} + "
            f"∂{out}/∂{b}{at} = {ca:.6g} + {cb:.6g} = {ca + cb:.6g}, but JAX's derivative along the tie "
            f"direction ({a}{at} and {b}{at} moved together) is {one_sided_rates(lo, hi)} "
            f"(JAX's partials: {ra:.6g} + {rb:.6g}); "
            "each partial alone lies between its one-sided slopes, but at a tie the two must add up to the "
            "derivative along the tie")
