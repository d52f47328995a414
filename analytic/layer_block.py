r"""Beyond §8: two blocks built from LAYER-2's batched affine layers, with every backward pass by hand.

Both blocks map a batch ``X`` of shape ``(N, d)`` (samples, or tokens, as rows) to ``Y`` of the same
shape through a hidden layer of width ``h`` and a skip connection:

* ``LAYER-15`` residual block ``Y = X + relu(X W1ᵀ + 1⃗ b1ᵀ) W2ᵀ + 1⃗ b2ᵀ`` (row by row
  ``y = x + W2 relu(W1 x + b1) + b2``; He et al. 2016);
* ``LAYER-16`` transformer MLP block ``Y = X + GELU(X W1ᵀ + 1⃗ b1ᵀ) W2ᵀ + 1⃗ b2ᵀ`` over the ``T`` tokens
  of a sequence (the position-wise feed-forward sublayer of Vaswani et al. 2017 with its residual
  connection, GELU in the tanh form of GPT-2; the pre-norm is a separate layer, LAYER-12).

Shapes: X ``(N, d)``, W1 ``(h, d)``, b1 ``(h,)``, W2 ``(d, h)``, b2 ``(d,)``; the hidden pre-activation
``Z = X W1ᵀ + 1⃗ b1ᵀ`` is ``(N, h)``. The backward passes take the upstream gradient ``Δ = ∂L/∂Y``
(argument ``ct``, ``(N, d)``) and are LAYER-2's rules chained: the second layer passes ``Δ W2`` down,
the activation multiplies it by its derivative (``∂L/∂Z = (Δ W2) ∘ act′(Z)``), the first layer turns
that into ``∂L/∂W1``, ``∂L/∂b1`` and ``∂L/∂X``, and the skip connection adds Δ itself to ``∂L/∂X``.
The functions here compute them *through* :mod:`chainrule.analytic.layer`'s ``vjp_dense_batch_*`` and
its GELU derivative :func:`~chainrule.analytic.layer.jac_gelu_x`, so each formula has one source.

Kink convention (LAYER-15): ReLU's derivative is 0 at ``z = 0`` (the paper's, RULES N-3), so a hidden
unit with ``Z = 0`` passes no gradient; the primal writes ReLU as ``where(Z > 0, Z, 0)`` so that JAX
agrees. GELU is smooth (LAYER-16 has no kinks).

References:
  K. He, X. Zhang, S. Ren and J. Sun, "Deep Residual Learning for Image Recognition", CVPR 2016.
  A. Vaswani et al., "Attention Is All You Need", NeurIPS 2017, §3.3 (position-wise feed-forward).
  D. Hendrycks and K. Gimpel, "Gaussian Error Linear Units (GELUs)", arXiv:1606.08415, 2016.
"""

from __future__ import annotations

from typing import Any

from . import layer as ly
from ._array import inputs, require_ndim, require_shape

__all__ = [
    "jac_block_b2",
    "residual_block",
    "transformer_mlp",
    "vjp_block_b2",
    "vjp_residual_block_W1",
    "vjp_residual_block_W2",
    "vjp_residual_block_X",
    "vjp_residual_block_b1",
    "vjp_transformer_mlp_W1",
    "vjp_transformer_mlp_W2",
    "vjp_transformer_mlp_X",
    "vjp_transformer_mlp_b1",
]

Array = Any


# --- helpers -------------------------------------------------------------------------------------


