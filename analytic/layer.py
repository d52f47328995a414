r"""Beyond §8: whole layers. Affine and ReLU layers, a two-layer MLP's backpropagation, activations.

The paper stops at one neuron ``max(0, w·x + b)``; a layer stacks ``m`` of them: the weight vector
becomes a matrix ``W`` of shape ``(m, n)`` (row ``i`` is neuron ``i``'s ``wᵢᵀ``), the bias a vector
``b`` of shape ``(m,)``, and the output ``y = Wx + b`` a vector of shape ``(m,)``.

Backpropagation asks for vector-Jacobian products, not Jacobians: given the upstream gradient
``δ = ∂L/∂y`` (the cotangent, argument ``ct``, shaped like ``y``) of some scalar loss ``L``, the
``vjp_*`` functions return ``∂L/∂W = δ xᵀ``, ``∂L/∂x = Wᵀ δ`` and ``∂L/∂b = δ``, each shaped like its
argument. Their catalog records check them as the gradient of ``L = δ·y`` (``δ`` held fixed), which is
exactly what a backward pass computes.

IDs (not in RULES.md; this module's own scheme, origin "extension"):

* ``LAYER-1`` affine layer ``y = Wx + b`` (Jacobians and backward pass);
* ``LAYER-2`` batched affine layer ``Y = X Wᵀ + 1⃗ bᵀ`` (samples as rows);
* ``LAYER-3`` ReLU layer ``h = max(0, Wx + b)``;
* ``LAYER-4`` two-layer MLP, every parameter's gradient by hand;
* ``LAYER-5`` … ``LAYER-9`` activations: sigmoid, tanh, softplus, leaky ReLU, GELU (tanh form).

Layout: numerator (DESIGN.md). A Jacobian has shape ``out.shape + in.shape``, so ``∂(Wx + b)/∂W`` has
shape ``(m, m, n)``; a gradient is shaped like its argument (``∂L/∂W`` is ``(m, n)``, like ``W``).
Element-wise activations have diagonal Jacobians, returned as
:class:`~chainrule.analytic.structured.Diagonal` (O(n)).

Kink conventions: ReLU ``d/dz max(0, z) = 0`` at ``z = 0`` (the paper's, RULES N-3); leaky ReLU
``d/dz = α`` at ``z = 0`` (the ``z ≤ 0`` branch, like ReLU; ``jax.nn.leaky_relu`` takes 1 there).
Primals use ``where(z > 0, …)`` so JAX differentiates them to the same value at the kink.

References:
  T. Parr and J. Howard, "The Matrix Calculus You Need For Deep Learning", arXiv:1802.01528, §5–§8.
  D. Hendrycks and K. Gimpel, "Gaussian Error Linear Units (GELUs)", arXiv:1606.08415 (tanh form).
"""

from __future__ import annotations

import math
from typing import Any

from ._array import inputs, require_ndim
from .structured import Diagonal, ScaledIdentity, identity_like

__all__ = [
    "dense",
    "dense_batch",
    "gelu",
    "grad_mlp_loss_W1",
    "grad_mlp_loss_W2",
    "grad_mlp_loss_X",
    "grad_mlp_loss_b1",
    "grad_mlp_loss_b2",
    "jac_dense_W",
    "jac_dense_b",
    "jac_dense_batch_b",
    "jac_dense_x",
    "jac_gelu_x",
    "jac_leaky_relu_x",
    "jac_relu_layer_x",
    "jac_sigmoid_x",
    "jac_softplus_x",
    "jac_tanh_x",
    "leaky_relu",
    "mlp_loss",
    "relu_layer",
    "sigmoid",
    "softplus",
    "tanh",
    "vjp_dense_W",
    "vjp_dense_b",
    "vjp_dense_batch_W",
    "vjp_dense_batch_X",
    "vjp_dense_batch_b",
    "vjp_dense_x",
    "vjp_relu_layer_W",
    "vjp_relu_layer_b",
    "vjp_relu_layer_x",
]

Array = Any

#: √(2/π) and the cubic coefficient of GELU's tanh approximation (Hendrycks & Gimpel).
_GELU_C = math.sqrt(2.0 / math.pi)
_GELU_A = 0.044715


# --- helpers -------------------------------------------------------------------------------------


def _layer(W: Array, b: Array, x: Array) -> tuple[Any, Array, Array, Array]:
    """Validate one layer's arguments: W (m, n), b (m,), x (n,)."""
    xp, (W, b, x) = inputs(W=W, b=b, x=x)
    return (xp, *_check_layer(W, b, x))


