"""Catalog records for §6, the gradient of the neural network loss (topic ``loss``): RULES L-1 … L-7."""

from __future__ import annotations

import numpy as np

from chainrule.analytic import loss as lo
from chainrule.analytic import neuron as nn

from ._record import Arg, Rule

#: N samples of n features: one sample (the paper's N = 1 case), then non-square data matrices.
DATA_SIZES = ({"N": 1, "n": 1}, {"N": 1, "n": 4}, {"N": 6, "n": 3}, {"N": 3, "n": 7})


def _units(w: np.ndarray, b: np.ndarray, X: np.ndarray, y: np.ndarray) -> np.ndarray:
    """z_i = w·x_i + b for every sample: the ReLU's kinks are at z_i = 0."""
    return X @ w + b


def _units_folded(w_hat: np.ndarray, X: np.ndarray, y: np.ndarray) -> np.ndarray:
    return X @ w_hat[:-1] + w_hat[-1]


def _loss_gradient_w(w: np.ndarray, b: np.ndarray, X: np.ndarray, y: np.ndarray) -> np.ndarray:
    """∂C/∂w = loss_gradient(w, b, X, y)[0] = (2/N) Σ_i 1[z_i > 0] (z_i − y_i) x_iᵀ   (RULES L-3, §6.1)

    The w half of the public :func:`chainrule.analytic.neuron.loss_gradient` (DESIGN.md's public API),
    with ``z_i = w·x_i + b``. Shapes: w ``(n,)``, b ``()``, X ``(N, n)``, y ``(N,)``; returns the
    gradient shaped like w (the paper's 1 × n row). Kink: a unit with ``z_i = 0`` is inactive
    (``d/dz max(0, z) = 0`` at 0).
    """
    return nn.loss_gradient(w, b, X, y)[0]


def _loss_gradient_b(w: np.ndarray, b: np.ndarray, X: np.ndarray, y: np.ndarray) -> np.ndarray:
    """∂C/∂b = loss_gradient(w, b, X, y)[1] = (2/N) Σ_i 1[z_i > 0] (z_i − y_i)   (RULES L-5, §6.2)

    The b half of the public :func:`chainrule.analytic.neuron.loss_gradient` (DESIGN.md's public API),
    with ``z_i = w·x_i + b``. Shapes: w ``(n,)``, b ``()``, X ``(N, n)``, y ``(N,)``; returns a scalar.
    Kink: a unit with ``z_i = 0`` is inactive (``d/dz max(0, z) = 0`` at 0).
    """
    return nn.loss_gradient(w, b, X, y)[1]


_DATA = (Arg("w", ("n",)), Arg("b", ()), Arg("X", ("N", "n")), Arg("y", ("N",)))

RULES = [
    Rule("grad_cost_of_residuals_v", "L-1", "loss", "§6", lo.cost_of_residuals, lo.grad_cost_of_residuals_v,
         (Arg("v", ("N",)),), "v",
         ({"N": 1}, {"N": 4}, {"N": 9})),
    Rule("jac_residuals_w", "L-2", "loss", "§6.1",
         lo.residuals, lo.jac_residuals_w, _DATA, "w", DATA_SIZES, kink=_units),
    Rule("grad_loss_w", "L-3", "loss", "§6.1", nn.loss, lo.grad_loss_w, _DATA, "w", DATA_SIZES, kink=_units,
         note="per-sample mask, inside the sum (the 2020 source)"),
    Rule("loss_gradient_w", "L-3", "loss", "§6.1", nn.loss, _loss_gradient_w, _DATA, "w", DATA_SIZES,
         kink=_units, note="the public API", uses=(nn.loss_gradient,)),
    Rule("grad_least_squares_w", "L-3", "loss", "§6.1",
         lo.least_squares, lo.grad_least_squares_w, _DATA, "w", DATA_SIZES, origin="extension",
         note="L-3 corollary, not in the paper"),
    Rule("descent_step_w", "L-4", "loss", "§6.1", nn.loss, lo.descent_step_w, _DATA, "w", DATA_SIZES,
         params={"eta": 0.1},
         reference="step", kink=_units),
    Rule("jac_residuals_b", "L-5", "loss", "§6.2",
         lo.residuals, lo.jac_residuals_b, _DATA, "b", DATA_SIZES, kink=_units),
    Rule("grad_loss_b", "L-5", "loss", "§6.2", nn.loss, lo.grad_loss_b, _DATA, "b", DATA_SIZES, kink=_units),
    Rule("loss_gradient_b", "L-5", "loss", "§6.2", nn.loss, _loss_gradient_b, _DATA, "b", DATA_SIZES,
         kink=_units, note="the public API", uses=(nn.loss_gradient,)),
    Rule("descent_step_b", "L-6", "loss", "§6.2", nn.loss, lo.descent_step_b, _DATA, "b", DATA_SIZES,
         params={"eta": 0.1},
         reference="step", kink=_units),
    Rule("grad_loss_folded_w_hat", "L-7", "loss", "§6.2", lo.loss_folded, lo.grad_loss_folded_w_hat,
         (Arg("w_hat", ("n1",)), Arg("X", ("N", "n")), Arg("y", ("N",))), "w_hat",
         tuple({**s, "n1": s["n"] + 1} for s in DATA_SIZES), kink=_units_folded),
]
