r"""Beyond the paper: second derivatives. Closed-form Hessians and Hessian-vector products.

The Hessian of a scalar ``f`` with respect to ``x`` of shape ``(n,)`` is the ``(n, n)`` matrix
``∇²f = ∂(∇f)/∂x``: the Jacobian of the gradient (numerator layout: ``x.shape + x.shape``, entry
``(i, j) = ∂²f/∂xᵢ∂xⱼ``, symmetric). Newton's method, Gauss–Newton, curvature diagnostics and
influence functions all need it, or its product with a vector ``∇²f·t`` (an HVP), which costs about as
much as one gradient and never builds the ``n × n`` matrix: the ``hvp_*`` functions here are the
closed forms of ``jax.jvp(jax.grad(f))``.

IDs (not in RULES.md; this module's own scheme, origin "extension"):

* ``H-1`` quadratic form ``xᵀAx``: ``A + Aᵀ`` (Matrix Cookbook §2.4.4);
* ``H-2`` least squares ``(1/N)‖Xw + b − y‖²``: ``(2/N) XᵀX`` (the §6 loss without the ReLU);
* ``H-3`` the paper's neuron loss (§6): ``(2/N) Xᵀ diag(1[z > 0]) X``, the active-set form;
* ``H-4`` logistic regression: ``Xᵀ diag(p ⊙ (1 − p)) X / N``, ``p = σ(Xw + b)``;
* ``H-5`` softmax cross-entropy with respect to the logits: ``diag(s) − s sᵀ`` (structured);
* ``H-6`` Huber loss: ``diag(1[|r| ≤ δ])/N`` (kink convention below);
* ``H-7`` log|det X|: the HVP ``−X⁻ᵀ Tᵀ X⁻ᵀ`` (Matrix Cookbook (57) differentiated with (59)).

Kink conventions. H-3: ``max(0, z)`` has second derivative 0 away from 0, and a unit with ``zᵢ = 0`` is
inactive (the paper's convention, RULES N-3), so only active samples contribute. H-6: the Huber
loss's second derivative jumps from 1 (``|r| < δ``) to 0 (``|r| > δ``); chainrule takes **1 at
|r| = δ** (the quadratic branch, ``|r| ≤ δ``, as in the primal's ``where``, so JAX agrees).

References:
  K. B. Petersen and M. S. Pedersen, "The Matrix Cookbook", version 20121115, §2.4.4.
  B. A. Pearlmutter, "Fast Exact Multiplication by the Hessian", Neural Computation 6(1), 1994.
"""

from __future__ import annotations

from typing import Any

from ._array import inputs
from .lossfn import _check_delta, _logistic, _regression, _require_distribution, _sigmoid, _softmax
from .matrix import _invertible, _xAx
from .neuron import _data
from .structured import Diagonal, DiagonalPlusRankOne

__all__ = [
    "hess_huber_y_hat",
    "hess_least_squares_w",
    "hess_logistic_loss_w",
    "hess_loss_w",
    "hess_quadratic_form_x",
    "hess_softmax_cross_entropy_z",
    "hvp_least_squares_w",
    "hvp_log_abs_det_X",
    "hvp_logistic_loss_w",
    "hvp_loss_w",
    "hvp_quadratic_form_x",
    "hvp_softmax_cross_entropy_z",
]

Array = Any


def _tangent(t: Array, like: Array, name: str) -> Array:
    if tuple(t.shape) != tuple(like.shape):
        raise ValueError(
            f"t: expected a direction shaped like {name}, {tuple(like.shape)}, got {tuple(t.shape)}; "
            f"a Hessian-vector product ∇²f·t needs t in {name}'s space"
        )
    return t


# --- H-1 Quadratic form ----------------------------------------------------------------------------------