def _layer_ct(W: Array, b: Array, x: Array, ct: Array) -> tuple[Any, Array, Array, Array, Array]:
    """Validate a layer's arguments and the upstream gradient ct = ∂L/∂y, shape (m,)."""
    xp, (W, b, x, ct) = inputs(W=W, b=b, x=x, ct=ct)
    W, b, x = _check_layer(W, b, x)
    _cotangent(ct, (W.shape[0],), "y")
    return xp, W, b, x, ct


def _check_layer(W: Array, b: Array, x: Array) -> tuple[Array, Array, Array]:
    require_ndim("W", W, 2, "a weight matrix W of shape (m, n), one row per neuron")
    require_ndim("b", b, 1, "a bias vector b of shape (m,)")
    require_ndim("x", x, 1, "an input vector x of shape (n,)")
    if b.shape[0] != W.shape[0]:
        raise ValueError(
            f"b has length {b.shape[0]} but W has {W.shape[0]} rows (shape {tuple(W.shape)}); "
            "a layer needs one bias per neuron (row of W)"
        )
    if x.shape[0] != W.shape[1]:
        raise ValueError(
            f"x has length {x.shape[0]} but W has {W.shape[1]} columns (shape {tuple(W.shape)}); "
            "Wx needs len(x) = number of columns of W"
        )
    return W, b, x


def _cotangent(ct: Array, shape: tuple[int, ...], what: str) -> None:
    if tuple(ct.shape) != tuple(shape):
        raise ValueError(
            f"ct: expected the upstream gradient ∂L/∂{what} shaped like {what}, {tuple(shape)}, "
            f"got {tuple(ct.shape)}; pass one cotangent entry per output entry"
        )


def _batch(W: Array, b: Array, X: Array, ct: Array | None) -> tuple[Any, Array, Array, Array, Array]:
    """Validate a batched layer: W (m, n), b (m,), X (N, n), and its upstream gradient ct (N, m)."""
    if ct is None:
        xp, (W, b, X) = inputs(W=W, b=b, X=X)
    else:
        xp, (W, b, X, ct) = inputs(W=W, b=b, X=X, ct=ct)
    require_ndim("W", W, 2, "a weight matrix W of shape (m, n), one row per neuron")
    require_ndim("b", b, 1, "a bias vector b of shape (m,)")
    require_ndim("X", X, 2, "a batch X of shape (N, n), samples as rows")
    if b.shape[0] != W.shape[0]:
        raise ValueError(
            f"b has length {b.shape[0]} but W has {W.shape[0]} rows (shape {tuple(W.shape)}); "
            "a layer needs one bias per neuron (row of W)"
        )
    if X.shape[1] != W.shape[1]:
        raise ValueError(
            f"X has {X.shape[1]} features per sample (shape {tuple(X.shape)}) but W has {W.shape[1]} "
            f"columns (shape {tuple(W.shape)}); they must match"
        )
    if ct is not None:
        _cotangent(ct, (X.shape[0], W.shape[0]), "Y")
    return xp, W, b, X, ct


def _vector(x: Array) -> tuple[Any, Array]:
    xp, (x,) = inputs(x=x)
    require_ndim("x", x, 1, "a vector x ∈ Rⁿ (the activations act element-wise)")
    return xp, x


def _sigmoid(xp: Any, x: Array) -> Array:
    """σ(x) = 1/(1 + e⁻ˣ), computed as exp(−log(1 + e⁻ˣ)): no overflow, smooth everywhere."""
    return xp.exp(-xp.logaddexp(xp.zeros_like(x), -x))


# --- LAYER-1 Affine layer y = Wx + b ----------------------------------------------------------------


def dense(W: Array, b: Array, x: Array) -> Array:
    r"""Primal of LAYER-1: ``y = Wx + b``. Shapes: W ``(m, n)``, b ``(m,)``, x ``(n,)`` → ``(m,)``."""
    _xp, W, b, x = _layer(W, b, x)
    return W @ x + b


def jac_dense_x(W: Array, b: Array, x: Array) -> Array:
    r"""∂(Wx + b)/∂x = W   (LAYER-1, beyond §8; Matrix Cookbook (69) row by row)

    Row i of ``Wx`` is ``wᵢ·x``, whose gradient is ``wᵢᵀ`` (RULES N-1), so the Jacobian stacks the rows
    of W. Shapes: W ``(m, n)``, b ``(m,)``, x ``(n,)``. Returns W itself, shape ``(m, n)`` (numerator
    layout). No kinks.

    >>> import numpy as np
    >>> jac_dense_x(np.array([[1.0, 2.0]]), np.zeros(1), np.ones(2))
    array([[1., 2.]])
    """
    xp, W, b, x = _layer(W, b, x)
    return W + xp.zeros_like(W)


