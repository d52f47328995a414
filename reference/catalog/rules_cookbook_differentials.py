"""Catalog records for the Matrix Cookbook's Chapter 2 preamble (topic ``cookbook``): CB-32 … CB-45.

See :mod:`chainrule.analytic.cookbook_differentials`. (32), the basic assumption, is a Jacobian record;
the differential rules (33)–(45) are JVP records (``reference="jvp"``): the closed form is the
directional derivative along the tangent, the record's last argument, and JAX's witness is ``jax.jvp``
(and the ``jacrev`` Jacobian contracted with the tangent). CB-40 is :mod:`rules_matrix`'s ``jvp_inv_X``.

**Two variables** (35, 37, 38, 39). A record differentiates with respect to one argument, but these
rules are about both at once (a product rule has a term per factor). Rather than one record per factor
(each would test one term with the other tangent 0, and a wrong cross term such as ``dX dY`` would
vanish in both), each record moves X and Y together along the line ``s ↦ (X + s dX, Y + s dY)``: the
primal is the Cookbook's function on that line, the derivative is the analytic closed form with both
tangents (``jvp_matmul_XY(X(s), Y(s), ds·dX, ds·dY)``), and JAX's JVP in the scalar ``s`` is exactly
the JVP of ``(X, Y) ↦ XY`` along ``(dX, dY)``. It works for any shapes (X ⊗ Y, XY non-square). The
line functions below are those adapters, one pair per rule.

**Complex** (45): ``X = ℜX + iℑX`` is packed as one real argument ``Z = [ℜX, ℑX]``, shape ``(2, m, n)``;
a real parameter t moving X(t) is a tangent of the same packed shape.

**Singular X** (41): ``∂det X = Tr(adj(X) ∂X)`` is checked twice: at invertible X and at rank n − 1
(:data:`RANK_DEFICIENT`, ``U diag(σ₁, …, σₙ₋₁, 0) Vᵀ``), where det X = 0 but its derivative is not.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np

from chainrule.analytic import cookbook_differentials as cd
from chainrule.analytic import matrix as mx

from ..samplers import DOMAINS, Domain
from ._record import Arg, Rule

#: 1 × 1, then a non-square 2 × 3.
MATRIX_SIZES = ({"m": 1, "n": 1}, {"m": 2, "n": 3})
#: 1 × 1, then 3 × 3.
SQUARE_SIZES = ({"n": 1}, {"n": 3})


# --- domains -----------------------------------------------------------------------------------------------


def _orthonormal(rng: np.random.Generator, shape: tuple[int, ...]) -> np.ndarray:
    Q, _ = np.linalg.qr(rng.standard_normal(shape))
    return Q


def _rank_deficient(rng: np.random.Generator, shape: tuple[int, ...]) -> np.ndarray:
    """Square ``U diag(σ₁, …, σₙ₋₁, 0) Vᵀ``: rank exactly n − 1 (σ in [0.5, 2]); for n = 1, the zero matrix."""
    if len(shape) < 2 or shape[-1] != shape[-2]:
        raise ValueError(f"the rank_deficient domain draws square matrices (…, n, n), got shape {shape}")
    n = shape[-1]
    U, V = _orthonormal(rng, shape), _orthonormal(rng, shape)
    sigma = np.exp(rng.uniform(np.log(0.5), np.log(2.0), (*shape[:-2], n)))
    sigma[..., -1] = 0.0
    return (U * sigma[..., None, :]) @ np.swapaxes(V, -1, -2)


def _positive_det(rng: np.random.Generator, shape: tuple[int, ...]) -> np.ndarray:
    """``well_conditioned`` with det > 0: a draw of negative determinant has its first row negated."""
    X = DOMAINS["well_conditioned"].draw(rng, shape)
    X[..., 0, :] *= np.sign(np.linalg.det(X))[..., None]
    return X


#: Square matrices of rank exactly n − 1 (singular; det X = 0, adj X ≠ 0). Also used by CB-50.
RANK_DEFICIENT = Domain("rank_deficient", _rank_deficient, "square, rank n − 1, nonzero σ in [0.5, 2]")
#: Invertible with det X > 0 (ln det X is real), condition number ≤ 4.
POSITIVE_DET = Domain("positive_det", _positive_det, "square, det > 0, singular values in [0.5, 2]")


# --- two variables on a line: CB-35, CB-37, CB-38, CB-39 ---------------------------------------------------


def matrix_add_on_line(X: Any, Y: Any, dX: Any, dY: Any, s: Any) -> Any:
    """CB-35's primal on the line ``s ↦ (X + s dX, Y + s dY)``."""
    return cd.matrix_add(X + s * dX, Y + s * dY)


