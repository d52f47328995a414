r"""§4.5 The paper's chain-rule worked examples (RULES C-0 … C-13), each derived through the chain rules.

Each example is a primal next to its hand derivation, computed *through the steps the paper
describes* (C-1's process): introduce intermediate variables, differentiate each with respect to its
own parameters, combine the pieces with a combinator of :mod:`chainrule.analytic.chain`, substitute.
The docstrings give the substituted closed form; the catalog checks the result against JAX.

Layout: numerator (DESIGN.md); a scalar's derivative by a scalar has shape ``()``, a ``1 × n`` gradient
row shape ``(n,)``, an ``m × 1`` column shape ``(m,)``. No kinks. Domains: ``ln(x²)`` needs ``x ≠ 0``
(C-10), ``ln(sin(x³)²)`` needs ``sin(x³) ≠ 0`` (C-3); concrete inputs outside them raise ``ValueError``
(inside ``jax.jit`` values are not checked). NumPy or JAX arrays in (scalars may be Python numbers),
the same kind out; all traceable under ``jax.jit``. Reference: Parr & Howard, arXiv:1802.01528, §4.5.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from ._array import inputs, is_concrete, require_ndim, require_nonzero
from .chain import _contract, single_variable_chain, total_derivative, vector_chain
from .structured import Diagonal

__all__ = [
    "b_cos_sin_ax", "b_sin_ax", "exp_sin", "grad_exp_sin_x", "grad_ln_sin_x3_squared_x", "grad_sin_x2_x",
    "grad_sin_x2_x_by_total_derivative", "grad_sin_x2_x_by_vector_rule", "grad_sin_x_plus_x2_x",
    "grad_sq_norm_b_sin_ax_x_backward", "grad_sq_norm_b_sin_ax_x_forward", "grad_x_plus_x2_x",
    "grad_x_sin_x2_plus_x2_cos_x_x", "grad_x_sum_sin_cx_x", "grad_x_times_x2_x", "jac_b_cos_sin_ax_x",
    "jac_b_sin_ax_x", "jac_ln_x2_sin_3x_x", "jac_ln_x2_sin_3x_x_by_rows", "jac_sin_x2_elementwise_x",
    "ln_sin_x3_squared", "ln_x2_sin_3x", "sin_x2", "sin_x2_elementwise", "sin_x_plus_x2", "sq_norm_b_sin_ax",
    "x_plus_x2", "x_sin_x2_plus_x2_cos_x", "x_sum_sin_cx", "x_times_x2",
]

Array = Any


def _scalar(x: Array, name: str = "x") -> tuple[Any, Array]:
    xp, (x,) = inputs(**{name: x})
    require_ndim(name, x, 0, f"a scalar {name}")
    return xp, x


def _elementwise_jacobian(d: Array) -> Array:
    """The Jacobian of an element-wise map with derivative values ``d``: ``diag(d)``, or ``d`` if scalar."""
    return Diagonal(d) if d.ndim == 1 else d


# --- C-0 The three rules on the paper's motivating example d/dx sin(x²) ----------------------------


def sin_x2(x: Array) -> Array:
    r"""Primal of RULES C-0 / C-2: ``y = sin(x²)``. Shape: x ``()`` → ``()``."""
    xp, x = _scalar(x)
    return xp.sin(x**2)


def grad_sin_x2_x_by_vector_rule(x: Array) -> Array:
    r"""d/dx sin(x²) = (∂f/∂g)(∂g/∂x) with 1 × 1 Jacobians = cos(x²)·2x   (RULES C-0, §4.5)

    The vector chain rule reduces to the single-variable one: with ``g = x²`` and ``f = sin(g)`` the
    Jacobians ``∂f/∂g = [cos(g)]`` and ``∂g/∂x = [2x]`` are ``1 × 1`` and their product is the
    single-variable chain. Shapes: x ``()`` → ``()``. No kinks.

    >>> import numpy as np
    >>> x = np.asarray(0.5)
    >>> bool(grad_sin_x2_x_by_vector_rule(x) == grad_sin_x2_x(x))
    True
    """
    xp, x = _scalar(x)
    g = x**2
    return vector_chain(xp.cos(g), 2.0 * x)


def grad_sin_x2_x_by_total_derivative(x: Array) -> Array:
    r"""d/dx sin(x²) = ∂f/∂x + (∂f/∂u)(du/dx) = 0 + cos(x²)·2x   (RULES C-0, §4.5)

    The total-derivative rule reduces to the single-variable one when ``f`` reaches ``x`` only through
    ``u = x²``: the direct partial ``∂ sin(u)/∂x`` is 0 and the sum has one term.
    Shapes: x ``()`` → ``()``. No kinks.

    >>> import numpy as np
    >>> x = np.asarray(0.5)
    >>> bool(grad_sin_x2_x_by_total_derivative(x) == grad_sin_x2_x(x))
    True
    """
    xp, x = _scalar(x)
    u = x**2
    return total_derivative(0.0, [xp.cos(u)], [2.0 * x])


# --- §4.5.1 Single-variable chain rule (RULES C-1 … C-4) ------------------------------------------


def exp_sin(x: Array) -> Array:
    r"""Primal of RULES C-1's example: ``y = f(g(x)) = exp(sin(x))``. Shape: x ``()`` → ``()``."""
    xp, x = _scalar(x)
    return xp.exp(xp.sin(x))


