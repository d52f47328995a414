r"""Matrix Cookbook §2.8: derivatives of structured matrices (symmetric, diagonal, Toeplitz) and the chain rule.

One closed form per row of COOKBOOK.md, each citing the Cookbook's equation number (``CB-<n>``).

**The Cookbook's convention** ((133), (134)). A structured matrix A has fewer independent entries than
it has positions: its *free parameters* (for symmetric A, the entries on and below the diagonal; for
diagonal X, the diagonal; for Toeplitz T, one value per diagonal, 2n − 1 of them; for symmetric Toeplitz
T, one per |i − j|, n of them). The structured derivative is the partial derivative with respect to each
free parameter, **written into every position that parameter occupies**: with ``S^ij = ∂A/∂A_ij`` (the
structure matrix) and G the unstructured gradient ``∂f/∂A`` (every entry independent, evaluated at the
structured A), ``df/dA_ij = Tr(Gᵀ S^ij)``; for symmetric A that is ``G + Gᵀ − diag(G)``.

This is *not* the gradient that the Frobenius inner product gives on the subspace of symmetric
matrices, the symmetric part ``sym(G) = (G + Gᵀ)/2`` that others use: the two agree on the diagonal
and differ off it by a factor 2 (Srinivasan & Panda, arXiv:1911.06491). Example: ``f(X) = Tr(AX)`` with
``A = [[1, 2], [3, 4]]`` and symmetric ``X = [[a, x], [x, b]]`` is ``a + 5x + 4b``, so ``df/dx = 5``:
the Cookbook's matrix is ``[[1, 5], [5, 4]]``, ``sym(G)`` is ``[[1, 2.5], [2.5, 4]]``
(tests/test_cookbook_structured.py pins both).

How the records check it: the primal takes the free parameters as an unconstrained array and builds
the structured matrix from them (:func:`symmetric_from_params`, :func:`diagonal_from_params`,
:func:`toeplitz_from_params`, :func:`symmetric_toeplitz_from_params`), so JAX differentiates with respect
to exactly the free parameters; the record maps the Cookbook's matrix back onto them
(:func:`symmetric_params`, :func:`diagonal_params`, :func:`toeplitz_params`,
:func:`symmetric_toeplitz_params`: each free parameter's value read off a position it occupies).

| ID | identity | function |
|---|---|---|
| CB-133 | df/dA_ij = Σ_kl (∂f/∂A_kl)(∂A_kl/∂A_ij) = Tr[(∂f/∂A)ᵀ ∂A/∂A_ij] | :func:`chain_rule_trace` |
| CB-136 | ∂g(U)/∂x_ij = Σ_kl (∂g(U)/∂u_kl)(∂u_kl/∂x_ij) | :func:`chain_rule_sum` |
| CB-137 | ∂g(U)/∂X_ij = Tr[(∂g(U)/∂U)ᵀ ∂U/∂X_ij] | :func:`chain_rule_trace` |
| CB-138 | S^ij = J^ij + J^ji − J^ij J^ij | :func:`jac_symmetric_from_params_P` |
| CB-138 | df/dA = G + Gᵀ − diag(G), A symmetric | :func:`symmetric_structured_gradient` |
| CB-139 | ∂Tr(AX)/∂X = A + Aᵀ − (A∘I), X symmetric | :func:`grad_trace_AX_symmetric_X` |
| CB-140 | ∂det X/∂X = det(X)(2X⁻¹ − (X⁻¹∘I)), X symmetric | :func:`grad_det_symmetric_X` |
| CB-141 | ∂ln det X/∂X = 2X⁻¹ − (X⁻¹∘I), X symmetric | :func:`grad_log_det_symmetric_X` |
| CB-142 | ∂Tr(AX)/∂X = A∘I, X diagonal | :func:`grad_trace_AX_diagonal_X` |
| CB-143 | ∂Tr(AT)/∂T = ∂Tr(TA)/∂T = α(A), T Toeplitz | :func:`grad_trace_AT_toeplitz_T` |
| CB-144 | ∂Tr(AT)/∂T = α(A) + α(A)ᵀ − α(A)∘I, T symmetric Toeplitz | :func:`grad_trace_AT_symmetric_toeplitz_T` |

Toeplitz (CB-143). ``α(A)`` is the Toeplitz matrix whose diagonal ``i − j = d`` holds the sum of the
diagonal ``p − q = d`` of Aᵀ: ``α(A)_ij = Σ_{p−q=i−j} (Aᵀ)_pq``, the diagonal-sum rule. It gives the
Cookbook's listed entries ``α_ii = Tr A``, ``α_12 = Tr([Aᵀ]_n1)``, ``α_21 = Tr([Aᵀ]_1n)`` and
``α_1n = A_n1`` (``[A]_ij`` is A with row i and column j deleted). The transcription's second
off-diagonals, ``α_13 = Tr([[Aᵀ]_1n]_{n−1,2})`` and ``α_31 = Tr([[Aᵀ]_1n]_{2,n−1})``, are not diagonal
sums (COOKBOOK.md §4, certainty unknown); the rule used here is the diagonal-sum rule.

Layout: a structured derivative is an ``(n, n)`` matrix shaped like the structured argument (the
Cookbook's); the parameter maps return arrays shaped like the parameters. No kinks: every rule here is
smooth where it is defined (the determinant rules need an invertible X; concrete singular inputs are
rejected, and so are concrete inputs that lack the structure a rule assumes).

References:
  K. B. Petersen and M. S. Pedersen, "The Matrix Cookbook", Technical University of Denmark,
  version 20121115, §2.8.
  S. Srinivasan and N. Panda, "What is the gradient of a scalar function of a symmetric matrix?",
  arXiv:1911.06491 (2019).
"""

