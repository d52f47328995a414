r"""Beyond §8: classification losses over a batch with integer labels: multi-class SVM, softmax classifier,
label smoothing.

Notation: ``S`` (or ``Z``) of shape ``(N, C)`` holds one row of class scores (logits) per sample; ``y`` of
shape ``(N,)`` the integer class labels ``yᵢ ∈ {0, …, C − 1}``; ``Y = onehot(y)`` ``(N, C)``. The
linear classifier of LAYER-27 has weights ``W`` ``(D, C)`` and data ``X`` ``(N, D)``, samples as rows,
scores ``X W`` (CS231n's convention). Every loss is a mean over the N samples.

IDs (not in RULES.md; the layer topic's own scheme, origin "extension"):

* ``LAYER-26`` multi-class SVM (hinge) loss, CS231n's ``svm_loss``:
  ``L = (1/N) Σᵢ Σ_{j≠yᵢ} max(0, S_ij − S_{i,yᵢ} + Δ)``, gradient wrt S;
* ``LAYER-27`` softmax loss of a linear classifier, CS231n's ``softmax_loss_vectorized`` (no
  regularization): ``L = −(1/N) Σᵢ log softmax(xᵢW)_{yᵢ}``, gradients wrt W and X;
* ``LAYER-28`` label-smoothed cross-entropy (Szegedy et al. 2016, §7): LF-4 with the target
  ``(1 − ε) Y + ε/C``, gradient wrt Z.

LAYER-27 and LAYER-28 are LF-4 (:func:`chainrule.analytic.lossfn.mean_softmax_cross_entropy`, gradient
``(softmax(Z) − T)/N``) with a particular target ``T``; they call it rather than restate it.

Labels: integers, stored in the scores' floating dtype (``1.0`` for class 1) or passed as an integer
array (converted to that dtype). Concrete labels are checked to be integral and in ``[0, C)``; inside
``jax.jit`` their values are not known and are not checked. No gradient flows to the labels (they only
select entries, through comparisons).

Kink convention (LAYER-26): the hinge ``max(0, m)`` of a margin ``m = S_ij − S_{i,yᵢ} + Δ`` has
derivative **0 at m = 0**, like the paper's ReLU (RULES N-3) and like CS231n's ``margins > 0``. The
primal is written ``where(m > 0, m, 0)``, so JAX agrees (``jnp.maximum(0, m)`` would give ½ there).

References:
  CS231n, Stanford, "Convolutional Neural Networks for Visual Recognition": ``svm_loss`` and
  ``softmax_loss`` (assignment code ``cs231n/layers.py``, ``cs231n/classifiers/softmax.py``).
  C. Szegedy et al., "Rethinking the Inception Architecture for Computer Vision", CVPR 2016,
  arXiv:1512.00567, §7 (label-smoothing regularization).
  J. Weston and C. Watkins, "Support Vector Machines for Multi-Class Pattern Recognition", ESANN 1999.
"""

from __future__ import annotations

from typing import Any

import array_api_compat
import numpy as np

from . import lossfn as lf
from ._array import inputs, is_concrete, require_ndim

__all__ = [
    "grad_label_smoothed_cross_entropy_Z",
    "grad_softmax_classifier_loss_W",
    "grad_softmax_classifier_loss_X",
    "grad_svm_loss_S",
    "label_smoothed_cross_entropy",
    "softmax_classifier_loss",
    "svm_loss",
]

Array = Any


# --- helpers: labels --------------------------------------------------------------------------------------


def _float_labels(y: Array, like: Array) -> Array:
    """An integer label array in ``like``'s floating dtype (other inputs are left to :func:`inputs`)."""
    kind = getattr(getattr(y, "dtype", None), "kind", None)
    if kind in ("i", "u") and hasattr(like, "dtype") and hasattr(y, "shape"):
        return array_api_compat.array_namespace(y).astype(y, like.dtype)
    return y


