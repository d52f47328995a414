"""Real-world cases, linear algebra: HIPS/autograd's vector-Jacobian products of inv, det and solve.

autograd registers each rule with ``defvjp(fun, maker)``, where ``maker(ans, *args)`` returns the VJP
``g ↦ gᵀJ``. The makers below are autograd's, transcribed with their math unchanged; autograd's
``anp`` (its wrapped NumPy) is plain NumPy here, and ``inv``, ``solve`` are ``numpy.linalg``'s (what
autograd's namespace wraps). The det rule, a lambda in autograd, is named ``grad_det`` here. Matrices
are 4 × 4, drawn well-conditioned (singular values in [0.5, 2]): these rules hold for invertible
matrices only; the right-hand side of solve is 4 × 3.
"""

# autograd's add2d concatenates shape tuples, kept as written.
# ruff: noqa: RUF005

from __future__ import annotations

from functools import partial

import jax.numpy as jnp
import numpy as np
import numpy.linalg as npla
from rw_case import Case, Mutant

__all__ = ["CASES"]

# source: HIPS/autograd autograd/numpy/linalg.py (T, _dot, add2d, grad_inv, det's VJP, grad_solve)

anp = np
inv = npla.inv
det = npla.det
solve = npla.solve


def T(x):
    """Transpose by swapping the last two dimensions."""
    return anp.swapaxes(x, -1, -2)


_dot = partial(anp.einsum, "...ij,...jk->...ik")


def add2d(x):
    """Add two dimensions to the end of x."""
    return anp.reshape(x, anp.shape(x) + (1, 1))


# --- inv: ∂⟨G, X⁻¹⟩ = −X⁻ᵀ G X⁻ᵀ --------------------------------------------------------------------


def grad_inv(ans, x):
    return lambda g: -_dot(_dot(T(ans), g), T(ans))


def grad_inv_result_transposed(ans, x):
    """Mutant: the VJP returned transposed, −X⁻¹ Gᵀ X⁻¹ (a layout slip)."""
    return lambda g: T(-_dot(_dot(T(ans), g), T(ans)))


def grad_inv_sign_lost(ans, x):
    """Mutant: the minus sign of d(X⁻¹) = −X⁻¹ dX X⁻¹ lost."""
    return lambda g: _dot(_dot(T(ans), g), T(ans))


def grad_inv_inverses_not_transposed(ans, x):
    """Mutant: −X⁻¹ G X⁻¹, the inverses left untransposed."""
    return lambda g: -_dot(_dot(ans, g), ans)


def inv_f(x):
    """X⁻¹ in JAX, (4, 4)."""
    return jnp.linalg.inv(x)


def _inv_vjp(maker):
    def vjp(x, ct):
        return maker(inv(x), x)(ct)

    vjp.__name__ = vjp.__qualname__ = f"vjp_{maker.__name__}"
    return vjp


def _square_example() -> tuple[np.ndarray, ...]:
    return (np.random.default_rng(0).standard_normal((4, 4)) + 4 * np.eye(4),)


INV = Case(
    name="autograd_grad_inv",
    source="HIPS/autograd autograd/numpy/linalg.py (grad_inv)",
    kind="vjp",
    f=inv_f,
    candidate=_inv_vjp(grad_inv),
    example=_square_example,
    options={"domains": {"x": "well_conditioned"}},
    mutants=(
        Mutant("result transposed", _inv_vjp(grad_inv_result_transposed), "transposed"),
        Mutant("minus sign lost", _inv_vjp(grad_inv_sign_lost), "sign flipped"),
        Mutant("inverses not transposed", _inv_vjp(grad_inv_inverses_not_transposed), "holds only"),
    ),
)


# --- det: ∂det(X) = det(X) X⁻ᵀ -------------------------------------------------------------------------


def grad_det(ans, x):
    return lambda g: add2d(g) * add2d(ans) * T(inv(x))


