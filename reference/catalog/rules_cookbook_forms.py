"""Catalog records for Matrix Cookbook §2.4 (topic ``cookbook``): CB-71 … CB-97, less those already in
:mod:`.rules_matrix` (CB-69, CB-70, CB-81 and CB-84's W = I case).

One record per row of COOKBOOK.md §2.4 (two where a row writes its left side two ways, CB-72), closed
forms from :mod:`chainrule.analytic.cookbook_forms` and :mod:`chainrule.analytic.cookbook_forms_higher`.
Layouts: rows of code ``G`` are gradients (``reference="jacobian"`` of a scalar primal), ``E`` and ``M``
rows are whole numerator-layout Jacobians, CB-97 (``H``) a Hessian.

The two errata of the range ([E], COOKBOOK.md §3) have a record of the corrected form (``expect="pass"``)
and one of the printed form (``expect="fail"``: ``chainrule verify`` reports it ``xfail`` with the
engine's diagnosis):

* CB-89, the complex LMS cost: corrected as two real gradients (the parts of the complex gradient (233),
  ``∇ = ∂/∂ℜx + i∂/∂ℑx``) and the all-real case (which holds as printed); printed, read literally as the
  derivative of the complex square, wrt ℜx;
* CB-92: corrected and printed at n = 1 and n = 2 (the printed form's X is 2 × 2 or 3 × 3: at 1 × 1 the
  transposed term happens to be right).

Domains: W of CB-84 … CB-88 is ``symmetric`` (the rows assume it); CB-94's B is ``full_rank`` with at
least as many rows as columns and x ``nonzero``, so that ``‖Bx‖ ≥ 0.125`` and the quotient stays well
conditioned.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from chainrule.analytic import cookbook_forms as cf
from chainrule.analytic import cookbook_forms_higher as ch

from ._record import Arg, Rule

#: The Cookbook subsection of each equation of §2.4.
_SECTION = {**{n: "2.4.1" for n in range(69, 76)}, **{n: "2.4.2" for n in range(76, 90)},
            **{n: "2.4.3" for n in range(90, 95)}, 96: "2.4.4", 97: "2.4.4"}

#: 1 × 1, then a non-square 3 × 2.
MATRIX_SIZES = ({"m": 1, "n": 1}, {"m": 3, "n": 2})
#: n = 1, then n = 3 (vectors and square matrices).
SQUARE_SIZES = ({"n": 1}, {"n": 3})
#: The power rules' square X: m = 1, then 3 × 3.
POWER_SIZES = ({"m": 1}, {"m": 3})
#: The printed CB-92 at 2 × 2 (COOKBOOK.md §3's counterexample size) and 3 × 3.
PRINTED_POWER_SIZES = ({"m": 2}, {"m": 3})

_W = Arg("W", ("m", "m"), "symmetric")
_RESIDUAL = (Arg("x", ("m",)), Arg("A", ("m", "n")), Arg("s", ("n",)), _W)
_DIFFERENCE = (Arg("x", ("n",)), Arg("s", ("n",)), Arg("W", ("n", "n"), "symmetric"))
_LMS = (Arg("ar"), Arg("ai"), Arg("xr", ("n",)), Arg("xi", ("n",)), Arg("br", ("n",)), Arg("bi", ("n",)))
_POWER = (Arg("a", ("m",)), Arg("X", ("m", "m")), Arg("b", ("m",)))
_QUAD_LIN = (Arg("A", ("n", "n")), Arg("b", ("n",)), Arg("x", ("n",)))

_SYMMETRIC_W = "W symmetric, as the row assumes (domain 'symmetric'); a concrete non-symmetric W is rejected"


def _rule(name: str, eq: int, primal: Callable[..., Any], derivative: Callable[..., Any],
          args: tuple[Arg, ...], wrt: str, sizes: tuple[dict[str, int], ...], **kw: Any) -> Rule:
    """A record with ID ``CB-<eq>`` in its §2.4 subsection."""
    return Rule(name, f"CB-{eq}", "cookbook", f"Matrix Cookbook §{_SECTION[eq]} ({eq})", primal, derivative,
                args, wrt, sizes, origin="extension", **kw)


RULES = [
    # --- §2.4.1 First order
    _rule("grad_bilinear_transposed_X", 71, cf.bilinear_transposed, cf.grad_bilinear_transposed_X,
          (Arg("a", ("n",)), Arg("X", ("m", "n")), Arg("b", ("m",))), "X", MATRIX_SIZES),
    _rule("grad_bilinear_aa_X", 72, cf.bilinear_aa, cf.grad_bilinear_aa_X,
          (Arg("a", ("n",)), Arg("X", ("n", "n"))), "X", SQUARE_SIZES, note="the left side, aᵀXa"),
    _rule("grad_bilinear_transposed_aa_X", 72, cf.bilinear_transposed_aa, cf.grad_bilinear_aa_X,
          (Arg("a", ("n",)), Arg("X", ("n", "n"))), "X", SQUARE_SIZES,
          note="the second left side, aᵀXᵀa: the same closed form"),
    _rule("jac_identity_map_X", 73, cf.identity_map, cf.jac_identity_map_X, (Arg("X", ("m", "n")),), "X",
          ({"m": 1, "n": 1}, {"m": 2, "n": 3}),
          note="layout M: the whole Jacobian, stacked from the single-entry matrices J^ij"),
    _rule("jac_product_XA_X", 74, cf.product_XA, cf.jac_product_XA_X,
          (Arg("X", ("m", "n")), Arg("A", ("n", "p"))), "X",
          ({"m": 1, "n": 1, "p": 1}, {"m": 2, "n": 3, "p": 2}), note="entry form, [i, j, m, n]"),
    _rule("jac_product_XtA_X", 75, cf.product_XtA, cf.jac_product_XtA_X,
          (Arg("X", ("m", "n")), Arg("A", ("m", "p"))), "X",
          ({"m": 1, "n": 1, "p": 1}, {"m": 3, "n": 2, "p": 2}), note="entry form, [i, j, m, n]"),
    # --- §2.4.2 Second order
    _rule("grad_squared_sum_X", 76, cf.squared_sum, cf.grad_squared_sum_X, (Arg("X", ("m", "n")),), "X",
          MATRIX_SIZES),
    _rule("grad_bilinear_gram_X", 77, cf.bilinear_gram, cf.grad_bilinear_gram_X,
          (Arg("b", ("n",)), Arg("X", ("m", "n")), Arg("c", ("n",))), "X", MATRIX_SIZES),
    _rule("grad_affine_bilinear_x", 78, cf.affine_bilinear, cf.grad_affine_bilinear_x,
          (Arg("B", ("p", "n")), Arg("b", ("p",)), Arg("C", ("p", "q")), Arg("D", ("q", "n")), Arg("d", ("q",)),
           Arg("x", ("n",))), "x", ({"p": 1, "q": 1, "n": 1}, {"p": 2, "q": 3, "n": 4})),
    _rule("jac_congruence_X", 79, cf.congruence, cf.jac_congruence_X,
          (Arg("X", ("m", "n")), Arg("B", ("m", "m"))), "X", MATRIX_SIZES, note="entry form, [k, l, i, j]"),
    _rule("jac_congruence_X_from_single_entries", 80, cf.congruence, cf.jac_congruence_X_from_single_entries,
          (Arg("X", ("m", "n")), Arg("B", ("m", "m"))), "X", MATRIX_SIZES,
          note="layout M: the whole Jacobian, from the row's formula at every single-entry J^ij"),
    _rule("grad_bilinear_weighted_gram_X", 82, cf.bilinear_weighted_gram, cf.grad_bilinear_weighted_gram_X,
          (Arg("b", ("n",)), Arg("X", ("m", "n")), Arg("D", ("m", "m")), Arg("c", ("n",))), "X", MATRIX_SIZES,
          note="COOKBOOK.md §4: the transcription garbles the first term as DᵀX bᵀcᵀ; DᵀXbcᵀ is used"),
    _rule("grad_affine_quadratic_X", 83, cf.affine_quadratic, cf.grad_affine_quadratic_X,
          (Arg("X", ("m", "n")), Arg("b", ("n",)), Arg("c", ("m",)), Arg("D", ("m", "m"))), "X", MATRIX_SIZES),
    _rule("grad_weighted_residual_s", 84, cf.weighted_residual, cf.grad_weighted_residual_s, _RESIDUAL, "s",
          MATRIX_SIZES, note=_SYMMETRIC_W + "; W = I is grad_squared_residual_x"),
    _rule("grad_weighted_difference_x", 85, cf.weighted_difference, cf.grad_weighted_difference_x, _DIFFERENCE,
          "x", SQUARE_SIZES, note=_SYMMETRIC_W),
    _rule("grad_weighted_difference_s", 86, cf.weighted_difference, cf.grad_weighted_difference_s, _DIFFERENCE,
          "s", SQUARE_SIZES, note=_SYMMETRIC_W),
    _rule("grad_weighted_residual_x", 87, cf.weighted_residual, cf.grad_weighted_residual_x, _RESIDUAL, "x",
          MATRIX_SIZES, note=_SYMMETRIC_W),
    _rule("grad_weighted_residual_A", 88, cf.weighted_residual, cf.grad_weighted_residual_A, _RESIDUAL, "A",
          MATRIX_SIZES, note=_SYMMETRIC_W),
    _rule("grad_lms_cost_xr", 89, ch.lms_cost, ch.grad_lms_cost_xr, _LMS, "xr", SQUARE_SIZES,
          note="corrected ([E]): the real part of the complex gradient (233) of the LMS cost |a − xᴴb|²"),
    _rule("grad_lms_cost_xi", 89, ch.lms_cost, ch.grad_lms_cost_xi, _LMS, "xi", SQUARE_SIZES,
          note="corrected ([E]): the imaginary part of the complex gradient (233) of the LMS cost |a − xᴴb|²"),
    _rule("grad_real_lms_cost_x", 89, ch.real_lms_cost, ch.grad_real_lms_cost_x,
          (Arg("a"), Arg("x", ("n",)), Arg("b", ("n",))), "x", SQUARE_SIZES,
          note="the all-real case, where the printed line holds as it stands"),
    _rule("jac_lms_error_squared_xr_printed", 89, ch.lms_error_squared, ch.jac_lms_error_squared_xr_printed, _LMS,
          "xr", SQUARE_SIZES, expect="fail",
          note="the printed line read literally, for complex a, x, b: the Jacobian of [ℜ, ℑ] of (a − xᴴb)² wrt ℜx",
          misprint="read as the derivative of the complex square (a − xᴴb)², the printed −2b(a − xᴴb)* is wrong: "
                   "that square depends on x only through x*, its derivative along ℜx is −2b(a − xᴴb) (no "
                   "conjugate); the printed right side is the complex gradient (233) of the LMS cost |a − xᴴb|²"),
    # --- §2.4.3 Higher-order and non-linear
    _rule("jac_matrix_power_X", 90, ch.matrix_power, ch.jac_matrix_power_X, (Arg("X", ("m", "m")),), "X",
          POWER_SIZES, params={"n": 3}, note="n = 3; entry form, [k, l, i, j]"),
    _rule("grad_power_bilinear_X", 91, ch.power_bilinear, ch.grad_power_bilinear_X, _POWER, "X", POWER_SIZES,
          params={"n": 3}, note="n = 3"),
    _rule("grad_power_gram_X_n1", 92, ch.power_gram, ch.grad_power_gram_X, _POWER, "X", POWER_SIZES,
          params={"n": 1}, note="corrected ([E]), n = 1: CB-77's X(abᵀ + baᵀ)"),
    _rule("grad_power_gram_X", 92, ch.power_gram, ch.grad_power_gram_X, _POWER, "X", POWER_SIZES,
          params={"n": 2}, note="corrected ([E]), n = 2"),
    _rule("grad_power_gram_X_printed_n1", 92, ch.power_gram, ch.grad_power_gram_X_printed, _POWER, "X",
          PRINTED_POWER_SIZES, params={"n": 1}, expect="fail", note="the printed form, n = 1",
          misprint="the first term of the printed sum, X^{n−1−r}abᵀ(Xⁿ)ᵀXʳ, is transposed: the right term is "
                   "(Xʳ)ᵀXⁿbaᵀ(X^{n−1−r})ᵀ (at n = 1 the printed form gives abᵀXᵀ + Xabᵀ for X(abᵀ + baᵀ))"),
    _rule("grad_power_gram_X_printed", 92, ch.power_gram, ch.grad_power_gram_X_printed, _POWER, "X",
          PRINTED_POWER_SIZES, params={"n": 2}, expect="fail", note="the printed form, n = 2",
          misprint="the first term of the printed sum, X^{n−1−r}abᵀ(Xⁿ)ᵀXʳ, is transposed: the right term is "
                   "(Xʳ)ᵀXⁿbaᵀ(X^{n−1−r})ᵀ"),
    _rule("grad_bilinear_of_maps_x", 93, ch.bilinear_of_maps, ch.grad_bilinear_of_maps_x,
          (Arg("P", ("p", "n")), Arg("Q", ("n", "n")), Arg("A", ("p", "n")), Arg("x", ("n",))), "x",
          ({"p": 1, "n": 1}, {"p": 2, "n": 3}),
          note="s(x) and r(x) chosen as tanh(Px) and (Qx) ∘ x; their Jacobians enter the row's chain-rule form"),
    _rule("grad_rayleigh_ratio_x", 94, ch.rayleigh_ratio, ch.grad_rayleigh_ratio_x,
          (Arg("A", ("m", "n")), Arg("B", ("k", "n"), "full_rank"), Arg("x", ("n",), "nonzero")), "x",
          ({"m": 1, "k": 2, "n": 2}, {"m": 2, "k": 4, "n": 3}),
          note="COOKBOOK.md §4: the transcription's first denominator reads xᵀBBx; xᵀBᵀBx is used"),
    # --- §2.4.4 Gradient and Hessian
    _rule("grad_quadratic_plus_linear_x", 96, ch.quadratic_plus_linear, ch.grad_quadratic_plus_linear_x,
          _QUAD_LIN, "x", SQUARE_SIZES, note="f of the Cookbook's (95); equation number inferred (COOKBOOK.md §0)"),
    _rule("hess_quadratic_plus_linear_x", 97, ch.quadratic_plus_linear, ch.hess_quadratic_plus_linear_x,
          _QUAD_LIN, "x", SQUARE_SIZES, reference="hessian",
          note="f of the Cookbook's (95); equation number inferred (COOKBOOK.md §0)"),
]
