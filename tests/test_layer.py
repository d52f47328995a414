"""chainrule.analytic.layer: exact values, kink conventions, structure, and bad input.

NumPy ↔ JAX under jit, and dtypes: tests/test_catalog.py, catalog-wide.
"""

from __future__ import annotations

import jax
import jax.numpy as jnp
import numpy as np
import pytest

from chainrule.analytic import layer as ly
from chainrule.analytic.structured import Diagonal, ScaledIdentity
from chainrule.reference.autodiff import gradient, jacobian, x64

W = np.array([[1.0, -2.0, 0.5], [0.0, 3.0, -1.0]])
B = np.array([0.5, -4.0])
X1 = np.array([2.0, 1.0, -2.0])


# --- LAYER-1 / LAYER-2: exact values -------------------------------------------------------------------


def test_affine_layer_backward_pass_exact_values():
    ct = np.array([2.0, -1.0])
    np.testing.assert_array_equal(ly.dense(W, B, X1), [2.0 - 2.0 - 1.0 + 0.5, 3.0 + 2.0 - 4.0])
    np.testing.assert_array_equal(ly.vjp_dense_W(W, B, X1, ct), [[4.0, 2.0, -4.0], [-2.0, -1.0, 2.0]])
    np.testing.assert_array_equal(ly.vjp_dense_x(W, B, X1, ct), [2.0, -7.0, 2.0])
    np.testing.assert_array_equal(ly.vjp_dense_b(W, B, X1, ct), ct)
    np.testing.assert_array_equal(ly.jac_dense_x(W, B, X1), W)
    J = ly.jac_dense_W(W, B, X1)
    assert J.shape == (2, 2, 3)  # out.shape + W.shape
    np.testing.assert_array_equal(J[0], [X1, [0.0, 0.0, 0.0]])
    # the backward pass is the Jacobian contracted with δ: ∂L/∂W = Σᵢ δᵢ ∂yᵢ/∂W
    np.testing.assert_array_equal(np.tensordot(ct, J, axes=1), ly.vjp_dense_W(W, B, X1, ct))


def test_bias_jacobian_is_a_structured_identity():
    J = ly.jac_dense_b(W, B, X1)
    assert isinstance(J, ScaledIdentity) and J.shape == (2, 2)
    np.testing.assert_array_equal(J.todense(), np.eye(2))


def test_batched_layer_sums_the_per_sample_backward_passes():
    rng = np.random.default_rng(0)
    Xb, Ct = rng.standard_normal((5, 3)), rng.standard_normal((5, 2))
    np.testing.assert_allclose(ly.dense_batch(W, B, Xb), np.stack([ly.dense(W, B, x) for x in Xb]), rtol=1e-15)
    per_W = sum(ly.vjp_dense_W(W, B, x, c) for x, c in zip(Xb, Ct, strict=True))
    np.testing.assert_allclose(ly.vjp_dense_batch_W(W, B, Xb, Ct), per_W, rtol=1e-14)
    np.testing.assert_allclose(ly.vjp_dense_batch_b(W, B, Xb, Ct), Ct.sum(axis=0), rtol=1e-14)
    np.testing.assert_allclose(ly.vjp_dense_batch_X(W, B, Xb, Ct),
                               np.stack([ly.vjp_dense_x(W, B, x, c) for x, c in zip(Xb, Ct, strict=True)]),
                               rtol=1e-14)


# --- LAYER-3 / LAYER-4: ReLU layer and the MLP ---------------------------------------------------------


def test_relu_layer_kink_inactive_neuron_passes_nothing_and_jax_agrees():
    Wk, bk, xk = np.array([[1.0, 1.0], [2.0, -1.0]]), np.array([0.0, -1.0]), np.array([1.0, 1.0])
    # z = [2, 0]: neuron 1 sits exactly on the kink and is inactive (paper's convention, RULES N-3)
    ct = np.array([1.0, 1.0])
    np.testing.assert_array_equal(ly.vjp_relu_layer_b(Wk, bk, xk, ct), [1.0, 0.0])
    np.testing.assert_array_equal(ly.jac_relu_layer_x(Wk, bk, xk), [[1.0, 1.0], [0.0, 0.0]])
    np.testing.assert_array_equal(jacobian(ly.relu_layer, Wk, bk, xk, argnums=2), [[1.0, 1.0], [0.0, 0.0]])


