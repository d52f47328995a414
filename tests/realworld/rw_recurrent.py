"""Real-world cases: hand-written backward passes of recurrent nets (RNN step and BPTT, LSTM, GRU).

Each section below holds one author's NumPy forward and backward, transcribed with their math, their
variable names and their order of operations unchanged (comments and docstrings abridged), then a
thin wrapper in chainrule's calling convention (``vjp(*args, ct)`` or ``grad(*args)``) that runs the
author's forward for its cache and then the author's backward, the forward ``f`` written with
``jax.numpy`` after the author's forward, and the realistic mistakes (mutants) one makes in it.

Dimensions: N = 3 (batch), D = 4 (input), H = 5 (hidden), T = 2 (time steps) unless a section says
otherwise; all float64. Where an author's code differs from the textbook in a way that matters (an
in-place update of an argument, say), the section says so.
"""

# The transcriptions keep the authors' habits: a cache unpacked whole though a step uses part of it,
# tuple concatenation for shapes, zip over a list and its shift.
# ruff: noqa: RUF059

from __future__ import annotations

import jax
import jax.numpy as jnp
import numpy as np
from rw_case import Case, Mutant

__all__ = ["CASES"]

N, D, H, T = 3, 4, 5, 2


def _draw(*shapes: tuple[int, ...], seed: int = 0) -> tuple[np.ndarray, ...]:
    """Standard-normal example arrays of ``shapes`` (the trials draw their own)."""
    rng = np.random.default_rng(seed)
    return tuple(rng.standard_normal(s) for s in shapes)


# === CS231n vanilla RNN: one step ==================================================================
# source: Burton2000/CS231n-2017 assignment3/cs231n/rnn_layers.py (rnn_step_forward, rnn_step_backward)


def rnn_step_forward(x, prev_h, Wx, Wh, b):
    """next_h = tanh(x Wx + prev_h Wh + b); x (N, D), prev_h (N, H), Wx (D, H), Wh (H, H), b (H,)."""
    x_Wx = np.dot(x, Wx)
    prev_h_Wh = np.dot(prev_h, Wh)
    next_h = np.tanh(x_Wx + prev_h_Wh + b)
    cache = (Wx, Wh, b, x, prev_h, next_h)
    return next_h, cache


def rnn_step_backward(dnext_h, cache):
    """(dx, dprev_h, dWx, dWh, db) from dnext_h (N, H); tanh' = 1 − tanh², taken from next_h."""
    Wx, Wh, b, x, prev_h, next_h = cache
    dtanh = (1 - np.square(next_h)) * dnext_h
    db = np.sum(dtanh, axis=0)
    dWh = np.dot(prev_h.T, dtanh)
    dprev_h = np.dot(dtanh, Wh.T)
    dWx = np.dot(x.T, dtanh)
    dx = np.dot(dtanh, Wx.T)
    return dx, dprev_h, dWx, dWh, db


def rnn_step_backward_tanh_of_prev_h(dnext_h, cache):
    """Mutant: the tanh derivative taken from the step's input prev_h instead of its output next_h."""
    Wx, Wh, b, x, prev_h, next_h = cache
    dtanh = (1 - np.square(prev_h)) * dnext_h
    db = np.sum(dtanh, axis=0)
    dWh = np.dot(prev_h.T, dtanh)
    dprev_h = np.dot(dtanh, Wh.T)
    dWx = np.dot(x.T, dtanh)
    dx = np.dot(dtanh, Wx.T)
    return dx, dprev_h, dWx, dWh, db


def rnn_step_backward_dWh_transposed(dnext_h, cache):
    """Mutant: dWh = dtanhᵀ prev_h, the transpose of prev_hᵀ dtanh (Wh is square, so it runs)."""
    Wx, Wh, b, x, prev_h, next_h = cache
    dtanh = (1 - np.square(next_h)) * dnext_h
    db = np.sum(dtanh, axis=0)
    dWh = np.dot(dtanh.T, prev_h)
    dprev_h = np.dot(dtanh, Wh.T)
    dWx = np.dot(x.T, dtanh)
    dx = np.dot(dtanh, Wx.T)
    return dx, dprev_h, dWx, dWh, db


