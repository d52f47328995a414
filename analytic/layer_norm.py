r"""Beyond §8: normalization layers and dropout, each with a hand-derived backward pass.

Every layer here maps a batch ``X`` of shape ``(N, D)`` (samples as rows, ``D`` features) to an output
``Y`` of the same shape. Its backward pass takes the upstream gradient ``Δ = ∂L/∂Y`` (the cotangent,
argument ``ct``, shape ``(N, D)``; row ``δᵢ`` belongs to sample ``i``) and returns ``∂L/∂X`` (shaped
like X) and the parameters' gradients (shaped like them). The catalog checks each as the gradient of
``L = Σ Δ ∘ Y`` with ``Δ`` held fixed, as for :mod:`chainrule.analytic.layer`.

IDs (not in RULES.md; origin "extension"), continuing :mod:`chainrule.analytic.layer`'s scheme:

* ``LAYER-10`` batch-norm in training mode, the **staged** backward (the computational graph through
  μ, σ², x̂ step by step);
* ``LAYER-11`` the same batch-norm's **compact** one-line ``∂L/∂X`` (γ and β share LAYER-10's);
* ``LAYER-12`` layer-norm over the last axis;
* ``LAYER-13`` RMS-norm over the last axis;
* ``LAYER-14`` inverted dropout with a given mask.

Notation: ``μ`` and ``σ²`` are a mean and a *biased* variance (divided by the count, as in training),
``x̂ = (x − μ)/√(σ² + ε)`` the normalized input, ``γ`` (``gamma``) and ``β`` (``beta``) the learned
scale and shift, both ``(D,)``, ``ε`` (``eps``) a Python float > 0. Batch-norm takes μ, σ² per feature
over the batch (axis 0); layer-norm and RMS-norm per sample over the features (axis 1).

No kinks: every layer here is smooth where ``σ² + ε > 0``. Dropout's mask is a fixed argument (drawn
outside the layer), not differentiated.

References:
  S. Ioffe and C. Szegedy, "Batch Normalization: Accelerating Deep Network Training by Reducing Internal
  Covariate Shift", ICML 2015, arXiv:1502.03167 (§3 gives the backward pass through μ_B, σ²_B, x̂).
  F. Kratzert, "Understanding the backward pass through Batch Normalization Layer", 2016 (the staged
  computational graph); CS231n assignment 2, ``batchnorm_backward`` / ``batchnorm_backward_alt``.
  J. L. Ba, J. R. Kiros and G. E. Hinton, "Layer Normalization", arXiv:1607.06450, 2016.
  B. Zhang and R. Sennrich, "Root Mean Square Layer Normalization", NeurIPS 2019, arXiv:1910.07467.
  N. Srivastava et al., "Dropout: A Simple Way to Prevent Neural Networks from Overfitting", JMLR 15, 2014.
"""

from __future__ import annotations

import numbers
from typing import Any

import numpy as np

from ._array import inputs, is_concrete, require_ndim, require_shape

__all__ = [
    "batch_norm",
    "dropout",
    "layer_norm",
    "rms_norm",
    "vjp_batch_norm_X",
    "vjp_batch_norm_X_compact",
    "vjp_batch_norm_gamma",
    "vjp_dropout_X",
    "vjp_layer_norm_X",
    "vjp_layer_norm_gamma",
    "vjp_norm_beta",
    "vjp_rms_norm_X",
    "vjp_rms_norm_gamma",
]

Array = Any


# --- helpers -------------------------------------------------------------------------------------


def _eps(eps: Any) -> float:
    """ε as a Python float (a NumPy float64 scalar would promote a float32 result)."""
    if isinstance(eps, bool) or not isinstance(eps, numbers.Real) or not float(eps) > 0:
        raise ValueError(f"eps: expected the variance offset ε as a float > 0 (e.g. 1e-5), got {eps!r}")
    return float(eps)


