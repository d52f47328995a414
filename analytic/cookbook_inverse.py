r"""Matrix Cookbook §2.2–§2.3: derivatives of an inverse and of eigenvalues (and unit eigenvectors).

One closed form per row of COOKBOOK.md, each citing the Cookbook's equation number (``CB-<n>``). Rows
already in :mod:`chainrule.analytic.matrix` are not repeated: CB-60 (``jac_inv_X``) and CB-61
(``grad_inverse_bilinear_X``); CB-66 reuses ``grad_det_X`` (CB-49), the same formula.

| ID | identity | function |
|---|---|---|
| CB-59 | ∂Y⁻¹/∂x = −Y⁻¹ (∂Y/∂x) Y⁻¹, along a curve Y(x) | :func:`jac_inverse_curve_x` |
| CB-62 | ∂det(X⁻¹)/∂X = −det(X⁻¹) X⁻ᵀ | :func:`grad_det_inv_X` |
| CB-63 | ∂Tr(AX⁻¹B)/∂X = −(X⁻¹BAX⁻¹)ᵀ | :func:`grad_trace_A_inv_B_X` |
| CB-64 | ∂Tr((X + A)⁻¹)/∂X = −((X + A)⁻¹(X + A)⁻¹)ᵀ | :func:`grad_trace_inv_X_plus_A_X` |
| CB-64u | ∂J/∂A = −A⁻ᵀ (∂J/∂W) A⁻ᵀ, W = A⁻¹ | :func:`vjp_inv_A`, :func:`grad_inverse_objective_A` |
| CB-65 | ∂/∂X Σ eig(X) = ∂/∂X Tr(X) = I | :func:`grad_sum_eig_X` |
| CB-66 | ∂/∂X Π eig(X) = ∂/∂X det X = det(X) X⁻ᵀ | :func:`prod_eig` with ``matrix.grad_det_X`` |
| CB-67 | ∂λᵢ = vᵢᵀ (∂A) vᵢ, A symmetric | :func:`jvp_eigenvalues_symmetric_A` |
| CB-68 | ∂vᵢ = (λᵢI − A)⁺ (∂A) vᵢ, A symmetric | :func:`jvp_eigenvectors_symmetric_A` |

Layout (DESIGN.md, COOKBOOK.md §1): a gradient is shaped like its argument; the derivative of a matrix
function of a scalar x (CB-59, layout ``s``) is entry-wise, shaped like the matrix (numerator layout:
``out.shape + ()``). CB-67 and CB-68 are differential statements: their closed forms are directional
derivatives (Jacobian-vector products) along a direction ``t`` = ∂A shaped like A.

Eigen-problems (CB-67, CB-68). A is real symmetric with simple eigenvalues, in ascending order (as
``eigh`` returns them). The primals symmetrize their argument, ``(A + Aᵀ)/2``, so a direction t acts
through its symmetric part ``(t + tᵀ)/2``, the symmetric ∂A the Cookbook assumes; the closed forms
use that part. Each eigenvector has unit length; its **sign is fixed** so that its entry of largest
magnitude is positive (the first such entry on a tie, like ``argmax``). The sign does not change the
derivative's formula: flipping vᵢ flips both sides of CB-68, and CB-67 is quadratic in vᵢ. The sign
rule is discontinuous where two entries of largest magnitude and opposite signs tie; the records draw
away from that.

Conventions at the non-differentiable points (pinned in tests/test_cookbook_inverse.py): at a
repeated eigenvalue, CB-67's closed form is ``vᵢᵀ(∂A)vᵢ`` for the eigenvectors ``eigh`` returns, as
JAX's ``eigh`` JVP computes (neither is a derivative there); CB-68's closed form is the Cookbook's
formula with the true pseudo-inverse (directions inside the repeated eigenspace dropped, finite),
where JAX's ``eigh`` JVP divides by zero (inf/NaN). The inverse rules hold where the matrix inverted
is invertible (concrete singular inputs are rejected).

Complex eigenvalues (CB-65, CB-66): a real matrix may have complex-conjugate pairs; their sum and
product are real, and the primals return the real part of the complex sum and product.

References:
  K. B. Petersen and M. S. Pedersen, "The Matrix Cookbook", Technical University of Denmark,
  version 20121115, §2.2, §2.3.
"""

