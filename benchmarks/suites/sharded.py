"""Suite ``sharded``: the loss gradient under ``jit`` with X sharded by rows over simulated CPU devices.

JAX reads ``XLA_FLAGS`` once, when it starts: the suite names it in ``Suite.env``, so the harness runs
it in its own process (``python -m chainrule.benchmarks.worker sharded``).

>>> SUITE.env["XLA_FLAGS"]
'--xla_force_host_platform_device_count=8'
"""

from __future__ import annotations

from collections.abc import Iterator

import jax

from ..harness import Case, Contender, Suite
from .loss_gradient import loss, loss_data, loss_gradient

__all__ = ["SHARDS", "SUITE", "cases"]

#: Simulated CPU devices of the sharded suite (XLA_FLAGS, set before JAX starts: a subprocess).
SHARDS = 8


def _case(N: int, d: int, dtype: str = "float32") -> Case:
    def build() -> list[Contender]:
        from jax.sharding import NamedSharding
        from jax.sharding import PartitionSpec as P

        if len(jax.devices()) < SHARDS:
            raise RuntimeError(
                f"the sharded suite needs {SHARDS} devices, JAX sees {len(jax.devices())}; run it "
                f"with XLA_FLAGS=--xla_force_host_platform_device_count={SHARDS} (chainrule bench "
                "does this in a subprocess)"
            )
        mesh = jax.make_mesh((SHARDS,), ("rows",))
        rows, replicated = NamedSharding(mesh, P("rows")), NamedSharding(mesh, P())
        w, b, X, y = loss_data(N, d, dtype)
        sharded = (jax.device_put(w, replicated), jax.device_put(b, replicated),
                   jax.device_put(X, rows), jax.device_put(y, rows))
        single = tuple(jax.device_put(a, jax.devices()[0]) for a in (w, b, X, y))
        grad = jax.grad(loss, argnums=(0, 1))
        return [
            Contender(f"closed form (jit, X sharded ×{SHARDS})", loss_gradient, sharded),
            Contender(f"jit(grad) (X sharded ×{SHARDS})", grad, sharded),
            Contender("closed form (jit, 1 device)", loss_gradient, single),
            Contender("jit(grad) (1 device)", grad, single),
        ]

    return Case(f"N={N:,} d={d} {dtype}", f"d = {d}, {dtype}, {SHARDS} simulated CPU devices", N,
                build, dtype, {"N": N, "d": d, "shards": SHARDS})


def cases(quick: bool) -> Iterator[Case]:
    """N of 800 (quick) or 10⁴ to 2·10⁵, d = 100, float32."""
    if quick:
        yield _case(800, 16)
        return
    yield from (_case(N, 100) for N in (10_000, 100_000, 200_000))


SUITE = Suite(
    "sharded", f"Loss gradient under jit with X sharded over {SHARDS} simulated CPU devices",
    f"X and y split by rows over {SHARDS} CPU devices (XLA_FLAGS="
    f"--xla_force_host_platform_device_count={SHARDS}, in a subprocess); w and b replicated. "
    "The simulated devices share this machine's cores: this shows the closed form partitions "
    "and agrees with jax.grad, not a speed-up.",
    "N (rows of X)", f"jit(grad) (X sharded ×{SHARDS})", cases,
    env={"XLA_FLAGS": f"--xla_force_host_platform_device_count={SHARDS}"},
)
