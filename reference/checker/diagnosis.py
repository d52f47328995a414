"""Name the kind of mistake a wrong derivative makes, from the candidate's array and JAX's.

Pure NumPy, no JAX: each function takes one block of one trial (``claimed`` ``c`` and JAX's ``r``, in
numerator layout ``out.shape + in.shape``) and returns a short phrase, or ``None`` when its pattern is
absent. :func:`diagnose_shape` explains a shape mismatch, :func:`diagnose_values` a value mismatch of
equal shapes, trying the patterns in this order:

=========================  ======================================================================
pattern                    test
=========================  ======================================================================
non-finite values          ``c`` is NaN or ±inf where ``r`` is finite
zero where JAX is not      ``c ≈ 0`` everywhere and ``r`` is not (a missing argument's derivative)
transposed                 ``c`` equals ``r`` with its out and in axes swapped (denominator layout)
constant factor            ``c ≈ k·r`` for one ``k``: ``−1`` is a sign flip; ``2``, ``1/2``, ``N``, ``1/N``
                           (``N`` a dimension of the inputs) are named
one or a few entries       one entry differs, or at most 3 (or 5 %) of them
dropped term               ``r − c`` is non-zero on the diagonal only, or is a rank-one outer product
close but not exact        relative error below 1e-2 (a rounded constant, low-precision arithmetic)
=========================  ======================================================================

>>> import numpy as np
>>> r = np.array([[1.0, 2.0], [3.0, 4.0], [5.0, 6.0]])
>>> diagnose_values(2 * r, r, out_shape=(3,), in_shape=(2,))
'off by a constant factor 2'
>>> diagnose_shape(r.T, r, out_shape=(3,), in_shape=(2,))
"transposed (denominator layout): claimed (2, 3) is the transpose of JAX's (3, 2)"
"""

from __future__ import annotations

import math
from fractions import Fraction

import numpy as np

__all__ = ["constant_factor", "describe_factor", "diagnose_shape", "diagnose_values", "worst_entries"]

MINUS = "\u2212"


def _close(a: np.ndarray, b: np.ndarray, rtol: float) -> bool:
    """Normwise closeness: ``max|a − b| ≤ rtol·max(|b|)`` (and both empty or both zero)."""
    if a.shape != b.shape:
        return False
    scale = float(np.max(np.abs(b), initial=0.0))
    if not (np.all(np.isfinite(a)) and np.all(np.isfinite(b))):
        return False
    return float(np.max(np.abs(a - b), initial=0.0)) <= rtol * scale + 1e-300


def _denominator(r: np.ndarray, out_shape: tuple[int, ...], in_shape: tuple[int, ...]) -> np.ndarray:
    """JAX's Jacobian in denominator layout: ``in.shape + out.shape``."""
    m, n = math.prod(out_shape), math.prod(in_shape)
    return r.reshape(m, n).T.reshape(tuple(in_shape) + tuple(out_shape))


def _transposed(c: np.ndarray, r: np.ndarray, out_shape: tuple[int, ...], in_shape: tuple[int, ...],
                rtol: float) -> bool:
    """Is ``c`` JAX's ``r`` transposed (out and in axes swapped, or a matrix gradient's transpose)?"""
    if r.size < 2:
        return False
    candidates = []
    if out_shape and in_shape:
        candidates.append(_denominator(r, out_shape, in_shape))
    if r.ndim >= 2:  # a gradient (or block) of a matrix: all axes reversed
        candidates.append(np.transpose(r))
    for t in candidates:
        if c.shape != t.shape:
            continue
        if t.shape == r.shape and _close(t, r, rtol):
            continue  # JAX's own array is symmetric: a transpose cannot be told apart
        if _close(c, t, rtol):
            return True
    return False


def constant_factor(c: np.ndarray, r: np.ndarray, rtol: float = 1e-6) -> float | None:
    """The ``k`` with ``c ≈ k·r`` (normwise within ``rtol``), or ``None``; ``k ≠ 1``."""
    c, r = np.asarray(c, np.float64), np.asarray(r, np.float64)
    if c.shape != r.shape or not (np.all(np.isfinite(c)) and np.all(np.isfinite(r))):
        return None
    scale = float(np.max(np.abs(r), initial=0.0))
    if scale == 0.0:
        return None
    mask = np.abs(r) > 1e-3 * scale
    k = float(np.median(c[mask] / r[mask]))
    if k == 0.0 or not math.isfinite(k):
        return None
    if float(np.max(np.abs(c - k * r))) <= rtol * abs(k) * scale and abs(k - 1.0) > rtol:
        return k
    return None


