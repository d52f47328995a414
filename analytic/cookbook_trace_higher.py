r"""The Matrix Cookbook's §2.5, derivatives of traces, part 2: §2.5.3 higher order and §2.5.4 other, (121)–(128).

The first part, (98)–(120), is :mod:`chainrule.analytic.cookbook_trace`; the conventions are the same: each
closed form is one COOKBOOK.md row (``CB-<n>``, the equation number of K. B. Petersen and M. S. Pedersen,
*The Matrix Cookbook*, version of November 15, 2012), in the Cookbook's notation, and the derivative of a
scalar with respect to X is shaped like X (``(∂f/∂X)_ij = ∂f/∂X_ij``, what ``jax.grad`` returns). No kinks.

* CB-121 and CB-122 take the integer power ``k ≥ 1`` as a keyword (a Python int, static under ``jax.jit``).
* CB-124 repeats CB-63: its record uses that row's primal and closed form
  (:mod:`chainrule.analytic.cookbook_inverse`). The inverse-based rules here (CB-125 … CB-127) reject
  concrete singular ``XᵀCX`` or ``N = A + XᵀCX``, and the rules that assume a symmetric B or C reject a
  concrete one that is not symmetric (their formulas are wrong there).
* CB-127 is an erratum (COOKBOOK.md §3): its printed right side needs A symmetric as well. Both the
  corrected form (:func:`grad_trace_Ninv_XtBX_X`) and the printed one
  (:func:`grad_trace_Ninv_XtBX_X_printed`, kept on purpose) are here.
* CB-128 uses the truncated sine series of :mod:`~chainrule.analytic.cookbook_trace` (degree 25; cos(X)
  is its term-by-term derivative), accurate to float64 rounding for ``‖X‖_F ≤ 2``.

References:
  K. B. Petersen and M. S. Pedersen, "The Matrix Cookbook", Technical University of Denmark,
  version 20121115, §2.5.3, §2.5.4.
"""

from __future__ import annotations

import numbers
from typing import Any

import numpy as np

from ._array import is_concrete, require_symmetric
from .cookbook_trace import _SIN, _derivative_coefficients, _prepare, _series, _series_domain, _tr

__all__ = [
    "grad_trace_AXk_X",
    "grad_trace_BtXtCXXtCXB_X",
    "grad_trace_Ninv_XtBX_X",
    "grad_trace_Ninv_XtBX_X_printed",
    "grad_trace_Xk_X",
    "grad_trace_XtCX_inv_A_X",
    "grad_trace_XtCX_inv_XtBX_X",
    "grad_trace_sin_X",
    "trace_AXk",
    "trace_BtXtCXXtCXB",
    "trace_Ninv_XtBX",
    "trace_Xk",
    "trace_XtCX_inv_A",
    "trace_XtCX_inv_XtBX",
    "trace_sin",
]

Array = Any


# --- helpers: the power k, symmetry and invertibility of concrete arguments ---------------------------------


def _power(k: Any) -> int:
    if isinstance(k, bool) or not isinstance(k, numbers.Integral):
        raise TypeError(f"k: expected a Python int power k ≥ 1, got {k!r} ({type(k).__name__}); pass e.g. k=3")
    if k < 1:
        raise ValueError(f"k: the rule needs an integer power k ≥ 1, got k = {k}; pass k ≥ 1")
    return int(k)




def _require_invertible(name: str, M: Array, rule: str) -> None:
    """Raise ``ValueError`` for a concrete ``M`` that is singular to working precision."""
    if is_concrete(M) and M.shape[0]:
        cond = float(np.linalg.cond(np.asarray(M, dtype=np.float64)))
        if not np.isfinite(cond) or cond * np.finfo(np.dtype(str(M.dtype))).eps >= 1.0:
            raise ValueError(
                f"{name}: {rule} needs {name} invertible, but it is singular to working precision (condition "
                f"number {cond:.3g}); the trace and its derivative are undefined there"
            )


# --- CB-121 … CB-123 §2.5.3 Higher order -----------------------------------------------------------------------