def jac_dense_b(W: Array, b: Array, x: Array) -> ScaledIdentity:
    r"""∂(Wx + b)/∂b = I   (LAYER-1, beyond §8)

    Shapes as :func:`jac_dense_x`. Returns a :class:`~chainrule.analytic.structured.ScaledIdentity` of shape
    ``(m, m)``. No kinks.

    >>> import numpy as np
    >>> jac_dense_b(np.ones((2, 3)), np.zeros(2), np.ones(3)).shape
    (2, 2)
    """
    _xp, W, b, x = _layer(W, b, x)
    return identity_like(b)


def jac_dense_W(W: Array, b: Array, x: Array) -> Array:
    r"""∂(Wx + b)/∂W: entry ``(i, j, k) = ∂yᵢ/∂W_jk = δᵢⱼ x_k``   (LAYER-1, beyond §8)

    Output i depends only on row i of W, through ``wᵢ·x``. The Jacobian of a vector with respect to a
    matrix is a 3-d array, shape ``(m, m, n)`` = ``y.shape + W.shape`` (numerator layout): O(m²n) memory,
    which is why backpropagation uses :func:`vjp_dense_W` instead. No kinks.

    >>> import numpy as np
    >>> jac_dense_W(np.ones((2, 2)), np.zeros(2), np.array([3.0, 4.0]))[1]
    array([[0., 0.],
           [3., 4.]])
    """
    xp, W, b, x = _layer(W, b, x)
    m = W.shape[0]
    return xp.eye(m, dtype=W.dtype)[:, :, None] * x[None, None, :]


def vjp_dense_W(W: Array, b: Array, x: Array, ct: Array) -> Array:
    r"""∂L/∂W = δ xᵀ for y = Wx + b, with δ = ∂L/∂y the cotangent ``ct``   (LAYER-1, beyond §8)

    ``∂L/∂W_jk = Σᵢ δᵢ ∂yᵢ/∂W_jk = Σᵢ δᵢ δᵢⱼ x_k = δⱼ x_k``: the outer product of the upstream gradient
    and the layer's input. Shapes: W ``(m, n)``, b ``(m,)``, x ``(n,)``, ct ``(m,)``. Returns ``(m, n)``,
    shaped like W. No kinks.

    >>> import numpy as np
    >>> vjp_dense_W(np.ones((2, 2)), np.zeros(2), np.array([3.0, 4.0]), np.array([1.0, -1.0]))
    array([[ 3.,  4.],
           [-3., -4.]])
    """
    _xp, W, b, x, ct = _layer_ct(W, b, x, ct)
    return ct[:, None] * x[None, :]


def vjp_dense_x(W: Array, b: Array, x: Array, ct: Array) -> Array:
    r"""∂L/∂x = Wᵀ δ for y = Wx + b   (LAYER-1, beyond §8)

    ``δᵀ (∂y/∂x) = δᵀ W``, written as the column ``Wᵀ δ``: the gradient passed to the layer below.
    Shapes as :func:`vjp_dense_W`. Returns ``(n,)``, shaped like x. No kinks.

    >>> import numpy as np
    >>> vjp_dense_x(np.array([[1.0, 2.0], [3.0, 4.0]]), np.zeros(2), np.ones(2), np.array([1.0, 1.0]))
    array([4., 6.])
    """
    _xp, W, b, x, ct = _layer_ct(W, b, x, ct)
    return ct @ W


def vjp_dense_b(W: Array, b: Array, x: Array, ct: Array) -> Array:
    r"""∂L/∂b = δ for y = Wx + b   (LAYER-1, beyond §8)

    ``δᵀ I = δᵀ``. Shapes as :func:`vjp_dense_W`. Returns ``(m,)``, shaped like b. No kinks.

    >>> import numpy as np
    >>> vjp_dense_b(np.ones((2, 3)), np.zeros(2), np.ones(3), np.array([0.5, 2.0]))
    array([0.5, 2. ])
    """
    xp, W, b, x, ct = _layer_ct(W, b, x, ct)
    return ct + xp.zeros_like(b)


# --- LAYER-2 Batched affine layer Y = X Wᵀ + 1⃗ bᵀ ----------------------------------------------------


def dense_batch(W: Array, b: Array, X: Array) -> Array:
    r"""Primal of LAYER-2: ``Y = X Wᵀ + 1⃗ bᵀ``, row i is ``W xᵢ + b``.

    Shapes: W ``(m, n)``, b ``(m,)``, X ``(N, n)`` (samples as rows) → Y ``(N, m)``.
    """
    _xp, W, b, X, _ = _batch(W, b, X, None)
    return X @ W.T + b[None, :]


