"""chainrule.analytic.hessian: exact Hessians, kink conventions, structure, HVPs at sizes too big for a Hessian."""

from __future__ import annotations

import jax
import jax.numpy as jnp
import numpy as np
import pytest

from chainrule.analytic import hessian as he
from chainrule.analytic import lossfn as lf
from chainrule.analytic import matrix as mx
from chainrule.analytic import neuron as nn
from chainrule.analytic.loss import least_squares
from chainrule.analytic.structured import Diagonal, DiagonalPlusRankOne, todense
from chainrule.reference.autodiff import hvp, x64


def _jax_hessian(f, x):
    with x64():
        return np.asarray(jax.hessian(f)(jnp.asarray(x, dtype=jnp.float64)))


# --- exact values and conventions -----------------------------------------------------------------------


def test_quadratic_form_and_least_squares_exact_values():
    A = np.array([[1.0, 2.0], [0.0, 3.0]])
    np.testing.assert_array_equal(he.hess_quadratic_form_x(A, np.zeros(2)), [[2.0, 2.0], [2.0, 6.0]])
    X = np.array([[1.0, 2.0], [3.0, 0.0]])
    np.testing.assert_array_equal(he.hess_least_squares_w(np.zeros(2), 0.0, X, np.zeros(2)), X.T @ X)  # (2/N) = 1
    t = np.array([1.0, -1.0])
    np.testing.assert_array_equal(he.hvp_least_squares_w(np.zeros(2), 0.0, X, np.zeros(2), t), X.T @ X @ t)


def test_neuron_loss_hessian_counts_only_the_active_set_and_a_unit_at_the_kink_is_inactive():
    X = np.array([[1.0, 1.0], [2.0, -2.0], [1.0, -3.0]])
    w, y = np.array([1.0, 1.0]), np.zeros(3)  # z = [2, 0, −2]: only sample 0 is active
    expected = (2 / 3) * np.outer(X[0], X[0])
    np.testing.assert_array_equal(he.hess_loss_w(w, 0.0, X, y), expected)
    H_jax = _jax_hessian(lambda v: nn.loss(v, jnp.asarray(0.0), jnp.asarray(X), jnp.asarray(y)), w)
    np.testing.assert_allclose(H_jax, expected, rtol=1e-15)  # JAX takes the same branch at z = 0


def test_huber_hessian_is_one_at_the_threshold_and_jax_agrees():
    delta = 0.5
    r = np.array([0.5, -0.5, 0.25, 0.75, -3.0])  # |r| = δ for the first two
    H = he.hess_huber_y_hat(r, np.zeros(5), delta=delta)
    assert isinstance(H, Diagonal)
    np.testing.assert_array_equal(H.diagonal(), np.array([1.0, 1.0, 1.0, 0.0, 0.0]) / 5)
    H_jax = _jax_hessian(lambda v: lf.huber(v, jnp.zeros(5), delta=delta), r)
    np.testing.assert_array_equal(np.diag(H_jax), H.diagonal())


def test_logistic_hessian_is_psd_and_independent_of_the_labels():
    rng = np.random.default_rng(0)
    X, w = rng.standard_normal((9, 4)), rng.standard_normal(4)
    H1 = he.hess_logistic_loss_w(w, 0.3, X, rng.random(9))
    H2 = he.hess_logistic_loss_w(w, 0.3, X, rng.random(9))
    np.testing.assert_array_equal(H1, H2)
    np.testing.assert_allclose(H1, H1.T, rtol=1e-15)
    assert np.linalg.eigvalsh(H1).min() > -1e-15
    p = 1 / (1 + np.exp(-(X @ w + 0.3)))
    np.testing.assert_allclose(H1, X.T @ np.diag(p * (1 - p)) @ X / 9, rtol=1e-13)


def test_softmax_cross_entropy_hessian_is_structured_psd_with_null_vector_ones():
    z, y = np.array([0.5, -1.0, 2.0]), np.array([0.2, 0.3, 0.5])
    H = he.hess_softmax_cross_entropy_z(z, y)
    assert isinstance(H, DiagonalPlusRankOne)
    np.testing.assert_allclose(H @ np.ones(3), 0.0, atol=1e-16)
    assert np.linalg.eigvalsh(todense(H)).min() > -1e-15
    np.testing.assert_allclose(todense(H), _jax_hessian(lambda v: lf.softmax_cross_entropy(v, jnp.asarray(y)), z),
                               rtol=1e-13, atol=1e-16)