def trace_Xk(X: Array, k: int) -> Array:
    r"""Primal of CB-121: ``Tr(Xᵏ)``. Shapes: X ``(n, n)`` → ``()``; ``k ≥ 1`` a Python int."""
    k = _power(k)
    xp, (X,) = _prepare("Tr(Xᵏ)", "nn", X=X)
    return _tr(xp, xp.linalg.matrix_power(X, k))


def grad_trace_Xk_X(X: Array, k: int) -> Array:
    r"""∂Tr(Xᵏ)/∂X = k(Xᵏ⁻¹)ᵀ   (CB-121, Matrix Cookbook §2.5.3)

    ``d Tr(Xᵏ) = Σᵣ Tr(Xʳ dX Xᵏ⁻¹⁻ʳ) = k Tr(Xᵏ⁻¹ dX)`` by the cyclic property (``X⁰ = I``, so k = 1 gives
    CB-99's I). Shapes: X ``(n, n)``; returns ``(n, n)``, like X; ``k ≥ 1`` a Python int. No kinks.

    >>> import numpy as np
    >>> grad_trace_Xk_X(np.array([[1.0, 1.0], [0.0, 2.0]]), k=3)   # 3(X²)ᵀ
    array([[ 3.,  0.],
           [ 9., 12.]])
    """
    k = _power(k)
    xp, (X,) = _prepare("Tr(Xᵏ)", "nn", X=X)
    return k * xp.linalg.matrix_power(X, k - 1).T


def trace_AXk(A: Array, X: Array, k: int) -> Array:
    r"""Primal of CB-122: ``Tr(AXᵏ)``. Shapes: A, X ``(n, n)`` → ``()``; ``k ≥ 1`` a Python int."""
    k = _power(k)
    xp, (A, X) = _prepare("Tr(AXᵏ)", "nn nn", A=A, X=X)
    return _tr(xp, A @ xp.linalg.matrix_power(X, k))


def grad_trace_AXk_X(A: Array, X: Array, k: int) -> Array:
    r"""∂Tr(AXᵏ)/∂X = Σ_{r=0}^{k−1} (XʳAXᵏ⁻ʳ⁻¹)ᵀ   (CB-122, Matrix Cookbook §2.5.3)

    ``d Tr(AXᵏ) = Σᵣ Tr(AXʳ dX Xᵏ⁻¹⁻ʳ) = Σᵣ Tr(Xᵏ⁻¹⁻ʳAXʳ dX)``; reindexed (r → k − 1 − r), the sum above.
    Shapes: A, X ``(n, n)``; returns ``(n, n)``, like X; ``k ≥ 1`` a Python int (k Python-level terms).
    No kinks.

    >>> import numpy as np
    >>> grad_trace_AXk_X(np.array([[0.0, 1.0], [0.0, 0.0]]), np.eye(2), k=3)   # 3Aᵀ at X = I
    array([[0., 0.],
           [3., 0.]])
    """
    k = _power(k)
    xp, (A, X) = _prepare("Tr(AXᵏ)", "nn nn", A=A, X=X)
    powers = [xp.eye(X.shape[0], dtype=X.dtype)]
    for _ in range(k - 1):
        powers.append(powers[-1] @ X)
    total = powers[0] @ A @ powers[k - 1]
    for r in range(1, k):
        total = total + powers[r] @ A @ powers[k - 1 - r]
    return total.T


def trace_BtXtCXXtCXB(B: Array, X: Array, C: Array) -> Array:
    r"""Primal of CB-123: ``Tr[BᵀXᵀCXXᵀCXB]``. Shapes: B ``(n, p)``, X ``(m, n)``, C ``(m, m)`` → ``()``."""
    xp, (B, X, C) = _prepare("Tr[BᵀXᵀCXXᵀCXB]", "np mn mm", B=B, X=X, C=C)
    return _tr(xp, B.T @ X.T @ C @ X @ X.T @ C @ X @ B)


