"""Catalog records for convolution, pooling and embedding layers (topic ``layer``): ``LAYER-17`` … ``LAYER-21``.

ID scheme (not in RULES.md, origin "extension", like LAYER-1 … LAYER-9 in ``rules_layer``): LAYER-17 1-D
convolution, LAYER-18 2-D convolution, LAYER-19 2-D max-pool, LAYER-20 2-D average-pool, LAYER-21 embedding
lookup. See :mod:`chainrule.analytic.layer_conv` and :mod:`chainrule.analytic.layer_pool`.

Every record is a backward pass: the closed-form VJP with respect to one argument, checked as the
gradient of the scalar ``L = Σ δ ∘ y`` with the upstream gradient ``δ`` (argument ``ct``, shaped like the
layer's output y) held fixed, as ``dense_pulled`` does for LAYER-1. Stride, padding and window are record
``params``; each record's shape configurations give the output size ``⌊(L + 2p − K)/s⌋ + 1`` its own name
(``Lo``, ``ho``, ``wo``) so that ``ct`` can be shaped like y. Sizes stay small: every record compiles
once per dtype.

Max-pool draws keep every window's two largest entries at least ``kink_margin`` apart (the record's
``kink`` is that gap), so no trial meets a tie; the tie convention is pinned in tests/test_layer_conv.py.
Embedding indices come from :data:`INDICES`: integer values in ``[0, EMBED_V)`` stored in the float dtype,
with a repeated index in every draw of two or more.
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from typing import Any

import numpy as np

from chainrule.analytic import layer_conv as lc
from chainrule.analytic import layer_pool as lp

from ..samplers import Domain
from ._record import Arg, Rule


def _out(n: int, k: int, s: int, p: int = 0) -> int:
    """Output size along one axis: ⌊(n + 2p − k)/s⌋ + 1."""
    return (n + 2 * p - k) // s + 1


# --- LAYER-17 / LAYER-18: convolution ------------------------------------------------------------------

#: LAYER-17's stride and padding: windows overlap (K = 3 > s = 2) and straddle the zero padding.
CONV1D_PARAMS = {"stride": 2, "padding": 1}
#: One sample, one channel, L = 1 inside a 3-tap kernel's padding; then N = 2, C_in = 2, C_out = 3, L = 6.
CONV1D_SIZES = tuple(
    {"N": N, "Ci": Ci, "Co": Co, "L": L, "K": K, "Lo": _out(L, K, 2, 1)}
    for N, Ci, Co, L, K in ((1, 1, 1, 1, 3), (2, 2, 3, 6, 3))
)
_CONV1D = (Arg("x", ("N", "Ci", "L")), Arg("W", ("Co", "Ci", "K")), Arg("b", ("Co",)), Arg("ct", ("N", "Co", "Lo")))

#: LAYER-18's stride and padding (CS231n's conv_param {'stride': 2, 'pad': 1}).
CONV2D_PARAMS = {"stride": 2, "padding": 1}
#: A 1 × 1 image in a corner of a 2 × 2 kernel's window (the rest is padding); then a non-square 4 × 5
#: image, a 3 × 2 kernel, N = 2, C_in = 2, C_out = 3 (H_out × W_out = 2 × 3).
CONV2D_SIZES = tuple(
    {"N": N, "Ci": Ci, "Co": Co, "h": h, "w": w, "kh": kh, "kw": kw, "ho": _out(h, kh, 2, 1), "wo": _out(w, kw, 2, 1)}
    for N, Ci, Co, h, w, kh, kw in ((1, 1, 1, 1, 1, 2, 2), (2, 2, 3, 4, 5, 3, 2))
)
_CONV2D = (Arg("x", ("N", "Ci", "h", "w")), Arg("W", ("Co", "Ci", "kh", "kw")), Arg("b", ("Co",)),
           Arg("ct", ("N", "Co", "ho", "wo")))


def conv1d_pulled(x: Any, W: Any, b: Any, ct: Any, stride: int = 1, padding: int = 0) -> Any:
    """``L = Σ δ ∘ conv1d(x, W, b)``: the scalar whose gradients are LAYER-17's backward pass."""
    return (ct * lc.conv1d(x, W, b, stride=stride, padding=padding)).sum()


