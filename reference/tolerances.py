"""The one table of tolerances, keyed by dtype: shared by verify, the validation helpers and Derivation.

A trial passes when ``max|claimed − reference| ≤ atol + rtol·max|reference|`` (normwise). Tolerances are
never scaled silently by problem size; a caller that wants other values passes them explicitly.

>>> TOLERANCES["float64"]
Tolerance(rtol=1e-09, atol=1e-12)
"""

from __future__ import annotations

from dataclasses import dataclass

__all__ = ["TOLERANCES", "Tolerance"]


@dataclass(frozen=True)
class Tolerance:
    """Normwise tolerance: a trial passes when ``max|c − r| ≤ atol + rtol·max|r|``."""

    rtol: float
    atol: float


#: One table of tolerances, keyed by dtype; never scaled silently. The catalog verifies in float64 and
#: float32; float16 and bfloat16 serve the validation helpers (:mod:`chainrule.reference.check`), which judge a
#: low-precision candidate against a float64 reference.
TOLERANCES: dict[str, Tolerance] = {
    "float64": Tolerance(rtol=1e-9, atol=1e-12),
    "float32": Tolerance(rtol=2e-4, atol=1e-6),
    "float16": Tolerance(rtol=1e-2, atol=1e-3),
    "bfloat16": Tolerance(rtol=5e-2, atol=1e-2),
}
