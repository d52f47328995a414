r"""The tutorial notes' worked examples T-1 and T-2 (MyGrad transcripts on the paper), defined once.

Each example has two inputs ``x, y``, two intermediates ``p, q`` and an output ``g(p, q)``. This module
gives, for each, the primals (the intermediates as functions of ``x, y``, the output as a function of
``p, q`` and as a function of ``x, y``), the **local partials** of every intermediate (``∂p/∂x`` …), the
**adjoints** ``∂g/∂p`` and ``∂g/∂q`` (MyGrad's ``p.grad`` and ``q.grad``) and the **total
derivatives** ``∂g/∂x``, ``∂g/∂y``, combined with the total-derivative chain rule
(:func:`~chainrule.analytic.chain.total_derivative`, RULES C-6): ``x`` reaches ``g`` through both ``p``
and ``q``. T-2 is also worked in Jacobian form, by the vector chain rule (C-11).

The transcripts' numbers (RULES.md, part 3):

* T-1 at ``x = 3, y = 1``: ``p = 9``, ``q = 7``, ``g = −262``; ``p.grad = 18``, ``q.grad = −147``,
  ``x.grad = 18·6 + (−147)·2 = −186``, ``y.grad = 18·9 + (−147)·1 = 15``.
* T-2 at ``x = 5, y = 4``: ``p = 11``, ``q = 44``, ``g = 5324``; ``p.grad = 968``, ``q.grad = 121``,
  ``x.grad = 968·(−1) + 121·12 = 484``, ``y.grad = 968·4 + 121·11 = 5203``.

The catalog (``chainrule verify -k T-1``) checks every derivative against JAX; ``chainrule explain T-1``
builds its step-by-step derivation from these same functions, read through the catalog.

Shapes: every argument is a scalar ``()`` (``t2_g_xy`` and ``grad_t2_g_xy`` take the vector ``[x, y]``
of shape ``(2,)``); numerator layout. No kinks. NumPy or JAX arrays in (or Python numbers), the same
kind out; all traceable under ``jax.jit``.

>>> float(grad_t1_g_x(3.0, 1.0)), float(grad_t1_g_y(3.0, 1.0))
(-186.0, 15.0)
"""

from __future__ import annotations

from typing import Any

from ._array import inputs, require_ndim
from .chain import total_derivative, vector_chain

__all__ = [
    "grad_t1_g_p", "grad_t1_g_q", "grad_t1_g_x", "grad_t1_g_y", "grad_t1_p_x", "grad_t1_p_y", "grad_t1_q_x",
    "grad_t1_q_y", "grad_t2_g_p", "grad_t2_g_q", "grad_t2_g_x", "grad_t2_g_xy", "grad_t2_g_y", "grad_t2_p_x",
    "grad_t2_p_y", "grad_t2_q_x", "grad_t2_q_y", "t1_g", "t1_g_of_pq", "t1_p", "t1_q", "t2_g", "t2_g_of_pq",
    "t2_g_xy", "t2_p", "t2_q",
]

Array = Any


def _scalars(**named: Array) -> tuple[Any, list[Array]]:
    xp, values = inputs(**named)
    for (name, _), v in zip(named.items(), values, strict=True):
        require_ndim(name, v, 0, f"a scalar {name}")
    return xp, values


# --- T-1: x = 3, y = 1; p = y·x², q = 2x + y, g = p² − q³ -----------------------------------------


def t1_p(x: Array, y: Array) -> Array:
    r"""Intermediate of RULES T-1: ``p = y·x²``. Shapes: x, y ``()`` → ``()``."""
    _, (x, y) = _scalars(x=x, y=y)
    return y * x**2


def t1_q(x: Array, y: Array) -> Array:
    r"""Intermediate of RULES T-1: ``q = 2x + y``. Shapes: x, y ``()`` → ``()``."""
    _, (x, y) = _scalars(x=x, y=y)
    return 2.0 * x + y


def t1_g_of_pq(p: Array, q: Array) -> Array:
    r"""RULES T-1's output as a function of its intermediates: ``g(p, q) = p² − q³``. Shapes: ``()`` → ``()``."""
    _, (p, q) = _scalars(p=p, q=q)
    return p**2 - q**3


def t1_g(x: Array, y: Array) -> Array:
    r"""Primal of RULES T-1: ``g = p² − q³`` with ``p = y·x²``, ``q = 2x + y``. Shapes: ``()`` → ``()``."""
    return t1_g_of_pq(t1_p(x, y), t1_q(x, y))