from __future__ import annotations

from typing import Any

from ._array import inputs, require_ndim, require_symmetric
from .cookbook_differentials import trace
from .matrix import _invertible, _matmul_shapes, _square

__all__ = [
    "det_inv",
    "eigenvalues_symmetric",
    "eigenvectors_symmetric",
    "grad_det_inv_X",
    "grad_inverse_objective_A",
    "grad_sum_eig_X",
    "grad_trace_A_inv_B_X",
    "grad_trace_inv_X_plus_A_X",
    "inverse_curve",
    "inverse_objective",
    "jac_inverse_curve_x",
    "jvp_eigenvalues_symmetric_A",
    "jvp_eigenvectors_symmetric_A",
    "prod_eig",
    "sum_eig",
    "trace",
    "trace_A_inv_B",
    "trace_inv_X_plus_A",
    "vjp_inv_A",
]

Array = Any


# --- helpers ---------------------------------------------------------------------------------------


def _like(name: str, t: Array, like_name: str, like: Array) -> None:
    if tuple(t.shape) != tuple(like.shape):
        raise ValueError(
            f"{name}: expected shape {tuple(like.shape)} (shaped like {like_name}), got {tuple(t.shape)}; "
            f"pass {name} with {like_name}'s shape"
        )




def _sym(M: Array) -> Array:
    return (M + M.T) / 2


def _eigh_fixed(xp: Any, A: Array) -> tuple[Array, Array]:
    """Eigenvalues (ascending) and unit eigenvectors of ``sym(A)``, each column's largest-magnitude entry > 0."""
    lam, V = xp.linalg.eigh(_sym(A))
    n = A.shape[0]
    top = xp.argmax(xp.abs(V), axis=0)  # the first entry of largest magnitude, per column
    rows = xp.reshape(xp.arange(n), (n, 1))
    picked = xp.sum(xp.where(rows == xp.reshape(top, (1, n)), V, xp.zeros_like(V)), axis=0)
    one = xp.ones_like(picked)
    return lam, V * xp.reshape(xp.where(picked < 0, -one, one), (1, n))


# --- CB-59 The inverse along a curve ---------------------------------------------------------------------


def _curve(Y0: Array, Y1: Array, Y2: Array, x: Array) -> tuple[Any, Array, Array, Array, Array]:
    xp, (Y0, Y1, Y2, x) = inputs(Y0=Y0, Y1=Y1, Y2=Y2, x=x)
    _square("Y0", Y0)
    _like("Y1", Y1, "Y0", Y0)
    _like("Y2", Y2, "Y0", Y0)
    require_ndim("x", x, 0, "a scalar x, the curve's parameter")
    Y = Y0 + x * Y1 + x**2 * Y2
    _invertible("Y(x)", Y)
    return xp, Y, Y1, Y2, x


def inverse_curve(Y0: Array, Y1: Array, Y2: Array, x: Array) -> Array:
    r"""Primal of CB-59: ``Y(x)⁻¹`` with ``Y(x) = Y₀ + xY₁ + x²Y₂``.

    Shapes: Y0, Y1, Y2 ``(n, n)``, x ``()`` → ``(n, n)``.
    """
    xp, Y, _, _, _ = _curve(Y0, Y1, Y2, x)
    return xp.linalg.inv(Y)


