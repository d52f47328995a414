r"""§4.3 Derivatives involving scalar expansion: ``y = x ○ z`` with a vector ``x`` and a scalar ``z``.

Notation (the paper's): ``x ∈ Rⁿ`` is a vector and ``z`` a scalar that does not depend on ``x``
(``∂z/∂x_i = 0``). Scalar expansion turns ``z`` into the vector ``g(z) = 1⃗z``, so ``x + z = f(x) + g(z)``
with ``f(x) = x``, and the element-wise rules of §4.2 (E-2) apply.

* **X-1** ``x + z``: ``∂/∂x = I``, ``∂/∂z = 1⃗`` (a vertical ``n × 1`` vector).
* **X-2** ``x z``: ``∂/∂x = I z``, ``∂/∂z = x``.
* **X-3** (extension, not in the paper): ``x − z``, ``z − x``, ``x / z`` and ``z / x``, derived by the
  same rule.

Layout: numerator (DESIGN.md). A Jacobian with respect to ``x`` has shape ``(n, n)``; identity-like ones
come back as :class:`~chainrule.analytic.structured.ScaledIdentity` and diagonal ones as
:class:`~chainrule.analytic.structured.Diagonal` (O(n) memory). A derivative with respect to the scalar ``z`` is the
paper's vertical ``n × 1`` vector, as an array of shape ``(n,)`` (``out.shape + z.shape``, what
``jax.jacfwd`` returns).

No kinks. Domains: ``x / z`` needs ``z ≠ 0`` and ``z / x`` needs every ``x_i ≠ 0`` (a concrete zero
raises ``ValueError``).

Every function takes NumPy or JAX arrays (array API; ``z`` may also be a Python number) and returns the
same kind; all are traceable under ``jax.jit``.

References:
  T. Parr and J. Howard, "The Matrix Calculus You Need For Deep Learning", arXiv:1802.01528, §4.3, §8.3.
"""

from __future__ import annotations

from typing import Any

from ._array import inputs, require_ndim, require_nonzero
from .structured import Diagonal, ScaledIdentity, identity_like

__all__ = [
    "add_scalar",
    "div_scalar",
    "jac_add_scalar_x",
    "jac_add_scalar_z",
    "jac_div_scalar_x",
    "jac_div_scalar_z",
    "jac_mul_scalar_x",
    "jac_mul_scalar_z",
    "jac_rdiv_scalar_x",
    "jac_rdiv_scalar_z",
    "jac_rsub_scalar_x",
    "jac_rsub_scalar_z",
    "jac_sub_scalar_x",
    "jac_sub_scalar_z",
    "mul_scalar",
    "rdiv_scalar",
    "rsub_scalar",
    "sub_scalar",
]

Array = Any


# --- helpers -------------------------------------------------------------------------------------


def _expand(x: Array, z: Array) -> tuple[Any, Array, Array]:
    """Validate a scalar-expansion pair: a real vector x (n,) and a real scalar z ()."""
    xp, (x, z) = inputs(x=x, z=z)
    require_ndim("x", x, 1, "a vector x ∈ Rⁿ")
    require_ndim("z", z, 0, "a scalar z (expanded to 1⃗z)")
    return xp, x, z


# --- X-1 Adding a scalar (§4.3, §8.3) ------------------------------------------------------------


def add_scalar(x: Array, z: Array) -> Array:
    r"""Primal of RULES X-1: ``y = x + z = f(x) + g(z)`` with ``g(z) = 1⃗z``. Shapes: x ``(n,)``, z ``()`` → ``(n,)``."""
    _xp, x, z = _expand(x, z)
    return x + z


def jac_add_scalar_x(x: Array, z: Array) -> ScaledIdentity:
    r"""∂(x + z)/∂x = diag(…∂(x_i + z)/∂x_i…) = diag(1⃗) = I   (RULES X-1, §4.3)

    Shapes: x ``(n,)``, z ``()``. Returns ``I`` as a :class:`~chainrule.analytic.structured.ScaledIdentity` of
    shape ``(n, n)``, numerator layout. No kinks.

    >>> import numpy as np
    >>> jac_add_scalar_x(np.zeros(2), 5.0).todense()
    array([[1., 0.],
           [0., 1.]])
    """
    _xp, x, z = _expand(x, z)
    return identity_like(x)