def grad_det_without_det(ans, x):
    """Mutant: the factor det(X) dropped, G X⁻ᵀ: the VJP of log|det X| (slogdet's), not of det."""
    return lambda g: add2d(g) * T(inv(x))


def grad_det_inverse_not_transposed(ans, x):
    """Mutant: det(X) X⁻¹, the inverse left untransposed."""
    return lambda g: add2d(g) * add2d(ans) * inv(x)


def det_f(x):
    """det(X) in JAX, a scalar."""
    return jnp.linalg.det(x)


def _det_vjp(maker):
    def vjp(x, ct):
        return maker(det(x), x)(ct)

    vjp.__name__ = vjp.__qualname__ = f"vjp_{maker.__name__}"
    return vjp


DET = Case(
    name="autograd_grad_det",
    source="HIPS/autograd autograd/numpy/linalg.py (defvjp(det, ...))",
    kind="vjp",
    f=det_f,
    candidate=_det_vjp(grad_det),
    example=_square_example,
    options={"domains": {"x": "well_conditioned"}},
    mutants=(
        Mutant("det factor dropped (slogdet's VJP)", _det_vjp(grad_det_without_det), "varies"),
        Mutant("inverse not transposed", _det_vjp(grad_det_inverse_not_transposed), "transposed"),
    ),
)


# --- solve: X = A⁻¹B, ∂/∂A = −A⁻ᵀ G Xᵀ, ∂/∂B = A⁻ᵀ G ------------------------------------------------------


def grad_solve(argnum, ans, a, b):
    updim = lambda x: x if x.ndim == a.ndim else x[..., None]  # noqa: E731 (autograd's own lambda)
    if argnum == 0:
        return lambda g: -_dot(updim(solve(T(a), g)), T(updim(ans)))
    else:
        return lambda g: solve(T(a), g)


def grad_solve_untransposed_a(argnum, ans, a, b):
    """Mutant: A⁻¹ G in place of A⁻ᵀ G (solve(a, g), not solve(T(a), g)), in both rules."""
    updim = lambda x: x if x.ndim == a.ndim else x[..., None]  # noqa: E731
    if argnum == 0:
        return lambda g: -_dot(updim(solve(a, g)), T(updim(ans)))
    else:
        return lambda g: solve(a, g)


def grad_solve_sign_lost(argnum, ans, a, b):
    """Mutant: the minus sign of ∂/∂A lost (∂/∂B is right)."""
    updim = lambda x: x if x.ndim == a.ndim else x[..., None]  # noqa: E731
    if argnum == 0:
        return lambda g: _dot(updim(solve(T(a), g)), T(updim(ans)))
    else:
        return lambda g: solve(T(a), g)


def solve_f(a, b):
    """A⁻¹B in JAX, (4, 3)."""
    return jnp.linalg.solve(a, b)


def _solve_vjp(maker):
    def vjp(a, b, ct):
        ans = solve(a, b)
        return maker(0, ans, a, b)(ct), maker(1, ans, a, b)(ct)

    vjp.__name__ = vjp.__qualname__ = f"vjp_{maker.__name__}"
    return vjp


def _solve_example() -> tuple[np.ndarray, ...]:
    (a,) = _square_example()
    return a, np.random.default_rng(1).standard_normal((4, 3))


SOLVE = Case(
    name="autograd_grad_solve",
    source="HIPS/autograd autograd/numpy/linalg.py (grad_solve)",
    kind="vjp",
    f=solve_f,
    candidate=_solve_vjp(grad_solve),
    example=_solve_example,
    argnums=(0, 1),
    options={"domains": {"a": "well_conditioned"}},
    mutants=(
        Mutant("A not transposed in the solves", _solve_vjp(grad_solve_untransposed_a), "holds only"),
        Mutant("minus sign of the A rule lost", _solve_vjp(grad_solve_sign_lost), "sign flipped"),
    ),
)


CASES: list[Case] = [INV, DET, SOLVE]
