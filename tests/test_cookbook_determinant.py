"""chainrule.analytic.cookbook_determinant: the Matrix Cookbook §2.1, derivatives of a determinant (46)–(58).

Exact small cases (hand-computed), the readings the catalog's domains leave out (an indefinite symmetric A in
(53), non-square A, B in (51)), and bad input. Backends and dtypes: tests/test_catalog.py, catalog-wide.
"""

from __future__ import annotations

import jax
import jax.numpy as jnp
import numpy as np
import pytest

from chainrule.analytic import cookbook_determinant as cdet
from chainrule.analytic import cookbook_differentials as cd
from chainrule.analytic import matrix as mx
from chainrule.reference.autodiff import gradient, x64

X2 = np.array([[1.0, 2.0], [3.0, 4.0]])  # det −2


# --- §2.1.1 general form ---------------------------------------------------------------------------------------


def test_cofactor_identity_at_a_hand_computed_2x2():
    """(47): ∂det X/∂X · Xᵀ = det(X) I. For X = [[1, 2], [3, 4]] the cofactors are [[4, −3], [−2, 1]]."""
    G = cdet.grad_det_cofactor_X(X2)
    np.testing.assert_allclose(G, [[4.0, -3.0], [-2.0, 1.0]], rtol=1e-14)
    np.testing.assert_allclose(G @ X2.T, -2.0 * np.eye(2), atol=1e-14)  # Σ_k ∂det X/∂X_ik X_jk = δ_ij det X
    np.testing.assert_allclose(gradient(jnp.linalg.det, X2) @ X2.T, -2.0 * np.eye(2), atol=1e-14)  # JAX's too
    np.testing.assert_allclose(G, mx.grad_det_X(X2), rtol=1e-14)  # = (49) where X is invertible


def test_cofactor_identity_holds_at_singular_matrices_where_49_does_not_apply():
    S = np.array([[1.0, 2.0], [2.0, 4.0]])  # rank 1: det 0, cofactors [[4, −2], [−2, 1]]
    G = cdet.grad_det_cofactor_X(S)
    np.testing.assert_allclose(G, [[4.0, -2.0], [-2.0, 1.0]], rtol=1e-14)
    np.testing.assert_allclose(G @ S.T, np.zeros((2, 2)), atol=1e-14)
    np.testing.assert_allclose(gradient(jnp.linalg.det, S), G, atol=1e-13)  # JAX's gradient there: the same
    with pytest.raises(ValueError, match="singular to working precision"):
        mx.grad_det_X(S)
    np.testing.assert_array_equal(cdet.grad_det_cofactor_X(np.array([[5.0]])), [[1.0]])  # n = 1: d(x)/dx


def test_curve_first_and_second_derivative_by_hand():
    """Y(x) = I + x diag(1, 2) + x² diag(1, 0): det Y = (1 + x + x²)(1 + 2x) = 1 + 3x + 3x² + 2x³,
    so d/dx = 3 + 6x + 6x² and d²/dx² = 6 + 12x; at x = 0.5: 7.5 and 12."""
    args = (np.eye(2), np.diag([1.0, 2.0]), np.diag([1.0, 0.0]), np.asarray(0.5))
    assert cdet.det_curve(*args) == pytest.approx(1 + 1.5 + 0.75 + 0.25)
    assert cdet.grad_det_curve_x(*args) == pytest.approx(7.5, rel=1e-14)
    assert cdet.hess_det_curve_x(*args) == pytest.approx(12.0, rel=1e-14)


def test_second_derivative_needs_both_the_square_of_the_trace_and_the_trace_of_the_square():
    rng = np.random.default_rng(0)
    Y0, Y1, Y2 = 3 * np.eye(3) + rng.standard_normal((3, 3)), rng.standard_normal((3, 3)), rng.standard_normal((3, 3))
    x = np.asarray(0.3)
    with x64():
        want = float(jax.hessian(cdet.det_curve, argnums=3)(*map(jnp.asarray, (Y0, Y1, Y2, x))))
    assert cdet.hess_det_curve_x(Y0, Y1, Y2, x) == pytest.approx(want, rel=1e-12)
    Y = Y0 + x * Y1 + x * x * Y2
    M = np.linalg.solve(Y, Y1 + 2 * x * Y2)
    # the two terms really differ for n > 1: writing Tr(M²) for Tr(M)² (or the reverse) would be far off
    assert abs(np.linalg.det(Y) * (np.trace(M) ** 2 - np.trace(M @ M))) > 0.5 * abs(want)


# --- §2.1.2, §2.1.3 linear and square forms ----------------------------------------------------------------------


def test_linear_and_square_forms_exact_values():
    # (51) 1 × 1: det(axb) = abx, derivative ab = det(AXB)/x
    np.testing.assert_allclose(cdet.grad_det_AXB_X(np.array([[2.0]]), np.array([[4.0]]), np.array([[3.0]])),
                               [[6.0]], rtol=1e-15)
    # (52): det(XᵀAX) = det(X)² det(A); X = diag(1, 2), A = diag(3, 5): 4·15 = 60, gradient 2·60·X⁻ᵀ
    X, A = np.diag([1.0, 2.0]), np.diag([3.0, 5.0])
    np.testing.assert_allclose(cdet.grad_det_XtAX_square_X(A, X), 120.0 * np.diag([1.0, 0.5]), rtol=1e-14)
    # (52) with a singular A: both sides 0
    np.testing.assert_allclose(cdet.grad_det_XtAX_square_X(np.zeros((2, 2)), X), np.zeros((2, 2)), atol=1e-15)