def jvp_matrix_add_on_line(X: Any, Y: Any, dX: Any, dY: Any, s: Any, ds: Any) -> Any:
    """∂(X + Y) = ∂X + ∂Y   (CB-35, Matrix Cookbook §2)

    On the line: at ``(X + s dX, Y + s dY)`` along ``∂X = ds·dX``, ``∂Y = ds·dY`` (the JVP in ``s``).
    """
    return cd.jvp_matrix_add_XY(X + s * dX, Y + s * dY, ds * dX, ds * dY)


def matmul_on_line(X: Any, Y: Any, dX: Any, dY: Any, s: Any) -> Any:
    """CB-37's primal on the line ``s ↦ (X + s dX, Y + s dY)``."""
    return cd.matmul(X + s * dX, Y + s * dY)


def jvp_matmul_on_line(X: Any, Y: Any, dX: Any, dY: Any, s: Any, ds: Any) -> Any:
    """∂(XY) = (∂X)Y + X(∂Y)   (CB-37, Matrix Cookbook §2)

    On the line: at ``(X + s dX, Y + s dY)`` along ``∂X = ds·dX``, ``∂Y = ds·dY`` (the JVP in ``s``).
    """
    return cd.jvp_matmul_XY(X + s * dX, Y + s * dY, ds * dX, ds * dY)


def hadamard_product_on_line(X: Any, Y: Any, dX: Any, dY: Any, s: Any) -> Any:
    """CB-38's primal on the line ``s ↦ (X + s dX, Y + s dY)``."""
    return cd.hadamard_product(X + s * dX, Y + s * dY)


def jvp_hadamard_product_on_line(X: Any, Y: Any, dX: Any, dY: Any, s: Any, ds: Any) -> Any:
    """∂(X∘Y) = (∂X)∘Y + X∘(∂Y)   (CB-38, Matrix Cookbook §2)

    On the line: at ``(X + s dX, Y + s dY)`` along ``∂X = ds·dX``, ``∂Y = ds·dY`` (the JVP in ``s``).
    """
    return cd.jvp_hadamard_product_XY(X + s * dX, Y + s * dY, ds * dX, ds * dY)


def kron_on_line(X: Any, Y: Any, dX: Any, dY: Any, s: Any) -> Any:
    """CB-39's primal on the line ``s ↦ (X + s dX, Y + s dY)``."""
    return cd.kron(X + s * dX, Y + s * dY)


def jvp_kron_on_line(X: Any, Y: Any, dX: Any, dY: Any, s: Any, ds: Any) -> Any:
    """∂(X⊗Y) = (∂X)⊗Y + X⊗(∂Y)   (CB-39, Matrix Cookbook §2)

    On the line: at ``(X + s dX, Y + s dY)`` along ``∂X = ds·dX``, ``∂Y = ds·dY`` (the JVP in ``s``).
    """
    return cd.jvp_kron_XY(X + s * dX, Y + s * dY, ds * dX, ds * dY)


def _line(X: tuple[str, ...], Y: tuple[str, ...]) -> tuple[Arg, ...]:
    """The arguments of a two-variable record: the point, the direction, the line's parameter s, its tangent."""
    return (Arg("X", X), Arg("Y", Y), Arg("dX", X), Arg("dY", Y), Arg("s", ()), Arg("ds", ()))


_ON_LINE = "X and Y move together along the line (X + s dX, Y + s dY): one JVP in s checks both terms"


def _rule(name: str, eq: str, primal: Callable[..., Any], derivative: Callable[..., Any],
          args: tuple[Arg, ...], wrt: str, sizes: tuple[dict[str, int], ...], **kw: Any) -> Rule:
    return Rule(name, f"CB-{eq}", "cookbook", f"Matrix Cookbook §2 ({eq})", primal, derivative, args, wrt, sizes,
                origin="extension", reference=kw.pop("reference", "jvp"), **kw)


