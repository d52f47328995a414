r"""Beyond §8: recurrent layers. A vanilla RNN step and a whole sequence by backpropagation through time.

A recurrent cell maps an input batch ``x`` and the previous hidden state ``h`` to the next hidden state
``h'``, with the same weights at every step. The vanilla (Elman) cell, as CS231n's ``rnn_step_forward``
writes it, is

    ``z = x Wx + h Wh + 1⃗ bᵀ``,   ``h' = tanh(z)``

with samples as rows: x ``(N, D)`` (N samples, D input features), h and h' ``(N, H)`` (H hidden units),
Wx ``(D, H)``, Wh ``(H, H)``, b ``(H,)``. Unrolled over T steps from ``h₀`` it gives the hidden states
``h₁ … h_T``; the sequence layer takes x ``(N, T, D)`` and returns them stacked as ``(N, T, H)``.

Backward passes are vector-Jacobian products: given the upstream gradient ``δ = ∂L/∂h'`` (``ct``,
shaped like the output) the ``vjp_*`` functions return ``∂L/∂arg`` shaped like ``arg``; the catalog
checks them as the gradient of ``L = Σ δ ∘ h'`` with ``δ`` held fixed (as ``dense_pulled`` does for
LAYER-1). The step's backward pass is the one formula both layers use: with ``Δ = δ ∘ (1 − h'²)``
(``∂L/∂z``; ``tanh' = 1 − tanh²``, LAYER-6's :func:`~chainrule.analytic.layer.jac_tanh_x`),

    ``∂L/∂x = Δ Wxᵀ``, ``∂L/∂h = Δ Whᵀ``, ``∂L/∂Wx = xᵀ Δ``, ``∂L/∂Wh = hᵀ Δ``, ``∂L/∂b = 1⃗ᵀ Δ``.

Backpropagation through time (BPTT, Werbos 1990) runs that step backward from ``t = T`` to ``t = 1``:
``hₜ`` feeds both the output at step t (upstream ``δₜ``) and the next step, so its total gradient is
``δₜ + Δₜ₊₁ Whᵀ`` (``Δ_{T+1} = 0``); ``Δₜ = (δₜ + Δₜ₊₁ Whᵀ) ∘ (1 − hₜ²)``; the shared weights sum their
per-step gradients, and ``∂L/∂h₀ = Δ₁ Whᵀ``. The loop over t is a Python loop: under ``jax.jit`` it
unrolls into T copies of the step (keep T small; ``jax.lax.scan`` is what a production RNN would use).

IDs (this project's own scheme, origin "extension", section "beyond §8"):

* ``LAYER-29`` vanilla RNN step (one backward-pass record per argument: x, h, Wx, Wh, b);
* ``LAYER-30`` the RNN over a sequence, by backpropagation through time (x, h₀, Wx, Wh, b).

The gated cells (``LAYER-31`` LSTM, ``LAYER-32`` GRU) are in :mod:`chainrule.analytic.layer_gated`.

No kinks: tanh is smooth everywhere. Saturation (``|z|`` large, ``1 − h'² ≈ 0``) is a conditioning
matter, not a kink: ``1 − h'²`` loses relative precision in float32 as ``h' → ±1``, so the catalog draws
weights scaled by ``1/√fan_in`` to keep pre-activations of order 1.

References:
  P. J. Werbos, "Backpropagation through time: what it does and how to do it", Proc. IEEE 78(10), 1990.
  J. L. Elman, "Finding structure in time", Cognitive Science 14(2), 1990.
  CS231n (Stanford), assignment 3, ``rnn_layers.py``: ``rnn_step_forward``/``rnn_step_backward``,
  ``rnn_forward``/``rnn_backward``.
"""

from __future__ import annotations

from typing import Any

from . import layer as _layer
from ._array import inputs, require_ndim, require_shape

__all__ = [
    "rnn_sequence",
    "rnn_step",
    "vjp_rnn_sequence_Wh",
    "vjp_rnn_sequence_Wx",
    "vjp_rnn_sequence_b",
    "vjp_rnn_sequence_h0",
    "vjp_rnn_sequence_x",
    "vjp_rnn_step_Wh",
    "vjp_rnn_step_Wx",
    "vjp_rnn_step_b",
    "vjp_rnn_step_h",
    "vjp_rnn_step_x",
]

Array = Any


