r"""Matrix Cookbook §2.6–§2.7: derivatives of the vector two-norm and of the Frobenius norm (complex case).

One closed form per row of COOKBOOK.md, each citing the Cookbook's equation number (``CB-<n>``). The real
case of CB-132, ``∂‖X‖_F²/∂X = 2X``, is :func:`chainrule.analytic.matrix.grad_frobenius_sq_X`; this module
adds its complex case.

| ID | identity | function |
|---|---|---|
| CB-129 | ∂‖x − a‖₂/∂x = (x − a)/‖x − a‖₂ | :func:`grad_norm_diff_x` |
| CB-130 | ∂/∂x (x − a)/‖x − a‖₂ = I/‖x − a‖₂ − (x − a)(x − a)ᵀ/‖x − a‖₂³ | :func:`jac_unit_diff_x` |
| CB-131 | ∂‖x‖₂²/∂x = ∂‖xᵀx‖₂/∂x = 2x | :func:`grad_sq_norm_x` |
| CB-132 | ∇ Tr(XXᴴ) = 2X (complex X, the complex gradient) | :func:`grad_trace_XXh_Xre`, :func:`grad_trace_XXh_Xim` |

Layout (DESIGN.md, COOKBOOK.md §1): a gradient is shaped like its argument (the Cookbook's column for a
vector); CB-130's Jacobian is ``(n, n)`` (numerator layout, symmetric, so either layout reads the same).

Complex matrices (CB-132). The analytic functions take real arrays only, so a complex ``X = Xre + i·Xim``
is passed as its real and imaginary parts. The Cookbook's complex gradient of a real function (its
(233)), ``∇f = ∂f/∂ℜX + i ∂f/∂ℑX``, is then two real gradients: :func:`grad_trace_XXh_Xre` is its real
part ``2·Xre`` and :func:`grad_trace_XXh_Xim` its imaginary part ``2·Xim``, together ``2X``.

Kinks (CB-129, CB-130): the two-norm is not differentiable at ``x = a``. chainrule's convention there:
:func:`grad_norm_diff_x` returns **0** (the minimum-norm subgradient, what PyTorch's ``norm`` backward
returns); JAX's gradient of the primal ``√Σ(x − a)²`` is NaN there (``0·∞``). :func:`jac_unit_diff_x`
is unbounded near ``x = a`` and undefined at it (concrete inputs with ``x = a`` are rejected). Both are
pinned in tests/test_cookbook_norms.py; random draws stay away from ``x = a``.

References:
  K. B. Petersen and M. S. Pedersen, "The Matrix Cookbook", Technical University of Denmark,
  version 20121115, §2.6.1, §2.7.1 and §4 (complex derivatives).
"""

from __future__ import annotations

from typing import Any

import numpy as np

from ._array import inputs, is_concrete, require_ndim

__all__ = [
    "grad_norm_diff_x",
    "grad_sq_norm_x",
    "grad_trace_XXh_Xim",
    "grad_trace_XXh_Xre",
    "jac_unit_diff_x",
    "norm_diff",
    "norm_of_xtx",
    "sq_norm",
    "trace_XXh",
    "unit_diff",
]

Array = Any


# --- CB-129 / CB-130 The two-norm of a difference ----------------------------------------------------------


def _pair(x: Array, a: Array) -> tuple[Any, Array]:
    xp, (x, a) = inputs(x=x, a=a)
    require_ndim("x", x, 1, "a vector x of shape (n,)")
    require_ndim("a", a, 1, "a vector a of shape (n,)")
    if x.shape != a.shape:
        raise ValueError(f"x has shape {tuple(x.shape)} but a has {tuple(a.shape)}; ‖x − a‖ needs one length")
    return xp, x - a


def _norm(xp: Any, r: Array) -> Array:
    return xp.sqrt(xp.sum(r * r))


def norm_diff(x: Array, a: Array) -> Array:
    r"""Primal of CB-129: ``‖x − a‖₂ = √Σᵢ(xᵢ − aᵢ)²``. Shapes: x, a ``(n,)`` → ``()``."""
    xp, r = _pair(x, a)
    return _norm(xp, r)


def grad_norm_diff_x(x: Array, a: Array) -> Array:
    r"""∂‖x − a‖₂/∂x = (x − a)/‖x − a‖₂   (CB-129, Matrix Cookbook §2.6.1)

    The unit vector from a to x. Shapes: x, a ``(n,)``; returns ``(n,)``, like x. Kink at ``x = a``:
    returns 0 there (see the module docstring; JAX gives NaN).

    >>> import numpy as np
    >>> grad_norm_diff_x(np.array([3.0, 4.0]), np.zeros(2))
    array([0.6, 0.8])
    >>> grad_norm_diff_x(np.ones(2), np.ones(2))              # the convention at x = a
    array([0., 0.])
    """
    xp, r = _pair(x, a)
    nr = _norm(xp, r)
    away = nr > 0
    return xp.where(away, r / xp.where(away, nr, xp.ones_like(nr)), xp.zeros_like(r))


def unit_diff(x: Array, a: Array) -> Array:
    r"""Primal of CB-130: ``(x − a)/‖x − a‖₂``. Shapes: x, a ``(n,)`` with x ≠ a → ``(n,)``."""
    xp, r = _pair(x, a)
    _away(r)
    return r / _norm(xp, r)


def _away(r: Array) -> None:
    if is_concrete(r) and not np.any(np.asarray(r) != 0):
        raise ValueError("x = a: (x − a)/‖x − a‖ and its Jacobian are undefined there; move x off a")


