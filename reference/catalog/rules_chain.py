"""Catalog records for §4.5, the chain rules (topic ``chain-rule``): RULES C-0 … C-13, T-1, T-2.

The paper's examples are in :mod:`chainrule.analytic.chain_examples`, the tutorial notes' T-1 and T-2 in
:mod:`chainrule.analytic.tutorial`. Each derivative is computed *through* the chain-rule combinators of
:mod:`chainrule.analytic.chain`
(``single_variable_chain``, ``total_derivative``, ``vector_chain``); a record's ``uses`` names the ones
it goes through, so verifying the record verifies them too (``tests/test_chain.py`` checks that each
listed combinator really is called).
"""

from __future__ import annotations

import numpy as np

from chainrule.analytic import chain as ch
from chainrule.analytic import chain_examples as ex
from chainrule.analytic import tutorial as tu

from ._record import Arg, Rule

_SV, _TD, _VC = ch.single_variable_chain, ch.total_derivative, ch.vector_chain

#: m = |f|, k = |g|, n = |x|: the 1 × 1 case, then the paper's non-square (3×4)(4×2).
CHAIN_SIZES = ({"m": 1, "k": 1, "n": 1}, {"m": 3, "k": 4, "n": 2})


def _sin_x3(x: np.ndarray) -> np.ndarray:
    """sin(x³): ln(sin(x³)²) is singular where it is 0 (RULES C-3's domain), so draws stay away."""
    return np.sin(x**3)


_X = (Arg("x", ()),)
_X_NONZERO = (Arg("x", (), "nonzero"),)
_ABX = (Arg("A", ("k", "n")), Arg("B", ("m", "k")), Arg("x", ("n",)))
_XY = (Arg("x", ()), Arg("y", ()))
_PQ = (Arg("p", ()), Arg("q", ()))


def _shape_cell(label: str, a: tuple[str, ...], b: tuple[str, ...], x: tuple[str, ...], what: str) -> Rule:
    """One cell of C-13's shape table: A is u.shape + x.shape, B is f.shape + u.shape."""
    sizes = ({},) if not (a or b or x) else CHAIN_SIZES
    return Rule(f"jac_b_cos_sin_ax_x_{label}", "C-13", "chain-rule", "§4.5.3",
                ex.b_cos_sin_ax, ex.jac_b_cos_sin_ax_x,
                (Arg("A", a), Arg("B", b), Arg("x", x)), "x", sizes, uses=(_VC,),
                note=f"{what}; f = B ⋆ cos(u), u = sin(A ⋆ x)")