def _require_labels(y: Array, N: int, C: int) -> None:
    """``y`` of shape ``(N,)``; when concrete, integral and in ``[0, C)``."""
    require_ndim("y", y, 1, "integer class labels y of shape (N,), one per sample")
    if y.shape[0] != N:
        raise ValueError(
            f"y has {y.shape[0]} labels but the scores have {N} rows (one per sample); pass one label per sample"
        )
    if not is_concrete(y):
        return
    a = np.asarray(y, dtype=np.float64)
    fractional = np.flatnonzero(~(a == np.round(a)))
    if fractional.size:
        raise ValueError(
            f"y: class labels must be integers, but y[{int(fractional[0])}] = {float(a[fractional[0]])!r} "
            f"({fractional.size} such entries); pass integer labels 0 … {C - 1}, e.g. y.round()"
        )
    outside = np.flatnonzero((a < 0) | (a >= C))
    if outside.size:
        raise ValueError(
            f"y: class labels must lie in 0 … {C - 1} (C = {C} classes, the scores' columns), but "
            f"y[{int(outside[0])}] = {int(a[outside[0]])} ({outside.size} such entries); check the labels "
            "or the number of classes"
        )


def _scores(S: Array, y: Array, name: str) -> tuple[Any, Array, Array]:
    """Validate scores ``(N, C)`` (called ``name``) and labels ``(N,)``; N ≥ 1, C ≥ 1."""
    xp, (S, y) = inputs(**{name: S, "y": _float_labels(y, S)})
    require_ndim(name, S, 2, f"class scores {name} of shape (N, C), one row per sample")
    N, C = S.shape
    if N == 0 or C == 0:
        raise ValueError(
            f"{name}: expected at least one sample and one class (N, C ≥ 1), got shape {tuple(S.shape)}; "
            "the mean over N is undefined"
        )
    _require_labels(y, N, C)
    return xp, S, y


def _is_label(xp: Any, y: Array, C: int, dtype: Any) -> Array:
    """The boolean ``(N, C)`` mask ``[j = yᵢ]``."""
    return y[:, None] == xp.arange(C, dtype=dtype)[None, :]


def _one_hot(xp: Any, y: Array, C: int, dtype: Any) -> Array:
    """``Y = onehot(y)``, ``(N, C)``, in ``dtype``."""
    return xp.astype(_is_label(xp, y, C, dtype), dtype)


def _check_delta(name: str, value: float) -> None:
    if isinstance(value, bool) or not isinstance(value, (int, float)) or not value > 0:
        raise ValueError(f"{name}: expected the SVM margin Δ as a positive float, got {value!r}")


def _check_smoothing(eps: float) -> None:
    if isinstance(eps, bool) or not isinstance(eps, (int, float)) or not 0 <= eps <= 1:
        raise ValueError(f"eps: expected the label-smoothing weight ε as a float in [0, 1], got {eps!r}")


# --- LAYER-26 Multi-class SVM loss -------------------------------------------------------------------------


def _margins(xp: Any, S: Array, y: Array, delta: float) -> tuple[Array, Array]:
    """``M = S − S_{i,yᵢ} 1⃗ᵀ + Δ`` and the mask of the hinges that count, ``[j ≠ yᵢ] ∧ [M > 0]``."""
    C = S.shape[1]
    is_y = _is_label(xp, y, C, S.dtype)
    correct = xp.sum(xp.where(is_y, S, xp.zeros_like(S)), axis=1)  # S_{i,yᵢ}, (N,)
    M = S - correct[:, None] + delta
    return M, (M > 0) & ~is_y


def svm_loss(S: Array, y: Array, delta: float = 1.0) -> Array:
    r"""Primal of LAYER-26: ``L = (1/N) Σᵢ Σ_{j≠yᵢ} max(0, S_ij − S_{i,yᵢ} + Δ)``, written ``where(m > 0, m, 0)``.

    Shapes: S ``(N, C)``, y ``(N,)`` integer labels in ``[0, C)``, Δ > 0 a Python float → ``()``.
    The hinge term of the correct class itself (always Δ) is left out, as in CS231n's ``svm_loss``.
    """
    xp, S, y = _scores(S, y, "S")
    _check_delta("delta", delta)
    M, counted = _margins(xp, S, y, delta)
    return xp.sum(xp.where(counted, M, xp.zeros_like(M))) / S.shape[0]


