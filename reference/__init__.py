"""chainrule.reference: what JAX says, and everything that compares a derivative with it.

Subpackages by role:

* :mod:`.checker`: the one comparison engine (problem, drawing, traced programs, blocks, the engine,
  the judge, kinks and ties, witnesses, diagnosis, shrinking, the report); :mod:`.check` holds the
  public ``check_*``/``assert_*`` functions built on it (``chainrule.check_gradient`` and siblings);
* :mod:`.catalog`: one record per rule, pairing an analytic primal with its closed form, and
  :mod:`.catalog.verify`, the engine's run over every record (``chainrule verify``);
* :mod:`.derivation`: :class:`~chainrule.reference.derivation.Derivation`, a chain-rule derivation
  checked step by step;
* :mod:`.cli`: the ``chainrule`` command line, one module per subcommand;

beside the foundations they share, :mod:`.autodiff` (numerator-layout wrappers of ``jax.grad`` /
``jacfwd`` / ``jacrev`` / ``jvp`` / ``vjp`` in a scoped float64 context), :mod:`.samplers` (input
domains) and :mod:`.tolerances` (the one tolerance table), and the periphery: :mod:`.plot`
(heatmaps of a check), :mod:`.pytest_plugin` (the ``chainrule_check`` fixture) and :mod:`.strategies`
(Hypothesis inputs).

The public API is the top-level package's (``chainrule.check_gradient``, ``chainrule.Derivation``);
this package exports the autodiff wrappers, imported on first use so that importing it imports no JAX.

>>> import chainrule.reference as ref
>>> sorted(ref.__all__)
['gradient', 'hvp', 'jacobian', 'jvp', 'vjp', 'x64']
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

__all__ = ["gradient", "hvp", "jacobian", "jvp", "vjp", "x64"]

if TYPE_CHECKING:  # pragma: no cover - for type checkers and IDEs only
    from .autodiff import gradient, hvp, jacobian, jvp, vjp, x64


def __getattr__(name: str) -> Any:
    if name not in __all__:
        raise AttributeError(f"module 'chainrule.reference' has no attribute {name!r}; the checks are "
                             "chainrule.check_gradient and its siblings")
    value = getattr(importlib.import_module(".autodiff", __name__), name)
    globals()[name] = value  # later lookups skip __getattr__
    return value


def __dir__() -> list[str]:
    return sorted(set(globals()) | set(__all__))