def jac_dense_batch_b(W: Array, b: Array, X: Array) -> Array:
    r"""∂(X Wᵀ + 1⃗ bᵀ)/∂b: entry ``(i, j, k) = ∂Y_ij/∂b_k = δⱼₖ``, i.e. I for every sample   (LAYER-2)

    The bias is broadcast to every row, so each sample's block of the Jacobian is the identity.
    Shapes: W ``(m, n)``, b ``(m,)``, X ``(N, n)``. Returns ``(N, m, m)`` = ``Y.shape + b.shape``.
    Contracting it with an upstream ``Δ`` over its first two axes gives :func:`vjp_dense_batch_b`.
    No kinks.

    >>> import numpy as np
    >>> jac_dense_batch_b(np.ones((2, 1)), np.zeros(2), np.ones((3, 1))).shape
    (3, 2, 2)
    """
    xp, W, b, X, _ = _batch(W, b, X, None)
    return xp.ones((X.shape[0], 1, 1), dtype=b.dtype) * xp.eye(b.shape[0], dtype=b.dtype)[None, :, :]


def vjp_dense_batch_W(W: Array, b: Array, X: Array, ct: Array) -> Array:
    r"""∂L/∂W = Δᵀ X = Σᵢ δᵢ xᵢᵀ for Y = X Wᵀ + 1⃗ bᵀ, with Δ = ∂L/∂Y the cotangent ``ct``   (LAYER-2)

    W is shared by every sample, so its gradient sums LAYER-1's ``δᵢ xᵢᵀ`` over the batch: one matrix
    product. Shapes: W ``(m, n)``, b ``(m,)``, X ``(N, n)``, ct ``(N, m)``. Returns ``(m, n)``.
    No kinks.

    >>> import numpy as np
    >>> vjp_dense_batch_W(np.ones((1, 2)), np.zeros(1), np.array([[1.0, 2.0], [3.0, 4.0]]), np.ones((2, 1)))
    array([[4., 6.]])
    """
    _xp, W, b, X, ct = _batch(W, b, X, ct)
    return ct.T @ X


def vjp_dense_batch_X(W: Array, b: Array, X: Array, ct: Array) -> Array:
    r"""∂L/∂X = Δ W for Y = X Wᵀ + 1⃗ bᵀ   (LAYER-2)

    Row i is LAYER-1's ``Wᵀ δᵢ``, written as a row. Shapes as :func:`vjp_dense_batch_W`. Returns
    ``(N, n)``, shaped like X. No kinks.

    >>> import numpy as np
    >>> vjp_dense_batch_X(np.array([[1.0, 2.0]]), np.zeros(1), np.ones((2, 2)), np.array([[1.0], [-1.0]]))
    array([[ 1.,  2.],
           [-1., -2.]])
    """
    _xp, W, b, X, ct = _batch(W, b, X, ct)
    return ct @ W


def vjp_dense_batch_b(W: Array, b: Array, X: Array, ct: Array) -> Array:
    r"""∂L/∂b = Δᵀ 1⃗ = Σᵢ δᵢ for Y = X Wᵀ + 1⃗ bᵀ   (LAYER-2)

    The bias is broadcast to every sample, so its gradient sums over the batch (RULES X-1's scalar
    expansion, one level up). Shapes as :func:`vjp_dense_batch_W`. Returns ``(m,)``. No kinks.

    >>> import numpy as np
    >>> vjp_dense_batch_b(np.ones((2, 1)), np.zeros(2), np.ones((3, 1)), np.ones((3, 2)))
    array([3., 3.])
    """
    xp, W, b, X, ct = _batch(W, b, X, ct)
    return xp.sum(ct, axis=0)


# --- LAYER-3 ReLU layer h = max(0, Wx + b) ----------------------------------------------------------


def relu_layer(W: Array, b: Array, x: Array) -> Array:
    r"""Primal of LAYER-3: ``h = max(0, Wx + b)`` element-wise, written ``where(z > 0, z, 0)``.

    Shapes: W ``(m, n)``, b ``(m,)``, x ``(n,)`` → ``(m,)``.
    """
    xp, W, b, x = _layer(W, b, x)
    z = W @ x + b
    return xp.where(z > 0, z, xp.zeros_like(z))


def _active(xp: Any, z: Array) -> Array:
    """``1[z > 0]`` in z's dtype: ReLU's derivative, 0 at the kink (RULES N-3)."""
    return xp.astype(z > 0, z.dtype)


