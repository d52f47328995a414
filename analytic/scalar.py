r"""§2 Review: scalar derivative rules: the paper's table (S-1 … S-7) and the linearity of d/dx (S-8).

Notation (the paper's): ``x`` is a scalar, ``c`` and ``n`` are constants, ``f`` and ``g`` are functions
of ``x``. Each rule is one primal next to its derivative ``d/dx``; each derivative is named
``grad_<primal>_x``. Where the paper's example is an instance of a family, the family is written with
the constant as a keyword (``power(x, n=3)``, ``times_constant(x, c=3.0)``), defaulting to the paper's
example; the constant is a Python number, a parameter of the rule and not a variable.

| ID  | rule                       | f(x)        | d/dx                      | the paper's example                  |
|-----|----------------------------|-------------|---------------------------|--------------------------------------|
| S-1 | constant                   | ``c``       | ``0``                     | ``d/dx 99 = 0``                      |
| S-2 | multiplication by constant | ``c f``     | ``c df/dx``               | ``d/dx 3x = 3``                      |
| S-3 | power rule                 | ``xⁿ``      | ``n xⁿ⁻¹``                | ``d/dx x³ = 3x²``                    |
| S-4 | sum rule                   | ``f + g``   | ``df/dx + dg/dx``         | ``d/dx (x² + 3x) = 2x + 3``          |
| S-5 | difference rule            | ``f − g``   | ``df/dx − dg/dx``         | ``d/dx (x² − 3x) = 2x − 3``          |
| S-6 | product rule               | ``f g``     | ``f dg/dx + df/dx g``     | ``d/dx x²x = x² + x·2x = 3x²``       |
| S-7 | chain rule                 | ``f(g(x))`` | ``df(u)/du · du/dx``      | ``d/dx ln(x²) = (1/x²)·2x = 2/x``    |
| S-8 | linearity of d/dx          |             |                           | ``d/dx 9(x + x²) = 9 + 18x``         |

Shapes: every argument and result is a scalar (a 0-d array; a Python number is accepted and becomes a
0-d array of float64); results are 0-d arrays too, never NumPy scalars. For element-wise use on
vectors see :mod:`chainrule.analytic.elementwise`.
Layout: a derivative of a scalar function of a scalar is a scalar (the paper's ``1 × 1``).
Domains: ``ln(x²)`` needs ``x ≠ 0``; ``xⁿ`` with a negative integer ``n`` needs ``x ≠ 0`` and with a
non-integer ``n`` needs ``x > 0``. A concrete input outside the domain raises ``ValueError``.
No kinks.

Every function takes NumPy or JAX arrays (array API) and returns the same kind and dtype; all are
traceable under ``jax.jit``.

References:
  T. Parr and J. Howard, "The Matrix Calculus You Need For Deep Learning", arXiv:1802.01528, §2.
"""

from __future__ import annotations

import math
import numbers
from typing import Any

from ._array import inputs, require_ndim, require_nonzero, require_positive

__all__ = [
    "constant",
    "constant_times_square",
    "grad_constant_times_square_x",
    "grad_constant_x",
    "grad_log_of_square_x",
    "grad_power_x",
    "grad_scaled_sum_x",
    "grad_square_minus_multiple_x",
    "grad_square_plus_multiple_x",
    "grad_square_times_self_x",
    "grad_times_constant_x",
    "log_of_square",
    "power",
    "scaled_sum",
    "square_minus_multiple",
    "square_plus_multiple",
    "square_times_self",
    "times_constant",
]

Array = Any


# --- helpers -------------------------------------------------------------------------------------


def _scalar(x: Array) -> tuple[Any, Array]:
    xp, (x,) = inputs(x=x)
    require_ndim("x", x, 0, "a scalar x (§2's rules are scalar functions of a scalar)")
    return xp, x


def _constant(name: str, value: Any) -> float | int:
    """Validate a rule's constant (``c`` or ``n``): a finite real Python number."""
    if isinstance(value, bool) or not isinstance(value, numbers.Real):
        raise TypeError(
            f"{name}: expected a real Python number (the rule's constant), got "
            f"{type(value).__name__} {value!r}; pass e.g. {name}=3.0"
        )
    if not math.isfinite(value):
        raise ValueError(f"{name}: expected a finite number, got {value!r}")
    return int(value) if isinstance(value, numbers.Integral) else float(value)


def _exponent(n: Any) -> float | int:
    """The power rule's ``n``, as an ``int`` when it is integer-valued (so negative x stay valid)."""
    n = _constant("n", n)
    return int(n) if float(n).is_integer() else n


def _power_domain(x: Array, n: float | int) -> None:
    if isinstance(n, float):
        require_positive("x", x, f"xⁿ with the non-integer exponent n = {n}")
    elif n < 0:
        require_nonzero("x", x, f"xⁿ with the negative exponent n = {n}")