def hess_quadratic_form_x(A: Array, x: Array) -> Array:
    r"""∇²ₓ(xᵀAx) = A + Aᵀ   (H-1; Matrix Cookbook §2.4.4)

    The gradient is ``(A + Aᵀ)x`` (MAT-4), linear in x; its Jacobian is the constant ``A + Aᵀ``.
    Shapes: A ``(n, n)``, x ``(n,)``; returns ``(n, n)``, symmetric. No kinks.

    >>> import numpy as np
    >>> hess_quadratic_form_x(np.array([[1.0, 2.0], [0.0, 1.0]]), np.zeros(2))
    array([[2., 2.],
           [2., 2.]])
    """
    _, A, x = _xAx(A, x)
    return A + A.T


def hvp_quadratic_form_x(A: Array, x: Array, t: Array) -> Array:
    r"""∇²ₓ(xᵀAx)·t = (A + Aᵀ)t = At + Aᵀt   (H-1)

    Two matrix-vector products, without forming A + Aᵀ. Shapes: A ``(n, n)``, x, t ``(n,)``; returns
    ``(n,)``. No kinks.

    >>> import numpy as np
    >>> hvp_quadratic_form_x(np.array([[0.0, 1.0], [0.0, 0.0]]), np.zeros(2), np.array([1.0, 0.0]))
    array([0., 1.])
    """
    _, (A, x, t) = inputs(A=A, x=x, t=t)
    _, A, x = _xAx(A, x)
    t = _tangent(t, x, "x")
    return A @ t + t @ A


# --- H-2 / H-3 Least squares and the neuron loss ----------------------------------------------------------


def hess_least_squares_w(w: Array, b: Array, X: Array, y: Array) -> Array:
    r"""∇²_w (1/N) Σᵢ (yᵢ − (w·xᵢ + b))² = (2/N) XᵀX   (H-2; beyond §6)

    The gradient ``(2/N) Xᵀ(Xw + b − y)`` (RULES L-3 corollary) is affine in w with matrix
    ``(2/N) XᵀX``. Independent of w, b and y. Shapes: w ``(n,)``, b ``()``, X ``(N, n)``, y ``(N,)``;
    returns ``(n, n)``. No kinks.

    >>> import numpy as np
    >>> hess_least_squares_w(np.zeros(2), 0.0, np.array([[1.0, 2.0]]), np.zeros(1))
    array([[2., 4.],
           [4., 8.]])
    """
    _, w, b, X, y = _data(w, b, X, y)
    return (2.0 / X.shape[0]) * (X.T @ X)


def hvp_least_squares_w(w: Array, b: Array, X: Array, y: Array, t: Array) -> Array:
    r"""∇²_w C·t = (2/N) Xᵀ(X t)   (H-2)

    Two matrix-vector products, O(Nn), instead of the O(Nn²) product XᵀX. Shapes as
    :func:`hess_least_squares_w`, t ``(n,)``; returns ``(n,)``. No kinks.

    >>> import numpy as np
    >>> hvp_least_squares_w(np.zeros(2), 0.0, np.array([[1.0, 2.0]]), np.zeros(1), np.array([1.0, 0.0]))
    array([2., 4.])
    """
    _, (t,) = inputs(t=t)
    _, w, b, X, y = _data(w, b, X, y)
    t = _tangent(t, w, "w")
    return (2.0 / X.shape[0]) * ((X @ t) @ X)


def hess_loss_w(w: Array, b: Array, X: Array, y: Array) -> Array:
    r"""∇²_w C = (2/N) Σᵢ 1[zᵢ > 0] xᵢ xᵢᵀ = (2/N) Xᵀ diag(1[z > 0]) X, z = Xw + b   (H-3; beyond §6)

    Differentiating RULES L-3's ``(2/N) Σᵢ 1[zᵢ > 0] eᵢ xᵢᵀ`` once more: ``∂eᵢ/∂w = xᵢᵀ`` and the mask's
    derivative is 0 away from the kink, so the Hessian is the least-squares one (H-2) over the
    **active set** only. Shapes: w ``(n,)``, b ``()``, X ``(N, n)``, y ``(N,)``; returns ``(n, n)``.
    Kink: a sample with ``zᵢ = 0`` is inactive (contributes nothing).

    >>> import numpy as np
    >>> hess_loss_w(np.array([1.0]), 0.0, np.array([[2.0], [-3.0]]), np.zeros(2))   # only sample 0 active
    array([[4.]])
    """
    xp, w, b, X, y = _data(w, b, X, y)
    active = xp.astype(X @ w + b > 0, X.dtype)
    return (2.0 / X.shape[0]) * ((X.T * active[None, :]) @ X)


