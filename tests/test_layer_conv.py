"""chainrule.analytic.layer_conv and layer_pool (LAYER-17 … LAYER-21): exact values, agreement with JAX's own
convolution and pooling primitives, the max-pool tie convention, repeated embedding indices, bad input.

Every record passing ``verify`` in float64 and float32, NumPy ↔ JAX under jit and dtypes: tests/test_catalog.py.
"""

from __future__ import annotations

import dataclasses

import array_api_compat
import jax
import jax.numpy as jnp
import numpy as np
import pytest

from chainrule.analytic import layer_conv as lc
from chainrule.analytic import layer_pool as lp
from chainrule.reference.autodiff import x64
from chainrule.reference.catalog import by_name
from chainrule.reference.catalog import rules_layer_conv as rc
from chainrule.reference.catalog.verify import verify_rule

RNG = np.random.default_rng(17)


def _conv_ref(x, W, b, stride, padding):
    """JAX's own convolution (lax.conv_general_dilated: a cross-correlation), any number of spatial axes."""
    d = x.ndim - 2
    spatial = "HW"[-d:] if d <= 2 else None
    y = jax.lax.conv_general_dilated(x, W, (stride,) * d, [(padding, padding)] * d,
                                     dimension_numbers=(f"NC{spatial}", f"OI{spatial}", f"NC{spatial}"))
    return y + b.reshape((1, -1) + (1,) * d)


def _pool_ref(x, window, stride, op):
    init, fn = (-jnp.inf, jax.lax.max) if op == "max" else (0.0, jax.lax.add)
    y = jax.lax.reduce_window(x, init, fn, (1, 1, *window), (1, 1, *stride), "VALID")
    return y if op == "max" else y / (window[0] * window[1])


# --- LAYER-17 / LAYER-18: convolution ----------------------------------------------------------------------


def test_conv1d_stride_2_padding_1_exact_values():
    # x̃ = [0, 1, 2, 3, 4, 0] (padding 1); K = 3, s = 2 → L_out = ⌊(4 + 2 − 3)/2⌋ + 1 = 2 windows: [0, 1, 2], [2, 3, 4]
    x, W, b = np.array([[[1.0, 2.0, 3.0, 4.0]]]), np.array([[[1.0, 10.0, 100.0]]]), np.array([0.5])
    np.testing.assert_array_equal(lc.conv1d(x, W, b, stride=2, padding=1), [[[210.5, 432.5]]])
    ct = np.array([[[1.0, -1.0]]])
    # x[1] = 2 sits at padded position 2, read by window 0 with tap 2 (100) and by window 1 with tap 0 (1)
    np.testing.assert_array_equal(lc.vjp_conv1d_x(x, W, b, ct, stride=2, padding=1), [[[10.0, 99.0, -10.0, -100.0]]])
    np.testing.assert_array_equal(lc.vjp_conv1d_W(x, W, b, ct, stride=2, padding=1), [[[-2.0, -2.0, -2.0]]])
    np.testing.assert_array_equal(lc.vjp_conv1d_b(x, W, b, ct, stride=2, padding=1), [0.0])


def _naive_conv2d_backward(x, W, ct, s, p):
    """CS231n's conv_backward_naive, loops over every output pixel (the independent oracle)."""
    xt = np.pad(x, ((0, 0), (0, 0), (p, p), (p, p)))
    dxt, dW = np.zeros_like(xt), np.zeros_like(W)
    kh, kw = W.shape[2:]
    for n in range(ct.shape[0]):
        for o in range(ct.shape[1]):
            for i in range(ct.shape[2]):
                for j in range(ct.shape[3]):
                    window = xt[n, :, s * i : s * i + kh, s * j : s * j + kw]
                    dW[o] += ct[n, o, i, j] * window
                    dxt[n, :, s * i : s * i + kh, s * j : s * j + kw] += ct[n, o, i, j] * W[o]
    return dxt[:, :, p : p + x.shape[2], p : p + x.shape[3]], dW