def grad_t1_p_x(x: Array, y: Array) -> Array:
    r"""p = y·x²: ∂p/∂x = 2xy   (RULES T-1, tutorial)

    The local partial of the intermediate ``p``; 6 at ``x = 3, y = 1``. Shapes: x, y ``()`` → ``()``.
    No kinks.

    >>> float(grad_t1_p_x(3.0, 1.0))
    6.0
    """
    _, (x, y) = _scalars(x=x, y=y)
    return 2.0 * x * y


def grad_t1_p_y(x: Array, y: Array) -> Array:
    r"""p = y·x²: ∂p/∂y = x²   (RULES T-1, tutorial)

    The local partial of ``p``; 9 at ``x = 3``. Shapes: x, y ``()`` → ``()``. No kinks.

    >>> float(grad_t1_p_y(3.0, 1.0))
    9.0
    """
    _, (x, y) = _scalars(x=x, y=y)
    return x**2


def grad_t1_q_x(x: Array, y: Array) -> Array:
    r"""q = 2x + y: ∂q/∂x = 2   (RULES T-1, tutorial)

    The local partial of ``q``, a constant. Shapes: x, y ``()`` → ``()``. No kinks.

    >>> float(grad_t1_q_x(3.0, 1.0))
    2.0
    """
    xp, (x, y) = _scalars(x=x, y=y)
    return xp.full_like(x, 2.0)


def grad_t1_q_y(x: Array, y: Array) -> Array:
    r"""q = 2x + y: ∂q/∂y = 1   (RULES T-1, tutorial)

    The local partial of ``q``, a constant. Shapes: x, y ``()`` → ``()``. No kinks.

    >>> float(grad_t1_q_y(3.0, 1.0))
    1.0
    """
    xp, (x, y) = _scalars(x=x, y=y)
    return xp.ones_like(y)


def grad_t1_g_p(p: Array, q: Array) -> Array:
    r"""g = p² − q³: ∂g/∂p = 2p   (RULES T-1, tutorial)

    The adjoint of ``p`` (MyGrad's ``p.grad``): 18 at the transcript's ``p = 9``.
    Shapes: p, q ``()`` → ``()``. No kinks.

    >>> float(grad_t1_g_p(t1_p(3.0, 1.0), t1_q(3.0, 1.0)))
    18.0
    """
    _, (p, q) = _scalars(p=p, q=q)
    return 2.0 * p


def grad_t1_g_q(p: Array, q: Array) -> Array:
    r"""g = p² − q³: ∂g/∂q = −3q²   (RULES T-1, tutorial)

    The adjoint of ``q`` (MyGrad's ``q.grad``): −147 at ``q = 7``. Shapes: p, q ``()`` → ``()``. No kinks.

    >>> float(grad_t1_g_q(t1_p(3.0, 1.0), t1_q(3.0, 1.0)))
    -147.0
    """
    _, (p, q) = _scalars(p=p, q=q)
    return -3.0 * q**2


def _t1_adjoints(x: Array, y: Array) -> tuple[Array, Array]:
    p, q = t1_p(x, y), t1_q(x, y)
    return grad_t1_g_p(p, q), grad_t1_g_q(p, q)


def grad_t1_g_x(x: Array, y: Array) -> Array:
    r"""∂g/∂x = (∂g/∂p)(∂p/∂x) + (∂g/∂q)(∂q/∂x) = 2p·2xy − 3q²·2   (RULES T-1, tutorial)

    The total-derivative rule (C-6): ``x`` reaches ``g`` through both ``p`` and ``q``, and ``g`` has no
    direct dependence on ``x``. At ``x = 3``, ``y = 1``: ``18·6 + (−147)·2 = 108 − 294 = −186``
    (MyGrad's ``x.grad``). Shapes: x, y ``()`` → ``()``. No kinks.

    >>> float(grad_t1_g_x(3.0, 1.0))
    -186.0
    """
    dg_dp, dg_dq = _t1_adjoints(x, y)
    return total_derivative(0.0, [dg_dp, dg_dq], [grad_t1_p_x(x, y), grad_t1_q_x(x, y)])


