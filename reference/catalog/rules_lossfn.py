"""Catalog records for loss functions (topic ``loss-fn``): IDs ``LF-1`` … ``LF-8``, beyond the paper.

ID scheme (not in RULES.md, origin "extension"): LF-1 softmax Jacobian; LF-2 log-softmax Jacobian;
LF-3 softmax cross-entropy; LF-4 its batch mean; LF-5 binary cross-entropy with logits; LF-6 MSE;
LF-7 Huber; LF-8 logistic regression. See :mod:`chainrule.analytic.lossfn`.

Cross-entropy targets are drawn from the ``simplex`` domain (probability vectors: a softmax of
standard-normal scores), binary labels from ``probability`` (uniform on [0, 1]), so every draw is a
valid target and the closed form ``s − y`` (which uses ``Σ y = 1``) is checked on its true domain.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np

from chainrule.analytic import lossfn as lf

from ._record import Arg, Rule

#: One class, then five.
CLASS_SIZES = ({"k": 1}, {"k": 5})
#: One sample of one class, then a batch of 4 samples of 3 classes.
BATCH_SIZES = ({"N": 1, "k": 1}, {"N": 4, "k": 3})
SAMPLE_SIZES = ({"N": 1}, {"N": 6})
DATA_SIZES = ({"N": 1, "n": 1}, {"N": 6, "n": 3})

_LOGISTIC = (Arg("w", ("n",)), Arg("b", ()), Arg("X", ("N", "n")), Arg("y", ("N",), "probability"))


def _huber_kink(y_hat: np.ndarray, y: np.ndarray) -> np.ndarray:
    """|r| − δ with δ = 1 (the record's params): the Huber second derivative jumps at |r| = δ."""
    return np.abs(y_hat - y) - 1.0


def _rule(name: str, rid: str, primal: Callable[..., Any], derivative: Callable[..., Any],
          args: tuple[Arg, ...], wrt: str, sizes: tuple[dict[str, int], ...], **kw: Any) -> Rule:
    return Rule(name, rid, "loss-fn", "beyond §8", primal, derivative, args, wrt, sizes,
                origin="extension", **kw)


RULES = [
    _rule("jac_softmax_z", "LF-1", lf.softmax, lf.jac_softmax_z,
          (Arg("z", ("k",)),), "z", CLASS_SIZES, note="structured: DiagonalPlusRankOne, O(k)"),
    _rule("jac_log_softmax_z", "LF-2", lf.log_softmax, lf.jac_log_softmax_z, (Arg("z", ("k",)),), "z", CLASS_SIZES,
          note="structured: DiagonalPlusRankOne, O(k)"),
    _rule("grad_softmax_cross_entropy_z", "LF-3", lf.softmax_cross_entropy, lf.grad_softmax_cross_entropy_z,
          (Arg("z", ("k",)), Arg("y", ("k",), "simplex")), "z", CLASS_SIZES),
    _rule("grad_mean_softmax_cross_entropy_Z", "LF-4", lf.mean_softmax_cross_entropy,
          lf.grad_mean_softmax_cross_entropy_Z,
          (Arg("Z", ("N", "k")), Arg("Y", ("N", "k"), "simplex")), "Z", BATCH_SIZES),
    _rule("grad_bce_with_logits_z", "LF-5", lf.bce_with_logits, lf.grad_bce_with_logits_z,
          (Arg("z", ("N",)), Arg("y", ("N",), "probability")), "z", SAMPLE_SIZES),
    _rule("grad_mse_y_hat", "LF-6", lf.mse, lf.grad_mse_y_hat,
          (Arg("y_hat", ("N", "k")), Arg("y", ("N", "k"))), "y_hat", BATCH_SIZES),
    _rule("grad_huber_y_hat", "LF-7", lf.huber,
          lf.grad_huber_y_hat, (Arg("y_hat", ("N",)), Arg("y", ("N",))), "y_hat", SAMPLE_SIZES,
          params={"delta": 1.0}, kink=_huber_kink,
          note="C¹: both branches give ±δ at |r| = δ (pinned in tests/test_lossfn.py)"),
    _rule("grad_logistic_loss_w", "LF-8", lf.logistic_loss, lf.grad_logistic_loss_w, _LOGISTIC, "w", DATA_SIZES),
    _rule("grad_logistic_loss_b", "LF-8", lf.logistic_loss, lf.grad_logistic_loss_b, _LOGISTIC, "b", DATA_SIZES),
]