def grad_exp_sin_x(x: Array) -> Array:
    r"""d/dx exp(sin(x)) = exp(sin(x))·cos(x)   (RULES C-1, §4.5.1)

    The paper's four-step process on ``y = f(g(x))`` with ``f = exp``, ``g = sin`` (an example of ours;
    the paper's own is C-2):

    1. introduce the intermediate variable ``u = sin(x)``, so ``y = exp(u)``;
    2. differentiate each with respect to its parameter: ``du/dx = cos(x)``, ``dy/du = exp(u)``;
    3. multiply: ``dy/dx = (dy/du)(du/dx) = exp(u)·cos(x)``;
    4. substitute ``u``: ``dy/dx = exp(sin(x))·cos(x)``.

    Condition: a single dataflow path from ``x`` to ``y`` (each intermediate has one parameter).
    Shapes: x ``()`` → ``()``. No kinks.

    >>> import numpy as np
    >>> float(grad_exp_sin_x(np.asarray(0.0)))       # exp(0)·cos(0)
    1.0
    """
    xp, x = _scalar(x)
    u = xp.sin(x)  # step 1
    du_dx, dy_du = xp.cos(x), xp.exp(u)  # step 2
    return single_variable_chain(dy_du, du_dx)  # steps 3 and 4 (u holds sin(x))


def grad_sin_x2_x(x: Array) -> Array:
    r"""d/dx sin(x²) = cos(x²)·2x = 2x cos(x²)   (RULES C-2, §4.5.1)

    Intermediates ``u = x²``, ``y = sin(u)``; ``du/dx = 2x``, ``dy/du = cos(u)``; so
    ``dy/dx = cos(u)·2x``, and substituting ``u`` gives ``2x cos(x²)``.
    Shapes: x ``()`` → ``()``. No kinks.

    >>> import numpy as np
    >>> float(grad_sin_x2_x(np.asarray(0.0)))
    0.0
    """
    xp, x = _scalar(x)
    u = x**2
    return single_variable_chain(xp.cos(u), 2.0 * x)


def _require_sin_x3_nonzero(x: Array, u2: Array) -> None:
    if is_concrete(u2) and bool(np.any(np.asarray(u2) == 0)):
        raise ValueError(
            f"x: ln(sin(x³)²) (RULES C-3) is defined only where sin(x³) ≠ 0, but sin(x³) = 0 at "
            f"x = {float(np.asarray(x))!r}; choose x with x³ not a multiple of π"
        )


def ln_sin_x3_squared(x: Array) -> Array:
    r"""Primal of RULES C-3: ``y = ln(sin(x³)²)``, for ``sin(x³) ≠ 0``. Shape: x ``()`` → ``()``."""
    xp, x = _scalar(x)
    u2 = xp.sin(x**3)
    _require_sin_x3_nonzero(x, u2)
    return xp.log(u2**2)


def grad_ln_sin_x3_squared_x(x: Array) -> Array:
    r"""d/dx ln(sin(x³)²) = 6x² cos(x³)/sin(x³)   (RULES C-3, §4.5.1)

    Intermediates ``u_1 = x³``, ``u_2 = sin(u_1)``, ``u_3 = u_2²``, ``u_4 = ln(u_3)`` (``y = u_4``);
    derivatives ``du_1/dx = 3x²``, ``du_2/du_1 = cos(u_1)``, ``du_3/du_2 = 2u_2``, ``du_4/du_3 = 1/u_3``;
    combined ``dy/dx = (1/u_3)(2u_2) cos(u_1)(3x²) = 6u_2 x² cos(u_1)/u_3``; substituted
    ``6 sin(x³) x² cos(x³)/sin(x³)² = 6x² cos(x³)/sin(x³)``.

    Domain: ``sin(x³) ≠ 0`` (a concrete ``x`` outside it raises ``ValueError``). Shapes: x ``()`` →
    ``()``. No kinks.

    >>> import numpy as np
    >>> x = np.asarray(1.0)
    >>> bool(np.isclose(grad_ln_sin_x3_squared_x(x), 6 * np.cos(1.0) / np.sin(1.0)))
    True
    """
    xp, x = _scalar(x)
    u1 = x**3
    u2 = xp.sin(u1)
    _require_sin_x3_nonzero(x, u2)
    u3 = u2**2
    du1_dx, du2_du1, du3_du2, du4_du3 = 3.0 * x**2, xp.cos(u1), 2.0 * u2, 1.0 / u3
    dy_du2 = single_variable_chain(du4_du3, du3_du2)
    dy_du1 = single_variable_chain(dy_du2, du2_du1)
    return single_variable_chain(dy_du1, du1_dx)


