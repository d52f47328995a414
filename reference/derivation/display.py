r"""How a derivation's report writes values and Jacobians: short numbers, small arrays, structure.

>>> import numpy as np
>>> fmt(np.float64(6.0)), fmt(np.array([1.0, 0.5])), fmt(2 * np.eye(3)), fmt(np.ones((4, 5)))
('6', '[1, 0.5]', 'diag([2, 2, 2])', '4×5 array, max|·| 1')
>>> with_value("2 * x", "6"), with_value("2.0", "2"), arrow(("x", "u_1", "u_2"))
('2 * x = 6', '2', 'x → u_1 → u_2')
"""

from __future__ import annotations

from typing import Any

import numpy as np

from chainrule._structured import is_structured, todense

__all__ = ["arrow", "dense", "fmt", "fmt_number", "with_value"]


def dense(J: Any) -> np.ndarray:
    """A Jacobian (dense or structured) as a float64 NumPy array."""
    return np.asarray(todense(J), dtype=np.float64)


def fmt_number(v: float) -> str:
    """A number without noise: ``6`` for 6.0, six significant digits otherwise."""
    v = float(v)
    if v == 0:
        return "0"
    if not np.isfinite(v):
        return str(v)
    if v == int(v) and abs(v) < 1e12:
        return str(int(v))
    return f"{v:.6g}"


def fmt(a: Any) -> str:
    """A short display of a value or Jacobian: numbers for small arrays, shape and norm for big ones."""
    if is_structured(a):
        diagonal = getattr(a, "diagonal", None)
        if callable(diagonal):
            return f"diag({fmt(np.asarray(diagonal(), dtype=np.float64))})"
        a = dense(a)
    a = np.asarray(a, dtype=np.float64)
    if a.ndim == 0:
        return fmt_number(a)
    if a.ndim == 2 and a.shape[0] == a.shape[1] > 1 and not np.any(a - np.diag(np.diag(a))):
        return f"diag({fmt(np.diag(a))})"
    if a.size <= 6:
        if a.ndim == 1:
            return "[" + ", ".join(fmt_number(v) for v in a) + "]"
        if a.ndim == 2:
            return "[" + "; ".join(", ".join(fmt_number(v) for v in row) for row in a) + "]"
    finite = a[np.isfinite(a)]
    peak = fmt_number(np.abs(finite).max()) if finite.size else "nan"
    return f"{'×'.join(map(str, a.shape))} array, max|·| {peak}"


def with_value(formula: str, value: str) -> str:
    """``2x = 6``; just ``2`` when the formula is the number itself."""
    try:
        same = float(formula) == float(value)
    except ValueError:
        same = formula == value
    return value if same else f"{formula} = {value}"


def arrow(path: tuple[str, ...]) -> str:
    """A dataflow path as text: ``x → u_1 → u_2``."""
    return " → ".join(path)
