r"""Matrix Cookbook §2.4.2 (89) and §2.4.3–§2.4.4: the complex LMS cost, higher-order and non-linear forms.

The rest of §2.4 (first and second order) is :mod:`chainrule.analytic.cookbook_forms`.

| ID | identity | function |
|---|---|---|
| CB-89 | the LMS cost ∇ₓ|a − xᴴb|² = −2b(a − xᴴb)* ([E]: see below) | :func:`grad_lms_cost_xr`, … |
| CB-90 | ∂(Xⁿ)_kl/∂X_ij = Σ_r (XʳJ^ij X^{n−1−r})_kl | :func:`jac_matrix_power_X` |
| CB-91 | ∂aᵀXⁿb/∂X = Σ_r (Xʳ)ᵀabᵀ(X^{n−1−r})ᵀ | :func:`grad_power_bilinear_X` |
| CB-92 | ∂aᵀ(Xⁿ)ᵀXⁿb/∂X = Σ_r (Xʳ)ᵀXⁿ(baᵀ + abᵀ)(X^{n−1−r})ᵀ ([E]: corrected) | :func:`grad_power_gram_X` |
| CB-93 | ∂sᵀAr/∂x = [∂s/∂x]ᵀAr + [∂r/∂x]ᵀAᵀs | :func:`grad_bilinear_of_maps_x` |
| CB-94 | ∂/∂x xᵀAᵀAx / xᵀBᵀBx | :func:`grad_rayleigh_ratio_x` |
| CB-96 | ∇ₓ(xᵀAx + bᵀx) = (A + Aᵀ)x + b | :func:`grad_quadratic_plus_linear_x` |
| CB-97 | ∂²f/∂x∂xᵀ = A + Aᵀ | :func:`hess_quadratic_plus_linear_x` |

The power n of CB-90 … CB-92 is an integer ``n ≥ 1`` (a keyword of the records); the sums over r are
Python loops of n terms (n is small: the records use 1, 2 and 3). X is square, ``(m, m)``.

CB-92 is an erratum (COOKBOOK.md §3): the first term of the printed sum, ``X^{n−1−r}abᵀ(Xⁿ)ᵀXʳ``, is the
transpose of the right one. The printed form is kept, wrong on purpose, as
:func:`grad_power_gram_X_printed` (not in ``__all__``), so that ``chainrule verify`` shows it failing.

Complex row CB-89 ([E], COOKBOOK.md §3). :func:`chainrule.analytic._array.inputs` takes real arrays only,
so complex ``a``, ``x``, ``b`` are passed by their real and imaginary parts (``ar, ai, xr, xi, br, bi``).
The Cookbook's complex gradient (233) ``∇ = ∂/∂ℜx + i ∂/∂ℑx`` of a real function is then two real
gradients, one per part. The printed line ``∂(a − xᴴb)²/∂x = −2b(a − xᴴb)*`` is right only for the LMS
cost ``|a − xᴴb|²`` with that ∇ (and in the all-real case, where it holds as printed); read literally,
as the derivative of the complex function ``(a − xᴴb)²``, it is wrong. That reading is kept, wrong on
purpose, as :func:`jac_lms_error_squared_xr_printed` (not in ``__all__``), so that ``chainrule verify``
shows it failing.

No kinks: everything is a polynomial except CB-93's tanh (smooth) and CB-94's quotient, undefined where
``Bx = 0`` (a concrete such x is rejected).

References:
  K. B. Petersen and M. S. Pedersen, "The Matrix Cookbook", Technical University of Denmark,
  version 20121115, §2.4.2–§2.4.4 and (233).
"""

from __future__ import annotations

from typing import Any

import numpy as np

from ._array import inputs, is_concrete, require_ndim
from .cookbook_forms import _length, _mat, _single_entries, _to_numerator, _vec
from .hessian import hess_quadratic_form_x
from .matrix import _matmul_shapes, _square, grad_quadratic_form_x

