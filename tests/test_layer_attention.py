"""chainrule.analytic.layer_attention: temperature softmax, attention, causal masking, multi-head attention.

Exact values, the structure of LAYER-22's Jacobian, the causal mask's exact zeros (and JAX's), the
FlashAttention identities, agreement with autodiff beyond the catalog's sizes, and bad input.
NumPy ↔ JAX under jit, dtypes and the randomized checks: tests/test_catalog.py, catalog-wide.
"""

from __future__ import annotations

import jax
import jax.numpy as jnp
import numpy as np
import pytest

from chainrule.analytic import layer_attention as at
from chainrule.analytic import lossfn as lf
from chainrule.analytic.structured import DiagonalPlusRankOne, todense
from chainrule.reference.autodiff import jacobian, vjp, x64

RNG = np.random.default_rng(11)
Q, K, V, CT = (RNG.standard_normal(s) for s in ((3, 2), (4, 2), (4, 3), (3, 3)))


# --- LAYER-22 softmax with temperature -------------------------------------------------------------------


def test_temperature_jacobian_is_structured_and_scales_lf1():
    z, tau = np.array([1.0, -0.5, 2.0, 0.0]), 0.7
    s = np.exp(z / tau) / np.exp(z / tau).sum()
    J = at.jac_softmax_temperature_z(z, tau)
    assert isinstance(J, DiagonalPlusRankOne) and J.shape == (4, 4)
    np.testing.assert_allclose(todense(J), (np.diag(s) - np.outer(s, s)) / tau, rtol=1e-14, atol=1e-16)
    # τ = 1 is LF-1 exactly
    np.testing.assert_array_equal(todense(at.jac_softmax_temperature_z(z, 1.0)), todense(lf.jac_softmax_z(z)))
    np.testing.assert_array_equal(at.softmax_temperature(z, 1.0), lf.softmax(z))


def test_temperature_derivative_matches_autodiff_and_sums_to_zero():
    z = np.array([0.3, -1.2, 2.0, 0.5, -0.1])
    for tau in (0.25, 1.0, 3.0):
        got = at.jac_softmax_temperature_tau(z, tau)
        ref = jacobian(at.softmax_temperature, z, np.asarray(tau), argnums=1)
        np.testing.assert_allclose(got, ref, rtol=1e-12, atol=1e-15)
        assert abs(got.sum()) < 1e-13  # the probabilities keep summing to 1
    # raising τ moves mass from the largest logit to the others (s flattens)
    d = at.jac_softmax_temperature_tau(z, 1.0)
    assert d[np.argmax(z)] < 0 and d[np.argmin(z)] > 0


# --- LAYER-23 attention -------------------------------------------------------------------------------------


def test_attention_equals_its_definition_and_keeps_dtype():
    S = Q @ K.T / np.sqrt(2.0)
    P = np.exp(S) / np.exp(S).sum(axis=1, keepdims=True)
    np.testing.assert_allclose(at.attention(Q, K, V), P @ V, rtol=1e-14)
    out = at.vjp_attention_K(Q.astype(np.float32), K.astype(np.float32), V.astype(np.float32),
                             CT.astype(np.float32))
    assert out.dtype == np.float32


def test_attention_backward_exact_values_with_uniform_weights():
    # Q = 0: every score is 0, P = 1/Tk everywhere, so ∂L/∂V = Pᵀ dO gives every value row the mean cotangent
    # sum; and O = mean of V's rows, dS = P ∘ (dP − rowsum(dO ∘ O)).
    Q0 = np.zeros((2, 2))
    np.testing.assert_allclose(at.vjp_attention_V(Q0, K, V, CT[:2]), np.tile(CT[:2].sum(axis=0) / 4, (4, 1)),
                               rtol=1e-15)
    dP = CT[:2] @ V.T
    dS = (dP - dP.mean(axis=1, keepdims=True)) / 4
    np.testing.assert_allclose(at.vjp_attention_Q(Q0, K, V, CT[:2]), dS @ K / np.sqrt(2.0), rtol=1e-14)
    np.testing.assert_array_equal(at.vjp_attention_K(Q0, K, V, CT[:2]), np.zeros((4, 2)))  # dSᵀ Q, Q = 0


