"""analytic/lossfn.py: structured softmax Jacobian, exact values, the Huber kink, the distribution checks, bad input.

Backends and dtypes: tests/test_catalog.py, catalog-wide.
"""

from __future__ import annotations

import jax
import jax.numpy as jnp
import numpy as np
import pytest

from chainrule.analytic import lossfn as lf
from chainrule.analytic.structured import DiagonalPlusRankOne, is_structured, todense
from chainrule.reference.autodiff import gradient, jacobian, jvp, x64

# --- LF-1 / LF-2 softmax Jacobians stay structured ------------------------------------------------------


def test_softmax_jacobian_is_diagonal_minus_rank_one():
    z = np.array([1.0, -0.5, 2.0, 0.0])
    s = np.exp(z) / np.exp(z).sum()
    J = lf.jac_softmax_z(z)
    assert isinstance(J, DiagonalPlusRankOne) and is_structured(J) and J.shape == (4, 4)
    np.testing.assert_allclose(todense(J), np.diag(s) - np.outer(s, s), rtol=1e-14, atol=1e-16)
    np.testing.assert_allclose(J @ np.ones(4), 0.0, atol=1e-16)  # softmax is shift-invariant
    np.testing.assert_allclose(todense(lf.jac_log_softmax_z(z)), np.eye(4) - np.outer(np.ones(4), s), rtol=1e-14)


def test_diagonal_plus_rank_one_algebra_keeps_structure_and_matches_dense():
    from chainrule.analytic.structured import Diagonal, ScaledIdentity

    rng = np.random.default_rng(9)
    d, u, v, a = (rng.standard_normal(4) for _ in range(4))
    J = DiagonalPlusRankOne(d, u, v, -0.5)
    dense = np.diag(d) - 0.5 * np.outer(u, v)
    M = rng.standard_normal((4, 3))
    D, S = Diagonal(a), ScaledIdentity(np.asarray(2.0), 4)
    structured = [(D @ J, np.diag(a) @ dense), (J @ D, dense @ np.diag(a)), (S @ J, 2 * dense),
                  (J + D, dense + np.diag(a)), (D + J, dense + np.diag(a)), (2.0 * J, 2 * dense), (-J, -dense)]
    for got, want in structured:
        assert isinstance(got, DiagonalPlusRankOne)
        np.testing.assert_allclose(todense(got), want, rtol=1e-14, atol=1e-15)
    np.testing.assert_allclose(J @ M, dense @ M, rtol=1e-14, atol=1e-15)
    np.testing.assert_allclose(M.T @ J, M.T @ dense, rtol=1e-14, atol=1e-15)
    np.testing.assert_allclose(J.diagonal(), np.diag(dense), rtol=1e-15)
    np.testing.assert_allclose(J @ J, dense @ dense, rtol=1e-13, atol=1e-14)  # rank two: dense
    with pytest.raises(ValueError, match="inner dimensions differ"):
        J @ np.ones(3)
    with pytest.raises(ValueError, match="d, u and v must have one length n"):
        DiagonalPlusRankOne(d, u, np.ones(3))


def test_softmax_jacobian_products_at_a_size_where_the_dense_matrix_is_too_big():
    # k = 20,000: the dense Jacobian would hold 4·10⁸ entries (3.2 GB); the structured one holds 6·10⁴.
    rng = np.random.default_rng(0)
    z, t = rng.standard_normal(20_000), rng.standard_normal(20_000)
    J = lf.jac_softmax_z(z)
    _, ref = jvp(lf.softmax, (z,), (t,))  # JAX's forward mode never builds the matrix either
    np.testing.assert_allclose(J @ t, ref, rtol=1e-10, atol=1e-18)
    np.testing.assert_allclose(t @ J, ref, rtol=1e-10, atol=1e-18)  # symmetric


def test_softmax_is_stable_for_large_logits():
    z = np.array([1000.0, 0.0, -1000.0])  # conftest turns overflow into an error
    np.testing.assert_allclose(lf.softmax(z), [1.0, 0.0, 0.0], rtol=1e-15, atol=0)
    np.testing.assert_allclose(lf.log_softmax(z), [0.0, -1000.0, -2000.0], rtol=1e-15, atol=0)
    assert float(lf.softmax_cross_entropy(z, np.array([0.0, 1.0, 0.0]))) == 1000.0


# --- LF-3 … LF-8 exact values ------------------------------------------------------------------------


def test_cross_entropy_gradient_is_prediction_minus_target():
    z, y = np.log(np.array([0.5, 0.25, 0.25])), np.array([0.0, 1.0, 0.0])
    np.testing.assert_allclose(lf.grad_softmax_cross_entropy_z(z, y), [0.5, -0.75, 0.25], rtol=1e-15)
    Z, Y = np.stack([z, z]), np.stack([y, np.array([1.0, 0.0, 0.0])])
    np.testing.assert_allclose(lf.grad_mean_softmax_cross_entropy_Z(Z, Y),
                               [[0.25, -0.375, 0.125], [-0.25, 0.125, 0.125]], rtol=1e-15)


