r"""Beyond §8: softmax with a temperature, scaled dot-product attention (plain and causal), multi-head attention.

Notation: ``z`` of shape ``(k,)`` holds logits and ``τ > 0`` a temperature; ``Q`` ``(Tq, d)``, ``K``
``(Tk, d)`` and ``V`` ``(Tk, dv)`` hold one query, key and value per row (positions as rows, the
papers' convention); ``S = Q Kᵀ/√d`` the scores, ``P = softmax(S)`` row by row the attention weights,
``O = P V`` ``(Tq, dv)`` the output. ``δ = ∂L/∂O`` (argument ``ct``, the ``dO`` of FlashAttention,
shaped like ``O``) is the upstream gradient of some scalar loss ``L``.

IDs (not in RULES.md; the layer topic's own scheme, origin "extension"):

* ``LAYER-22`` softmax with temperature ``s = softmax(z/τ)``: Jacobian wrt ``z`` (structured,
  ``(diag(s) − s sᵀ)/τ``) and derivative wrt ``τ``;
* ``LAYER-23`` attention ``O = softmax(Q Kᵀ/√d) V``: the backward pass wrt ``Q``, ``K``, ``V``;
* ``LAYER-24`` the same with a causal mask (query ``i`` attends to keys ``j ≤ i``; ``Tq = Tk``);
* ``LAYER-25`` multi-head self-attention ``Y = Concat(head₁, …, head_h) W_o`` with
  ``head_i = Attention(X W_q⁽ⁱ⁾, X W_k⁽ⁱ⁾, X W_v⁽ⁱ⁾)``: the backward pass wrt ``X`` and every weight.

The backward pass is the FlashAttention paper's (Dao et al. 2022, Appendix B.2, with its softmax scale
``τ = 1/√d``): ``dV = Pᵀ dO``, ``dP = dO Vᵀ``, ``dS = P ∘ (dP − rowsum(dO ∘ O))``,
``dQ = dS K/√d``, ``dK = dSᵀ Q/√d``. The row sums ``Dᵢ = dOᵢ·Oᵢ = Σⱼ Pᵢⱼ dPᵢⱼ`` are what LF-1's
softmax Jacobian ``diag(p) − p pᵀ`` leaves of each row: ``dSᵢ = (diag(pᵢ) − pᵢ pᵢᵀ) dPᵢ``.

Layout: numerator (DESIGN.md). The ``vjp_*`` functions return gradients shaped like their argument;
LAYER-22's Jacobian wrt ``z`` is a :class:`~chainrule.analytic.structured.DiagonalPlusRankOne` of shape
``(k, k)``; its derivative wrt the scalar ``τ`` has shape ``(k,)`` (``out.shape + τ.shape``).

Causal mask: masked scores are set to ``−∞`` before the softmax, so the masked weights are exactly 0
(``e^{−∞} = 0``) and no NaN appears: every row keeps its diagonal entry, so each row's maximum is finite.
A query's cotangent therefore reaches no key or value at a later position, exactly (a pinned test).

Multi-head convention (Vaswani et al. 2017, row vectors): ``Q = X W_q``, ``K = X W_k``, ``V = X W_v``,
each ``(T, d_model)``; head ``i`` takes columns ``i·d_k … (i+1)·d_k − 1`` (``d_k = d_model/h``), so
``W_q⁽ⁱ⁾`` is that block of columns of ``W_q``; each head scales its scores by ``1/√d_k``; the heads'
outputs are concatenated in the same column order and multiplied by ``W_o``. No kinks anywhere here.

References:
  A. Vaswani et al., "Attention Is All You Need", NeurIPS 2017, arXiv:1706.03762, §3.2.
  T. Dao et al., "FlashAttention: Fast and Memory-Efficient Exact Attention with IO-Awareness",
  NeurIPS 2022, arXiv:2205.14135, Appendix B.2 (the standard attention backward pass).
  G. Hinton, O. Vinyals and J. Dean, "Distilling the Knowledge in a Neural Network", arXiv:1503.02531
  (softmax with a temperature).
"""

from __future__ import annotations

import math
from typing import Any

from . import lossfn as lf
from ._array import inputs, require_ndim, require_positive
from .layer import _cotangent
from .lossfn import _softmax
from .structured import DiagonalPlusRankOne