def rnn_step_backward_db_not_summed(dnext_h, cache):
    """Mutant: db = dtanh, the per-example bias gradients (N, H) never summed over the batch."""
    Wx, Wh, b, x, prev_h, next_h = cache
    dtanh = (1 - np.square(next_h)) * dnext_h
    db = dtanh
    dWh = np.dot(prev_h.T, dtanh)
    dprev_h = np.dot(dtanh, Wh.T)
    dWx = np.dot(x.T, dtanh)
    dx = np.dot(dtanh, Wx.T)
    return dx, dprev_h, dWx, dWh, db


def rnn_step_f(x, prev_h, Wx, Wh, b):
    """The step's forward in JAX: tanh(x Wx + prev_h Wh + b), (N, H)."""
    return jnp.tanh(jnp.dot(x, Wx) + jnp.dot(prev_h, Wh) + b)


def _rnn_step_vjp(backward):
    def vjp(x, prev_h, Wx, Wh, b, ct):
        _, cache = rnn_step_forward(x, prev_h, Wx, Wh, b)
        return backward(ct, cache)

    vjp.__name__ = vjp.__qualname__ = f"vjp_{backward.__name__}"
    return vjp


RNN_STEP = Case(
    name="cs231n_rnn_step_backward",
    source="Burton2000/CS231n-2017 assignment3/cs231n/rnn_layers.py (rnn_step_backward)",
    kind="vjp",
    f=rnn_step_f,
    candidate=_rnn_step_vjp(rnn_step_backward),
    example=lambda: _draw((N, D), (N, H), (D, H), (H, H), (H,)),
    argnums=(0, 1, 2, 3, 4),
    mutants=(
        Mutant("tanh derivative from prev_h instead of next_h", _rnn_step_vjp(rnn_step_backward_tanh_of_prev_h)),
        Mutant("dWh transposed", _rnn_step_vjp(rnn_step_backward_dWh_transposed), "transposed"),
        Mutant("db not summed over the batch", _rnn_step_vjp(rnn_step_backward_db_not_summed), "wrong shape"),
    ),
)


# === CS231n vanilla RNN: a whole sequence (backpropagation through time) ===========================
# source: Burton2000/CS231n-2017 assignment3/cs231n/rnn_layers.py (rnn_forward, rnn_backward)


def rnn_forward(x, h0, Wx, Wh, b):
    """h (N, T, H): the step above over x (N, T, D) from h0 (N, H); cache = the steps' caches."""
    N, T, D = x.shape
    N, H = h0.shape
    h = np.zeros([N, T, H])
    cache = []
    prev_h = h0
    for t_step in range(T):
        cur_x = x[:, t_step, :]
        h[:, t_step, :], cache_temp = rnn_step_forward(cur_x, prev_h, Wx, Wh, b)
        prev_h = h[:, t_step, :].copy()
        cache.append(cache_temp)
    return h, cache


def rnn_backward(dh, cache):
    """(dx, dh0, dWx, dWh, db) from dh (N, T, H): the step gradient fed dh_t plus the later steps' dprev_h."""
    Wx, Wh, b, x, prev_h, next_h = cache[0]
    N, T, H = dh.shape
    D, H = Wx.shape
    dx = np.zeros([N, T, D])
    dWx = np.zeros_like(Wx)
    dWh = np.zeros_like(Wh)
    db = np.zeros_like(b)
    dprev_h = np.zeros_like(prev_h)
    for t_step in reversed(range(T)):
        cur_dh = dprev_h + dh[:, t_step, :]
        dx[:, t_step, :], dprev_h, dWx_temp, dWh_temp, db_temp = rnn_step_backward(cur_dh, cache[t_step])
        dWx += dWx_temp
        dWh += dWh_temp
        db += db_temp
    dh0 = dprev_h
    return dx, dh0, dWx, dWh, db