def _matrices(A: Array, B: Array, x: Array) -> tuple[Any, Array, Array, Array]:
    """Validate ``A (k, n)``, ``B (m, k)``, ``x (n,)`` for ``B sin(A x)``."""
    xp, (A, B, x) = inputs(A=A, B=B, x=x)
    require_ndim("A", A, 2, "a matrix A of shape (k, n)")
    require_ndim("B", B, 2, "a matrix B of shape (m, k)")
    require_ndim("x", x, 1, "a vector x ∈ Rⁿ")
    if A.shape[1] != x.shape[0] or B.shape[1] != A.shape[0]:
        raise ValueError(
            f"B sin(A x) needs A (k, n), B (m, k), x (n,), got A {tuple(A.shape)}, B {tuple(B.shape)}, "
            f"x {tuple(x.shape)}; make A's columns match x and B's columns match A's rows"
        )
    return xp, A, B, x


def sq_norm_b_sin_ax(A: Array, B: Array, x: Array) -> Array:
    r"""Primal of RULES C-4's example: ``y = ‖B sin(A x)‖² = sum((B sin(A x))²)``.

    Shapes: A ``(k, n)``, B ``(m, k)``, x ``(n,)`` → ``()``.
    """
    xp, A, B, x = _matrices(A, B, x)
    v = B @ xp.sin(A @ x)
    return xp.sum(v * v)


def _sq_norm_factors(xp: Any, A: Array, B: Array, x: Array) -> tuple[Array, Array, Array, Array]:
    """The chain's four Jacobians: ``∂y/∂v = 2vᵀ``, ``∂v/∂s = B``, ``∂s/∂u = diag(cos u)``, ``∂u/∂x = A``."""
    u = A @ x
    s = xp.sin(u)
    v = B @ s
    return 2.0 * v, B, Diagonal(xp.cos(u)), A


def grad_sq_norm_b_sin_ax_x_forward(A: Array, B: Array, x: Array) -> Array:
    r"""forward (x → y): ∂y/∂x = 2vᵀ(B(diag(cos u) A)), u = Ax, v = B sin(u): O(mkn)   (RULES C-4, §4.5.1)

    ``∂‖B sin(Ax)‖²/∂x`` in forward order, ``(∂y/∂v)((∂v/∂s)((∂s/∂u)(∂u/∂x)))``. Intermediates
    ``u = Ax``, ``s = sin(u)``, ``v = B s``, ``y = vᵀv``; Jacobians ``∂u/∂x = A`` (k×n),
    ``∂s/∂u = diag(cos u)`` (k×k), ``∂v/∂s = B`` (m×k), ``∂y/∂v = 2vᵀ`` (1×m). The **forward** order
    (x → y) accumulates ``∂(·)/∂x`` from the input side: ``diag(cos u) A`` (k×n), then ``B (…)`` (m×n,
    **O(mkn)**), then ``2vᵀ (…)``. Result ``2vᵀ B diag(cos(Ax)) A``, the same value as
    :func:`grad_sq_norm_b_sin_ax_x_backward` at a higher cost when there are many inputs.

    Shapes: A ``(k, n)``, B ``(m, k)``, x ``(n,)``. Returns the gradient, shape ``(n,)``. No kinks.

    >>> import numpy as np
    >>> A, B, x = np.eye(2), np.eye(2), np.zeros(2)
    >>> grad_sq_norm_b_sin_ax_x_forward(A, B, x)
    array([0., 0.])
    """
    xp, A, B, x = _matrices(A, B, x)
    dy_dv, dv_ds, ds_du, du_dx = _sq_norm_factors(xp, A, B, x)
    ds_dx = vector_chain(ds_du, du_dx)  # (k×k)(k×n): scales A's rows, O(kn)
    dv_dx = vector_chain(dv_ds, ds_dx)  # (m×k)(k×n): O(mkn)
    return vector_chain(dy_dv, dv_dx)  # (1×m)(m×n)


