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
    """The w half of the public ``chainrule.analytic.neuron.loss_gradient``."""
    return nn.loss_gradient(w, b, X, y)[0]


def _loss_gradient_b(w: np.ndarray, b: np.ndarray, X: np.ndarray, y: np.ndarray) -> np.ndarray:
    """The b half of the public ``chainrule.analytic.neuron.loss_gradient``."""
    return nn.loss_gradient(w, b, X, y)[1]


_DATA = (Arg("w", ("n",)), Arg("b", ()), Arg("X", ("N", "n")), Arg("y", ("N",)))

RULES = [
    Rule("grad_cost_of_residuals_v", "L-1", "loss", "§6", "∂/∂v (1/N) Σ_i v_i² = (2/N) vᵀ",
         lo.cost_of_residuals, lo.grad_cost_of_residuals_v, (Arg("v", ("N",)),), "v",
         ({"N": 1}, {"N": 4}, {"N": 9})),
    Rule("jac_residuals_w", "L-2", "loss", "§6.1",
         "∂v_i/∂w = −∂u_i/∂w = {0⃗ᵀ if w·x_i + b ≤ 0; −x_iᵀ if w·x_i + b > 0}",
         lo.residuals, lo.jac_residuals_w, _DATA, "w", DATA_SIZES, kink=_units),
    Rule("grad_loss_w", "L-3", "loss", "§6.1",
         "∂C/∂w = (2/N) Σ_i {0⃗ᵀ if w·x_i + b ≤ 0; (w·x_i + b − y_i) x_iᵀ if w·x_i + b > 0}",
         nn.loss, lo.grad_loss_w, _DATA, "w", DATA_SIZES, kink=_units,
         note="per-sample mask, inside the sum (the 2020 source)"),
    Rule("loss_gradient_w", "L-3", "loss", "§6.1",
         "chainrule.analytic.neuron.loss_gradient(w, b, X, y)[0] = ∂C/∂w",
         nn.loss, _loss_gradient_w, _DATA, "w", DATA_SIZES,
         kink=_units, note="the public API", uses=(nn.loss_gradient,)),
    Rule("grad_least_squares_w", "L-3", "loss", "§6.1",
         "all units active: ∂C/∂w = (2/N) Xᵀ e, e = Xw + b − y",
         lo.least_squares, lo.grad_least_squares_w, _DATA, "w", DATA_SIZES, origin="extension",
         note="L-3 corollary, not in the paper"),
    Rule("descent_step_w", "L-4", "loss", "§6.1", "w_{t+1} = w_t − η ∂C/∂w",
         nn.loss, lo.descent_step_w, _DATA, "w", DATA_SIZES, params={"eta": 0.1},
         reference="step", kink=_units),
    Rule("jac_residuals_b", "L-5", "loss", "§6.2",
         "∂v_i/∂b = {0 if w·x_i + b ≤ 0; −1 if w·x_i + b > 0}",
         lo.residuals, lo.jac_residuals_b, _DATA, "b", DATA_SIZES, kink=_units),
    Rule("grad_loss_b", "L-5", "loss", "§6.2",
         "∂C/∂b = (2/N) Σ_i {0 if w·x_i + b ≤ 0; w·x_i + b − y_i if w·x_i + b > 0}",
         nn.loss, lo.grad_loss_b, _DATA, "b", DATA_SIZES, kink=_units),
    Rule("loss_gradient_b", "L-5", "loss", "§6.2",
         "chainrule.analytic.neuron.loss_gradient(w, b, X, y)[1] = ∂C/∂b",
         nn.loss, _loss_gradient_b, _DATA, "b", DATA_SIZES,
         kink=_units, note="the public API", uses=(nn.loss_gradient,)),
    Rule("descent_step_b", "L-6", "loss", "§6.2", "b_{t+1} = b_t − η ∂C/∂b",
         nn.loss, lo.descent_step_b, _DATA, "b", DATA_SIZES, params={"eta": 0.1},
         reference="step", kink=_units),
    Rule("grad_loss_folded_w_hat", "L-7", "loss", "§6.2",
         "ŵ = [wᵀ, b]ᵀ, x̂ = [xᵀ, 1]: ∂C/∂ŵ = [∂C/∂w, ∂C/∂b]",
         lo.loss_folded, lo.grad_loss_folded_w_hat,
         (Arg("w_hat", ("n1",)), Arg("X", ("N", "n")), Arg("y", ("N",))), "w_hat",
         tuple({**s, "n1": s["n"] + 1} for s in DATA_SIZES), kink=_units_folded),
]
