"""chainrule.analytic.layer_loss: SVM, softmax-classifier and label-smoothed losses over a batch.

Exact values against CS231n's naive loops, the SVM's kink convention (pinned, with what JAX does),
the reduction to LF-4, label validation and bad input.
NumPy ↔ JAX under jit, dtypes and the randomized checks: tests/test_catalog.py, catalog-wide.
"""

from __future__ import annotations

import jax
import jax.numpy as jnp
import numpy as np
import pytest

from chainrule.analytic import layer_loss as ll
from chainrule.analytic import lossfn as lf
from chainrule.reference.autodiff import gradient, x64

RNG = np.random.default_rng(26)
S = RNG.standard_normal((5, 4))
Y = np.array([0.0, 3.0, 1.0, 1.0, 2.0])


def _svm_naive(S, y, delta=1.0):
    """CS231n's svm_loss_naive, loops and all: (loss, dS)."""
    N, C = S.shape
    loss, dS = 0.0, np.zeros_like(S)
    for i in range(N):
        yi = int(y[i])
        for j in range(C):
            if j == yi:
                continue
            margin = S[i, j] - S[i, yi] + delta
            if margin > 0:
                loss += margin
                dS[i, j] += 1.0
                dS[i, yi] -= 1.0
    return loss / N, dS / N


def _softmax_naive(W, X, y):
    """CS231n's softmax_loss_naive (reg = 0): (loss, dW)."""
    N, C = X.shape[0], W.shape[1]
    loss, dW = 0.0, np.zeros_like(W)
    for i in range(N):
        f = X[i] @ W
        p = np.exp(f - f.max()) / np.exp(f - f.max()).sum()
        loss -= np.log(p[int(y[i])])
        for j in range(C):
            dW[:, j] += (p[j] - (j == int(y[i]))) * X[i]
    return loss / N, dW / N


# --- LAYER-26 multi-class SVM ------------------------------------------------------------------------------


def test_svm_matches_cs231n_naive_loops():
    loss, dS = _svm_naive(S, Y)
    np.testing.assert_allclose(ll.svm_loss(S, Y), loss, rtol=1e-14)
    np.testing.assert_allclose(ll.grad_svm_loss_S(S, Y), dS, rtol=1e-15)
    np.testing.assert_array_equal((ll.grad_svm_loss_S(S, Y) * 5).sum(axis=1), 0.0)  # +1 per hinge, −1 at yᵢ


def test_svm_kink_zero_margin_is_inactive_and_jax_agrees_but_maximum_gives_half():
    # row 0: margins S_01 − S_00 + 1 = 0 (exactly on the kink) and S_02 − S_00 + 1 = 1.5 (active)
    Sk, yk = np.array([[1.0, 0.0, 1.5]]), np.array([0.0])
    np.testing.assert_array_equal(ll.grad_svm_loss_S(Sk, yk), [[-1.0, 0.0, 1.0]])  # derivative 0 at m = 0
    assert float(ll.svm_loss(Sk, yk)) == 1.5
    np.testing.assert_array_equal(gradient(ll.svm_loss, Sk, yk), [[-1.0, 0.0, 1.0]])  # JAX, this primal
    with x64():  # the same loss written with jnp.maximum: JAX splits the kink's subgradient, ½ each way
        def hinge_by_maximum(s):
            m = s - s[0, 0] + 1.0
            return jnp.sum(jnp.maximum(0.0, m[0, 1:]))

        g = np.asarray(jax.grad(hinge_by_maximum)(jnp.asarray(Sk)))
    np.testing.assert_array_equal(g, [[-1.5, 0.5, 1.0]])
    assert _svm_naive(Sk, yk)[1][0, 1] == 0.0  # CS231n counts margins > 0: also 0


def test_svm_one_class_is_zero_and_delta_moves_the_kink():
    np.testing.assert_array_equal(ll.grad_svm_loss_S(np.ones((2, 1)), np.zeros(2)), np.zeros((2, 1)))
    assert float(ll.svm_loss(np.ones((2, 1)), np.zeros(2))) == 0.0
    Sk, yk = np.array([[1.0, 0.0]]), np.array([0.0])  # margin 0 − 1 + Δ
    np.testing.assert_array_equal(ll.grad_svm_loss_S(Sk, yk, delta=0.5), [[0.0, 0.0]])
    np.testing.assert_array_equal(ll.grad_svm_loss_S(Sk, yk, delta=2.0), [[-1.0, 1.0]])


# --- LAYER-27 softmax classifier ----------------------------------------------------------------------------


def test_softmax_classifier_matches_cs231n_naive_loops_and_autodiff():
    W, X = RNG.standard_normal((3, 4)), RNG.standard_normal((5, 3))
    loss, dW = _softmax_naive(W, X, Y)
    np.testing.assert_allclose(ll.softmax_classifier_loss(W, X, Y), loss, rtol=1e-13)
    np.testing.assert_allclose(ll.grad_softmax_classifier_loss_W(W, X, Y), dW, rtol=1e-12, atol=1e-15)
    ref = gradient(ll.softmax_classifier_loss, W, X, Y, argnums=(0, 1))
    np.testing.assert_allclose(ll.grad_softmax_classifier_loss_W(W, X, Y), ref[0], rtol=1e-12, atol=1e-15)
    np.testing.assert_allclose(ll.grad_softmax_classifier_loss_X(W, X, Y), ref[1], rtol=1e-12, atol=1e-15)


