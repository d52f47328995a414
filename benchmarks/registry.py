"""The registry of benchmark suites: :data:`SUITES`, in the order ``chainrule bench`` runs them.

To add a suite, write a module under :mod:`chainrule.benchmarks.suites` that defines ``SUITE`` and
append it here. The registry imports the harness and the suites; neither imports the registry.

>>> [s.name for s in select_suites(SUITES, "loss,shard")]
['loss_gradient', 'sharded']
>>> select_suites(SUITES, "no-such-suite")
[]
"""

from __future__ import annotations

from collections.abc import Sequence

from .harness import Suite
from .suites import (
    chain_rule,
    checkers,
    checking,
    elementwise,
    hvp,
    layer_memory,
    loss_gradient,
    sharded,
    softmax_jacobian,
)

__all__ = ["SUITES", "by_name", "select_suites"]

#: Every suite, in the order they run and appear in ``results.json``.
SUITES: tuple[Suite, ...] = tuple(m.SUITE for m in (
    loss_gradient, elementwise, chain_rule, checking, sharded, softmax_jacobian, hvp, checkers, layer_memory,
))


def select_suites(suites: Sequence[Suite], pattern: str | None) -> list[Suite]:
    """Suites whose name contains one of ``pattern``'s comma-separated parts (all when None)."""
    if not pattern:
        return list(suites)
    parts = [p.strip().lower() for p in pattern.split(",") if p.strip()]
    return [s for s in suites if any(p in s.name.lower() for p in parts)]


def by_name(name: str) -> Suite:
    """The suite called ``name`` exactly; ``KeyError`` lists the names when there is none.

    >>> by_name("hvp").baseline
    'jvp(grad) (jit)'
    """
    for s in SUITES:
        if s.name == name:
            return s
    raise KeyError(f"no benchmark suite {name!r}; suites: {', '.join(s.name for s in SUITES)}")