# --- helpers shared with layer_gated ---------------------------------------------------------------


def _apply(xp: Any, fn: Any, a: Array) -> Array:
    """One of :mod:`~chainrule.analytic.layer`'s activations on an array of any shape (they take vectors
    ``(n,)``): flatten, apply, reshape back."""
    return xp.reshape(fn(xp.reshape(a, (-1,))), a.shape)


def _slope(xp: Any, jac: Any, a: Array) -> Array:
    """An activation's derivative, element-wise on any shape: the diagonal of its Diagonal Jacobian."""
    return xp.reshape(jac(xp.reshape(a, (-1,))).diagonal(), a.shape)


def _sigmoid(xp: Any, a: Array) -> Array:
    """σ(a) element-wise (LAYER-5's primal)."""
    return _apply(xp, _layer.sigmoid, a)


def _sigmoid_slope(xp: Any, a: Array) -> Array:
    """σ'(a) = σ(a)(1 − σ(a)) element-wise (LAYER-5's Jacobian diagonal)."""
    return _slope(xp, _layer.jac_sigmoid_x, a)


def _tanh_slope(xp: Any, a: Array) -> Array:
    """tanh'(a) = 1 − tanh²(a) element-wise (LAYER-6's Jacobian diagonal)."""
    return _slope(xp, _layer.jac_tanh_x, a)


def _check_cell(x: Array, h: Array, Wx: Array, Wh: Array, gates: int, order: str = "",
                hname: str = "h") -> tuple[int, int, int]:
    """Validate a cell's x (N, D), h (N, H), Wx (D, kH), Wh (H, kH) for k = ``gates``; return (N, D, H).

    ``hname`` names the state in messages (``h0`` for a sequence's initial state)."""
    k = "" if gates == 1 else str(gates)
    stacked = "" if gates == 1 else f", {gates} gate blocks of H columns stacked in the order {order}"
    require_ndim("x", x, 2, "an input batch x of shape (N, D), samples as rows")
    require_ndim(hname, h, 2, f"a hidden state {hname} of shape (N, H), one row per sample")
    require_ndim("Wx", Wx, 2, f"input-to-hidden weights Wx of shape (D, {k}H){stacked}")
    require_ndim("Wh", Wh, 2, f"hidden-to-hidden weights Wh of shape (H, {k}H){stacked}")
    N, D = x.shape
    H = h.shape[1]
    if h.shape[0] != N:
        raise ValueError(
            f"{hname} has {h.shape[0]} rows but x has N = {N} samples; "
            f"pass one hidden state per sample, {hname} of shape (N, H) = ({N}, {h.shape[1]})"
        )
    if Wh.shape[0] != H:
        raise ValueError(
            f"Wh has {Wh.shape[0]} rows but {hname} has H = {H} hidden units (shape {tuple(h.shape)}); "
            f"Wh maps the hidden state, so it must have shape (H, {k}H) = ({H}, {gates * H})"
        )
    for name, W, rows in (("Wh", Wh, H), ("Wx", Wx, D)):
        if W.shape[1] != gates * H:
            extra = (f" ({W.shape[1]} is not a multiple of {gates})" if W.shape[1] % gates else
                     f" (that is {W.shape[1] // gates} units per gate)") if gates > 1 else ""
            raise ValueError(
                f"{name}: expected {k}H = {gates * H} columns for H = {H} hidden units ({hname} has shape "
                f"{tuple(h.shape)}){stacked}, got {W.shape[1]}{extra}; pass {name} of shape ({rows}, {gates * H})"
            )
    require_shape("Wx", Wx, (D, gates * H), f"Wx maps x's D = {D} features to the {k}H = {gates * H} columns")
    return N, D, H


def _check_bias(name: str, b: Array, size: int, what: str) -> None:
    require_ndim(name, b, 1, f"a bias vector {name} of shape ({size},), {what}")
    require_shape(name, b, (size,), what)


def _check_ct(name: str, ct: Array, shape: tuple[int, ...], of: str) -> None:
    if tuple(ct.shape) != tuple(shape):
        raise ValueError(
            f"{name}: expected the upstream gradient ∂L/∂{of} shaped like {of}, {tuple(shape)}, "
            f"got {tuple(ct.shape)}"
        )


# --- LAYER-29 Vanilla RNN step h' = tanh(x Wx + h Wh + b) ------------------------------------------------