def rnn_backward_no_carry(dh, cache):
    """Mutant: each step sees only its own dh_t; the gradient carried back from later steps is dropped."""
    Wx, Wh, b, x, prev_h, next_h = cache[0]
    N, T, H = dh.shape
    D, H = Wx.shape
    dx = np.zeros([N, T, D])
    dWx = np.zeros_like(Wx)
    dWh = np.zeros_like(Wh)
    db = np.zeros_like(b)
    dprev_h = np.zeros_like(prev_h)
    for t_step in reversed(range(T)):
        cur_dh = dh[:, t_step, :]
        dx[:, t_step, :], dprev_h, dWx_temp, dWh_temp, db_temp = rnn_step_backward(cur_dh, cache[t_step])
        dWx += dWx_temp
        dWh += dWh_temp
        db += db_temp
    dh0 = dprev_h
    return dx, dh0, dWx, dWh, db


def rnn_backward_weights_not_accumulated(dh, cache):
    """Mutant: dWx, dWh, db assigned at each step instead of summed, so only the first step's remain."""
    Wx, Wh, b, x, prev_h, next_h = cache[0]
    N, T, H = dh.shape
    D, H = Wx.shape
    dx = np.zeros([N, T, D])
    dWx = np.zeros_like(Wx)
    dWh = np.zeros_like(Wh)
    db = np.zeros_like(b)
    dprev_h = np.zeros_like(prev_h)
    for t_step in reversed(range(T)):
        cur_dh = dprev_h + dh[:, t_step, :]
        dx[:, t_step, :], dprev_h, dWx_temp, dWh_temp, db_temp = rnn_step_backward(cur_dh, cache[t_step])
        dWx = dWx_temp
        dWh = dWh_temp
        db = db_temp
    dh0 = dprev_h
    return dx, dh0, dWx, dWh, db


def rnn_f(x, h0, Wx, Wh, b):
    """The sequence forward in JAX: h_t = tanh(x_t Wx + h_{t−1} Wh + b), stacked to (N, T, H)."""
    hs, prev_h = [], h0
    for t in range(x.shape[1]):
        prev_h = rnn_step_f(x[:, t, :], prev_h, Wx, Wh, b)
        hs.append(prev_h)
    return jnp.stack(hs, axis=1)


def _rnn_vjp(backward):
    def vjp(x, h0, Wx, Wh, b, ct):
        _, cache = rnn_forward(x, h0, Wx, Wh, b)
        return backward(ct, cache)

    vjp.__name__ = vjp.__qualname__ = f"vjp_{backward.__name__}"
    return vjp


RNN_BPTT = Case(
    name="cs231n_rnn_backward",
    source="Burton2000/CS231n-2017 assignment3/cs231n/rnn_layers.py (rnn_backward)",
    kind="vjp",
    f=rnn_f,
    candidate=_rnn_vjp(rnn_backward),
    example=lambda: _draw((N, T, D), (N, H), (D, H), (H, H), (H,)),
    argnums=(0, 1, 2, 3, 4),
    mutants=(
        Mutant("dh not carried back across steps", _rnn_vjp(rnn_backward_no_carry), "dropped or extra term"),
        Mutant("weight gradients not accumulated over steps", _rnn_vjp(rnn_backward_weights_not_accumulated),
               "dropped or extra term"),
    ),
)


# === CS231n LSTM: one step =========================================================================
# source: 0809zheng/CS231n-assignment2019 assignment3/cs231n/rnn_layers.py (lstm_step_forward,
# lstm_step_backward); sigmoid is the assignment's given numerically stable one. Gates: i, f, o, g.
# The author wrote `dnext_c += ...`, which adds into the caller's dnext_c array in place (harmless in
# their lstm_backward, whose dnext_c is a fresh array each step): the case uses `dnext_c = dnext_c + ...`
# and the author's in-place line is a mutant.


def sigmoid(x):
    """A numerically stable logistic sigmoid (CS231n's)."""
    pos_mask = x >= 0
    neg_mask = x < 0
    z = np.zeros_like(x)
    z[pos_mask] = np.exp(-x[pos_mask])
    z[neg_mask] = np.exp(x[neg_mask])
    top = np.ones_like(x)
    top[neg_mask] = z[neg_mask]
    return top / (1 + z)


def _tanh(x):
    """tanh as the author computes it, σ(2x) − σ(−2x)."""
    return sigmoid(2 * x) - sigmoid(-2 * x)


