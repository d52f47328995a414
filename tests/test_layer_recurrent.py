"""chainrule.analytic.layer_recurrent and layer_gated (LAYER-29 … LAYER-32): pinned cases, gate order, bad input.

Every backward pass against JAX on random draws, NumPy ↔ JAX under jit, and dtypes: tests/test_catalog.py.
"""

from __future__ import annotations

import math

import numpy as np
import pytest

from chainrule.analytic import layer_gated as lg
from chainrule.analytic import layer_recurrent as lr
from chainrule.reference.autodiff import gradient

RNG = np.random.default_rng(20260)
RNN_ARGS = ("x", "h", "Wx", "Wh", "b")
SEQ_ARGS = ("x", "h0", "Wx", "Wh", "b")


def _sigma(a):
    return 1.0 / (1.0 + np.exp(-a))


def _rnn_case(N=2, T=3, D=3, H=2):
    x, h0 = RNG.standard_normal((N, T, D)), RNG.standard_normal((N, H))
    Wx, Wh = RNG.standard_normal((D, H)) / math.sqrt(D), RNG.standard_normal((H, H)) / math.sqrt(H)
    return x, h0, Wx, Wh, RNG.standard_normal(H), RNG.standard_normal((N, T, H))


# --- LAYER-29 / LAYER-30: BPTT is the step's backward pass, repeated ------------------------------------


def test_bptt_with_one_step_is_exactly_the_rnn_step_vjp():
    x, h0, Wx, Wh, b, ct = _rnn_case(T=1)
    np.testing.assert_array_equal(lr.rnn_sequence(x, h0, Wx, Wh, b)[:, 0], lr.rnn_step(x[:, 0], h0, Wx, Wh, b))
    for seq, step in zip(SEQ_ARGS, RNN_ARGS, strict=True):
        got = getattr(lr, f"vjp_rnn_sequence_{seq}")(x, h0, Wx, Wh, b, ct)
        want = getattr(lr, f"vjp_rnn_step_{step}")(x[:, 0], h0, Wx, Wh, b, ct[:, 0])
        np.testing.assert_array_equal(got if seq != "x" else got[:, 0], want, err_msg=seq)


def test_bptt_is_the_step_vjp_run_backward_with_the_state_gradient_carried():
    """The recursion written out with LAYER-29's public VJPs: δₜ + (what step t + 1 passed back)."""
    x, h0, Wx, Wh, b, ct = _rnn_case(T=3)
    hs = [h0, *np.moveaxis(lr.rnn_sequence(x, h0, Wx, Wh, b), 1, 0)]
    carried = np.zeros_like(h0)
    dWx, dWh, db, dxs = 0.0, 0.0, 0.0, [None] * 3
    for t in (2, 1, 0):
        step = (x[:, t], hs[t], Wx, Wh, b, ct[:, t] + carried)
        dxs[t] = lr.vjp_rnn_step_x(*step)
        dWx, dWh, db = dWx + lr.vjp_rnn_step_Wx(*step), dWh + lr.vjp_rnn_step_Wh(*step), db + lr.vjp_rnn_step_b(*step)
        carried = lr.vjp_rnn_step_h(*step)
    args = (x, h0, Wx, Wh, b, ct)
    for got, want in ((lr.vjp_rnn_sequence_x(*args), np.stack(dxs, axis=1)), (lr.vjp_rnn_sequence_h0(*args), carried),
                      (lr.vjp_rnn_sequence_Wx(*args), dWx), (lr.vjp_rnn_sequence_Wh(*args), dWh),
                      (lr.vjp_rnn_sequence_b(*args), db)):
        np.testing.assert_allclose(got, want, rtol=1e-13, atol=1e-15)


