r"""§5 The gradient of neuron activation: dot product, affine unit, ReLU, activation, and its loss gradient.

Notation (the paper's): ``w, x ∈ Rⁿ`` are vectors, ``b`` a scalar, ``z = w·x + b`` the affine unit and
``max(0, z)`` the ReLU. ``X`` of shape ``(N, n)`` holds the samples ``x_iᵀ`` as rows and ``y`` of shape
``(N,)`` their targets.

Layout: numerator (DESIGN.md). A gradient of a scalar has the argument's shape (the paper's ``1 × n`` row
as a 1-d array); a Jacobian of a vector function has shape ``out.shape + in.shape``.

Kink convention (RULES N-3): ``d/dz max(0, z) = 0`` for ``z ≤ 0``, so 0 at ``z = 0``. The primal is
written ``where(z > 0, z, 0)``, whose autodiff derivative at 0 is also 0 (``jnp.maximum(0, z)`` would give
0.5 there and is never used).

Every function takes NumPy or JAX arrays (array API) and returns the same kind; all are traceable under
``jax.jit``.

References:
  T. Parr and J. Howard, "The Matrix Calculus You Need For Deep Learning", arXiv:1802.01528, §5–§6.
"""

from __future__ import annotations

from typing import Any

import array_api_compat

from ._array import inputs, require_ndim, require_same_length, require_same_shape, same_length_vectors
from .structured import Diagonal

__all__ = [
    "activation",
    "affine",
    "dot",
    "grad_activation_b",
    "grad_activation_w",
    "grad_affine_b",
    "grad_affine_w",
    "grad_dot_w",
    "grad_dot_x",
    "grad_relu_z",
    "jac_relu_x",
    "loss",
    "loss_gradient",
    "relu",
]

Array = Any


# --- helpers -------------------------------------------------------------------------------------


def _unit(w: Array, b: Array, x: Array) -> tuple[Any, Array, Array, Array]:
    xp, (w, b, x) = inputs(w=w, b=b, x=x)
    require_ndim("w", w, 1, "a vector w ∈ Rⁿ")
    require_ndim("b", b, 0, "a scalar bias b")
    require_ndim("x", x, 1, "a vector x ∈ Rⁿ")
    require_same_shape(w=w, x=x)
    return xp, w, b, x


def _data(w: Array, b: Array, X: Array, y: Array) -> tuple[Any, Array, Array, Array, Array]:
    """Validate the §6 data: w (n,), b (), X (N, n), y (N,)."""
    xp, (w, b, X, y) = inputs(w=w, b=b, X=X, y=y)
    require_ndim("w", w, 1, "a weight vector w ∈ Rⁿ")
    require_ndim("b", b, 0, "a scalar bias b")
    require_ndim("X", X, 2, "a data matrix X of shape (N, n), samples as rows")
    require_ndim("y", y, 1, "a target vector y of shape (N,)")
    require_same_length("w", w, "X", X, axis_b=1)
    require_same_length("y", y, "X", X, axis_b=0)
    if X.shape[0] == 0:
        raise ValueError("X: expected at least one sample (N ≥ 1), got shape (0, n); the mean over N is undefined")
    return xp, w, b, X, y


def _step(xp: Any, z: Array) -> Array:
    """``1[z > 0]`` in ``z``'s dtype: the ReLU's derivative, 0 at the kink (RULES N-3)."""
    return xp.astype(z > 0, z.dtype)


# --- N-1 Dot product (§5, §8.4) -------------------------------------------------------------------


def dot(w: Array, x: Array) -> Array:
    r"""Primal of RULES N-1: ``y = w·x = Σ_i w_i x_i = sum(w ⊗ x)``. Shapes: w, x ``(n,)`` → ``()``."""
    xp, w, x = same_length_vectors(w=w, x=x)
    return xp.sum(w * x)


