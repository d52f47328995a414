"""The one table of tolerances, keyed by dtype: shared by verify, the validation helpers and Derivation.

A trial passes when ``max|claimed − reference| ≤ atol + rtol·max|reference|`` (normwise). Tolerances are
never scaled silently by problem size; a caller that wants other values passes them explicitly.

>>> TOLERANCES["float64"]
Tolerance(rtol=1e-09, atol=1e-12)
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np

__all__ = ["KINK_SLACK", "TOLERANCES", "Tolerance", "kink_tolerance"]


@dataclass(frozen=True)
class Tolerance:
    """Normwise tolerance: a trial passes when ``max|c − r| ≤ atol + rtol·max|r|``."""

    rtol: float
    atol: float

    def bound(self, scale: Any) -> Any:
        """``atol + rtol·scale``: the largest ``|c − r|`` that passes at entry scale ``scale = max|r|``
        (a float, or an array of scales, one per trial).

        >>> TOLERANCES["float32"].bound(10.0)
        0.002001
        """
        return self.atol + self.rtol * scale

    def bound_for(self, reference: Any) -> float:
        """:meth:`bound` at the scale of ``reference``: ``atol + rtol·max|reference|`` (``atol`` when empty).

        >>> f"{TOLERANCES['float64'].bound_for([-3.0, 2.0]):.4g}"
        '3.001e-09'
        """
        return self.bound(float(np.max(np.abs(np.asarray(reference, np.float64)), initial=0.0)))


#: One table of tolerances, keyed by dtype; never scaled silently. The catalog verifies in float64 and
#: float32; float16 and bfloat16 serve the validation helpers (:mod:`chainrule.reference.check`), which judge a
#: low-precision candidate against a float64 reference.
TOLERANCES: dict[str, Tolerance] = {
    "float64": Tolerance(rtol=1e-9, atol=1e-12),
    "float32": Tolerance(rtol=2e-4, atol=1e-6),
    "float16": Tolerance(rtol=1e-2, atol=1e-3),
    "bfloat16": Tolerance(rtol=5e-2, atol=1e-2),
}


#: How far beyond JAX's one-sided derivatives a derivative at a kink (or a tie's sum) may lie, relative to
#: ``max(1, max|JAX|)``: the one-sided derivatives are JAX's derivatives a step ``√ε·max(1, |x|)`` from the
#: kink, so they carry that step's curvature error (about √ε·|f''|; 1.5e-8 in float64, 3.5e-4 in float32).
KINK_SLACK: dict[str, float] = {"float64": 1e-6, "float32": 1e-3, "float16": 1e-3, "bfloat16": 1e-3}


def kink_tolerance(tol: Tolerance, dtype: str, scale: float, terms: int = 1) -> float:
    """The tolerance at a kink: ``terms·(atol + rtol·scale) + KINK_SLACK[dtype]·max(scale, 1)``.

    ``tol`` is the check's tolerance (its own ``rtol``/``atol`` where the caller passed them), ``dtype`` the
    key of its row, ``scale`` the entry scale ``max|JAX|`` of the trial and ``terms`` the number of compared
    values summed (2 for a tie's two partials).

    >>> kink_tolerance(TOLERANCES["float64"], "float64", 3.0)
    3.003001e-06
    >>> kink_tolerance(TOLERANCES["float32"], "float32", 0.5, terms=2)
    0.001202
    """
    return terms * tol.bound(scale) + KINK_SLACK[dtype] * max(scale, 1.0)
