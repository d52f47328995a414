r"""Beyond §8: pooling and embedding layers, whose backward passes route gradients back to what they read.

* ``LAYER-19`` 2-D max-pool: ``y[n, c, i, j] = max over the window (i, j) of x``; the backward pass sends
  each upstream entry to the window's maximum;
* ``LAYER-20`` 2-D average-pool: ``y = the mean over the window``; the backward pass spreads each upstream
  entry evenly over its window;
* ``LAYER-21`` embedding lookup: ``y = E[idx]`` (row ``idxₙ`` of a table E); the backward pass adds each
  upstream row into the table row it came from (a scatter-add).

Pooling acts on x ``(N, C, H, W)`` channel by channel, with windows of size ``(kH, kW)`` (``window``, an
int or a pair) moved by ``stride`` (default: the window, i.e. non-overlapping), no padding. The output
has ``H_out = ⌊(H − kH)/s⌋ + 1`` rows (and the same along W). Windows overlap when ``stride < window``;
an entry in several windows then collects the gradient of each. The windows are read and folded back
with :mod:`chainrule.analytic.layer_conv`'s helpers: a loop over the ``kH·kW`` offsets of a window, each a
strided slice, never a loop over pixels, so the programs stay small under ``jax.jit``.

Tie convention (max-pool): when a window's maximum occurs more than once, **the whole upstream gradient
goes to the first maximum in row-major order within the window** (CS231n's ``max_pool_backward_naive``,
which takes ``argmax``; PyTorch's ``max_pool2d`` kernels too: they scan the window row by row and keep an
entry only if it is strictly larger; and ``jax.vjp`` of ``lax.reduce_window`` max, on CPU). The primal is
written so that JAX agrees: it selects the first maximum with a mask and differentiates through that one
entry (``jnp.max`` over a window's entries would split the gradient equally among the tied entries instead).
The catalog's draws keep every window's top two entries apart (its ``kink``); tests/test_layer_conv.py pins
the tie.

Embedding: the indices are data, not a differentiated argument; they may be integers or integer values
stored in a floating dtype (how the catalog draws them) and are checked to be integral and in
``[0, V)`` whenever their values are known (not inside ``jax.jit``; there JAX's ``take`` would clamp).

References:
  CS231n (Stanford), assignment 2, ``layers.py``: ``max_pool_forward_naive``, ``max_pool_backward_naive``.
  T. Mikolov et al., "Distributed Representations of Words and Phrases", NeurIPS 2013 (embedding tables).
"""

from __future__ import annotations

from typing import Any

import numpy as np

from ._array import inputs, is_concrete, require_ndim
from .layer_conv import Pair, _fold, _Geometry, _geometry, _pair, _windows

__all__ = [
    "avg_pool2d",
    "embedding",
    "max_pool2d",
    "vjp_avg_pool2d_x",
    "vjp_embedding_E",
    "vjp_max_pool2d_x",
]

Array = Any


# --- helpers ---------------------------------------------------------------------------------------------


def _pool(x: Array, ct: Array | None, window: Pair, stride: Pair | None) -> tuple[Any, Array, Array | None, _Geometry]:
    """Validate a pooling layer's arguments: x (N, C, H, W), its cotangent (N, C, H_out, W_out), window, stride."""
    xp, arrays = inputs(x=x) if ct is None else inputs(x=x, ct=ct)
    x = arrays[0]
    require_ndim("x", x, 4, "a batch x of shape (N, C, H, W)")
    k = _pair("window", window, 1, "a window size")
    s = k if stride is None else _pair("stride", stride, 1, "a stride (the step between windows)")
    g = _geometry(tuple(x.shape), k, s, (0, 0), what="window")
    if ct is not None:
        ct = arrays[1]
        shape = (*x.shape[:2], g.ho, g.wo)
        if tuple(ct.shape) != shape:
            raise ValueError(
                f"ct: expected the upstream gradient ∂L/∂y shaped like y, {shape} (N, C, H_out, W_out; "
                f"H_out = ⌊(H − kH)/s⌋ + 1), got {tuple(ct.shape)}"
            )
    return xp, x, ct, g


def _first_maxima(xp: Any, X: Array) -> Array:
    """For windows ``X`` ``(…, K, H_out, W_out)``: the mask of each window's *first* maximum (row-major).

    ``argmax`` returns the first occurrence of the maximum (the array API standard says so).
    """
    first = xp.argmax(X, axis=-3)
    return xp.arange(X.shape[-3], dtype=first.dtype)[:, None, None] == first[..., None, :, :]


# --- LAYER-19 2-D max-pool ---------------------------------------------------------------------------------


