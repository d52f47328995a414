"""The benchmark engine behind ``chainrule bench``: closed forms against JAX, timed honestly.

A benchmark is a :class:`Suite`: a name, a title, and a function that yields :class:`Case` records
(one problem size each). A case builds its inputs and its :class:`Contender` list on demand: the
closed form on NumPy, the closed form under ``jax.jit``, ``jit(jax.grad)``, ``jit(jacfwd)``, … The
suites live in :mod:`chainrule.benchmarks.suites` and are listed in :mod:`chainrule.benchmarks.registry`;
this module knows neither (the registry imports the engine and the suites, never the reverse).

Method, for every case (the numbers in ``results.json`` say which of these applied):

* **compile outside the timed region**: every ``jit`` contender is lowered and compiled first; the
  compile time is reported apart (``compile_s``), with the first call (``first_call_s``) and their
  sum, the *cold* cost (``cold_s``);
* **the answer is checked before it is timed**: each contender's output is compared with the
  baseline's through the one comparison engine (:func:`chainrule.reference.checker.compare.agree`,
  with the case's row of :data:`~chainrule.reference.tolerances.TOLERANCES`), so a fast wrong answer
  cannot win; ``max_rel_error`` is the normwise relative error, ``matches`` the verdict;
* **warm-up**, then **interleaved repeats**: every round times each contender once, in a fresh
  seeded order (never the same neighbour every round), so drift (turbo, other processes, BLAS threads
  still spinning after an eager call) hits all alike; a sample runs enough calls to last
  :data:`MIN_SAMPLE_S` and ``jax.block_until_ready`` is inside it; the garbage collector is off;
* **median and spread** (quartiles, minimum) of the samples; **ratios** to the suite's baseline
  contender are medians of the per-round ratios, all from the same run;
* **memory**: XLA's own account of a compiled program (temporaries + outputs), or ``tracemalloc``'s
  peak for an eager NumPy call (both: memory allocated by the call, inputs excluded);
* **sizes that do not fit** (a dense ``n × n`` Jacobian beyond the memory budget) are *skipped with a
  reason* rather than dropped, so the results say where each reference stops;
* **the machine** (CPU, cores, thread settings, versions, ``jax.devices()``, load average) is
  recorded with every run.

A suite whose JAX must start differently (several simulated devices) names environment variables in
``Suite.env``; it then runs in a subprocess started with those variables,
``python -m chainrule.benchmarks.worker NAME [--quick]`` (:data:`WORKER_MODULE`), which prints its
cases as JSON.

>>> import numpy as np
>>> x = np.arange(1.0, 4.0)
>>> case = Case("n=3", "toy", 3, lambda: [Contender("twice", lambda x: 2 * x, (x,), jit=False),
...                                        Contender("x + x", lambda x: x + x, (x,))])
>>> row = run_case(case, "twice", repeats=3)
>>> [(c["name"], c["matches"], c["compiled"]) for c in row["contenders"]]
[('twice', True, False), ('x + x', True, True)]
"""

from __future__ import annotations

import gc
import json
import math
import os
import platform
import re
import subprocess
import sys
import time
import tracemalloc
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import jax
import numpy as np

from chainrule.reference.autodiff import x64
from chainrule.reference.checker.compare import agree, errors
from chainrule.reference.tolerances import TOLERANCES

__all__ = [
    "MIN_SAMPLE_S",
    "SCHEMA",
    "WORKER_MODULE",
    "Case",
    "Contender",
    "Suite",
    "kernel_sequence",
    "machine_info",
    "run",
    "run_case",
    "run_cases",
    "run_suite",
    "stops",
    "worker_command",
]

#: Identifies the layout of ``results.json``; bump it when a field changes meaning.
SCHEMA = "chainrule-bench/1"

#: A timed sample runs the contender this long at least (several calls per sample for fast ones).
MIN_SAMPLE_S = 2e-3

#: The module a suite with ``env`` runs in: ``python -m chainrule.benchmarks.worker NAME [--quick]``.
WORKER_MODULE = "chainrule.benchmarks.worker"


