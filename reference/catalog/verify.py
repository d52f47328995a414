"""Verify catalog rules through the one comparison engine (:mod:`chainrule.reference.checker`).

Each record is turned into the check a user would write for it: its closed form is the candidate, its
analytic primal is ``f``, so ``chainrule verify`` meets exactly the checker whose tests prove it catches
wrong derivatives, and a broken record gets the same diagnosis ``check_jacobian`` gives. For each rule
and each of its shape configurations:

1. draw ``trials`` inputs from the arguments' domains (seeded from the seed, the rule's name and the
   configuration; trials within ``kink_margin`` of the record's ``kink`` are redrawn; no edge trials —
   the conventions at kinks are pinned by exact tests);
2. compute JAX's references (``jacfwd`` and ``jacrev``, which must agree; ``jacfwd(jacrev)`` and
   ``jacrev(jacfwd)`` for a Hessian; ``jax.jvp`` for a JVP, of ``jax.grad`` for an HVP) on the same
   analytic primal, in float64 (scoped ``jax.enable_x64``);
3. compare the closed form block by block with the one tolerance table, and diagnose a failure.

How a record's reference kind becomes a check:

==============  ==============================================================================
reference       check
==============  ==============================================================================
``jacobian``    ``check_jacobian(primal, derivative)`` (a denominator-layout rule transposed back)
``hessian``     ``check_hessian(primal, derivative)``
``jvp``         ``check_jvp(primal, derivative)`` (the tangent is the record's last argument)
``hvp``         ``check_jvp(jax.grad(primal), derivative)``: ``H·t`` is the JVP of the gradient
``step``        ``check_gradient(primal, (x − step(x))/η)``: the gradient the descent step implies
==============  ==============================================================================

A trial passes when ``max|claimed − JAX| ≤ atol + rtol·max|JAX|``, with ``(rtol, atol)`` from
:data:`TOLERANCES`; a closed form must return the inputs' dtype exactly (float32 stays float32).
"""

from __future__ import annotations

import fnmatch
import math
import time
import zlib
from collections.abc import Callable, Iterable, Mapping
from dataclasses import asdict, dataclass, field
from typing import Any

import array_api_compat
import jax
import numpy as np

from ..._structured import todense
from ..autodiff import x64
from ..checker.engine import run_many
from ..checker.problem import Problem, setup
from ..checker.report import CheckReport
from ..tolerances import TOLERANCES, Tolerance
from . import REFERENCE_SECTIONS
from ._record import TOPICS, Rule

__all__ = [
    "TOLERANCES", "WITNESSES", "RuleResult", "Tolerance", "config_seed", "draw_inputs", "rule_check", "select",
    "verify_catalog", "verify_rule",
]


#: The dtypes ``verify_rule`` runs the catalog in.
VERIFY_DTYPES = ("float64", "float32")


@dataclass
class RuleResult:
    """The outcome of verifying one rule (the row of ``chainrule verify`` and its JSON).

    ``status``: ``"pass"``; ``"fail"``; or ``"xfail"`` for a record that is wrong on purpose (a printed
    misprint, ``Rule.expect == "fail"``) and failed, as expected. An expected failure that passes is a
    ``"fail"``: the record no longer shows what it claims to show.
    """

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
    # equivalent mutants (no mutate): annotations, strings under `from __future__ import annotations`
    message: str | None = None  # pragma: no mutate
    diagnosis: str | None = None  # pragma: no mutate
    seconds: float = 0.0

    @property
    def ok(self) -> bool:
        """True for ``"pass"`` and for ``"xfail"`` (a misprinted formula failing, as it must)."""
        return self.status in ("pass", "xfail")

    def to_json(self) -> dict[str, Any]:
        d = asdict(self)
        for key in ("max_abs_error", "max_rel_error"):
            d[key] = float(d[key]) if np.isfinite(d[key]) else None
        return d


def select(rules: Iterable[Rule], pattern: str | None) -> list[Rule]:  # pragma: no mutate - annotations (PEP 563)
    """Rules matching ``pattern``: comma-separated terms, each case-insensitive; a rule matching any is selected.

    * a RULES ID (``L-3``, ``LAYER-2``, ``CB-70``) selects exactly that ID (``C-1`` is not ``C-10``), and so
      does a record's former ID, kept as an alias (``MAT-3`` selects ``CB-70``'s record);
    * a topic name (``scalar``, ``loss``) selects exactly that topic (``scalar`` is not ``scalar-expansion``);
      ``matrix``, the former topic of the ``MAT-*`` records (now ``cookbook``), selects them by their aliases;
    * the paper's §8 reference items (``REF-8.1`` … ``REF-8.5``) select the rules they restate;
    * anything else is a substring of, or a glob over, a rule's name, ID or topic (``grad_loss``, ``jac_*``).
    """
    rules = list(rules)
    if not pattern:
        return rules
    terms = [p.strip().lower() for p in pattern.split(",") if p.strip()]
    known_ids = {r.id.lower() for r in rules} | {a.lower() for r in rules for a in r.aliases}
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
        elif term == "matrix":  # the former topic of the MAT-* records, now CB-* records with MAT-* aliases
            pats.append("mat-*")
        else:
            pats.append(term)

    def hit(rule: Rule) -> bool:
        aliases = {a.lower() for a in rule.aliases}
        if rule.id.lower() in exact_ids or rule.topic in topics or aliases & exact_ids:
            return True
        fields = (rule.name.lower(), rule.id.lower(), rule.topic.lower(), *sorted(aliases))
        return any(p in f or fnmatch.fnmatchcase(f, p) for p in pats for f in fields)

    return [r for r in rules if hit(r)]