def grad_trace_BtXtCXXtCXB_X(B: Array, X: Array, C: Array) -> Array:
    r"""∂Tr[BᵀXᵀCXXᵀCXB]/∂X = CXXᵀCXBBᵀ + CᵀXBBᵀXᵀCᵀX + CXBBᵀXᵀCX + CᵀXXᵀCᵀXBBᵀ   (CB-123, Matrix Cookbook §2.5.3)

    X appears four times; each occurrence contributes one term (product rule, then ``∂Tr(M dX)/∂dX = Mᵀ``).
    Shapes: B ``(n, p)``, X ``(m, n)``, C ``(m, m)`` (any, not necessarily symmetric); returns ``(m, n)``,
    like X. No kinks.

    >>> import numpy as np
    >>> one = np.array([[1.0]])
    >>> grad_trace_BtXtCXXtCXB_X(one, 2.0 * one, one)   # Tr = x⁴, 4x³
    array([[32.]])
    """
    _, (B, X, C) = _prepare("Tr[BᵀXᵀCXXᵀCXB]", "np mn mm", B=B, X=X, C=C)
    BBt = B @ B.T
    XXt = X @ X.T
    return (C @ XXt @ C @ X @ BBt + C.T @ X @ BBt @ X.T @ C.T @ X
            + C @ X @ BBt @ X.T @ C @ X + C.T @ XXt @ C.T @ X @ BBt)


# --- CB-124 … CB-128 §2.5.4 Other --------------------------------------------------------------------------------


def trace_XtCX_inv_A(X: Array, C: Array, A: Array) -> Array:
    r"""Primal of CB-125: ``Tr[(XᵀCX)⁻¹A]``. Shapes: X ``(m, n)``, C ``(m, m)``, A ``(n, n)`` → ``()``."""
    xp, (X, C, A) = _prepare("Tr[(XᵀCX)⁻¹A]", "mn mm nn", X=X, C=C, A=A)
    N = X.T @ C @ X
    _require_invertible("XᵀCX", N, "Tr[(XᵀCX)⁻¹A]")
    return _tr(xp, xp.linalg.solve(N, A))


def grad_trace_XtCX_inv_A_X(X: Array, C: Array, A: Array) -> Array:
    r"""∂Tr[(XᵀCX)⁻¹A]/∂X = −CX(XᵀCX)⁻¹(A + Aᵀ)(XᵀCX)⁻¹, C symmetric   (CB-125, Matrix Cookbook §2.5.4)

    With ``N = XᵀCX`` (symmetric when C is): ``d Tr(N⁻¹A) = −Tr(N⁻¹AN⁻¹ dN)`` and ``dN = dXᵀCX + XᵀC dX``.
    The Cookbook states the section's rules for "B, C symmetric"; this one has no B, and A is any
    square matrix. Shapes: X ``(m, n)``, C ``(m, m)`` symmetric, A ``(n, n)``; ``XᵀCX`` invertible (X of
    full column rank and C definite, say). Returns ``(m, n)``, like X. No kinks.

    >>> import numpy as np
    >>> grad_trace_XtCX_inv_A_X(np.array([[2.0]]), np.array([[1.0]]), np.array([[3.0]]))   # 3/x², −6/x³
    array([[-0.75]])
    """
    xp, (X, C, A) = _prepare("Tr[(XᵀCX)⁻¹A]", "mn mm nn", X=X, C=C, A=A)
    require_symmetric("C", C, "∂Tr[(XᵀCX)⁻¹A]/∂X (CB-125)")
    N = X.T @ C @ X
    _require_invertible("XᵀCX", N, "Tr[(XᵀCX)⁻¹A]")
    Ninv = xp.linalg.inv(N)
    return -(C @ X @ Ninv @ (A + A.T) @ Ninv)


def trace_XtCX_inv_XtBX(X: Array, C: Array, B: Array) -> Array:
    r"""Primal of CB-126: ``Tr[(XᵀCX)⁻¹(XᵀBX)]``. Shapes: X ``(m, n)``, C, B ``(m, m)`` → ``()``."""
    xp, (X, C, B) = _prepare("Tr[(XᵀCX)⁻¹(XᵀBX)]", "mn mm mm", X=X, C=C, B=B)
    N = X.T @ C @ X
    _require_invertible("XᵀCX", N, "Tr[(XᵀCX)⁻¹(XᵀBX)]")
    return _tr(xp, xp.linalg.solve(N, X.T @ B @ X))


