"""Catalog records for the Matrix Cookbook §2.6–§2.7, the vector two-norm and the Frobenius norm (topic
``cookbook``): CB-129 … CB-131 and CB-132's complex case.

See :mod:`chainrule.analytic.cookbook_norms`. CB-132's real case (``grad_frobenius_sq_X``) is in
:mod:`rules_matrix`; its complex case ``∇ Tr(XXᴴ) = 2X`` is two records, one per real gradient of the
Cookbook's complex gradient ``∇ = ∂/∂ℜX + i∂/∂ℑX``: wrt the real part ``Xre`` and wrt the imaginary part
``Xim`` of ``X = Xre + i·Xim`` (the primal computes in complex arithmetic). CB-131's two printed sides,
``‖x‖₂²`` and ``‖xᵀx‖₂``, are two records with one closed form. CB-129 and CB-130 draw x and a standard
normal and stay ``0.5`` away from ``x = a`` (the kink; CB-130's Jacobian grows like ``1/‖x − a‖``).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np

from chainrule.analytic import cookbook_norms as cn

from ._record import Arg, Rule

VECTOR_SIZES = ({"n": 1}, {"n": 5})
#: CB-130 starts at n = 2: for n = 1 its Jacobian is identically 0, and JAX's reference is rounding noise
#: (~1e-16) there, so a relative error means nothing (tests/test_cookbook_norms.py pins the n = 1 value).
UNIT_SIZES = ({"n": 2}, {"n": 5})
#: 1 × 1, then a non-square 2 × 3.
MATRIX_SIZES = ({"m": 1, "n": 1}, {"m": 2, "n": 3})


def _distance(x: np.ndarray, a: np.ndarray) -> np.ndarray:
    """‖x − a‖: the two-norm of the difference has its kink at x = a."""
    return np.atleast_1d(np.linalg.norm(x - a))


_SECTION = {"129": "2.6.1", "130": "2.6.1", "131": "2.6.1", "132": "2.7.1"}


def _rule(name: str, eq: str, primal: Callable[..., Any], derivative: Callable[..., Any],
          args: tuple[Arg, ...], wrt: str, sizes: tuple[dict[str, int], ...], **kw: Any) -> Rule:
    return Rule(name, f"CB-{eq}", "cookbook", f"Matrix Cookbook §{_SECTION[eq]} ({eq})", primal, derivative, args,
                wrt, sizes, origin="extension", **kw)


_XA = (Arg("x", ("n",)), Arg("a", ("n",)))
_X = (Arg("x", ("n",)),)
_COMPLEX = (Arg("Xre", ("m", "n")), Arg("Xim", ("m", "n")))

RULES = [
    _rule("grad_norm_diff_x", "129", cn.norm_diff, cn.grad_norm_diff_x, _XA, "x", VECTOR_SIZES,
          kink=_distance, kink_margin=0.5, note="x ≠ a; 0 at x = a (pinned in tests/test_cookbook_norms.py)"),
    _rule("jac_unit_diff_x", "130", cn.unit_diff, cn.jac_unit_diff_x, _XA, "x", UNIT_SIZES,
          kink=_distance, kink_margin=0.5, note="x ≠ a; symmetric, so either layout"),
    _rule("grad_sq_norm_x", "131", cn.sq_norm, cn.grad_sq_norm_x, _X, "x", VECTOR_SIZES, note="the ‖x‖₂² side"),
    _rule("grad_sq_norm_x_xtx_side", "131", cn.norm_of_xtx, cn.grad_sq_norm_x, _X, "x", VECTOR_SIZES,
          note="the ‖xᵀx‖₂ side: the two-norm of the scalar xᵀx ≥ 0"),
    _rule("grad_trace_XXh_Xre", "132", cn.trace_XXh, cn.grad_trace_XXh_Xre, _COMPLEX, "Xre", MATRIX_SIZES,
          note="complex X = Xre + i·Xim: the real part of the complex gradient (Cookbook (233))"),
    _rule("grad_trace_XXh_Xim", "132", cn.trace_XXh, cn.grad_trace_XXh_Xim, _COMPLEX, "Xim", MATRIX_SIZES,
          note="complex X = Xre + i·Xim: the imaginary part of the complex gradient (Cookbook (233))"),
]
