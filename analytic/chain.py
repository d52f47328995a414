r"""§4.5 The chain rules: single-variable, single-variable total-derivative, and vector.

The paper names three chain rules (RULES C-0) and this module gives each one as a small combinator
over *derivative values* (numbers and Jacobians, never functions):

* :func:`single_variable_chain` ``(dy/du, du/dx) ↦ dy/dx = (dy/du)(du/dx)`` (§4.5.1, C-1);
* :func:`total_derivative` ``(∂f/∂x, [∂f/∂u_i], [∂u_i/∂x]) ↦ ∂f/∂x + Σ_i (∂f/∂u_i)(∂u_i/∂x)``
  (§4.5.2, C-6; what other texts call the "multivariable chain rule", a name the paper calls
  misleading);
* :func:`vector_chain` ``(∂f/∂g, ∂g/∂x) ↦ (∂f/∂g)(∂g/∂x)``, the matrix product (§4.5.3, C-11), which
  keeps structured Jacobians structured (``Diagonal @ Diagonal`` is a ``Diagonal``, C-12).

The vector rule is the general one: with ``1 × 1`` Jacobians it *is* the single-variable rule, and with a
``1 × (n+1)`` gradient ``∂f/∂u`` and an ``(n+1) × 1`` column ``∂u/∂x`` (``u_{n+1} = x``) it is the
total-derivative rule written as a dot product (C-9).

The paper's worked examples of §4.5 (C-0 … C-13), each computed through these combinators, are in
:mod:`chainrule.analytic.chain_examples`; the tutorial notes' examples T-1 and T-2 in
:mod:`chainrule.analytic.tutorial`.

Layout: numerator (DESIGN.md). A Jacobian has shape ``out.shape + in.shape``: the derivative of a
scalar by a scalar has shape ``()``, the paper's ``1 × n`` gradient row has shape ``(n,)``, its
``m × 1`` column (a vector function of a scalar) has shape ``(m,)``. No kinks. Every function takes
NumPy or JAX arrays (array API; scalars may also be Python numbers) and returns the same kind; all are
traceable under ``jax.jit``.

References:
  T. Parr and J. Howard, "The Matrix Calculus You Need For Deep Learning", arXiv:1802.01528, §4.5,
  §8.5.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import Any

from ._array import inputs
from .structured import is_structured, todense

__all__ = ["single_variable_chain", "total_derivative", "vector_chain"]

Array = Any


# --- helpers -------------------------------------------------------------------------------------


def _fmt(shape: tuple[int, ...]) -> str:
    """A Jacobian's shape the paper's way: ``(3×4)``; a scalar is ``(1×1)``, a vector ``(n)``."""
    return "(" + "×".join(str(int(d)) for d in shape) + ")" if shape else "(1×1)"


def _reject_structured(rule: str, **named: Any) -> None:
    for name, value in named.items():
        if is_structured(value):
            raise TypeError(
                f"{name}: {rule} combines scalar derivatives, got a structured {getattr(value, 'shape', '')} Jacobian "
                f"({type(value).__name__}); compose Jacobians with vector_chain (RULES C-11)"
            )


def _require_entrywise(rule: str, **named: Array) -> None:
    """Scalars, or arrays of one shape (independent scalar chains applied entry by entry)."""
    shapes = {k: tuple(v.shape) for k, v in named.items() if v.ndim}
    if len(set(shapes.values())) > 1:
        listing = ", ".join(f"{k} {s}" for k, s in shapes.items())
        raise ValueError(
            f"{rule} multiplies scalar derivatives entry by entry, so the arrays must share one shape "
            f"(or be scalars), got {listing}; for Jacobians of vector functions use vector_chain"
        )


def _contract(xp: Any, A: Array, B: Array, k: int) -> Array:
    """``A ⋆ B``: contract A's last ``k`` axes with B's first ``k`` (a matrix product after reshaping)."""
    F, G, X = tuple(A.shape[: A.ndim - k]), tuple(A.shape[A.ndim - k :]), tuple(B.shape[k:])
    flat = xp.reshape(A, (math.prod(F), math.prod(G))) @ xp.reshape(B, (math.prod(G), math.prod(X)))
    return xp.reshape(flat, F + X)


# ==================================================================================================
# §4.5 The Chain Rules (RULES C-0): the three named rules, as combinators over derivative values
# ==================================================================================================


def single_variable_chain(dy_du: Array, du_dx: Array) -> Array:
    r"""dy/dx = (dy/du)(du/dx)   (RULES C-1, §4.5.1; S-7, §2)

    The single-variable chain rule for ``y = f(u)``, ``u = g(x)`` with scalar ``x``, ``u``, ``y`` and a
    single dataflow path from ``x`` to ``y``. Longer chains nest: ``dy/dx = (dy/du_2)((du_2/du_1)(du_1/dx))``.

    Shapes: ``dy_du`` and ``du_dx`` are scalars ``()``, or arrays of one shape holding independent scalar
    chains (multiplied entry by entry: the diagonal of C-12). Python numbers take the other argument's
    dtype. Returns their product, of that shape. No kinks.

    >>> import numpy as np
    >>> x = np.asarray(1.5)                                  # d/dx sin(x²) = cos(x²)·2x
    >>> float(single_variable_chain(np.cos(x**2), 2 * x)) == float(np.cos(x**2) * 2 * x)
    True
    """
    _reject_structured("single_variable_chain", dy_du=dy_du, du_dx=du_dx)
    _, (dy_du, du_dx) = inputs(dy_du=dy_du, du_dx=du_dx)
    _require_entrywise("single_variable_chain", dy_du=dy_du, du_dx=du_dx)
    return dy_du * du_dx


def total_derivative(df_dx: Array, df_du: Sequence[Array], du_dx: Sequence[Array]) -> Array:
    r"""∂f(x, u_1, …, u_n)/∂x = ∂f/∂x + Σ_{i=1}^n (∂f/∂u_i)(∂u_i/∂x)   (RULES C-6, §4.5.2)

    The single-variable total-derivative chain rule. ``x`` is a scalar and ``f`` may depend on it
    directly (the partial ``df_dx``, with the ``u_i`` held fixed) and through every intermediate ``u_i``
    (``df_du[i]`` is the partial ``∂f/∂u_i``, ``du_dx[i]`` the *total* derivative ``du_i/dx``). The
    contributions are always **summed**, whatever the operators are. The left side is written as a
    partial but means the total derivative (the paper follows MathWorld's notation).

    Shapes: ``df_dx`` a scalar ``()``; ``df_du`` and ``du_dx`` sequences (tuple or list) of equal
    length ``n ≥ 0`` of scalars. Arrays of one shape are accepted everywhere for independent chains,
    entry by entry. Python numbers take the arrays' dtype. Returns a scalar. No kinks.

    With ``u_{n+1} = x`` the sum is the dot product ``(∂f/∂u)(∂u/∂x)`` (C-9): pass the two vectors to
    :func:`vector_chain` instead.

    >>> import numpy as np
    >>> x = np.asarray(3.0)                   # y = x + x²: u_1 = x², ∂y/∂x = 1, ∂y/∂u_1 = 1, du_1/dx = 2x
    >>> float(total_derivative(1.0, [1.0], [2 * x]))
    7.0
    """
    for name, seq in (("df_du", df_du), ("du_dx", du_dx)):
        if not isinstance(seq, (tuple, list)):
            raise TypeError(
                f"{name}: expected a tuple or list with one partial per intermediate u_i, got "
                f"{type(seq).__name__}; wrap a single partial as ({name},), or pass vectors ∂f/∂u and "
                "∂u/∂x to vector_chain (RULES C-9)"
            )
    if len(df_du) != len(du_dx):
        raise ValueError(
            f"total_derivative needs one ∂f/∂u_i per ∂u_i/∂x: got {len(df_du)} partials ∂f/∂u_i and "
            f"{len(du_dx)} derivatives ∂u_i/∂x; list them in the same order, one per intermediate"
        )
    named = {"df_dx": df_dx}
    named.update({f"df_du[{i}]": v for i, v in enumerate(df_du)})
    named.update({f"du_dx[{i}]": v for i, v in enumerate(du_dx)})
    _reject_structured("total_derivative", **named)
    _, values = inputs(**named)
    _require_entrywise("total_derivative", **dict(zip(named, values, strict=True)))
    n = len(df_du)
    total = values[0]
    for a, b in zip(values[1 : 1 + n], values[1 + n :], strict=True):
        total = total + a * b
    return total


def vector_chain(df_dg: Array, dg_dx: Array, *, g_ndim: int | None = None) -> Array:
    r"""∂/∂x f(g(x)) = (∂f/∂g)(∂g/∂x)   (RULES C-11, C-13, §4.5.3; §8.5)

    The vector chain rule: the Jacobian of a composition is the matrix product of the Jacobians, in
    that order (matrix multiplication does not commute). It "automatically takes into consideration the
    total derivative", and it is the general rule: with ``1 × 1`` factors it is the single-variable rule
    (C-0), with a gradient row times a column it is the total derivative as a dot product (C-9).

    Shapes (numerator layout, ``m = |f|``, ``k = |g|``, ``n = |x|``): ``df_dg`` is ``f.shape + g.shape``
    and ``dg_dx`` is ``g.shape + x.shape``; the result is ``f.shape + x.shape``. The shape table (C-13):

    ==========  ===============  ====================  ======================
    ∂f/∂x       x, g scalar      x scalar, g vector    x, g vector
    ==========  ===============  ====================  ======================
    f scalar    (1×1)(1×1):      (1×k)(k×1):           (1×k)(k×n):
                ``()()``         ``(k,)(k,)``          ``(k,)(k, n)``
    f vector    (m×1)(1×1):      (m×k)(k×1):           (m×k)(k×n):
                ``(m,)()``       ``(m, k)(k,)``        ``(m, k)(k, n)``
    ==========  ===============  ====================  ======================

    ``g_ndim`` is the number of axes of ``g`` (the axes contracted). By default it is 1 when both factors
    have axes (the matrix-product reading) and 0 when either is a scalar. Pass ``g_ndim=0`` for a scalar
    ``g`` between a vector ``f`` and a vector ``x``: ``(m×1)(1×n)``, an outer product.

    Structured Jacobians (:mod:`chainrule.analytic.structured`) stay structured: ``Diagonal @ Diagonal`` is a
    ``Diagonal`` in O(n) (the diagonal special case C-12), a dense factor times a diagonal scales its
    rows or columns without building ``diag``.

    Raises ``ValueError`` when the inner dimensions differ (``(m×k)(j×n)`` with ``k ≠ j``), naming both
    shapes. No kinks.

    >>> import numpy as np
    >>> from chainrule.analytic.structured import Diagonal
    >>> vector_chain(np.ones((2, 3)), np.ones((3, 4))).shape
    (2, 4)
    >>> vector_chain(Diagonal(np.array([1.0, 2.0])), Diagonal(np.array([3.0, 4.0])))
    Diagonal(n=2, diag=array([3., 8.]))
    >>> vector_chain(np.ones((2, 3)), np.ones((4, 1)))  # doctest: +ELLIPSIS
    Traceback (most recent call last):
    ...
    ValueError: vector_chain: cannot multiply ∂f/∂g of shape (2×3) by ∂g/∂x of shape (4×1): the inner ...
    """
    # A structured Jacobian of this package composes in O(n); any other one (an object with todense(),
    # chainrule's structured-Jacobian protocol) is densified.
    df_dg, dg_dx = (todense(v) if is_structured(v) and not hasattr(v, "diagonal") else v for v in (df_dg, dg_dx))
    structured = {k for k, v in (("df_dg", df_dg), ("dg_dx", dg_dx)) if is_structured(v)}
    # Validate dtypes and array libraries; a structured Jacobian is represented by its diagonal.
    xp, (a, b) = inputs(
        df_dg=df_dg.diagonal() if "df_dg" in structured else df_dg,
        dg_dx=dg_dx.diagonal() if "dg_dx" in structured else dg_dx,
    )
    df_dg = df_dg if "df_dg" in structured else a
    dg_dx = dg_dx if "dg_dx" in structured else b
    fs, xs = tuple(df_dg.shape), tuple(dg_dx.shape)
    if g_ndim is None:
        g_ndim = 1 if (fs and xs) else 0
    elif isinstance(g_ndim, bool) or not isinstance(g_ndim, int) or g_ndim < 0:
        raise ValueError(f"g_ndim: expected a non-negative int (the number of axes of g), got {g_ndim!r}")
    if g_ndim > len(fs) or g_ndim > len(xs) or fs[len(fs) - g_ndim :] != xs[:g_ndim]:
        inner_f, inner_x = fs[len(fs) - g_ndim :], xs[:g_ndim]
        if g_ndim > min(len(fs), len(xs)):
            why = f"g has {g_ndim} axes but one factor has fewer"
        else:
            why = (
                f"the inner dimensions {'×'.join(map(str, inner_f))} and "
                f"{'×'.join(map(str, inner_x))} differ"
            )
        raise ValueError(
            f"vector_chain: cannot multiply ∂f/∂g of shape {_fmt(fs)} by ∂g/∂x of shape {_fmt(xs)}: {why}; "
            "the vector chain rule multiplies (m×k)(k×n) with k = |g|: take both Jacobians at the same "
            "intermediate g, in numerator layout (out.shape + in.shape)"
        )
    if structured:
        if g_ndim != 1:
            raise ValueError(
                f"vector_chain: a structured {_fmt(fs if 'df_dg' in structured else xs)} Jacobian is a "
                f"matrix of a vector g, so g_ndim must be 1, got {g_ndim}"
            )
        return df_dg @ dg_dx
    return _contract(xp, df_dg, dg_dx, g_ndim)
