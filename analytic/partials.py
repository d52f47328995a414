r"""§3 Introduction to vector calculus and partial derivatives: ``xy`` (P-1) and ``3x²y`` (P-2).

Notation (the paper's): ``x`` and ``y`` are scalars. The partial derivative ``∂f/∂x`` is the ordinary
derivative of ``f`` with every other variable held constant: seen from ``∂/∂x`` the numbers 3 and 2
and the variable ``y`` in ``3x²y`` are all constants. The **gradient** ``∇f(x, y) = [∂f/∂x, ∂f/∂y]``
collects the partials; the paper writes it as a horizontal ``1 × 2`` vector.

Names: ``grad_<primal>_x`` and ``grad_<primal>_y`` are the partials (scalars); the gradient is the
derivative of the same function written on the point ``v = [x, y]`` of shape ``(2,)``
(``<primal>_vec(v)``), ``grad_<primal>_vec_v(v)``, shape ``(2,)`` like ``jax.grad``.

Layout: numerator (DESIGN.md): the gradient has the argument's shape, the paper's ``1 × 2`` row as a
1-d array. No kinks.

Every function takes NumPy or JAX arrays (array API) and returns the same kind and dtype; all are
traceable under ``jax.jit``.

References:
  T. Parr and J. Howard, "The Matrix Calculus You Need For Deep Learning", arXiv:1802.01528, §3.
"""

from __future__ import annotations

from typing import Any

from ._array import inputs, require_ndim, require_shape

__all__ = [
    "grad_product_x",
    "grad_product_y",
    "grad_three_x2y_vec_v",
    "grad_three_x2y_x",
    "grad_three_x2y_y",
    "product",
    "three_x2y",
    "three_x2y_vec",
]

Array = Any


# --- helpers -------------------------------------------------------------------------------------


def _point(x: Array, y: Array) -> tuple[Any, Array, Array]:
    """Validate two scalar variables ``x`` and ``y``."""
    xp, (x, y) = inputs(x=x, y=y)
    require_ndim("x", x, 0, "a scalar x (write the point as v = [x, y] for the *_vec functions)")
    require_ndim("y", y, 0, "a scalar y (write the point as v = [x, y] for the *_vec functions)")
    return xp, x, y


def _vec2(v: Array) -> tuple[Any, Array, Array]:
    """Validate the point ``v = [x, y]`` of shape ``(2,)`` and return ``(xp, x, y)``."""
    xp, (v,) = inputs(v=v)
    require_shape("v", v, (2,), "the point v = [x, y] of R²")
    return xp, v[0], v[1]


# --- P-1 xy (implied: the paper motivates partials with it but does not compute them) --------------


def product(x: Array, y: Array) -> Array:
    r"""Primal of RULES P-1: ``f(x, y) = xy``. Shapes: x, y ``()`` → ``()``."""
    xp, x, y = _point(x, y)
    return xp.asarray(x * y)


def grad_product_x(x: Array, y: Array) -> Array:
    r"""∂(xy)/∂x = y · ∂x/∂x = y   (RULES P-1, §3; implied, not computed in the paper)

    ``y`` is held constant, so it pulls out of the derivative (S-2). Shapes: x, y ``()``; returns
    ``()``. No kinks.

    >>> import numpy as np
    >>> float(grad_product_x(np.asarray(2.0), np.asarray(5.0)))
    5.0
    """
    xp, x, y = _point(x, y)
    return xp.asarray(y * xp.ones_like(x))


def grad_product_y(x: Array, y: Array) -> Array:
    r"""∂(xy)/∂y = x · ∂y/∂y = x   (RULES P-1, §3; implied, not computed in the paper)

    Shapes: x, y ``()``; returns ``()``. No kinks.

    >>> import numpy as np
    >>> float(grad_product_y(np.asarray(2.0), np.asarray(5.0)))
    2.0
    """
    xp, x, y = _point(x, y)
    return xp.asarray(x * xp.ones_like(y))


# --- P-2 3x²y -------------------------------------------------------------------------------------


def three_x2y(x: Array, y: Array) -> Array:
    r"""Primal of RULES P-2: ``f(x, y) = 3x²y``. Shapes: x, y ``()`` → ``()``."""
    xp, x, y = _point(x, y)
    return xp.asarray(3.0 * (x * x) * y)


def grad_three_x2y_x(x: Array, y: Array) -> Array:
    r"""∂(3x²y)/∂x = 3y ∂(x²)/∂x = 3y · 2x = 6yx   (RULES P-2, §3)

    Shapes: x, y ``()``; returns ``()``. No kinks.

    >>> import numpy as np
    >>> float(grad_three_x2y_x(np.asarray(2.0), np.asarray(5.0)))
    60.0
    """
    xp, x, y = _point(x, y)
    return xp.asarray(3.0 * y * (2.0 * x))


def grad_three_x2y_y(x: Array, y: Array) -> Array:
    r"""∂(3x²y)/∂y = 3x² ∂y/∂y = 3x² · 1 = 3x²   (RULES P-2, §3)

    Shapes: x, y ``()``; returns ``()``. No kinks.

    >>> import numpy as np
    >>> float(grad_three_x2y_y(np.asarray(2.0), np.asarray(5.0)))
    12.0
    """
    xp, x, y = _point(x, y)
    return xp.asarray(3.0 * (x * x) * xp.ones_like(y))


def three_x2y_vec(v: Array) -> Array:
    r"""Primal of RULES P-2 on the point ``v = [x, y]``: ``f(v) = 3x²y``. Shapes: v ``(2,)`` → ``()``."""
    _, x, y = _vec2(v)
    return three_x2y(x, y)


def grad_three_x2y_vec_v(v: Array) -> Array:
    r"""∇f(x, y) = [∂f/∂x, ∂f/∂y] = [6yx, 3x²] for f(x, y) = 3x²y   (RULES P-2, §3)

    The gradient collects the two partials (:func:`grad_three_x2y_x`, :func:`grad_three_x2y_y`).
    Shapes: v = [x, y] ``(2,)``; returns ``(2,)`` (the paper's ``1 × 2`` row, numerator layout).
    No kinks.

    >>> import numpy as np
    >>> grad_three_x2y_vec_v(np.array([2.0, 5.0]))
    array([60., 12.])
    """
    xp, x, y = _vec2(v)
    return xp.stack([grad_three_x2y_x(x, y), grad_three_x2y_y(x, y)])
