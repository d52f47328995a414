r"""The Matrix Cookbook's §2.5, derivatives of traces, part 1: (98), §2.5.1 and §2.5.2, (99)–(120).

Each closed form is one row of COOKBOOK.md (``CB-<n>``, the Cookbook's equation number; K. B. Petersen and
M. S. Pedersen, *The Matrix Cookbook*, version of November 15, 2012), written in the Cookbook's notation.
The higher-order and "other" rows, (121)–(128), are in :mod:`chainrule.analytic.cookbook_trace_higher`.

Layout (the Cookbook's and DESIGN.md's): the derivative of a scalar ``Tr(…)`` with respect to a matrix X
is shaped like X, ``(∂f/∂X)_ij = ∂f/∂X_ij`` (what ``jax.grad`` returns). Rows whose left sides are equal by
the cyclic property of the trace (``Tr(BXXᵀ) = Tr(XXᵀB)``; ``Tr(XBXᵀ) = Tr(BXᵀX) = Tr(XᵀXB)``;
``Tr(XᵀA) = Tr(AXᵀ)``) share one closed form, and each side has its own primal. No kinks: every rule
here is a polynomial in X.

Some rows have their closed form elsewhere (one source per formula): CB-99, ``∂Tr(X)/∂X = I``, is
CB-65's ``grad_sum_eig_X`` (:mod:`chainrule.analytic.cookbook_inverse`, with its primal ``trace``);
CB-100's ``Tr(XA)`` side (:func:`trace_XA`) uses :mod:`chainrule.analytic.matrix`'s ``grad_trace_AX_X``;
CB-115 (:func:`trace_XtX`, :func:`trace_XXt`) uses its ``grad_frobenius_sq_X``; CB-101 and CB-108 are
records of that module.

Matrix functions (CB-98 here, CB-128 in the higher module) are not in the array API: ``exp`` and ``sin``
of a matrix are written once, as truncated power series (degree 24 and 25) evaluated by Horner's rule.
The closed forms use the term-by-term derivative of the same series (``f = F′``, degree 23 and 24), so
primal and closed form agree exactly, and both equal the true matrix functions to float64 rounding for
``‖X‖_F ≤ 2`` (the truncation error is below ``‖X‖²⁵e^{‖X‖}/25!``, about 2e-17 there); concrete
arguments outside that ball are rejected.

References:
  K. B. Petersen and M. S. Pedersen, "The Matrix Cookbook", Technical University of Denmark,
  version 20121115, §2.5.
"""

from __future__ import annotations

import math
import numbers
from collections.abc import Sequence
from typing import Any

import numpy as np

from ._array import inputs, is_concrete, require_ndim
from .cookbook_differentials import _kron

__all__ = [
    "grad_trace_AXBX_X",
    "grad_trace_AXBXtC_X",
    "grad_trace_AXB_plus_C_sq_X",
    "grad_trace_AXtB_X",
    "grad_trace_BXXt_X",
    "grad_trace_BtXtCXB_X",
    "grad_trace_X2B_X",
    "grad_trace_X2_X",
    "grad_trace_XBXt_X",
    "grad_trace_XtA_X",
    "grad_trace_XtBXC_X",
    "grad_trace_exp_X",
    "grad_trace_kron_AX_X",
    "grad_trace_kron_XX_X",
    "grad_trace_polynomial_X",
    "trace_AXBX",
    "trace_AXBXtC",
    "trace_AXB_plus_C_sq",
    "trace_AXt",
    "trace_AXtB",
    "trace_BXXt",
    "trace_BXtX",
    "trace_BtXtCXB",
    "trace_X2",
    "trace_X2B",
    "trace_XA",
    "trace_XBXt",
    "trace_XXt",
    "trace_XXtB",
    "trace_X_times_trace_X",
    "trace_XtA",
    "trace_XtBXC",
    "trace_XtX",
    "trace_XtXB",
    "trace_exp",
    "trace_kron_AX",
    "trace_kron_XX",
    "trace_polynomial",
]

Array = Any


# --- helpers: shapes, traces, Kronecker products, power series -------------------------------------------