_X_T = (Arg("X", ("m", "n")), Arg("t", ("m", "n")))
_SQ_T = (Arg("X", ("n", "n"), "well_conditioned"), Arg("t", ("n", "n")))

RULES = [
    _rule("jac_matrix_entries_X", "32", cd.matrix_entries, cd.jac_matrix_entries_X, (Arg("X", ("m", "n")),), "X",
          MATRIX_SIZES, reference="jacobian", note="the basic assumption: the entries of X are independent"),
    _rule("jvp_constant_X", "33", cd.constant, cd.jvp_constant_X,
          (Arg("A", ("p", "q")), *_X_T), "X", ({"p": 1, "q": 1, "m": 1, "n": 1}, {"p": 2, "q": 3, "m": 3, "n": 2}),
          note="A does not depend on X"),
    _rule("jvp_scale_X", "34", cd.scale, cd.jvp_scale_X, (Arg("alpha", ()), *_X_T), "X", MATRIX_SIZES,
          note="α is a constant (not differentiated)"),
    _rule("jvp_matrix_add_XY", "35", matrix_add_on_line, jvp_matrix_add_on_line, _line(("m", "n"), ("m", "n")),
          "s", MATRIX_SIZES, uses=(cd.matrix_add, cd.jvp_matrix_add_XY), note=_ON_LINE),
    _rule("jvp_trace_X", "36", cd.trace, cd.jvp_trace_X, (Arg("X", ("n", "n")), Arg("t", ("n", "n"))), "X",
          SQUARE_SIZES),
    _rule("jvp_matmul_XY", "37", matmul_on_line, jvp_matmul_on_line, _line(("m", "k"), ("k", "n")), "s",
          ({"m": 1, "k": 1, "n": 1}, {"m": 2, "k": 3, "n": 4}), uses=(cd.matmul, cd.jvp_matmul_XY), note=_ON_LINE),
    _rule("jvp_hadamard_product_XY", "38", hadamard_product_on_line, jvp_hadamard_product_on_line,
          _line(("m", "n"), ("m", "n")), "s", MATRIX_SIZES,
          uses=(cd.hadamard_product, cd.jvp_hadamard_product_XY), note=_ON_LINE),
    _rule("jvp_kron_XY", "39", kron_on_line, jvp_kron_on_line, _line(("m", "n"), ("p", "q")), "s",
          ({"m": 1, "n": 1, "p": 1, "q": 1}, {"m": 2, "n": 1, "p": 2, "q": 3}),
          uses=(cd.kron, cd.jvp_kron_XY), note=_ON_LINE),
    _rule("jvp_det_adj_X", "41", cd.determinant, cd.jvp_det_adj_X, _SQ_T, "X", SQUARE_SIZES,
          uses=(cd.adjugate,), note="invertible X; adj(X) from cofactors"),
    _rule("jvp_det_adj_X_rank_deficient", "41", cd.determinant, cd.jvp_det_adj_X,
          (Arg("X", ("n", "n"), RANK_DEFICIENT), Arg("t", ("n", "n"))), "X", SQUARE_SIZES, uses=(cd.adjugate,),
          note="singular X of rank n − 1 (det X is 0, its derivative is not); adj(X) from cofactors"),
    _rule("jvp_det_X", "42", mx.det, cd.jvp_det_X, _SQ_T, "X", SQUARE_SIZES, note="X invertible"),
    _rule("jvp_log_det_X", "43", cd.log_det, cd.jvp_log_det_X,
          (Arg("X", ("n", "n"), POSITIVE_DET), Arg("t", ("n", "n"))), "X", SQUARE_SIZES, note="det X > 0"),
    _rule("jvp_log_abs_det_X", "43", mx.log_abs_det, cd.jvp_log_det_X, _SQ_T, "X", SQUARE_SIZES,
          note="the ln|det X| reading: any invertible X, det of either sign"),
    _rule("jvp_transpose_X", "44", cd.transpose, cd.jvp_transpose_X, _X_T, "X", MATRIX_SIZES),
    _rule("jvp_conj_transpose_Z", "45", cd.conj_transpose, cd.jvp_conj_transpose_Z,
          (Arg("Z", (2, "m", "n")), Arg("t", (2, "m", "n"))), "Z", MATRIX_SIZES,
          note="complex X(t) of a real t, packed as Z = [Re X, Im X] (and the tangent likewise)"),
]
