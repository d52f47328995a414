"""chainrule.analytic.layer_norm: batch-norm (staged and compact), layer-norm, RMS-norm, dropout.

Exact values, the pinned identities (batch-norm's ∂L/∂X sums to zero over the batch and is orthogonal to
x̂; dropout routes zero gradient through a dropped unit), how the layers relate, and bad input.
Agreement with JAX on random draws, NumPy ↔ JAX under jit and dtypes: tests/test_catalog.py.
"""

from __future__ import annotations

import functools

import jax
import jax.numpy as jnp
import numpy as np
import pytest

from chainrule.analytic import layer_norm as ln
from chainrule.reference.autodiff import gradient, x64
from chainrule.reference.catalog import rules_layer_norm as rln

#: μ = 0, σ² = 1 exactly: x̂ = X / √(1 + ε).
X4 = np.array([[-1.0], [-1.0], [1.0], [1.0]])
CT4 = np.array([[1.0], [0.0], [0.0], [2.0]])
ONE, ZERO = np.ones(1), np.zeros(1)


def _random(seed, N=5, D=3, dtype="float64"):
    rng = np.random.default_rng(seed)
    X = rln.BATCH_SPREAD.draw(rng, (N, D))
    return [a.astype(dtype) for a in (X, rng.standard_normal(D), rng.standard_normal(D), rng.standard_normal((N, D)))]


# --- LAYER-10 / LAYER-11 batch-norm -------------------------------------------------------------------


def test_batch_norm_backward_exact_values():
    # x̂ = X (ε = 1e-300 vanishes against σ² = 1), Σδ = 3, Σδ∘x̂ = 1: ∂L/∂X = (1/4)(4δ − 3 − x̂)
    for vjp in (ln.vjp_batch_norm_X, ln.vjp_batch_norm_X_compact):
        np.testing.assert_array_equal(vjp(X4, ONE, ZERO, CT4, eps=1e-300), [[0.5], [-0.5], [-1.0], [1.0]])
    np.testing.assert_array_equal(ln.vjp_batch_norm_X_compact(X4, 2 * ONE, ZERO, CT4, eps=1e-300),
                                  [[1.0], [-1.0], [-2.0], [2.0]])  # γ scales it
    np.testing.assert_array_equal(ln.vjp_batch_norm_gamma(X4, ONE, ZERO, CT4, eps=1e-300), [1.0])
    np.testing.assert_array_equal(ln.vjp_norm_beta(X4, ONE, ZERO, CT4), [3.0])
    np.testing.assert_array_equal(ln.batch_norm(X4, 3 * ONE, ONE, eps=1e-300), 3 * X4 + 1)


@pytest.mark.parametrize("seed", range(5))
def test_staged_and_compact_batch_norm_backward_agree(seed):
    X, g, b, ct = _random(seed)
    staged = ln.vjp_batch_norm_X(X, g, b, ct)
    np.testing.assert_allclose(ln.vjp_batch_norm_X_compact(X, g, b, ct), staged, rtol=1e-12, atol=1e-14)
    # and in float32, to float32 rounding
    X32, g32, b32, ct32 = _random(seed, dtype="float32")
    s32, c32 = ln.vjp_batch_norm_X(X32, g32, b32, ct32), ln.vjp_batch_norm_X_compact(X32, g32, b32, ct32)
    assert s32.dtype == c32.dtype == np.float32
    np.testing.assert_allclose(c32, s32, rtol=1e-5, atol=1e-5 * np.abs(s32).max())


