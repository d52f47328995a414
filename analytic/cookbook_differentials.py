r"""The Matrix Cookbook, Chapter 2 preamble: the basic assumption (32) and the differential rules (33)–(45).

The Cookbook's ``∂`` in (33)–(45) is a *differential*: ``∂F`` is the change of ``F`` to first order when
its variables move by ``∂X`` (and ``∂Y``), i.e. the directional derivative, the Jacobian-vector product
(JVP) of ``F`` along the tangent ``∂X``. Each closed form here is that JVP: ``jvp_<primal>_<wrt>`` takes
the point and the tangent(s) and returns ``∂F``, shaped like ``F``. They cost no Jacobian: O(size of F).

* One variable (34, 36, 40–45): ``jvp_trace_X(X, t) = Tr(t)``; the tangent ``t`` is shaped like ``X``.
* Two variables (35, 37, 38, 39): the closed form takes both tangents, ``jvp_matmul_XY(X, Y, dX, dY)``,
  and returns the whole rule (both terms of the product rule). The catalog checks it along the line
  ``s ↦ (X + s dX, Y + s dY)`` (one JVP in the scalar ``s``), so one record tests both terms at once,
  for any shapes (see :mod:`chainrule.reference.catalog.rules_cookbook_differentials`).
* Complex (45): a complex ``X = ℜX + iℑX`` is passed as the real array ``Z`` of shape ``(2, m, n)``,
  ``Z[0] = ℜX``, ``Z[1] = ℑX`` (``_array.inputs`` rejects complex arrays); a real parameter ``t`` moving
  ``X(t)`` is then a real tangent of the same packed shape.
* The basic assumption (32), ``∂X_kl/∂X_ij = δ_ik δ_lj``, is the Jacobian of ``X ↦ X`` (numerator layout,
  ``out.shape + in.shape``).

The determinant rules (41)–(43) need X square; (42) and (43) need X invertible (concrete singular inputs
are rejected), while (41), written with the adjugate, holds for every square X, singular ones too:
:func:`adjugate` computes ``adj(X)`` from cofactors (``(n−1) × (n−1)`` minors), never from ``X⁻¹``.

References:
  K. B. Petersen and M. S. Pedersen, "The Matrix Cookbook", Technical University of Denmark,
  version 20121115, Chapter 2 (equation numbers as in COOKBOOK.md).
"""

from __future__ import annotations

from typing import Any

import numpy as np

from ._array import inputs, is_concrete, require_ndim
from .matrix import _invertible, _matmul_shapes, _square

__all__ = [
    "adjugate",
    "conj_transpose",
    "constant",
    "determinant",
    "hadamard_product",
    "jac_matrix_entries_X",
    "jvp_conj_transpose_Z",
    "jvp_constant_X",
    "jvp_det_X",
    "jvp_det_adj_X",
    "jvp_hadamard_product_XY",
    "jvp_kron_XY",
    "jvp_log_det_X",
    "jvp_matmul_XY",
    "jvp_matrix_add_XY",
    "jvp_scale_X",
    "jvp_trace_X",
    "jvp_transpose_X",
    "kron",
    "log_det",
    "matmul",
    "matrix_add",
    "matrix_entries",
    "scale",
    "trace",
    "transpose",
]

Array = Any


# --- helpers ---------------------------------------------------------------------------------------------


def _matrix(name: str, X: Array) -> None:
    require_ndim(name, X, 2, f"a matrix {name} of shape (m, n)")


def _tangent(name: str, t: Array, of: str, X: Array) -> None:
    if tuple(t.shape) != tuple(X.shape):
        raise ValueError(
            f"{name}: expected a tangent (the direction ∂{of}) shaped like {of}, {tuple(X.shape)}, got "
            f"{tuple(t.shape)}; pass an array of {of}'s shape"
        )


