r"""§4 Matrix calculus and §4.1 Generalization of the Jacobian: gradients stacked into Jacobians.

Notation (the paper's): in §4, ``x`` and ``y`` are scalars, ``f(x, y) = 3x²y`` (P-2) and
``g(x, y) = 2x + y⁸``; the point ``v = [x, y]`` has shape ``(2,)``. In §4.1, ``x ∈ Rⁿ`` is a vector,
``y = f(x)`` a vector of ``m`` scalar functions ``y_i = f_i(x)``, and the **Jacobian** ``∂y/∂x`` stacks
their gradients as rows:

    ∂y/∂x = [∇f_1(x); …; ∇f_m(x)],   entry (i, j) = ∂f_i(x)/∂x_j,   an m × n matrix.

Layout: numerator (DESIGN.md, the paper's): a Jacobian has shape ``out.shape + in.shape``
(:func:`jacobian_shape`); the gradient of a scalar has the argument's shape. The paper also shows
the **denominator** layout, the transpose (M-2: :func:`jac_fg_v_denominator`). The identity's Jacobian
stays structured (:class:`~chainrule.analytic.structured.ScaledIdentity`, O(n) memory). No kinks anywhere in this
module.

| ID  | item                                                    | here                                     |
|-----|---------------------------------------------------------|------------------------------------------|
| M-1 | ``g = 2x + y⁸``: ``∇g = [2, 8y⁷]``                      | :func:`grad_two_x_plus_y8_vec_v`         |
| M-2 | Jacobian of ``[f; g]``, numerator and denominator       | :func:`jac_fg_v`, :func:`jac_fg_v_denominator` |
| M-3 | the general ``m × n`` Jacobian, gradients as rows       | :func:`jac_sin_of_linear_x`              |
| M-4 | M-2 in vector form, ``x ∈ R²``                          | :func:`jac_fg_vector_x`                  |
| M-5 | the shape table (scalar/vector f × scalar/vector x)     | :func:`jacobian_shape`                   |
| M-6 | the identity ``f(x) = x``: ``∂x/∂x = I``                | :func:`jac_identity_x`                   |
| M-7 | working advice: scalar partials, reassembled            | :func:`jacobian_from_partials`           |

Every function takes NumPy or JAX arrays (array API) and returns the same kind and dtype; all are
traceable under ``jax.jit``.

References:
  T. Parr and J. Howard, "The Matrix Calculus You Need For Deep Learning", arXiv:1802.01528, §4, §4.1,
  §8.1.
"""

from __future__ import annotations

import numbers
from collections.abc import Callable, Sequence
from typing import Any

from ._array import inputs, require_ndim, require_same_shape, require_shape
from .partials import (
    _point,
    _vec2,
    grad_three_x2y_vec_v,
    grad_three_x2y_x,
    grad_three_x2y_y,
    three_x2y,
)
from .structured import ScaledIdentity, identity_like

__all__ = [
    "fg",
    "fg_vector",
    "grad_two_x_plus_y8_vec_v",
    "grad_two_x_plus_y8_x",
    "grad_two_x_plus_y8_y",
    "hadamard",
    "identity",
    "jac_fg_v",
    "jac_fg_v_denominator",
    "jac_fg_vector_x",
    "jac_hadamard_w_from_partials",
    "jac_identity_x",
    "jac_sin_of_linear_x",
    "jac_sin_of_linear_x_from_partials",
    "jacobian_from_partials",
    "jacobian_shape",
    "sin_of_linear",
    "two_x_plus_y8",
    "two_x_plus_y8_vec",
]

Array = Any


# --- M-1 g(x, y) = 2x + y⁸ (§4) ----------------------------------------------------------------------


def two_x_plus_y8(x: Array, y: Array) -> Array:
    r"""Primal of RULES M-1: ``g(x, y) = 2x + y⁸``. Shapes: x, y ``()`` → ``()``."""
    xp, x, y = _point(x, y)
    return xp.asarray(2.0 * x + y**8)


