"""Suite ``loss_gradient``: the neuron's loss gradient (RULES L-3, L-5) over X of N × d (§6).

``chainrule.analytic.neuron.loss_gradient`` on NumPy and under ``jit`` against ``jit(grad)``,
``jit(jacrev)`` and ``jit(jacfwd)``; yardsticks: one pass over X (``X @ w``) and a one-pass
``lax.scan`` (:func:`single_pass_loss_gradient`).

>>> import numpy as np
>>> w, b, X, y = loss_data(8, 3, "float64")
>>> gw, gb = single_pass_loss_gradient(w, b, X, y)
>>> rw, rb = loss_gradient(w, b, X, y)
>>> bool(np.allclose(gw, rw)), bool(np.allclose(gb, rb))
(True, True)
"""

from __future__ import annotations

import math
from collections.abc import Iterator
from typing import Any

import jax
import jax.numpy as jnp
import numpy as np

from chainrule.analytic import neuron

from ..harness import Case, Contender, Suite
from ..targets import Target, targets_markdown
from ._common import itemsize, rule

__all__ = ["JACFWD_WORK", "LOSS_ELEMENTS", "SUITE", "TARGETS", "cases", "loss_data", "other_order",
           "single_pass_loss_gradient"]

#: The primal C(w, b, X, y) and the public closed form chainrule.analytic.neuron.loss_gradient.
loss = rule("loss_gradient_w").primal
loss_gradient = rule("loss_gradient_w").uses[0]

#: jacfwd of the loss costs about N·d² multiply-adds (d tangents); it runs only below this.
JACFWD_WORK = 2 * 10**9
#: The loss-gradient grid keeps N·d at most this (X of 160 MB in float64): the full run's time.
LOSS_ELEMENTS = 2 * 10**7


#: The contenders the targets' reasons are measured with.
JIT = "closed form (jit)"
NUMPY = "closed form (NumPy)"
OTHER = "closed form, other order (jit)"
SCAN = "scan, one pass (jit, JAX only)"
FLOOR = "X @ w: one pass over X (jit)"
NUMPY_FLOOR = "X @ w: one pass over X (NumPy)"


def _at(N: int, d: int) -> Any:
    return lambda p: p["N"] == N and p["d"] == d


#: Issue 12's targets for this suite, judged on every run (``summary.md``'s "Targets" section).
TARGETS = (
    Target(JIT, 1.0, floor=FLOOR, alternative=OTHER, text="every cell, both dtypes"),
    Target(NUMPY, 1.0, floor=NUMPY_FLOOR, text="every cell, both dtypes (eager NumPy)"),
    Target(JIT, 0.6, where=lambda p: p["N"] * p["d"] >= 10**7, floor=FLOOR, alternative=OTHER,
           compare=(SCAN,), text="where N·d ≥ 10⁷"),
    Target(JIT, 1.3, of=FLOOR, where=_at(200_000, 100), floor=FLOOR, alternative=OTHER, compare=(SCAN,),
           text="at N = 200,000, d = 100"),
    Target(NUMPY, 0.6, where=_at(200_000, 100), floor=NUMPY_FLOOR, text="at N = 200,000, d = 100"),
)


def other_order(N: int, d: int) -> Any:
    """The closed form's sum in the evaluation order :func:`loss_gradient` does *not* pick under ``jit`` at
    X of N × d (the contraction where it fuses, the fused loop where it contracts): the measurement behind
    its choice, timed in every cell."""
    fused = not neuron._fused_is_faster(N, d)

    def loss_gradient_other_order(w: Any, b: Any, X: Any, y: Any) -> tuple[Any, Any]:
        return neuron._masked_error_sums(jnp, w, b, X, y, 2.0 / N, fused=fused)

    return loss_gradient_other_order


def _block_rows(N: int, limit: int = 4096) -> int:
    """The largest divisor of N that is at most ``limit`` (the scan's block of rows)."""
    return next(B for B in range(min(N, limit), 0, -1) if N % B == 0)