from __future__ import annotations

from typing import Any

import numpy as np

from ._array import inputs, is_concrete, require_ndim, require_symmetric
from .matrix import _invertible, _square

__all__ = [
    "chain_rule_sum",
    "chain_rule_trace",
    "diagonal_from_params",
    "diagonal_params",
    "grad_det_symmetric_X",
    "grad_log_det_symmetric_X",
    "grad_trace_AT_symmetric_toeplitz_T",
    "grad_trace_AT_toeplitz_T",
    "grad_trace_AX_diagonal_X",
    "grad_trace_AX_symmetric_X",
    "jac_symmetric_from_params_P",
    "symmetric_from_params",
    "symmetric_params",
    "symmetric_structured_gradient",
    "symmetric_toeplitz_from_params",
    "symmetric_toeplitz_params",
    "toeplitz_from_params",
    "toeplitz_params",
]

Array = Any


# --- helpers ---------------------------------------------------------------------------------------


def _same_square(name_a: str, A: Array, name_x: str, X: Array) -> None:
    _square(name_a, A)
    _square(name_x, X)
    if A.shape != X.shape:
        raise ValueError(f"{name_a} has shape {tuple(A.shape)} but {name_x} has {tuple(X.shape)}; Tr({name_a}"
                         f"{name_x}) here needs two n × n matrices")


def _require_structure(name: str, X: Array, residual: Any, what: str, fix: str) -> None:
    """Raise ``ValueError`` when a concrete ``X`` is further than working precision from its structure."""
    if is_concrete(X) and X.shape[0]:
        x = np.asarray(X, dtype=np.float64)
        gap = float(np.max(np.abs(residual(x)), initial=0.0))
        if gap > 1e-5 * max(1.0, float(np.max(np.abs(x)))):
            raise ValueError(f"{name}: the rule needs a {what} {name}, but it is {gap:.3g} away from one; {fix}")


def _toeplitz_basis(n: int) -> np.ndarray:
    """``E[k, i, j] = 1`` where ``i − j = k − (n − 1)``: one 0/1 matrix per diagonal, top-right first."""
    i, j = np.indices((n, n))
    return (i - j + n - 1 == np.arange(2 * n - 1)[:, None, None]).astype(np.float64)


