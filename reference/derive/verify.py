r"""Verification of a derivation, always: each local partial through the derivation checker
(:class:`chainrule.Derivation`), the closed form and its generated code through ``check_gradient`` or
``check_jacobian`` (100 random trials by default), both against JAX.

Named dimensions get small distinct sizes for the checks (:func:`sizes_for`: 3, 4, 5, 2, …, so a
transposed or mis-summed result cannot hide behind equal sizes). Each variable is drawn from a domain
its uses need (:func:`domains_for`): ``positive`` under ``log``, ``sqrt`` or a fractional power,
``nonzero`` under a negative power or as a divisor, ``spd`` under ``log(det(·))``, ``well_conditioned``
under ``det`` and ``inv``, ``real`` otherwise.

A local partial is the rule's own linear map (:func:`.rules.vjp`) written out as a Jacobian, one basis
cotangent at a time, so the derivation checker compares the rule itself with ``jax.jacfwd`` of the step.
"""

from __future__ import annotations

import time
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import numpy as np

from ..samplers import DOMAINS, sample
from .build import Step
from .codegen import HELPERS
from .expr import DeriveError, Expr, add
from .expr import var as _var
from .render import code
from .rules import unbroadcast, vjp

__all__ = ["Verification", "domains_for", "sizes_for", "verify_derivation"]

_SIZES = (3, 4, 5, 2, 6, 7, 8, 9)