__all__ = [
    "bilinear_of_maps",
    "grad_bilinear_of_maps_x",
    "grad_lms_cost_xi",
    "grad_lms_cost_xr",
    "grad_power_bilinear_X",
    "grad_power_gram_X",
    "grad_quadratic_plus_linear_x",
    "grad_rayleigh_ratio_x",
    "grad_real_lms_cost_x",
    "hess_quadratic_plus_linear_x",
    "jac_matrix_power_X",
    "lms_cost",
    "lms_error_squared",
    "matrix_power",
    "power_bilinear",
    "power_gram",
    "quadratic_plus_linear",
    "rayleigh_ratio",
    "real_lms_cost",
]

Array = Any


# --- helpers ---------------------------------------------------------------------------------------


def _power(n: Any) -> int:
    if isinstance(n, bool) or not isinstance(n, (int, np.integer)):
        raise TypeError(f"n: expected an integer power n ≥ 1, got {type(n).__name__} {n!r}; pass e.g. n=2")
    if n < 1:
        raise ValueError(f"n: expected an integer power n ≥ 1, got {n}; X⁰ = I has derivative 0")
    return int(n)


def _powers(xp: Any, X: Array, n: int) -> list[Array]:
    """``[X⁰, X¹, …, Xⁿ]`` by repeated products (X⁰ = I in X's dtype)."""
    out = [xp.eye(X.shape[0], dtype=X.dtype)]
    for _ in range(n):
        out.append(out[-1] @ X)
    return out


def _aXb(a: Array, X: Array, b: Array) -> tuple[Any, Array, Array, Array]:
    xp, (a, X, b) = inputs(a=a, X=X, b=b)
    _vec("a", a, "m")
    _square("X", X)
    _vec("b", b, "m")
    _length("a", a, X.shape[0], "aᵀXⁿ needs len(a) = size of X")
    _length("b", b, X.shape[0], "Xⁿb needs len(b) = size of X")
    return xp, a, X, b


# --- CB-89 Second order: the complex LMS cost, by real and imaginary parts ----------------------------------


def _lms(ar: Array, ai: Array, xr: Array, xi: Array, br: Array,
         bi: Array) -> tuple[Any, Array, Array, Array, Array, Array, Array]:
    """Validate the parts and return ``(xp, er, ei, xr, xi, br, bi)``, ``e = a − xᴴb = er + i ei``."""
    xp, (ar, ai, xr, xi, br, bi) = inputs(ar=ar, ai=ai, xr=xr, xi=xi, br=br, bi=bi)
    for name, v in (("ar", ar), ("ai", ai)):
        require_ndim(name, v, 0, f"the {'real' if name == 'ar' else 'imaginary'} part of the scalar a")
    for name, v in (("xr", xr), ("xi", xi), ("br", br), ("bi", bi)):
        _vec(name, v, "n")
        _length(name, v, xr.shape[0], "x and b are complex vectors of one length n, split into parts")
    # xᴴb = Σ conj(x_k) b_k = Σ (xr − i xi)(br + i bi)
    er = ar - xp.sum(xr * br + xi * bi)
    ei = ai - xp.sum(xr * bi - xi * br)
    return xp, er, ei, xr, xi, br, bi


def lms_cost(ar: Array, ai: Array, xr: Array, xi: Array, br: Array, bi: Array) -> Array:
    r"""Primal of CB-89 (corrected): the LMS cost ``|a − xᴴb|²``, real, from the parts of complex a, x, b.

    Shapes: ar, ai ``()`` (a = ar + i·ai), xr, xi, br, bi ``(n,)`` (x = xr + i·xi, b = br + i·bi) → ``()``.
    """
    _, er, ei, *_ = _lms(ar, ai, xr, xi, br, bi)
    return er * er + ei * ei


def grad_lms_cost_xr(ar: Array, ai: Array, xr: Array, xi: Array, br: Array, bi: Array) -> Array:
    r"""∂|a − xᴴb|²/∂ℜx = ℜ[−2b(a − xᴴb)*]   (CB-89 corrected, Matrix Cookbook §2.4.2 with (233))

    The real part of the Cookbook's complex gradient (233) ``∇ₓ = ∂/∂ℜx + i ∂/∂ℑx`` of the real LMS cost;
    with ``e = a − xᴴb``, ``∇ₓ|e|² = −2b e*`` (the printed right side), so ``∂/∂ℜx = −2(ℜb ℜe + ℑb ℑe)``.
    :func:`grad_lms_cost_xi` is the imaginary part. Shapes as :func:`lms_cost`; returns ``(n,)``, like xr.

    >>> import numpy as np
    >>> one, zero = np.ones(1), np.zeros(1)
    >>> grad_lms_cost_xr(np.asarray(0.0), np.asarray(1.0), zero, zero, one, one)   # e = i, b = 1 + i
    array([-2.])
    """
    _, er, ei, xr, xi, br, bi = _lms(ar, ai, xr, xi, br, bi)
    return -2.0 * (br * er + bi * ei)


