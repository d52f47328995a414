"""Catalog records for second derivatives (topic ``hessian``): IDs ``H-1`` … ``H-7``, beyond the paper.

ID scheme (not in RULES.md, origin "extension"): one ID per objective, shared by its closed-form
Hessian (``hess_*``, reference ``"hessian"``: ``jacfwd(jacrev)`` and ``jacrev(jacfwd)``) and its
Hessian-vector product (``hvp_*``, reference ``"hvp"``: ``jvp(grad)`` and ``vjp(grad)``; the last
argument ``t`` is the direction). H-1 quadratic form; H-2 least squares; H-3 the paper's neuron loss
(active-set form); H-4 logistic regression; H-5 softmax cross-entropy; H-6 Huber; H-7 log|det X|.
See :mod:`chainrule.analytic.hessian`.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np

from chainrule.analytic import hessian as he
from chainrule.analytic import lossfn as lf
from chainrule.analytic import matrix as mx
from chainrule.analytic import neuron as nn
from chainrule.analytic.loss import least_squares

from ._record import Arg, Rule

VECTOR_SIZES = ({"n": 1}, {"n": 5})
DATA_SIZES = ({"N": 1, "n": 1}, {"N": 6, "n": 3})
CLASS_SIZES = ({"k": 1}, {"k": 5})

_DATA = (Arg("w", ("n",)), Arg("b", ()), Arg("X", ("N", "n")), Arg("y", ("N",)))
_LOGISTIC = (Arg("w", ("n",)), Arg("b", ()), Arg("X", ("N", "n")), Arg("y", ("N",), "probability"))
_CE = (Arg("z", ("k",)), Arg("y", ("k",), "simplex"))
_T_N = Arg("t", ("n",))


def _units(w: np.ndarray, b: np.ndarray, X: np.ndarray, y: np.ndarray, t: np.ndarray | None = None) -> np.ndarray:
    """z_i = w·x_i + b: the neuron loss's kinks are at z_i = 0."""
    return X @ w + b


def _huber_kink(y_hat: np.ndarray, y: np.ndarray) -> np.ndarray:
    """|r| − δ with δ = 1 (the record's params): the second derivative jumps there."""
    return np.abs(y_hat - y) - 1.0


def _rule(name: str, rid: str, section: str, primal: Callable[..., Any],
          derivative: Callable[..., Any], args: tuple[Arg, ...], wrt: str,
          sizes: tuple[dict[str, int], ...], **kw: Any) -> Rule:
    return Rule(name, rid, "hessian", section, primal, derivative, args, wrt, sizes,
                origin="extension", **kw)


RULES = [
    _rule("hess_quadratic_form_x", "H-1", "Matrix Cookbook §2.4.4", mx.quadratic_form,
          he.hess_quadratic_form_x, (Arg("A", ("n", "n")), Arg("x", ("n",))), "x", VECTOR_SIZES,
          reference="hessian"),
    _rule("hvp_quadratic_form_x", "H-1", "Matrix Cookbook §2.4.4", mx.quadratic_form,
          he.hvp_quadratic_form_x, (Arg("A", ("n", "n")), Arg("x", ("n",)), _T_N), "x", VECTOR_SIZES,
          reference="hvp"),
    _rule("hess_least_squares_w", "H-2", "beyond §6", least_squares,
          he.hess_least_squares_w, _DATA, "w", DATA_SIZES, reference="hessian"),
    _rule("hvp_least_squares_w", "H-2", "beyond §6", least_squares,
          he.hvp_least_squares_w, (*_DATA, _T_N), "w", DATA_SIZES, reference="hvp"),
    _rule("hess_loss_w", "H-3", "beyond §6", nn.loss,
          he.hess_loss_w, _DATA, "w", DATA_SIZES, reference="hessian", kink=_units),
    _rule("hvp_loss_w", "H-3", "beyond §6", nn.loss, he.hvp_loss_w,
          (*_DATA, _T_N), "w", DATA_SIZES, reference="hvp", kink=_units),
    _rule("hess_logistic_loss_w", "H-4", "beyond §8", lf.logistic_loss, he.hess_logistic_loss_w, _LOGISTIC, "w",
          DATA_SIZES, reference="hessian"),
    _rule("hvp_logistic_loss_w", "H-4", "beyond §8", lf.logistic_loss,
          he.hvp_logistic_loss_w, (*_LOGISTIC, _T_N), "w", DATA_SIZES, reference="hvp"),
    _rule("hess_softmax_cross_entropy_z", "H-5", "beyond §8", lf.softmax_cross_entropy,
          he.hess_softmax_cross_entropy_z, _CE, "z", CLASS_SIZES,
          reference="hessian", note="structured: DiagonalPlusRankOne, O(k)"),
    _rule("hvp_softmax_cross_entropy_z", "H-5", "beyond §8", lf.softmax_cross_entropy, he.hvp_softmax_cross_entropy_z,
          (*_CE, Arg("t", ("k",))), "z",
          CLASS_SIZES, reference="hvp"),
    _rule("hess_huber_y_hat", "H-6", "beyond §8", lf.huber,
          he.hess_huber_y_hat, (Arg("y_hat", ("N",)), Arg("y", ("N",))), "y_hat", ({"N": 1}, {"N": 6}),
          reference="hessian", params={"delta": 1.0}, kink=_huber_kink,
          note="1/N at |r| = δ (pinned in tests/test_hessian.py)"),
    _rule("hvp_log_abs_det_X", "H-7", "Matrix Cookbook (57), (59)", mx.log_abs_det, he.hvp_log_abs_det_X,
          (Arg("X", ("n", "n"), "well_conditioned"), Arg("t", ("n", "n"))),
          "X", ({"n": 1}, {"n": 3}), reference="hvp"),
]