def jac_relu_layer_x(W: Array, b: Array, x: Array) -> Array:
    r"""∂max(0, Wx + b)/∂x = diag(1[z > 0]) W, z = Wx + b   (LAYER-3, beyond §8)

    Chain rule: the ReLU's diagonal Jacobian (RULES N-4) times the affine layer's W (LAYER-1), i.e. W
    with the rows of inactive neurons zeroed. Shapes: W ``(m, n)``, b ``(m,)``, x ``(n,)``. Returns
    ``(m, n)``. Kink: row i is 0 when ``zᵢ = 0``.

    >>> import numpy as np
    >>> jac_relu_layer_x(np.array([[1.0, 2.0], [-1.0, -2.0]]), np.zeros(2), np.ones(2))
    array([[ 1.,  2.],
           [-0., -0.]])
    """
    xp, W, b, x = _layer(W, b, x)
    return Diagonal(_active(xp, W @ x + b)) @ W


def vjp_relu_layer_W(W: Array, b: Array, x: Array, ct: Array) -> Array:
    r"""∂L/∂W = (δ ⊙ 1[z > 0]) xᵀ for h = max(0, Wx + b), δ = ∂L/∂h   (LAYER-3, beyond §8)

    Backprop through the ReLU masks the upstream gradient (``δ_z = δ ⊙ 1[z > 0]``), then LAYER-1 gives
    ``δ_z xᵀ``. Shapes: W ``(m, n)``, b ``(m,)``, x ``(n,)``, ct ``(m,)``. Returns ``(m, n)``.
    Kink: an inactive neuron (``zᵢ ≤ 0``) gets a zero row.

    >>> import numpy as np
    >>> vjp_relu_layer_W(np.array([[1.0], [-1.0]]), np.zeros(2), np.array([2.0]), np.ones(2))
    array([[2.],
           [0.]])
    """
    xp, W, b, x, ct = _layer_ct(W, b, x, ct)
    delta_z = ct * _active(xp, W @ x + b)
    return delta_z[:, None] * x[None, :]


def vjp_relu_layer_b(W: Array, b: Array, x: Array, ct: Array) -> Array:
    r"""∂L/∂b = δ ⊙ 1[z > 0] for h = max(0, Wx + b)   (LAYER-3, beyond §8)

    Shapes as :func:`vjp_relu_layer_W`. Returns ``(m,)``. Kink: 0 where ``zᵢ = 0``.

    >>> import numpy as np
    >>> vjp_relu_layer_b(np.array([[1.0], [-1.0]]), np.zeros(2), np.array([2.0]), np.array([3.0, 3.0]))
    array([3., 0.])
    """
    xp, W, b, x, ct = _layer_ct(W, b, x, ct)
    return ct * _active(xp, W @ x + b)


def vjp_relu_layer_x(W: Array, b: Array, x: Array, ct: Array) -> Array:
    r"""∂L/∂x = Wᵀ (δ ⊙ 1[z > 0]) for h = max(0, Wx + b)   (LAYER-3, beyond §8)

    Shapes as :func:`vjp_relu_layer_W`. Returns ``(n,)``. Kink: inactive neurons pass nothing back.

    >>> import numpy as np
    >>> vjp_relu_layer_x(np.array([[1.0, 2.0], [-1.0, 5.0]]), np.zeros(2), np.array([1.0, 0.0]), np.ones(2))
    array([1., 2.])
    """
    xp, W, b, x, ct = _layer_ct(W, b, x, ct)
    return (ct * _active(xp, W @ x + b)) @ W


# --- LAYER-4 Two-layer MLP ----------------------------------------------------------------------------


def _mlp(W1: Array, b1: Array, W2: Array, b2: Array, X: Array, Y: Array) -> tuple[Any, list[Array]]:
    xp, arrays = inputs(W1=W1, b1=b1, W2=W2, b2=b2, X=X, Y=Y)
    W1, b1, W2, b2, X, Y = arrays
    require_ndim("W1", W1, 2, "the first layer's weights, shape (h, n)")
    require_ndim("b1", b1, 1, "the first layer's bias, shape (h,)")
    require_ndim("W2", W2, 2, "the second layer's weights, shape (k, h)")
    require_ndim("b2", b2, 1, "the second layer's bias, shape (k,)")
    require_ndim("X", X, 2, "the inputs X, shape (N, n), samples as rows")
    require_ndim("Y", Y, 2, "the targets Y, shape (N, k), samples as rows")
    h, n = W1.shape
    k = W2.shape[0]
    N = X.shape[0]
    expected = {"b1": (h,), "W2": (k, h), "b2": (k,), "X": (N, n), "Y": (N, k)}
    for name, a in zip(("b1", "W2", "b2", "X", "Y"), (b1, W2, b2, X, Y), strict=True):
        if tuple(a.shape) != expected[name]:
            raise ValueError(
                f"{name}: expected shape {expected[name]} for W1 {tuple(W1.shape)} (h = {h} hidden, "
                f"n = {n} inputs), W2 with k = {k} outputs and N = {N} samples, got {tuple(a.shape)}"
            )
    if N == 0:
        raise ValueError("X: expected at least one sample (N ≥ 1); the mean over N is undefined")
    return xp, arrays


