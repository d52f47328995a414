r"""§4.4 Vector sum reduction: ``y = sum(f(x)) = Σ_i f_i(x)``, and the gradient ``1⃗ᵀ (∂f/∂x)``.

Notation (the paper's): ``x ∈ Rⁿ`` is a vector, ``z`` a scalar, ``f`` a vector of scalar functions.
Moving the derivative inside the sum gives (RULES R-1)

    ∂y/∂x = [Σ_i ∂f_i(x)/∂x_1, …, Σ_i ∂f_i(x)/∂x_n] = 1⃗ᵀ (∂f/∂x),

the column sums of ``f``'s Jacobian. The special cases:

* **R-1** (general): each ``f_i`` may use *all* of ``x``; here ``f(x) = sin(Ax)`` with ``A`` of shape
  ``(m, n)``, so ``∂f/∂x = diag(cos(Ax)) A`` is a full matrix.
* **R-2** ``sum(x)``: ``∇y = 1⃗ᵀ``.
* **R-3** ``sum(x z)``: ``∂y/∂x = [z, …, z]`` and ``∂y/∂z = sum(x)``.
* **R-4** (implied: §4.5 names it without computing it) ``sum(w + x)``: ``∂/∂w = ∂/∂x = 1⃗ᵀ I = 1⃗ᵀ``.

The dot product ``w·x = sum(w ⊗ x)`` (RULES N-1, §5 and §8.4) lives in :mod:`chainrule.analytic.neuron`.

*v1 erratum* (RULES R-3): the Feb-2018 reference section gave ``∇_z sum(xz) = n``. That is wrong; ``n``
is the z-derivative of ``sum(x + z)`` (:func:`grad_sum_add_scalar_z`), not of ``sum(x z)``
(:func:`grad_sum_mul_scalar_z`, which is ``sum(x)``).

Layout: numerator (DESIGN.md). The gradient of a scalar has the argument's shape: the paper's ``1 × n``
row is an array of shape ``(n,)``, a derivative with respect to the scalar ``z`` has shape ``()``.

No kinks. Every function takes NumPy or JAX arrays (array API; ``z`` may also be a Python number) and
returns the same kind; all are traceable under ``jax.jit``.

References:
  T. Parr and J. Howard, "The Matrix Calculus You Need For Deep Learning", arXiv:1802.01528, §4.4,
  §4.5, §8.4.
"""

from __future__ import annotations

from typing import Any

from ._array import inputs, require_ndim, require_same_length, same_length_vectors
from .structured import Diagonal, identity_like

__all__ = [
    "grad_sum_add_scalar_x",
    "grad_sum_add_scalar_z",
    "grad_sum_add_w",
    "grad_sum_add_x",
    "grad_sum_mul_scalar_x",
    "grad_sum_mul_scalar_z",
    "grad_sum_sin_matvec_x",
    "grad_sum_vector_x",
    "jac_sin_matvec_x",
    "sin_matvec",
    "sum_add",
    "sum_add_scalar",
    "sum_mul_scalar",
    "sum_sin_matvec",
    "sum_vector",
]

Array = Any


# --- helpers -------------------------------------------------------------------------------------


def _vector(x: Array) -> tuple[Any, Array]:
    xp, (x,) = inputs(x=x)
    require_ndim("x", x, 1, "a vector x ∈ Rⁿ")
    return xp, x


def _matvec(A: Array, x: Array) -> tuple[Any, Array, Array]:
    """Validate R-1's operands: A (m, n), x (n,)."""
    xp, (A, x) = inputs(A=A, x=x)
    require_ndim("A", A, 2, "a matrix A of shape (m, n)")
    require_ndim("x", x, 1, "a vector x ∈ Rⁿ")
    require_same_length("x", x, "A", A, axis_b=1)
    return xp, A, x


def _expand(x: Array, z: Array) -> tuple[Any, Array, Array]:
    xp, (x, z) = inputs(x=x, z=z)
    require_ndim("x", x, 1, "a vector x ∈ Rⁿ")
    require_ndim("z", z, 0, "a scalar z (expanded to 1⃗z)")
    return xp, x, z


# --- R-1 The general sum reduction (§4.4) --------------------------------------------------------


def sin_matvec(A: Array, x: Array) -> Array:
    r"""The ``f`` of RULES R-1's example: ``f(x) = sin(Ax)``, ``f_i(x) = sin(Σ_j A_ij x_j)``.

    Each ``f_i`` uses all of ``x``. Shapes: A ``(m, n)``, x ``(n,)`` → ``(m,)``.
    """
    xp, A, x = _matvec(A, x)
    return xp.sin(A @ x)


