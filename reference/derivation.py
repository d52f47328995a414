r"""Check a chain-rule derivation step by step against JAX, and name the step that is wrong.

The paper teaches the chain rule as a procedure (RULES C-1, §4.5.1): introduce intermediate variables,
differentiate each with respect to its own parameters, combine the partials (single-variable,
total-derivative C-6, or vector chain rule C-11), substitute back. A :class:`Derivation` records that
procedure: the inputs, then one step per intermediate variable with its *claimed* local partials.
:meth:`Derivation.check` then

1. evaluates every step at the point (and at random points around it, ``around=K``), in float64 inside
   the scoped :func:`chainrule.reference.autodiff.x64` context; the composed function is traced and compiled once,
   as one ``jax.jit(jax.vmap(...))`` over the points (and reused by later checks with as many points);
2. compares each claimed local partial ``∂u/∂p`` with ``jax.jacfwd`` of the step's own function: a
   step whose claimed partial disagrees is a **wrong step**;
3. combines the *claimed* partials in reverse topological order (the total-derivative chain rule
   ``∂y/∂p = Σ_{steps u that take p} (∂y/∂u)(∂u/∂p)``, which for vector steps is the vector chain rule)
   into the adjoints ``∂y/∂u`` and the total derivatives ``dy/dx``, and compares them with ``jax.grad``
   (scalar output) or ``jax.jacfwd`` (vector output) of the composed function;
4. compares each *claimed total* (:meth:`Derivation.claim`, e.g. a final answer written by hand) with
   JAX. When every local partial is right the combination is mechanical, so a wrong total can only
   come from the hand-written answer itself; the report then names the dataflow **path** (a chain of
   variables from the input to the output) whose contribution the answer left out or counted twice:
   the C-5 pitfall ``y = x + x²`` answered ``2x`` misses the direct path ``x → u_2``.

Layout: numerator, like the rest of chainrule. ``∂u/∂p`` has shape ``u.shape + p.shape`` (a scalar's
partial with respect to a vector is the gradient, shaped like the vector; a vector's with respect to a
scalar is the column, shaped like the vector). A vector step's partials may be dense arrays or
structured Jacobians (anything with ``todense()``, such as :class:`chainrule.analytic.structured.Diagonal`);
composing them with ``@`` keeps the structure.

Errors are measured normwise, like ``chainrule verify``: a partial passes at a point when
``max|claimed − JAX| ≤ atol + rtol·max|JAX|`` with ``(rtol, atol)`` from
:data:`chainrule.reference.tolerances.TOLERANCES` (float64).

>>> d = Derivation(x=3.0, y=1.0)                                  # RULES T-1
>>> d = d.let("p", lambda x, y: y * x**2, partials={"x": lambda x, y: 2 * x * y, "y": lambda x: x**2})
>>> d = d.let("q", lambda x, y: 2 * x + y, partials={"x": lambda: 2.0, "y": lambda: 1.0})
>>> d = d.let("g", lambda p, q: p**2 - q**3, partials={"p": lambda p: 2 * p, "q": lambda q: -3 * q**2})
>>> r = d.check()
>>> r.ok, float(r.adjoints["p"]), float(r.adjoints["q"]), float(r.gradients["x"]), float(r.gradients["y"])
(True, 18.0, -147.0, -186.0, 15.0)
"""

from __future__ import annotations

import ast
import functools
import inspect
import io
import itertools
import keyword
import linecache
import numbers
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

import jax
import jax.numpy as jnp
import numpy as np

from .autodiff import x64
from .checker.diagnosis import diagnose_values

__all__ = ["ClaimCheck", "Derivation", "DerivationReport", "StepCheck"]

#: Paths tried when explaining a wrong claimed total: at most this many paths, subsets of up to 2.
_MAX_PATHS = 64
_MAX_SUBSET = 2


# --- reading functions: parameters and (best effort) the source of a lambda ----------------------


def _params_of(fn: Any, where: str) -> tuple[str, ...]:
    """The parameter names of ``fn``; every one must be passable by keyword."""
    if not callable(fn):
        raise TypeError(f"{where}: expected a callable, got {type(fn).__name__}")
    try:
        sig = inspect.signature(fn)
    except (TypeError, ValueError) as exc:
        raise ValueError(
            f"{where}: cannot read the parameters of {fn!r} ({exc}); wrap it in a lambda whose "
            "parameters are named after the variables it uses, e.g. lambda u_1: jnp.sin(u_1)"
        ) from None
    names = []
    for p in sig.parameters.values():
        if p.kind in (p.VAR_POSITIONAL, p.VAR_KEYWORD, p.POSITIONAL_ONLY):
            raise ValueError(
                f"{where}: parameter {p.name!r} of {getattr(fn, '__name__', fn)!r} is "
                f"{p.kind.description}; parameters must be plain names of variables (wrap the function "
                "in a lambda, e.g. lambda u_1: jnp.sin(u_1))"
            )
        names.append(p.name)
    return tuple(names)