def lstm_step_forward(x, prev_h, prev_c, Wx, Wh, b):
    """(next_h, next_c, cache); x (N, D), prev_h, prev_c (N, H), Wx (D, 4H), Wh (H, 4H), b (4H,)."""
    N, H = prev_h.shape
    a = x.dot(Wx) + prev_h.dot(Wh) + b
    gate_i = sigmoid(a[:, 0:H])
    gate_f = sigmoid(a[:, H:2 * H])
    gate_o = sigmoid(a[:, 2 * H:3 * H])
    gate_g = _tanh(a[:, 3 * H:])
    next_c = prev_c * gate_f + gate_i * gate_g
    next_h = _tanh(next_c) * gate_o
    cache = (x, prev_h, prev_c, Wx, Wh, b, gate_i, gate_f, gate_o, gate_g, next_c, next_h)
    return next_h, next_c, cache


def lstm_step_backward(dnext_h, dnext_c, cache):
    """(dx, dprev_h, dprev_c, dWx, dWh, db) from dnext_h, dnext_c (N, H)."""
    x, prev_h, prev_c, Wx, Wh, b, gate_i, gate_f, gate_o, gate_g, next_c, next_h = cache
    dgate_o = dnext_h * _tanh(next_c)
    dtanhnext_c = dnext_h * gate_o
    dnext_c = dnext_c + dtanhnext_c * (1 - _tanh(next_c) ** 2)
    dgate_f = dnext_c * prev_c
    dprev_c = dnext_c * gate_f
    dgate_i = dnext_c * gate_g
    dgate_g = dnext_c * gate_i
    da1 = dgate_i * gate_i * (1 - gate_i)
    da2 = dgate_f * gate_f * (1 - gate_f)
    da3 = dgate_o * gate_o * (1 - gate_o)
    da4 = dgate_g * (1 - gate_g ** 2)
    da = np.hstack([da1, da2, da3, da4])
    dx = da.dot(Wx.T)
    dWx = x.T.dot(da)
    dprev_h = da.dot(Wh.T)
    dWh = prev_h.T.dot(da)
    db = np.sum(da, axis=0)
    return dx, dprev_h, dprev_c, dWx, dWh, db


def lstm_step_backward_in_place(dnext_h, dnext_c, cache):
    """Mutant (the author's own line): `dnext_c += ...` writes into the caller's cotangent array."""
    x, prev_h, prev_c, Wx, Wh, b, gate_i, gate_f, gate_o, gate_g, next_c, next_h = cache
    dgate_o = dnext_h * _tanh(next_c)
    dtanhnext_c = dnext_h * gate_o
    dnext_c += dtanhnext_c * (1 - _tanh(next_c) ** 2)
    dgate_f = dnext_c * prev_c
    dprev_c = dnext_c * gate_f
    dgate_i = dnext_c * gate_g
    dgate_g = dnext_c * gate_i
    da1 = dgate_i * gate_i * (1 - gate_i)
    da2 = dgate_f * gate_f * (1 - gate_f)
    da3 = dgate_o * gate_o * (1 - gate_o)
    da4 = dgate_g * (1 - gate_g ** 2)
    da = np.hstack([da1, da2, da3, da4])
    dx = da.dot(Wx.T)
    dWx = x.T.dot(da)
    dprev_h = da.dot(Wh.T)
    dWh = prev_h.T.dot(da)
    db = np.sum(da, axis=0)
    return dx, dprev_h, dprev_c, dWx, dWh, db


def lstm_step_backward_dnext_c_dropped(dnext_h, dnext_c, cache):
    """Mutant: the cell's gradient from the next step (dnext_c) dropped; only the path through next_h."""
    x, prev_h, prev_c, Wx, Wh, b, gate_i, gate_f, gate_o, gate_g, next_c, next_h = cache
    dgate_o = dnext_h * _tanh(next_c)
    dtanhnext_c = dnext_h * gate_o
    dnext_c = dtanhnext_c * (1 - _tanh(next_c) ** 2)
    dgate_f = dnext_c * prev_c
    dprev_c = dnext_c * gate_f
    dgate_i = dnext_c * gate_g
    dgate_g = dnext_c * gate_i
    da1 = dgate_i * gate_i * (1 - gate_i)
    da2 = dgate_f * gate_f * (1 - gate_f)
    da3 = dgate_o * gate_o * (1 - gate_o)
    da4 = dgate_g * (1 - gate_g ** 2)
    da = np.hstack([da1, da2, da3, da4])
    dx = da.dot(Wx.T)
    dWx = x.T.dot(da)
    dprev_h = da.dot(Wh.T)
    dWh = prev_h.T.dot(da)
    db = np.sum(da, axis=0)
    return dx, dprev_h, dprev_c, dWx, dWh, db