def grad_two_x_plus_y8_x(x: Array, y: Array) -> Array:
    r"""∂g/∂x = 2 ∂x/∂x + ∂(y⁸)/∂x = 2 + 0 = 2   (RULES M-1, §4)

    Shapes: x, y ``()``; returns ``()``. No kinks.

    >>> import numpy as np
    >>> float(grad_two_x_plus_y8_x(np.asarray(3.0), np.asarray(-1.0)))
    2.0
    """
    xp, x, y = _point(x, y)
    return xp.asarray(xp.full_like(x, 2.0) + xp.zeros_like(y))


def grad_two_x_plus_y8_y(x: Array, y: Array) -> Array:
    r"""∂g/∂y = ∂(2x)/∂y + ∂(y⁸)/∂y = 0 + 8y⁷   (RULES M-1, §4)

    Shapes: x, y ``()``; returns ``()``. No kinks.

    >>> import numpy as np
    >>> float(grad_two_x_plus_y8_y(np.asarray(3.0), np.asarray(-1.0)))
    -8.0
    """
    xp, x, y = _point(x, y)
    return xp.asarray(xp.zeros_like(x) + 8.0 * y**7)


def two_x_plus_y8_vec(v: Array) -> Array:
    r"""Primal of RULES M-1 on the point ``v = [x, y]``: ``g(v) = 2x + y⁸``. Shapes: v ``(2,)`` → ``()``."""
    _, x, y = _vec2(v)
    return two_x_plus_y8(x, y)


def grad_two_x_plus_y8_vec_v(v: Array) -> Array:
    r"""∇g(x, y) = [∂g/∂x, ∂g/∂y] = [2, 8y⁷]   (RULES M-1, §4)

    Shapes: v = [x, y] ``(2,)``; returns ``(2,)`` (the paper's ``1 × 2`` row). No kinks.

    >>> import numpy as np
    >>> grad_two_x_plus_y8_vec_v(np.array([3.0, 2.0]))
    array([   2., 1024.])
    """
    xp, x, y = _vec2(v)
    return xp.stack([grad_two_x_plus_y8_x(x, y), grad_two_x_plus_y8_y(x, y)])


# --- M-2 The Jacobian of [f; g] = [3x²y; 2x + y⁸] (§4) -------------------------------------------------


def fg(v: Array) -> Array:
    r"""Primal of RULES M-2: ``[f(x, y); g(x, y)] = [3x²y; 2x + y⁸]`` at ``v = [x, y]``. ``(2,)`` → ``(2,)``."""
    xp, x, y = _vec2(v)
    return xp.stack([three_x2y(x, y), two_x_plus_y8(x, y)])


def jac_fg_v(v: Array) -> Array:
    r"""J = [∇f; ∇g] = [[∂f/∂x, ∂f/∂y], [∂g/∂x, ∂g/∂y]] = [[6yx, 3x²], [2, 8y⁷]]   (RULES M-2, §4)

    The gradients of ``f = 3x²y`` (P-2) and ``g = 2x + y⁸`` (M-1) stacked as rows, each entry one of
    the four scalar partials. Shapes: v = [x, y] ``(2,)``; returns ``(2, 2)``, **numerator layout**
    (row i = output i, column j = input j). No kinks.

    >>> import numpy as np
    >>> jac_fg_v(np.array([1.0, 2.0]))
    array([[  12.,    3.],
           [   2., 1024.]])
    """
    xp, x, y = _vec2(v)
    grad_f = xp.stack([grad_three_x2y_x(x, y), grad_three_x2y_y(x, y)])
    grad_g = xp.stack([grad_two_x_plus_y8_x(x, y), grad_two_x_plus_y8_y(x, y)])
    return xp.stack([grad_f, grad_g])