def _normed(X: Array, gamma: Array, beta: Array | None, ct: Array | None, eps: Any, *,
            batch: bool) -> tuple[Any, Array, Array, Array | None, Array | None, float]:
    """Validate a normalization layer: X (N, D), gamma and beta (D,), ct (N, D); batch-norm needs N ≥ 2."""
    named = {"X": X, "gamma": gamma}
    if beta is not None:
        named["beta"] = beta
    if ct is not None:
        named["ct"] = ct
    xp, arrays = inputs(**named)
    got = dict(zip(named, arrays, strict=True))
    X, gamma = got["X"], got["gamma"]
    require_ndim("X", X, 2, "a batch X of shape (N, D), samples as rows, features as columns")
    N, D = X.shape
    require_shape("gamma", gamma, (D,), f"one scale per feature; X has D = {D} columns")
    if beta is not None:
        require_shape("beta", got["beta"], (D,), f"one shift per feature; X has D = {D} columns")
    if ct is not None:
        require_shape("ct", got["ct"], (N, D), "the upstream gradient ∂L/∂Y, shaped like Y and X")
    if batch and N < 2:
        raise ValueError(
            f"X: batch-norm in training mode needs N ≥ 2 samples, got shape {tuple(X.shape)}; with one sample "
            "x̂ = 0 and Y = β whatever X is (PyTorch refuses it too): pass a larger batch"
        )
    if D == 0 or N == 0:
        raise ValueError(f"X: expected at least one sample and one feature, got shape {tuple(X.shape)}")
    return xp, X, gamma, got.get("beta"), got.get("ct"), _eps(eps)


def _stats(xp: Any, X: Array, eps: float, axis: int) -> tuple[Array, Array]:
    """``(X − μ, 1/√(σ² + ε))`` with μ, σ² (biased) over ``axis``, kept as broadcastable axes."""
    xmu = X - xp.mean(X, axis=axis, keepdims=True)
    inv = 1.0 / xp.sqrt(xp.mean(xmu * xmu, axis=axis, keepdims=True) + eps)
    return xmu, inv


# --- LAYER-10 / LAYER-11 Batch-norm (training mode) ----------------------------------------------------


def batch_norm(X: Array, gamma: Array, beta: Array, eps: float = 1e-5) -> Array:
    r"""Primal of LAYER-10 and LAYER-11: batch-norm in training mode, ``Y = γ ∘ x̂ + β``.

    ``x̂ᵢ = (xᵢ − μ)/√(σ² + ε)`` with the batch statistics ``μ = (1/N) Σᵢ xᵢ`` and the biased
    ``σ² = (1/N) Σᵢ (xᵢ − μ)²``, per feature (Ioffe & Szegedy 2015, Algorithm 1). Shapes: X ``(N, D)``
    with **N ≥ 2**, gamma and beta ``(D,)`` → ``(N, D)``.

    Why N ≥ 2: one sample is its own mean, so ``x̂ = 0`` and ``Y = β`` whatever X is (a ValueError here;
    PyTorch refuses it too). N = 2 is allowed but nearly as degenerate: two values standardize to
    ``x̂ = ±1/√(1 + ε/σ²)`` whatever they are, so ``∂L/∂X`` is of order ``ε/σ²``; the catalog draws
    N ≥ 3 with σ² ≥ 1/4, where the backward pass is well conditioned in float32.
    """
    xp, X, gamma, beta, _, eps = _normed(X, gamma, beta, None, eps, batch=True)
    xmu, inv = _stats(xp, X, eps, 0)
    return gamma * (xmu * inv) + beta