def grad_lms_cost_xi(ar: Array, ai: Array, xr: Array, xi: Array, br: Array, bi: Array) -> Array:
    r"""∂|a − xᴴb|²/∂ℑx = ℑ[−2b(a − xᴴb)*]   (CB-89 corrected, Matrix Cookbook §2.4.2 with (233))

    The imaginary part of ``∇ₓ|e|² = −2b e*`` (``e = a − xᴴb``): ``−2(ℑb ℜe − ℜb ℑe)``. Shapes as
    :func:`lms_cost`; returns ``(n,)``, like xi.

    >>> import numpy as np
    >>> one, zero = np.ones(1), np.zeros(1)
    >>> grad_lms_cost_xi(np.asarray(0.0), np.asarray(1.0), zero, zero, one, one)   # e = i, b = 1 + i
    array([2.])
    """
    _, er, ei, xr, xi, br, bi = _lms(ar, ai, xr, xi, br, bi)
    return -2.0 * (bi * er - br * ei)


def _real_lms(a: Array, x: Array, b: Array) -> tuple[Any, Array, Array, Array]:
    xp, (a, x, b) = inputs(a=a, x=x, b=b)
    require_ndim("a", a, 0, "a real scalar a")
    _vec("x", x, "n")
    _vec("b", b, "n")
    _length("b", b, x.shape[0], "xᵀb needs vectors of one length")
    return xp, a, x, b


def real_lms_cost(a: Array, x: Array, b: Array) -> Array:
    r"""Primal of CB-89, real case: ``(a − xᵀb)²``. Shapes: a ``()``, x, b ``(n,)`` → ``()``."""
    xp, a, x, b = _real_lms(a, x, b)
    return lms_cost(a, xp.zeros_like(a), x, xp.zeros_like(x), b, xp.zeros_like(b))


def grad_real_lms_cost_x(a: Array, x: Array, b: Array) -> Array:
    r"""∂(a − xᵀb)²/∂x = −2b(a − xᵀb)   (CB-89, Matrix Cookbook §2.4.2: the real case, as printed)

    For real a, x, b the printed line holds as it stands (the conjugate is the identity): this is
    :func:`grad_lms_cost_xr` with the imaginary parts 0. Shapes: a ``()``, x, b ``(n,)``; returns ``(n,)``.

    >>> import numpy as np
    >>> grad_real_lms_cost_x(np.asarray(3.0), np.array([1.0]), np.array([2.0]))
    array([-4.])
    """
    xp, a, x, b = _real_lms(a, x, b)
    return grad_lms_cost_xr(a, xp.zeros_like(a), x, xp.zeros_like(x), b, xp.zeros_like(b))


def lms_error_squared(ar: Array, ai: Array, xr: Array, xi: Array, br: Array, bi: Array) -> Array:
    r"""Primal of CB-89's printed form: the complex square ``(a − xᴴb)²`` as ``[ℜ, ℑ]``, shape ``(2,)``.

    Shapes: ar, ai ``()``, xr, xi, br, bi ``(n,)`` (the parts of a, x, b) → ``(2,)``.
    """
    xp, er, ei, *_ = _lms(ar, ai, xr, xi, br, bi)
    return xp.stack([er * er - ei * ei, 2.0 * er * ei])


