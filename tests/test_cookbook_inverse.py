"""chainrule.analytic.cookbook_inverse: Matrix Cookbook §2.2–§2.3 (CB-59 … CB-68, CB-64u), exact values,
the eigenvector sign convention, the conventions at repeated eigenvalues, and bad input.

Random-input agreement with JAX in float64 and float32: tests/test_catalog.py (every record).
"""

from __future__ import annotations

import jax
import jax.numpy as jnp
import numpy as np
import pytest

from chainrule.analytic import cookbook_inverse as ci
from chainrule.analytic import matrix as mx
from chainrule.reference.autodiff import gradient, jacobian, jvp, x64

X2 = np.array([[2.0, 1.0], [1.0, -1.0]])  # det = −3, X⁻¹ = [[1, 1], [1, −2]] / 3
X2_INV = np.array([[1.0, 1.0], [1.0, -2.0]]) / 3


def _random_symmetric(rng, n, gaps=(0.5, 1.5)):
    Q, _ = np.linalg.qr(rng.standard_normal((n, n)))
    lam = -1.0 + np.cumsum(rng.uniform(*gaps, n))
    A = (Q * lam) @ Q.T
    return (A + A.T) / 2


# --- §2.2 the inverse -------------------------------------------------------------------------------------


def test_inverse_along_a_curve_exact_value():
    # Y(x) = Y0 + x Y1 with Y1 = I: ∂Y⁻¹/∂x = −Y⁻² at x = 0.
    Y0 = np.array([[2.0, 0.0], [0.0, 4.0]])
    got = ci.jac_inverse_curve_x(Y0, np.eye(2), np.zeros((2, 2)), np.asarray(0.0))
    np.testing.assert_allclose(got, np.diag([-0.25, -0.0625]), rtol=1e-15)
    # the x² term: ∂Y/∂x = Y1 + 2x Y2
    x = np.asarray(0.5)
    Y1, Y2 = np.array([[0.0, 1.0], [0.0, 0.0]]), np.array([[1.0, 0.0], [0.0, 0.0]])
    Y = Y0 + x * Y1 + x**2 * Y2
    Yinv = np.linalg.inv(Y)
    np.testing.assert_allclose(ci.jac_inverse_curve_x(Y0, Y1, Y2, x), -Yinv @ (Y1 + 2 * x * Y2) @ Yinv, rtol=1e-14)
    np.testing.assert_allclose(ci.jac_inverse_curve_x(Y0, Y1, Y2, x),
                               jacobian(ci.inverse_curve, Y0, Y1, Y2, x, argnums=3), rtol=1e-13)


def test_scalar_functions_of_the_inverse_exact_values():
    # CB-62: det(X⁻¹) = −1/3, so −det(X⁻¹) X⁻ᵀ = X⁻ᵀ/3
    np.testing.assert_allclose(ci.det_inv(X2), -1 / 3, rtol=1e-15)
    np.testing.assert_allclose(ci.grad_det_inv_X(X2), X2_INV.T / 3, rtol=1e-14)
    # CB-63 with A = B = I is ∂Tr(X⁻¹)/∂X = −X⁻²ᵀ; and CB-64 is the same at X + A
    np.testing.assert_allclose(ci.grad_trace_A_inv_B_X(np.eye(2), X2, np.eye(2)), -(X2_INV @ X2_INV).T, rtol=1e-14)
    np.testing.assert_allclose(ci.grad_trace_inv_X_plus_A_X(X2 - np.eye(2), np.eye(2)), -(X2_INV @ X2_INV).T,
                               rtol=1e-14)
    # CB-63 non-square A (1 × 2), B (2 × 1): −(X⁻¹ B A X⁻¹)ᵀ
    A, B = np.array([[1.0, 2.0]]), np.array([[0.0], [1.0]])
    np.testing.assert_allclose(ci.grad_trace_A_inv_B_X(A, X2, B), -(X2_INV @ B @ A @ X2_INV).T, rtol=1e-14)
    assert ci.trace_A_inv_B(A, X2, B) == pytest.approx((A @ X2_INV @ B).item())


