"""chainrule.analytic.cookbook_forms and cookbook_forms_higher (Matrix Cookbook §2.4, CB-71 … CB-97):
exact values, the layouts of the entry and single-entry forms, the two errata (CB-89, CB-92), bad input.

Random draws against JAX in float64 and float32: tests/test_catalog.py, catalog-wide.
"""

from __future__ import annotations

from functools import partial

import numpy as np
import pytest

from chainrule.analytic import cookbook_forms as cf
from chainrule.analytic import cookbook_forms_higher as ch
from chainrule.reference.autodiff import gradient, jacobian, x64

X23 = np.array([[1.0, 2.0, 0.0], [-1.0, 0.5, 3.0]])
#: COOKBOOK.md §3's CB-92 counterexample, with exact numbers: X 2 × 2, a = e₁, b = e₂, n = 1.
X2 = np.array([[1.0, 2.0], [3.0, 4.0]])
E1, E2 = np.array([1.0, 0.0]), np.array([0.0, 1.0])


# --- §2.4.1 First order --------------------------------------------------------------------------------


def test_first_order_exact_values():
    a, b = np.array([1.0, 0.0, -1.0]), np.array([2.0, 3.0])
    np.testing.assert_array_equal(cf.grad_bilinear_transposed_X(a, X23, b), np.outer(b, a))  # baᵀ, not abᵀ
    assert cf.bilinear_transposed(a, X23, b) == b @ X23 @ a
    a2 = np.array([1.0, -2.0])
    S = np.array([[0.0, 1.0], [0.0, 0.0]])
    assert cf.bilinear_aa(a2, S) == cf.bilinear_transposed_aa(a2, S) == -2.0  # a scalar is its own transpose
    np.testing.assert_array_equal(cf.grad_bilinear_aa_X(a2, S), [[1.0, -2.0], [-2.0, 4.0]])


def test_single_entry_jacobian_is_the_stack_of_the_J_ij():
    J = cf.jac_identity_map_X(X23)
    assert J.shape == (2, 3, 2, 3)  # out.shape + in.shape
    for i in range(2):
        for j in range(3):
            single = np.zeros((2, 3))
            single[i, j] = 1.0
            np.testing.assert_array_equal(J[..., i, j], single)  # ∂X/∂X_ij = J^ij, shaped like X
    np.testing.assert_array_equal(J, jacobian(cf.identity_map, X23))


def test_entry_forms_of_XA_and_XtA():
    A = np.array([[1.0, 2.0], [3.0, 4.0], [5.0, 6.0]])  # (3, 2): XA with X (2, 3)
    J = cf.jac_product_XA_X(X23, A)
    assert J.shape == (2, 2, 2, 3)
    assert J[1, 0, 1, 2] == A[2, 0] and J[0, 0, 1, 2] == 0.0  # δ_im A_nj
    np.testing.assert_array_equal(J, jacobian(cf.product_XA, X23, A))
    B = np.array([[1.0], [-2.0]])  # (2, 1): XᵀB with X (2, 3)
    K = cf.jac_product_XtA_X(X23, B)
    assert K.shape == (3, 1, 2, 3)
    assert K[2, 0, 1, 2] == B[1, 0] and K[1, 0, 1, 2] == 0.0  # δ_in A_mj
    np.testing.assert_array_equal(K, jacobian(cf.product_XtA, X23, B))


# --- §2.4.2 Second order -------------------------------------------------------------------------------


def test_second_order_exact_values():
    np.testing.assert_array_equal(cf.grad_squared_sum_X(X23), np.full((2, 3), 2 * 5.5))
    b, c = np.array([1.0, 0.0, 0.0]), np.array([0.0, 0.0, 1.0])
    np.testing.assert_array_equal(cf.grad_bilinear_gram_X(b, X23, c), X23 @ (np.outer(b, c) + np.outer(c, b)))
    D = np.array([[0.0, 1.0], [0.0, 0.0]])  # not symmetric: Dᵀ and D both appear
    np.testing.assert_array_equal(cf.grad_bilinear_weighted_gram_X(b, X23, D, c),
                                  D.T @ X23 @ np.outer(b, c) + D @ X23 @ np.outer(c, b))
    r = X23 @ b + np.array([1.0, 1.0])
    np.testing.assert_array_equal(cf.grad_affine_quadratic_X(X23, b, np.ones(2), D), np.outer((D + D.T) @ r, b))


