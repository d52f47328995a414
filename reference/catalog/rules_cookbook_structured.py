"""Catalog records for the Matrix Cookbook §2.8, structured matrices and the chain rule (topic ``cookbook``):
CB-133, CB-136 … CB-144.

See :mod:`chainrule.analytic.cookbook_structured`, whose docstring states the Cookbook's convention: the
derivative with respect to each *free parameter* of the structure, written into every position that
parameter occupies (for symmetric A, ``G + Gᵀ − diag(G)``; not the symmetric gradient ``(G + Gᵀ)/2``).

How a structured record is checked: its primal takes the free parameters as an unconstrained array and
builds the structured matrix from them, so JAX differentiates with respect to exactly those parameters:

* symmetric: a full ``P`` whose lower triangle builds ``A = tril(P) + tril(P, −1)ᵀ`` (P's strict upper
  part is unused, and its gradient is 0 there);
* diagonal: ``d`` of shape ``(n,)``, ``X = diag(d)``;
* Toeplitz: ``c`` of shape ``(2n − 1,)``, one value per diagonal, ``T_ij = c[i − j + n − 1]``;
* symmetric Toeplitz: ``s`` of shape ``(n,)``, ``T_ij = s[|i − j|]``.

The record's derivative (an adapter here, whose docstring's first line is its formula) evaluates the
Cookbook's structured matrix with the closed form of :mod:`chainrule.analytic.cookbook_structured` and maps
it back onto the parameters (``tril`` of it; its diagonal; the value on each diagonal); ``uses`` names the
public closed forms and parameter maps it goes through. (133) is checked on a symmetric A with
``f = aᵀA⁻¹b`` through the structure matrices; the chain rules (136), (137) with ``U = X⁻¹``. (143) and
(144) are stated for Tr(AT) and Tr(TA): each side is a record with the same closed form.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from chainrule.analytic import cookbook_structured as cs
from chainrule.analytic import matrix as mx

from ._record import Arg, Rule

SQUARE_SIZES = ({"n": 1}, {"n": 3})
#: n × n Toeplitz matrices with k = 2n − 1 free values.
TOEPLITZ_SIZES = ({"n": 1, "k": 1}, {"n": 3, "k": 5})


# --- primals on the free parameters --------------------------------------------------------------------------


def inverse_bilinear_symmetric(a: Any, P: Any, b: Any) -> Any:
    """``aᵀA⁻¹b`` with ``A = tril(P) + tril(P, −1)ᵀ``: CB-133's f on the symmetric A's free parameters."""
    return mx.inverse_bilinear(a, cs.symmetric_from_params(P), b)


def frobenius_sq_of_inverse(X: Any) -> Any:
    """``g(U) = ‖U‖_F²`` with ``U = X⁻¹``: CB-136's composite."""
    return mx.frobenius_sq(mx.inv(X))


def bilinear_symmetric(a: Any, P: Any, b: Any) -> Any:
    """``aᵀAb`` with ``A = tril(P) + tril(P, −1)ᵀ``: CB-138's f on the free parameters."""
    return mx.bilinear(a, cs.symmetric_from_params(P), b)


def trace_AX_symmetric(A: Any, P: Any) -> Any:
    """``Tr(AX)`` with ``X = tril(P) + tril(P, −1)ᵀ``: CB-139's primal."""
    return mx.trace_AX(A, cs.symmetric_from_params(P))


def det_symmetric(P: Any) -> Any:
    """``det X`` with ``X = tril(P) + tril(P, −1)ᵀ``: CB-140's primal."""
    return mx.det(cs.symmetric_from_params(P))


def log_det_symmetric(P: Any) -> Any:
    """``ln det X`` (``slogdet``; X SPD) with ``X = tril(P) + tril(P, −1)ᵀ``: CB-141's primal."""
    return mx.log_abs_det(cs.symmetric_from_params(P))


def trace_AX_diagonal(A: Any, d: Any) -> Any:
    """``Tr(AX)`` with ``X = diag(d)``: CB-142's primal."""
    return mx.trace_AX(A, cs.diagonal_from_params(d))


def trace_AT_toeplitz(A: Any, c: Any) -> Any:
    """``Tr(AT)`` with T the Toeplitz matrix of the diagonals c: CB-143's first side."""
    return mx.trace_AX(A, cs.toeplitz_from_params(c))


def trace_TA_toeplitz(A: Any, c: Any) -> Any:
    """``Tr(TA)`` with T the Toeplitz matrix of the diagonals c: CB-143's second side."""
    return mx.trace_AX(cs.toeplitz_from_params(c), A)


def trace_AT_symmetric_toeplitz(A: Any, s: Any) -> Any:
    """``Tr(AT)`` with ``T_ij = s[|i − j|]``: CB-144's first side."""
    return mx.trace_AX(A, cs.symmetric_toeplitz_from_params(s))


