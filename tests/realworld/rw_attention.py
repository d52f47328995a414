"""Real-world cases: hand-written backward passes of attention (scaled dot-product, causal, multi-head).

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
# ruff: noqa: RUF005

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


# === CMU 11-785 mytorch: scaled dot-product attention ==============================================
# source: smit25/Transformer-using-numpy mytorch/nn/scaled_dot_product_attention.py
# (ScaledDotProductAttention.forward, .backward) and mytorch/nn/activation.py (Softmax.backward, which
# builds each row's Jacobian diag(a) − a aᵀ entry by entry). Q (N, L, E), K (N, S, E), V (N, S, Ev);
# mask (L, S), True where a key is ignored (its score gets −1e10). Here N = 2, L = 3, S = 5, E = 4, Ev = 6.

NA, L, S, E, EV = 2, 3, 5, 4, 6


class Softmax:
    """Softmax over ``dim``; backward builds each row's C × C Jacobian."""

    def __init__(self, dim=-1):
        self.dim = dim

    def forward(self, Z):
        self.Z = Z
        self.z_shifted = Z - np.max(Z, axis=self.dim, keepdims=True)
        self.z_exp = np.exp(self.z_shifted)
        self.z_sum = np.sum(self.z_exp, axis=self.dim, keepdims=True)
        self.A = self.z_exp / self.z_sum
        return self.A

    def _jacobian(self, a, C):
        J = np.zeros((C, C))
        for m in range(C):
            for n in range(C):
                J[m, n] = a[m] * (1 - a[m]) if m == n else -a[n] * a[m]
        return J

    def backward(self, dLdA):
        shape = self.A.shape
        C = shape[self.dim]
        if len(shape) > 2:
            self.A = np.swapaxes(self.A, self.dim, -1)
            new_A_shape = self.A.shape
            self.A = self.A.reshape(-1, shape[-1])
            dLdA = np.swapaxes(dLdA, self.dim, -1)
            dLdA = dLdA.reshape(-1, shape[-1])
        N = dLdA.shape[0]
        dLdZ = np.zeros((N, C))
        for i in range(N):
            J = self._jacobian(self.A[i], C)
            dLdZ[i, :] = dLdA[i, :] @ J
        if len(shape) > 2:
            self.A = self.A.reshape(new_A_shape)
            self.A = np.swapaxes(self.A, self.dim, -1)
            dLdZ = dLdZ.reshape(self.Z.shape)
        return dLdZ


class SoftmaxDiagonalOnly(Softmax):
    """Mutant: the Jacobian's off-diagonal −a_m a_n left out (only diag(a(1 − a)), element-wise)."""

    def _jacobian(self, a, C):
        J = np.zeros((C, C))
        for m in range(C):
            J[m, m] = a[m] * (1 - a[m])
        return J


class ScaledDotProductAttention:
    """softmax(Q Kᵀ/√E + mask·(−1e10)) V."""

    softmax_class = Softmax

    def __init__(self):
        self.eps = 1e10
        self.softmax = self.softmax_class()

    def forward(self, Q, K, V, mask=None):
        self.V = V
        self.Q = Q
        self.K = K
        self.d_k = Q.shape[-1]
        scaled_dot_product = Q @ np.swapaxes(K, -2, -1) / np.sqrt(self.d_k)
        if mask is not None:
            scaled_dot_product = scaled_dot_product + mask * (-self.eps)
        self.attention_scores = self.softmax.forward(scaled_dot_product)
        output = self.attention_scores @ V
        return output

    def backward(self, d_output):
        d_V = np.swapaxes(self.attention_scores, -2, -1) @ d_output
        d_attention_scores = d_output @ np.swapaxes(self.V, -2, -1)
        d_scaled_dot_product = self.softmax.backward(d_attention_scores)
        d_scaled_dot_product = d_scaled_dot_product / np.sqrt(self.d_k)
        d_Q = d_scaled_dot_product @ self.K
        d_K = np.swapaxes(d_scaled_dot_product, -2, -1) @ self.Q
        return d_Q, d_K, d_V


class AttentionNoRowSum(ScaledDotProductAttention):
    """Mutant: softmax's backward without the row-sum term (its Jacobian taken as diagonal)."""

    softmax_class = SoftmaxDiagonalOnly