def _block(X: Array, W1: Array, b1: Array, W2: Array, b2: Array,
           ct: Array | None) -> tuple[Any, Array, Array, Array, Array, Array, Array | None]:
    """Validate a block: X (N, d), W1 (h, d), b1 (h,), W2 (d, h), b2 (d,), ct (N, d)."""
    named = {"X": X, "W1": W1, "b1": b1, "W2": W2, "b2": b2}
    if ct is not None:
        named["ct"] = ct
    xp, arrays = inputs(**named)
    X, W1, b1, W2, b2 = arrays[:5]
    require_ndim("X", X, 2, "a batch X of shape (N, d), samples (or tokens) as rows")
    require_ndim("W1", W1, 2, "the first layer's weights, shape (h, d)")
    N, d = X.shape
    h = W1.shape[0]
    dims = f"X {tuple(X.shape)} (d = {d}) and W1 {tuple(W1.shape)} (h = {h} hidden units)"
    require_shape("W1", W1, (h, d), f"one row of d = {d} weights per hidden unit, as X has d columns")
    require_shape("b1", b1, (h,), f"one bias per hidden unit, for {dims}")
    require_shape("W2", W2, (d, h), f"the second layer maps h back to d for the skip connection, for {dims}")
    require_shape("b2", b2, (d,), f"one bias per output, d like the input, for {dims}")
    if ct is not None:
        ct = arrays[5]
        require_shape("ct", ct, (N, d), "the upstream gradient ∂L/∂Y, shaped like Y and X")
    return xp, X, W1, b1, W2, b2, ct


def _relu(xp: Any, Z: Array) -> tuple[Array, Array]:
    """``(max(0, Z), 1[Z > 0])``: the paper's ReLU and its derivative, 0 at the kink (RULES N-3)."""
    return xp.where(Z > 0, Z, xp.zeros_like(Z)), xp.astype(Z > 0, Z.dtype)


def _gelu(xp: Any, Z: Array) -> tuple[Array, Array]:
    """``(GELU(Z), GELU′(Z))`` element-wise, through LAYER-9's :func:`~chainrule.analytic.layer.gelu` and
    :func:`~chainrule.analytic.layer.jac_gelu_x` (which take vectors: Z is flattened and restored)."""
    z = xp.reshape(Z, (-1,))
    return xp.reshape(ly.gelu(z), Z.shape), xp.reshape(ly.jac_gelu_x(z).diagonal(), Z.shape)


_ACTIVATIONS = {"relu": _relu, "gelu": _gelu}


def _forward(X: Array, W1: Array, b1: Array, W2: Array, b2: Array, act: str) -> Array:
    xp, X, W1, b1, W2, b2, _ = _block(X, W1, b1, W2, b2, None)
    H, _ = _ACTIVATIONS[act](xp, ly.dense_batch(W1, b1, X))
    return X + ly.dense_batch(W2, b2, H)


def _backward(X: Array, W1: Array, b1: Array, W2: Array, b2: Array, ct: Array, act: str) -> dict[str, Array]:
    """Every gradient of a block's backward pass, by name: LAYER-2's rules chained through the activation."""
    xp, X, W1, b1, W2, b2, ct = _block(X, W1, b1, W2, b2, ct)
    Z = ly.dense_batch(W1, b1, X)  # (N, h)
    H, dH_dZ = _ACTIVATIONS[act](xp, Z)  # (N, h) each
    dZ = ly.vjp_dense_batch_X(W2, b2, H, ct) * dH_dZ  # ∂L/∂Z = (Δ W2) ∘ act′(Z), (N, h)
    return {
        "W2": ly.vjp_dense_batch_W(W2, b2, H, ct),  # Δᵀ H, (d, h)
        "b2": ly.vjp_dense_batch_b(W2, b2, H, ct),  # Δᵀ 1⃗, (d,)
        "W1": ly.vjp_dense_batch_W(W1, b1, X, dZ),  # (∂L/∂Z)ᵀ X, (h, d)
        "b1": ly.vjp_dense_batch_b(W1, b1, X, dZ),  # (∂L/∂Z)ᵀ 1⃗, (h,)
        "X": ct + ly.vjp_dense_batch_X(W1, b1, X, dZ),  # skip path + (∂L/∂Z) W1, (N, d)
    }


# --- LAYER-15 / LAYER-16 shared: the output bias ----------------------------------------------------------


