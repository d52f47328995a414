"""Suite ``hvp``: H-4 / H-5, closed-form Hessian-vector products vs ``jax.jvp(jax.grad)``.

For logistic regression (X of :data:`HVP_SAMPLES` × n) and softmax cross-entropy over k classes;
also reverse-over-reverse and the dense Hessian times t while it fits.

>>> [c.label for c in cases(quick=True)]
['n=10 N=100', 'n=300 N=100', 'k=10', 'k=300']
"""

from __future__ import annotations

import math
from collections.abc import Iterator
from typing import Any

import jax
import jax.numpy as jnp
import numpy as np

from ..harness import Case, Contender, Suite
from ._common import SIZES, dense_skips, rule

__all__ = ["HVP_SAMPLES", "SUITE", "cases"]

logistic_loss = rule("hvp_logistic_loss_w").primal
hvp_logistic_loss_w = rule("hvp_logistic_loss_w").derivative
hess_logistic_loss_w = rule("hess_logistic_loss_w").derivative
softmax_cross_entropy = rule("hvp_softmax_cross_entropy_z").primal
hvp_softmax_cross_entropy_z = rule("hvp_softmax_cross_entropy_z").derivative

#: Samples of the logistic-regression HVP cases (X is HVP_SAMPLES × n).
HVP_SAMPLES = 100


def _logistic_case(n: int, dtype: str = "float64") -> Case:
    skipped = dense_skips(n, dtype, ("closed-form Hessian @ t (jit)", "jax.hessian @ t (jit)"))

    def build() -> list[Contender]:
        rng = np.random.default_rng([7, n])
        X = (rng.standard_normal((HVP_SAMPLES, n)) / math.sqrt(n)).astype(dtype)
        w, t = (rng.standard_normal(n).astype(dtype) for _ in range(2))
        b, y = np.asarray(0.1, dtype=dtype), rng.random(HVP_SAMPLES).astype(dtype)
        args = tuple(jnp.asarray(a) for a in (w, b, X, y, t))

        def loss(w: Any, b: Any, X: Any, y: Any) -> Any:
            return logistic_loss(w, b, X, y)

        out = [
            Contender("closed form (NumPy)", hvp_logistic_loss_w, (w, b, X, y, t), jit=False),
            Contender("closed form (jit)", hvp_logistic_loss_w, args),
            Contender("jvp(grad) (jit)",
                      lambda w, b, X, y, t: jax.jvp(lambda v: jax.grad(loss)(v, b, X, y), (w,), (t,))[1], args),
            Contender("vjp(grad) (jit)",
                      lambda w, b, X, y, t: jax.vjp(lambda v: jax.grad(loss)(v, b, X, y), w)[1](t)[0], args),
        ]
        if "jax.hessian @ t (jit)" not in skipped:
            out += [
                Contender("closed-form Hessian @ t (jit)",
                          lambda w, b, X, y, t: hess_logistic_loss_w(w, b, X, y) @ t, args),
                Contender("jax.hessian @ t (jit)", lambda w, b, X, y, t: jax.hessian(loss)(w, b, X, y) @ t, args),
            ]
        return out

    return Case(f"n={n:,} N={HVP_SAMPLES}", f"logistic regression ∇²L·t (H-4), N = {HVP_SAMPLES}, {dtype}", n,
                build, dtype, {"n": n, "N": HVP_SAMPLES}, skipped)


def _softmax_ce_case(k: int, dtype: str = "float64") -> Case:
    skipped = dense_skips(k, dtype, ("jax.hessian @ t (jit)",))

    def build() -> list[Contender]:
        rng = np.random.default_rng([8, k])
        z, t = (rng.standard_normal(k).astype(dtype) for _ in range(2))
        y = rng.dirichlet(np.ones(k)).astype(dtype)
        args = tuple(jnp.asarray(a) for a in (z, y, t))

        def ce(z: Any, y: Any) -> Any:
            return softmax_cross_entropy(z, y)

        out = [
            Contender("closed form (NumPy)", hvp_softmax_cross_entropy_z, (z, y, t), jit=False),
            Contender("closed form (jit)", hvp_softmax_cross_entropy_z, args),
            Contender("jvp(grad) (jit)", lambda z, y, t: jax.jvp(lambda v: jax.grad(ce)(v, y), (z,), (t,))[1], args),
            Contender("vjp(grad) (jit)", lambda z, y, t: jax.vjp(lambda v: jax.grad(ce)(v, y), z)[1](t)[0], args),
        ]
        if "jax.hessian @ t (jit)" not in skipped:
            out.append(Contender("jax.hessian @ t (jit)", lambda z, y, t: jax.hessian(ce)(z, y) @ t, args))
        return out

    return Case(f"k={k:,}", f"softmax cross-entropy ∇²L·t (H-5), {dtype}", k, build, dtype, {"k": k}, skipped)


def cases(quick: bool) -> Iterator[Case]:
    """n (parameters) from 10 to 10⁵ for logistic regression, 10 to 10⁶ classes for softmax CE."""
    if quick:
        yield from (_logistic_case(n) for n in (10, 300))
        yield from (_softmax_ce_case(k) for k in (10, 300))
        return
    yield from (_logistic_case(n) for n in SIZES if n <= 100_000)
    yield from (_softmax_ce_case(k) for k in SIZES)


SUITE = Suite(
    "hvp", "Hessian-vector products (H-4, H-5): closed form vs jvp(grad)",
    "∇²L·t for logistic regression (X of N × n, N = 100: (1/N) Xᵀ(p(1 − p) ⊙ Xt)) and softmax "
    "cross-entropy over k classes (s ⊙ t − s(s·t)), against forward-over-reverse jax.jvp(jax.grad), "
    "reverse-over-reverse, and the dense Hessian times t while it fits.",
    "n (parameters) or k (classes)", "jvp(grad) (jit)", cases,
)
