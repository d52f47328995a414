r"""Beyond §8: gated recurrent cells. One step of an LSTM and of a GRU over a batch, and their backward passes.

Samples are rows, as in :mod:`chainrule.analytic.layer_recurrent`: x ``(N, D)``, the hidden state h
``(N, H)``; the gates' weights are stacked side by side, one block of H columns per gate, so one matrix
product computes every gate's pre-activation. ``σ`` is the logistic sigmoid (LAYER-5), ``tanh`` LAYER-6,
``∘`` the element-wise product; ``[A | B | …]`` stacks blocks of H columns.

**LSTM** (``LAYER-31``; CS231n's ``lstm_step_forward`` convention, gate order **i, f, o, g**):

    ``a = x Wx + h Wh + 1⃗ bᵀ = [aᵢ | a_f | a_o | a_g]``, Wx ``(D, 4H)``, Wh ``(H, 4H)``, b ``(4H,)``;
    ``i = σ(aᵢ)``, ``f = σ(a_f)``, ``o = σ(a_o)``, ``g = tanh(a_g)``;
    ``c' = f ∘ c + i ∘ g``, ``h' = o ∘ tanh(c')``.

Two outputs, two upstream gradients ``δh = ∂L/∂h'`` (``ct_h``) and ``δc = ∂L/∂c'`` (``ct_c``): the
catalog checks ``L = Σ δh ∘ h' + Σ δc ∘ c'``. The cell state reaches L directly and through ``h'``, so
its total gradient is ``Δc = δc + δh ∘ o ∘ (1 − tanh² c')``; then, gate by gate,
``dA = ∂L/∂a = [Δc ∘ g ∘ i(1 − i) | Δc ∘ c ∘ f(1 − f) | δh ∘ tanh(c') ∘ o(1 − o) | Δc ∘ i ∘ (1 − g²)]``,
and the affine map gives ``∂L/∂x = dA Wxᵀ``, ``∂L/∂h = dA Whᵀ``, ``∂L/∂Wx = xᵀ dA``, ``∂L/∂Wh = hᵀ dA``,
``∂L/∂b = 1⃗ᵀ dA``; the previous cell state gets ``∂L/∂c = Δc ∘ f`` (the forget gate passes ``δc``
through: the LSTM's "constant error carousel").

**GRU** (``LAYER-32``; Cho et al. 2014 as PyTorch's ``nn.GRUCell`` writes it, gate order **r, z, n**):

    ``gx = x Wx + 1⃗ bxᵀ = [gx_r | gx_z | gx_n]``, ``gh = h Wh + 1⃗ bhᵀ = [gh_r | gh_z | gh_n]``,
    Wx ``(D, 3H)``, Wh ``(H, 3H)``, bx, bh ``(3H,)``;
    ``r = σ(gx_r + gh_r)``, ``z = σ(gx_z + gh_z)``, ``n = tanh(gx_n + r ∘ gh_n)``,
    ``h' = (1 − z) ∘ n + z ∘ h``.

PyTorch stores ``weight_ih`` ``(3H, D)`` and ``weight_hh`` ``(3H, H)`` in the same r, z, n order:
``Wx = weight_ihᵀ``, ``Wh = weight_hhᵀ``, ``bx = bias_ih``, ``bh = bias_hh``. The reset gate multiplies
``h Wh + bh``'s n-block *after* the product (not ``(r ∘ h) Wh`` as in Cho et al.'s paper), which is why
the two biases cannot be merged. With ``δ = ∂L/∂h'`` (``ct``):
``dAₙ = δ ∘ (1 − z) ∘ (1 − n²)``, ``dA_r = dAₙ ∘ gh_n ∘ r(1 − r)``, ``dA_z = δ ∘ (h − n) ∘ z(1 − z)``;
the input side gets ``dGx = [dA_r | dA_z | dAₙ]``, the hidden side ``dGh = [dA_r | dA_z | r ∘ dAₙ]``, and
``∂L/∂x = dGx Wxᵀ``, ``∂L/∂h = δ ∘ z + dGh Whᵀ``, ``∂L/∂Wx = xᵀ dGx``, ``∂L/∂Wh = hᵀ dGh``,
``∂L/∂bx = 1⃗ᵀ dGx``, ``∂L/∂bh = 1⃗ᵀ dGh``.

No kinks (σ and tanh are smooth). Saturated gates (``σ' ≈ 0``, ``1 − g² ≈ 0``) are a conditioning
matter; the catalog draws weights scaled by ``1/√fan_in`` so pre-activations stay of order 1.

References:
  S. Hochreiter and J. Schmidhuber, "Long short-term memory", Neural Computation 9(8), 1997.
  F. A. Gers, J. Schmidhuber and F. Cummins, "Learning to forget: continual prediction with LSTM",
  Neural Computation 12(10), 2000 (the forget gate f).
  K. Cho et al., "Learning phrase representations using RNN encoder-decoder for statistical machine
  translation", EMNLP 2014, arXiv:1406.1078.
  PyTorch ``torch.nn.GRUCell`` documentation; CS231n (Stanford), assignment 3, ``lstm_step_forward``.
"""

