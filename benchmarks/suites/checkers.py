"""Suite ``checkers``: chainrule's checker against ``jax.test_util.check_grads`` on real-world backward passes.

The cases are the hand-written backward passes of ``tests/realworld/rw_*.py`` (each a
``rw_case.Case``: a JAX forward ``f``, the author's NumPy derivative, and its realistic mistakes, the
*mutants*). They are read from the repository by file path, so the suite runs from a checkout (an
editable install, or any install run from the checkout's folder; ``$CHAINRULE_REALWORLD`` names the
folder elsewhere); without one it raises :class:`FileNotFoundError` when its cases are built.

For every case, the two checkers judge the same candidates:

* **chainrule**: ``rw_case.run(case, seed=s)``, the public ``check_<kind>`` (100 random trials a call);
  a *false alarm* is a seed at which the correct candidate fails, a mutant is *caught* when its check
  fails (seed 0), and its diagnosis is compared with the one the case expects;
* **check_grads**: JAX's checker verifies JAX's own derivative, so the candidate becomes one: the
  differentiated arguments' function, a ``jax.custom_vjp`` whose backward calls the NumPy candidate
  through ``jax.pure_callback`` (the other arguments held at the same draw);
  ``check_grads(fn, args, order=1, modes=("rev",))`` then compares ``⟨t, ctᵀJ⟩`` with a central finite
  difference along one random direction, at one point, with its float64 tolerance (1e-5). A mutant is
  caught when it raises ``AssertionError``, a false alarm is an ``AssertionError`` on the correct
  candidate; any other exception (the callback's shape check, a write into a read-only array) is
  counted apart as an *error*. Seed ``s`` draws that point from the case's domains, as chainrule's
  trials do. A gradient or Jacobian candidate enters as ``ct·grad`` or ``ctᵀJ``; a JVP candidate as a
  ``jax.custom_jvp`` checked with ``modes=("fwd",)``; a ``custom_vjp`` case's function as it is.

The counts, diagnoses and the cold (first call) and warm (median over the other seeds) time of one check
are recorded in each case's ``params`` (:func:`side_by_side` renders them as a Markdown table); the
harness times, as contenders, one check of each kind on a fresh seed per call, next to the JAX
derivative and the hand-written one at the example, which are compared (the candidate must agree).

>>> REALWORLD.parts[-2:]
('tests', 'realworld')
>>> side_by_side({"cases": []}).splitlines()[0].startswith("| case |")
True
"""

from __future__ import annotations

import importlib.util
import inspect
import itertools
import logging
import os
import sys
import time
from collections.abc import Callable, Iterator, Mapping, Sequence
from pathlib import Path
from types import ModuleType
from typing import Any

import jax
import jax.numpy as jnp
import numpy as np

from chainrule.reference.autodiff import x64
from chainrule.reference.samplers import DOMAINS, Domain

from ..harness import Case, Contender, Suite

__all__ = ["BASELINE", "QUICK_CASES", "REALWORLD", "SUITE", "cases", "check_grads_verdict", "load_cases",
           "side_by_side"]

def _find_realworld() -> Path:
    """``tests/realworld`` of the checkout: ``$CHAINRULE_REALWORLD``, else beside this module
    (``benchmarks/suites/checkers.py`` of an editable install), else the working directory or one above
    it (an installed chainrule run from a checkout, as CI does), else the first of these."""
    if os.environ.get("CHAINRULE_REALWORLD"):
        return Path(os.environ["CHAINRULE_REALWORLD"]).resolve()
    here = Path(__file__).resolve().parents[2] / "tests" / "realworld"
    candidates = [here] + [p / "tests" / "realworld" for p in (Path.cwd(), *Path.cwd().parents)]
    return next((c for c in candidates if (c / "rw_case.py").is_file()), here)


#: ``tests/realworld`` of the checkout (:func:`_find_realworld`).
REALWORLD = _find_realworld()

#: The cases of the quick run: a recurrent step, attention, a gradient of a pytree, a matrix rule.
QUICK_CASES = ("cs231n_rnn_step_backward", "mytorch_attention_backward", "nielsen_network_backprop",
               "autograd_grad_inv")

#: Seeds per correct candidate: (quick, full).
SEEDS = (2, 50)

#: The baseline contender: JAX's own derivative at the example, under jit.
BASELINE = "JAX derivative (jit)"


# --- the real-world cases, read from the checkout ------------------------------------------------


