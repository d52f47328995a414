"""Suite ``elementwise``: the diagonal Jacobian of an element-wise operator (RULES N-4, E-2).

``∂max(0, x)/∂x = diag(1[x > 0])`` as an O(n) ``Diagonal``, against ``jvp``/``vjp`` with a vector of
ones (the fair opponent: one pass) and the dense ``jacfwd``/``jacrev`` while they fit.

>>> [c.label for c in cases(quick=True)]
['n=10', 'n=300']
"""

from __future__ import annotations

from collections.abc import Iterator

import jax
import jax.numpy as jnp
import numpy as np

from ..harness import Case, Contender, Suite
from ._common import DENSE_BYTES, SIZES, dense_skips, diagonal_of, mib, rule

__all__ = ["SUITE", "cases"]

#: The primal (ReLU, written ``where(z > 0, z, 0)``) and its closed-form Jacobian, a Diagonal.
relu = rule("jac_relu_x").primal
jac_relu_x = rule("jac_relu_x").derivative


def _case(n: int, dtype: str = "float64") -> Case:
    skipped = dense_skips(n, dtype, ("jit(jacfwd)", "jit(jacrev)"))

    def build() -> list[Contender]:
        x = np.random.default_rng([1, n]).standard_normal(n).astype(dtype)
        xj = jnp.asarray(x)
        out = [
            Contender("closed form (NumPy)", jac_relu_x, (x,), jit=False, view=lambda J: J.diagonal()),
            Contender("closed form (jit)", lambda x: jac_relu_x(x).diagonal(), (xj,)),
            Contender("jvp with 1⃗ (jit)", lambda x: jax.jvp(relu, (x,), (jnp.ones_like(x),))[1], (xj,)),
            Contender("vjp with 1⃗ (jit)", lambda x: jax.vjp(relu, x)[1](jnp.ones_like(x))[0], (xj,)),
        ]
        for name, jac in (("jit(jacfwd)", jax.jacfwd), ("jit(jacrev)", jax.jacrev)):
            if name not in skipped:
                out.append(Contender(name, jac(relu), (xj,), view=diagonal_of))
        return out

    return Case(f"n={n:,}", f"∂max(0, x)/∂x = diag(1[x > 0]), {dtype}", n, build, dtype, {"n": n}, skipped)


def cases(quick: bool) -> Iterator[Case]:
    """n from 10 to 10⁶; the dense references stop where n × n passes :data:`~._common.DENSE_BYTES`."""
    yield from (_case(n) for n in ((10, 300) if quick else SIZES))


SUITE = Suite(
    "elementwise", "Element-wise Jacobian (RULES N-4): structured O(n) vs dense",
    "∂max(0, x)/∂x = diag(1[x > 0]). The closed form is an O(n) Diagonal; jvp/vjp with a vector of "
    "ones recover the same diagonal in one pass (the fair opponent); jacfwd/jacrev build the "
    f"dense n × n Jacobian (compared on its diagonal) while it fits in {mib(DENSE_BYTES)}.",
    "n", "jvp with 1⃗ (jit)", cases,
)
