r"""What a :class:`~chainrule.reference.derivation.Derivation` records: its steps, its claims, and a snapshot.

A :class:`Step` is one intermediate variable ``name = fn(params…)`` with its claimed local partials; a
:class:`Claim` is a hand-written total derivative ``dy/dx``; a :class:`Graph` is the frozen snapshot
that the check works on (inputs and constants at the point, the steps in order, the claims).

>>> import numpy as np
>>> s = Step(name="u", fn=lambda x: x**2, params=("x",), partials={"x": lambda x: 2 * x},
...          partial_params={"x": ("x",)}, formula="x**2", partial_formulas={"x": "2 * x"}, shape=())
>>> g = Graph(inputs={"x": np.array(3.0)}, consts={}, steps=(s,), claims=())
>>> g.out.name, g.shape("u"), g.names, s.wrt
('u', (), ('x', 'u'), ('x',))
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import numpy as np

__all__ = ["Claim", "Graph", "Step"]


@dataclass(frozen=True)
class Step:
    """One intermediate variable: its function, its parameters and its claimed local partials."""

    name: str
    fn: Callable[..., Any]
    params: tuple[str, ...]
    partials: dict[str, Callable[..., Any]]
    partial_params: dict[str, tuple[str, ...]]
    formula: str
    partial_formulas: dict[str, str]
    shape: tuple[int, ...]

    @property
    def wrt(self) -> tuple[str, ...]:
        """The differentiated parameters, in the function's order (constants excluded)."""
        return tuple(p for p in self.params if p in self.partials)


@dataclass(frozen=True)
class Claim:
    """A claimed total derivative ``dy/d(wrt)`` of the output, as a callable of named variables."""

    wrt: str
    fn: Callable[..., Any]
    params: tuple[str, ...]
    formula: str


@dataclass(frozen=True)
class Graph:
    """A derivation frozen for checking: inputs and constants (float64), the steps, the claims."""

    inputs: dict[str, np.ndarray]
    consts: dict[str, np.ndarray]
    steps: tuple[Step, ...]
    claims: tuple[Claim, ...]

    @property
    def out(self) -> Step:
        """The output: the last step."""
        return self.steps[-1]

    @property
    def names(self) -> tuple[str, ...]:
        """The differentiated variables: inputs, then steps."""
        return (*self.inputs, *(s.name for s in self.steps))

    def step(self, name: str) -> Step:
        """The step called ``name``."""
        return next(s for s in self.steps if s.name == name)

    def shape(self, name: str) -> tuple[int, ...]:
        """The shape of any variable (input, constant or step)."""
        if name in self.inputs:
            return tuple(self.inputs[name].shape)
        if name in self.consts:
            return tuple(self.consts[name].shape)
        return self.step(name).shape
