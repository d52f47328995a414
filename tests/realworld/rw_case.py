"""The shape of one real-world case: a hand-written backward pass from public code, as its author wrote
it, wrapped to chainrule's calling convention, with the realistic mistakes (mutants) a person makes in it.

Each ``rw_*.py`` module defines ``CASES``, a list of :class:`Case`; ``test_realworld.py`` runs every
correct case at 50 seeds (no false alarm allowed) and every mutant once (it must be caught, and where
the mistake is of a known kind the diagnosis must name it). The benchmark suite ``checkers`` runs the
same cases through ``jax.test_util.check_grads`` as well.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import chainrule

__all__ = ["Case", "Mutant", "run"]

CHECKS = {
    "gradient": chainrule.check_gradient,
    "jacobian": chainrule.check_jacobian,
    "vjp": chainrule.check_vjp,
    "jvp": chainrule.check_jvp,
    "custom_vjp": None,  # chainrule.check_custom_vjp(f, *args): the candidate is f's own rule
}


@dataclass(frozen=True)
class Mutant:
    """A realistic mistake: ``candidate`` is the case's candidate with one change, described by ``name``.

    ``diagnosis`` is a substring the report's diagnosis must contain (the known kind of mistake:
    "factor", "transposed", "dropped or extra term", "at a tie", "mutates its input", …), or None
    when the mistake is of no known kind and being caught is all that is asked.
    """

    name: str
    candidate: Callable[..., Any]
    diagnosis: str | None = None


@dataclass(frozen=True)
class Case:
    """One hand-written backward pass.

    ``f`` is the forward written with ``jax.numpy`` (what the reference differentiates); ``candidate``
    is the author's backward, called the way ``check_<kind>`` calls it (``vjp(*args, ct)``,
    ``grad(*args)``, ...), usually by running the author's own NumPy forward for its cache and then
    the author's backward. ``example()`` returns the example arguments (their shapes and dtypes are
    the trials' shapes). ``source`` is "owner/repo path/to/file.py (function)".
    """

    name: str
    source: str
    kind: str
    f: Callable[..., Any]
    candidate: Callable[..., Any]
    example: Callable[[], tuple[Any, ...]]
    argnums: int | tuple[int, ...] = 0
    options: dict[str, Any] = field(default_factory=dict)
    mutants: tuple[Mutant, ...] = ()


def run(case: Case, candidate: Callable[..., Any] | None = None, **options: Any) -> chainrule.CheckReport:
    """The public check of ``case`` (with another candidate, e.g. a mutant's, when given)."""
    opts = {**case.options, **options}
    if case.kind == "custom_vjp":
        return chainrule.check_custom_vjp(candidate or case.f, *case.example(), argnums=case.argnums, **opts)
    check = CHECKS[case.kind]
    return check(case.f, candidate or case.candidate, *case.example(), argnums=case.argnums, **opts)