__all__ = [
    "attention",
    "causal_attention",
    "jac_softmax_temperature_tau",
    "jac_softmax_temperature_z",
    "multi_head_attention",
    "softmax_temperature",
    "vjp_attention_K",
    "vjp_attention_Q",
    "vjp_attention_V",
    "vjp_causal_attention_K",
    "vjp_causal_attention_Q",
    "vjp_causal_attention_V",
    "vjp_multi_head_attention_Wk",
    "vjp_multi_head_attention_Wo",
    "vjp_multi_head_attention_Wq",
    "vjp_multi_head_attention_Wv",
    "vjp_multi_head_attention_X",
]

Array = Any


# --- helpers -------------------------------------------------------------------------------------


def _temperature(z: Array, tau: Array) -> tuple[Any, Array, Array]:
    xp, (z, tau) = inputs(z=z, tau=tau)
    require_ndim("z", z, 1, "a logit vector z of shape (k,)")
    require_ndim("tau", tau, 0, "the temperature τ as a scalar")
    if z.shape[0] == 0:
        raise ValueError("z: expected at least one class (k ≥ 1), got an empty vector")
    require_positive("tau", tau, "softmax(z/τ)")
    return xp, z, tau




def _qkv(Q: Array, K: Array, V: Array, ct: Array | None, causal: bool) -> tuple[Any, list[Array]]:
    """Validate Q (Tq, d), K (Tk, d), V (Tk, dv) and, if given, ct (Tq, dv)."""
    named = {"Q": Q, "K": K, "V": V} if ct is None else {"Q": Q, "K": K, "V": V, "ct": ct}
    xp, arrays = inputs(**named)
    Q, K, V = arrays[:3]
    require_ndim("Q", Q, 2, "queries Q of shape (Tq, d), one per row")
    require_ndim("K", K, 2, "keys K of shape (Tk, d), one per row")
    require_ndim("V", V, 2, "values V of shape (Tk, dv), one per row")
    if K.shape[1] != Q.shape[1]:
        raise ValueError(
            f"K has {K.shape[1]} features per key (shape {tuple(K.shape)}) but Q has {Q.shape[1]} per query "
            f"(shape {tuple(Q.shape)}); Q Kᵀ needs queries and keys of one width d"
        )
    if V.shape[0] != K.shape[0]:
        raise ValueError(
            f"V has {V.shape[0]} rows (shape {tuple(V.shape)}) but K has {K.shape[0]} (shape {tuple(K.shape)}); "
            "attention needs one value per key"
        )
    if K.shape[0] == 0 or Q.shape[1] == 0:
        raise ValueError(
            f"attention needs at least one key and a width d ≥ 1, got Q {tuple(Q.shape)}, K {tuple(K.shape)}"
        )
    if causal and Q.shape[0] != K.shape[0]:
        raise ValueError(
            f"causal attention needs one query per key position (Tq = Tk), got Q {tuple(Q.shape)} and "
            f"K {tuple(K.shape)}; pass self-attention inputs, or use attention() without the mask"
        )
    if ct is not None:
        _cotangent(arrays[3], (Q.shape[0], V.shape[1]), "O")
    return xp, arrays


def _t(xp: Any, A: Array) -> Array:
    """Swap the last two axes (a batch of matrices transposed)."""
    axes = (*range(A.ndim - 2), A.ndim - 1, A.ndim - 2)
    return xp.permute_dims(A, axes)


def _forward(xp: Any, Q: Array, K: Array, V: Array, causal: bool) -> tuple[Array, Array]:
    """``P = softmax(Q Kᵀ/√d)`` row-wise (masked if causal) and ``O = P V``; any leading batch axes."""
    S = (Q @ _t(xp, K)) * (1.0 / math.sqrt(Q.shape[-1]))
    if causal:
        T = S.shape[-1]
        keep = xp.arange(T)[None, :] <= xp.arange(T)[:, None]  # key j ≤ query i
        S = xp.where(keep, S, xp.full_like(S, -math.inf))
    P = _softmax(xp, S, axis=-1)
    return P, P @ V