def test_rnn_sequence_exact_values_and_jax_agrees():
    # One unit, h0 = 0, Wx = 1, Wh = ½, b = 0, x = [0, 0]: every z = 0, so tanh' = 1 and the recursion is
    # Δ₂ = δ₂ = 1, Δ₁ = δ₁ + Δ₂ Wh = ½; ∂L/∂h₀ = Δ₁ Wh = ¼; ∂L/∂Wh = h₀Δ₁ + h₁Δ₂ = 0 (both states are 0).
    x, h0, Wx, Wh, b = np.zeros((1, 2, 1)), np.zeros((1, 1)), np.ones((1, 1)), np.full((1, 1), 0.5), np.zeros(1)
    ct = np.array([[[0.0], [1.0]]])
    args = (x, h0, Wx, Wh, b, ct)
    np.testing.assert_array_equal(lr.vjp_rnn_sequence_x(*args), [[[0.5], [1.0]]])
    np.testing.assert_array_equal(lr.vjp_rnn_sequence_h0(*args), [[0.25]])
    np.testing.assert_array_equal(lr.vjp_rnn_sequence_Wh(*args), [[0.0]])
    np.testing.assert_array_equal(lr.vjp_rnn_sequence_b(*args), [1.5])

    def L(x, h0, Wx, Wh, b, ct):
        return (ct * lr.rnn_sequence(x, h0, Wx, Wh, b)).sum()

    np.testing.assert_allclose(gradient(L, *args, argnums=1), [[0.25]], rtol=1e-15)


# --- LAYER-31 LSTM: the cell-state gradient ----------------------------------------------------------------


def _lstm_pinned():
    """N = D = H = 1 with x = h = 0, so a = b: i = o = σ(0) = ½, f = σ(ln 3) = ¾, g = tanh(0) = 0;
    c = 2 gives c' = ¾·2 + ½·0 = 3/2 and h' = ½ tanh(3/2)."""
    x, h, c = np.zeros((1, 1)), np.zeros((1, 1)), np.full((1, 1), 2.0)
    Wx, Wh, b = RNG.standard_normal((1, 4)), RNG.standard_normal((1, 4)), np.array([0.0, math.log(3.0), 0.0, 0.0])
    return x, h, c, Wx, Wh, b


def test_lstm_cell_gradient_passes_dc_times_f_through_plus_the_tanh_path():
    x, h, c, Wx, Wh, b = _lstm_pinned()
    h1, c1 = lg.lstm_step(x, h, c, Wx, Wh, b)
    np.testing.assert_allclose(c1, [[1.5]], rtol=1e-15)
    np.testing.assert_allclose(h1, [[0.5 * math.tanh(1.5)]], rtol=1e-15)
    # δh = 0: only the carousel, ∂L/∂c = δc ∘ f = 3·¾
    np.testing.assert_allclose(lg.vjp_lstm_step_c(x, h, c, Wx, Wh, b, np.zeros((1, 1)), np.full((1, 1), 3.0)),
                               [[2.25]], rtol=1e-15)
    # δh = δc = 1: ∂L/∂c = (δc + δh·o·(1 − tanh² c'))·f = (1 + ½(1 − tanh²(3/2)))·¾, by hand:
    # tanh(1.5) = 0.9051482536448665, 1 − tanh² = 0.18070663892364836 → 0.75 · 1.0903533194618242
    ones = np.ones((1, 1))
    dc = lg.vjp_lstm_step_c(x, h, c, Wx, Wh, b, ones, ones)
    np.testing.assert_allclose(dc, [[0.8177649895963681]], rtol=1e-14)

    def L(x, h, c, Wx, Wh, b, ct_h, ct_c):
        h1, c1 = lg.lstm_step(x, h, c, Wx, Wh, b)
        return (ct_h * h1).sum() + (ct_c * c1).sum()

    np.testing.assert_allclose(gradient(L, x, h, c, Wx, Wh, b, ones, ones, argnums=2), dc, rtol=1e-14)  # JAX agrees


