r"""§6 The gradient of the neural network loss function: intermediates, ∂C/∂w, ∂C/∂b, updates, folding.

Setup (RULES L-1): ``X = [x_1, …, x_N]ᵀ`` of shape ``(N, n)`` (samples as rows), targets ``y`` of shape
``(N,)``, weights ``w`` of shape ``(n,)`` and a scalar bias ``b``. The cost is

    C(w, b, X, y) = (1/N) Σ_i (y_i − max(0, w·x_i + b))²

built from the intermediates ``u_i = max(0, w·x_i + b)``, ``v_i = y_i − u_i`` and ``C(v) = (1/N) Σ_i v_i²``.
With ``z_i = w·x_i + b`` the error is ``e_i = z_i − y_i``.

Layout: numerator; gradients shaped like their argument. Kink: ``d/dz max(0, z) = 0`` for ``z ≤ 0`` (a unit
with ``z_i = 0`` is inactive). The mask ``1[z_i > 0]`` is applied per sample, inside the sum (RULES L-3
note: the 2018 text's "cases outside the sum" is ambiguous; per-sample masking matches autodiff).

References:
  T. Parr and J. Howard, "The Matrix Calculus You Need For Deep Learning", arXiv:1802.01528, §6.
"""

from __future__ import annotations

from typing import Any

from ._array import inputs, require_ndim
from .neuron import _data, loss, loss_gradient

__all__ = [
    "cost_of_residuals",
    "descent_step_b",
    "descent_step_w",
    "grad_cost_of_residuals_v",
    "grad_least_squares_w",
    "grad_loss_b",
    "grad_loss_folded_w_hat",
    "grad_loss_w",
    "jac_residuals_b",
    "jac_residuals_w",
    "least_squares",
    "loss",
    "loss_folded",
    "residuals",
]

Array = Any


# --- L-1 Setup: the cost as a function of the residuals -------------------------------------------


def cost_of_residuals(v: Array) -> Array:
    r"""Primal of RULES L-1's last intermediate: ``C(v) = (1/N) Σ_i v_i²``. Shape: v ``(N,)`` → ``()``."""
    xp, (v,) = inputs(v=v)
    require_ndim("v", v, 1, "the residual vector v of shape (N,)")
    return xp.mean(v * v)


def grad_cost_of_residuals_v(v: Array) -> Array:
    r"""∂C/∂v = (2/N) vᵀ for C(v) = (1/N) Σ_i v_i²   (RULES L-1, §6)

    ``∂(v²)/∂v = 2v`` per sample, averaged. Shapes: v ``(N,)``; returns ``(N,)``. No kinks.

    >>> import numpy as np
    >>> grad_cost_of_residuals_v(np.array([1.0, -2.0]))
    array([ 1., -2.])
    """
    _, (v,) = inputs(v=v)
    require_ndim("v", v, 1, "the residual vector v of shape (N,)")
    return (2.0 / v.shape[0]) * v


# --- L-2 Partials of the intermediates --------------------------------------------------------------


def residuals(w: Array, b: Array, X: Array, y: Array) -> Array:
    r"""Primal of RULES L-2: ``v_i = y_i − max(0, w·x_i + b)`` for every sample. Returns shape ``(N,)``."""
    xp, w, b, X, y = _data(w, b, X, y)
    z = X @ w + b
    return y - xp.where(z > 0, z, xp.zeros_like(z))


def jac_residuals_w(w: Array, b: Array, X: Array, y: Array) -> Array:
    r"""∂v/∂w = −∂u/∂w: row i is {0⃗ᵀ if w·x_i + b ≤ 0; −x_iᵀ if w·x_i + b > 0}   (RULES L-2, §6.1)

    Stacking the per-sample gradients as rows gives ``−diag(1[z > 0]) X``.
    Shapes: w ``(n,)``, b ``()``, X ``(N, n)``, y ``(N,)``. Returns the Jacobian, shape ``(N, n)``
    (numerator layout). Kink: row i is ``0⃗ᵀ`` at ``z_i = 0``.

    >>> import numpy as np
    >>> jac_residuals_w(np.array([1.0]), 0.0, np.array([[2.0], [-3.0]]), np.zeros(2))
    array([[-2.],
           [ 0.]])
    """
    xp, w, b, X, y = _data(w, b, X, y)
    active = xp.astype(X @ w + b > 0, X.dtype)
    return -(active[:, None] * X)