def _backward(xp: Any, Q: Array, K: Array, V: Array, ct: Array, causal: bool) -> tuple[Array, Array, Array]:
    """FlashAttention's standard backward pass: ``(dQ, dK, dV)`` for ``dO = ct``."""
    P, out = _forward(xp, Q, K, V, causal)
    dV = _t(xp, P) @ ct  # Pᵀ dO
    dP = ct @ _t(xp, V)  # dO Vᵀ
    D = xp.sum(ct * out, axis=-1, keepdims=True)  # rowsum(dO ∘ O) = rowsum(P ∘ dP)
    dS = P * (dP - D)  # LF-1 row by row: (diag(p) − p pᵀ) dp
    scale = 1.0 / math.sqrt(Q.shape[-1])
    return (dS @ K) * scale, (_t(xp, dS) @ Q) * scale, dV


# --- LAYER-22 Softmax with temperature ---------------------------------------------------------------


def softmax_temperature(z: Array, tau: Array) -> Array:
    r"""Primal of LAYER-22: ``s = softmax(z/τ)``, τ > 0. Shapes: z ``(k,)``, τ ``()`` → ``(k,)``.

    τ → 0 sharpens s towards the one-hot of ``argmax z``; τ → ∞ flattens it towards ``1⃗/k``; τ = 1 is LF-1's
    softmax. Raises ``ValueError`` for a concrete τ ≤ 0.
    """
    _xp, z, tau = _temperature(z, tau)
    return lf.softmax(z / tau)


def jac_softmax_temperature_z(z: Array, tau: Array) -> DiagonalPlusRankOne:
    r"""∂softmax(z/τ)/∂z = (diag(s) − s sᵀ)/τ, s = softmax(z/τ)   (LAYER-22, beyond §8; LF-1 and the chain rule)

    LF-1's Jacobian at ``u = z/τ`` times ``∂u/∂z = I/τ``: still a diagonal minus a rank-one matrix,
    ``DiagonalPlusRankOne(s/τ, s, s, −1/τ)``, O(k) memory. Shapes: z ``(k,)``, τ ``()`` (τ > 0).
    Returns ``(k, k)``, numerator layout (symmetric). No kinks.

    >>> import numpy as np
    >>> jac_softmax_temperature_z(np.zeros(2), 0.5).todense()     # s = [½, ½], (diag(s) − s sᵀ)·2
    array([[ 0.5, -0.5],
           [-0.5,  0.5]])
    """
    _xp, z, tau = _temperature(z, tau)
    return lf.jac_softmax_z(z / tau) * (1.0 / tau)


def jac_softmax_temperature_tau(z: Array, tau: Array) -> Array:
    r"""∂softmax(z/τ)/∂τ = −(diag(s) − s sᵀ) z/τ² = −s ⊙ (z − (s·z) 1⃗)/τ²   (LAYER-22, beyond §8)

    LF-1's Jacobian at ``u = z/τ`` applied to ``∂u/∂τ = −z/τ²`` (an O(k) product, the matrix is never
    formed). Raising τ moves mass from the logits above the s-weighted mean ``s·z`` to those below it.
    Shapes: z ``(k,)``, τ ``()`` (τ > 0). Returns ``(k,)`` = ``s.shape + τ.shape``. No kinks.

    >>> import numpy as np
    >>> jac_softmax_temperature_tau(np.array([0.0, np.log(3.0)]), 1.0).round(4)   # s = [¼, ¾]: ±(3/16) log 3
    array([ 0.206, -0.206])
    """
    _xp, z, tau = _temperature(z, tau)
    u = z / tau
    return lf.jac_softmax_z(u) @ (-u / tau)


# --- LAYER-23 Scaled dot-product attention -------------------------------------------------------------


def attention(Q: Array, K: Array, V: Array) -> Array:
    r"""Primal of LAYER-23: ``O = softmax(Q Kᵀ/√d) V``, softmax along each row (over the keys).

    Shapes: Q ``(Tq, d)``, K ``(Tk, d)``, V ``(Tk, dv)`` → O ``(Tq, dv)``. Row i of O is a convex
    combination of the rows of V, weighted by how well query i matches each key.
    """
    xp, (Q, K, V) = _qkv(Q, K, V, None, causal=False)
    return _forward(xp, Q, K, V, causal=False)[1]