@dataclass(frozen=True)
class Contender:
    """One way of computing a case's answer.

    ``fn(*args)`` is compiled with ``jax.jit`` when ``jit`` is true (compile timed apart), else called
    as it is (NumPy, or a Python loop around compiled pieces). ``view`` maps the output to NumPy arrays
    comparable with the baseline's (a dense Jacobian to its diagonal, say); ``compare=False`` marks a
    yardstick that computes something else (one pass over X, ``X @ w``).
    """

    name: str
    fn: Callable[..., Any]
    args: tuple[Any, ...]
    jit: bool = True
    compare: bool = True
    view: Callable[[Any], Any] | None = None


@dataclass
class Case:
    """One problem size of a suite.

    ``build()`` allocates the inputs and returns the contenders (it runs inside the case's dtype
    context, so float64 inputs stay float64); ``skipped`` maps a contender's name to the reason it
    does not run at this size (where a dense reference stops). ``dtype`` also picks the row of
    :data:`~chainrule.reference.tolerances.TOLERANCES` the answers are checked with.
    """

    label: str
    group: str
    size: float
    build: Callable[[], list[Contender]]
    dtype: str = "float64"
    params: Mapping[str, Any] = field(default_factory=dict)
    skipped: Mapping[str, str] = field(default_factory=dict)

    def __post_init__(self) -> None:
        if self.dtype not in TOLERANCES:
            raise ValueError(f"Case {self.label!r}: dtype expected one of {sorted(TOLERANCES)} (the rows of "
                             f"chainrule.reference.tolerances.TOLERANCES), got {self.dtype!r}")


@dataclass(frozen=True)
class Suite:
    """A benchmark: ``cases(quick)`` yields its :class:`Case` records; ratios divide by ``baseline``."""

    name: str
    title: str
    description: str
    x_label: str
    baseline: str
    cases: Callable[[bool], Iterable[Case]]
    env: Mapping[str, str] = field(default_factory=dict)
    plot_cold: bool = False
    #: a third panel per group: each compiled program's memory (XLA's account) against size
    plot_memory: bool = False
    repeats: tuple[int, int] = (3, 15)  # (quick, full)
    #: more Markdown for ``summary.md`` from the suite's ``results.json`` entry (a table of its own)
    summary: Callable[[Mapping[str, Any]], str] | None = None
    #: the contender whose ratio to the baseline is the suite's headline (``summary.md``'s first line)
    headline: str | None = "closed form (jit)"
    #: a yardstick that is the floor of the work (one pass over X), reported beside the headline
    floor: str | None = None


# --- the machine --------------------------------------------------------------------------------


def _cpu_model() -> str:
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.lower().startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or platform.machine()


def _blas() -> str:
    try:
        blas = np.show_config(mode="dicts")["Build Dependencies"]["blas"]
        return f"{blas.get('name')} {blas.get('version')}"
    except Exception:  # NumPy < 1.25 or an unusual build: say so rather than guess
        return "unknown"


