r"""``chainrule.derive``: the paper's procedure, automated: an expression in, a verified step-by-step
derivation and closed form out.

``derive(expr, wrt=..., shapes=...)`` reads ``expr`` (NumPy-like Python, :mod:`.parse`), introduces one
intermediate variable per operation, differentiates each by a catalog rule (its RULES, LF, LAYER or CB
ID, :mod:`.rules`), combines the partials by the chain rule (:mod:`.build`), substitutes back and
simplifies (:mod:`.simplify`), generates array-API code (:mod:`.codegen`), and **verifies**: every local
partial against ``jax.jacfwd`` through the derivation checker, the closed form and its code against JAX
through ``check_gradient``/``check_jacobian`` (:mod:`.verify`). ``report.verified`` is true only when
both passed. A scalar expression gets gradients shaped like each variable; a vector expression gets
Jacobians in numerator layout (with respect to vectors and scalars).

>>> r = derive("mean((y - relu(X @ w + b)) ** 2)", wrt=("w", "b"),
...            shapes={"X": ("N", "n"), "w": ("n",), "b": (), "y": ("N",)}, trials=20)
>>> r.verified
True
>>> print(r.formula)
∂C/∂w = (2/N) Xᵀ(1[z > 0] ⊗ (z − y)), where z = Xw + b
∂C/∂w = (2/N) Σ_i 1[z_i > 0] (z_i − y_i) x_iᵀ
∂C/∂b = (2/N) sum(1[z > 0] ⊗ (z − y)), where z = Xw + b
∂C/∂b = (2/N) Σ_i 1[z_i > 0] (z_i − y_i)
>>> import numpy as np
>>> r.functions["b"](X=np.eye(2), w=np.ones(2), b=0.0, y=np.zeros(2))
np.float64(2.0)
"""

from __future__ import annotations

import numbers
import time
from collections.abc import Mapping, Sequence
from typing import Any

from .build import closed_form, combine, intermediates, paths, per_sample
from .codegen import dim_sources, function_source, module_source, uses
from .expr import DeriveError, Expr
from .parse import parse
from .render import text
from .report import DeriveReport, Result
from .verify import _exec, verify_derivation

__all__ = ["DeriveError", "DeriveReport", "Result", "derive"]


def _domains(domains: Mapping[str, str] | None, shapes: Mapping[str, Any]) -> dict[str, str]:
    from ..samplers import DOMAINS

    out: dict[str, str] = {}
    for name, dom in (domains or {}).items():
        if name not in shapes:
            raise DeriveError(f"domains: {name!r} is not a variable; the variables are {', '.join(shapes)}")
        if dom not in DOMAINS:
            raise DeriveError(f"domains[{name!r}]: unknown domain {dom!r}; expected one of {sorted(DOMAINS)}")
        out[name] = dom
    return out


def _shape_text(s: tuple) -> str:
    return "(" + ", ".join(str(d) for d in s) + ("," if len(s) == 1 else "") + ")"


def _wrt_tuple(wrt: Any, shapes: Mapping[str, Any], e: Expr) -> tuple[str, ...]:
    if isinstance(wrt, str):
        items = [w.strip() for w in wrt.split(",") if w.strip()]
    elif isinstance(wrt, Sequence):
        items = list(wrt)
    else:
        raise TypeError(f"wrt: expected a variable name or a sequence of them, e.g. ('w', 'b'), got "
                        f"{type(wrt).__name__}")
    if not items:
        raise DeriveError("wrt: name at least one variable to differentiate with respect to")
    used = e.variables()
    for w in items:
        if not isinstance(w, str) or w not in shapes:
            raise DeriveError(f"wrt: {w!r} has no shape; the variables are {', '.join(shapes)}")
        if w not in used:
            raise DeriveError(f"wrt: {w!r} does not occur in the expression, so its derivative is 0; the "
                              f"expression's variables are {', '.join(sorted(used))}")
    if len(set(items)) != len(items):
        raise DeriveError(f"wrt: {items} names a variable twice")
    return tuple(items)