def _load(name: str, path: Path) -> ModuleType:
    """The module at ``path`` under the bare ``name`` its siblings import it by (as pytest does)."""
    known = sys.modules.get(name)
    if known is not None and Path(getattr(known, "__file__", "") or "").resolve() == path.resolve():
        return known
    spec = importlib.util.spec_from_file_location(name, path)
    if spec is None or spec.loader is None:
        raise ImportError(f"cannot load the real-world cases of {path}")
    module = importlib.util.module_from_spec(spec)
    sys.modules[name] = module
    try:
        spec.loader.exec_module(module)
    except BaseException:
        sys.modules.pop(name, None)
        raise
    return module


def load_cases(root: Path = REALWORLD) -> list[tuple[str, Any]]:
    """``(module name, case)`` for every case of every ``rw_*.py`` under ``root`` (file order, then list order)."""
    if not (root / "rw_case.py").is_file():
        raise FileNotFoundError(
            f"the checkers benchmark reads its cases from tests/realworld/rw_*.py, and {root} is missing "
            "(or has no rw_case.py): run `chainrule bench` from a checkout of the repository (pip install "
            "-e .), or leave this suite out (-k with the other suites' names)")
    _load("rw_case", root / "rw_case.py")
    out = []
    for path in sorted(root.glob("rw_*.py")):
        if path.stem != "rw_case":
            out += [(path.stem, case) for case in _load(path.stem, path).CASES]
    return out


# --- drawing a point like chainrule's trials -----------------------------------------------------


def _arg_names(f: Callable[..., Any], n: int) -> list[str]:
    params = [p.name for p in inspect.signature(f).parameters.values()
              if p.kind in (p.POSITIONAL_ONLY, p.POSITIONAL_OR_KEYWORD)]
    return params[:n] + [f"arg{i}" for i in range(len(params), n)]


def _domain(spec: Any) -> Domain | None:
    """A domain option's value as a :class:`Domain`; None for ``"fixed"``."""
    if isinstance(spec, Domain):
        return spec
    if spec == "fixed":
        return None
    if isinstance(spec, str):
        return DOMAINS[spec]
    return Domain("user sampler", spec, "user sampler")


def draw_point(case: Any, seed: int) -> tuple[Any, ...]:
    """The case's arguments redrawn at ``seed``: float leaves from their domain (``real`` by default),
    ``"fixed"`` and integer or boolean leaves kept at the example's value."""
    example = case.example()
    domains = case.options.get("domains") or {}
    names = _arg_names(case.f, len(example))
    rng = np.random.default_rng([int(seed), 0xC4EC])
    out = []
    for k, arg in enumerate(example):
        dom = _domain(domains.get(names[k], domains.get(k, "real")))

        def redraw(leaf: Any, dom: Domain | None = dom) -> Any:
            leaf = np.asarray(leaf)
            if dom is None or not np.issubdtype(leaf.dtype, np.floating):
                return leaf
            return np.asarray(dom.draw(rng, leaf.shape), dtype=leaf.dtype)

        out.append(jax.tree_util.tree_map(redraw, arg))
    return tuple(out)


# --- the candidate as JAX's derivative, for check_grads -------------------------------------------


def _argnums(case: Any) -> tuple[int, ...]:
    return case.argnums if isinstance(case.argnums, tuple) else (case.argnums,)


def _correct(case: Any) -> Callable[..., Any]:
    """The case's correct candidate: for a ``custom_vjp`` case, f itself (its rule is the candidate)."""
    return case.f if case.kind == "custom_vjp" else case.candidate


def _vjp_on_host(case: Any, candidate: Callable[..., Any], args: tuple[Any, ...], diff: Sequence[Any],
                 ct: Any) -> tuple[Any, ...]:
    """``ctᵀJ`` for the differentiated arguments, from ``candidate`` called the way its check calls it."""
    full = list(args)
    for k, d in zip(_argnums(case), diff, strict=True):
        full[k] = jax.tree_util.tree_map(np.asarray, d)
    ct = jax.tree_util.tree_map(np.asarray, ct)
    if case.kind == "vjp":
        out = candidate(*full, ct)
    elif case.kind == "gradient":
        out = jax.tree_util.tree_map(lambda g: np.asarray(g) * ct, candidate(*full))
    elif case.kind == "jacobian":
        out = jax.tree_util.tree_map(lambda J: np.tensordot(ct, np.asarray(J), axes=np.ndim(ct)), candidate(*full))
    else:
        raise ValueError(f"{case.name}: check_grads needs a candidate derivative; kind {case.kind!r} has none")
    return tuple(out) if isinstance(case.argnums, tuple) else (out,)