def jac_lms_error_squared_xr_printed(ar: Array, ai: Array, xr: Array, xi: Array, br: Array, bi: Array) -> Array:
    r"""∂(a − xᴴb)²/∂x = −2b(a − xᴴb)*   (CB-89, Matrix Cookbook §2.4.2: the printed form, WRONG on purpose)

    **The Cookbook's printed line, read literally**, kept outside ``__all__`` so that ``chainrule verify``
    shows it failing (status ``xfail``). Read as the derivative of the complex function
    ``f(x) = (a − xᴴb)²`` (``df = (∂f/∂x)ᵀ dx``, ``dx = dℜx + i dℑx``), it claims
    ``∂f/∂ℜx = −2b e*`` with ``e = a − xᴴb``; returned as the real Jacobian of ``[ℜf, ℑf]`` with respect to
    ``xr``, shape ``(2, n)``. But f depends on x only through x*: ``∂f/∂ℜx = −2b e`` (Wirtinger:
    ``∂f/∂x = 0``, ``∂f/∂x* = −2b e``), which differs wherever ``e ∉ ℝ``. The right statement is the LMS
    cost's complex gradient, :func:`grad_lms_cost_xr` and :func:`grad_lms_cost_xi` (COOKBOOK.md §3).

    >>> import numpy as np
    >>> one, zero = np.ones(1), np.zeros(1)
    >>> # a = i, x = 0, b = 1 + i: printed −2b e* = −2 + 2i; the truth −2b e is 2 − 2i
    >>> jac_lms_error_squared_xr_printed(np.asarray(0.0), np.asarray(1.0), zero, zero, one, one).tolist()
    [[-2.0], [2.0]]
    """
    xp, er, ei, xr, xi, br, bi = _lms(ar, ai, xr, xi, br, bi)
    # −2 b e* = −2 (br + i bi)(er − i ei)
    return xp.stack([-2.0 * (br * er + bi * ei), -2.0 * (bi * er - br * ei)])


# --- CB-90 … CB-92 Powers of a matrix ---------------------------------------------------------------------


def matrix_power(X: Array, n: int) -> Array:
    r"""Primal of CB-90: ``Xⁿ``. Shapes: X ``(m, m)``, n an integer ≥ 1 → ``(m, m)``."""
    xp, (X,) = inputs(X=X)
    _square("X", X)
    return _powers(xp, X, _power(n))[-1]


def jac_matrix_power_X(X: Array, n: int) -> Array:
    r"""∂(Xⁿ)_kl/∂X_ij = Σ_r (XʳJ^ij X^{n−1−r})_kl   (CB-90, Matrix Cookbook §2.4.3)

    The product rule over the n factors of ``Xⁿ``: ``d(Xⁿ) = Σ_{r=0}^{n−1} Xʳ dX X^{n−1−r}``, evaluated at
    every single-entry direction ``J^ij`` at once; entry-wise ``Σ_r (Xʳ)_ki (X^{n−1−r})_jl``. Shapes: X
    ``(m, m)``, n an integer ≥ 1; returns the numerator-layout Jacobian ``(m, m, m, m)``, entry ``[k, l, i, j]``.

    >>> import numpy as np
    >>> jac_matrix_power_X(np.array([[2.0]]), 3).tolist()   # d x³/dx = 3x²
    [[[[12.0]]]]
    """
    xp, (X,) = inputs(X=X)
    _square("X", X)
    n = _power(n)
    P = _powers(xp, X, n - 1)
    E = _single_entries(xp, X.shape[0], X.shape[0], X.dtype)  # E[i, j] = J^ij
    per_entry = sum(P[r] @ E @ P[n - 1 - r] for r in range(n))  # [i, j] = ∂Xⁿ/∂X_ij
    return _to_numerator(xp, per_entry)


def power_bilinear(a: Array, X: Array, b: Array, n: int) -> Array:
    r"""Primal of CB-91: ``aᵀXⁿb``. Shapes: a, b ``(m,)``, X ``(m, m)``, n an integer ≥ 1 → ``()``."""
    xp, a, X, b = _aXb(a, X, b)
    return a @ _powers(xp, X, _power(n))[-1] @ b


def grad_power_bilinear_X(a: Array, X: Array, b: Array, n: int) -> Array:
    r"""∂aᵀXⁿb/∂X = Σ_r (Xʳ)ᵀabᵀ(X^{n−1−r})ᵀ   (CB-91, Matrix Cookbook §2.4.3)

    CB-90 contracted with a and b: ``d(aᵀXⁿb) = Σ_r (Xʳᵀa)ᵀ dX (X^{n−1−r}b)``, a sum of n outer products.
    Shapes as :func:`power_bilinear`; returns ``(m, m)``, like X.

    >>> import numpy as np
    >>> grad_power_bilinear_X(np.ones(1), np.array([[2.0]]), np.ones(1), 3)   # 3x²
    array([[12.]])
    """
    xp, a, X, b = _aXb(a, X, b)
    n = _power(n)
    P = _powers(xp, X, n - 1)
    return sum((P[r].T @ a)[:, None] * (P[n - 1 - r] @ b)[None, :] for r in range(n))