def grad_dot_w(w: Array, x: Array) -> Array:
    r"""∂(w·x)/∂w = 1⃗ᵀ diag(x) = xᵀ   (RULES N-1, §5)

    With ``u = w ⊗ x`` and ``y = sum(u)``: ``∂u/∂w = diag(x)`` (E-7) and ``∂y/∂u = 1⃗ᵀ`` (R-2), so by the
    vector chain rule ``∂y/∂w = 1⃗ᵀ diag(x) = xᵀ``. Computed literally as that product of a row of ones
    and a structured diagonal (O(n)).

    Shapes: w, x ``(n,)``. Returns the gradient, shape ``(n,)`` (the paper's ``1 × n`` row).
    No kinks.

    >>> import numpy as np
    >>> grad_dot_w(np.array([1.0, 2.0]), np.array([3.0, 4.0]))
    array([3., 4.])
    """
    xp, w, x = same_length_vectors(w=w, x=x)
    return xp.ones_like(w) @ Diagonal(x)


def grad_dot_x(w: Array, x: Array) -> Array:
    r"""∂(w·x)/∂x = 1⃗ᵀ diag(w) = wᵀ   (RULES N-1, §8.4)

    Shapes: w, x ``(n,)``. Returns shape ``(n,)`` (a ``1 × n`` row). No kinks.

    >>> import numpy as np
    >>> grad_dot_x(np.array([1.0, 2.0]), np.array([3.0, 4.0]))
    array([1., 2.])
    """
    xp, w, x = same_length_vectors(w=w, x=x)
    return xp.ones_like(x) @ Diagonal(w)


# --- N-2 Affine unit ------------------------------------------------------------------------------


def affine(w: Array, b: Array, x: Array) -> Array:
    r"""Primal of RULES N-2: ``z = w·x + b``. Shapes: w, x ``(n,)``, b ``()`` → ``()``."""
    xp, w, b, x = _unit(w, b, x)
    return xp.sum(w * x) + b


def grad_affine_w(w: Array, b: Array, x: Array) -> Array:
    r"""∂(w·x + b)/∂w = xᵀ + 0⃗ᵀ = xᵀ   (RULES N-2, §5)

    Shapes: w, x ``(n,)``, b ``()``. Returns shape ``(n,)``. No kinks.

    >>> import numpy as np
    >>> grad_affine_w(np.array([1.0, -1.0]), 0.5, np.array([2.0, 3.0]))
    array([2., 3.])
    """
    xp, w, b, x = _unit(w, b, x)
    return x + xp.zeros_like(w)


def grad_affine_b(w: Array, b: Array, x: Array) -> Array:
    r"""∂(w·x + b)/∂b = 0 + 1 = 1   (RULES N-2, §5)

    Shapes: w, x ``(n,)``, b ``()``. Returns a scalar of b's dtype. No kinks.

    >>> import numpy as np
    >>> float(grad_affine_b(np.array([1.0]), 0.5, np.array([2.0])))
    1.0
    """
    xp, w, b, x = _unit(w, b, x)
    return xp.ones_like(b)


# --- N-3 / N-4 ReLU --------------------------------------------------------------------------------


def relu(z: Array) -> Array:
    r"""Primal of RULES N-3 / N-4: ``max(0, z)``, element-wise, written ``where(z > 0, z, 0)``.

    Any shape. The ``where`` form is what makes JAX's derivative at ``z = 0`` equal the paper's 0.
    """
    xp, (z,) = inputs(z=z)
    return xp.where(z > 0, z, xp.zeros_like(z))


def grad_relu_z(z: Array) -> Array:
    r"""∂max(0, z)/∂z = {0 if z ≤ 0; 1 if z > 0}   (RULES N-3, §5)

    Shapes: z ``()``. Returns a scalar of z's dtype.
    Kink: **0 at z = 0** (the paper's ``≤ 0`` branch, and ``jax.nn.relu``'s).

    >>> import numpy as np
    >>> [float(grad_relu_z(np.asarray(v))) for v in (-1.0, 0.0, 2.0)]
    [0.0, 0.0, 1.0]
    """
    xp, (z,) = inputs(z=z)
    require_ndim("z", z, 0, "a scalar z (use jac_relu_x for the broadcast max(0, x))")
    return _step(xp, z)