def vjp_batch_norm_X(X: Array, gamma: Array, beta: Array, ct: Array, eps: float = 1e-5) -> Array:
    r"""∂L/∂X = r dx̂ + (2/N)(X − μ)∘dσ² + dμ/N, dx̂ = γ∘Δ, r = 1/√(σ² + ε), staged   (LAYER-10, beyond §8)

    The **staged** backward: the forward pass as a computational graph (Kratzert 2016; CS231n's
    ``batchnorm_backward``), ``μ → X − μ → (X − μ)² → σ² → √(σ² + ε) → r → x̂ → γ ∘ x̂ → Y``, and each
    node's local derivative applied in reverse. With ``dx̂ = ∂L/∂x̂ = γ ∘ δᵢ`` row by row, the variance
    and the mean collect ``dσ² = −½ r³ Σᵢ dx̂ᵢ ∘ (xᵢ − μ)`` and
    ``dμ = −Σᵢ (r dx̂ᵢ + (2/N)(xᵢ − μ) ∘ dσ²)`` (the second sum vanishes, since ``Σᵢ (xᵢ − μ) = 0``,
    but the graph carries it), and X receives all three paths. Ioffe & Szegedy's §3 lists the same steps.
    :func:`vjp_batch_norm_X_compact` (LAYER-11) is the simplified result.

    Shapes: X ``(N, D)`` with N ≥ 2 (see :func:`batch_norm`), gamma, beta ``(D,)``, ct ``(N, D)``,
    eps a float > 0. Returns ``(N, D)``, shaped like X. No kinks; every column of the result sums to 0.

    >>> import numpy as np
    >>> X, ct = np.array([[-1.0], [-1.0], [1.0], [1.0]]), np.array([[1.0], [0.0], [0.0], [2.0]])
    >>> vjp_batch_norm_X(X, np.ones(1), np.zeros(1), ct, eps=1e-12)   # μ = 0, σ² = 1: x̂ = X
    array([[ 0.5],
           [-0.5],
           [-1. ],
           [ 1. ]])
    """
    xp, X, gamma, beta, ct, eps = _normed(X, gamma, beta, ct, eps, batch=True)
    N = X.shape[0]
    # forward, node by node
    mu = xp.sum(X, axis=0, keepdims=True) / N  # step 1: μ
    xmu = X - mu  # step 2: X − μ
    sq = xmu * xmu  # step 3
    var = xp.sum(sq, axis=0, keepdims=True) / N  # step 4: σ²
    sqrtvar = xp.sqrt(var + eps)  # step 5
    ivar = 1.0 / sqrtvar  # step 6: r
    # step 7: x̂ = xmu · ivar; step 8: γ ∘ x̂; step 9: + β
    # backward, node by node
    dxhat = ct * gamma  # step 8
    divar = xp.sum(dxhat * xmu, axis=0, keepdims=True)  # step 7, into r
    dxmu1 = dxhat * ivar  # step 7, into X − μ
    dsqrtvar = -divar / (sqrtvar * sqrtvar)  # step 6
    dvar = 0.5 * ivar * dsqrtvar  # step 5: dσ²
    dsq = dvar / N  # step 4: the mean spreads dσ² evenly over the batch (broadcast in step 3)
    dxmu2 = 2.0 * xmu * dsq  # step 3
    dx1 = dxmu1 + dxmu2  # step 2, into X
    dmu = -xp.sum(dx1, axis=0, keepdims=True)  # step 2, into μ
    dx2 = dmu / N  # step 1, spread evenly over the batch (broadcast)
    return dx1 + dx2