def _conform(rule: str, spec: dict[str, tuple[Array, str]]) -> dict[str, int]:
    """Check that every matrix is 2-d and that the dimensions named alike agree; return the sizes.

    ``spec`` maps an argument's name to ``(array, dims)``, ``dims`` two letters (``"mn"``: m rows, n columns).
    """
    expected = ", ".join(f"{k} ({', '.join(d)})" for k, (_, d) in spec.items())
    sizes: dict[str, int] = {}
    source: dict[str, str] = {}
    for name, (a, dims) in spec.items():
        require_ndim(name, a, len(dims), f"a matrix {name} of shape ({', '.join(dims)}) for {rule}")
        for axis, (d, size) in enumerate(zip(dims, a.shape, strict=True)):
            if d in sizes and sizes[d] != size:
                raise ValueError(
                    f"{rule}: {name} has shape {tuple(a.shape)}, but its axis {axis} ({d}) must be {sizes[d]} "
                    f"to conform with {source[d]} (shape {tuple(spec[source[d]][0].shape)}); expected "
                    f"{expected}: pass conformable matrices"
                )
            sizes.setdefault(d, int(size))
            source.setdefault(d, name)
    return sizes


def _prepare(rule: str, dims: str, **named: Array) -> tuple[Any, list[Array]]:
    """``(xp, arrays)`` for ``rule``'s arguments, validated (real floating, 2-d, conformable).

    ``dims`` gives each argument's two dimension letters, in order, space-separated (``"pn mn mp"``).
    """
    xp, arrays = inputs(**named)
    _conform(rule, {k: (a, d) for k, a, d in zip(named, arrays, dims.split(), strict=True)})
    return xp, arrays


def _tr(xp: Any, M: Array) -> Array:
    return xp.linalg.trace(M)


def _eye(xp: Any, X: Array) -> Array:
    return xp.eye(X.shape[0], dtype=X.dtype)




def _coefficients(coeffs: Sequence[float]) -> tuple[float, ...]:
    if isinstance(coeffs, (str, bytes)) or not isinstance(coeffs, Sequence) or not coeffs:
        raise TypeError(
            f"coeffs: expected a non-empty sequence of real numbers c₀, c₁, … (F(X) = Σₖ cₖXᵏ), got {coeffs!r}; "
            "pass e.g. (1.0, 0.0, 2.0)"
        )
    bad = [c for c in coeffs if isinstance(c, bool) or not isinstance(c, numbers.Real)]
    if bad:
        raise TypeError(f"coeffs: expected real numbers, got {bad[0]!r} ({type(bad[0]).__name__}); pass floats")
    return tuple(float(c) for c in coeffs)


def _derivative_coefficients(coeffs: tuple[float, ...]) -> tuple[float, ...]:
    """The coefficients of f = F′ for F(x) = Σₖ cₖxᵏ: ``(c₁, 2c₂, 3c₃, …)`` (``(0,)`` for a constant F)."""
    return tuple(k * c for k, c in enumerate(coeffs) if k) or (0.0,)


def _series(xp: Any, X: Array, coeffs: tuple[float, ...]) -> Array:
    """``Σₖ cₖXᵏ`` (``X⁰ = I``): the one place a matrix power series is evaluated.

    Paterson–Stockmeyer: with ``s ≈ √(K + 1)``, the powers ``X², …, Xˢ``, then Horner's rule in ``Xˢ``
    over blocks of s coefficients; about ``2√K`` matrix products instead of K (8 for degree 24), which
    keeps the compiled programs small. Zero coefficients are skipped.
    """
    eye = _eye(xp, X)
    s = max(1, math.isqrt(len(coeffs)))
    powers = [eye, X]
    for _ in range(2, s + 1):
        powers.append(powers[-1] @ X)

    def block(j: int) -> Array:
        terms = [c * powers[i] for i, c in enumerate(coeffs[j * s:(j + 1) * s]) if c != 0.0]
        total = terms[0] if terms else 0.0 * eye
        for t in terms[1:]:
            total = total + t
        return total

    r = (len(coeffs) - 1) // s
    P = block(r)
    for j in range(r - 1, -1, -1):
        P = P @ powers[s] + block(j)
    return P