class AttentionScaleForgotten(ScaledDotProductAttention):
    """Mutant: the 1/√d_k of the forward not applied in the backward."""

    def backward(self, d_output):
        d_V = np.swapaxes(self.attention_scores, -2, -1) @ d_output
        d_attention_scores = d_output @ np.swapaxes(self.V, -2, -1)
        d_scaled_dot_product = self.softmax.backward(d_attention_scores)
        d_Q = d_scaled_dot_product @ self.K
        d_K = np.swapaxes(d_scaled_dot_product, -2, -1) @ self.Q
        return d_Q, d_K, d_V


class AttentionScaleTwice(ScaledDotProductAttention):
    """Mutant: 1/√d_k applied twice in the backward (once to dscores, once more to dQ and dK)."""

    def backward(self, d_output):
        d_Q, d_K, d_V = super().backward(d_output)
        return d_Q / np.sqrt(self.d_k), d_K / np.sqrt(self.d_k), d_V


def attention_f(Q, K, V):
    """softmax(Q Kᵀ/√E) V in JAX, (N, L, Ev)."""
    scores = Q @ jnp.swapaxes(K, -2, -1) / jnp.sqrt(Q.shape[-1])
    return jax.nn.softmax(scores, axis=-1) @ V


def masked_attention_f(Q, K, V, mask):
    """softmax(Q Kᵀ/√E + mask·(−1e10)) V in JAX, (N, L, Ev); mask (L, S) boolean, held fixed."""
    scores = Q @ jnp.swapaxes(K, -2, -1) / jnp.sqrt(Q.shape[-1])
    scores = scores + mask * (-1e10)
    return jax.nn.softmax(scores, axis=-1) @ V


def _attention_vjp(layer_class):
    def vjp(Q, K, V, ct):
        layer = layer_class()
        layer.forward(Q, K, V)
        return layer.backward(ct)

    vjp.__name__ = vjp.__qualname__ = f"vjp_{layer_class.__name__}"
    return vjp


def _masked_attention_vjp(layer_class):
    def vjp(Q, K, V, mask, ct):
        layer = layer_class()
        layer.forward(Q, K, V, mask)
        return layer.backward(ct)

    vjp.__name__ = vjp.__qualname__ = f"vjp_masked_{layer_class.__name__}"
    return vjp


def _causal_example() -> tuple[np.ndarray, ...]:
    Q, K, V = _draw((NA, L, E), (NA, S, E), (NA, S, EV))
    return Q, K, V, np.triu(np.ones((L, S), dtype=bool), k=1)  # query i sees keys 0..i


ATTENTION = Case(
    name="mytorch_attention_backward",
    source="smit25/Transformer-using-numpy mytorch/nn/scaled_dot_product_attention.py "
           "(ScaledDotProductAttention.backward)",
    kind="vjp",
    f=attention_f,
    candidate=_attention_vjp(ScaledDotProductAttention),
    example=lambda: _draw((NA, L, E), (NA, S, E), (NA, S, EV)),
    argnums=(0, 1, 2),
    mutants=(
        Mutant("softmax backward without the row-sum term", _attention_vjp(AttentionNoRowSum), "dropped or extra term"),
        Mutant("1/sqrt(d_k) forgotten in the backward", _attention_vjp(AttentionScaleForgotten),
               "off by a constant factor"),
    ),
)

CAUSAL_ATTENTION = Case(
    name="mytorch_causal_attention_backward",
    source="smit25/Transformer-using-numpy mytorch/nn/scaled_dot_product_attention.py "
           "(ScaledDotProductAttention.backward, with a mask)",
    kind="vjp",
    f=masked_attention_f,
    candidate=_masked_attention_vjp(ScaledDotProductAttention),
    example=_causal_example,
    argnums=(0, 1, 2),
    mutants=(
        Mutant("softmax backward without the row-sum term", _masked_attention_vjp(AttentionNoRowSum),
               "dropped or extra term"),
        Mutant("1/sqrt(d_k) applied twice in the backward", _masked_attention_vjp(AttentionScaleTwice),
               "off by a constant factor"),
    ),
)