def vjp_batch_norm_X_compact(X: Array, gamma: Array, beta: Array, ct: Array, eps: float = 1e-5) -> Array:
    r"""∂L/∂X = (γ/(N√(σ² + ε))) ∘ (N δ − Σᵢδᵢ − x̂ ∘ Σᵢ(δᵢ ∘ x̂ᵢ))   (LAYER-11, beyond §8)

    The staged backward (:func:`vjp_batch_norm_X`, LAYER-10) simplified by hand: substitute ``dσ²`` and
    ``dμ``, use ``Σᵢ (xᵢ − μ) = 0`` and ``(xᵢ − μ) r = x̂ᵢ``, and the three paths collapse into one line
    (CS231n's ``batchnorm_backward_alt``). Row i is ``(γ r/N) ∘ (N δᵢ − Σₖ δₖ − x̂ᵢ ∘ Σₖ δₖ ∘ x̂ₖ)``:
    the upstream gradient less its batch mean and less its projection on x̂. So each column of the
    result sums to 0 (Y ignores a shift of X's column), and it is orthogonal to x̂'s column up to ε
    (Y ignores a rescaling only as ε → 0): ``Σᵢ ∂L/∂xᵢ ∘ x̂ᵢ = ε γ r³ ∘ Σᵢ δᵢ ∘ x̂ᵢ``, since
    ``Σᵢ x̂ᵢ² = N σ² r²``. ∂L/∂γ and ∂L/∂β are LAYER-10's (:func:`vjp_batch_norm_gamma`,
    :func:`vjp_norm_beta`).

    Shapes as :func:`vjp_batch_norm_X`. Returns ``(N, D)``. No kinks.

    >>> import numpy as np
    >>> X, ct = np.array([[-1.0], [-1.0], [1.0], [1.0]]), np.array([[1.0], [0.0], [0.0], [2.0]])
    >>> vjp_batch_norm_X_compact(X, np.ones(1), np.zeros(1), ct, eps=1e-12)   # (1/4)(4δ − 3 − x̂·1)
    array([[ 0.5],
           [-0.5],
           [-1. ],
           [ 1. ]])
    """
    xp, X, gamma, beta, ct, eps = _normed(X, gamma, beta, ct, eps, batch=True)
    N = X.shape[0]
    xmu, inv = _stats(xp, X, eps, 0)
    xhat = xmu * inv
    total = xp.sum(ct, axis=0, keepdims=True)
    proj = xp.sum(ct * xhat, axis=0, keepdims=True)
    return (gamma * inv / N) * (N * ct - total - xhat * proj)


def vjp_batch_norm_gamma(X: Array, gamma: Array, beta: Array, ct: Array, eps: float = 1e-5) -> Array:
    r"""∂L/∂γ = Σᵢ δᵢ ∘ x̂ᵢ, x̂ᵢ = (xᵢ − μ)/√(σ² + ε) with the batch's μ, σ²   (LAYER-10, beyond §8)

    ``Y = γ ∘ x̂ + β`` is linear in γ, each feature's scale shared by the batch. x̂ is the layer's own
    output at γ = 1⃗, β = 0⃗, so this is computed through :func:`batch_norm`. Shared by LAYER-11.
    Shapes as :func:`vjp_batch_norm_X`. Returns ``(D,)``, shaped like gamma. No kinks.

    >>> import numpy as np
    >>> X, ct = np.array([[-1.0], [-1.0], [1.0], [1.0]]), np.array([[1.0], [0.0], [0.0], [2.0]])
    >>> vjp_batch_norm_gamma(X, np.ones(1), np.zeros(1), ct, eps=1e-12)   # x̂ = X: −1 + 2
    array([1.])
    """
    xp, X, gamma, beta, ct, eps = _normed(X, gamma, beta, ct, eps, batch=True)
    xhat = batch_norm(X, xp.ones_like(gamma), xp.zeros_like(gamma), eps)
    return xp.sum(ct * xhat, axis=0)


def vjp_norm_beta(X: Array, gamma: Array, beta: Array, ct: Array, eps: float = 1e-5) -> Array:
    r"""∂L/∂β = Σᵢ δᵢ for Y = γ ∘ x̂ + β (batch-norm and layer-norm alike)   (LAYER-10, LAYER-12, beyond §8)

    The shift is broadcast to every sample, so its gradient sums the upstream gradient over the batch
    (LAYER-2's bias rule); how x̂ was normalized does not enter. One function for LAYER-10, LAYER-11 and
    LAYER-12. Shapes as :func:`vjp_batch_norm_X` (any N ≥ 1). Returns ``(D,)``. No kinks.

    >>> import numpy as np
    >>> vjp_norm_beta(np.zeros((2, 2)), np.ones(2), np.zeros(2), np.array([[1.0, 2.0], [3.0, 4.0]]))
    array([4., 6.])
    """
    xp, X, gamma, beta, ct, eps = _normed(X, gamma, beta, ct, eps, batch=False)
    return xp.sum(ct, axis=0)