def test_lstm_gate_order_is_i_f_o_g():
    N, D, H = 2, 3, 2
    x, h, c = RNG.standard_normal((N, D)), RNG.standard_normal((N, H)), RNG.standard_normal((N, H))
    Wx, Wh, b = RNG.standard_normal((D, 4 * H)), RNG.standard_normal((H, 4 * H)), RNG.standard_normal(4 * H)
    a = x @ Wx + h @ Wh + b
    i, f, o, g = _sigma(a[:, :H]), _sigma(a[:, H:2 * H]), _sigma(a[:, 2 * H:3 * H]), np.tanh(a[:, 3 * H:])
    h1, c1 = lg.lstm_step(x, h, c, Wx, Wh, b)
    np.testing.assert_allclose(c1, f * c + i * g, rtol=1e-13)
    np.testing.assert_allclose(h1, o * np.tanh(f * c + i * g), rtol=1e-13)


# --- LAYER-32 GRU: PyTorch's nn.GRUCell, stacked r, z, n --------------------------------------------------


def test_gru_matches_torch_grucell_formulas_with_weight_ih_transposed():
    """PyTorch's documented GRUCell, per gate, with weight_ih (3H, D) and weight_hh (3H, H) chunked r, z, n."""
    N, D, H = 2, 3, 2
    x, h = RNG.standard_normal((N, D)), RNG.standard_normal((N, H))
    weight_ih, weight_hh = RNG.standard_normal((3 * H, D)), RNG.standard_normal((3 * H, H))
    bias_ih, bias_hh = RNG.standard_normal(3 * H), RNG.standard_normal(3 * H)
    (W_ir, W_iz, W_in), (W_hr, W_hz, W_hn) = np.split(weight_ih, 3), np.split(weight_hh, 3)
    (b_ir, b_iz, b_in), (b_hr, b_hz, b_hn) = np.split(bias_ih, 3), np.split(bias_hh, 3)
    r = _sigma(x @ W_ir.T + b_ir + h @ W_hr.T + b_hr)
    z = _sigma(x @ W_iz.T + b_iz + h @ W_hz.T + b_hz)
    n = np.tanh(x @ W_in.T + b_in + r * (h @ W_hn.T + b_hn))
    np.testing.assert_allclose(lg.gru_step(x, h, weight_ih.T, weight_hh.T, bias_ih, bias_hh),
                               (1 - z) * n + z * h, rtol=1e-13)


def test_gru_zero_weights_exact_values():
    # All pre-activations 0: r = z = ½, n = 0, h' = h/2; ∂L/∂h = δ∘z (Wh = 0), ∂L/∂bh's n-block = Σ r·dAₙ
    x, h, Wx, Wh = np.zeros((1, 1)), np.full((1, 1), 4.0), np.zeros((1, 3)), np.zeros((1, 3))
    bx, bh, ct = np.zeros(3), np.zeros(3), np.full((1, 1), 2.0)
    args = (x, h, Wx, Wh, bx, bh, ct)
    np.testing.assert_array_equal(lg.gru_step(*args[:6]), [[2.0]])
    np.testing.assert_array_equal(lg.vjp_gru_step_h(*args), [[1.0]])
    # dAₙ = δ(1 − z)(1 − n²) = 1, dA_z = δ(h − n)z(1 − z) = 2, dA_r = dAₙ·gh_n·r(1 − r) = 0
    np.testing.assert_array_equal(lg.vjp_gru_step_bx(*args), [0.0, 2.0, 1.0])
    np.testing.assert_array_equal(lg.vjp_gru_step_bh(*args), [0.0, 2.0, 0.5])
    np.testing.assert_array_equal(lg.vjp_gru_step_Wh(*args), [[0.0, 8.0, 2.0]])


# --- bad input --------------------------------------------------------------------------------------------


def _rnn_step_args(N=2, D=3, H=2):
    return [np.zeros((N, D)), np.zeros((N, H)), np.zeros((D, H)), np.zeros((H, H)), np.zeros(H)]


def test_hidden_size_inconsistent_between_h_and_Wh():
    x, h, Wx, _, b = _rnn_step_args()
    with pytest.raises(ValueError, match=r"Wh has 3 rows but h has H = 2 hidden units .* shape \(H, H\) = \(2, 2\)"):
        lr.rnn_step(x, h, Wx, np.zeros((3, 3)), b)
    with pytest.raises(ValueError, match=r"Wx: expected H = 2 columns for H = 2 hidden units .*got 3"):
        lr.rnn_step(x, h, np.zeros((3, 3)), np.zeros((2, 2)), b)