def _step(x: Array, h: Array, Wx: Array, Wh: Array, b: Array, ct: Array | None) -> tuple[Any, list[Array]]:
    if ct is None:
        xp, arrays = inputs(x=x, h=h, Wx=Wx, Wh=Wh, b=b)
    else:
        xp, arrays = inputs(x=x, h=h, Wx=Wx, Wh=Wh, b=b, ct=ct)
    x, h, Wx, Wh, b = arrays[:5]
    N, _D, H = _check_cell(x, h, Wx, Wh, 1)
    _check_bias("b", b, H, "one bias per hidden unit")
    if ct is not None:
        _check_ct("ct", arrays[5], (N, H), "h'")
    return xp, arrays


def _step_backward(xp: Any, x: Array, h: Array, Wx: Array, Wh: Array, z: Array, ct: Array) -> dict[str, Array]:
    """One step's backward pass: Δ = δ ∘ tanh'(z), then the affine map's gradients (LAYER-2's, transposed)."""
    dz = ct * _tanh_slope(xp, z)
    return {"x": dz @ Wx.T, "h": dz @ Wh.T, "Wx": x.T @ dz, "Wh": h.T @ dz, "b": xp.sum(dz, axis=0)}


def _rnn_step_grads(x: Array, h: Array, Wx: Array, Wh: Array, b: Array, ct: Array) -> dict[str, Array]:
    xp, (x, h, Wx, Wh, b, ct) = _step(x, h, Wx, Wh, b, ct)
    return _step_backward(xp, x, h, Wx, Wh, x @ Wx + h @ Wh + b[None, :], ct)


def rnn_step(x: Array, h: Array, Wx: Array, Wh: Array, b: Array) -> Array:
    r"""Primal of LAYER-29: ``h' = tanh(x Wx + h Wh + 1⃗ bᵀ)``, one step of a vanilla RNN over a batch.

    Shapes: x ``(N, D)``, h ``(N, H)``, Wx ``(D, H)``, Wh ``(H, H)``, b ``(H,)`` → h' ``(N, H)``.
    """
    xp, (x, h, Wx, Wh, b) = _step(x, h, Wx, Wh, b, None)
    return xp.tanh(x @ Wx + h @ Wh + b[None, :])


def vjp_rnn_step_x(x: Array, h: Array, Wx: Array, Wh: Array, b: Array, ct: Array) -> Array:
    r"""∂L/∂x = (δ ∘ (1 − h'²)) Wxᵀ, h' = tanh(x Wx + h Wh + 1⃗ bᵀ)   (LAYER-29, beyond §8)

    Backprop through tanh gives ``Δ = ∂L/∂z = δ ∘ (1 − h'²)`` (LAYER-6, element-wise), then through the
    affine map ``z = x Wx + …`` row by row (LAYER-2). Shapes: x ``(N, D)``, h ``(N, H)``, Wx ``(D, H)``,
    Wh ``(H, H)``, b ``(H,)``, ct = δ = ∂L/∂h' ``(N, H)``. Returns ``(N, D)``, shaped like x. No kinks.

    >>> import numpy as np
    >>> vjp_rnn_step_x(np.zeros((1, 2)), np.zeros((1, 1)), np.array([[1.0], [2.0]]), np.zeros((1, 1)),
    ...                np.zeros(1), np.array([[3.0]]))   # z = 0: tanh' = 1
    array([[3., 6.]])
    """
    return _rnn_step_grads(x, h, Wx, Wh, b, ct)["x"]


def vjp_rnn_step_h(x: Array, h: Array, Wx: Array, Wh: Array, b: Array, ct: Array) -> Array:
    r"""∂L/∂h = (δ ∘ (1 − h'²)) Whᵀ, h' = tanh(x Wx + h Wh + 1⃗ bᵀ)   (LAYER-29, beyond §8)

    The gradient passed to the previous step (the recursion of LAYER-30). Shapes as
    :func:`vjp_rnn_step_x`. Returns ``(N, H)``, shaped like h. No kinks.

    >>> import numpy as np
    >>> vjp_rnn_step_h(np.zeros((1, 1)), np.zeros((1, 2)), np.zeros((1, 2)), np.array([[1.0, 2.0], [3.0, 4.0]]),
    ...                np.zeros(2), np.array([[1.0, -1.0]]))
    array([[-1., -1.]])
    """
    return _rnn_step_grads(x, h, Wx, Wh, b, ct)["h"]