def test_attention_backward_matches_jax_vjp_and_flashattention_identity():
    ref = vjp(at.attention, (Q, K, V), CT)
    for fn, r in zip((at.vjp_attention_Q, at.vjp_attention_K, at.vjp_attention_V), ref, strict=True):
        np.testing.assert_allclose(fn(Q, K, V, CT), r, rtol=1e-12, atol=1e-15, err_msg=fn.__name__)
    # FlashAttention's D_i = dO_i·O_i equals Σ_j P_ij dP_ij (why dS needs no P Jacobian matrix)
    S = Q @ K.T / np.sqrt(2.0)
    P = np.exp(S) / np.exp(S).sum(axis=1, keepdims=True)
    np.testing.assert_allclose((CT * (P @ V)).sum(axis=1), (P * (CT @ V.T)).sum(axis=1), rtol=1e-13)
    # shifting every key by one vector shifts each query's scores by a constant: dK's columns sum to 0
    np.testing.assert_allclose(at.vjp_attention_K(Q, K, V, CT).sum(axis=0), 0.0, atol=1e-14)


# --- LAYER-24 causal attention ---------------------------------------------------------------------------------


def _causal_args(dtype=np.float64):
    rng = np.random.default_rng(5)
    return tuple(rng.standard_normal(s).astype(dtype) for s in ((4, 2), (4, 2), (4, 3)))


@pytest.mark.parametrize("dtype", [np.float64, np.float32])
def test_causal_gradients_of_future_positions_are_exactly_zero_and_jax_agrees(dtype):
    Qc, Kc, Vc = _causal_args(dtype)
    ct = np.zeros((4, 3), dtype=dtype)
    ct[1] = np.array([1.0, -2.0, 0.5], dtype=dtype)  # only query 1 has a cotangent: it sees keys 0 and 1
    dK, dV = at.vjp_causal_attention_K(Qc, Kc, Vc, ct), at.vjp_causal_attention_V(Qc, Kc, Vc, ct)
    assert np.all(dK[2:] == 0.0) and np.all(dV[2:] == 0.0)  # exactly, not merely small
    assert np.any(dK[:2] != 0.0) and np.any(dV[:2] != 0.0)
    dQ = at.vjp_causal_attention_Q(Qc, Kc, Vc, ct)
    assert np.all(dQ[[0, 2, 3]] == 0.0) and np.all(np.isfinite(dQ))
    # JAX through the −∞ mask: also exact zeros, and no NaN anywhere
    precision = "float32" if dtype == np.float32 else "float64"
    jQ, jK, jV = vjp(at.causal_attention, (Qc, Kc, Vc), ct, precision=precision)
    assert np.all(jK[2:] == 0.0) and np.all(jV[2:] == 0.0)
    assert all(np.all(np.isfinite(g)) for g in (jQ, jK, jV))
    tol = {"rtol": 1e-12, "atol": 1e-15} if dtype == np.float64 else {"rtol": 1e-5, "atol": 1e-6}
    for got, ref in ((dQ, jQ), (dK, jK), (dV, jV)):
        np.testing.assert_allclose(got, ref, **tol)


def test_causal_mask_weights_are_exactly_zero_and_first_row_copies_v0():
    Qc, Kc, Vc = _causal_args()
    out = at.causal_attention(Qc, Kc, Vc)
    np.testing.assert_array_equal(out[0], Vc[0])  # query 0 sees only key 0: P[0] = [1, 0, 0, 0]
    np.testing.assert_allclose(out[1:2], at.attention(Qc[1:2], Kc[:2], Vc[:2]), rtol=1e-14)
    with x64():  # JAX's own grad of the masked primal under jit: finite
        g = jax.jit(jax.grad(lambda q: at.causal_attention(q, jnp.asarray(Kc), jnp.asarray(Vc)).sum()))(
            jnp.asarray(Qc))
    assert np.all(np.isfinite(np.asarray(g)))