def test_lstm_gate_width_not_a_multiple_of_four():
    x, h, c = np.zeros((2, 3)), np.zeros((2, 2)), np.zeros((2, 2))
    with pytest.raises(ValueError, match=r"Wh: expected 4H = 8 columns for H = 2 .* i, f, o, g, got 7 \(7 is not a "
                                         r"multiple of 4\); pass Wh of shape \(2, 8\)"):
        lg.lstm_step(x, h, c, np.zeros((3, 8)), np.zeros((2, 7)), np.zeros(8))
    with pytest.raises(ValueError, match=r"Wx: expected 4H = 8 columns .* got 12 \(that is 3 units per gate\)"):
        lg.lstm_step(x, h, c, np.zeros((3, 12)), np.zeros((2, 8)), np.zeros(8))
    with pytest.raises(ValueError, match=r"b: expected shape \(8,\) \(4H = 8: one bias per gate unit"):
        lg.lstm_step(x, h, c, np.zeros((3, 8)), np.zeros((2, 8)), np.zeros(6))
    with pytest.raises(ValueError, match=r"c: expected the cell state shaped like h, \(N, H\) = \(2, 2\), got"):
        lg.lstm_step(x, h, np.zeros((2, 3)), np.zeros((3, 8)), np.zeros((2, 8)), np.zeros(8))


def test_gru_gate_width_and_biases():
    x, h = np.zeros((2, 3)), np.zeros((2, 2))
    with pytest.raises(ValueError, match=r"Wx: expected 3H = 6 columns .* r, z, n, got 8 \(8 is not a multiple of 3\)"):
        lg.gru_step(x, h, np.zeros((3, 8)), np.zeros((2, 6)), np.zeros(6), np.zeros(6))
    with pytest.raises(ValueError, match=r"bh: expected shape \(6,\)"):
        lg.gru_step(x, h, np.zeros((3, 6)), np.zeros((2, 6)), np.zeros(6), np.zeros(4))


def test_upstream_gradient_of_the_wrong_shape():
    args = _rnn_step_args()
    with pytest.raises(ValueError, match=r"ct: expected the upstream gradient ∂L/∂h' shaped like h', \(2, 2\), got"):
        lr.vjp_rnn_step_x(*args, np.zeros((2, 3)))
    x, h, c = np.zeros((2, 3)), np.zeros((2, 2)), np.zeros((2, 2))
    with pytest.raises(ValueError, match=r"ct_c: expected the upstream gradient ∂L/∂c'"):
        lg.vjp_lstm_step_c(x, h, c, np.zeros((3, 8)), np.zeros((2, 8)), np.zeros(8), np.zeros((2, 2)), np.zeros(2))
    with pytest.raises(ValueError, match=r"ct: expected .* \(2, 4, 2\), got \(2, 2\)"):
        lr.vjp_rnn_sequence_h0(np.zeros((2, 4, 3)), *args[1:], np.zeros((2, 2)))


def test_sequence_shapes():
    _, h0, Wx, Wh, b = _rnn_step_args()
    with pytest.raises(ValueError, match=r"x: expected an input sequence x of shape \(N, T, D\)"):
        lr.rnn_sequence(np.zeros((2, 3)), h0, Wx, Wh, b)
    with pytest.raises(ValueError, match=r"at least one time step \(T ≥ 1\)"):
        lr.rnn_sequence(np.zeros((2, 0, 3)), h0, Wx, Wh, b)
    with pytest.raises(ValueError, match=r"h0 has 3 rows but x has N = 2 samples"):
        lr.rnn_sequence(np.zeros((2, 4, 3)), np.zeros((3, 2)), Wx, Wh, b)


def test_integer_arrays_are_refused():
    args = _rnn_step_args()
    with pytest.raises(TypeError, match="x: expected a real floating array"):
        lr.rnn_step(np.zeros((2, 3), dtype=int), *args[1:])
