"""Catalog records for normalization layers, dropout and two blocks (topic ``layer``): ``LAYER-10`` … ``LAYER-16``.

ID scheme (continuing :mod:`.rules_layer`, not in RULES.md, origin "extension"): LAYER-10 batch-norm
(training mode), its staged backward; LAYER-11 the same batch-norm's compact ``∂L/∂X`` (its γ and β
gradients are LAYER-10's records); LAYER-12 layer-norm; LAYER-13 RMS-norm; LAYER-14 inverted dropout
with a given mask; LAYER-15 residual block; LAYER-16 transformer MLP block. See
:mod:`chainrule.analytic.layer_norm` and :mod:`chainrule.analytic.layer_block`.

Every backward pass (``vjp_*``) is checked as the gradient of ``L = Σ Δ ∘ Y`` with the upstream
gradient ``Δ`` (argument ``ct``) held fixed, like :func:`.rules_layer.dense_pulled`.

Draws: the normalized input of batch-norm and layer-norm comes from a domain that fixes the spread
along the normalized axis (σ² in [1/4, 4]), so ``1/√(σ² + ε)`` stays moderate and float32 passes; the
smallest configurations are the smallest non-degenerate ones (with two values along the normalized
axis, x̂ = ±1 whatever they are and ``∂L/∂X`` is of order ε; with one, x̂ = 0). RMS-norm draws its input
away from 0 (``nonzero``). The dropout mask is a 0/1 domain of this module, not differentiated.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np

from chainrule.analytic import layer_block as lb
from chainrule.analytic import layer_norm as ln

from ..samplers import Domain
from ._record import Arg, Rule

#: ε of every normalization record, and dropout's keep probability (also the mask domain's).
EPS = 1e-5
P_KEEP = 0.8

#: Batch-norm: N = 3 samples of one feature (N = 1 is refused, N = 2 is degenerate), then 5 × 3.
BATCH_NORM_SIZES = ({"N": 3, "D": 1}, {"N": 5, "D": 3})
#: Layer-norm: one sample of D = 3 features (D ≤ 2 is degenerate, as above), then 4 × 5.
LAYER_NORM_SIZES = ({"N": 1, "D": 3}, {"N": 4, "D": 5})
#: RMS-norm: one sample of 2 features (with D = 1, y = ±γ and ∂L/∂X is of order ε), then 4 × 5.
RMS_NORM_SIZES = ({"N": 1, "D": 2}, {"N": 4, "D": 5})
DROPOUT_SIZES = ({"N": 1, "D": 1}, {"N": 4, "D": 3})
#: Residual block: 1 × 1 with one hidden unit, then N = 4 samples, d = 3, h = 5 hidden units.
BLOCK_SIZES = ({"N": 1, "d": 1, "h": 1}, {"N": 4, "d": 3, "h": 5})
#: Transformer MLP: one token, d = h = 1, then T = 3 tokens, d = 2, h = 4d = 8.
MLP_SIZES = ({"T": 1, "d": 1, "h": 1}, {"T": 3, "d": 2, "h": 8})


# --- domains --------------------------------------------------------------------------------------------


def _spread(axis: int) -> Callable[[np.random.Generator, tuple[int, ...]], np.ndarray]:
    """Draws whose mean along ``axis`` is standard normal and whose (biased) std is log-uniform on [½, 2]."""

    def draw(rng: np.random.Generator, shape: tuple[int, ...]) -> np.ndarray:
        z = rng.standard_normal(shape)
        z = z - z.mean(axis=axis, keepdims=True)
        sd = np.sqrt((z * z).mean(axis=axis, keepdims=True))
        z = z / np.where(sd > 0, sd, 1.0)  # an axis of length 1 stays 0: its variance is 0 whatever is drawn
        stats = list(shape)
        stats[axis] = 1
        scale = np.exp(rng.uniform(np.log(0.5), np.log(2.0), stats))
        return rng.standard_normal(stats) + scale * z

    return draw


def _mask(rng: np.random.Generator, shape: tuple[int, ...]) -> np.ndarray:
    return (rng.uniform(0.0, 1.0, shape) < P_KEEP).astype(np.float64)


#: Batch-norm input: per feature (over the batch, axis −2), mean N(0, 1), std in [½, 2].
BATCH_SPREAD = Domain("batch_spread", _spread(-2), "per column over the batch: mean N(0, 1), std in [0.5, 2]")
#: Layer-norm input: per sample (over the features, axis −1), mean N(0, 1), std in [½, 2].
FEATURE_SPREAD = Domain("feature_spread", _spread(-1), "per row over the features: mean N(0, 1), std in [0.5, 2]")
#: A dropout mask: 1 (kept) with probability P_KEEP, else 0.
DROPOUT_MASK = Domain("dropout_mask", _mask, f"0/1 entries, 1 with probability {P_KEEP}")


# --- scalar losses L = Σ Δ ∘ Y whose gradients are the backward passes --------------------------------


def batch_norm_pulled(X: Any, gamma: Any, beta: Any, ct: Any, eps: float = EPS) -> Any:
    """``L = Σ Δ ∘ batch_norm(X)``: LAYER-10's and LAYER-11's backward passes."""
    return (ct * ln.batch_norm(X, gamma, beta, eps)).sum()


def layer_norm_pulled(X: Any, gamma: Any, beta: Any, ct: Any, eps: float = EPS) -> Any:
    """``L = Σ Δ ∘ layer_norm(X)``: LAYER-12's backward pass."""
    return (ct * ln.layer_norm(X, gamma, beta, eps)).sum()


