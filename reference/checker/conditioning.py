"""Edge trials the checker built at inputs where f is singular or ill-conditioned: measured, and skipped.

An edge trial sets a third of the entries to a kink point (0) and ties others: a matrix argument then
often becomes singular or nearly so (a zero row, two equal columns). There a correct candidate computing
``np.linalg.inv(X)`` raises ``LinAlgError``, returns ``inf``, or disagrees with JAX by roundoff amplified
by the condition number; none of that is a wrong derivative, and the checker made the input. This module
decides, for the edge trials that still fail after the kink and tie rules, whether the disagreement is
explained by the conditioning of f's derivative at that input.

**The measure.** Both JAX and a backward-stable candidate compute the exact derivative ``r`` at an input
within a few units of roundoff of the trial's (relative to each entry); their difference is then at most
about what ``r`` does under such a perturbation. :func:`sensitivity` measures that: JAX's derivative at
``PERTURBATIONS`` inputs ``x' = x + δ·u(x)·d(x)``, with ``δ = 4·ε`` (``ε`` the candidate's precision,
float64 unless it is lower), ``u`` a pseudo-random function of the *value* in ``[−1, 1]`` and ``d(x)`` the
distance of the entry to the nearest kink point (``|x|`` for the default ``kink_points=(0,)``): a relative
perturbation that keeps every entry on a kink point on it (an exact 0 stays 0) and every tie a tie (equal
values move equally), so it crosses no kink the edge trial placed and measures roundoff sensitivity
only. That *structured* perturbation misses what a candidate's own roundoff does to a structure the
trial built (two rows equal in two columns: a QR-based inverse perturbs them unequally), so
``PERTURBATIONS`` *free* ones follow, independent per entry, of size ``δ·max(|x|, rms(x))`` (zeros moved,
ties broken), each repeated ``GROWTH`` (16) times larger: one counts only when its change grows with its
size (by at least 8×), as a smooth function's does; crossing a kink or breaking a tie makes a jump,
which stays the same at both sizes and is not counted. ``Δ`` is the largest counted change of JAX's
derivative (per block; ``inf`` when a structured one becomes non-finite). Not measured: a singularity fixed
by constants inside f (``inv(B + x₀·C)`` at ``x₀ = 0`` with ``B`` singular), which no input perturbation
reaches.

**The rule** (:func:`explained`). A failing edge trial is skipped when, in every failing block, the
candidate's finite disagreement is at most ``EXPLAIN·Δ`` (100 roundoff-sized perturbations' worth: the
candidate's own algorithm may lose more digits than 4ε, a wrong derivative is wrong by far more), or, for
a candidate that returned non-finite values or raised a numerical error there, when the input is
numerically singular: ``Δ ≥ SINGULAR·max|r|`` (a roundoff-sized change moves JAX's derivative by 1% or
more). Why this cannot hide a wrong candidate: at a well-conditioned input ``Δ`` is itself roundoff
(≈ ε·max|r|), so ``EXPLAIN·Δ`` stays far below the tolerance (rtol 1e−9 in float64) and nothing is
excused; an O(1) relative error is excused only where a 4ε change of the inputs moves the derivative by
1% (a sensitivity above 1e12), which is a singular input in all but name; only edge trials are ever
examined, and only when no ordinary trial fails, so a candidate wrong on ordinary inputs still fails on
them.
"""

from __future__ import annotations

import math
from typing import Any

import jax.numpy as jnp
import numpy as np

from .perturbed import reference_rows
from .problem import Block, Problem, is_float

__all__ = ["EXPLAIN", "GROWTH", "PERTURBATIONS", "SINGULAR", "condition_numbers",
           "condition_phrases", "explained", "perturb", "sensitivity", "what_the_checker_did"]


#: Perturbed inputs per examined trial.
PERTURBATIONS = 4

#: The free perturbations are repeated this many times larger: a smooth change grows about as much, a
#: jump (a kink crossed, a tie broken) does not.
GROWTH = 16.0

#: A finite disagreement up to this many times JAX's own roundoff sensitivity ``Δ`` is explained.
EXPLAIN = 100.0

#: A non-finite or raising candidate is excused where ``Δ`` reaches this fraction of ``max|JAX|``.
SINGULAR = 1e-2