def _jvp_on_host(case: Any, candidate: Callable[..., Any], args: tuple[Any, ...], diff: Sequence[Any],
                 t: Sequence[Any]) -> Any:
    """``J·t`` from a JVP candidate, ``jvp(*args, t)`` (``t`` a tuple for a tuple ``argnums``)."""
    full = list(args)
    for k, d in zip(_argnums(case), diff, strict=True):
        full[k] = jax.tree_util.tree_map(np.asarray, d)
    t = jax.tree_util.tree_map(np.asarray, tuple(t))
    return candidate(*full, t if isinstance(case.argnums, tuple) else t[0])


def _structs(tree: Any) -> Any:
    return jax.tree_util.tree_map(lambda d: jax.ShapeDtypeStruct(jnp.shape(d), jnp.result_type(d)), tree)


def _cast(out: Any, structs: Any) -> Any:
    return jax.tree_util.tree_map(lambda o, s: np.asarray(o, dtype=s.dtype), out, structs)


def as_jax_derivative(case: Any, candidate: Callable[..., Any], args: tuple[Any, ...]) -> Callable[..., Any]:
    """``fn(*diff_args)``: ``case.f`` of the differentiated arguments (the others held at ``args``),
    whose derivative is ``candidate``: a ``jax.custom_vjp`` (a ``jax.custom_jvp`` for a JVP candidate)
    whose rule calls the candidate on the host through ``jax.pure_callback``. For a ``custom_vjp`` case
    the candidate is a function with its own rule, and ``fn`` is that function."""
    nums = _argnums(case)
    forward = candidate if case.kind == "custom_vjp" else case.f

    def primal(*diff: Any) -> Any:
        full = list(args)
        for k, d in zip(nums, diff, strict=True):
            full[k] = d
        return forward(*full)

    if case.kind == "custom_vjp":
        return primal

    if case.kind == "jvp":
        @jax.custom_jvp
        def fn_jvp(*diff: Any) -> Any:
            return primal(*diff)

        @fn_jvp.defjvp
        def rule(primals: tuple[Any, ...], tangents: tuple[Any, ...]) -> tuple[Any, Any]:
            out = primal(*primals)
            shapes = _structs(out)

            def host(diff: Any, t: Any) -> Any:
                return _cast(_jvp_on_host(case, candidate, args, diff, t), shapes)

            return out, jax.pure_callback(host, shapes, primals, tangents)

        return fn_jvp

    @jax.custom_vjp
    def fn(*diff: Any) -> Any:
        return primal(*diff)

    def fwd(*diff: Any) -> tuple[Any, tuple[Any, ...]]:
        return primal(*diff), diff

    def bwd(diff: tuple[Any, ...], ct: Any) -> tuple[Any, ...]:
        shapes = _structs(diff)

        def host(diff: Any, ct: Any) -> Any:
            return _cast(_vjp_on_host(case, candidate, args, diff, ct), shapes)

        return jax.pure_callback(host, shapes, diff, ct)

    fn.defvjp(fwd, bwd)
    return fn


def check_grads_verdict(case: Any, candidate: Callable[..., Any], args: tuple[Any, ...]) -> str:
    """``"pass"``, ``"fail"`` (``AssertionError``) or ``"error: <the exception's last line>"`` of ``check_grads``
    on ``candidate`` at ``args``."""
    from jax.test_util import check_grads

    diff = [args[k] for k in _argnums(case)]
    callback_log = logging.getLogger("jax._src.callback")  # it logs a traceback for every raising callback
    level = callback_log.level
    callback_log.setLevel(logging.CRITICAL)
    try:
        with x64(True):  # float64 arguments stay float64 (check_grads then uses its float64 tolerance)
            check_grads(as_jax_derivative(case, candidate, args), diff, order=1,
                        modes=("fwd",) if case.kind == "jvp" else ("rev",))
    except AssertionError:
        return "fail"
    except Exception as exc:  # the callback's own error is the message's last line
        lines = [line.strip() for line in str(exc).splitlines() if line.strip()]
        return f"error: {lines[-1][:200] if lines else type(exc).__name__}"
    finally:
        callback_log.setLevel(level)
    return "pass"


# --- one case: the counts, then the timed contenders ----------------------------------------------


def _timed(call: Callable[[], Any]) -> tuple[float, Any]:
    start = time.perf_counter()
    out = call()
    return time.perf_counter() - start, out