def vjp_attention_Q(Q: Array, K: Array, V: Array, ct: Array) -> Array:
    r"""∂L/∂Q = dS K/√d, dS = P ∘ (dO Vᵀ − rowsum(dO ∘ O) 1⃗ᵀ), P = softmax(Q Kᵀ/√d)   (LAYER-23, beyond §8)

    FlashAttention's backward pass (Dao et al. 2022, App. B.2): ``dP = dO Vᵀ`` through ``O = P V``,
    then each row of P through LF-1's softmax Jacobian, ``dSᵢ = (diag(pᵢ) − pᵢpᵢᵀ) dPᵢ = pᵢ ∘ (dPᵢ − pᵢ·dPᵢ)``
    with ``pᵢ·dPᵢ = dOᵢ·Oᵢ``, then ``S = Q Kᵀ/√d``. Shapes: Q ``(Tq, d)``, K ``(Tk, d)``, V ``(Tk, dv)``,
    ct = dO ``(Tq, dv)``. Returns ``(Tq, d)``, like Q. No kinks.

    >>> import numpy as np
    >>> vjp_attention_Q(np.zeros((1, 1)), np.array([[1.0], [-1.0]]), np.array([[1.0], [0.0]]), np.ones((1, 1)))
    array([[0.5]])
    """
    xp, (Q, K, V, ct) = _qkv(Q, K, V, ct, causal=False)
    return _backward(xp, Q, K, V, ct, causal=False)[0]


def vjp_attention_K(Q: Array, K: Array, V: Array, ct: Array) -> Array:
    r"""∂L/∂K = dSᵀ Q/√d, dS = P ∘ (dO Vᵀ − rowsum(dO ∘ O) 1⃗ᵀ)   (LAYER-23, beyond §8)

    The same ``dS = ∂L/∂S`` as :func:`vjp_attention_Q`, pulled back through ``S = Q Kᵀ/√d`` on the key
    side. Shapes as :func:`vjp_attention_Q`. Returns ``(Tk, d)``, like K. No kinks.

    >>> import numpy as np
    >>> vjp_attention_K(np.ones((1, 1)), np.zeros((2, 1)), np.array([[1.0], [0.0]]), np.ones((1, 1)))
    array([[ 0.25],
           [-0.25]])
    """
    xp, (Q, K, V, ct) = _qkv(Q, K, V, ct, causal=False)
    return _backward(xp, Q, K, V, ct, causal=False)[1]


def vjp_attention_V(Q: Array, K: Array, V: Array, ct: Array) -> Array:
    r"""∂L/∂V = Pᵀ dO, P = softmax(Q Kᵀ/√d)   (LAYER-23, beyond §8)

    O is linear in V: each value row j collects the cotangents of the queries, weighted by how much
    they attend to key j. Shapes as :func:`vjp_attention_Q`. Returns ``(Tk, dv)``, like V. No kinks.

    >>> import numpy as np
    >>> vjp_attention_V(np.zeros((1, 1)), np.zeros((2, 1)), np.ones((2, 1)), np.array([[4.0]]))  # P = [½, ½]
    array([[2.],
           [2.]])
    """
    xp, (Q, K, V, ct) = _qkv(Q, K, V, ct, causal=False)
    return _backward(xp, Q, K, V, ct, causal=False)[2]


# --- LAYER-24 Causal attention --------------------------------------------------------------------------


def causal_attention(Q: Array, K: Array, V: Array) -> Array:
    r"""Primal of LAYER-24: ``O = softmax(mask(Q Kᵀ/√d)) V``, ``mask`` setting scores with key j > query i to −∞.

    Shapes: Q ``(T, d)``, K ``(T, d)``, V ``(T, dv)`` → O ``(T, dv)`` (one query per key position).
    Row i of O mixes the values at positions ``0 … i`` only; the masked weights are exactly 0.
    """
    xp, (Q, K, V) = _qkv(Q, K, V, None, causal=True)
    return _forward(xp, Q, K, V, causal=True)[1]


def vjp_causal_attention_Q(Q: Array, K: Array, V: Array, ct: Array) -> Array:
    r"""∂L/∂Q = dS K/√d, dS = P ∘ (dO Vᵀ − rowsum(dO ∘ O) 1⃗ᵀ), P = softmax(mask(Q Kᵀ/√d))   (LAYER-24, beyond §8)

    LAYER-23's backward pass with the causal P: ``Pᵢⱼ = 0`` for ``j > i``, so ``dSᵢⱼ = 0`` there too and
    the mask needs no separate backward step (the −∞ entries are constants). Shapes: Q, K ``(T, d)``,
    V ``(T, dv)``, ct = dO ``(T, dv)``. Returns ``(T, d)``. No kinks.

    >>> import numpy as np
    >>> vjp_causal_attention_Q(np.ones((1, 1)), np.ones((1, 1)), np.ones((1, 1)), np.ones((1, 1)))  # P = [[1]]
    array([[0.]])
    """
    xp, (Q, K, V, ct) = _qkv(Q, K, V, ct, causal=True)
    return _backward(xp, Q, K, V, ct, causal=True)[0]


