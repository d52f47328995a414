"""Suite ``layer_memory``: what a layer's closed-form backward buys over ``jax.vjp`` of its forward — memory.

For three layers whose backward people write by hand, the closed-form VJPs of the catalog (every
argument's at once, as a backward pass computes them) against ``jax.vjp`` of the same analytic forward,
both under ``jax.jit`` and given the same inputs and upstream gradient:

* **layer-norm** (LAYER-12) over the last axis of X (N, D), with γ, β: ∂L/∂X, ∂L/∂γ, ∂L/∂β;
* **softmax cross-entropy** (LF-4) averaged over a batch of logits Z (N, C) with soft targets: ∂L/∂Z;
* **scaled dot-product attention** (LAYER-23) softmax(QKᵀ/√d)V with Q, K, V (T, 64): ∂L/∂Q, ∂L/∂K, ∂L/∂V.

``jax.vjp`` of the forward is what autodiff runs in a training step: the forward, its residuals kept
for the backward, then the backward. The closed form recomputes what it needs from the inputs (the
statistics, the softmax, the attention matrix) and keeps nothing else. Peak memory is XLA's own
account of each compiled program (temporaries + outputs, inputs excluded: ``memory_bytes``), the
time is the harness's (median of interleaved rounds); both answers are checked against each other first.
The closed form on NumPy is timed too (its memory is ``tracemalloc``'s peak).

>>> [c.label for c in cases(quick=True)]
['N×D=64×256', 'N×D=256×256', 'N×C=64×1,024', 'N×C=256×1,024', 'T=64', 'T=128']
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from typing import Any

import jax
import jax.numpy as jnp
import numpy as np

from ..harness import Case, Contender, Suite
from ._common import rule

__all__ = ["BASELINE", "SUITE", "cases", "memory_table"]

#: The baseline every ratio divides by: autodiff's backward of the same forward.
BASELINE = "jax.vjp of the forward (jit)"
CLOSED = "closed form (jit)"
NUMPY = "closed form (NumPy)"

#: Full-run sizes: layer-norm rows N at D = 1024; cross-entropy rows N at C = 8192 classes; sequence lengths T.
LAYER_NORM_ROWS = (256, 1_024, 4_096, 16_384)
CROSS_ENTROPY_ROWS = (64, 256, 1_024, 2_048)
SEQUENCE_LENGTHS = (128, 256, 512, 1_024, 2_048)
HEAD_DIM = 64
EPS = 1e-5


def _layer_norm_case(N: int, D: int, dtype: str = "float32") -> Case:
    def build() -> list[Contender]:
        forward = _analytic("layer_norm", "layer_norm")
        dX, dg, db = (rule(n).derivative for n in ("vjp_layer_norm_X", "vjp_layer_norm_gamma", "vjp_layer_norm_beta"))
        rng = np.random.default_rng([12, N, D])
        X = rng.standard_normal((N, D)).astype(dtype)
        g, b = (1 + 0.1 * rng.standard_normal(D)).astype(dtype), (0.1 * rng.standard_normal(D)).astype(dtype)
        ct = rng.standard_normal((N, D)).astype(dtype)

        def closed(X: Any, g: Any, b: Any, ct: Any) -> Any:
            return dX(X, g, b, ct, eps=EPS), dg(X, g, b, ct, eps=EPS), db(X, g, b, ct, eps=EPS)

        def autodiff(X: Any, g: Any, b: Any, ct: Any) -> Any:
            return jax.vjp(lambda X, g, b: forward(X, g, b, eps=EPS), X, g, b)[1](ct)

        return _contenders(closed, autodiff, (X, g, b, ct))

    return Case(f"N×D={N:,}×{D:,}", "layer-norm (LAYER-12), float32", N * D, build, dtype, {"N": N, "D": D})


def _cross_entropy_case(N: int, C: int, dtype: str = "float32") -> Case:
    def build() -> list[Contender]:
        record = rule("grad_mean_softmax_cross_entropy_Z")
        loss, grad = record.primal, record.derivative
        rng = np.random.default_rng([27, N, C])
        Z = (2 * rng.standard_normal((N, C))).astype(dtype)
        logits = rng.standard_normal((N, C))
        Y = (np.exp(logits - logits.max(-1, keepdims=True))).astype(dtype)
        Y /= Y.sum(-1, keepdims=True)

        def closed(Z: Any, Y: Any) -> Any:
            return grad(Z, Y)

        def autodiff(Z: Any, Y: Any) -> Any:
            value, pullback = jax.vjp(lambda Z: loss(Z, Y), Z)
            return pullback(jnp.ones_like(value))[0]

        return _contenders(closed, autodiff, (Z, Y))

    return Case(f"N×C={N:,}×{C:,}", "softmax cross-entropy (LF-4), float32", N * C, build, dtype,
                {"N": N, "C": C})


def _attention_case(T: int, d: int = HEAD_DIM, dtype: str = "float32") -> Case:
    def build() -> list[Contender]:
        forward = _analytic("layer_attention", "attention")
        dQ, dK, dV = (rule(f"vjp_attention_{a}").derivative for a in "QKV")
        rng = np.random.default_rng([23, T, d])
        Q, K, V, ct = (rng.standard_normal((T, d)).astype(dtype) for _ in range(4))

        def closed(Q: Any, K: Any, V: Any, ct: Any) -> Any:
            return dQ(Q, K, V, ct), dK(Q, K, V, ct), dV(Q, K, V, ct)

        def autodiff(Q: Any, K: Any, V: Any, ct: Any) -> Any:
            return jax.vjp(forward, Q, K, V)[1](ct)

        return _contenders(closed, autodiff, (Q, K, V, ct))

    return Case(f"T={T:,}", f"attention (LAYER-23), d = {d}, float32", T, build, dtype, {"T": T, "d": d})


def _analytic(module: str, name: str) -> Any:
    import importlib

    return getattr(importlib.import_module(f"chainrule.analytic.{module}"), name)


def _contenders(closed: Any, autodiff: Any, args: tuple[np.ndarray, ...]) -> list[Contender]:
    jargs = tuple(jnp.asarray(a) for a in args)
    return [
        Contender(NUMPY, closed, args, jit=False),
        Contender(CLOSED, closed, jargs),
        Contender(BASELINE, autodiff, jargs),
    ]


def cases(quick: bool) -> Iterator[Case]:
    """Layer-norm, softmax cross-entropy, attention, each over growing sizes (small ones when ``quick``)."""
    for N in (64, 256) if quick else LAYER_NORM_ROWS:
        yield _layer_norm_case(N, 256 if quick else 1_024)
    for N in (64, 256) if quick else CROSS_ENTROPY_ROWS:
        yield _cross_entropy_case(N, 1_024 if quick else 8_192)
    for T in (64, 128) if quick else SEQUENCE_LENGTHS:
        yield _attention_case(T)


def _mib(nbytes: float | None) -> str:
    if nbytes is None:
        return "—"
    return f"{nbytes / 2**20:,.1f} MiB" if nbytes >= 2**20 else f"{nbytes / 2**10:,.0f} KiB"


def memory_table(suite: Mapping[str, Any]) -> str:
    """Markdown: per case, each compiled program's peak memory (XLA's account) and the ratios to ``jax.vjp``.

    >>> row = lambda name, mem, ratio: {"name": name, "status": "ok", "memory_bytes": mem, "ratio": ratio}
    >>> rows = [row(CLOSED, 2**21, 0.8), row(BASELINE, 2**22, 1.0)]
    >>> case = {"label": "T=64", "group": "attention", "contenders": rows}
    >>> print(memory_table({"cases": [case]}).splitlines()[2])
    | attention | T=64 | 2.0 MiB | 4.0 MiB | ×0.50 | ×0.80 |
    """
    lines = ["| layer | size | closed form: memory | jax.vjp: memory | memory ratio | time ratio |",
             "|---|---|---|---|---|---|"]
    for case in suite["cases"]:
        by = {c["name"]: c for c in case["contenders"]}
        mine, base = by.get(CLOSED, {}), by.get(BASELINE, {})
        m, b = mine.get("memory_bytes"), base.get("memory_bytes")
        mem_ratio = f"×{m / b:.2f}" if m and b else "—"
        t_ratio = f"×{mine['ratio']:.2f}" if mine.get("ratio") is not None else "—"
        group = case["group"].split(" (")[0]
        lines.append(f"| {group} | {case['label']} | {_mib(m)} | {_mib(b)} | {mem_ratio} | {t_ratio} |")
    return "\n".join(lines) + "\n"


SUITE = Suite(
    "layer_memory", "Layer backward passes: closed-form VJPs vs jax.vjp of the forward (memory and time)",
    "For layer-norm, softmax cross-entropy and attention, every argument's closed-form VJP against "
    "jax.vjp of the same analytic forward, both under jit, same inputs and upstream gradient. Memory is "
    "XLA's account of each compiled program (temporaries + outputs); time the median of interleaved rounds.",
    "entries (N·D, N·C) or sequence length T", BASELINE, cases, plot_memory=True,
    summary=memory_table, repeats=(3, 9),
)