def grad_sq_norm_b_sin_ax_x_backward(A: Array, B: Array, x: Array) -> Array:
    r"""backward (y → x): ∂y/∂x = ((2vᵀB) diag(cos u)) A: O(mk + kn)   (RULES C-4, §4.5.1)

    ``∂‖B sin(Ax)‖²/∂x`` in backward order, ``(((∂y/∂v)(∂v/∂s))(∂s/∂u))(∂u/∂x)``: the same factors as
    :func:`grad_sq_norm_b_sin_ax_x_forward`, multiplied from the output side (y → x): ``2vᵀ B``
    (1×k, O(mk)), then ``⊙ cos u`` (O(k)), then ``(…) A`` (1×n, O(kn)): only rows, never a matrix,
    in **O(mk + kn)**. This is why backward differentiation wins when there are many parameters and
    one output. Result ``2vᵀ B diag(cos(Ax)) A``.

    Shapes: A ``(k, n)``, B ``(m, k)``, x ``(n,)``. Returns the gradient, shape ``(n,)``. No kinks.

    >>> import numpy as np
    >>> rng = np.random.default_rng(0)
    >>> A, B, x = rng.normal(size=(4, 3)), rng.normal(size=(2, 4)), rng.normal(size=3)
    >>> back = grad_sq_norm_b_sin_ax_x_backward(A, B, x)
    >>> back.shape, bool(np.allclose(back, grad_sq_norm_b_sin_ax_x_forward(A, B, x), rtol=1e-14))
    ((3,), True)
    """
    xp, A, B, x = _matrices(A, B, x)
    dy_dv, dv_ds, ds_du, du_dx = _sq_norm_factors(xp, A, B, x)
    dy_ds = vector_chain(dy_dv, dv_ds)  # (1×m)(m×k)
    dy_du = vector_chain(dy_ds, ds_du)  # (1×k)(k×k) diagonal: O(k)
    return vector_chain(dy_du, du_dx)  # (1×k)(k×n)


# --- §4.5.2 Single-variable total-derivative chain rule (RULES C-5 … C-9) -------------------------


def x_plus_x2(x: Array) -> Array:
    r"""Primal of RULES C-5: ``y = x + x²``. Shape: x ``()`` → ``()``."""
    _, x = _scalar(x)
    return x + x**2


def grad_x_plus_x2_x(x: Array) -> Array:
    r"""dy/dx = ∂u_2/∂x + (∂u_2/∂u_1)(∂u_1/∂x) = 1 + 1·2x = 1 + 2x, for y = x + x²   (RULES C-5, §4.5.2)

    Intermediates ``u_1(x) = x²`` and ``u_2(x, u_1) = x + u_1``: ``x`` reaches ``y`` along two paths, so
    the single-variable rule does not apply. The total derivative adds the direct partial
    ``∂u_2/∂x = 1`` to the path through ``u_1``. (The naive single-variable answer ``2x`` is wrong, and
    so is the "blind" partial ``1``; the paper's numeric check: at ``x = 1``, ``Δx = 1`` gives
    ``Δy = 6 − 2 = 4``, not 1.)

    Shapes: x ``()`` → ``()``. No kinks.

    >>> import numpy as np
    >>> float(grad_x_plus_x2_x(np.asarray(1.0)))
    3.0
    """
    _, x = _scalar(x)
    du1_dx = 2.0 * x
    du2_dx, du2_du1 = 1.0, 1.0  # partials of u_2 = x + u_1
    return total_derivative(du2_dx, [du2_du1], [du1_dx])


def naive_grad_x_plus_x2(x: Array) -> Array:
    r"""**WRONG on purpose** (RULES C-5's pitfall): ``(du_2/du_1)(du_1/dx) = 1·2x = 2x`` for ``y = x + x²``.

    The single-variable chain rule applied where it does not hold: it drops the direct path from ``x``
    to ``u_2 = x + u_1``. Kept, outside ``__all__``, so that tests can show the checker rejects it; the
    right answer is :func:`grad_x_plus_x2_x`, ``1 + 2x``.

    >>> import numpy as np
    >>> float(naive_grad_x_plus_x2(np.asarray(1.0))), float(grad_x_plus_x2_x(np.asarray(1.0)))
    (2.0, 3.0)
    """
    _, x = _scalar(x)
    return single_variable_chain(1.0, 2.0 * x)


def x_sin_x2_plus_x2_cos_x(x: Array) -> Array:
    r"""Primal of RULES C-6's example: ``y = x sin(x²) + x² cos(x)``. Shape: x ``()`` → ``()``."""
    xp, x = _scalar(x)
    return x * xp.sin(x**2) + x**2 * xp.cos(x)