def jac_relu_x(x: Array) -> Diagonal:
    r"""∂max(0, x)/∂x = diag(1[x_i > 0])   (RULES N-4, §5 aside)

    ``max(0, x)`` is an element-wise unary operator, so by the diagonal condition (E-2) its Jacobian is
    diagonal; the paper writes its diagonal as "a vector of zeros and ones".

    Shapes: x ``(n,)``. Returns a :class:`~chainrule.analytic.structured.Diagonal` of shape ``(n, n)``
    (numerator layout, O(n) memory). Kink: 0 at ``x_i = 0``.

    >>> import numpy as np
    >>> jac_relu_x(np.array([-1.0, 0.0, 3.0])).diagonal()
    array([0., 0., 1.])
    """
    xp, (x,) = inputs(x=x)
    require_ndim("x", x, 1, "a vector x ∈ Rⁿ")
    return Diagonal(_step(xp, x))


# --- N-5 Neuron activation -------------------------------------------------------------------------


def activation(w: Array, b: Array, x: Array) -> Array:
    r"""Primal of RULES N-5: ``activation(x) = max(0, w·x + b)``. Shapes: w, x ``(n,)``, b ``()`` → ``()``."""
    return relu(affine(w, b, x))


def grad_activation_w(w: Array, b: Array, x: Array) -> Array:
    r"""∂max(0, w·x + b)/∂w = {0⃗ᵀ if w·x + b ≤ 0; xᵀ if w·x + b > 0}   (RULES N-5, §5)

    Chain rule through ``z = w·x + b``: ``(∂act/∂z)(∂z/∂w)`` with ``∂act/∂z = 1[z > 0]`` (N-3) and
    ``∂z/∂w = xᵀ`` (N-2). When the unit is clipped every weight's gradient is zero.

    Shapes: w, x ``(n,)``, b ``()``. Returns shape ``(n,)``. Kink: ``0⃗`` at ``w·x + b = 0``.

    >>> import numpy as np
    >>> w, x = np.array([1.0, 2.0]), np.array([0.5, 0.25])
    >>> grad_activation_w(w, -0.5, x), grad_activation_w(w, -2.0, x)
    (array([0.5 , 0.25]), array([0., 0.]))
    """
    xp, w, b, x = _unit(w, b, x)
    return _step(xp, xp.sum(w * x) + b) * x


def grad_activation_b(w: Array, b: Array, x: Array) -> Array:
    r"""∂max(0, w·x + b)/∂b = {0 if w·x + b ≤ 0; 1 if w·x + b > 0}   (RULES N-5, §5)

    Shapes: w, x ``(n,)``, b ``()``. Returns a scalar. Kink: 0 at ``w·x + b = 0``.

    >>> import numpy as np
    >>> float(grad_activation_b(np.array([1.0]), 0.0, np.array([0.0])))   # exactly at the kink
    0.0
    """
    xp, w, b, x = _unit(w, b, x)
    return _step(xp, xp.sum(w * x) + b)


# --- The neuron's loss (§6): the heart of the product ----------------------------------------------


def loss(w: Array, b: Array, X: Array, y: Array) -> Array:
    r"""Primal of RULES L-1: ``C(w, b, X, y) = (1/N) Σ_i (y_i − max(0, w·x_i + b))²``.

    Shapes: w ``(n,)``, b ``()``, X ``(N, n)`` (samples as rows), y ``(N,)`` → ``()``.
    """
    xp, w, b, X, y = _data(w, b, X, y)
    z = X @ w + b
    v = y - xp.where(z > 0, z, xp.zeros_like(z))
    return xp.mean(v * v)