#: The JAX computations the engine checks each kind of reference against (``jacfwd`` and ``jacrev``
#: must agree where there are two).
WITNESSES = {
    "jacobian": ("jax.jacfwd", "jax.jacrev"),
    "step": ("jax.grad",),
    "hessian": ("jacfwd(jacrev)", "jacrev(jacfwd)"),
    "hvp": ("jvp(grad)",),
    "jvp": ("jax.jvp",),
}

_KIND = {"jacobian": "jacobian", "hessian": "hessian", "jvp": "jvp", "hvp": "jvp", "step": "gradient"}


def config_seed(seed: int, rule: Rule, config: int) -> int:
    """The engine's seed for one shape configuration of ``rule``: a function of the run's seed, the rule's
    name and the configuration, so ``chainrule verify -k NAME --seed S`` redraws exactly the same trials."""
    return int(np.random.SeedSequence([int(seed), zlib.crc32(rule.name.encode()), config]).generate_state(1)[0])


def _to_numerator(derivative: Callable[..., Any], argnum: int) -> Callable[..., Any]:
    """A denominator-layout closed form (``in.shape + out.shape``) as the numerator-layout Jacobian."""
    def numerator(*args: Any) -> Any:
        J = todense(derivative(*args))
        xp = array_api_compat.array_namespace(J)
        in_ndim = args[argnum].ndim
        axes = tuple(range(in_ndim, J.ndim)) + tuple(range(in_ndim))
        return xp.permute_dims(J, axes)

    numerator.__name__ = getattr(derivative, "__name__", "derivative")
    return numerator


def _implied_gradient(step: Callable[..., Any], argnum: int, eta: float) -> Callable[..., Any]:
    """``(x − step(x))/η``: the gradient a gradient-descent step ``x − η·∂f/∂x`` implies (RULES L-4, L-6)."""
    def gradient(*args: Any) -> Any:
        return (args[argnum] - step(*args)) / eta

    gradient.__name__ = getattr(step, "__name__", "step")
    return gradient


def rule_check(rule: Rule, sizes: Mapping[str, int], *, trials: int = 100, dtype: str = "float64",
               seed: int = 0) -> tuple[Problem, list[tuple[int, ...]]]:
    """The engine's problem for one shape configuration of ``rule``, and the shapes of its arguments;
    ``seed`` is the engine's (``verify_rule`` derives one per configuration with :func:`config_seed`).

    What ``chainrule verify`` runs: the check a user would write for the record (see the table above).
    """
    k = rule.argnum
    primal, derivative = rule.bound_primal, rule.bound_derivative
    args = rule.args[rule.primal_args]
    if rule.layout == "denominator":
        derivative = _to_numerator(derivative, k)
    if rule.reference == "hvp":
        primal = jax.grad(primal, argnums=k)
    # equivalent mutants (no mutate): Rule validates reference to five words and "step" sorts after the
    # others, so >= is ==
    if rule.reference == "step":  # pragma: no mutate
        derivative = _implied_gradient(derivative, k, float(rule.params["eta"]))
    shapes = [a.concrete_shape(sizes) for a in args]
    examples = tuple(np.zeros(s, dtype=dtype) for s in shapes)
    names = [a.name for a in args]
    avoid = None
    if rule.kink is not None:
        kink = rule.kink

        def avoid(*values: Any) -> Any:
            return kink(**dict(zip(names, values, strict=True)))

    options = {
        "trials": trials, "seed": int(seed),
        "domains": {i: a.domain for i, a in enumerate(args)}, "kink_points": (), "shrink": False,
        "hygiene": False, "mode": "dense", "precision": "float64", "name": rule.name,
        "avoid": avoid, "avoid_margin": rule.kink_margin,
    }
    # equivalent mutant (no mutate): the catalog's primals are array-API code without custom rules; looking for
    # them finds none and only costs a trace
    look = False  # pragma: no mutate
    P = setup(_KIND[rule.reference], primal, derivative, examples, k, options, find_custom_rules=look)
    P.exact_dtype = True
    return P, shapes