# --- LAYER-12 Layer-norm (over the last axis) ---------------------------------------------------------


def layer_norm(X: Array, gamma: Array, beta: Array, eps: float = 1e-5) -> Array:
    r"""Primal of LAYER-12: layer-norm, ``yᵢ = γ ∘ x̂ᵢ + β``, x̂ᵢ normalized over sample i's own features.

    ``x̂ᵢ = (xᵢ − μᵢ)/√(σᵢ² + ε)``, ``μᵢ = (1/D) Σⱼ xᵢⱼ``, ``σᵢ² = (1/D) Σⱼ (xᵢⱼ − μᵢ)²`` (Ba et al. 2016):
    the same per-sample computation at training and test time. Shapes: X ``(N, D)``, gamma and beta
    ``(D,)`` → ``(N, D)``. D ≤ 2 is allowed but degenerate, as batch-norm's N ≤ 2 (:func:`batch_norm`):
    D = 1 gives ``x̂ = 0``, D = 2 gives ``x̂ = ±1/√(1 + ε/σ²)`` whatever the row is.
    """
    xp, X, gamma, beta, _, eps = _normed(X, gamma, beta, None, eps, batch=False)
    xmu, inv = _stats(xp, X, eps, 1)
    return gamma * (xmu * inv) + beta


def vjp_layer_norm_X(X: Array, gamma: Array, beta: Array, ct: Array, eps: float = 1e-5) -> Array:
    r"""∂L/∂xᵢ = (1/(D√(σᵢ² + ε))) (D gᵢ − Σⱼ gᵢⱼ − x̂ᵢ Σⱼ gᵢⱼ x̂ᵢⱼ), gᵢ = γ ∘ δᵢ   (LAYER-12, beyond §8)

    Batch-norm's compact backward (LAYER-11) transposed: the statistics are per row, so the sums run over
    the D features of a row, and γ, being per feature, enters inside them through ``gᵢ = ∂L/∂x̂ᵢ``.
    Each row of the result sums to 0, and is orthogonal to its x̂ᵢ up to ε (as in LAYER-11).
    Shapes: X ``(N, D)``, gamma, beta ``(D,)``, ct ``(N, D)``, eps a float > 0. Returns ``(N, D)``. No kinks.

    >>> import numpy as np
    >>> X, ct = np.array([[-1.0, -1.0, 1.0, 1.0]]), np.array([[1.0, 0.0, 0.0, 2.0]])
    >>> vjp_layer_norm_X(X, np.ones(4), np.zeros(4), ct, eps=1e-12)   # LAYER-11's example, transposed
    array([[ 0.5, -0.5, -1. ,  1. ]])
    """
    xp, X, gamma, beta, ct, eps = _normed(X, gamma, beta, ct, eps, batch=False)
    D = X.shape[1]
    xmu, inv = _stats(xp, X, eps, 1)
    xhat = xmu * inv
    g = ct * gamma
    total = xp.sum(g, axis=1, keepdims=True)
    proj = xp.sum(g * xhat, axis=1, keepdims=True)
    return (inv / D) * (D * g - total - xhat * proj)


def vjp_layer_norm_gamma(X: Array, gamma: Array, beta: Array, ct: Array, eps: float = 1e-5) -> Array:
    r"""∂L/∂γ = Σᵢ δᵢ ∘ x̂ᵢ, x̂ᵢ = (xᵢ − μᵢ)/√(σᵢ² + ε) with sample i's own μᵢ, σᵢ²   (LAYER-12, beyond §8)

    As batch-norm's (LAYER-10), with x̂ normalized per sample: x̂ is :func:`layer_norm` at γ = 1⃗, β = 0⃗.
    ∂L/∂β is :func:`vjp_norm_beta`. Shapes as :func:`vjp_layer_norm_X`. Returns ``(D,)``. No kinks.

    >>> import numpy as np
    >>> X, ct = np.array([[-1.0, -1.0, 1.0, 1.0], [0.0, 0.0, 0.0, 0.0]]), np.ones((2, 4))
    >>> vjp_layer_norm_gamma(X, np.ones(4), np.zeros(4), ct, eps=1e-12)   # the zero row has x̂ = 0
    array([-1., -1.,  1.,  1.])
    """
    xp, X, gamma, beta, ct, eps = _normed(X, gamma, beta, ct, eps, batch=False)
    xhat = layer_norm(X, xp.ones_like(gamma), xp.zeros_like(gamma), eps)
    return xp.sum(ct * xhat, axis=0)