def _chainrule_figures(rw: ModuleType, case: Any, seeds: int) -> dict[str, Any]:
    times, alarms = [], []
    for s in range(seeds):
        t, report = _timed(lambda s=s: rw.run(case, seed=s))
        times.append(t)
        if not report.ok:
            alarms.append(f"seed {s}: {report.diagnosis}")
    mutants = []
    for m in case.mutants:
        report = rw.run(case, m.candidate, seed=0)
        diagnosis = None if report.ok else report.diagnosis
        mutants.append({"name": m.name, "caught": not report.ok, "diagnosis": diagnosis, "expected": m.diagnosis,
                        "as_expected": (not report.ok) and (m.diagnosis is None or m.diagnosis in (diagnosis or ""))})
    return _summary(times, alarms, mutants, caught=sum(m["caught"] for m in mutants),
                    diagnosed=sum(m["as_expected"] for m in mutants))


def _check_grads_figures(case: Any, seeds: int) -> dict[str, Any]:
    times, alarms, errors = [], [], []
    for s in range(seeds):
        t, verdict = _timed(lambda s=s: check_grads_verdict(case, _correct(case), draw_point(case, s)))
        times.append(t)
        if verdict == "fail":
            alarms.append(f"seed {s}")
        elif verdict != "pass":
            errors.append(f"seed {s}: {verdict}")
    point = draw_point(case, 0)
    mutants = [{"name": m.name, "outcome": check_grads_verdict(case, m.candidate, point)} for m in case.mutants]
    out = _summary(times, alarms, mutants, caught=sum(m["outcome"] == "fail" for m in mutants))
    out["errors"] = len(errors) + sum(m["outcome"].startswith("error") for m in mutants)
    out["first_error"] = errors[0] if errors else next(
        (f"{m['name']}: {m['outcome']}" for m in mutants if m["outcome"].startswith("error")), None)
    return out


def _summary(times: list[float], alarms: list[str], mutants: list[dict[str, Any]], caught: int,
             diagnosed: int | None = None) -> dict[str, Any]:
    out = {
        "seeds": len(times), "false_alarms": len(alarms), "first_false_alarm": alarms[0] if alarms else None,
        "mutants": len(mutants), "caught": caught, "catch_rate": caught / len(mutants) if mutants else None,
        "cold_s": times[0], "warm_s": float(np.median(times[1:])) if len(times) > 1 else None,
        "per_mutant": mutants,
    }
    if diagnosed is not None:
        out["diagnosed_as_expected"] = diagnosed
    return out


def _extra(case: Any, args: tuple[Any, ...]) -> tuple[Any, ...]:
    """The random vector the timed derivative takes last: a cotangent like f's output (vjp, custom_vjp),
    a tangent like the differentiated arguments (jvp), nothing otherwise."""
    rng = np.random.default_rng(7)
    draw = lambda o: rng.standard_normal(np.shape(o))  # noqa: E731
    if case.kind in ("vjp", "custom_vjp"):
        return (jax.tree_util.tree_map(draw, jax.eval_shape(case.f, *args)),)
    if case.kind == "jvp":
        t = tuple(jax.tree_util.tree_map(draw, args[k]) for k in _argnums(case))
        return (t if isinstance(case.argnums, tuple) else t[0],)
    return ()


def _reference(case: Any) -> Callable[..., Any]:
    """JAX's derivative in the candidate's calling convention (what ``check_<kind>`` compares it with;
    for a ``custom_vjp`` case, JAX's VJP of f with f's own rule, the candidate itself)."""
    nums = _argnums(case)

    def of_diff(args: Sequence[Any]) -> Callable[..., Any]:
        def fn(*d: Any) -> Any:
            full = list(args)
            for k, v in zip(nums, d, strict=True):
                full[k] = v
            return case.f(*full)
        return fn

    def vjp(*args_ct: Any) -> Any:
        *args, ct = args_ct
        cts = jax.vjp(of_diff(args), *(args[k] for k in nums))[1](ct)
        return cts if isinstance(case.argnums, tuple) else cts[0]

    def jvp(*args_t: Any) -> Any:
        *args, t = args_t
        t = t if isinstance(case.argnums, tuple) else (t,)
        return jax.jvp(of_diff(args), tuple(args[k] for k in nums), tuple(t))[1]

    if case.kind in ("vjp", "custom_vjp"):
        return vjp
    if case.kind == "jvp":
        return jvp
    if case.kind == "gradient":
        return jax.grad(case.f, argnums=case.argnums)
    if case.kind == "jacobian":
        return jax.jacrev(case.f, argnums=case.argnums)
    raise ValueError(f"{case.name}: no reference for kind {case.kind!r}")


def _entries(case: Any, args: tuple[Any, ...]) -> int:
    return sum(int(np.size(leaf)) for k in _argnums(case) for leaf in jax.tree_util.tree_leaves(args[k]))


