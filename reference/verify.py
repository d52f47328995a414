"""Verify catalog rules: closed form vs ``jax.jacfwd`` and ``jax.jacrev`` on randomized inputs.

For each rule and each of its shape configurations:

1. draw ``trials`` inputs from the arguments' domains (seeded; trials too close to a kink are redrawn);
2. compute the reference with ``jax.jacfwd`` and with ``jax.jacrev``: the two must agree;
3. compare the closed form with both, entry by entry, within the dtype's tolerance;

all trials of one configuration run as one ``jax.jit(jax.vmap(...))`` call, so a configuration costs
one compilation.

Error measures, per trial, with ``r`` the JAX Jacobian and ``c`` the claimed one:
``abs = max|c − r|`` and ``rel = abs / max|r|`` (normwise relative error; ``abs`` alone when ``r = 0``).
A trial passes when ``abs ≤ atol + rtol·max|r|``, with ``(rtol, atol)`` from :data:`TOLERANCES`.
"""

from __future__ import annotations

import fnmatch
import functools
import time
import zlib
from collections.abc import Callable, Iterable, Mapping
from dataclasses import asdict, dataclass, field
from typing import Any

import jax
import jax.numpy as jnp
import numpy as np

from chainrule.analytic.structured import todense

from .autodiff import x64
from .catalog import REFERENCE_SECTIONS, TOPICS, Rule
from .checker.diagnosis import diagnose_values
from .samplers import sample
from .tolerances import TOLERANCES, Tolerance

__all__ = ["TOLERANCES", "WITNESSES", "RuleResult", "Tolerance", "select", "verify_catalog", "verify_rule"]


#: The dtypes ``verify_rule`` runs the catalog in.
VERIFY_DTYPES = ("float64", "float32")


@dataclass
class RuleResult:
    """The outcome of verifying one rule (the row of ``chainrule verify`` and its JSON)."""

    name: str
    id: str
    topic: str
    section: str
    status: str
    trials: int
    max_abs_error: float
    max_rel_error: float
    dtype: str
    shapes: list[str] = field(default_factory=list)
    message: str | None = None
    seconds: float = 0.0

    @property
    def ok(self) -> bool:
        return self.status == "pass"

    def to_json(self) -> dict[str, Any]:
        d = asdict(self)
        for key in ("max_abs_error", "max_rel_error"):
            d[key] = float(d[key]) if np.isfinite(d[key]) else None
        return d


def select(rules: Iterable[Rule], pattern: str | None) -> list[Rule]:
    """Rules matching ``pattern``: comma-separated terms, each case-insensitive; a rule matching any is selected.

    * a RULES ID (``L-3``, ``LAYER-2``) selects exactly that ID (``C-1`` is not ``C-10``);
    * a topic name (``scalar``, ``loss``) selects exactly that topic (``scalar`` is not ``scalar-expansion``);
    * the paper's §8 reference items (``REF-8.1`` … ``REF-8.5``) select the rules they restate;
    * anything else is a substring of, or a glob over, a rule's name, ID or topic (``grad_loss``, ``jac_*``).
    """
    rules = list(rules)
    if not pattern:
        return rules
    terms = [p.strip().lower() for p in pattern.split(",") if p.strip()]
    known_ids = {r.id.lower() for r in rules}
    exact_ids: set[str] = set()
    topics: set[str] = set()
    pats: list[str] = []
    for term in terms:
        ref = next((ids for k, ids in REFERENCE_SECTIONS.items() if k.lower() == term), None)
        if ref is not None:  # the paper's §8 restates earlier rules by their IDs
            exact_ids |= {i.lower() for i in ref}
        elif term in known_ids:
            exact_ids.add(term)
        elif term in TOPICS:
            topics.add(term)
        else:
            pats.append(term)

    def hit(rule: Rule) -> bool:
        if rule.id.lower() in exact_ids or rule.topic in topics:
            return True
        fields = (rule.name.lower(), rule.id.lower(), rule.topic.lower())
        return any(p in f or fnmatch.fnmatchcase(f, p) for p in pats for f in fields)

    return [r for r in rules if hit(r)]


