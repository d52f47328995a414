r"""§4.2 Derivatives of vector element-wise binary operators: ``y = f(w) ○ g(x)``.

Notation (the paper's): ``w, x ∈ Rⁿ`` are vectors and ``○`` is any element-wise binary operator
(``+``, ``−``, ``⊗`` for the Hadamard product, ``⊘`` for element-wise division), so that
``y_i = f_i(w) ○ g_i(x)`` and ``m = n = |y| = |w| = |x|``.

* **E-1** (general case): ``f_i`` may use *all* of ``w``; the Jacobians ``J_w = ∂y/∂w`` and
  ``J_x = ∂y/∂x`` are then full ``n × n`` matrices (here: ``y = (Aw) ⊗ x``).
* **E-2** (the element-wise diagonal condition): if ``f_i`` uses at most ``w_i`` and ``g_i`` at most
  ``x_i``, every off-diagonal entry is ``∂/∂w_j`` of a constant, 0, and the Jacobians are diagonal.
* **E-3 … E-10**: the common operators with ``f(w) = w`` and ``g(x) = x`` (the §8.2 table): ``I`` and
  ``−I`` come back as :class:`~chainrule.analytic.structured.ScaledIdentity`, ``diag(·)`` as
  :class:`~chainrule.analytic.structured.Diagonal`, both in O(n) memory.
* **E-11** (extension, not in the paper): ``max(w, x)`` and ``w > x``, which the paper names as common
  in deep learning without giving their Jacobians.

Layout: numerator (DESIGN.md): every Jacobian here has shape ``(n, n)`` with entry
``(i, j) = ∂y_i/∂w_j`` (or ``∂y_i/∂x_j``).

Kinks: only E-11 has them. ``max(w, x)`` is written ``where(w > x, w, x)``; at a tie ``w_i = x_i`` the
derivative goes to ``x`` (``∂/∂w_i = 0``, ``∂/∂x_i = 1``), which is what JAX gives for that primal
(``jnp.maximum`` would split it 0.5/0.5 and is never used). ``w > x`` is a step: its Jacobian is 0
wherever it exists (everywhere but the ties).

Every function takes NumPy or JAX arrays (array API) and returns the same kind; all are traceable under
``jax.jit``.

References:
  T. Parr and J. Howard, "The Matrix Calculus You Need For Deep Learning", arXiv:1802.01528, §4.2, §8.2.
"""

from __future__ import annotations

from typing import Any

from ._array import inputs, require_ndim, require_nonzero, require_same_shape, require_shape, same_length_vectors
from .structured import Diagonal, ScaledIdentity, identity_like

__all__ = [
    "add",
    "div",
    "greater",
    "jac_add_w",
    "jac_add_x",
    "jac_div_w",
    "jac_div_x",
    "jac_greater_w",
    "jac_greater_x",
    "jac_matvec_mul_w",
    "jac_matvec_mul_x",
    "jac_maximum_w",
    "jac_maximum_x",
    "jac_mul_w",
    "jac_mul_x",
    "jac_square_mul_exp_w",
    "jac_square_mul_exp_x",
    "jac_sub_w",
    "jac_sub_x",
    "matvec_mul",
    "maximum",
    "mul",
    "square_mul_exp",
    "sub",
]

Array = Any


# --- helpers -------------------------------------------------------------------------------------



def _divisor(w: Array, x: Array, rule: str) -> tuple[Any, Array, Array]:
    xp, w, x = same_length_vectors(w=w, x=x)
    require_nonzero("x", x, rule)
    return xp, w, x


def _general(A: Array, w: Array, x: Array) -> tuple[Any, Array, Array, Array]:
    """Validate E-1's operands: A (n, n), w (n,), x (n,)."""
    xp, (A, w, x) = inputs(A=A, w=w, x=x)
    require_ndim("A", A, 2, "a matrix A of shape (n, n)")
    require_ndim("w", w, 1, "a vector w ∈ Rⁿ")
    require_ndim("x", x, 1, "a vector x ∈ Rⁿ")
    require_same_shape(w=w, x=x)
    n = w.shape[0]
    require_shape("A", A, (n, n), f"f(w) = Aw must map Rⁿ → Rⁿ with n = |w| = {n}, since m = n = |y|")
    return xp, A, w, x


