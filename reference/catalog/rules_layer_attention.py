"""Catalog records for softmax with temperature and attention (topic ``layer``): ``LAYER-22`` … ``LAYER-25``.

ID scheme (not in RULES.md, origin "extension"): LAYER-22 softmax with temperature ``softmax(z/τ)``;
LAYER-23 scaled dot-product attention; LAYER-24 causal attention; LAYER-25 multi-head self-attention.
See :mod:`chainrule.analytic.layer_attention`.

The backward-pass rules (``vjp_*``) are checked as gradients of ``L = Σ δ ∘ O`` with the upstream gradient
``δ`` (argument ``ct``) held fixed, like LAYER-1's ``dense_pulled``. The attention primals themselves are
verified through those scalars (a bug in the primal changes JAX's reference), hence ``uses``.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np

from chainrule.analytic import layer_attention as at

from ..samplers import Domain
from ._record import Arg, Rule

#: One class, then five.
CLASS_SIZES = ({"k": 1}, {"k": 5})
#: One query, key and value of width 1, then 3 queries against 4 keys, d = 2, dv = 3.
ATTENTION_SIZES = ({"Tq": 1, "Tk": 1, "d": 1, "dv": 1}, {"Tq": 3, "Tk": 4, "d": 2, "dv": 3})
#: One position, then 4 (causal attention is self-attention: Tq = Tk = T).
CAUSAL_SIZES = ({"T": 1, "d": 1, "dv": 1}, {"T": 4, "d": 2, "dv": 3})
#: h = 2 heads (the record's params) of d_k = 1, one position; then 3 positions, d_model = 4 (d_k = 2).
MHA_SIZES = ({"T": 1, "D": 2}, {"T": 3, "D": 4})


def _lecun_normal(rng: np.random.Generator, shape: tuple[int, ...]) -> np.ndarray:
    """A weight matrix ``(…, fan_in, fan_out)`` with entries ``N(0, 1/fan_in)`` (LeCun's initialization)."""
    return rng.standard_normal(shape) / np.sqrt(shape[-2])


#: Projection weights scaled as a network initializes them: then ``X W`` keeps unit-variance entries, the
#: scores stay O(1) and the softmax away from saturation, where float32's cancellation in
#: ``dP − rowsum(dO ∘ O)`` would swamp the (then tiny) gradients.
WEIGHTS = Domain("lecun_normal", _lecun_normal, "N(0, 1/fan_in): entries of a freshly initialized weight matrix")

_EXT = {"origin": "extension"}
_PULLED = "backward pass, checked as the gradient of the scalar L = Σ δ ∘ y"
_TEMPERATURE = (Arg("z", ("k",)), Arg("tau", (), "positive"))
_QKV_CT = (Arg("Q", ("Tq", "d")), Arg("K", ("Tk", "d")), Arg("V", ("Tk", "dv")), Arg("ct", ("Tq", "dv")))
_CAUSAL_CT = (Arg("Q", ("T", "d")), Arg("K", ("T", "d")), Arg("V", ("T", "dv")), Arg("ct", ("T", "dv")))
_MHA_CT = (Arg("X", ("T", "D")), *(Arg(w, ("D", "D"), WEIGHTS) for w in ("Wq", "Wk", "Wv", "Wo")),
           Arg("ct", ("T", "D")))


# --- scalar losses L = Σ δ ∘ y whose gradients are the backward passes -------------------------------------


def attention_pulled(Q: Any, K: Any, V: Any, ct: Any) -> Any:
    """``L = Σ δ ∘ softmax(Q Kᵀ/√d) V``: the scalar whose gradients are LAYER-23's backward pass."""
    return (ct * at.attention(Q, K, V)).sum()


def causal_attention_pulled(Q: Any, K: Any, V: Any, ct: Any) -> Any:
    """``L = Σ δ ∘ causal_attention(Q, K, V)``: LAYER-24's backward pass."""
    return (ct * at.causal_attention(Q, K, V)).sum()


def multi_head_attention_pulled(X: Any, Wq: Any, Wk: Any, Wv: Any, Wo: Any, ct: Any, h: int = 1) -> Any:
    """``L = Σ δ ∘ MultiHead(X)``: LAYER-25's backward pass."""
    return (ct * at.multi_head_attention(X, Wq, Wk, Wv, Wo, h=h)).sum()


def _rule(name: str, rid: str, primal: Callable[..., Any], derivative: Callable[..., Any],
          args: tuple[Arg, ...], wrt: str, sizes: tuple[dict[str, int], ...], **kw: Any) -> Rule:
    return Rule(name, rid, "layer", "beyond §8", primal, derivative, args, wrt, sizes, **{**_EXT, **kw})


def _attention(name: str, derivative: Callable[..., Any], wrt: str) -> Rule:
    return _rule(name, "LAYER-23", attention_pulled, derivative, _QKV_CT, wrt, ATTENTION_SIZES,
                 note=_PULLED, uses=(at.attention,))


def _causal(name: str, derivative: Callable[..., Any], wrt: str) -> Rule:
    return _rule(name, "LAYER-24", causal_attention_pulled, derivative, _CAUSAL_CT, wrt, CAUSAL_SIZES,
                 note=f"{_PULLED}; masked scores −∞ (pinned in tests/test_layer_attention.py)",
                 uses=(at.causal_attention,))


def _mha(name: str, derivative: Callable[..., Any], wrt: str) -> Rule:
    return _rule(name, "LAYER-25", multi_head_attention_pulled, derivative, _MHA_CT, wrt, MHA_SIZES,
                 params={"h": 2}, note=f"{_PULLED}; h = 2 heads", uses=(at.multi_head_attention,))


RULES = [
    # LAYER-22 softmax with temperature
    _rule("jac_softmax_temperature_z", "LAYER-22", at.softmax_temperature, at.jac_softmax_temperature_z,
          _TEMPERATURE, "z", CLASS_SIZES, note="structured: DiagonalPlusRankOne, O(k)"),
    _rule("jac_softmax_temperature_tau", "LAYER-22", at.softmax_temperature, at.jac_softmax_temperature_tau,
          _TEMPERATURE, "tau", CLASS_SIZES, note="τ > 0"),
    # LAYER-23 scaled dot-product attention
    _attention("vjp_attention_Q", at.vjp_attention_Q, "Q"),
    _attention("vjp_attention_K", at.vjp_attention_K, "K"),
    _attention("vjp_attention_V", at.vjp_attention_V, "V"),
    # LAYER-24 causal attention
    _causal("vjp_causal_attention_Q", at.vjp_causal_attention_Q, "Q"),
    _causal("vjp_causal_attention_K", at.vjp_causal_attention_K, "K"),
    _causal("vjp_causal_attention_V", at.vjp_causal_attention_V, "V"),
    # LAYER-25 multi-head self-attention
    _mha("vjp_multi_head_attention_X", at.vjp_multi_head_attention_X, "X"),
    _mha("vjp_multi_head_attention_Wq", at.vjp_multi_head_attention_Wq, "Wq"),
    _mha("vjp_multi_head_attention_Wk", at.vjp_multi_head_attention_Wk, "Wk"),
    _mha("vjp_multi_head_attention_Wv", at.vjp_multi_head_attention_Wv, "Wv"),
    _mha("vjp_multi_head_attention_Wo", at.vjp_multi_head_attention_Wo, "Wo"),
]