def jac_add_scalar_z(x: Array, z: Array) -> Array:
    r"""∂(x + z)/∂z = 1⃗   (RULES X-1, §4.3)

    ``∂(x_i + z)/∂z = 0 + 1 = 1`` for every i: a **vertical** ``n × 1`` vector, returned with shape
    ``(n,)`` (numerator layout ``out.shape + z.shape``). No kinks.

    >>> import numpy as np
    >>> jac_add_scalar_z(np.array([4.0, -2.0, 7.0]), 5.0)
    array([1., 1., 1.])
    """
    xp, x, z = _expand(x, z)
    return xp.ones_like(x)


# --- X-2 Multiplying by a scalar (§4.3, §8.3) ----------------------------------------------------


def mul_scalar(x: Array, z: Array) -> Array:
    r"""Primal of RULES X-2: ``y = x z = x ⊗ 1⃗z``. Shapes: x ``(n,)``, z ``()`` → ``(n,)``."""
    _xp, x, z = _expand(x, z)
    return x * z


def jac_mul_scalar_x(x: Array, z: Array) -> ScaledIdentity:
    r"""∂(x z)/∂x = diag(1⃗ z) = I z   (RULES X-2, §4.3)

    ``∂(x_i z)/∂x_i = x_i ∂z/∂x_i + z ∂x_i/∂x_i = 0 + z``. Shapes: x ``(n,)``, z ``()``. Returns ``I z`` as
    a :class:`~chainrule.analytic.structured.ScaledIdentity` of shape ``(n, n)`` (O(1) memory), numerator layout.
    No kinks.

    >>> import numpy as np
    >>> J = jac_mul_scalar_x(np.zeros(3), 2.5)
    >>> J.shape, float(J.scale)
    ((3, 3), 2.5)
    """
    _xp, x, z = _expand(x, z)
    return identity_like(x, z)


def jac_mul_scalar_z(x: Array, z: Array) -> Array:
    r"""∂(x z)/∂z = x   (RULES X-2, §4.3)

    ``∂(x_i z)/∂z = x_i + 0``: the vertical ``n × 1`` vector ``x``, returned (a copy) with shape ``(n,)``.
    No kinks.

    >>> import numpy as np
    >>> jac_mul_scalar_z(np.array([4.0, -2.0]), 5.0)
    array([ 4., -2.])
    """
    xp, x, z = _expand(x, z)
    return xp.asarray(x, copy=True)


# --- X-3 Extension: x − z, z − x, x / z, z / x (not in the paper) ---------------------------------


def sub_scalar(x: Array, z: Array) -> Array:
    r"""Primal of RULES X-3 (extension): ``y = x − z = x − 1⃗z``. Shapes: x ``(n,)``, z ``()`` → ``(n,)``."""
    _xp, x, z = _expand(x, z)
    return x - z


def jac_sub_scalar_x(x: Array, z: Array) -> ScaledIdentity:
    r"""∂(x − z)/∂x = I   (RULES X-3, §4.3; extension, not in the paper)

    Shapes: x ``(n,)``, z ``()``. Returns ``I`` as a :class:`~chainrule.analytic.structured.ScaledIdentity`, shape
    ``(n, n)``, numerator layout. No kinks.

    >>> import numpy as np
    >>> float(jac_sub_scalar_x(np.zeros(2), 1.0).scale)
    1.0
    """
    _xp, x, z = _expand(x, z)
    return identity_like(x)


def jac_sub_scalar_z(x: Array, z: Array) -> Array:
    r"""∂(x − z)/∂z = −1⃗   (RULES X-3, §4.3; extension, not in the paper)

    Shapes: x ``(n,)``, z ``()``. Returns the vertical vector ``−1⃗`` with shape ``(n,)``. No kinks.

    >>> import numpy as np
    >>> jac_sub_scalar_z(np.zeros(2), 1.0)
    array([-1., -1.])
    """
    xp, x, z = _expand(x, z)
    return -xp.ones_like(x)


def rsub_scalar(x: Array, z: Array) -> Array:
    r"""Primal of RULES X-3 (extension): ``y = z − x = 1⃗z − x``. Shapes: x ``(n,)``, z ``()`` → ``(n,)``."""
    _xp, x, z = _expand(x, z)
    return z - x


def jac_rsub_scalar_x(x: Array, z: Array) -> ScaledIdentity:
    r"""∂(z − x)/∂x = −I   (RULES X-3, §4.3; extension, not in the paper)

    Shapes: x ``(n,)``, z ``()``. Returns ``−I`` as a :class:`~chainrule.analytic.structured.ScaledIdentity`,
    shape ``(n, n)``, numerator layout. No kinks.

    >>> import numpy as np
    >>> jac_rsub_scalar_x(np.zeros(2), 1.0).diagonal()
    array([-1., -1.])
    """
    _xp, x, z = _expand(x, z)
    return identity_like(x, -1.0)