def value_noise(x: np.ndarray, s: int) -> np.ndarray:
    """A pseudo-random number in ``[−1, 1]`` that depends only on the value of each entry (and ``s``):
    equal entries get equal numbers, so a perturbation built from it keeps ties.

    >>> u = value_noise(np.array([0.5, -1.0, 0.5]), 1)
    >>> bool(u[0] == u[2]) and bool(np.all(np.abs(u) <= 1))
    True
    """
    x = np.asarray(x, np.float64)
    with np.errstate(all="ignore"):
        y = np.sin(np.where(np.isfinite(x), x, 0.0) * 12.9898 + 78.233 * (s + 1)) * 43758.5453
    return 2.0 * (y - np.floor(y)) - 1.0


def perturb(P: Problem, x: np.ndarray, dtype: Any, s: int, free: bool = False, scale: float = 1.0) -> np.ndarray:
    """One perturbed copy of one trial's leaf ``x`` (module docstring), in ``dtype``, of relative size
    ``scale·δ``: *structured* (``free=False``: ``δ·u(x)·d(x)``, kink points and ties kept) or *free*
    (``free=True``: independent ``u`` per entry times ``max(|x|, rms(x))``, zeros and ties moved too)."""
    x64 = np.asarray(x, np.float64)
    delta = scale * 4.0 * float(jnp.finfo(P.tol_key).eps)
    if free:
        u = np.random.default_rng([0xC0DD, s]).uniform(-1.0, 1.0, x64.shape)
        size = np.maximum(np.abs(x64), float(np.sqrt(np.mean(x64 ** 2))) if x64.size else 0.0)
    else:
        points = np.asarray(P.opts["kink_points"] or (0.0,), np.float64)
        u = value_noise(x64, s)
        size = np.min(np.abs(x64[..., None] - points), axis=-1)
    return np.asarray(x64 + delta * u * size).astype(dtype)


def sensitivity(P: Problem, leaves: list[np.ndarray], extra: dict[str, Any], trials: list[int],
                ref: list[np.ndarray]) -> np.ndarray:
    """``Δ[block, k]``: how far JAX's derivative (each block) at trial ``trials[k]`` moves under roundoff-sized
    perturbations of the inputs, ``inf`` where it stops being finite (module docstring): the largest
    change over :data:`PERTURBATIONS` structured perturbations and over the free ones whose change grows
    with their size (smooth), not those that only cross a kink or break a tie (a jump)."""
    T = leaves[0].shape[0]
    kinds = ([(False, s, 1.0) for s in range(PERTURBATIONS)] + [(True, s, 1.0) for s in range(PERTURBATIONS)]
             + [(True, s, GROWTH) for s in range(PERTURBATIONS)])
    idx = np.repeat(np.asarray(trials, dtype=int), len(kinds))
    rows = []
    for a, lf in zip(leaves, P.leaves, strict=True):
        rows_a = a[idx].copy()
        if lf.drawn and is_float(lf.dtype):
            for k, t in enumerate(idx):
                free, s, scale = kinds[k % len(kinds)]
                rows_a[k] = perturb(P, a[t], a.dtype, s + 1000 * int(t), free=free, scale=scale)
        rows.append(rows_a)
    w = reference_rows(P, extra, idx, rows, T)
    change = np.zeros((len(ref), len(trials), len(kinds)))
    for bi, (wb, rb) in enumerate(zip(w, ref, strict=True)):
        with np.errstate(all="ignore"):
            base = rb[trials].astype(np.float64).reshape(len(trials), 1, -1)
            d = np.abs(wb.reshape(len(trials), len(kinds), -1) - base)
        change[bi] = np.where(np.isnan(d), np.inf, d).max(axis=2, initial=0.0)
    n = PERTURBATIONS
    structured = change[:, :, :n].max(axis=2)
    small, large = change[:, :, n:2 * n], change[:, :, 2 * n:]
    with np.errstate(all="ignore"):
        smooth = np.isfinite(large) & (large >= GROWTH / 2 * small)
    free = np.where(smooth, small, 0.0).max(axis=2)
    return np.maximum(structured, free)


