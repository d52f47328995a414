"""Catalog records for whole layers (topic ``layer``): IDs ``LAYER-1`` … ``LAYER-9``, beyond the paper.

ID scheme (not in RULES.md, origin "extension"): LAYER-1 affine layer ``y = Wx + b``; LAYER-2 its
batched form ``Y = X Wᵀ + 1⃗ bᵀ``; LAYER-3 ReLU layer; LAYER-4 two-layer MLP; LAYER-5 … LAYER-9 the
activations sigmoid, tanh, softplus, leaky ReLU, GELU (tanh form). See :mod:`chainrule.analytic.layer`.

The backward-pass rules (``vjp_*``) are checked as gradients of ``L = δ·y`` with the upstream gradient
``δ`` (argument ``ct``) held fixed: ``∂L/∂W`` of that scalar is exactly what backpropagation computes.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np

from chainrule.analytic import layer as ly

from ._record import Arg, Rule

#: A 1 × 1 layer, then a non-square one (m = 3 neurons, n = 5 inputs).
LAYER_SIZES = ({"m": 1, "n": 1}, {"m": 3, "n": 5})
#: One sample through a 1 × 1 layer, then a batch of 4 through a 3 × 2 layer.
BATCH_SIZES = ({"N": 1, "m": 1, "n": 1}, {"N": 4, "m": 3, "n": 2})
#: The smallest MLP, then N = 5 samples, n = 3 inputs, h = 4 hidden units, k = 2 outputs.
MLP_SIZES = ({"N": 1, "n": 1, "h": 1, "k": 1}, {"N": 5, "n": 3, "h": 4, "k": 2})
VECTOR_SIZES = ({"n": 1}, {"n": 6})

_EXT = {"origin": "extension"}
_PULLED = "backward pass, checked as the gradient of the scalar L = δ·y"
_LAYER = (Arg("W", ("m", "n")), Arg("b", ("m",)), Arg("x", ("n",)))
_LAYER_CT = (*_LAYER, Arg("ct", ("m",)))
_BATCH_CT = (Arg("W", ("m", "n")), Arg("b", ("m",)), Arg("X", ("N", "n")), Arg("ct", ("N", "m")))
_MLP = (Arg("W1", ("h", "n")), Arg("b1", ("h",)), Arg("W2", ("k", "h")), Arg("b2", ("k",)),
        Arg("X", ("N", "n")), Arg("Y", ("N", "k")))


# --- scalar losses L = δ·y whose gradients are the backward passes -------------------------------------


def dense_pulled(W: Any, b: Any, x: Any, ct: Any) -> Any:
    """``L = δ·(Wx + b)``: the scalar whose gradients are LAYER-1's backward pass."""
    return (ct * ly.dense(W, b, x)).sum()


def dense_batch_pulled(W: Any, b: Any, X: Any, ct: Any) -> Any:
    """``L = Σᵢⱼ Δᵢⱼ (X Wᵀ + 1⃗ bᵀ)ᵢⱼ``: LAYER-2's backward pass."""
    return (ct * ly.dense_batch(W, b, X)).sum()


def relu_layer_pulled(W: Any, b: Any, x: Any, ct: Any) -> Any:
    """``L = δ·max(0, Wx + b)``: LAYER-3's backward pass."""
    return (ct * ly.relu_layer(W, b, x)).sum()


# --- kinks ----------------------------------------------------------------------------------------------


def _units(W: np.ndarray, b: np.ndarray, x: np.ndarray, ct: np.ndarray | None = None) -> np.ndarray:
    """z = Wx + b: the ReLU layer's kinks are at zᵢ = 0."""
    return W @ x + b


def _hidden_units(W1: np.ndarray, b1: np.ndarray, W2: np.ndarray, b2: np.ndarray, X: np.ndarray,
                  Y: np.ndarray) -> np.ndarray:
    """Z1 = X W1ᵀ + 1⃗ b1ᵀ: the MLP's kinks are at (Z1)ᵢⱼ = 0."""
    return X @ W1.T + b1


def _x(x: np.ndarray) -> np.ndarray:
    return x


def _rule(name: str, rid: str, primal: Callable[..., Any], derivative: Callable[..., Any],
          args: tuple[Arg, ...], wrt: str, sizes: tuple[dict[str, int], ...], **kw: Any) -> Rule:
    return Rule(name, rid, "layer", "beyond §8", primal, derivative, args, wrt, sizes,
                **{**_EXT, **kw})