def test_51_for_non_square_A_and_B_needs_the_general_form_the_error_gives():
    rng = np.random.default_rng(1)
    A, X, B = rng.standard_normal((2, 3)), rng.standard_normal((3, 4)), rng.standard_normal((4, 2))
    with pytest.raises(ValueError, match=r"det\(AXB\) Aᵀ\(AXB\)⁻ᵀBᵀ instead"):
        cdet.grad_det_AXB_X(A, X, B)
    M = A @ X @ B  # the error message's general form, against JAX
    general = np.linalg.det(M) * A.T @ np.linalg.inv(M).T @ B.T
    np.testing.assert_allclose(general, gradient(lambda X: jnp.linalg.det(A @ X @ B), X), rtol=1e-12)


def test_53_holds_for_an_indefinite_symmetric_A_and_54_for_any_A():
    rng = np.random.default_rng(2)
    X = rng.standard_normal((4, 2))
    A_sym = np.diag([2.0, -1.0, 0.5, -3.0])  # symmetric, indefinite (the catalog draws SPD)
    want = gradient(cdet.det_XtAX, A_sym, X, argnums=1)
    np.testing.assert_allclose(cdet.grad_det_XtAX_symmetric_X(A_sym, X), want, rtol=1e-12)
    np.testing.assert_allclose(cdet.grad_det_XtAX_X(A_sym, X), want, rtol=1e-12)  # (54) reduces to (53)
    A = rng.standard_normal((4, 4))  # not symmetric
    with pytest.raises(ValueError, match=r"\(53\) assumes a symmetric A.*use grad_det_XtAX_X \(CB-54\)"):
        cdet.grad_det_XtAX_symmetric_X(A, X)
    np.testing.assert_allclose(cdet.grad_det_XtAX_X(A, X), gradient(cdet.det_XtAX, A, X, argnums=1), rtol=1e-12)


# --- §2.1.4 other nonlinear forms --------------------------------------------------------------------------------


def test_log_det_XtX_and_its_derivative_with_respect_to_the_pseudo_inverse():
    x = np.array([[3.0], [4.0]])  # ln det(xᵀx) = ln 25; gradient 2(x⁺)ᵀ = 2x/25
    assert cdet.log_det_XtX(x) == pytest.approx(np.log(25.0))
    np.testing.assert_allclose(cdet.grad_log_det_XtX_X(x), 2 * x / 25, rtol=1e-14)
    rng = np.random.default_rng(3)
    X = rng.standard_normal((4, 2))
    P = np.linalg.pinv(X)  # (56): as a function of P = X⁺, the gradient is −2Xᵀ
    np.testing.assert_allclose(cdet.grad_log_det_XtX_pinv_P(P), -2 * X.T, rtol=1e-12)
    assert cdet.log_det_XtX_pinv(P) == pytest.approx(cdet.log_det_XtX(X), rel=1e-13)
    np.testing.assert_allclose(gradient(cdet.log_det_XtX_pinv, P), -2 * X.T, rtol=1e-10)


def test_det_power_exact_values_and_k_1_is_49():
    np.testing.assert_allclose(cdet.grad_det_power_X(np.array([[2.0]]), k=3), [[12.0]], rtol=1e-15)  # 3x² at 2
    np.testing.assert_allclose(cdet.grad_det_power_X(X2, k=1), mx.grad_det_X(X2), rtol=1e-14)
    # det(X³) = det(X)³ = −8, so k det(Xᵏ) X⁻ᵀ = −24 X⁻ᵀ
    np.testing.assert_allclose(cdet.grad_det_power_X(X2, k=3), -24.0 * np.linalg.inv(X2).T, rtol=1e-13)


# --- bad input ---------------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("call", "exc", "text"),
    [
        (lambda: cdet.grad_det_power_X(X2, k=0), ValueError, "k: expected an integer power k ≥ 1"),
        (lambda: cdet.grad_det_power_X(X2, k=2.0), TypeError, "k: expected an int power k ≥ 1, got float 2.0"),
        (lambda: cdet.grad_log_det_XtX_X(np.ones((2, 3))), ValueError,
         "X: expected a full-column-rank matrix (rows ≥ columns), got shape (2, 3)"),
        (lambda: cdet.grad_log_det_XtX_X(np.ones((3, 2))), ValueError, "XᵀX: the rule needs an invertible matrix"),
        (lambda: cdet.grad_log_det_XtX_pinv_P(np.ones((3, 2))), ValueError, "P: expected P = X⁺ of full row rank"),
        (lambda: cdet.grad_det_curve_x(np.eye(2), np.eye(3), np.eye(2), 0.5), ValueError,
         "Y1: expected the shape of Y0, (2, 2), got (3, 3)"),
        (lambda: cdet.grad_det_curve_x(np.eye(2), np.eye(2), np.eye(2), np.ones(2)), ValueError,
         "x: expected a scalar x, the curve's parameter"),
        (lambda: cdet.grad_det_curve_x(np.eye(2), -np.eye(2), np.zeros((2, 2)), 1.0), ValueError,
         "Y(x): the rule needs an invertible matrix"),
        (lambda: cdet.grad_det_XtAX_X(np.eye(3), np.ones((2, 2))), ValueError,
         "A (shape (3, 3)) and X (shape (2, 2)) do not compose"),
        (lambda: cdet.grad_det_cofactor_X(np.ones((2, 3))), ValueError, "X: expected a square matrix (n, n)"),
        (lambda: cd.determinant(np.ones(3)), ValueError, "X: expected a square matrix X of shape (n, n)"),
    ],
)
def test_bad_input_is_explained(call, exc, text):
    with pytest.raises(exc) as info:
        call()
    assert text in str(info.value)
