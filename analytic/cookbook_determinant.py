r"""The Matrix Cookbook §2.1, derivatives of a determinant: equations (46)–(58).

Gradients of a scalar with respect to a matrix are shaped like the matrix (``(∂f/∂X)_ij = ∂f/∂X_ij``,
what ``jax.grad`` returns, and the Cookbook's convention). (49) ``∂det X/∂X = det(X) X⁻ᵀ`` and (57)
``∂ln|det X|/∂X = X⁻ᵀ`` are in :mod:`chainrule.analytic.matrix`; the rest of §2.1 is here:

* §2.1.1 general form: (46) and (48), the first and second derivative of ``det Y(x)`` for a matrix
  ``Y(x)`` of one scalar x. They hold for any smooth curve; the functions take the quadratic curve
  ``Y(x) = Y₀ + x Y₁ + x² Y₂`` (so ``∂Y/∂x = Y₁ + 2x Y₂`` and ``∂²Y/∂x² = 2Y₂``, neither of them 0), and
  (47) = (50), the cofactor expansion ``Σ_k ∂det X/∂X_ik X_jk = δ_ij det X`` (any square X).
* §2.1.2 linear forms: (51) ``det(AXB)``.
* §2.1.3 square forms: (52)–(54) ``det(XᵀAX)`` for square X, non-square X with symmetric A, and any A.
* §2.1.4 other nonlinear forms: (55) ``ln det(XᵀX)``, (56) its derivative with respect to ``X⁺``, (58)
  ``det(Xᵏ)``.

Assumptions (as domains in the catalog): invertible X, A, B, Y(x) (concrete singular inputs are
rejected: the formulas use X⁻¹), XᵀAX invertible, full column rank X in (55) (full row rank P in (56)).
No kinks.

References:
  K. B. Petersen and M. S. Pedersen, "The Matrix Cookbook", Technical University of Denmark,
  version 20121115, §2.1 (equation numbers as in COOKBOOK.md).
"""

from __future__ import annotations

import numbers
from typing import Any

from ._array import inputs, require_ndim, require_symmetric
from .cookbook_differentials import adjugate
from .matrix import _invertible, _matmul_shapes, _square

__all__ = [
    "det_AXB",
    "det_XtAX",
    "det_curve",
    "det_power",
    "grad_det_AXB_X",
    "grad_det_XtAX_X",
    "grad_det_XtAX_square_X",
    "grad_det_XtAX_symmetric_X",
    "grad_det_cofactor_X",
    "grad_det_curve_x",
    "grad_det_power_X",
    "grad_log_det_XtX_X",
    "grad_log_det_XtX_pinv_P",
    "hess_det_curve_x",
    "log_det_XtX",
    "log_det_XtX_pinv",
]

Array = Any


# --- §2.1.1 General form: det Y(x) along a curve --------------------------------------------------------------


def _curve(Y0: Array, Y1: Array, Y2: Array, x: Array) -> tuple[Any, Array, Array, Array]:
    """``(xp, Y, ∂Y/∂x, ∂²Y/∂x²)`` on the curve ``Y(x) = Y₀ + x Y₁ + x² Y₂``, validated."""
    xp, (Y0, Y1, Y2, x) = inputs(Y0=Y0, Y1=Y1, Y2=Y2, x=x)
    _square("Y0", Y0)
    for name, Yk in (("Y1", Y1), ("Y2", Y2)):
        if tuple(Yk.shape) != tuple(Y0.shape):
            raise ValueError(f"{name}: expected the shape of Y0, {tuple(Y0.shape)}, got {tuple(Yk.shape)}")
    require_ndim("x", x, 0, "a scalar x, the curve's parameter")
    Y = Y0 + x * Y1 + (x * x) * Y2
    _invertible("Y(x)", Y)
    return xp, Y, Y1 + (2 * x) * Y2, Y2 + Y2


def det_curve(Y0: Array, Y1: Array, Y2: Array, x: Array) -> Array:
    r"""Primal of CB-46 and CB-48: ``det Y(x)`` with ``Y(x) = Y₀ + x Y₁ + x² Y₂``.

    Shapes: Y0, Y1, Y2 ``(n, n)``, x ``()`` → ``()``. Y(x) must be invertible (concrete singular Y(x)
    is rejected).
    """
    xp, Y, _, _ = _curve(Y0, Y1, Y2, x)
    return xp.linalg.det(Y)