def loss_gradient(w: Array, b: Array, X: Array, y: Array) -> tuple[Array, Array]:
    r"""``(∂C/∂w, ∂C/∂b)`` for ``C = (1/N) Σ_i (y_i − max(0, w·x_i + b))²``   (RULES L-3, L-5; §6.1, §6.2)

    Let ``z_i = w·x_i + b`` be sample i's affine unit and ``e_i = z_i − y_i`` its error. Then

    * ``∂C/∂w = (2/N) Σ_{i=1}^N {0⃗ᵀ if z_i ≤ 0; e_i x_iᵀ if z_i > 0}``, shape ``(n,)`` (the 1 × n row);
    * ``∂C/∂b = (2/N) Σ_{i=1}^N {0 if z_i ≤ 0; e_i if z_i > 0}``, a scalar;

    an error-weighted average of the samples over the **active units** only. The mask is applied **per
    sample**, inside the sum (the 2020 source). The 2018 arXiv text writes the cases outside the sum,
    which is ambiguous; the per-sample form is the one that matches autodiff.

    Shapes: w ``(n,)``, b ``()``, X ``(N, n)`` with the samples ``x_iᵀ`` as rows, y ``(N,)``.
    Layout: gradients shaped like their arguments. Kink: a unit with ``z_i = 0`` is inactive
    (``d/dz max(0, z) = 0`` at 0, the paper's convention and ``jax.nn.relu``'s).
    NumPy in → NumPy out; JAX in → JAX out, and it runs under ``jax.jit``.

    Computed as written, ``(2/N)`` times the sums over i of ``1[z_i > 0] e_i x_i`` and ``1[z_i > 0] e_i``,
    in the order the benchmarks (``chainrule bench -k loss_gradient``) measured fastest. Under
    ``jax.jit`` the shapes are known when it is traced: for a tall X of wide rows (N ≥ 50,000 and
    n ≥ 64, X streaming from memory) the sum is one element-wise expression that XLA fuses into a single
    loop (×0.78–0.87 the time of ``jit(grad)`` at N·n = 10⁷–2·10⁷); otherwise the sum is the contraction
    ``(1[z > 0] e) @ X``, the program autodiff builds too (the fused loop measured up to ×7 slower on
    narrow rows). On an eager backend (NumPy) it runs over row blocks of X small enough to stay in cache
    between ``z = X_block w + b`` and the block's share of the sum.

    >>> import numpy as np
    >>> X = np.array([[1.0, 2.0], [3.0, -4.0]])
    >>> gw, gb = loss_gradient(np.array([1.0, 1.0]), 0.0, X, np.array([1.0, 0.0]))
    >>> gw, float(gb)        # only sample 0 is active (z = 3, −1): (2/2)·(3 − 1)·x_0
    (array([2., 4.]), 2.0)
    """
    xp, w, b, X, y = _data(w, b, X, y)
    N = X.shape[0]
    # sum_w = Σ_i 1[z_i > 0] e_i x_i and sum_b = Σ_i 1[z_i > 0] e_i, with z_i = w·x_i + b, e_i = z_i − y_i
    if array_api_compat.is_jax_namespace(xp):  # shapes are static under jit: pick the faster program
        fused = _fused_is_faster(N, X.shape[1]) or _rows_sharded(X)
        return _masked_error_sums(xp, w, b, X, y, 2.0 / N, fused=fused)
    else:  # eager: stream X in row blocks that stay in cache, summing block by block
        rows = max(1, _BLOCK_ELEMENTS // max(1, X.shape[1]))
        sum_w, sum_b = xp.zeros_like(w), xp.zeros_like(b)
        for start in range(0, N, rows):
            block = slice(start, start + rows)
            part_w, part_b = _masked_error_sums(xp, w, b, X[block, :], y[block], 2.0 / N, fused=False)
            sum_w, sum_b = sum_w + part_w, sum_b + part_b
    return sum_w, sum_b


#: Entries of X per row block when :func:`loss_gradient` streams X on an eager backend (NumPy): a
#: block stays in cache between ``z = X_block w + b`` and its share of the sum, and the Python loop
#: costs nothing. 2¹⁸ entries (1 MiB of float32, 2 MiB of float64) measured fastest on a 2-core EPYC
#: with OpenBLAS; 2¹⁹ float32 entries ran up to 10× slower (OpenBLAS's threaded kernels).
_BLOCK_ELEMENTS = 1 << 18

#: Under ``jax.jit``, the fused element-wise sum is used from this many rows of X …
_FUSED_MIN_ROWS = 50_000
#: … of at least this many entries each (X streams from memory; narrow rows favour the contraction).
#: Measured on a 2-core EPYC, JAX 0.10.2 CPU: fused ×0.78–0.87 of ``jit(grad)`` at N·n = 10⁷–2·10⁷, n = 100;
#: ×7.0 at N = 10⁶, n = 10, float32; ×1.1–1.7 below N = 10,000 (``chainrule bench -k loss_gradient``).
_FUSED_MIN_WIDTH = 64


def _fused_is_faster(N: int, n: int) -> bool:
    """Whether the fused element-wise sum is the faster program under ``jit`` for X of N × n (measured: see
    :data:`_FUSED_MIN_ROWS`, :data:`_FUSED_MIN_WIDTH`); the contraction otherwise."""
    return N >= _FUSED_MIN_ROWS and n >= _FUSED_MIN_WIDTH


def _rows_sharded(X: Array) -> bool:
    """True when X's rows are split over devices in JAX's sharding-in-types (``X.aval.sharding.spec``).

    The contraction ``masked_error @ X`` over sharded rows is refused there as ambiguous; the fused sum
    partitions. Read by attribute, so this module still never imports JAX.
    """
    spec = getattr(getattr(getattr(X, "aval", None), "sharding", None), "spec", None)
    return bool(spec) and spec[0] is not None


def _masked_error_sums(
    xp: Any, w: Array, b: Array, X: Array, y: Array, scale: float, *, fused: bool
) -> tuple[Array, Array]:
    r"""``scale · (Σ_i 1[z_i > 0] e_i x_i, Σ_i 1[z_i > 0] e_i)`` over the rows of X; ``z = Xw + b``, ``e = z − y``.

    Both forms are that sum over i. ``fused=True`` (JAX) writes it element-wise: XLA compiles it to one
    loop over X that materializes nothing, and it partitions over any sharding of X's rows (with X
    sharded by rows in an explicit-sharding mesh, ``masked_error @ X`` is refused as ambiguous).
    Measured on a 2-core CPU it runs at memory speed where X streams from memory (N = 200,000,
    n = 100: 0.3–0.5× the time of ``masked_error @ X``); its weak spot is narrow rows (N = 10⁶, n = 10,
    float32: several times slower than the contraction). ``fused=False`` is the BLAS product
    ``masked_error @ X`` for eager backends, where the element-wise form would build an N × n
    temporary, and the JAX form below :data:`_FUSED_MIN_ROWS` rows or :data:`_FUSED_MIN_WIDTH`
    columns, where the contraction (XLA's dot) is the faster program.
    """
    z = X @ w + b
    # scale · 1[z_i > 0] · e_i: the factor 2/N goes into the N-vector before the sum, so under jit the
    # contraction's output is the answer (one kernel fewer, as in autodiff's program)
    masked_error = xp.where(z > 0, (z - y) * scale, xp.zeros_like(z))
    if fused:
        sum_w = xp.sum(masked_error[:, None] * X, axis=0)  # Σ_i 1[z_i > 0] e_i x_i
    else:
        sum_w = masked_error @ X  # the same sum, as one contraction over i
    return sum_w, xp.sum(masked_error)