def trace_TA_symmetric_toeplitz(A: Any, s: Any) -> Any:
    """``Tr(TA)`` with ``T_ij = s[|i − j|]``: CB-144's second side."""
    return mx.trace_AX(cs.symmetric_toeplitz_from_params(s), A)


# --- the derivatives, each read on the free parameters --------------------------------------------------------


def _grad_inverse_bilinear_symmetric_P(a: Any, P: Any, b: Any) -> Any:
    """df/dA_ij = Tr[(∂f/∂A)ᵀ S^ij] for f = aᵀA⁻¹b, A = tril(P) + tril(P, −1)ᵀ   (CB-133, Matrix Cookbook §2.8)

    The general structured rule (133) on a symmetric A: G = ∂f/∂A from CB-61 (unstructured, evaluated at
    the symmetric A), the structure matrices ``S^ij = ∂A/∂A_ij`` from CB-138, contracted by
    :func:`~chainrule.analytic.cookbook_structured.chain_rule_trace`. The Cookbook's convention: one
    derivative per free parameter ``A_ij`` (i ≥ j), shaped like P; its strict upper part is 0.
    """
    A = cs.symmetric_from_params(P)
    return cs.chain_rule_trace(mx.grad_inverse_bilinear_X(a, A, b), cs.jac_symmetric_from_params_P(P))


def _grad_frobenius_sq_inv_X_by_sum(X: Any) -> Any:
    """∂g(U)/∂x_ij = Σ_kl (∂g(U)/∂u_kl)(∂u_kl/∂x_ij) for g(U) = ‖U‖_F², U = X⁻¹   (CB-136, Matrix Cookbook §2.8.1)

    The chain rule through a matrix with ``∂g/∂U = 2U`` (CB-132) and ``∂U/∂X`` the entry form of the
    inverse (CB-60), contracted by :func:`~chainrule.analytic.cookbook_structured.chain_rule_sum`.
    Shapes: X ``(n, n)`` invertible; returns ``(n, n)``, like X.
    """
    return cs.chain_rule_sum(mx.grad_frobenius_sq_X(mx.inv(X)), mx.jac_inv_X(X))


def _grad_inverse_bilinear_X_by_trace(a: Any, X: Any, b: Any) -> Any:
    """∂g(U)/∂X_ij = Tr[(∂g(U)/∂U)ᵀ ∂U/∂X_ij] for g(U) = aᵀUb, U = X⁻¹   (CB-137, Matrix Cookbook §2.8.1)

    The trace form of the chain rule with ``∂g/∂U = abᵀ`` (CB-70) and ``∂U/∂X_ij`` from CB-60, through
    :func:`~chainrule.analytic.cookbook_structured.chain_rule_trace`; it rederives CB-61. Shapes: a, b
    ``(n,)``, X ``(n, n)`` invertible; returns ``(n, n)``, like X.
    """
    return cs.chain_rule_trace(mx.grad_bilinear_X(a, mx.inv(X), b), mx.jac_inv_X(X))


def _grad_bilinear_symmetric_P(a: Any, P: Any, b: Any) -> Any:
    """df/dA = G + Gᵀ − diag(G) with G = abᵀ (f = aᵀAb), read on A's free parameters: its tril   (CB-138, §2.8.2)

    :func:`~chainrule.analytic.cookbook_structured.symmetric_structured_gradient` of CB-70's unstructured
    gradient, mapped onto P by :func:`~chainrule.analytic.cookbook_structured.symmetric_params`. The
    Cookbook's convention (twice the symmetric gradient off the diagonal). Shapes: a, b ``(n,)``, P
    ``(n, n)``; returns ``(n, n)``, 0 above the diagonal.
    """
    G = mx.grad_bilinear_X(a, cs.symmetric_from_params(P), b)
    return cs.symmetric_params(cs.symmetric_structured_gradient(G))


def _grad_trace_AX_symmetric_P(A: Any, P: Any) -> Any:
    """∂Tr(AX)/∂X = A + Aᵀ − (A∘I), X = tril(P) + tril(P, −1)ᵀ, read on P: its tril   (CB-139, Matrix Cookbook §2.8.2)

    :func:`~chainrule.analytic.cookbook_structured.grad_trace_AX_symmetric_X` (the Cookbook's convention)
    mapped onto X's free parameters. Shapes: A, P ``(n, n)``; returns ``(n, n)``, 0 above the diagonal.
    """
    return cs.symmetric_params(cs.grad_trace_AX_symmetric_X(A, cs.symmetric_from_params(P)))