def _rng(seed: int, rule: Rule, config: int) -> np.random.Generator:
    return np.random.default_rng([seed, zlib.crc32(rule.name.encode()), config])


def draw_inputs(
    rule: Rule, sizes: Mapping[str, int], trials: int, rng: np.random.Generator, dtype: str
) -> dict[str, np.ndarray]:
    """``trials`` draws of every argument (leading axis = trial), redrawing trials near a kink."""
    shapes = rule.shapes(sizes)
    out = {a.name: sample(a.domain, rng, (trials, *shapes[a.name]), dtype) for a in rule.args}
    if rule.kink is None:
        return out
    for _ in range(200):
        bad = [
            t
            for t in range(trials)
            if np.min(np.abs(np.asarray(rule.kink(**{k: v[t] for k, v in out.items()}), dtype=float)),
                      initial=np.inf) < rule.kink_margin
        ]
        if not bad:
            return out
        for a in rule.args:
            out[a.name][bad] = sample(a.domain, rng, (len(bad), *shapes[a.name]), dtype)
    raise RuntimeError(
        f"{rule.name}: could not draw {trials} trials away from the kink (margin {rule.kink_margin}) "
        f"for shapes {rule.describe_shapes(sizes)}; widen the domain or lower the margin"
    )


#: The two JAX computations each kind of reference is checked against.
WITNESSES = {
    "jacobian": ("jax.jacfwd", "jax.jacrev"),
    "step": ("jax.jacfwd step", "jax.jacrev step"),
    "hessian": ("jacfwd(jacrev)", "jacrev(jacfwd)"),
    "hvp": ("jvp(grad)", "vjp(grad)"),
    "jvp": ("jax.jvp", "jax.jacrev · t"),
}


#: Compile quickly rather than optimize: verification programs are small and each runs once.
_FAST_COMPILE = {"xla_backend_optimization_level": 0}


@functools.cache
def _batched(rule: Rule) -> Callable[..., Any]:
    primal, derivative = rule.bound_primal, rule.bound_derivative
    k = rule.argnum

    def reference(J: Any, args: tuple[Any, ...]) -> Any:
        if rule.layout == "denominator":
            out_ndim = J.ndim - args[k].ndim
            J = jnp.transpose(J, tuple(range(out_ndim, J.ndim)) + tuple(range(out_ndim)))
        if rule.reference == "step":
            J = args[k] - rule.params["eta"] * J
        return J

    def witnesses(*args: Any) -> tuple[Any, Any]:
        """JAX's two independent computations of what the closed form claims."""
        if rule.reference == "hessian":
            return (jax.jacfwd(jax.jacrev(primal, argnums=k), argnums=k)(*args),
                    jax.jacrev(jax.jacfwd(primal, argnums=k), argnums=k)(*args))
        if rule.reference == "hvp":
            *xs, t = args
            grad = jax.grad(primal, argnums=k)
            tangents = [jnp.zeros_like(x) for x in xs]
            tangents[k] = t
            fwd = jax.jvp(grad, tuple(xs), tuple(tangents))[1]
            rev = jax.vjp(lambda x: grad(*xs[:k], x, *xs[k + 1:]), xs[k])[1](t)[0]
            return fwd, rev
        if rule.reference == "jvp":
            *xs, t = args
            tangents = [jnp.zeros_like(x) for x in xs]
            tangents[k] = t
            fwd = jax.jvp(primal, tuple(xs), tuple(tangents))[1]
            rev = jnp.tensordot(jax.jacrev(primal, argnums=k)(*xs), t, axes=t.ndim)
            return fwd, rev
        return (reference(jax.jacfwd(primal, argnums=k)(*args), args),
                reference(jax.jacrev(primal, argnums=k)(*args), args))

    def one(*args: Any) -> tuple[Any, Any, Any]:
        fwd, rev = witnesses(*args)
        claimed = jnp.asarray(todense(derivative(*args)))
        return fwd, rev, claimed

    batched = jax.vmap(one)
    # One compilation per rule: every shape configuration in the same jitted call. The programs are tiny
    # and run once, so XLA's backend optimizations cost more than they save (about half the compile time).
    return jax.jit(lambda configs: [batched(*args) for args in configs], compiler_options=_FAST_COMPILE)


