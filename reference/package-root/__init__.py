"""chainrule: the matrix calculus of deep learning, derived by hand and verified against JAX.

This folder, ``reference/package-root/``, is installed as the top-level package ``chainrule``
(``pyproject.toml`` maps it, and ``analytic/``, ``reference/`` and ``benchmarks/`` under it; the
repository's own top level is the design card's). Its name is not an identifier on purpose: it can never
be imported a second time as a subpackage of ``chainrule.reference``.

* ``chainrule.check_gradient``, ``check_jacobian``, ``check_vjp``, ``check_jvp``, ``check_hessian``,
  ``check_custom_vjp``, ``check_custom_jvp`` (a function's own ``jax.custom_vjp``/``custom_jvp``
  rules) and their ``assert_*`` twins, :class:`Derivation`: the public API, for anyone's derivative;
* :mod:`chainrule.analytic`: the closed forms (array API; never imports JAX);
* :mod:`chainrule.reference`: what JAX says, the catalog, the checker, the CLI;
* :mod:`chainrule.benchmarks`: the benchmark harness and its suites.

>>> import chainrule
>>> sorted(n for n in chainrule.__all__ if n.startswith("check_"))
['check_custom_jvp', 'check_custom_vjp', 'check_gradient', 'check_hessian', 'check_jacobian', 'check_jvp', 'check_vjp']

Importing ``chainrule`` imports no JAX: the pytest plugin loads it in every test run of every project
where chainrule is installed. The public names are imported on first use (PEP 562).
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

__version__ = "0.1.0"

#: public name -> the module of chainrule.reference that defines it
_EXPORTS = {
    "CheckReport": "check",
    "Derivation": "derivation",
    "derive": "derive",
    "DeriveReport": "derive",
    "audit": "audit",
    **{f"{verb}_{kind}": "check" for verb in ("check", "assert")
       for kind in ("gradient", "jacobian", "vjp", "jvp", "hessian", "custom_vjp", "custom_jvp")},
}

__all__ = [
    "CheckReport",
    "Derivation",
    "DeriveReport",
    "assert_custom_jvp",
    "assert_custom_vjp",
    "assert_gradient",
    "assert_hessian",
    "assert_jacobian",
    "assert_jvp",
    "assert_vjp",
    "audit",
    "check_custom_jvp",
    "check_custom_vjp",
    "check_gradient",
    "check_hessian",
    "check_jacobian",
    "check_jvp",
    "check_vjp",
    "derive",
]

if TYPE_CHECKING:  # pragma: no cover - for type checkers and IDEs only
    from .reference.audit import audit
    from .reference.check import (
        CheckReport,
        assert_custom_jvp,
        assert_custom_vjp,
        assert_gradient,
        assert_hessian,
        assert_jacobian,
        assert_jvp,
        assert_vjp,
        check_custom_jvp,
        check_custom_vjp,
        check_gradient,
        check_hessian,
        check_jacobian,
        check_jvp,
        check_vjp,
    )
    from .reference.derivation import Derivation
    from .reference.derive import DeriveReport, derive


def __getattr__(name: str) -> Any:
    try:
        module = _EXPORTS[name]
    except KeyError:
        raise AttributeError(f"module 'chainrule' has no attribute {name!r}") from None
    value = getattr(importlib.import_module(f"chainrule.reference.{module}"), name)
    globals()[name] = value  # later lookups skip __getattr__
    return value


def __dir__() -> list[str]:
    return sorted(set(globals()) | set(_EXPORTS))
