"""Catalog records for classification losses with integer labels (topic ``layer``): ``LAYER-26`` … ``LAYER-28``.

ID scheme (not in RULES.md, origin "extension"): LAYER-26 multi-class SVM loss; LAYER-27 softmax loss of a
linear classifier; LAYER-28 label-smoothed cross-entropy. See :mod:`chainrule.analytic.layer_loss`.

The labels are a non-differentiated argument drawn by :func:`labels`, a domain of this module: integers
``0 … C − 1`` stored in the float dtype. A domain sees only the shape it fills, not the size
configuration, so each record fixes its number of classes ``C`` (in the scores' shape) and varies the
batch: C = 4 for LAYER-26, 3 for LAYER-27, 5 for LAYER-28. C = 1 and C = 2 are covered by exact tests
in tests/test_layer_loss.py.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np

from chainrule.analytic import layer_loss as ll

from ..samplers import Domain
from ._record import Arg, Rule

SVM_CLASSES, SOFTMAX_CLASSES, SMOOTHING_CLASSES = 4, 3, 5

#: One sample, then a batch of six.
BATCH_SIZES = ({"N": 1}, {"N": 6})
#: One sample of one feature, then five samples of three features.
DATA_SIZES = ({"N": 1, "D": 1}, {"N": 5, "D": 3})


def labels(classes: int) -> Domain:
    """Integer class labels drawn uniformly from ``0 … classes − 1``, stored as floats."""

    def draw(rng: np.random.Generator, shape: tuple[int, ...]) -> np.ndarray:
        return rng.integers(0, classes, shape).astype(np.float64)

    return Domain(f"labels<{classes}", draw, f"integer class labels 0 … {classes - 1}, stored as floats")


def _svm_margins(S: np.ndarray, y: np.ndarray) -> np.ndarray:
    """The margins ``S_ij − S_{i,yᵢ} + Δ`` (Δ = 1, the record's default): the hinges' kinks are at 0.

    The correct class's own entry (always Δ) is far from the kink and does not matter.
    """
    S, y = np.asarray(S, dtype=np.float64), np.asarray(y).astype(int)
    return S - S[np.arange(S.shape[0]), y][:, None] + 1.0


def _rule(name: str, rid: str, primal: Callable[..., Any], derivative: Callable[..., Any],
          args: tuple[Arg, ...], wrt: str, sizes: tuple[dict[str, int], ...], **kw: Any) -> Rule:
    return Rule(name, rid, "layer", "beyond §8", primal, derivative, args, wrt, sizes, origin="extension", **kw)


_SVM = (Arg("S", ("N", SVM_CLASSES)), Arg("y", ("N",), labels(SVM_CLASSES)))
_CLASSIFIER = (Arg("W", ("D", SOFTMAX_CLASSES)), Arg("X", ("N", "D")), Arg("y", ("N",), labels(SOFTMAX_CLASSES)))
_SMOOTHED = (Arg("Z", ("N", SMOOTHING_CLASSES)), Arg("y", ("N",), labels(SMOOTHING_CLASSES)))

RULES = [
    _rule("grad_svm_loss_S", "LAYER-26", ll.svm_loss, ll.grad_svm_loss_S, _SVM, "S", BATCH_SIZES,
          kink=_svm_margins, note="0 at a zero margin, like ReLU (pinned in tests/test_layer_loss.py)"),
    _rule("grad_softmax_classifier_loss_W", "LAYER-27", ll.softmax_classifier_loss,
          ll.grad_softmax_classifier_loss_W, _CLASSIFIER, "W", DATA_SIZES),
    _rule("grad_softmax_classifier_loss_X", "LAYER-27", ll.softmax_classifier_loss,
          ll.grad_softmax_classifier_loss_X, _CLASSIFIER, "X", DATA_SIZES),
    _rule("grad_label_smoothed_cross_entropy_Z", "LAYER-28", ll.label_smoothed_cross_entropy,
          ll.grad_label_smoothed_cross_entropy_Z, _SMOOTHED, "Z", BATCH_SIZES, params={"eps": 0.1}),
]