def explained(P: Problem, blocks: list[Block], leaves: list[np.ndarray], extra: dict[str, Any],
              trials: list[int], claimed: list[np.ndarray], ref: list[np.ndarray], ok: np.ndarray,
              raised: set[int]) -> tuple[dict[int, float], dict[int, float]]:
    """Which of ``trials`` (failing edge trials, and ``raised``: those the candidate raised on) the
    conditioning of f explains (module docstring). Returns ``({trial: relative change}, {trial: relative
    change})``: the explained trials, and the others, each with ``max_b Δ_b / max|r_b|``."""
    D = sensitivity(P, leaves, extra, trials, ref)
    tol = P.tol
    yes: dict[int, float] = {}
    no: dict[int, float] = {}
    for k, t in enumerate(trials):
        good = True
        worst = 0.0
        for bi in range(len(blocks)):
            c = claimed[bi][t].astype(np.float64)
            r = ref[bi][t].astype(np.float64)
            scale = float(np.max(np.abs(r), initial=0.0))
            rel = D[bi, k] / scale if scale > 0 else (0.0 if D[bi, k] == 0 else math.inf)
            worst = max(worst, rel)
            if t not in raised and ok[bi, t]:
                continue
            with np.errstate(all="ignore"):
                e = float(np.max(np.abs(c - r), initial=0.0))
            finite = t not in raised and bool(np.isfinite(c).all()) and math.isfinite(e)
            if finite:
                good = good and e <= EXPLAIN * D[bi, k] + tol.atol
            else:
                good = good and not D[bi, k] < SINGULAR * scale
        (yes if good else no)[t] = worst
    return yes, no


def condition_numbers(P: Problem, leaves: list[np.ndarray], trials: list[int]) -> list[tuple[str, float]]:
    """The largest 2-norm condition number over ``trials`` of each drawn square-matrix leaf (last two axes
    equal), for the report: ``[(path, cond)]`` (``inf`` when singular)."""
    out = []
    for a, lf in zip(leaves, P.leaves, strict=True):
        if not (lf.drawn and is_float(lf.dtype)) or a.ndim < 3 or a.shape[-1] != a.shape[-2] or a.shape[-1] < 2:
            continue
        worst = 0.0
        for t in trials:
            try:
                with np.errstate(all="ignore"):
                    c = float(np.max(np.linalg.cond(np.asarray(a[t], np.float64)), initial=0.0))
            except np.linalg.LinAlgError:
                c = math.inf
            worst = max(worst, c if math.isfinite(c) else math.inf)
        out.append((lf.path, worst))
    return out


def condition_phrases(P: Problem, leaves: list[np.ndarray], trials: list[int]) -> list[str]:
    """:func:`condition_numbers` in words, for the notes: ``"A has condition ≈ 3e+18"`` (singular to working
    precision above float64's 1/ε = 4.5e15; the number says how far), or ``"A is singular"`` where it is
    infinite."""
    return [f"{path} has condition ≈ {c:.0e}" if math.isfinite(c) else f"{path} is singular"
            for path, c in condition_numbers(P, leaves, trials)]


def what_the_checker_did(P: Problem, leaves: list[np.ndarray], trials: list[int]) -> str:
    """``"set entries to 0 and tied entries"``: what the edge trials ``trials`` did to the inputs."""
    points = np.asarray(P.opts["kink_points"] or (), np.float64)
    at, tied = False, False
    drawn = [a for a, lf in zip(leaves, P.leaves, strict=True) if lf.drawn and is_float(lf.dtype)]
    for t in trials:
        xs = [np.asarray(a[t], np.float64).reshape(-1) for a in drawn]
        for i, x in enumerate(xs):
            off = x[~np.isin(x, points)]
            at = at or off.size < x.size
            tied = tied or np.unique(off).size < off.size
            tied = tied or any(y.size == x.size and bool(((x == y) & ~np.isin(x, points)).any()) for y in xs[:i])
    shown = ", ".join(f"{p:g}" for p in points)
    parts = ([f"set entries to {'the kink point' if points.size == 1 else 'the kink points'} {shown}"] if at else [])
    parts += ["tied entries"] if tied else []
    return " and ".join(parts) or "placed entries near the kink points"