def grad_trace_XtCX_inv_XtBX_X(X: Array, C: Array, B: Array) -> Array:
    r"""∂Tr[(XᵀCX)⁻¹(XᵀBX)]/∂X = −2CX(XᵀCX)⁻¹XᵀBX(XᵀCX)⁻¹ + 2BX(XᵀCX)⁻¹   (CB-126, Matrix Cookbook §2.5.4)

    With ``N = XᵀCX``: ``d Tr(N⁻¹XᵀBX) = −Tr(N⁻¹XᵀBXN⁻¹ dN) + Tr(N⁻¹ d(XᵀBX))``; B and C symmetric make
    the two halves of each differential equal, hence the factors 2. Shapes: X ``(m, n)``, C, B ``(m, m)``
    symmetric, ``XᵀCX`` invertible; returns ``(m, n)``, like X. No kinks.

    >>> import numpy as np
    >>> grad_trace_XtCX_inv_XtBX_X(np.array([[2.0]]), np.array([[1.0]]), np.array([[3.0]]))   # constant 3
    array([[0.]])
    """
    xp, (X, C, B) = _prepare("Tr[(XᵀCX)⁻¹(XᵀBX)]", "mn mm mm", X=X, C=C, B=B)
    rule = "∂Tr[(XᵀCX)⁻¹(XᵀBX)]/∂X (CB-126)"
    require_symmetric("C", C, rule)
    require_symmetric("B", B, rule)
    N = X.T @ C @ X
    _require_invertible("XᵀCX", N, "Tr[(XᵀCX)⁻¹(XᵀBX)]")
    Ninv = xp.linalg.inv(N)
    return -2.0 * (C @ X @ Ninv @ X.T @ B @ X @ Ninv) + 2.0 * (B @ X @ Ninv)


def _Ninv_XtBX(A: Array, X: Array, C: Array, B: Array) -> tuple[Any, Array, Array, Array, Array, Array]:
    """Validated arguments and ``N = A + XᵀCX``."""
    xp, (A, X, C, B) = _prepare("Tr[N⁻¹(XᵀBX)]", "nn mn mm mm", A=A, X=X, C=C, B=B)
    N = A + X.T @ C @ X
    _require_invertible("N = A + XᵀCX", N, "Tr[N⁻¹(XᵀBX)]")
    return xp, A, X, C, B, N


def trace_Ninv_XtBX(A: Array, X: Array, C: Array, B: Array) -> Array:
    r"""Primal of CB-127: ``Tr[N⁻¹(XᵀBX)]`` with ``N = A + XᵀCX``.

    Shapes: A ``(n, n)``, X ``(m, n)``, C, B ``(m, m)``; N invertible → ``()``.
    """
    xp, A, X, C, B, N = _Ninv_XtBX(A, X, C, B)
    return _tr(xp, xp.linalg.solve(N, X.T @ B @ X))


def grad_trace_Ninv_XtBX_X(A: Array, X: Array, C: Array, B: Array) -> Array:
    r"""∂Tr[N⁻¹(XᵀBX)]/∂X = BX(N⁻¹ + N⁻ᵀ) − CX(K + Kᵀ), K = N⁻¹XᵀBXN⁻¹, N = A + XᵀCX   (CB-127 corrected, §2.5.4)

    The corrected form of the Cookbook's erratum (COOKBOOK.md §3): A is any square matrix, so N need not
    be symmetric. ``d Tr(N⁻¹XᵀBX) = −Tr(K dN) + Tr(N⁻¹ d(XᵀBX))`` with ``dN = dXᵀCX + XᵀC dX``: the first
    part gives ``−(CXK + CᵀXKᵀ)``, the second ``BXN⁻¹ + BᵀXN⁻ᵀ``; B and C symmetric give the form above.
    For a symmetric A, N and K are symmetric and this reduces to the printed form
    (:func:`grad_trace_Ninv_XtBX_X_printed`).
    Shapes: A ``(n, n)``, X ``(m, n)``, C, B ``(m, m)`` symmetric, N invertible; returns ``(m, n)``, like X.
    No kinks.

    >>> import numpy as np
    >>> A = np.array([[2.0, 1.0], [0.0, 2.0]])                 # not symmetric
    >>> X, C, B = np.array([[1.0, 0.0]]), np.array([[1.0]]), np.array([[1.0]])
    >>> grad_trace_Ninv_XtBX_X(A, X, C, B)
    array([[ 0.44444444, -0.11111111]])
    """
    xp, A, X, C, B, N = _Ninv_XtBX(A, X, C, B)
    rule = "∂Tr[N⁻¹(XᵀBX)]/∂X (CB-127)"
    require_symmetric("C", C, rule)
    require_symmetric("B", B, rule)
    Ninv = xp.linalg.inv(N)
    K = Ninv @ X.T @ B @ X @ Ninv
    return B @ X @ (Ninv + Ninv.T) - C @ X @ (K + K.T)