def _symmetric_toeplitz_basis(n: int) -> np.ndarray:
    """``E[k, i, j] = 1`` where ``|i − j| = k``: one 0/1 matrix per distance from the diagonal."""
    i, j = np.indices((n, n))
    return (np.abs(i - j) == np.arange(n)[:, None, None]).astype(np.float64)


def _not_toeplitz(x: np.ndarray) -> np.ndarray:
    return x[1:, 1:] - x[:-1, :-1]


def _not_symmetric_toeplitz(x: np.ndarray) -> np.ndarray:
    return np.concatenate([_not_toeplitz(x).ravel(), (x - x.T).ravel()])


def _not_diagonal(x: np.ndarray) -> np.ndarray:
    return x - np.diag(np.diagonal(x))


def _params_vector(name: str, v: Array, what: str) -> None:
    require_ndim(name, v, 1, what)
    if v.shape[0] == 0:
        raise ValueError(f"{name}: expected at least one free parameter, got shape {tuple(v.shape)}")


# --- CB-133, CB-136, CB-137 The chain rule through a matrix -----------------------------------------------


def _chain_args(dg_dU: Array, dU_dX: Array) -> tuple[Any, Array, Array]:
    xp, (dg_dU, dU_dX) = inputs(dg_dU=dg_dU, dU_dX=dU_dX)
    require_ndim("dg_dU", dg_dU, 2, "the gradient ∂g/∂U of shape (M, N)")
    if dU_dX.ndim < 2 or tuple(dU_dX.shape[:2]) != tuple(dg_dU.shape):
        raise ValueError(
            f"dU_dX: expected the Jacobian ∂U/∂X of shape U.shape + X.shape = {tuple(dg_dU.shape)} + X.shape "
            f"(numerator layout), got {tuple(dU_dX.shape)}"
        )
    return xp, dg_dU, dU_dX


def chain_rule_sum(dg_dU: Array, dU_dX: Array) -> Array:
    r"""∂g(U)/∂x_ij = Σ_{k=1}^{M} Σ_{l=1}^{N} (∂g(U)/∂u_kl)(∂u_kl/∂x_ij)   (CB-136, Matrix Cookbook §2.8.1)

    The chain rule through a matrix ``U = f(X)`` of shape ``(M, N)``, for every entry of X at once.
    (The printed left side reads ``∂g(U)/∂X``; the entry is meant, as (137) shows.) Shapes: dg_dU
    ``(M, N)`` (the gradient of the scalar g), dU_dX ``(M, N) + X.shape`` (numerator layout); returns an
    array shaped like X. Linear in both arguments; no kinks.

    >>> import numpy as np
    >>> chain_rule_sum(np.array([[1.0, 2.0]]), np.array([[[3.0]], [[4.0]]]).reshape(1, 2, 1))
    array([11.])
    """
    xp, dg_dU, dU_dX = _chain_args(dg_dU, dU_dX)
    return xp.tensordot(dg_dU, dU_dX, axes=2)


def chain_rule_trace(dg_dU: Array, dU_dX: Array) -> Array:
    r"""∂g(U)/∂X_ij = Tr[(∂g(U)/∂U)ᵀ ∂U/∂X_ij]   (CB-137, Matrix Cookbook §2.8.1)

    The chain rule of :func:`chain_rule_sum` written as a trace: for each entry of X, the matrix
    ``∂U/∂X_ij`` (shaped like U) is multiplied by ``(∂g/∂U)ᵀ`` and traced. With U a structured matrix A
    built from its free parameters (``X`` the parameters, ``∂A/∂A_ij = S^ij``) this is (133),
    ``df/dA_ij = Tr[(∂f/∂A)ᵀ S^ij]``. Shapes: dg_dU ``(M, N)``, dU_dX ``(M, N) + X.shape``; returns an
    array shaped like X. No kinks.

    >>> import numpy as np
    >>> chain_rule_trace(np.array([[1.0, 2.0]]), np.array([[[3.0]], [[4.0]]]).reshape(1, 2, 1))
    array([11.])
    """
    xp, dg_dU, dU_dX = _chain_args(dg_dU, dU_dX)
    k = dU_dX.ndim
    stack = xp.permute_dims(dU_dX, (*range(2, k), 0, 1))  # X.shape + (M, N): the matrices ∂U/∂X_ij
    return xp.sum(xp.linalg.diagonal(dg_dU.T @ stack), axis=-1)