def jac_fg_v_denominator(v: Array) -> Array:
    r"""Jᵀ = [[∂f/∂x, ∂g/∂x], [∂f/∂y, ∂g/∂y]] = [[6yx, 2], [3x², 8y⁷]]   (RULES M-2, §4)

    The paper's **denominator layout** of :func:`jac_fg_v`: the transpose, gradients as columns (the
    layout Felippa's notes use; chainrule uses numerator layout everywhere else).
    Shapes: v = [x, y] ``(2,)``; returns ``(2, 2)``. No kinks.

    >>> import numpy as np
    >>> jac_fg_v_denominator(np.array([1.0, 2.0]))
    array([[  12.,    2.],
           [   3., 1024.]])
    """
    return jac_fg_v(v).T


# --- M-3 The general m × n Jacobian (§4.1) ----------------------------------------------------------------


def _linear(A: Array, x: Array) -> tuple[Any, Array, Array, Array]:
    """Validate ``A`` (shape ``out_shape + x.shape``) and ``x`` (scalar or vector); return ``A·x`` too."""
    xp, (A, x) = inputs(A=A, x=x)
    if x.ndim > 1:
        raise ValueError(
            f"x: expected a scalar or a vector (0-d or 1-d array), got shape {tuple(x.shape)}; "
            "flatten it first, e.g. x.reshape(-1)"
        )
    k = A.ndim - x.ndim  # number of output dimensions
    if k not in (0, 1) or jacobian_shape(A.shape[:k], x.shape) != tuple(A.shape):
        raise ValueError(
            f"A: expected shape out_shape + x.shape (the Jacobian's shape: (m, n) or (n,) for x of "
            f"shape (n,), (m,) or () for a scalar x), got A {tuple(A.shape)} with x {tuple(x.shape)}; "
            "give A one row a_iᵀ per output f_i"
        )
    z = A @ x if x.ndim else A * x  # a_i·x for every output i
    return xp, A, x, z


def sin_of_linear(A: Array, x: Array) -> Array:
    r"""Primal of RULES M-3 / M-5: ``y_i = f_i(x) = sin(a_i·x)``, i.e. ``y = sin(Ax)``.

    Shapes: A ``(m, n)``, x ``(n,)`` → y ``(m,)``. The degenerate cases of the M-5 table use the same
    formula: A ``(n,)``, x ``(n,)`` → ``()`` (scalar f of a vector); A ``(m,)``, x ``()`` → ``(m,)``
    (vector f of a scalar, ``y_i = sin(a_i x)``); A ``()``, x ``()`` → ``()``.
    """
    xp, A, x, z = _linear(A, x)
    return xp.asarray(xp.sin(z))


def jac_sin_of_linear_x(A: Array, x: Array) -> Array:
    r"""∂y/∂x = [∇f_1(x); …; ∇f_m(x)] = diag(cos(Ax)) A, row i = cos(a_i·x) a_iᵀ   (RULES M-3, §4.1)

    Each ``f_i(x) = sin(a_i·x)`` is a scalar function of the vector ``x``; its gradient (the chain rule
    with ``u = a_i·x``) is the horizontal n-vector ``cos(a_i·x) a_iᵀ``, and the m gradients stacked as
    rows give the ``m × n`` Jacobian with entry ``(i, j) = ∂f_i/∂x_j = cos(a_i·x) A_ij``. The rows are
    built all at once (row i of ``A`` scaled by ``cos(a_i·x)``), not in a Python loop; see
    :func:`jac_sin_of_linear_x_from_partials` for the entry-by-entry assembly.

    Shapes: A ``(m, n)``, x ``(n,)``; returns ``(m, n)`` = ``jacobian_shape((m,), (n,))``, numerator
    layout, dense (neither square nor diagonal in general). In the M-5 cases the result has A's shape:
    ``(n,)`` (the gradient of a scalar f), ``(m,)`` (a column: vector f of a scalar x), or ``()``.
    No kinks.

    >>> import numpy as np
    >>> A = np.array([[1.0, 2.0, 0.0], [0.0, 0.0, 3.0]])          # m = 2, n = 3
    >>> jac_sin_of_linear_x(A, np.zeros(3))                         # cos(0) = 1: J = A
    array([[1., 2., 0.],
           [0., 0., 3.]])
    """
    xp, A, x, z = _linear(A, x)
    return xp.asarray(xp.cos(z)[..., None] * A if x.ndim else xp.cos(z) * A)