def vjp_causal_attention_K(Q: Array, K: Array, V: Array, ct: Array) -> Array:
    r"""∂L/∂K = dSᵀ Q/√d with the causal dS of vjp_causal_attention_Q   (LAYER-24, beyond §8)

    Row j collects only queries ``i ≥ j``: a key gets no gradient from an earlier query (exactly 0).
    Shapes as :func:`vjp_causal_attention_Q`. Returns ``(T, d)``, like K. No kinks.

    >>> import numpy as np
    >>> ct = np.array([[1.0], [0.0]])                  # only query 0 has a cotangent
    >>> vjp_causal_attention_K(np.ones((2, 1)), np.ones((2, 1)), np.array([[1.0], [2.0]]), ct)
    array([[0.],
           [0.]])
    """
    xp, (Q, K, V, ct) = _qkv(Q, K, V, ct, causal=True)
    return _backward(xp, Q, K, V, ct, causal=True)[1]


def vjp_causal_attention_V(Q: Array, K: Array, V: Array, ct: Array) -> Array:
    r"""∂L/∂V = Pᵀ dO, P = softmax(mask(Q Kᵀ/√d))   (LAYER-24, beyond §8)

    P is lower triangular, so ``Pᵀ dO`` sends value j only the cotangents of queries ``i ≥ j``.
    Shapes as :func:`vjp_causal_attention_Q`. Returns ``(T, dv)``, like V. No kinks.

    >>> import numpy as np
    >>> vjp_causal_attention_V(np.zeros((2, 1)), np.zeros((2, 1)), np.ones((2, 1)), np.array([[1.0], [2.0]]))
    array([[2.],
           [1.]])
    """
    xp, (Q, K, V, ct) = _qkv(Q, K, V, ct, causal=True)
    return _backward(xp, Q, K, V, ct, causal=True)[2]


# --- LAYER-25 Multi-head self-attention -------------------------------------------------------------------


def _heads_count(h: int, d_model: int) -> int:
    if isinstance(h, bool) or not isinstance(h, int) or h < 1:
        raise ValueError(f"h: expected the number of heads as a positive int, got {h!r}")
    if d_model % h:
        raise ValueError(
            f"h: {h} heads do not split d_model = {d_model} into equal parts; choose h dividing d_model "
            f"(d_k = d_model/h), e.g. h = 1"
        )
    return h


def _mha(X: Array, Wq: Array, Wk: Array, Wv: Array, Wo: Array, ct: Array | None,
         h: int) -> tuple[Any, list[Array]]:
    named = {"X": X, "Wq": Wq, "Wk": Wk, "Wv": Wv, "Wo": Wo}
    if ct is not None:
        named["ct"] = ct
    xp, arrays = inputs(**named)
    X = arrays[0]
    require_ndim("X", X, 2, "the sequence X of shape (T, d_model), one position per row")
    T, D = X.shape
    for name, W in zip(("Wq", "Wk", "Wv", "Wo"), arrays[1:5], strict=True):
        require_ndim(name, W, 2, f"a projection {name} of shape (d_model, d_model)")
        if tuple(W.shape) != (D, D):
            raise ValueError(
                f"{name}: expected shape ({D}, {D}) (d_model × d_model, for X of shape {tuple(X.shape)}), "
                f"got {tuple(W.shape)}"
            )
    if T == 0 or D == 0:
        raise ValueError(f"X: expected at least one position and d_model ≥ 1, got shape {tuple(X.shape)}")
    _heads_count(h, D)
    if ct is not None:
        _cotangent(arrays[5], (T, D), "Y")
    return xp, arrays