# equivalent mutants (no mutate): `int | np.random.Generator` is an annotation, a string under
# `from __future__ import annotations`, never evaluated
def draw_inputs(rule: Rule, sizes: Mapping[str, int], trials: int, seed: int | np.random.Generator,  # pragma: no mutate
                dtype: str = "float64") -> dict[str, np.ndarray]:
    """The inputs ``chainrule verify`` draws for ``rule`` at one shape configuration, by the record's
    argument names (leading axis = trial).

    The engine's own draw (:func:`chainrule.reference.checker.drawing.draw`) for the problem
    :func:`rule_check` builds: each argument from its domain, trials near the record's kink redrawn.
    A ``jvp``/``hvp`` rule's tangent (the record's last argument) is drawn from its domain too; the
    engine itself draws the tangents it checks with (standard normal).
    """
    from ..checker.drawing import draw
    from ..samplers import sample

    if isinstance(seed, np.random.Generator):
        seed = int(seed.integers(2**32))
    P, shapes = rule_check(rule, sizes, trials=trials, dtype=dtype, seed=int(seed))
    leaves, _ = draw(P, shapes, trials, int(seed))
    args = rule.args[rule.primal_args]
    out = {a.name: leaf for a, leaf in zip(args, leaves, strict=True)}
    if rule.reference in ("jvp", "hvp"):
        t = rule.args[-1]
        # equivalent mutants (no mutate): any constant second word gives the tangents a stream of their own
        rng = np.random.default_rng([int(seed), 0x7A])  # pragma: no mutate
        out[t.name] = sample(t.domain, rng, (trials, *t.concrete_shape(sizes)), dtype)
    return out


def _entry(report: CheckReport) -> str:
    if not report.entries:
        return ""
    e = report.entries[0]
    return f"entry {tuple(int(i) for i in e.index)}: claimed {e.claimed:.6g}, JAX {e.expected:.6g} | "


#: How many rules ``verify_catalog`` compiles as one XLA program (all their shape configurations): compiling
#: costs a fixed overhead per program, so batching 8 small checks makes the cold catalog about 1.5× faster
#: here. Each check stays exactly what it is alone (its own draws, comparison and diagnosis).
BATCH = 8  # pragma: no mutate - equivalent: a batch's size changes the speed, never a result (each check is its own)


@dataclass
class _Pending:
    """One rule of a batch: its result so far, and its engine jobs with where each configuration is."""

    rule: Rule
    result: RuleResult
    reproduce: str
    jobs: list[tuple[Problem, list[tuple[int, ...]], int, int]] = field(default_factory=list)
    wheres: list[str] = field(default_factory=list)


def _validate(trials: int, dtype: str) -> None:
    if isinstance(trials, bool) or not isinstance(trials, int) or trials < 1:
        raise ValueError(f"trials: expected at least 1, got {trials}")
    if dtype not in VERIFY_DTYPES:
        raise ValueError(f"dtype: expected one of {list(VERIFY_DTYPES)}, got {dtype!r}")


def _pending(rule: Rule, trials: int, seed: int, dtype: str) -> _Pending:
    """The engine jobs of every shape configuration of ``rule`` (or a failed result if one cannot be drawn)."""
    result = RuleResult(
        name=rule.name, id=rule.id, topic=rule.topic, section=rule.section, status="pass",
        trials=0, max_abs_error=math.nan, max_rel_error=math.nan, dtype=dtype,  # NaN: nothing compared yet
        shapes=[rule.describe_shapes(s) for s in rule.sizes],
    )
    item = _Pending(rule, result, f"reproduce: chainrule verify -k {rule.name} --seed {seed} --dtype {dtype}")
    for config, sizes in enumerate(rule.sizes):
        where = (f"{rule.name} vs {' and '.join(WITNESSES[rule.reference])} (wrt {rule.wrt}) | {dtype} | "
                 f"{rule.describe_shapes(sizes)}")
        try:
            P, shapes = rule_check(rule, sizes, trials=trials, dtype=dtype, seed=config_seed(seed, rule, config))
        except (ValueError, TypeError) as exc:  # the record cannot be drawn
            result.status, result.diagnosis = "fail", f"the draw failed: {exc}"
            result.message = f"{where} | seed {seed} | {result.diagnosis} | {item.reproduce}"
            item.jobs, item.wheres = [], []
            return item
        item.jobs.append((P, shapes, trials, P.opts["seed"]))
        item.wheres.append(where)
    return item


def _raised(item: _Pending, exc: Exception, seed: int) -> None:
    r = item.result
    r.status, r.diagnosis = "fail", f"the primal raised: {exc}"
    r.message = f"{item.rule.name} (wrt {item.rule.wrt}) | {r.dtype} | seed {seed} | {r.diagnosis} | {item.reproduce}"