# --- E-1 The general element-wise binary operator (§4.2) -----------------------------------------


def matvec_mul(A: Array, w: Array, x: Array) -> Array:
    r"""Primal of RULES E-1: ``y = f(w) ⊗ g(x)`` with ``f(w) = Aw`` and ``g(x) = x``, i.e. ``y_i = (Aw)_i x_i``.

    Each ``f_i(w) = Σ_j A_ij w_j`` uses all of ``w``, so the diagonal condition (E-2) fails for ``w``.
    Shapes: A ``(n, n)``, w, x ``(n,)`` → ``(n,)``.
    """
    _xp, A, w, x = _general(A, w, x)
    return (A @ w) * x


def jac_matvec_mul_w(A: Array, w: Array, x: Array) -> Array:
    r"""∂((Aw) ⊗ x)/∂w = diag(x) A   (RULES E-1, §4.2)

    Entry ``(i, j) = ∂/∂w_j ((Aw)_i x_i) = x_i A_ij``: row ``i`` of ``A`` scaled by ``x_i``. ``f_i`` uses
    all of ``w``, so this Jacobian is a full matrix, not a diagonal one.

    Shapes: A ``(n, n)``, w, x ``(n,)``. Returns a dense ``(n, n)`` array, numerator layout. No kinks.

    >>> import numpy as np
    >>> A = np.array([[1.0, 2.0], [3.0, 4.0]])
    >>> jac_matvec_mul_w(A, np.array([1.0, 1.0]), np.array([10.0, -1.0]))
    array([[10., 20.],
           [-3., -4.]])
    """
    _xp, A, w, x = _general(A, w, x)
    return Diagonal(x) @ A


def jac_matvec_mul_x(A: Array, w: Array, x: Array) -> Diagonal:
    r"""∂((Aw) ⊗ x)/∂x = diag(Aw)   (RULES E-1, §4.2)

    ``g_i(x) = x_i`` uses only ``x_i``, so ``J_x`` is diagonal even though ``J_w`` is not:
    ``∂/∂x_j ((Aw)_i x_i) = (Aw)_i`` if ``i = j`` and 0 otherwise.

    Shapes: A ``(n, n)``, w, x ``(n,)``. Returns a :class:`~chainrule.analytic.structured.Diagonal` of shape
    ``(n, n)``, numerator layout. No kinks.

    >>> import numpy as np
    >>> A = np.array([[1.0, 2.0], [3.0, 4.0]])
    >>> jac_matvec_mul_x(A, np.array([1.0, 1.0]), np.array([10.0, -1.0])).diagonal()
    array([3., 7.])
    """
    _xp, A, w, x = _general(A, w, x)
    return Diagonal(A @ w)


# --- E-2 The element-wise diagonal condition (§4.2) ----------------------------------------------


def square_mul_exp(w: Array, x: Array) -> Array:
    r"""Primal of RULES E-2: ``y = f(w) ⊗ g(x)`` with ``f(w) = w²`` and ``g(x) = exp(x)``, element-wise.

    ``f_i`` uses only ``w_i`` and ``g_i`` only ``x_i``: the diagonal condition holds although neither
    function is linear. Shapes: w, x ``(n,)`` → ``(n,)``.
    """
    xp, w, x = same_length_vectors(w=w, x=x)
    return w * w * xp.exp(x)


def jac_square_mul_exp_w(w: Array, x: Array) -> Diagonal:
    r"""∂(w² ⊗ exp(x))/∂w = diag(…∂/∂w_i (w_i² exp(x_i))…) = diag(2w ⊗ exp(x))   (RULES E-2, §4.2)

    Off the diagonal, ``∂/∂w_j (w_i² exp(x_i)) = 0`` for ``j ≠ i``: the term is a constant in ``w_j``.

    Shapes: w, x ``(n,)``. Returns a :class:`~chainrule.analytic.structured.Diagonal` of shape ``(n, n)``,
    numerator layout. No kinks.

    >>> import numpy as np
    >>> jac_square_mul_exp_w(np.array([1.0, 3.0]), np.array([0.0, 0.0])).diagonal()
    array([2., 6.])
    """
    xp, w, x = same_length_vectors(w=w, x=x)
    return Diagonal(2.0 * w * xp.exp(x))


