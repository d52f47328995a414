"""Suite ``checking``: the cost of checking one rule over many trials, vmapped vs looped, cold and warm.

One trial is what ``chainrule verify`` compares: ``jacfwd``, ``jacrev`` and the closed form of
:data:`CHECKED_RULE`; and ``verify_rule`` itself, draws included.

>>> [c.label for c in cases(quick=True)]
['3 trials']
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import jax
import jax.numpy as jnp
import numpy as np

from ..harness import Case, Contender, Suite

__all__ = ["CHECKED_RULE", "EAGER_TRIALS", "SUITE", "cases"]

#: The rule the checking suite verifies (a catalog name).
CHECKED_RULE = "grad_loss_w"
#: The eager loop (no jit) runs only up to this many trials.
EAGER_TRIALS = 100


def _case(trials: int) -> Case:
    skipped = {}
    if trials > EAGER_TRIALS:
        skipped["loop, eager (no jit)"] = f"{trials} trials > {EAGER_TRIALS}: about 30 ms per trial"

    def build() -> list[Contender]:
        from chainrule.reference.catalog import by_name
        from chainrule.reference.catalog.verify import draw_inputs, verify_rule

        rule = by_name(CHECKED_RULE)
        sizes = rule.sizes[-1]
        drawn = draw_inputs(rule, sizes, trials, np.random.default_rng(3), "float64")
        batch = tuple(jnp.asarray(drawn[a.name]) for a in rule.args)
        k = rule.argnum

        def trial(*args: Any) -> tuple[Any, Any, Any]:
            """What verify compares for one trial: jacfwd, jacrev and the closed form."""
            return (jax.jacfwd(rule.primal, argnums=k)(*args), jax.jacrev(rule.primal, argnums=k)(*args),
                    rule.derivative(*args))

        step = jax.jit(trial)

        def looped(*batch: Any, one: Any = step) -> list[Any]:
            return [one(*(a[t] for a in batch)) for t in range(trials)]

        def stacked(outs: list[Any]) -> tuple[np.ndarray, ...]:
            return tuple(np.stack([np.asarray(o[i]) for o in outs]) for i in range(3))

        out = [
            Contender("vmap (jit)", jax.vmap(trial), batch),
            Contender("loop over jit(trial)", looped, batch, jit=False, view=stacked),
        ]
        if "loop, eager (no jit)" not in skipped:
            out.append(Contender("loop, eager (no jit)", lambda *b: looped(*b, one=trial), batch,
                                 jit=False, view=stacked))
        out.append(Contender("verify_rule (all shape configs, draws included)",
                             lambda: verify_rule(rule, trials=trials), (), jit=False, compare=False))
        return out

    return Case(f"{trials} trials", f"{CHECKED_RULE} (RULES L-3), float64", trials, build, "float64",
                {"trials": trials, "rule": CHECKED_RULE}, skipped)


def cases(quick: bool) -> Iterator[Case]:
    """10 to 1,000 trials of one rule; the eager loop stops at :data:`EAGER_TRIALS`."""
    yield from (_case(t) for t in ((3,) if quick else (10, 100, 1_000)))


SUITE = Suite(
    "checking", "The cost of checking a rule: vmapped vs looped, cold and warm",
    f"One trial = jacfwd, jacrev and the closed form of {CHECKED_RULE} (N = 3, n = 7), as "
    "chainrule verify compares them. Solid: warm (median); dashed: cold (compile + first call).",
    "trials", "vmap (jit)", cases, plot_cold=True,
)
