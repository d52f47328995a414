r"""Evaluating a derivation: every value, JAX's local partials, adjoints and totals, and the claims.

:func:`analyzer` traces the composed function once and compiles it as one ``jax.jit(jax.vmap(...))``
over the points; :func:`evaluate` runs it (inside the scoped float64 context) on the given point and
the random points around it (:func:`draw_points`) and returns an :class:`Evaluation`, which also calls
the user's claimed partials and totals at any point, validating what they return.

>>> import jax.numpy as jnp
>>> import numpy as np
>>> from chainrule.reference.autodiff import x64
>>> from chainrule.reference.derivation.model import Graph, Step
>>> u = Step("u", lambda x: jnp.sin(x), ("x",), {"x": lambda x: np.cos(x)}, {"x": ("x",)},
...          "sin(x)", {"x": "cos(x)"}, ())
>>> g = Graph({"x": np.array(0.0)}, {}, (u,), ())
>>> with x64(True):
...     ev = evaluate(g, analyzer(g.steps), around=2, seed=0, scale=0.1)
...     J = ev.claimed_partial(u, "x", 0)
>>> float(ev.local["u"]["x"][0]), float(J), ev.usable_points()
(1.0, 1.0, [0, 1, 2])
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import jax
import jax.numpy as jnp
import numpy as np

from chainrule._structured import is_structured

from .display import dense, fmt
from .model import Claim, Graph, Step

__all__ = ["Evaluation", "analyzer", "draw_points", "evaluate"]


def analyzer(steps: tuple[Step, ...]) -> Callable[..., Any]:
    """One jitted function of (inputs, constants) → values, JAX's local partials, adjoints and totals.

    The inputs carry a leading point axis (vmapped); the constants do not.
    """
    steps = tuple(steps)
    out = steps[-1]

    def forward(inp: dict[str, Any], const: dict[str, Any], eps: dict[str, Any]) -> dict[str, Any]:
        env = {**inp, **const}
        for s in steps:
            env[s.name] = jnp.asarray(s.fn(**{p: env[p] for p in s.params})) + eps[s.name]
        return env

    def analyze(inp: dict[str, Any], const: dict[str, Any]) -> tuple[Any, ...]:
        eps0 = {s.name: jnp.zeros(s.shape, jnp.float64) for s in steps}
        env = forward(inp, const, eps0)
        local: dict[str, dict[str, Any]] = {}
        for s in steps:
            args = [env[p] for p in s.params]

            def call(*a: Any, s: Step = s) -> Any:
                return s.fn(**dict(zip(s.params, a, strict=True)))

            local[s.name] = {p: jax.jacfwd(call, argnums=i)(*args)
                             for i, p in enumerate(s.params) if p in s.partials}

        def output(i: dict[str, Any], e: dict[str, Any]) -> Any:
            return forward(i, const, e)[out.name]

        diff = jax.grad if out.shape == () else jax.jacfwd
        totals, adjoints = diff(output, argnums=(0, 1))(inp, eps0)
        return env, local, adjoints, totals

    # The graphs are tiny, so XLA's compile time dominates: its cheapest optimisation level halves it.
    return jax.jit(jax.vmap(analyze, in_axes=(0, None)),
                   compiler_options={"xla_backend_optimization_level": 0})


def draw_points(inputs: dict[str, np.ndarray], around: int, seed: int, scale: float) -> dict[str, np.ndarray]:
    """The given point, then ``around`` points uniform within ``±scale·(1 + |x|)`` of it (seeded)."""
    rng = np.random.default_rng(seed)
    pts = {}
    for name, x0 in inputs.items():
        step = rng.uniform(-1.0, 1.0, size=(around, *x0.shape)) * scale * (1.0 + np.abs(x0))
        pts[name] = np.concatenate([x0[None], x0[None] + step], axis=0)
    return pts


@dataclass(frozen=True)
class Evaluation:
    """A derivation evaluated at its points (leading axis of every array = point; point 0 is the given one).

    ``env[v]`` is every variable's value, ``local[step][param]`` JAX's local partial, ``jax_adj[step]``
    JAX's ``∂y/∂step`` and ``jax_tot[x]`` JAX's ``dy/dx`` of the composed function.
    """

    graph: Graph
    env: dict[str, np.ndarray]
    local: dict[str, dict[str, np.ndarray]]
    jax_adj: dict[str, np.ndarray]
    jax_tot: dict[str, np.ndarray]
    around: int
    seed: int
    scale: float

    @property
    def reproduce(self) -> str:
        return f"reproduce: .check(around={self.around}, seed={self.seed}, scale={self.scale:g})"

    def at(self, t: int) -> dict[str, np.ndarray]:
        """Every variable's value at point ``t`` (constants included)."""
        vals = {n: self.env[n][t] for n in self.graph.names}
        vals.update(self.graph.consts)
        return vals

    def where(self, t: int) -> str:
        if t == 0:
            return "at the given point"
        return f"at random point {t}/{self.around} around it (seed {self.seed})"

    def usable_points(self) -> list[int]:
        """The points where every value and JAX derivative is finite; the given point must be one."""
        n = 1 + self.around
        ok = np.ones(n, dtype=bool)
        for tree in (self.env, self.local, self.jax_adj, self.jax_tot):
            for leaf in jax.tree_util.tree_leaves(tree):
                ok &= np.isfinite(leaf.reshape(n, -1)).all(axis=1)
        self.require_finite_point()
        if not ok[0]:
            raise ValueError(
                "check: JAX's derivative of the composed function is not finite at the given point; "
                "choose another point"
            )
        return [t for t in range(n) if ok[t]]

    def require_finite_point(self) -> None:
        """Raise ``ValueError`` naming the step whose value or JAX partial is not finite at the point."""
        for s in self.graph.steps:
            v = self.env[s.name][0]
            args = ", ".join(f"{p} = {fmt(self.env[p][0] if p in self.env else self.graph.consts[p])}"
                             for p in s.params)
            if not np.all(np.isfinite(v)):
                raise ValueError(
                    f"step {s.name!r} = {s.formula}: its value at the point is not finite ({fmt(v)}); its "
                    f"parameters there: {args or 'none'}. Choose a point inside every step's domain"
                )
            for p, J in self.local[s.name].items():
                if not np.all(np.isfinite(J[0])):
                    raise ValueError(
                        f"step {s.name!r} = {s.formula}: JAX's partial ∂{s.name}/∂{p} is not finite at the "
                        f"point ({fmt(J[0])}), so the step is not differentiable there with respect to "
                        f"parameter {p!r} ({args}); choose another point"
                    )

    def claimed_partial(self, s: Step, p: str, t: int) -> Any:
        """The claimed ``∂s/∂p`` at point ``t`` (a float64 array or a structured Jacobian), shape-checked."""
        vals = self.at(t)
        what = f"step {s.name!r}: the claimed partial ∂{s.name}/∂{p}"
        try:
            J = s.partials[p](**{q: vals[q] for q in s.partial_params[p]})
        except Exception as exc:
            raise ValueError(f"{what} raised {type(exc).__name__}: {exc} ({self.where(t)})") from exc
        expected = s.shape + self.graph.shape(p)
        if is_structured(J):
            got = tuple(J.shape)
        else:
            try:
                J = np.asarray(J, dtype=np.float64)
            except Exception as exc:
                raise TypeError(f"{what} returned {type(J).__name__}, not an array ({exc})") from None
            got = J.shape
        if got != expected:
            raise ValueError(
                f"{what} has shape {got}, expected {expected} = {s.name}.shape {s.shape} + {p}.shape "
                f"{self.graph.shape(p)} (numerator layout: out.shape + in.shape; a gradient has the "
                "argument's shape)"
            )
        return J

    def claimed_total(self, claim: Claim, t: int) -> np.ndarray:
        """The claimed ``dy/dx`` at point ``t``, dense and shape-checked."""
        x, out = claim.wrt, self.graph.out
        expected = out.shape + self.graph.shape(x)
        what = f"claim d{out.name}/d{x} = {claim.formula}"
        vals = self.at(t)
        try:
            c = claim.fn(**{q: vals[q] for q in claim.params})
        except Exception as exc:
            raise ValueError(f"{what} raised {type(exc).__name__}: {exc} ({self.where(t)})") from exc
        c = dense(c)
        if c.shape != expected:
            raise ValueError(
                f"{what} has shape {c.shape}, expected {expected} = {out.name}.shape {out.shape} + "
                f"{x}.shape {self.graph.shape(x)} (numerator layout)"
            )
        return c


def evaluate(graph: Graph, compiled: Callable[..., Any], *, around: int, seed: int, scale: float) -> Evaluation:
    """Run the compiled analysis at the point and ``around`` random points (call inside float64)."""
    pts = draw_points(graph.inputs, around, seed, scale)
    env, local, adjoints, totals = jax.tree_util.tree_map(np.asarray, compiled(pts, dict(graph.consts)))
    return Evaluation(graph, env, local, adjoints, totals, around, seed, scale)