def conv2d_pulled(x: Any, W: Any, b: Any, ct: Any, stride: int = 1, padding: int = 0) -> Any:
    """``L = Σ δ ∘ conv2d(x, W, b)``: LAYER-18's backward pass."""
    return (ct * lc.conv2d(x, W, b, stride=stride, padding=padding)).sum()


# --- LAYER-19 / LAYER-20: pooling --------------------------------------------------------------------------

#: LAYER-19: a non-square 2 × 3 window moved by 2, so windows overlap along W only.
MAX_POOL_PARAMS = {"window": (2, 3), "stride": 2}
#: LAYER-20: a 3 × 2 window moved by 2 along H and 1 along W: windows overlap along both axes.
AVG_POOL_PARAMS = {"window": (3, 2), "stride": (2, 1)}


def _pool_sizes(window: tuple[int, int], stride: tuple[int, int],
                configs: tuple[tuple[int, int, int, int], ...]) -> tuple[dict[str, int], ...]:
    (kh, kw), (sh, sw) = window, stride
    return tuple({"N": N, "C": C, "h": h, "w": w, "ho": _out(h, kh, sh), "wo": _out(w, kw, sw)}
                 for N, C, h, w in configs)


#: One window exactly; then N = 2, C = 2, a 4 × 7 image (2 × 3 windows).
MAX_POOL_SIZES = _pool_sizes((2, 3), (2, 2), ((1, 1, 2, 3), (2, 2, 4, 7)))
#: One window exactly; then N = 2, C = 1, a 6 × 4 image (2 × 3 windows; its last row is in none).
AVG_POOL_SIZES = _pool_sizes((3, 2), (2, 1), ((1, 1, 3, 2), (2, 1, 6, 4)))
_POOL = (Arg("x", ("N", "C", "h", "w")), Arg("ct", ("N", "C", "ho", "wo")))


def max_pool2d_pulled(x: Any, ct: Any, window: Any = 2, stride: Any = None) -> Any:
    """``L = Σ δ ∘ max_pool2d(x)``: LAYER-19's backward pass."""
    return (ct * lp.max_pool2d(x, window=window, stride=stride)).sum()


def avg_pool2d_pulled(x: Any, ct: Any, window: Any = 2, stride: Any = None) -> Any:
    """``L = Σ δ ∘ avg_pool2d(x)``: LAYER-20's backward pass."""
    return (ct * lp.avg_pool2d(x, window=window, stride=stride)).sum()


def window_gaps(x: np.ndarray, ct: np.ndarray | None = None, *, window: Any = 2, stride: Any = None) -> np.ndarray:
    """Max-pool's kink: per window, the gap between its largest and second-largest entry (0 at a tie).

    Shapes: x ``(N, C, H, W)`` → ``(N, C, H_out, W_out)``; a window of one entry has no tie (gap ∞).
    """
    kh, kw = (window, window) if isinstance(window, int) else window
    stride = (kh, kw) if stride is None else stride
    sh, sw = (stride, stride) if isinstance(stride, int) else stride
    if kh * kw == 1:
        return np.full(x.shape, np.inf)
    view = np.lib.stride_tricks.sliding_window_view(np.asarray(x), (kh, kw), axis=(-2, -1))[..., ::sh, ::sw, :, :]
    top = np.sort(view.reshape(*view.shape[:-2], kh * kw), axis=-1)
    return top[..., -1] - top[..., -2]


# --- LAYER-21: embedding lookup ------------------------------------------------------------------------------

#: The embedding table's number of rows (fixed: :data:`INDICES` draws row numbers below it).
EMBED_V = 4