def jac_inverse_curve_x(Y0: Array, Y1: Array, Y2: Array, x: Array) -> Array:
    r"""∂Y⁻¹/∂x = −Y⁻¹ (∂Y/∂x) Y⁻¹ with Y(x) = Y₀ + xY₁ + x²Y₂, ∂Y/∂x = Y₁ + 2xY₂   (CB-59, Matrix Cookbook §2.2)

    The Cookbook's identity for any invertible matrix function of a scalar, checked along a quadratic
    curve (layout ``s``: the derivative is entry-wise, shaped like ``Y⁻¹``). Shapes: Y0, Y1, Y2
    ``(n, n)`` with ``Y(x)`` invertible, x ``()``; returns ``(n, n)``. No kinks.

    >>> import numpy as np
    >>> I = np.eye(1)
    >>> jac_inverse_curve_x(2 * I, I, 0 * I, np.asarray(0.0))   # d/dx 1/(2 + x) at 0
    array([[-0.25]])
    """
    xp, Y, Y1, Y2, x = _curve(Y0, Y1, Y2, x)
    Yinv = xp.linalg.inv(Y)
    return -(Yinv @ (Y1 + 2 * x * Y2) @ Yinv)


# --- CB-62 … CB-64 Scalar functions of an inverse ---------------------------------------------------------


def det_inv(X: Array) -> Array:
    r"""Primal of CB-62: ``det(X⁻¹)``. Shapes: X ``(n, n)`` invertible → ``()``."""
    xp, (X,) = inputs(X=X)
    _invertible("X", X)
    return xp.linalg.det(xp.linalg.inv(X))


def grad_det_inv_X(X: Array) -> Array:
    r"""∂det(X⁻¹)/∂X = −det(X⁻¹) (X⁻¹)ᵀ   (CB-62, Matrix Cookbook §2.2)

    ``det(X⁻¹) = 1/det X``, so by CB-49 the gradient is ``−det(X)⁻² det(X) X⁻ᵀ``. Shapes: X ``(n, n)``
    invertible; returns ``(n, n)``. No kinks.

    >>> import numpy as np
    >>> grad_det_inv_X(np.array([[-2.0]]))      # d(1/x)/dx = −1/x²
    array([[-0.25]])
    """
    xp, (X,) = inputs(X=X)
    _invertible("X", X)
    Xinv = xp.linalg.inv(X)
    return -(xp.linalg.det(Xinv) * Xinv.T)


def _A_inv_B(A: Array, X: Array, B: Array) -> tuple[Any, Array, Array, Array]:
    xp, (A, X, B) = inputs(A=A, X=X, B=B)
    require_ndim("A", A, 2, "a matrix A of shape (p, n)")
    require_ndim("B", B, 2, "a matrix B of shape (n, p)")
    _invertible("X", X)
    _matmul_shapes("A", A, "X", X)
    _matmul_shapes("X", X, "B", B)
    if B.shape[1] != A.shape[0]:
        raise ValueError(
            f"Tr(AX⁻¹B) needs AX⁻¹B square: A {tuple(A.shape)} and B {tuple(B.shape)} give "
            f"({A.shape[0]}, {B.shape[1]}); pass B with {A.shape[0]} columns"
        )
    return xp, A, X, B


def trace_A_inv_B(A: Array, X: Array, B: Array) -> Array:
    r"""Primal of CB-63: ``Tr(AX⁻¹B)``. Shapes: A ``(p, n)``, X ``(n, n)`` invertible, B ``(n, p)`` → ``()``."""
    xp, A, X, B = _A_inv_B(A, X, B)
    return xp.sum((A @ xp.linalg.inv(X)) * B.T)


