r"""Beyond §8: convolution layers. 1-D and 2-D convolution (cross-correlation) and their backward passes.

A convolution layer slides a small kernel over its input. As deep-learning libraries define it (PyTorch's
``conv1d``/``conv2d``, CS231n's ``conv_forward_naive``), it is a *cross-correlation* (the kernel is not
flipped), with ``C_out`` kernels, each spanning all ``C_in`` input channels, plus one bias per kernel:

* ``LAYER-17`` 1-D: x ``(N, C_in, L)``, W ``(C_out, C_in, K)``, b ``(C_out,)`` →
  ``y[n, o, l] = b[o] + Σ_c Σ_k W[o, c, k] x̃[n, c, s·l + k]``, y ``(N, C_out, L_out)``;
* ``LAYER-18`` 2-D: x ``(N, C_in, H, W)``, W ``(C_out, C_in, kH, kW)``, b ``(C_out,)`` →
  ``y[n, o, i, j] = b[o] + Σ_c Σ_a Σ_b W[o, c, a, b] x̃[n, c, s·i + a, s·j + b]``, y ``(N, C_out, H_out, W_out)``.

``x̃`` is ``x`` zero-padded by ``p`` on both sides of every spatial axis; ``s`` is the stride. The output size
along an axis of length ``L`` with kernel size ``K`` is

    ``L_out = ⌊(L + 2p − K)/s⌋ + 1``

(CS231n's ``1 + (H + 2·pad − HH) // stride``); input entries past the last window get no gradient.

Backward passes (the upstream gradient ``δ = ∂L/∂y``, argument ``ct``, shaped like y; each result shaped
like its argument): ``∂L/∂b`` sums δ over every axis but the channel; ``∂L/∂W`` correlates δ with the padded
input; ``∂L/∂x`` is the *transposed convolution* of δ, a correlation of the stride-dilated δ with the
flipped kernel, cropped back to x's size. The catalog checks each as the gradient of ``L = Σ δ ∘ y``
with δ held fixed, like LAYER-1's ``dense`` (``chainrule.analytic.layer``).

How it is computed: the array API has no convolution, so every function here loops over the ``kH·kW``
kernel offsets ``(a, b)`` (never over pixels). Forward: offset ``(a, b)`` reads the strided slice
``x̃[:, :, a::s, b::s]``, tap ``(a, b)`` of every window at once; the slices, stacked, are the windows X
(an im2col built from ``kH·kW`` slices), and one ``matmul`` with W as a ``C_out × (C_in·kH·kW)`` matrix
contracts channels and taps together. Backward: ``∂L/∂W`` is one contraction of δ with X; ``∂L/∂x``
puts ``Wᵀδ`` back, offset by offset, with ``kH·kW`` shifted slices of the stride-dilated array (the
adjoint of reading them). Under ``jax.jit`` that is ``kH·kW`` slices and a few matmuls and reshapes: the
program stays small. The 1-D layer is the 2-D one with ``H = kH = 1``. No kinks: every function here is
polynomial in its arguments.

Pooling and embedding layers (``LAYER-19`` … ``LAYER-21``): :mod:`chainrule.analytic.layer_pool`, which
shares this module's window helpers.

References:
  CS231n (Stanford), assignment 2, ``layers.py``: ``conv_forward_naive``, ``conv_backward_naive``.
  V. Dumoulin and F. Visin, "A guide to convolution arithmetic for deep learning", arXiv:1603.07285.
"""

from __future__ import annotations

import numbers
from collections.abc import Sequence
from typing import Any, NamedTuple

from ._array import inputs, require_ndim

__all__ = [
    "conv1d",
    "conv2d",
    "vjp_conv1d_W",
    "vjp_conv1d_b",
    "vjp_conv1d_x",
    "vjp_conv2d_W",
    "vjp_conv2d_b",
    "vjp_conv2d_x",
]

Array = Any
Pair = int | Sequence[int]