def test_affine_bilinear_reduces_to_the_quadratic_form():
    C = np.array([[1.0, 2.0], [0.0, 3.0]])
    x, eye, z = np.array([1.0, -1.0]), np.eye(2), np.zeros(2)
    np.testing.assert_array_equal(cf.grad_affine_bilinear_x(eye, z, C, eye, z, x), (C + C.T) @ x)  # CB-81


def test_the_two_congruence_jacobians_agree_with_jax():
    B = np.array([[1.0, 2.0], [0.0, -1.0]])  # not symmetric
    J = cf.jac_congruence_X(X23, B)
    assert J.shape == (3, 3, 2, 3)
    np.testing.assert_array_equal(J, cf.jac_congruence_X_from_single_entries(X23, B))  # CB-79 = CB-80
    np.testing.assert_allclose(J, jacobian(cf.congruence, X23, B), rtol=1e-15)


def test_weighted_least_squares_exact_values():
    x, A, s = np.array([1.0, 2.0]), np.array([[1.0], [1.0]]), np.array([1.0])
    W = np.array([[2.0, 1.0], [1.0, 3.0]])
    r = x - A @ s  # (0, 1)
    np.testing.assert_array_equal(cf.grad_weighted_residual_s(x, A, s, W), -2 * A.T @ W @ r)  # [−8]
    np.testing.assert_array_equal(cf.grad_weighted_residual_x(x, A, s, W), 2 * W @ r)
    np.testing.assert_array_equal(cf.grad_weighted_residual_A(x, A, s, W), -2 * np.outer(W @ r, s))
    np.testing.assert_array_equal(cf.grad_weighted_difference_x(x, np.zeros(2), W), 2 * W @ x)
    np.testing.assert_array_equal(cf.grad_weighted_difference_s(x, np.zeros(2), W), -2 * W @ x)


def test_a_non_symmetric_W_is_rejected_because_the_rows_assume_symmetry():
    """CB-84 … CB-88 hold for symmetric W only; for another W the factor 2W is really W + Wᵀ (JAX says so)."""
    x, A, s = np.array([1.0, 2.0]), np.eye(2), np.zeros(2)
    W = np.array([[0.0, 1.0], [0.0, 0.0]])
    with pytest.raises(ValueError, match=r"W: CB-84 assumes a symmetric W, but max\|W − Wᵀ\| = 1"):
        cf.grad_weighted_residual_s(x, A, s, W)
    with pytest.raises(ValueError, match="CB-85 assumes a symmetric W"):
        cf.grad_weighted_difference_x(x, s, W)
    np.testing.assert_allclose(gradient(cf.weighted_residual, x, A, s, W, argnums=2), -A.T @ (W + W.T) @ x)
    sym = (W + W.T) / 2  # the part the quadratic form sees: the advice in the message
    np.testing.assert_allclose(cf.grad_weighted_residual_s(x, A, s, sym), -A.T @ (W + W.T) @ x)


# --- CB-89 The complex LMS cost ([E]) ---------------------------------------------------------------------


def test_lms_gradient_is_the_complex_gradient_233():
    """∇ₓ|a − xᴴb|² = −2b(a − xᴴb)*, with ∇ = ∂/∂ℜx + i ∂/∂ℑx, checked in complex arithmetic."""
    rng = np.random.default_rng(3)
    a = complex(*rng.standard_normal(2))
    x, b = rng.standard_normal(3) + 1j * rng.standard_normal(3), rng.standard_normal(3) + 1j * rng.standard_normal(3)
    parts = (np.asarray(a.real), np.asarray(a.imag), x.real, x.imag, b.real, b.imag)
    e = a - np.vdot(x, b)  # vdot conjugates its first argument: xᴴb
    assert ch.lms_cost(*parts) == pytest.approx(abs(e) ** 2, rel=1e-14)
    nabla = ch.grad_lms_cost_xr(*parts) + 1j * ch.grad_lms_cost_xi(*parts)
    np.testing.assert_allclose(nabla, -2 * b * np.conj(e), rtol=1e-14)
    jax_nabla = gradient(ch.lms_cost, *parts, argnums=2) + 1j * gradient(ch.lms_cost, *parts, argnums=3)
    np.testing.assert_allclose(nabla, jax_nabla, rtol=1e-13)
    square = ch.lms_error_squared(*parts)
    np.testing.assert_allclose(square[0] + 1j * square[1], e**2, rtol=1e-14)