def grad_trace_A_inv_B_X(A: Array, X: Array, B: Array) -> Array:
    r"""∂Tr(AX⁻¹B)/∂X = −(X⁻¹BAX⁻¹)ᵀ   (CB-63, Matrix Cookbook §2.2)

    From CB-40: ``d Tr(AX⁻¹B) = −Tr(AX⁻¹ dX X⁻¹B) = −Tr((X⁻¹BAX⁻¹) dX)``. Shapes as
    :func:`trace_A_inv_B`; returns ``(n, n)``, like X. No kinks.

    >>> import numpy as np
    >>> grad_trace_A_inv_B_X(np.array([[3.0]]), np.array([[2.0]]), np.array([[1.0]]))   # −3/x²
    array([[-0.75]])
    """
    xp, A, X, B = _A_inv_B(A, X, B)
    Xinv = xp.linalg.inv(X)
    return -(Xinv @ B @ A @ Xinv).T


def _X_plus_A(X: Array, A: Array) -> tuple[Any, Array]:
    xp, (X, A) = inputs(X=X, A=A)
    _square("X", X)
    _like("A", A, "X", X)
    _invertible("X + A", X + A)
    return xp, X + A


def trace_inv_X_plus_A(X: Array, A: Array) -> Array:
    r"""Primal of CB-64: ``Tr((X + A)⁻¹)``. Shapes: X, A ``(n, n)``, X + A invertible → ``()``."""
    xp, S = _X_plus_A(X, A)
    return xp.sum(xp.linalg.diagonal(xp.linalg.inv(S)))


def grad_trace_inv_X_plus_A_X(X: Array, A: Array) -> Array:
    r"""∂Tr((X + A)⁻¹)/∂X = −((X + A)⁻¹(X + A)⁻¹)ᵀ   (CB-64, Matrix Cookbook §2.2)

    CB-63 with ``A = B = I`` and X shifted by the constant A. Shapes: X, A ``(n, n)`` with X + A
    invertible; returns ``(n, n)``, like X. No kinks.

    >>> import numpy as np
    >>> grad_trace_inv_X_plus_A_X(np.array([[1.0]]), np.array([[1.0]]))   # −1/(x + a)²
    array([[-0.25]])
    """
    xp, S = _X_plus_A(X, A)
    Sinv = xp.linalg.inv(S)
    return -(Sinv @ Sinv).T


# --- CB-64u A scalar function of W = A⁻¹ -----------------------------------------------------------------


def vjp_inv_A(A: Array, ct: Array) -> Array:
    r"""∂J/∂A = −A⁻ᵀ (∂J/∂W) A⁻ᵀ for any scalar J(W), W = A⁻¹, with ∂J/∂W = ct   (CB-64u, Matrix Cookbook §2.2)

    The backward pass of the inverse: given the upstream gradient ``ct = ∂J/∂W`` (shaped like W),
    ``dJ = Tr(ctᵀ dW) = −Tr(ctᵀ A⁻¹ dA A⁻¹)``, so ``∂J/∂A = −A⁻ᵀ ct A⁻ᵀ``. Its record checks it as the
    gradient of ``J = Σ ct ∘ A⁻¹`` with ct held fixed. Shapes: A ``(n, n)`` invertible, ct ``(n, n)``;
    returns ``(n, n)``, like A. No kinks.

    >>> import numpy as np
    >>> vjp_inv_A(np.array([[2.0]]), np.array([[1.0]]))   # d(1/a)/da = −1/a²
    array([[-0.25]])
    """
    xp, (A, ct) = inputs(A=A, ct=ct)
    _invertible("A", A)
    _like("ct", ct, "A", A)
    Ainv_T = xp.linalg.inv(A).T
    return -(Ainv_T @ ct @ Ainv_T)


def _objective(a: Array, A: Array, b: Array) -> tuple[Any, Array, Array, Array]:
    xp, (a, A, b) = inputs(a=a, A=A, b=b)
    require_ndim("a", a, 1, "a vector a of shape (n,)")
    require_ndim("b", b, 1, "a vector b of shape (n,)")
    _invertible("A", A)
    _matmul_shapes("a", a, "A", A, 0, 0)
    _matmul_shapes("A", A, "b", b)
    return xp, a, A, b


