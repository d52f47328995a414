"""Diagnoses of VJPs and JVPs (the candidate's Jacobian rebuilt from its products) and their wording.

Layer backwards are written as VJPs. A dropped term in one (batch-norm's variance path, layer-norm's
std term, softmax's row sum, an LSTM cell's ``dc_next``) is seen on one random cotangent per trial
only as "no simple pattern"; the checker rebuilds the candidate's Jacobian at the failing trial from
its products with the basis vectors and names the pattern as ``check_jacobian`` would. The layers
below are written in NumPy, as their backwards usually are (the candidate then runs in a loop), a few
in JAX (vmapped over the basis).
"""

from __future__ import annotations

import jax
import jax.numpy as jnp
import numpy as np
import pytest

from chainrule import check_gradient, check_jacobian, check_jvp, check_vjp
from chainrule.reference.checker import blame
from chainrule.reference.checker.diagnosis import describe_factor, diagnose_values
from chainrule.reference.numbers import readable

FAST = {"trials": 20, "shrink": False}
EPS = 1e-5
PER_SLICE = "dropped term: JAX − candidate is a rank-one outer product u vᵀ within each of the"

# =================================================================================================
# The layers, their NumPy backwards, and a mutant of each
# =================================================================================================


def batchnorm(x, gamma, beta):
    """Batch normalization over the batch axis: x (N, D), gamma and beta (D,)."""
    mu = jnp.mean(x, axis=0)
    return gamma * (x - mu) / jnp.sqrt(jnp.var(x, axis=0) + EPS) + beta


def _batchnorm_vjp(x, gamma, beta, ct, variance_path=True):
    s = np.sqrt(x.var(0) + EPS)
    xhat = (x - x.mean(0)) / s
    g = ct * gamma
    dx = (g - g.mean(0) - (xhat * (g * xhat).mean(0) if variance_path else 0.0)) / s
    return dx, (ct * xhat).sum(0), ct.sum(0)


def batchnorm_vjp(x, gamma, beta, ct):
    return _batchnorm_vjp(x, gamma, beta, ct)


def batchnorm_vjp_without_variance_path(x, gamma, beta, ct):
    return _batchnorm_vjp(x, gamma, beta, ct, variance_path=False)


def layernorm(x, gamma):
    """Layer normalization over the last axis: x (B, D), gamma (D,)."""
    mu = jnp.mean(x, axis=-1, keepdims=True)
    return gamma * (x - mu) / jnp.sqrt(jnp.var(x, axis=-1, keepdims=True) + EPS)


def _ln(x):
    s = np.sqrt(x.var(-1, keepdims=True) + EPS)
    return (x - x.mean(-1, keepdims=True)) / s, s


def layernorm_vjp(x, gamma, ct):
    xhat, s = _ln(x)
    g = ct * gamma
    return (g - g.mean(-1, keepdims=True) - xhat * (g * xhat).mean(-1, keepdims=True)) / s


def layernorm_vjp_without_std_term(x, gamma, ct):
    _, s = _ln(x)
    g = ct * gamma
    return (g - g.mean(-1, keepdims=True)) / s


def layernorm_jvp(x, gamma, t):
    xhat, s = _ln(x)
    return gamma * (t - t.mean(-1, keepdims=True) - xhat * (xhat * t).mean(-1, keepdims=True)) / s


def layernorm_jvp_without_std_term(x, gamma, t):
    _, s = _ln(x)
    return gamma * (t - t.mean(-1, keepdims=True)) / s


def softmax_rows(x):
    return jax.nn.softmax(x, axis=-1)


def _softmax(x):
    e = np.exp(x - x.max(-1, keepdims=True))
    return e / e.sum(-1, keepdims=True)


def softmax_vjp(x, ct):
    s = _softmax(x)
    return s * (ct - (ct * s).sum(-1, keepdims=True))


def softmax_vjp_without_row_sum(x, ct):
    return _softmax(x) * ct