def jac_unit_diff_x(x: Array, a: Array) -> Array:
    r"""∂/∂x (x − a)/‖x − a‖₂ = I/‖x − a‖₂ − (x − a)(x − a)ᵀ/‖x − a‖₂³   (CB-130, Matrix Cookbook §2.6.1)

    The projection onto the plane orthogonal to ``u = (x − a)/‖x − a‖``, divided by the distance; it is
    evaluated as ``(I − u uᵀ)/‖x − a‖`` (the same matrix, with less cancellation in float32). Symmetric,
    so numerator and denominator layout agree; for n = 1 it is 0. Shapes: x, a ``(n,)`` with x ≠ a;
    returns ``(n, n)``. Undefined at ``x = a`` (rejected for concrete inputs).

    >>> import numpy as np
    >>> jac_unit_diff_x(np.array([0.0, 2.0]), np.zeros(2))
    array([[0.5, 0. ],
           [0. , 0. ]])
    """
    xp, r = _pair(x, a)
    _away(r)
    nr = _norm(xp, r)
    u = r / nr
    n = r.shape[0]
    return (xp.eye(n, dtype=r.dtype) - u[:, None] * u[None, :]) / nr


# --- CB-131 The squared two-norm --------------------------------------------------------------------------


def _vector(x: Array) -> tuple[Any, Array]:
    xp, (x,) = inputs(x=x)
    require_ndim("x", x, 1, "a vector x of shape (n,)")
    return xp, x


def sq_norm(x: Array) -> Array:
    r"""Primal of CB-131: ``‖x‖₂² = Σᵢ xᵢ²``. Shapes: x ``(n,)`` → ``()``."""
    xp, x = _vector(x)
    return xp.sum(x * x)


def norm_of_xtx(x: Array) -> Array:
    r"""Primal of CB-131's other side: ``‖xᵀx‖₂ = |xᵀx|``, the two-norm of a scalar. Shapes: x ``(n,)`` → ``()``."""
    xp, x = _vector(x)
    return xp.abs(xp.sum(x * x))


def grad_sq_norm_x(x: Array) -> Array:
    r"""∂‖x‖₂²/∂x = ∂‖xᵀx‖₂/∂x = 2x   (CB-131, Matrix Cookbook §2.6.1)

    ``∂(Σⱼ xⱼ²)/∂xᵢ = 2xᵢ``; ``xᵀx ≥ 0``, so ``‖xᵀx‖₂ = xᵀx``. Shapes: x ``(n,)``; returns ``(n,)``. No
    kinks (at x = 0 both sides have gradient 0).

    >>> import numpy as np
    >>> grad_sq_norm_x(np.array([1.0, -2.0]))
    array([ 2., -4.])
    """
    _, x = _vector(x)
    return 2 * x


# --- CB-132 (complex case) Tr(XXᴴ) ---------------------------------------------------------------------------


def _complex(Xre: Array, Xim: Array) -> tuple[Any, Array, Array]:
    xp, (Xre, Xim) = inputs(Xre=Xre, Xim=Xim)
    require_ndim("Xre", Xre, 2, "the real part of a matrix X, shape (m, n)")
    require_ndim("Xim", Xim, 2, "the imaginary part of a matrix X, shape (m, n)")
    if Xre.shape != Xim.shape:
        raise ValueError(f"Xre has shape {tuple(Xre.shape)} but Xim has {tuple(Xim.shape)}; the real and "
                         "imaginary parts of one X have one shape")
    return xp, Xre, Xim


def trace_XXh(Xre: Array, Xim: Array) -> Array:
    r"""Primal of CB-132 (complex): ``Tr(XXᴴ)`` for ``X = Xre + i·Xim``, computed in complex arithmetic
    (real: its imaginary part is 0). Shapes: Xre, Xim ``(m, n)`` → ``()``."""
    xp, Xre, Xim = _complex(Xre, Xim)
    cdt = xp.complex64 if Xre.dtype == xp.float32 else xp.complex128
    X = xp.astype(Xre, cdt) + 1j * xp.astype(Xim, cdt)
    return xp.real(xp.sum(xp.linalg.diagonal(X @ xp.conj(X).T)))


def grad_trace_XXh_Xre(Xre: Array, Xim: Array) -> Array:
    r"""ℜ∇ Tr(XXᴴ) = ∂Tr(XXᴴ)/∂ℜX = 2ℜX, the real part of ∇ Tr(XXᴴ) = 2X   (CB-132, Matrix Cookbook §2.7.1)

    ``Tr(XXᴴ) = Σ |X_ij|² = Σ (Xre_ij² + Xim_ij²)``. With the complex gradient ``∇ = ∂/∂ℜX + i∂/∂ℑX``
    (Cookbook (233)) this is its real part. Shapes: Xre, Xim ``(m, n)``; returns ``(m, n)``. No kinks.

    >>> import numpy as np
    >>> grad_trace_XXh_Xre(np.array([[1.0, -2.0]]), np.array([[3.0, 0.0]]))
    array([[ 2., -4.]])
    """
    _, Xre, _ = _complex(Xre, Xim)
    return 2 * Xre


def grad_trace_XXh_Xim(Xre: Array, Xim: Array) -> Array:
    r"""ℑ∇ Tr(XXᴴ) = ∂Tr(XXᴴ)/∂ℑX = 2ℑX, the imaginary part of ∇ Tr(XXᴴ) = 2X   (CB-132, Matrix Cookbook §2.7.1)

    As :func:`grad_trace_XXh_Xre`, for the imaginary part. Shapes: Xre, Xim ``(m, n)``; returns
    ``(m, n)``. No kinks.

    >>> import numpy as np
    >>> grad_trace_XXh_Xim(np.array([[1.0, -2.0]]), np.array([[3.0, 0.0]]))
    array([[6., 0.]])
    """
    _, _, Xim = _complex(Xre, Xim)
    return 2 * Xim