from __future__ import annotations

from typing import Any

from ._array import inputs
from .layer_recurrent import _check_bias, _check_cell, _check_ct, _sigmoid, _sigmoid_slope, _tanh_slope

__all__ = [
    "gru_step",
    "lstm_step",
    "vjp_gru_step_Wh",
    "vjp_gru_step_Wx",
    "vjp_gru_step_bh",
    "vjp_gru_step_bx",
    "vjp_gru_step_h",
    "vjp_gru_step_x",
    "vjp_lstm_step_Wh",
    "vjp_lstm_step_Wx",
    "vjp_lstm_step_b",
    "vjp_lstm_step_c",
    "vjp_lstm_step_h",
    "vjp_lstm_step_x",
]

Array = Any


def _blocks(a: Array, H: int, k: int) -> list[Array]:
    """Split the stacked gate columns ``[A₁ | … | A_k]`` of ``a`` ``(N, kH)`` into k blocks ``(N, H)``."""
    return [a[:, j * H:(j + 1) * H] for j in range(k)]


# --- LAYER-31 LSTM step ----------------------------------------------------------------------------------


def _lstm(named: dict[str, Array]) -> tuple[Any, list[Array]]:
    xp, arrays = inputs(**named)
    x, h, c, Wx, Wh, b = arrays[:6]
    N, _D, H = _check_cell(x, h, Wx, Wh, 4, "i, f, o, g")
    if tuple(c.shape) != (N, H):
        raise ValueError(f"c: expected the cell state shaped like h, (N, H) = {(N, H)}, got {tuple(c.shape)}")
    _check_bias("b", b, 4 * H, f"4H = {4 * H}: one bias per gate unit, gates stacked i, f, o, g")
    for name, ct in zip(("ct_h", "ct_c"), arrays[6:], strict=False):
        _check_ct(name, ct, (N, H), "h'" if name == "ct_h" else "c'")
    return xp, arrays


def _lstm_forward(xp: Any, x: Array, h: Array, c: Array, Wx: Array, Wh: Array, b: Array) -> dict[str, Array]:
    H = h.shape[1]
    a = x @ Wx + h @ Wh + b[None, :]
    i, f, o = _blocks(_sigmoid(xp, a[:, :3 * H]), H, 3)  # the three sigmoid gates in one call
    g = xp.tanh(a[:, 3 * H:])
    c_next = f * c + i * g
    return {"a": a, "i": i, "f": f, "o": o, "g": g, "c'": c_next, "h'": o * xp.tanh(c_next)}


