"""chainrule.analytic.matrix: Matrix Cookbook identities, exact values, layout, and bad input.

Backends and dtypes: tests/test_catalog.py, catalog-wide.
"""

from __future__ import annotations

import numpy as np
import pytest

from chainrule.analytic import matrix as mx
from chainrule.reference.autodiff import gradient, jacobian, jvp

A23 = np.array([[1.0, 2.0, 0.0], [-1.0, 0.5, 3.0]])
X2 = np.array([[2.0, 1.0], [1.0, -1.0]])  # det = −3, X⁻¹ = [[1, 1], [1, −2]] / 3


# --- exact values ----------------------------------------------------------------------------------------


def test_linear_and_quadratic_forms_exact_values():
    np.testing.assert_array_equal(mx.grad_inner_x(np.array([3.0, -1.0]), np.zeros(2)), [3.0, -1.0])
    np.testing.assert_array_equal(mx.jac_matvec_x(A23, np.ones(3)), A23)  # (m, n): numerator layout
    np.testing.assert_array_equal(mx.grad_bilinear_X(np.array([1.0, 2.0]), A23, np.array([1.0, 0.0, -1.0])),
                                  [[1.0, 0.0, -1.0], [2.0, 0.0, -2.0]])
    A = np.array([[1.0, 2.0], [0.0, 3.0]])  # not symmetric: A + Aᵀ = [[2, 2], [2, 6]]
    np.testing.assert_array_equal(mx.grad_quadratic_form_x(A, np.array([1.0, 1.0])), [4.0, 8.0])
    np.testing.assert_array_equal(mx.grad_squared_residual_x(A23, np.ones(3), np.array([3.0, 2.5])),
                                  2 * A23.T @ np.array([0.0, 0.0]))
    np.testing.assert_array_equal(mx.grad_squared_residual_x(A23, np.zeros(3), np.array([1.0, 0.0])),
                                  [-2.0, -4.0, 0.0])


def test_trace_gradients_are_shaped_like_X_and_transposed_where_the_cookbook_says():
    A = np.array([[1.0, 2.0, 3.0]])  # (1, 3): tr(AX) needs X (3, 1)
    G = mx.grad_trace_AX_X(A, np.zeros((3, 1)))
    assert G.shape == (3, 1)
    np.testing.assert_array_equal(G, A.T)  # Aᵀ, not A: the classic layout slip
    B = np.array([[1.0], [0.0]])  # tr(A X B) with A (1, 3), X (3, 2), B (2, 1)
    np.testing.assert_array_equal(mx.grad_trace_AXB_X(A, np.zeros((3, 2)), B), A.T @ B.T)
    S = np.array([[0.0, 1.0], [0.0, 0.0]])
    np.testing.assert_array_equal(mx.grad_trace_XtAX_X(S, np.eye(2)), S + S.T)
    np.testing.assert_array_equal(mx.grad_frobenius_sq_X(A23), 2 * A23)


def test_determinant_and_inverse_exact_values():
    Xinv = np.array([[1.0, 1.0], [1.0, -2.0]]) / 3
    np.testing.assert_allclose(mx.inv(X2), Xinv, rtol=1e-15)
    np.testing.assert_allclose(mx.grad_log_abs_det_X(X2), Xinv.T, rtol=1e-15)  # det < 0 is fine: log|det|
    np.testing.assert_allclose(mx.grad_det_X(X2), -3.0 * Xinv.T, rtol=1e-14)
    T = np.array([[0.0, 1.0], [0.0, 0.0]])
    np.testing.assert_allclose(mx.jvp_inv_X(X2, T), -Xinv @ T @ Xinv, rtol=1e-15)
    J = mx.jac_inv_X(X2)
    assert J.shape == (2, 2, 2, 2)  # out.shape + in.shape
    # ∂(X⁻¹)_kl/∂X_ij = −(X⁻¹)_ki (X⁻¹)_jl, e.g. k, l, i, j = 0, 1, 1, 0
    assert J[0, 1, 1, 0] == pytest.approx(-Xinv[0, 1] * Xinv[0, 1])
    # the full Jacobian contracted with T is the directional derivative
    np.testing.assert_allclose(np.tensordot(J, T, axes=2), mx.jvp_inv_X(X2, T), rtol=1e-14)
    a, b = np.array([1.0, 0.0]), np.array([0.0, 1.0])
    np.testing.assert_allclose(mx.grad_inverse_bilinear_X(a, X2, b), -Xinv.T @ np.outer(a, b) @ Xinv.T, rtol=1e-14)


