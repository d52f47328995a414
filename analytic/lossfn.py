r"""Beyond §8: the loss functions of deep learning and their gradients (softmax, cross-entropy, MSE, Huber).

Notation: ``z`` of shape ``(k,)`` holds one sample's logits (``Z`` of shape ``(N, k)``, a batch, samples
as rows); ``s = softmax(z)`` the predicted distribution (the ``ŷ`` of "ŷ − y"); ``y`` the target, a
probability vector for cross-entropy, a label in [0, 1] for binary cross-entropy, a real number for
MSE and Huber. ``σ`` is the logistic sigmoid.

IDs (not in RULES.md; this module's own scheme, origin "extension"):

* ``LF-1`` softmax Jacobian ``diag(s) − s sᵀ`` (structured: diagonal minus rank one, O(k));
* ``LF-2`` log-softmax Jacobian ``I − 1⃗ sᵀ`` (structured the same way);
* ``LF-3`` softmax + cross-entropy, gradient ``s − y`` with respect to the logits;
* ``LF-4`` the same, averaged over a batch: ``(S − Y)/N``;
* ``LF-5`` binary cross-entropy with logits, ``(σ(z) − y)/N``;
* ``LF-6`` mean squared error, ``(2/N)(ŷ − y)``;
* ``LF-7`` Huber loss, ``clip(r, −δ, δ)/N``;
* ``LF-8`` logistic regression, ``Xᵀ(σ(Xw + b) − y)/N`` and ``mean(σ(Xw + b) − y)``.

Layout: numerator (DESIGN.md). Gradients are shaped like their argument; the (log-)softmax Jacobian is
``(k, k)`` with entry ``(i, j) = ∂sᵢ/∂z_j``, returned as a
:class:`~chainrule.analytic.structured.DiagonalPlusRankOne` and made dense only by
:func:`~chainrule.analytic.structured.todense`.

Domains: cross-entropy targets must be probability vectors (entries ≥ 0 summing to 1): the gradient
``s − y`` uses ``Σᵢ yᵢ = 1`` (in general it is ``(Σᵢ yᵢ) s − y``). Concrete inputs are checked; inside
``jax.jit`` values are not known and are not checked. Binary labels must lie in [0, 1].

Kink convention (Huber): ``h_δ(r) = ½r²`` for ``|r| ≤ δ`` and ``δ(|r| − ½δ)`` otherwise. Its first
derivative ``clip(r, −δ, δ)`` is continuous (both branches give ``±δ`` at ``|r| = δ``); the second
derivative jumps from 1 to 0 there, and chainrule takes the quadratic branch's **1 at |r| = δ** (see
:func:`chainrule.analytic.hessian.hess_huber_y_hat`). The primal's ``where(|r| ≤ δ, …)`` makes JAX agree.

References:
  T. Parr and J. Howard, "The Matrix Calculus You Need For Deep Learning", arXiv:1802.01528.
  P. J. Huber, "Robust Estimation of a Location Parameter", Ann. Math. Statist. 35(1), 1964.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from ._array import inputs, is_concrete, require_ndim, require_same_shape
from .structured import DiagonalPlusRankOne

__all__ = [
    "bce_with_logits",
    "grad_bce_with_logits_z",
    "grad_huber_y_hat",
    "grad_logistic_loss_b",
    "grad_logistic_loss_w",
    "grad_mean_softmax_cross_entropy_Z",
    "grad_mse_y_hat",
    "grad_softmax_cross_entropy_z",
    "huber",
    "jac_log_softmax_z",
    "jac_softmax_z",
    "log_softmax",
    "logistic_loss",
    "mean_softmax_cross_entropy",
    "mse",
    "softmax",
    "softmax_cross_entropy",
]

Array = Any


# --- helpers ---------------------------------------------------------------------------------------


def _logits(z: Array) -> tuple[Any, Array]:
    xp, (z,) = inputs(z=z)
    require_ndim("z", z, 1, "a logit vector z of shape (k,)")
    if z.shape[0] == 0:
        raise ValueError("z: expected at least one class (k ≥ 1), got an empty vector")
    return xp, z


def _softmax(xp: Any, z: Array, axis: int = -1) -> Array:
    """``exp(z − max z) / Σ exp(z − max z)``: shifting by the max changes nothing but avoids overflow."""
    e = xp.exp(z - xp.max(z, axis=axis, keepdims=True))
    return e / xp.sum(e, axis=axis, keepdims=True)


def _log_softmax(xp: Any, z: Array, axis: int = -1) -> Array:
    u = z - xp.max(z, axis=axis, keepdims=True)
    return u - xp.log(xp.sum(xp.exp(u), axis=axis, keepdims=True))


def _sigmoid(xp: Any, z: Array) -> Array:
    return xp.exp(-xp.logaddexp(xp.zeros_like(z), -z))


def _require_distribution(name: str, y: Array) -> None:
    """Raise ``ValueError`` if a concrete ``y`` is not a probability vector along its last axis."""
    if not is_concrete(y):
        return
    a = np.asarray(y, dtype=np.float64)
    tol = (1e-5 if str(y.dtype) == "float32" else 1e-9) * max(1, a.shape[-1])
    if np.any(a < 0):
        raise ValueError(
            f"{name}: cross-entropy targets must be probability vectors, but {name} has a negative entry "
            f"({float(a.min())!r}); pass probabilities, e.g. softmax of scores or one-hot labels"
        )
    sums = a.sum(axis=-1)
    bad = np.flatnonzero(np.abs(sums - 1.0).reshape(-1) > tol)
    if bad.size:
        raise ValueError(
            f"{name}: cross-entropy targets must sum to 1 along the last axis, but a row sums to "
            f"{float(sums.reshape(-1)[bad[0]])!r} ({bad.size} such rows); normalize it, e.g. {name} / "
            f"{name}.sum(axis=-1, keepdims=True)"
        )


def _require_labels(name: str, y: Array) -> None:
    if is_concrete(y):
        a = np.asarray(y)
        if np.any((a < 0) | (a > 1)):
            raise ValueError(
                f"{name}: binary cross-entropy labels must lie in [0, 1], got values in "
                f"[{float(a.min())!r}, {float(a.max())!r}]; pass 0/1 labels or probabilities"
            )


# --- LF-1 / LF-2 Softmax and log-softmax ----------------------------------------------------------------


def softmax(z: Array) -> Array:
    r"""Primal of LF-1: ``softmax(z)ᵢ = e^{zᵢ} / Σⱼ e^{zⱼ}``. Shapes: z ``(k,)`` → ``(k,)``."""
    xp, z = _logits(z)
    return _softmax(xp, z)


def jac_softmax_z(z: Array) -> DiagonalPlusRankOne:
    r"""∂softmax(z)/∂z = diag(s) − s sᵀ, s = softmax(z)   (LF-1, beyond §8)

    Quotient rule on ``sᵢ = e^{zᵢ}/Σ``: ``∂sᵢ/∂zⱼ = sᵢ[i = j] − sᵢ sⱼ``. A diagonal minus a rank-one
    matrix: stored as ``DiagonalPlusRankOne(s, s, s, −1)`` in O(k) memory, applied to a vector in O(k)
    (``J t = s ⊙ t − s (s·t)``); :func:`~chainrule.analytic.structured.todense` builds the ``(k, k)`` array.

    Shapes: z ``(k,)``. Returns shape ``(k, k)``, numerator layout (symmetric here). No kinks.

    >>> import numpy as np
    >>> J = jac_softmax_z(np.zeros(2))          # s = [½, ½]
    >>> J.todense()
    array([[ 0.25, -0.25],
           [-0.25,  0.25]])
    """
    xp, z = _logits(z)
    s = _softmax(xp, z)
    return DiagonalPlusRankOne(s, s, s, -1.0)


def log_softmax(z: Array) -> Array:
    r"""Primal of LF-2: ``log softmax(z)ᵢ = zᵢ − log Σⱼ e^{zⱼ}``. Shapes: z ``(k,)`` → ``(k,)``."""
    xp, z = _logits(z)
    return _log_softmax(xp, z)


def jac_log_softmax_z(z: Array) -> DiagonalPlusRankOne:
    r"""∂log softmax(z)/∂z = I − 1⃗ sᵀ, s = softmax(z)   (LF-2, beyond §8)

    ``∂/∂zⱼ (zᵢ − log Σ e^{z}) = [i = j] − sⱼ``: every row is ``eⱼᵀ − sᵀ``. Stored as
    ``DiagonalPlusRankOne(1⃗, 1⃗, s, −1)``. Shapes: z ``(k,)``; returns ``(k, k)``. No kinks.

    >>> import numpy as np
    >>> jac_log_softmax_z(np.zeros(2)).todense()
    array([[ 0.5, -0.5],
           [-0.5,  0.5]])
    """
    xp, z = _logits(z)
    s = _softmax(xp, z)
    ones = xp.ones_like(s)
    return DiagonalPlusRankOne(ones, ones, s, -1.0)


# --- LF-3 / LF-4 Softmax + cross-entropy -------------------------------------------------------------------


def softmax_cross_entropy(z: Array, y: Array) -> Array:
    r"""Primal of LF-3: ``L(z, y) = −Σᵢ yᵢ log softmax(z)ᵢ``. Shapes: z, y ``(k,)`` → ``()``; y a distribution."""
    xp, (z, y) = inputs(z=z, y=y)
    require_ndim("z", z, 1, "a logit vector z of shape (k,)")
    require_same_shape(z=z, y=y)
    _require_distribution("y", y)
    return -xp.sum(y * _log_softmax(xp, z))


def grad_softmax_cross_entropy_z(z: Array, y: Array) -> Array:
    r"""∂/∂z (−Σᵢ yᵢ log softmax(z)ᵢ) = s − y = ŷ − y   (LF-3, beyond §8)

    Chain rule through LF-2: ``−Σᵢ yᵢ (eᵢ − s) = (Σᵢ yᵢ) s − y``, and ``Σᵢ yᵢ = 1`` for a target
    distribution. The softmax Jacobian never has to be formed.

    Shapes: z, y ``(k,)``, y a probability vector (checked when concrete). Returns ``(k,)``. No kinks.

    >>> import numpy as np
    >>> grad_softmax_cross_entropy_z(np.zeros(2), np.array([1.0, 0.0]))
    array([-0.5,  0.5])
    """
    xp, (z, y) = inputs(z=z, y=y)
    require_ndim("z", z, 1, "a logit vector z of shape (k,)")
    require_same_shape(z=z, y=y)
    _require_distribution("y", y)
    return _softmax(xp, z) - y


def _batch_targets(Z: Array, Y: Array) -> tuple[Any, Array, Array]:
    xp, (Z, Y) = inputs(Z=Z, Y=Y)
    require_ndim("Z", Z, 2, "a batch of logits Z of shape (N, k), samples as rows")
    require_same_shape(Z=Z, Y=Y)
    if Z.shape[0] == 0:
        raise ValueError("Z: expected at least one sample (N ≥ 1); the mean over N is undefined")
    _require_distribution("Y", Y)
    return xp, Z, Y


def mean_softmax_cross_entropy(Z: Array, Y: Array) -> Array:
    r"""Primal of LF-4: ``L = (1/N) Σᵢ −Σⱼ Y_ij log softmax(zᵢ)ⱼ``. Shapes: Z, Y ``(N, k)`` → ``()``."""
    xp, Z, Y = _batch_targets(Z, Y)
    return -xp.sum(Y * _log_softmax(xp, Z, axis=1)) / Z.shape[0]


def grad_mean_softmax_cross_entropy_Z(Z: Array, Y: Array) -> Array:
    r"""∂L/∂Z = (S − Y)/N, S = row-wise softmax(Z)   (LF-4, beyond §8)

    LF-3 per sample, divided by N for the mean. Shapes: Z, Y ``(N, k)``, each row of Y a probability
    vector. Returns ``(N, k)``. No kinks.

    >>> import numpy as np
    >>> grad_mean_softmax_cross_entropy_Z(np.zeros((2, 2)), np.array([[1.0, 0.0], [0.0, 1.0]]))
    array([[-0.25,  0.25],
           [ 0.25, -0.25]])
    """
    xp, Z, Y = _batch_targets(Z, Y)
    return (_softmax(xp, Z, axis=1) - Y) / Z.shape[0]


# --- LF-5 Binary cross-entropy with logits ------------------------------------------------------------------


def _binary(z: Array, y: Array) -> tuple[Any, Array, Array]:
    xp, (z, y) = inputs(z=z, y=y)
    require_ndim("z", z, 1, "a logit vector z of shape (N,), one per sample")
    require_same_shape(z=z, y=y)
    if z.shape[0] == 0:
        raise ValueError("z: expected at least one sample (N ≥ 1); the mean over N is undefined")
    _require_labels("y", y)
    return xp, z, y


def bce_with_logits(z: Array, y: Array) -> Array:
    r"""Primal of LF-5: ``(1/N) Σᵢ −yᵢ log σ(zᵢ) − (1 − yᵢ) log(1 − σ(zᵢ)) = (1/N) Σᵢ softplus(zᵢ) − yᵢ zᵢ``.

    Shapes: z, y ``(N,)``, y in [0, 1] → ``()``. Computed as ``logaddexp(0, z) − y z`` (no overflow).
    """
    xp, z, y = _binary(z, y)
    return xp.mean(xp.logaddexp(xp.zeros_like(z), z) - y * z)


def grad_bce_with_logits_z(z: Array, y: Array) -> Array:
    r"""∂/∂z BCE(σ(z), y) = (σ(z) − y)/N   (LF-5, beyond §8)

    ``d/dz [log(1 + e^z) − y z] = σ(z) − y``: the one-class form of LF-3's ``ŷ − y``.
    Shapes: z, y ``(N,)``. Returns ``(N,)``. No kinks.

    >>> import numpy as np
    >>> grad_bce_with_logits_z(np.array([0.0, 0.0]), np.array([1.0, 0.0]))
    array([-0.25,  0.25])
    """
    xp, z, y = _binary(z, y)
    return (_sigmoid(xp, z) - y) / z.shape[0]


# --- LF-6 / LF-7 Regression losses --------------------------------------------------------------------------


def _regression(y_hat: Array, y: Array) -> tuple[Any, Array, Array]:
    xp, (y_hat, y) = inputs(y_hat=y_hat, y=y)
    if y_hat.ndim == 0 or y_hat.shape[0] == 0:
        raise ValueError(
            f"y_hat: expected predictions of shape (N,) or (N, k) with N ≥ 1, got {tuple(y_hat.shape)}"
        )
    require_same_shape(y_hat=y_hat, y=y)
    return xp, y_hat, y


def _size(a: Array) -> int:
    n = 1
    for d in a.shape:
        n *= int(d)
    return n


def mse(y_hat: Array, y: Array) -> Array:
    r"""Primal of LF-6: ``MSE = (1/N) Σᵢ (ŷᵢ − yᵢ)²`` over all N entries. Shapes: y_hat, y any equal shape."""
    xp, y_hat, y = _regression(y_hat, y)
    r = y_hat - y
    return xp.mean(r * r)


def grad_mse_y_hat(y_hat: Array, y: Array) -> Array:
    r"""∂MSE/∂ŷ = (2/N)(ŷ − y)   (LF-6, beyond §8; RULES L-1 with v = ŷ − y)

    N counts every entry. Shapes: y_hat, y of one shape; returns that shape. No kinks.

    >>> import numpy as np
    >>> grad_mse_y_hat(np.array([1.0, 2.0]), np.array([0.0, 0.0]))
    array([1., 2.])
    """
    _xp, y_hat, y = _regression(y_hat, y)
    return (2.0 / _size(y_hat)) * (y_hat - y)


def _check_delta(delta: float) -> None:
    if isinstance(delta, bool) or not isinstance(delta, (int, float)) or not delta > 0:
        raise ValueError(f"delta: expected the Huber threshold as a positive float, got {delta!r}")


def huber(y_hat: Array, y: Array, delta: float = 1.0) -> Array:
    r"""Primal of LF-7: ``(1/N) Σᵢ h_δ(ŷᵢ − yᵢ)``, ``h_δ(r) = ½r² if |r| ≤ δ else δ(|r| − ½δ)``.

    Shapes: y_hat, y any equal shape; δ > 0 a Python float. Written ``where(|r| ≤ δ, ½r², …)``.
    """
    xp, y_hat, y = _regression(y_hat, y)
    _check_delta(delta)
    r = y_hat - y
    a = xp.abs(r)
    return xp.mean(xp.where(a <= delta, 0.5 * r * r, delta * (a - 0.5 * delta)))


def grad_huber_y_hat(y_hat: Array, y: Array, delta: float = 1.0) -> Array:
    r"""∂/∂ŷ (1/N) Σᵢ h_δ(ŷᵢ − yᵢ) = (1/N) clip(r, −δ, δ), r = ŷ − y   (LF-7, beyond §8)

    ``h_δ'(r) = r`` for ``|r| ≤ δ`` and ``δ·sign(r)`` beyond: the gradient of the squared error, capped at
    δ in size (robust to outliers). Shapes: y_hat, y of one shape; returns that shape.
    Kink: at ``|r| = δ`` both branches give ``±δ`` (h_δ is C¹); the quadratic branch is used.

    >>> import numpy as np
    >>> grad_huber_y_hat(np.array([0.5, 3.0, -1.0]), np.zeros(3), delta=1.0) * 3
    array([ 0.5,  1. , -1. ])
    """
    xp, y_hat, y = _regression(y_hat, y)
    _check_delta(delta)
    r = y_hat - y
    capped = xp.where(r > 0, xp.full_like(r, delta), xp.full_like(r, -delta))
    return xp.where(xp.abs(r) <= delta, r, capped) / _size(r)


# --- LF-8 Logistic regression ------------------------------------------------------------------------------


def _logistic(w: Array, b: Array, X: Array, y: Array) -> tuple[Any, Array, Array, Array, Array]:
    xp, (w, b, X, y) = inputs(w=w, b=b, X=X, y=y)
    require_ndim("w", w, 1, "a weight vector w of shape (n,)")
    require_ndim("b", b, 0, "a scalar bias b")
    require_ndim("X", X, 2, "a data matrix X of shape (N, n), samples as rows")
    require_ndim("y", y, 1, "binary labels y of shape (N,)")
    if X.shape[1] != w.shape[0] or X.shape[0] != y.shape[0] or X.shape[0] == 0:
        raise ValueError(
            f"logistic regression needs X (N, n) with N ≥ 1, w (n,) and y (N,); got X {tuple(X.shape)}, "
            f"w {tuple(w.shape)}, y {tuple(y.shape)}"
        )
    _require_labels("y", y)
    return xp, w, b, X, y


def logistic_loss(w: Array, b: Array, X: Array, y: Array) -> Array:
    r"""Primal of LF-8: ``L(w, b) = (1/N) Σᵢ BCE(σ(w·xᵢ + b), yᵢ)`` (LF-5 with ``z = Xw + b``).

    Shapes: w ``(n,)``, b ``()``, X ``(N, n)``, y ``(N,)`` in [0, 1] → ``()``.
    """
    xp, w, b, X, y = _logistic(w, b, X, y)
    z = X @ w + b
    return xp.mean(xp.logaddexp(xp.zeros_like(z), z) - y * z)


def grad_logistic_loss_w(w: Array, b: Array, X: Array, y: Array) -> Array:
    r"""∂L/∂w = (1/N) Xᵀ (σ(Xw + b) − y) = (1/N) Σᵢ (pᵢ − yᵢ) xᵢ   (LF-8, beyond §8)

    LF-5's ``(p − y)/N`` pulled back through ``z = Xw + b`` (``∂z/∂w = X``). Compare the paper's §6:
    the same error-weighted average of the samples, with ``p − y`` for ``z − y`` and no mask.
    Shapes as :func:`logistic_loss`; returns ``(n,)``. No kinks.

    >>> import numpy as np
    >>> grad_logistic_loss_w(np.zeros(2), 0.0, np.array([[1.0, 2.0]]), np.array([1.0]))
    array([-0.5, -1. ])
    """
    xp, w, b, X, y = _logistic(w, b, X, y)
    return ((_sigmoid(xp, X @ w + b) - y) @ X) / X.shape[0]


def grad_logistic_loss_b(w: Array, b: Array, X: Array, y: Array) -> Array:
    r"""∂L/∂b = (1/N) Σᵢ (σ(w·xᵢ + b) − yᵢ)   (LF-8, beyond §8)

    Shapes as :func:`logistic_loss`; returns a scalar. No kinks.

    >>> import numpy as np
    >>> float(grad_logistic_loss_b(np.zeros(1), 0.0, np.array([[1.0], [2.0]]), np.array([1.0, 1.0])))
    -0.5
    """
    xp, w, b, X, y = _logistic(w, b, X, y)
    return xp.mean(_sigmoid(xp, X @ w + b) - y)