def grad_svm_loss_S(S: Array, y: Array, delta: float = 1.0) -> Array:
    r"""∂L/∂S = (A − Y ∘ (A 1⃗) 1⃗ᵀ)/N, A_ij = [j ≠ yᵢ][S_ij − S_{i,yᵢ} + Δ > 0], Y = onehot(y)   (LAYER-26, beyond §8)

    Each active hinge j ≠ yᵢ adds ``+1`` to ``S_ij`` and ``−1`` to the correct score ``S_{i,yᵢ}``:
    row i of the gradient is ``A_i`` with ``−(number of active hinges)`` at column ``yᵢ`` (CS231n's
    ``num_pos``), all divided by N. Shapes: S ``(N, C)``, y ``(N,)``. Returns ``(N, C)``, like S.
    Kink: a margin exactly 0 is inactive (derivative 0, like ReLU; JAX agrees with this primal).

    >>> import numpy as np
    >>> grad_svm_loss_S(np.array([[1.0, 2.0, -3.0]]), np.array([0.0]))   # margins 2 (active) and −3
    array([[-1.,  1.,  0.]])
    """
    xp, S, y = _scores(S, y, "S")
    _check_delta("delta", delta)
    _M, counted = _margins(xp, S, y, delta)
    A = xp.astype(counted, S.dtype)
    Y = _one_hot(xp, y, S.shape[1], S.dtype)
    return (A - Y * xp.sum(A, axis=1, keepdims=True)) / S.shape[0]


# --- LAYER-27 Softmax loss of a linear classifier -------------------------------------------------------------


def _classifier(W: Array, X: Array, y: Array) -> tuple[Any, Array, Array, Array]:
    xp, (W, X, y) = inputs(W=W, X=X, y=_float_labels(y, W))
    require_ndim("W", W, 2, "classifier weights W of shape (D, C), one column per class")
    require_ndim("X", X, 2, "data X of shape (N, D), samples as rows")
    if X.shape[1] != W.shape[0]:
        raise ValueError(
            f"X has {X.shape[1]} features per sample (shape {tuple(X.shape)}) but W has {W.shape[0]} rows "
            f"(shape {tuple(W.shape)}); the scores X W need them to match"
        )
    N, C = X.shape[0], W.shape[1]
    if N == 0 or C == 0:
        raise ValueError(
            f"expected at least one sample and one class (N, C ≥ 1), got X {tuple(X.shape)}, W {tuple(W.shape)}"
        )
    _require_labels(y, N, C)
    return xp, W, X, y


def softmax_classifier_loss(W: Array, X: Array, y: Array) -> Array:
    r"""Primal of LAYER-27: ``L = −(1/N) Σᵢ log softmax(xᵢ W)_{yᵢ}``: LF-4 of the scores ``X W`` and ``onehot(y)``.

    Shapes: W ``(D, C)``, X ``(N, D)``, y ``(N,)`` integer labels in ``[0, C)`` → ``()``. CS231n's
    ``softmax_loss_vectorized`` with ``reg = 0``.
    """
    xp, W, X, y = _classifier(W, X, y)
    return lf.mean_softmax_cross_entropy(X @ W, _one_hot(xp, y, W.shape[1], W.dtype))