# --- M-4 The §4 example in vector form (§4.1) ---------------------------------------------------------


def fg_vector(x: Array) -> Array:
    r"""Primal of RULES M-4: ``y = f(x)``, ``y_1 = 3x_1²x_2``, ``y_2 = 2x_1 + x_2⁸``. ``(2,)`` → ``(2,)``."""
    xp, (x,) = inputs(x=x)
    require_shape("x", x, (2,), "the vector x = [x_1, x_2] of R²")
    x1, x2 = x[0], x[1]
    return xp.stack([3.0 * (x1 * x1) * x2, 2.0 * x1 + x2**8])


def jac_fg_vector_x(x: Array) -> Array:
    r"""∂y/∂x = [∇f_1(x); ∇f_2(x)] = [[6x_1x_2, 3x_1²], [2, 8x_2⁷]]   (RULES M-4, §4.1)

    The §4 example with ``x → x_1``, ``y → x_2``: the same Jacobian as M-2, now built as the general
    rule says (M-3): the gradient vectors of the two component functions stacked as rows.
    Shapes: x ``(2,)``; returns ``(2, 2)``, numerator layout. No kinks.

    >>> import numpy as np
    >>> jac_fg_vector_x(np.array([1.0, 2.0]))
    array([[  12.,    3.],
           [   2., 1024.]])
    """
    xp, (x,) = inputs(x=x)
    require_shape("x", x, (2,), "the vector x = [x_1, x_2] of R²")
    return xp.stack([grad_three_x2y_vec_v(x), grad_two_x_plus_y8_vec_v(x)])


# --- M-5 The Jacobian shape table (§4.1) --------------------------------------------------------------


def _shape(name: str, shape: Any) -> tuple[int, ...]:
    if isinstance(shape, numbers.Integral) or not isinstance(shape, Sequence):
        raise TypeError(
            f"{name}: expected a shape tuple such as (m,) or () (a scalar), got {type(shape).__name__} "
            f"{shape!r}; pass e.g. ({shape!r},) for a vector"
        )
    bad = [d for d in shape if isinstance(d, bool) or not isinstance(d, numbers.Integral) or d < 0]
    if bad:
        raise ValueError(f"{name}: expected non-negative integer sizes, got {tuple(shape)!r}")
    return tuple(int(d) for d in shape)


def jacobian_shape(
    out_shape: Sequence[int], in_shape: Sequence[int], *, matrix: bool = False
) -> tuple[int, ...]:
    r"""The shape of ∂f/∂x for f of shape ``out_shape`` and x of shape ``in_shape``   (RULES M-5, §4.1)

    Numerator layout: ``out_shape + in_shape`` (what ``jax.jacfwd`` returns). The paper's table:

    * scalar ``f``, scalar ``x``: ``()`` (the paper's ``1 × 1``);
    * scalar ``f``, vector ``x`` (n): ``(n,)`` (the paper's ``1 × n``, a row: the gradient);
    * vector ``f`` (m), scalar ``x``: ``(m,)`` (the paper's ``m × 1``, a column);
    * vector ``f`` (m), vector ``x`` (n): ``(m, n)`` (the paper's ``m × n``).

    With ``matrix=True`` the paper's two-dimensional shape is returned instead (only for scalars and
    vectors). Shapes are tuples of sizes; ``()`` is a scalar. No kinks (a pure shape rule).

    >>> jacobian_shape((), (4,)), jacobian_shape((3,), ()), jacobian_shape((3,), (4,))
    ((4,), (3,), (3, 4))
    >>> jacobian_shape((), (4,), matrix=True), jacobian_shape((3,), (), matrix=True)
    ((1, 4), (3, 1))
    """
    out_shape, in_shape = _shape("out_shape", out_shape), _shape("in_shape", in_shape)
    if not matrix:
        return out_shape + in_shape
    for name, s in (("out_shape", out_shape), ("in_shape", in_shape)):
        if len(s) > 1:
            raise ValueError(
                f"{name}: matrix=True covers the paper's scalars and vectors only, got shape {s}; "
                "use matrix=False for out_shape + in_shape"
            )
    return (out_shape[0] if out_shape else 1, in_shape[0] if in_shape else 1)