def attention(Q, K, V):
    """Single-head attention softmax(Q Kᵀ/√d) V: Q (4, 3), K (5, 3), V (5, 2)."""
    return jax.nn.softmax(Q @ K.T / np.sqrt(Q.shape[-1]), axis=-1) @ V


def _attention_vjp(Q, K, V, ct, row_sum=True):
    d = Q.shape[-1]
    P = _softmax(Q @ K.T / np.sqrt(d))
    dP = ct @ V.T
    dS = P * (dP - (dP * P).sum(-1, keepdims=True)) if row_sum else P * dP
    return dS @ K / np.sqrt(d), dS.T @ Q / np.sqrt(d), P.T @ ct


def attention_vjp(Q, K, V, ct):
    return _attention_vjp(Q, K, V, ct)


def attention_vjp_without_row_sum(Q, K, V, ct):
    return _attention_vjp(Q, K, V, ct, row_sum=False)


def lstm_cell(params, x, h, c):
    """One LSTM step: params {'W': (4H, X), 'U': (4H, H), 'b': (4H,)}, x (X,), h and c (H,) → (h', c')."""
    z = params["W"] @ x + params["U"] @ h + params["b"]
    H = h.shape[0]
    i, f, o = (jax.nn.sigmoid(z[k * H:(k + 1) * H]) for k in range(3))
    c2 = f * c + i * jnp.tanh(z[3 * H:])
    return o * jnp.tanh(c2), c2


def _sigmoid(z):
    return 1 / (1 + np.exp(-z))


def _lstm_vjp(params, x, h, c, ct, dc_next=True):
    W, U, b = params["W"], params["U"], params["b"]
    dh2, dc2 = ct
    H = h.shape[0]
    z = W @ x + U @ h + b
    i, f, o = (_sigmoid(z[k * H:(k + 1) * H]) for k in range(3))
    g = np.tanh(z[3 * H:])
    tc = np.tanh(f * c + i * g)
    dc = dh2 * o * (1 - tc ** 2) + (dc2 if dc_next else 0.0)
    dz = np.concatenate([dc * g * i * (1 - i), dc * c * f * (1 - f), dh2 * tc * o * (1 - o), dc * i * (1 - g ** 2)])
    return {"W": np.outer(dz, x), "U": np.outer(dz, h), "b": dz}, dc * f


def lstm_vjp(params, x, h, c, ct):
    return _lstm_vjp(params, x, h, c, ct)


def lstm_vjp_without_dc_next(params, x, h, c, ct):
    return _lstm_vjp(params, x, h, c, ct, dc_next=False)


BN = (np.zeros((6, 3)), np.zeros(3), np.zeros(3))
LN = (np.zeros((2, 5)), np.zeros(5))
ATT = (np.zeros((4, 3)), np.zeros((5, 3)), np.zeros((5, 2)))
H, X = 3, 2
LSTM = ({"W": np.zeros((4 * H, X)), "U": np.zeros((4 * H, H)), "b": np.zeros(4 * H)},
        np.zeros(X), np.zeros(H), np.zeros(H))

# =================================================================================================
# Dropped terms in VJPs and JVPs
# =================================================================================================


def test_batchnorm_backward_without_the_variance_path():
    assert check_vjp(batchnorm, batchnorm_vjp, *BN, argnums=(0, 1, 2), **FAST).ok
    r = check_vjp(batchnorm, batchnorm_vjp_without_variance_path, *BN, argnums=(0, 1, 2), **FAST)
    assert not r.ok and [b.name for b in r.blocks if not b.ok] == ["x"]
    d = r.diagnosis
    assert d.startswith(PER_SLICE + " 3 slices along axis 1 (of the output and the input"), d  # per feature
    assert "variance path" in d and "— in ∂f/∂x, rebuilt from the candidate's VJPs of the 18 basis cotangents" in d
    assert "no simple pattern" not in d