# --- LAYER-25 multi-head attention ------------------------------------------------------------------------------


def _mha_args(T=3, D=6):
    rng = np.random.default_rng(7)
    return tuple(rng.standard_normal(s) / (1.0 if s[0] == T else np.sqrt(D))
                 for s in ((T, D), (D, D), (D, D), (D, D), (D, D), (T, D)))


def test_one_head_is_attention_of_the_projections():
    X, Wq, Wk, Wv, Wo, _ = _mha_args()
    np.testing.assert_allclose(at.multi_head_attention(X, Wq, Wk, Wv, Wo, h=1),
                               at.attention(X @ Wq, X @ Wk, X @ Wv) @ Wo, rtol=1e-13)
    # h heads: head i is attention on column block i, with 1/√d_k
    Y = at.multi_head_attention(X, Wq, Wk, Wv, np.eye(6), h=3)
    for i in range(3):
        c = slice(2 * i, 2 * i + 2)
        np.testing.assert_allclose(Y[:, c], at.attention((X @ Wq)[:, c], (X @ Wk)[:, c], (X @ Wv)[:, c]),
                                   rtol=1e-13)


@pytest.mark.parametrize("h", [1, 3])
def test_multi_head_backward_matches_jax_vjp(h):
    X, Wq, Wk, Wv, Wo, ct = _mha_args()
    refs = vjp(lambda *a: at.multi_head_attention(*a, h=h), (X, Wq, Wk, Wv, Wo), ct)
    fns = (at.vjp_multi_head_attention_X, at.vjp_multi_head_attention_Wq, at.vjp_multi_head_attention_Wk,
           at.vjp_multi_head_attention_Wv, at.vjp_multi_head_attention_Wo)
    for fn, ref in zip(fns, refs, strict=True):
        np.testing.assert_allclose(fn(X, Wq, Wk, Wv, Wo, ct, h=h), ref, rtol=1e-11, atol=1e-14, err_msg=fn.__name__)


# --- bad input ---------------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("call", "exc", "text"),
    [
        (lambda: at.softmax_temperature(np.ones(3), 0.0), ValueError,
         "tau: softmax(z/τ) is defined only where tau > 0"),
        (lambda: at.jac_softmax_temperature_tau(np.ones(3), -1.0), ValueError, "tau > 0"),
        (lambda: at.jac_softmax_temperature_z(np.ones(3), np.ones(3)), ValueError, "tau: expected the temperature"),
        (lambda: at.attention(Q, np.ones((4, 3)), V), ValueError, "Q Kᵀ needs queries and keys of one width d"),
        (lambda: at.attention(Q, K, np.ones((5, 3))), ValueError, "attention needs one value per key"),
        (lambda: at.vjp_attention_Q(Q, K, V, np.ones((3, 2))), ValueError,
         "ct: expected the upstream gradient ∂L/∂O shaped like O, (3, 3), got (3, 2)"),
        (lambda: at.causal_attention(Q, K, V), ValueError, "causal attention needs one query per key position"),
        (lambda: at.attention(Q[0], K, V), ValueError, "Q: expected queries Q of shape (Tq, d)"),
        (lambda: at.multi_head_attention(*_mha_args()[:5], h=4), ValueError, "h: 4 heads do not split d_model = 6"),
        (lambda: at.multi_head_attention(*_mha_args()[:5], h=0), ValueError, "h: expected the number of heads"),
        (lambda: at.vjp_multi_head_attention_Wq(np.ones((3, 6)), np.ones((6, 6)), np.ones((6, 5)), np.ones((6, 6)),
                                                np.ones((6, 6)), np.ones((3, 6))), ValueError,
         "Wk: expected shape (6, 6)"),
        (lambda: at.vjp_attention_V(Q, K, np.arange(12).reshape(4, 3), CT), TypeError,
         "V: expected a real floating array"),
    ],
)
def test_bad_input_is_explained(call, exc, text):
    with pytest.raises(exc) as info:
        call()
    assert text in str(info.value)
