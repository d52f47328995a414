r"""The check itself: from an :class:`~.evaluate.Evaluation` to a :class:`~.report.DerivationReport`.

At every usable point it calls the claimed partials, checks each step (:mod:`.partials`), combines the
claimed partials by the chain rule (:mod:`.accumulate`) and checks the combination and the claimed
totals (:mod:`.totals`), after a second witness has arbitrated every claimed partial that disagrees with
JAX's (:mod:`.arbitrate`); the report carries point 0's values.

>>> import jax.numpy as jnp
>>> import numpy as np
>>> from chainrule.reference.autodiff import x64
>>> from chainrule.reference.derivation.evaluate import analyzer, evaluate
>>> from chainrule.reference.derivation.model import Graph, Step
>>> u = Step("u", lambda x: x**3, ("x",), {"x": lambda x: 3 * x}, {"x": ("x",)}, "x**3", {"x": "3 * x"}, ())
>>> g = Graph({"x": np.array(2.0)}, {}, (u,), ())
>>> with x64(True):
...     report = run(evaluate(g, analyzer(g.steps), around=0, seed=0, scale=0.1))
>>> report.wrong_steps, report.steps[0].max_abs_error
(('u',), 6.0)
"""

from __future__ import annotations

from typing import Any

from ..tolerances import Tolerance
from .accumulate import combine
from .arbitrate import arbitrate_steps
from .evaluate import Evaluation
from .measure import TOLERANCE
from .partials import check_step
from .report import DerivationReport
from .totals import check_claim, check_combination

__all__ = ["run"]


def run(ev: Evaluation, tol: Tolerance = TOLERANCE) -> DerivationReport:
    """Check every claimed partial, the combination and every claimed total; assemble the report."""
    graph = ev.graph
    points = ev.usable_points()
    claimed_at: dict[int, dict[str, dict[str, Any]]] = {
        t: {s.name: {p: ev.claimed_partial(s, p, t) for p in s.wrt} for s in graph.steps} for t in points
    }
    # a second witness first: where it shows JAX's local partial wrong, JAX's references are corrected
    jax_wrong = arbitrate_steps(ev, claimed_at, points, tol)
    step_checks = tuple(check_step(ev, s, claimed_at, points, tol) for s in graph.steps)
    combined = {t: combine(graph, lambda s, p, t=t: claimed_at[t][s][p]) for t in points}
    combination_ok, combination_message, c_abs, c_rel = check_combination(ev, combined, points, tol)
    claims = tuple(check_claim(ev, c, points, tol) for c in graph.claims)
    max_abs = max([c_abs, *(s.max_abs_error for s in step_checks), *(c.max_abs_error for c in claims)])
    max_rel = max([c_rel, *(s.max_rel_error for s in step_checks), *(c.max_rel_error for c in claims)])
    names, out = graph.names, graph.out
    return DerivationReport(
        output=out.name, output_shape=out.shape, inputs=tuple(graph.inputs), constants=tuple(graph.consts),
        values={n: ev.env[n][0] for n in names} | dict(graph.consts),
        steps=step_checks,
        adjoints={n: combined[0][n] for n in names},
        jax_adjoints={**{x: ev.jax_tot[x][0] for x in graph.inputs},
                      **{s.name: ev.jax_adj[s.name][0] for s in graph.steps}},
        gradients={x: combined[0][x] for x in graph.inputs},
        jax_gradients={x: ev.jax_tot[x][0] for x in graph.inputs},
        claims=claims, combination_ok=combination_ok, combination_message=combination_message,
        seed=ev.seed, around=ev.around, scale=ev.scale, points=len(points),
        dropped=1 + ev.around - len(points), rtol=tol.rtol, atol=tol.atol,
        max_abs_error=max_abs, max_rel_error=max_rel, jax_wrong=tuple(jax_wrong),
    )
