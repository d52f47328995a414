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
constant factor            ``c ≈ k·r`` for one ``k``, written as people write it (``2``, ``1/2``, ``√2``,
                           ``1/√3``: :func:`chainrule.reference.numbers.readable`); ``−1`` is a sign
                           flip; ``N``, ``1/N``, ``√N``, ``1/√N`` (``N`` a dimension of the inputs) named
one entry                  exactly one entry differs
diagonal                   ``r − c`` is non-zero on the diagonal only (an element-wise term)
one row or column          the wrong entries lie in one row (output entry) or column (input entry)
a few entries              at most 3 (or 5 %) of the entries differ, and the others agree
dropped term               ``r − c`` is a rank-one outer product ``u vᵀ``; or rank one within each
                           slice along an axis (block-diagonal over an axis the output and input
                           share: softmax per row, a normalization per feature; or per output or
                           input slice); or of rank 2 or 3
close but not exact        relative error below 1e-2 (a rounded constant, low-precision arithmetic)
wrong in part              fewer than half of the entries differ (the others agree)
=========================  ======================================================================

The "others agree" of the last rows is said only when some entries do agree.

>>> import numpy as np
>>> r = np.array([[1.0, 2.0], [3.0, 4.0], [5.0, 6.0]])
>>> diagnose_values(2 * r, r, out_shape=(3,), in_shape=(2,))
'off by a constant factor 2'
>>> diagnose_shape(r.T, r, out_shape=(3,), in_shape=(2,))
"transposed (denominator layout): claimed (2, 3) is the transpose of JAX's (3, 2)"
>>> s = np.array([[0.2, 0.3, 0.5], [0.6, 0.3, 0.1]])     # softmax of each of two rows
>>> J, wrong = np.zeros((2, 3, 2, 3)), np.zeros((2, 3, 2, 3))
>>> for i in range(2):                                       # its −s sᵀ term dropped
...     J[i, :, i, :], wrong[i, :, i, :] = np.diag(s[i]) - np.outer(s[i], s[i]), np.diag(s[i])
>>> print(diagnose_values(wrong, J, out_shape=(2, 3), in_shape=(2, 3)))  # doctest: +NORMALIZE_WHITESPACE
dropped term: JAX − candidate is a rank-one outer product u vᵀ within each of the 2 slices along axis 0 (of
the output and the input; zero between slices): a missing or extra outer-product term per slice (like a row
softmax's −s sᵀ, or a normalization's variance path?)
"""

from __future__ import annotations

import math

import numpy as np

from ..numbers import MINUS, readable

__all__ = ["MINUS", "constant_factor", "describe_factor", "diagnose_shape", "diagnose_values", "worst_entries"]


def _close(a: np.ndarray, b: np.ndarray, rtol: float) -> bool:
    """Normwise closeness: ``max|a − b| ≤ rtol·max(|b|)`` (and both empty or both zero)."""
    if a.shape != b.shape:
        return False
    scale = float(np.max(np.abs(b), initial=0.0))
    if not (np.all(np.isfinite(a)) and np.all(np.isfinite(b))):
        return False
    # equivalent mutants (no mutate): the initial value counts only for an empty difference, where 0 and −1
    # are both within the bound
    diff = np.abs(a - b)
    gap = float(np.max(diff, initial=0.0))  # pragma: no mutate
    return gap <= rtol * scale + 1e-300


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
        if _close(t, r, rtol):  # False for a transpose of another shape
            continue  # JAX's own array is symmetric: a transpose cannot be told apart
        if _close(c, t, rtol):
            return True
    return False


def constant_factor(c: np.ndarray, r: np.ndarray, rtol: float = 1e-6
                    ) -> float | None:  # pragma: no mutate - equivalent: an annotation, never evaluated (PEP 563)
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


#: Factors that are a function of a dimension ``N``, and what they suggest.
_DIM_FACTORS = (
    (lambda n: n, "N", "a missing 1/N, a sum where a mean belongs?"),
    (lambda n: 1 / n, "1/N", "an extra mean over N?"),
    (lambda n: math.sqrt(n), "√N", "a missing 1/√N scaling, like attention's 1/√d?"),
    (lambda n: 1 / math.sqrt(n), "1/√N", "an extra 1/√N scaling, like attention's 1/√d?"),
)


def _dims_text(a: float, dims: tuple[int, ...], tol: float) -> str:
    """`` (= 1/N with N = 4: …)`` when ``a`` is a simple function of one of the dimensions ``dims``."""
    for form, name, why in _DIM_FACTORS:
        for n in dims:
            if not _dims_hint(n, dims) or ("√" in name and math.sqrt(n).is_integer()):  # √N a whole number
                continue
            if abs(form(n) - a) <= tol * a:
                return f" (= {name} with N = {n}: {why})"
    return ""


def describe_factor(k: float, dims: tuple[int, ...] = (), tol: float = 1e-6) -> str:
    """Name a constant factor: ``sign flipped (factor −1)``, ``off by a constant factor 2``, ``1/N``, ``√2``, ….

    The factor is written as people write numbers (:func:`chainrule.reference.numbers.readable`, within
    relative ``tol``), and named ``N``, ``1/N``, ``√N`` or ``1/√N`` when it is one of those for a
    dimension ``N > 2`` of the inputs (``dims``; ``√N`` only when ``N`` is not a square).

    >>> describe_factor(-1.0), describe_factor(0.25, dims=(4, 3))
    ('sign flipped (factor −1)', 'off by a constant factor 1/4 (= 1/N with N = 4: an extra mean over N?)')
    >>> describe_factor(0.5), describe_factor(2 ** 0.5), describe_factor(-2.0)
    ('off by a constant factor 1/2', 'off by a constant factor √2', 'sign flipped and off by a constant factor −2')
    >>> describe_factor(3 ** -0.5, dims=(3, 5))
    "off by a constant factor 1/√3 (= 1/√N with N = 3: an extra 1/√N scaling, like attention's 1/√d?)"
    >>> describe_factor(3.1416 / math.pi)
    'close but not exact: off by a constant factor 1.0000023 (relative error 2.3e-06)'
    >>> describe_factor(0.999)
    'close but not exact: off by a constant factor 0.999 (relative error 1.0e-03)'
    """
    if abs(k + 1.0) <= 1e-6:
        return f"sign flipped (factor {MINUS}1)"
    if abs(k - 1.0) < 1e-2:
        # digits enough to show where k leaves 1 (1.0000023, not 1), at least 6
        digits = max(6, 2 - math.floor(math.log10(abs(k - 1.0)))) if k != 1.0 else 6
        return (f"close but not exact: off by a constant factor {k:.{digits}g} (relative error {abs(k - 1):.1e})"
                .replace("factor -", f"factor {MINUS}"))
    sign = "sign flipped and " if k < 0 else ""
    return f"{sign}off by a constant factor {readable(k, tol)}{_dims_text(abs(k), dims, tol)}"


def worst_entries(c: np.ndarray, r: np.ndarray, count: int = 5) -> list[tuple[tuple[int, ...], float, float]]:
    """The ``count`` entries of largest ``|c − r|`` (non-finite ones first): ``(index, c, r)``."""
    c64, r64 = np.asarray(c, np.float64), np.asarray(r, np.float64)
    with np.errstate(invalid="ignore", over="ignore"):
        diff = np.abs(c64 - r64)
    diff = np.where(np.isfinite(diff), diff, np.inf).ravel()
    order = np.argsort(-diff, kind="stable")[:count]  # empty for arrays without entries: then no entries
    c_flat, r_flat = c64.ravel(), r64.ravel()
    out = []
    for flat in order:
        idx = tuple(int(i) for i in np.unravel_index(int(flat), c64.shape)) if c64.ndim else ()
        out.append((idx, float(c_flat[flat]), float(r_flat[flat])))
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
    # a candidate with one axis more than JAX's, that axis a batch's (_close is False unless the sum or mean
    # over the axis has JAX's shape)
    for axis in range(c.ndim):
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


#: The largest Jacobian (entries) whose difference is factored to look for a dropped term.
MAX_FACTORED = 1_000_000

#: What a dropped outer-product term usually is, for the messages.
_OUTER_HINT = "like a row softmax's −s sᵀ, or a normalization's variance path"


def _rank(d2: np.ndarray, floor: float, rel: float) -> int:
    """The numerical rank of ``d2``: singular values above ``floor`` and ``rel`` times the largest.

    ``d2`` is never empty: every caller passes a block of at least 2 × 2 (``_low_rank`` returns early below that).
    """
    s = np.linalg.svd(d2, compute_uv=False)  # descending: s[0] is the largest, so s[0] <= floor gives 0
    return int(np.sum(s > max(rel * s[0], floor)))


def _axis_name(kind: str, axis: int, shape: tuple[int, ...]) -> str:
    return f"{kind} axis {axis}" if len(shape) > 1 else kind


def _low_rank(d: np.ndarray, out_shape: tuple[int, ...], in_shape: tuple[int, ...], tol: float,
              rel: float) -> str | None:  # pragma: no mutate - equivalent: annotations only, never evaluated
    """``r − c`` as a sum of few outer products: rank one overall, rank one within each slice along an
    axis (block-diagonal over a shared output/input axis, or per output or input slice), or rank 2–3."""
    m, n = math.prod(out_shape), math.prod(in_shape)
    if m < 2 or n < 2 or m * n > MAX_FACTORED:
        return None
    floor = tol * math.sqrt(m + n)
    d2 = d.reshape(m, n)
    rank = _rank(d2, floor, rel)
    if rank == 1:
        return ("dropped term: JAX − candidate is a rank-one outer product u vᵀ "
                "(a missing outer-product term, like softmax's −s sᵀ?)")
    no = len(out_shape)
    # block-diagonal along an axis the output and the input share, a rank-one block in each slice
    for a, k in enumerate(out_shape):
        for b, k2 in enumerate(in_shape):
            if k < 2 or k2 != k or m < 2 * k or n < 2 * k:  # each slice at least 2 × 2
                continue
            x = np.moveaxis(d, (a, no + b), (0, 1)).reshape(k, k, m // k, n // k)
            off = x.copy()
            off[np.arange(k), np.arange(k)] = 0.0
            if float(np.max(np.abs(off))) > tol:
                continue
            if max(_rank(x[j, j], floor, rel) for j in range(k)) == 1:
                where = (f"axis {a} (of the output and the input; zero between slices)"
                         if a == b and no == len(in_shape)
                         else f"output axis {a} and input axis {b} (zero between slices)")
                return (f"dropped term: JAX − candidate is a rank-one outer product u vᵀ within each of the {k} "
                        f"slices along {where}: a missing or extra outer-product term per slice ({_OUTER_HINT}?)")
    # rank one within each output slice, or each input slice
    for kind, shape, offset, rows in (("output", out_shape, 0, True), ("input", in_shape, no, False)):
        for a, k in enumerate(shape):
            if k < 2 or (m if rows else n) < 2 * k:  # fewer than 2 rows (columns) per slice
                continue
            x = np.moveaxis(d, offset + a, 0)
            x = x.reshape(k, m // k, n) if rows else x.reshape(k, m, n // k)
            if max(_rank(x[j], floor, rel) for j in range(k)) == 1:
                return (f"dropped term: JAX − candidate is a rank-one outer product u vᵀ for each of the {k} "
                        f"indices along {_axis_name(kind, a, shape)}: a missing or extra outer-product term per "
                        f"{kind} slice ({_OUTER_HINT}?)")
    # equivalent mutants (no mutate): 1 <= rank is the same test, since rank 1 returned above
    if 2 <= rank <= 3 and 2 * rank <= min(m, n):  # pragma: no mutate
        return (f"dropped term: JAX − candidate has rank {rank} (of at most {min(m, n)}): a missing or extra "
                f"term made of {rank} outer products?")
    return None


def _one_line(bad: np.ndarray, out_shape: tuple[int, ...],
              in_shape: tuple[int, ...]) -> str | None:  # pragma: no mutate - equivalent: annotations only
    """Every wrong entry in one row (one output entry) or one column (one input entry) of the Jacobian."""
    m, n = math.prod(out_shape), math.prod(in_shape)
    if m < 2 or n < 2:
        return None
    b2 = bad.reshape(m, n)
    rows, cols = np.flatnonzero(b2.any(axis=1)), np.flatnonzero(b2.any(axis=0))
    if len(cols) == 1:
        j = tuple(int(i) for i in np.unravel_index(int(cols[0]), in_shape))
        return (f"wrong only in the derivatives with respect to input entry {j} (one column of the "
                f"Jacobian, {len(rows)} of its {m} entries; the others agree)")
    if len(rows) == 1:
        i = tuple(int(v) for v in np.unravel_index(int(rows[0]), out_shape))
        return (f"wrong only in the derivatives of output entry {i} (one row of the Jacobian, "
                f"{len(cols)} of its {n} entries; the others agree)")
    return None


def diagnose_values(c: np.ndarray, r: np.ndarray, *, out_shape: tuple[int, ...],
                    # equivalent mutants: every caller passes the check's rtol and atol; these defaults
                    # are the float64 row of TOLERANCES for direct calls
                    in_shape: tuple[int, ...], dims: tuple[int, ...] = (), rtol: float = 1e-9,  # pragma: no mutate
                    atol: float = 1e-12, pattern_rtol: float = 1e-6) -> str:  # pragma: no mutate
    """Name the mistake when ``c`` and ``r`` have one shape but differ (see the module's table).

    ``rtol``/``atol`` decide which entries are wrong; ``pattern_rtol`` how exactly a pattern (factor,
    transpose) must hold; ``dims`` are the inputs' dimension sizes, to recognize ``N`` and ``1/N``.
    """
    c, r = np.asarray(c, np.float64), np.asarray(r, np.float64)
    bad_finite = np.logical_and(~np.isfinite(c), np.isfinite(r))
    if bad_finite.any():
        where = np.argwhere(bad_finite)
        idx = [tuple(int(i) for i in ix) for ix in where[:3]]
        more = f", … ({len(where)} entries)" if len(where) > 3 else ""
        return f"non-finite values (NaN or inf where JAX is finite) at {', '.join(map(str, idx))}{more}"
    if not np.all(np.isfinite(r)):
        at = np.argwhere(~np.isfinite(r))
        more = f", … ({len(at)} entries)" if len(at) > 3 else ""
        where = ", ".join(str(tuple(int(i) for i in ix)) for ix in at[:3])
        return (f"JAX's derivative is not finite at {where}{more}: the inputs left f's domain "
                "(declare one), nothing to compare there")
    scale = float(np.max(np.abs(r), initial=0.0))
    tol = atol + rtol * scale
    # equivalent mutants (no mutate): c has r's shape, not empty once scale > tol, so the initial value never counts
    c_max = float(np.max(np.abs(c), initial=0.0))  # pragma: no mutate
    if scale > tol and c_max <= tol:
        return "zero where JAX is not (derivative missing)"
    if _transposed(c, r, tuple(out_shape), tuple(in_shape), pattern_rtol):
        return "transposed (denominator layout)"
    k = constant_factor(c, r, pattern_rtol)
    if k is not None:
        return describe_factor(k, dims)
    with np.errstate(invalid="ignore"):
        bad = ~(np.abs(c - r) <= tol)  # a NaN difference (NaN or inf on both sides) is wrong, as in errors()
    nbad = int(bad.sum())
    if nbad == 0:  # pragma: no mutate - equivalent: a count is never negative, so <= 0 is == 0
        return (f"no difference: every entry agrees within atol + rtol·max|JAX| = {tol:.3g} "
                "(the failure is not in these values)")
    d = r - c
    where = ", ".join(str(tuple(int(i) for i in ix)) for ix in np.argwhere(bad)[:4])
    if nbad == 1:
        return f"one wrong entry at {where}"
    if out_shape and tuple(out_shape) == tuple(in_shape):
        n = math.prod(out_shape)
        d2 = d.reshape(n, n)
        off = d2 - np.diag(np.diag(d2))
        if n > 1 and float(np.max(np.abs(off))) <= tol:  # so the wrong entries are on the diagonal
            return ("dropped term: wrong on the diagonal only (the off-diagonal entries agree): "
                    "a missing or extra element-wise term")
    # equivalent mutants (no mutate): nbad ≥ 2 here (0 and 1 returned above), so 0 < nbad and 1 < nbad agree
    one = _one_line(bad, tuple(out_shape), tuple(in_shape)) if 0 < nbad < bad.size else None  # pragma: no mutate
    if one is not None:
        return one
    if nbad < bad.size and (nbad <= 3 or nbad <= 0.05 * bad.size):
        more = ", …" if nbad > 4 else ""
        return f"{nbad} wrong entries of {bad.size} at {where}{more} (the others agree)"
    low = _low_rank(d, tuple(out_shape), tuple(in_shape), tol, max(1e-6, pattern_rtol))
    if low is not None:
        return low
    # equivalent mutants (no mutate): scale is a max of absolute values, never negative, so > 0 is != 0
    rel = float(np.max(np.abs(d))) / scale if scale > 0 else math.inf  # pragma: no mutate
    if rel < 1e-2:
        return (f"close but not exact: relative error {rel:.1e} (tolerance rtol {rtol:g}): a rounded "
                "constant, or lower-precision arithmetic in the candidate?")
    if nbad <= bad.size / 2:  # up to half the entries: a part of the derivative
        return (f"wrong in {nbad} of {bad.size} entries (the others agree): a dropped or extra term "
                "in part of the derivative?")
    return "no simple pattern (not a constant factor, a transpose, a few entries or a dropped outer product)"