def grad_x_sin_x2_plus_x2_cos_x_x(x: Array) -> Array:
    r"""d/dx [x sin(x²) + x² cos(x)] = sin(x²) + 2x² cos(x²) + 2x cos(x) − x² sin(x)   (RULES C-6, §4.5.2)

    The total-derivative rule with several intermediates (an example of ours): ``u_1 = x²``,
    ``u_2 = sin(u_1)``, ``u_3 = cos(x)`` and ``f(x, u_1, u_2, u_3) = x u_2 + u_1 u_3``. Partials of ``f``:
    ``∂f/∂x = u_2``, ``∂f/∂u_1 = u_3``, ``∂f/∂u_2 = x``, ``∂f/∂u_3 = u_1``. Derivatives of the
    intermediates: ``du_1/dx = 2x``, ``du_2/dx = cos(u_1)·2x`` (single-variable chain),
    ``du_3/dx = −sin(x)``. Summed: ``u_2 + u_3·2x + x·2x cos(u_1) + u_1·(−sin x)``; substituted, the
    formula above.

    Shapes: x ``()`` → ``()``. No kinks.

    >>> import numpy as np
    >>> float(grad_x_sin_x2_plus_x2_cos_x_x(np.asarray(0.0)))
    0.0
    """
    xp, x = _scalar(x)
    u1 = x**2
    u2 = xp.sin(u1)
    u3 = xp.cos(x)
    du1_dx = 2.0 * x
    du2_dx = single_variable_chain(xp.cos(u1), du1_dx)
    du3_dx = -xp.sin(x)
    return total_derivative(u2, [u3, x, u1], [du1_dx, du2_dx, du3_dx])


def sin_x_plus_x2(x: Array) -> Array:
    r"""Primal of RULES C-7: ``f(x) = sin(x + x²)``. Shape: x ``()`` → ``()``."""
    xp, x = _scalar(x)
    return xp.sin(x + x**2)


def grad_sin_x_plus_x2_x(x: Array) -> Array:
    r"""d/dx sin(x + x²) = cos(x + x²)(1 + 2x)   (RULES C-7, §4.5.2)

    Intermediates ``u_1 = x²``, ``u_2 = x + u_1``, ``u_3 = sin(u_2)`` (``y = u_3``). Then
    ``∂u_1/∂x = 2x``, ``∂u_2/∂x = 1 + 1·2x`` (total derivative), and
    ``∂f/∂x = ∂u_3/∂x + (∂u_3/∂u_2)(∂u_2/∂x) = 0 + cos(u_2)(1 + 2x)``.

    Shapes: x ``()`` → ``()``. No kinks.

    >>> import numpy as np
    >>> float(grad_sin_x_plus_x2_x(np.asarray(0.0)))     # cos(0)·1
    1.0
    """
    xp, x = _scalar(x)
    u1 = x**2
    u2 = x + u1
    du1_dx = 2.0 * x
    du2_dx = total_derivative(1.0, [1.0], [du1_dx])
    return total_derivative(0.0, [xp.cos(u2)], [du2_dx])


def x_times_x2(x: Array) -> Array:
    r"""Primal of RULES C-8: ``y = x × x²`` (deliberately not simplified to ``x³``). Shape: ``()`` → ``()``."""
    _, x = _scalar(x)
    return x * x**2


def grad_x_times_x2_x(x: Array) -> Array:
    r"""d/dx (x × x²) = ∂u_2/∂x + (∂u_2/∂u_1)(∂u_1/∂x) = u_1 + x·2x = 3x²   (RULES C-8, §4.5.2)

    Intermediates ``u_1 = x²``, ``u_2 = x u_1``; partials ``∂u_1/∂x = 2x``, ``∂u_2/∂x = u_1``,
    ``∂u_2/∂u_1 = x``. Only the partials change from C-5; the summing formula stays the same.

    Shapes: x ``()`` → ``()``. No kinks.

    >>> import numpy as np
    >>> float(grad_x_times_x2_x(np.asarray(2.0)))
    12.0
    """
    _, x = _scalar(x)
    u1 = x**2
    return total_derivative(u1, [x], [2.0 * x])


def _c_and_x(c: Array, x: Array) -> tuple[Any, Array, Array]:
    xp, (c, x) = inputs(c=c, x=x)
    require_ndim("c", c, 1, "a vector c ∈ Rⁿ of frequencies")
    require_ndim("x", x, 0, "a scalar x")
    return xp, c, x