# --- helpers: parameters, geometry, windows ----------------------------------------------------------


def _integer(name: str, value: Any, least: int, what: str) -> int:
    """``value`` as an int ≥ ``least``; ``TypeError`` for a non-integer, ``ValueError`` below ``least``."""
    if isinstance(value, bool) or not isinstance(value, numbers.Integral):
        raise TypeError(f"{name}: expected {what} as an int, got {type(value).__name__} {value!r}; pass an int")
    if value < least:
        raise ValueError(f"{name}: expected {what} ≥ {least}, got {value}; pass an int ≥ {least}")
    return int(value)


def _pair(name: str, value: Pair, least: int, what: str) -> tuple[int, int]:
    """An int (both spatial axes) or a pair ``(along H, along W)``, each an int ≥ ``least``."""
    if isinstance(value, Sequence) and not isinstance(value, str):
        if len(value) != 2:
            raise ValueError(f"{name}: expected an int or a pair (along H, along W), got {value!r}")
        return (_integer(f"{name}[0]", value[0], least, what), _integer(f"{name}[1]", value[1], least, what))
    v = _integer(name, value, least, what)
    return v, v


class _Geometry(NamedTuple):
    """One 2-d sliding-window layout: kernel ``(kh, kw)``, stride, padding, padded and output sizes."""

    kh: int
    kw: int
    sh: int
    sw: int
    ph: int
    pw: int
    hp: int  # padded height H + 2 ph
    wp: int  # padded width W + 2 pw
    ho: int  # output height ⌊(H + 2 ph − kh)/sh⌋ + 1
    wo: int  # output width