def test_layernorm_backward_without_the_std_term_as_a_vjp_and_as_a_jvp():
    assert check_vjp(layernorm, layernorm_vjp, *LN, **FAST).ok
    r = check_vjp(layernorm, layernorm_vjp_without_std_term, *LN, **FAST)
    assert r.diagnosis.startswith(PER_SLICE + " 2 slices along axis 0"), r.diagnosis  # per row
    assert "∂f/∂x, rebuilt from the candidate's VJPs of the 10 basis cotangents" in r.diagnosis
    assert check_jvp(layernorm, layernorm_jvp, *LN, **FAST).ok
    r = check_jvp(layernorm, layernorm_jvp_without_std_term, *LN, **FAST)
    assert r.diagnosis.startswith(PER_SLICE + " 2 slices along axis 0"), r.diagnosis
    assert "rebuilt from the candidate's JVPs of the 10 basis tangents" in r.diagnosis


def test_softmax_backward_without_the_row_sum_numpy_and_jax():
    x = np.zeros((3, 4))
    assert check_vjp(softmax_rows, softmax_vjp, x, **FAST).ok
    for cand in (softmax_vjp_without_row_sum, lambda x, ct: jax.nn.softmax(x, axis=-1) * ct):
        r = check_vjp(softmax_rows, cand, x, **FAST)
        assert r.diagnosis.startswith(PER_SLICE + " 3 slices along axis 0"), r.diagnosis
        assert "softmax's −s sᵀ" in r.diagnosis
    one_row = check_vjp(jax.nn.softmax, softmax_vjp_without_row_sum, np.zeros(5), **FAST)
    assert one_row.diagnosis.startswith("dropped term: JAX − candidate is a rank-one outer product"), one_row.diagnosis


def test_attention_backward_without_the_softmax_row_sum():
    assert check_vjp(attention, attention_vjp, *ATT, argnums=(0, 1, 2), **FAST).ok
    r = check_vjp(attention, attention_vjp_without_row_sum, *ATT, argnums=(0, 1, 2), **FAST)
    assert [b.name for b in r.blocks if not b.ok] == ["Q", "K"]  # dV does not see the row sum
    by_block = {b.name: b.diagnosis for b in r.blocks}
    assert by_block["Q"].startswith(PER_SLICE + " 4 slices along axis 0"), by_block["Q"]  # per query
    assert by_block["K"].startswith("dropped term: JAX − candidate is a rank-one outer product u vᵀ for each of "
                                    "the 4 indices along output axis 0"), by_block["K"]
    assert "in ∂f/∂Q" in by_block["Q"] and "in ∂f/∂K" in by_block["K"]


def test_lstm_cell_backward_without_dc_next_pytree_parameters_and_a_tuple_output():
    assert check_vjp(lstm_cell, lstm_vjp, *LSTM, argnums=(0, 3), **FAST).ok
    r = check_vjp(lstm_cell, lstm_vjp_without_dc_next, *LSTM, argnums=(0, 3), **FAST)
    assert not r.ok and {b.name for b in r.blocks if not b.ok} == {"params['W']", "params['U']", "params['b']", "c"}
    assert r.diagnosis.startswith("zero where JAX is not: the candidate ignores the cotangent of f[1]"), r.diagnosis
    assert "dc_next" in r.diagnosis and "rebuilt from the candidate's VJPs of the 6 basis cotangents" in r.diagnosis


def test_a_jvp_that_ignores_one_tangent_of_a_tuple():
    def jvp_without_c(params, x, h, c, t):  # JAX-traceable: the rebuild vmaps it over the basis
        return jax.jvp(lambda x, h: lstm_cell(params, x, h, c), (x, h), t[:2])[1]

    rng = np.random.default_rng(0)
    params = {k: rng.standard_normal(v.shape) for k, v in LSTM[0].items()}
    r = check_jvp(lstm_cell, jvp_without_c, params, *LSTM[1:], argnums=(1, 2, 3), **FAST)
    assert r.diagnosis.startswith("zero where JAX is not: the candidate ignores the tangent of c"), r.diagnosis
    assert "JVPs of the 8 basis tangents" in r.diagnosis