def _case(module: str, case: Any, seeds: int) -> Case:
    args = case.example()
    params: dict[str, Any] = {"case": case.name, "module": module, "source": case.source, "kind": case.kind,
                              "seeds": seeds, "mutants": len(case.mutants)}

    def build() -> list[Contender]:
        rw = sys.modules["rw_case"]
        params["chainrule"] = _chainrule_figures(rw, case, seeds)
        params["check_grads"] = _check_grads_figures(case, seeds)
        next_seed = itertools.count(seeds)  # the timed checks run on seeds not counted above
        extra = _extra(case, args)
        out = [Contender(BASELINE, _reference(case), (*args, *extra))]
        if case.kind != "custom_vjp":  # there the candidate is f's own rule, which the baseline runs
            out.append(Contender("hand-written (NumPy)", case.candidate, (*args, *extra), jit=False))
        return [
            *out,
            Contender("chainrule check (100 trials)", lambda: rw.run(case, seed=next(next_seed)), (),
                      jit=False, compare=False),
            Contender("jax check_grads (1 point)",
                      lambda: check_grads_verdict(case, _correct(case), draw_point(case, next(next_seed))), (),
                      jit=False, compare=False),
        ]

    return Case(case.name, module, _entries(case, args), build, "float64", params)


def cases(quick: bool, only: Sequence[str] | None = None) -> Iterator[Case]:
    """Every real-world case (:data:`QUICK_CASES` when ``quick``, or those named in ``only``)."""
    wanted = only if only is not None else (QUICK_CASES if quick else None)
    seeds = SEEDS[0] if quick else SEEDS[1]
    for module, case in load_cases():
        if wanted is None or case.name in wanted:
            yield _case(module, case, seeds)


# --- the side-by-side table ---------------------------------------------------------------------


def _ms(s: float | None) -> str:
    return "—" if s is None else f"{1e3 * s:.0f} ms"


def side_by_side(suite: Mapping[str, Any]) -> str:
    """The suite's result (``results.json``'s entry) as Markdown: per case and checker, mutants caught,
    false alarms over the seeds and the time of one check, cold / warm."""
    lines = ["| case | chainrule caught | chainrule diagnosed | chainrule false alarms | chainrule cold / warm "
             "| check_grads caught | check_grads errors | check_grads false alarms | check_grads cold / warm |",
             "|---|---|---|---|---|---|---|---|---|"]
    total = {"chainrule": dict.fromkeys(("caught", "diagnosed_as_expected", "mutants", "false_alarms", "seeds"), 0),
             "check_grads": dict.fromkeys(("caught", "errors", "mutants", "false_alarms", "seeds"), 0)}
    for c in suite["cases"]:
        p = c["params"]
        a, b = p.get("chainrule"), p.get("check_grads")
        if a is None or b is None:
            continue
        for who, got in (("chainrule", a), ("check_grads", b)):
            for key in total[who]:
                total[who][key] += int(got[key])
        lines.append(
            f"| {c['label']} | {a['caught']}/{a['mutants']} | {a['diagnosed_as_expected']}/{a['mutants']} "
            f"| {a['false_alarms']}/{a['seeds']} | {_ms(a['cold_s'])} / {_ms(a['warm_s'])} "
            f"| {b['caught']}/{b['mutants']} | {b['errors']} | {b['false_alarms']}/{b['seeds']} "
            f"| {_ms(b['cold_s'])} / {_ms(b['warm_s'])} |")
    a, b = total["chainrule"], total["check_grads"]
    lines.append(f"| **all** | {a['caught']}/{a['mutants']} | {a['diagnosed_as_expected']}/{a['mutants']} "
                 f"| {a['false_alarms']}/{a['seeds']} | | {b['caught']}/{b['mutants']} | {b['errors']} "
                 f"| {b['false_alarms']}/{b['seeds']} | |")
    return "\n".join(lines) + "\n"


SUITE = Suite(
    "checkers", "Checking real-world backward passes: chainrule vs jax.test_util.check_grads",
    "The hand-written backward passes of tests/realworld/rw_*.py (public code, each citing its source) "
    "and their realistic mistakes, judged by "
    "chainrule's check (100 random trials a call) and by check_grads (one point, one direction, the "
    "candidate wrapped as a custom_vjp through pure_callback). Timed: one check of each on a fresh seed, "
    "next to the JAX derivative at the example (the baseline) and the hand-written one. Mutants caught, "
    "false alarms and cold/warm times are in each case's params (checkers.side_by_side renders them).",
    "differentiated entries", BASELINE, cases, repeats=(3, 5), summary=lambda suite: side_by_side(suite),
)