# --- LAYER-13 RMS-norm (Zhang & Sennrich 2019) -----------------------------------------------------------


def _rms(X: Array, gamma: Array, ct: Array | None, eps: Any) -> tuple[Any, Array, Array, Array | None, Array]:
    """Validate an RMS-norm and return ``(xp, X, gamma, ct, 1/rᵢ)``, rᵢ = √(mean(xᵢ²) + ε) as (N, 1)."""
    xp, X, gamma, _, ct, eps = _normed(X, gamma, None, ct, eps, batch=False)
    inv = 1.0 / xp.sqrt(xp.mean(X * X, axis=1, keepdims=True) + eps)
    return xp, X, gamma, ct, inv


def rms_norm(X: Array, gamma: Array, eps: float = 1e-5) -> Array:
    r"""Primal of LAYER-13: RMS-norm, ``yᵢ = γ ∘ xᵢ / √(mean(xᵢ²) + ε)`` over sample i's features.

    Layer-norm without the re-centring and without β (Zhang & Sennrich 2019; ε inside the root, as in
    LLaMA's and T5's implementations). Shapes: X ``(N, D)``, gamma ``(D,)`` → ``(N, D)``.
    """
    _xp, X, gamma, _, inv = _rms(X, gamma, None, eps)
    return gamma * (X * inv)


def vjp_rms_norm_X(X: Array, gamma: Array, ct: Array, eps: float = 1e-5) -> Array:
    r"""∂L/∂xᵢ = (gᵢ − xᵢ (gᵢ·xᵢ)/(D rᵢ²))/rᵢ, gᵢ = γ ∘ δᵢ, rᵢ = √(mean(xᵢ²) + ε)   (LAYER-13, beyond §8)

    Quotient rule on ``xᵢ/rᵢ``: ``∂rᵢ/∂xᵢ = xᵢ/(D rᵢ)``, so the row's Jacobian is
    ``diag(γ)(I/rᵢ − xᵢxᵢᵀ/(D rᵢ³))``, and ``gᵢ = ∂L/∂(xᵢ/rᵢ)`` loses its component
    along xᵢ, scaled. Shapes: X ``(N, D)``, gamma ``(D,)``, ct ``(N, D)``, eps a float > 0. Returns
    ``(N, D)``. No kinks (ε > 0 keeps rᵢ > 0, even at xᵢ = 0).

    >>> import numpy as np
    >>> vjp_rms_norm_X(np.array([[1.0, 7.0]]), np.ones(2), np.array([[1.0, 0.0]]), eps=1e-12)   # r = 5
    array([[ 0.196, -0.028]])
    """
    xp, X, gamma, ct, inv = _rms(X, gamma, ct, eps)
    D = X.shape[1]
    g = ct * gamma
    return inv * (g - X * (xp.sum(g * X, axis=1, keepdims=True) * (inv * inv) / D))