# --- CB-138 Symmetric matrices: the structure matrices and the general rule -----------------------------------


def _square_params(P: Array) -> tuple[Any, Array]:
    xp, (P,) = inputs(P=P)
    _square("P", P)
    return xp, P


def symmetric_from_params(P: Array) -> Array:
    r"""The symmetric matrix with free parameters P: ``A = tril(P) + tril(P, −1)ᵀ`` (P's strict upper part
    is ignored). Shapes: P ``(n, n)`` → ``(n, n)``. The primal of CB-138's structure matrices."""
    xp, P = _square_params(P)
    return xp.tril(P) + xp.tril(P, k=-1).T


def symmetric_params(M: Array) -> Array:
    r"""A symmetric matrix's free parameters, ``tril(M)`` (the upper part 0): maps the Cookbook's structured
    derivative of a symmetric matrix onto the parameters of :func:`symmetric_from_params`. Shapes:
    M ``(n, n)`` → ``(n, n)``."""
    xp, (M,) = inputs(M=M)
    _square("M", M)
    return xp.tril(M)


def jac_symmetric_from_params_P(P: Array) -> Array:
    r"""S^ij = ∂A/∂A_ij = J^ij + J^ji − J^ij J^ij (i ≥ j), A = tril(P) + tril(P, −1)ᵀ   (CB-138, Matrix Cookbook §2.8.2)

    The structure matrices (134) of a symmetric A: ``J^ij`` is the single-entry matrix, and
    ``J^ij J^ij`` is ``J^ii`` on the diagonal and 0 off it, so ``S^ij`` has ones at ``(i, j)`` and
    ``(j, i)``. Returned as the Jacobian of :func:`symmetric_from_params`, shape ``(n, n, n, n)`` with
    entry ``[k, l, i, j] = (S^ij)_kl`` (numerator layout); for ``i < j`` (not a free parameter) the slice
    is 0. This is ``∂A/∂A_ij`` under the Cookbook's convention (one free parameter moves both entries by
    1); the symmetric gradient sym(G) corresponds to the directions ``(J^ij + J^ji)/2`` instead. Linear,
    no kinks.

    >>> import numpy as np
    >>> S = jac_symmetric_from_params_P(np.zeros((2, 2)))
    >>> S[:, :, 1, 0]            # S^21: ones at (2, 1) and (1, 2)
    array([[0., 1.],
           [1., 0.]])
    """
    xp, P = _square_params(P)
    n = P.shape[0]
    J = np.zeros((n, n, n, n))  # J[i, j] = J^ij
    for i in range(n):
        for j in range(n):
            J[i, j, i, j] = 1.0
    J = xp.asarray(J, dtype=P.dtype)
    S = J + xp.permute_dims(J, (0, 1, 3, 2)) - J @ J  # S[i, j] = J^ij + J^ji − J^ij J^ij
    free = xp.asarray(np.tril(np.ones((n, n)))[:, :, None, None], dtype=P.dtype)
    return xp.permute_dims(S * free, (2, 3, 0, 1)) + xp.zeros_like(P)[None, None, :, :]


def symmetric_structured_gradient(G: Array) -> Array:
    r"""df/dA = G + Gᵀ − diag(G), A symmetric, G = ∂f/∂A unstructured   (CB-138, Matrix Cookbook §2.8.2)

    By (133) and the structure matrices: ``df/dA_ij = Tr(Gᵀ S^ij) = G_ij + G_ji`` off the diagonal and
    ``G_ii`` on it, written into both positions (i, j) and (j, i). This is the Cookbook's structured
    convention; the symmetric part sym(G), which others call the gradient, is half of it off the
    diagonal. Shapes: G ``(n, n)`` (evaluated at the symmetric A); returns ``(n, n)``, symmetric.

    >>> import numpy as np
    >>> symmetric_structured_gradient(np.array([[1.0, 3.0], [2.0, 4.0]]))
    array([[1., 5.],
           [5., 4.]])
    """
    xp, (G,) = inputs(G=G)
    _square("G", G)
    return G + G.T - G * xp.eye(G.shape[0], dtype=G.dtype)