def inverse_objective(a: Array, A: Array, b: Array) -> Array:
    r"""Primal of CB-64u's example: ``J(W) = aᵀWb + Tr(W²)`` with ``W = A⁻¹``.

    Shapes: a, b ``(n,)``, A ``(n, n)`` invertible → ``()``.
    """
    xp, a, A, b = _objective(a, A, b)
    W = xp.linalg.inv(A)
    return a @ W @ b + xp.sum(W * W.T)


def grad_inverse_objective_A(a: Array, A: Array, b: Array) -> Array:
    r"""∂J/∂A = −A⁻ᵀ (abᵀ + 2Wᵀ) A⁻ᵀ for J = aᵀWb + Tr(W²), W = A⁻¹   (CB-64u, Matrix Cookbook §2.2)

    CB-64u's general rule (:func:`vjp_inv_A`) with this J's gradient as a function of W,
    ``∂J/∂W = abᵀ + 2Wᵀ`` (CB-70 and ``∂Tr(W²)/∂W = 2Wᵀ``). Shapes: a, b ``(n,)``, A ``(n, n)``
    invertible; returns ``(n, n)``, like A. No kinks.

    >>> import numpy as np
    >>> grad_inverse_objective_A(np.array([1.0]), np.array([[2.0]]), np.array([1.0]))  # d(1/a + 1/a²)/da
    array([[-0.5]])
    """
    xp, a, A, b = _objective(a, A, b)
    W = xp.linalg.inv(A)
    return vjp_inv_A(A, a[:, None] * b[None, :] + 2 * W.T)


# --- CB-65 / CB-66 Sum and product of the eigenvalues -------------------------------------------------------


def sum_eig(X: Array) -> Array:
    r"""Primal of CB-65: ``Σ eig(X)``, the real part of the (complex) sum. Shapes: X ``(n, n)`` → ``()``."""
    xp, (X,) = inputs(X=X)
    _square("X", X)
    return xp.real(xp.sum(xp.linalg.eigvals(X)))




def grad_sum_eig_X(X: Array) -> Array:
    r"""∂/∂X Σ eig(X) = ∂/∂X Tr(X) = I   (CB-65, Matrix Cookbook §2.3)

    The eigenvalues of a real square X (complex-conjugate pairs allowed) sum to its trace. Shapes: X
    ``(n, n)``; returns ``(n, n)``. No kinks: the sum is smooth even where eigenvalues coincide.

    >>> import numpy as np
    >>> grad_sum_eig_X(np.array([[0.0, -1.0], [1.0, 0.0]]))   # eigenvalues ±i
    array([[1., 0.],
           [0., 1.]])
    """
    xp, (X,) = inputs(X=X)
    _square("X", X)
    return xp.eye(X.shape[0], dtype=X.dtype) + xp.zeros_like(X)


def prod_eig(X: Array) -> Array:
    r"""Primal of CB-66: ``Π eig(X)``, the real part of the (complex) product; its closed form is
    ``matrix.grad_det_X``, since ``Π eig(X) = det X``. Shapes: X ``(n, n)`` → ``()``."""
    xp, (X,) = inputs(X=X)
    _square("X", X)
    return xp.real(xp.prod(xp.linalg.eigvals(X)))


# --- CB-67 / CB-68 Eigenvalues and unit eigenvectors of a symmetric matrix -----------------------------------


def _eig_args(A: Array, t: Array | None = None) -> tuple[Any, Array, Array | None]:
    if t is None:
        xp, (A,) = inputs(A=A)
    else:
        xp, (A, t) = inputs(A=A, t=t)
        _like("t", t, "A", A)
    require_symmetric("A", A, "the symmetric eigenvalue rule")
    return xp, A, t


def eigenvalues_symmetric(A: Array) -> Array:
    r"""Primal of CB-67: the eigenvalues ``λ₁ ≤ … ≤ λₙ`` of ``(A + Aᵀ)/2``.

    Shapes: A ``(n, n)`` symmetric → ``(n,)``.
    """
    xp, A, _ = _eig_args(A)
    return xp.linalg.eigh(_sym(A)).eigenvalues