def hvp_loss_w(w: Array, b: Array, X: Array, y: Array, t: Array) -> Array:
    r"""∇²_w C·t = (2/N) Xᵀ(1[z > 0] ⊙ X t)   (H-3)

    Shapes as :func:`hess_loss_w`, t ``(n,)``; returns ``(n,)``. Kink: as :func:`hess_loss_w`.

    >>> import numpy as np
    >>> hvp_loss_w(np.array([1.0]), 0.0, np.array([[2.0], [-3.0]]), np.zeros(2), np.array([1.0]))
    array([4.])
    """
    _, (t,) = inputs(t=t)
    xp, w, b, X, y = _data(w, b, X, y)
    t = _tangent(t, w, "w")
    active = xp.astype(X @ w + b > 0, X.dtype)
    return (2.0 / X.shape[0]) * ((active * (X @ t)) @ X)


# --- H-4 Logistic regression ---------------------------------------------------------------------------


def hess_logistic_loss_w(w: Array, b: Array, X: Array, y: Array) -> Array:
    r"""∇²_w L = (1/N) Xᵀ diag(p ⊙ (1 − p)) X, p = σ(Xw + b)   (H-4; beyond §8)

    The gradient is ``(1/N) Xᵀ(p − y)`` (LF-8) and ``∂pᵢ/∂w = σ'(zᵢ) xᵢᵀ = pᵢ(1 − pᵢ) xᵢᵀ``. Positive
    semi-definite and independent of y: the loss is convex. Shapes: w ``(n,)``, b ``()``, X ``(N, n)``,
    y ``(N,)``; returns ``(n, n)``. No kinks.

    >>> import numpy as np
    >>> hess_logistic_loss_w(np.zeros(1), 0.0, np.array([[2.0]]), np.array([1.0]))   # p = ½: ¼·2·2
    array([[1.]])
    """
    xp, w, b, X, y = _logistic(w, b, X, y)
    p = _sigmoid(xp, X @ w + b)
    return ((X.T * (p * (1.0 - p))[None, :]) @ X) / X.shape[0]


def hvp_logistic_loss_w(w: Array, b: Array, X: Array, y: Array, t: Array) -> Array:
    r"""∇²_w L·t = (1/N) Xᵀ(p ⊙ (1 − p) ⊙ X t)   (H-4)

    O(Nn) per product: the form second-order optimizers (Newton-CG, TRON) use. Shapes as
    :func:`hess_logistic_loss_w`, t ``(n,)``; returns ``(n,)``. No kinks.

    >>> import numpy as np
    >>> hvp_logistic_loss_w(np.zeros(1), 0.0, np.array([[2.0]]), np.array([1.0]), np.array([3.0]))
    array([3.])
    """
    _, (t,) = inputs(t=t)
    xp, w, b, X, y = _logistic(w, b, X, y)
    t = _tangent(t, w, "w")
    p = _sigmoid(xp, X @ w + b)
    return ((p * (1.0 - p) * (X @ t)) @ X) / X.shape[0]


# --- H-5 Softmax cross-entropy -------------------------------------------------------------------------


def _ce(z: Array, y: Array) -> tuple[Any, Array, Array]:
    xp, (z, y) = inputs(z=z, y=y)
    if z.ndim != 1 or tuple(y.shape) != tuple(z.shape):
        raise ValueError(
            f"expected logits z and a target distribution y of one shape (k,), got z {tuple(z.shape)}, "
            f"y {tuple(y.shape)}"
        )
    _require_distribution("y", y)
    return xp, z, y