# --- CB-139 … CB-141 Symmetric X ----------------------------------------------------------------------------


def grad_trace_AX_symmetric_X(A: Array, X: Array) -> Array:
    r"""∂Tr(AX)/∂X = A + Aᵀ − (A∘I), X symmetric   (CB-139, Matrix Cookbook §2.8.2)

    (138) with ``G = Aᵀ``, under the Cookbook's structured convention (the derivative with respect to
    each free entry, written into both of its positions; twice sym(G) off the diagonal). Shapes: A
    ``(n, n)`` any, X ``(n, n)`` symmetric (only its shape matters); returns ``(n, n)``. No kinks.

    >>> import numpy as np
    >>> grad_trace_AX_symmetric_X(np.array([[1.0, 2.0], [3.0, 4.0]]), np.eye(2))
    array([[1., 5.],
           [5., 4.]])
    """
    xp, (A, X) = inputs(A=A, X=X)
    _same_square("A", A, "X", X)
    require_symmetric("X", X, "∂Tr(AX)/∂X for symmetric X")
    return A + A.T - A * xp.eye(A.shape[0], dtype=A.dtype)


def _symmetric_invertible(X: Array) -> tuple[Any, Array, Array]:
    xp, (X,) = inputs(X=X)
    require_symmetric("X", X, "the symmetric determinant rule")
    _invertible("X", X)
    Xinv = xp.linalg.inv(X)
    return xp, X, Xinv


def grad_det_symmetric_X(X: Array) -> Array:
    r"""∂det X/∂X = det(X)(2X⁻¹ − (X⁻¹∘I)), X symmetric   (CB-140, Matrix Cookbook §2.8.2)

    (138) with CB-49's ``G = det(X) X⁻ᵀ = det(X) X⁻¹`` (X⁻¹ is symmetric), under the Cookbook's structured
    convention (each free entry's derivative written into both of its positions; twice sym(G) off the
    diagonal). Shapes: X ``(n, n)`` symmetric invertible; returns ``(n, n)``. No kinks.

    >>> import numpy as np
    >>> grad_det_symmetric_X(np.array([[2.0, 1.0], [1.0, 1.0]]))    # det = 2·1 − x²: ∂/∂x = −2x
    array([[ 1., -2.],
           [-2.,  2.]])
    """
    xp, X, Xinv = _symmetric_invertible(X)
    return xp.linalg.det(X) * (2 * Xinv - Xinv * xp.eye(X.shape[0], dtype=X.dtype))


def grad_log_det_symmetric_X(X: Array) -> Array:
    r"""∂ln det X/∂X = 2X⁻¹ − (X⁻¹∘I), X symmetric   (CB-141, Matrix Cookbook §2.8.2)

    (138) with CB-57's ``G = X⁻ᵀ = X⁻¹``, under the Cookbook's structured convention (twice sym(G) off
    the diagonal). The Cookbook assumes ``det X > 0``; the same matrix is the structured derivative of
    ``ln|det X|`` for any invertible symmetric X. Shapes: X ``(n, n)`` symmetric invertible; returns
    ``(n, n)``. No kinks.

    >>> import numpy as np
    >>> grad_log_det_symmetric_X(np.array([[2.0, 0.0], [0.0, 4.0]]))
    array([[0.5 , 0.  ],
           [0.  , 0.25]])
    """
    xp, X, Xinv = _symmetric_invertible(X)
    return 2 * Xinv - Xinv * xp.eye(X.shape[0], dtype=X.dtype)


# --- CB-142 Diagonal X --------------------------------------------------------------------------------------


def diagonal_from_params(d: Array) -> Array:
    r"""The diagonal matrix with free parameters d, ``diag(d)``. Shapes: d ``(n,)`` → ``(n, n)``."""
    xp, (d,) = inputs(d=d)
    _params_vector("d", d, "the diagonal d of shape (n,)")
    return d[:, None] * xp.eye(d.shape[0], dtype=d.dtype)