def _split(xp: Any, A: Array, h: int) -> Array:
    """``(T, d_model)`` → ``(h, T, d_k)``: head i takes columns ``i·d_k … (i+1)·d_k − 1``."""
    T, D = A.shape
    return xp.permute_dims(xp.reshape(A, (T, h, D // h)), (1, 0, 2))


def _merge(xp: Any, A: Array) -> Array:
    """``(h, T, d_k)`` → ``(T, h·d_k)``: the heads concatenated, in column order (the inverse of _split)."""
    h, T, dk = A.shape
    return xp.reshape(xp.permute_dims(A, (1, 0, 2)), (T, h * dk))


def _mha_forward(xp: Any, X: Array, Wq: Array, Wk: Array, Wv: Array, h: int) -> tuple[Array, ...]:
    Qh, Kh, Vh = (_split(xp, X @ W, h) for W in (Wq, Wk, Wv))
    _P, Oh = _forward(xp, Qh, Kh, Vh, causal=False)
    return Qh, Kh, Vh, _merge(xp, Oh)


def _mha_backward(X: Array, Wq: Array, Wk: Array, Wv: Array, Wo: Array, ct: Array, h: int) -> dict[str, Array]:
    """The backward pass of :func:`multi_head_attention`, written out; every gradient by name."""
    xp, (X, Wq, Wk, Wv, Wo, ct) = _mha(X, Wq, Wk, Wv, Wo, ct, h)
    Qh, Kh, Vh, C = _mha_forward(xp, X, Wq, Wk, Wv, h)
    dC = ct @ Wo.T  # ∂L/∂C through Y = C W_o (LAYER-2's ∂L/∂X)
    dQh, dKh, dVh = _backward(xp, Qh, Kh, Vh, _split(xp, dC, h), causal=False)  # LAYER-23 per head
    dQ, dK, dV = (_merge(xp, g) for g in (dQh, dKh, dVh))
    return {
        "Wo": C.T @ ct,
        "Wq": X.T @ dQ,
        "Wk": X.T @ dK,
        "Wv": X.T @ dV,
        "X": dQ @ Wq.T + dK @ Wk.T + dV @ Wv.T,  # X feeds all three projections: the gradients add
    }


def multi_head_attention(X: Array, Wq: Array, Wk: Array, Wv: Array, Wo: Array, h: int = 1) -> Array:
    r"""Primal of LAYER-25: ``Y = Concat(head₁, …, head_h) W_o``, ``head_i = Attention(X W_q⁽ⁱ⁾, X W_k⁽ⁱ⁾, X W_v⁽ⁱ⁾)``.

    Self-attention (Vaswani et al. 2017, §3.2.2): ``W_q⁽ⁱ⁾`` is the i-th block of ``d_k = d_model/h``
    columns of ``W_q`` (likewise ``W_k``, ``W_v``), and each head is LAYER-23 with scale ``1/√d_k``.
    Shapes: X ``(T, d_model)``; W_q, W_k, W_v, W_o ``(d_model, d_model)``; h a positive int dividing
    d_model → Y ``(T, d_model)``. ``h = 1`` is single-head attention of the projections, then ``W_o``.
    """
    xp, (X, Wq, Wk, Wv, Wo) = _mha(X, Wq, Wk, Wv, Wo, None, h)
    return _mha_forward(xp, X, Wq, Wk, Wv, h)[3] @ Wo


def vjp_multi_head_attention_Wo(X: Array, Wq: Array, Wk: Array, Wv: Array, Wo: Array, ct: Array,
                                h: int = 1) -> Array:
    r"""∂L/∂W_o = Cᵀ δ, C = Concat(head₁, …, head_h)   (LAYER-25, beyond §8; Vaswani et al. 2017)

    ``Y = C W_o`` is a batched affine layer in W_o (LAYER-2, positions as samples). Shapes: X
    ``(T, d_model)``, the four W ``(d_model, d_model)``, ct = δ = ∂L/∂Y ``(T, d_model)``, h heads.
    Returns ``(d_model, d_model)``, like W_o. No kinks.

    >>> import numpy as np
    >>> I = np.eye(2)
    >>> vjp_multi_head_attention_Wo(np.array([[1.0, 2.0]]), I, I, I, I, np.array([[1.0, 0.0]]), h=2)   # C = X
    array([[1., 0.],
           [2., 0.]])
    """
    return _mha_backward(X, Wq, Wk, Wv, Wo, ct, h)["Wo"]


def vjp_multi_head_attention_Wq(X: Array, Wq: Array, Wk: Array, Wv: Array, Wo: Array, ct: Array,
                                h: int = 1) -> Array:
    r"""∂L/∂W_q = Xᵀ [dQ₁ … dQ_h], dQ_i = LAYER-23's dQ of head i for dO_i = (δ W_oᵀ)⁽ⁱ⁾   (LAYER-25, beyond §8)

    Backward through ``Y = C W_o`` gives ``dC = δ W_oᵀ``; its i-th block of columns is head i's
    ``dO``; LAYER-23's backward pass gives that head's ``dQ_i``; the heads' ``dQ_i`` side by side form
    ``∂L/∂Q``, and ``Q = X W_q`` gives ``Xᵀ ∂L/∂Q``. Shapes as :func:`vjp_multi_head_attention_Wo`.
    Returns ``(d_model, d_model)``, like W_q. No kinks.

    >>> import numpy as np
    >>> I = np.eye(2)
    >>> vjp_multi_head_attention_Wq(np.ones((1, 2)), I, I, I, I, np.ones((1, 2)), h=2)   # one position: P = 1
    array([[0., 0.],
           [0., 0.]])
    """
    return _mha_backward(X, Wq, Wk, Wv, Wo, ct, h)["Wq"]


def vjp_multi_head_attention_Wk(X: Array, Wq: Array, Wk: Array, Wv: Array, Wo: Array, ct: Array,
                                h: int = 1) -> Array:
    r"""∂L/∂W_k = Xᵀ [dK₁ … dK_h], dK_i = LAYER-23's dK of head i for dO_i = (δ W_oᵀ)⁽ⁱ⁾   (LAYER-25, beyond §8)

    As :func:`vjp_multi_head_attention_Wq`, on the key side (``K = X W_k``). Shapes as
    :func:`vjp_multi_head_attention_Wo`; returns ``(d_model, d_model)``, like W_k. No kinks.

    >>> import numpy as np
    >>> I = np.eye(2)
    >>> vjp_multi_head_attention_Wk(np.ones((1, 2)), I, I, I, I, np.ones((1, 2)), h=1)
    array([[0., 0.],
           [0., 0.]])
    """
    return _mha_backward(X, Wq, Wk, Wv, Wo, ct, h)["Wk"]


def vjp_multi_head_attention_Wv(X: Array, Wq: Array, Wk: Array, Wv: Array, Wo: Array, ct: Array,
                                h: int = 1) -> Array:
    r"""∂L/∂W_v = Xᵀ [P₁ᵀ dO₁ … P_hᵀ dO_h], dO_i = (δ W_oᵀ)⁽ⁱ⁾   (LAYER-25, beyond §8; Vaswani et al. 2017)

    Head i's values get LAYER-23's ``P_iᵀ dO_i``; side by side they form ``∂L/∂V``, and ``V = X W_v``
    gives ``Xᵀ ∂L/∂V``. Shapes as :func:`vjp_multi_head_attention_Wo`; returns ``(d_model, d_model)``,
    like W_v. No kinks.

    >>> import numpy as np
    >>> I = np.eye(2)
    >>> vjp_multi_head_attention_Wv(np.array([[1.0, 2.0]]), I, I, I, I, np.array([[1.0, 0.0]]), h=2)
    array([[1., 0.],
           [2., 0.]])
    """
    return _mha_backward(X, Wq, Wk, Wv, Wo, ct, h)["Wv"]


def vjp_multi_head_attention_X(X: Array, Wq: Array, Wk: Array, Wv: Array, Wo: Array, ct: Array,
                               h: int = 1) -> Array:
    r"""∂L/∂X = dQ W_qᵀ + dK W_kᵀ + dV W_vᵀ, [dQ dK dV] = the heads' LAYER-23 gradients   (LAYER-25, beyond §8)

    X enters through all three projections (self-attention), so its gradient is the sum of the three
    pulled back (the multivariate chain rule: a total derivative). Shapes as
    :func:`vjp_multi_head_attention_Wo`; returns ``(T, d_model)``, like X. No kinks.

    >>> import numpy as np
    >>> I = np.eye(2)
    >>> vjp_multi_head_attention_X(np.array([[1.0, 2.0]]), I, I, I, I, np.array([[1.0, 0.0]]), h=2)  # Y = X
    array([[1., 0.]])
    """
    return _mha_backward(X, Wq, Wk, Wv, Wo, ct, h)["X"]