def _dims_hint(q: int, dims: tuple[int, ...]) -> bool:
    """Is ``q`` a dimension worth naming as ``N``? (2 is too common a factor to blame on a size.)"""
    return q > 2 and q in dims


def describe_factor(k: float, dims: tuple[int, ...] = ()) -> str:
    """Name a constant factor: ``sign flipped (factor −1)``, ``off by a constant factor 2``, ``1/N``, ….

    >>> describe_factor(-1.0), describe_factor(0.25, dims=(4, 3))
    ('sign flipped (factor −1)', 'off by a constant factor 1/4 (= 1/N with N = 4: an extra mean over N?)')
    """
    if abs(k + 1.0) <= 1e-6:
        return f"sign flipped (factor {MINUS}1)"
    if abs(k - 1.0) < 1e-2:
        return f"close but not exact: off by a constant factor {k:.6g} (relative error {abs(k - 1):.1e})"
    sign = "sign flipped and " if k < 0 else ""
    a = abs(k)
    frac = Fraction(a).limit_denominator(64)
    if frac.numerator <= 64 and abs(float(frac) - a) <= 1e-6 * a:
        p, q = frac.numerator, frac.denominator
        text = str(p) if q == 1 else ("0.5" if (p, q) == (1, 2) else f"{p}/{q}")
        shown = f"{MINUS if k < 0 else ''}{text}"
        hint = ""
        if p == 1 and _dims_hint(q, dims):
            hint = f" (= 1/N with N = {q}: an extra mean over N?)"
        elif q == 1 and _dims_hint(p, dims):
            hint = f" (= N with N = {p}: a missing 1/N, a sum where a mean belongs?)"
        return f"{sign}off by a constant factor {shown}{hint}"
    return f"{sign}off by a constant factor {MINUS if k < 0 else ''}{a:.6g}"


def worst_entries(c: np.ndarray, r: np.ndarray, count: int = 5) -> list[tuple[tuple[int, ...], float, float]]:
    """The ``count`` entries of largest ``|c − r|`` (non-finite ones first): ``(index, c, r)``."""
    c64, r64 = np.asarray(c, np.float64), np.asarray(r, np.float64)
    with np.errstate(invalid="ignore", over="ignore"):
        diff = np.abs(c64 - r64)
    diff = np.where(np.isfinite(diff), diff, np.inf).reshape(-1)
    if diff.size == 0:
        return []
    order = np.argsort(-diff, kind="stable")[:count]
    out = []
    for flat in order:
        idx = tuple(int(i) for i in np.unravel_index(int(flat), c64.shape)) if c64.ndim else ()
        out.append((idx, float(c64.reshape(-1)[flat]), float(r64.reshape(-1)[flat])))
    return out


def diagnose_shape(c: np.ndarray, r: np.ndarray, *, out_shape: tuple[int, ...],
                   in_shape: tuple[int, ...], rtol: float = 1e-6) -> str:
    """Explain why ``c.shape != r.shape``: transposed, flattened, a missing batch sum, or just wrong."""
    c, r = np.asarray(c, np.float64), np.asarray(r, np.float64)
    cs, rs = tuple(c.shape), tuple(r.shape)
    if _transposed(c, r, tuple(out_shape), tuple(in_shape), rtol):
        return f"transposed (denominator layout): claimed {cs} is the transpose of JAX's {rs}"
    if c.size == r.size and c.size and _close(c.reshape(rs), r, rtol):
        return f"wrong shape: claimed {cs}, JAX {rs} (the values match after reshaping: flattened?)"
    if c.ndim == r.ndim + 1:
        for axis in range(c.ndim):
            if cs[:axis] + cs[axis + 1:] == rs:
                if _close(c.sum(axis=axis), r, rtol):
                    return (f"wrong shape: claimed {cs}, JAX {rs}; summing the candidate over axis "
                            f"{axis} gives JAX's (a batch dimension's sum is missing)")
                if _close(c.mean(axis=axis), r, rtol):
                    return (f"wrong shape: claimed {cs}, JAX {rs}; averaging the candidate over "
                            f"axis {axis} gives JAX's (a batch dimension's mean is missing)")
    try:
        np.broadcast_shapes(cs, rs)
        broadcasts = True
    except ValueError:
        broadcasts = False
    if broadcasts:
        return (f"wrong shape: claimed {cs}, JAX {rs} (they broadcast together, but a derivative "
                f"of shape {cs} is not one of shape {rs})")
    layout = (f" (numerator layout: out.shape + in.shape = {tuple(out_shape) + tuple(in_shape)})"
              if out_shape and in_shape else "")
    return f"wrong shape: claimed {cs}, JAX {rs}{layout}"