def diagonal_params(M: Array) -> Array:
    r"""A diagonal matrix's free parameters: M's diagonal. Maps the Cookbook's derivative for a diagonal
    X onto the parameters of :func:`diagonal_from_params`. Shapes: M ``(n, n)`` → ``(n,)``."""
    xp, (M,) = inputs(M=M)
    _square("M", M)
    return xp.linalg.diagonal(M)


def grad_trace_AX_diagonal_X(A: Array, X: Array) -> Array:
    r"""∂Tr(AX)/∂X = A∘I, X diagonal   (CB-142, Matrix Cookbook §2.8.3)

    ``Tr(AX) = Σᵢ A_ii X_ii`` when X is diagonal; each free parameter occupies one position, so the
    Cookbook's structured convention and sym(G) agree here. The transcription (COOKBOOK.md §4) shows
    ``∂Tr(A)/∂X``, dropping X; Tr(AX) is meant. Shapes: A ``(n, n)``, X ``(n, n)`` diagonal (only its shape
    matters); returns ``(n, n)``. No kinks.

    >>> import numpy as np
    >>> grad_trace_AX_diagonal_X(np.array([[1.0, 2.0], [3.0, 4.0]]), np.eye(2))
    array([[1., 0.],
           [0., 4.]])
    """
    xp, (A, X) = inputs(A=A, X=X)
    _same_square("A", A, "X", X)
    _require_structure("X", X, _not_diagonal, "diagonal", "pass diag(d), or use the unstructured rule")
    return A * xp.eye(A.shape[0], dtype=A.dtype)


# --- CB-143 / CB-144 Toeplitz T --------------------------------------------------------------------------


def toeplitz_from_params(c: Array) -> Array:
    r"""The Toeplitz matrix with free parameters c (one per diagonal): ``T_ij = c[i − j + n − 1]``, so
    ``c[0]`` is the top-right entry, ``c[n − 1]`` the main diagonal, ``c[2n − 2]`` the bottom-left entry.
    Shapes: c ``(2n − 1,)`` → ``(n, n)``."""
    xp, (c,) = inputs(c=c)
    _params_vector("c", c, "one value per diagonal, shape (2n − 1,)")
    if c.shape[0] % 2 == 0:
        raise ValueError(f"c: an n × n Toeplitz matrix has 2n − 1 diagonals (an odd number), got {c.shape[0]} "
                         "values; pass 2n − 1 of them")
    n = (c.shape[0] + 1) // 2
    return xp.tensordot(c, xp.asarray(_toeplitz_basis(n), dtype=c.dtype), axes=1)


def toeplitz_params(M: Array) -> Array:
    r"""A Toeplitz matrix's free parameters: the value on each diagonal (the mean of its entries, each
    entry when M is Toeplitz), ordered as in :func:`toeplitz_from_params`. Maps the Cookbook's derivative
    for a Toeplitz T onto those parameters. Shapes: M ``(n, n)`` → ``(2n − 1,)``."""
    xp, (M,) = inputs(M=M)
    _square("M", M)
    E = _toeplitz_basis(M.shape[0])
    return xp.tensordot(xp.asarray(E / E.sum(axis=(1, 2))[:, None, None], dtype=M.dtype), M, axes=2)


def symmetric_toeplitz_from_params(s: Array) -> Array:
    r"""The symmetric Toeplitz matrix with free parameters s (one per distance from the diagonal):
    ``T_ij = s[|i − j|]``. Shapes: s ``(n,)`` → ``(n, n)``."""
    xp, (s,) = inputs(s=s)
    _params_vector("s", s, "one value per |i − j|, shape (n,)")
    return xp.tensordot(s, xp.asarray(_symmetric_toeplitz_basis(s.shape[0]), dtype=s.dtype), axes=1)