def single_pass_loss_gradient(w: Any, b: Any, X: Any, y: Any) -> tuple[Any, Any]:
    """The loss gradient in one pass over X with ``jax.lax.scan`` over row blocks (JAX only).

    Not part of :mod:`chainrule.analytic` (the array API has no loop primitive and ``analytic`` never
    imports JAX): a yardstick that shows what fusing the two products with each block of rows buys.
    """
    N, d = X.shape
    B = _block_rows(N)

    def block(sums: tuple[Any, Any], Xy: tuple[Any, Any]) -> tuple[tuple[Any, Any], None]:
        X_b, y_b = Xy
        z = X_b @ w + b
        masked_error = jnp.where(z > 0, z - y_b, jnp.zeros_like(z))
        return (sums[0] + masked_error @ X_b, sums[1] + jnp.sum(masked_error)), None

    (sum_w, sum_b), _ = jax.lax.scan(block, (jnp.zeros_like(w), jnp.zeros_like(b)),
                                     (X.reshape(N // B, B, d), y.reshape(N // B, B)))
    return (2.0 / N) * sum_w, (2.0 / N) * sum_b


def loss_data(N: int, d: int, dtype: str, seed: int = 0) -> tuple[np.ndarray, ...]:
    """``(w, b, X, y)`` for the loss, X of N × d, about half the units active; reproducible."""
    rng = np.random.default_rng([seed, N, d])
    X = rng.standard_normal((N, d)).astype(dtype)
    w = (rng.standard_normal(d) / math.sqrt(d)).astype(dtype)  # about half the units active
    b = np.asarray(0.1, dtype=dtype)
    y = rng.standard_normal(N).astype(dtype)
    return w, b, X, y


def _case(N: int, d: int, dtype: str) -> Case:
    skipped = {}
    if N * d * d > JACFWD_WORK:
        skipped["jit(jacfwd)"] = f"N·d² = {N * d * d:.0e} multiply-adds > {JACFWD_WORK:.0e}"

    def build() -> list[Contender]:
        w, b, X, y = loss_data(N, d, dtype)
        wj, bj, Xj, yj = (jnp.asarray(a) for a in (w, b, X, y))
        jax_args = (wj, bj, Xj, yj)
        both = (0, 1)
        out = [
            Contender(NUMPY, loss_gradient, (w, b, X, y), jit=False),
            Contender(JIT, loss_gradient, jax_args),
            Contender(OTHER, other_order(N, d), jax_args),
            Contender("jit(grad)", jax.grad(loss, argnums=both), jax_args),
            Contender("jit(jacrev)", jax.jacrev(loss, argnums=both), jax_args),
        ]
        if "jit(jacfwd)" not in skipped:
            out.append(Contender("jit(jacfwd)", jax.jacfwd(loss, argnums=both), jax_args))
        out += [
            Contender(SCAN, single_pass_loss_gradient, jax_args),
            Contender(FLOOR, lambda X, w: X @ w, (Xj, wj), compare=False),
            Contender(NUMPY_FLOOR, lambda X, w: X @ w, (X, w), jit=False, compare=False),
        ]
        return out

    return Case(f"N={N:,} d={d} {dtype}", f"d = {d}, {dtype}", N, build, dtype,
                {"N": N, "d": d, "X_bytes": N * d * itemsize(dtype)}, skipped)


def cases(quick: bool) -> Iterator[Case]:
    """N from 10² to 10⁶ and d in 10, 100, 1,000 (N·d ≤ :data:`LOSS_ELEMENTS`), float32 and float64."""
    if quick:
        yield from (_case(N, 20, "float32") for N in (500, 5_000))
        return
    for dtype in ("float32", "float64"):
        for d in (10, 100, 1000):
            for N in (100, 1_000, 10_000, 100_000, 200_000, 1_000_000):
                if N * d <= LOSS_ELEMENTS:
                    yield _case(N, d, dtype)


SUITE = Suite(
    "loss_gradient", "Neuron loss gradient (RULES L-3, L-5): closed form vs autodiff",
    "(∂C/∂w, ∂C/∂b) for C = mean((y − max(0, Xw + b))²), X of N × d (N·d ≤ 2·10⁷). "
    "'closed form' is chainrule.analytic.neuron.loss_gradient; 'scan, one pass' is a JAX-only yardstick "
    "(lax.scan over row blocks) and 'X @ w' one pass over X.",
    "N (rows of X)", "jit(grad)", cases, floor=FLOOR, summary=lambda suite: targets_markdown(suite, TARGETS),
)
