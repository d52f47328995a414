r"""The derivation's comparisons, all through the one engine :func:`chainrule.reference.checker.compare.errors`.

A derivation is checked in float64 with ``TOLERANCES["float64"]``; its points are the engine's trials
(leading axis). :func:`measure` stacks one quantity over the points, :func:`agrees` compares one array.

>>> import numpy as np
>>> abs_err, rel_err, ok = measure([np.array(3.0), np.array(6.0)], np.array([6.0, 6.0]))
>>> abs_err.tolist(), rel_err.tolist(), ok.tolist()
([3.0, 0.0], [0.5, 0.0], [False, True])
>>> agrees(np.eye(2), np.eye(2) + 1e-13), TOLERANCE.rtol
(True, 1e-09)
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np

from ..checker import compare
from ..tolerances import TOLERANCES, Tolerance

__all__ = ["TOLERANCE", "agrees", "measure"]

#: The tolerance a derivation is checked with: float64's row of the one table.
TOLERANCE: Tolerance = TOLERANCES["float64"]


def measure(claimed: Sequence[Any] | np.ndarray, reference: np.ndarray,
            tol: Tolerance = TOLERANCE) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Per point (leading axis): ``(abs error, rel error, ok)`` of ``claimed`` against ``reference``."""
    c = np.stack([np.asarray(v, dtype=np.float64) for v in claimed]) if isinstance(claimed, Sequence) \
        else np.asarray(claimed, dtype=np.float64)
    abs_err, rel_err, ok, _ = compare.errors(c, np.asarray(reference, dtype=np.float64), tol)
    return abs_err, rel_err, ok


def agrees(claimed: Any, reference: Any, tol: Tolerance = TOLERANCE) -> bool:
    """Whether one array (no point axis) agrees with the reference within ``tol``."""
    c, r = np.asarray(claimed, dtype=np.float64), np.asarray(reference, dtype=np.float64)
    return bool(measure(c[None], r[None], tol)[2][0])