def test_cb64u_chain_through_W_is_the_gradient_of_J():
    rng = np.random.default_rng(3)
    A = rng.standard_normal((3, 3)) + 3 * np.eye(3)
    a, b = rng.standard_normal(3), rng.standard_normal(3)
    W = np.linalg.inv(A)
    dJ_dW = np.outer(a, b) + 2 * W.T  # the gradient of J(W) = aᵀWb + Tr(W²) as a function of W
    expected = -np.linalg.inv(A).T @ dJ_dW @ np.linalg.inv(A).T
    np.testing.assert_allclose(ci.grad_inverse_objective_A(a, A, b), expected, rtol=1e-13)
    np.testing.assert_allclose(ci.grad_inverse_objective_A(a, A, b),
                               gradient(ci.inverse_objective, a, A, b, argnums=1), rtol=1e-12)
    assert ci.inverse_objective(a, A, b) == pytest.approx(a @ W @ b + np.trace(W @ W))
    # the general rule is the backward pass of the inverse: any upstream gradient ct
    ct = rng.standard_normal((3, 3))
    np.testing.assert_allclose(ci.vjp_inv_A(A, ct), gradient(lambda M: (ct * mx.inv(M)).sum(), A), rtol=1e-12)


# --- §2.3 eigenvalues ---------------------------------------------------------------------------------------

ROTATION = np.array([[0.0, -2.0], [0.5, 1.0]])  # eigenvalues (1 ± i√3)/2: a complex pair


def test_sum_and_product_of_complex_eigenvalues_are_trace_and_det():
    assert np.iscomplexobj(np.linalg.eigvals(ROTATION))
    assert ci.sum_eig(ROTATION) == pytest.approx(1.0) == ci.trace(ROTATION)
    assert ci.prod_eig(ROTATION) == pytest.approx(1.0) == pytest.approx(np.linalg.det(ROTATION))
    np.testing.assert_array_equal(ci.grad_sum_eig_X(ROTATION), np.eye(2))
    np.testing.assert_allclose(gradient(ci.sum_eig, ROTATION), np.eye(2), atol=1e-14)
    np.testing.assert_allclose(gradient(ci.prod_eig, ROTATION), mx.grad_det_X(ROTATION), rtol=1e-12, atol=1e-14)


def test_symmetric_eigenvalue_and_eigenvector_derivatives_exact_values():
    A = np.diag([1.0, 3.0])
    t = np.array([[0.5, 2.0], [2.0, -1.0]])
    np.testing.assert_array_equal(ci.jvp_eigenvalues_symmetric_A(A, t), [0.5, -1.0])  # the diagonal of t
    # ∂v₁ = (1·I − A)⁺ t e₁ = diag(0, −1/2)(0.5, 2) = (0, −1); ∂v₂ = diag(1/2, 0)(2, −1) = (1, 0)
    np.testing.assert_allclose(ci.jvp_eigenvectors_symmetric_A(A, t), [[0.0, 1.0], [-1.0, 0.0]], atol=1e-15)


def test_eigenvector_derivative_is_the_pseudo_inverse_formula_and_agrees_with_jax():
    rng = np.random.default_rng(0)
    A = _random_symmetric(rng, 4)
    t = rng.standard_normal((4, 4))
    ts = (t + t.T) / 2
    lam, V = np.linalg.eigh(A)
    V = ci.eigenvectors_symmetric(A)
    dV = ci.jvp_eigenvectors_symmetric_A(A, t)
    for i in range(4):
        column = np.linalg.pinv(lam[i] * np.eye(4) - A) @ ts @ V[:, i]  # the Cookbook's (68) with NumPy's pinv
        np.testing.assert_allclose(dV[:, i], column, rtol=1e-10, atol=1e-13)
        assert abs(V[:, i] @ dV[:, i]) < 1e-13  # the unit eigenvector's derivative is orthogonal to it
    np.testing.assert_allclose(dV, jvp(ci.eigenvectors_symmetric, (A,), (t,))[1], rtol=1e-10, atol=1e-13)
    np.testing.assert_allclose(ci.jvp_eigenvalues_symmetric_A(A, t), jvp(ci.eigenvalues_symmetric, (A,), (t,))[1],
                               rtol=1e-12)
    np.testing.assert_allclose(ci.jvp_eigenvalues_symmetric_A(A, t), np.einsum("ki,kl,li->i", V, ts, V), rtol=1e-12)
    # only the direction's symmetric part acts (the Cookbook's ∂A is symmetric; the primal symmetrizes A)
    np.testing.assert_allclose(ci.jvp_eigenvectors_symmetric_A(A, t), ci.jvp_eigenvectors_symmetric_A(A, ts))