def machine_info() -> dict[str, Any]:
    """CPU, cores, thread settings, versions and JAX devices: recorded with every result."""
    import array_api_compat
    import jaxlib
    import matplotlib

    threads = {k: os.environ.get(k) for k in
               ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS", "XLA_FLAGS")}
    return {
        "cpu": _cpu_model(),
        "cpu_count": os.cpu_count(),
        "usable_cores": len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else None,
        "load_average": list(os.getloadavg()) if hasattr(os, "getloadavg") else None,
        "platform": platform.platform(),
        "python": platform.python_version(),
        "numpy": np.__version__,
        "blas": _blas(),
        "jax": jax.__version__,
        "jaxlib": jaxlib.__version__,
        "array_api_compat": array_api_compat.__version__,
        "matplotlib": matplotlib.__version__,
        "jax_backend": jax.default_backend(),
        "jax_devices": [str(d) for d in jax.devices()],
        "thread_settings": threads,
    }


# --- timing one case ----------------------------------------------------------------------------


def _to_numpy(tree: Any) -> list[np.ndarray]:
    return [np.asarray(leaf, dtype=np.float64) for leaf in jax.tree_util.tree_leaves(tree)]


def _agreement(out: list[np.ndarray], ref: list[np.ndarray], dtype: str) -> tuple[float | None, bool]:
    """``(max_rel_error, matches)`` of one contender's leaves against the baseline's.

    Through the one comparison engine, leaf by leaf: ``agree`` with ``TOLERANCES[dtype]`` decides,
    ``errors`` gives the normwise relative error (``None`` when the structures or shapes differ, or
    an entry is not finite).
    """
    if len(out) != len(ref) or any(o.shape != r.shape for o, r in zip(out, ref, strict=True)):
        return None, False
    worst = 0.0
    for o, r in zip(out, ref, strict=True):
        worst = max(worst, float(errors(o[None], r[None], TOLERANCES[dtype])[1][0]))
    matches = all(agree(o, r, dtype) for o, r in zip(out, ref, strict=True))
    return (worst if math.isfinite(worst) else None), matches


_HLO_NAME = re.compile(r"%[\w.\-]+")


def kernel_sequence(compiled: Any) -> list[str] | None:
    """The kernels XLA runs for ``compiled``, in order: each top-level op of the entry computation.

    One string per op: its result shape, its opcode and, for a fusion, its kind (``kLoop``, …); the
    names and the fused bodies' element-wise details are dropped. Two programs with the same sequence
    run the same kernels over the same data: a ratio near 1 between them is the same program timed
    twice, not a slower formula. ``None`` where the backend gives no HLO text.
    """
    try:
        text = compiled.as_text()
    except Exception:  # a backend without HLO text
        return None
    ops, entry = [], False
    for line in text.splitlines():
        if line.startswith("ENTRY "):
            entry = True
            continue
        if entry and line.startswith("}"):
            break
        if entry and " = " in line:
            _, rhs = line.split(" = ", 1)
            rhs = rhs.split(", metadata=")[0]
            op = re.match(r"(\S+) (\w[\w-]*)\(", rhs)
            if op is None or op.group(2) in ("parameter", "constant", "bitcast", "tuple", "get-tuple-element"):
                continue
            kind = re.search(r"kind=(\w+)", rhs)
            ops.append(f"{op.group(1)} {op.group(2)}" + (f" {kind.group(1)}" if kind else ""))
    return [_HLO_NAME.sub("%", o) for o in ops]


def _memory_of(compiled: Any) -> int | None:
    try:
        m = compiled.memory_analysis()
        return int(m.temp_size_in_bytes + m.output_size_in_bytes - m.alias_size_in_bytes)
    except Exception:  # a backend without memory analysis
        return None


def _numpy_peak(call: Callable[[], Any]) -> int:
    tracemalloc.start()
    try:
        call()
        return int(tracemalloc.get_traced_memory()[1])
    finally:
        tracemalloc.stop()


def _once(call: Callable[[], Any]) -> tuple[float, Any]:
    start = time.perf_counter()
    out = jax.block_until_ready(call())
    return time.perf_counter() - start, out


def run_case(case: Case, baseline: str, repeats: int) -> dict[str, Any]:
    """Build, compile, check and time every contender of ``case``; the row of ``results.json``."""
    rows: dict[str, dict[str, Any]] = {}
    with x64(case.dtype == "float64"):
        contenders = case.build()
        calls: dict[str, Callable[[], Any]] = {}
        outputs: dict[str, list[np.ndarray]] = {}
        for c in contenders:
            row: dict[str, Any] = {"name": c.name, "status": "ok", "reason": None,
                                   "compiled": c.jit, "compile_s": None, "memory_bytes": None}
            rows[c.name] = row
            try:
                if c.jit:
                    start = time.perf_counter()
                    compiled = jax.jit(c.fn).lower(*c.args).compile()
                    row["compile_s"] = time.perf_counter() - start
                    row["memory_bytes"] = _memory_of(compiled)
                    row["memory_kind"] = "XLA temporaries + outputs"
                    row["kernels"] = kernel_sequence(compiled)
                    calls[c.name] = (lambda f=compiled, a=c.args: f(*a))
                else:
                    calls[c.name] = (lambda f=c.fn, a=c.args: f(*a))
                row["first_call_s"], out = _once(calls[c.name])
                row["cold_s"] = (row["compile_s"] or 0.0) + row["first_call_s"]
                if not c.jit and not any(isinstance(x, jax.Array) for x in c.args):
                    row["memory_bytes"] = _numpy_peak(calls[c.name])
                    row["memory_kind"] = "tracemalloc peak (NumPy)"
                if c.compare:
                    outputs[c.name] = _to_numpy(c.view(out) if c.view else out)
            except Exception as exc:  # a contender that fails is reported, never silently dropped
                row.update(status="error", reason=f"{type(exc).__name__}: {str(exc).splitlines()[0][:200]}")
                calls.pop(c.name, None)
        ref = outputs.get(baseline)
        base_kernels = rows.get(baseline, {}).get("kernels")
        for row in rows.values():  # the measured reason a ratio sits at 1: XLA runs the baseline's kernels
            if row.get("kernels") is not None and base_kernels is not None:
                row["same_kernels_as_baseline"] = row["kernels"] == base_kernels
        for name, out in outputs.items():
            if ref is not None:
                rows[name]["max_rel_error"], rows[name]["matches"] = _agreement(out, ref, case.dtype)
        samples = _interleaved(calls, repeats)
    for name, reason in case.skipped.items():
        rows[name] = {"name": name, "status": "skipped", "reason": reason}
    base = samples.get(baseline)
    for name, times in samples.items():
        per_call = np.asarray(times[0]) / times[1]
        row = rows[name]
        row.update(
            median_s=float(np.median(per_call)), q1_s=float(np.quantile(per_call, 0.25)),
            q3_s=float(np.quantile(per_call, 0.75)), min_s=float(np.min(per_call)),
            repeats=len(per_call), calls_per_sample=times[1],
        )
        if base is not None:
            ratios = per_call / (np.asarray(base[0]) / base[1])
            row.update(ratio=float(np.median(ratios)), ratio_q1=float(np.quantile(ratios, 0.25)),
                       ratio_q3=float(np.quantile(ratios, 0.75)))
    tol = TOLERANCES[case.dtype]
    return {
        "label": case.label, "group": case.group, "size": case.size, "dtype": case.dtype,
        "tolerance": {"rtol": tol.rtol, "atol": tol.atol},
        "params": dict(case.params), "contenders": list(rows.values()),
    }


def _interleaved(calls: Mapping[str, Callable[[], Any]], repeats: int) -> dict[str, tuple[list[float], int]]:
    """Per contender: (sample times, calls per sample), timed in rotated interleaved rounds."""
    names = list(calls)
    rng = np.random.default_rng(0)  # the same orders on every run
    per_sample = {}
    for name in names:  # warm-up, and calibration of the calls per sample
        t, _ = _once(calls[name])
        t = min(t, _once(calls[name])[0])
        per_sample[name] = int(min(1000, max(1, math.ceil(MIN_SAMPLE_S / max(t, 1e-9)))))
    times: dict[str, list[float]] = {n: [] for n in names}
    enabled = gc.isenabled()
    gc.collect()
    gc.disable()
    try:
        for _ in range(repeats):
            # a fresh (seeded) order each round: no contender always runs right after the same one. A
            # rotated order kept neighbours together, and the contender after the eager NumPy call
            # (whose BLAS threads still spin) measured up to ×1.5 slower than the same XLA program.
            order = [names[i] for i in rng.permutation(len(names))]
            for name in order:
                call, k = calls[name], per_sample[name]
                start = time.perf_counter()
                for _ in range(k):
                    out = call()
                jax.block_until_ready(out)
                times[name].append(time.perf_counter() - start)
    finally:
        if enabled:
            gc.enable()
    return {n: (times[n], per_sample[n]) for n in names}


# --- running suites -----------------------------------------------------------------------------


def run_cases(suite: Suite, quick: bool, on_case: Callable[[dict[str, Any]], None] | None = None
              ) -> dict[str, Any]:
    """Run every case of ``suite`` in this process: ``{"devices": [...], "cases": [...]}``.

    What the worker subprocess prints as JSON, and what :func:`run_suite` does in-process.
    """
    repeats = suite.repeats[0] if quick else suite.repeats[1]
    cases = []
    for case in suite.cases(quick):
        cases.append(run_case(case, suite.baseline, repeats))
        if on_case:
            on_case(cases[-1])
    return {"devices": [str(d) for d in jax.devices()], "cases": cases}


def _needs_subprocess(suite: Suite) -> bool:
    """True when ``suite.env`` asks for variables this process did not start with (JAX reads them once)."""
    return bool(suite.env) and not all(os.environ.get(k) == v for k, v in suite.env.items())


def run_suite(suite: Suite, quick: bool, on_case: Callable[[dict[str, Any]], None] | None = None
              ) -> dict[str, Any]:
    """Run every case of ``suite`` (in a subprocess when it sets ``env``); its ``results.json`` entry."""
    start = time.perf_counter()
    if _needs_subprocess(suite):
        result = _run_in_subprocess(suite, quick)
        for case in result["cases"]:
            if on_case:
                on_case(case)
    else:
        result = run_cases(suite, quick, on_case)
    return {
        "name": suite.name, "title": suite.title, "description": suite.description,
        "x_label": suite.x_label, "baseline": suite.baseline, "env": dict(suite.env),
        "plot_cold": suite.plot_cold, "plot_memory": suite.plot_memory, "headline": suite.headline,
        "floor": suite.floor, "seconds": time.perf_counter() - start,
        **result,
    }


def worker_command(suite: Suite, quick: bool) -> list[str]:
    """The command line that runs ``suite`` on its own: ``python -m chainrule.benchmarks.worker NAME``."""
    return [sys.executable, "-m", WORKER_MODULE, suite.name] + (["--quick"] if quick else [])


def _run_in_subprocess(suite: Suite, quick: bool) -> dict[str, Any]:
    env = {**os.environ, **suite.env}
    cmd = worker_command(suite, quick)
    proc = subprocess.run(cmd, env=env, capture_output=True, text=True, check=False)
    if proc.returncode != 0:
        raise RuntimeError(
            f"benchmark suite {suite.name!r} failed in its subprocess ({' '.join(cmd)}, env "
            f"{dict(suite.env)}), exit status {proc.returncode}:\n{proc.stderr.strip()[-2000:]}"
        )
    return json.loads(proc.stdout)


def run(suites: Sequence[Suite], *, quick: bool, command: str,
        on_case: Callable[[str, dict[str, Any]], None] | None = None) -> dict[str, Any]:
    """Run ``suites``; the whole ``results.json`` object (schema :data:`SCHEMA`)."""
    start = time.perf_counter()
    machine = machine_info()
    out = []
    # Each case's timing starts after a full collection (_interleaved). The objects alive now (JAX's,
    # and a test runner's when run in-process) are frozen out of those collections: in a pytest worker
    # holding 480,000 objects, 23 collections took 3.0 s of the quick run's 25 s.
    gc.collect()
    gc.freeze()
    try:
        for suite in suites:
            result = run_suite(suite, quick, (lambda case, s=suite: on_case(s.name, case)) if on_case else None)
            if suite.summary is not None:  # the suite's own table, kept with its data for summary.md
                result["summary_markdown"] = suite.summary(result)
            out.append(result)
    finally:
        gc.unfreeze()
    machine["load_average_end"] = list(os.getloadavg()) if hasattr(os, "getloadavg") else None
    return {
        "schema": SCHEMA, "created": datetime.now(UTC).isoformat(timespec="seconds"),
        "command": command, "quick": quick, "seconds": time.perf_counter() - start,
        "machine": machine, "suites": out,
    }


# --- reading results -----------------------------------------------------------------------------


def stops(suite: Mapping[str, Any]) -> list[str]:
    """``name: from <case> (reason)`` for each contender first skipped at some case.

    >>> suite = {"cases": [{"label": "n=10", "contenders": [{"name": "dense", "status": "ok"}]},
    ...                    {"label": "n=10⁶", "contenders": [{"name": "dense", "status": "skipped",
    ...                                                      "reason": "too big"}]}]}
    >>> stops(suite)
    ['`dense` from n=10⁶ (too big)']
    """
    seen: dict[str, str] = {}
    for case in suite["cases"]:
        for c in case["contenders"]:
            if c["status"] == "skipped" and c["name"] not in seen:
                seen[c["name"]] = f"`{c['name']}` from {case['label']} ({c['reason']})"
    return list(seen.values())