def vjp_block_b2(X: Array, W1: Array, b1: Array, W2: Array, b2: Array, ct: Array) -> Array:
    r"""∂L/∂b2 = Δᵀ 1⃗ = Σᵢ δᵢ for either block (residual and transformer MLP)   (LAYER-15, LAYER-16, beyond §8)

    b2 is the second affine layer's bias, added to every row after the activation, so its gradient is
    LAYER-2's bias rule whatever the activation: one function for both blocks. Shapes: X ``(N, d)``, W1
    ``(h, d)``, b1 ``(h,)``, W2 ``(d, h)``, b2 ``(d,)``, ct ``(N, d)``. Returns ``(d,)``. No kinks.

    >>> import numpy as np
    >>> W1, b1, W2, b2 = np.ones((3, 1)), np.zeros(3), np.ones((1, 3)), np.zeros(1)
    >>> vjp_block_b2(np.ones((2, 1)), W1, b1, W2, b2, np.array([[1.0], [2.0]]))
    array([3.])
    """
    return _backward(X, W1, b1, W2, b2, ct, "relu")["b2"]


def jac_block_b2(X: Array, W1: Array, b1: Array, W2: Array, b2: Array) -> Array:
    r"""∂Y/∂b2: entry (i, j, k) = ∂Yᵢⱼ/∂(b2)ₖ = δⱼₖ, I for every row, either block   (LAYER-15, LAYER-16, beyond §8)

    The output bias enters each row as in LAYER-2 (:func:`~chainrule.analytic.layer.jac_dense_batch_b`,
    which this calls with the hidden layer's shape ``(N, h)``), whatever the activation. Contracting it
    with Δ over its first two axes gives :func:`vjp_block_b2`. Shapes as :func:`vjp_block_b2`, without
    ct. Returns ``(N, d, d)`` = ``Y.shape + b2.shape``. No kinks.

    >>> import numpy as np
    >>> jac_block_b2(np.ones((3, 2)), np.ones((4, 2)), np.zeros(4), np.ones((2, 4)), np.zeros(2)).shape
    (3, 2, 2)
    """
    xp, X, W1, b1, W2, b2, _ = _block(X, W1, b1, W2, b2, None)
    return ly.jac_dense_batch_b(W2, b2, xp.zeros((X.shape[0], W1.shape[0]), dtype=X.dtype))


# --- LAYER-15 Residual block Y = X + relu(X W1ᵀ + 1⃗ b1ᵀ) W2ᵀ + 1⃗ b2ᵀ ------------------------------------


def residual_block(X: Array, W1: Array, b1: Array, W2: Array, b2: Array) -> Array:
    r"""Primal of LAYER-15: ``Y = X + max(0, X W1ᵀ + 1⃗ b1ᵀ) W2ᵀ + 1⃗ b2ᵀ``, ReLU as ``where(Z > 0, Z, 0)``.

    Row by row ``y = x + W2 relu(W1 x + b1) + b2``. Shapes: X ``(N, d)``, W1 ``(h, d)``, b1 ``(h,)``,
    W2 ``(d, h)``, b2 ``(d,)`` → ``(N, d)``.
    """
    return _forward(X, W1, b1, W2, b2, "relu")


def vjp_residual_block_X(X: Array, W1: Array, b1: Array, W2: Array, b2: Array, ct: Array) -> Array:
    r"""∂L/∂X = Δ + ((Δ W2) ∘ 1[Z > 0]) W1, Z = X W1ᵀ + 1⃗ b1ᵀ   (LAYER-15, beyond §8)

    Two paths reach X: the skip connection passes Δ unchanged (its Jacobian is I), and the branch
    passes it back through the second layer (``Δ W2``), the ReLU mask and the first layer (LAYER-2's
    ``∂L/∂X``). Shapes as :func:`vjp_block_b2`. Returns ``(N, d)``. Kink: a hidden unit with
    ``Zᵢⱼ = 0`` is inactive (derivative 0) and passes nothing; only the skip path remains.

    >>> import numpy as np
    >>> W1, b1, W2, b2 = np.array([[1.0], [-1.0]]), np.zeros(2), np.array([[2.0, 3.0]]), np.zeros(1)
    >>> vjp_residual_block_X(np.array([[1.0]]), W1, b1, W2, b2, np.array([[1.0]]))   # unit 2 inactive
    array([[3.]])
    """
    return _backward(X, W1, b1, W2, b2, ct, "relu")["X"]