def test_lms_printed_form_fails_at_the_minimal_counterexample():
    """COOKBOOK.md §3: n = 1, a = i, x = 0, b = 1 + i (so a − x*b = i ∉ ℝ). The printed −2b(a − xᴴb)* claims
    ∂(a − xᴴb)²/∂ℜx = −2 + 2i; the truth is −2b(a − xᴴb) = 2 − 2i."""
    parts = (np.asarray(0.0), np.asarray(1.0), np.zeros(1), np.zeros(1), np.ones(1), np.ones(1))
    printed = ch.jac_lms_error_squared_xr_printed(*parts)
    truth = jacobian(ch.lms_error_squared, *parts, argnums=2)
    np.testing.assert_array_equal(printed, [[-2.0], [2.0]])
    np.testing.assert_array_equal(truth, [[2.0], [-2.0]])
    assert "jac_lms_error_squared_xr_printed" not in ch.__all__  # wrong on purpose: not offered to users


def test_lms_real_case_holds_as_printed():
    a, x, b = np.asarray(3.0), np.array([1.0, 0.0]), np.array([2.0, 5.0])
    np.testing.assert_array_equal(ch.grad_real_lms_cost_x(a, x, b), -2 * b * (3.0 - 2.0))
    np.testing.assert_allclose(gradient(ch.real_lms_cost, a, x, b, argnums=1), [-4.0, -10.0])


# --- §2.4.3 Higher order: powers, CB-92's erratum --------------------------------------------------------


def test_power_rules_exact_values():
    X = np.array([[0.0, 1.0], [0.0, 0.0]])  # nilpotent: X² = 0
    J = ch.jac_matrix_power_X(X, 2)  # d(X²) = dX X + X dX
    assert J.shape == (2, 2, 2, 2)
    T = np.array([[1.0, 2.0], [3.0, 4.0]])
    np.testing.assert_array_equal(np.tensordot(J, T, axes=2), T @ X + X @ T)
    np.testing.assert_array_equal(ch.jac_matrix_power_X(X2, 1), cf.jac_identity_map_X(X2))  # n = 1: CB-73
    np.testing.assert_allclose(ch.jac_matrix_power_X(X2, 3), jacobian(partial(ch.matrix_power, n=3), X2))
    a, b = np.array([1.0, 2.0]), np.array([-1.0, 1.0])
    np.testing.assert_array_equal(ch.grad_power_bilinear_X(a, X2, b, 1), np.outer(a, b))  # n = 1: CB-70
    np.testing.assert_allclose(ch.grad_power_bilinear_X(a, X2, b, 3),
                               gradient(partial(ch.power_bilinear, n=3), a, X2, b, argnums=1), rtol=1e-14)


def test_cb92_counterexample_at_n_1_printed_differs_from_the_truth():
    """COOKBOOK.md §3: at n = 1 the truth is CB-77's X(abᵀ + baᵀ); the printed form gives abᵀXᵀ + Xabᵀ.
    They agree on the diagonal and differ off it (here 1 vs 5 and 4 vs 0)."""
    truth = gradient(partial(ch.power_gram, n=1), E1, X2, E2, argnums=1)
    np.testing.assert_array_equal(truth, [[2.0, 1.0], [4.0, 3.0]])
    np.testing.assert_array_equal(ch.grad_power_gram_X(E1, X2, E2, 1), truth)
    np.testing.assert_array_equal(ch.grad_power_gram_X(E1, X2, E2, 1), cf.grad_bilinear_gram_X(E1, X2, E2))
    printed = ch.grad_power_gram_X_printed(E1, X2, E2, 1)
    np.testing.assert_array_equal(printed, np.outer(E1, E2) @ X2.T + X2 @ np.outer(E1, E2))
    np.testing.assert_array_equal(printed, [[2.0, 5.0], [0.0, 3.0]])
    np.testing.assert_array_equal(np.diag(printed), np.diag(truth))
    assert printed[0, 1] != truth[0, 1] and printed[1, 0] != truth[1, 0]
    assert "grad_power_gram_X_printed" not in ch.__all__