def test_eigenvector_sign_convention_and_that_the_sign_does_not_change_the_derivative():
    rng = np.random.default_rng(1)
    A = _random_symmetric(rng, 3)
    V = ci.eigenvectors_symmetric(A)
    top = np.argmax(np.abs(V), axis=0)
    assert np.all(V[top, np.arange(3)] > 0)  # the entry of largest magnitude of each column is positive
    np.testing.assert_allclose(np.abs(V), np.abs(np.linalg.eigh(A)[1]), rtol=1e-12)
    # (68) is linear in vᵢ: flipping vᵢ flips ∂vᵢ, so the same formula holds for either sign
    t = rng.standard_normal((3, 3))
    ts = (t + t.T) / 2
    lam = np.linalg.eigvalsh(A)
    dV = ci.jvp_eigenvectors_symmetric_A(A, t)
    for i in range(3):
        flipped = np.linalg.pinv(lam[i] * np.eye(3) - A) @ ts @ (-V[:, i])
        np.testing.assert_allclose(flipped, -dV[:, i], rtol=1e-10, atol=1e-13)
    # JAX's eigh JVP of the raw eigenvectors (whatever their signs) is the same, column signs aside
    with x64():
        raw_V, raw_dV = jax.jvp(lambda M: jnp.linalg.eigh(M)[1], (jnp.asarray(A),), (jnp.asarray(ts),))
    signs = np.sign(np.sum(np.asarray(raw_V) * V, axis=0))
    np.testing.assert_allclose(np.asarray(raw_dV) * signs, dV, rtol=1e-10, atol=1e-13)


def test_sign_convention_on_a_tie_takes_the_first_entry():
    # eigenvectors of [[0, 1], [1, 0]] are (1, −1)/√2 and (1, 1)/√2: for λ = −1 both entries tie in magnitude
    # with opposite signs; the first (argmax's) is made positive. eigh (NumPy, JAX) returns (−1, 1)/√2 there.
    A = np.array([[0.0, 1.0], [1.0, 0.0]])
    V = ci.eigenvectors_symmetric(A)
    np.testing.assert_allclose(V, np.array([[1.0, 1.0], [-1.0, 1.0]]) / np.sqrt(2), rtol=1e-15)
    t = np.array([[1.0, 0.0], [0.0, 0.0]])
    # the derivative there is that of the branch the rule picks, which JAX differentiates too
    np.testing.assert_allclose(ci.jvp_eigenvectors_symmetric_A(A, t), jvp(ci.eigenvectors_symmetric, (A,), (t,))[1],
                               atol=1e-15)


def test_repeated_eigenvalue_conventions():
    """At a repeated eigenvalue neither (67) nor (68) is a derivative; what the closed forms return is pinned."""
    # (67) at A = I with direction [[0, 1], [1, 0]]: the eigenvalues of I + s·t are 1 ∓ s (one-sided slopes ∓1).
    # The closed form returns vᵢᵀ t vᵢ for eigh's eigenvectors (e₁, e₂), i.e. 0 and 0; JAX's eigh JVP the same.
    eye, t = np.eye(2), np.array([[0.0, 1.0], [1.0, 0.0]])
    np.testing.assert_array_equal(ci.jvp_eigenvalues_symmetric_A(eye, t), [0.0, 0.0])
    np.testing.assert_array_equal(jvp(ci.eigenvalues_symmetric, (eye,), (t,))[1], [0.0, 0.0])
    # (68) at A = diag(1, 1, 3): the pseudo-inverse drops the repeated eigenspace, so the closed form is finite
    # and equals the Cookbook's formula with NumPy's pinv; JAX's eigh JVP divides by 0 there (inf/NaN).
    A = np.diag([1.0, 1.0, 3.0])
    t = np.array([[0.0, 1.0, 2.0], [1.0, 0.0, -1.0], [2.0, -1.0, 0.0]])
    dV = ci.jvp_eigenvectors_symmetric_A(A, t)
    V = ci.eigenvectors_symmetric(A)
    assert np.all(np.isfinite(dV))
    for i, lam in enumerate((1.0, 1.0, 3.0)):
        np.testing.assert_allclose(dV[:, i], np.linalg.pinv(lam * np.eye(3) - A) @ t @ V[:, i], atol=1e-15)
    with np.errstate(all="ignore"):
        jax_dV = jvp(ci.eigenvectors_symmetric, (A,), (t,))[1]
    assert not np.all(np.isfinite(jax_dV))


