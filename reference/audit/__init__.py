"""``chainrule audit``: JAX's own derivative rules, swept over their domains and edges against an independent
witness (:mod:`chainrule.reference.witness`), listing where JAX is wrong.

The registry (:data:`REGISTRY`) holds one record per JAX function (:class:`~.spec.AuditFunction`): its source
text, its arguments' shapes and domains, its edge points. :func:`audit` runs :func:`~.sweep.sweep` on each:
JAX's ``jax.jvp`` and ``jax.vjp``/``jax.grad`` at every point and argument, beside the witness's estimate
from values of ``f`` alone. A finding is a point where the witness is decided and JAX misses its bound
(plus ``atol + rtol·|w|``) by the witness's margin; at kinks and ties the one-sided slopes disagree, the
witness is undecided, and the convention JAX picked is not a finding.

>>> from chainrule.reference.audit import REGISTRY, select
>>> len(REGISTRY) >= 200
True
>>> [f.name for f in select("jss.i0")]
['jss.i0']
>>> [f.name for f in select("jss.i0*")]
['jss.i0', 'jss.i0e']
"""

from __future__ import annotations

import fnmatch
import time
from collections.abc import Callable

from .registry_arrays import NN, REDUCTIONS
from .registry_elementwise import ELEMENTWISE
from .registry_linalg import LINALG
from .registry_special import SPECIAL, STATS
from .report import AuditReport, Finding, FunctionResult
from .spec import AuditFunction

__all__ = ["FAMILIES", "REGISTRY", "AuditFunction", "AuditReport", "Finding", "FunctionResult", "audit", "select"]

#: Every audited function, in the order the table lists them.
REGISTRY: tuple[AuditFunction, ...] = (*ELEMENTWISE, *NN, *SPECIAL, *STATS, *REDUCTIONS, *LINALG)

#: The families, as ``-k`` accepts them.
FAMILIES = tuple(dict.fromkeys(f.family for f in REGISTRY))


def select(pattern: str | None, registry: tuple[AuditFunction, ...] = REGISTRY) -> list[AuditFunction]:
    """The functions matching ``pattern``, in registry order: comma-separated terms, each a function's exact
    name (``jss.i0``, not ``jss.i0e``), else a family (``special``), else a glob over whole names
    (``jss.i0*``), else a substring of names (``bessel``); ``None`` or ``""`` selects everything."""
    if not pattern:
        return list(registry)
    names = {f.name for f in registry}
    families = {f.family for f in registry}

    def hit(f: AuditFunction, term: str) -> bool:
        if term in names:
            return f.name == term
        if term in families:
            return f.family == term
        if any(c in term for c in "*?["):
            return fnmatch.fnmatchcase(f.name, term)
        return term in f.name

    terms = [t.strip() for t in pattern.split(",") if t.strip()]
    return [f for f in registry if any(hit(f, t) for t in terms)]


def audit(pattern: str | None = None, *, seed: int = 0, rtol: float = 1e-6, atol: float = 1e-10,
          on_result: Callable[[FunctionResult], None] | None = None) -> AuditReport:
    """Sweep the functions ``pattern`` selects (:func:`select`; all by default) and return the report.

    ``rtol``/``atol`` widen the witness's bound before JAX counts as outside it; ``seed`` draws the random
    points and directions. A ``pattern`` that matches nothing is a ``ValueError`` (a usage error)."""
    from .spec import namespace
    from .sweep import sweep

    for name, v in (("rtol", rtol), ("atol", atol)):
        if not (isinstance(v, int | float) and v >= 0):
            raise ValueError(f"{name}: expected a number >= 0, got {v!r}")
    chosen = select(pattern)
    if not chosen:
        raise ValueError(f"no audited function matches {pattern!r}: use a family ({', '.join(FAMILIES)}), a glob "
                         "such as 'jss.i0*', or a substring of a name; `chainrule audit --list` lists them")
    ns = namespace()
    start = time.perf_counter()
    results = []
    for spec in chosen:
        r = sweep(spec, ns, seed=seed, rtol=rtol, atol=atol)
        results.append(r)
        if on_result is not None:
            on_result(r)
    return AuditReport(results, seed=seed, rtol=rtol, atol=atol, seconds=time.perf_counter() - start)