def rms_norm_pulled(X: Any, gamma: Any, ct: Any, eps: float = EPS) -> Any:
    """``L = Σ Δ ∘ rms_norm(X)``: LAYER-13's backward pass."""
    return (ct * ln.rms_norm(X, gamma, eps)).sum()


def dropout_pulled(X: Any, M: Any, ct: Any, p_keep: float = P_KEEP) -> Any:
    """``L = Σ Δ ∘ dropout(X, M)``: LAYER-14's backward pass (M held fixed, like Δ)."""
    return (ct * ln.dropout(X, M, p_keep)).sum()


def residual_block_pulled(X: Any, W1: Any, b1: Any, W2: Any, b2: Any, ct: Any) -> Any:
    """``L = Σ Δ ∘ residual_block(X)``: LAYER-15's backward pass."""
    return (ct * lb.residual_block(X, W1, b1, W2, b2)).sum()


def transformer_mlp_pulled(X: Any, W1: Any, b1: Any, W2: Any, b2: Any, ct: Any) -> Any:
    """``L = Σ Δ ∘ transformer_mlp(X)``: LAYER-16's backward pass."""
    return (ct * lb.transformer_mlp(X, W1, b1, W2, b2)).sum()


# --- kinks ----------------------------------------------------------------------------------------------


def _hidden_units(X: np.ndarray, W1: np.ndarray, b1: np.ndarray, W2: np.ndarray, b2: np.ndarray,
                  ct: np.ndarray | None = None) -> np.ndarray:
    """Z = X W1ᵀ + 1⃗ b1ᵀ: the residual block's kinks are at Zᵢⱼ = 0."""
    return X @ W1.T + b1


# --- records --------------------------------------------------------------------------------------------

_PULLED = "backward pass, checked as the gradient of the scalar L = Σ Δ ∘ Y"
_BN = (Arg("X", ("N", "D"), BATCH_SPREAD), Arg("gamma", ("D",)), Arg("beta", ("D",)), Arg("ct", ("N", "D")))
_LN = (Arg("X", ("N", "D"), FEATURE_SPREAD), Arg("gamma", ("D",)), Arg("beta", ("D",)), Arg("ct", ("N", "D")))
_RMS = (Arg("X", ("N", "D"), "nonzero"), Arg("gamma", ("D",)), Arg("ct", ("N", "D")))
_DROPOUT = (Arg("X", ("N", "D")), Arg("M", ("N", "D"), DROPOUT_MASK), Arg("ct", ("N", "D")))
_BLOCK = (Arg("X", ("N", "d")), Arg("W1", ("h", "d")), Arg("b1", ("h",)), Arg("W2", ("d", "h")),
          Arg("b2", ("d",)), Arg("ct", ("N", "d")))
_MLP = (Arg("X", ("T", "d")), Arg("W1", ("h", "d")), Arg("b1", ("h",)), Arg("W2", ("d", "h")),
        Arg("b2", ("d",)), Arg("ct", ("T", "d")))


def _rule(name: str, rid: str, primal: Callable[..., Any], derivative: Callable[..., Any],
          args: tuple[Arg, ...], wrt: str, sizes: tuple[dict[str, int], ...], **kw: Any) -> Rule:
    return Rule(name, rid, "layer", "beyond §8", primal, derivative, args, wrt, sizes,
                **{"origin": "extension", "note": _PULLED, **kw})


_BN_KW = {"params": {"eps": EPS}, "uses": (ln.batch_norm,)}
_LN_KW = {"params": {"eps": EPS}, "uses": (ln.layer_norm,)}
_RMS_KW = {"params": {"eps": EPS}, "uses": (ln.rms_norm,)}