def x_sum_sin_cx(c: Array, x: Array) -> Array:
    r"""Primal of RULES C-9's example: ``f = x Σ_i sin(c_i x)``. Shapes: c ``(n,)``, x ``()`` → ``()``."""
    xp, c, x = _c_and_x(c, x)
    return x * xp.sum(xp.sin(c * x))


def grad_x_sum_sin_cx_x(c: Array, x: Array) -> Array:
    r"""∂f/∂x = Σ_{i=1}^{n+1} (∂f/∂u_i)(∂u_i/∂x) = (∂f/∂u)·(∂u/∂x), with u_{n+1} = x   (RULES C-9, §4.5.2)

    The final form of the total-derivative rule, where the alias ``u_{n+1} = x`` folds the direct term
    into the sum, which then "looks like" the dot product of the gradient row ``∂f/∂u`` and the column
    ``∂u/∂x``. For ``f = x Σ_i sin(c_i x)``: ``u_i = sin(c_i x)`` (i ≤ n), ``u_{n+1} = x`` and
    ``f(u) = u_{n+1} Σ_{i≤n} u_i``, so

    * ``∂f/∂u = [u_{n+1}, …, u_{n+1}, Σ_{i≤n} u_i]`` (1 × (n+1)),
    * ``∂u/∂x = [c_1 cos(c_1 x), …, c_n cos(c_n x), 1]ᵀ`` ((n+1) × 1),

    and their product (:func:`vector_chain`, ``(1×k)(k×1)`` in C-13's table) is
    ``Σ_i sin(c_i x) + x Σ_i c_i cos(c_i x)``. With one intermediate of one parameter it reduces to the
    single-variable rule.

    Shapes: c ``(n,)``, x ``()``. Returns a scalar ``()``. No kinks.

    >>> import numpy as np
    >>> float(grad_x_sum_sin_cx_x(np.array([1.0, 2.0]), np.asarray(0.0)))
    0.0
    """
    xp, c, x = _c_and_x(c, x)
    u = xp.sin(c * x)
    ones = xp.ones_like(c)
    df_du = xp.concat([x * ones, xp.reshape(xp.sum(u), (1,))])
    du_dx = xp.concat([c * xp.cos(c * x), xp.ones((1,), dtype=c.dtype)])
    return vector_chain(df_du, du_dx)


# --- §4.5.3 Vector chain rule (RULES C-10 … C-13) -------------------------------------------------


def ln_x2_sin_3x(x: Array) -> Array:
    r"""Primal of RULES C-10: ``y = f(x) = [ln(x²), sin(3x)]ᵀ``, for ``x ≠ 0``. Shape: x ``()`` → ``(2,)``."""
    xp, x = _scalar(x)
    require_nonzero("x", x, "ln(x²) (RULES C-10)")
    return xp.stack([xp.log(x**2), xp.sin(3.0 * x)])


def jac_ln_x2_sin_3x_x_by_rows(x: Array) -> Array:
    r"""∂y/∂x = [(1/g_1)·2x + 0; 0 + cos(g_2)·3] = [2/x; 3cos(3x)]   (RULES C-10 scalar route, §4.5.3)

    With ``g = [g_1, g_2]ᵀ = [x², 3x]ᵀ`` and ``y_i = f_i(g_1, g_2)`` (``f_1 = ln(g_1)``,
    ``f_2 = sin(g_2)``), the total-derivative rule applied row by row:
    ``∂y_i/∂x = Σ_j (∂f_i/∂g_j)(∂g_j/∂x)``, with ``∂f_1/∂g_2 = ∂f_2/∂g_1 = 0``.

    Domain ``x ≠ 0``. Shapes: x ``()``. Returns the ``2 × 1`` column, shape ``(2,)``. No kinks.

    >>> import numpy as np
    >>> jac_ln_x2_sin_3x_x_by_rows(np.asarray(np.pi))        # [2/π, 3cos(3π)]
    array([ 0.63661977, -3.        ])
    """
    xp, x = _scalar(x)
    require_nonzero("x", x, "ln(x²) (RULES C-10)")
    g1, g2 = x**2, 3.0 * x
    dg_dx = [2.0 * x, 3.0]
    row1 = total_derivative(0.0, [1.0 / g1, 0.0], dg_dx)
    row2 = total_derivative(0.0, [0.0, xp.cos(g2)], dg_dx)
    return xp.stack([row1, row2])


