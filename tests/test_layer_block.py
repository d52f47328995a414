"""chainrule.analytic.layer_block: the residual block and the transformer MLP block.

The ReLU kink convention pinned at Z = 0 (and what JAX does there), exact values, how the blocks relate to
LAYER-4's MLP and to LAYER-9's GELU derivative, and bad input. Agreement with JAX on random draws,
NumPy ↔ JAX under jit and dtypes: tests/test_catalog.py.
"""

from __future__ import annotations

import jax
import jax.numpy as jnp
import numpy as np
import pytest

from chainrule.analytic import layer as ly
from chainrule.analytic import layer_block as lb
from chainrule.reference.autodiff import gradient, x64
from chainrule.reference.catalog import rules_layer_norm as rln

RESIDUAL = (lb.vjp_residual_block_X, lb.vjp_residual_block_W1, lb.vjp_residual_block_b1,
            lb.vjp_residual_block_W2, lb.vjp_block_b2)
TRANSFORMER = (lb.vjp_transformer_mlp_X, lb.vjp_transformer_mlp_W1, lb.vjp_transformer_mlp_b1,
               lb.vjp_transformer_mlp_W2, lb.vjp_block_b2)


def _random(seed, N=4, d=3, h=5):
    rng = np.random.default_rng(seed)
    return [rng.standard_normal(s) for s in ((N, d), (h, d), (h,), (d, h), (d,), (N, d))]


# --- LAYER-15 residual block: the kink --------------------------------------------------------------------


def test_residual_block_relu_kink_at_zero_passes_no_gradient_and_jax_agrees():
    """Pinned: ReLU′(0) = 0 (the paper's convention). A hidden unit with Z = 0 exactly is inactive."""
    X = np.array([[1.0, 2.0]])
    W1 = np.array([[1.0, -0.5], [2.0, 1.0]])  # Z = [1 − 1 + 0, 2 + 2 − 4] = [0, 0]: both units on the kink
    b1 = np.array([0.0, -4.0])
    W2 = np.array([[3.0, 1.0], [-1.0, 2.0]])
    b2 = np.zeros(2)
    ct = np.array([[1.0, -2.0]])
    np.testing.assert_array_equal(X @ W1.T + b1, [[0.0, 0.0]])
    grads = [fn(X, W1, b1, W2, b2, ct) for fn in RESIDUAL]
    np.testing.assert_array_equal(grads[0], ct)  # only the skip connection passes Δ
    np.testing.assert_array_equal(grads[1], np.zeros((2, 2)))
    np.testing.assert_array_equal(grads[2], np.zeros(2))
    np.testing.assert_array_equal(grads[3], np.zeros((2, 2)))  # H = relu(0) = 0 either way
    np.testing.assert_array_equal(grads[4], ct[0])
    # JAX differentiates the primal's where(Z > 0, Z, 0) to the same zeros at Z = 0
    refs = gradient(rln.residual_block_pulled, X, W1, b1, W2, b2, ct, argnums=(0, 1, 2, 3, 4))
    for got, ref in zip(grads, refs, strict=True):
        np.testing.assert_array_equal(got, ref)
    # jnp.maximum(0, z) would split the difference at the kink (which is why no primal uses it)
    with x64():
        assert float(jax.grad(lambda z: jnp.maximum(0.0, z))(0.0)) == 0.5


def test_residual_block_exact_values_on_either_side_of_the_kink():
    X, ct = np.array([[1.0]]), np.array([[1.0]])
    W1, b1, W2, b2 = np.array([[1.0], [-1.0]]), np.zeros(2), np.array([[2.0, 3.0]]), np.array([0.5])
    # Z = [1, −1]: unit 1 active, unit 2 not; Y = 1 + 2·1 + 0.5
    np.testing.assert_array_equal(lb.residual_block(X, W1, b1, W2, b2), [[3.5]])
    expected = ([[3.0]], [[2.0], [0.0]], [2.0, 0.0], [[1.0, 0.0]], [1.0])  # ∂L/∂X = 1 + 2·1·1
    for fn, want in zip(RESIDUAL, expected, strict=True):
        np.testing.assert_array_equal(fn(X, W1, b1, W2, b2, ct), want, err_msg=fn.__name__)


def test_residual_block_gradients_are_the_mlp_gradients_plus_the_skip():
    """With Δ = ∂L/∂Ŷ of LAYER-4's loss, the branch's gradients are LAYER-4's; the skip adds Δ to ∂L/∂X."""
    X, W1, b1, W2, b2, Y = _random(1)
    N = X.shape[0]
    H = np.where(X @ W1.T + b1 > 0, X @ W1.T + b1, 0.0)
    delta = (2.0 / N) * (H @ W2.T + b2 - Y)  # LAYER-4's Δ2 for the branch alone (no skip)
    mlp = {"W1": ly.grad_mlp_loss_W1, "b1": ly.grad_mlp_loss_b1, "W2": ly.grad_mlp_loss_W2,
           "b2": ly.grad_mlp_loss_b2, "X": ly.grad_mlp_loss_X}
    args = (W1, b1, W2, b2, X, Y)
    for fn, name in zip(RESIDUAL, ("X", "W1", "b1", "W2", "b2"), strict=True):
        want = mlp[name](*args) + (delta if name == "X" else 0.0)
        np.testing.assert_allclose(fn(X, W1, b1, W2, b2, delta), want, rtol=1e-13, atol=1e-15, err_msg=name)


