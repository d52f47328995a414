"""Catalog records for the Matrix Cookbook's §2.5, derivatives of traces: ``CB-98`` … ``CB-128`` (topic ``cookbook``).

The closed forms are in :mod:`chainrule.analytic.cookbook_trace` ((98)–(120)) and
:mod:`chainrule.analytic.cookbook_trace_higher` ((121)–(128)). Three rows of this range were already records
in ``rules_matrix.py`` (CB-100 as ``Tr(AX)``, CB-101, CB-108); here CB-100 gets its Cookbook side ``Tr(XA)``.

* A row whose sides are written differently (CB-115's ``Tr(XᵀX)`` and ``Tr(XXᵀ)``, CB-120's ``Tr(X⊗X)``
  and ``Tr(X)Tr(X)``) has one record per side; rows equal by the cyclic property share one closed form.
* CB-121 and CB-122 take the power as a record parameter, one record each for k = 1 and k = 3.
* CB-98 and CB-128 use matrix exp and sin as truncated power series, drawn in the ball ``‖X‖_F ≤ 1.5``
  (:data:`SERIES_BALL`), where the series are exact to float64 rounding.
* CB-125 … CB-127 draw C symmetric positive definite, and for CB-125/126 X of full column rank, so that
  ``XᵀCX`` is invertible and well conditioned; CB-127 draws A with a positive definite symmetric part
  (:data:`POSITIVE_PART`), so that ``N = A + XᵀCX`` is too.
* CB-127 is an erratum (COOKBOOK.md §3): the corrected form passes, the printed form passes with A
  symmetric, and the printed form with a general A is an expected failure.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np

from chainrule.analytic import cookbook_inverse as ci
from chainrule.analytic import cookbook_trace as ct
from chainrule.analytic import cookbook_trace_higher as ch
from chainrule.analytic import matrix as mx

from ..samplers import DOMAINS, Domain
from ._record import Arg, Rule

#: 1 × 1, then 3 × 3.
SQUARE_SIZES = ({"n": 1}, {"n": 3})
#: 1 × 1, then a non-square 3 × 2.
MATRIX_SIZES = ({"m": 1, "n": 1}, {"m": 3, "n": 2})
#: X of full column rank: 1 × 1, then 4 × 2.
TALL_SIZES = ({"m": 1, "n": 1}, {"m": 4, "n": 2})


def _series_ball(rng: np.random.Generator, shape: tuple[int, ...]) -> np.ndarray:
    """Square matrices with ‖X‖_F uniform on [0.25, 1.5]: a normal draw rescaled."""
    M = rng.standard_normal(shape)
    norm = np.sqrt(np.sum(M * M, axis=(-2, -1), keepdims=True))
    return M / norm * rng.uniform(0.25, 1.5, (*shape[:-2], 1, 1))


def _positive_part(rng: np.random.Generator, shape: tuple[int, ...]) -> np.ndarray:
    """Non-symmetric square matrices with a positive definite symmetric part: S + K/2, S SPD (eigenvalues in
    [0.5, 2]), K = M − Mᵀ skew with M standard normal."""
    M = rng.standard_normal(shape)
    return DOMAINS["spd"].draw(rng, shape) + (M - np.swapaxes(M, -1, -2)) / 2


#: Where the truncated exp and sin series of CB-98 and CB-128 are drawn.
SERIES_BALL = Domain("series_ball", _series_ball, "square, ‖X‖_F uniform on [0.25, 1.5]")
#: CB-127's general A: not symmetric, A + Aᵀ positive definite (so N = A + XᵀCX is invertible).
POSITIVE_PART = Domain("positive_part", _positive_part, "square, SPD symmetric part plus a skew part")

#: The Cookbook subsection of each equation.
_SECTION = {98: "2.5", **dict.fromkeys(range(99, 106), "2.5.1"), **dict.fromkeys(range(106, 121), "2.5.2"),
            **dict.fromkeys(range(121, 124), "2.5.3"), **dict.fromkeys(range(124, 129), "2.5.4")}


def _rule(name: str, eq: int, primal: Callable[..., Any], derivative: Callable[..., Any],
          args: tuple[Arg, ...], sizes: tuple[dict[str, int], ...], **kw: Any) -> Rule:
    """A ``CB-<eq>`` gradient record with respect to X."""
    return Rule(name, f"CB-{eq}", "cookbook", f"Matrix Cookbook §{_SECTION[eq]} ({eq})", primal, derivative,
                args, "X", sizes, origin="extension",
                note=kw.pop("note", f"Petersen & Pedersen 2012, eq. ({eq})"), **kw)


_X = Arg("X", ("n", "n"))
_XMN = Arg("X", ("m", "n"))
_CYCLIC = "equal to the row above by the cyclic property of the trace; one closed form for both"

RULES = [
    # (98) Tr F(X), F analytic: a cubic, and exp as a truncated series
    _rule("grad_trace_polynomial_X", 98, ct.trace_polynomial, ct.grad_trace_polynomial_X, (_X,), SQUARE_SIZES,
          params={"coeffs": (0.5, 1.0, -0.5, 1.0)},
          note="F the cubic 0.5 + x − 0.5x² + x³, f = 1 − x + 3x² (no real root, so f(X) is never near 0); "
               "equation number inferred (COOKBOOK.md §0)"),
    _rule("grad_trace_exp_X", 98, ct.trace_exp, ct.grad_trace_exp_X, (Arg("X", ("n", "n"), SERIES_BALL),),
          SQUARE_SIZES, note="F = f = exp, a power series truncated after degree 24, drawn with ‖X‖_F ≤ 1.5; "
                             "equation number inferred (COOKBOOK.md §0)"),
    # §2.5.1 first order
    _rule("grad_trace_X", 99, ci.trace, ci.grad_sum_eig_X, (_X,), SQUARE_SIZES,
          note="the primal and closed form of CB-65's Tr(X) side (CB-65 restates this row)"),
    _rule("grad_trace_XA_X", 100, ct.trace_XA, mx.grad_trace_AX_X, (Arg("A", ("n", "m")), _XMN), MATRIX_SIZES,
          note="the Cookbook's side Tr(XA), with the closed form of CB-100's Tr(AX) record (equal by cyclicity)"),
    _rule("grad_trace_AXtB_X", 102, ct.trace_AXtB, ct.grad_trace_AXtB_X,
          (Arg("A", ("p", "n")), _XMN, Arg("B", ("m", "p"))), ({"p": 1, "m": 1, "n": 1}, {"p": 2, "m": 3, "n": 4})),
    _rule("grad_trace_XtA_X", 103, ct.trace_XtA, ct.grad_trace_XtA_X, (Arg("A", ("m", "n")), _XMN), MATRIX_SIZES),
    _rule("grad_trace_AXt_X", 104, ct.trace_AXt, ct.grad_trace_XtA_X, (Arg("A", ("m", "n")), _XMN), MATRIX_SIZES,
          note=f"Tr(AXᵀ), {_CYCLIC} (CB-103)"),
    _rule("grad_trace_kron_AX_X", 105, ct.trace_kron_AX, ct.grad_trace_kron_AX_X, (Arg("A", ("p", "p")), _X),
          ({"p": 1, "n": 1}, {"p": 2, "n": 3}), note="the primal builds the Kronecker product A⊗X (pn × pn)"),
    # §2.5.2 second order
    _rule("grad_trace_X2_X", 106, ct.trace_X2, ct.grad_trace_X2_X, (_X,), SQUARE_SIZES),
    _rule("grad_trace_X2B_X", 107, ct.trace_X2B, ct.grad_trace_X2B_X, (_X, Arg("B", ("n", "n"))), SQUARE_SIZES),
    _rule("grad_trace_BXXt_X", 109, ct.trace_BXXt, ct.grad_trace_BXXt_X, (Arg("B", ("m", "m")), _XMN),
          MATRIX_SIZES, note="equal to CB-108's Tr(XᵀBX) by the cyclic property"),
    _rule("grad_trace_XXtB_X", 110, ct.trace_XXtB, ct.grad_trace_BXXt_X, (Arg("B", ("m", "m")), _XMN),
          MATRIX_SIZES, note=f"Tr(XXᵀB), {_CYCLIC} (CB-109)"),
    _rule("grad_trace_XBXt_X", 111, ct.trace_XBXt, ct.grad_trace_XBXt_X, (Arg("B", ("n", "n")), _XMN),
          MATRIX_SIZES),
    _rule("grad_trace_BXtX_X", 112, ct.trace_BXtX, ct.grad_trace_XBXt_X, (Arg("B", ("n", "n")), _XMN),
          MATRIX_SIZES, note=f"Tr(BXᵀX), {_CYCLIC} (CB-111)"),
    _rule("grad_trace_XtXB_X", 113, ct.trace_XtXB, ct.grad_trace_XBXt_X, (Arg("B", ("n", "n")), _XMN),
          MATRIX_SIZES, note=f"Tr(XᵀXB), {_CYCLIC} (CB-111)"),
    _rule("grad_trace_AXBX_X", 114, ct.trace_AXBX, ct.grad_trace_AXBX_X,
          (Arg("A", ("n", "m")), _XMN, Arg("B", ("n", "m"))), MATRIX_SIZES,
          note="the transcription prints Tr(AXX), dropping B (COOKBOOK.md §4); Tr(AXBX) as SymPy and Ahle have it"),
    _rule("grad_trace_XtX_X", 115, ct.trace_XtX, mx.grad_frobenius_sq_X, (_XMN,), MATRIX_SIZES,
          note="first side Tr(XᵀX), with the closed form of CB-132 (the squared Frobenius norm)"),
    _rule("grad_trace_XXt_X", 115, ct.trace_XXt, mx.grad_frobenius_sq_X, (_XMN,), MATRIX_SIZES,
          note="second side Tr(XXᵀ), with the closed form of CB-132 (the squared Frobenius norm)"),
    _rule("grad_trace_BtXtCXB_X", 116, ct.trace_BtXtCXB, ct.grad_trace_BtXtCXB_X,
          (Arg("B", ("n", "p")), _XMN, Arg("C", ("m", "m"))), ({"m": 1, "n": 1, "p": 1}, {"m": 3, "n": 2, "p": 4}),
          note="the transcription garbles the first term as CᵀXBBBᵀ (COOKBOOK.md §4); CᵀXBBᵀ as SymPy and Ahle "
               "have it; C any square matrix"),
    _rule("grad_trace_XtBXC_X", 117, ct.trace_XtBXC, ct.grad_trace_XtBXC_X,
          (_XMN, Arg("B", ("m", "m")), Arg("C", ("n", "n"))), MATRIX_SIZES),
    _rule("grad_trace_AXBXtC_X", 118, ct.trace_AXBXtC, ct.grad_trace_AXBXtC_X,
          (Arg("A", ("p", "m")), _XMN, Arg("B", ("n", "n")), Arg("C", ("m", "p"))),
          ({"p": 1, "m": 1, "n": 1}, {"p": 2, "m": 3, "n": 2})),
    _rule("grad_trace_AXB_plus_C_sq_X", 119, ct.trace_AXB_plus_C_sq, ct.grad_trace_AXB_plus_C_sq_X,
          (Arg("A", ("p", "m")), _XMN, Arg("B", ("n", "q")), Arg("C", ("p", "q"))),
          ({"p": 1, "m": 1, "n": 1, "q": 1}, {"p": 2, "m": 3, "n": 4, "q": 2})),
    _rule("grad_trace_kron_XX_X", 120, ct.trace_kron_XX, ct.grad_trace_kron_XX_X, (_X,), SQUARE_SIZES,
          note="first side Tr(X⊗X), the Kronecker product built (n² × n²)"),
    _rule("grad_trace_X_times_trace_X_X", 120, ct.trace_X_times_trace_X, ct.grad_trace_kron_XX_X, (_X,),
          SQUARE_SIZES, note="second side Tr(X)Tr(X)"),
    # §2.5.3 higher order
    _rule("grad_trace_Xk_X_k1", 121, ch.trace_Xk, ch.grad_trace_Xk_X, (_X,), SQUARE_SIZES, params={"k": 1},
          note="k = 1 (X⁰ = I)"),
    _rule("grad_trace_Xk_X_k3", 121, ch.trace_Xk, ch.grad_trace_Xk_X, (_X,), SQUARE_SIZES, params={"k": 3},
          note="k = 3"),
    _rule("grad_trace_AXk_X_k1", 122, ch.trace_AXk, ch.grad_trace_AXk_X, (Arg("A", ("n", "n")), _X), SQUARE_SIZES,
          params={"k": 1}, note="k = 1: one term"),
    _rule("grad_trace_AXk_X_k3", 122, ch.trace_AXk, ch.grad_trace_AXk_X, (Arg("A", ("n", "n")), _X), SQUARE_SIZES,
          params={"k": 3}, note="k = 3: three terms"),
    _rule("grad_trace_BtXtCXXtCXB_X", 123, ch.trace_BtXtCXXtCXB, ch.grad_trace_BtXtCXXtCXB_X,
          (Arg("B", ("n", "p")), _XMN, Arg("C", ("m", "m"))), ({"m": 1, "n": 1, "p": 1}, {"m": 3, "n": 2, "p": 2}),
          note="C any square matrix"),
    # §2.5.4 other
    _rule("grad_trace_A_inv_B_X_cb124", 124, ci.trace_A_inv_B, ci.grad_trace_A_inv_B_X,
          (Arg("A", ("p", "n")), Arg("X", ("n", "n"), "well_conditioned"), Arg("B", ("n", "p"))),
          ({"p": 1, "n": 1}, {"p": 2, "n": 3}),
          note="repeats CB-63, with its primal and closed form; X drawn invertible (condition ≤ 4)"),
    _rule("grad_trace_XtCX_inv_A_X", 125, ch.trace_XtCX_inv_A, ch.grad_trace_XtCX_inv_A_X,
          (Arg("X", ("m", "n"), "full_rank"), Arg("C", ("m", "m"), "spd"), Arg("A", ("n", "n"))), TALL_SIZES,
          note="C symmetric (drawn SPD) and X of full column rank, so XᵀCX is invertible; A any square matrix"),
    _rule("grad_trace_XtCX_inv_XtBX_X", 126, ch.trace_XtCX_inv_XtBX, ch.grad_trace_XtCX_inv_XtBX_X,
          (Arg("X", ("m", "n"), "full_rank"), Arg("C", ("m", "m"), "spd"), Arg("B", ("m", "m"), "symmetric")),
          ({"m": 2, "n": 1}, {"m": 4, "n": 2}),
          note="B, C symmetric (C drawn SPD) and X of full column rank, so XᵀCX is invertible; X has more rows "
               "than columns, since for a square X the trace is the constant Tr(C⁻¹B)"),
    _rule("grad_trace_Ninv_XtBX_X", 127, ch.trace_Ninv_XtBX, ch.grad_trace_Ninv_XtBX_X,
          (Arg("A", ("n", "n"), POSITIVE_PART), _XMN, Arg("C", ("m", "m"), "spd"), Arg("B", ("m", "m"), "symmetric")),
          MATRIX_SIZES, note="the corrected form (COOKBOOK.md §3) for a general A; B, C symmetric"),
    _rule("grad_trace_Ninv_XtBX_X_printed_symmetric_A", 127, ch.trace_Ninv_XtBX, ch.grad_trace_Ninv_XtBX_X_printed,
          (Arg("A", ("n", "n"), "spd"), _XMN, Arg("C", ("m", "m"), "spd"), Arg("B", ("m", "m"), "symmetric")),
          MATRIX_SIZES, note="the printed form holds when A is symmetric as well (drawn SPD); B, C symmetric"),
    _rule("grad_trace_Ninv_XtBX_X_printed", 127, ch.trace_Ninv_XtBX, ch.grad_trace_Ninv_XtBX_X_printed,
          (Arg("A", ("n", "n"), POSITIVE_PART), _XMN, Arg("C", ("m", "m"), "spd"), Arg("B", ("m", "m"), "symmetric")),
          ({"m": 1, "n": 2}, {"m": 3, "n": 2}), expect="fail",
          misprint="the printed right side treats N = A + XᵀCX (and K = N⁻¹XᵀBXN⁻¹) as symmetric, which needs A "
                   "symmetric, an assumption the Cookbook does not state; for a general A the gradient is "
                   "BX(N⁻¹ + N⁻ᵀ) − CX(K + Kᵀ)",
          note="the printed form with a general A (COOKBOOK.md §3): an expected failure; n ≥ 2, since for n = 1 "
               "N is a scalar and the printed form holds"),
    _rule("grad_trace_sin_X", 128, ch.trace_sin, ch.grad_trace_sin_X, (Arg("X", ("n", "n"), SERIES_BALL),),
          SQUARE_SIZES, note="sin as its power series truncated after degree 25, cos its derivative series; drawn "
                             "with ‖X‖_F ≤ 1.5"),
]
