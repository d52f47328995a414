"""The checker: the one comparison engine behind ``check_*``, ``chainrule verify``, ``Derivation.check()``
and the benchmarks' correctness check.

* :mod:`.compare`: the error measures and the pass rule of one block of one trial, with the one
  tolerance table (:data:`chainrule.reference.tolerances.TOLERANCES`);
* :mod:`.problem` (what a call asked), :mod:`.custom_rules` (user ``custom_vjp``/``custom_jvp`` rules
  inlined in the reference), :mod:`.precision` (low-precision examples run in float64 when the
  candidate accepts it), :mod:`.drawing` (trials, edge trials, ties), :mod:`.programs` (the compiled
  ``jit(vmap)`` programs, chunked to the memory budget), :mod:`.engine` (one check at one set of
  shapes), :mod:`.hints` (misuse: what to change);
* :mod:`.judge` with :mod:`.kinks`, :mod:`.ties`, :mod:`.ties_within`, :mod:`.conditioning` and
  :mod:`.perturbed` (JAX's health, kinks, ties, ill-conditioned edge trials), :mod:`.witnesses`;
* :mod:`.blame` and :mod:`.diagnosis` (the kind of mistake), :mod:`.shrinking`, :mod:`.outcome` and
  :mod:`.report` (the :class:`~chainrule.reference.checker.report.CheckReport`).
"""

from __future__ import annotations

__all__: list[str] = []