def max_pool2d(x: Array, window: Pair = 2, stride: Pair | None = None) -> Array:
    r"""Primal of LAYER-19: ``y[n, c, i, j] = max_(a,b) x[n, c, s·i + a, s·j + b]`` over the window.

    Shapes: x ``(N, C, H, W)`` → y ``(N, C, H_out, W_out)``, ``H_out = ⌊(H − kH)/s⌋ + 1``; ``window`` =
    ``(kH, kW)`` and ``stride`` (default: the window) are ints or pairs; no padding. Written as the entry at
    the first maximum (row-major) of each window, selected by a mask, so that JAX's derivative follows the
    tie convention of :func:`vjp_max_pool2d_x`.

    >>> import numpy as np
    >>> max_pool2d(np.array([[[[1.0, 5.0, 2.0], [3.0, 4.0, 6.0]]]]), window=2, stride=1)
    array([[[[5., 6.]]]])
    """
    xp, x, _, g = _pool(x, None, window, stride)
    X = _windows(xp, x, g)
    return xp.sum(xp.where(_first_maxima(xp, X), X, xp.zeros_like(X)), axis=-3)


def vjp_max_pool2d_x(x: Array, ct: Array, window: Pair = 2, stride: Pair | None = None) -> Array:
    r"""∂L/∂x[n,c,r,t] = Σ δ[n,c,i,j] over the windows (i, j) whose first maximum is at (r, t)   (LAYER-19, beyond §8)

    δ = ∂L/∂y is ``ct``. Off ties, ``y[n, c, i, j]`` equals one entry of its window, so it passes δ back to
    that entry only (∂max/∂xₘ = 1 at the maximum, 0 elsewhere); an entry that is the maximum of several
    overlapping windows collects each of their δ's; an entry that is no window's maximum gets 0.
    **Ties**: the whole δ of a window goes to its first maximum in row-major order (CS231n's
    ``max_pool_backward_naive``, PyTorch, ``jax.vjp`` of ``lax.reduce_window`` max on CPU); :func:`max_pool2d`'s JAX
    derivative agrees. Evaluation: for each
    window offset ``(a, b)`` the mask "offset (a, b) holds the first maximum" keeps δ or 0, and the
    ``kH·kW`` masked copies are folded back into x's shape (dilated by the stride, shifted, added).

    Shapes: x ``(N, C, H, W)``, ct ``(N, C, H_out, W_out)``, ``H_out = ⌊(H − kH)/s⌋ + 1``. Returns
    ``(N, C, H, W)``, shaped like x. Kink: wherever a window's two largest entries are equal.

    >>> import numpy as np
    >>> x = np.array([[[[1.0, 5.0, 2.0], [3.0, 4.0, 5.0]]]])
    >>> vjp_max_pool2d_x(x, np.array([[[[10.0, 20.0]]]]), window=2, stride=1)  # 5 twice in window 2: first wins
    array([[[[ 0., 30.,  0.],
             [ 0.,  0.,  0.]]]])
    """
    xp, x, ct, g = _pool(x, ct, window, stride)
    X = _windows(xp, x, g)
    return _fold(xp, xp.where(_first_maxima(xp, X), ct[..., None, :, :], xp.zeros_like(X)), g)


# --- LAYER-20 2-D average-pool ------------------------------------------------------------------------------


def avg_pool2d(x: Array, window: Pair = 2, stride: Pair | None = None) -> Array:
    r"""Primal of LAYER-20: ``y[n, c, i, j] = (1/(kH·kW)) Σ_(a,b) x[n, c, s·i + a, s·j + b]``.

    Shapes: x ``(N, C, H, W)`` → y ``(N, C, H_out, W_out)``, ``H_out = ⌊(H − kH)/s⌋ + 1``; ``window`` and
    ``stride`` (default: the window) are ints or pairs; no padding, so every window averages ``kH·kW``
    entries.

    >>> import numpy as np
    >>> avg_pool2d(np.arange(6.0).reshape(1, 1, 2, 3), window=2, stride=1)
    array([[[[2., 3.]]]])
    """
    xp, x, _, g = _pool(x, None, window, stride)
    return xp.sum(_windows(xp, x, g), axis=-3) / (g.kh * g.kw)


def vjp_avg_pool2d_x(x: Array, ct: Array, window: Pair = 2, stride: Pair | None = None) -> Array:
    r"""∂L/∂x[n,c,r,t] = (1/(kH·kW)) Σ δ[n,c,i,j] over the windows (i, j) that contain (r, t)   (LAYER-20, beyond §8)

    δ = ∂L/∂y is ``ct``. Each output is a mean of ``kH·kW`` entries, so it hands ``δ/(kH·kW)`` to each of
    them; with overlapping windows (``stride < window``) an entry collects a share from every window it is
    in, and an entry in no window (past the last one) gets 0. Evaluation: ``δ/(kH·kW)`` once per window
    offset, folded back into x's shape (dilated by the stride, shifted, added).

    Shapes: x ``(N, C, H, W)``, ct ``(N, C, H_out, W_out)``, ``H_out = ⌊(H − kH)/s⌋ + 1``. Returns
    ``(N, C, H, W)``, shaped like x. No kinks (x enters only through its shape).

    >>> import numpy as np
    >>> vjp_avg_pool2d_x(np.zeros((1, 1, 1, 3)), np.array([[[[4.0, 8.0]]]]), window=(1, 2), stride=1)
    array([[[[2., 6., 4.]]]])
    """
    xp, x, ct, g = _pool(x, ct, window, stride)
    K = g.kh * g.kw
    return _fold(xp, xp.broadcast_to(ct[..., None, :, :] / K, (*ct.shape[:2], K, g.ho, g.wo)), g)