def mlp_loss(W1: Array, b1: Array, W2: Array, b2: Array, X: Array, Y: Array) -> Array:
    r"""Primal of LAYER-4: ``L = (1/N) Σᵢ ‖W2 max(0, W1 xᵢ + b1) + b2 − yᵢ‖²``.

    Forward pass over the batch: ``Z1 = X W1ᵀ + 1⃗ b1ᵀ``, ``H = max(0, Z1)``, ``Ŷ = H W2ᵀ + 1⃗ b2ᵀ``,
    ``L = (1/N) Σᵢⱼ (Ŷ − Y)ᵢⱼ²``. With one output (k = 1) and no hidden layer this is the paper's §6 cost.
    Shapes: W1 ``(h, n)``, b1 ``(h,)``, W2 ``(k, h)``, b2 ``(k,)``, X ``(N, n)``, Y ``(N, k)`` → ``()``.
    """
    xp, (W1, b1, W2, b2, X, Y) = _mlp(W1, b1, W2, b2, X, Y)
    Z1 = X @ W1.T + b1[None, :]
    H = xp.where(Z1 > 0, Z1, xp.zeros_like(Z1))
    E = H @ W2.T + b2[None, :] - Y
    return xp.sum(E * E) / X.shape[0]


def _backprop(W1: Array, b1: Array, W2: Array, b2: Array, X: Array, Y: Array) -> dict[str, Array]:
    """The backward pass of :func:`mlp_loss`, written out; returns every gradient by name."""
    xp, (W1, b1, W2, b2, X, Y) = _mlp(W1, b1, W2, b2, X, Y)
    N = X.shape[0]
    # forward
    Z1 = X @ W1.T + b1[None, :]  # (N, h)
    H = xp.where(Z1 > 0, Z1, xp.zeros_like(Z1))  # (N, h)
    E = H @ W2.T + b2[None, :] - Y  # (N, k): Ŷ − Y
    # backward
    D2 = (2.0 / N) * E  # ∂L/∂Ŷ, (N, k)
    grad_W2 = D2.T @ H  # (k, h): LAYER-2 with input H
    grad_b2 = xp.sum(D2, axis=0)  # (k,)
    D1 = (D2 @ W2) * xp.astype(Z1 > 0, Z1.dtype)  # ∂L/∂Z1 = (∂L/∂H) ⊙ 1[Z1 > 0], (N, h)
    grad_W1 = D1.T @ X  # (h, n)
    grad_b1 = xp.sum(D1, axis=0)  # (h,)
    grad_X = D1 @ W1  # (N, n)
    return {"W1": grad_W1, "b1": grad_b1, "W2": grad_W2, "b2": grad_b2, "X": grad_X}


def grad_mlp_loss_W2(W1: Array, b1: Array, W2: Array, b2: Array, X: Array, Y: Array) -> Array:
    r"""∂L/∂W2 = Δ2ᵀ H, Δ2 = (2/N)(Ŷ − Y), H = max(0, X W1ᵀ + 1⃗ b1ᵀ)   (LAYER-4, beyond §8)

    The output layer is a batched affine layer (LAYER-2) with input H and upstream gradient
    ``Δ2 = ∂L/∂Ŷ = (2/N)(Ŷ − Y)``. Shapes as :func:`mlp_loss`; returns ``(k, h)``, like W2.
    Kink: hidden units with ``Z1 = 0`` output 0 (the paper's ReLU convention).

    >>> import numpy as np
    >>> W1, b1, W2, b2 = np.eye(2), np.zeros(2), np.ones((1, 2)), np.zeros(1)
    >>> grad_mlp_loss_W2(W1, b1, W2, b2, np.array([[1.0, -1.0]]), np.zeros((1, 1)))   # H = [1, 0], Ŷ − Y = 1
    array([[2., 0.]])
    """
    return _backprop(W1, b1, W2, b2, X, Y)["W2"]


def grad_mlp_loss_b2(W1: Array, b1: Array, W2: Array, b2: Array, X: Array, Y: Array) -> Array:
    r"""∂L/∂b2 = Δ2ᵀ 1⃗ = (2/N) Σᵢ (ŷᵢ − yᵢ)   (LAYER-4, beyond §8)

    Shapes as :func:`mlp_loss`; returns ``(k,)``. Kink: as :func:`grad_mlp_loss_W2`.

    >>> import numpy as np
    >>> W1, b1, W2, b2 = np.eye(2), np.zeros(2), np.ones((1, 2)), np.zeros(1)
    >>> grad_mlp_loss_b2(W1, b1, W2, b2, np.array([[1.0, -1.0]]), np.zeros((1, 1)))
    array([2.])
    """
    return _backprop(W1, b1, W2, b2, X, Y)["b2"]