# --- S-1 Constant ---------------------------------------------------------------------------------


def constant(x: Array, c: float = 99.0) -> Array:
    r"""Primal of RULES S-1: ``f(x) = c`` (the paper's example: ``c = 99``). Shapes: x ``()`` → ``()``."""
    xp, x = _scalar(x)
    return xp.full_like(x, _constant("c", c))


def grad_constant_x(x: Array, c: float = 99.0) -> Array:
    r"""d/dx c = 0   (RULES S-1, §2)

    The paper's example: ``d/dx 99 = 0``. Shapes: x ``()``; returns ``()``. No kinks.

    >>> import numpy as np
    >>> float(grad_constant_x(np.asarray(2.0)))
    0.0
    """
    xp, x = _scalar(x)
    _constant("c", c)
    return xp.zeros_like(x)


# --- S-2 Multiplication by constant ---------------------------------------------------------------


def times_constant(x: Array, c: float = 3.0) -> Array:
    r"""Primal of RULES S-2: ``c f`` with ``f(x) = x`` (the paper's example ``3x``). Shapes: ``()`` → ``()``."""
    xp, x = _scalar(x)
    return xp.asarray(_constant("c", c) * x)


def grad_times_constant_x(x: Array, c: float = 3.0) -> Array:
    r"""d/dx (c x) = c · dx/dx = c   (RULES S-2, §2)

    The paper's example: ``d/dx 3x = 3``. Shapes: x ``()``; returns ``()``. No kinks.

    >>> import numpy as np
    >>> float(grad_times_constant_x(np.asarray(-7.0)))
    3.0
    """
    xp, x = _scalar(x)
    return xp.full_like(x, _constant("c", c))


def constant_times_square(x: Array, c: float = 3.0) -> Array:
    r"""Primal of RULES S-2 (general form): ``c f`` with ``f(x) = x²``. Shapes: ``()`` → ``()``."""
    xp, x = _scalar(x)
    return xp.asarray(_constant("c", c) * (x * x))


def grad_constant_times_square_x(x: Array, c: float = 3.0) -> Array:
    r"""d/dx (c x²) = c · d/dx x² = c · 2x   (RULES S-2, §2)

    The constant pulls out of the derivative (``c df/dx``), here with ``f = x²``, ``df/dx = 2x``.
    Shapes: x ``()``; returns ``()``. No kinks.

    >>> import numpy as np
    >>> float(grad_constant_times_square_x(np.asarray(2.0), c=-0.5))
    -2.0
    """
    xp, x = _scalar(x)
    return xp.asarray(_constant("c", c) * (2.0 * x))


# --- S-3 Power rule -------------------------------------------------------------------------------


def power(x: Array, n: float = 3) -> Array:
    r"""Primal of RULES S-3: ``f(x) = xⁿ`` (the paper's example ``x³``). Shapes: ``()`` → ``()``.

    Domain: any real x for an integer ``n ≥ 0``; ``x ≠ 0`` for a negative integer ``n``; ``x > 0`` for a
    non-integer ``n``.
    """
    xp, x = _scalar(x)
    n = _exponent(n)
    _power_domain(x, n)
    return xp.asarray(x**n)


def grad_power_x(x: Array, n: float = 3) -> Array:
    r"""d/dx xⁿ = n xⁿ⁻¹   (RULES S-3, §2)

    The paper's example: ``d/dx x³ = 3x²``. The rule holds for every real ``n`` where ``xⁿ`` is
    differentiable: e.g. ``d/dx x⁻² = −2x⁻³`` (x ≠ 0) and ``d/dx x^½ = ½ x^−½`` (x > 0). For ``n = 0``
    it is ``0`` (``x⁰ = 1`` is a constant, S-1), also at x = 0.

    Shapes: x ``()``, n a Python number; returns ``()``. Domain as :func:`power`. No kinks.

    >>> import numpy as np
    >>> float(grad_power_x(np.asarray(2.0))), float(grad_power_x(np.asarray(4.0), n=0.5))
    (12.0, 0.25)
    """
    xp, x = _scalar(x)
    n = _exponent(n)
    _power_domain(x, n)
    if n == 0:
        return xp.zeros_like(x)
    return xp.asarray(n * x ** (n - 1))


# --- S-4 / S-5 Sum and difference rules -----------------------------------------------------------


def square_plus_multiple(x: Array, c: float = 3.0) -> Array:
    r"""Primal of RULES S-4: ``f + g`` with ``f = x²``, ``g = c x`` (the paper's ``x² + 3x``). ``()`` → ``()``."""
    xp, x = _scalar(x)
    return xp.asarray(x * x + _constant("c", c) * x)