@pytest.mark.parametrize("vjp", [ln.vjp_batch_norm_X, ln.vjp_batch_norm_X_compact], ids=lambda f: f.__name__)
def test_batch_norm_input_gradient_sums_to_zero_and_is_orthogonal_to_xhat(vjp):
    """Pinned: Σᵢ ∂L/∂xᵢ = 0 per feature, and Σᵢ ∂L/∂xᵢ ∘ x̂ᵢ = 0 as ε → 0, exactly up to rounding.

    Y does not change when X's column shifts (x̂ is invariant), so the gradient has no component along 1⃗,
    whatever Δ is. A rescaling of the column leaves x̂ invariant only as ε → 0: with ε > 0 the projection
    on x̂ is exactly ``ε γ r³ Σᵢ δᵢ ∘ x̂ᵢ`` (r = 1/√(σ² + ε)), of order ε/σ², not 0.
    """
    for seed in range(5):
        X, g, b, ct = _random(seed, N=6, D=4)
        scale = np.abs(vjp(X, g, b, ct)).sum(axis=0)  # rounding is relative to the summed magnitudes
        for eps in (1e-300, 1e-5):  # 1e-300: ε vanishes against σ² ≥ 1/4
            dX = vjp(X, g, b, ct, eps=eps)
            xhat = ln.batch_norm(X, np.ones(4), np.zeros(4), eps=eps)
            r = 1.0 / np.sqrt(X.var(axis=0) + eps)
            assert np.all(np.abs(dX.sum(axis=0)) <= 1e-14 * scale)
            projection = eps * g * r**3 * (ct * xhat).sum(axis=0)
            assert np.all(np.abs((dX * xhat).sum(axis=0) - projection) <= 1e-14 * scale)
        assert np.all(np.abs(projection) > 1e-9)  # with ε = 1e-5 the projection is really there


def test_batch_norm_backward_matches_autodiff_with_a_nondefault_eps():
    X, g, b, ct = _random(7, N=3, D=2)
    X = X * 0.01  # σ² of order 1e-4: ε = 1e-3 matters
    ref = gradient(functools.partial(rln.batch_norm_pulled, eps=1e-3), X, g, b, ct, argnums=0)
    for vjp in (ln.vjp_batch_norm_X, ln.vjp_batch_norm_X_compact):
        np.testing.assert_allclose(vjp(X, g, b, ct, eps=1e-3), ref, rtol=1e-10, atol=1e-12)


def test_batch_norm_refuses_one_sample_and_two_samples_are_nearly_constant():
    with pytest.raises(ValueError, match=r"needs N ≥ 2 samples, got shape \(1, 3\).*Y = β"):
        ln.batch_norm(np.ones((1, 3)), np.ones(3), np.zeros(3))
    with pytest.raises(ValueError, match="N ≥ 2"):
        ln.vjp_batch_norm_X_compact(np.ones((1, 3)), np.ones(3), np.zeros(3), np.ones((1, 3)))
    # N = 2: x̂ = ±1/√(1 + ε/σ²) whatever X is, so ∂L/∂X is of order ε (why the catalog draws N ≥ 3)
    X2, ct2 = np.array([[0.0], [2.0]]), np.array([[1.0], [-3.0]])
    assert np.abs(ln.vjp_batch_norm_X(X2, ONE, ZERO, ct2)).max() < 1e-4


def test_float32_stays_float32_even_with_a_numpy_float64_eps():
    X, g, b, ct = _random(0, dtype="float32")
    eps = np.float64(1e-5)  # a NumPy scalar would promote if it reached the arithmetic
    for fn in (ln.vjp_batch_norm_X, ln.vjp_batch_norm_X_compact, ln.vjp_batch_norm_gamma, ln.vjp_layer_norm_X):
        assert fn(X, g, b, ct, eps=eps).dtype == np.float32, fn.__name__
    assert ln.vjp_rms_norm_X(X, g, ct, eps=eps).dtype == np.float32


# --- LAYER-12 layer-norm, LAYER-13 RMS-norm --------------------------------------------------------------