def jvp_eigenvalues_symmetric_A(A: Array, t: Array) -> Array:
    r"""∂λᵢ = vᵢᵀ (∂A) vᵢ   (CB-67, Matrix Cookbook §2.3)

    The first-order perturbation of a simple eigenvalue of a symmetric A along ``∂A = t`` (its symmetric
    part ``(t + tᵀ)/2``, see the module docstring), for every i at once: ``diag(Vᵀ (∂A) V)``. The
    eigenvectors have unit length; their signs do not matter (the form is quadratic in vᵢ). Shapes: A
    ``(n, n)`` symmetric, t ``(n, n)``; returns ``(n,)``, like the eigenvalues (ascending). At a
    repeated eigenvalue: the same expression for the eigenvectors ``eigh`` returns, as JAX computes.

    >>> import numpy as np
    >>> jvp_eigenvalues_symmetric_A(np.diag([1.0, 3.0]), np.array([[1.0, 5.0], [5.0, 2.0]]))
    array([1., 2.])
    """
    xp, A, t = _eig_args(A, t)
    _, V = _eigh_fixed(xp, A)
    return xp.sum(V * (_sym(t) @ V), axis=0)


def eigenvectors_symmetric(A: Array) -> Array:
    r"""Primal of CB-68: the unit eigenvectors of ``(A + Aᵀ)/2`` as columns (ascending eigenvalues), each
    column's entry of largest magnitude positive. Shapes: A ``(n, n)`` symmetric → ``(n, n)``."""
    xp, A, _ = _eig_args(A)
    return _eigh_fixed(xp, A)[1]


def jvp_eigenvectors_symmetric_A(A: Array, t: Array) -> Array:
    r"""∂vᵢ = (λᵢI − A)⁺ (∂A) vᵢ   (CB-68, Matrix Cookbook §2.3)

    The derivative of the unit eigenvector of a simple eigenvalue along ``∂A = t`` (its symmetric part),
    orthogonal to vᵢ, for every i at once: column i of the result is ``(λᵢI − A)⁺ (∂A) vᵢ``. The
    pseudo-inverse of the symmetric ``λᵢI − A`` is written through A's eigenvectors,
    ``Σⱼ vⱼvⱼᵀ/(λᵢ − λⱼ)`` over the j with ``|λᵢ − λⱼ|`` above ``pinv``'s default cutoff (n·ε times the
    largest ``|λᵢ − λⱼ|``); it equals ``pinv(λᵢI − A)``. Signs: as :func:`eigenvectors_symmetric`
    (flipping vᵢ flips this column too). Shapes: A ``(n, n)`` symmetric, t ``(n, n)``; returns
    ``(n, n)``. At a repeated eigenvalue the pseudo-inverse drops the eigenspace's directions (finite;
    JAX's eigh JVP gives inf/NaN there).

    >>> import numpy as np
    >>> jvp_eigenvectors_symmetric_A(np.diag([1.0, 3.0]), np.array([[0.0, 2.0], [2.0, 0.0]]))
    array([[ 0.,  1.],
           [-1.,  0.]])
    """
    xp, A, t = _eig_args(A, t)
    lam, V = _eigh_fixed(xp, A)
    n = A.shape[0]
    C = V.T @ _sym(t) @ V  # C[j, i] = vⱼᵀ (∂A) vᵢ
    D = xp.reshape(lam, (1, n)) - xp.reshape(lam, (n, 1))  # D[j, i] = λᵢ − λⱼ
    cutoff = n * xp.finfo(A.dtype).eps * xp.max(xp.abs(D), axis=0, keepdims=True)
    keep = xp.abs(D) > cutoff
    F = xp.where(keep, 1 / xp.where(keep, D, xp.ones_like(D)), xp.zeros_like(D))
    return V @ (F * C)
