"""chainrule.analytic.loss: the §6 intermediates, updates and bias folding."""

from __future__ import annotations

import numpy as np
import pytest

from chainrule.analytic import loss as lo
from chainrule.analytic import neuron as nn
from chainrule.reference.autodiff import gradient, jacobian


@pytest.fixture
def data():
    rng = np.random.default_rng(7)
    X = rng.standard_normal((9, 4))
    return rng.standard_normal(4), 0.2, X, rng.standard_normal(9)


def test_gradient_descent_step_reduces_the_cost(data):
    w, b, X, y = data
    c0 = float(nn.loss(w, b, X, y))
    w1 = lo.descent_step_w(w, b, X, y, eta=0.01)
    b1 = lo.descent_step_b(w, b, X, y, eta=0.01)
    assert float(nn.loss(w1, b, X, y)) < c0
    assert float(nn.loss(w, b1, X, y)) < c0
    assert float(nn.loss(w + 0.01 * lo.grad_loss_w(w, b, X, y), b, X, y)) > c0  # the gradient points uphill


def test_descent_step_rejects_a_non_positive_learning_rate(data):
    with pytest.raises(ValueError, match=r"eta: expected a positive learning rate, got -0\.1"):
        lo.descent_step_w(*data, eta=-0.1)


def test_folded_gradient_is_the_two_gradients_side_by_side(data):
    w, b, X, y = data
    folded = lo.grad_loss_folded_w_hat(np.append(w, b), X, y)
    gw, gb = nn.loss_gradient(w, b, X, y)
    np.testing.assert_allclose(folded, np.append(gw, gb), rtol=1e-14)
    assert float(lo.loss_folded(np.append(w, b), X, y)) == pytest.approx(float(nn.loss(w, b, X, y)), rel=1e-14)


def test_folded_rejects_wrong_length(data):
    w, _, X, y = data
    with pytest.raises(ValueError, match=r"w_hat: expected length n \+ 1 = 5"):
        lo.grad_loss_folded_w_hat(w, X, y)


def test_residual_jacobian_rows_are_zero_for_inactive_units(data):
    w, b, X, y = data
    J = lo.jac_residuals_w(w, b, X, y)
    active = X @ w + b > 0
    assert active.any() and (~active).any()
    np.testing.assert_array_equal(J[~active], 0.0)
    np.testing.assert_array_equal(J[active], -X[active])
    np.testing.assert_allclose(J, jacobian(lo.residuals, w, b, X, y), rtol=1e-15)


def test_least_squares_corollary_equals_loss_gradient_when_all_units_are_active():
    rng = np.random.default_rng(3)
    X = np.abs(rng.standard_normal((6, 3)))
    w, b, y = np.abs(rng.standard_normal(3)), 1.0, rng.standard_normal(6)
    assert np.all(X @ w + b > 0)
    np.testing.assert_allclose(lo.grad_least_squares_w(w, b, X, y), nn.loss_gradient(w, b, X, y)[0], rtol=1e-14)


def test_cost_gradient_of_residuals():
    v = np.array([1.0, -2.0, 0.5])
    np.testing.assert_allclose(lo.grad_cost_of_residuals_v(v), gradient(lo.cost_of_residuals, v), rtol=1e-15)