def _lstm_grads(x: Array, h: Array, c: Array, Wx: Array, Wh: Array, b: Array, ct_h: Array,
                ct_c: Array) -> dict[str, Array]:
    """The LSTM step's backward pass (module docstring): Δc, the gate gradients dA, then the affine map."""
    xp, (x, h, c, Wx, Wh, b, ct_h, ct_c) = _lstm(
        {"x": x, "h": h, "c": c, "Wx": Wx, "Wh": Wh, "b": b, "ct_h": ct_h, "ct_c": ct_c})
    H = h.shape[1]
    s = _lstm_forward(xp, x, h, c, Wx, Wh, b)
    dc = ct_c + ct_h * s["o"] * _tanh_slope(xp, s["c'"])  # Δc: directly, and through h' = o ∘ tanh(c')
    d_ifo = xp.concat([dc * s["g"], dc * c, ct_h * xp.tanh(s["c'"])], axis=1)  # ∂L/∂i, ∂L/∂f, ∂L/∂o
    dA = xp.concat([d_ifo * _sigmoid_slope(xp, s["a"][:, :3 * H]),
                    dc * s["i"] * _tanh_slope(xp, s["a"][:, 3 * H:])], axis=1)
    return {"x": dA @ Wx.T, "h": dA @ Wh.T, "c": dc * s["f"], "Wx": x.T @ dA, "Wh": h.T @ dA,
            "b": xp.sum(dA, axis=0)}


def lstm_step(x: Array, h: Array, c: Array, Wx: Array, Wh: Array, b: Array) -> tuple[Array, Array]:
    r"""Primal of LAYER-31: ``(h', c')``, ``c' = f ∘ c + i ∘ g``, ``h' = o ∘ tanh(c')``, gates i, f, o, g.

    ``[aᵢ | a_f | a_o | a_g] = x Wx + h Wh + 1⃗ bᵀ``; ``i, f, o = σ(aᵢ), σ(a_f), σ(a_o)``, ``g = tanh(a_g)``.
    Shapes: x ``(N, D)``, h, c ``(N, H)``, Wx ``(D, 4H)``, Wh ``(H, 4H)``, b ``(4H,)`` → h', c' ``(N, H)``.
    """
    xp, (x, h, c, Wx, Wh, b) = _lstm({"x": x, "h": h, "c": c, "Wx": Wx, "Wh": Wh, "b": b})
    s = _lstm_forward(xp, x, h, c, Wx, Wh, b)
    return s["h'"], s["c'"]


def vjp_lstm_step_x(x: Array, h: Array, c: Array, Wx: Array, Wh: Array, b: Array, ct_h: Array,
                    ct_c: Array) -> Array:
    r"""∂L/∂x = dA Wxᵀ, dA = [Δc∘g∘i(1−i) | Δc∘c∘f(1−f) | δh∘tanh(c')∘o(1−o) | Δc∘i∘(1−g²)]   (LAYER-31, beyond §8)

    ``Δc = δc + δh ∘ o ∘ (1 − tanh² c')`` is the cell state's total gradient (directly, and through
    ``h' = o ∘ tanh(c')``); ``dA = ∂L/∂a`` stacks the four gates' pre-activation gradients in the order
    i, f, o, g (each gate's output gradient times σ' = σ(1 − σ), or tanh' = 1 − g² for g). Shapes: x
    ``(N, D)``, h, c ``(N, H)``, Wx ``(D, 4H)``, Wh ``(H, 4H)``, b ``(4H,)``, ct_h = δh = ∂L/∂h' and
    ct_c = δc = ∂L/∂c' ``(N, H)``. Returns ``(N, D)``, shaped like x. No kinks.

    >>> import numpy as np
    >>> z = np.zeros((1, 1))   # a = 0: i = f = o = ½, g = 0, c' = c/2; δc = 1 gives dA = [0, c/4, 0, ½]
    >>> vjp_lstm_step_x(z, z, np.ones((1, 1)), np.ones((1, 4)), np.zeros((1, 4)), np.zeros(4), z, np.ones((1, 1)))
    array([[0.75]])
    """
    return _lstm_grads(x, h, c, Wx, Wh, b, ct_h, ct_c)["x"]