# --- bad input ---------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("call", "exc", "text"),
    [
        (lambda: ci.grad_det_inv_X(np.array([[1.0, 2.0], [2.0, 4.0]])), ValueError,
         "X: the rule needs an invertible matrix"),
        (lambda: ci.grad_trace_A_inv_B_X(np.ones((2, 3)), np.eye(3), np.ones((3, 3))), ValueError,
         "Tr(AX⁻¹B) needs AX⁻¹B square"),
        (lambda: ci.grad_trace_inv_X_plus_A_X(np.eye(2), -np.eye(2)), ValueError,
         "X + A: the rule needs an invertible"),
        (lambda: ci.grad_trace_inv_X_plus_A_X(np.eye(2), np.eye(3)), ValueError,
         "A: expected shape (2, 2) (shaped like X)"),
        (lambda: ci.jac_inverse_curve_x(np.eye(2), np.eye(2), np.eye(2), np.ones(1)), ValueError,
         "x: expected a scalar x"),
        (lambda: ci.vjp_inv_A(np.eye(2), np.ones((2, 3))), ValueError, "ct: expected shape (2, 2)"),
        (lambda: ci.jvp_eigenvalues_symmetric_A(np.array([[1.0, 2.0], [0.0, 1.0]]), np.eye(2)), ValueError,
         "A: the symmetric eigenvalue rule assumes a symmetric A"),
        (lambda: ci.jvp_eigenvectors_symmetric_A(np.eye(2), np.eye(3)), ValueError, "t: expected shape (2, 2)"),
        (lambda: ci.sum_eig(np.ones((2, 3))), ValueError, "X: expected a square matrix"),
        (lambda: ci.grad_inverse_objective_A(np.ones(3), np.eye(2), np.ones(2)), ValueError,
         "a (shape (3,)) and A (shape (2, 2)) do not compose"),
    ],
)
def test_bad_input_is_explained(call, exc, text):
    with pytest.raises(exc) as info:
        call()
    assert text in str(info.value)


# --- the records can fail: a wrong closed form is caught ---------------------------------------------------


def _vjp_inv_transposed(A, ct):
    """A plausible slip: −A⁻¹ ct A⁻¹ (the transposes dropped)."""
    return ci.vjp_inv_A(A.T, ct)


def _eigenvector_jvp_wrong_sign(A, t):
    """A plausible slip: (A − λᵢI)⁺ instead of (λᵢI − A)⁺."""
    return -ci.jvp_eigenvectors_symmetric_A(A, t)


@pytest.mark.parametrize(("name", "wrong"), [("vjp_inv_A", _vjp_inv_transposed),
                                              ("jvp_eigenvectors_symmetric_A", _eigenvector_jvp_wrong_sign)])
def test_verify_rejects_a_wrong_closed_form(name, wrong):
    import dataclasses

    from chainrule.reference.catalog import by_name
    from chainrule.reference.catalog.verify import verify_rule

    good = by_name(name)
    assert verify_rule(good, trials=20).ok
    bad = dataclasses.replace(good, name=f"wrong_{name}", derivative=wrong)
    result = verify_rule(bad, trials=20)
    assert not result.ok, result