@pytest.mark.parametrize("seed", range(3))
def test_layer_norm_is_batch_norm_of_the_transpose(seed):
    """With γ = 1⃗, β = 0⃗, layer-norm of X is batch-norm of Xᵀ, transposed, and so are the backward passes."""
    rng = np.random.default_rng(seed)
    X, ct = rln.FEATURE_SPREAD.draw(rng, (3, 5)), rng.standard_normal((3, 5))
    ones, zeros = np.ones(5), np.zeros(5)
    np.testing.assert_allclose(ln.layer_norm(X, ones, zeros), ln.batch_norm(X.T, np.ones(3), np.zeros(3)).T,
                               rtol=1e-14, atol=1e-15)
    np.testing.assert_allclose(ln.vjp_layer_norm_X(X, ones, zeros, ct),
                               ln.vjp_batch_norm_X_compact(X.T, np.ones(3), np.zeros(3), ct.T).T,
                               rtol=1e-13, atol=1e-14)


def test_layer_norm_rows_of_the_input_gradient_sum_to_zero():
    rng = np.random.default_rng(1)
    X, g, ct = rln.FEATURE_SPREAD.draw(rng, (4, 6)), rng.standard_normal(6), rng.standard_normal((4, 6))
    dX = ln.vjp_layer_norm_X(X, g, np.zeros(6), ct)
    xhat = ln.layer_norm(X, np.ones(6), np.zeros(6))
    scale = np.abs(dX).sum(axis=1)
    assert np.all(np.abs(dX.sum(axis=1)) <= 1e-14 * scale)
    r = 1.0 / np.sqrt(X.var(axis=1) + 1e-5)  # orthogonal to x̂ᵢ up to ε, as for batch-norm
    projection = 1e-5 * r**3 * (g * ct * xhat).sum(axis=1)
    assert np.all(np.abs((dX * xhat).sum(axis=1) - projection) <= 1e-14 * scale)
    # β's gradient is the one shared function, and it ignores how x̂ was normalized
    np.testing.assert_array_equal(ln.vjp_norm_beta(X, g, np.zeros(6), ct), ct.sum(axis=0))


def test_rms_norm_exact_values_and_equals_layer_norm_on_centred_rows():
    X, ct = np.array([[1.0, 7.0]]), np.array([[1.0, 0.0]])  # r = √((1 + 49)/2) = 5
    np.testing.assert_allclose(ln.rms_norm(X, np.ones(2), eps=1e-300), X / 5, rtol=1e-15)
    np.testing.assert_allclose(ln.vjp_rms_norm_X(X, np.ones(2), ct, eps=1e-300), [[0.196, -0.028]], rtol=1e-14)
    np.testing.assert_allclose(ln.vjp_rms_norm_gamma(X, np.ones(2), ct, eps=1e-300), [0.2, 0.0], rtol=1e-15)
    # on rows with mean 0, RMS-norm is layer-norm without β: values agree; ∂L/∂X does not (layer-norm also
    # differentiates through the mean, which is 0 here but moves with X)
    rng = np.random.default_rng(2)
    Xc = rng.standard_normal((3, 4))
    Xc -= Xc.mean(axis=1, keepdims=True)
    g = rng.standard_normal(4)
    np.testing.assert_allclose(ln.rms_norm(Xc, g), ln.layer_norm(Xc, g, np.zeros(4)), rtol=1e-13)


def test_rms_norm_gradient_at_a_zero_row_is_finite():
    # ε > 0 keeps r = √ε > 0 at x = 0: the gradient is γ ∘ δ/√ε, large but finite (no kink)
    dX = ln.vjp_rms_norm_X(np.zeros((1, 2)), np.ones(2), np.array([[1.0, -1.0]]), eps=1e-4)
    np.testing.assert_allclose(dX, [[100.0, -100.0]], rtol=1e-12)


# --- LAYER-14 dropout -------------------------------------------------------------------------------------


def test_dropout_routes_zero_gradient_through_dropped_units_and_jax_agrees():
    """Pinned: where M = 0 the gradient is exactly 0; where M = 1 it is δ / p_keep."""
    X = np.array([[1.0, -2.0, 3.0], [0.5, 0.0, -1.0]])
    M = np.array([[1.0, 0.0, 1.0], [0.0, 1.0, 0.0]])
    ct = np.array([[2.0, 5.0, -1.0], [7.0, 3.0, 4.0]])
    dX = ln.vjp_dropout_X(X, M, ct, p_keep=0.5)
    np.testing.assert_array_equal(dX, [[4.0, 0.0, -2.0], [0.0, 6.0, 0.0]])
    assert np.all(dX[M == 0] == 0.0)
    np.testing.assert_array_equal(ln.dropout(X, M, p_keep=0.5), [[2.0, 0.0, 6.0], [0.0, 0.0, 0.0]])
    ref = gradient(functools.partial(rln.dropout_pulled, p_keep=0.5), X, M, ct, argnums=0)
    np.testing.assert_array_equal(ref, dX)  # JAX's gradient is exactly 0 there too


