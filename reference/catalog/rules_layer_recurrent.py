"""Catalog records for recurrent layers (topic ``layer``): ``LAYER-29`` … ``LAYER-32``, beyond the paper.

ID scheme (origin "extension", section "beyond §8"): LAYER-29 a vanilla RNN step over a batch; LAYER-30 the
RNN over a sequence by backpropagation through time; LAYER-31 an LSTM step (gates i, f, o, g); LAYER-32 a
GRU step (PyTorch's ``nn.GRUCell``, gates r, z, n). See :mod:`chainrule.analytic.layer_recurrent` and
:mod:`chainrule.analytic.layer_gated`. Every differentiable argument has its own record.

Each backward pass (``vjp_*``) is checked as the gradient of the scalar ``L = Σ δ ∘ y`` with the upstream
gradients held fixed (as ``dense_pulled`` in ``rules_layer.py``); the LSTM has two outputs and two upstream
gradients, ``L = Σ δh ∘ h' + Σ δc ∘ c'``. The analytic primals are named in each record's ``uses``.

Domains, chosen for float32. The float32 value of ``1 − tanh²(z)`` (and of ``σ(1 − σ)``) is off by about one
ulp of 1 (≈ 1e-7) in absolute terms, so its *relative* error grows like ``e^{2|z|}``: at ``|z| ≈ 4.5`` it
reaches ≈ 2e-4, the float32 ``rtol``. A trial fails when such a saturated unit carries the gradient's largest
entry and the factor multiplying it (``|h δ|`` for ∂L/∂Wh, ``|x δ|`` for ∂L/∂Wx) is large enough that ``atol``
does not cover it. With standard-normal h and b and weights ``N(0, 1)/√rows`` this happened
(``vjp_rnn_step_Wh``, 1 × 1, seed 1, trial 27: ``z ≈ −5.8``, ``1 − h'² ≈ 3.6e-5``, ``h δ ≈ −4.9``, relative
error 9e-3). So the weights are drawn from :data:`FAN_IN`, uniform on ``±1/√rows`` (PyTorch's default
initialization of its recurrent layers, with the fan-in for the bound), the biases from ``unit``, and the
hidden state h, which a cell produces in (−1, 1), from ``unit`` too; x, the LSTM's cell state c and the
upstream gradients stay ``real``. Then ``var z ≈ 1/3 + 1/9 + 1/3`` whatever the sizes, ``|z| > 4.5`` is a 5σ
event, and a failure needs it together with a large factor. Bounded draws also keep the check sharp: every
gate works in its sensitive range, so every factor of each formula is exercised rather than multiplied by a
saturated ≈ 0.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np

from chainrule.analytic import layer_gated as lg
from chainrule.analytic import layer_recurrent as lr

from ..samplers import Domain
from ._record import Arg, Rule


def _fan_in(rng: np.random.Generator, shape: tuple[int, ...]) -> np.ndarray:
    """A weight matrix ``(…, rows, cols)``: uniform on ``±1/√rows`` (rows = the fan-in)."""
    return rng.uniform(-1.0, 1.0, shape) / np.sqrt(shape[-2])


#: Weights uniform on ±1/√fan-in: every pre-activation of order 1 (see the module docstring).
FAN_IN = Domain("fan_in", _fan_in, "uniform on ±1/√rows (PyTorch's recurrent-layer initialization)")

#: One sample, one feature, one unit; then N = 3 samples, D = 4 features, H = 2 units (Wx non-square).
STEP_SIZES = ({"N": 1, "D": 1, "H": 1}, {"N": 3, "D": 4, "H": 2})
#: One step of one unit; then N = 2 samples, T = 3 steps, D = 3 features, H = 2 units.
SEQUENCE_SIZES = ({"N": 1, "T": 1, "D": 1, "H": 1}, {"N": 2, "T": 3, "D": 3, "H": 2})
#: As STEP_SIZES, with the stacked gate width named (4H for the LSTM, 3H for the GRU).
LSTM_SIZES = tuple({**s, "4H": 4 * s["H"]} for s in STEP_SIZES)
GRU_SIZES = tuple({**s, "3H": 3 * s["H"]} for s in STEP_SIZES)

_PULLED = "backward pass, checked as the gradient of L = Σ δ∘y with the upstream gradient held fixed"
_RNN = (Arg("x", ("N", "D")), Arg("h", ("N", "H"), "unit"), Arg("Wx", ("D", "H"), FAN_IN),
        Arg("Wh", ("H", "H"), FAN_IN), Arg("b", ("H",), "unit"), Arg("ct", ("N", "H")))
_SEQ = (Arg("x", ("N", "T", "D")), Arg("h0", ("N", "H"), "unit"), Arg("Wx", ("D", "H"), FAN_IN),
        Arg("Wh", ("H", "H"), FAN_IN), Arg("b", ("H",), "unit"), Arg("ct", ("N", "T", "H")))
_LSTM = (Arg("x", ("N", "D")), Arg("h", ("N", "H"), "unit"), Arg("c", ("N", "H")), Arg("Wx", ("D", "4H"), FAN_IN),
         Arg("Wh", ("H", "4H"), FAN_IN), Arg("b", ("4H",), "unit"), Arg("ct_h", ("N", "H")), Arg("ct_c", ("N", "H")))
_GRU = (Arg("x", ("N", "D")), Arg("h", ("N", "H"), "unit"), Arg("Wx", ("D", "3H"), FAN_IN),
        Arg("Wh", ("H", "3H"), FAN_IN), Arg("bx", ("3H",), "unit"), Arg("bh", ("3H",), "unit"), Arg("ct", ("N", "H")))


# --- scalar losses whose gradients are the backward passes -----------------------------------------------


def rnn_step_pulled(x: Any, h: Any, Wx: Any, Wh: Any, b: Any, ct: Any) -> Any:
    """``L = Σ δ ∘ tanh(x Wx + h Wh + 1⃗ bᵀ)``: LAYER-29's backward pass."""
    return (ct * lr.rnn_step(x, h, Wx, Wh, b)).sum()