def _same_shape(X: Array, Y: Array, rule: str) -> None:
    if tuple(X.shape) != tuple(Y.shape):
        raise ValueError(
            f"{rule} needs X and Y of one shape, got X {tuple(X.shape)} and Y {tuple(Y.shape)}; pass matrices "
            "of equal shape"
        )


def _pair(X: Array, Y: Array, dX: Array, dY: Array) -> tuple[Any, Array, Array, Array, Array]:
    xp, (X, Y, dX, dY) = inputs(X=X, Y=Y, dX=dX, dY=dY)
    _matrix("X", X)
    _matrix("Y", Y)
    _tangent("dX", dX, "X", X)
    _tangent("dY", dY, "Y", Y)
    return xp, X, Y, dX, dY


# --- CB-32 The basic assumption -------------------------------------------------------------------------


def matrix_entries(X: Array) -> Array:
    r"""Primal of CB-32: ``X ↦ X`` (a copy). Shapes: X ``(m, n)`` → ``(m, n)``."""
    xp, (X,) = inputs(X=X)
    _matrix("X", X)
    return xp.asarray(X, copy=True)


def jac_matrix_entries_X(X: Array) -> Array:
    r"""∂X_kl/∂X_ij = δ_ik δ_lj   (CB-32, Matrix Cookbook §2)

    The basic assumption: the entries of X are independent variables. Shapes: X ``(m, n)``; returns
    ``(m, n, m, n)`` with entry ``[k, l, i, j] = δ_ik δ_lj`` (numerator layout: out.shape + in.shape), in
    X's dtype. Structured matrices (§2.8) drop this assumption. No kinks.

    >>> import numpy as np
    >>> J = jac_matrix_entries_X(np.zeros((1, 2)))
    >>> J.shape, float(J[0, 1, 0, 1]), float(J[0, 1, 0, 0])
    ((1, 2, 1, 2), 1.0, 0.0)
    """
    xp, (X,) = inputs(X=X)
    _matrix("X", X)
    m, n = X.shape
    return xp.eye(m, dtype=X.dtype)[:, None, :, None] * xp.eye(n, dtype=X.dtype)[None, :, None, :]


# --- CB-33 / CB-34 Constants ------------------------------------------------------------------------------


def constant(A: Array, X: Array) -> Array:
    r"""Primal of CB-33: ``(A, X) ↦ A``, constant in X. Shapes: A any, X any → A's shape."""
    _, (A, X) = inputs(A=A, X=X)
    return A


def jvp_constant_X(A: Array, X: Array, t: Array) -> Array:
    r"""∂A = 0   (CB-33, Matrix Cookbook §2)

    A constant does not move when X moves along any tangent ``t``. Shapes: A any, X any, t like X;
    returns zeros shaped like A, in A's dtype. No kinks.

    >>> import numpy as np
    >>> jvp_constant_X(np.ones(2), np.zeros(3), np.ones(3))
    array([0., 0.])
    """
    xp, (A, X, t) = inputs(A=A, X=X, t=t)
    _tangent("t", t, "X", X)
    return xp.zeros_like(A)


def scale(alpha: Array, X: Array) -> Array:
    r"""Primal of CB-34: ``αX``. Shapes: alpha ``()`` (a constant), X ``(m, n)`` → ``(m, n)``."""
    _, (alpha, X) = inputs(alpha=alpha, X=X)
    require_ndim("alpha", alpha, 0, "a scalar α")
    _matrix("X", X)
    return alpha * X


def jvp_scale_X(alpha: Array, X: Array, t: Array) -> Array:
    r"""∂(αX) = α∂X   (CB-34, Matrix Cookbook §2)

    α is a constant (not differentiated); the tangent ``t`` is ∂X. Shapes: alpha ``()``, X, t ``(m, n)``;
    returns ``(m, n)``. No kinks.

    >>> import numpy as np
    >>> jvp_scale_X(np.asarray(3.0), np.zeros((1, 2)), np.array([[1.0, -1.0]]))
    array([[ 3., -3.]])
    """
    _, (alpha, X, t) = inputs(alpha=alpha, X=X, t=t)
    require_ndim("alpha", alpha, 0, "a scalar α")
    _matrix("X", X)
    _tangent("t", t, "X", X)
    return alpha * t