def test_dropout_backward_is_dropout_of_the_upstream_gradient_and_works_under_jit():
    rng = np.random.default_rng(0)
    X, ct = rng.standard_normal((3, 4)), rng.standard_normal((3, 4))
    M = rln.DROPOUT_MASK.draw(rng, (3, 4))
    np.testing.assert_array_equal(ln.vjp_dropout_X(X, M, ct), ln.dropout(ct, M))
    with x64():  # inside jit the mask is a tracer: its 0/1 check is skipped, the shapes are still checked
        got = jax.jit(ln.vjp_dropout_X)(jnp.asarray(X), jnp.asarray(M), jnp.asarray(ct))
    np.testing.assert_allclose(np.asarray(got), M * ct / 0.8, rtol=1e-15)


def test_dropout_mask_domain_is_zeros_and_ones():
    M = rln.DROPOUT_MASK.draw(np.random.default_rng(0), (2000,))
    assert set(np.unique(M)) == {0.0, 1.0}
    assert abs(M.mean() - rln.P_KEEP) < 0.05


# --- bad input ---------------------------------------------------------------------------------------------


def test_bad_masks_and_keep_probabilities_are_refused():
    X = np.ones((2, 3))
    with pytest.raises(ValueError, match=r"M: expected shape \(2, 3\) \(the dropout mask is shaped like X"):
        ln.dropout(X, np.ones((3, 2)))
    with pytest.raises(ValueError, match=r"M: expected a dropout mask .* M\[4\] = 0\.5 \(flat index; 1 entry neither"):
        ln.vjp_dropout_X(X, np.array([[1.0, 0.0, 1.0], [1.0, 0.5, 0.0]]), X)
    with pytest.raises(ValueError, match=r"ct: expected shape \(2, 3\)"):
        ln.vjp_dropout_X(X, X, np.ones((2, 2)))
    for p in (0.0, 1.5, True, "0.5"):
        with pytest.raises(ValueError, match=r"p_keep: expected the keep probability as a float in \(0, 1\]"):
            ln.dropout(X, X, p_keep=p)
    assert ln.dropout(X, X, p_keep=1).dtype == np.float64  # p_keep = 1 is no dropout


def test_bad_normalization_shapes_and_eps_are_refused():
    X = np.ones((3, 4))
    with pytest.raises(ValueError, match=r"X: expected a batch X of shape \(N, D\).*got shape \(4,\)"):
        ln.layer_norm(np.ones(4), np.ones(4), np.zeros(4))
    with pytest.raises(ValueError, match=r"gamma: expected shape \(4,\) \(one scale per feature; X has D = 4"):
        ln.batch_norm(X, np.ones(3), np.zeros(4))
    with pytest.raises(ValueError, match=r"beta: expected shape \(4,\)"):
        ln.vjp_layer_norm_gamma(X, np.ones(4), np.zeros(3), X)
    with pytest.raises(ValueError, match=r"ct: expected shape \(3, 4\) \(the upstream gradient"):
        ln.vjp_rms_norm_X(X, np.ones(4), np.ones((4, 3)))
    for eps in (0.0, -1e-5, None):
        with pytest.raises(ValueError, match=r"eps: expected the variance offset ε as a float > 0"):
            ln.rms_norm(X, np.ones(4), eps=eps)
    with pytest.raises(TypeError, match="X: expected a real floating array"):
        ln.layer_norm(np.ones((2, 2), dtype=int), np.ones(2), np.zeros(2))