def test_cb92_corrected_form_matches_jax_at_n_2_and_3():
    rng = np.random.default_rng(0)
    X, a, b = rng.standard_normal((3, 3)), rng.standard_normal(3), rng.standard_normal(3)
    for n in (2, 3):
        jax_grad = gradient(partial(ch.power_gram, n=n), a, X, b, argnums=1)
        np.testing.assert_allclose(ch.grad_power_gram_X(a, X, b, n), jax_grad, rtol=1e-12)
        assert not np.allclose(ch.grad_power_gram_X_printed(a, X, b, n), jax_grad, rtol=1e-4)


def test_verify_reports_the_printed_cb92_as_an_expected_failure():
    from chainrule.reference.catalog.rules_cookbook_forms import RULES
    from chainrule.reference.catalog.verify import verify_rule

    rule = next(r for r in RULES if r.name == "grad_power_gram_X_printed_n1")
    result = verify_rule(rule, trials=10)
    assert result.status == "xfail" and result.ok
    assert "wrong entries" in result.diagnosis and "transposed" in result.diagnosis


# --- CB-93, CB-94, CB-96, CB-97 ---------------------------------------------------------------------------


def test_chain_rule_form_with_concrete_maps():
    rng = np.random.default_rng(1)
    P, Q, A, x = (rng.standard_normal(s) for s in ((2, 3), (3, 3), (2, 3), (3,)))
    np.testing.assert_allclose(ch.grad_bilinear_of_maps_x(P, Q, A, x),
                               gradient(ch.bilinear_of_maps, P, Q, A, x, argnums=3), rtol=1e-13)
    # at x = 0 both s = tanh(0) and r = 0 vanish, and so does the gradient
    np.testing.assert_array_equal(ch.grad_bilinear_of_maps_x(P, Q, A, np.zeros(3)), np.zeros(3))


def test_rayleigh_ratio_exact_value_and_the_literal_typo_fails():
    A, B = np.diag([1.0, 2.0]), np.array([[1.0, 1.0], [0.0, 1.0]])  # B not symmetric: BB ≠ BᵀB
    x = np.array([1.0, 1.0])
    g = ch.grad_rayleigh_ratio_x(A, B, x)  # xᵀAᵀAx = 5, xᵀBᵀBx = 5
    np.testing.assert_allclose(g, 2 * A.T @ A @ x / 5 - 2 * 5 * B.T @ B @ x / 25, rtol=1e-15)
    np.testing.assert_allclose(g, gradient(ch.rayleigh_ratio, A, B, x, argnums=2), rtol=1e-14)
    literal = 2 * A.T @ A @ x / (x @ B @ B @ x) - 2 * 5 * B.T @ B @ x / 25  # the transcription's xᵀBBx
    assert not np.allclose(literal, g)


def test_rayleigh_ratio_is_undefined_where_Bx_is_0():
    """The convention: a concrete x with Bx = 0 is rejected (the quotient is c/0, or 0/0 at x = 0); traced, the
    check is skipped and JAX returns inf for the quotient and a non-finite gradient."""
    A, B = np.eye(2), np.array([[1.0, -1.0]])
    x = np.array([1.0, 1.0])  # Bx = 0, Ax ≠ 0
    with pytest.raises(ValueError, match=r"undefined where Bx = 0 .*pass an x with Bx ≠ 0"):
        ch.grad_rayleigh_ratio_x(A, B, x)
    with pytest.raises(ValueError, match="undefined where Bx = 0"):
        ch.rayleigh_ratio(A, B, x)
    import jax
    import jax.numpy as jnp

    with x64():
        value = jax.jit(ch.rayleigh_ratio)(*map(jnp.asarray, (A, B, x)))
    assert np.isposinf(np.asarray(value))
    assert not np.isfinite(gradient(ch.rayleigh_ratio, A, B, x, argnums=2)).any()