def test_softmax_classifier_is_lf4_of_the_scores_and_accepts_integer_labels():
    W, X = RNG.standard_normal((3, 4)), RNG.standard_normal((5, 3))
    onehot = np.eye(4)[Y.astype(int)]
    G = lf.grad_mean_softmax_cross_entropy_Z(X @ W, onehot)
    np.testing.assert_allclose(ll.grad_softmax_classifier_loss_W(W, X, Y), X.T @ G, rtol=1e-15)
    labels = Y.astype(np.int64)  # CS231n's integer labels work as they are
    np.testing.assert_array_equal(ll.grad_softmax_classifier_loss_X(W, X, labels),
                                  ll.grad_softmax_classifier_loss_X(W, X, Y))
    assert ll.grad_softmax_classifier_loss_X(W.astype(np.float32), X.astype(np.float32), labels).dtype == np.float32


# --- LAYER-28 label smoothing -------------------------------------------------------------------------------


def test_label_smoothing_reduces_to_one_hot_and_to_uniform():
    onehot = np.eye(4)[Y.astype(int)]
    np.testing.assert_array_equal(ll.grad_label_smoothed_cross_entropy_Z(S, Y, eps=0.0),
                                  lf.grad_mean_softmax_cross_entropy_Z(S, onehot))
    # ε = 1: the uniform target, so Z = 0 (uniform prediction) is a stationary point, exactly
    np.testing.assert_array_equal(ll.grad_label_smoothed_cross_entropy_Z(np.zeros((2, 4)), np.array([0.0, 3.0]),
                                                                          eps=1.0), np.zeros((2, 4)))
    g = ll.grad_label_smoothed_cross_entropy_Z(S, Y, eps=0.1)
    np.testing.assert_allclose(g.sum(axis=1), 0.0, atol=1e-16)
    target = 0.9 * onehot + 0.1 / 4
    np.testing.assert_allclose(g, (np.exp(S) / np.exp(S).sum(axis=1, keepdims=True) - target) / 5, rtol=1e-13)
    np.testing.assert_allclose(ll.label_smoothed_cross_entropy(S, Y, eps=0.1),
                               lf.mean_softmax_cross_entropy(S, target), rtol=1e-15)


def test_label_smoothing_gradient_vanishes_at_a_finite_logit_gap():
    # C = 2, ε = 0.2: target [0.9, 0.1]; softmax hits it at z₀ − z₁ = log 9, where ε = 0 would still pull
    Z = np.array([[np.log(9.0), 0.0]])
    np.testing.assert_allclose(ll.grad_label_smoothed_cross_entropy_Z(Z, np.array([0.0]), eps=0.2), 0.0,
                               atol=1e-15)
    assert ll.grad_label_smoothed_cross_entropy_Z(Z, np.array([0.0]), eps=0.0)[0, 0] < 0


# --- labels and bad input -----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("call", "exc", "text"),
    [
        (lambda: ll.svm_loss(S, np.array([0.0, 1.5, 1.0, 1.0, 2.0])), ValueError,
         "y: class labels must be integers, but y[1] = 1.5"),
        (lambda: ll.grad_svm_loss_S(S, np.array([0.0, 4.0, 1.0, 1.0, 2.0])), ValueError,
         "y: class labels must lie in 0 … 3 (C = 4 classes"),
        (lambda: ll.grad_label_smoothed_cross_entropy_Z(S, -Y), ValueError, "class labels must lie in 0 … 3"),
        (lambda: ll.grad_svm_loss_S(S, Y[:3]), ValueError, "y has 3 labels but the scores have 5 rows"),
        (lambda: ll.grad_svm_loss_S(S, Y[:, None]), ValueError, "y: expected integer class labels y of shape (N,)"),
        (lambda: ll.grad_svm_loss_S(S[0], Y[:1]), ValueError, "S: expected class scores S of shape (N, C)"),
        (lambda: ll.grad_svm_loss_S(S, Y, delta=0.0), ValueError, "delta: expected the SVM margin Δ"),
        (lambda: ll.grad_label_smoothed_cross_entropy_Z(S, Y, eps=1.5), ValueError,
         "eps: expected the label-smoothing weight ε as a float in [0, 1]"),
        (lambda: ll.grad_softmax_classifier_loss_W(np.ones((3, 4)), np.ones((5, 2)), Y), ValueError,
         "X has 2 features per sample"),
        (lambda: ll.grad_softmax_classifier_loss_X(np.ones((3, 2)), np.ones((5, 3)), Y), ValueError,
         "class labels must lie in 0 … 1 (C = 2 classes"),
        (lambda: ll.grad_svm_loss_S(np.ones((0, 3)), np.zeros(0)), ValueError, "at least one sample"),
        (lambda: ll.svm_loss(S, Y.astype(bool)), TypeError, "y: expected a real floating array"),
    ],
)
def test_bad_input_is_explained(call, exc, text):
    with pytest.raises(exc) as info:
        call()
    assert text in str(info.value)


def test_labels_are_not_checked_under_jit_but_shapes_are():
    with x64():
        f = jax.jit(ll.grad_svm_loss_S)
        got = f(jnp.asarray(S), jnp.asarray(Y))
        np.testing.assert_allclose(np.asarray(got), ll.grad_svm_loss_S(S, Y), rtol=1e-15)
        with pytest.raises(ValueError, match="y has 3 labels"):
            f(jnp.asarray(S), jnp.asarray(Y[:3]))