# --- LAYER-21 embedding lookup ------------------------------------------------------------------------------


def _embedding(E: Array, idx: Array, ct: Array | None) -> tuple[Any, Array, Array, Array | None]:
    """Validate E (V, d), the indices (N,) and the cotangent (N, d); return the indices as integers."""
    xp, arrays = inputs(E=E) if ct is None else inputs(E=E, ct=ct)
    E = arrays[0]
    require_ndim("E", E, 2, "an embedding table E of shape (V, d), one row per token")
    if not hasattr(idx, "dtype") or not hasattr(idx, "shape"):
        raise TypeError(f"idx: expected an array of indices, got {type(idx).__name__}; wrap it with numpy.asarray")
    idx = xp.asarray(idx)
    require_ndim("idx", idx, 1, "indices idx of shape (N,), one row of E per sample")
    if xp.isdtype(idx.dtype, "real floating"):
        as_int = xp.int64 if idx.dtype == xp.float64 else xp.int32
    elif xp.isdtype(idx.dtype, "integral"):
        as_int = None
    else:
        raise TypeError(f"idx: expected integer indices (an integer or float array), got {idx.dtype}")
    V = E.shape[0]
    if is_concrete(idx):
        values = np.asarray(idx, dtype=np.float64)
        bad = np.flatnonzero(~np.isfinite(values) | (values != np.round(values)))
        if bad.size:
            raise ValueError(f"idx: expected integral indices, but idx[{int(bad[0])}] = {float(values[bad[0]])!r}; "
                             "pass whole numbers (row numbers of E)")
        bad = np.flatnonzero((values < 0) | (values >= V))
        if bad.size:
            raise ValueError(f"idx: expected indices in [0, V) = [0, {V}) (E has {V} rows), but idx[{int(bad[0])}] "
                             f"= {int(values[bad[0]])}; pass row numbers of E")
    if as_int is not None:
        idx = xp.astype(idx, as_int)
    if ct is not None:
        ct = arrays[1]
        if tuple(ct.shape) != (idx.shape[0], E.shape[1]):
            raise ValueError(f"ct: expected the upstream gradient ∂L/∂y shaped like y, (N, d) = "
                             f"{(idx.shape[0], E.shape[1])}, got {tuple(ct.shape)}")
    return xp, E, idx, ct


def embedding(E: Array, idx: Array) -> Array:
    r"""Primal of LAYER-21: ``y[n] = E[idxₙ]``, the rows of the table E picked by the indices.

    Shapes: E ``(V, d)``, idx ``(N,)`` (integers, or integral values in a float dtype; repeats allowed) →
    y ``(N, d)``. Like ``torch.nn.functional.embedding(idx, E)`` and ``E[idx]``.

    >>> import numpy as np
    >>> embedding(np.array([[0.0, 1.0], [2.0, 3.0]]), np.array([1.0, 1.0, 0.0]))
    array([[2., 3.],
           [2., 3.],
           [0., 1.]])
    """
    xp, E, idx, _ = _embedding(E, idx, None)
    return xp.take(E, idx, axis=0)


def vjp_embedding_E(E: Array, idx: Array, ct: Array) -> Array:
    r"""∂L/∂E = onehot(idx, V)ᵀ δ, i.e. ∂L/∂E[v] = Σ δ[n] over the n with idxₙ = v   (LAYER-21, beyond §8)

    δ = ∂L/∂y is ``ct``. ``y[n] = E[idxₙ]`` copies a row, so row ``v`` of the gradient is the sum of the
    upstream rows of every sample that looked ``v`` up: a **scatter-add** (a row hit twice gets both
    contributions; a row never hit gets 0). The array API has no scatter-add, so it is written as a
    one-hot contraction: ``onehot(idx, V)`` is the ``(N, V)`` matrix with a 1 at ``(n, idxₙ)``, and
    ``onehot(idx, V)ᵀ δ`` adds the rows. The indices are not differentiated.

    Shapes: E ``(V, d)``, idx ``(N,)``, ct ``(N, d)``. Returns ``(V, d)``, shaped like E. No kinks.

    >>> import numpy as np
    >>> vjp_embedding_E(np.zeros((3, 1)), np.array([2.0, 0.0, 2.0]), np.array([[1.0], [10.0], [100.0]]))
    array([[ 10.],
           [  0.],
           [101.]])
    """
    xp, E, idx, ct = _embedding(E, idx, ct)
    onehot = xp.astype(idx[:, None] == xp.arange(E.shape[0], dtype=idx.dtype)[None, :], E.dtype)
    return onehot.T @ ct