# === CMU 11-785 mytorch: multi-head attention ======================================================
# source: smit25/Transformer-using-numpy mytorch/nn/multi_head_attention.py (MultiHeadAttention) and
# mytorch/nn/linear.py (Linear). query (N, L, E), key and value (N, S, E); four E × E projections with
# biases; key_padding_mask (N, S) and attn_mask (L, S), True where ignored. Here N = 2, L = 3, S = 4,
# E = 6, 2 heads of 3.

SM, EM, HEADS = 4, 6, 2


class Linear:
    """Z = A Wᵀ + b over the last axis; W (out, in), b (out,)."""

    def __init__(self, in_features, out_features):
        self.W = np.zeros((out_features, in_features))
        self.b = np.zeros(out_features)

    def init_weights(self, W, b):
        self.W = W
        self.b = b

    def forward(self, A):
        self.input_shape = A.shape
        A = A.reshape(-1, self.input_shape[-1])
        Z = A @ self.W.T + self.b
        Z = Z.reshape(self.input_shape[:-1] + (self.b.shape[0],))
        self.A = A
        return Z

    def backward(self, dLdZ):
        dLdZ = dLdZ.reshape(-1, dLdZ.shape[-1])
        self.dLdA = dLdZ @ self.W
        self.dLdW = dLdZ.T @ self.A
        self.dLdb = np.sum(dLdZ, axis=0)
        self.dLdA = self.dLdA.reshape(self.input_shape)
        return self.dLdA