def vjp_residual_block_W1(X: Array, W1: Array, b1: Array, W2: Array, b2: Array, ct: Array) -> Array:
    r"""∂L/∂W1 = ((Δ W2) ∘ 1[Z > 0])ᵀ X, Z = X W1ᵀ + 1⃗ b1ᵀ   (LAYER-15, beyond §8)

    The masked hidden gradient ``∂L/∂Z`` times the block's input, summed over the batch (LAYER-2's
    ``∂L/∂W``). Shapes as :func:`vjp_block_b2`. Returns ``(h, d)``, like W1. Kink: rows of inactive
    units (``Z = 0`` included) get nothing from that sample.

    >>> import numpy as np
    >>> W1, b1, W2, b2 = np.array([[1.0], [-1.0]]), np.zeros(2), np.array([[2.0, 3.0]]), np.zeros(1)
    >>> vjp_residual_block_W1(np.array([[1.0]]), W1, b1, W2, b2, np.array([[1.0]]))
    array([[2.],
           [0.]])
    """
    return _backward(X, W1, b1, W2, b2, ct, "relu")["W1"]


def vjp_residual_block_b1(X: Array, W1: Array, b1: Array, W2: Array, b2: Array, ct: Array) -> Array:
    r"""∂L/∂b1 = ((Δ W2) ∘ 1[Z > 0])ᵀ 1⃗, Z = X W1ᵀ + 1⃗ b1ᵀ   (LAYER-15, beyond §8)

    Shapes as :func:`vjp_block_b2`. Returns ``(h,)``. Kink: 0 for a unit with ``Z = 0`` in every sample.

    >>> import numpy as np
    >>> W1, b1, W2, b2 = np.array([[1.0], [-1.0]]), np.zeros(2), np.array([[2.0, 3.0]]), np.zeros(1)
    >>> vjp_residual_block_b1(np.array([[1.0]]), W1, b1, W2, b2, np.array([[1.0]]))
    array([2., 0.])
    """
    return _backward(X, W1, b1, W2, b2, ct, "relu")["b1"]


def vjp_residual_block_W2(X: Array, W1: Array, b1: Array, W2: Array, b2: Array, ct: Array) -> Array:
    r"""∂L/∂W2 = Δᵀ max(0, X W1ᵀ + 1⃗ b1ᵀ)   (LAYER-15, beyond §8)

    LAYER-2's ``∂L/∂W`` with the hidden activations ``H = relu(Z)`` as the second layer's input.
    ∂L/∂b2 is :func:`vjp_block_b2`. Shapes as :func:`vjp_block_b2`. Returns ``(d, h)``, like W2.
    Kink: at ``Z = 0`` the activation is 0 on both sides, so this is continuous there.

    >>> import numpy as np
    >>> W1, b1, W2, b2 = np.array([[1.0], [-1.0]]), np.zeros(2), np.array([[2.0, 3.0]]), np.zeros(1)
    >>> vjp_residual_block_W2(np.array([[2.0]]), W1, b1, W2, b2, np.array([[1.0]]))   # H = [2, 0]
    array([[2., 0.]])
    """
    return _backward(X, W1, b1, W2, b2, ct, "relu")["W2"]


# --- LAYER-16 Transformer MLP block Y = X + GELU(X W1ᵀ + 1⃗ b1ᵀ) W2ᵀ + 1⃗ b2ᵀ --------------------------------


def transformer_mlp(X: Array, W1: Array, b1: Array, W2: Array, b2: Array) -> Array:
    r"""Primal of LAYER-16: ``Y = X + GELU(X W1ᵀ + 1⃗ b1ᵀ) W2ᵀ + 1⃗ b2ᵀ`` over the T tokens (rows) of X.

    GELU in its tanh form (LAYER-9, :func:`chainrule.analytic.layer.gelu`), applied per token: tokens
    do not interact in this sublayer. Shapes: X ``(T, d)``, W1 ``(h, d)`` (often h = 4d), b1 ``(h,)``,
    W2 ``(d, h)``, b2 ``(d,)`` → ``(T, d)``.
    """
    return _forward(X, W1, b1, W2, b2, "gelu")