def grad_trace_Ninv_XtBX_X_printed(A: Array, X: Array, C: Array, B: Array) -> Array:
    r"""∂Tr[N⁻¹(XᵀBX)]/∂X = −2CXN⁻¹XᵀBXN⁻¹ + 2BXN⁻¹, N = A + XᵀCX   (CB-127 as printed, WRONG unless A = Aᵀ; §2.5.4)

    **Kept on purpose** (an erratum, COOKBOOK.md §3): the section assumes only B and C symmetric, but
    this right side also needs N symmetric, that is, A symmetric. With a symmetric A it agrees with the
    corrected :func:`grad_trace_Ninv_XtBX_X`; with a general A it does not (the catalog keeps both
    cases: a passing record with A symmetric, and an expected failure with a general A). Shapes as
    :func:`grad_trace_Ninv_XtBX_X`.

    >>> import numpy as np
    >>> A = np.array([[2.0, 1.0], [0.0, 2.0]])                 # not symmetric: the printed form is off
    >>> X, C, B = np.array([[1.0, 0.0]]), np.array([[1.0]]), np.array([[1.0]])
    >>> grad_trace_Ninv_XtBX_X_printed(A, X, C, B)
    array([[ 0.44444444, -0.22222222]])
    """
    xp, A, X, C, B, N = _Ninv_XtBX(A, X, C, B)
    rule = "the printed ∂Tr[N⁻¹(XᵀBX)]/∂X (CB-127)"
    require_symmetric("C", C, rule)
    require_symmetric("B", B, rule)
    Ninv = xp.linalg.inv(N)
    return -2.0 * (C @ X @ Ninv @ X.T @ B @ X @ Ninv) + 2.0 * (B @ X @ Ninv)


def trace_sin(X: Array) -> Array:
    r"""Primal of CB-128: ``Tr(sin X)``, sin as its power series to degree 25.

    Shapes: X ``(n, n)`` with ``‖X‖_F ≤ 2`` → ``()``.
    """
    xp, (X,) = _prepare("Tr(sin X)", "nn", X=X)
    _series_domain("X", X, "sin(X)")
    return _tr(xp, _series(xp, X, _SIN))


def grad_trace_sin_X(X: Array) -> Array:
    r"""∂Tr(sin(X))/∂X = cos(X)ᵀ   (CB-128, Matrix Cookbook §2.5.4)

    CB-98 with F = sin, f = cos. ``cos(X)`` is the sine series of :func:`trace_sin` differentiated term
    by term (degree 24), so it is exactly the derivative of that primal and equals the true ``cos(X)ᵀ`` to
    float64 rounding for ``‖X‖_F ≤ 2`` (larger concrete X raise ``ValueError``). Shapes: X ``(n, n)``;
    returns ``(n, n)``, like X. No kinks.

    >>> import numpy as np
    >>> G = grad_trace_sin_X(np.array([[0.5, 0.0], [1.0, 0.0]]))
    >>> bool(np.isclose(G[0, 0], np.cos(0.5))), bool(G[1, 1] == 1.0)
    (True, True)
    """
    xp, (X,) = _prepare("Tr(sin X)", "nn", X=X)
    _series_domain("X", X, "sin(X)")
    return _series(xp, X, _derivative_coefficients(_SIN)).T
