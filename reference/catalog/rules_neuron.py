"""Catalog records for §5, the gradient of neuron activation (topic ``neuron``): RULES N-1 … N-5."""

from __future__ import annotations

import numpy as np

from chainrule.analytic import neuron as nn

from ._record import Arg, Rule

#: n = 1, then longer vectors.
VECTOR_SIZES = ({"n": 1}, {"n": 3}, {"n": 8})


def _affine_kink(w: np.ndarray, b: np.ndarray, x: np.ndarray) -> np.ndarray:
    return np.dot(w, x) + b


_W_X = (Arg("w", ("n",)), Arg("x", ("n",)))
_W_B_X = (Arg("w", ("n",)), Arg("b", ()), Arg("x", ("n",)))

RULES = [
    Rule("grad_dot_w", "N-1", "neuron", "§5", nn.dot, nn.grad_dot_w, _W_X, "w", VECTOR_SIZES),
    Rule("grad_dot_x", "N-1", "neuron", "§8.4", nn.dot, nn.grad_dot_x, _W_X, "x", VECTOR_SIZES),
    Rule("grad_affine_w", "N-2", "neuron", "§5", nn.affine, nn.grad_affine_w, _W_B_X, "w", VECTOR_SIZES),
    Rule("grad_affine_b", "N-2", "neuron", "§5", nn.affine, nn.grad_affine_b, _W_B_X, "b", VECTOR_SIZES),
    Rule("grad_relu_z", "N-3", "neuron", "§5", nn.relu, nn.grad_relu_z, (Arg("z", (), "away_from_kink"),), "z"),
    Rule("jac_relu_x", "N-4", "neuron", "§5", nn.relu, nn.jac_relu_x, (Arg("x", ("n",), "away_from_kink"),), "x",
         VECTOR_SIZES),
    Rule("grad_activation_w", "N-5", "neuron", "§5",
         nn.activation, nn.grad_activation_w, _W_B_X, "w", VECTOR_SIZES, kink=_affine_kink),
    Rule("grad_activation_b", "N-5", "neuron", "§5",
         nn.activation, nn.grad_activation_b, _W_B_X, "b", VECTOR_SIZES, kink=_affine_kink),
]