RULES = [
    # --- §4.5 (intro): the three rules ----------------------------------------------------------
    Rule("grad_sin_x2_x_by_vector_rule", "C-0", "chain-rule", "§4.5",
         ex.sin_x2, ex.grad_sin_x2_x_by_vector_rule, _X, "x", uses=(_VC,),
         note="the vector rule reduces to the single-variable one"),
    Rule("grad_sin_x2_x_by_total_derivative", "C-0", "chain-rule", "§4.5",
         ex.sin_x2, ex.grad_sin_x2_x_by_total_derivative, _X, "x", uses=(_TD,),
         note="the total-derivative rule reduces to the single-variable one"),
    # --- §4.5.1 single-variable chain rule --------------------------------------------------------
    Rule("grad_exp_sin_x", "C-1", "chain-rule", "§4.5.1",
         ex.exp_sin, ex.grad_exp_sin_x, _X, "x", origin="implied", uses=(_SV,),
         note="the four-step process on an example of ours (the paper's is C-2)"),
    Rule("grad_sin_x2_x", "C-2", "chain-rule", "§4.5.1", ex.sin_x2, ex.grad_sin_x2_x, _X, "x", uses=(_SV,)),
    Rule("grad_ln_sin_x3_squared_x", "C-3", "chain-rule", "§4.5.1",
         ex.ln_sin_x3_squared, ex.grad_ln_sin_x3_squared_x, (Arg("x", (), "away_from_kink"),), "x",
         kink=_sin_x3, uses=(_SV,), note="domain sin(x³) ≠ 0: draws keep |sin(x³)| ≥ 0.05"),
    Rule("grad_sq_norm_b_sin_ax_x_forward", "C-4", "chain-rule", "§4.5.1",
         ex.sq_norm_b_sin_ax, ex.grad_sq_norm_b_sin_ax_x_forward, _ABX, "x", CHAIN_SIZES,
         origin="implied", uses=(_VC,), note="C-4's order of the factors (paper: scalars) on a vector chain of ours"),
    Rule("grad_sq_norm_b_sin_ax_x_backward", "C-4", "chain-rule", "§4.5.1",
         ex.sq_norm_b_sin_ax, ex.grad_sq_norm_b_sin_ax_x_backward, _ABX, "x", CHAIN_SIZES,
         origin="implied", uses=(_VC,), note="C-4's order of the factors (paper: scalars) on a vector chain of ours"),
    # --- §4.5.2 single-variable total-derivative chain rule ---------------------------------------
    Rule("grad_x_plus_x2_x", "C-5", "chain-rule", "§4.5.2", ex.x_plus_x2, ex.grad_x_plus_x2_x, _X, "x", uses=(_TD,)),
    Rule("grad_x_sin_x2_plus_x2_cos_x_x", "C-6", "chain-rule", "§4.5.2",
         ex.x_sin_x2_plus_x2_cos_x, ex.grad_x_sin_x2_plus_x2_cos_x_x, _X, "x", origin="implied",
         uses=(_SV, _TD),
         note="the rule on an example of ours with three intermediates"),
    Rule("grad_sin_x_plus_x2_x", "C-7", "chain-rule", "§4.5.2", ex.sin_x_plus_x2, ex.grad_sin_x_plus_x2_x, _X, "x",
         uses=(_TD,)),
    Rule("grad_x_times_x2_x", "C-8", "chain-rule", "§4.5.2", ex.x_times_x2, ex.grad_x_times_x2_x, _X, "x", uses=(_TD,)),
    Rule("grad_x_sum_sin_cx_x", "C-9", "chain-rule", "§4.5.2",
         ex.x_sum_sin_cx, ex.grad_x_sum_sin_cx_x, (Arg("c", ("n",)), Arg("x", ())), "x",
         ({"n": 1}, {"n": 4}), uses=(_VC,)),
    # --- §4.5.3 vector chain rule -----------------------------------------------------------------
    Rule("jac_ln_x2_sin_3x_x_by_rows", "C-10", "chain-rule", "§4.5.3",
         ex.ln_x2_sin_3x, ex.jac_ln_x2_sin_3x_x_by_rows, _X_NONZERO, "x", uses=(_TD,),
         note="the scalar route"),
    Rule("jac_ln_x2_sin_3x_x", "C-10", "chain-rule", "§4.5.3",
         ex.ln_x2_sin_3x, ex.jac_ln_x2_sin_3x_x, _X_NONZERO, "x", uses=(_VC,),
         note="the Jacobian route"),
    Rule("jac_b_sin_ax_x", "C-11", "chain-rule", "§4.5.3",
         ex.b_sin_ax, ex.jac_b_sin_ax_x, _ABX, "x", CHAIN_SIZES, uses=(_VC,)),
    Rule("jac_sin_x2_elementwise_x", "C-12", "chain-rule", "§4.5.3",
         ex.sin_x2_elementwise, ex.jac_sin_x2_elementwise_x, (Arg("x", ("n",)),), "x",
         ({"n": 1}, {"n": 6}), uses=(_VC,)),
    _shape_cell("1x1_1x1", (), (), (), "f, u, x scalars: (1×1)(1×1)"),
    _shape_cell("1xk_kx1", ("k",), ("k",), (), "f scalar, u vector, x scalar: (1×k)(k×1)"),
    _shape_cell("1xk_kxn", ("k", "n"), ("k",), ("n",), "f scalar, u, x vectors: (1×k)(k×n)"),
    _shape_cell("mx1_1x1", (), ("m",), (), "f vector, u, x scalars: (m×1)(1×1)"),
    _shape_cell("mxk_kx1", ("k",), ("m", "k"), (), "f, u vectors, x scalar: (m×k)(k×1)"),
    _shape_cell("mxk_kxn", ("k", "n"), ("m", "k"), ("n",), "f, u, x vectors: (m×k)(k×n)"),
    # --- T-1 (tutorial): x = 3, y = 1; p = y·x², q = 2x + y, g = p² − q³ ----------------------------
    Rule("grad_t1_p_x", "T-1", "chain-rule", "tutorial", tu.t1_p, tu.grad_t1_p_x, _XY, "x", origin="tutorial"),
    Rule("grad_t1_p_y", "T-1", "chain-rule", "tutorial", tu.t1_p, tu.grad_t1_p_y, _XY, "y", origin="tutorial"),
    Rule("grad_t1_q_x", "T-1", "chain-rule", "tutorial", tu.t1_q, tu.grad_t1_q_x, _XY, "x", origin="tutorial"),
    Rule("grad_t1_q_y", "T-1", "chain-rule", "tutorial", tu.t1_q, tu.grad_t1_q_y, _XY, "y", origin="tutorial"),
    Rule("grad_t1_g_p", "T-1", "chain-rule", "tutorial", tu.t1_g_of_pq, tu.grad_t1_g_p, _PQ, "p", origin="tutorial"),
    Rule("grad_t1_g_q", "T-1", "chain-rule", "tutorial", tu.t1_g_of_pq, tu.grad_t1_g_q, _PQ, "q", origin="tutorial"),
    Rule("grad_t1_g_x", "T-1", "chain-rule", "tutorial",
         tu.t1_g, tu.grad_t1_g_x, _XY, "x", origin="tutorial", uses=(_TD,)),
    Rule("grad_t1_g_y", "T-1", "chain-rule", "tutorial",
         tu.t1_g, tu.grad_t1_g_y, _XY, "y", origin="tutorial", uses=(_TD,)),
    # --- T-2 (tutorial): x = 5, y = 4; p = 4y − x, q = 3xy − 4y, g = p²·q ---------------------------
    Rule("grad_t2_p_x", "T-2", "chain-rule", "tutorial", tu.t2_p, tu.grad_t2_p_x, _XY, "x", origin="tutorial"),
    Rule("grad_t2_p_y", "T-2", "chain-rule", "tutorial", tu.t2_p, tu.grad_t2_p_y, _XY, "y", origin="tutorial"),
    Rule("grad_t2_q_x", "T-2", "chain-rule", "tutorial", tu.t2_q, tu.grad_t2_q_x, _XY, "x", origin="tutorial"),
    Rule("grad_t2_q_y", "T-2", "chain-rule", "tutorial", tu.t2_q, tu.grad_t2_q_y, _XY, "y", origin="tutorial"),
    Rule("grad_t2_g_p", "T-2", "chain-rule", "tutorial", tu.t2_g_of_pq, tu.grad_t2_g_p, _PQ, "p", origin="tutorial"),
    Rule("grad_t2_g_q", "T-2", "chain-rule", "tutorial", tu.t2_g_of_pq, tu.grad_t2_g_q, _PQ, "q", origin="tutorial"),
    Rule("grad_t2_g_x", "T-2", "chain-rule", "tutorial",
         tu.t2_g, tu.grad_t2_g_x, _XY, "x", origin="tutorial", uses=(_TD,)),
    Rule("grad_t2_g_y", "T-2", "chain-rule", "tutorial",
         tu.t2_g, tu.grad_t2_g_y, _XY, "y", origin="tutorial", uses=(_TD,)),
    Rule("grad_t2_g_xy", "T-2", "chain-rule", "tutorial",
         tu.t2_g_xy, tu.grad_t2_g_xy, (Arg("xy", (2,)),), "xy", origin="tutorial", uses=(_VC,),
         note="the vector chain rule (C-11) with a scalar f"),
]