def grad_softmax_classifier_loss_W(W: Array, X: Array, y: Array) -> Array:
    r"""∂L/∂W = Xᵀ (softmax(X W) − Y)/N, Y = onehot(y)   (LAYER-27, beyond §8; LF-4 through Z = X W)

    LF-4's ``∂L/∂Z = (softmax(Z) − Y)/N`` pulled back through the scores ``Z = X W`` (a batched
    linear layer, LAYER-2). Shapes: W ``(D, C)``, X ``(N, D)``, y ``(N,)``. Returns ``(D, C)``, like W.
    No kinks.

    >>> import numpy as np
    >>> grad_softmax_classifier_loss_W(np.zeros((1, 2)), np.array([[2.0]]), np.array([1.0]))   # p = [½, ½]
    array([[ 1., -1.]])
    """
    xp, W, X, y = _classifier(W, X, y)
    G = lf.grad_mean_softmax_cross_entropy_Z(X @ W, _one_hot(xp, y, W.shape[1], W.dtype))
    return X.T @ G


def grad_softmax_classifier_loss_X(W: Array, X: Array, y: Array) -> Array:
    r"""∂L/∂X = (softmax(X W) − Y) Wᵀ/N, Y = onehot(y)   (LAYER-27, beyond §8; LF-4 through Z = X W)

    The input side of the same pull-back (the gradient an adversarial example follows). Shapes as
    :func:`grad_softmax_classifier_loss_W`. Returns ``(N, D)``, like X. No kinks.

    >>> import numpy as np
    >>> grad_softmax_classifier_loss_X(np.array([[1.0, -1.0]]), np.zeros((1, 1)), np.array([0.0]))
    array([[-1.]])
    """
    xp, W, X, y = _classifier(W, X, y)
    G = lf.grad_mean_softmax_cross_entropy_Z(X @ W, _one_hot(xp, y, W.shape[1], W.dtype))
    return G @ W.T


# --- LAYER-28 Label-smoothed cross-entropy ----------------------------------------------------------------------


def _smoothed_target(xp: Any, Z: Array, y: Array, eps: float) -> Array:
    """``T = (1 − ε) onehot(y) + ε/C``: every row a probability vector."""
    C = Z.shape[1]
    return (1.0 - eps) * _one_hot(xp, y, C, Z.dtype) + eps / C


def label_smoothed_cross_entropy(Z: Array, y: Array, eps: float = 0.1) -> Array:
    r"""Primal of LAYER-28: ``L = −(1/N) Σᵢ Σⱼ T_ij log softmax(zᵢ)ⱼ``, ``T = (1 − ε) onehot(y) + ε/C``.

    Shapes: Z ``(N, C)`` logits, y ``(N,)`` integer labels in ``[0, C)``, ε in [0, 1] a Python float
    → ``()``. ε = 0 is plain cross-entropy with one-hot targets; ε = 1 the cross-entropy to the uniform
    distribution. LF-4 with the smoothed target.
    """
    xp, Z, y = _scores(Z, y, "Z")
    _check_smoothing(eps)
    return lf.mean_softmax_cross_entropy(Z, _smoothed_target(xp, Z, y, eps))


def grad_label_smoothed_cross_entropy_Z(Z: Array, y: Array, eps: float = 0.1) -> Array:
    r"""∂L/∂Z = (softmax(Z) − T)/N, T = (1 − ε) onehot(y) + ε/C   (LAYER-28, beyond §8; Szegedy et al. 2016)

    LF-4's ``(S − Y)/N`` with the smoothed target: its rows still sum to 1, so the gradient's rows sum
    to 0. The gradient vanishes at ``softmax(zᵢ) = tᵢ``, a finite logit gap, where one-hot targets
    (ε = 0) push the correct logit to infinity. Shapes: Z ``(N, C)``, y ``(N,)``. Returns ``(N, C)``,
    like Z. No kinks.

    >>> import numpy as np
    >>> grad_label_smoothed_cross_entropy_Z(np.zeros((1, 2)), np.array([0.0]), eps=0.2)   # T = [0.9, 0.1]
    array([[-0.4,  0.4]])
    """
    xp, Z, y = _scores(Z, y, "Z")
    _check_smoothing(eps)
    return lf.grad_mean_softmax_cross_entropy_Z(Z, _smoothed_target(xp, Z, y, eps))