def jac_sin_matvec_x(A: Array, x: Array) -> Array:
    r"""∂sin(Ax)/∂x = diag(cos(Ax)) A   (RULES R-1, §4.4; the Jacobian whose column sums R-1 takes)

    Entry ``(i, j) = ∂f_i(x)/∂x_j = cos((Ax)_i) A_ij``: a full matrix, since every ``f_i`` uses every
    ``x_j``.

    Shapes: A ``(m, n)``, x ``(n,)``. Returns a dense ``(m, n)`` array, numerator layout. No kinks.

    >>> import numpy as np
    >>> jac_sin_matvec_x(np.array([[1.0, 2.0], [0.0, -1.0]]), np.zeros(2))
    array([[ 1.,  2.],
           [ 0., -1.]])
    """
    xp, A, x = _matvec(A, x)
    return Diagonal(xp.cos(A @ x)) @ A


def sum_sin_matvec(A: Array, x: Array) -> Array:
    r"""Primal of RULES R-1: ``y = sum(f(x)) = Σ_i sin((Ax)_i)``. Shapes: A ``(m, n)``, x ``(n,)`` → ``()``."""
    xp, A, x = _matvec(A, x)
    return xp.sum(xp.sin(A @ x))


def grad_sum_sin_matvec_x(A: Array, x: Array) -> Array:
    r"""∂ sum(sin(Ax))/∂x = [Σ_i ∂f_i(x)/∂x_1, …, Σ_i ∂f_i(x)/∂x_n] = 1⃗ᵀ diag(cos(Ax)) A   (RULES R-1, §4.4)

    The derivative moves inside the sum: component ``j`` is ``Σ_i cos((Ax)_i) A_ij``, the column sums
    of :func:`jac_sin_matvec_x`. Computed literally as ``1⃗ᵀ J``.

    Shapes: A ``(m, n)``, x ``(n,)``. Returns the gradient, shape ``(n,)`` (the paper's ``1 × n``
    row). No kinks.

    >>> import numpy as np
    >>> grad_sum_sin_matvec_x(np.array([[1.0, 2.0], [0.0, -1.0]]), np.zeros(2))
    array([1., 1.])
    """
    xp, A, x = _matvec(A, x)
    return xp.ones((A.shape[0],), dtype=x.dtype) @ jac_sin_matvec_x(A, x)


# --- R-2 sum(x) (§4.4, §8.4) ---------------------------------------------------------------------


def sum_vector(x: Array) -> Array:
    r"""Primal of RULES R-2: ``y = sum(x) = Σ_i x_i``. Shapes: x ``(n,)`` → ``()``."""
    xp, x = _vector(x)
    return xp.sum(x)


def grad_sum_vector_x(x: Array) -> Array:
    r"""∇ sum(x) = [1, 1, …, 1] = 1⃗ᵀ   (RULES R-2, §4.4)

    ``f_i(x) = x_i``, so ``Σ_i ∂x_i/∂x_j = 1``. Shapes: x ``(n,)``. Returns shape ``(n,)`` (the paper's
    horizontal ``1 × n`` row). No kinks.

    >>> import numpy as np
    >>> grad_sum_vector_x(np.array([3.0, -1.0, 0.5]))
    array([1., 1., 1.])
    """
    xp, x = _vector(x)
    return xp.ones_like(x)


# --- R-3 sum(x z) (§4.4, §8.4) and its v1 erratum ---------------------------------------------------


def sum_mul_scalar(x: Array, z: Array) -> Array:
    r"""Primal of RULES R-3: ``y = sum(x z) = Σ_i x_i z``. Shapes: x ``(n,)``, z ``()`` → ``()``."""
    xp, x, z = _expand(x, z)
    return xp.sum(x * z)


def grad_sum_mul_scalar_x(x: Array, z: Array) -> Array:
    r"""∂ sum(x z)/∂x = [z, z, …, z]   (RULES R-3, §4.4)

    ``∂(x_i z)/∂x_j = z`` if ``i = j`` else 0, summed over i. Shapes: x ``(n,)``, z ``()``. Returns
    shape ``(n,)`` (the ``1 × n`` row). No kinks.

    >>> import numpy as np
    >>> grad_sum_mul_scalar_x(np.array([1.0, 2.0, 3.0]), 0.5)
    array([0.5, 0.5, 0.5])
    """
    xp, x, z = _expand(x, z)
    return z * xp.ones_like(x)