def _evaluate(
    rule: Rule, trials: int, seed: int, dtype: str
) -> tuple[list[dict[str, np.ndarray]], list[tuple[np.ndarray, ...]], tuple[int, Exception] | None]:
    """Draw every configuration's inputs and run them; on an exception, find the configuration."""
    draws = [draw_inputs(rule, s, trials, _rng(seed, rule, i), dtype) for i, s in enumerate(rule.sizes)]
    configs = [tuple(jnp.asarray(d[a.name]) for a in rule.args) for d in draws]
    fn = _batched(rule)
    try:
        outputs = [tuple(np.asarray(a) for a in out) for out in fn(configs)]
        return draws, outputs, None
    except Exception as exc:  # a candidate that raises is a failure, never a pass: which config?
        for i, args in enumerate(configs):
            try:
                fn([args])
            except Exception as exc_i:
                return draws, [], (i, exc_i)
        return draws, [], (0, exc)


def _errors(claimed: np.ndarray, ref: np.ndarray, tol: Tolerance) -> tuple[np.ndarray, ...]:
    axes = tuple(range(1, ref.ndim))
    diff = np.abs(claimed.astype(np.float64) - ref.astype(np.float64))
    abs_err = diff.max(axis=axes) if axes else diff
    scale = np.abs(ref.astype(np.float64)).max(axis=axes) if axes else np.abs(ref)
    rel_err = np.where(scale > 0, abs_err / np.where(scale > 0, scale, 1.0), abs_err)
    ok = abs_err <= tol.atol + tol.rtol * scale
    ok &= np.isfinite(claimed.reshape(len(claimed), -1)).all(axis=1)
    return abs_err, rel_err, ok


def _hint(claimed: np.ndarray, ref: np.ndarray, wrt_ndim: int) -> str:
    """The shared diagnosis (:mod:`chainrule.reference.checker.diagnosis`) of one failing trial, as a short phrase."""
    out_ndim = ref.ndim - wrt_ndim
    found = diagnose_values(np.atleast_1d(claimed), np.atleast_1d(ref), out_shape=ref.shape[:out_ndim],
                            in_shape=ref.shape[out_ndim:])
    return found or "no simple pattern (not a constant factor, not a transpose, not a few entries)"