def vjp_rnn_step_Wx(x: Array, h: Array, Wx: Array, Wh: Array, b: Array, ct: Array) -> Array:
    r"""∂L/∂Wx = xᵀ (δ ∘ (1 − h'²)), h' = tanh(x Wx + h Wh + 1⃗ bᵀ)   (LAYER-29, beyond §8)

    Wx is shared by the N samples, so its gradient sums their outer products ``xₙ Δₙᵀ``: one matrix
    product. Shapes as :func:`vjp_rnn_step_x`. Returns ``(D, H)``, shaped like Wx. No kinks.

    >>> import numpy as np
    >>> vjp_rnn_step_Wx(np.array([[1.0, 2.0]]), np.zeros((1, 1)), np.zeros((2, 1)), np.zeros((1, 1)),
    ...                 np.zeros(1), np.array([[0.5]]))
    array([[0.5],
           [1. ]])
    """
    return _rnn_step_grads(x, h, Wx, Wh, b, ct)["Wx"]


def vjp_rnn_step_Wh(x: Array, h: Array, Wx: Array, Wh: Array, b: Array, ct: Array) -> Array:
    r"""∂L/∂Wh = hᵀ (δ ∘ (1 − h'²)), h' = tanh(x Wx + h Wh + 1⃗ bᵀ)   (LAYER-29, beyond §8)

    Shapes as :func:`vjp_rnn_step_x`. Returns ``(H, H)``, shaped like Wh. No kinks.

    >>> import numpy as np
    >>> vjp_rnn_step_Wh(np.zeros((1, 1)), np.array([[2.0]]), np.zeros((1, 1)), np.zeros((1, 1)),
    ...                 np.zeros(1), np.array([[1.5]]))
    array([[3.]])
    """
    return _rnn_step_grads(x, h, Wx, Wh, b, ct)["Wh"]


def vjp_rnn_step_b(x: Array, h: Array, Wx: Array, Wh: Array, b: Array, ct: Array) -> Array:
    r"""∂L/∂b = 1⃗ᵀ (δ ∘ (1 − h'²)), h' = tanh(x Wx + h Wh + 1⃗ bᵀ)   (LAYER-29, beyond §8)

    The bias is broadcast to every sample, so its gradient sums ``Δ`` over the batch. Shapes as
    :func:`vjp_rnn_step_x`. Returns ``(H,)``, shaped like b. No kinks.

    >>> import numpy as np
    >>> vjp_rnn_step_b(np.zeros((2, 1)), np.zeros((2, 1)), np.zeros((1, 1)), np.zeros((1, 1)),
    ...                np.zeros(1), np.array([[1.0], [2.0]]))
    array([3.])
    """
    return _rnn_step_grads(x, h, Wx, Wh, b, ct)["b"]


# --- LAYER-30 The RNN over a sequence: backpropagation through time ---------------------------------------


def _sequence(x: Array, h0: Array, Wx: Array, Wh: Array, b: Array, ct: Array | None) -> tuple[Any, list[Array]]:
    if ct is None:
        xp, arrays = inputs(x=x, h0=h0, Wx=Wx, Wh=Wh, b=b)
    else:
        xp, arrays = inputs(x=x, h0=h0, Wx=Wx, Wh=Wh, b=b, ct=ct)
    x, h0, Wx, Wh, b = arrays[:5]
    require_ndim("x", x, 3, "an input sequence x of shape (N, T, D): N samples, T steps, D features")
    N, T, _D = x.shape
    if T == 0:
        raise ValueError(f"x: expected at least one time step (T ≥ 1), got shape {tuple(x.shape)}")
    _check_cell(x[:, 0, :], h0, Wx, Wh, 1, hname="h0")
    H = h0.shape[1]
    _check_bias("b", b, H, "one bias per hidden unit")
    if ct is not None:
        _check_ct("ct", arrays[5], (N, T, H), "h₁…h_T (stacked as the output)")
    return xp, arrays


def _rnn_forward(xp: Any, x: Array, h0: Array, Wx: Array, Wh: Array, b: Array) -> tuple[list[Array], list[Array]]:
    """The unrolled forward pass: pre-activations ``[z₁ … z_T]`` and states ``[h₀, h₁ … h_T]``."""
    zs, hs = [], [h0]
    for t in range(x.shape[1]):
        z = x[:, t, :] @ Wx + hs[-1] @ Wh + b[None, :]
        zs.append(z)
        hs.append(xp.tanh(z))
    return zs, hs