def grad_sum_mul_scalar_z(x: Array, z: Array) -> Array:
    r"""∂ sum(x z)/∂z = Σ_i ∂(x_i z)/∂z = Σ_i x_i = sum(x)   (RULES R-3, §4.4)

    *v1 erratum:* the Feb-2018 text's reference section said ``∇_z y = n``. That is wrong for
    ``sum(x z)``; ``n`` is the z-derivative of ``sum(x + z)`` (:func:`grad_sum_add_scalar_z`), from an
    earlier derivation. Fixed in the source on 2018-02-04/05.

    Shapes: x ``(n,)``, z ``()``. Returns a scalar (shape ``()``). No kinks.

    >>> import numpy as np
    >>> float(grad_sum_mul_scalar_z(np.array([1.0, 2.0, 3.0]), 0.5))   # sum(x) = 6, not n = 3
    6.0
    """
    xp, x, z = _expand(x, z)
    return xp.sum(x)


def sum_add_scalar(x: Array, z: Array) -> Array:
    r"""``y = sum(x + z) = Σ_i (x_i + z)``: where RULES R-3's v1 erratum value ``n`` belongs.

    Shapes: x ``(n,)``, z ``()`` → ``()``.
    """
    xp, x, z = _expand(x, z)
    return xp.sum(x + z)


def grad_sum_add_scalar_x(x: Array, z: Array) -> Array:
    r"""∂ sum(x + z)/∂x = 1⃗ᵀ   (RULES R-3 erratum companion, §4.4: R-2 with the expansion of X-1)

    Shapes: x ``(n,)``, z ``()``. Returns shape ``(n,)``. No kinks.

    >>> import numpy as np
    >>> grad_sum_add_scalar_x(np.array([1.0, 2.0]), 7.0)
    array([1., 1.])
    """
    xp, x, z = _expand(x, z)
    return xp.ones_like(x)


def grad_sum_add_scalar_z(x: Array, z: Array) -> Array:
    r"""∂ sum(x + z)/∂z = Σ_i ∂(x_i + z)/∂z = n   (RULES R-3 erratum companion, §4.4)

    This is the value ``n`` that the Feb-2018 (v1) text wrongly gave for ``∂ sum(x z)/∂z``.

    Shapes: x ``(n,)``, z ``()``. Returns the scalar ``n`` in x's dtype (shape ``()``). No kinks.

    >>> import numpy as np
    >>> float(grad_sum_add_scalar_z(np.array([1.0, 2.0, 3.0]), 0.5))
    3.0
    """
    xp, x, z = _expand(x, z)
    return xp.asarray(float(x.shape[0]), dtype=x.dtype)


# --- R-4 Implied: sum(w + x) (§4.5 intro) ---------------------------------------------------------


def sum_add(w: Array, x: Array) -> Array:
    r"""Primal of RULES R-4 (implied): ``y = sum(w + x)``. Shapes: w, x ``(n,)`` → ``()``."""
    xp, w, x = same_length_vectors(w=w, x=x)
    return xp.sum(w + x)


def grad_sum_add_w(w: Array, x: Array) -> Array:
    r"""∂ sum(w + x)/∂w = (∂y/∂u)(∂u/∂w) = 1⃗ᵀ I = 1⃗ᵀ   (RULES R-4, §4.5; implied, not computed in the paper)

    Vector chain rule with ``u = w + x``: ``∂y/∂u = 1⃗ᵀ`` (R-2) and ``∂u/∂w = I`` (E-3), computed as that
    product with the structured identity (O(n)).

    Shapes: w, x ``(n,)``. Returns shape ``(n,)``. No kinks.

    >>> import numpy as np
    >>> grad_sum_add_w(np.array([1.0, 2.0]), np.array([3.0, 4.0]))
    array([1., 1.])
    """
    xp, w, x = same_length_vectors(w=w, x=x)
    return xp.ones_like(w) @ identity_like(w)


def grad_sum_add_x(w: Array, x: Array) -> Array:
    r"""∂ sum(w + x)/∂x = 1⃗ᵀ I = 1⃗ᵀ   (RULES R-4, §4.5; implied, not computed in the paper)

    ``∂u/∂x = I`` (E-4) for ``u = w + x``. Shapes: w, x ``(n,)``. Returns shape ``(n,)``. No kinks.

    >>> import numpy as np
    >>> grad_sum_add_x(np.array([1.0, 2.0]), np.array([3.0, 4.0]))
    array([1., 1.])
    """
    xp, w, x = same_length_vectors(w=w, x=x)
    return xp.ones_like(x) @ identity_like(x)