def grad_det_curve_x(Y0: Array, Y1: Array, Y2: Array, x: Array) -> Array:
    r"""∂det(Y)/∂x = det(Y) Tr[Y⁻¹ ∂Y/∂x]   (CB-46, Matrix Cookbook §2.1.1)

    The chain rule through CB-42 along the curve ``Y(x) = Y₀ + x Y₁ + x² Y₂``, ``∂Y/∂x = Y₁ + 2x Y₂``.
    Shapes as :func:`det_curve`; returns ``()``. No kinks.

    >>> import numpy as np
    >>> float(grad_det_curve_x(np.eye(2), np.eye(2), np.zeros((2, 2)), np.asarray(1.0)))   # d/dx (1 + x)²
    4.0
    """
    xp, Y, dY, _ = _curve(Y0, Y1, Y2, x)
    return xp.linalg.det(Y) * xp.linalg.trace(xp.linalg.solve(Y, dY))


def hess_det_curve_x(Y0: Array, Y1: Array, Y2: Array, x: Array) -> Array:
    r"""∂²det(Y)/∂x² = det(Y) [Tr(Y⁻¹ ∂²Y/∂x²) + Tr(Y⁻¹ ∂Y/∂x)² − Tr((Y⁻¹ ∂Y/∂x)²)]   (CB-48, Matrix Cookbook §2.1.1)

    The derivative of CB-46: ``∂Y⁻¹ = −Y⁻¹(∂Y)Y⁻¹`` gives the last term, ``∂det Y`` the middle one (the
    square of the trace, not the trace of the square: the two differ for n > 1). On the curve
    ``Y(x) = Y₀ + x Y₁ + x² Y₂``: ``∂²Y/∂x² = 2Y₂``. Shapes as :func:`det_curve`; returns ``()`` (the
    1 × 1 Hessian in x). No kinks.

    >>> import numpy as np
    >>> float(hess_det_curve_x(np.eye(2), np.eye(2), np.zeros((2, 2)), np.asarray(1.0)))   # d²/dx² (1 + x)²
    2.0
    """
    xp, Y, dY, d2Y = _curve(Y0, Y1, Y2, x)
    n = Y.shape[0]
    both = xp.linalg.solve(Y, xp.concat([dY, d2Y], axis=1))  # [Y⁻¹ ∂Y/∂x, Y⁻¹ ∂²Y/∂x²], one factorization
    M, N = both[:, :n], both[:, n:]
    tr = xp.linalg.trace
    return xp.linalg.det(Y) * (tr(N) + tr(M) * tr(M) - tr(M @ M))


def grad_det_cofactor_X(X: Array) -> Array:
    r"""Σ_k ∂det X/∂X_ik X_jk = δ_ij det X, i.e. ∂det X/∂X Xᵀ = det(X) I   (CB-47, Matrix Cookbook §2.1.1)

    Returns the gradient ``∂det X/∂X``, the matrix of cofactors ``adj(X)ᵀ`` (``C_ik = (−1)^(i+k)`` times
    the minor of ``X_ik``), computed from minors (:func:`~chainrule.analytic.cookbook_differentials.adjugate`),
    so defined for **every** square X, singular ones included. The identity is Laplace's expansion: row
    i of the cofactors against row j of X gives det X when i = j (the expansion along row i) and 0
    otherwise (the expansion of a matrix with two equal rows). For invertible X it gives (49),
    ``det(X) X⁻ᵀ``. Also CB-50, which repeats it. Shapes: X ``(n, n)``; returns ``(n, n)``. No kinks.

    >>> import numpy as np
    >>> X = np.array([[1.0, 2.0], [3.0, 4.0]])
    >>> G = np.round(grad_det_cofactor_X(X), 12)
    >>> G
    array([[ 4., -3.],
           [-2.,  1.]])
    >>> G @ X.T                                 # det X = −2
    array([[-2.,  0.],
           [ 0., -2.]])
    """
    _, (X,) = inputs(X=X)
    _square("X", X)
    return adjugate(X).T


