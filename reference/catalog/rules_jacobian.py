"""Catalog records for §4 and §4.1, gradients and Jacobians (topic ``jacobian``): RULES M-1 … M-7.

M-3's instance is ``y = sin(Ax)`` with a dense, non-square ``A``; the same primal covers the four
cases of M-5's shape table (scalar/vector f × scalar/vector x), one record each, whose Jacobian shapes
the verify engine checks against ``jax.jacfwd``. M-7's records check Jacobians reassembled from scalar
partials like any other rule.
"""

from __future__ import annotations

from typing import Any

from chainrule.analytic import jacobian as ja

from ._record import Arg, Rule

_XY = (Arg("x", ()), Arg("y", ()))
_V = (Arg("v", (2,)),)
_A_X = (Arg("A", ("m", "n")), Arg("x", ("n",)))
#: Helpers the derivatives are computed through (``uses``): M-5's shape rule validates A's shape as the
#: Jacobian's, ``out_shape + x.shape``; M-7's assembler builds the Jacobian from scalar partials.
_SHAPE = (ja.jacobian_shape,)
_ASSEMBLE = (ja.jacobian_from_partials,)

# --- M-5's shape table: one adapter per cell, so that each cell's formula is written once (its docstring) ---


def _jac_shape_scalar_f_scalar_x(A: Any, x: Any) -> Any:
    """scalar f, scalar x: ∂f/∂x = cos(Ax)·A is 1 × 1, shape ()   (RULES M-5, §4.1)

    :func:`chainrule.analytic.jacobian.jac_sin_of_linear_x` for ``f = sin(Ax)``
    with scalars A and x. Numerator layout; no kinks (sin is smooth).
    """
    return ja.jac_sin_of_linear_x(A, x)


def _jac_shape_scalar_f_vector_x(A: Any, x: Any) -> Any:
    """scalar f, vector x: ∂f/∂x = cos(A·x) Aᵀ is 1 × n (a row), shape (n,)   (RULES M-5, §4.1)

    :func:`chainrule.analytic.jacobian.jac_sin_of_linear_x` for ``f = sin(A·x)``
    with A of shape ``(n,)``. Numerator layout; no kinks (sin is smooth).
    """
    return ja.jac_sin_of_linear_x(A, x)


def _jac_shape_vector_f_scalar_x(A: Any, x: Any) -> Any:
    """vector f, scalar x: ∂f/∂x = cos(Ax) ⊗ A is m × 1 (a column), shape (m,)   (RULES M-5, §4.1)

    :func:`chainrule.analytic.jacobian.jac_sin_of_linear_x` for ``f = sin(A x)``
    with A of shape ``(m,)``. Numerator layout; no kinks (sin is smooth).
    """
    return ja.jac_sin_of_linear_x(A, x)


def _jac_shape_vector_f_vector_x(A: Any, x: Any) -> Any:
    """vector f, vector x: ∂f/∂x = diag(cos(Ax)) A is m × n, shape (m, n), also when m = 1 or n = 1   (RULES M-5, §4.1)

    :func:`chainrule.analytic.jacobian.jac_sin_of_linear_x` for ``f = sin(Ax)``
    with A of shape ``(m, n)``. Numerator layout; no kinks (sin is smooth).
    """
    return ja.jac_sin_of_linear_x(A, x)


RULES = [
    # M-1 g(x, y) = 2x + y⁸
    Rule("grad_two_x_plus_y8_x", "M-1", "jacobian", "§4", ja.two_x_plus_y8, ja.grad_two_x_plus_y8_x, _XY, "x"),
    Rule("grad_two_x_plus_y8_y", "M-1", "jacobian", "§4", ja.two_x_plus_y8, ja.grad_two_x_plus_y8_y, _XY, "y"),
    Rule("grad_two_x_plus_y8_vec_v", "M-1", "jacobian", "§4", ja.two_x_plus_y8_vec, ja.grad_two_x_plus_y8_vec_v, _V,
         "v"),
    # M-2 The Jacobian of [3x²y; 2x + y⁸], both layouts
    Rule("jac_fg_v", "M-2", "jacobian", "§4", ja.fg, ja.jac_fg_v, _V, "v"),
    Rule("jac_fg_v_denominator", "M-2", "jacobian", "§4",
         ja.fg, ja.jac_fg_v_denominator, _V, "v", layout="denominator"),
    # M-3 The general m × n Jacobian
    Rule("jac_sin_of_linear_x", "M-3", "jacobian", "§4.1", ja.sin_of_linear, ja.jac_sin_of_linear_x, _A_X, "x",
         ({"m": 1, "n": 1}, {"m": 2, "n": 5}, {"m": 4, "n": 3}), uses=_SHAPE,
         note="instance of the general rule: a dense, non-square A"),
    # M-4 M-2 in vector form
    Rule("jac_fg_vector_x", "M-4", "jacobian", "§4.1", ja.fg_vector, ja.jac_fg_vector_x, (Arg("x", (2,)),), "x"),
    # M-5 The shape table: one record per case, shapes checked against jax.jacfwd
    Rule("jac_shape_scalar_f_scalar_x", "M-5", "jacobian", "§4.1",
         ja.sin_of_linear, _jac_shape_scalar_f_scalar_x, (Arg("A", ()), Arg("x", ())), "x", uses=_SHAPE),
    Rule("jac_shape_scalar_f_vector_x", "M-5", "jacobian", "§4.1",
         ja.sin_of_linear, _jac_shape_scalar_f_vector_x, (Arg("A", ("n",)), Arg("x", ("n",))), "x",
         ({"n": 1}, {"n": 4}), uses=_SHAPE),
    Rule("jac_shape_vector_f_scalar_x", "M-5", "jacobian", "§4.1",
         ja.sin_of_linear, _jac_shape_vector_f_scalar_x, (Arg("A", ("m",)), Arg("x", ())), "x",
         ({"m": 1}, {"m": 3}), uses=_SHAPE),
    Rule("jac_shape_vector_f_vector_x", "M-5", "jacobian", "§4.1",
         ja.sin_of_linear, _jac_shape_vector_f_vector_x, _A_X, "x", ({"m": 1, "n": 4}, {"m": 3, "n": 1}),
         uses=_SHAPE),
    # M-6 The identity
    Rule("jac_identity_x", "M-6", "jacobian", "§4.1", ja.identity, ja.jac_identity_x, (Arg("x", ("n",)),), "x",
         ({"n": 1}, {"n": 5})),
    # M-7 Working advice: reduce to scalar partials, reassemble
    Rule("jac_hadamard_w_from_partials", "M-7", "jacobian", "§4.1",
         ja.hadamard, ja.jac_hadamard_w_from_partials, (Arg("w", ("n",)), Arg("x", ("n",))), "w",
         ({"n": 1}, {"n": 4}), uses=_ASSEMBLE, note="the paper's advice applied to E-7"),
    Rule("jac_sin_of_linear_x_from_partials", "M-7", "jacobian", "§4.1",
         ja.sin_of_linear, ja.jac_sin_of_linear_x_from_partials, _A_X, "x",
         ({"m": 1, "n": 1}, {"m": 3, "n": 2}), uses=_ASSEMBLE + _SHAPE,
         note="the paper's advice applied to M-3"),
]