def power_gram(a: Array, X: Array, b: Array, n: int) -> Array:
    r"""Primal of CB-92: ``aᵀ(Xⁿ)ᵀXⁿb = (Xⁿa)ᵀ(Xⁿb)``. Shapes: a, b ``(m,)``, X ``(m, m)``, n ≥ 1 → ``()``."""
    xp, a, X, b = _aXb(a, X, b)
    Xn = _powers(xp, X, _power(n))[-1]
    return (Xn @ a) @ (Xn @ b)


def grad_power_gram_X(a: Array, X: Array, b: Array, n: int) -> Array:
    r"""∂aᵀ(Xⁿ)ᵀXⁿb/∂X = Σ_r (Xʳ)ᵀXⁿ(baᵀ + abᵀ)(X^{n−1−r})ᵀ   (CB-92 corrected, Matrix Cookbook §2.4.3)

    The corrected form (COOKBOOK.md §3: the Cookbook prints the first term transposed, see
    :func:`grad_power_gram_X_printed`). With ``d(Xⁿ) = Σ_r Xʳ dX X^{n−1−r}``,
    ``df = ⟨d(Xⁿ)a, Xⁿb⟩ + ⟨Xⁿa, d(Xⁿ)b⟩``; each inner product gives one outer-product term. For n = 1 it
    is CB-77's ``X(abᵀ + baᵀ)``. Shapes as :func:`power_gram`; returns ``(m, m)``, like X.

    >>> import numpy as np
    >>> grad_power_gram_X(np.ones(1), np.array([[2.0]]), np.ones(1), 2)   # d x⁴/dx = 4x³
    array([[32.]])
    """
    xp, a, X, b = _aXb(a, X, b)
    n = _power(n)
    P = _powers(xp, X, n)
    Xna, Xnb = P[n] @ a, P[n] @ b
    return sum((P[r].T @ Xnb)[:, None] * (P[n - 1 - r] @ a)[None, :]
               + (P[r].T @ Xna)[:, None] * (P[n - 1 - r] @ b)[None, :] for r in range(n))


def grad_power_gram_X_printed(a: Array, X: Array, b: Array, n: int) -> Array:
    r"""∂aᵀ(Xⁿ)ᵀXⁿb/∂X = Σ_r [X^{n−1−r}abᵀ(Xⁿ)ᵀXʳ + (Xʳ)ᵀXⁿabᵀ(X^{n−1−r})ᵀ]   (CB-92 printed, WRONG on purpose)

    **The Cookbook's printed line (§2.4.3, (92))**, kept outside ``__all__`` so that ``chainrule verify``
    shows it failing (status ``xfail``). Its first term is the transpose of the right one,
    ``(Xʳ)ᵀXⁿbaᵀ(X^{n−1−r})ᵀ``; the second term is right. Already at n = 1 it gives ``abᵀXᵀ + Xabᵀ``
    instead of ``X(abᵀ + baᵀ)`` (they agree on the diagonal only). The right form is
    :func:`grad_power_gram_X`. Shapes as :func:`power_gram`; returns ``(m, m)``.

    >>> import numpy as np
    >>> X, a, b = np.array([[1.0, 2.0], [3.0, 4.0]]), np.array([1.0, 0.0]), np.array([0.0, 1.0])
    >>> grad_power_gram_X_printed(a, X, b, 1).tolist(), grad_power_gram_X(a, X, b, 1).tolist()
    ([[2.0, 5.0], [0.0, 3.0]], [[2.0, 1.0], [4.0, 3.0]])
    """
    xp, a, X, b = _aXb(a, X, b)
    n = _power(n)
    P = _powers(xp, X, n)
    Xnb, Xna = P[n] @ b, P[n] @ a
    return sum((P[n - 1 - r] @ a)[:, None] * (P[r].T @ Xnb)[None, :]
               + (P[r].T @ Xna)[:, None] * (P[n - 1 - r] @ b)[None, :] for r in range(n))