def jac_residuals_b(w: Array, b: Array, X: Array, y: Array) -> Array:
    r"""∂v/∂b = 0 − ∂u/∂b: entry i is {0 if w·x_i + b ≤ 0; −1 if w·x_i + b > 0}   (RULES L-5, §6.2)

    Shapes as :func:`jac_residuals_w`; returns shape ``(N,)`` (a column: vector of a scalar).
    Kink: 0 at ``z_i = 0``.

    >>> import numpy as np
    >>> jac_residuals_b(np.array([1.0]), 0.0, np.array([[2.0], [-3.0]]), np.zeros(2))
    array([-1., -0.])
    """
    xp, w, b, X, y = _data(w, b, X, y)
    return -xp.astype(X @ w + b > 0, X.dtype)


# --- L-3 / L-5 The gradients ------------------------------------------------------------------------


def grad_loss_w(w: Array, b: Array, X: Array, y: Array) -> Array:
    r"""∂C/∂w = (2/N) Σ_{i=1}^N {0⃗ᵀ if w·x_i + b ≤ 0; (w·x_i + b − y_i) x_iᵀ if w·x_i + b > 0}   (RULES L-3, §6.1)

    With the error ``e_i = w·x_i + b − y_i``: ``∂C/∂w = (2/N) Σ_i e_i x_iᵀ`` summed over the active units
    only (the mask is per sample; see the module note). For ``N = 1`` it is ``2 e_1 x_1ᵀ``.

    Shapes: w ``(n,)``, b ``()``, X ``(N, n)``, y ``(N,)``. Returns shape ``(n,)``. Kink: inactive at
    ``z_i = 0``. Same computation as :func:`chainrule.analytic.neuron.loss_gradient`.

    >>> import numpy as np
    >>> grad_loss_w(np.array([1.0]), 0.0, np.array([[2.0]]), np.array([0.5]))   # N = 1: 2·1.5·2
    array([6.])
    """
    return loss_gradient(w, b, X, y)[0]


def grad_loss_b(w: Array, b: Array, X: Array, y: Array) -> Array:
    r"""∂C/∂b = (2/N) Σ_{i=1}^N {0 if w·x_i + b ≤ 0; w·x_i + b − y_i if w·x_i + b > 0}   (RULES L-5, §6.2)

    "The average of the error or zero, according to the activation level". Shapes as
    :func:`grad_loss_w`; returns a scalar. Kink: inactive at ``z_i = 0``.

    >>> import numpy as np
    >>> float(grad_loss_b(np.array([1.0]), 0.0, np.array([[2.0], [-1.0]]), np.array([0.5, 0.0])))
    1.5
    """
    return loss_gradient(w, b, X, y)[1]


def least_squares(w: Array, b: Array, X: Array, y: Array) -> Array:
    r"""Primal of the L-3 corollary (extension): ``(1/N) Σ_i (y_i − (w·x_i + b))²``, no ReLU.

    Shapes as :func:`grad_loss_w` → ``()``.
    """
    xp, w, b, X, y = _data(w, b, X, y)
    v = y - (X @ w + b)
    return xp.mean(v * v)


def grad_least_squares_w(w: Array, b: Array, X: Array, y: Array) -> Array:
    r"""∂/∂w (1/N) Σ_i (y_i − (w·x_i + b))² = (2/N) Xᵀ e, e = Xw + b − y   (RULES L-3 corollary; extension)

    L-3 when every unit is active (an extension, not in the paper): the mask is all ones and the sum
    becomes ``(2/N) Xᵀ e``. Shapes as :func:`grad_loss_w`; returns ``(n,)``. No kinks.

    >>> import numpy as np
    >>> grad_least_squares_w(np.array([1.0]), 0.0, np.array([[2.0], [-1.0]]), np.zeros(2))
    array([5.])
    """
    _, w, b, X, y = _data(w, b, X, y)
    e = X @ w + b - y
    return (2.0 / X.shape[0]) * (e @ X)


# --- L-4 / L-6 Gradient-descent updates -------------------------------------------------------------