# --- CB-35 … CB-39 Sums and products (two variables) -------------------------------------------------------


def matrix_add(X: Array, Y: Array) -> Array:
    r"""Primal of CB-35: ``X + Y``. Shapes: X, Y ``(m, n)`` → ``(m, n)``."""
    _, (X, Y) = inputs(X=X, Y=Y)
    _matrix("X", X)
    _same_shape(X, Y, "X + Y")
    return X + Y


def jvp_matrix_add_XY(X: Array, Y: Array, dX: Array, dY: Array) -> Array:
    r"""∂(X + Y) = ∂X + ∂Y   (CB-35, Matrix Cookbook §2)

    Shapes: X, Y, dX (= ∂X), dY (= ∂Y) ``(m, n)``; returns ``(m, n)``. Linear: the differential of a sum is
    the sum of the differentials. No kinks.

    >>> import numpy as np
    >>> jvp_matrix_add_XY(np.zeros((1, 1)), np.zeros((1, 1)), np.array([[1.0]]), np.array([[2.0]]))
    array([[3.]])
    """
    _, X, Y, dX, dY = _pair(X, Y, dX, dY)
    _same_shape(X, Y, "X + Y")
    return dX + dY


def trace(X: Array) -> Array:
    r"""Primal of CB-36: ``Tr(X) = Σᵢ X_ii``. Shapes: X ``(n, n)`` → ``()``."""
    xp, (X,) = inputs(X=X)
    _square("X", X)
    return xp.linalg.trace(X)


def jvp_trace_X(X: Array, t: Array) -> Array:
    r"""∂Tr(X) = Tr(∂X)   (CB-36, Matrix Cookbook §2)

    The trace is linear, so its differential is the trace of the tangent ``t`` (= ∂X). Shapes: X, t
    ``(n, n)``; returns ``()``. No kinks.

    >>> import numpy as np
    >>> float(jvp_trace_X(np.zeros((2, 2)), np.array([[1.0, 5.0], [7.0, 2.0]])))
    3.0
    """
    xp, (X, t) = inputs(X=X, t=t)
    _square("X", X)
    _tangent("t", t, "X", X)
    return xp.linalg.trace(t)


def matmul(X: Array, Y: Array) -> Array:
    r"""Primal of CB-37: ``XY``. Shapes: X ``(m, k)``, Y ``(k, n)`` → ``(m, n)``."""
    _, (X, Y) = inputs(X=X, Y=Y)
    _matrix("X", X)
    _matrix("Y", Y)
    _matmul_shapes("X", X, "Y", Y)
    return X @ Y


def jvp_matmul_XY(X: Array, Y: Array, dX: Array, dY: Array) -> Array:
    r"""∂(XY) = (∂X)Y + X(∂Y)   (CB-37, Matrix Cookbook §2)

    The product rule: each factor moves in turn, in its own place (matrices do not commute, so ``Y(∂X)``
    would be wrong). Shapes: X, dX (= ∂X) ``(m, k)``; Y, dY (= ∂Y) ``(k, n)``; returns ``(m, n)``. Exact
    to first order: ``(X + dX)(Y + dY) − XY`` adds the second-order ``dX dY``. No kinks.

    >>> import numpy as np
    >>> X, Y = np.array([[1.0, 2.0]]), np.array([[3.0], [4.0]])
    >>> jvp_matmul_XY(X, Y, np.array([[1.0, 0.0]]), np.zeros((2, 1)))    # (∂X)Y picks Y's first row
    array([[3.]])
    """
    _, X, Y, dX, dY = _pair(X, Y, dX, dY)
    _matmul_shapes("X", X, "Y", Y)
    return dX @ Y + X @ dY