def test_output_bias_jacobian_contracts_to_its_backward_pass():
    X, W1, b1, W2, b2, ct = _random(2)
    J = lb.jac_block_b2(X, W1, b1, W2, b2)
    assert J.shape == (4, 3, 3)  # Y.shape + b2.shape
    np.testing.assert_array_equal(J, np.broadcast_to(np.eye(3), (4, 3, 3)))
    np.testing.assert_array_equal(np.tensordot(ct, J, axes=2), lb.vjp_block_b2(X, W1, b1, W2, b2, ct))


# --- LAYER-16 transformer MLP block ------------------------------------------------------------------


def test_transformer_block_uses_layer9s_gelu_derivative():
    X, W1, b1, W2, b2, ct = _random(3, N=3, d=2, h=8)
    Z = X @ W1.T + b1
    dZ = (ct @ W2) * ly.jac_gelu_x(Z.reshape(-1)).diagonal().reshape(Z.shape)  # one source: LAYER-9
    np.testing.assert_array_equal(lb.vjp_transformer_mlp_b1(X, W1, b1, W2, b2, ct), dZ.sum(axis=0))
    np.testing.assert_array_equal(lb.vjp_transformer_mlp_W1(X, W1, b1, W2, b2, ct), dZ.T @ X)
    np.testing.assert_array_equal(lb.vjp_transformer_mlp_X(X, W1, b1, W2, b2, ct), ct + dZ @ W1)
    H = ly.gelu(Z.reshape(-1)).reshape(Z.shape)
    np.testing.assert_array_equal(lb.transformer_mlp(X, W1, b1, W2, b2), X + (H @ W2.T + b2))
    np.testing.assert_array_equal(lb.vjp_transformer_mlp_W2(X, W1, b1, W2, b2, ct), ct.T @ H)


def test_transformer_block_treats_tokens_independently():
    """Row t of Y depends on row t of X only: ∂L/∂X row by row equals the block run on one token."""
    X, W1, b1, W2, b2, ct = _random(4, N=3, d=2, h=8)
    whole = lb.vjp_transformer_mlp_X(X, W1, b1, W2, b2, ct)
    for t in range(3):
        one = lb.vjp_transformer_mlp_X(X[t:t + 1], W1, b1, W2, b2, ct[t:t + 1])
        np.testing.assert_allclose(whole[t:t + 1], one, rtol=1e-15, atol=1e-16)
    # the weights are shared: their gradient is the sum of the tokens'
    per_token = sum(lb.vjp_transformer_mlp_W1(X[t:t + 1], W1, b1, W2, b2, ct[t:t + 1]) for t in range(3))
    np.testing.assert_allclose(lb.vjp_transformer_mlp_W1(X, W1, b1, W2, b2, ct), per_token, rtol=1e-13)


def test_transformer_block_gradients_at_zero_input():
    X, W1, b1, W2, b2 = np.zeros((1, 1)), np.ones((1, 1)), np.zeros(1), np.array([[2.0]]), np.zeros(1)
    ct = np.ones((1, 1))
    # GELU(0) = 0, GELU′(0) = ½: ∂L/∂X = 1 + 2·½·1, ∂L/∂b1 = 2·½, ∂L/∂W2 = 0
    np.testing.assert_array_equal(lb.vjp_transformer_mlp_X(X, W1, b1, W2, b2, ct), [[2.0]])
    np.testing.assert_array_equal(lb.vjp_transformer_mlp_b1(X, W1, b1, W2, b2, ct), [1.0])
    np.testing.assert_array_equal(lb.vjp_transformer_mlp_W2(X, W1, b1, W2, b2, ct), [[0.0]])


# --- bad input ---------------------------------------------------------------------------------------------


def test_bad_block_shapes_are_refused():
    X, W1, b1, W2, b2, ct = _random(0)
    with pytest.raises(ValueError, match=r"W2: expected shape \(3, 5\) \(the second layer maps h back to d"):
        lb.residual_block(X, W1, b1, W2.T, b2)
    with pytest.raises(ValueError, match=r"W1: expected shape \(5, 3\) \(one row of d = 3 weights"):
        lb.transformer_mlp(X, W1[:, :2], b1, W2, b2)
    with pytest.raises(ValueError, match=r"b1: expected shape \(5,\)"):
        lb.vjp_residual_block_W1(X, W1, b1[:4], W2, b2, ct)
    with pytest.raises(ValueError, match=r"b2: expected shape \(3,\)"):
        lb.vjp_block_b2(X, W1, b1, W2, b1, ct)
    with pytest.raises(ValueError, match=r"ct: expected shape \(4, 3\) \(the upstream gradient"):
        lb.vjp_transformer_mlp_X(X, W1, b1, W2, b2, ct.T)
    with pytest.raises(ValueError, match=r"X: expected a batch X of shape \(N, d\)"):
        lb.residual_block(X[0], W1, b1, W2, b2)
    with pytest.raises(TypeError, match="W1: expected a real floating array"):
        lb.residual_block(X, W1.astype(int), b1, W2, b2)