def test_a_jacobian_too_large_to_rebuild_is_probed():
    r = check_vjp(layernorm, layernorm_vjp_without_std_term, *LN, max_dense=50, **FAST)
    assert "too large to rebuild (10 × 10 entries, over max_dense=50)" in r.diagnosis, r.diagnosis
    assert r.diagnosis.startswith("the errors of 8 products span only 2 dimensions"), r.diagnosis  # a row each
    r = check_jvp(jnp.sin, lambda x, t: jnp.cos(x) * t + jnp.cos(x) * jnp.sum(t), np.zeros(12), max_dense=50, **FAST)
    assert r.diagnosis.startswith("the errors of all 8 products are multiples of one vector"), r.diagnosis


def test_a_vjp_that_is_not_linear_in_the_cotangent():
    r = check_vjp(jnp.sin, lambda x, ct: ct * np.cos(x) + 0.1, np.zeros(4), **FAST)
    assert r.diagnosis.startswith("not linear in the cotangent: with ct = 0 the candidate returns a non-zero x")
    r = check_vjp(jnp.sin, lambda x, ct: ct ** 3 * np.cos(x), np.zeros(4), **FAST)
    assert r.diagnosis.startswith("not linear in the cotangent: its products with the basis cotangents"), r.diagnosis


def test_clearer_product_level_facts_are_kept():
    def f(x):
        return jnp.tanh(x) * jnp.sum(x)

    def vjp(x, ct):
        th = np.tanh(x)
        return ct * (1 - th ** 2) * x.sum() + (ct * th).sum()

    assert check_vjp(f, vjp, np.zeros(4), **FAST).ok
    assert check_vjp(f, lambda x, ct: 2 * vjp(x, ct), np.zeros(4), **FAST).diagnosis == "off by a constant factor 2"
    r = check_vjp(f, lambda x, ct: vjp(x, ct) * np.array([1.0, 1.0, 3.0, 1.0]), np.zeros(4), **FAST)
    assert r.diagnosis.startswith("one wrong entry at (2,)"), r.diagnosis
    r = check_vjp(lambda x, y: x * y, lambda x, y, ct: (ct * y, np.zeros_like(y)), np.zeros(3), np.zeros(3),
                  argnums=(0, 1), **FAST)
    assert r.diagnosis == "derivative missing for argument 1 (y) (zero where JAX is not)"


def test_the_rebuild_runs_only_when_a_check_fails(monkeypatch):
    calls = []
    real = blame._products
    monkeypatch.setattr(blame, "_products", lambda *a, **k: calls.append(1) or real(*a, **k))
    assert check_vjp(layernorm, layernorm_vjp, *LN, trials=50).ok
    assert check_jvp(layernorm, layernorm_jvp, *LN, trials=50).ok
    assert not calls
    assert not check_vjp(layernorm, layernorm_vjp_without_std_term, *LN, **FAST).ok
    assert len(calls) == 1


def test_check_jacobian_names_the_same_pattern():
    """The rebuilt Jacobian is diagnosed like a claimed one: check_jacobian on batch-norm's says the same."""
    def jac_without_variance_path(x, gamma, beta):
        N, D = x.shape
        s = jnp.sqrt(jnp.var(x, axis=0) + EPS)
        eye = jnp.einsum("nm,de->ndme", jnp.eye(N), jnp.eye(D))
        return gamma[None, :, None, None] * (eye - jnp.einsum("nm,de->ndme", jnp.ones((N, N)) / N, jnp.eye(D))) / s

    r = check_jacobian(batchnorm, jac_without_variance_path, *BN, **FAST)
    assert r.diagnosis.startswith(PER_SLICE + " 3 slices along axis 1"), r.diagnosis


# =================================================================================================
# Patterns of diagnose_values
# =================================================================================================


def _jac(m, n, seed=0):
    return np.random.default_rng(seed).standard_normal((m, n))


