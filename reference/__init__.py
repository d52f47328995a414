"""chainrule's reference side: what JAX says, the rule catalog, verification and validation helpers.

* :mod:`chainrule.reference.autodiff`: numerator-layout wrappers of ``jax.grad`` / ``jacfwd`` / ``jacrev`` /
  ``jvp`` / ``vjp`` in a scoped float64 context;
* :mod:`chainrule.reference.catalog`: one record per rule, pairing an analytic primal with its closed form;
* :mod:`chainrule.reference.verify`: the engine behind ``chainrule verify``;
* :mod:`chainrule.reference.samplers`: input domains for randomized trials;
* :mod:`chainrule.reference.derivation`: :class:`Derivation`, a chain-rule derivation checked step by
  step (worked examples in :mod:`chainrule.reference.examples`, ``chainrule explain``);
* :mod:`chainrule.reference.check`: ``check_gradient``, ``check_jacobian``, ``check_vjp``, ``check_jvp``,
  ``check_hessian`` and their ``assert_*`` twins, for anyone's hand-derived derivative;
* :mod:`chainrule.reference.pytest_plugin`, :mod:`chainrule.reference.strategies`, :mod:`chainrule.reference.plot`: the
  ``chainrule_check`` fixture, Hypothesis strategies, and heatmaps of a check.

Every public name is importable from here (``from reference import check_gradient``); the package
itself imports no JAX until one of them is used.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

# Public names are imported on first use (PEP 562): pytest loads this package in every test run of
# every project where chainrule is installed (the ``pytest11`` plugin chainrule.reference.pytest_plugin), so
# importing ``reference`` must not import JAX. Add new public names here, not as eager imports.
_EXPORTS = {
    "gradient": "autodiff", "hvp": "autodiff", "jacobian": "autodiff", "jvp": "autodiff",
    "vjp": "autodiff", "x64": "autodiff",
    "Derivation": "derivation",
    "CheckReport": "check",
    "check_gradient": "check", "check_jacobian": "check", "check_vjp": "check", "check_jvp": "check",
    "check_hessian": "check",
    "assert_gradient": "check", "assert_jacobian": "check", "assert_vjp": "check", "assert_jvp": "check",
    "assert_hessian": "check",
}

__all__ = [
    "CheckReport",
    "Derivation",
    "assert_gradient",
    "assert_hessian",
    "assert_jacobian",
    "assert_jvp",
    "assert_vjp",
    "check_gradient",
    "check_hessian",
    "check_jacobian",
    "check_jvp",
    "check_vjp",
    "gradient",
    "hvp",
    "jacobian",
    "jvp",
    "vjp",
    "x64",
]

if TYPE_CHECKING:  # pragma: no cover - for type checkers and IDEs only
    from .autodiff import gradient, hvp, jacobian, jvp, vjp, x64
    from .check import (
        CheckReport,
        assert_gradient,
        assert_hessian,
        assert_jacobian,
        assert_jvp,
        assert_vjp,
        check_gradient,
        check_hessian,
        check_jacobian,
        check_jvp,
        check_vjp,
    )
    from .derivation import Derivation


def __getattr__(name: str) -> Any:
    try:
        module = _EXPORTS[name]
    except KeyError:
        raise AttributeError(f"module 'reference' has no attribute {name!r}") from None
    value = getattr(importlib.import_module(f".{module}", __name__), name)
    globals()[name] = value  # later lookups skip __getattr__
    return value


def __dir__() -> list[str]:
    return sorted(set(globals()) | set(_EXPORTS))