# --- M-6 The identity function (§4.1, §8.1) ----------------------------------------------------------


def identity(x: Array) -> Array:
    r"""Primal of RULES M-6: ``y = f(x) = x``, ``f_i(x) = x_i``. Shapes: x ``(n,)`` → ``(n,)`` (a copy)."""
    xp, (x,) = inputs(x=x)
    require_ndim("x", x, 1, "a vector x ∈ Rⁿ")
    return xp.asarray(x, copy=True)


def jac_identity_x(x: Array) -> ScaledIdentity:
    r"""∂x/∂x = I: ∂x_i/∂x_j = 1 if i = j, 0 for j ≠ i   (RULES M-6, §4.1, §8.1)

    Shapes: x ``(n,)``; returns ``I`` of shape ``(n, n)`` as a
    :class:`~chainrule.analytic.structured.ScaledIdentity` (scale 1, O(1) memory; ``todense`` builds it), in x's
    array library and dtype. Numerator layout (square: both layouts agree). No kinks.

    >>> import numpy as np
    >>> J = jac_identity_x(np.zeros(3))
    >>> J.shape, J.diagonal()
    ((3, 3), array([1., 1., 1.]))
    """
    _, (x,) = inputs(x=x)
    require_ndim("x", x, 1, "a vector x ∈ Rⁿ")
    return identity_like(x)


# --- M-7 Working advice: scalar partials, reassembled (§4.1) -----------------------------------------


def _size(name: str, k: Any) -> int:
    if isinstance(k, bool) or not isinstance(k, numbers.Integral):
        raise TypeError(f"{name}: expected an int size, got {type(k).__name__} {k!r}")
    if k < 1:
        raise ValueError(f"{name}: expected a size ≥ 1, got {k}")
    return int(k)


def jacobian_from_partials(
    partial: Callable[[int, int], Any], m: int, n: int, *, like: Array
) -> Array:
    r"""J = [∂f_i/∂x_j], i < m, j < n: scalar partials reassembled into the m × n Jacobian   (RULES M-7, §4.1)

    The paper's working advice: reduce the vector expression to scalar ones, take the partials
    ``∂f_i/∂x_j`` one at a time, then reassemble them. ``partial(i, j)`` takes two Python ints and
    returns the scalar ``∂f_i/∂x_j`` (a 0-d array or a Python number); row ``i`` of the result is the
    gradient ``∇f_i``, so the layout is numerator. It costs ``m·n`` calls: a checking and teaching tool,
    not a fast path.

    Shapes: returns ``(m, n)``, dense, in ``like``'s array library and dtype. No kinks.

    >>> import numpy as np
    >>> x = np.array([1.0, 2.0, 3.0])
    >>> jacobian_from_partials(lambda i, j: x[i] if i == j else 0.0, 3, 3, like=x)   # w ⊗ x: x_i δ_ij
    array([[1., 0., 0.],
           [0., 2., 0.],
           [0., 0., 3.]])
    """
    if not callable(partial):
        raise TypeError(f"partial: expected a function (i, j) -> ∂f_i/∂x_j, got {type(partial).__name__}")
    m, n = _size("m", m), _size("n", n)
    xp, (like,) = inputs(like=like)
    rows = []
    for i in range(m):
        row = []
        for j in range(n):
            entry = xp.asarray(partial(i, j), dtype=like.dtype)
            if entry.ndim != 0:
                raise ValueError(
                    f"partial: expected the scalar ∂f_i/∂x_j, got shape {tuple(entry.shape)} at "
                    f"(i, j) = ({i}, {j}); return one entry, e.g. x[i], not a row or column"
                )
            row.append(entry)
        rows.append(xp.stack(row))
    return xp.stack(rows)