def grad_t1_g_y(x: Array, y: Array) -> Array:
    r"""∂g/∂y = (∂g/∂p)(∂p/∂y) + (∂g/∂q)(∂q/∂y) = 2p·x² − 3q²   (RULES T-1, tutorial)

    At ``x = 3``, ``y = 1``: ``18·9 + (−147)·1 = 162 − 147 = 15`` (MyGrad's ``y.grad``).
    Shapes: x, y ``()`` → ``()``. No kinks.

    >>> float(grad_t1_g_y(3.0, 1.0))
    15.0
    """
    dg_dp, dg_dq = _t1_adjoints(x, y)
    return total_derivative(0.0, [dg_dp, dg_dq], [grad_t1_p_y(x, y), grad_t1_q_y(x, y)])


# --- T-2: x = 5, y = 4; p = 4y − x, q = 3xy − 4y, g = p²·q ------------------------------------------


def t2_p(x: Array, y: Array) -> Array:
    r"""Intermediate of RULES T-2: ``p = 4y − x``. Shapes: x, y ``()`` → ``()``."""
    _, (x, y) = _scalars(x=x, y=y)
    return 4.0 * y - x


def t2_q(x: Array, y: Array) -> Array:
    r"""Intermediate of RULES T-2: ``q = 3xy − 4y``. Shapes: x, y ``()`` → ``()``."""
    _, (x, y) = _scalars(x=x, y=y)
    return 3.0 * x * y - 4.0 * y


def t2_g_of_pq(p: Array, q: Array) -> Array:
    r"""RULES T-2's output as a function of its intermediates: ``g(p, q) = p²·q``. Shapes: ``()`` → ``()``."""
    _, (p, q) = _scalars(p=p, q=q)
    return p**2 * q


def t2_g(x: Array, y: Array) -> Array:
    r"""Primal of RULES T-2: ``g = p²·q`` with ``p = 4y − x``, ``q = 3xy − 4y``. Shapes: ``()`` → ``()``."""
    return t2_g_of_pq(t2_p(x, y), t2_q(x, y))


def grad_t2_p_x(x: Array, y: Array) -> Array:
    r"""p = 4y − x: ∂p/∂x = −1   (RULES T-2, tutorial)

    The local partial of ``p``, a constant. Shapes: x, y ``()`` → ``()``. No kinks.

    >>> float(grad_t2_p_x(5.0, 4.0))
    -1.0
    """
    xp, (x, y) = _scalars(x=x, y=y)
    return xp.full_like(x, -1.0)


def grad_t2_p_y(x: Array, y: Array) -> Array:
    r"""p = 4y − x: ∂p/∂y = 4   (RULES T-2, tutorial)

    The local partial of ``p``, a constant. Shapes: x, y ``()`` → ``()``. No kinks.

    >>> float(grad_t2_p_y(5.0, 4.0))
    4.0
    """
    xp, (x, y) = _scalars(x=x, y=y)
    return xp.full_like(y, 4.0)


def grad_t2_q_x(x: Array, y: Array) -> Array:
    r"""q = 3xy − 4y: ∂q/∂x = 3y   (RULES T-2, tutorial)

    The local partial of ``q``; 12 at ``y = 4``. Shapes: x, y ``()`` → ``()``. No kinks.

    >>> float(grad_t2_q_x(5.0, 4.0))
    12.0
    """
    _, (x, y) = _scalars(x=x, y=y)
    return 3.0 * y


def grad_t2_q_y(x: Array, y: Array) -> Array:
    r"""q = 3xy − 4y: ∂q/∂y = 3x − 4   (RULES T-2, tutorial)

    The local partial of ``q``; 11 at ``x = 5``. Shapes: x, y ``()`` → ``()``. No kinks.

    >>> float(grad_t2_q_y(5.0, 4.0))
    11.0
    """
    _, (x, y) = _scalars(x=x, y=y)
    return 3.0 * x - 4.0


def grad_t2_g_p(p: Array, q: Array) -> Array:
    r"""g = p²·q: ∂g/∂p = 2pq   (RULES T-2, tutorial)

    The adjoint of ``p`` (MyGrad's ``p.grad``): 968 at the transcript's ``p = 11``, ``q = 44``.
    Shapes: p, q ``()`` → ``()``. No kinks.

    >>> float(grad_t2_g_p(t2_p(5.0, 4.0), t2_q(5.0, 4.0)))
    968.0
    """
    _, (p, q) = _scalars(p=p, q=q)
    return 2.0 * p * q