def vjp_transformer_mlp_X(X: Array, W1: Array, b1: Array, W2: Array, b2: Array, ct: Array) -> Array:
    r"""∂L/∂X = Δ + ((Δ W2) ∘ GELU′(Z)) W1, Z = X W1ᵀ + 1⃗ b1ᵀ   (LAYER-16, beyond §8)

    As the residual block's (LAYER-15) with the ReLU mask replaced by GELU′, LAYER-9's derivative
    (:func:`~chainrule.analytic.layer.jac_gelu_x`'s diagonal, evaluated entry by entry on Z). Each token's
    row depends only on its own row of X and Δ. Shapes as :func:`vjp_block_b2`, with ``T = N`` tokens.
    Returns ``(T, d)``. No kinks.

    >>> import numpy as np
    >>> W1, b1, W2, b2 = np.array([[1.0]]), np.zeros(1), np.array([[2.0]]), np.zeros(1)
    >>> vjp_transformer_mlp_X(np.array([[0.0]]), W1, b1, W2, b2, np.array([[1.0]]))   # 1 + 2·GELU′(0)
    array([[2.]])
    """
    return _backward(X, W1, b1, W2, b2, ct, "gelu")["X"]


def vjp_transformer_mlp_W1(X: Array, W1: Array, b1: Array, W2: Array, b2: Array, ct: Array) -> Array:
    r"""∂L/∂W1 = ((Δ W2) ∘ GELU′(Z))ᵀ X, Z = X W1ᵀ + 1⃗ b1ᵀ   (LAYER-16, beyond §8)

    Summed over the tokens, which share the weights. Shapes as :func:`vjp_block_b2`. Returns
    ``(h, d)``. No kinks.

    >>> import numpy as np
    >>> W1, b1, W2, b2 = np.array([[1.0]]), np.zeros(1), np.array([[2.0]]), np.zeros(1)
    >>> vjp_transformer_mlp_W1(np.array([[0.0], [3.0]]), W1, b1, W2, b2, np.array([[1.0], [0.0]]))
    array([[0.]])
    """
    return _backward(X, W1, b1, W2, b2, ct, "gelu")["W1"]


def vjp_transformer_mlp_b1(X: Array, W1: Array, b1: Array, W2: Array, b2: Array, ct: Array) -> Array:
    r"""∂L/∂b1 = ((Δ W2) ∘ GELU′(Z))ᵀ 1⃗, Z = X W1ᵀ + 1⃗ b1ᵀ   (LAYER-16, beyond §8)

    Shapes as :func:`vjp_block_b2`. Returns ``(h,)``. No kinks.

    >>> import numpy as np
    >>> W1, b1, W2, b2 = np.array([[1.0]]), np.zeros(1), np.array([[2.0]]), np.zeros(1)
    >>> vjp_transformer_mlp_b1(np.array([[0.0]]), W1, b1, W2, b2, np.array([[1.0]]))   # 2·GELU′(0)
    array([1.])
    """
    return _backward(X, W1, b1, W2, b2, ct, "gelu")["b1"]


def vjp_transformer_mlp_W2(X: Array, W1: Array, b1: Array, W2: Array, b2: Array, ct: Array) -> Array:
    r"""∂L/∂W2 = Δᵀ GELU(X W1ᵀ + 1⃗ b1ᵀ)   (LAYER-16, beyond §8)

    LAYER-2's ``∂L/∂W`` with the hidden activations as input; ∂L/∂b2 is :func:`vjp_block_b2`. Shapes as
    :func:`vjp_block_b2`. Returns ``(d, h)``. No kinks.

    >>> import numpy as np
    >>> W1, b1, W2, b2 = np.array([[1.0]]), np.zeros(1), np.array([[2.0]]), np.zeros(1)
    >>> vjp_transformer_mlp_W2(np.array([[0.0]]), W1, b1, W2, b2, np.array([[1.0]]))   # GELU(0) = 0
    array([[0.]])
    """
    return _backward(X, W1, b1, W2, b2, ct, "gelu")["W2"]