# --- CB-93 / CB-94 Non-linear forms ----------------------------------------------------------------------


def _maps(P: Array, Q: Array, A: Array, x: Array) -> tuple[Any, Array, Array, Array, Array]:
    xp, (P, Q, A, x) = inputs(P=P, Q=Q, A=A, x=x)
    _mat("P", P, "p, n")
    _square("Q", Q)
    _mat("A", A, "p, n")
    _vec("x", x, "n")
    _matmul_shapes("P", P, "x", x)
    _matmul_shapes("Q", Q, "x", x)
    if tuple(A.shape) != (P.shape[0], x.shape[0]):
        raise ValueError(
            f"A: expected shape ({P.shape[0]}, {x.shape[0]}) (len s(x) = rows of P by len r(x) = len x, so "
            f"that sᵀAr is defined), got {tuple(A.shape)}"
        )
    return xp, P, Q, A, x


def bilinear_of_maps(P: Array, Q: Array, A: Array, x: Array) -> Array:
    r"""Primal of CB-93: ``s(x)ᵀA r(x)`` with ``s(x) = tanh(Px)`` and ``r(x) = (Qx) ∘ x``.

    Shapes: P ``(p, n)``, Q ``(n, n)``, A ``(p, n)``, x ``(n,)`` → ``()``.
    """
    xp, P, Q, A, x = _maps(P, Q, A, x)
    return xp.tanh(P @ x) @ A @ ((Q @ x) * x)


def grad_bilinear_of_maps_x(P: Array, Q: Array, A: Array, x: Array) -> Array:
    r"""∂sᵀAr/∂x = [∂s/∂x]ᵀAr + [∂r/∂x]ᵀAᵀs   (CB-93, Matrix Cookbook §2.4.3)

    The product rule for two vector functions of x with constant A; ``[∂s/∂x]`` is the Jacobian
    (numerator layout, ``len s × len x``). The Cookbook's s and r are arbitrary; this instance takes
    ``s = tanh(Px)``, ``[∂s/∂x] = diag(1 − s∘s) P``, and ``r = (Qx) ∘ x``, ``[∂r/∂x] = diag(x) Q + diag(Qx)``.
    Shapes as :func:`bilinear_of_maps`; returns ``(n,)``, like x. Smooth everywhere.

    >>> import numpy as np
    >>> grad_bilinear_of_maps_x(np.zeros((1, 1)), np.eye(1), np.eye(1), np.array([2.0]))   # s = 0
    array([0.])
    """
    xp, P, Q, A, x = _maps(P, Q, A, x)
    s = xp.tanh(P @ x)
    Qx = Q @ x
    r = Qx * x
    jac_s = (1.0 - s * s)[:, None] * P
    jac_r = x[:, None] * Q + Qx[:, None] * xp.eye(x.shape[0], dtype=x.dtype)
    return jac_s.T @ (A @ r) + jac_r.T @ (A.T @ s)


def _ratio(A: Array, B: Array, x: Array) -> tuple[Any, Array, Array, Array]:
    xp, (A, B, x) = inputs(A=A, B=B, x=x)
    _mat("A", A, "m, n")
    _mat("B", B, "k, n")
    _vec("x", x, "n")
    _matmul_shapes("A", A, "x", x)
    _matmul_shapes("B", B, "x", x)
    if is_concrete(B) and is_concrete(x) and x.shape[0]:
        if not np.any(np.asarray(B, dtype=np.float64) @ np.asarray(x, dtype=np.float64)):
            raise ValueError("x: the quotient xᵀAᵀAx / xᵀBᵀBx is undefined where Bx = 0 (c/0, or 0/0 at x = 0); "
                             "pass an x with Bx ≠ 0")
    return xp, A, B, x


def rayleigh_ratio(A: Array, B: Array, x: Array) -> Array:
    r"""Primal of CB-94: ``(Ax)ᵀ(Ax) / (Bx)ᵀ(Bx)``. Shapes: A ``(m, n)``, B ``(k, n)``, x ``(n,)`` with Bx ≠ 0."""
    _, A, B, x = _ratio(A, B, x)
    Ax, Bx = A @ x, B @ x
    return (Ax @ Ax) / (Bx @ Bx)