def _bptt(x: Array, h0: Array, Wx: Array, Wh: Array, b: Array, ct: Array) -> dict[str, Array]:
    """Backpropagation through time: LAYER-29's step backward from t = T to 1, the states' gradients
    carried back (``δₜ + Δₜ₊₁ Whᵀ``), the shared weights' gradients summed over the steps."""
    xp, (x, h0, Wx, Wh, b, ct) = _sequence(x, h0, Wx, Wh, b, ct)
    zs, hs = _rnn_forward(xp, x, h0, Wx, Wh, b)
    T = x.shape[1]
    dxs: list[Array] = [None] * T
    total: dict[str, Array] = {}
    carried = None  # ∂L/∂hₜ through the later steps: Δₜ₊₁ Whᵀ (none after the last step)
    for t in reversed(range(T)):
        dh = ct[:, t, :] if carried is None else ct[:, t, :] + carried
        step = _step_backward(xp, x[:, t, :], hs[t], Wx, Wh, zs[t], dh)
        dxs[t] = step["x"]
        for name in ("Wx", "Wh", "b"):
            total[name] = step[name] if name not in total else total[name] + step[name]
        carried = step["h"]
    return {"x": xp.stack(dxs, axis=1), "h0": carried, **total}


def rnn_sequence(x: Array, h0: Array, Wx: Array, Wh: Array, b: Array) -> Array:
    r"""Primal of LAYER-30: ``hₜ = tanh(xₜ Wx + hₜ₋₁ Wh + 1⃗ bᵀ)`` for t = 1 … T, stacked ``[h₁ … h_T]``.

    ``xₜ = x[:, t, :]``. Shapes: x ``(N, T, D)``, h0 ``(N, H)``, Wx ``(D, H)``, Wh ``(H, H)``, b ``(H,)``
    → ``(N, T, H)`` (CS231n's ``rnn_forward``; h₀ itself is not part of the output).
    """
    xp, (x, h0, Wx, Wh, b) = _sequence(x, h0, Wx, Wh, b, None)
    return xp.stack(_rnn_forward(xp, x, h0, Wx, Wh, b)[1][1:], axis=1)


def vjp_rnn_sequence_x(x: Array, h0: Array, Wx: Array, Wh: Array, b: Array, ct: Array) -> Array:
    r"""∂L/∂xₜ = Δₜ Wxᵀ, Δₜ = (δₜ + Δₜ₊₁ Whᵀ) ∘ (1 − hₜ²), Δ_{T+1} = 0   (LAYER-30, beyond §8)

    Backpropagation through time. ``hₜ`` reaches L twice: directly (upstream ``δₜ = ct[:, t, :]``) and
    through ``hₜ₊₁``, which passes back ``Δₜ₊₁ Whᵀ`` (LAYER-29's ``∂L/∂h``); their sum times
    ``tanh'(zₜ) = 1 − hₜ²`` is ``Δₜ = ∂L/∂zₜ``, computed for t = T, T − 1, …, 1. Step t's input gradient is
    ``Δₜ Wxᵀ``. Shapes: x ``(N, T, D)``, h0 ``(N, H)``, Wx ``(D, H)``, Wh ``(H, H)``, b ``(H,)``,
    ct ``(N, T, H)``. Returns ``(N, T, D)``, shaped like x. No kinks.

    >>> import numpy as np
    >>> x, h0, Wx, Wh, b = np.zeros((1, 2, 1)), np.zeros((1, 1)), np.ones((1, 1)), np.full((1, 1), 0.5), np.zeros(1)
    >>> vjp_rnn_sequence_x(x, h0, Wx, Wh, b, np.array([[[0.0], [1.0]]]))   # all z = 0: Δ₂ = 1, Δ₁ = 0.5
    array([[[0.5],
            [1. ]]])
    """
    return _bptt(x, h0, Wx, Wh, b, ct)["x"]