def _grad_det_symmetric_P(P: Any) -> Any:
    """∂det X/∂X = det(X)(2X⁻¹ − (X⁻¹∘I)), X = tril(P) + tril(P, −1)ᵀ, read on P: its tril   (CB-140, §2.8.2)

    :func:`~chainrule.analytic.cookbook_structured.grad_det_symmetric_X` (the Cookbook's convention)
    mapped onto X's free parameters. Shapes: P ``(n, n)`` (X invertible); returns ``(n, n)``.
    """
    return cs.symmetric_params(cs.grad_det_symmetric_X(cs.symmetric_from_params(P)))


def _grad_log_det_symmetric_P(P: Any) -> Any:
    """∂ln det X/∂X = 2X⁻¹ − (X⁻¹∘I), X = tril(P) + tril(P, −1)ᵀ, read on P: its tril   (CB-141, §2.8.2)

    :func:`~chainrule.analytic.cookbook_structured.grad_log_det_symmetric_X` (the Cookbook's convention)
    mapped onto X's free parameters. Shapes: P ``(n, n)`` (X SPD); returns ``(n, n)``.
    """
    return cs.symmetric_params(cs.grad_log_det_symmetric_X(cs.symmetric_from_params(P)))


def _grad_trace_AX_diagonal_d(A: Any, d: Any) -> Any:
    """∂Tr(AX)/∂X = A∘I, X = diag(d), read on the diagonal d   (CB-142, Matrix Cookbook §2.8.3)

    :func:`~chainrule.analytic.cookbook_structured.grad_trace_AX_diagonal_X` mapped onto the free
    parameters by :func:`~chainrule.analytic.cookbook_structured.diagonal_params`. Shapes: A ``(n, n)``,
    d ``(n,)``; returns ``(n,)``.
    """
    return cs.diagonal_params(cs.grad_trace_AX_diagonal_X(A, cs.diagonal_from_params(d)))


def _grad_trace_toeplitz_c(A: Any, c: Any) -> Any:
    """∂Tr(AT)/∂T = ∂Tr(TA)/∂T = α(A), read on T's 2n − 1 diagonals c   (CB-143, Matrix Cookbook §2.8.4)

    :func:`~chainrule.analytic.cookbook_structured.grad_trace_AT_toeplitz_T` (the diagonal-sum rule)
    mapped onto the free parameters by :func:`~chainrule.analytic.cookbook_structured.toeplitz_params`.
    Shapes: A ``(n, n)``, c ``(2n − 1,)``; returns ``(2n − 1,)``.
    """
    return cs.toeplitz_params(cs.grad_trace_AT_toeplitz_T(A, cs.toeplitz_from_params(c)))


def _grad_trace_symmetric_toeplitz_s(A: Any, s: Any) -> Any:
    """∂Tr(AT)/∂T = α(A) + α(A)ᵀ − α(A)∘I, read on T's n values s[``|i − j|``]   (CB-144, Matrix Cookbook §2.8.4)

    :func:`~chainrule.analytic.cookbook_structured.grad_trace_AT_symmetric_toeplitz_T` (the Cookbook's
    convention) mapped onto the free parameters by
    :func:`~chainrule.analytic.cookbook_structured.symmetric_toeplitz_params`. Shapes: A ``(n, n)``, s
    ``(n,)``; returns ``(n,)``.
    """
    return cs.symmetric_toeplitz_params(cs.grad_trace_AT_symmetric_toeplitz_T(A, cs.symmetric_toeplitz_from_params(s)))


_SECTION = {"133": "2.8", "136": "2.8.1", "137": "2.8.1", "138": "2.8.2", "139": "2.8.2", "140": "2.8.2",
            "141": "2.8.2", "142": "2.8.3", "143": "2.8.4", "144": "2.8.4"}


def _rule(name: str, eq: str, primal: Callable[..., Any], derivative: Callable[..., Any],
          args: tuple[Arg, ...], wrt: str, sizes: tuple[dict[str, int], ...] = SQUARE_SIZES, **kw: Any) -> Rule:
    return Rule(name, f"CB-{eq}", "cookbook", f"Matrix Cookbook §{_SECTION[eq]} ({eq})", primal, derivative, args,
                wrt, sizes, origin="extension", **kw)


_SYM = "the free parameters of a symmetric matrix: the lower triangle of P"
_SYM_MAP = (cs.symmetric_from_params, cs.symmetric_params)
_TOEPLITZ = (Arg("A", ("n", "n")), Arg("c", ("k",)))
_TOEPLITZ_USES = (cs.grad_trace_AT_toeplitz_T, cs.toeplitz_from_params, cs.toeplitz_params)
_SYM_TOEPLITZ = (Arg("A", ("n", "n")), Arg("s", ("n",)))
_SYM_TOEPLITZ_USES = (cs.grad_trace_AT_symmetric_toeplitz_T, cs.symmetric_toeplitz_from_params,
                      cs.symmetric_toeplitz_params)

