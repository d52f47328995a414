"""Suite ``softmax_jacobian``: LF-1, the softmax Jacobian ``diag(s) − s sᵀ`` kept structured vs dense.

The closed form is a ``DiagonalPlusRankOne`` built and applied to a vector in O(k); ``jvp``/``vjp`` do
the same product in one pass; the densified closed form and ``jacfwd``/``jacrev`` build the ``k × k``
Jacobian first, while it fits.

>>> [c.label for c in cases(quick=True)]
['k=10', 'k=300']
"""

from __future__ import annotations

from collections.abc import Iterator

import jax
import jax.numpy as jnp
import numpy as np

from ..harness import Case, Contender, Suite
from ._common import DENSE_BYTES, SIZES, dense_skips, mib, rule

__all__ = ["SUITE", "cases"]

softmax = rule("jac_softmax_z").primal
jac_softmax_z = rule("jac_softmax_z").derivative


def _case(k: int, dtype: str = "float64") -> Case:
    dense = ("closed form, densified (jit)", "jit(jacfwd) @ t", "jit(jacrev) @ t")
    skipped = dense_skips(k, dtype, dense)

    def build() -> list[Contender]:
        rng = np.random.default_rng([6, k])
        z, t = (rng.standard_normal(k).astype(dtype) for _ in range(2))
        zj, tj = jnp.asarray(z), jnp.asarray(t)
        out = [
            Contender("closed form (NumPy)", lambda z, t: jac_softmax_z(z) @ t, (z, t), jit=False),
            Contender("closed form (jit)", lambda z, t: jac_softmax_z(z) @ t, (zj, tj)),
            Contender("jvp (jit)", lambda z, t: jax.jvp(softmax, (z,), (t,))[1], (zj, tj)),
            Contender("vjp (jit)", lambda z, t: jax.vjp(softmax, z)[1](t)[0], (zj, tj)),
        ]
        builders = {
            "closed form, densified (jit)": lambda z, t: jac_softmax_z(z).todense() @ t,
            "jit(jacfwd) @ t": lambda z, t: jax.jacfwd(softmax)(z) @ t,
            "jit(jacrev) @ t": lambda z, t: jax.jacrev(softmax)(z) @ t,
        }
        out += [Contender(name, fn, (zj, tj)) for name, fn in builders.items() if name not in skipped]
        return out

    return Case(f"k={k:,}", f"∂softmax(z)/∂z applied to t, {dtype}", k, build, dtype, {"k": k}, skipped)


def cases(quick: bool) -> Iterator[Case]:
    """k from 10 to 10⁶ classes; the dense Jacobians stop where k × k passes the dense budget."""
    yield from (_case(k) for k in ((10, 300) if quick else SIZES))


SUITE = Suite(
    "softmax_jacobian", "Softmax Jacobian (LF-1): structured diag(s) − s sᵀ vs dense",
    "∂softmax(z)/∂z used once, on a vector t. The closed form is a DiagonalPlusRankOne built and applied "
    "in O(k); jvp/vjp do the same product in one pass (the fair opponent); the densified closed form "
    f"and jacfwd/jacrev build the k × k Jacobian first, while it fits in {mib(DENSE_BYTES)}.",
    "k (classes)", "jvp (jit)", cases,
)