def test_mlp_backprop_exact_values():
    # One sample, W1 = I: Z1 = x = [1, −1] → H = [1, 0]; Ŷ = 1·1 + 0 = 1, Y = 0 → Δ2 = 2
    W1, b1, W2, b2 = np.eye(2), np.zeros(2), np.array([[1.0, 3.0]]), np.zeros(1)
    Xs, Ys = np.array([[1.0, -1.0]]), np.zeros((1, 1))
    assert float(ly.mlp_loss(W1, b1, W2, b2, Xs, Ys)) == 1.0
    np.testing.assert_array_equal(ly.grad_mlp_loss_W2(W1, b1, W2, b2, Xs, Ys), [[2.0, 0.0]])
    np.testing.assert_array_equal(ly.grad_mlp_loss_b2(W1, b1, W2, b2, Xs, Ys), [2.0])
    # Δ1 = (Δ2 W2) ⊙ 1[Z1 > 0] = [2, 6] ⊙ [1, 0] = [2, 0]
    np.testing.assert_array_equal(ly.grad_mlp_loss_b1(W1, b1, W2, b2, Xs, Ys), [2.0, 0.0])
    np.testing.assert_array_equal(ly.grad_mlp_loss_W1(W1, b1, W2, b2, Xs, Ys), [[2.0, -2.0], [0.0, 0.0]])
    np.testing.assert_array_equal(ly.grad_mlp_loss_X(W1, b1, W2, b2, Xs, Ys), [[2.0, 0.0]])


def test_mlp_gradients_match_autodiff_on_a_batch():
    rng = np.random.default_rng(3)
    args = [rng.standard_normal(s) for s in ((4, 3), (4,), (2, 4), (2,), (7, 3), (7, 2))]
    names = ("W1", "b1", "W2", "b2", "X")
    fns = (ly.grad_mlp_loss_W1, ly.grad_mlp_loss_b1, ly.grad_mlp_loss_W2, ly.grad_mlp_loss_b2,
           ly.grad_mlp_loss_X)
    refs = gradient(ly.mlp_loss, *args, argnums=(0, 1, 2, 3, 4))
    for name, fn, ref in zip(names, fns, refs, strict=True):
        np.testing.assert_allclose(fn(*args), ref, rtol=1e-12, atol=1e-14, err_msg=name)


# --- LAYER-5 … LAYER-9: activations and their kink conventions -------------------------------------------


def test_activation_jacobians_are_diagonal_with_known_values_at_zero():
    zero = np.zeros(1)
    cases = [(ly.jac_sigmoid_x, 0.25), (ly.jac_tanh_x, 1.0), (ly.jac_softplus_x, 0.5), (ly.jac_gelu_x, 0.5)]
    for jac, value in cases:
        J = jac(zero)
        assert isinstance(J, Diagonal), jac.__name__
        assert float(J.diagonal()[0]) == value, jac.__name__
    assert float(ly.sigmoid(zero)[0]) == 0.5 and float(ly.softplus(zero)[0]) == np.log(2.0)


def test_leaky_relu_derivative_at_zero_is_alpha_and_autodiff_of_the_primal_agrees():
    x = np.array([-1.0, 0.0, -0.0, 1e-300, 2.0])
    np.testing.assert_array_equal(ly.jac_leaky_relu_x(x, alpha=0.2).diagonal(), [0.2, 0.2, 0.2, 1.0, 1.0])
    J = jacobian(lambda v: ly.leaky_relu(v, alpha=0.2), x)
    np.testing.assert_array_equal(np.diag(J), [0.2, 0.2, 0.2, 1.0, 1.0])
    # α = 0 is the paper's ReLU convention (0 at 0) exactly
    np.testing.assert_array_equal(ly.jac_leaky_relu_x(x, alpha=0.0).diagonal(), [0.0, 0.0, 0.0, 1.0, 1.0])