def vjp_rms_norm_gamma(X: Array, gamma: Array, ct: Array, eps: float = 1e-5) -> Array:
    r"""∂L/∂γ = Σᵢ δᵢ ∘ xᵢ/rᵢ, rᵢ = √(mean(xᵢ²) + ε)   (LAYER-13, beyond §8)

    Linear in γ, shared by the batch; ``xᵢ/rᵢ`` is :func:`rms_norm` at γ = 1⃗, so this is computed through
    it. Shapes as :func:`vjp_rms_norm_X`. Returns ``(D,)``. No kinks.

    >>> import numpy as np
    >>> vjp_rms_norm_gamma(np.array([[1.0, 7.0]]), np.ones(2), np.array([[5.0, 5.0]]), eps=1e-12)   # r = 5
    array([1., 7.])
    """
    xp, X, gamma, ct, _inv = _rms(X, gamma, ct, eps)
    return xp.sum(ct * rms_norm(X, xp.ones_like(gamma), eps), axis=0)


# --- LAYER-14 Inverted dropout with a given mask ------------------------------------------------------------


def _dropout(X: Array, M: Array, ct: Array | None, p_keep: Any) -> tuple[Any, Array, Array, Array | None, float]:
    """Validate dropout: M shaped like X with entries 0 or 1 (checked when concrete), 0 < p_keep ≤ 1."""
    named = {"X": X, "M": M} if ct is None else {"X": X, "M": M, "ct": ct}
    xp, arrays = inputs(**named)
    X, M = arrays[0], arrays[1]
    ct = arrays[2] if ct is not None else None
    require_shape("M", M, tuple(X.shape), "the dropout mask is shaped like X, one 0/1 entry per unit")
    if ct is not None:
        require_shape("ct", ct, tuple(X.shape), "the upstream gradient ∂L/∂Y, shaped like Y and X")
    if is_concrete(M):
        flat = np.asarray(M).reshape(-1)
        bad = np.flatnonzero((flat != 0) & (flat != 1))
        if bad.size:
            raise ValueError(
                f"M: expected a dropout mask of 0s (dropped) and 1s (kept), but M[{int(bad[0])}] = "
                f"{float(flat[bad[0]])!r} (flat index; {bad.size} entr{'y' if bad.size == 1 else 'ies'} neither 0 "
                "nor 1); draw it as (U < p_keep).astype(X.dtype) with U uniform on [0, 1)"
            )
    if isinstance(p_keep, bool) or not isinstance(p_keep, numbers.Real) or not 0 < float(p_keep) <= 1:
        raise ValueError(f"p_keep: expected the keep probability as a float in (0, 1], got {p_keep!r}")
    return xp, X, M, ct, float(p_keep)


def dropout(X: Array, M: Array, p_keep: float = 0.8) -> Array:
    r"""Primal of LAYER-14: inverted dropout, ``Y = M ∘ X / p_keep``.

    The mask M (entries 1 with probability p_keep, drawn by the caller) zeroes the dropped units and the
    kept ones are scaled by ``1/p_keep``, so ``E[Y] = X`` and nothing changes at test time (Srivastava et
    al. 2014). Shapes: X ``(…)``, M shaped like X → shaped like X. p_keep a float in (0, 1].
    """
    _xp, X, M, _, p_keep = _dropout(X, M, None, p_keep)
    return M * X / p_keep


def vjp_dropout_X(X: Array, M: Array, ct: Array, p_keep: float = 0.8) -> Array:
    r"""∂L/∂X = M ∘ Δ / p_keep   (LAYER-14, beyond §8)

    Dropout is element-wise linear in X with the diagonal Jacobian ``diag(M/p_keep)`` (RULES E-2): the
    backward pass reuses the forward's mask, so a dropped unit (``M = 0``) gets exactly zero gradient and
    a kept one the upstream gradient scaled by ``1/p_keep``: the backward pass is the forward pass
    applied to Δ, ``dropout(Δ, M, p_keep)``, and is computed so. M is not differentiated (it is sampled,
    not computed). Shapes: X, M, ct alike. Returns X's shape. No kinks.

    >>> import numpy as np
    >>> vjp_dropout_X(np.ones(3), np.array([1.0, 0.0, 1.0]), np.array([1.0, 2.0, 3.0]), p_keep=0.5)
    array([2., 0., 6.])
    """
    _xp, X, M, ct, p_keep = _dropout(X, M, ct, p_keep)
    return dropout(ct, M, p_keep)