# --- §2.1.2 Linear forms ---------------------------------------------------------------------------------------


def _AXB(A: Array, X: Array, B: Array) -> tuple[Any, Array, Array, Array]:
    xp, (A, X, B) = inputs(A=A, X=X, B=B)
    for name, M in (("A", A), ("X", X), ("B", B)):
        require_ndim(name, M, 2, f"a square matrix {name} of shape (n, n)")
    if not (A.shape[0] == A.shape[1] == X.shape[0] == X.shape[1] == B.shape[0] == B.shape[1]):
        raise ValueError(
            f"(51) needs A, X, B square and of one size n, got A {tuple(A.shape)}, X {tuple(X.shape)}, "
            f"B {tuple(B.shape)}; for AXB square with A (p, m), B (n, p) not square, the gradient is "
            "det(AXB) Aᵀ(AXB)⁻ᵀBᵀ instead"
        )
    for name, M in (("A", A), ("X", X), ("B", B)):
        _invertible(name, M)
    return xp, A, X, B


def det_AXB(A: Array, X: Array, B: Array) -> Array:
    r"""Primal of CB-51: ``det(AXB)``. Shapes: A, X, B ``(n, n)`` invertible → ``()``."""
    xp, A, X, B = _AXB(A, X, B)
    return xp.linalg.det(A @ X @ B)


def grad_det_AXB_X(A: Array, X: Array, B: Array) -> Array:
    r"""∂det(AXB)/∂X = det(AXB) X⁻ᵀ   (CB-51, Matrix Cookbook §2.1.2)

    ``det(AXB) = det A det X det B`` and (49). The Cookbook leaves implicit that A, X and B are square and
    invertible (the printed ``(X⁻¹)ᵀ = (Xᵀ)⁻¹`` needs X square); for A ``(p, m)``, B ``(n, p)`` the
    gradient is ``det(AXB) Aᵀ(AXB)⁻ᵀBᵀ`` instead (a non-square A or B is rejected, with that advice).
    Shapes: A, X, B ``(n, n)``; returns ``(n, n)``. No kinks.

    >>> import numpy as np
    >>> grad_det_AXB_X(np.array([[2.0]]), np.array([[4.0]]), np.array([[3.0]]))    # d(24x)/dx at x = 4
    array([[6.]])
    """
    xp, A, X, B = _AXB(A, X, B)
    return xp.linalg.det(A @ X @ B) * xp.linalg.inv(X).T


# --- §2.1.3 Square forms -------------------------------------------------------------------------------------


def _XtAX(A: Array, X: Array) -> tuple[Any, Array, Array, Array]:
    """``(xp, A, X, XᵀAX)`` with A ``(m, m)`` and X ``(m, n)``, validated."""
    xp, (A, X) = inputs(A=A, X=X)
    _square("A", A)
    require_ndim("X", X, 2, "a matrix X of shape (m, n)")
    _matmul_shapes("A", A, "X", X)
    return xp, A, X, X.T @ A @ X


def det_XtAX(A: Array, X: Array) -> Array:
    r"""Primal of CB-52 … CB-54: ``det(XᵀAX)``. Shapes: A ``(m, m)``, X ``(m, n)`` → ``()``."""
    xp, _, _, M = _XtAX(A, X)
    return xp.linalg.det(M)


def grad_det_XtAX_square_X(A: Array, X: Array) -> Array:
    r"""∂det(XᵀAX)/∂X = 2 det(XᵀAX) X⁻ᵀ   (CB-52, Matrix Cookbook §2.1.3)

    For **square** invertible X and any square A: ``det(XᵀAX) = det(X)² det A``, and (49). A need not be
    symmetric or invertible (for singular A both sides are 0). Shapes: A, X ``(n, n)``; returns
    ``(n, n)``. No kinks.

    >>> import numpy as np
    >>> grad_det_XtAX_square_X(np.array([[3.0]]), np.array([[2.0]]))    # d(3x²)/dx at x = 2
    array([[12.]])
    """
    xp, A, X, M = _XtAX(A, X)
    _invertible("X", X)
    return 2 * xp.linalg.det(M) * xp.linalg.inv(X).T




