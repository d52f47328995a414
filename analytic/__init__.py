"""chainrule's analytic side: the matrix calculus of deep learning, derived by hand, in closed form.

One module per topic of Parr & Howard, "The Matrix Calculus You Need For Deep Learning"
(arXiv:1802.01528). Each primal sits next to its hand-derived derivatives; every formula is written
against the array API standard (via ``array_api_compat``), so the same code runs on NumPy arrays and on
JAX arrays inside ``jax.jit``. This package never imports JAX.

Conventions (see the project's DESIGN.md): numerator layout; gradients shaped like their argument;
``d/dz max(0, z) = 0`` at ``z = 0``; identity and diagonal Jacobians stay structured
(:mod:`chainrule.analytic.structured`) until :func:`chainrule.analytic.structured.todense` is asked for.
"""

from __future__ import annotations

__all__: list[str] = []