def test_jax_nn_leaky_relu_takes_the_other_branch_at_zero():
    # jax.nn.leaky_relu is where(x >= 0, x, αx): slope 1 at the kink, unlike chainrule's (and the
    # paper's ReLU, and PyTorch's) ≤ 0 branch. chainrule's primal uses x > 0 so its JAX check agrees.
    with x64():
        assert float(jax.grad(lambda z: jax.nn.leaky_relu(z, 0.2))(0.0)) == 1.0
        assert float(jax.grad(lambda z: ly.leaky_relu(z[None], alpha=0.2)[0])(jnp.asarray(0.0))) == 0.2


def test_sigmoid_and_softplus_do_not_overflow():
    x = np.array([-1000.0, -40.0, 0.0, 40.0, 1000.0])  # conftest turns overflow into an error
    s = ly.sigmoid(x)
    np.testing.assert_allclose(s[[0, 4]], [0.0, 1.0])
    np.testing.assert_allclose(s[1], np.exp(-40.0) / (1 + np.exp(-40.0)), rtol=1e-12)
    np.testing.assert_allclose(ly.softplus(x)[[0, 4]], [0.0, 1000.0])
    np.testing.assert_allclose(ly.jac_softplus_x(x).diagonal(), s, rtol=1e-15, atol=0)  # softplus′ = sigmoid


def test_gelu_derivative_matches_jax_nn_gelu_tanh_form():
    x = np.linspace(-4.0, 4.0, 9)
    with x64():
        ref = jax.vmap(jax.grad(lambda z: jax.nn.gelu(z, approximate=True)))(jnp.asarray(x))
        np.testing.assert_allclose(ly.gelu(x), jax.nn.gelu(jnp.asarray(x), approximate=True),
                                   rtol=1e-12, atol=1e-15)
    np.testing.assert_allclose(ly.jac_gelu_x(x).diagonal(), np.asarray(ref), rtol=1e-12, atol=1e-15)


# --- bad input -------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("call", "exc", "text"),
    [
        (lambda: ly.dense(np.ones(3), np.ones(1), np.ones(3)), ValueError, "W: expected a weight matrix W"),
        (lambda: ly.dense(np.ones((2, 3)), np.ones(2), np.ones(4)), ValueError, "x has length 4 but W has 3 columns"),
        (lambda: ly.dense(np.ones((2, 3)), np.ones(3), np.ones(3)), ValueError, "b has length 3 but W has 2 rows"),
        (lambda: ly.vjp_dense_W(np.ones((2, 3)), np.ones(2), np.ones(3), np.ones(3)), ValueError,
         "ct: expected the upstream gradient ∂L/∂y shaped like y, (2,), got (3,)"),
        (lambda: ly.vjp_dense_batch_W(np.ones((2, 3)), np.ones(2), np.ones((4, 3)), np.ones((4, 3))), ValueError,
         "∂L/∂Y shaped like Y, (4, 2)"),
        (lambda: ly.dense_batch(np.ones((2, 3)), np.ones(2), np.ones((4, 2))), ValueError,
         "X has 2 features per sample"),
        (lambda: ly.mlp_loss(np.ones((4, 3)), np.ones(4), np.ones((2, 5)), np.ones(2), np.ones((1, 3)),
                             np.ones((1, 2))), ValueError, "W2: expected shape (2, 4)"),
        (lambda: ly.jac_leaky_relu_x(np.ones(2), alpha=1.5), ValueError, "alpha: expected the negative slope"),
        (lambda: ly.jac_sigmoid_x(np.ones((2, 2))), ValueError, "x: expected a vector x ∈ Rⁿ"),
        (lambda: ly.jac_tanh_x(np.arange(3)), TypeError, "x: expected a real floating array"),
    ],
)
def test_bad_input_is_explained(call, exc, text):
    with pytest.raises(exc) as info:
        call()
    assert text in str(info.value)