def jac_square_mul_exp_x(w: Array, x: Array) -> Diagonal:
    r"""∂(w² ⊗ exp(x))/∂x = diag(w² ⊗ exp(x))   (RULES E-2, §4.2)

    Shapes: w, x ``(n,)``. Returns a :class:`~chainrule.analytic.structured.Diagonal` of shape ``(n, n)``,
    numerator layout. No kinks.

    >>> import numpy as np
    >>> jac_square_mul_exp_x(np.array([1.0, 3.0]), np.array([0.0, 0.0])).diagonal()
    array([1., 9.])
    """
    xp, w, x = same_length_vectors(w=w, x=x)
    return Diagonal(w * w * xp.exp(x))


# --- E-3 / E-4 Addition (§4.2, §8.2) -------------------------------------------------------------


def add(w: Array, x: Array) -> Array:
    r"""Primal of RULES E-3/E-4: ``y = w + x``. Shapes: w, x ``(n,)`` → ``(n,)``."""
    _xp, w, x = same_length_vectors(w=w, x=x)
    return w + x


def jac_add_w(w: Array, x: Array) -> ScaledIdentity:
    r"""∂(w + x)/∂w = diag(…∂(w_i + x_i)/∂w_i…) = diag(1⃗) = I   (RULES E-3, §4.2)

    ``∂(w_i + x_i)/∂w_i = 1 + 0 = 1``. Shapes: w, x ``(n,)``. Returns ``I`` as a
    :class:`~chainrule.analytic.structured.ScaledIdentity` of shape ``(n, n)`` (O(1) memory), numerator layout.
    No kinks.

    >>> import numpy as np
    >>> jac_add_w(np.zeros(2), np.zeros(2)).todense()
    array([[1., 0.],
           [0., 1.]])
    """
    _xp, w, x = same_length_vectors(w=w, x=x)
    return identity_like(w)


def jac_add_x(w: Array, x: Array) -> ScaledIdentity:
    r"""∂(w + x)/∂x = diag(1⃗) = I   (RULES E-4, §4.2)

    ``∂(w_i + x_i)/∂x_i = 0 + 1 = 1``. Shapes: w, x ``(n,)``. Returns ``I`` as a
    :class:`~chainrule.analytic.structured.ScaledIdentity` of shape ``(n, n)``, numerator layout. No kinks.

    >>> import numpy as np
    >>> J = jac_add_x(np.zeros(3), np.zeros(3))
    >>> J.shape, float(J.scale)
    ((3, 3), 1.0)
    """
    _xp, w, x = same_length_vectors(w=w, x=x)
    return identity_like(x)


# --- E-5 / E-6 Subtraction (§4.2, §8.2) ----------------------------------------------------------


def sub(w: Array, x: Array) -> Array:
    r"""Primal of RULES E-5/E-6: ``y = w − x``. Shapes: w, x ``(n,)`` → ``(n,)``."""
    _xp, w, x = same_length_vectors(w=w, x=x)
    return w - x


def jac_sub_w(w: Array, x: Array) -> ScaledIdentity:
    r"""∂(w − x)/∂w = diag(1⃗) = I   (RULES E-5, §4.2)

    Shapes: w, x ``(n,)``. Returns ``I`` as a :class:`~chainrule.analytic.structured.ScaledIdentity` of shape
    ``(n, n)``, numerator layout. No kinks.

    >>> import numpy as np
    >>> float(jac_sub_w(np.zeros(2), np.zeros(2)).scale)
    1.0
    """
    _xp, w, x = same_length_vectors(w=w, x=x)
    return identity_like(w)


def jac_sub_x(w: Array, x: Array) -> ScaledIdentity:
    r"""∂(w − x)/∂x = diag(−1⃗) = −I   (RULES E-6, §4.2)

    ``∂(w_i − x_i)/∂x_i = 0 − 1 = −1``. Shapes: w, x ``(n,)``. Returns ``−I`` as a
    :class:`~chainrule.analytic.structured.ScaledIdentity` of shape ``(n, n)``, numerator layout. No kinks.

    >>> import numpy as np
    >>> J = jac_sub_x(np.zeros(2), np.zeros(2))
    >>> float(J.scale), J.diagonal()
    (-1.0, array([-1., -1.]))
    """
    _xp, w, x = same_length_vectors(w=w, x=x)
    return identity_like(x, -1.0)


