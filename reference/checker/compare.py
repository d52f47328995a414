"""The comparison: how far a claimed derivative is from JAX's, trial by trial, and whether it passes.

Every caller compares through :func:`errors` with a tolerance from the one table,
:data:`chainrule.reference.tolerances.TOLERANCES`: ``check_*``, ``chainrule verify``,
``Derivation.check()`` and the benchmarks' correctness check.

Per trial, with ``r`` JAX's block and ``c`` the claimed one (leading axis = trial):
``abs = max|c − r|`` (a NaN difference counts as ∞), ``rel = abs / max|r|`` (normwise; ``abs`` when
``r = 0``), and the trial passes when ``abs ≤ atol + rtol·max|r|`` and every claimed entry is finite.

>>> import numpy as np
>>> from chainrule.reference.tolerances import TOLERANCES
>>> abs_err, rel_err, ok, scale = errors(np.array([[1.0, 2.0]]), np.array([[1.0, 2.0 + 1e-12]]),
...                                      TOLERANCES["float64"])
>>> bool(ok[0]), float(abs_err[0]) < 1e-11
(True, True)
>>> bool(errors(np.array([[2.0]]), np.array([[1.0]]), TOLERANCES["float64"])[2][0])
False
"""

from __future__ import annotations

import numpy as np

from ..tolerances import TOLERANCES, Tolerance

__all__ = ["TOLERANCES", "Tolerance", "agree", "as_rows", "errors"]


def as_rows(a: np.ndarray, rows: int) -> np.ndarray:
    """``a`` as ``rows`` rows of its entries in C order: ``a.reshape(rows, a.size // rows)``, written out
    rather than with ``-1`` (NumPy 2 reads any negative size as −1, so a mutated ``-1`` goes unseen).

    >>> as_rows(np.arange(6.0).reshape(2, 3, 1), 2).shape
    (2, 3)
    """
    return a.reshape(rows, a.size // rows)


def errors(claimed: np.ndarray, reference: np.ndarray,
           tol: Tolerance) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Per trial (leading axis): ``(abs error, rel error, ok, scale)`` of ``claimed`` against ``reference``.

    ``claimed`` and ``reference`` have the same shape ``(trials, *block)``; values are compared in
    float64. ``scale = max|reference|`` per trial; ``ok`` is the pass rule with ``tol``.
    """
    claimed, reference = np.asarray(claimed), np.asarray(reference)
    if claimed.shape != reference.shape:
        raise ValueError(f"errors: claimed has shape {claimed.shape}, the reference {reference.shape}; "
                         "compare blocks of one shape (leading axis = trial)")
    claimed, reference = np.atleast_1d(claimed), np.atleast_1d(reference)  # a bare scalar: one trial
    T = len(reference)
    c2 = as_rows(claimed, T).astype(np.float64)
    r2 = as_rows(reference, T).astype(np.float64)
    with np.errstate(all="ignore"):
        diff = np.abs(c2 - r2)
        diff = np.where(np.isnan(diff), np.inf, diff)
        abs_err = diff.max(axis=1, initial=0.0)
        scale = np.abs(r2).max(axis=1, initial=0.0)
        rel = abs_err / np.where(scale > 0, scale, 1.0)  # a zero (or NaN) scale: the absolute error itself
        ok = (abs_err <= tol.bound(scale)) & np.isfinite(c2).all(axis=1)
    return abs_err, rel, ok, scale


def agree(claimed: np.ndarray, reference: np.ndarray, dtype: str = "float64") -> bool:
    """Whether one claimed array (no trial axis) agrees with the reference within ``TOLERANCES[dtype]``.

    The benchmarks' correctness check: one answer against the baseline's.

    >>> import numpy as np
    >>> agree(np.ones(3), np.ones(3) * (1 + 1e-12)), agree(np.ones(3), np.full(3, 2.0))
    (True, False)
    """
    if dtype not in TOLERANCES:
        raise ValueError(f"dtype: expected one of {sorted(TOLERANCES)}, got {dtype!r}")
    c, r = np.asarray(claimed), np.asarray(reference)
    if c.shape != r.shape:
        return False
    return bool(errors(c[None], r[None], TOLERANCES[dtype])[2][0])
