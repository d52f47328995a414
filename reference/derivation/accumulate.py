r"""The chain rule run backwards: adjoints ``∂y/∂v``, total derivatives ``dy/dx``, and dataflow paths.

Reverse accumulation pushes each step's adjoint to its parameters by the vector chain rule
(``adj · ∂u/∂p`` over the step's axes) and sums the contributions that reach a variable along
different paths (the total-derivative chain rule, RULES C-6 and C-11). Which local partials it uses
is the caller's choice: the claimed ones (the derivation's answer) or JAX's (to explain a wrong one).

>>> import numpy as np
>>> from chainrule.reference.derivation.model import Graph, Step
>>> u1 = Step("u_1", lambda x: x**2, ("x",), {"x": None}, {"x": ()}, "x**2", {"x": "2x"}, ())
>>> u2 = Step("u_2", lambda x, u_1: x + u_1, ("x", "u_1"), {"x": None, "u_1": None},
...           {"x": (), "u_1": ()}, "x + u_1", {"x": "1", "u_1": "1"}, ())
>>> g = Graph({"x": np.array(1.0)}, {}, (u1, u2), ())
>>> local = {"u_1": {"x": np.array(2.0)}, "u_2": {"x": np.array(1.0), "u_1": np.array(1.0)}}
>>> float(combine(g, lambda s, p: local[s][p])["x"])                       # RULES C-5: 1 + 2x
3.0
>>> paths(g, "x")
[('x', 'u_2'), ('x', 'u_1', 'u_2')]
>>> float(path_term(g, ("x", "u_1", "u_2"), lambda s, p: local[s][p]))
2.0
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np

from chainrule._structured import is_structured

from .model import Graph, Step

__all__ = ["MAX_PATHS", "accumulate", "combine", "contract", "path_term", "paths", "seed_adjoint"]

#: At most this many dataflow paths are listed from one input (the search stops beyond it).
MAX_PATHS = 64

#: ``partial(step, param)``: the local partial ``∂step/∂param`` to use (dense or structured).
Partial = Callable[[str, str], Any]


def contract(adj: Any, J: Any, inner_ndim: int) -> np.ndarray:
    """``adj · J`` over the step's axes: (O + S) × (S + P) → O + P, the vector chain rule's product."""
    if is_structured(J):
        return np.asarray(adj @ J, dtype=np.float64)
    return np.tensordot(np.asarray(adj), np.asarray(J, dtype=np.float64), axes=inner_ndim)


def seed_adjoint(shape: tuple[int, ...]) -> np.ndarray:
    """``∂v/∂v``: 1 for a scalar, the identity reshaped to ``v.shape + v.shape`` for an array."""
    return np.eye(int(np.prod(shape, dtype=int))).reshape(shape + shape)


def accumulate(graph: Graph, target: Step, partial: Partial) -> dict[str, np.ndarray]:
    """Reverse accumulation: ``∂target/∂v`` for every variable upstream of ``target`` (and ``target``)."""
    steps = graph.steps[: graph.steps.index(target) + 1]
    adj: dict[str, np.ndarray] = {target.name: seed_adjoint(target.shape)}
    for s in reversed(steps):
        if s.name not in adj:
            adj[s.name] = np.zeros(target.shape + s.shape)
            continue
        for p in s.wrt:
            term = contract(adj[s.name], partial(s.name, p), len(s.shape))
            adj[p] = adj[p] + term if p in adj else term
    return adj


def combine(graph: Graph, partial: Partial) -> dict[str, np.ndarray]:
    """Every variable's ``∂y/∂v`` from the given local partials (for an input: ``dy/dx``)."""
    out = graph.out
    adj = accumulate(graph, out, partial)
    for x in graph.inputs:
        adj.setdefault(x, np.zeros(out.shape + graph.shape(x)))
    return adj


def paths(graph: Graph, x: str, limit: int = MAX_PATHS) -> list[tuple[str, ...]]:
    """Every dataflow path from input ``x`` to the output, as variable chains (more than ``limit``: cut)."""
    by_name = {s.name: s for s in graph.steps}
    found: list[tuple[str, ...]] = []

    def walk(v: str, tail: tuple[str, ...]) -> None:
        if len(found) > limit:
            return
        if v == x:
            found.append((v, *tail))
            return
        if v in by_name:
            for p in by_name[v].wrt:
                walk(p, (v, *tail))

    walk(graph.out.name, ())
    return found


def path_term(graph: Graph, path: tuple[str, ...], partial: Partial) -> np.ndarray:
    """The path's contribution to ``dy/dx``: the product of the local partials along it."""
    A = seed_adjoint(graph.out.shape)
    for child, parent in zip(reversed(path[1:]), reversed(path[:-1]), strict=True):
        A = contract(A, partial(child, parent), len(graph.shape(child)))
    return A