# --- E-7 / E-8 Hadamard product (§4.2, §8.2) -----------------------------------------------------


def mul(w: Array, x: Array) -> Array:
    r"""Primal of RULES E-7/E-8: ``y = w ⊗ x`` (Hadamard product). Shapes: w, x ``(n,)`` → ``(n,)``."""
    _xp, w, x = same_length_vectors(w=w, x=x)
    return w * x


def jac_mul_w(w: Array, x: Array) -> Diagonal:
    r"""∂(w ⊗ x)/∂w = diag(x)   (RULES E-7, §4.2)

    ``∂(w_i x_i)/∂w_i = x_i``. Shapes: w, x ``(n,)``. Returns a :class:`~chainrule.analytic.structured.Diagonal`
    Jacobian of shape ``(n, n)`` (O(n) memory), numerator layout. No kinks.

    >>> import numpy as np
    >>> jac_mul_w(np.array([1.0, 2.0]), np.array([3.0, 4.0])).diagonal()
    array([3., 4.])
    """
    _xp, w, x = same_length_vectors(w=w, x=x)
    return Diagonal(x)


def jac_mul_x(w: Array, x: Array) -> Diagonal:
    r"""∂(w ⊗ x)/∂x = diag(w)   (RULES E-8, §4.2)

    Shapes: w, x ``(n,)``. Returns a :class:`~chainrule.analytic.structured.Diagonal` of shape ``(n, n)``,
    numerator layout. No kinks.

    >>> import numpy as np
    >>> jac_mul_x(np.array([1.0, 2.0]), np.array([3.0, 4.0])).diagonal()
    array([1., 2.])
    """
    _xp, w, x = same_length_vectors(w=w, x=x)
    return Diagonal(w)


# --- E-9 / E-10 Element-wise division (§4.2, §8.2) -----------------------------------------------


def div(w: Array, x: Array) -> Array:
    r"""Primal of RULES E-9/E-10: ``y = w ⊘ x``, defined where every ``x_i ≠ 0``.

    Shapes: w, x ``(n,)`` → ``(n,)``. A concrete ``x`` with a zero entry raises ``ValueError``.
    """
    _xp, w, x = _divisor(w, x, "w ⊘ x")
    return w / x


def jac_div_w(w: Array, x: Array) -> Diagonal:
    r"""∂(w ⊘ x)/∂w = diag(…1/x_i…)   (RULES E-9, §4.2)

    Domain: every ``x_i ≠ 0`` (a concrete zero raises ``ValueError``). Shapes: w, x ``(n,)``. Returns a
    :class:`~chainrule.analytic.structured.Diagonal` of shape ``(n, n)``, numerator layout. No kinks.

    >>> import numpy as np
    >>> jac_div_w(np.array([1.0, 1.0]), np.array([2.0, -4.0])).diagonal()
    array([ 0.5 , -0.25])
    """
    _xp, w, x = _divisor(w, x, "∂(w ⊘ x)/∂w = diag(1/x_i)")
    return Diagonal(1.0 / x)


def jac_div_x(w: Array, x: Array) -> Diagonal:
    r"""∂(w ⊘ x)/∂x = diag(…−w_i/x_i²…)   (RULES E-10, §4.2)

    Domain: every ``x_i ≠ 0`` (a concrete zero raises ``ValueError``). Shapes: w, x ``(n,)``. Returns a
    :class:`~chainrule.analytic.structured.Diagonal` of shape ``(n, n)``, numerator layout. No kinks.

    >>> import numpy as np
    >>> jac_div_x(np.array([3.0, 1.0]), np.array([1.0, -2.0])).diagonal()
    array([-3.  , -0.25])
    """
    _xp, w, x = _divisor(w, x, "∂(w ⊘ x)/∂x = diag(−w_i/x_i²)")
    return Diagonal(-w / (x * x))


# --- E-11 Extension: max(w, x) and w > x (§4.2 names them; no Jacobian in the paper) -------------


