r"""Beyond the paper: the matrix-calculus identities people look up, each citing the Matrix Cookbook.

The paper points readers to derivatives with respect to matrices; these are the ones deep-learning
derivations use most, in chainrule's layout and checked against JAX like every other rule.

IDs (not in RULES.md; this module's own scheme, origin "extension"): ``MAT-1`` … ``MAT-13``, each
citing the equation number of K. B. Petersen and M. S. Pedersen, *The Matrix Cookbook*, version of
November 15, 2012 ("Cookbook (N)" below):

| ID | identity | Cookbook |
|---|---|---|
| MAT-1 | ∂(aᵀx)/∂x = a | (69) |
| MAT-2 | ∂(Ax)/∂x = A | (69), row by row |
| MAT-3 | ∂(aᵀXb)/∂X = a bᵀ | (70) |
| MAT-4 | ∂(xᵀAx)/∂x = (A + Aᵀ)x | (81) |
| MAT-5 | ∂‖Ax − b‖²/∂x = 2Aᵀ(Ax − b) | (84), W = I |
| MAT-6 | ∂tr(AX)/∂X = Aᵀ | (100) |
| MAT-7 | ∂tr(AXB)/∂X = AᵀBᵀ | (101) |
| MAT-8 | ∂tr(XᵀAX)/∂X = (A + Aᵀ)X | (108) |
| MAT-9 | ∂log|det X|/∂X = X⁻ᵀ | (57) |
| MAT-10 | ∂det X/∂X = det(X) X⁻ᵀ | (49) |
| MAT-11 | d(X⁻¹)[T] = −X⁻¹ T X⁻¹; ∂(X⁻¹)_kl/∂X_ij = −(X⁻¹)_ki (X⁻¹)_jl | (40), (59), (60) |
| MAT-12 | ∂(aᵀX⁻¹b)/∂X = −X⁻ᵀ a bᵀ X⁻ᵀ | (61) |
| MAT-13 | ∂‖X‖_F²/∂X = 2X | (132), = (115) ∂tr(XᵀX)/∂X |

Layout (DESIGN.md): the gradient of a scalar with respect to a matrix X is shaped like X (what
``jax.grad`` returns, and the Cookbook's convention); a Jacobian has shape ``out.shape + in.shape``, so
``∂(Ax)/∂x = A`` is ``(m, n)`` and ``∂X⁻¹/∂X`` is ``(n, n, n, n)`` with entry ``[k, l, i, j] =
∂(X⁻¹)_kl/∂X_ij``. No kinks: the inverse, determinant and log-determinant rules hold where X is
invertible (concrete singular inputs are rejected).

References:
  K. B. Petersen and M. S. Pedersen, "The Matrix Cookbook", Technical University of Denmark,
  version 20121115.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from ._array import inputs, is_concrete, require_ndim

__all__ = [
    "bilinear",
    "det",
    "frobenius_sq",
    "grad_bilinear_X",
    "grad_det_X",
    "grad_frobenius_sq_X",
    "grad_inner_x",
    "grad_inverse_bilinear_X",
    "grad_log_abs_det_X",
    "grad_quadratic_form_x",
    "grad_squared_residual_x",
    "grad_trace_AXB_X",
    "grad_trace_AX_X",
    "grad_trace_XtAX_X",
    "inner",
    "inv",
    "inverse_bilinear",
    "jac_inv_X",
    "jac_matvec_x",
    "jvp_inv_X",
    "log_abs_det",
    "matvec",
    "quadratic_form",
    "squared_residual",
    "trace_AX",
    "trace_AXB",
    "trace_XtAX",
]

Array = Any


# --- helpers ---------------------------------------------------------------------------------------


def _matmul_shapes(left: str, a: Array, right: str, b: Array, axis_a: int = -1, axis_b: int = 0) -> None:
    if a.shape[axis_a] != b.shape[axis_b]:
        raise ValueError(
            f"{left} (shape {tuple(a.shape)}) and {right} (shape {tuple(b.shape)}) do not compose: "
            f"{left}.shape[{axis_a}] = {a.shape[axis_a]} ≠ {right}.shape[{axis_b}] = {b.shape[axis_b]}"
        )


def _square(name: str, X: Array) -> None:
    require_ndim(name, X, 2, f"a square matrix {name} of shape (n, n)")
    if X.shape[0] != X.shape[1]:
        raise ValueError(f"{name}: expected a square matrix (n, n), got shape {tuple(X.shape)}")


def _invertible(name: str, X: Array) -> None:
    """Raise ``ValueError`` for a concrete singular (or numerically singular) ``X``."""
    _square(name, X)
    if is_concrete(X) and X.shape[0]:
        a = np.asarray(X, dtype=np.float64)
        cond = np.linalg.cond(a)
        if not np.isfinite(cond) or cond * np.finfo(np.dtype(str(X.dtype))).eps >= 1.0:
            raise ValueError(
                f"{name}: the rule needs an invertible matrix, but {name} is singular to working precision "
                f"(condition number {cond:.3g}); X⁻¹, det and log|det| derivatives are undefined there"
            )


# --- MAT-1 / MAT-2 Linear forms ------------------------------------------------------------------------


def inner(a: Array, x: Array) -> Array:
    r"""Primal of MAT-1: ``aᵀx``. Shapes: a, x ``(n,)`` → ``()``."""
    xp, (a, x) = inputs(a=a, x=x)
    require_ndim("a", a, 1, "a vector a of shape (n,)")
    require_ndim("x", x, 1, "a vector x of shape (n,)")
    _matmul_shapes("a", a, "x", x, 0, 0)
    return xp.sum(a * x)


def grad_inner_x(a: Array, x: Array) -> Array:
    r"""∂(aᵀx)/∂x = a   (MAT-1; Matrix Cookbook (69))

    Shapes: a, x ``(n,)``; returns ``(n,)``. No kinks.

    >>> import numpy as np
    >>> grad_inner_x(np.array([1.0, -2.0]), np.array([5.0, 7.0]))
    array([ 1., -2.])
    """
    xp, (a, x) = inputs(a=a, x=x)
    require_ndim("a", a, 1, "a vector a of shape (n,)")
    require_ndim("x", x, 1, "a vector x of shape (n,)")
    _matmul_shapes("a", a, "x", x, 0, 0)
    return a + xp.zeros_like(x)


def _Ax(A: Array, x: Array) -> tuple[Any, Array, Array]:
    xp, (A, x) = inputs(A=A, x=x)
    require_ndim("A", A, 2, "a matrix A of shape (m, n)")
    require_ndim("x", x, 1, "a vector x of shape (n,)")
    _matmul_shapes("A", A, "x", x)
    return xp, A, x


def matvec(A: Array, x: Array) -> Array:
    r"""Primal of MAT-2: ``Ax``. Shapes: A ``(m, n)``, x ``(n,)`` → ``(m,)``."""
    _, A, x = _Ax(A, x)
    return A @ x


def jac_matvec_x(A: Array, x: Array) -> Array:
    r"""∂(Ax)/∂x = A   (MAT-2; Matrix Cookbook (69) applied to each row: ∂(aᵢᵀx)/∂x = aᵢ)

    Shapes: A ``(m, n)``, x ``(n,)``; returns ``(m, n)`` (numerator layout: row i is ∇(Ax)ᵢ). No kinks.

    >>> import numpy as np
    >>> jac_matvec_x(np.array([[1.0, 2.0, 3.0]]), np.ones(3))
    array([[1., 2., 3.]])
    """
    xp, A, x = _Ax(A, x)
    return A + xp.zeros_like(A)


# --- MAT-3 Bilinear form -----------------------------------------------------------------------------


def _aXb(a: Array, X: Array, b: Array) -> tuple[Any, Array, Array, Array]:
    xp, (a, X, b) = inputs(a=a, X=X, b=b)
    require_ndim("a", a, 1, "a vector a of shape (m,)")
    require_ndim("X", X, 2, "a matrix X of shape (m, n)")
    require_ndim("b", b, 1, "a vector b of shape (n,)")
    _matmul_shapes("a", a, "X", X, 0, 0)
    _matmul_shapes("X", X, "b", b)
    return xp, a, X, b


def bilinear(a: Array, X: Array, b: Array) -> Array:
    r"""Primal of MAT-3: ``aᵀXb``. Shapes: a ``(m,)``, X ``(m, n)``, b ``(n,)`` → ``()``."""
    _, a, X, b = _aXb(a, X, b)
    return a @ X @ b


def grad_bilinear_X(a: Array, X: Array, b: Array) -> Array:
    r"""∂(aᵀXb)/∂X = a bᵀ   (MAT-3; Matrix Cookbook (70))

    ``aᵀXb = Σᵢⱼ aᵢ X_ij bⱼ``, so ``∂/∂X_ij = aᵢ bⱼ``. Shapes as :func:`bilinear`; returns ``(m, n)``,
    like X. No kinks.

    >>> import numpy as np
    >>> grad_bilinear_X(np.array([1.0, 2.0]), np.zeros((2, 1)), np.array([3.0]))
    array([[3.],
           [6.]])
    """
    _, a, X, b = _aXb(a, X, b)
    return a[:, None] * b[None, :]


# --- MAT-4 / MAT-5 Quadratic forms ----------------------------------------------------------------------


def _xAx(A: Array, x: Array) -> tuple[Any, Array, Array]:
    xp, (A, x) = inputs(A=A, x=x)
    _square("A", A)
    require_ndim("x", x, 1, "a vector x of shape (n,)")
    _matmul_shapes("A", A, "x", x)
    return xp, A, x


def quadratic_form(A: Array, x: Array) -> Array:
    r"""Primal of MAT-4: ``xᵀAx``. Shapes: A ``(n, n)`` (any square, not necessarily symmetric), x ``(n,)``."""
    _, A, x = _xAx(A, x)
    return x @ (A @ x)


def grad_quadratic_form_x(A: Array, x: Array) -> Array:
    r"""∂(xᵀAx)/∂x = (A + Aᵀ)x   (MAT-4; Matrix Cookbook (81))

    Product rule: x appears twice, once through ``Ax`` and once through ``xᵀA``. For a symmetric A it
    is ``2Ax``; for a general A, forgetting ``Aᵀ`` is the classic mistake.
    Shapes as :func:`quadratic_form`; returns ``(n,)``. No kinks.

    >>> import numpy as np
    >>> grad_quadratic_form_x(np.array([[0.0, 1.0], [0.0, 0.0]]), np.array([1.0, 2.0]))
    array([2., 1.])
    """
    _, A, x = _xAx(A, x)
    return A @ x + x @ A


def _residual(A: Array, x: Array, b: Array) -> tuple[Any, Array, Array, Array]:
    xp, (A, x, b) = inputs(A=A, x=x, b=b)
    require_ndim("A", A, 2, "a matrix A of shape (m, n)")
    require_ndim("x", x, 1, "a vector x of shape (n,)")
    require_ndim("b", b, 1, "a vector b of shape (m,)")
    _matmul_shapes("A", A, "x", x)
    _matmul_shapes("A", A, "b", b, 0, 0)
    return xp, A, x, b


def squared_residual(A: Array, x: Array, b: Array) -> Array:
    r"""Primal of MAT-5: ``‖Ax − b‖² = (Ax − b)ᵀ(Ax − b)``. Shapes: A ``(m, n)``, x ``(n,)``, b ``(m,)``."""
    xp, A, x, b = _residual(A, x, b)
    r = A @ x - b
    return xp.sum(r * r)


def grad_squared_residual_x(A: Array, x: Array, b: Array) -> Array:
    r"""∂‖Ax − b‖²/∂x = 2Aᵀ(Ax − b)   (MAT-5; Matrix Cookbook (84) with W = I)

    The Cookbook's ``∂/∂s (x − As)ᵀW(x − As) = −2AᵀW(x − As)`` with ``W = I``, ``s → x``, ``x → b``.
    Setting it to 0 gives the normal equations ``AᵀAx = Aᵀb``.
    Shapes as :func:`squared_residual`; returns ``(n,)``. No kinks.

    >>> import numpy as np
    >>> grad_squared_residual_x(np.eye(2), np.array([1.0, 2.0]), np.zeros(2))
    array([2., 4.])
    """
    _, A, x, b = _residual(A, x, b)
    return 2.0 * ((A @ x - b) @ A)


# --- MAT-6 … MAT-8 Traces -----------------------------------------------------------------------------


def _AX(A: Array, X: Array) -> tuple[Any, Array, Array]:
    xp, (A, X) = inputs(A=A, X=X)
    require_ndim("A", A, 2, "a matrix A of shape (n, m)")
    require_ndim("X", X, 2, "a matrix X of shape (m, n)")
    if tuple(A.shape) != tuple(X.shape)[::-1]:
        raise ValueError(
            f"tr(AX) needs A (n, m) and X (m, n) so that AX is square, got A {tuple(A.shape)} and "
            f"X {tuple(X.shape)}"
        )
    return xp, A, X


def trace_AX(A: Array, X: Array) -> Array:
    r"""Primal of MAT-6: ``tr(AX) = Σᵢⱼ A_ij X_ji``. Shapes: A ``(n, m)``, X ``(m, n)`` → ``()``."""
    xp, A, X = _AX(A, X)
    return xp.sum(A * X.T)


def grad_trace_AX_X(A: Array, X: Array) -> Array:
    r"""∂tr(AX)/∂X = Aᵀ   (MAT-6; Matrix Cookbook (100), since tr(AX) = tr(XA))

    ``∂/∂X_ji Σ A_ij X_ji = A_ij``: the entry at ``(j, i)`` is ``A_ij``, hence the transpose.
    Shapes as :func:`trace_AX`; returns ``(m, n)``, like X. No kinks.

    >>> import numpy as np
    >>> grad_trace_AX_X(np.array([[1.0, 2.0]]), np.zeros((2, 1)))
    array([[1.],
           [2.]])
    """
    xp, A, X = _AX(A, X)
    return A.T + xp.zeros_like(X)


def _AXB(A: Array, X: Array, B: Array) -> tuple[Any, Array, Array, Array]:
    xp, (A, X, B) = inputs(A=A, X=X, B=B)
    require_ndim("A", A, 2, "a matrix A of shape (p, m)")
    require_ndim("X", X, 2, "a matrix X of shape (m, n)")
    require_ndim("B", B, 2, "a matrix B of shape (n, p)")
    _matmul_shapes("A", A, "X", X)
    _matmul_shapes("X", X, "B", B)
    if B.shape[1] != A.shape[0]:
        raise ValueError(
            f"tr(AXB) needs AXB square: A {tuple(A.shape)} and B {tuple(B.shape)} give "
            f"({A.shape[0]}, {B.shape[1]}); pass B with {A.shape[0]} columns"
        )
    return xp, A, X, B


def trace_AXB(A: Array, X: Array, B: Array) -> Array:
    r"""Primal of MAT-7: ``tr(AXB)``. Shapes: A ``(p, m)``, X ``(m, n)``, B ``(n, p)`` → ``()``."""
    xp, A, X, B = _AXB(A, X, B)
    return xp.sum((A @ X) * B.T)


def grad_trace_AXB_X(A: Array, X: Array, B: Array) -> Array:
    r"""∂tr(AXB)/∂X = AᵀBᵀ   (MAT-7; Matrix Cookbook (101))

    By the cyclic property ``tr(AXB) = tr(XBA)`` and MAT-6 with ``BA`` for A: ``(BA)ᵀ = AᵀBᵀ``.
    Shapes as :func:`trace_AXB`; returns ``(m, n)``, like X. No kinks.

    >>> import numpy as np
    >>> grad_trace_AXB_X(np.array([[2.0]]), np.zeros((1, 1)), np.array([[3.0]]))
    array([[6.]])
    """
    _, A, X, B = _AXB(A, X, B)
    return A.T @ B.T


def _XtAX(A: Array, X: Array) -> tuple[Any, Array, Array]:
    xp, (A, X) = inputs(A=A, X=X)
    _square("A", A)
    require_ndim("X", X, 2, "a matrix X of shape (m, n)")
    _matmul_shapes("A", A, "X", X)
    return xp, A, X


def trace_XtAX(A: Array, X: Array) -> Array:
    r"""Primal of MAT-8: ``tr(XᵀAX)``. Shapes: A ``(m, m)``, X ``(m, n)`` → ``()``."""
    xp, A, X = _XtAX(A, X)
    return xp.sum(X * (A @ X))


def grad_trace_XtAX_X(A: Array, X: Array) -> Array:
    r"""∂tr(XᵀAX)/∂X = (A + Aᵀ)X   (MAT-8; Matrix Cookbook (108))

    Column by column, ``tr(XᵀAX) = Σⱼ xⱼᵀ A xⱼ``: MAT-4 for each column. Shapes as
    :func:`trace_XtAX`; returns ``(m, n)``, like X. No kinks.

    >>> import numpy as np
    >>> grad_trace_XtAX_X(np.array([[0.0, 1.0], [0.0, 0.0]]), np.array([[1.0], [2.0]]))
    array([[2.],
           [1.]])
    """
    _, A, X = _XtAX(A, X)
    return A @ X + A.T @ X


# --- MAT-9 / MAT-10 Determinants -------------------------------------------------------------------------


def _matrix(X: Array) -> tuple[Any, Array]:
    xp, (X,) = inputs(X=X)
    _invertible("X", X)
    return xp, X


def log_abs_det(X: Array) -> Array:
    r"""Primal of MAT-9: ``log|det X|`` (``slogdet``). Shapes: X ``(n, n)`` invertible → ``()``."""
    xp, X = _matrix(X)
    return xp.linalg.slogdet(X)[1]


def grad_log_abs_det_X(X: Array) -> Array:
    r"""∂log|det X|/∂X = X⁻ᵀ   (MAT-9; Matrix Cookbook (57), from the differential (43))

    ``d log|det X| = tr(X⁻¹ dX)`` and ``tr(X⁻¹ dX) = Σᵢⱼ (X⁻¹)_ji dX_ij``, so the gradient is
    ``(X⁻¹)ᵀ``. Holds for det of either sign. Shapes: X ``(n, n)`` invertible; returns ``(n, n)``.
    No kinks (undefined where X is singular).

    >>> import numpy as np
    >>> grad_log_abs_det_X(np.array([[2.0, 0.0], [1.0, -4.0]]))
    array([[ 0.5  ,  0.125],
           [ 0.   , -0.25 ]])
    """
    xp, X = _matrix(X)
    return xp.linalg.inv(X).T


def det(X: Array) -> Array:
    r"""Primal of MAT-10: ``det X``. Shapes: X ``(n, n)`` → ``()``."""
    xp, X = _matrix(X)
    return xp.linalg.det(X)


def grad_det_X(X: Array) -> Array:
    r"""∂det X/∂X = det(X) X⁻ᵀ   (MAT-10; Matrix Cookbook (49), from the differential (42))

    Jacobi's formula ``d det X = det(X) tr(X⁻¹ dX)`` (the cofactor matrix ``adj(X)ᵀ``, written with the
    inverse). Shapes: X ``(n, n)`` invertible; returns ``(n, n)``. No kinks.

    >>> import numpy as np
    >>> grad_det_X(np.array([[2.0, 0.0], [0.0, 3.0]]))
    array([[3., 0.],
           [0., 2.]])
    """
    xp, X = _matrix(X)
    return xp.linalg.det(X) * xp.linalg.inv(X).T


# --- MAT-11 / MAT-12 The inverse -----------------------------------------------------------------------


def inv(X: Array) -> Array:
    r"""Primal of MAT-11: ``X⁻¹``. Shapes: X ``(n, n)`` invertible → ``(n, n)``."""
    xp, X = _matrix(X)
    return xp.linalg.inv(X)


def jvp_inv_X(X: Array, t: Array) -> Array:
    r"""d(X⁻¹)[T] = −X⁻¹ T X⁻¹: the directional derivative of the inverse along T   (MAT-11; Cookbook (40), (59))

    Differentiate ``X X⁻¹ = I``: ``dX X⁻¹ + X d(X⁻¹) = 0``, so ``d(X⁻¹) = −X⁻¹ dX X⁻¹``. This is the
    Jacobian-vector product ``(∂X⁻¹/∂X)·T`` in O(n³), without the n⁴-entry Jacobian.
    Shapes: X ``(n, n)`` invertible, t (the direction T) ``(n, n)``; returns ``(n, n)``. No kinks.

    >>> import numpy as np
    >>> jvp_inv_X(np.array([[2.0]]), np.array([[1.0]]))      # d(1/x) = −dx/x²
    array([[-0.25]])
    """
    xp, (X, t) = inputs(X=X, t=t)
    _invertible("X", X)
    if tuple(t.shape) != tuple(X.shape):
        raise ValueError(f"t: expected a direction shaped like X, {tuple(X.shape)}, got {tuple(t.shape)}")
    Xinv = xp.linalg.inv(X)
    return -(Xinv @ t @ Xinv)


def jac_inv_X(X: Array) -> Array:
    r"""∂(X⁻¹)_kl/∂X_ij = −(X⁻¹)_ki (X⁻¹)_jl   (MAT-11; Matrix Cookbook (60))

    MAT-11's directional derivative along the single-entry matrix ``J^{ij}``. Shapes: X ``(n, n)``
    invertible; returns ``(n, n, n, n)`` with entry ``[k, l, i, j]`` (numerator layout: out.shape +
    in.shape). O(n⁴) memory: use :func:`jvp_inv_X` for products. No kinks.

    >>> import numpy as np
    >>> jac_inv_X(np.array([[2.0]]))
    array([[[[-0.25]]]])
    """
    xp, X = _matrix(X)
    Xinv = xp.linalg.inv(X)
    return -(Xinv[:, None, :, None] * Xinv.T[None, :, None, :])


def _inverse_bilinear(a: Array, X: Array, b: Array) -> tuple[Any, Array, Array, Array]:
    xp, (a, X, b) = inputs(a=a, X=X, b=b)
    require_ndim("a", a, 1, "a vector a of shape (n,)")
    require_ndim("b", b, 1, "a vector b of shape (n,)")
    _invertible("X", X)
    _matmul_shapes("a", a, "X", X, 0, 0)
    _matmul_shapes("X", X, "b", b)
    return xp, a, X, b


def inverse_bilinear(a: Array, X: Array, b: Array) -> Array:
    r"""Primal of MAT-12: ``aᵀX⁻¹b``. Shapes: a, b ``(n,)``, X ``(n, n)`` invertible → ``()``."""
    xp, a, X, b = _inverse_bilinear(a, X, b)
    return a @ xp.linalg.solve(X, b[:, None])[:, 0]


def grad_inverse_bilinear_X(a: Array, X: Array, b: Array) -> Array:
    r"""∂(aᵀX⁻¹b)/∂X = −X⁻ᵀ a bᵀ X⁻ᵀ   (MAT-12; Matrix Cookbook (61))

    From MAT-11: ``d(aᵀX⁻¹b) = −aᵀX⁻¹ dX X⁻¹b = −tr((X⁻¹b aᵀX⁻¹) dX)``, so the gradient is
    ``−(X⁻ᵀa)(X⁻¹b)ᵀ``, an outer product. Shapes as :func:`inverse_bilinear`; returns ``(n, n)``.
    No kinks.

    >>> import numpy as np
    >>> grad_inverse_bilinear_X(np.array([1.0]), np.array([[2.0]]), np.array([3.0]))   # −ab/x²
    array([[-0.75]])
    """
    xp, a, X, b = _inverse_bilinear(a, X, b)
    Xinv = xp.linalg.inv(X)
    return -((a @ Xinv)[:, None] * (Xinv @ b)[None, :])


# --- MAT-13 Frobenius norm --------------------------------------------------------------------------------


def frobenius_sq(X: Array) -> Array:
    r"""Primal of MAT-13: ``‖X‖_F² = Σᵢⱼ X_ij² = tr(XᵀX)``. Shapes: X ``(m, n)`` → ``()``."""
    xp, (X,) = inputs(X=X)
    require_ndim("X", X, 2, "a matrix X of shape (m, n)")
    return xp.sum(X * X)


def grad_frobenius_sq_X(X: Array) -> Array:
    r"""∂‖X‖_F²/∂X = 2X   (MAT-13; Matrix Cookbook (132), equivalently (115) ∂tr(XᵀX)/∂X)

    Entry-wise ``∂X_ij²/∂X_ij = 2X_ij``. Shapes: X ``(m, n)``; returns ``(m, n)``. No kinks.

    >>> import numpy as np
    >>> grad_frobenius_sq_X(np.array([[1.0, -2.0]]))
    array([[ 2., -4.]])
    """
    _, (X,) = inputs(X=X)
    require_ndim("X", X, 2, "a matrix X of shape (m, n)")
    return 2.0 * X