def _judge(item: _Pending, reports: list[CheckReport], trials: int, seed: int) -> None:
    """Fold the engine's reports of ``item``'s configurations into its result (and its expectation)."""
    rule, result = item.rule, item.result
    for where, report in zip(item.wheres, reports, strict=True):
        result.trials += trials
        # the largest measured error; a configuration that compared nothing (a wrong shape: NaN) adds none
        result.max_abs_error = float(np.fmax(result.max_abs_error, report.max_abs_error))
        result.max_rel_error = float(np.fmax(result.max_rel_error, report.max_rel_error))
        if not report.ok:
            trial = "" if report.trial is None else f", trial {report.trial + 1}/{trials}"
            result.status, result.diagnosis = "fail", report.diagnosis
            result.message = (f"{where} | seed {seed}{trial} | {report.failures}/{trials} trials fail | "
                              f"{_entry(report)}{report.diagnosis} | {item.reproduce}")
            if rule.expect == "fail":
                result.status = "xfail"
                result.diagnosis = f"{report.diagnosis}; expected: {rule.misprint}"
                result.message = f"expected failure: {result.message} | the misprint: {rule.misprint}"
            return
    if rule.expect == "fail":
        result.status = "fail"
        result.diagnosis = f"an expected failure passed: {rule.misprint}"
        result.message = (f"{rule.name} (wrt {rule.wrt}) | {result.dtype} | seed {seed} | this record states "
                          f"a misprinted formula and must disagree with JAX, but all {result.trials} trials "
                          f"agree: fix the record or drop expect='fail' | {item.reproduce}")


def _is_catalog_record(rule: Rule) -> bool:
    """Whether ``rule`` is one of the very records the package's catalog holds (identity, not an equal copy)."""
    from . import CATALOG

    return any(r is rule for r in CATALOG)


def _verify_batch(rules: list[Rule], trials: int, seed: int, dtype: str) -> list[RuleResult]:
    """Verify ``rules`` with every configuration of every rule compiled as one program (:data:`BATCH`)."""
    start = time.perf_counter()
    with x64(True):
        items = [_pending(rule, trials, seed, dtype) for rule in rules]
        jobs = [job for item in items for job in item.jobs]
        try:
            # the store of traced programs only for the catalog's own records, whose code is the package's
            # source (its key): a record built at run time (a test's, a user's) may close over anything
            key = (f"verify|{dtype}|{trials}|{seed}|{','.join(rule.name for rule in rules)}"
                   if all(_is_catalog_record(rule) for rule in rules) else None)
            reports = run_many(jobs, store_as=key) if jobs else []
        except (ValueError, TypeError) as exc:  # a primal raised (f must be traceable)
            if len(rules) > 1:  # one by one, which says whose
                return [r for rule in rules for r in _verify_batch([rule], trials, seed, dtype)]
            _raised(items[0], exc, seed)
        else:
            at = 0
            for item in items:
                if item.jobs:  # a rule whose draw failed has no jobs and keeps its failed result
                    _judge(item, reports[at:at + len(item.jobs)], trials, seed)
                at += len(item.jobs)
    # equivalent mutants (no mutate): now % start == now − start while the run is shorter than perf_counter's
    # own count at its start (seconds since boot on Linux)
    share = (time.perf_counter() - start) / max(1, len(rules))  # pragma: no mutate
    for item in items:
        item.result.seconds = share
    return [item.result for item in items]


def verify_rule(rule: Rule, *, trials: int = 100, seed: int = 0, dtype: str = "float64") -> RuleResult:
    """Check ``rule``'s closed form against JAX through the engine, ``trials`` draws per shape config."""
    _validate(trials, dtype)
    return _verify_batch([rule], trials, seed, dtype)[0]  # pragma: no mutate - equivalent: one result, [0] is [-1]


def verify_catalog(
    rules: Iterable[Rule],
    *,
    trials: int = 100,
    seed: int = 0,
    dtype: str = "float64",
    on_result: Callable[[RuleResult], None] | None = None,  # pragma: no mutate - an annotation (PEP 563)
) -> list[RuleResult]:
    """Verify every rule in ``rules``; ``on_result`` is called after each (for progress bars).

    The rules run in batches of :data:`BATCH`, each batch one compiled program; every rule's result is
    the one :func:`verify_rule` gives it alone (``seconds`` is its share of its batch's time).
    """
    _validate(trials, dtype)
    rules = list(rules)
    results: list[RuleResult] = []
    for i in range(0, len(rules), BATCH):
        for r in _verify_batch(rules[i:i + BATCH], trials, seed, dtype):
            results.append(r)
            if on_result is not None:
                on_result(r)
    return results