def grad_det_XtAX_symmetric_X(A: Array, X: Array) -> Array:
    r"""∂det(XᵀAX)/∂X = 2 det(XᵀAX) AX(XᵀAX)⁻¹   (CB-53, Matrix Cookbook §2.1.3)

    For X ``(m, n)``, square or not, and **symmetric** A with XᵀAX invertible: CB-54 with ``Aᵀ = A`` (its
    two terms coincide). A concrete non-symmetric A is rejected. Shapes: A ``(m, m)``, X ``(m, n)``;
    returns ``(m, n)``. No kinks.

    >>> import numpy as np
    >>> grad_det_XtAX_symmetric_X(np.eye(2), np.array([[1.0], [1.0]]))    # ∂|x|²/∂x = 2x
    array([[2.],
           [2.]])
    """
    xp, A, X, M = _XtAX(A, X)
    require_symmetric("A", A, "(53)", "for a general A use grad_det_XtAX_X (CB-54)")
    _invertible("XᵀAX", M)
    return 2 * xp.linalg.det(M) * (A @ X @ xp.linalg.inv(M))


def grad_det_XtAX_X(A: Array, X: Array) -> Array:
    r"""∂det(XᵀAX)/∂X = det(XᵀAX) (AX(XᵀAX)⁻¹ + AᵀX(XᵀAᵀX)⁻¹)   (CB-54, Matrix Cookbook §2.1.3)

    For X ``(m, n)``, square or not, and any A with XᵀAX invertible: X appears twice, as ``Xᵀ(AX)`` and
    ``(XᵀA)X``; CB-42 gives ``d det M = det(M) Tr(M⁻¹ dM)`` with ``dM = dXᵀAX + XᵀA dX``. Shapes: A ``(m, m)``,
    X ``(m, n)``; returns ``(m, n)``. No kinks.

    >>> import numpy as np
    >>> A = np.array([[1.0, 1.0], [-1.0, 1.0]])      # xᵀAx = |x|² for this A: gradient 2x
    >>> grad_det_XtAX_X(A, np.array([[1.0], [1.0]]))
    array([[2.],
           [2.]])
    """
    xp, A, X, M = _XtAX(A, X)
    _invertible("XᵀAX", M)
    Minv = xp.linalg.inv(M)  # (XᵀAᵀX)⁻¹ = (M⁻¹)ᵀ
    return xp.linalg.det(M) * (A @ X @ Minv + A.T @ X @ Minv.T)


# --- §2.1.4 Other nonlinear forms ----------------------------------------------------------------------------


def _full_column_rank(name: str, X: Array, what: str) -> None:
    require_ndim(name, X, 2, f"a matrix {name} of shape (m, n)")
    if X.shape[0] < X.shape[1]:
        raise ValueError(
            f"{name}: expected {what} (rows ≥ columns), got shape {tuple(X.shape)}; "
            f"pass {name}.T if you meant the transpose"
        )
    _invertible(f"{name}ᵀ{name}", X.T @ X)


def log_det_XtX(X: Array) -> Array:
    r"""Primal of CB-55: ``ln det(XᵀX)``. Shapes: X ``(m, n)``, m ≥ n, full column rank → ``()``.

    ``XᵀX`` is then symmetric positive definite, so ``det(XᵀX) > 0`` and ``ln det(XᵀX) = ln|det(XᵀX)|``
    (the transcription's stray ``|``).
    """
    xp, (X,) = inputs(X=X)
    _full_column_rank("X", X, "a full-column-rank matrix")
    return xp.linalg.slogdet(X.T @ X)[1]


def grad_log_det_XtX_X(X: Array) -> Array:
    r"""∂ln det(XᵀX)/∂X = 2(X⁺)ᵀ   (CB-55, Matrix Cookbook §2.1.4)

    CB-54 with A = I divided by ``det(XᵀX)``: ``2X(XᵀX)⁻¹``, and ``(XᵀX)⁻¹Xᵀ = X⁺`` for full column rank.
    The transcription shows a stray ``|`` after ``det(XᵀX)`` (it reads ``ln|det(XᵀX)|``, the same value:
    ``det(XᵀX) > 0``). Shapes: X ``(m, n)``, m ≥ n, full column rank; returns ``(m, n)``. No kinks.

    >>> import numpy as np
    >>> np.round(grad_log_det_XtX_X(np.array([[3.0], [4.0]])), 12)      # ∂ ln|x|²/∂x = 2x/|x|²
    array([[0.24],
           [0.32]])
    """
    xp, (X,) = inputs(X=X)
    _full_column_rank("X", X, "a full-column-rank matrix")
    return 2 * xp.linalg.pinv(X).T