def descent_step_w(w: Array, b: Array, X: Array, y: Array, eta: float = 0.1) -> Array:
    r"""w_{t+1} = w_t − η ∂C/∂w   (RULES L-4, §6.1)

    One gradient-descent step on the weights, opposite to the gradient (which points toward higher cost).
    Shapes as :func:`grad_loss_w`, η a positive scalar; returns ``(n,)``. Kink: as L-3.

    >>> import numpy as np
    >>> descent_step_w(np.array([1.0]), 0.0, np.array([[2.0]]), np.array([0.5]), eta=0.1)
    array([0.4])
    """
    if not eta > 0:
        raise ValueError(f"eta: expected a positive learning rate, got {eta!r}")
    return w - eta * grad_loss_w(w, b, X, y)


def descent_step_b(w: Array, b: Array, X: Array, y: Array, eta: float = 0.1) -> Array:
    r"""b_{t+1} = b_t − η ∂C/∂b   (RULES L-6, §6.2)

    Shapes as :func:`grad_loss_w`, η a positive scalar; returns a scalar. Kink: as L-5.

    >>> import numpy as np
    >>> float(descent_step_b(np.array([1.0]), 0.0, np.array([[2.0]]), np.array([0.5]), eta=0.25))
    -0.75
    """
    if not eta > 0:
        raise ValueError(f"eta: expected a positive learning rate, got {eta!r}")
    return b - eta * grad_loss_b(w, b, X, y)


# --- L-7 Bias folding -------------------------------------------------------------------------------


def _fold(w_hat: Array, X: Array, y: Array) -> tuple[Any, Array, Array, Array]:
    xp, (w_hat, X, y) = inputs(w_hat=w_hat, X=X, y=y)
    require_ndim("w_hat", w_hat, 1, "the folded parameter vector ŵ = [wᵀ, b]ᵀ of shape (n + 1,)")
    require_ndim("X", X, 2, "a data matrix X of shape (N, n)")
    if w_hat.shape[0] != X.shape[1] + 1:
        raise ValueError(
            f"w_hat: expected length n + 1 = {X.shape[1] + 1} for X of shape {tuple(X.shape)} "
            f"(ŵ = [wᵀ, b]ᵀ), got {w_hat.shape[0]}"
        )
    X_hat = xp.concat([X, xp.ones((X.shape[0], 1), dtype=X.dtype)], axis=1)  # x̂_i = [x_iᵀ, 1]
    return xp, w_hat, X_hat, y


def loss_folded(w_hat: Array, X: Array, y: Array) -> Array:
    r"""Primal of RULES L-7: ``C(ŵ) = (1/N) Σ_i (y_i − max(0, ŵ·x̂_i))²`` with ``ŵ = [wᵀ, b]ᵀ``, ``x̂_i = [x_iᵀ, 1]``.

    Shapes: w_hat ``(n + 1,)``, X ``(N, n)``, y ``(N,)`` → ``()``.
    """
    xp, w_hat, X_hat, y = _fold(w_hat, X, y)
    z = X_hat @ w_hat
    v = y - xp.where(z > 0, z, xp.zeros_like(z))
    return xp.mean(v * v)


def grad_loss_folded_w_hat(w_hat: Array, X: Array, y: Array) -> Array:
    r"""∂C/∂ŵ = (2/N) Σ_i {0⃗ᵀ if ŵ·x̂_i ≤ 0; (ŵ·x̂_i − y_i) x̂_iᵀ if ŵ·x̂_i > 0} = [∂C/∂w, ∂C/∂b]   (RULES L-7, §6.2)

    Folding the bias into the weights (``w·x + b = ŵ·x̂``) makes one gradient cover both parameters.
    Shapes: w_hat ``(n + 1,)``, X ``(N, n)``, y ``(N,)``. Returns ``(n + 1,)``. Kink: as L-3.

    >>> import numpy as np
    >>> grad_loss_folded_w_hat(np.array([1.0, 0.0]), np.array([[2.0]]), np.array([0.5]))
    array([6., 3.])
    """
    xp, w_hat, X_hat, y = _fold(w_hat, X, y)
    z = X_hat @ w_hat
    masked_error = xp.where(z > 0, z - y, xp.zeros_like(z))
    return (2.0 / X_hat.shape[0]) * (masked_error @ X_hat)