def hadamard_product(X: Array, Y: Array) -> Array:
    r"""Primal of CB-38: ``X ∘ Y`` (entry-wise). Shapes: X, Y ``(m, n)`` → ``(m, n)``."""
    _, (X, Y) = inputs(X=X, Y=Y)
    _matrix("X", X)
    _same_shape(X, Y, "X ∘ Y")
    return X * Y


def jvp_hadamard_product_XY(X: Array, Y: Array, dX: Array, dY: Array) -> Array:
    r"""∂(X∘Y) = (∂X)∘Y + X∘(∂Y)   (CB-38, Matrix Cookbook §2)

    The scalar product rule, entry by entry. Shapes: X, Y, dX (= ∂X), dY (= ∂Y) ``(m, n)``; returns
    ``(m, n)``. No kinks.

    >>> import numpy as np
    >>> jvp_hadamard_product_XY(np.array([[2.0]]), np.array([[3.0]]), np.array([[1.0]]), np.array([[1.0]]))
    array([[5.]])
    """
    _, X, Y, dX, dY = _pair(X, Y, dX, dY)
    _same_shape(X, Y, "X ∘ Y")
    return dX * Y + X * dY


def _kron(xp: Any, X: Array, Y: Array) -> Array:
    """``X ⊗ Y`` for 2-d X (m, n) and Y (p, q): shape (m p, n q), block (i, j) = X_ij Y."""
    (m, n), (p, q) = X.shape, Y.shape
    return xp.reshape(X[:, None, :, None] * Y[None, :, None, :], (m * p, n * q))


def kron(X: Array, Y: Array) -> Array:
    r"""Primal of CB-39: the Kronecker product ``X ⊗ Y``, ``(X ⊗ Y)[i p + k, j q + l] = X_ij Y_kl``.

    Shapes: X ``(m, n)``, Y ``(p, q)`` → ``(m p, n q)`` (any shapes).
    """
    xp, (X, Y) = inputs(X=X, Y=Y)
    _matrix("X", X)
    _matrix("Y", Y)
    return _kron(xp, X, Y)


def jvp_kron_XY(X: Array, Y: Array, dX: Array, dY: Array) -> Array:
    r"""∂(X⊗Y) = (∂X)⊗Y + X⊗(∂Y)   (CB-39, Matrix Cookbook §2)

    ``⊗`` is bilinear, so the product rule holds with each factor kept in its place. Shapes: X, dX
    (= ∂X) ``(m, n)``; Y, dY (= ∂Y) ``(p, q)``; returns ``(m p, n q)``. No kinks.

    >>> import numpy as np
    >>> jvp_kron_XY(np.array([[2.0]]), np.array([[1.0, 3.0]]), np.array([[1.0]]), np.zeros((1, 2)))
    array([[1., 3.]])
    """
    xp, X, Y, dX, dY = _pair(X, Y, dX, dY)
    return _kron(xp, dX, Y) + _kron(xp, X, dY)


# --- CB-41 … CB-43 Determinants ------------------------------------------------------------------------------


def determinant(X: Array) -> Array:
    r"""Primal of CB-41 (and CB-47, CB-50): ``det X`` for **any** square X, singular ones included.

    Unlike :func:`chainrule.analytic.matrix.det` (CB-49, which needs X invertible), a singular X is
    accepted. Shapes: X ``(n, n)`` → ``()``.
    """
    xp, (X,) = inputs(X=X)
    _square("X", X)
    return xp.linalg.det(X)