def rnn_sequence_pulled(x: Any, h0: Any, Wx: Any, Wh: Any, b: Any, ct: Any) -> Any:
    """``L = Σₜ Σ δₜ ∘ hₜ``: LAYER-30's backward pass (an upstream gradient on every step)."""
    return (ct * lr.rnn_sequence(x, h0, Wx, Wh, b)).sum()


def lstm_step_pulled(x: Any, h: Any, c: Any, Wx: Any, Wh: Any, b: Any, ct_h: Any, ct_c: Any) -> Any:
    """``L = Σ δh ∘ h' + Σ δc ∘ c'``: LAYER-31's backward pass (two outputs, two upstream gradients)."""
    h_next, c_next = lg.lstm_step(x, h, c, Wx, Wh, b)
    return (ct_h * h_next).sum() + (ct_c * c_next).sum()


def gru_step_pulled(x: Any, h: Any, Wx: Any, Wh: Any, bx: Any, bh: Any, ct: Any) -> Any:
    """``L = Σ δ ∘ h'``: LAYER-32's backward pass."""
    return (ct * lg.gru_step(x, h, Wx, Wh, bx, bh)).sum()


def _rule(rid: str, primal: Callable[..., Any], derivative: Callable[..., Any], args: tuple[Arg, ...], wrt: str,
          sizes: tuple[dict[str, int], ...], uses: Callable[..., Any]) -> Rule:
    return Rule(derivative.__name__, rid, "layer", "beyond §8", primal, derivative, args, wrt, sizes,
                origin="extension", note=_PULLED, uses=(uses,))


RULES = [
    *(_rule("LAYER-29", rnn_step_pulled, getattr(lr, f"vjp_rnn_step_{a}"), _RNN, a, STEP_SIZES, lr.rnn_step)
      for a in ("x", "h", "Wx", "Wh", "b")),
    *(_rule("LAYER-30", rnn_sequence_pulled, getattr(lr, f"vjp_rnn_sequence_{a}"), _SEQ, a, SEQUENCE_SIZES,
            lr.rnn_sequence)
      for a in ("x", "h0", "Wx", "Wh", "b")),
    *(_rule("LAYER-31", lstm_step_pulled, getattr(lg, f"vjp_lstm_step_{a}"), _LSTM, a, LSTM_SIZES, lg.lstm_step)
      for a in ("x", "h", "c", "Wx", "Wh", "b")),
    *(_rule("LAYER-32", gru_step_pulled, getattr(lg, f"vjp_gru_step_{a}"), _GRU, a, GRU_SIZES, lg.gru_step)
      for a in ("x", "h", "Wx", "Wh", "bx", "bh")),
]