def vjp_lstm_step_h(x: Array, h: Array, c: Array, Wx: Array, Wh: Array, b: Array, ct_h: Array,
                    ct_c: Array) -> Array:
    r"""∂L/∂h = dA Whᵀ, dA = [Δc∘g∘i(1−i) | Δc∘c∘f(1−f) | δh∘tanh(c')∘o(1−o) | Δc∘i∘(1−g²)]   (LAYER-31, beyond §8)

    ``Δc = δc + δh ∘ o ∘ (1 − tanh² c')``. Shapes as :func:`vjp_lstm_step_x`. Returns ``(N, H)``, shaped
    like h. No kinks.

    >>> import numpy as np
    >>> z = np.zeros((1, 1))
    >>> vjp_lstm_step_h(z, z, np.ones((1, 1)), np.zeros((1, 4)), np.full((1, 4), 2.0), np.zeros(4), z, np.ones((1, 1)))
    array([[1.5]])
    """
    return _lstm_grads(x, h, c, Wx, Wh, b, ct_h, ct_c)["h"]


def vjp_lstm_step_c(x: Array, h: Array, c: Array, Wx: Array, Wh: Array, b: Array, ct_h: Array,
                    ct_c: Array) -> Array:
    r"""∂L/∂c = Δc ∘ f = (δc + δh ∘ o ∘ (1 − tanh² c')) ∘ f   (LAYER-31, beyond §8)

    ``c' = f ∘ c + i ∘ g`` is linear in c with slope f, and c' reaches L directly (``δc``) and through
    ``h' = o ∘ tanh(c')``. No gate's pre-activation depends on c, so this is the whole gradient: the forget
    gate passes ``δc ∘ f`` back unchanged by any squashing (Hochreiter & Schmidhuber's constant error
    carousel). Shapes as :func:`vjp_lstm_step_x`. Returns ``(N, H)``, shaped like c. No kinks.

    >>> import numpy as np
    >>> z = np.zeros((1, 1))   # f = ½, δh = 0: ∂L/∂c = δc ∘ f
    >>> vjp_lstm_step_c(z, z, np.ones((1, 1)), np.zeros((1, 4)), np.zeros((1, 4)), np.zeros(4), z, np.full((1, 1), 3.0))
    array([[1.5]])
    """
    return _lstm_grads(x, h, c, Wx, Wh, b, ct_h, ct_c)["c"]


def vjp_lstm_step_Wx(x: Array, h: Array, c: Array, Wx: Array, Wh: Array, b: Array, ct_h: Array,
                     ct_c: Array) -> Array:
    r"""∂L/∂Wx = xᵀ dA, dA = [Δc∘g∘i(1−i) | Δc∘c∘f(1−f) | δh∘tanh(c')∘o(1−o) | Δc∘i∘(1−g²)]   (LAYER-31, beyond §8)

    ``Δc = δc + δh ∘ o ∘ (1 − tanh² c')``; summed over the samples. Shapes as :func:`vjp_lstm_step_x`.
    Returns ``(D, 4H)``, shaped like Wx (column blocks i, f, o, g). No kinks.

    >>> import numpy as np
    >>> z = np.zeros((1, 1))
    >>> vjp_lstm_step_Wx(np.ones((1, 1)), z, np.ones((1, 1)), np.zeros((1, 4)), np.zeros((1, 4)), np.zeros(4), z,
    ...                  np.ones((1, 1)))
    array([[0.  , 0.25, 0.  , 0.5 ]])
    """
    return _lstm_grads(x, h, c, Wx, Wh, b, ct_h, ct_c)["Wx"]


def vjp_lstm_step_Wh(x: Array, h: Array, c: Array, Wx: Array, Wh: Array, b: Array, ct_h: Array,
                     ct_c: Array) -> Array:
    r"""∂L/∂Wh = hᵀ dA, dA = [Δc∘g∘i(1−i) | Δc∘c∘f(1−f) | δh∘tanh(c')∘o(1−o) | Δc∘i∘(1−g²)]   (LAYER-31, beyond §8)

    ``Δc = δc + δh ∘ o ∘ (1 − tanh² c')``; summed over the samples. Shapes as :func:`vjp_lstm_step_x`.
    Returns ``(H, 4H)``, shaped like Wh. No kinks.

    >>> import numpy as np
    >>> z = np.zeros((1, 1))
    >>> vjp_lstm_step_Wh(z, np.full((1, 1), 2.0), np.ones((1, 1)), np.zeros((1, 4)), np.zeros((1, 4)), np.zeros(4), z,
    ...                  np.ones((1, 1)))
    array([[0. , 0.5, 0. , 1. ]])
    """
    return _lstm_grads(x, h, c, Wx, Wh, b, ct_h, ct_c)["Wh"]