def jac_ln_x2_sin_3x_x(x: Array) -> Array:
    r"""∂y/∂x = (∂f/∂g)(∂g/∂x) = [[1/g_1, 0], [0, cos(g_2)]]·[2x; 3] = [2/x; 3cos(3x)]   (RULES C-10, §4.5.3)

    The Jacobian route: ``g(x) = [x², 3x]ᵀ`` has ``∂g/∂x = [2x; 3]`` (2 × 1), and since ``f_i`` depends
    only on ``g_i``, ``∂f/∂g = diag(1/g_1, cos(g_2))`` is a structured diagonal (2 × 2). Their product
    is the same column as the scalar route :func:`jac_ln_x2_sin_3x_x_by_rows`.

    Domain ``x ≠ 0``. Shapes: x ``()``. Returns shape ``(2,)`` (a ``2 × 1`` column). No kinks.

    >>> import numpy as np
    >>> jac_ln_x2_sin_3x_x(np.asarray(2.0))
    array([1.        , 2.88051086])
    """
    xp, x = _scalar(x)
    require_nonzero("x", x, "ln(x²) (RULES C-10)")
    g1, g2 = x**2, 3.0 * x
    df_dg = Diagonal(xp.stack([1.0 / g1, xp.cos(g2)]))
    dg_dx = xp.stack([2.0 * x, xp.full_like(x, 3.0)])
    return vector_chain(df_dg, dg_dx)


def b_sin_ax(A: Array, B: Array, x: Array) -> Array:
    r"""Primal of RULES C-11's example: ``f(g(x)) = B sin(g)`` with ``g = A x``.

    Shapes: A ``(k, n)``, B ``(m, k)``, x ``(n,)`` → ``(m,)``.
    """
    xp, A, B, x = _matrices(A, B, x)
    return B @ xp.sin(A @ x)


def jac_b_sin_ax_x(A: Array, B: Array, x: Array) -> Array:
    r"""∂/∂x B sin(Ax) = (∂f/∂g)(∂g/∂x) = (B diag(cos g)) A, g = Ax   (RULES C-11, §4.5.3)

    A non-square, non-diagonal vector chain: ``∂f/∂g = B diag(cos(g))`` is ``m × k`` (itself a vector
    chain through ``s = sin(g)``, computed by scaling B's columns) and ``∂g/∂x = A`` is ``k × n``; the
    product is ``m × n``. Order matters: ``(∂g/∂x)(∂f/∂g)`` is not even defined unless ``n = m``.

    Shapes: A ``(k, n)``, B ``(m, k)``, x ``(n,)``. Returns the Jacobian, shape ``(m, n)`` (numerator
    layout). No kinks.

    >>> import numpy as np
    >>> jac_b_sin_ax_x(np.ones((4, 2)), np.ones((3, 4)), np.zeros(2))    # (3×4)(4×2): cos 0 = 1
    array([[4., 4.],
           [4., 4.],
           [4., 4.]])
    """
    xp, A, B, x = _matrices(A, B, x)
    g = A @ x
    df_dg = vector_chain(B, Diagonal(xp.cos(g)))  # (m×k)(k×k)
    dg_dx = A  # (k×n)
    return vector_chain(df_dg, dg_dx)


def sin_x2_elementwise(x: Array) -> Array:
    r"""Primal of RULES C-12: ``f(g(x)) = sin(g)`` with ``g = x ⊗ x``, element-wise. Shape ``(n,)`` → ``(n,)``."""
    xp, (x,) = inputs(x=x)
    require_ndim("x", x, 1, "a vector x ∈ Rⁿ")
    return xp.sin(x * x)


def jac_sin_x2_elementwise_x(x: Array) -> Diagonal:
    r"""∂/∂x sin(x ⊗ x) = diag(cos g) diag(2x) = diag(2x_i cos(x_i²))   (RULES C-12, §4.5.3)

    The diagonal special case: ``f_i`` depends only on ``g_i`` and ``g_i`` only on ``x_i``, so both
    Jacobians are diagonal, ``∂f/∂g = diag(cos(g_i))`` and ``∂g/∂x = diag(2x_i)``, and so is their
    product, whose diagonal holds the single-variable chain-rule values ``(∂f_i/∂g_i)(∂g_i/∂x_i)``
    (those of C-2 at each ``x_i``). Composed in O(n) by :func:`vector_chain`, never densified.

    Shapes: x ``(n,)``. Returns a :class:`~chainrule.analytic.structured.Diagonal` of shape ``(n, n)`` (numerator
    layout). No kinks.

    >>> import numpy as np
    >>> jac_sin_x2_elementwise_x(np.array([0.0, 1.0])).diagonal()
    array([0.        , 1.08060461])
    """
    xp, (x,) = inputs(x=x)
    require_ndim("x", x, 1, "a vector x ∈ Rⁿ")
    g = x * x
    return vector_chain(Diagonal(xp.cos(g)), Diagonal(2.0 * x))