def adjugate(X: Array) -> Array:
    r"""``adj(X)``, the transposed matrix of cofactors: ``adj(X)_ji = (−1)^(i+j) det(X without row i, column j)``.

    Computed from the ``(n−1) × (n−1)`` minors (batched determinants), never from X⁻¹, so it is defined
    for every square X: ``X adj(X) = adj(X) X = det(X) I`` (for invertible X, ``adj(X) = det(X) X⁻¹``;
    at rank n − 1 it is a nonzero rank-one matrix; below that it is 0). For n = 1, ``adj(X) = [[1]]`` (the
    determinant of the empty minor). Shapes: X ``(n, n)`` → ``(n, n)``; O(n⁵) work, for small n.

    >>> import numpy as np
    >>> adjugate(np.array([[1.0, 2.0], [3.0, 4.0]]))
    array([[ 4., -2.],
           [-3.,  1.]])
    >>> adjugate(np.array([[1.0, 2.0], [2.0, 4.0]]))      # singular: adj is still defined
    array([[ 4., -2.],
           [-2.,  1.]])
    """
    xp, (X,) = inputs(X=X)
    _square("X", X)
    n = X.shape[0]
    keep = np.array([[k for k in range(n) if k != i] for i in range(n)], dtype=np.intp).reshape(n, n - 1)
    minors = X[keep[:, None, :, None], keep[None, :, None, :]]  # [i, j] = X less row i and column j
    signs = xp.asarray((-1.0) ** np.add.outer(np.arange(n), np.arange(n)), dtype=X.dtype)
    cofactors = signs * xp.linalg.det(minors)
    return cofactors.T


def jvp_det_adj_X(X: Array, t: Array) -> Array:
    r"""∂det X = Tr(adj(X) ∂X)   (CB-41, Matrix Cookbook §2)

    Jacobi's formula in adjugate form: the gradient of det is the cofactor matrix ``adj(X)ᵀ``, so
    ``∂det X = Σᵢⱼ adj(X)_ji t_ij``. It holds for every square X, singular too (the catalog also checks
    it at rank n − 1, where ``det X = 0`` but the derivative is not). Shapes: X, t (= ∂X) ``(n, n)``;
    returns ``()``. No kinks.

    >>> import numpy as np
    >>> float(jvp_det_adj_X(np.array([[1.0, 2.0], [2.0, 4.0]]), np.eye(2)))    # singular X: Tr(adj X) = 5
    5.0
    """
    xp, (X, t) = inputs(X=X, t=t)
    _square("X", X)
    _tangent("t", t, "X", X)
    return xp.sum(adjugate(X).T * t)


def jvp_det_X(X: Array, t: Array) -> Array:
    r"""∂det X = det(X) Tr(X⁻¹∂X)   (CB-42, Matrix Cookbook §2)

    Jacobi's formula for invertible X (``adj(X) = det(X) X⁻¹`` in CB-41); ``X⁻¹∂X`` is a linear solve,
    not an inverse. Shapes: X ``(n, n)`` invertible, t (= ∂X) ``(n, n)``; returns ``()``. No kinks
    (concrete singular X is rejected: use :func:`jvp_det_adj_X` there).

    >>> import numpy as np
    >>> round(float(jvp_det_X(np.array([[2.0, 0.0], [0.0, 4.0]]), np.eye(2))), 12)    # det · (1/2 + 1/4)
    6.0
    """
    xp, (X, t) = inputs(X=X, t=t)
    _invertible("X", X)
    _tangent("t", t, "X", X)
    return xp.linalg.det(X) * xp.linalg.trace(xp.linalg.solve(X, t))


def log_det(X: Array) -> Array:
    r"""Primal of CB-43: ``ln det X`` for ``det X > 0``. Shapes: X ``(n, n)`` → ``()``.

    A concrete X with ``det X ≤ 0`` is rejected (ln det is not real there): for any invertible X use
    ``ln|det X|``, :func:`chainrule.analytic.matrix.log_abs_det` (CB-57), whose differential is the same.
    """
    xp, (X,) = inputs(X=X)
    _invertible("X", X)
    if is_concrete(X) and X.shape[0]:
        d = float(np.linalg.det(np.asarray(X, dtype=np.float64)))
        if not d > 0:
            raise ValueError(
                f"X: ln det X needs det X > 0, got det X = {d:.6g}; for det X < 0 use ln|det X| "
                "(chainrule.analytic.matrix.log_abs_det, CB-57)"
            )
    return xp.log(xp.linalg.det(X))


