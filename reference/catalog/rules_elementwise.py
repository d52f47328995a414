"""Catalog records for §4.2, element-wise binary operators (topic ``elementwise``): RULES E-1 … E-11."""

from __future__ import annotations

import numpy as np

from chainrule.analytic import elementwise as ew

from ._record import Arg, Rule

#: n = 1, then a longer vector (element-wise Jacobians are square: m = n = |y|).
VECTOR_SIZES = ({"n": 1}, {"n": 5})


def _tie(w: np.ndarray, x: np.ndarray) -> np.ndarray:
    """w − x: max(w, x) and w > x have their kinks at the ties w_i = x_i."""
    return w - x


_W_X = (Arg("w", ("n",)), Arg("x", ("n",)))
_W_X_NONZERO = (Arg("w", ("n",)), Arg("x", ("n",), "nonzero"))
_A_W_X = (Arg("A", ("n", "n")), Arg("w", ("n",)), Arg("x", ("n",)))

RULES = [
    Rule("jac_matvec_mul_w", "E-1", "elementwise", "§4.2",
         ew.matvec_mul, ew.jac_matvec_mul_w, _A_W_X, "w", VECTOR_SIZES),
    Rule("jac_matvec_mul_x", "E-1", "elementwise", "§4.2", ew.matvec_mul, ew.jac_matvec_mul_x, _A_W_X, "x",
         VECTOR_SIZES),
    Rule("jac_square_mul_exp_w", "E-2", "elementwise", "§4.2",
         ew.square_mul_exp, ew.jac_square_mul_exp_w, _W_X, "w", VECTOR_SIZES),
    Rule("jac_square_mul_exp_x", "E-2", "elementwise", "§4.2",
         ew.square_mul_exp, ew.jac_square_mul_exp_x, _W_X, "x", VECTOR_SIZES),
    Rule("jac_add_w", "E-3", "elementwise", "§4.2", ew.add, ew.jac_add_w, _W_X, "w", VECTOR_SIZES),
    Rule("jac_add_x", "E-4", "elementwise", "§4.2", ew.add, ew.jac_add_x, _W_X, "x", VECTOR_SIZES),
    Rule("jac_sub_w", "E-5", "elementwise", "§4.2", ew.sub, ew.jac_sub_w, _W_X, "w", VECTOR_SIZES),
    Rule("jac_sub_x", "E-6", "elementwise", "§4.2", ew.sub, ew.jac_sub_x, _W_X, "x", VECTOR_SIZES),
    Rule("jac_mul_w", "E-7", "elementwise", "§4.2", ew.mul, ew.jac_mul_w, _W_X, "w", VECTOR_SIZES),
    Rule("jac_mul_x", "E-8", "elementwise", "§4.2", ew.mul, ew.jac_mul_x, _W_X, "x", VECTOR_SIZES),
    Rule("jac_div_w", "E-9", "elementwise", "§4.2", ew.div, ew.jac_div_w, _W_X_NONZERO, "w", VECTOR_SIZES,
         note="x_i ≠ 0"),
    Rule("jac_div_x", "E-10", "elementwise", "§4.2", ew.div, ew.jac_div_x, _W_X_NONZERO, "x", VECTOR_SIZES,
         note="x_i ≠ 0"),
    Rule("jac_maximum_w", "E-11", "elementwise", "§4.2", ew.maximum, ew.jac_maximum_w, _W_X, "w", VECTOR_SIZES,
         origin="extension", kink=_tie,
         note="tie w_i = x_i: the derivative goes to x"),
    Rule("jac_maximum_x", "E-11", "elementwise", "§4.2", ew.maximum, ew.jac_maximum_x, _W_X, "x", VECTOR_SIZES,
         origin="extension", kink=_tie,
         note="tie w_i = x_i: the derivative goes to x"),
    Rule("jac_greater_w", "E-11", "elementwise", "§4.2", ew.greater, ew.jac_greater_w, _W_X, "w", VECTOR_SIZES,
         origin="extension", kink=_tie),
    Rule("jac_greater_x", "E-11", "elementwise", "§4.2", ew.greater, ew.jac_greater_x, _W_X, "x", VECTOR_SIZES,
         origin="extension", kink=_tie),
]