def hess_softmax_cross_entropy_z(z: Array, y: Array) -> DiagonalPlusRankOne:
    r"""∇²_z (−Σᵢ yᵢ log softmax(z)ᵢ) = diag(s) − s sᵀ, s = softmax(z)   (H-5; beyond §8)

    The gradient is ``s − y`` (LF-3); its Jacobian is the softmax Jacobian (LF-1), whatever the target.
    Positive semi-definite with null vector 1⃗ (adding a constant to every logit changes nothing).
    Returned structured (diagonal minus rank one, O(k)). Shapes: z, y ``(k,)``, y a probability vector;
    returns ``(k, k)``. No kinks.

    >>> import numpy as np
    >>> hess_softmax_cross_entropy_z(np.zeros(2), np.array([1.0, 0.0])).todense()
    array([[ 0.25, -0.25],
           [-0.25,  0.25]])
    """
    xp, z, y = _ce(z, y)
    s = _softmax(xp, z)
    return DiagonalPlusRankOne(s, s, s, -1.0)


def hvp_softmax_cross_entropy_z(z: Array, y: Array, t: Array) -> Array:
    r"""∇²_z L·t = s ⊙ t − s (s·t)   (H-5)

    O(k) per product. Shapes: z, y, t ``(k,)``; returns ``(k,)``. No kinks.

    >>> import numpy as np
    >>> hvp_softmax_cross_entropy_z(np.zeros(2), np.array([1.0, 0.0]), np.array([1.0, 1.0]))
    array([0., 0.])
    """
    _, (t,) = inputs(t=t)
    xp, z, y = _ce(z, y)
    t = _tangent(t, z, "z")
    s = _softmax(xp, z)
    return s * t - s * xp.sum(s * t)


# --- H-6 Huber -------------------------------------------------------------------------------------


def hess_huber_y_hat(y_hat: Array, y: Array, delta: float = 1.0) -> Diagonal:
    r"""∇²_ŷ (1/N) Σᵢ h_δ(ŷᵢ − yᵢ) = diag(1[``|rᵢ| ≤ δ``])/N, r = ŷ − y   (H-6; beyond §8)

    ``h_δ'' = 1`` on the quadratic part and 0 on the linear part; each entry depends on its own
    residual only, so the Hessian is diagonal (returned as a Diagonal, O(N)).
    Shapes: y_hat, y ``(N,)``, δ > 0; returns ``(N, N)``.
    Kink: **1/N at |rᵢ| = δ** (the quadratic branch; JAX differentiates the primal's ``where(|r| ≤ δ, …)``
    the same way).

    >>> import numpy as np
    >>> hess_huber_y_hat(np.array([0.5, 1.0, 3.0]), np.zeros(3), delta=1.0).diagonal() * 3
    array([1., 1., 0.])
    """
    xp, y_hat, y = _regression(y_hat, y)
    if y_hat.ndim != 1:
        raise ValueError(f"y_hat: expected a vector of shape (N,) for a diagonal Hessian, got {tuple(y_hat.shape)}")
    _check_delta(delta)
    inside = xp.astype(xp.abs(y_hat - y) <= delta, y_hat.dtype)
    return Diagonal(inside / y_hat.shape[0])


# --- H-7 log|det X| ------------------------------------------------------------------------------------


def hvp_log_abs_det_X(X: Array, t: Array) -> Array:
    r"""∇²_X log|det X| · T = −X⁻ᵀ Tᵀ X⁻ᵀ   (H-7; Matrix Cookbook (57) and (59))

    The gradient is ``X⁻ᵀ`` (MAT-9); its directional derivative along T is the transpose of
    ``d(X⁻¹)[T] = −X⁻¹ T X⁻¹`` (MAT-11). The full Hessian has n⁴ entries; this product costs O(n³).
    Shapes: X ``(n, n)`` invertible, t (the direction T) ``(n, n)``; returns ``(n, n)``. No kinks.

    >>> import numpy as np
    >>> hvp_log_abs_det_X(np.array([[2.0]]), np.array([[1.0]]))     # d²/dx² log|x| = −1/x²
    array([[-0.25]])
    """
    xp, (X, t) = inputs(X=X, t=t)
    _invertible("X", X)
    t = _tangent(t, X, "X")
    Xinv_T = xp.linalg.inv(X).T
    return -(Xinv_T @ t.T @ Xinv_T)