def vjp_lstm_step_b(x: Array, h: Array, c: Array, Wx: Array, Wh: Array, b: Array, ct_h: Array,
                    ct_c: Array) -> Array:
    r"""∂L/∂b = 1⃗ᵀ dA, dA = [Δc∘g∘i(1−i) | Δc∘c∘f(1−f) | δh∘tanh(c')∘o(1−o) | Δc∘i∘(1−g²)]   (LAYER-31, beyond §8)

    ``Δc = δc + δh ∘ o ∘ (1 − tanh² c')``; summed over the samples. Shapes as :func:`vjp_lstm_step_x`.
    Returns ``(4H,)``, shaped like b. No kinks.

    >>> import numpy as np
    >>> z = np.zeros((2, 1))
    >>> vjp_lstm_step_b(z, z, np.ones((2, 1)), np.zeros((1, 4)), np.zeros((1, 4)), np.zeros(4), z, np.ones((2, 1)))
    array([0. , 0.5, 0. , 1. ])
    """
    return _lstm_grads(x, h, c, Wx, Wh, b, ct_h, ct_c)["b"]


# --- LAYER-32 GRU step -----------------------------------------------------------------------------------


def _gru(named: dict[str, Array]) -> tuple[Any, list[Array]]:
    xp, arrays = inputs(**named)
    x, h, Wx, Wh, bx, bh = arrays[:6]
    N, _D, H = _check_cell(x, h, Wx, Wh, 3, "r, z, n")
    for name, bias in (("bx", bx), ("bh", bh)):
        _check_bias(name, bias, 3 * H, f"3H = {3 * H}: one bias per gate unit, gates stacked r, z, n")
    if len(arrays) > 6:
        _check_ct("ct", arrays[6], (N, H), "h'")
    return xp, arrays


def _gru_forward(xp: Any, x: Array, h: Array, Wx: Array, Wh: Array, bx: Array, bh: Array) -> dict[str, Array]:
    H = h.shape[1]
    gx, gh = x @ Wx + bx[None, :], h @ Wh + bh[None, :]
    a_rz = gx[:, :2 * H] + gh[:, :2 * H]  # the reset and update gates' pre-activations, side by side
    r, z = _blocks(_sigmoid(xp, a_rz), H, 2)
    gh_n = gh[:, 2 * H:]
    a_n = gx[:, 2 * H:] + r * gh_n
    n = xp.tanh(a_n)
    return {"a_rz": a_rz, "a_n": a_n, "gh_n": gh_n, "r": r, "z": z, "n": n, "h'": (1.0 - z) * n + z * h}


def _gru_grads(x: Array, h: Array, Wx: Array, Wh: Array, bx: Array, bh: Array, ct: Array) -> dict[str, Array]:
    """The GRU step's backward pass (module docstring): dAₙ, dA_r, dA_z, then the two affine maps."""
    xp, (x, h, Wx, Wh, bx, bh, ct) = _gru({"x": x, "h": h, "Wx": Wx, "Wh": Wh, "bx": bx, "bh": bh, "ct": ct})
    s = _gru_forward(xp, x, h, Wx, Wh, bx, bh)
    dAn = ct * (1.0 - s["z"]) * _tanh_slope(xp, s["a_n"])
    d_rz = xp.concat([dAn * s["gh_n"], ct * (h - s["n"])], axis=1)  # ∂L/∂r, ∂L/∂z
    dA_rz = d_rz * _sigmoid_slope(xp, s["a_rz"])  # [dA_r | dA_z]
    dGx = xp.concat([dA_rz, dAn], axis=1)
    dGh = xp.concat([dA_rz, s["r"] * dAn], axis=1)
    return {"x": dGx @ Wx.T, "h": ct * s["z"] + dGh @ Wh.T, "Wx": x.T @ dGx, "Wh": h.T @ dGh,
            "bx": xp.sum(dGx, axis=0), "bh": xp.sum(dGh, axis=0)}