def _shape_case(A: Array, B: Array, x: Array) -> tuple[Any, Array, Array, Array, int]:
    """Validate C-13's arguments: A is ``u.shape + x.shape``, B is ``f.shape + u.shape``; returns u's ndim."""
    xp, (A, B, x) = inputs(A=A, B=B, x=x)
    if x.ndim > 1:
        raise ValueError(f"x: expected a scalar or a vector (C-13's table), got shape {tuple(x.shape)}")
    u_ndim = A.ndim - x.ndim
    if u_ndim not in (0, 1) or tuple(A.shape[u_ndim:]) != tuple(x.shape):
        raise ValueError(
            f"A: expected shape u.shape + x.shape with u a scalar or a vector, i.e. {tuple(x.shape)} or "
            f"(k,) + {tuple(x.shape)}, got {tuple(A.shape)}; A is the Jacobian ∂(A ⋆ x)/∂x"
        )
    f_ndim = B.ndim - u_ndim
    if f_ndim not in (0, 1) or tuple(B.shape[f_ndim:]) != tuple(A.shape[:u_ndim]):
        u_shape = tuple(A.shape[:u_ndim])
        raise ValueError(
            f"B: expected shape f.shape + u.shape with f a scalar or a vector and u.shape = {u_shape}, "
            f"i.e. {u_shape} or (m,) + {u_shape}, got {tuple(B.shape)}"
        )
    return xp, A, B, x, u_ndim


def b_cos_sin_ax(A: Array, B: Array, x: Array) -> Array:
    r"""Primal of RULES C-13: ``f(u) = B ⋆ cos(u)`` with ``u(x) = sin(A ⋆ x)``, scalars or vectors.

    ``M ⋆ v`` applies ``M`` (shaped ``out.shape + v.shape``) to ``v``: a product of scalars, a scaled
    vector, a dot product or a matrix-vector product. So ``A`` has shape ``u.shape + x.shape`` and ``B``
    has shape ``f.shape + u.shape``, and each of f, u, x may be a scalar or a vector: the six cells of
    the paper's shape table. Returns ``f``, shape ``B.shape[:f.ndim]``.
    """
    xp, A, B, x, u_ndim = _shape_case(A, B, x)
    u = xp.sin(_contract(xp, A, x, x.ndim))
    return _contract(xp, B, xp.cos(u), u_ndim)


def jac_b_cos_sin_ax_x(A: Array, B: Array, x: Array) -> Array:
    r"""∂f/∂x = (∂f/∂u)(∂u/∂x) = (B diag(−sin u))(diag(cos(A ⋆ x)) A)   (RULES C-13, §4.5.3)

    The vector chain rule in every cell of the shape table (``m = |f|``, ``k = |u|``, ``n = |x|``):

    ==========  ==============  ==================  ==================
    ∂f/∂x       x, u scalar     x scalar, u vector  x, u vector
    ==========  ==============  ==================  ==================
    f scalar    (1×1)(1×1)      (1×k)(k×1)          (1×k)(k×n)
    f vector    (m×1)(1×1)      (m×k)(k×1)          (m×k)(k×n)
    ==========  ==============  ==================  ==================

    ``∂f/∂u = B diag(−sin u)`` and ``∂u/∂x = diag(cos(A ⋆ x)) A``, where ``diag`` of a scalar is the
    scalar itself; both are composed with :func:`vector_chain`. (A vector f of a scalar u of a vector x,
    ``(m×1)(1×n)``, works too: an outer product.)

    Shapes: A ``u.shape + x.shape``, B ``f.shape + u.shape``, x ``()`` or ``(n,)``. Returns the Jacobian,
    shape ``f.shape + x.shape`` (numerator layout). No kinks.

    >>> import numpy as np
    >>> A, B, x = np.ones((4, 2)), np.ones((3, 4)), np.zeros(2)     # (m×k)(k×n) = (3×4)(4×2)
    >>> jac_b_cos_sin_ax_x(A, B, x).shape
    (3, 2)
    >>> J = jac_b_cos_sin_ax_x(np.asarray(1.0), np.asarray(1.0), np.asarray(0.5))   # (1×1)(1×1)
    >>> bool(np.isclose(J, -np.sin(np.sin(0.5)) * np.cos(0.5)))
    True
    """
    xp, A, B, x, u_ndim = _shape_case(A, B, x)
    z = _contract(xp, A, x, x.ndim)
    u = xp.sin(z)
    df_du = vector_chain(B, _elementwise_jacobian(-xp.sin(u)), g_ndim=u_ndim)
    du_dx = vector_chain(_elementwise_jacobian(xp.cos(z)), A, g_ndim=u_ndim)
    return vector_chain(df_du, du_dx, g_ndim=u_ndim)