class MultiHeadAttention:
    """out_proj(concat_heads(attention(split(q_proj(query)), split(k_proj(key)), split(v_proj(value)))))."""

    attention_class = ScaledDotProductAttention

    def __init__(self, embed_dim, num_heads):
        self.embed_dim = embed_dim
        self.num_heads = num_heads
        self.attention = self.attention_class()
        self.q_proj = Linear(embed_dim, embed_dim)
        self.k_proj = Linear(embed_dim, embed_dim)
        self.v_proj = Linear(embed_dim, embed_dim)
        self.out_proj = Linear(embed_dim, embed_dim)

    def init_weights(self, Wq, bq, Wk, bk, Wv, bv, Wo, bo):
        self.q_proj.init_weights(Wq, bq)
        self.k_proj.init_weights(Wk, bk)
        self.v_proj.init_weights(Wv, bv)
        self.out_proj.init_weights(Wo, bo)

    def forward(self, query, key, value, key_padding_mask=None, attn_mask=None):
        self.N = query.shape[0]
        self.L = query.shape[1]
        self.S = key.shape[1]
        self.E = query.shape[2]
        q = self.q_proj.forward(query)
        k = self.k_proj.forward(key)
        v = self.v_proj.forward(value)
        q = self._split_heads(q)
        k = self._split_heads(k)
        v = self._split_heads(v)
        mask = self._merge_masks(key_padding_mask, attn_mask)
        attn_outputs = self.attention.forward(q, k, v, mask)
        attn_output = self._concat_heads(attn_outputs)
        output = self.out_proj.forward(attn_output)
        return output

    def backward(self, d_output):
        d_attn_output = self.out_proj.backward(d_output)
        d_attn_outputs = self._split_heads(d_attn_output)
        d_q, d_k, d_v = self.attention.backward(d_attn_outputs)
        d_q = self._concat_heads(d_q)
        d_k = self._concat_heads(d_k)
        d_v = self._concat_heads(d_v)
        d_q = self.q_proj.backward(d_q)
        d_k = self.k_proj.backward(d_k)
        d_v = self.v_proj.backward(d_v)
        return d_q, d_k, d_v

    def _merge_masks(self, key_padding_mask, attn_mask):
        key_mask = np.expand_dims(key_padding_mask, axis=(1, 2))
        key_mask = np.broadcast_to(key_mask, (key_padding_mask.shape[0], self.num_heads, attn_mask.shape[0],
                                              key_padding_mask.shape[-1]))
        attention_mask = np.expand_dims(attn_mask, axis=(0, 1))
        attention_mask = np.broadcast_to(attention_mask, (key_padding_mask.shape[0], self.num_heads,
                                                          attn_mask.shape[0], key_padding_mask.shape[-1]))
        combined_mask = np.logical_or(key_mask, attention_mask)
        return combined_mask

    def _split_heads(self, x):
        x = x.reshape(self.N, x.shape[1], self.num_heads, self.embed_dim // self.num_heads)
        x = np.swapaxes(x, 1, 2)
        return x

    def _concat_heads(self, x):
        x = np.swapaxes(x, 1, 2)
        x = x.reshape(self.N, x.shape[1], self.embed_dim)
        return x


class MultiHeadAttentionScaleForgotten(MultiHeadAttention):
    """Mutant: its attention's backward leaves out the 1/√d_k (d_k = 3, the head size)."""

    attention_class = AttentionScaleForgotten


class MultiHeadAttentionHeadsNotSwapped(MultiHeadAttention):
    """Mutant: the backward merges the heads' gradients by a reshape alone, without swapping the axes back."""

    def backward(self, d_output):
        d_attn_output = self.out_proj.backward(d_output)
        d_attn_outputs = self._split_heads(d_attn_output)
        d_q, d_k, d_v = self.attention.backward(d_attn_outputs)
        d_q = d_q.reshape(self.N, d_q.shape[2], self.embed_dim)
        d_k = d_k.reshape(self.N, d_k.shape[2], self.embed_dim)
        d_v = d_v.reshape(self.N, d_v.shape[2], self.embed_dim)
        d_q = self.q_proj.backward(d_q)
        d_k = self.k_proj.backward(d_k)
        d_v = self.v_proj.backward(d_v)
        return d_q, d_k, d_v


def _heads_f(x, n_heads):
    n, t, e = x.shape
    return jnp.swapaxes(x.reshape(n, t, n_heads, e // n_heads), 1, 2)


def mha_f(query, key, value, Wq, bq, Wk, bk, Wv, bv, Wo, bo, key_padding_mask, attn_mask):
    """Multi-head attention in JAX, (N, L, E): 2 heads, both masks True where ignored."""
    q = _heads_f(query @ Wq.T + bq, HEADS)
    k = _heads_f(key @ Wk.T + bk, HEADS)
    v = _heads_f(value @ Wv.T + bv, HEADS)
    mask = jnp.logical_or(key_padding_mask[:, None, None, :], attn_mask[None, None, :, :])
    scores = q @ jnp.swapaxes(k, -2, -1) / jnp.sqrt(q.shape[-1]) + mask * (-1e10)
    heads = jax.nn.softmax(scores, axis=-1) @ v
    n, _, t, _ = heads.shape
    return jnp.swapaxes(heads, 1, 2).reshape(n, t, EM) @ Wo.T + bo


def _mha_vjp(layer_class):
    def vjp(query, key, value, Wq, bq, Wk, bk, Wv, bv, Wo, bo, key_padding_mask, attn_mask, ct):
        layer = layer_class(EM, HEADS)
        layer.init_weights(Wq, bq, Wk, bk, Wv, bv, Wo, bo)
        layer.forward(query, key, value, key_padding_mask, attn_mask)
        return layer.backward(ct)

    vjp.__name__ = vjp.__qualname__ = f"vjp_{layer_class.__name__}"
    return vjp


def _mha_example() -> tuple[np.ndarray, ...]:
    arrays = _draw((NA, L, EM), (NA, SM, EM), (NA, SM, EM), *[(EM, EM), (EM,)] * 4)
    key_padding_mask = np.zeros((NA, SM), dtype=bool)
    key_padding_mask[1, -1] = True  # the second sequence is one key shorter
    attn_mask = np.triu(np.ones((L, SM), dtype=bool), k=1)  # causal: every query keeps key 0
    return (*arrays, key_padding_mask, attn_mask)


MULTI_HEAD_ATTENTION = Case(
    name="mytorch_multi_head_attention_backward",
    source="smit25/Transformer-using-numpy mytorch/nn/multi_head_attention.py (MultiHeadAttention.backward)",
    kind="vjp",
    f=mha_f,
    candidate=_mha_vjp(MultiHeadAttention),
    example=_mha_example,
    argnums=(0, 1, 2),
    mutants=(
        Mutant("1/sqrt(d_k) forgotten in the attention's backward", _mha_vjp(MultiHeadAttentionScaleForgotten),
               "off by a constant factor"),
        Mutant("heads merged without swapping the axes back", _mha_vjp(MultiHeadAttentionHeadsNotSwapped)),
    ),
)


CASES: list[Case] = [
    ATTENTION, CAUSAL_ATTENTION, MULTI_HEAD_ATTENTION,
]