def test_gradient_and_hessian_of_quadratic_plus_linear():
    A = np.array([[1.0, 2.0], [0.0, 3.0]])
    b, x = np.array([1.0, -1.0]), np.array([2.0, 1.0])
    np.testing.assert_array_equal(ch.grad_quadratic_plus_linear_x(A, b, x), (A + A.T) @ x + b)
    np.testing.assert_array_equal(ch.hess_quadratic_plus_linear_x(A, b, x), A + A.T)
    import jax

    with x64():
        H = jax.hessian(ch.quadratic_plus_linear, argnums=2)(*map(jax.numpy.asarray, (A, b, x)))
    np.testing.assert_allclose(np.asarray(H), A + A.T)


def test_float32_stays_float32():
    x32 = X2.astype(np.float32)
    a, b = E1.astype(np.float32), E2.astype(np.float32)
    for out in (ch.grad_power_gram_X(a, x32, b, 2), ch.jac_matrix_power_X(x32, 2),
                cf.jac_congruence_X_from_single_entries(x32, x32), cf.grad_squared_sum_X(x32),
                ch.grad_real_lms_cost_x(np.float32(1.0), a, b)):
        assert out.dtype == np.float32


# --- bad input -----------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("call", "exc", "text"),
    [
        (lambda: cf.grad_bilinear_transposed_X(np.ones(2), np.ones((3, 2)), np.ones(2)), ValueError,
         "b: expected length 3 (Xᵀb needs len(b) = rows of X), got shape (2,)"),
        (lambda: cf.grad_bilinear_aa_X(np.ones(2), np.ones((2, 3))), ValueError, "X: expected a square matrix"),
        (lambda: cf.jac_identity_map_X(np.ones(3)), ValueError, "X: expected a matrix X of shape (m, n)"),
        (lambda: cf.jac_product_XA_X(np.ones((2, 3)), np.ones((2, 3))), ValueError,
         "X (shape (2, 3)) and A (shape (2, 3)) do not compose"),
        (lambda: cf.grad_affine_bilinear_x(np.ones((2, 3)), np.ones(2), np.ones((3, 2)), np.ones((2, 3)),
                                           np.ones(2), np.ones(3)), ValueError,
         "C: expected shape (2, 2) (rows of B by rows of D"),
        (lambda: cf.jac_congruence_X(np.ones((2, 3)), np.ones((3, 3))), ValueError,
         "B (shape (3, 3)) and X (shape (2, 3)) do not compose"),
        (lambda: cf.grad_weighted_residual_s(np.ones(3), np.ones((2, 2)), np.ones(2), np.eye(2)), ValueError,
         "x: expected length 2 (x − As needs len(x) = rows of A)"),
        (lambda: ch.grad_lms_cost_xr(0.0, 0.0, np.ones(2), np.ones(3), np.ones(2), np.ones(2)), ValueError,
         "xi: expected length 2 (x and b are complex vectors of one length n"),
        (lambda: ch.grad_lms_cost_xr(np.ones(1), 0.0, np.ones(2), np.ones(2), np.ones(2), np.ones(2)), ValueError,
         "ar: expected the real part of the scalar a (0-d array)"),
        (lambda: ch.grad_power_gram_X(np.ones(2), np.eye(2), np.ones(2), 0), ValueError,
         "n: expected an integer power n ≥ 1, got 0"),
        (lambda: ch.jac_matrix_power_X(np.eye(2), 2.0), TypeError, "n: expected an integer power n ≥ 1, got float"),
        (lambda: ch.grad_bilinear_of_maps_x(np.ones((2, 3)), np.eye(3), np.ones((3, 3)), np.ones(3)), ValueError,
         "A: expected shape (2, 3)"),
        (lambda: ch.grad_quadratic_plus_linear_x(np.eye(2), np.ones(3), np.ones(2)), ValueError,
         "b: expected length 2 (bᵀx needs len(b) = len(x))"),
        (lambda: cf.grad_squared_sum_X(np.ones((2, 2), dtype=int)), TypeError, "X: expected a real floating array"),
    ],
)
def test_bad_input_is_explained(call, exc, text):
    with pytest.raises(exc) as info:
        call()
    assert text in str(info.value)
