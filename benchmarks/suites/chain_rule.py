"""Suite ``chain_rule``: the vector chain rule composing four diagonal Jacobians (RULES C-12).

``∂f/∂x`` for ``f(x) = max(0, w₂ ⊗ max(0, w₁ ⊗ x))`` as the product of four diagonal Jacobians
(structured: O(n) per product), the same product with dense matrices (O(n³)), and autodiff of ``f``.

>>> import numpy as np
>>> w1, w2, x = np.array([1.0, -2.0]), np.array([3.0, 1.0]), np.array([0.5, 1.0])
>>> J = structured(w1, w2, x)
>>> type(J).__name__, np.array_equal(J.todense(), dense(w1, w2, x))
('Diagonal', True)
>>> np.abs(J.diagonal()).tolist()  # w₁ x = (0.5, −2): the second ReLU is off
[3.0, 0.0]
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import jax
import jax.numpy as jnp
import numpy as np

from chainrule.analytic.structured import Diagonal

from ..harness import Case, Contender, Suite
from ._common import SIZES, dense_skips, diagonal_of, rule

__all__ = ["DENSE_CHAIN_WORK", "SUITE", "cases", "dense", "structured"]

relu = rule("jac_relu_x").primal
jac_relu_x = rule("jac_relu_x").derivative

#: The dense vector chain rule multiplies three n × n matrices (3n³ multiply-adds); below this only.
DENSE_CHAIN_WORK = 10**10


def _primal(w1: Any, w2: Any, x: Any) -> Any:
    """``f(x) = max(0, w₂ ⊗ max(0, w₁ ⊗ x))``: four element-wise steps."""
    return relu(w2 * relu(w1 * x))


def _factors(w1: Any, w2: Any, x: Any) -> list[Diagonal]:
    """The four diagonal Jacobians of the steps, last first: ∂f/∂x = J₄ J₃ J₂ J₁ (RULES C-12)."""
    u1 = w1 * x
    u3 = w2 * relu(u1)
    # ∂(w ⊗ u)/∂u = diag(w) (RULES E-7) and ∂max(0, u)/∂u = diag(1[u > 0]) (RULES N-4)
    return [jac_relu_x(u3), Diagonal(w2), jac_relu_x(u1), Diagonal(w1)]


def structured(w1: Any, w2: Any, x: Any) -> Diagonal:
    """∂f/∂x as a product of Diagonals: it stays a Diagonal, O(n) per product."""
    J4, J3, J2, J1 = _factors(w1, w2, x)
    return J4 @ J3 @ J2 @ J1


def dense(w1: Any, w2: Any, x: Any) -> Any:
    """∂f/∂x by the chain rule as written, with dense n × n matrices: O(n³)."""
    J4, J3, J2, J1 = (J.todense() for J in _factors(w1, w2, x))
    return J4 @ J3 @ J2 @ J1


def _case(n: int, dtype: str = "float64") -> Case:
    skipped = dense_skips(n, dtype, ("jit(jacfwd)", "jit(jacrev)"))
    if 3 * n**3 > DENSE_CHAIN_WORK:
        skipped["dense chain (jit)"] = f"3n³ = {3 * n**3:.0e} multiply-adds > {DENSE_CHAIN_WORK:.0e}"

    def build() -> list[Contender]:
        rng = np.random.default_rng([2, n])
        w1, w2, x = (rng.standard_normal(n).astype(dtype) for _ in range(3))
        args = tuple(jnp.asarray(a) for a in (w1, w2, x))

        def f(x: Any, w1: Any = args[0], w2: Any = args[1]) -> Any:
            return _primal(w1, w2, x)

        out = [
            Contender("closed form (NumPy)", structured, (w1, w2, x), jit=False, view=lambda J: J.diagonal()),
            Contender("closed form (jit)", lambda w1, w2, x: structured(w1, w2, x).diagonal(), args),
            Contender("jvp with 1⃗ (jit)", lambda x: jax.jvp(f, (x,), (jnp.ones_like(x),))[1], args[2:]),
            Contender("vjp with 1⃗ (jit)", lambda x: jax.vjp(f, x)[1](jnp.ones_like(x))[0], args[2:]),
        ]
        if "dense chain (jit)" not in skipped:
            out.append(Contender("dense chain (jit)", dense, args, view=diagonal_of))
        for name, jac in (("jit(jacfwd)", jax.jacfwd), ("jit(jacrev)", jax.jacrev)):
            if name not in skipped:
                out.append(Contender(name, jac(f), args[2:], view=diagonal_of))
        return out

    return Case(f"n={n:,}", f"∂f/∂x, f = max(0, w₂ ⊗ max(0, w₁ ⊗ x)), {dtype}", n, build, dtype,
                {"n": n, "steps": 4}, skipped)


def cases(quick: bool) -> Iterator[Case]:
    """n from 10 to 10⁶; the dense chain stops at :data:`DENSE_CHAIN_WORK`, jacfwd/jacrev at memory."""
    yield from (_case(n) for n in ((10, 300) if quick else SIZES))


SUITE = Suite(
    "chain_rule", "Vector chain rule (RULES C-12): composed diagonal Jacobians vs autodiff",
    "∂f/∂x for f(x) = max(0, w₂ ⊗ max(0, w₁ ⊗ x)) as the product of four diagonal Jacobians "
    "(structured: O(n) per product), the same product with dense matrices, and autodiff of f.",
    "n", "jvp with 1⃗ (jit)", cases,
)