def gru_step(x: Array, h: Array, Wx: Array, Wh: Array, bx: Array, bh: Array) -> Array:
    r"""Primal of LAYER-32: ``h' = (1 − z) ∘ n + z ∘ h``, ``n = tanh(gx_n + r ∘ gh_n)``, gates r, z, n.

    ``[gx_r | gx_z | gx_n] = x Wx + 1⃗ bxᵀ``, ``[gh_r | gh_z | gh_n] = h Wh + 1⃗ bhᵀ``,
    ``r = σ(gx_r + gh_r)``, ``z = σ(gx_z + gh_z)`` (PyTorch's ``nn.GRUCell``). Shapes: x ``(N, D)``,
    h ``(N, H)``, Wx ``(D, 3H)``, Wh ``(H, 3H)``, bx, bh ``(3H,)`` → h' ``(N, H)``.
    """
    xp, (x, h, Wx, Wh, bx, bh) = _gru({"x": x, "h": h, "Wx": Wx, "Wh": Wh, "bx": bx, "bh": bh})
    return _gru_forward(xp, x, h, Wx, Wh, bx, bh)["h'"]


def vjp_gru_step_x(x: Array, h: Array, Wx: Array, Wh: Array, bx: Array, bh: Array, ct: Array) -> Array:
    r"""∂L/∂x = [dA_r | dA_z | dAₙ] Wxᵀ   (LAYER-32, beyond §8)

    With ``δ = ∂L/∂h'`` (``ct``): ``dAₙ = δ ∘ (1 − z) ∘ (1 − n²)`` (through ``(1 − z) ∘ n`` and tanh),
    ``dA_r = dAₙ ∘ gh_n ∘ r(1 − r)`` (r scales ``gh_n = (h Wh + 1⃗ bhᵀ)`` 's n-block),
    ``dA_z = δ ∘ (h − n) ∘ z(1 − z)`` (z interpolates between n and h). Shapes: x ``(N, D)``, h ``(N, H)``,
    Wx ``(D, 3H)``, Wh ``(H, 3H)``, bx, bh ``(3H,)``, ct ``(N, H)``. Returns ``(N, D)``. No kinks.

    >>> import numpy as np
    >>> z = np.zeros((1, 1))   # all pre-activations 0: r = z = ½, n = 0, dAₙ = δ/2, dA_z = 0, dA_r = 0
    >>> vjp_gru_step_x(z, z, np.ones((1, 3)), np.zeros((1, 3)), np.zeros(3), np.zeros(3), np.full((1, 1), 2.0))
    array([[1.]])
    """
    return _gru_grads(x, h, Wx, Wh, bx, bh, ct)["x"]


def vjp_gru_step_h(x: Array, h: Array, Wx: Array, Wh: Array, bx: Array, bh: Array, ct: Array) -> Array:
    r"""∂L/∂h = δ ∘ z + [dA_r | dA_z | r ∘ dAₙ] Whᵀ   (LAYER-32, beyond §8)

    h reaches h' directly through the update gate (``z ∘ h``: the term ``δ ∘ z``) and through every gate's
    hidden-side pre-activation ``gh = h Wh + 1⃗ bhᵀ``, whose n-block enters n multiplied by r. ``dAₙ``,
    ``dA_r``, ``dA_z`` as in :func:`vjp_gru_step_x`. Shapes as :func:`vjp_gru_step_x`. Returns ``(N, H)``.
    No kinks.

    >>> import numpy as np
    >>> z = np.zeros((1, 1))   # zero weights: ∂L/∂h = δ ∘ z = δ/2
    >>> vjp_gru_step_h(z, z, np.zeros((1, 3)), np.zeros((1, 3)), np.zeros(3), np.zeros(3), np.full((1, 1), 2.0))
    array([[1.]])
    """
    return _gru_grads(x, h, Wx, Wh, bx, bh, ct)["h"]