def jvp_log_det_X(X: Array, t: Array) -> Array:
    r"""∂ln det X = Tr(X⁻¹∂X)   (CB-43, Matrix Cookbook §2)

    CB-42 divided by det X. The same differential holds for ``ln|det X|`` at any invertible X (det of
    either sign; the catalog checks both readings). Shapes: X ``(n, n)`` invertible, t (= ∂X) ``(n, n)``;
    returns ``()``. No kinks.

    >>> import numpy as np
    >>> float(jvp_log_det_X(np.array([[2.0, 0.0], [0.0, -4.0]]), np.eye(2)))    # 1/2 − 1/4
    0.25
    """
    xp, (X, t) = inputs(X=X, t=t)
    _invertible("X", X)
    _tangent("t", t, "X", X)
    return xp.linalg.trace(xp.linalg.solve(X, t))


# --- CB-44 / CB-45 Transposes ---------------------------------------------------------------------------------


def transpose(X: Array) -> Array:
    r"""Primal of CB-44: ``Xᵀ``. Shapes: X ``(m, n)`` → ``(n, m)``."""
    _, (X,) = inputs(X=X)
    _matrix("X", X)
    return X.T


def jvp_transpose_X(X: Array, t: Array) -> Array:
    r"""∂Xᵀ = (∂X)ᵀ   (CB-44, Matrix Cookbook §2)

    Transposing is linear. Shapes: X, t (= ∂X) ``(m, n)``; returns ``(n, m)``. No kinks.

    >>> import numpy as np
    >>> jvp_transpose_X(np.zeros((1, 2)), np.array([[1.0, 2.0]]))
    array([[1.],
           [2.]])
    """
    _, (X, t) = inputs(X=X, t=t)
    _matrix("X", X)
    _tangent("t", t, "X", X)
    return t.T


def _packed(name: str, Z: Array) -> None:
    if Z.ndim != 3 or Z.shape[0] != 2:
        raise ValueError(
            f"{name}: expected a complex matrix packed as (2, m, n), [real part, imaginary part], got shape "
            f"{tuple(Z.shape)}; pass numpy.stack([X.real, X.imag])"
        )


def conj_transpose(Z: Array) -> Array:
    r"""Primal of CB-45: ``Xᴴ = (X*)ᵀ`` for complex ``X = Z[0] + i Z[1]``, packed the same way.

    Shapes: Z ``(2, m, n)`` (``[ℜX, ℑX]``) → ``(2, n, m)`` (``[ℜXᴴ, ℑXᴴ] = [ℜXᵀ, −ℑXᵀ]``).
    """
    xp, (Z,) = inputs(Z=Z)
    _packed("Z", Z)
    return xp.stack([Z[0].T, -Z[1].T])


def jvp_conj_transpose_Z(Z: Array, t: Array) -> Array:
    r"""∂Xᴴ = (∂X)ᴴ   (CB-45, Matrix Cookbook §2)

    For complex X(t) moving with a real parameter t: ``X = ℜX + iℑX`` is packed as ``Z = [ℜX, ℑX]``
    (shape ``(2, m, n)``) and the tangent ``t = [ℜ∂X, ℑ∂X]`` likewise; the result is ``(∂X)ᴴ`` packed,
    ``[ℜ∂Xᵀ, −ℑ∂Xᵀ]``, shape ``(2, n, m)``. ``ᴴ`` is real-linear (not complex-linear: it conjugates), which
    is why the real parametrization is the honest one. No kinks.

    >>> import numpy as np
    >>> jvp_conj_transpose_Z(np.zeros((2, 1, 1)), np.array([[[1.0]], [[2.0]]]))[:, 0, 0]   # (1 + 2i)* = 1 − 2i
    array([ 1., -2.])
    """
    xp, (Z, t) = inputs(Z=Z, t=t)
    _packed("Z", Z)
    _tangent("t", t, "Z", Z)
    return xp.stack([t[0].T, -t[1].T])