def verify_rule(rule: Rule, *, trials: int = 100, seed: int = 0, dtype: str = "float64") -> RuleResult:
    """Check ``rule``'s closed form against jacfwd and jacrev over ``trials`` draws per shape config."""
    if trials < 1:
        raise ValueError(f"trials: expected at least 1, got {trials}")
    if dtype not in VERIFY_DTYPES:
        raise ValueError(f"dtype: expected one of {list(VERIFY_DTYPES)}, got {dtype!r}")
    tol = TOLERANCES[dtype]
    start = time.perf_counter()
    result = RuleResult(
        name=rule.name, id=rule.id, topic=rule.topic, section=rule.section, status="pass",
        trials=0, max_abs_error=0.0, max_rel_error=0.0, dtype=dtype,
        shapes=[rule.describe_shapes(s) for s in rule.sizes],
    )
    reproduce = f"reproduce: chainrule verify -k {rule.name} --seed {seed} --dtype {dtype}"
    with x64(True):
        _, outputs, failure = _evaluate(rule, trials, seed, dtype)
        if failure is not None:
            config, exc = failure
            last = f"{type(exc).__name__}: {str(exc).strip().splitlines()[0] if str(exc).strip() else ''}"
            result.status = "fail"
            result.message = (
                f"{rule.name} (wrt {rule.wrt}) | {dtype} | {rule.describe_shapes(rule.sizes[config])} | "
                f"seed {seed} | the closed form or primal raised: {last} | {reproduce}"
            )
            outputs = []
        for sizes, (fwd, rev, claimed) in zip(rule.sizes, outputs, strict=False):
            where = f"{rule.name} (wrt {rule.wrt}) | {dtype} | {rule.describe_shapes(sizes)}"
            result.trials += trials
            if claimed.shape != fwd.shape:
                result.status = "fail"
                result.message = (
                    f"{where} | wrong shape: claimed {claimed.shape[1:]}, JAX {fwd.shape[1:]} "
                    f"(numerator layout is out.shape + in.shape) | {reproduce}"
                )
                break
            if claimed.dtype != fwd.dtype:
                result.status = "fail"
                result.message = (
                    f"{where} | wrong dtype: claimed {claimed.dtype}, JAX {fwd.dtype} (a constant promoted "
                    f"the result?) | {reproduce}"
                )
                break
            if not (np.isfinite(fwd).all() and np.isfinite(rev).all()):
                finite = np.isfinite(np.concatenate([fwd.reshape(trials, -1), rev.reshape(trials, -1)], axis=1))
                finite = finite.all(axis=1)
                t = int(np.flatnonzero(~finite)[0])
                result.status = "fail"
                result.message = (
                    f"{where} | seed {seed}, trial {t + 1}/{trials} | JAX's derivative is not finite: the "
                    f"domain lets an input reach a singularity | {reproduce}"
                )
                break
            _, _, agree = _errors(rev, fwd, tol)
            if not agree.all():
                t = int(np.flatnonzero(~agree)[0])
                result.status = "fail"
                result.message = (
                    f"{where} | seed {seed}, trial {t + 1}/{trials} | JAX's two witnesses "
                    f"({' and '.join(WITNESSES[rule.reference])}) disagree: "
                    f"the primal is not differentiable there | {reproduce}"
                )
                break
            for ref, label in zip((fwd, rev), WITNESSES[rule.reference], strict=True):
                abs_err, rel_err, ok = _errors(claimed, ref, tol)
                result.max_abs_error = max(result.max_abs_error, float(np.max(abs_err)))
                result.max_rel_error = max(result.max_rel_error, float(np.max(rel_err)))
                if not ok.all() and result.status == "pass":
                    t = int(np.argmax(np.where(ok, -np.inf, rel_err)))
                    c, r = claimed[t], ref[t]
                    idx = np.unravel_index(int(np.argmax(np.abs(c - r))), c.shape) if c.ndim else ()
                    result.status = "fail"
                    result.message = (
                        f"{rule.name} vs {label} (wrt {rule.wrt}) | {dtype} | {rule.describe_shapes(sizes)} "
                        f"| seed {seed}, trial {t + 1}/{trials} | {int((~ok).sum())}/{trials} trials fail "
                        f"| entry {tuple(int(i) for i in idx)}: claimed {float(c[idx]):.6g}, JAX "
                        f"{float(r[idx]):.6g} | {_hint(c, r, len(rule.args[rule.argnum].concrete_shape(sizes)))} "
                        f"| {reproduce}"
                    )
    result.seconds = time.perf_counter() - start
    return result


def verify_catalog(
    rules: Iterable[Rule],
    *,
    trials: int = 100,
    seed: int = 0,
    dtype: str = "float64",
    on_result: Callable[[RuleResult], None] | None = None,
) -> list[RuleResult]:
    """Verify every rule in ``rules``; ``on_result`` is called after each (for progress bars)."""
    results = []
    for rule in rules:
        r = verify_rule(rule, trials=trials, seed=seed, dtype=dtype)
        results.append(r)
        if on_result is not None:
            on_result(r)
    return results