def sizes_for(shapes: Mapping[str, tuple]) -> dict[str, int]:
    """A distinct small size for every named dimension (in order of first appearance)."""
    names: list[str] = []
    for shape in shapes.values():
        for d in shape:
            if isinstance(d, str) and d not in names:
                names.append(d)
    return {d: _SIZES[i % len(_SIZES)] + 8 * (i // len(_SIZES)) for i, d in enumerate(names)}


def domains_for(e: Expr) -> dict[str, str]:
    """The domain each variable is drawn from, from what the expression does to it directly."""
    need: dict[str, str] = {}
    rank = {"real": 0, "nonzero": 1, "positive": 2, "well_conditioned": 3, "spd": 4}

    def want(node: Expr, domain: str) -> None:
        if node.op == "var" and rank[domain] > rank[need.get(node.attr, "real")]:
            need[node.attr] = domain
        elif domain == "positive" and node.op in ("add", "mul", "div", "matmul", "sum", "mean", "pow", "norm"):
            # positive operands make these positive (x·w > 0 for positive x and w); exp, softmax and σ
            # are positive already, and a difference cannot be helped this way
            for a in node.args:
                want(a, "positive")

    for node in e.walk():
        if node.op in ("log", "sqrt"):
            want(node.args[0], "positive")
            if node.op == "log" and node.args[0].op == "det":
                want(node.args[0].args[0], "spd")
        if node.op == "pow" and not (isinstance(node.attr, int) or getattr(node.attr, "denominator", 0) == 1):
            want(node.args[0], "positive")
        elif node.op == "pow" and node.attr < 0:
            want(node.args[0], "nonzero")
        if node.op == "div":
            want(node.args[1], "nonzero")
        if node.op in ("det", "inv"):
            want(node.args[0], "well_conditioned")
    return {v: need.get(v, "real") for v in sorted(e.variables())}


@dataclass
class Verification:
    """What was checked and how it came out."""

    derivation: Any          # chainrule.reference.derivation.DerivationReport
    checks: dict[str, Any]   # variable -> CheckReport of the generated code
    sizes: dict[str, int]
    domains: dict[str, str]
    seconds: float

    @property
    def ok(self) -> bool:
        return bool(self.derivation.ok) and all(r.ok for r in self.checks.values())


def _exec(source: str, name: str) -> Any:
    from array_api_compat import array_namespace

    scope: dict[str, Any] = {"array_namespace": array_namespace, "np": np}
    for h in HELPERS.values():
        exec(h, scope)
    exec(source, scope)
    return scope[name]


def _step_function(step: Step, dims: Mapping[str, str]) -> Any:
    params = list(dict.fromkeys(step.operands))
    src = (f"def _step({', '.join(params)}):\n"
           f"    import jax.numpy as xp\n"
           f"    return {code(step.node, dims)}\n")
    return _exec(src, "_step")


def _partial_function(step: Step, name: str, dims: Mapping[str, str]) -> Any:
    """``∂u/∂name`` as a dense numerator-layout array, from the rules' VJPs on basis cotangents, summed
    over every operand position ``name`` takes (``X @ X`` reads ``X`` twice)."""
    node = step.node
    positions = [i for i, a in enumerate(node.args) if a.op == "var" and a.attr == name]
    operand = node.args[positions[0]]
    g = _var("_g", node.shape)
    u = _var(step.name, node.shape)
    body = unbroadcast(vjp(node, positions[0], g, u), operand.shape)
    for i in positions[1:]:
        body = add(body, unbroadcast(vjp(node, i, g, u), operand.shape))
    params = list(dict.fromkeys([*step.operands, step.name]))
    src = (f"def _partial({', '.join(params)}):\n"
           f"    xp = np\n"
           f"    _out = np.shape({step.name})\n"
           f"    _rows = []\n"
           f"    for _k in range(int(np.prod(_out, dtype=int))):\n"
           f"        _g = np.zeros(int(np.prod(_out, dtype=int)))\n"
           f"        _g[_k] = 1.0\n"
           f"        _g = _g.reshape(_out)\n"
           f"        _rows.append(np.broadcast_to(np.asarray({code(body, dims)}, dtype=float), "
           f"np.shape({operand.attr})))\n"
           f"    return np.stack(_rows).reshape(_out + np.shape({operand.attr}))\n")
    return _exec(src, "_partial")


def _draw(shapes: Mapping[str, tuple], sizes: Mapping[str, int], domains: Mapping[str, str],
          seed: int) -> dict[str, np.ndarray]:
    rng = np.random.default_rng(seed)
    out = {}
    for name, shape in shapes.items():
        concrete = tuple(sizes[d] if isinstance(d, str) else d for d in shape)
        out[name] = np.asarray(sample(domains.get(name, "real"), rng, concrete, "float64"), dtype=np.float64)
    return out


def verify_derivation(expression: Expr, steps: list[Step], wrt: tuple[str, ...], shapes: Mapping[str, tuple],
                      functions: Mapping[str, Any], primal: Any, *, trials: int, seed: int, around: int,
                      domains: Mapping[str, str] | None = None) -> Verification:
    """Check every local partial (derivation checker) and the generated code (``check_*``) against JAX.

    ``domains`` overrides the inferred domain of some variables (names of :data:`chainrule.reference.samplers.
    DOMAINS`). The point of the derivation check is redrawn (up to 20 times) until the expression is finite
    there; if it never is, a :class:`~.expr.DeriveError` says which domains to pass."""
    from ..check import check_gradient, check_jacobian
    from ..derivation import Derivation

    start = time.perf_counter()
    sizes = sizes_for(shapes)
    inferred = domains_for(expression)
    domains = {**inferred, **(domains or {})}
    dims = {d: str(n) for d, n in sizes.items()}
    used = [v for v in shapes if v in expression.variables()]
    for attempt in range(20):
        point = _draw({v: shapes[v] for v in used}, sizes, domains, seed + attempt)
        with np.errstate(all="ignore"):
            value = np.asarray(primal(**point), dtype=float)
        if np.all(np.isfinite(value)):
            break
    else:
        raise DeriveError(
            f"the expression is not finite at 20 points drawn from the domains {domains}: its variables need "
            "other domains; pass domains={name: domain} to derive (chainrule derive --domain NAME=DOMAIN), "
            f"with a domain from {sorted(DOMAINS)}")
    inputs = {v: point[v] for v in used if v in wrt}
    consts = {v: point[v] for v in used if v not in wrt}
    d = Derivation(**inputs)
    if consts:
        d.const(**consts)
    for s in steps:
        partials = {}
        texts = {}
        for a in s.node.args:
            if a.op == "var" and a.attr not in consts and a.attr not in partials:
                partials[a.attr] = _partial_function(s, a.attr, dims)
                match = [p.formula for p in s.partials if p.wrt == a.attr]
                texts[a.attr] = match[0] if match else "(constant with respect to " + ", ".join(wrt) + ")"
        d.let(s.name, _step_function(s, dims), partials, formula=s.formula, partial_formulas=texts)
    derivation = d.check(around=around, seed=seed)

    names = list(used)
    args = [point[v] for v in names]

    def positional(fn: Any) -> Any:
        """``fn`` taking the variables by position, under its own name and the variables' names (so a
        check's messages and reproduce line name them)."""
        fname = getattr(fn, "__name__", "f")
        src = f"def {fname}({', '.join(names)}):\n    return _fn({', '.join(f'{v}={v}' for v in names)})\n"
        scope: dict[str, Any] = {"_fn": fn}
        exec(src, scope)
        return scope[fname]

    f = positional(primal)
    checks = {}
    scalar = not steps[-1].node.shape
    for x in wrt:
        check = check_gradient if scalar else check_jacobian
        checks[x] = check(f, positional(functions[x]), *args, argnums=names.index(x), trials=trials,
                          seed=seed,
                          domains={v: domains[v] for v in names}, name=functions[x].__name__)
    return Verification(derivation, checks, sizes, domains, time.perf_counter() - start)