@functools.lru_cache(maxsize=64)
def _parsed(filename: str, source: str) -> ast.AST | None:
    try:
        return ast.parse(source, filename)
    except (SyntaxError, ValueError):
        return None


def _lambda_source(fn: Any) -> str | None:
    """The body of a lambda as written in its source file (``x**2``), or None when unknown."""
    code = getattr(fn, "__code__", None)
    if code is None or code.co_name != "<lambda>":
        return None
    source = "".join(linecache.getlines(code.co_filename))
    tree = _parsed(code.co_filename, source) if source else None
    if tree is None:
        return None
    args = code.co_varnames[: code.co_argcount + code.co_kwonlyargcount]
    positions = [p for p in code.co_positions() if None not in p]
    found: list[tuple[int, str]] = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Lambda) and node.lineno == code.co_firstlineno:
            a = node.args
            if tuple(x.arg for x in a.posonlyargs + a.args + a.kwonlyargs) != args:
                continue
            b = node.body
            lo, hi = (b.lineno, b.col_offset), (b.end_lineno, b.end_col_offset)
            inside = sum(lo <= (p[0], p[2]) and (p[1], p[3]) <= hi for p in positions)
            text = ast.get_source_segment(source, b)
            if text is not None:
                found.append((inside, " ".join(text.split())))
    found.sort(key=lambda c: -c[0])
    if not found or (len(found) > 1 and found[0][0] == found[1][0] and found[0][1] != found[1][1]):
        return None
    return found[0][1]


def _describe(fn: Any, params: tuple[str, ...]) -> str:
    text = _lambda_source(fn)
    if text is not None:
        return text
    name = getattr(fn, "__name__", type(fn).__name__)
    return f"{name}({', '.join(params)})"


# --- values, Jacobians and their display -----------------------------------------------------------


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
            f"{where}: value is not finite ({_fmt(arr)}); the derivation is checked at this point, so "
            "every input needs a finite value"
        )
    return arr


def _is_structured(J: Any) -> bool:
    return not isinstance(J, np.ndarray | jax.Array) and callable(getattr(J, "todense", None))


def _dense(J: Any) -> np.ndarray:
    return np.asarray(J.todense() if _is_structured(J) else J, dtype=np.float64)


def _contract(adj: Any, J: Any, inner_ndim: int) -> np.ndarray:
    """``adj · J`` over the step's axes: (O + S) × (S + P) → O + P, the vector chain rule's product."""
    if _is_structured(J):
        return np.asarray(adj @ J, dtype=np.float64)
    return np.tensordot(np.asarray(adj), np.asarray(J, dtype=np.float64), axes=inner_ndim)


def _num(v: float) -> str:
    v = float(v)
    if v == 0:
        return "0"
    if not np.isfinite(v):
        return str(v)
    if v == int(v) and abs(v) < 1e12:
        return str(int(v))
    return f"{v:.6g}"


def _fmt(a: Any) -> str:
    """A short display of a value or Jacobian: numbers for small arrays, shape and norm for big ones."""
    if _is_structured(a):
        return f"diag({_fmt(np.asarray(a.diagonal(), dtype=np.float64))})"
    a = np.asarray(a, dtype=np.float64)
    if a.ndim == 0:
        return _num(a)
    if a.ndim == 2 and a.shape[0] == a.shape[1] > 1 and not np.any(a - np.diag(np.diag(a))):
        return f"diag({_fmt(np.diag(a))})"
    if a.size <= 6:
        if a.ndim == 1:
            return "[" + ", ".join(_num(v) for v in a) + "]"
        if a.ndim == 2:
            return "[" + "; ".join(", ".join(_num(v) for v in row) for row in a) + "]"
    finite = a[np.isfinite(a)]
    peak = _num(np.abs(finite).max()) if finite.size else "nan"
    return f"{'×'.join(map(str, a.shape))} array, max|·| {peak}"


def _errors(claimed: np.ndarray, ref: np.ndarray, rtol: float, atol: float) -> tuple[float, float, bool]:
    """Normwise errors of one claimed array against JAX's: (abs, rel, within tolerance)."""
    if not np.all(np.isfinite(claimed)):
        return float("inf"), float("inf"), False
    diff = float(np.max(np.abs(claimed - ref))) if ref.size else 0.0
    scale = float(np.max(np.abs(ref))) if ref.size else 0.0
    rel = diff / scale if scale > 0 else diff
    return diff, rel, diff <= atol + rtol * scale