def maximum(w: Array, x: Array) -> Array:
    r"""Primal of RULES E-11 (extension): element-wise ``max(w, x)``, written ``where(w > x, w, x)``.

    At a tie ``w_i = x_i`` the ``where`` picks ``x_i``, so autodiff sends the derivative to ``x``
    (``jnp.maximum`` would split it 0.5/0.5). Shapes: w, x ``(n,)`` → ``(n,)``.
    """
    xp, w, x = same_length_vectors(w=w, x=x)
    return xp.where(w > x, w, x)


def jac_maximum_w(w: Array, x: Array) -> Diagonal:
    r"""∂max(w, x)/∂w = diag(1[w_i > x_i])   (RULES E-11, §4.2; extension, not in the paper)

    By the diagonal condition (E-2), with ``∂max(w_i, x_i)/∂w_i = 1`` where ``w_i`` wins and 0 elsewhere.

    Shapes: w, x ``(n,)``. Returns a :class:`~chainrule.analytic.structured.Diagonal` of zeros and ones, shape
    ``(n, n)``, numerator layout. Kink (tie convention): **0 at** ``w_i = x_i``; the tie's derivative
    goes to ``x`` (what JAX gives for ``where(w > x, w, x)``).

    >>> import numpy as np
    >>> jac_maximum_w(np.array([2.0, 1.0, 0.0]), np.array([1.0, 1.0, 5.0])).diagonal()
    array([1., 0., 0.])
    """
    xp, w, x = same_length_vectors(w=w, x=x)
    return Diagonal(xp.astype(w > x, w.dtype))


def jac_maximum_x(w: Array, x: Array) -> Diagonal:
    r"""∂max(w, x)/∂x = diag(1[w_i ≤ x_i])   (RULES E-11, §4.2; extension, not in the paper)

    Shapes: w, x ``(n,)``. Returns a :class:`~chainrule.analytic.structured.Diagonal` of zeros and ones, shape
    ``(n, n)``, numerator layout. Kink (tie convention): **1 at** ``w_i = x_i``; the tie's derivative
    goes to ``x``, so ``jac_maximum_w + jac_maximum_x = I`` everywhere, ties included.

    >>> import numpy as np
    >>> jac_maximum_x(np.array([2.0, 1.0, 0.0]), np.array([1.0, 1.0, 5.0])).diagonal()
    array([0., 1., 1.])
    """
    xp, w, x = same_length_vectors(w=w, x=x)
    return Diagonal(xp.astype(w <= x, x.dtype))


def greater(w: Array, x: Array) -> Array:
    r"""Primal of RULES E-11 (extension): ``w > x`` as "a vector of ones and zeros" in ``w``'s dtype.

    Shapes: w, x ``(n,)`` → ``(n,)``.
    """
    xp, w, x = same_length_vectors(w=w, x=x)
    return xp.astype(w > x, w.dtype)


def jac_greater_w(w: Array, x: Array) -> ScaledIdentity:
    r"""∂(w > x)/∂w = 0 (n × n) almost everywhere   (RULES E-11, §4.2; extension, not in the paper)

    ``w > x`` is piecewise constant, so its Jacobian is the zero matrix wherever it exists.
    Returned as a structured zero, ``0·I`` (a :class:`~chainrule.analytic.structured.ScaledIdentity` of shape
    ``(n, n)``, O(1) memory), numerator layout. Kink: at a tie ``w_i = x_i`` the step jumps and has no
    derivative; like autodiff, this returns 0 there too.

    >>> import numpy as np
    >>> J = jac_greater_w(np.array([1.0, 2.0]), np.array([0.0, 3.0]))
    >>> J.shape, float(J.scale)
    ((2, 2), 0.0)
    """
    _xp, w, x = same_length_vectors(w=w, x=x)
    return identity_like(w, 0.0)


def jac_greater_x(w: Array, x: Array) -> ScaledIdentity:
    r"""∂(w > x)/∂x = 0 (n × n) almost everywhere   (RULES E-11, §4.2; extension, not in the paper)

    Returned as the structured zero ``0·I``, shape ``(n, n)``, numerator layout. Kink: 0 at ties, like
    :func:`jac_greater_w`.

    >>> import numpy as np
    >>> jac_greater_x(np.array([1.0]), np.array([1.0])).todense()
    array([[0.]])
    """
    _xp, w, x = same_length_vectors(w=w, x=x)
    return identity_like(x, 0.0)