def _full_row_rank(P: Array) -> None:
    require_ndim("P", P, 2, "a matrix P = X⁺ of shape (n, m)")
    if P.shape[0] > P.shape[1]:
        raise ValueError(
            f"P: expected P = X⁺ of full row rank (rows ≤ columns), got shape {tuple(P.shape)}; "
            "X⁺ of a full-column-rank X (m, n) is (n, m)"
        )
    _invertible("PPᵀ", P @ P.T)


def log_det_XtX_pinv(P: Array) -> Array:
    r"""Primal of CB-56: ``ln det(XᵀX)`` as a function of ``P = X⁺``, with ``X = P⁺``.

    Shapes: P ``(n, m)``, n ≤ m, full row rank → ``()``. ``X = P⁺ = Pᵀ(PPᵀ)⁻¹`` is ``(m, n)`` of full
    column rank and ``X⁺ = P``; the value is :func:`log_det_XtX` of ``pinv(P)`` (JAX differentiates
    through the pseudo-inverse).
    """
    xp, (P,) = inputs(P=P)
    _full_row_rank(P)
    return log_det_XtX(xp.linalg.pinv(P))


def grad_log_det_XtX_pinv_P(P: Array) -> Array:
    r"""∂ln det(XᵀX)/∂X⁺ = −2Xᵀ   (CB-56, Matrix Cookbook §2.1.4)

    Read as the gradient with respect to ``P = X⁺`` (full row rank, ``(n, m)``) with ``X = P⁺``: then
    ``XᵀX = (PPᵀ)⁻¹``, so the function is ``−ln det(PPᵀ)``, whose gradient is ``−2(PPᵀ)⁻¹P = −2(P⁺)ᵀ =
    −2Xᵀ``. Shaped like P, ``(n, m)``. No kinks.

    >>> import numpy as np
    >>> np.round(grad_log_det_XtX_pinv_P(np.array([[0.5, 0.5]])), 12)   # X = P⁺ = [[1], [1]]
    array([[-2., -2.]])
    """
    xp, (P,) = inputs(P=P)
    _full_row_rank(P)
    return -2 * xp.linalg.pinv(P).T


def _power(k: Any) -> int:
    if isinstance(k, bool) or not isinstance(k, numbers.Integral):
        raise TypeError(f"k: expected an int power k ≥ 1, got {type(k).__name__} {k!r}")
    if k < 1:
        raise ValueError(f"k: expected an integer power k ≥ 1 (Matrix Cookbook (58)), got {k}")
    return int(k)


def det_power(X: Array, k: int = 3) -> Array:
    r"""Primal of CB-58: ``det(Xᵏ)``. Shapes: X ``(n, n)`` invertible, k an int ≥ 1 → ``()``."""
    xp, (X,) = inputs(X=X)
    _invertible("X", X)
    return xp.linalg.det(xp.linalg.matrix_power(X, _power(k)))


def grad_det_power_X(X: Array, k: int = 3) -> Array:
    r"""∂det(Xᵏ)/∂X = k det(Xᵏ) X⁻ᵀ   (CB-58, Matrix Cookbook §2.1.4)

    ``det(Xᵏ) = (det X)ᵏ`` and (49). Shapes: X ``(n, n)`` invertible, k an int ≥ 1 (the catalog checks
    k = 3); returns ``(n, n)``. No kinks.

    >>> import numpy as np
    >>> grad_det_power_X(np.array([[2.0]]), k=3)     # d(x³)/dx at x = 2
    array([[12.]])
    """
    xp, (X,) = inputs(X=X)
    _invertible("X", X)
    k = _power(k)
    return k * xp.linalg.det(xp.linalg.matrix_power(X, k)) * xp.linalg.inv(X).T