def _hint(claimed: np.ndarray, ref: np.ndarray) -> str:
    """The shared diagnosis (:mod:`chainrule.reference.checker.diagnosis`) of a wrong local partial, as a short phrase."""
    c, r = np.atleast_1d(claimed), np.atleast_1d(ref)
    found = diagnose_values(c, r, out_shape=r.shape[:1], in_shape=r.shape[1:])
    return found or "no simple pattern (not a constant factor, not a transpose, not a few entries)"


def _with_value(formula: str, value: str) -> str:
    """``2x = 6``; just ``2`` when the formula is the number itself."""
    try:
        same = float(formula) == float(value)
    except ValueError:
        same = formula == value
    return value if same else f"{formula} = {value}"


def _arrow(path: tuple[str, ...]) -> str:
    return " → ".join(path)


# --- the recorded derivation ------------------------------------------------------------------------


@dataclass(frozen=True)
class _Step:
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
class _Claim:
    wrt: str
    fn: Callable[..., Any]
    params: tuple[str, ...]
    formula: str


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
        self._steps: list[_Step] = []
        self._claims: dict[str, _Claim] = {}
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
        params = _params_of(fn, f"{where}: its function")
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
            pp = _params_of(dfn, f"{where}: the partial for {p!r}")
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
        self._steps.append(_Step(
            name=name, fn=fn, params=params, partials=dict(partials), partial_params=partial_params,
            formula=formula if formula is not None else _describe(fn, params),
            partial_formulas={p: texts.get(p) or _describe(partials[p], partial_params[p])
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
        params = _params_of(fn, where)
        known = self._known()
        for q in params:
            if q not in known:
                raise ValueError(
                    f"{where}: parameter {q!r} names no variable defined so far (known: "
                    f"{', '.join(known)}); add the steps before the claim or rename the parameter"
                )
        self._claims[wrt] = _Claim(wrt, fn, params, formula or _describe(fn, params))
        return self

    def __repr__(self) -> str:
        return (f"Derivation(inputs={list(self._inputs)}, constants={list(self._consts)}, "
                f"steps={list(self.steps)}, claims={list(self._claims)})")

    # --- checking -------------------------------------------------------------------------------

    def _analyzer(self) -> Callable[..., Any]:
        """One function of (inputs, constants) → values, JAX's local partials, adjoints and totals."""
        steps = list(self._steps)
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

                def call(*a: Any, s: _Step = s) -> Any:
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

    def _points(self, around: int, seed: int, scale: float) -> dict[str, np.ndarray]:
        rng = np.random.default_rng(seed)
        pts = {}
        for name, x0 in self._inputs.items():
            step = rng.uniform(-1.0, 1.0, size=(around, *x0.shape)) * scale * (1.0 + np.abs(x0))
            pts[name] = np.concatenate([x0[None], x0[None] + step], axis=0)
        return pts

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
        from .tolerances import TOLERANCES

        tol = TOLERANCES["float64"]
        with x64(True):
            pts = self._points(around, seed, scale)
            if self._compiled is None:
                self._compiled = self._analyzer()
            env, local, adjoints, totals = jax.tree_util.tree_map(
                np.asarray, self._compiled(pts, dict(self._consts))
            )
            return _Checker(self, env, local, adjoints, totals, around, seed, scale, tol.rtol, tol.atol).run()


# --- the check itself --------------------------------------------------------------------------------


class _Checker:
    """Evaluates the claims at every usable point and assembles the report (inside x64)."""

    def __init__(self, d: Derivation, env: dict[str, np.ndarray], local: dict[str, dict[str, np.ndarray]],
                 adjoints: dict[str, np.ndarray], totals: dict[str, np.ndarray], around: int, seed: int,
                 scale: float, rtol: float, atol: float) -> None:
        self.d, self.env, self.local, self.jax_adj, self.jax_tot = d, env, local, adjoints, totals
        self.around, self.seed, self.scale, self.rtol, self.atol = around, seed, scale, rtol, atol
        self.out = d._steps[-1]
        self.reproduce = f"reproduce: .check(around={around}, seed={seed}, scale={scale:g})"

    def at(self, t: int) -> dict[str, np.ndarray]:
        vals = {n: self.env[n][t] for n in (*self.d._inputs, *(s.name for s in self.d._steps))}
        vals.update(self.d._consts)
        return vals

    def where(self, t: int) -> str:
        if t == 0:
            return "at the given point"
        return f"at random point {t}/{self.around} around it (seed {self.seed})"

    def usable_points(self) -> list[int]:
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
        for s in self.d._steps:
            v = self.env[s.name][0]
            args = ", ".join(f"{p} = {_fmt(self.env[p][0] if p in self.env else self.d._consts[p])}"
                             for p in s.params)
            if not np.all(np.isfinite(v)):
                raise ValueError(
                    f"step {s.name!r} = {s.formula}: its value at the point is not finite ({_fmt(v)}); its "
                    f"parameters there: {args or 'none'}. Choose a point inside every step's domain"
                )
            for p, J in self.local[s.name].items():
                if not np.all(np.isfinite(J[0])):
                    raise ValueError(
                        f"step {s.name!r} = {s.formula}: JAX's partial ∂{s.name}/∂{p} is not finite at the "
                        f"point ({_fmt(J[0])}), so the step is not differentiable there with respect to "
                        f"parameter {p!r} ({args}); choose another point"
                    )

    def claimed_partial(self, s: _Step, p: str, t: int) -> Any:
        vals = self.at(t)
        what = f"step {s.name!r}: the claimed partial ∂{s.name}/∂{p}"
        try:
            J = s.partials[p](**{q: vals[q] for q in s.partial_params[p]})
        except Exception as exc:
            raise ValueError(f"{what} raised {type(exc).__name__}: {exc} ({self.where(t)})") from exc
        expected = s.shape + self.d._shape(p)
        if _is_structured(J):
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
                f"{self.d._shape(p)} (numerator layout: out.shape + in.shape; a gradient has the "
                "argument's shape)"
            )
        return J

    def run(self) -> DerivationReport:
        d, out = self.d, self.out
        points = self.usable_points()
        step_checks = []
        max_abs = max_rel = 0.0
        claimed_at: dict[int, dict[str, dict[str, Any]]] = {}
        for t in points:
            claimed_at[t] = {s.name: {p: self.claimed_partial(s, p, t) for p in s.wrt} for s in d._steps}
        claimed0 = claimed_at[0]
        for s in d._steps:
            wrong, messages, s_abs, s_rel = [], [], 0.0, 0.0
            for p in s.wrt:
                for t in points:
                    c, r = _dense(claimed_at[t][s.name][p]), self.local[s.name][p][t]
                    e_abs, e_rel, ok = _errors(c, r, self.rtol, self.atol)
                    s_abs, s_rel = max(s_abs, e_abs), max(s_rel, e_rel)
                    if not ok:
                        wrong.append(p)
                        messages.append(self.partial_message(s, p, t, c, r))
                        break
            max_abs, max_rel = max(max_abs, s_abs), max(max_rel, s_rel)
            step_checks.append(StepCheck(
                name=s.name, formula=s.formula, params=s.wrt, value=self.env[s.name][0],
                claimed={p: _dense(claimed0[s.name][p]) for p in s.wrt},
                claimed_text={p: _fmt(claimed0[s.name][p]) for p in s.wrt},
                jax={p: self.local[s.name][p][0] for p in s.wrt},
                partial_formulas=dict(s.partial_formulas), wrong=tuple(wrong),
                max_abs_error=s_abs, max_rel_error=s_rel, messages=tuple(messages),
            ))
        combined = {t: self.combine(claimed_at[t]) for t in points}
        combination_ok, combination_message = True, None
        for x in d._inputs:
            for t in points:
                c, r = combined[t][x], self.jax_tot[x][t]
                e_abs, e_rel, ok = _errors(c, r, self.rtol, self.atol)
                max_abs, max_rel = max(max_abs, e_abs), max(max_rel, e_rel)
                if not ok and combination_ok:
                    combination_ok = False
                    combination_message = (
                        f"d{out.name}/d{x} from the claimed partials vs jax."
                        f"{'grad' if out.shape == () else 'jacfwd'} of the composed function | float64 | "
                        f"{self.where(t)} | derivation {_fmt(c)}, JAX {_fmt(r)} | {self.reproduce}"
                    )
        claims = [self.check_claim(c, points) for c in d._claims.values()]
        for c in claims:
            max_abs, max_rel = max(max_abs, c.max_abs_error), max(max_rel, c.max_rel_error)
        names = (*d._inputs, *(s.name for s in d._steps))
        return DerivationReport(
            output=out.name, output_shape=out.shape, inputs=tuple(d._inputs), constants=tuple(d._consts),
            values={n: self.env[n][0] for n in names} | dict(d._consts),
            steps=tuple(step_checks),
            adjoints={n: combined[0][n] for n in names},
            jax_adjoints={**{x: self.jax_tot[x][0] for x in d._inputs},
                          **{s.name: self.jax_adj[s.name][0] for s in d._steps}},
            gradients={x: combined[0][x] for x in d._inputs},
            jax_gradients={x: self.jax_tot[x][0] for x in d._inputs},
            claims=tuple(claims), combination_ok=combination_ok, combination_message=combination_message,
            seed=self.seed, around=self.around, scale=self.scale, points=len(points),
            dropped=1 + self.around - len(points), rtol=self.rtol, atol=self.atol,
            max_abs_error=max_abs, max_rel_error=max_rel,
        )

    def partial_message(self, s: _Step, p: str, t: int, c: np.ndarray, r: np.ndarray) -> str:
        idx: tuple[int, ...] = ()
        if c.ndim:
            idx = tuple(int(i) for i in np.unravel_index(int(np.argmax(np.abs(c - r))), c.shape))
        entry = f"entry {idx}: " if idx else ""
        at = "" if t == 0 else " (" + ", ".join(f"{x} = {_fmt(self.env[x][t])}" for x in self.d._inputs) + ")"
        return (
            f"step {s.name}: claimed ∂{s.name}/∂{p} = {s.partial_formulas[p]} vs jax.jacfwd of "
            f"{s.name} = {s.formula} | float64 | {self.where(t)}{at} | {entry}claimed "
            f"{_num(c[idx])}, JAX {_num(r[idx])} | {self.why(s, p, t, c, r)} | {self.reproduce}"
        )

    def seed_adjoint(self, step: _Step | None = None) -> np.ndarray:
        """``∂v/∂v``: 1 for a scalar, the identity reshaped to ``v.shape + v.shape`` for an array."""
        shape = (step or self.out).shape
        return np.eye(int(np.prod(shape, dtype=int))).reshape(shape + shape)

    def accumulate(self, target: _Step, partial: Callable[[str, str], Any]) -> dict[str, np.ndarray]:
        """Reverse accumulation: ``∂target/∂v`` for every variable upstream of ``target``.

        ``partial(step, param)`` gives the local partial to use; each step's adjoint is pushed to its
        parameters by the vector chain rule, and contributions reaching a variable along different
        paths are summed (the total-derivative chain rule, RULES C-6 and C-11).
        """
        steps = self.d._steps[: self.d._steps.index(target) + 1]
        adj: dict[str, np.ndarray] = {target.name: self.seed_adjoint(target)}
        for s in reversed(steps):
            if s.name not in adj:
                adj[s.name] = np.zeros(target.shape + s.shape)
                continue
            for p in s.wrt:
                term = _contract(adj[s.name], partial(s.name, p), len(s.shape))
                adj[p] = adj[p] + term if p in adj else term
        return adj

    def combine(self, claimed: dict[str, dict[str, Any]]) -> dict[str, np.ndarray]:
        """Every variable's ``∂y/∂v`` from the claimed partials (for an input: ``dy/dx``)."""
        adj = self.accumulate(self.out, lambda s, p: claimed[s][p])
        for x in self.d._inputs:
            adj.setdefault(x, np.zeros(self.out.shape + self.d._shape(x)))
        return adj

    def why(self, s: _Step, p: str, t: int, c: np.ndarray, r: np.ndarray) -> str:
        """A guess at what a wrong local partial is: a total derivative, a sign, a factor 2, a transpose."""
        if not np.all(np.isfinite(c)):
            return "the claimed value is not finite"
        total = self.accumulate(s, lambda a, b: self.local[a][b][t]).get(p)
        if total is not None and _errors(c, total, self.rtol, self.atol)[2]:
            return (f"that is the total derivative d{s.name}/d{p} (every path from {p}), not the local "
                    f"partial ∂{s.name}/∂{p} with the other parameters held fixed; the chain rule adds "
                    "the other paths itself, so they would be counted twice")
        if c.size == 1:
            for f, text in ((-1.0, "sign flipped"), (2.0, "off by a factor 2"), (0.5, "off by a factor 1/2")):
                if _errors(c, f * r, self.rtol, self.atol)[2]:
                    return text
            return "a different value"
        return _hint(c, r)

    def paths(self, x: str) -> list[tuple[str, ...]]:
        """Every dataflow path from input ``x`` to the output, as variable chains (capped)."""
        by_name = {s.name: s for s in self.d._steps}
        found: list[tuple[str, ...]] = []

        def walk(v: str, tail: tuple[str, ...]) -> None:
            if len(found) > _MAX_PATHS:
                return
            if v == x:
                found.append((v, *tail))
                return
            if v in by_name:
                for p in by_name[v].wrt:
                    walk(p, (v, *tail))

        walk(self.out.name, ())
        return found

    def path_term(self, path: tuple[str, ...], t: int) -> np.ndarray:
        """The path's contribution to dy/dx at point t: the product of JAX's local partials along it."""
        by_name = {s.name: s for s in self.d._steps}
        A = self.seed_adjoint()
        for child, parent in zip(reversed(path[1:]), reversed(path[:-1]), strict=True):
            A = _contract(A, self.local[child][parent][t], len(by_name[child].shape))
        return A

    def check_claim(self, claim: _Claim, points: list[int]) -> ClaimCheck:
        x, out = claim.wrt, self.out
        expected = out.shape + self.d._shape(x)
        what = f"claim d{out.name}/d{x} = {claim.formula}"
        values = {}
        for t in points:
            vals = self.at(t)
            try:
                c = claim.fn(**{q: vals[q] for q in claim.params})
            except Exception as exc:
                raise ValueError(f"{what} raised {type(exc).__name__}: {exc} ({self.where(t)})") from exc
            c = _dense(c)
            if c.shape != expected:
                raise ValueError(
                    f"{what} has shape {c.shape}, expected {expected} = {out.name}.shape {out.shape} + "
                    f"{x}.shape {self.d._shape(x)} (numerator layout)"
                )
            values[t] = c
        true = {t: self.jax_tot[x][t] for t in points}
        c_abs = c_rel = 0.0
        bad = None
        for t in points:
            e_abs, e_rel, ok = _errors(values[t], true[t], self.rtol, self.atol)
            c_abs, c_rel = max(c_abs, e_abs), max(c_rel, e_rel)
            if not ok and bad is None:
                bad = t
        missing: tuple[tuple[str, ...], ...] = ()
        doubled: tuple[tuple[str, ...], ...] = ()
        message = None
        if bad is not None:
            missing, doubled, note = self.explain(x, values, true, points)
            head = (f"{what} vs jax.{'grad' if out.shape == () else 'jacfwd'} | float64 | "
                    f"{self.where(bad)} | claimed {_fmt(values[bad])}, JAX {_fmt(true[bad])}")
            plural = "s" if len(missing or doubled) > 1 else ""
            if missing:
                note = (f"misses the path{plural} {' and '.join(_arrow(p) for p in missing)}: the "
                        "total-derivative chain rule sums the products of the partials over every path "
                        "from the input to the output (RULES C-6)")
            elif doubled:
                note = (f"counts the path{plural} {' and '.join(_arrow(p) for p in doubled)} twice "
                        "(RULES C-6 sums over each path once)")
            message = f"{head} | {note} | {self.reproduce}"
        return ClaimCheck(
            wrt=x, formula=claim.formula, claimed=values[0], jax=true[0], ok=bad is None,
            missing_paths=missing, doubled_paths=doubled, message=message,
            max_abs_error=c_abs, max_rel_error=c_rel,
        )

    def explain(self, x: str, claimed: dict[int, np.ndarray], true: dict[int, np.ndarray],
                points: list[int]) -> tuple[tuple[tuple[str, ...], ...], tuple[tuple[str, ...], ...], str]:
        """The smallest set of paths whose contributions make up ``JAX − claimed`` (missing paths) or
        ``claimed − JAX`` (doubled paths); an explanation only when exactly one set fits, else a note."""
        paths = self.paths(x)
        if not paths:
            return (), (), f"there is no path from {x} to {self.out.name}, so d{self.out.name}/d{x} = 0"
        if len(paths) > _MAX_PATHS:
            return (), (), f"more than {_MAX_PATHS} paths from {x}: not searched for a missing one"
        terms = {p: {t: self.path_term(p, t) for t in points} for p in paths}
        for size in range(1, min(_MAX_SUBSET, len(paths)) + 1):
            hits = []
            for sign, kind in ((1.0, "misses"), (-1.0, "counts twice")):
                for subset in itertools.combinations(paths, size):
                    if all(_errors(sign * (true[t] - claimed[t]), sum(terms[p][t] for p in subset),
                                   self.rtol, self.atol)[2] for t in points):
                        hits.append((kind, subset))
            if len(hits) == 1:
                kind, subset = hits[0]
                return (subset, (), "") if kind == "misses" else ((), subset, "")
            if hits:
                options = " or ".join(f"{k} {' and '.join(_arrow(p) for p in sub)}" for k, sub in hits)
                return (), (), (f"ambiguous at the points checked: it {options}; add random points "
                                "(check(around=8)) to tell them apart")
        return (), (), ("no missing or doubled path explains the difference: the combination of the "
                        "partials is right, so the hand-written total has another error")


# --- the report --------------------------------------------------------------------------------------


@dataclass(frozen=True)
class StepCheck:
    """One step of a checked derivation: its claimed local partials against ``jax.jacfwd``'s.

    ``claimed`` and ``jax`` map each differentiated parameter to the partial at the given point
    (dense, numerator layout); ``wrong`` lists the parameters whose claimed partial disagrees at some
    checked point, and ``messages`` says where and by how much.
    """

    name: str
    formula: str
    params: tuple[str, ...]
    value: np.ndarray
    claimed: dict[str, np.ndarray]
    claimed_text: dict[str, str]
    jax: dict[str, np.ndarray]
    partial_formulas: dict[str, str]
    wrong: tuple[str, ...]
    max_abs_error: float
    max_rel_error: float
    messages: tuple[str, ...]

    @property
    def ok(self) -> bool:
        return not self.wrong


@dataclass(frozen=True)
class ClaimCheck:
    """A claimed total derivative ``dy/dx`` against JAX, and the paths that explain a difference."""

    wrt: str
    formula: str
    claimed: np.ndarray
    jax: np.ndarray
    ok: bool
    missing_paths: tuple[tuple[str, ...], ...]
    doubled_paths: tuple[tuple[str, ...], ...]
    message: str | None
    max_abs_error: float
    max_rel_error: float


@dataclass(frozen=True)
class DerivationReport:
    r"""The outcome of :meth:`Derivation.check`.

    * ``ok``: every local partial, the combination and every claimed total agree with JAX;
    * ``adjoints[v]``: ``∂y/∂v`` for every input and step, from the *claimed* partials at the point
      (what MyGrad shows as ``v.grad``), shape ``y.shape + v.shape``; ``jax_adjoints`` is JAX's;
    * ``gradients[x]``: the total derivative ``dy/dx`` from the claimed partials; ``jax_gradients``
      is ``jax.grad`` (scalar y) or ``jax.jacfwd`` (vector y) of the composed function;
    * ``wrong_steps``: the steps whose claimed partials disagree with JAX, in order;
    * ``missing_paths[x]``: for a claimed total that is wrong while every local partial is right, the
      dataflow paths from ``x`` to ``y`` that it leaves out;
    * ``diagnosis``: one line saying what is wrong (``None`` when ok); ``str()`` is the step table.
    """

    output: str
    output_shape: tuple[int, ...]
    inputs: tuple[str, ...]
    constants: tuple[str, ...]
    values: dict[str, np.ndarray]
    steps: tuple[StepCheck, ...]
    adjoints: dict[str, np.ndarray]
    jax_adjoints: dict[str, np.ndarray]
    gradients: dict[str, np.ndarray]
    jax_gradients: dict[str, np.ndarray]
    claims: tuple[ClaimCheck, ...]
    combination_ok: bool
    combination_message: str | None
    seed: int
    around: int
    scale: float
    points: int
    dropped: int
    rtol: float
    atol: float
    max_abs_error: float
    max_rel_error: float

    @property
    def ok(self) -> bool:
        return not self.wrong_steps and self.combination_ok and all(c.ok for c in self.claims)

    @property
    def wrong_steps(self) -> tuple[str, ...]:
        return tuple(s.name for s in self.steps if s.wrong)

    @property
    def missing_paths(self) -> dict[str, tuple[tuple[str, ...], ...]]:
        return {c.wrt: c.missing_paths for c in self.claims if c.missing_paths}

    @property
    def messages(self) -> tuple[str, ...]:
        """Every failure, one line each (the seed and how to reproduce included)."""
        out = [m for s in self.steps for m in s.messages]
        if self.combination_message and not self.wrong_steps:
            out.append(self.combination_message)
        out.extend(c.message for c in self.claims if c.message)
        return tuple(out)

    @property
    def diagnosis(self) -> str | None:
        if self.ok:
            return None
        if self.wrong_steps:
            parts = [f"∂{s.name}/∂{p}" for s in self.steps for p in s.wrong]
            return (f"wrong local partial{'s' if len(parts) > 1 else ''}: {', '.join(parts)} (step"
                    f"{'s' if len(self.wrong_steps) > 1 else ''} {', '.join(self.wrong_steps)})")
        if not self.combination_ok:
            return ("the claimed partials agree with JAX but their combination does not: a step's value "
                    "depends on something that is not one of its parameters (a closure?)")
        for c in self.claims:
            if c.missing_paths:
                return (f"claimed d{self.output}/d{c.wrt} = {c.formula} misses the path"
                        f"{'s' if len(c.missing_paths) > 1 else ''} "
                        f"{' and '.join(_arrow(p) for p in c.missing_paths)}")
            if c.doubled_paths:
                return (f"claimed d{self.output}/d{c.wrt} = {c.formula} counts the path "
                        f"{' and '.join(_arrow(p) for p in c.doubled_paths)} twice")
            if not c.ok:
                return (f"claimed d{self.output}/d{c.wrt} = {c.formula} disagrees with JAX, and no "
                        "missing or doubled path explains it")
        return None  # pragma: no cover - ok covers every other case

    # --- rendering ------------------------------------------------------------------------------

    def _rows(self) -> list[tuple[str, str, str, str, str, str, str]]:
        """(variable, definition, value, claimed partials, JAX's partials, ∂y/∂v, status) rows."""
        rows = []
        y = self.output
        for x in self.inputs:
            g, gj = self.adjoints[x], self.jax_adjoints[x]
            same = _errors(g, gj, self.rtol, self.atol)[2]
            rows.append((x, "input", _fmt(self.values[x]), "", "",
                         _fmt(g) if same else f"{_fmt(g)} (JAX {_fmt(gj)})", "ok" if same else "differs"))
        for c in self.constants:
            rows.append((c, "constant", _fmt(self.values[c]), "", "", "", ""))
        for s in self.steps:
            a, aj = self.adjoints[s.name], self.jax_adjoints[s.name]
            same = _errors(a, aj, self.rtol, self.atol)[2]
            claimed = [f"∂/∂{p} = {_with_value(s.partial_formulas[p], s.claimed_text[p])}" for p in s.params]
            jaxs = [f"∂/∂{p} = {_fmt(s.jax[p])}" for p in s.params]
            status = "ok" if s.ok else "WRONG " + ", ".join(f"∂/∂{p}" for p in s.wrong)
            adj = _fmt(a) if same else f"{_fmt(a)} (JAX {_fmt(aj)})"
            rows.append((s.name if s.name != y else f"{s.name} (output)", s.formula, _fmt(s.value),
                         "\n".join(claimed) or "(constant)", "\n".join(jaxs) or "", adj, status))
        return rows

    def _header(self) -> tuple[str, ...]:
        return ("variable", "definition", "value", "claimed partials", "JAX's partials",
                f"∂{self.output}/∂·", "status")

    def _summary(self) -> list[str]:
        y = self.output
        diff = "jax.grad" if self.output_shape == () else "jax.jacfwd"
        lines = []
        for x in self.inputs:
            ok = _errors(self.gradients[x], self.jax_gradients[x], self.rtol, self.atol)[2]
            lines.append(f"d{y}/d{x} = {_fmt(self.gradients[x])} from the claimed partials; {diff}: "
                         f"{_fmt(self.jax_gradients[x])}  {'ok' if ok else 'DIFFERS'}")
        for c in self.claims:
            lines.append(f"claimed d{y}/d{c.wrt} = {c.formula} = {_fmt(c.claimed)}; JAX: {_fmt(c.jax)}  "
                         f"{'ok' if c.ok else 'WRONG'}")
        where = "the given point" if self.around == 0 else (
            f"the given point and {self.around} random points around it (seed {self.seed}, "
            f"scale {self.scale:g}{f'; {self.dropped} skipped: not finite' if self.dropped else ''})")
        lines.append(f"checked at {where}; float64, rtol {self.rtol:g}, atol {self.atol:g}")
        if self.ok:
            lines.append("PASS: every claimed partial agrees with JAX, and the chain rule reproduces "
                         f"{diff} of the composed function")
        else:
            lines.append(f"FAIL: {self.diagnosis}")
            lines.extend(f"  {m}" for m in self.messages)
        return lines

    def markdown(self, title: str | None = None) -> str:
        """The step table and the summary as GitHub Markdown."""

        def cell(text: str) -> str:
            return text.replace("|", "\\|").replace("\n", "<br>") or " "

        head = self._header()
        lines = [f"**{title}**", ""] if title else []
        lines.append("| " + " | ".join(head) + " |")
        lines.append("|" + "---|" * len(head))
        lines.extend("| " + " | ".join(cell(c) for c in row) + " |" for row in self._rows())
        lines.append("")
        lines.extend(f"- {s.strip()}" if not s.startswith("  ") else f"  - `{s.strip()}`"
                     for s in self._summary())
        return "\n".join(lines) + "\n"

    def table(self, title: str | None = None) -> Any:
        """The step table as a ``rich`` renderable (a table followed by the summary lines)."""
        from rich.console import Group
        from rich.table import Table
        from rich.text import Text

        table = Table(title=Text(title) if title else None, show_lines=True)
        for col in self._header():
            table.add_column(col, overflow="fold")
        for row in self._rows():
            status = row[-1]
            style = "green" if status == "ok" else ("bold red" if status else "")
            table.add_row(*(Text(c) for c in row[:-1]), Text(status, style=style))
        summary = []
        for line in self._summary():
            style = "bold green" if line.startswith("PASS") else "bold red" if line.startswith("FAIL") else ""
            summary.append(Text(line, style=style))
        return Group(table, *summary)

    def __rich__(self) -> Any:
        return self.table()

    def __str__(self) -> str:
        from rich.console import Console

        buf = io.StringIO()
        Console(file=buf, width=140, color_system=None, soft_wrap=True).print(self.table())
        return buf.getvalue()