def lstm_step_backward_gates_swapped(dnext_h, dnext_c, cache):
    """Mutant: the gate gradients stacked in the order f, i, o, g, not the forward's i, f, o, g."""
    x, prev_h, prev_c, Wx, Wh, b, gate_i, gate_f, gate_o, gate_g, next_c, next_h = cache
    dgate_o = dnext_h * _tanh(next_c)
    dtanhnext_c = dnext_h * gate_o
    dnext_c = dnext_c + dtanhnext_c * (1 - _tanh(next_c) ** 2)
    dgate_f = dnext_c * prev_c
    dprev_c = dnext_c * gate_f
    dgate_i = dnext_c * gate_g
    dgate_g = dnext_c * gate_i
    da1 = dgate_i * gate_i * (1 - gate_i)
    da2 = dgate_f * gate_f * (1 - gate_f)
    da3 = dgate_o * gate_o * (1 - gate_o)
    da4 = dgate_g * (1 - gate_g ** 2)
    da = np.hstack([da2, da1, da3, da4])
    dx = da.dot(Wx.T)
    dWx = x.T.dot(da)
    dprev_h = da.dot(Wh.T)
    dWh = prev_h.T.dot(da)
    db = np.sum(da, axis=0)
    return dx, dprev_h, dprev_c, dWx, dWh, db


def lstm_step_f(x, prev_h, prev_c, Wx, Wh, b):
    """The step's forward in JAX: (next_h, next_c), each (N, H); gates i, f, o, g in that order."""
    H = prev_h.shape[1]
    a = jnp.dot(x, Wx) + jnp.dot(prev_h, Wh) + b
    i = jax.nn.sigmoid(a[:, :H])
    f = jax.nn.sigmoid(a[:, H:2 * H])
    o = jax.nn.sigmoid(a[:, 2 * H:3 * H])
    g = jnp.tanh(a[:, 3 * H:])
    next_c = prev_c * f + i * g
    return jnp.tanh(next_c) * o, next_c


def _lstm_step_vjp(backward):
    def vjp(x, prev_h, prev_c, Wx, Wh, b, ct):
        dnext_h, dnext_c = ct
        _, _, cache = lstm_step_forward(x, prev_h, prev_c, Wx, Wh, b)
        return backward(dnext_h, dnext_c, cache)

    vjp.__name__ = vjp.__qualname__ = f"vjp_{backward.__name__}"
    return vjp


LSTM_STEP = Case(
    name="cs231n_lstm_step_backward",
    source="0809zheng/CS231n-assignment2019 assignment3/cs231n/rnn_layers.py (lstm_step_backward)",
    kind="vjp",
    f=lstm_step_f,
    candidate=_lstm_step_vjp(lstm_step_backward),
    example=lambda: _draw((N, D), (N, H), (N, H), (D, 4 * H), (H, 4 * H), (4 * H,)),
    argnums=(0, 1, 2, 3, 4, 5),
    mutants=(
        Mutant("dnext_c dropped", _lstm_step_vjp(lstm_step_backward_dnext_c_dropped), "zero where JAX is not"),
        Mutant("gate gradients stacked f, i, o, g", _lstm_step_vjp(lstm_step_backward_gates_swapped)),
        Mutant("dnext_c += ... in place (the author's line)", _lstm_step_vjp(lstm_step_backward_in_place),
               "mutates its input"),
    ),
)


# === Deep Learning from Scratch 2: GRU, one step ===================================================
# source: oreilly-japan/deep-learning-from-scratch-2 common/time_layers.py (GRU.forward, GRU.backward)
# No biases; gates z (update), r (reset) and the candidate state h_hat, stacked in that order.