def symmetric_toeplitz_params(M: Array) -> Array:
    r"""A symmetric Toeplitz matrix's free parameters: the value at each distance ``|i − j|`` (the mean of
    those entries), ordered as in :func:`symmetric_toeplitz_from_params`. Shapes: M ``(n, n)`` → ``(n,)``."""
    xp, (M,) = inputs(M=M)
    _square("M", M)
    E = _symmetric_toeplitz_basis(M.shape[0])
    return xp.tensordot(xp.asarray(E / E.sum(axis=(1, 2))[:, None, None], dtype=M.dtype), M, axes=2)


def _alpha(xp: Any, A: Array) -> Array:
    """``α(A)_ij = Σ_{p−q=i−j} (Aᵀ)_pq``: each diagonal of Aᵀ summed, written along the same diagonal."""
    E = xp.asarray(_toeplitz_basis(A.shape[0]), dtype=A.dtype)
    return xp.tensordot(xp.tensordot(E, A.T, axes=2), E, axes=1)


def _toeplitz_args(A: Array, T: Array, residual: Any, what: str) -> tuple[Any, Array]:
    xp, (A, T) = inputs(A=A, T=T)
    _same_square("A", A, "T", T)
    _require_structure("T", T, residual, what, "build it from its diagonals, or use the unstructured rule")
    return xp, A


def grad_trace_AT_toeplitz_T(A: Array, T: Array) -> Array:
    r"""∂Tr(AT)/∂T = ∂Tr(TA)/∂T = α(A), α(A)_ij = Σ_{p−q=i−j} (Aᵀ)_pq, T Toeplitz   (CB-143, Matrix Cookbook §2.8.4)

    Under the Cookbook's structured convention (one free value per diagonal of T, 2n − 1 of them; each
    one's derivative written along its whole diagonal): ``Tr(AT) = Σ_ij A_ij T_ji``, and the diagonal
    ``i − j = d`` of T meets the entries of A with ``j − i = d``, that is the diagonal ``p − q = d`` of Aᵀ.
    The diagonal-sum rule above is what this computes; the Cookbook's listed entries follow from it,
    its transcribed second off-diagonals do not (module docstring; COOKBOOK.md §4). The analogue of
    sym(G) for Toeplitz matrices (the projection of G onto them) would average each diagonal instead of
    summing it. Shapes: A ``(n, n)``, T ``(n, n)`` Toeplitz (only its shape matters); returns
    ``(n, n)``, Toeplitz. No kinks.

    >>> import numpy as np
    >>> grad_trace_AT_toeplitz_T(np.array([[1.0, 2.0], [3.0, 4.0]]), np.eye(2))
    array([[5., 3.],
           [2., 5.]])
    """
    xp, A = _toeplitz_args(A, T, _not_toeplitz, "Toeplitz")
    return _alpha(xp, A)


def grad_trace_AT_symmetric_toeplitz_T(A: Array, T: Array) -> Array:
    r"""∂Tr(AT)/∂T = ∂Tr(TA)/∂T = α(A) + α(A)ᵀ − α(A)∘I, T symmetric Toeplitz   (CB-144, Matrix Cookbook §2.8.4)

    Under the Cookbook's structured convention with one free value per distance ``|i − j|`` (n of them):
    the value at distance d > 0 occupies both diagonals ``±d``, so its derivative is the sum of α(A)'s
    two diagonals (CB-143), written into both; on the main diagonal it is ``Tr A``. Twice sym(α(A)) off
    the diagonal. Shapes: A ``(n, n)``, T ``(n, n)`` symmetric Toeplitz (only its shape matters);
    returns ``(n, n)``, symmetric Toeplitz. No kinks.

    >>> import numpy as np
    >>> grad_trace_AT_symmetric_toeplitz_T(np.array([[1.0, 2.0], [3.0, 4.0]]), np.eye(2))
    array([[5., 5.],
           [5., 5.]])
    """
    xp, A = _toeplitz_args(A, T, _not_symmetric_toeplitz, "symmetric Toeplitz")
    alpha = _alpha(xp, A)
    return alpha + alpha.T - alpha * xp.eye(A.shape[0], dtype=A.dtype)