def vjp_rnn_sequence_h0(x: Array, h0: Array, Wx: Array, Wh: Array, b: Array, ct: Array) -> Array:
    r"""∂L/∂h₀ = Δ₁ Whᵀ, Δₜ = (δₜ + Δₜ₊₁ Whᵀ) ∘ (1 − hₜ²), Δ_{T+1} = 0   (LAYER-30, beyond §8)

    The recursion of :func:`vjp_rnn_sequence_x` run down to t = 1; h₀ is not an output, so it gets only
    what step 1 passes back. Through T steps it holds T factors ``Whᵀ`` and ``diag(1 − hₜ²)``: the
    vanishing (or exploding) gradient. Shapes as :func:`vjp_rnn_sequence_x`. Returns ``(N, H)``, shaped
    like h0. No kinks.

    >>> import numpy as np
    >>> x, h0, Wx, Wh, b = np.zeros((1, 2, 1)), np.zeros((1, 1)), np.ones((1, 1)), np.full((1, 1), 0.5), np.zeros(1)
    >>> vjp_rnn_sequence_h0(x, h0, Wx, Wh, b, np.array([[[0.0], [1.0]]]))   # 0.5 · 0.5
    array([[0.25]])
    """
    return _bptt(x, h0, Wx, Wh, b, ct)["h0"]


def vjp_rnn_sequence_Wx(x: Array, h0: Array, Wx: Array, Wh: Array, b: Array, ct: Array) -> Array:
    r"""∂L/∂Wx = Σₜ xₜᵀ Δₜ, Δₜ = (δₜ + Δₜ₊₁ Whᵀ) ∘ (1 − hₜ²), Δ_{T+1} = 0   (LAYER-30, beyond §8)

    Wx is shared by every step, so its gradient sums LAYER-29's per-step ``xₜᵀ Δₜ`` (the recursion of
    :func:`vjp_rnn_sequence_x` gives ``Δₜ``). Shapes as :func:`vjp_rnn_sequence_x`. Returns ``(D, H)``.
    No kinks.

    >>> import numpy as np
    >>> x, h0, Wx, Wh, b = np.ones((1, 2, 1)), np.zeros((1, 1)), np.zeros((1, 1)), np.zeros((1, 1)), np.zeros(1)
    >>> vjp_rnn_sequence_Wx(x, h0, Wx, Wh, b, np.array([[[1.0], [2.0]]]))
    array([[3.]])
    """
    return _bptt(x, h0, Wx, Wh, b, ct)["Wx"]


def vjp_rnn_sequence_Wh(x: Array, h0: Array, Wx: Array, Wh: Array, b: Array, ct: Array) -> Array:
    r"""∂L/∂Wh = Σₜ hₜ₋₁ᵀ Δₜ, Δₜ = (δₜ + Δₜ₊₁ Whᵀ) ∘ (1 − hₜ²), Δ_{T+1} = 0   (LAYER-30, beyond §8)

    Step t multiplies the *previous* state ``hₜ₋₁`` by Wh, so that is the state paired with ``Δₜ``
    (``h₀`` for t = 1). Shapes as :func:`vjp_rnn_sequence_x`. Returns ``(H, H)``. No kinks.

    >>> import numpy as np
    >>> x, h0, Wx, Wh, b = np.zeros((1, 1, 1)), np.array([[2.0]]), np.zeros((1, 1)), np.zeros((1, 1)), np.zeros(1)
    >>> vjp_rnn_sequence_Wh(x, h0, Wx, Wh, b, np.array([[[1.0]]]))
    array([[2.]])
    """
    return _bptt(x, h0, Wx, Wh, b, ct)["Wh"]


def vjp_rnn_sequence_b(x: Array, h0: Array, Wx: Array, Wh: Array, b: Array, ct: Array) -> Array:
    r"""∂L/∂b = Σₜ 1⃗ᵀ Δₜ, Δₜ = (δₜ + Δₜ₊₁ Whᵀ) ∘ (1 − hₜ²), Δ_{T+1} = 0   (LAYER-30, beyond §8)

    Summed over the samples and the steps. Shapes as :func:`vjp_rnn_sequence_x`. Returns ``(H,)``.
    No kinks.

    >>> import numpy as np
    >>> x, h0, Wx, Wh, b = np.zeros((2, 2, 1)), np.zeros((2, 1)), np.zeros((1, 1)), np.zeros((1, 1)), np.zeros(1)
    >>> vjp_rnn_sequence_b(x, h0, Wx, Wh, b, np.ones((2, 2, 1)))
    array([4.])
    """
    return _bptt(x, h0, Wx, Wh, b, ct)["b"]