def grad_t2_g_q(p: Array, q: Array) -> Array:
    r"""g = p²·q: ∂g/∂q = p²   (RULES T-2, tutorial)

    The adjoint of ``q`` (MyGrad's ``q.grad``): 121 at ``p = 11``. Shapes: p, q ``()`` → ``()``. No kinks.

    >>> float(grad_t2_g_q(t2_p(5.0, 4.0), t2_q(5.0, 4.0)))
    121.0
    """
    _, (p, q) = _scalars(p=p, q=q)
    return p**2


def _t2_adjoints(x: Array, y: Array) -> tuple[Array, Array]:
    p, q = t2_p(x, y), t2_q(x, y)
    return grad_t2_g_p(p, q), grad_t2_g_q(p, q)


def grad_t2_g_x(x: Array, y: Array) -> Array:
    r"""∂g/∂x = (∂g/∂p)(∂p/∂x) + (∂g/∂q)(∂q/∂x) = −2pq + p²·3y   (RULES T-2, tutorial)

    The total-derivative rule (C-6) through ``p`` and ``q``: ``2pq·(−1) + p²·3y``. At ``x = 5``,
    ``y = 4``: ``968·(−1) + 121·12 = −968 + 1452 = 484`` (MyGrad's ``x.grad``).
    Shapes: x, y ``()`` → ``()``. No kinks.

    >>> float(grad_t2_g_x(5.0, 4.0))
    484.0
    """
    dg_dp, dg_dq = _t2_adjoints(x, y)
    return total_derivative(0.0, [dg_dp, dg_dq], [grad_t2_p_x(x, y), grad_t2_q_x(x, y)])


def grad_t2_g_y(x: Array, y: Array) -> Array:
    r"""∂g/∂y = (∂g/∂p)(∂p/∂y) + (∂g/∂q)(∂q/∂y) = 8pq + p²(3x − 4)   (RULES T-2, tutorial)

    That is ``2pq·4 + p²(3x − 4)``. At ``x = 5``, ``y = 4``: ``968·4 + 121·11 = 3872 + 1331 = 5203``
    (MyGrad's ``y.grad``). Shapes: x, y ``()`` → ``()``. No kinks.

    >>> float(grad_t2_g_y(5.0, 4.0))
    5203.0
    """
    dg_dp, dg_dq = _t2_adjoints(x, y)
    return total_derivative(0.0, [dg_dp, dg_dq], [grad_t2_p_y(x, y), grad_t2_q_y(x, y)])


def _xy(xy: Array) -> tuple[Any, Array, Array]:
    xp, (xy,) = inputs(xy=xy)
    if tuple(xy.shape) != (2,):
        raise ValueError(f"xy: expected the vector [x, y] of shape (2,), got shape {tuple(xy.shape)}")
    return xp, xy[0], xy[1]


def t2_g_xy(xy: Array) -> Array:
    r"""RULES T-2's ``g`` as a function of the vector ``[x, y]``. Shape: xy ``(2,)`` → ``()``."""
    _, x, y = _xy(xy)
    return t2_g(x, y)


def grad_t2_g_xy(xy: Array) -> Array:
    r"""∂g/∂[x, y] = [∂g/∂p, ∂g/∂q]·[[∂p/∂x, ∂p/∂y], [∂q/∂x, ∂q/∂y]] = [2pq, p²]·[[−1, 4], [3y, 3x − 4]]   (RULES T-2)

    T-2 in Jacobian form (tutorial notes): the vector chain rule (C-11) with a scalar ``f``,
    ``(1×2)(2×2) = (1×2)``.
    At ``[5, 4]``: ``[968, 121]·[[−1, 4], [12, 11]] = [484, 5203]``.
    Shapes: xy ``(2,)``. Returns the gradient, shape ``(2,)``. No kinks.

    >>> import numpy as np
    >>> grad_t2_g_xy(np.array([5.0, 4.0]))
    array([ 484., 5203.])
    """
    xp, x, y = _xy(xy)
    dg_dpq = xp.stack(_t2_adjoints(x, y))
    dpq_dxy = xp.stack([
        xp.stack([grad_t2_p_x(x, y), grad_t2_p_y(x, y)]),
        xp.stack([grad_t2_q_x(x, y), grad_t2_q_y(x, y)]),
    ])
    return vector_chain(dg_dpq, dpq_dxy)