def grad_rayleigh_ratio_x(A: Array, B: Array, x: Array) -> Array:
    r"""∂/∂x xᵀAᵀAx/xᵀBᵀBx = 2AᵀAx/xᵀBᵀBx − 2xᵀAᵀAx BᵀBx/(xᵀBᵀBx)²   (CB-94, Matrix Cookbook §2.4.3)

    The quotient rule with CB-81 for both quadratic forms. Transcription typo (COOKBOOK.md §4): the
    transcription's first denominator reads "xᵀBBx"; read here as ``xᵀBᵀBx``, which is what the rest of the
    line has (literally, BB is wrong for a non-symmetric square B). Homogeneous of degree −1 in x.
    Undefined where ``Bx = 0`` (a concrete such x is rejected; traced, JAX gives inf or nan there).
    Shapes as :func:`rayleigh_ratio`; returns ``(n,)``, like x.

    >>> import numpy as np
    >>> grad_rayleigh_ratio_x(np.eye(2), np.eye(2), np.array([1.0, 2.0]))   # ‖x‖²/‖x‖² is constant
    array([0., 0.])
    """
    _, A, B, x = _ratio(A, B, x)
    AtAx, BtBx = A.T @ (A @ x), B.T @ (B @ x)
    num, den = x @ AtAx, x @ BtBx
    return 2.0 * AtAx / den - 2.0 * num * BtBx / (den * den)


# --- CB-96 / CB-97 Gradient and Hessian ----------------------------------------------------------------------


def _quad_lin(A: Array, b: Array, x: Array) -> tuple[Any, Array, Array, Array]:
    xp, (A, b, x) = inputs(A=A, b=b, x=x)
    _square("A", A)
    _vec("b", b, "n")
    _vec("x", x, "n")
    _matmul_shapes("A", A, "x", x)
    _length("b", b, x.shape[0], "bᵀx needs len(b) = len(x)")
    return xp, A, b, x


def quadratic_plus_linear(A: Array, b: Array, x: Array) -> Array:
    r"""Primal of CB-96 and CB-97: ``f = xᵀAx + bᵀx`` (the Cookbook's (95)). Shapes: A ``(n, n)``, b, x ``(n,)``."""
    _, A, b, x = _quad_lin(A, b, x)
    return x @ (A @ x) + b @ x


def grad_quadratic_plus_linear_x(A: Array, b: Array, x: Array) -> Array:
    r"""∇ₓf = ∂f/∂x = (A + Aᵀ)x + b, f = xᵀAx + bᵀx   (CB-96, Matrix Cookbook §2.4.4)

    CB-81 (:func:`chainrule.analytic.matrix.grad_quadratic_form_x`) plus CB-69 for the linear term. A need not
    be symmetric. Shapes as :func:`quadratic_plus_linear`; returns ``(n,)``, like x.

    >>> import numpy as np
    >>> grad_quadratic_plus_linear_x(np.array([[0.0, 1.0], [0.0, 0.0]]), np.ones(2), np.array([1.0, 2.0]))
    array([3., 2.])
    """
    _, A, b, x = _quad_lin(A, b, x)
    return grad_quadratic_form_x(A, x) + b


def hess_quadratic_plus_linear_x(A: Array, b: Array, x: Array) -> Array:
    r"""∂²f/∂x∂xᵀ = A + Aᵀ, f = xᵀAx + bᵀx   (CB-97, Matrix Cookbook §2.4.4)

    The linear term has no curvature, so this is H-1
    (:func:`chainrule.analytic.hessian.hess_quadratic_form_x`), constant and symmetric. Shapes as
    :func:`quadratic_plus_linear`; returns ``(n, n)``.

    >>> import numpy as np
    >>> hess_quadratic_plus_linear_x(np.array([[1.0, 2.0], [0.0, 1.0]]), np.ones(2), np.zeros(2))
    array([[2., 2.],
           [2., 2.]])
    """
    _, A, b, x = _quad_lin(A, b, x)
    return hess_quadratic_form_x(A, x)