RULES = [
    _rule("grad_inverse_bilinear_symmetric_P", "133", inverse_bilinear_symmetric, _grad_inverse_bilinear_symmetric_P,
          (Arg("a", ("n",)), Arg("P", ("n", "n"), "symmetric_invertible"), Arg("b", ("n",))), "P",
          uses=(cs.chain_rule_trace, cs.jac_symmetric_from_params_P, cs.symmetric_from_params),
          note="checked on a symmetric A, f = aᵀA⁻¹b; " + _SYM),
    _rule("grad_frobenius_sq_inv_X_by_chain_sum", "136", frobenius_sq_of_inverse, _grad_frobenius_sq_inv_X_by_sum,
          (Arg("X", ("n", "n"), "well_conditioned"),), "X", uses=(cs.chain_rule_sum,),
          note="U = X⁻¹ (M = N = n), g(U) = ‖U‖_F²; the printed left side writes the matrix where the entry is meant"),
    _rule("grad_inverse_bilinear_X_by_chain_trace", "137", mx.inverse_bilinear, _grad_inverse_bilinear_X_by_trace,
          (Arg("a", ("n",)), Arg("X", ("n", "n"), "well_conditioned"), Arg("b", ("n",))), "X",
          uses=(cs.chain_rule_trace,), note="U = X⁻¹, g(U) = aᵀUb: rederives CB-61"),
    _rule("jac_symmetric_from_params_P", "138", cs.symmetric_from_params, cs.jac_symmetric_from_params_P,
          (Arg("P", ("n", "n")),), "P", note="the structure matrices, as the Jacobian of the parametrization; " + _SYM),
    _rule("grad_bilinear_symmetric_P", "138", bilinear_symmetric, _grad_bilinear_symmetric_P,
          (Arg("a", ("n",)), Arg("P", ("n", "n")), Arg("b", ("n",))), "P",
          uses=(cs.symmetric_structured_gradient, *_SYM_MAP), note="f = aᵀAb (a non-symmetric G); " + _SYM),
    _rule("grad_trace_AX_symmetric_P", "139", trace_AX_symmetric, _grad_trace_AX_symmetric_P,
          (Arg("A", ("n", "n")), Arg("P", ("n", "n"))), "P", uses=(cs.grad_trace_AX_symmetric_X, *_SYM_MAP),
          note=_SYM),
    _rule("grad_det_symmetric_P", "140", det_symmetric, _grad_det_symmetric_P,
          (Arg("P", ("n", "n"), "symmetric_invertible"),), "P", uses=(cs.grad_det_symmetric_X, *_SYM_MAP),
          note="X symmetric invertible; " + _SYM),
    _rule("grad_log_det_symmetric_P", "141", log_det_symmetric, _grad_log_det_symmetric_P,
          (Arg("P", ("n", "n"), "spd"),), "P", uses=(cs.grad_log_det_symmetric_X, *_SYM_MAP),
          note="X SPD (det X > 0); " + _SYM),
    _rule("grad_trace_AX_diagonal_d", "142", trace_AX_diagonal, _grad_trace_AX_diagonal_d,
          (Arg("A", ("n", "n")), Arg("d", ("n",))), "d",
          uses=(cs.grad_trace_AX_diagonal_X, cs.diagonal_from_params, cs.diagonal_params),
          note="X = diag(d); the transcription drops X (it shows Tr(A))"),
    _rule("grad_trace_AT_toeplitz_c", "143", trace_AT_toeplitz, _grad_trace_toeplitz_c, _TOEPLITZ, "c",
          TOEPLITZ_SIZES, uses=_TOEPLITZ_USES,
          note="the Tr(AT) side; one free value per diagonal (2n − 1); the diagonal-sum rule (COOKBOOK.md §4)"),
    _rule("grad_trace_TA_toeplitz_c", "143", trace_TA_toeplitz, _grad_trace_toeplitz_c, _TOEPLITZ, "c",
          TOEPLITZ_SIZES, uses=_TOEPLITZ_USES,
          note="the Tr(TA) side; one free value per diagonal (2n − 1); the diagonal-sum rule (COOKBOOK.md §4)"),
    _rule("grad_trace_AT_symmetric_toeplitz_s", "144", trace_AT_symmetric_toeplitz, _grad_trace_symmetric_toeplitz_s,
          _SYM_TOEPLITZ, "s", uses=_SYM_TOEPLITZ_USES, note="the Tr(AT) side; one free value per |i − j| (n)"),
    _rule("grad_trace_TA_symmetric_toeplitz_s", "144", trace_TA_symmetric_toeplitz, _grad_trace_symmetric_toeplitz_s,
          _SYM_TOEPLITZ, "s", uses=_SYM_TOEPLITZ_USES, note="the Tr(TA) side; one free value per |i − j| (n)"),
]
