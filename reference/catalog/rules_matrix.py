"""Catalog records for the matrix derivatives of :mod:`chainrule.analytic.matrix` (topic ``cookbook``).

These were the project's first Matrix Cookbook records, ``MAT-1`` … ``MAT-13``; they now carry the
Cookbook's own equation numbers (``CB-<n>``, COOKBOOK.md §5 maps them), and the old IDs stay as aliases,
so ``chainrule verify -k MAT-3`` still selects ``CB-70``'s record and ``-k matrix`` all of them. The
rest of Chapter 2 is in the ``rules_cookbook_*`` modules. Invertible arguments are drawn from the
``well_conditioned`` domain (``U diag(±σ) Vᵀ``, σ in [0.5, 2]: determinants of either sign, condition number ≤ 4).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from chainrule.analytic import matrix as mx

from ._record import Arg, Rule

VECTOR_SIZES = ({"n": 1}, {"n": 5})
#: 1 × 1, then a non-square 3 × 5.
MATRIX_SIZES = ({"m": 1, "n": 1}, {"m": 3, "n": 5})
#: 1 × 1, then 3 × 3 (invertible arguments are square; linear algebra is slow to compile).
SQUARE_SIZES = ({"n": 1}, {"n": 3})

_SQ = Arg("X", ("n", "n"), "well_conditioned")


#: The Cookbook section of each equation these records cite.
_SECTION = {"40": "2", "49": "2.1.2", "57": "2.1.4", "60": "2.2", "61": "2.2", "69": "2.4.1", "70": "2.4.1",
            "81": "2.4.2", "84": "2.4.2", "100": "2.5.1", "101": "2.5.1", "108": "2.5.2", "132": "2.7.1"}


def _rule(name: str, rid: str, eq: str, primal: Callable[..., Any],
          derivative: Callable[..., Any], args: tuple[Arg, ...], wrt: str,
          sizes: tuple[dict[str, int], ...], **kw: Any) -> Rule:
    """A record with ID ``CB-<eq>``, keeping its former project ID ``rid`` (``MAT-n``) as an alias."""
    return Rule(name, f"CB-{eq}", "cookbook", f"Matrix Cookbook §{_SECTION[eq]} ({eq})", primal, derivative,
                args, wrt, sizes, origin="extension", aliases=(rid,),
                note=kw.pop("note", f"Petersen & Pedersen 2012, eq. ({eq})"), **kw)


RULES = [
    _rule("grad_inner_x", "MAT-1", "69", mx.inner, mx.grad_inner_x,
          (Arg("a", ("n",)), Arg("x", ("n",))), "x", VECTOR_SIZES),
    _rule("jac_matvec_x", "MAT-2", "69", mx.matvec, mx.jac_matvec_x,
          (Arg("A", ("m", "n")), Arg("x", ("n",))), "x", MATRIX_SIZES,
          note="Petersen & Pedersen 2012, eq. (69) applied to each row"),
    _rule("grad_bilinear_X", "MAT-3", "70", mx.bilinear, mx.grad_bilinear_X,
          (Arg("a", ("m",)), Arg("X", ("m", "n")), Arg("b", ("n",))), "X", MATRIX_SIZES),
    _rule("grad_quadratic_form_x", "MAT-4", "81", mx.quadratic_form,
          mx.grad_quadratic_form_x, (Arg("A", ("n", "n")), Arg("x", ("n",))), "x", VECTOR_SIZES),
    _rule("grad_squared_residual_x", "MAT-5", "84", mx.squared_residual,
          mx.grad_squared_residual_x, (Arg("A", ("m", "n")), Arg("x", ("n",)), Arg("b", ("m",))), "x",
          MATRIX_SIZES, note="Petersen & Pedersen 2012, eq. (84) with W = I"),
    _rule("grad_trace_AX_X", "MAT-6", "100", mx.trace_AX, mx.grad_trace_AX_X,
          (Arg("A", ("n", "m")), Arg("X", ("m", "n"))), "X", MATRIX_SIZES),
    _rule("grad_trace_AXB_X", "MAT-7", "101", mx.trace_AXB, mx.grad_trace_AXB_X,
          (Arg("A", ("p", "m")), Arg("X", ("m", "n")), Arg("B", ("n", "p"))), "X",
          ({"p": 1, "m": 1, "n": 1}, {"p": 2, "m": 3, "n": 4})),
    _rule("grad_trace_XtAX_X", "MAT-8", "108", mx.trace_XtAX,
          mx.grad_trace_XtAX_X, (Arg("A", ("m", "m")), Arg("X", ("m", "n"))), "X", MATRIX_SIZES),
    _rule("grad_log_abs_det_X", "MAT-9", "57", mx.log_abs_det, mx.grad_log_abs_det_X, (_SQ,), "X", SQUARE_SIZES),
    _rule("grad_det_X", "MAT-10", "49", mx.det, mx.grad_det_X, (_SQ,), "X", SQUARE_SIZES),
    _rule("jvp_inv_X", "MAT-11", "40", mx.inv, mx.jvp_inv_X,
          (_SQ, Arg("t", ("n", "n"))), "X", SQUARE_SIZES, reference="jvp",
          note="Petersen & Pedersen 2012, eqs. (40), (59): the directional derivative along T"),
    _rule("jac_inv_X", "MAT-11", "60", mx.inv, mx.jac_inv_X,
          (_SQ,), "X", SQUARE_SIZES, note="Petersen & Pedersen 2012, eq. (60); shape (n, n, n, n)"),
    _rule("grad_inverse_bilinear_X", "MAT-12", "61", mx.inverse_bilinear,
          mx.grad_inverse_bilinear_X, (Arg("a", ("n",)), _SQ, Arg("b", ("n",))), "X", SQUARE_SIZES),
    _rule("grad_frobenius_sq_X", "MAT-13", "132", mx.frobenius_sq, mx.grad_frobenius_sq_X,
          (Arg("X", ("m", "n")),), "X", MATRIX_SIZES,
          note="Petersen & Pedersen 2012, eq. (132), equivalently (115)"),
]