def jac_rsub_scalar_z(x: Array, z: Array) -> Array:
    r"""∂(z − x)/∂z = 1⃗   (RULES X-3, §4.3; extension, not in the paper)

    Shapes: x ``(n,)``, z ``()``. Returns the vertical vector ``1⃗`` with shape ``(n,)``. No kinks.

    >>> import numpy as np
    >>> jac_rsub_scalar_z(np.zeros(2), 1.0)
    array([1., 1.])
    """
    xp, x, z = _expand(x, z)
    return xp.ones_like(x)


def div_scalar(x: Array, z: Array) -> Array:
    r"""Primal of RULES X-3 (extension): ``y = x / z = x ⊘ 1⃗z``, defined for ``z ≠ 0``.

    Shapes: x ``(n,)``, z ``()`` → ``(n,)``. A concrete ``z = 0`` raises ``ValueError``.
    """
    _xp, x, z = _expand(x, z)
    require_nonzero("z", z, "x / z")
    return x / z


def jac_div_scalar_x(x: Array, z: Array) -> ScaledIdentity:
    r"""∂(x / z)/∂x = I / z   (RULES X-3, §4.3; extension, not in the paper)

    Domain: ``z ≠ 0``. Shapes: x ``(n,)``, z ``()``. Returns ``(1/z) I`` as a
    :class:`~chainrule.analytic.structured.ScaledIdentity`, shape ``(n, n)``, numerator layout. No kinks.

    >>> import numpy as np
    >>> float(jac_div_scalar_x(np.zeros(2), 4.0).scale)
    0.25
    """
    _xp, x, z = _expand(x, z)
    require_nonzero("z", z, "∂(x / z)/∂x = I / z")
    return identity_like(x, 1.0 / z)


def jac_div_scalar_z(x: Array, z: Array) -> Array:
    r"""∂(x / z)/∂z = −x / z²   (RULES X-3, §4.3; extension, not in the paper)

    Domain: ``z ≠ 0``. Shapes: x ``(n,)``, z ``()``. Returns the vertical vector ``−x/z²`` with shape
    ``(n,)``. No kinks.

    >>> import numpy as np
    >>> jac_div_scalar_z(np.array([4.0, -8.0]), 2.0)
    array([-1.,  2.])
    """
    _xp, x, z = _expand(x, z)
    require_nonzero("z", z, "∂(x / z)/∂z = −x / z²")
    return -x / (z * z)


def rdiv_scalar(x: Array, z: Array) -> Array:
    r"""Primal of RULES X-3 (extension): ``y = z / x = 1⃗z ⊘ x``, defined where every ``x_i ≠ 0``.

    Shapes: x ``(n,)``, z ``()`` → ``(n,)``. A concrete ``x`` with a zero entry raises ``ValueError``.
    """
    _xp, x, z = _expand(x, z)
    require_nonzero("x", x, "z / x")
    return z / x


def jac_rdiv_scalar_x(x: Array, z: Array) -> Diagonal:
    r"""∂(z / x)/∂x = diag(…−z/x_i²…)   (RULES X-3, §4.3; extension, not in the paper)

    Domain: every ``x_i ≠ 0``. Shapes: x ``(n,)``, z ``()``. Returns a
    :class:`~chainrule.analytic.structured.Diagonal` of shape ``(n, n)``, numerator layout. No kinks.

    >>> import numpy as np
    >>> jac_rdiv_scalar_x(np.array([1.0, -2.0]), 4.0).diagonal()
    array([-4., -1.])
    """
    _xp, x, z = _expand(x, z)
    require_nonzero("x", x, "∂(z / x)/∂x = diag(−z/x_i²)")
    return Diagonal(-z / (x * x))


def jac_rdiv_scalar_z(x: Array, z: Array) -> Array:
    r"""∂(z / x)/∂z = 1⃗ ⊘ x   (RULES X-3, §4.3; extension, not in the paper)

    Domain: every ``x_i ≠ 0``. Shapes: x ``(n,)``, z ``()``. Returns the vertical vector ``1/x_i`` with
    shape ``(n,)``. No kinks.

    >>> import numpy as np
    >>> jac_rdiv_scalar_z(np.array([2.0, -4.0]), 3.0)
    array([ 0.5 , -0.25])
    """
    _xp, x, z = _expand(x, z)
    require_nonzero("x", x, "∂(z / x)/∂z = 1⃗ ⊘ x")
    return 1.0 / x
