"""The checker: the one comparison engine behind ``check_*``, ``chainrule verify``, ``Derivation.check()``
and the benchmarks' correctness check.

* :mod:`.compare`: the error measures and the pass rule of one block of one trial, with the one
  tolerance table (:data:`chainrule.reference.tolerances.TOLERANCES`).
"""

from __future__ import annotations

__all__: list[str] = []