def _sigmoid_dlfs(x):
    """common/functions.py's sigmoid."""
    return 1 / (1 + np.exp(-x))


class GRU:
    """h_next = (1 − z) h_prev + z h_hat; Wx (D, 3H), Wh (H, 3H)."""

    def __init__(self, Wx, Wh):
        self.Wx, self.Wh = Wx, Wh
        self.dWx, self.dWh = None, None
        self.cache = None

    def forward(self, x, h_prev):
        H, H3 = self.Wh.shape
        Wxz, Wxr, Wx = self.Wx[:, :H], self.Wx[:, H:2 * H], self.Wx[:, 2 * H:]
        Whz, Whr, Wh = self.Wh[:, :H], self.Wh[:, H:2 * H], self.Wh[:, 2 * H:]
        z = _sigmoid_dlfs(np.dot(x, Wxz) + np.dot(h_prev, Whz))
        r = _sigmoid_dlfs(np.dot(x, Wxr) + np.dot(h_prev, Whr))
        h_hat = np.tanh(np.dot(x, Wx) + np.dot(r * h_prev, Wh))
        h_next = (1 - z) * h_prev + z * h_hat
        self.cache = (x, h_prev, z, r, h_hat)
        return h_next

    def backward(self, dh_next):
        H, H3 = self.Wh.shape
        Wxz, Wxr, Wx = self.Wx[:, :H], self.Wx[:, H:2 * H], self.Wx[:, 2 * H:]
        Whz, Whr, Wh = self.Wh[:, :H], self.Wh[:, H:2 * H], self.Wh[:, 2 * H:]
        x, h_prev, z, r, h_hat = self.cache
        dh_hat = dh_next * z
        dh_prev = dh_next * (1 - z)
        # tanh
        dt = dh_hat * (1 - h_hat ** 2)
        dWh = np.dot((r * h_prev).T, dt)
        dhr = np.dot(dt, Wh.T)
        dWx = np.dot(x.T, dt)
        dx = np.dot(dt, Wx.T)
        dh_prev += r * dhr
        # update gate (z)
        dz = dh_next * h_hat - dh_next * h_prev
        dt = dz * z * (1 - z)
        dWhz = np.dot(h_prev.T, dt)
        dh_prev += np.dot(dt, Whz.T)
        dWxz = np.dot(x.T, dt)
        dx += np.dot(dt, Wxz.T)
        # reset gate (r)
        dr = dhr * h_prev
        dt = dr * r * (1 - r)
        dWhr = np.dot(h_prev.T, dt)
        dh_prev += np.dot(dt, Whr.T)
        dWxr = np.dot(x.T, dt)
        dx += np.dot(dt, Wxr.T)
        self.dWx = np.hstack((dWxz, dWxr, dWx))
        self.dWh = np.hstack((dWhz, dWhr, dWh))
        return dx, dh_prev


class GRUResetPathDropped(GRU):
    """Mutant: the path h_prev → r ⊙ h_prev → h_hat left out of dh_prev (`dh_prev += r * dhr` missing)."""

    def backward(self, dh_next):
        H, H3 = self.Wh.shape
        Wxz, Wxr, Wx = self.Wx[:, :H], self.Wx[:, H:2 * H], self.Wx[:, 2 * H:]
        Whz, Whr, Wh = self.Wh[:, :H], self.Wh[:, H:2 * H], self.Wh[:, 2 * H:]
        x, h_prev, z, r, h_hat = self.cache
        dh_hat = dh_next * z
        dh_prev = dh_next * (1 - z)
        dt = dh_hat * (1 - h_hat ** 2)
        dWh = np.dot((r * h_prev).T, dt)
        dhr = np.dot(dt, Wh.T)
        dWx = np.dot(x.T, dt)
        dx = np.dot(dt, Wx.T)
        dz = dh_next * h_hat - dh_next * h_prev
        dt = dz * z * (1 - z)
        dWhz = np.dot(h_prev.T, dt)
        dh_prev += np.dot(dt, Whz.T)
        dWxz = np.dot(x.T, dt)
        dx += np.dot(dt, Wxz.T)
        dr = dhr * h_prev
        dt = dr * r * (1 - r)
        dWhr = np.dot(h_prev.T, dt)
        dh_prev += np.dot(dt, Whr.T)
        dWxr = np.dot(x.T, dt)
        dx += np.dot(dt, Wxr.T)
        self.dWx = np.hstack((dWxz, dWxr, dWx))
        self.dWh = np.hstack((dWhz, dWhr, dWh))
        return dx, dh_prev


