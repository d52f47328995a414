"""chainrule's reference side: what JAX says, the rule catalog, verification and validation helpers.

* :mod:`reference.autodiff`: numerator-layout wrappers of ``jax.grad`` / ``jacfwd`` / ``jacrev`` /
  ``jvp`` / ``vjp`` in a scoped float64 context;
* :mod:`reference.catalog`: one record per rule, pairing an analytic primal with its closed form;
* :mod:`reference.verify`: the engine behind ``chainrule verify``;
* :mod:`reference.samplers`: input domains for randomized trials.
"""

from __future__ import annotations

from .autodiff import gradient, hvp, jacobian, jvp, vjp, x64

__all__ = ["gradient", "hvp", "jacobian", "jvp", "vjp", "x64"]