def grad_mlp_loss_W1(W1: Array, b1: Array, W2: Array, b2: Array, X: Array, Y: Array) -> Array:
    r"""∂L/∂W1 = Δ1ᵀ X, Δ1 = (Δ2 W2) ⊙ 1[Z1 > 0]   (LAYER-4, beyond §8)

    Backpropagation: the output layer passes ``∂L/∂H = Δ2 W2`` down (LAYER-2's ``∂L/∂X``), the ReLU
    masks it (``Δ1 = ∂L/∂Z1``, LAYER-3), and the first layer turns it into ``Δ1ᵀ X``.
    Shapes as :func:`mlp_loss`; returns ``(h, n)``, like W1. Kink: a hidden unit with ``Z1 = 0`` is
    inactive and passes no gradient.

    >>> import numpy as np
    >>> W1, b1, W2, b2 = np.eye(2), np.zeros(2), np.ones((1, 2)), np.zeros(1)
    >>> grad_mlp_loss_W1(W1, b1, W2, b2, np.array([[1.0, -1.0]]), np.zeros((1, 1)))
    array([[ 2., -2.],
           [ 0.,  0.]])
    """
    return _backprop(W1, b1, W2, b2, X, Y)["W1"]


def grad_mlp_loss_b1(W1: Array, b1: Array, W2: Array, b2: Array, X: Array, Y: Array) -> Array:
    r"""∂L/∂b1 = Δ1ᵀ 1⃗, Δ1 = (Δ2 W2) ⊙ 1[Z1 > 0]   (LAYER-4, beyond §8)

    Shapes as :func:`mlp_loss`; returns ``(h,)``. Kink: as :func:`grad_mlp_loss_W1`.

    >>> import numpy as np
    >>> W1, b1, W2, b2 = np.eye(2), np.zeros(2), np.ones((1, 2)), np.zeros(1)
    >>> grad_mlp_loss_b1(W1, b1, W2, b2, np.array([[1.0, -1.0]]), np.zeros((1, 1)))
    array([2., 0.])
    """
    return _backprop(W1, b1, W2, b2, X, Y)["b1"]


def grad_mlp_loss_X(W1: Array, b1: Array, W2: Array, b2: Array, X: Array, Y: Array) -> Array:
    r"""∂L/∂X = Δ1 W1   (LAYER-4, beyond §8: the input gradient, as for adversarial examples)

    Shapes as :func:`mlp_loss`; returns ``(N, n)``, like X. Kink: as :func:`grad_mlp_loss_W1`.

    >>> import numpy as np
    >>> W1, b1, W2, b2 = np.eye(2), np.zeros(2), np.ones((1, 2)), np.zeros(1)
    >>> grad_mlp_loss_X(W1, b1, W2, b2, np.array([[1.0, -1.0]]), np.zeros((1, 1)))
    array([[2., 0.]])
    """
    return _backprop(W1, b1, W2, b2, X, Y)["X"]


# --- LAYER-5 … LAYER-9 Activations (element-wise: diagonal Jacobians, RULES E-2) -------------------


def sigmoid(x: Array) -> Array:
    r"""Primal of LAYER-5: ``σ(x) = 1/(1 + e⁻ˣ)`` element-wise (computed without overflow)

    Shapes: x ``(n,)`` → ``(n,)`` (a vector: the Jacobians are n × n; apply it to other shapes by flattening).
    """
    xp, x = _vector(x)
    return _sigmoid(xp, x)


def jac_sigmoid_x(x: Array) -> Diagonal:
    r"""∂σ(x)/∂x = diag(σ(x) ⊙ (1 − σ(x)))   (LAYER-5, beyond §8)

    ``σ' = e⁻ˣ/(1 + e⁻ˣ)² = σ(1 − σ)``. Shapes: x ``(n,)``; returns a Diagonal ``(n, n)``. No kinks.

    >>> import numpy as np
    >>> jac_sigmoid_x(np.array([0.0])).diagonal()
    array([0.25])
    """
    xp, x = _vector(x)
    s = _sigmoid(xp, x)
    return Diagonal(s * (1.0 - s))


def tanh(x: Array) -> Array:
    r"""Primal of LAYER-6: ``tanh(x)`` element-wise; any shape → the same shape."""
    xp, x = _vector(x)
    return xp.tanh(x)