def test_every_hvp_is_its_hessian_times_t():
    rng = np.random.default_rng(1)
    A, x, t = rng.standard_normal((4, 4)), rng.standard_normal(4), rng.standard_normal(4)
    X, w, y = rng.standard_normal((6, 4)), rng.standard_normal(4), rng.random(6)
    z, p = rng.standard_normal(4), rng.dirichlet(np.ones(4))
    pairs = [
        (he.hvp_quadratic_form_x(A, x, t), he.hess_quadratic_form_x(A, x) @ t),
        (he.hvp_least_squares_w(w, 0.1, X, y, t), he.hess_least_squares_w(w, 0.1, X, y) @ t),
        (he.hvp_loss_w(w, 0.1, X, y, t), he.hess_loss_w(w, 0.1, X, y) @ t),
        (he.hvp_logistic_loss_w(w, 0.1, X, y, t), he.hess_logistic_loss_w(w, 0.1, X, y) @ t),
        (he.hvp_softmax_cross_entropy_z(z, p, t), he.hess_softmax_cross_entropy_z(z, p) @ t),
    ]
    for got, want in pairs:
        np.testing.assert_allclose(got, want, rtol=1e-13, atol=1e-15)
    Xm, T = rng.standard_normal((3, 3)) + 3 * np.eye(3), rng.standard_normal((3, 3))
    np.testing.assert_allclose(he.hvp_log_abs_det_X(Xm, T), mx.jvp_inv_X(Xm.T, T.T), rtol=1e-13)


# --- Hessian-vector products where the Hessian is too big to build -------------------------------------------

N_BIG = 20_000  # a dense float64 Hessian would take 20,000² × 8 B = 3.2 GB; only products are formed


def test_hvps_at_n_20000_match_jvp_of_grad():
    rng = np.random.default_rng(7)
    t = rng.standard_normal(N_BIG)
    # softmax cross-entropy over 20,000 classes
    z, y = rng.standard_normal(N_BIG), rng.dirichlet(np.ones(N_BIG))
    ref = hvp(lambda v: lf.softmax_cross_entropy(v, jnp.asarray(y)), z, t)
    np.testing.assert_allclose(he.hvp_softmax_cross_entropy_z(z, y, t), ref, rtol=1e-10, atol=1e-18)
    # logistic regression, least squares and the neuron loss with 20,000 features and 8 samples
    X, w = rng.standard_normal((8, N_BIG)) / np.sqrt(N_BIG), rng.standard_normal(N_BIG)
    labels, b = rng.random(8), 0.1
    with x64():  # JAX arrays made outside the scoped x64 context would be float32
        data = (jnp.asarray(b), jnp.asarray(X), jnp.asarray(labels))
    cases = [(lf.logistic_loss, he.hvp_logistic_loss_w), (least_squares, he.hvp_least_squares_w),
             (nn.loss, he.hvp_loss_w)]
    for primal, closed_form in cases:
        ref = hvp(lambda v, primal=primal: primal(v, *data), w, t)
        np.testing.assert_allclose(closed_form(w, b, X, labels, t), ref, rtol=1e-10, atol=1e-14,
                                   err_msg=closed_form.__name__)


# --- bad input ----------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("call", "exc", "text"),
    [
        (lambda: he.hvp_least_squares_w(np.zeros(2), 0.0, np.ones((3, 2)), np.zeros(3), np.ones(3)), ValueError,
         "t: expected a direction shaped like w, (2,), got (3,)"),
        (lambda: he.hvp_log_abs_det_X(np.eye(2), np.ones(2)), ValueError, "t: expected a direction shaped like X"),
        (lambda: he.hess_huber_y_hat(np.zeros((2, 2)), np.zeros((2, 2))), ValueError,
         "expected a vector of shape (N,) for a diagonal Hessian"),
        (lambda: he.hess_softmax_cross_entropy_z(np.zeros(2), np.array([0.7, 0.7])), ValueError, "must sum to 1"),
        (lambda: he.hess_logistic_loss_w(np.zeros(2), 0.0, np.ones((3, 2)), np.full(3, 2.0)), ValueError,
         "labels must lie in [0, 1]"),
        (lambda: he.hess_quadratic_form_x(np.ones((2, 2)), np.ones(3)), ValueError, "do not compose"),
    ],
)
def test_bad_input_is_explained(call, exc, text):
    with pytest.raises(exc) as info:
        call()
    assert text in str(info.value)
