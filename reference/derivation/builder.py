r"""Building a derivation: :class:`Derivation`, its inputs, constants, steps and claimed totals.

Each method validates its arguments as it goes (a ``ValueError`` naming the step and the parameter,
or a ``TypeError`` for a wrong kind of object); :meth:`Derivation.check` freezes the derivation
(:class:`~.model.Graph`), evaluates it (:mod:`.evaluate`) and checks it (:mod:`.run`).

>>> d = Derivation(x=2.0).let("u", lambda x: 3 * x, {"x": lambda: 3.0})
>>> d
Derivation(inputs=['x'], constants=[], steps=['u'], claims=[])
>>> d.check().ok
True
"""

from __future__ import annotations

import keyword
import numbers
from collections.abc import Callable, Mapping
from typing import Any

import jax
import jax.numpy as jnp
import numpy as np

from ..autodiff import x64
from .display import fmt
from .evaluate import analyzer, evaluate
from .measure import TOLERANCE
from .model import Claim, Graph, Step
from .reading import describe, params_of
from .report import DerivationReport
from .run import run

__all__ = ["Derivation"]


def _as_value(where: str, v: Any) -> np.ndarray:
    try:
        arr = np.asarray(v)
    except Exception as exc:
        raise TypeError(f"{where}: expected a real number or array, got {type(v).__name__} ({exc})") from None
    if arr.dtype.kind not in "iuf":
        raise TypeError(
            f"{where}: expected real numbers, got dtype {arr.dtype}; pass floats, e.g. "
            "numpy.asarray(..., dtype=float)"
        )
    arr = arr.astype(np.float64)
    if not np.all(np.isfinite(arr)):
        raise ValueError(
            f"{where}: value is not finite ({fmt(arr)}); the derivation is checked at this point, so "
            "every input needs a finite value"
        )
    return arr