def jac_tanh_x(x: Array) -> Diagonal:
    r"""∂tanh(x)/∂x = diag(1 − tanh²(x))   (LAYER-6, beyond §8)

    Shapes: x ``(n,)``; returns a Diagonal ``(n, n)``. No kinks.

    >>> import numpy as np
    >>> jac_tanh_x(np.array([0.0])).diagonal()
    array([1.])
    """
    xp, x = _vector(x)
    t = xp.tanh(x)
    return Diagonal(1.0 - t * t)


def softplus(x: Array) -> Array:
    r"""Primal of LAYER-7: ``softplus(x) = log(1 + eˣ)`` element-wise, computed as ``logaddexp(0, x)``

    Shapes: x ``(n,)`` → ``(n,)`` (a vector: the Jacobians are n × n; apply it to other shapes by flattening).
    """
    xp, x = _vector(x)
    return xp.logaddexp(xp.zeros_like(x), x)


def jac_softplus_x(x: Array) -> Diagonal:
    r"""∂softplus(x)/∂x = diag(σ(x))   (LAYER-7, beyond §8)

    ``d/dx log(1 + eˣ) = eˣ/(1 + eˣ) = σ(x)``: softplus is the smooth ReLU and its derivative the
    smooth step. Shapes: x ``(n,)``; returns a Diagonal ``(n, n)``. No kinks.

    >>> import numpy as np
    >>> jac_softplus_x(np.array([0.0])).diagonal()
    array([0.5])
    """
    xp, x = _vector(x)
    return Diagonal(_sigmoid(xp, x))


def leaky_relu(x: Array, alpha: float = 0.01) -> Array:
    r"""Primal of LAYER-8: ``leaky_relu(x) = x if x > 0 else αx``, written ``where(x > 0, x, αx)``

    Shapes: x ``(n,)`` → ``(n,)`` (a vector: the Jacobians are n × n; apply it to other shapes by flattening).
    """
    xp, x = _vector(x)
    _check_alpha(alpha)
    return xp.where(x > 0, x, alpha * x)


def _check_alpha(alpha: float) -> None:
    if not isinstance(alpha, (int, float)) or isinstance(alpha, bool) or not 0 <= alpha < 1:
        raise ValueError(f"alpha: expected the negative slope as a float in [0, 1), got {alpha!r}")


def jac_leaky_relu_x(x: Array, alpha: float = 0.01) -> Diagonal:
    r"""∂leaky_relu(x)/∂x = diag({1 if xᵢ > 0; α if xᵢ ≤ 0})   (LAYER-8, beyond §8)

    Shapes: x ``(n,)``, α a Python float in [0, 1). Returns a Diagonal ``(n, n)``.
    Kink: **α at xᵢ = 0** (the ``≤ 0`` branch, as for the paper's ReLU, so α = 0 gives ReLU's 0; PyTorch
    agrees). Note ``jax.nn.leaky_relu`` is ``where(x >= 0, …)`` and differentiates to 1 at 0; this
    module's primal uses ``x > 0`` so that JAX's check agrees with the convention.

    >>> import numpy as np
    >>> jac_leaky_relu_x(np.array([-1.0, 0.0, 2.0]), alpha=0.1).diagonal()
    array([0.1, 0.1, 1. ])
    """
    xp, x = _vector(x)
    _check_alpha(alpha)
    return Diagonal(xp.where(x > 0, xp.ones_like(x), xp.full_like(x, alpha)))


def gelu(x: Array) -> Array:
    r"""Primal of LAYER-9: GELU, tanh form: ``½ x (1 + tanh(√(2/π)(x + 0.044715 x³)))`` element-wise

    Shapes: x ``(n,)`` → ``(n,)`` (a vector: the Jacobians are n × n; apply it to other shapes by flattening).
    """
    xp, x = _vector(x)
    return 0.5 * x * (1.0 + xp.tanh(_GELU_C * (x + _GELU_A * x * x * x)))


def jac_gelu_x(x: Array) -> Diagonal:
    r"""∂gelu(x)/∂x = diag(½(1 + t) + ½x(1 − t²)c(1 + 3·0.044715x²)), t = tanh(c(x + 0.044715x³)), c = √(2/π)  (LAYER-9)

    Beyond §8. Product rule on ``½ x (1 + t)`` and the chain rule through tanh
    (``tanh' = 1 − tanh²``). Shapes: x ``(n,)``; returns a Diagonal ``(n, n)``. No kinks.

    >>> import numpy as np
    >>> jac_gelu_x(np.array([0.0])).diagonal()
    array([0.5])
    """
    xp, x = _vector(x)
    t = xp.tanh(_GELU_C * (x + _GELU_A * x * x * x))
    return Diagonal(0.5 * (1.0 + t) + 0.5 * x * (1.0 - t * t) * _GELU_C * (1.0 + 3.0 * _GELU_A * x * x))