def grad_square_plus_multiple_x(x: Array, c: float = 3.0) -> Array:
    r"""d/dx (x² + c x) = d/dx x² + d/dx c x = 2x + c   (RULES S-4, §2)

    The paper's example: ``d/dx (x² + 3x) = 2x + 3``. Shapes: x ``()``; returns ``()``. No kinks.

    >>> import numpy as np
    >>> float(grad_square_plus_multiple_x(np.asarray(2.0)))
    7.0
    """
    xp, x = _scalar(x)
    return xp.asarray(2.0 * x + _constant("c", c))


def square_minus_multiple(x: Array, c: float = 3.0) -> Array:
    r"""Primal of RULES S-5: ``f − g`` with ``f = x²``, ``g = c x`` (the paper's ``x² − 3x``). ``()`` → ``()``."""
    xp, x = _scalar(x)
    return xp.asarray(x * x - _constant("c", c) * x)


def grad_square_minus_multiple_x(x: Array, c: float = 3.0) -> Array:
    r"""d/dx (x² − c x) = d/dx x² − d/dx c x = 2x − c   (RULES S-5, §2)

    The paper's example: ``d/dx (x² − 3x) = 2x − 3``. Shapes: x ``()``; returns ``()``. No kinks.

    >>> import numpy as np
    >>> float(grad_square_minus_multiple_x(np.asarray(2.0)))
    1.0
    """
    xp, x = _scalar(x)
    return xp.asarray(2.0 * x - _constant("c", c))


# --- S-6 Product rule -----------------------------------------------------------------------------


def square_times_self(x: Array) -> Array:
    r"""Primal of RULES S-6: ``f g`` with ``f = x²``, ``g = x``: the paper's ``x²x``, not simplified to x³.

    ``()`` → ``()``.
    """
    xp, x = _scalar(x)
    return xp.asarray((x * x) * x)


def grad_square_times_self_x(x: Array) -> Array:
    r"""d/dx (x² · x) = f dg/dx + df/dx g = x² · 1 + 2x · x = 3x²   (RULES S-6, §2)

    Computed as the two terms of the product rule with ``f = x²`` and ``g = x``.
    Shapes: x ``()``; returns ``()``. No kinks.

    >>> import numpy as np
    >>> float(grad_square_times_self_x(np.asarray(2.0)))
    12.0
    """
    xp, x = _scalar(x)
    f, df = x * x, 2.0 * x
    g, dg = x, xp.ones_like(x)
    return xp.asarray(f * dg + df * g)


# --- S-7 Chain rule -------------------------------------------------------------------------------


def log_of_square(x: Array) -> Array:
    r"""Primal of RULES S-7: ``f(g(x)) = ln(x²)`` with ``u = g(x) = x²``, ``f(u) = ln u``. Needs ``x ≠ 0``.

    ``()`` → ``()``.
    """
    xp, x = _scalar(x)
    require_nonzero("x", x, "ln(x²)")
    return xp.asarray(xp.log(x * x))


def grad_log_of_square_x(x: Array) -> Array:
    r"""d/dx ln(x²) = df(u)/du · du/dx = (1/x²) · 2x = 2/x   (RULES S-7, §2)

    The chain rule with the intermediate ``u = x²``: ``d ln(u)/du = 1/u`` and ``du/dx = 2x``; the
    product simplifies to ``2/x`` (returned in that form: one division, no cancellation).

    Shapes: x ``()``; returns ``()``. Domain: ``x ≠ 0`` (``ValueError`` on a concrete 0). No kinks.

    >>> import numpy as np
    >>> float(grad_log_of_square_x(np.asarray(4.0))), float(grad_log_of_square_x(np.asarray(-2.0)))
    (0.5, -1.0)
    """
    xp, x = _scalar(x)
    require_nonzero("x", x, "ln(x²)")
    return xp.asarray(2.0 / x)


# --- S-8 The derivative operator is linear --------------------------------------------------------


def scaled_sum(x: Array, c: float = 9.0) -> Array:
    r"""Primal of RULES S-8: ``c (x + x²)`` (the paper's example ``9(x + x²)``). Shapes: ``()`` → ``()``."""
    xp, x = _scalar(x)
    return xp.asarray(_constant("c", c) * (x + x * x))


def grad_scaled_sum_x(x: Array, c: float = 9.0) -> Array:
    r"""d/dx c(x + x²) = c (d/dx x + d/dx x²) = c (1 + 2x)   (RULES S-8, §2)

    d/dx is linear: the constant pulls out (S-2) and the operator distributes over the sum (S-4). The
    paper's example: ``d/dx 9(x + x²) = 9(1 + 2x) = 9 + 18x``. Shapes: x ``()``; returns ``()``. No kinks.

    >>> import numpy as np
    >>> float(grad_scaled_sum_x(np.asarray(1.0)))
    27.0
    """
    xp, x = _scalar(x)
    return xp.asarray(_constant("c", c) * (1.0 + 2.0 * x))