class GRUUpdateGateSign(GRU):
    """Mutant: dz = dh_next ⊙ (h_prev − h_hat), the interpolation's derivative with its sign reversed."""

    def backward(self, dh_next):
        H, H3 = self.Wh.shape
        Wxz, Wxr, Wx = self.Wx[:, :H], self.Wx[:, H:2 * H], self.Wx[:, 2 * H:]
        Whz, Whr, Wh = self.Wh[:, :H], self.Wh[:, H:2 * H], self.Wh[:, 2 * H:]
        x, h_prev, z, r, h_hat = self.cache
        dh_hat = dh_next * z
        dh_prev = dh_next * (1 - z)
        dt = dh_hat * (1 - h_hat ** 2)
        dWh = np.dot((r * h_prev).T, dt)
        dhr = np.dot(dt, Wh.T)
        dWx = np.dot(x.T, dt)
        dx = np.dot(dt, Wx.T)
        dh_prev += r * dhr
        dz = dh_next * h_prev - dh_next * h_hat
        dt = dz * z * (1 - z)
        dWhz = np.dot(h_prev.T, dt)
        dh_prev += np.dot(dt, Whz.T)
        dWxz = np.dot(x.T, dt)
        dx += np.dot(dt, Wxz.T)
        dr = dhr * h_prev
        dt = dr * r * (1 - r)
        dWhr = np.dot(h_prev.T, dt)
        dh_prev += np.dot(dt, Whr.T)
        dWxr = np.dot(x.T, dt)
        dx += np.dot(dt, Wxr.T)
        self.dWx = np.hstack((dWxz, dWxr, dWx))
        self.dWh = np.hstack((dWhz, dWhr, dWh))
        return dx, dh_prev


def gru_f(x, h_prev, Wx, Wh):
    """The GRU step in JAX: (1 − z) h_prev + z tanh(x Wx_h + (r ⊙ h_prev) Wh_h), (N, H)."""
    H = Wh.shape[0]
    z = jax.nn.sigmoid(jnp.dot(x, Wx[:, :H]) + jnp.dot(h_prev, Wh[:, :H]))
    r = jax.nn.sigmoid(jnp.dot(x, Wx[:, H:2 * H]) + jnp.dot(h_prev, Wh[:, H:2 * H]))
    h_hat = jnp.tanh(jnp.dot(x, Wx[:, 2 * H:]) + jnp.dot(r * h_prev, Wh[:, 2 * H:]))
    return (1 - z) * h_prev + z * h_hat


def _gru_vjp(layer_class):
    def vjp(x, h_prev, Wx, Wh, ct):
        layer = layer_class(Wx, Wh)
        layer.forward(x, h_prev)
        dx, dh_prev = layer.backward(ct)
        return dx, dh_prev, layer.dWx, layer.dWh

    vjp.__name__ = vjp.__qualname__ = f"vjp_{layer_class.__name__}"
    return vjp


GRU_STEP = Case(
    name="dlfs2_gru_backward",
    source="oreilly-japan/deep-learning-from-scratch-2 common/time_layers.py (GRU.backward)",
    kind="vjp",
    f=gru_f,
    candidate=_gru_vjp(GRU),
    example=lambda: _draw((N, D), (N, H), (D, 3 * H), (H, 3 * H)),
    argnums=(0, 1, 2, 3),
    mutants=(
        Mutant("reset-gate path into dh_prev dropped", _gru_vjp(GRUResetPathDropped), "dropped or extra term"),
        Mutant("update gate's derivative with its sign reversed", _gru_vjp(GRUUpdateGateSign)),
    ),
)


CASES: list[Case] = [
    RNN_STEP, RNN_BPTT, LSTM_STEP, GRU_STEP,
]