RULES = [
    # LAYER-1 affine layer
    _rule("jac_dense_x", "LAYER-1", ly.dense, ly.jac_dense_x, _LAYER, "x", LAYER_SIZES),
    _rule("jac_dense_b", "LAYER-1", ly.dense, ly.jac_dense_b, _LAYER, "b", LAYER_SIZES),
    _rule("jac_dense_W", "LAYER-1", ly.dense, ly.jac_dense_W, _LAYER, "W", LAYER_SIZES),
    _rule("vjp_dense_W", "LAYER-1", dense_pulled, ly.vjp_dense_W, _LAYER_CT,
          "W", LAYER_SIZES, note=_PULLED),
    _rule("vjp_dense_x", "LAYER-1", dense_pulled, ly.vjp_dense_x, _LAYER_CT, "x",
          LAYER_SIZES, note=_PULLED),
    _rule("vjp_dense_b", "LAYER-1", dense_pulled, ly.vjp_dense_b, _LAYER_CT, "b", LAYER_SIZES,
          note=_PULLED),
    # LAYER-2 batched
    _rule("jac_dense_batch_b", "LAYER-2", ly.dense_batch, ly.jac_dense_batch_b, _BATCH_CT[:3], "b", BATCH_SIZES),
    _rule("vjp_dense_batch_W", "LAYER-2", dense_batch_pulled, ly.vjp_dense_batch_W, _BATCH_CT, "W", BATCH_SIZES),
    _rule("vjp_dense_batch_X", "LAYER-2", dense_batch_pulled, ly.vjp_dense_batch_X, _BATCH_CT, "X", BATCH_SIZES),
    _rule("vjp_dense_batch_b", "LAYER-2", dense_batch_pulled, ly.vjp_dense_batch_b, _BATCH_CT, "b", BATCH_SIZES),
    # LAYER-3 ReLU layer
    _rule("jac_relu_layer_x", "LAYER-3", ly.relu_layer, ly.jac_relu_layer_x, _LAYER, "x", LAYER_SIZES, kink=_units),
    _rule("vjp_relu_layer_W", "LAYER-3", relu_layer_pulled,
          ly.vjp_relu_layer_W, _LAYER_CT, "W", LAYER_SIZES, kink=_units),
    _rule("vjp_relu_layer_b", "LAYER-3", relu_layer_pulled, ly.vjp_relu_layer_b,
          _LAYER_CT, "b", LAYER_SIZES, kink=_units),
    _rule("vjp_relu_layer_x", "LAYER-3", relu_layer_pulled,
          ly.vjp_relu_layer_x, _LAYER_CT, "x", LAYER_SIZES, kink=_units),
    # LAYER-4 two-layer MLP
    _rule("grad_mlp_loss_W2", "LAYER-4", ly.mlp_loss, ly.grad_mlp_loss_W2, _MLP, "W2", MLP_SIZES, kink=_hidden_units),
    _rule("grad_mlp_loss_b2", "LAYER-4", ly.mlp_loss, ly.grad_mlp_loss_b2, _MLP, "b2", MLP_SIZES, kink=_hidden_units),
    _rule("grad_mlp_loss_W1", "LAYER-4", ly.mlp_loss, ly.grad_mlp_loss_W1, _MLP, "W1", MLP_SIZES, kink=_hidden_units),
    _rule("grad_mlp_loss_b1", "LAYER-4", ly.mlp_loss, ly.grad_mlp_loss_b1, _MLP, "b1", MLP_SIZES, kink=_hidden_units),
    _rule("grad_mlp_loss_X", "LAYER-4", ly.mlp_loss, ly.grad_mlp_loss_X, _MLP, "X", MLP_SIZES, kink=_hidden_units),
    # LAYER-5 … LAYER-9 activations
    _rule("jac_sigmoid_x", "LAYER-5", ly.sigmoid, ly.jac_sigmoid_x, (Arg("x", ("n",)),), "x", VECTOR_SIZES),
    _rule("jac_tanh_x", "LAYER-6", ly.tanh, ly.jac_tanh_x, (Arg("x", ("n",)),), "x", VECTOR_SIZES),
    _rule("jac_softplus_x", "LAYER-7", ly.softplus, ly.jac_softplus_x, (Arg("x", ("n",)),), "x", VECTOR_SIZES),
    _rule("jac_leaky_relu_x", "LAYER-8", ly.leaky_relu, ly.jac_leaky_relu_x, (Arg("x", ("n",), "away_from_kink"),),
          "x", VECTOR_SIZES,
          params={"alpha": 0.1}, kink=_x, note="α at x = 0 (pinned in tests/test_layer.py)"),
    _rule("jac_gelu_x", "LAYER-9", ly.gelu, ly.jac_gelu_x, (Arg("x", ("n",)),), "x", VECTOR_SIZES),
]