@pytest.mark.parametrize(("shape", "kernel", "stride", "padding"), [
    ((2, 3, 5, 5), (2, 3, 3, 3), 1, 1),   # CS231n's "same" convolution
    ((2, 2, 4, 5), (3, 2, 3, 2), 2, 1),   # the catalog's configuration
    ((1, 2, 6, 7), (2, 2, 2, 3), 3, 2),   # stride > kernel: some inputs in no window
    ((1, 1, 4, 4), (1, 1, 4, 4), 1, 0),   # one window, the whole image
    ((1, 2, 5, 5), (3, 2, 1, 1), 3, 0),   # 1 × 1 kernel, stride 3: rows and columns 1, 2, 4 in no window
])
def test_conv2d_and_its_backward_pass_match_lax_conv_and_the_naive_loops(shape, kernel, stride, padding):
    x, W, b = RNG.standard_normal(shape), RNG.standard_normal(kernel), RNG.standard_normal(kernel[0])
    y = lc.conv2d(x, W, b, stride=stride, padding=padding)
    ct = RNG.standard_normal(y.shape)
    with x64():
        y_ref, pull = jax.vjp(lambda *a: _conv_ref(*a, stride, padding), x, W, b)
        dx_ref, dW_ref, db_ref = pull(jnp.asarray(ct))
    np.testing.assert_allclose(y, y_ref, rtol=1e-12, atol=1e-12)
    np.testing.assert_allclose(lc.vjp_conv2d_x(x, W, b, ct, stride, padding), dx_ref, rtol=1e-12, atol=1e-12)
    np.testing.assert_allclose(lc.vjp_conv2d_W(x, W, b, ct, stride, padding), dW_ref, rtol=1e-12, atol=1e-12)
    np.testing.assert_allclose(lc.vjp_conv2d_b(x, W, b, ct, stride, padding), db_ref, rtol=1e-12, atol=1e-12)
    dx_naive, dW_naive = _naive_conv2d_backward(x, W, ct, stride, padding)
    np.testing.assert_allclose(lc.vjp_conv2d_x(x, W, b, ct, stride, padding), dx_naive, rtol=1e-12, atol=1e-12)
    np.testing.assert_allclose(lc.vjp_conv2d_W(x, W, b, ct, stride, padding), dW_naive, rtol=1e-12, atol=1e-12)