def _draw_indices(rng: np.random.Generator, shape: tuple[int, ...]) -> np.ndarray:
    """Row numbers in ``[0, EMBED_V)`` as float64, along the last axis (N); when N ≥ 2 one position of
    every draw copies another's index, so each draw holds a repeated index (a row hit twice)."""
    idx = rng.integers(0, EMBED_V, shape).astype(np.float64)
    if len(shape) and shape[-1] >= 2:
        flat = idx.reshape(-1, shape[-1])
        rows = np.arange(flat.shape[0])
        src = rng.integers(0, shape[-1], flat.shape[0])
        dst = (src + rng.integers(1, shape[-1], flat.shape[0])) % shape[-1]
        flat[rows, dst] = flat[rows, src]
        idx = flat.reshape(shape)
    return idx


#: Embedding indices: integers in [0, EMBED_V) stored in the float dtype, a repeat in every draw of N ≥ 2.
INDICES = Domain("indices", _draw_indices, f"integers in [0, {EMBED_V}) as floats, a repeated index per draw")

#: One lookup of a 1-wide row; then N = 6 lookups (repeats guaranteed) of 3-wide rows.
EMBED_SIZES = ({"N": 1, "d": 1}, {"N": 6, "d": 3})
_EMBED = (Arg("E", (EMBED_V, "d")), Arg("idx", ("N",), INDICES), Arg("ct", ("N", "d")))


def embedding_pulled(E: Any, idx: Any, ct: Any) -> Any:
    """``L = Σ δ ∘ E[idx]``: LAYER-21's backward pass."""
    return (ct * lp.embedding(E, idx)).sum()


# --- the records -------------------------------------------------------------------------------------------

_PULLED = "backward pass, checked as the gradient of the scalar L = Σ δ∘y"


def _rule(name: str, rid: str, primal: Callable[..., Any], derivative: Callable[..., Any], args: tuple[Arg, ...],
          wrt: str, sizes: tuple[dict[str, int], ...], layer: Callable[..., Any], **kw: Any) -> Rule:
    """A LAYER record; ``layer`` (the analytic primal its ``L`` is computed through) goes in ``uses``."""
    note = kw.pop("note", _PULLED)
    return Rule(name, rid, "layer", "beyond §8", primal, derivative, args, wrt, sizes, origin="extension",
                note=note, uses=(layer,), **kw)


RULES = [
    # LAYER-17 1-D convolution (stride 2, padding 1)
    *(_rule(f"vjp_conv1d_{a}", "LAYER-17", conv1d_pulled, getattr(lc, f"vjp_conv1d_{a}"), _CONV1D, a,
            CONV1D_SIZES, lc.conv1d, params=CONV1D_PARAMS) for a in ("x", "W", "b")),
    # LAYER-18 2-D convolution (stride 2, padding 1)
    *(_rule(f"vjp_conv2d_{a}", "LAYER-18", conv2d_pulled, getattr(lc, f"vjp_conv2d_{a}"), _CONV2D, a,
            CONV2D_SIZES, lc.conv2d, params=CONV2D_PARAMS) for a in ("x", "W", "b")),
    # LAYER-19 max-pool: draws keep each window's top two entries apart
    _rule("vjp_max_pool2d_x", "LAYER-19", max_pool2d_pulled, lp.vjp_max_pool2d_x, _POOL, "x", MAX_POOL_SIZES,
          lp.max_pool2d, params=MAX_POOL_PARAMS, kink=functools.partial(window_gaps, **MAX_POOL_PARAMS),
          kink_margin=0.02, note=f"{_PULLED}; ties: the first maximum (row-major) takes the window's δ"),
    # LAYER-20 average-pool (overlapping windows)
    _rule("vjp_avg_pool2d_x", "LAYER-20", avg_pool2d_pulled, lp.vjp_avg_pool2d_x, _POOL, "x", AVG_POOL_SIZES,
          lp.avg_pool2d, params=AVG_POOL_PARAMS),
    # LAYER-21 embedding lookup (repeated indices: a scatter-add)
    _rule("vjp_embedding_E", "LAYER-21", embedding_pulled, lp.vjp_embedding_E, _EMBED, "E", EMBED_SIZES,
          lp.embedding, note=f"{_PULLED}; repeated indices accumulate"),
]
