"""Catalog records for the Matrix Cookbook §2.1, derivatives of a determinant (topic ``cookbook``): CB-46 … CB-58.

See :mod:`chainrule.analytic.cookbook_determinant`. CB-49 (``grad_det_X``) and CB-57
(``grad_log_abs_det_X``) are in :mod:`rules_matrix`. Every record is a gradient (``reference="jacobian"``
of a scalar primal: shaped like the variable), except CB-48, a second derivative (``"hessian"``).

* (46), (48): ``Y(x) = Y₀ + x Y₁ + x² Y₂`` with Y₀ invertible (``well_conditioned``), ``‖Y₁‖₂ = ‖Y₂‖₂ =
  0.15`` (:data:`SMALL`) and ``|x| ≤ 1`` (``unit``): Y(x) stays invertible (σ_min ≥ 0.2).
* (47) and (50) are one identity, one closed form (the cofactor matrix): (47) is checked at any square X
  (standard normal), (50) at singular X of rank n − 1.
* (53) draws A SPD (``spd``) so that XᵀAX stays invertible; the identity needs only A symmetric
  (tests/test_cookbook_determinant.py checks an indefinite A too). (54) draws a non-symmetric A whose
  symmetric part is SPD (:data:`POSITIVE_REAL`), so XᵀAX is invertible for every full-rank X.
* (55) needs X of full column rank, (56) P = X⁺ of full row rank (``full_rank``).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np

from chainrule.analytic import cookbook_determinant as cdet
from chainrule.analytic import cookbook_differentials as cd

from ..samplers import DOMAINS, Domain
from ._record import Arg, Rule
from .rules_cookbook_differentials import RANK_DEFICIENT

SQUARE_SIZES = ({"n": 1}, {"n": 3})
#: 1 × 1, then a tall 4 × 2 (full column rank).
TALL_SIZES = ({"m": 1, "n": 1}, {"m": 4, "n": 2})


def _small(rng: np.random.Generator, shape: tuple[int, ...]) -> np.ndarray:
    """Standard normal, rescaled to spectral norm 0.15 (matrix by matrix)."""
    G = rng.standard_normal(shape)
    return 0.15 * G / np.linalg.norm(G, ord=2, axis=(-2, -1))[..., None, None]


def _positive_real(rng: np.random.Generator, shape: tuple[int, ...]) -> np.ndarray:
    """``S + K``: S SPD (eigenvalues in [0.5, 2]), K skew-symmetric (half a standard normal's skew part)."""
    M = rng.standard_normal(shape)
    return DOMAINS["spd"].draw(rng, shape) + (M - np.swapaxes(M, -1, -2)) / 4


#: Perturbations of spectral norm 0.15: Y₀ + x Y₁ + x² Y₂ stays invertible for |x| ≤ 1.
SMALL = Domain("small", _small, "spectral norm 0.15")
#: Non-symmetric A with SPD symmetric part: xᵀAx > 0, so XᵀAX is invertible for full-column-rank X.
POSITIVE_REAL = Domain("positive_real", _positive_real, "SPD plus skew-symmetric (non-symmetric)")

_CURVE = (Arg("Y0", ("n", "n"), "well_conditioned"), Arg("Y1", ("n", "n"), SMALL), Arg("Y2", ("n", "n"), SMALL),
          Arg("x", (), "unit"))
_CURVE_NOTE = "along the curve Y(x) = Y₀ + xY₁ + x²Y₂"
_SQ = Arg("X", ("n", "n"), "well_conditioned")
_SECTION = {"46": "2.1.1", "47": "2.1.1", "48": "2.1.1", "50": "2.1.2", "51": "2.1.2", "52": "2.1.3",
            "53": "2.1.3", "54": "2.1.3", "55": "2.1.4", "56": "2.1.4", "58": "2.1.4"}


def _rule(name: str, eq: str, primal: Callable[..., Any], derivative: Callable[..., Any],
          args: tuple[Arg, ...], wrt: str, sizes: tuple[dict[str, int], ...], **kw: Any) -> Rule:
    return Rule(name, f"CB-{eq}", "cookbook", f"Matrix Cookbook §{_SECTION[eq]} ({eq})", primal, derivative, args,
                wrt, sizes, origin="extension", **kw)


RULES = [
    _rule("grad_det_curve_x", "46", cdet.det_curve, cdet.grad_det_curve_x, _CURVE, "x", SQUARE_SIZES,
          note=_CURVE_NOTE),
    _rule("grad_det_cofactor_X", "47", cd.determinant, cdet.grad_det_cofactor_X, (Arg("X", ("n", "n")),), "X",
          SQUARE_SIZES, note="any square X; the gradient is the cofactor matrix"),
    _rule("hess_det_curve_x", "48", cdet.det_curve, cdet.hess_det_curve_x, _CURVE, "x", SQUARE_SIZES,
          reference="hessian", note=_CURVE_NOTE + "; one number for the 3-line display"),
    _rule("grad_det_cofactor_X_rank_deficient", "50", cd.determinant, cdet.grad_det_cofactor_X,
          (Arg("X", ("n", "n"), RANK_DEFICIENT),), "X", SQUARE_SIZES,
          note="repeats (47); checked at singular X of rank n − 1"),
    _rule("grad_det_AXB_X", "51", cdet.det_AXB, cdet.grad_det_AXB_X,
          (Arg("A", ("n", "n"), "well_conditioned"), _SQ, Arg("B", ("n", "n"), "well_conditioned")), "X",
          SQUARE_SIZES, note="A, X, B square and invertible (implicit in the Cookbook)"),
    _rule("grad_det_XtAX_square_X", "52", cdet.det_XtAX, cdet.grad_det_XtAX_square_X,
          (Arg("A", ("n", "n")), _SQ), "X", SQUARE_SIZES, note="X square invertible, A any square"),
    _rule("grad_det_XtAX_symmetric_X", "53", cdet.det_XtAX, cdet.grad_det_XtAX_symmetric_X,
          (Arg("A", ("m", "m"), "spd"), Arg("X", ("m", "n"), "full_rank")), "X", TALL_SIZES,
          note="A symmetric (drawn SPD so that XᵀAX stays invertible), X of full column rank"),
    _rule("grad_det_XtAX_X", "54", cdet.det_XtAX, cdet.grad_det_XtAX_X,
          (Arg("A", ("m", "m"), POSITIVE_REAL), Arg("X", ("m", "n"), "full_rank")), "X", TALL_SIZES,
          note="A not symmetric (SPD plus skew part), X of full column rank"),
    _rule("grad_log_det_XtX_X", "55", cdet.log_det_XtX, cdet.grad_log_det_XtX_X,
          (Arg("X", ("m", "n"), "full_rank"),), "X", TALL_SIZES,
          note="X of full column rank; the transcription's stray bar read as ln det (the same value)"),
    _rule("grad_log_det_XtX_pinv_P", "56", cdet.log_det_XtX_pinv, cdet.grad_log_det_XtX_pinv_P,
          (Arg("P", ("n", "m"), "full_rank"),), "P", TALL_SIZES,
          note="the derivative with respect to P, the pseudo-inverse of X, with X the pseudo-inverse of P; "
               "JAX differentiates through pinv"),
    _rule("grad_det_power_X", "58", cdet.det_power, cdet.grad_det_power_X, (_SQ,), "X", SQUARE_SIZES,
          params={"k": 3}, note="k = 3"),
]