def hadamard(w: Array, x: Array) -> Array:
    r"""Primal of the RULES M-7 example: ``y = w ⊗ x``, ``y_i = w_i x_i``. Shapes: w, x ``(n,)`` → ``(n,)``."""
    _, (w, x) = inputs(w=w, x=x)
    require_ndim("w", w, 1, "a vector w ∈ Rⁿ")
    require_ndim("x", x, 1, "a vector x ∈ Rⁿ")
    require_same_shape(w=w, x=x)
    return w * x


def jac_hadamard_w_from_partials(w: Array, x: Array) -> Array:
    r"""∂(w ⊗ x)/∂w = [∂(w_i x_i)/∂w_j] = [x_i δ_ij] = diag(x)   (RULES M-7 applied to E-7; §4.1)

    The scalar route: ``y_i = w_i x_i`` depends on ``w_j`` only when ``j = i``, so the partial is
    ``x_i δ_ij``; :func:`jacobian_from_partials` reassembles the entries into the dense ``diag(x)``
    (the structured form is :func:`chainrule.analytic.elementwise.jac_mul_w`).

    Shapes: w, x ``(n,)``; returns ``(n, n)``, numerator layout, dense. No kinks.

    >>> import numpy as np
    >>> jac_hadamard_w_from_partials(np.ones(2), np.array([2.0, -1.0]))
    array([[ 2.,  0.],
           [ 0., -1.]])
    """
    _, (w, x) = inputs(w=w, x=x)
    require_ndim("w", w, 1, "a vector w ∈ Rⁿ")
    require_ndim("x", x, 1, "a vector x ∈ Rⁿ")
    require_same_shape(w=w, x=x)

    def partial(i: int, j: int) -> Any:  # ∂y_i/∂w_j = x_i δ_ij
        return x[i] if i == j else 0.0

    n = x.shape[0]
    return jacobian_from_partials(partial, n, n, like=x)


def jac_sin_of_linear_x_from_partials(A: Array, x: Array) -> Array:
    r"""∂y/∂x = [∂ sin(a_i·x)/∂x_j] = [cos(a_i·x) A_ij]   (RULES M-7 applied to M-3; §4.1)

    The scalar route to :func:`jac_sin_of_linear_x`: ``f_i(x) = sin(Σ_k A_ik x_k)`` is one scalar
    expression per output; its partial in ``x_j`` (chain rule, S-7) is ``cos(a_i·x) A_ij``. The
    ``m·n`` entries are reassembled by :func:`jacobian_from_partials`.

    Shapes: A ``(m, n)``, x ``(n,)``; returns ``(m, n)``, numerator layout, dense. No kinks.

    >>> import numpy as np
    >>> jac_sin_of_linear_x_from_partials(np.array([[1.0, 2.0, 0.0]]), np.zeros(3))
    array([[1., 2., 0.]])
    """
    xp, A, x, z = _linear(A, x)
    require_ndim("A", A, 2, "a matrix A of shape (m, n), one row a_iᵀ per output")
    cos_z = xp.cos(z)

    def partial(i: int, j: int) -> Any:  # ∂f_i/∂x_j = cos(a_i·x) A_ij
        return cos_z[i] * A[i, j]

    return jacobian_from_partials(partial, A.shape[0], A.shape[1], like=x)