def vjp_gru_step_Wx(x: Array, h: Array, Wx: Array, Wh: Array, bx: Array, bh: Array, ct: Array) -> Array:
    r"""∂L/∂Wx = xᵀ [dA_r | dA_z | dAₙ]   (LAYER-32, beyond §8)

    ``dAₙ``, ``dA_r``, ``dA_z`` as in :func:`vjp_gru_step_x`; summed over the samples. Shapes as
    :func:`vjp_gru_step_x`. Returns ``(D, 3H)``, column blocks r, z, n. No kinks.

    >>> import numpy as np
    >>> z = np.zeros((1, 1))
    >>> vjp_gru_step_Wx(np.ones((1, 1)), z, np.zeros((1, 3)), np.zeros((1, 3)), np.zeros(3), np.zeros(3),
    ...                 np.full((1, 1), 2.0))
    array([[0., 0., 1.]])
    """
    return _gru_grads(x, h, Wx, Wh, bx, bh, ct)["Wx"]


def vjp_gru_step_Wh(x: Array, h: Array, Wx: Array, Wh: Array, bx: Array, bh: Array, ct: Array) -> Array:
    r"""∂L/∂Wh = hᵀ [dA_r | dA_z | r ∘ dAₙ]   (LAYER-32, beyond §8)

    ``dAₙ``, ``dA_r``, ``dA_z`` as in :func:`vjp_gru_step_x`; the n-block is scaled by r because r
    multiplies ``h Wh``'s n-block after the product. Shapes as :func:`vjp_gru_step_x`. Returns
    ``(H, 3H)``. No kinks.

    >>> import numpy as np
    >>> z = np.zeros((1, 1))   # h = 1: n = 0, dAₙ = δ/2, dA_z = δ(h − n)/4, dA_r = 0 (gh_n = 0)
    >>> vjp_gru_step_Wh(z, np.ones((1, 1)), np.zeros((1, 3)), np.zeros((1, 3)), np.zeros(3), np.zeros(3),
    ...                 np.full((1, 1), 2.0))
    array([[0. , 0.5, 0.5]])
    """
    return _gru_grads(x, h, Wx, Wh, bx, bh, ct)["Wh"]


def vjp_gru_step_bx(x: Array, h: Array, Wx: Array, Wh: Array, bx: Array, bh: Array, ct: Array) -> Array:
    r"""∂L/∂bx = 1⃗ᵀ [dA_r | dA_z | dAₙ]   (LAYER-32, beyond §8)

    ``dAₙ``, ``dA_r``, ``dA_z`` as in :func:`vjp_gru_step_x`; summed over the samples. Shapes as
    :func:`vjp_gru_step_x`. Returns ``(3H,)``. No kinks.

    >>> import numpy as np
    >>> z = np.zeros((2, 1))
    >>> vjp_gru_step_bx(z, z, np.zeros((1, 3)), np.zeros((1, 3)), np.zeros(3), np.zeros(3), np.ones((2, 1)))
    array([0., 0., 1.])
    """
    return _gru_grads(x, h, Wx, Wh, bx, bh, ct)["bx"]


def vjp_gru_step_bh(x: Array, h: Array, Wx: Array, Wh: Array, bx: Array, bh: Array, ct: Array) -> Array:
    r"""∂L/∂bh = 1⃗ᵀ [dA_r | dA_z | r ∘ dAₙ]   (LAYER-32, beyond §8)

    ``dAₙ``, ``dA_r``, ``dA_z`` as in :func:`vjp_gru_step_x`; summed over the samples; bh's n-block sits
    inside ``r ∘ (h Wh + 1⃗ bhᵀ)``, so it differs from bx's (PyTorch keeps the two biases for this reason).
    Shapes as :func:`vjp_gru_step_x`. Returns ``(3H,)``. No kinks.

    >>> import numpy as np
    >>> z = np.zeros((2, 1))
    >>> vjp_gru_step_bh(z, z, np.zeros((1, 3)), np.zeros((1, 3)), np.zeros(3), np.zeros(3), np.ones((2, 1)))
    array([0. , 0. , 0.5])
    """
    return _gru_grads(x, h, Wx, Wh, bx, bh, ct)["bh"]