def _rank_one(d: np.ndarray, out_shape: tuple[int, ...], in_shape: tuple[int, ...]) -> bool:
    m, n = math.prod(out_shape), math.prod(in_shape)
    if m < 2 or n < 2 or m * n > 1_000_000:
        return False
    s = np.linalg.svd(d.reshape(m, n), compute_uv=False)
    return bool(s[0] > 0 and s[1] <= 1e-6 * s[0])


def diagnose_values(c: np.ndarray, r: np.ndarray, *, out_shape: tuple[int, ...],
                    in_shape: tuple[int, ...], dims: tuple[int, ...] = (), rtol: float = 1e-9,
                    atol: float = 1e-12, pattern_rtol: float = 1e-6) -> str:
    """Name the mistake when ``c`` and ``r`` have one shape but differ (see the module's table).

    ``rtol``/``atol`` decide which entries are wrong; ``pattern_rtol`` how exactly a pattern (factor,
    transpose) must hold; ``dims`` are the inputs' dimension sizes, to recognize ``N`` and ``1/N``.
    """
    c, r = np.asarray(c, np.float64), np.asarray(r, np.float64)
    bad_finite = ~np.isfinite(c) & np.isfinite(r)
    if bad_finite.any():
        idx = [tuple(int(i) for i in ix) for ix in np.argwhere(bad_finite)[:3]]
        return f"non-finite values (NaN or inf where JAX is finite) at {', '.join(map(str, idx))}"
    scale = float(np.max(np.abs(r), initial=0.0))
    tol = atol + rtol * scale
    if scale > tol and float(np.max(np.abs(c), initial=0.0)) <= tol:
        return "zero where JAX is not (derivative missing)"
    if _transposed(c, r, tuple(out_shape), tuple(in_shape), pattern_rtol):
        return "transposed (denominator layout)"
    k = constant_factor(c, r, pattern_rtol)
    if k is not None:
        return describe_factor(k, dims)
    bad = np.abs(c - r) > tol
    nbad = int(bad.sum())
    d = r - c
    where = ", ".join(str(tuple(int(i) for i in ix)) for ix in np.argwhere(bad)[:4])
    if nbad == 1:
        return f"one wrong entry at {where}"
    if out_shape and tuple(out_shape) == tuple(in_shape):
        n = math.prod(out_shape)
        d2 = d.reshape(n, n)
        off = d2 - np.diag(np.diag(d2))
        if n > 1 and float(np.max(np.abs(off))) <= tol and float(np.max(np.abs(np.diag(d2)))) > tol:
            return ("dropped term: wrong on the diagonal only (the off-diagonal entries agree): "
                    "a missing or extra element-wise term")
    if 0 < nbad and (nbad <= 3 or nbad <= 0.05 * bad.size):
        more = ", …" if nbad > 4 else ""
        return f"{nbad} wrong entries of {bad.size} at {where}{more} (the others agree)"
    if _rank_one(d, tuple(out_shape), tuple(in_shape)):
        return ("dropped term: JAX − candidate is a rank-one outer product u vᵀ "
                "(a missing outer-product term, like softmax's −s sᵀ?)")
    rel = float(np.max(np.abs(d))) / scale if scale > 0 else math.inf
    if rel < 1e-2:
        return (f"close but not exact: relative error {rel:.1e} (tolerance rtol {rtol:g}): a rounded "
                "constant, or lower-precision arithmetic in the candidate?")
    if nbad < bad.size / 2 and nbad:
        return (f"wrong in {nbad} of {bad.size} entries (the others agree): a dropped or extra term "
                "in part of the derivative?")
    return "no simple pattern (not a constant factor, a transpose, a few entries or a dropped outer product)"