RULES = [
    # LAYER-10 batch-norm, staged backward (γ and β shared with LAYER-11)
    _rule("vjp_batch_norm_X", "LAYER-10", batch_norm_pulled, ln.vjp_batch_norm_X, _BN, "X", BATCH_NORM_SIZES,
          params={"eps": EPS}),
    _rule("vjp_batch_norm_gamma", "LAYER-10", batch_norm_pulled, ln.vjp_batch_norm_gamma, _BN, "gamma",
          BATCH_NORM_SIZES, **_BN_KW),
    _rule("vjp_batch_norm_beta", "LAYER-10", batch_norm_pulled, ln.vjp_norm_beta, _BN, "beta", BATCH_NORM_SIZES,
          params={"eps": EPS}),
    # LAYER-11 batch-norm, compact backward
    _rule("vjp_batch_norm_X_compact", "LAYER-11", batch_norm_pulled, ln.vjp_batch_norm_X_compact, _BN, "X",
          BATCH_NORM_SIZES, params={"eps": EPS}),
    # LAYER-12 layer-norm
    _rule("vjp_layer_norm_X", "LAYER-12", layer_norm_pulled, ln.vjp_layer_norm_X, _LN, "X", LAYER_NORM_SIZES,
          params={"eps": EPS}),
    _rule("vjp_layer_norm_gamma", "LAYER-12", layer_norm_pulled, ln.vjp_layer_norm_gamma, _LN, "gamma",
          LAYER_NORM_SIZES, **_LN_KW),
    _rule("vjp_layer_norm_beta", "LAYER-12", layer_norm_pulled, ln.vjp_norm_beta, _LN, "beta", LAYER_NORM_SIZES,
          params={"eps": EPS}),
    # LAYER-13 RMS-norm
    _rule("vjp_rms_norm_X", "LAYER-13", rms_norm_pulled, ln.vjp_rms_norm_X, _RMS, "X", RMS_NORM_SIZES,
          params={"eps": EPS}),
    _rule("vjp_rms_norm_gamma", "LAYER-13", rms_norm_pulled, ln.vjp_rms_norm_gamma, _RMS, "gamma",
          RMS_NORM_SIZES, **_RMS_KW),
    # LAYER-14 inverted dropout
    _rule("vjp_dropout_X", "LAYER-14", dropout_pulled, ln.vjp_dropout_X, _DROPOUT, "X", DROPOUT_SIZES,
          params={"p_keep": P_KEEP}, uses=(ln.dropout,)),
    # LAYER-15 residual block (ReLU: 0 at the kink, pinned in tests/test_layer_norm.py)
    _rule("vjp_residual_block_X", "LAYER-15", residual_block_pulled, lb.vjp_residual_block_X, _BLOCK, "X",
          BLOCK_SIZES, kink=_hidden_units),
    _rule("vjp_residual_block_W1", "LAYER-15", residual_block_pulled, lb.vjp_residual_block_W1, _BLOCK, "W1",
          BLOCK_SIZES, kink=_hidden_units),
    _rule("vjp_residual_block_b1", "LAYER-15", residual_block_pulled, lb.vjp_residual_block_b1, _BLOCK, "b1",
          BLOCK_SIZES, kink=_hidden_units),
    _rule("vjp_residual_block_W2", "LAYER-15", residual_block_pulled, lb.vjp_residual_block_W2, _BLOCK, "W2",
          BLOCK_SIZES, kink=_hidden_units),
    _rule("vjp_residual_block_b2", "LAYER-15", residual_block_pulled, lb.vjp_block_b2, _BLOCK, "b2",
          BLOCK_SIZES, kink=_hidden_units),
    _rule("jac_residual_block_b2", "LAYER-15", lb.residual_block, lb.jac_block_b2, _BLOCK[:5], "b2",
          BLOCK_SIZES, kink=_hidden_units, note="the block's own Jacobian wrt its output bias"),
    # LAYER-16 transformer MLP block (GELU, tanh form: no kinks)
    _rule("vjp_transformer_mlp_X", "LAYER-16", transformer_mlp_pulled, lb.vjp_transformer_mlp_X, _MLP, "X",
          MLP_SIZES),
    _rule("vjp_transformer_mlp_W1", "LAYER-16", transformer_mlp_pulled, lb.vjp_transformer_mlp_W1, _MLP, "W1",
          MLP_SIZES),
    _rule("vjp_transformer_mlp_b1", "LAYER-16", transformer_mlp_pulled, lb.vjp_transformer_mlp_b1, _MLP, "b1",
          MLP_SIZES),
    _rule("vjp_transformer_mlp_W2", "LAYER-16", transformer_mlp_pulled, lb.vjp_transformer_mlp_W2, _MLP, "W2",
          MLP_SIZES),
    _rule("vjp_transformer_mlp_b2", "LAYER-16", transformer_mlp_pulled, lb.vjp_block_b2, _MLP, "b2", MLP_SIZES),
    _rule("jac_transformer_mlp_b2", "LAYER-16", lb.transformer_mlp, lb.jac_block_b2, _MLP[:5], "b2", MLP_SIZES,
          note="the block's own Jacobian wrt its output bias"),
]