def _geometry(shape: tuple[int, ...], kernel: tuple[int, int], stride: tuple[int, int],
              padding: tuple[int, int], *, what: str = "kernel", axes: tuple[str, str] = ("H", "W")) -> _Geometry:
    """The layout of windows of size ``kernel`` over the last two axes of ``shape``.

    Raises ``ValueError`` when the window is larger than the padded input along an axis.
    """
    sizes = []
    for n, k, s, p, axis in zip(shape[-2:], kernel, stride, padding, axes, strict=True):
        if k > n + 2 * p:
            raise ValueError(
                f"the {what} is larger than the padded input along {axis}: size {k} > {n} + 2·{p} = {n + 2 * p}; "
                f"use a {what} of at most {n + 2 * p} or pad more"
            )
        sizes.append((n + 2 * p, (n + 2 * p - k) // s + 1))
    (hp, ho), (wp, wo) = sizes
    return _Geometry(*kernel, *stride, *padding, hp, wp, ho, wo)


def _pad(xp: Any, x: Array, axis: int, before: int, after: int) -> Array:
    """``x`` with ``before`` and ``after`` zeros along ``axis`` (the array API has no ``pad``)."""
    parts = []
    for n in (before, after):
        shape = list(x.shape)
        shape[axis] = n
        parts.append(xp.zeros(tuple(shape), dtype=x.dtype) if n else None)
    kept = [p for p in (parts[0], x, parts[1]) if p is not None]
    return xp.concat(kept, axis=axis) if len(kept) > 1 else x


def _padded(xp: Any, x: Array, g: _Geometry) -> Array:
    """``x̃``: ``x`` zero-padded by ``ph`` along H and ``pw`` along W (the last two axes)."""
    return _pad(xp, _pad(xp, x, -2, g.ph, g.ph), -1, g.pw, g.pw)


def _windows(xp: Any, xt: Array, g: _Geometry) -> Array:
    """Every window's entries: ``X[..., k, i, j] = x̃[..., s·i + a, s·j + b]`` for offset ``k = a·kW + b``.

    One strided slice per kernel offset ``(a, b)``, in row-major order, stacked along a new axis −3:
    ``(…, H̃, W̃)`` → ``(…, kH·kW, H_out, W_out)``.
    """
    h_end, w_end = g.sh * (g.ho - 1) + 1, g.sw * (g.wo - 1) + 1
    slices = [xt[..., a : a + h_end : g.sh, b : b + w_end : g.sw] for a in range(g.kh) for b in range(g.kw)]
    return xp.stack(slices, axis=-3)


def _fold(xp: Any, P: Array, g: _Geometry) -> Array:
    """The adjoint of :func:`_windows`: every window entry added back where it was read.

    ``P`` has :func:`_windows`' shape ``(…, kH·kW, H_out, W_out)``; the result has the padded shape
    ``(…, H̃, W̃)``, entry ``(r, t)`` the sum of ``P[..., a·kW + b, i, j]`` over ``s·i + a = r``,
    ``s·j + b = t``. Evaluation: dilate ``P`` by the stride (``s − 1`` zeros after every entry, both axes at
    once), pad it by ``k − 1`` before (and, if short, after), then add the ``kH·kW`` shifted slices, offset
    ``(a, b)`` starting at ``(kH − 1 − a, kW − 1 − b)``: a correlation with a flipped window (a transposed
    convolution).
    """
    if g.sh > 1 or g.sw > 1:
        keep = xp.logical_and(xp.arange(g.sh)[:, None, None] == 0, xp.arange(g.sw)[None, None, :] == 0)
        P = xp.where(keep, P[..., :, None, :, None], xp.zeros((), dtype=P.dtype))  # (…, ho, sh, wo, sw)
        P = xp.reshape(P, (*P.shape[:-4], g.ho * g.sh, g.wo * g.sw))
    P = _pad(xp, P, -2, g.kh - 1, max(0, g.hp - P.shape[-2]))
    P = _pad(xp, P, -1, g.kw - 1, max(0, g.wp - P.shape[-1]))
    out = None
    for k in range(g.kh * g.kw):
        r, t = g.kh - 1 - k // g.kw, g.kw - 1 - k % g.kw
        piece = P[..., k, r : r + g.hp, t : t + g.wp]
        out = piece if out is None else out + piece
    return out


def _crop(x: Array, g: _Geometry) -> Array:
    """Undo :func:`_padded`: the entries of ``x̃`` that are entries of ``x``."""
    return x[..., g.ph : g.hp - g.ph, g.pw : g.wp - g.pw]


# --- the 2-d convolution core (the 1-d layer is H = kH = 1) ------------------------------------------
# With X = the windows (N, C_in·kH·kW, H_out·W_out) and W as a C_out × (C_in·kH·kW) matrix (row-major, so
# column c·kH·kW + a·kW + b is W[:, c, a, b]), a convolution is one matrix product y = W X + b.


def _columns(xp: Any, x: Array, g: _Geometry) -> Array:
    """``X``: the windows of x̃ as a ``(N, C_in·kH·kW, H_out·W_out)`` array."""
    N, C = x.shape[:2]
    return xp.reshape(_windows(xp, _padded(xp, x, g), g), (N, C * g.kh * g.kw, g.ho * g.wo))


def _forward(xp: Any, x: Array, W: Array, b: Array, g: _Geometry) -> Array:
    N, F = x.shape[0], W.shape[0]
    y = xp.reshape(W, (F, -1)) @ _columns(xp, x, g)  # (F, C·K)(N, C·K, M) → (N, F, M)
    return xp.reshape(y, (N, F, g.ho, g.wo)) + b[None, :, None, None]


def _grad_x(xp: Any, W: Array, ct: Array, g: _Geometry) -> Array:
    (N, F), C = ct.shape[:2], W.shape[1]
    P = xp.reshape(W, (F, -1)).T @ xp.reshape(ct, (N, F, g.ho * g.wo))  # (C·K, F)(N, F, M) → (N, C·K, M)
    return _crop(_fold(xp, xp.reshape(P, (N, C, g.kh * g.kw, g.ho, g.wo)), g), g)


def _grad_W(xp: Any, x: Array, ct: Array, g: _Geometry) -> Array:
    (N, F), C = ct.shape[:2], x.shape[1]
    d = xp.reshape(ct, (N, F, g.ho * g.wo))
    return xp.reshape(xp.tensordot(d, _columns(xp, x, g), axes=([0, 2], [0, 2])), (F, C, g.kh, g.kw))


def _grad_b(xp: Any, ct: Array) -> Array:
    return xp.sum(ct, axis=(0, 2, 3))


def _cotangent(ct: Array, shape: tuple[int, ...], formula: str) -> None:
    if tuple(ct.shape) != tuple(shape):
        raise ValueError(
            f"ct: expected the upstream gradient ∂L/∂y shaped like y, {tuple(shape)} ({formula}), "
            f"got {tuple(ct.shape)}"
        )


def _channels(x: Array, W: Array, b: Array) -> None:
    if x.shape[1] != W.shape[1]:
        raise ValueError(
            f"channel mismatch: x has C_in = {x.shape[1]} channels (shape {tuple(x.shape)}) but W expects "
            f"{W.shape[1]} (shape {tuple(W.shape)}, axis 1); W's second axis must equal x's channel axis"
        )
    if b.shape[0] != W.shape[0]:
        raise ValueError(
            f"b has length {b.shape[0]} but W has C_out = {W.shape[0]} kernels (shape {tuple(W.shape)}); "
            "a convolution needs one bias per output channel"
        )


def _conv1d(x: Array, W: Array, b: Array, ct: Array | None, stride: int,
            padding: int) -> tuple[Any, Array, Array, Array, Array | None, _Geometry]:
    """Validate LAYER-17's arguments; return them as the 2-d layer's (H = kH = 1) and the geometry."""
    named = {"x": x, "W": W, "b": b} if ct is None else {"x": x, "W": W, "b": b, "ct": ct}
    xp, arrays = inputs(**named)
    x, W, b = arrays[:3]
    require_ndim("x", x, 3, "a batch x of shape (N, C_in, L)")
    require_ndim("W", W, 3, "kernels W of shape (C_out, C_in, K)")
    require_ndim("b", b, 1, "a bias vector b of shape (C_out,)")
    _channels(x, W, b)
    s = _integer("stride", stride, 1, "a stride (the step between windows)")
    p = _integer("padding", padding, 0, "a zero padding (entries added at each end)")
    g = _geometry((1, x.shape[2]), (1, W.shape[2]), (1, s), (0, p), axes=("", "L"))
    if ct is not None:
        ct = arrays[3]
        _cotangent(ct, (x.shape[0], W.shape[0], g.wo), "N, C_out, L_out = ⌊(L + 2p − K)/s⌋ + 1")
        ct = ct[:, :, None, :]
    return xp, x[:, :, None, :], W[:, :, None, :], b, ct, g


def _conv2d(x: Array, W: Array, b: Array, ct: Array | None, stride: Pair,
            padding: Pair) -> tuple[Any, Array, Array, Array, Array | None, _Geometry]:
    """Validate LAYER-18's arguments; return them and the geometry."""
    named = {"x": x, "W": W, "b": b} if ct is None else {"x": x, "W": W, "b": b, "ct": ct}
    xp, arrays = inputs(**named)
    x, W, b = arrays[:3]
    require_ndim("x", x, 4, "a batch x of shape (N, C_in, H, W)")
    require_ndim("W", W, 4, "kernels W of shape (C_out, C_in, kH, kW)")
    require_ndim("b", b, 1, "a bias vector b of shape (C_out,)")
    _channels(x, W, b)
    s = _pair("stride", stride, 1, "a stride (the step between windows)")
    p = _pair("padding", padding, 0, "a zero padding (entries added at each end)")
    g = _geometry(tuple(x.shape), tuple(W.shape[2:]), s, p)
    if ct is not None:
        ct = arrays[3]
        _cotangent(ct, (x.shape[0], W.shape[0], g.ho, g.wo),
                   "N, C_out, H_out, W_out; H_out = ⌊(H + 2p − kH)/s⌋ + 1")
    return xp, x, W, b, ct, g


# --- LAYER-17 1-D convolution ------------------------------------------------------------------------


def conv1d(x: Array, W: Array, b: Array, stride: int = 1, padding: int = 0) -> Array:
    r"""Primal of LAYER-17: ``y[n, o, l] = b[o] + Σ_c Σ_k W[o, c, k] x̃[n, c, s·l + k]`` (cross-correlation).

    Shapes: x ``(N, C_in, L)``, W ``(C_out, C_in, K)``, b ``(C_out,)`` → y ``(N, C_out, L_out)`` with
    ``L_out = ⌊(L + 2p − K)/s⌋ + 1``; ``x̃`` is x zero-padded by ``p = padding`` at both ends, ``s = stride``.
    Like ``torch.nn.functional.conv1d(x, W, b, stride, padding)``.

    >>> import numpy as np
    >>> conv1d(np.array([[[1.0, 2.0, 3.0]]]), np.array([[[1.0, -1.0]]]), np.zeros(1))
    array([[[-1., -1.]]])
    """
    xp, x, W, b, _, g = _conv1d(x, W, b, None, stride, padding)
    return _forward(xp, x, W, b, g)[:, :, 0, :]


def vjp_conv1d_x(x: Array, W: Array, b: Array, ct: Array, stride: int = 1, padding: int = 0) -> Array:
    r"""∂L/∂x[n,c,i] = Σ W[o,c,k] δ[n,o,l] over o, k, l with s·l + k = i + p   (LAYER-17, beyond §8)

    δ = ∂L/∂y is ``ct``. Entry ``x[n, c, i]`` sits at position ``i + p`` of the padded input and is read by
    window ``l`` at kernel offset ``k`` whenever ``s·l + k = i + p``; each such read passes back
    ``W[o, c, k] δ[n, o, l]``. Equivalently: dilate δ by the stride (``s − 1`` zeros between entries), pad it
    by ``K − 1``, correlate with the flipped kernel, and crop ``p`` at both ends (a transposed convolution).
    Computed as LAYER-18's :func:`vjp_conv2d_x` with ``H = kH = 1``: a loop over the K offsets.

    Shapes: x ``(N, C_in, L)``, W ``(C_out, C_in, K)``, b ``(C_out,)``, ct ``(N, C_out, L_out)``,
    ``L_out = ⌊(L + 2p − K)/s⌋ + 1``. Returns ``(N, C_in, L)``, shaped like x; an entry no window reads
    (past the last window) gets 0. No kinks.

    >>> import numpy as np
    >>> vjp_conv1d_x(np.zeros((1, 1, 3)), np.array([[[1.0, -1.0]]]), np.zeros(1), np.array([[[1.0, 10.0]]]))
    array([[[  1.,   9., -10.]]])
    """
    xp, x, W, b, ct, g = _conv1d(x, W, b, ct, stride, padding)
    return _grad_x(xp, W, ct, g)[:, :, 0, :]


def vjp_conv1d_W(x: Array, W: Array, b: Array, ct: Array, stride: int = 1, padding: int = 0) -> Array:
    r"""∂L/∂W[o,c,k] = Σₙ Σₗ δ[n,o,l] x̃[n,c,s·l + k]   (LAYER-17, beyond §8)

    Every window uses the same kernel, so its gradient sums, over the batch and the positions, the
    upstream gradient times the input entry each kernel tap read (x̃: x zero-padded by p): a correlation
    of the padded input with δ. One contraction per kernel offset k.

    Shapes as :func:`vjp_conv1d_x`. Returns ``(C_out, C_in, K)``, shaped like W. No kinks.

    >>> import numpy as np
    >>> vjp_conv1d_W(np.array([[[1.0, 2.0, 3.0]]]), np.ones((1, 1, 2)), np.zeros(1), np.array([[[1.0, 10.0]]]))
    array([[[21., 32.]]])
    """
    xp, x, W, b, ct, g = _conv1d(x, W, b, ct, stride, padding)
    return _grad_W(xp, x, ct, g)[:, :, 0, :]


def vjp_conv1d_b(x: Array, W: Array, b: Array, ct: Array, stride: int = 1, padding: int = 0) -> Array:
    r"""∂L/∂b[o] = Σₙ Σₗ δ[n,o,l]   (LAYER-17, beyond §8)

    The bias of output channel o is added at every position of every sample (a scalar expansion,
    RULES X-1), so its gradient sums δ over the batch and the positions. Shapes as :func:`vjp_conv1d_x`.
    Returns ``(C_out,)``, shaped like b. No kinks.

    >>> import numpy as np
    >>> vjp_conv1d_b(np.zeros((2, 1, 3)), np.ones((2, 1, 2)), np.zeros(2), np.ones((2, 2, 2)))
    array([4., 4.])
    """
    xp, _x, _W, _b, ct, _g = _conv1d(x, W, b, ct, stride, padding)
    return _grad_b(xp, ct)


# --- LAYER-18 2-D convolution ------------------------------------------------------------------------


def conv2d(x: Array, W: Array, b: Array, stride: Pair = 1, padding: Pair = 0) -> Array:
    r"""Primal of LAYER-18: ``y[n, o, i, j] = b[o] + Σ_c Σ_a Σ_b W[o, c, a, b] x̃[n, c, s·i + a, s·j + b]``.

    Shapes: x ``(N, C_in, H, W)``, W ``(C_out, C_in, kH, kW)``, b ``(C_out,)`` → y
    ``(N, C_out, H_out, W_out)``, ``H_out = ⌊(H + 2p − kH)/s⌋ + 1`` (and the same along W); ``x̃`` is x
    zero-padded by ``p`` on all four sides. ``stride`` and ``padding``: an int, or a pair (along H, along W).
    CS231n's ``conv_forward_naive(x, W, b, {'stride': s, 'pad': p})``; ``torch.nn.functional.conv2d``.
    Evaluation: one strided slice ``x̃[:, :, a::s, b::s]`` per kernel offset ``(a, b)`` (row-major), stacked
    into the windows ``X`` ``(N, C_in·kH·kW, H_out·W_out)``; then one matrix product with W as a
    ``C_out × (C_in·kH·kW)`` matrix (``y = W X``, the product over the offsets and channels at once); then
    the bias.

    >>> import numpy as np
    >>> conv2d(np.ones((1, 1, 3, 3)), np.ones((1, 1, 2, 2)), np.array([0.5]), stride=1, padding=1)[0, 0]
    array([[1.5, 2.5, 2.5, 1.5],
           [2.5, 4.5, 4.5, 2.5],
           [2.5, 4.5, 4.5, 2.5],
           [1.5, 2.5, 2.5, 1.5]])
    """
    xp, x, W, b, _, g = _conv2d(x, W, b, None, stride, padding)
    return _forward(xp, x, W, b, g)


def vjp_conv2d_x(x: Array, W: Array, b: Array, ct: Array, stride: Pair = 1, padding: Pair = 0) -> Array:
    r"""∂L/∂x[n,c,r,t] = Σ W[o,c,a,b] δ[n,o,i,j] over s·i + a = r + p, s·j + b = t + p   (LAYER-18, beyond §8)

    δ = ∂L/∂y is ``ct``. The backward pass of a convolution is a *transposed convolution*: every window
    ``(i, j)`` hands ``W[o, c, a, b] δ[n, o, i, j]`` back to the input entry its tap ``(a, b)`` read.
    Evaluation order (array API, a loop over the ``kH·kW`` offsets, never over pixels):

    1. every offset's share at once: with W as a ``C_out × (C_in·kH·kW)`` matrix, ``Wᵀ δ`` is, for each
       offset ``(a, b)`` (row-major) and input channel c, what every window hands back through tap
       ``(a, b)``: shape ``(N, C_in, kH·kW, H_out, W_out)`` after a reshape;
    2. dilate it by the stride (``s − 1`` zeros after every entry, both spatial axes), pad by ``k − 1``
       before (and up to the padded size after);
    3. for each offset ``(a, b)``, add its slice starting at ``(kH − 1 − a, kW − 1 − b)`` (the flipped
       kernel): ``kH·kW`` slices and additions give the gradient of the padded input x̃;
    4. crop ``p`` from every side.

    Shapes: x ``(N, C_in, H, W)``, W ``(C_out, C_in, kH, kW)``, b ``(C_out,)``, ct
    ``(N, C_out, H_out, W_out)``, ``H_out = ⌊(H + 2p − kH)/s⌋ + 1``. Returns ``(N, C_in, H, W)``, shaped
    like x; entries no window reads get 0. No kinks. CS231n's ``conv_backward_naive``'s ``dx``.

    >>> import numpy as np
    >>> vjp_conv2d_x(np.zeros((1, 1, 2, 2)), np.ones((1, 1, 2, 2)), np.zeros(1), np.ones((1, 1, 1, 1)))
    array([[[[1., 1.],
             [1., 1.]]]])
    """
    xp, x, W, b, ct, g = _conv2d(x, W, b, ct, stride, padding)
    return _grad_x(xp, W, ct, g)


def vjp_conv2d_W(x: Array, W: Array, b: Array, ct: Array, stride: Pair = 1, padding: Pair = 0) -> Array:
    r"""∂L/∂W[o,c,a,b] = Σₙ Σᵢ Σⱼ δ[n,o,i,j] x̃[n,c,s·i + a,s·j + b]   (LAYER-18, beyond §8)

    The kernel is shared by every window, so tap ``(a, b)`` collects, over the batch and all output
    positions, δ times the padded-input entry it read. Evaluation: the windows X, one strided slice
    ``x̃[:, :, a::s, b::s]`` per offset ``(a, b)`` (as in :func:`conv2d`), then one contraction of δ
    ``(N, C_out, H_out·W_out)`` with X ``(N, C_in·kH·kW, H_out·W_out)`` over the batch and the positions
    (``Σₙ δₙ Xₙᵀ``), reshaped to the kernel's shape.

    Shapes as :func:`vjp_conv2d_x`. Returns ``(C_out, C_in, kH, kW)``, shaped like W. No kinks.
    CS231n's ``conv_backward_naive``'s ``dw``.

    >>> import numpy as np
    >>> x = np.arange(4.0).reshape(1, 1, 2, 2)
    >>> vjp_conv2d_W(x, np.ones((1, 1, 1, 1)), np.zeros(1), np.ones((1, 1, 2, 2)))
    array([[[[6.]]]])
    """
    xp, x, W, b, ct, g = _conv2d(x, W, b, ct, stride, padding)
    return _grad_W(xp, x, ct, g)


def vjp_conv2d_b(x: Array, W: Array, b: Array, ct: Array, stride: Pair = 1, padding: Pair = 0) -> Array:
    r"""∂L/∂b[o] = Σₙ Σᵢ Σⱼ δ[n,o,i,j]   (LAYER-18, beyond §8)

    Each bias is broadcast over the batch and every output position (RULES X-1's scalar expansion), so
    its gradient sums δ over those axes. Shapes as :func:`vjp_conv2d_x`. Returns ``(C_out,)``, shaped like
    b. No kinks. CS231n's ``conv_backward_naive``'s ``db``.

    >>> import numpy as np
    >>> vjp_conv2d_b(np.zeros((1, 1, 2, 2)), np.ones((3, 1, 1, 1)), np.zeros(3), np.ones((1, 3, 2, 2)))
    array([4., 4., 4.])
    """
    xp, _x, _W, _b, ct, _g = _conv2d(x, W, b, ct, stride, padding)
    return _grad_b(xp, ct)