class Derivation:
    r"""A hand derivation by intermediate variables: inputs, steps with claimed partials, claimed totals.

    ``Derivation(**inputs)`` names the inputs and fixes the point (numbers or arrays; they become
    float64). Then, in order:

    * :meth:`const` adds data that is not differentiated (the ``X`` and ``y`` of the loss, RULES L-1);
    * :meth:`let` adds an intermediate variable ``name = fn(...)``; ``fn``'s parameters are named after
      inputs, constants or earlier steps, and ``partials={param: ∂name/∂param}`` gives the claimed
      local partial for every non-constant parameter, as a callable whose parameters are again named
      after variables (this step's own name included: ``∂e^u/∂u = e^u`` may be written
      ``lambda v: v`` for a step ``v``). The last step is the output ``y``;
    * :meth:`claim` optionally records a hand-written total derivative ``dy/dx`` for an input.

    Step functions are traced by JAX: write them with ``jax.numpy``. Partials and claims are called
    with NumPy float64 arrays and may return NumPy or JAX arrays, numbers, or structured Jacobians.
    :meth:`check` returns a :class:`DerivationReport`. Every method validates its arguments and raises
    ``ValueError`` naming the step and the parameter (or ``TypeError`` for a wrong kind of object).

    >>> import jax.numpy as jnp
    >>> d = Derivation(x=1.0)                                          # RULES C-5
    >>> d = d.let("u_1", lambda x: x**2, partials={"x": lambda x: 2 * x})
    >>> d = d.let("u_2", lambda x, u_1: x + u_1, partials={"x": lambda: 1.0, "u_1": lambda: 1.0})
    >>> r = d.claim("x", lambda x: 2 * x, formula="2x").check()
    >>> r.ok, r.wrong_steps, r.missing_paths
    (False, (), {'x': (('x', 'u_2'),)})
    """

    def __init__(self, **inputs: Any) -> None:
        if not inputs:
            raise ValueError("Derivation needs at least one input, e.g. Derivation(x=3.0); got none")
        self._inputs: dict[str, np.ndarray] = {}
        self._consts: dict[str, np.ndarray] = {}
        self._steps: list[Step] = []
        self._claims: dict[str, Claim] = {}
        self._compiled: Callable[..., Any] | None = None  # the jitted analysis, rebuilt after let()
        for name, v in inputs.items():
            self._inputs[name] = _as_value(f"input {name!r}", v)

    # --- building -------------------------------------------------------------------------------

    @property
    def inputs(self) -> tuple[str, ...]:
        """The differentiated inputs, in the order given."""
        return tuple(self._inputs)

    @property
    def steps(self) -> tuple[str, ...]:
        """The intermediate variables, in order; the last is the output."""
        return tuple(s.name for s in self._steps)

    def _kind(self, name: str) -> str | None:
        if name in self._inputs:
            return "input"
        if name in self._consts:
            return "constant"
        if any(s.name == name for s in self._steps):
            return "step"
        return None

    def _known(self) -> list[str]:
        return [*self._inputs, *self._consts, *(s.name for s in self._steps)]

    def _shape(self, name: str) -> tuple[int, ...]:
        if name in self._inputs:
            return self._inputs[name].shape
        if name in self._consts:
            return self._consts[name].shape
        return next(s.shape for s in self._steps if s.name == name)

    def _check_name(self, name: Any, what: str) -> None:
        if not isinstance(name, str) or not name.isidentifier() or keyword.iskeyword(name):
            raise ValueError(
                f"{what}: the name must be a Python identifier (it is used as a parameter name), got "
                f"{name!r}; write e.g. 'u_1', not 'u 1'"
            )
        kind = self._kind(name)
        if kind is not None:
            raise ValueError(
                f"{what} {name!r}: the name is already used by the {kind} {name!r}; every variable needs "
                "its own name"
            )

    def const(self, **values: Any) -> Derivation:
        """Add constants: data that steps may use but that is not differentiated (e.g. ``X``, ``y``)."""
        for name, v in values.items():
            self._check_name(name, "constant")
            self._consts[name] = _as_value(f"constant {name!r}", v)
        return self

    def let(
        self,
        name: str,
        fn: Callable[..., Any],
        partials: Mapping[str, Callable[..., Any]],
        *,
        formula: str | None = None,
        partial_formulas: Mapping[str, str] | None = None,
    ) -> Derivation:
        r"""Add the step ``name = fn(p_1, …)`` with the claimed local partials ``∂name/∂p_i``.

        ``partials`` must have exactly one entry per parameter of ``fn`` that is an input or a step
        (constants take none). ``formula`` and ``partial_formulas`` are the texts shown in the step
        table; by default they are read from the lambdas' source. Returns ``self`` (chainable).
        """
        where = f"step {name!r}"
        self._check_name(name, "step")
        params = params_of(fn, f"{where}: its function")
        known = self._known()
        for p in params:
            if p not in known:
                raise ValueError(
                    f"{where}: parameter {p!r} of its function names no variable defined so far "
                    f"(known: {', '.join(known)}); define {p!r} first (Derivation(...), const() or "
                    "let()) or rename the parameter"
                )
        if not isinstance(partials, Mapping):
            raise TypeError(
                f"{where}: partials must be a mapping {{parameter: callable}}, got {type(partials).__name__}"
            )
        for p in partials:
            if p not in params:
                raise ValueError(
                    f"{where}: a partial is given for {p!r}, which the step's function does not take "
                    f"(its parameters: {', '.join(params) or 'none'}); remove it or add {p!r} as a parameter"
                )
            if p in self._consts:
                raise ValueError(
                    f"{where}: a partial is given for {p!r}, which is a constant (declared with const()); "
                    "constants are not differentiated, so drop that partial"
                )
        missing = [p for p in params if p not in self._consts and p not in partials]
        if missing:
            wanted = ", ".join(f"{p!r}: <∂{name}/∂{p}>" for p in missing)
            raise ValueError(
                f"{where}: no claimed partial for parameter{'s' if len(missing) > 1 else ''} "
                f"{', '.join(map(repr, missing))}; add partials={{{wanted}}}"
            )
        partial_params: dict[str, tuple[str, ...]] = {}
        for p, dfn in partials.items():
            pp = params_of(dfn, f"{where}: the partial for {p!r}")
            for q in pp:
                if q not in known and q != name:
                    raise ValueError(
                        f"{where}: the partial for {p!r} takes parameter {q!r}, which names no variable "
                        f"(known: {', '.join([*known, name])}); rename the parameter"
                    )
            partial_params[p] = pp
        texts = dict(partial_formulas or {})
        for p in texts:
            if p not in partials:
                raise ValueError(
                    f"{where}: partial_formulas has an entry for {p!r}, which has no partial (partials "
                    f"for: {', '.join(partials) or 'none'})"
                )
        shape = self._trace_shape(name, fn, params)
        self._steps.append(Step(
            name=name, fn=fn, params=params, partials=dict(partials), partial_params=partial_params,
            formula=formula if formula is not None else describe(fn, params),
            partial_formulas={p: texts.get(p) or describe(partials[p], partial_params[p])
                              for p in partials},
            shape=shape,
        ))
        self._compiled = None
        return self

    def _trace_shape(self, name: str, fn: Callable[..., Any], params: tuple[str, ...]) -> tuple[int, ...]:
        with x64(True):
            specs = {p: jax.ShapeDtypeStruct(self._shape(p), jnp.float64) for p in params}
            try:
                out = jax.eval_shape(lambda kw: fn(**kw), specs)
            except Exception as exc:
                shapes = ", ".join(f"{p}: {self._shape(p)}" for p in params) or "no arguments"
                first = str(exc).strip().splitlines()[0] if str(exc).strip() else ""
                raise ValueError(
                    f"step {name!r}: JAX could not trace its function on float64 arguments of shapes "
                    f"{shapes} ({type(exc).__name__}: {first}); write it with jax.numpy and check the "
                    "shapes"
                ) from exc
        if not isinstance(out, jax.ShapeDtypeStruct) or not jnp.issubdtype(out.dtype, jnp.floating):
            raise ValueError(
                f"step {name!r}: its function must return one real floating array, got {out}; a step is "
                "one intermediate variable (use several steps for several values)"
            )
        return tuple(out.shape)

    def claim(self, wrt: str, fn: Callable[..., Any], *, formula: str | None = None) -> Derivation:
        r"""Record a hand-written total derivative ``dy/d(wrt)`` of the output, to be checked too.

        ``fn``'s parameters are named after variables (inputs, constants, steps), so a claim may be
        written before substituting back (RULES C-3: ``6u_2 x² cos(u_1)/u_3``). It returns an array of
        shape ``y.shape + wrt.shape``. Returns ``self`` (chainable).
        """
        where = f"claim d/d{wrt}"
        kind = self._kind(wrt)
        if kind != "input":
            what = f"is a {kind}" if kind else "names no variable"
            raise ValueError(
                f"{where}: {wrt!r} {what}; claims are total derivatives of the output with respect to "
                f"an input ({', '.join(self._inputs)})"
            )
        if wrt in self._claims:
            raise ValueError(f"{where}: a total derivative with respect to {wrt!r} is already claimed")
        params = params_of(fn, where)
        known = self._known()
        for q in params:
            if q not in known:
                raise ValueError(
                    f"{where}: parameter {q!r} names no variable defined so far (known: "
                    f"{', '.join(known)}); add the steps before the claim or rename the parameter"
                )
        self._claims[wrt] = Claim(wrt, fn, params, formula or describe(fn, params))
        return self

    def _graph(self) -> Graph:
        """The derivation frozen for checking."""
        return Graph(inputs=dict(self._inputs), consts=dict(self._consts), steps=tuple(self._steps),
                     claims=tuple(self._claims.values()))

    def __repr__(self) -> str:
        return (f"Derivation(inputs={list(self._inputs)}, constants={list(self._consts)}, "
                f"steps={list(self.steps)}, claims={list(self._claims)})")

    # --- checking -------------------------------------------------------------------------------

    def check(self, *, around: int = 0, seed: int = 0, scale: float = 0.1) -> DerivationReport:
        r"""Check every claimed partial, the chain-rule combination and the claimed totals against JAX.

        At the given point, and with ``around=K`` also at ``K`` random points drawn uniformly within
        ``±scale·(1 + |x|)`` of each input (seeded by ``seed``; points where some value is not finite
        are skipped and counted in ``report.dropped``). Returns a :class:`DerivationReport`.
        Raises ``ValueError`` when the given point itself is unusable (a non-finite value or JAX
        partial) or a claimed partial has the wrong shape.
        """
        if not self._steps:
            raise ValueError("check: the derivation has no steps; add one with let(name, fn, partials)")
        if isinstance(around, bool | float) or not isinstance(around, numbers.Integral) or around < 0:
            raise ValueError(f"check: around must be an integer ≥ 0 (random points to add), got {around!r}")
        if isinstance(seed, bool) or not isinstance(seed, numbers.Integral):
            raise TypeError(f"check: seed must be an integer, got {type(seed).__name__}")
        around, seed = int(around), int(seed)
        if not (isinstance(scale, int | float) and np.isfinite(scale) and scale > 0):
            raise ValueError(f"check: scale must be a positive finite number, got {scale!r}")
        with x64(True):
            if self._compiled is None:
                self._compiled = analyzer(tuple(self._steps))
            ev = evaluate(self._graph(), self._compiled, around=around, seed=seed, scale=scale)
            return run(ev, TOLERANCE)