@pytest.mark.parametrize(("L", "K", "stride", "padding"), [(6, 3, 2, 1), (7, 2, 3, 0), (1, 3, 1, 1), (5, 5, 1, 0)])
def test_conv1d_backward_pass_matches_lax_conv(L, K, stride, padding):
    x, W, b = RNG.standard_normal((2, 2, L)), RNG.standard_normal((3, 2, K)), RNG.standard_normal(3)
    y = lc.conv1d(x, W, b, stride=stride, padding=padding)
    assert y.shape == (2, 3, (L + 2 * padding - K) // stride + 1)
    ct = RNG.standard_normal(y.shape)
    with x64():
        y_ref, pull = jax.vjp(lambda *a: _conv_ref(*a, stride, padding), x, W, b)
        refs = pull(jnp.asarray(ct))
    np.testing.assert_allclose(y, y_ref, rtol=1e-12, atol=1e-12)
    for fn, ref in zip((lc.vjp_conv1d_x, lc.vjp_conv1d_W, lc.vjp_conv1d_b), refs, strict=True):
        np.testing.assert_allclose(fn(x, W, b, ct, stride, padding), ref, rtol=1e-12, atol=1e-12, err_msg=fn.__name__)


def test_conv2d_takes_a_stride_and_padding_per_axis():
    x, W, b = RNG.standard_normal((1, 2, 5, 6)), RNG.standard_normal((2, 2, 3, 2)), np.zeros(2)
    y = lc.conv2d(x, W, b, stride=(2, 1), padding=(0, 1))
    assert y.shape == (1, 2, 2, 7)
    with x64():
        ref = jax.lax.conv_general_dilated(x, W, (2, 1), [(0, 0), (1, 1)], dimension_numbers=("NCHW", "OIHW", "NCHW"))
    np.testing.assert_allclose(y, ref, rtol=1e-12, atol=1e-12)


def test_conv_closed_forms_under_jit_keep_float32():
    x, W, b = (RNG.standard_normal(s).astype(np.float32) for s in ((2, 2, 4, 5), (3, 2, 3, 2), (3,)))
    ct = RNG.standard_normal((2, 3, 2, 3)).astype(np.float32)
    for fn in (lc.vjp_conv2d_x, lc.vjp_conv2d_W, lc.vjp_conv2d_b):
        eager = fn(x, W, b, ct, 2, 1)
        jitted = jax.jit(lambda *a, fn=fn: fn(*a, 2, 1))(x, W, b, ct)
        assert eager.dtype == np.float32 and jitted.dtype == jnp.float32, fn.__name__
        np.testing.assert_allclose(jitted, eager, rtol=1e-5, atol=1e-5, err_msg=fn.__name__)


# --- LAYER-19: max-pool, and its tie convention ----------------------------------------------------------------

TIE = np.array([[[[1.0, 3.0], [3.0, 3.0]]]])  # one 2 × 2 window, its maximum 3 three times


def test_max_pool_tie_sends_the_whole_gradient_to_the_first_maximum_in_row_major_order():
    ct = np.array([[[[5.0]]]])
    np.testing.assert_array_equal(lp.max_pool2d(TIE, 2), [[[[3.0]]]])
    np.testing.assert_array_equal(lp.vjp_max_pool2d_x(TIE, ct, 2), [[[[0.0, 5.0], [0.0, 0.0]]]])
    # the primal is written so that JAX's derivative of it follows the same convention
    with x64():
        grad = jax.grad(lambda x: (lp.max_pool2d(x, 2) * ct).sum())(jnp.asarray(TIE))
    np.testing.assert_array_equal(grad, [[[[0.0, 5.0], [0.0, 0.0]]]])


def test_what_jax_gives_at_a_max_pool_tie():
    # jax.vjp of lax.reduce_window(max) also sends everything to the first maximum (row-major), as
    # CS231n's argmax and PyTorch do; jnp.max over a window's entries instead splits it equally.
    with x64():
        x = jnp.asarray(TIE)
        _, pull = jax.vjp(lambda v: _pool_ref(v, (2, 2), (2, 2), "max"), x)
        np.testing.assert_array_equal(pull(jnp.ones((1, 1, 1, 1)))[0], [[[[0.0, 1.0], [0.0, 0.0]]]])
        split = jax.grad(lambda v: jnp.max(v))(x)
    np.testing.assert_array_equal(split, np.array([[[[0.0, 1.0], [1.0, 1.0]]]]) / 3)


def test_max_pool_overlapping_windows_accumulate_at_a_shared_maximum():
    # windows 2 × 2 with stride 1 over a 2 × 3 image: the 9 is the maximum of both windows
    x, ct = np.array([[[[1.0, 9.0, 2.0], [3.0, 4.0, 5.0]]]]), np.array([[[[2.0, 7.0]]]])
    np.testing.assert_array_equal(lp.vjp_max_pool2d_x(x, ct, window=2, stride=1),
                                  [[[[0.0, 9.0, 0.0], [0.0, 0.0, 0.0]]]])


@pytest.mark.parametrize(("shape", "window", "stride"), [
    ((2, 2, 4, 7), (2, 3), (2, 2)), ((1, 2, 5, 5), (2, 2), (1, 1)), ((1, 1, 5, 7), (3, 2), (1, 3)),
])
@pytest.mark.parametrize("op", ["max", "avg"])
def test_pooling_and_its_backward_pass_match_lax_reduce_window(shape, window, stride, op):
    primal, vjp = (lp.max_pool2d, lp.vjp_max_pool2d_x) if op == "max" else (lp.avg_pool2d, lp.vjp_avg_pool2d_x)
    x = RNG.standard_normal(shape)
    y = primal(x, window, stride)
    ct = RNG.standard_normal(y.shape)
    with x64():
        y_ref, pull = jax.vjp(lambda v: _pool_ref(v, window, stride, op), jnp.asarray(x))
        (dx_ref,) = pull(jnp.asarray(ct))
    np.testing.assert_allclose(y, y_ref, rtol=1e-12, atol=1e-14)
    np.testing.assert_allclose(vjp(x, ct, window, stride), dx_ref, rtol=1e-12, atol=1e-14)


def test_max_pool_kink_is_the_gap_between_the_two_largest_entries_of_each_window():
    x = np.array([[[[1.0, 3.0, 2.0, 0.0], [3.0, 0.5, 2.5, -1.0]]]])
    np.testing.assert_array_equal(rc.window_gaps(x, window=2, stride=2), [[[[0.0, 0.5]]]])
    np.testing.assert_array_equal(rc.window_gaps(x, window=(1, 3), stride=1), [[[[1.0, 1.0], [0.5, 2.0]]]])
    assert np.all(rc.window_gaps(x, window=1) == np.inf)  # a one-entry window has no tie


def test_verify_draws_keep_max_pool_windows_away_from_ties():
    from chainrule.reference.catalog.verify import draw_inputs

    rule = by_name("vjp_max_pool2d_x")
    x = draw_inputs(rule, rule.sizes[-1], 50, 0)["x"]
    gaps = np.stack([rc.window_gaps(t, **rc.MAX_POOL_PARAMS) for t in x])
    assert gaps.min() >= rule.kink_margin


# --- LAYER-20: average-pool ---------------------------------------------------------------------------------


def test_avg_pool_overlapping_windows_share_out_the_gradient_exactly():
    # 1 × 3 image, windows 1 × 2 with stride 1: the middle entry is in both windows
    x, ct = np.zeros((1, 1, 1, 3)), np.array([[[[4.0, 8.0]]]])
    np.testing.assert_array_equal(lp.avg_pool2d(np.array([[[[1.0, 3.0, 7.0]]]]), (1, 2), 1), [[[[2.0, 5.0]]]])
    np.testing.assert_array_equal(lp.vjp_avg_pool2d_x(x, ct, (1, 2), 1), [[[[2.0, 6.0, 4.0]]]])
    # non-overlapping (the default stride is the window): each entry gets a quarter of its window's δ
    np.testing.assert_array_equal(lp.vjp_avg_pool2d_x(np.zeros((1, 1, 2, 4)), np.array([[[[4.0, 8.0]]]])),
                                  [[[[1.0, 1.0, 2.0, 2.0], [1.0, 1.0, 2.0, 2.0]]]])


# --- LAYER-21: embedding lookup ----------------------------------------------------------------------------------


def test_a_repeated_index_accumulates_both_contributions():
    E = np.arange(8.0).reshape(4, 2)
    idx, ct = np.array([2.0, 0.0, 2.0]), np.array([[1.0, 2.0], [10.0, 20.0], [100.0, 200.0]])
    np.testing.assert_array_equal(lp.embedding(E, idx), [[4.0, 5.0], [0.0, 1.0], [4.0, 5.0]])
    expected = [[10.0, 20.0], [0.0, 0.0], [101.0, 202.0], [0.0, 0.0]]  # row 2 hit twice: 1 + 100, 2 + 200
    np.testing.assert_array_equal(lp.vjp_embedding_E(E, idx, ct), expected)
    with x64():
        _, pull = jax.vjp(lambda T: T[jnp.asarray([2, 0, 2])], jnp.asarray(E))
        np.testing.assert_array_equal(pull(jnp.asarray(ct))[0], expected)  # JAX's gather transposes to a scatter-add
        jitted = jax.jit(lp.vjp_embedding_E)(jnp.asarray(E), jnp.asarray(idx), jnp.asarray(ct))
    np.testing.assert_array_equal(jitted, expected)
    # integer indices work too, and give the same
    np.testing.assert_array_equal(lp.vjp_embedding_E(E, np.array([2, 0, 2]), ct), expected)


def test_the_index_domain_draws_integers_in_range_with_a_repeat_in_every_draw():
    idx = rc.INDICES.draw(np.random.default_rng(0), (500, 6))
    assert np.all(idx == np.round(idx)) and idx.min() >= 0 and idx.max() < rc.EMBED_V
    assert all(len(set(row)) < len(row) for row in idx)  # every draw has a repeated index
    assert all(len(set(row)) < 2 for row in rc.INDICES.draw(np.random.default_rng(1), (50, 2)))
    assert rc.INDICES.draw(np.random.default_rng(2), (7, 1)).shape == (7, 1)  # N = 1: nothing to repeat


def _last_write_wins(E, idx, ct):
    """A wrong embedding backward pass: ``dE[idx] = δ`` as an assignment, so a repeated row keeps only its last δ."""
    xp = array_api_compat.array_namespace(E, idx, ct)
    onehot = xp.astype(idx[:, None] == xp.arange(E.shape[0], dtype=idx.dtype)[None, :], E.dtype)
    later = xp.any(xp.logical_and(idx[:, None] == idx[None, :], xp.arange(idx.shape[0])[:, None]
                                  < xp.arange(idx.shape[0])[None, :]), axis=1)
    return (onehot * xp.astype(xp.logical_not(later), E.dtype)[:, None]).T @ ct


def test_verify_catches_a_backward_pass_that_drops_repeated_indices():
    rule = by_name("vjp_embedding_E")
    wrong = dataclasses.replace(rule, name="vjp_embedding_E_last_write_wins", derivative=_last_write_wins)
    result = verify_rule(wrong, trials=20)
    assert result.status == "fail"
    assert "E 4×3, idx 6, ct 6×3" in result.message and "20/20 trials fail" in result.message  # every draw repeats


# --- the records ---------------------------------------------------------------------------------------------


def test_records_cover_every_argument_and_the_stride_2_padding_1_configuration():
    names = {r.name: r for r in (by_name(n) for n in (
        "vjp_conv1d_x", "vjp_conv1d_W", "vjp_conv1d_b", "vjp_conv2d_x", "vjp_conv2d_W", "vjp_conv2d_b",
        "vjp_max_pool2d_x", "vjp_avg_pool2d_x", "vjp_embedding_E"))}
    assert {r.id for r in names.values()} == {f"LAYER-{i}" for i in range(17, 22)}
    assert names["vjp_conv1d_x"].params == {"stride": 2, "padding": 1}
    window, stride = rc.AVG_POOL_PARAMS["window"], rc.AVG_POOL_PARAMS["stride"]
    assert all(s < w for s, w in zip(stride, window, strict=True))  # overlapping average-pool windows
    for r in names.values():  # ct is shaped like y in every configuration
        for sizes in r.sizes:
            args = [np.zeros(s) for s in r.shapes(sizes).values()]
            y = next(iter(r.uses))(*args[:-1], **r.params)
            assert y.shape == args[-1].shape, (r.name, sizes)


# --- bad input ----------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("call", "exc", "text"),
    [
        (lambda: lc.conv2d(np.ones((1, 3, 4, 4)), np.ones((2, 2, 3, 3)), np.ones(2)), ValueError,
         "channel mismatch: x has C_in = 3 channels"),
        (lambda: lc.conv1d(np.ones((1, 2, 4)), np.ones((2, 3, 3)), np.ones(2)), ValueError, "W expects 3"),
        (lambda: lc.conv2d(np.ones((1, 1, 4, 4)), np.ones((2, 1, 3, 3)), np.ones(3)), ValueError,
         "b has length 3 but W has C_out = 2"),
        (lambda: lc.conv2d(np.ones((1, 1, 2, 4)), np.ones((1, 1, 5, 3)), np.ones(1), padding=1), ValueError,
         "kernel is larger than the padded input along H: size 5 > 2 + 2·1 = 4"),
        (lambda: lc.conv1d(np.ones((1, 1, 2)), np.ones((1, 1, 3)), np.ones(1)), ValueError,
         "kernel is larger than the padded input along L"),
        (lambda: lc.conv1d(np.ones((1, 1, 4)), np.ones((1, 1, 3)), np.ones(1), stride=0), ValueError,
         "stride: expected a stride (the step between windows) ≥ 1, got 0"),
        (lambda: lc.conv2d(np.ones((1, 1, 4, 4)), np.ones((1, 1, 3, 3)), np.ones(1), stride=(1, 0)), ValueError,
         "stride[1]: expected a stride"),
        (lambda: lc.conv2d(np.ones((1, 1, 4, 4)), np.ones((1, 1, 3, 3)), np.ones(1), stride=1.5), TypeError,
         "stride: expected a stride (the step between windows) as an int, got float 1.5"),
        (lambda: lc.conv1d(np.ones((1, 1, 4)), np.ones((1, 1, 3)), np.ones(1), padding=-1), ValueError,
         "padding: expected a zero padding"),
        (lambda: lc.conv2d(np.ones((1, 4, 4)), np.ones((1, 1, 3, 3)), np.ones(1)), ValueError,
         "x: expected a batch x of shape (N, C_in, H, W)"),
        (lambda: lc.vjp_conv1d_x(np.ones((1, 1, 4)), np.ones((1, 1, 3)), np.ones(1), np.ones((1, 1, 3)), 2, 1),
         ValueError, "ct: expected the upstream gradient ∂L/∂y shaped like y, (1, 1, 2)"),
        (lambda: lp.max_pool2d(np.ones((1, 1, 2, 2)), window=3), ValueError,
         "window is larger than the padded input along H: size 3 > 2"),
        (lambda: lp.avg_pool2d(np.ones((1, 1, 4, 4)), window=2, stride=0), ValueError, "stride: expected a stride"),
        (lambda: lp.vjp_max_pool2d_x(np.ones((1, 1, 4, 4)), np.ones((1, 1, 3, 3)), 2), ValueError,
         "ct: expected the upstream gradient ∂L/∂y shaped like y, (1, 1, 2, 2)"),
        (lambda: lp.embedding(np.ones((4, 2)), np.array([0.0, 1.5])), ValueError,
         "idx: expected integral indices, but idx[1] = 1.5"),
        (lambda: lp.embedding(np.ones((4, 2)), np.array([0.0, 4.0])), ValueError,
         "idx: expected indices in [0, V) = [0, 4) (E has 4 rows), but idx[1] = 4"),
        (lambda: lp.embedding(np.ones((4, 2)), np.array([-1])), ValueError, "but idx[0] = -1"),
        (lambda: lp.embedding(np.ones((4, 2)), np.array([True])), TypeError, "idx: expected integer indices"),
        (lambda: lp.vjp_embedding_E(np.ones((4, 2)), np.array([0.0, 1.0]), np.ones((2, 3))), ValueError,
         "ct: expected the upstream gradient ∂L/∂y shaped like y, (N, d) = (2, 2), got (2, 3)"),
    ],
)
def test_bad_input_is_explained(call, exc, text):
    with pytest.raises(exc) as info:
        call()
    assert text in str(info.value)