def test_one_wrong_column_and_one_wrong_row():
    J = _jac(3, 4)
    wrong = J.copy()
    wrong[:, 2] *= 1.5
    d = diagnose_values(wrong, J, out_shape=(3,), in_shape=(4,))
    assert d.startswith("wrong only in the derivatives with respect to input entry (2,) (one column"), d
    wrong = J.copy()
    wrong[1] += 1.0
    d = diagnose_values(wrong, J, out_shape=(3,), in_shape=(4,))
    assert d.startswith("wrong only in the derivatives of output entry (1,) (one row"), d


def test_a_difference_of_rank_two():
    J = _jac(6, 7)
    u, v = _jac(6, 2, 1), _jac(2, 7, 2)
    d = diagnose_values(J + u @ v, J, out_shape=(6,), in_shape=(7,))
    assert d.startswith("dropped term: JAX − candidate has rank 2"), d


def test_every_entry_wrong_never_says_the_others_agree():
    r = np.array([1.0, 2.0])
    d = diagnose_values(np.array([3.0, 1.0]), r, out_shape=(), in_shape=(2,))
    assert "the others agree" not in d and d.startswith("no simple pattern"), d
    d = diagnose_values(np.array([1.5, 2.0, 3.0]), np.array([1.0, 2.0, 3.0]), out_shape=(), in_shape=(3,))
    assert d == "one wrong entry at (0,)"
    rep = check_gradient(lambda x: jnp.sum(x ** 2), lambda x: 2 * x + np.array([1.0, -2.0]), np.zeros(2), **FAST)
    assert not rep.ok and "the others agree" not in rep.diagnosis, rep.diagnosis
    J = _jac(2, 2)
    assert "the others agree" not in diagnose_values(J + _jac(2, 2, 5), J, out_shape=(2,), in_shape=(2,))


def test_some_entries_wrong_still_says_the_others_agree():
    r = np.arange(1.0, 41.0)
    c = r.copy()
    c[[3, 17]] += 1.0
    assert diagnose_values(c, r, out_shape=(), in_shape=(40,)) == ("2 wrong entries of 40 at (3,), (17,) "
                                                                   "(the others agree)")


# =================================================================================================
# Numbers the way people write them
# =================================================================================================


@pytest.mark.parametrize(("x", "text"), [
    (2.0, "2"), (0.5, "1/2"), (-1.0, "−1"), (2 ** 0.5, "√2"), (2 ** -0.5, "1/√2"), (-0.25, "−1/4"),
    (3 * 2 ** 0.5 / 4, "3√2/4"), (1 / 3 ** 0.5, "1/√3"), (np.pi / 2, "π/2"), (1.2345678, "1.23457"),
    (-1.2345678, "−1.23457"), (12.5, "12.5"), (0.0, "0"),
])
def test_readable(x, text):
    assert readable(x) == text


def test_readable_tolerance():
    assert readable(1.41421) == "1.41421" and readable(1.41421, tol=1e-5) == "√2"
    assert readable(0.5 + 1e-12) == "1/2"


def test_constant_factors_read_as_people_write_them():
    r = check_gradient(lambda x: jnp.sum(x ** 2), lambda x: 2 * np.sqrt(2) * x, np.zeros(4), **FAST)
    assert r.diagnosis == "off by a constant factor √2", r.diagnosis
    r = check_gradient(lambda x: jnp.sum(jnp.sin(x)), lambda x: jnp.cos(x) / 2, np.zeros(4), **FAST)
    assert r.diagnosis == "off by a constant factor 1/2"
    r = check_gradient(lambda x: jnp.sum(jnp.sin(x)), lambda x: -jnp.cos(x) / np.sqrt(2), np.zeros(4), **FAST)
    assert r.diagnosis == "sign flipped and off by a constant factor −1/√2", r.diagnosis
    assert describe_factor(1 / np.sqrt(3), dims=(3, 5)).startswith("off by a constant factor 1/√3 (= 1/√N with N = 3")
    assert describe_factor(5.0, dims=(5,)).startswith("off by a constant factor 5 (= N with N = 5")
    assert describe_factor(2.0, dims=(4,)) == "off by a constant factor 2"  # 2 = √4 is not named