def test_binary_cross_entropy_and_logistic_regression_exact_values():
    np.testing.assert_array_equal(lf.grad_bce_with_logits_z(np.zeros(2), np.array([1.0, 0.25])), [-0.25, 0.125])
    assert float(lf.bce_with_logits(np.zeros(1), np.ones(1))) == np.log(2.0)
    X = np.array([[1.0, 2.0], [3.0, -1.0]])
    np.testing.assert_array_equal(lf.grad_logistic_loss_w(np.zeros(2), 0.0, X, np.array([1.0, 0.0])),
                                  [(-0.5 * 1 + 0.5 * 3) / 2, (-0.5 * 2 + 0.5 * -1) / 2])
    assert float(lf.grad_logistic_loss_b(np.zeros(2), 0.0, X, np.array([1.0, 1.0]))) == -0.5


def test_mse_counts_every_entry():
    np.testing.assert_array_equal(lf.grad_mse_y_hat(np.ones((2, 2)), np.zeros((2, 2))), np.full((2, 2), 0.5))


def test_huber_gradient_at_the_threshold_is_delta_from_both_sides_and_jax_agrees():
    # |r| = δ exactly: the quadratic branch's r and the linear branch's δ·sign(r) coincide (h is C¹)
    delta = 0.5
    r = np.array([0.5, -0.5, 0.25, 3.0, -3.0])
    expected = np.array([0.5, -0.5, 0.25, 0.5, -0.5]) / 5
    np.testing.assert_array_equal(lf.grad_huber_y_hat(r, np.zeros(5), delta=delta), expected)
    np.testing.assert_array_equal(
        gradient(lambda y_hat: lf.huber(y_hat, jnp.zeros(5), delta=delta), r), expected)
    eps = 1e-9  # and just inside/outside the threshold the gradient is continuous
    np.testing.assert_allclose(lf.grad_huber_y_hat(np.array([delta - eps, delta + eps]), np.zeros(2), delta=delta),
                               [delta / 2, delta / 2], rtol=1e-8)


def test_huber_is_the_squared_error_inside_and_linear_outside():
    assert float(lf.huber(np.array([0.5]), np.zeros(1))) == 0.125
    assert float(lf.huber(np.array([3.0]), np.zeros(1))) == 2.5


# --- LF-1 / LF-3 against autodiff at a point --------------------------------------------------------


def test_cross_entropy_gradient_matches_autodiff_for_soft_targets():
    z, y = np.array([0.3, -1.2, 2.0]), np.array([0.2, 0.5, 0.3])
    np.testing.assert_allclose(lf.grad_softmax_cross_entropy_z(z, y), gradient(lf.softmax_cross_entropy, z, y),
                               rtol=1e-13)
    np.testing.assert_allclose(todense(lf.jac_softmax_z(z)), jacobian(lf.softmax, z), rtol=1e-13, atol=1e-16)


# --- bad input -----------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("call", "exc", "text"),
    [
        (lambda: lf.grad_softmax_cross_entropy_z(np.zeros(2), np.array([0.5, 0.6])), ValueError,
         "must sum to 1 along the last axis, but a row sums to 1.1"),
        (lambda: lf.grad_softmax_cross_entropy_z(np.zeros(2), np.array([1.5, -0.5])), ValueError,
         "has a negative entry (-0.5)"),
        (lambda: lf.grad_mean_softmax_cross_entropy_Z(np.zeros((2, 2)), np.ones((2, 2))), ValueError,
         "(2 such rows)"),
        (lambda: lf.grad_softmax_cross_entropy_z(np.zeros(3), np.ones(2) / 2), ValueError,
         "element-wise rule needs arguments of one shape"),
        (lambda: lf.grad_bce_with_logits_z(np.zeros(2), np.array([0.0, 2.0])), ValueError,
         "labels must lie in [0, 1], got values in [0.0, 2.0]"),
        (lambda: lf.grad_huber_y_hat(np.zeros(2), np.zeros(2), delta=0.0), ValueError,
         "delta: expected the Huber threshold as a positive float, got 0.0"),
        (lambda: lf.jac_softmax_z(np.zeros(0)), ValueError, "at least one class"),
        (lambda: lf.jac_softmax_z(np.zeros((2, 2))), ValueError, "z: expected a logit vector z of shape (k,)"),
        (lambda: lf.grad_logistic_loss_w(np.zeros(3), 0.0, np.ones((2, 2)), np.zeros(2)), ValueError,
         "got X (2, 2), w (3,), y (2,)"),
        (lambda: lf.grad_mse_y_hat(np.zeros(2, dtype=np.int32), np.zeros(2)), TypeError,
         "y_hat: expected a real floating array"),
    ],
)
def test_bad_input_is_explained(call, exc, text):
    with pytest.raises(exc) as info:
        call()
    assert text in str(info.value)


def test_distribution_checks_are_skipped_under_jit_where_values_are_unknown():
    # y sums to 1.1, which raises eagerly (test_bad_input_is_explained); under jit y is a tracer whose
    # values are unknown at trace time, so no check runs and the formula softmax(z) − y is applied as is.
    y = np.array([0.5, 0.6])
    with x64():
        g = jax.jit(lf.grad_softmax_cross_entropy_z)(jnp.zeros(2), jnp.asarray(y))
    np.testing.assert_array_equal(np.asarray(g), np.array([0.5, 0.5]) - y)  # softmax(0, 0) = [½, ½]