def test_cookbook_identities_match_autodiff_at_a_random_point():
    rng = np.random.default_rng(4)
    X = rng.standard_normal((4, 4)) + 4 * np.eye(4)
    T, a, b = rng.standard_normal((4, 4)), rng.standard_normal(4), rng.standard_normal(4)
    np.testing.assert_allclose(mx.grad_det_X(X), gradient(mx.det, X), rtol=1e-12)
    np.testing.assert_allclose(mx.grad_log_abs_det_X(X), gradient(mx.log_abs_det, X), rtol=1e-12)
    np.testing.assert_allclose(mx.jac_inv_X(X), jacobian(mx.inv, X), rtol=1e-12, atol=1e-15)
    np.testing.assert_allclose(mx.jvp_inv_X(X, T), jvp(mx.inv, (X,), (T,))[1], rtol=1e-12, atol=1e-15)
    np.testing.assert_allclose(mx.grad_inverse_bilinear_X(a, X, b),
                               gradient(mx.inverse_bilinear, a, X, b, argnums=1), rtol=1e-12, atol=1e-15)


# --- bad input -----------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("call", "exc", "text"),
    [
        (lambda: mx.grad_log_abs_det_X(np.array([[1.0, 2.0], [2.0, 4.0]])), ValueError,
         "X: the rule needs an invertible matrix, but X is singular to working precision"),
        (lambda: mx.grad_det_X(np.ones((2, 3))), ValueError, "X: expected a square matrix (n, n), got shape (2, 3)"),
        (lambda: mx.jvp_inv_X(np.eye(2), np.ones((3, 3))), ValueError, "t: expected a direction shaped like X"),
        (lambda: mx.grad_trace_AX_X(np.ones((2, 3)), np.ones((2, 3))), ValueError,
         "tr(AX) needs A (n, m) and X (m, n)"),
        (lambda: mx.grad_trace_AXB_X(np.ones((2, 3)), np.ones((3, 4)), np.ones((4, 3))), ValueError,
         "tr(AXB) needs AXB square"),
        (lambda: mx.jac_matvec_x(np.ones((2, 3)), np.ones(2)), ValueError,
         "A (shape (2, 3)) and x (shape (2,)) do not compose"),
        (lambda: mx.grad_quadratic_form_x(np.ones((2, 3)), np.ones(3)), ValueError, "A: expected a square matrix"),
        (lambda: mx.grad_frobenius_sq_X(np.ones(3)), ValueError, "X: expected a matrix X of shape (m, n)"),
        (lambda: mx.grad_inner_x(np.ones(2), np.ones(2, dtype=bool)), TypeError, "x: expected a real floating array"),
    ],
)
def test_bad_input_is_explained(call, exc, text):
    with pytest.raises(exc) as info:
        call()
    assert text in str(info.value)


# --- the "jvp" reference kind can fail: a wrong directional derivative is caught ---------------------------


def _jvp_inv_transposed(X, t):
    """A plausible slip: −X⁻¹ Tᵀ X⁻¹ (the direction transposed)."""
    return mx.jvp_inv_X(X, t.T)


def _jvp_inv_sign(X, t):
    return -mx.jvp_inv_X(X, t)


@pytest.mark.parametrize("wrong", [_jvp_inv_transposed, _jvp_inv_sign])
def test_verify_rejects_a_wrong_directional_derivative(wrong):
    from chainrule.reference.catalog import Arg, Rule, by_name
    from chainrule.reference.catalog.verify import verify_rule

    good = by_name("jvp_inv_X")
    assert verify_rule(good, trials=20).ok
    bad = Rule(f"wrong_{wrong.__name__}", "CB-40", "cookbook", "test", mx.inv, wrong,
               (Arg("X", ("n", "n"), "well_conditioned"), Arg("t", ("n", "n"))), "X", ({"n": 3},),
               origin="extension", reference="jvp")
    result = verify_rule(bad, trials=20)
    assert not result.ok
    assert "jax.jvp" in result.message or "jacrev" in result.message