def derive(expr: str, wrt: str | Sequence[str], shapes: Mapping[str, Any], *, trials: int = 100,
           seed: int = 0, around: int = 8, domains: Mapping[str, str] | None = None) -> DeriveReport:
    r"""Derive ``∂expr/∂v`` for every ``v`` in ``wrt``, step by step, and verify it against JAX.

    ``shapes`` maps each variable to a tuple of dimensions, names or integers (``{"X": ("N", "n"),
    "w": ("n",), "b": ()}``); variables not in ``wrt`` are constants. ``trials`` random trials per
    variable check the closed form's code (at least 100 by default); ``around`` random points besides the
    drawn one check the local partials; ``seed`` fixes every draw. Each variable is drawn from a domain its
    uses need (``positive`` under ``log``, ``spd`` under ``log(det(·))``…); ``domains={"x": "positive"}``
    overrides that (the names of :data:`chainrule.reference.samplers.DOMAINS`). Raises :class:`DeriveError` (a
    ``ValueError``) for an unsupported construct or a shape mismatch, naming it.
    """
    start = time.perf_counter()
    for name, v, low in (("trials", trials, 1), ("seed", seed, 0), ("around", around, 0)):
        if isinstance(v, bool) or not isinstance(v, numbers.Integral) or v < low:
            raise ValueError(f"{name}: expected an integer ≥ {low}, got {v!r}")
    e = parse(expr, shapes)
    shapes = {k: (tuple(s) if not isinstance(s, str | int) else (s,)) for k, s in shapes.items()}
    wrt_t = _wrt_tuple(wrt, shapes, e)
    steps = intermediates(e, wrt_t)
    derived = combine(steps, wrt_t, shapes)
    cf = closed_form(steps, derived)
    output = steps[-1].name
    scalar = not steps[-1].node.shape

    names = [v for v in shapes if v in e.variables()]
    dims = dim_sources({v: shapes[v] for v in names})
    sources = [function_source("f", e, names, dims, [], doc=f"{output} = {text(e)}")]
    results: dict[str, Result] = {}
    fnames: dict[str, str] = {}
    for x in wrt_t:
        fname = ("grad_" if scalar else "jac_") + x
        fnames[x] = fname
        where = cf.where[x]
        line = text(cf.results[x])
        doc = f"∂{output}/∂{x} = {line}" + (", where " + "; ".join(f"{n} = {text(w)}" for n, w in where)
                                              if where else "")
        sources.append(function_source(fname, cf.results[x], names, dims, where, doc=doc))
        shape = tuple(shapes[x]) if scalar else (*steps[-1].node.shape, *shapes[x])
        results[x] = Result(x, "gradient" if scalar else "jacobian", shape, line,
                            tuple((n, text(w)) for n, w in where), fname,
                            per_sample(cf.results[x]) if scalar else None)
    helpers = uses([e, *cf.results.values(), *(w for ws in cf.where.values() for _, w in ws)])
    header = (f"Generated by chainrule derive: {output} = {expr}\n\n"
              f"Shapes: {', '.join(f'{k} {_shape_text(s)}' for k, s in shapes.items())}. "
              + ("Gradients are shaped like their variable." if scalar else "Jacobians are in numerator layout."))
    source = module_source(header, sources, helpers)
    functions = {x: _exec(source, fnames[x]) for x in wrt_t}
    primal = _exec(source, "f")
    verification = verify_derivation(e, steps, wrt_t, shapes, functions, primal, trials=trials, seed=seed,
                                     around=around, domains=_domains(domains, shapes))
    rules = tuple(dict.fromkeys(p.rule for s in steps for p in s.partials))
    return DeriveReport(
        expression=expr.strip(), output=output, wrt=wrt_t, shapes=dict(shapes), steps=tuple(steps),
        combinations=tuple(derived.combinations), paths={x: tuple(paths(steps, x)) for x in wrt_t},
        results=results, code=source, functions=functions, verification=verification,
        seconds=time.perf_counter() - start, rules=rules,
    )