#: exp(x) = Σₖ xᵏ/k!, truncated after degree 24.
_EXP = tuple(1.0 / math.factorial(k) for k in range(25))
#: sin(x) = Σⱼ (−1)ʲ x²ʲ⁺¹/(2j + 1)!, truncated after degree 25; its derivative series is cos(x)'s.
_SIN = tuple(0.0 if k % 2 == 0 else (-1.0) ** (k // 2) / math.factorial(k) for k in range(26))
#: The largest ‖X‖_F for which the truncated exp and sin series hold to float64 rounding.
_SERIES_LIMIT = 2.0


def _series_domain(name: str, X: Array, what: str) -> None:
    """Raise ``ValueError`` for a concrete X outside the ball where the truncated series are exact."""
    if is_concrete(X):
        norm = float(np.linalg.norm(np.asarray(X, dtype=np.float64)))
        if not norm <= _SERIES_LIMIT:
            raise ValueError(
                f"{name}: {what} is a truncated power series, accurate to float64 only for ‖{name}‖_F ≤ "
                f"{_SERIES_LIMIT:g}, but ‖{name}‖_F = {norm:.4g}; scale {name} down (or use an exact matrix "
                "function such as scipy.linalg.expm)"
            )


#: Each rule's name and its arguments' dimensions (for :func:`_prepare`).
_SQUARE = "nn"
_AXTB = ("Tr(AXᵀB)", "pn mn mp")
_KRON_AX = ("Tr(A⊗X)", "pp nn")
_X2B = ("Tr(X²B)", "nn nn")
_AXBX = ("Tr(AXBX)", "nm mn nm")
_BTXTCXB = ("Tr(BᵀXᵀCXB)", "np mn mm")
_XTBXC = ("Tr[XᵀBXC]", "mn mm nn")
_AXBXTC = ("Tr(AXBXᵀC)", "pm mn nn mp")
_AXB_PLUS_C = ("Tr[(AXB + C)(AXB + C)ᵀ]", "pm mn nq pq")


# --- CB-98 §2.5: Tr F(X) for an analytic F ---------------------------------------------------------------


def trace_polynomial(X: Array, coeffs: Sequence[float]) -> Array:
    r"""Primal of CB-98 (a polynomial F): ``Tr F(X)``, ``F(X) = Σₖ cₖXᵏ`` with ``coeffs = (c₀, c₁, …)``.

    Shapes: X ``(n, n)`` → ``()``.
    """
    c = _coefficients(coeffs)
    xp, (X,) = _prepare("Tr F(X)", _SQUARE, X=X)
    return _tr(xp, _series(xp, X, c))


def grad_trace_polynomial_X(X: Array, coeffs: Sequence[float]) -> Array:
    r"""∂Tr(F(X))/∂X = f(X)ᵀ, f = F′: for F(X) = Σₖ cₖXᵏ, f(X) = Σₖ k cₖXᵏ⁻¹   (CB-98, Matrix Cookbook §2.5)

    The Cookbook's rule for an analytic matrix function ``F`` with scalar derivative ``f``, here for a
    polynomial (the cubic of the catalog record). From ``d Tr(Xᵏ) = k Tr(Xᵏ⁻¹ dX)`` term by term.
    ``coeffs = (c₀, c₁, …, c_K)``, Python numbers. Shapes: X ``(n, n)``; returns ``(n, n)``, like X.
    No kinks.

    >>> import numpy as np
    >>> X = np.array([[1.0, 2.0], [0.0, 3.0]])
    >>> grad_trace_polynomial_X(X, (0.0, 0.0, 1.0))        # F = x², f = 2x: 2Xᵀ
    array([[2., 0.],
           [4., 6.]])
    """
    c = _coefficients(coeffs)
    xp, (X,) = _prepare("Tr F(X)", _SQUARE, X=X)
    return _series(xp, X, _derivative_coefficients(c)).T


def trace_exp(X: Array) -> Array:
    r"""Primal of CB-98 (F = exp): ``Tr exp(X)``, exp as its power series to degree 24.

    Shapes: X ``(n, n)`` with ``‖X‖_F ≤ 2`` → ``()``.
    """
    xp, (X,) = _prepare("Tr exp(X)", _SQUARE, X=X)
    _series_domain("X", X, "exp(X)")
    return _tr(xp, _series(xp, X, _EXP))


def grad_trace_exp_X(X: Array) -> Array:
    r"""∂Tr(exp(X))/∂X = exp(X)ᵀ   (CB-98 with F = f = exp, Matrix Cookbook §2.5)

    The matrix exponential is its own derivative function. exp is the series ``Σₖ Xᵏ/k!`` truncated
    after degree 24 in the primal; ``exp(X)`` here is that series differentiated term by term (degree
    23), so it is exactly the derivative of :func:`trace_exp` and equals the true ``exp(X)ᵀ`` to float64
    rounding for ``‖X‖_F ≤ 2`` (larger concrete X raise ``ValueError``). Shapes: X ``(n, n)``; returns
    ``(n, n)``, like X. No kinks.

    >>> import numpy as np
    >>> G = grad_trace_exp_X(np.array([[0.0, 1.0], [0.0, 0.0]]))   # exp of a nilpotent N is I + N
    >>> np.allclose(G, [[1.0, 0.0], [1.0, 1.0]], rtol=0, atol=1e-15)
    True
    """
    xp, (X,) = _prepare("Tr exp(X)", _SQUARE, X=X)
    _series_domain("X", X, "exp(X)")
    return _series(xp, X, _derivative_coefficients(_EXP)).T


# --- CB-100 … CB-105 §2.5.1 First order ---------------------------------------------------------------------


def trace_XA(A: Array, X: Array) -> Array:
    r"""Primal of CB-100, the Cookbook's side: ``Tr(XA) = Σᵢⱼ X_ij A_ji``.

    Shapes: A ``(n, m)``, X ``(m, n)`` → ``()``; the closed form is
    :func:`chainrule.analytic.matrix.grad_trace_AX_X` (``Tr(XA) = Tr(AX)``, so ``∂/∂X = Aᵀ``).
    """
    xp, (A, X) = _prepare("Tr(XA)", "nm mn", A=A, X=X)
    return _tr(xp, X @ A)


def trace_AXtB(A: Array, X: Array, B: Array) -> Array:
    r"""Primal of CB-102: ``Tr(AXᵀB)``. Shapes: A ``(p, n)``, X ``(m, n)``, B ``(m, p)`` → ``()``."""
    xp, (A, X, B) = _prepare(*_AXTB, A=A, X=X, B=B)
    return _tr(xp, A @ X.T @ B)


def grad_trace_AXtB_X(A: Array, X: Array, B: Array) -> Array:
    r"""∂Tr(AXᵀB)/∂X = BA   (CB-102, Matrix Cookbook §2.5.1)

    ``Tr(AXᵀB) = Tr(XᵀBA) = Tr((BA)ᵀX)``, and ``∂Tr(MᵀX)/∂X = M``. Shapes: A ``(p, n)``, X ``(m, n)``,
    B ``(m, p)``; returns ``(m, n)``, like X. No kinks.

    >>> import numpy as np
    >>> grad_trace_AXtB_X(np.array([[1.0, 2.0]]), np.zeros((1, 2)), np.array([[3.0]]))
    array([[3., 6.]])
    """
    _, (A, X, B) = _prepare(*_AXTB, A=A, X=X, B=B)
    return B @ A


def trace_XtA(A: Array, X: Array) -> Array:
    r"""Primal of CB-103: ``Tr(XᵀA) = Σᵢⱼ X_ij A_ij``. Shapes: A, X ``(m, n)`` → ``()``."""
    xp, (A, X) = _prepare("Tr(XᵀA)", "mn mn", A=A, X=X)
    return _tr(xp, X.T @ A)


def trace_AXt(A: Array, X: Array) -> Array:
    r"""Primal of CB-104: ``Tr(AXᵀ)``. Shapes: A, X ``(m, n)`` → ``()``."""
    xp, (A, X) = _prepare("Tr(AXᵀ)", "mn mn", A=A, X=X)
    return _tr(xp, A @ X.T)


def grad_trace_XtA_X(A: Array, X: Array) -> Array:
    r"""∂Tr(XᵀA)/∂X = ∂Tr(AXᵀ)/∂X = A   (CB-103, CB-104, Matrix Cookbook §2.5.1)

    Both traces are the entry-wise inner product ``Σᵢⱼ X_ij A_ij``. Shapes: A, X ``(m, n)``; returns
    ``(m, n)``, like X. No kinks.

    >>> import numpy as np
    >>> grad_trace_XtA_X(np.array([[1.0, -2.0]]), np.zeros((1, 2)))
    array([[ 1., -2.]])
    """
    xp, (A, X) = _prepare("Tr(XᵀA)", "mn mn", A=A, X=X)
    return A + xp.zeros_like(X)


def trace_kron_AX(A: Array, X: Array) -> Array:
    r"""Primal of CB-105: ``Tr(A⊗X)``, with the Kronecker product built. Shapes: A ``(p, p)``, X ``(n, n)``."""
    xp, (A, X) = _prepare(*_KRON_AX, A=A, X=X)
    return _tr(xp, _kron(xp, A, X))


def grad_trace_kron_AX_X(A: Array, X: Array) -> Array:
    r"""∂Tr(A⊗X)/∂X = Tr(A)I   (CB-105, Matrix Cookbook §2.5.1)

    The diagonal blocks of ``A⊗X`` are ``A_ii X``, so ``Tr(A⊗X) = Tr(A)Tr(X)``. Shapes: A ``(p, p)``,
    X ``(n, n)`` (the sizes may differ); returns ``(n, n)``, like X. No kinks.

    >>> import numpy as np
    >>> grad_trace_kron_AX_X(np.array([[2.0, 5.0], [7.0, 3.0]]), np.zeros((1, 1)))
    array([[5.]])
    """
    xp, (A, X) = _prepare(*_KRON_AX, A=A, X=X)
    return _tr(xp, A) * _eye(xp, X)


# --- CB-106 … CB-120 §2.5.2 Second order ---------------------------------------------------------------------


def trace_X2(X: Array) -> Array:
    r"""Primal of CB-106: ``Tr(X²)``. Shapes: X ``(n, n)`` → ``()``."""
    xp, (X,) = _prepare("Tr(X²)", _SQUARE, X=X)
    return _tr(xp, X @ X)


def grad_trace_X2_X(X: Array) -> Array:
    r"""∂Tr(X²)/∂X = 2Xᵀ   (CB-106, Matrix Cookbook §2.5.2)

    ``d Tr(X²) = Tr(dX X + X dX) = 2Tr(X dX)``. Shapes: X ``(n, n)``; returns ``(n, n)``. No kinks.

    >>> import numpy as np
    >>> grad_trace_X2_X(np.array([[0.0, 1.0], [0.0, 0.0]]))
    array([[0., 0.],
           [2., 0.]])
    """
    _, (X,) = _prepare("Tr(X²)", _SQUARE, X=X)
    return 2.0 * X.T


def trace_X2B(X: Array, B: Array) -> Array:
    r"""Primal of CB-107: ``Tr(X²B)``. Shapes: X, B ``(n, n)`` → ``()``."""
    xp, (X, B) = _prepare(*_X2B, X=X, B=B)
    return _tr(xp, X @ X @ B)


def grad_trace_X2B_X(X: Array, B: Array) -> Array:
    r"""∂Tr(X²B)/∂X = (XB + BX)ᵀ   (CB-107, Matrix Cookbook §2.5.2)

    ``d Tr(XXB) = Tr(dX XB) + Tr(X dX B) = Tr((XB + BX) dX)``. Shapes: X, B ``(n, n)``; returns
    ``(n, n)``, like X. No kinks.

    >>> import numpy as np
    >>> grad_trace_X2B_X(np.array([[1.0, 1.0], [0.0, 1.0]]), np.array([[0.0, 0.0], [1.0, 0.0]]))
    array([[1., 2.],
           [0., 1.]])
    """
    _, (X, B) = _prepare(*_X2B, X=X, B=B)
    return (X @ B + B @ X).T


def trace_BXXt(B: Array, X: Array) -> Array:
    r"""Primal of CB-109: ``Tr(BXXᵀ)``. Shapes: B ``(m, m)``, X ``(m, n)`` → ``()``."""
    xp, (B, X) = _prepare("Tr(BXXᵀ)", "mm mn", B=B, X=X)
    return _tr(xp, B @ X @ X.T)


def trace_XXtB(B: Array, X: Array) -> Array:
    r"""Primal of CB-110: ``Tr(XXᵀB)``. Shapes: B ``(m, m)``, X ``(m, n)`` → ``()``."""
    xp, (B, X) = _prepare("Tr(XXᵀB)", "mm mn", B=B, X=X)
    return _tr(xp, X @ X.T @ B)


def grad_trace_BXXt_X(B: Array, X: Array) -> Array:
    r"""∂Tr(BXXᵀ)/∂X = ∂Tr(XXᵀB)/∂X = BX + BᵀX   (CB-109, CB-110, Matrix Cookbook §2.5.2)

    Both traces equal ``Tr(XᵀBX)`` by the cyclic property, so this is CB-108 again. Shapes: B
    ``(m, m)``, X ``(m, n)``; returns ``(m, n)``, like X. No kinks.

    >>> import numpy as np
    >>> grad_trace_BXXt_X(np.array([[0.0, 1.0], [0.0, 0.0]]), np.array([[1.0], [2.0]]))
    array([[2.],
           [1.]])
    """
    _, (B, X) = _prepare("Tr(BXXᵀ)", "mm mn", B=B, X=X)
    return B @ X + B.T @ X


def trace_XBXt(B: Array, X: Array) -> Array:
    r"""Primal of CB-111: ``Tr(XBXᵀ)``. Shapes: B ``(n, n)``, X ``(m, n)`` → ``()``."""
    xp, (B, X) = _prepare("Tr(XBXᵀ)", "nn mn", B=B, X=X)
    return _tr(xp, X @ B @ X.T)


def trace_BXtX(B: Array, X: Array) -> Array:
    r"""Primal of CB-112: ``Tr(BXᵀX)``. Shapes: B ``(n, n)``, X ``(m, n)`` → ``()``."""
    xp, (B, X) = _prepare("Tr(BXᵀX)", "nn mn", B=B, X=X)
    return _tr(xp, B @ X.T @ X)


def trace_XtXB(B: Array, X: Array) -> Array:
    r"""Primal of CB-113: ``Tr(XᵀXB)``. Shapes: B ``(n, n)``, X ``(m, n)`` → ``()``."""
    xp, (B, X) = _prepare("Tr(XᵀXB)", "nn mn", B=B, X=X)
    return _tr(xp, X.T @ X @ B)


def grad_trace_XBXt_X(B: Array, X: Array) -> Array:
    r"""∂Tr(XBXᵀ)/∂X = ∂Tr(BXᵀX)/∂X = ∂Tr(XᵀXB)/∂X = XBᵀ + XB   (CB-111, CB-112, CB-113, Matrix Cookbook §2.5.2)

    The three traces are equal by the cyclic property; ``d Tr(XBXᵀ) = Tr(dX BXᵀ) + Tr(XB dXᵀ)`` gives
    ``XBᵀ + XB``. Shapes: B ``(n, n)``, X ``(m, n)``; returns ``(m, n)``, like X. No kinks.

    >>> import numpy as np
    >>> grad_trace_XBXt_X(np.array([[0.0, 1.0], [0.0, 0.0]]), np.array([[1.0, 2.0]]))
    array([[2., 1.]])
    """
    _, (B, X) = _prepare("Tr(XBXᵀ)", "nn mn", B=B, X=X)
    return X @ B.T + X @ B


def trace_AXBX(A: Array, X: Array, B: Array) -> Array:
    r"""Primal of CB-114: ``Tr(AXBX)``. Shapes: A, B ``(n, m)``, X ``(m, n)`` → ``()``."""
    xp, (A, X, B) = _prepare(*_AXBX, A=A, X=X, B=B)
    return _tr(xp, A @ X @ B @ X)


def grad_trace_AXBX_X(A: Array, X: Array, B: Array) -> Array:
    r"""∂Tr(AXBX)/∂X = AᵀXᵀBᵀ + BᵀXᵀAᵀ   (CB-114, Matrix Cookbook §2.5.2)

    ``d Tr(AXBX) = Tr(BXA dX) + Tr(AXB dX)``; each ``Tr(M dX)`` contributes ``Mᵀ``. Shapes: A, B ``(n, m)``,
    X ``(m, n)``; returns ``(m, n)``, like X. No kinks. Transcription: the Mathpix text of the Cookbook
    (COOKBOOK.md §4) prints the left side as ``Tr(AXX)``, dropping the B that its right side contains;
    SymPy's and Ahle's versions have ``Tr(AXBX)``, the form used here.

    >>> import numpy as np
    >>> grad_trace_AXBX_X(np.array([[2.0]]), np.array([[1.0]]), np.array([[3.0]]))   # Tr = 6x², 12x
    array([[12.]])
    """
    _, (A, X, B) = _prepare(*_AXBX, A=A, X=X, B=B)
    return A.T @ X.T @ B.T + B.T @ X.T @ A.T


def trace_XtX(X: Array) -> Array:
    r"""Primal of CB-115, first side: ``Tr(XᵀX)``. Shapes: X ``(m, n)`` → ``()``.

    The closed form is :func:`chainrule.analytic.matrix.grad_frobenius_sq_X`, ``2X``.
    """
    xp, (X,) = _prepare("Tr(XᵀX)", "mn", X=X)
    return _tr(xp, X.T @ X)


def trace_XXt(X: Array) -> Array:
    r"""Primal of CB-115, second side: ``Tr(XXᵀ)``. Shapes: X ``(m, n)`` → ``()``.

    The closed form is :func:`chainrule.analytic.matrix.grad_frobenius_sq_X`, ``2X``.
    """
    xp, (X,) = _prepare("Tr(XXᵀ)", "mn", X=X)
    return _tr(xp, X @ X.T)


def trace_BtXtCXB(B: Array, X: Array, C: Array) -> Array:
    r"""Primal of CB-116: ``Tr(BᵀXᵀCXB)``. Shapes: B ``(n, p)``, X ``(m, n)``, C ``(m, m)`` → ``()``."""
    xp, (B, X, C) = _prepare(*_BTXTCXB, B=B, X=X, C=C)
    return _tr(xp, B.T @ X.T @ C @ X @ B)


def grad_trace_BtXtCXB_X(B: Array, X: Array, C: Array) -> Array:
    r"""∂Tr(BᵀXᵀCXB)/∂X = CᵀXBBᵀ + CXBBᵀ   (CB-116, Matrix Cookbook §2.5.2)

    ``Tr(BᵀXᵀCXB) = Tr(Xᵀ C X BBᵀ)``: CB-117 with ``B → C``, ``C → BBᵀ`` (symmetric). Shapes: B ``(n, p)``,
    X ``(m, n)``, C ``(m, m)`` (any, not necessarily symmetric); returns ``(m, n)``, like X. No kinks.
    Transcription: the Mathpix text (COOKBOOK.md §4) garbles the first term as ``CᵀXBBBᵀ``;
    SymPy's and Ahle's versions have ``CᵀXBBᵀ``, the form used here.

    >>> import numpy as np
    >>> grad_trace_BtXtCXB_X(np.array([[2.0]]), np.array([[1.0]]), np.array([[3.0]]))  # Tr = 12x², 24x
    array([[24.]])
    """
    _, (B, X, C) = _prepare(*_BTXTCXB, B=B, X=X, C=C)
    BBt = B @ B.T
    return C.T @ X @ BBt + C @ X @ BBt


def trace_XtBXC(X: Array, B: Array, C: Array) -> Array:
    r"""Primal of CB-117: ``Tr[XᵀBXC]``. Shapes: X ``(m, n)``, B ``(m, m)``, C ``(n, n)`` → ``()``."""
    xp, (X, B, C) = _prepare(*_XTBXC, X=X, B=B, C=C)
    return _tr(xp, X.T @ B @ X @ C)


def grad_trace_XtBXC_X(X: Array, B: Array, C: Array) -> Array:
    r"""∂Tr[XᵀBXC]/∂X = BXC + BᵀXCᵀ   (CB-117, Matrix Cookbook §2.5.2)

    ``d Tr(XᵀBXC) = Tr(dXᵀ BXC) + Tr(XᵀB dX C)``, contributing ``BXC`` and ``(CXᵀB)ᵀ = BᵀXCᵀ``. Shapes:
    X ``(m, n)``, B ``(m, m)``, C ``(n, n)``; returns ``(m, n)``, like X. No kinks.

    >>> import numpy as np
    >>> grad_trace_XtBXC_X(np.array([[1.0]]), np.array([[2.0]]), np.array([[3.0]]))   # Tr = 6x², 12x
    array([[12.]])
    """
    _, (X, B, C) = _prepare(*_XTBXC, X=X, B=B, C=C)
    return B @ X @ C + B.T @ X @ C.T


def trace_AXBXtC(A: Array, X: Array, B: Array, C: Array) -> Array:
    r"""Primal of CB-118: ``Tr(AXBXᵀC)``. Shapes: A ``(p, m)``, X ``(m, n)``, B ``(n, n)``, C ``(m, p)``."""
    xp, (A, X, B, C) = _prepare(*_AXBXTC, A=A, X=X, B=B, C=C)
    return _tr(xp, A @ X @ B @ X.T @ C)


def grad_trace_AXBXtC_X(A: Array, X: Array, B: Array, C: Array) -> Array:
    r"""∂Tr(AXBXᵀC)/∂X = AᵀCᵀXBᵀ + CAXB   (CB-118, Matrix Cookbook §2.5.2)

    ``Tr(AXBXᵀC) = Tr(Xᵀ (CA) X B)``: CB-117 with ``B → CA``, ``C → B``. Shapes: A ``(p, m)``, X ``(m, n)``,
    B ``(n, n)``, C ``(m, p)``; returns ``(m, n)``, like X. No kinks.

    >>> import numpy as np
    >>> one = np.array([[1.0]])
    >>> grad_trace_AXBXtC_X(2.0 * one, 3.0 * one, 5.0 * one, one)   # Tr = 10x², 20x
    array([[60.]])
    """
    _, (A, X, B, C) = _prepare(*_AXBXTC, A=A, X=X, B=B, C=C)
    return A.T @ C.T @ X @ B.T + C @ A @ X @ B


def trace_AXB_plus_C_sq(A: Array, X: Array, B: Array, C: Array) -> Array:
    r"""Primal of CB-119: ``Tr[(AXB + C)(AXB + C)ᵀ]``, the squared Frobenius norm of ``AXB + C``.

    Shapes: A ``(p, m)``, X ``(m, n)``, B ``(n, q)``, C ``(p, q)`` → ``()``.
    """
    xp, (A, X, B, C) = _prepare(*_AXB_PLUS_C, A=A, X=X, B=B, C=C)
    R = A @ X @ B + C
    return _tr(xp, R @ R.T)


def grad_trace_AXB_plus_C_sq_X(A: Array, X: Array, B: Array, C: Array) -> Array:
    r"""∂Tr[(AXB + C)(AXB + C)ᵀ]/∂X = 2Aᵀ(AXB + C)Bᵀ   (CB-119, Matrix Cookbook §2.5.2)

    With ``R = AXB + C``: ``d Tr(RRᵀ) = 2Tr(Rᵀ A dX B)`` (the Cookbook's Frobenius note cites this as
    "equation 119"). Shapes: A ``(p, m)``, X ``(m, n)``, B ``(n, q)``, C ``(p, q)``; returns ``(m, n)``,
    like X. No kinks.

    >>> import numpy as np
    >>> one = np.array([[1.0]])
    >>> grad_trace_AXB_plus_C_sq_X(2.0 * one, one, 3.0 * one, -one)   # 2·2·(6 − 1)·3
    array([[60.]])
    """
    _, (A, X, B, C) = _prepare(*_AXB_PLUS_C, A=A, X=X, B=B, C=C)
    return 2.0 * (A.T @ (A @ X @ B + C) @ B.T)


def trace_kron_XX(X: Array) -> Array:
    r"""Primal of CB-120, first side: ``Tr(X⊗X)``, with the Kronecker product built. Shapes: X ``(n, n)``."""
    xp, (X,) = _prepare("Tr(X⊗X)", _SQUARE, X=X)
    return _tr(xp, _kron(xp, X, X))


def trace_X_times_trace_X(X: Array) -> Array:
    r"""Primal of CB-120, second side: ``Tr(X)Tr(X)``. Shapes: X ``(n, n)`` → ``()``."""
    xp, (X,) = _prepare("Tr(X)Tr(X)", _SQUARE, X=X)
    t = _tr(xp, X)
    return t * t


def grad_trace_kron_XX_X(X: Array) -> Array:
    r"""∂Tr(X⊗X)/∂X = ∂Tr(X)Tr(X)/∂X = 2Tr(X)I   (CB-120, Matrix Cookbook §2.5.2)

    ``Tr(X⊗X) = Tr(X)²`` (CB-105 with A = X), and the product rule doubles CB-99. Shapes: X ``(n, n)``;
    returns ``(n, n)``, like X. No kinks.

    >>> import numpy as np
    >>> grad_trace_kron_XX_X(np.array([[1.0, 5.0], [7.0, 2.0]]))
    array([[6., 0.],
           [0., 6.]])
    """
    xp, (X,) = _prepare("Tr(X⊗X)", _SQUARE, X=X)
    return 2.0 * _tr(xp, X) * _eye(xp, X)
