"""The benchmark harness behind ``chainrule bench``: closed forms against JAX, timed honestly.

A benchmark is a :class:`Suite`: a name, a title, and a function that yields :class:`Case` records
(one problem size each). A case builds its inputs and its :class:`Contender` list on demand: the
closed form on NumPy, the closed form under ``jax.jit``, ``jit(jax.grad)``, ``jit(jacfwd)``, … The
suites live in :mod:`chainrule.reference.bench_suites`; adding one is one function and one line there.

Method, for every case (the numbers in ``results.json`` say which of these applied):

* **compile outside the timed region**: every ``jit`` contender is lowered and compiled first; the
  compile time is reported apart (``compile_s``), with the first call (``first_call_s``) and their
  sum, the *cold* cost (``cold_s``);
* **the answer is checked before it is timed**: each contender's output is compared with the
  baseline's (normwise relative error, ``max_rel_error``), so a fast wrong answer cannot win;
* **warm-up**, then **interleaved repeats**: every round times each contender once, in a rotated
  order, so drift (turbo, other processes) hits all alike; a sample runs enough calls to last
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
``Suite.env`` and runs in a subprocess (``python -m chainrule.reference.bench --worker NAME``).
"""

from __future__ import annotations

import gc
import json
import math
import os
import platform
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

from .autodiff import x64

__all__ = [
    "MIN_SAMPLE_S",
    "SCHEMA",
    "Case",
    "Contender",
    "Suite",
    "cell",
    "machine_info",
    "plot_suite",
    "run",
    "run_case",
    "run_suite",
    "select_suites",
    "summary_markdown",
    "write_results",
]

#: Identifies the layout of ``results.json``; bump it when a field changes meaning.
SCHEMA = "chainrule-bench/1"

#: A timed sample runs the contender this long at least (several calls per sample for fast ones).
MIN_SAMPLE_S = 2e-3

#: Largest relative error (normwise, vs the baseline's output) accepted as "same result to rounding".
MATCH_RTOL = {"float64": 1e-9, "float32": 1e-3}


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
    does not run at this size (where a dense reference stops).
    """

    label: str
    group: str
    size: float
    build: Callable[[], list[Contender]]
    dtype: str = "float64"
    params: Mapping[str, Any] = field(default_factory=dict)
    skipped: Mapping[str, str] = field(default_factory=dict)


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
    repeats: tuple[int, int] = (3, 15)  # (quick, full)


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


def _rel_error(out: list[np.ndarray], ref: list[np.ndarray]) -> float:
    if len(out) != len(ref) or any(o.shape != r.shape for o, r in zip(out, ref, strict=True)):
        return math.inf
    worst = 0.0
    for o, r in zip(out, ref, strict=True):
        scale = float(np.max(np.abs(r))) if r.size else 0.0
        diff = float(np.max(np.abs(o - r))) if r.size else 0.0
        worst = max(worst, diff / scale if scale > 0 else diff)
    return worst


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
        for name, out in outputs.items():
            if ref is not None:
                err = _rel_error(out, ref)
                rows[name]["max_rel_error"] = err if math.isfinite(err) else None
                rows[name]["matches"] = bool(err <= MATCH_RTOL.get(case.dtype, 1e-9))
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
    return {
        "label": case.label, "group": case.group, "size": case.size, "dtype": case.dtype,
        "params": dict(case.params), "contenders": list(rows.values()),
    }


def _interleaved(calls: Mapping[str, Callable[[], Any]], repeats: int) -> dict[str, tuple[list[float], int]]:
    """Per contender: (sample times, calls per sample), timed in rotated interleaved rounds."""
    names = list(calls)
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
        for r in range(repeats):
            order = names[r % len(names):] + names[: r % len(names)] if names else []
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


def select_suites(suites: Sequence[Suite], pattern: str | None) -> list[Suite]:
    """Suites whose name contains one of ``pattern``'s comma-separated parts (all when None)."""
    if not pattern:
        return list(suites)
    parts = [p.strip().lower() for p in pattern.split(",") if p.strip()]
    return [s for s in suites if any(p in s.name.lower() for p in parts)]


def run_suite(suite: Suite, quick: bool, on_case: Callable[[dict[str, Any]], None] | None = None
              ) -> dict[str, Any]:
    """Run every case of ``suite`` (in a subprocess when it sets ``env``); its ``results.json`` entry."""
    start = time.perf_counter()
    if suite.env and not all(os.environ.get(k) == v for k, v in suite.env.items()):
        result = _run_in_subprocess(suite, quick)
        for case in result["cases"]:
            if on_case:
                on_case(case)
    else:
        repeats = suite.repeats[0] if quick else suite.repeats[1]
        cases = []
        for case in suite.cases(quick):
            cases.append(run_case(case, suite.baseline, repeats))
            if on_case:
                on_case(cases[-1])
        result = {"devices": [str(d) for d in jax.devices()], "cases": cases}
    return {
        "name": suite.name, "title": suite.title, "description": suite.description,
        "x_label": suite.x_label, "baseline": suite.baseline, "env": dict(suite.env),
        "plot_cold": suite.plot_cold, "seconds": time.perf_counter() - start, **result,
    }


def _run_in_subprocess(suite: Suite, quick: bool) -> dict[str, Any]:
    env = {**os.environ, **suite.env}
    cmd = [sys.executable, "-m", "chainrule.reference.bench", "--worker", suite.name] + (["--quick"] if quick else [])
    proc = subprocess.run(cmd, env=env, capture_output=True, text=True, check=False)
    if proc.returncode != 0:
        raise RuntimeError(
            f"benchmark suite {suite.name!r} failed in its subprocess ({' '.join(cmd)}, env "
            f"{dict(suite.env)}), exit status {proc.returncode}:\n{proc.stderr.strip()[-2000:]}"
        )
    return json.loads(proc.stdout)


def _worker(argv: Sequence[str]) -> int:
    """``python -m chainrule.reference.bench --worker NAME [--quick]``: run one suite, print its cases as JSON."""
    from .bench_suites import SUITES

    name = argv[argv.index("--worker") + 1]
    quick = "--quick" in argv
    (suite,) = [s for s in SUITES if s.name == name]
    repeats = suite.repeats[0] if quick else suite.repeats[1]
    cases = [run_case(c, suite.baseline, repeats) for c in suite.cases(quick)]
    json.dump({"devices": [str(d) for d in jax.devices()], "cases": cases}, sys.stdout)
    return 0


# --- results: JSON, Markdown, plots -------------------------------------------------------------


def write_results(results: Mapping[str, Any], out: Path) -> list[Path]:
    """Write ``results.json``, ``summary.md`` and one PNG per suite into ``out``; the paths written."""
    out.mkdir(parents=True, exist_ok=True)
    paths = [out / "results.json", out / "summary.md"]
    paths[0].write_text(json.dumps(results, indent=1, ensure_ascii=False) + "\n")
    paths[1].write_text(summary_markdown(results))
    for suite in results["suites"]:
        png = out / f"{suite['name']}.png"
        plot_suite(suite, png)
        paths.append(png)
    return paths


def _fmt_time(s: float | None) -> str:
    if s is None:
        return "—"
    for unit, scale in (("s", 1.0), ("ms", 1e-3), ("µs", 1e-6)):
        if s >= scale:
            return f"{s / scale:.3g} {unit}"
    return f"{s / 1e-9:.3g} ns"


def _fmt_bytes(b: int | None) -> str:
    if b is None:
        return "—"
    for unit, scale in (("GiB", 2**30), ("MiB", 2**20), ("KiB", 2**10)):
        if b >= scale:
            return f"{b / scale:.3g} {unit}"
    return f"{b} B"


def cell(row: Mapping[str, Any]) -> str:
    """One contender's figure in a table: ``1.23 ms (×0.55)``, or why it did not run."""
    if row["status"] == "skipped":
        return "skipped"
    if row["status"] == "error" or "median_s" not in row:
        return "error"
    text = _fmt_time(row["median_s"])
    if row.get("ratio") is not None:
        text += f" (×{row['ratio']:.2f})"
    if row.get("matches") is False:
        text += " MISMATCH"
    return text


def summary_markdown(results: Mapping[str, Any]) -> str:
    """The run as Markdown: the machine, then per suite a table of medians (ratio to the baseline)."""
    m = results["machine"]
    lines = [
        f"# chainrule bench: {'quick' if results['quick'] else 'full'} run, {results['created']}",
        "",
        f"Command: `{results['command']}` ({results['seconds']:.0f} s)",
        "",
        f"Machine: {m['cpu']}, {m['usable_cores']} usable cores of {m['cpu_count']}, load average at "
        f"start {', '.join(f'{x:.2f}' for x in m['load_average'] or [])}; {m['platform']}; Python "
        f"{m['python']}, NumPy {m['numpy']} ({m['blas']}), JAX {m['jax']} / jaxlib {m['jaxlib']}, "
        f"backend {m['jax_backend']}, devices {', '.join(m['jax_devices'])}; thread settings "
        f"{ {k: v for k, v in m['thread_settings'].items() if v} or 'none set (library defaults)'}.",
        "",
        "Each cell: median time per call (×ratio to the suite's baseline, median of per-round ratios "
        "in the same run). Compile times, quartiles, memory and the check against the baseline's "
        "answer are in `results.json`.",
        "",
    ]
    for suite in results["suites"]:
        names: list[str] = []
        for case in suite["cases"]:
            names += [c["name"] for c in case["contenders"] if c["name"] not in names]
        lines += [f"## {suite['title']}", "", suite["description"], "",
                  f"Baseline: `{suite['baseline']}`. Devices: {', '.join(suite['devices'])}.", ""]
        lines.append("| case | " + " | ".join(f"`{n}`" for n in names) + " |")
        lines.append("|---|" + "---|" * len(names))
        for case in suite["cases"]:
            by = {c["name"]: c for c in case["contenders"]}
            lines.append(f"| {case['label']} | "
                         + " | ".join(cell(by[n]) if n in by else "" for n in names) + " |")
        stops = _stops(suite)
        if stops:
            lines += ["", "Where references stop: " + "; ".join(stops) + "."]
        lines.append("")
    return "\n".join(lines)


def _stops(suite: Mapping[str, Any]) -> list[str]:
    """``name: from <case> (reason)`` for each contender first skipped at some case."""
    seen: dict[str, str] = {}
    for case in suite["cases"]:
        for c in case["contenders"]:
            if c["status"] == "skipped" and c["name"] not in seen:
                seen[c["name"]] = f"`{c['name']}` from {case['label']} ({c['reason']})"
    return list(seen.values())


def plot_suite(suite: Mapping[str, Any], path: Path) -> None:
    """Log-log time vs size (one line per contender) over the ratio to the baseline, per group."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    import matplotlib.ticker

    groups = list(dict.fromkeys(c["group"] for c in suite["cases"]))
    names = list(dict.fromkeys(r["name"] for c in suite["cases"] for r in c["contenders"]))
    colors = {n: plt.get_cmap("tab10")(i % 10) for i, n in enumerate(names)}
    markers = dict(zip(names, "osD^vP*Xh<>p", strict=False))
    ncols = min(3, len(groups))
    nrows = math.ceil(len(groups) / ncols)
    width, height = max(8.0, 5.2 * ncols), 6.4 * nrows
    fig, axes = plt.subplots(2 * nrows, ncols, figsize=(width, height), squeeze=False,
                             gridspec_kw={"height_ratios": [2.2, 1] * nrows})
    for gi, group in enumerate(groups):
        ax_t, ax_r = axes[2 * (gi // ncols), gi % ncols], axes[2 * (gi // ncols) + 1, gi % ncols]
        cases = [c for c in suite["cases"] if c["group"] == group]
        for name in names:
            pts = [(c["size"], r) for c in cases for r in c["contenders"]
                   if r["name"] == name and r.get("median_s") is not None]
            if not pts:
                continue
            xs = [p[0] for p in pts]
            style = {"color": colors[name], "marker": markers.get(name, "o"), "ms": 4}
            ax_t.plot(xs, [p[1]["median_s"] for p in pts], label=name, **style)
            ax_t.fill_between(xs, [p[1]["q1_s"] for p in pts], [p[1]["q3_s"] for p in pts],
                              color=colors[name], alpha=0.15, lw=0)
            if suite.get("plot_cold"):
                ax_t.plot(xs, [p[1]["cold_s"] for p in pts], ls="--", lw=1, fillstyle="none",
                          label=f"{name}, cold (compile + 1st call)", **style)
            if any(p[1].get("ratio") is not None for p in pts):
                ax_r.plot(xs, [p[1].get("ratio", math.nan) for p in pts], **style)
        for ax in (ax_t, ax_r):
            ax.set_xscale("log")
            ax.grid(True, which="major", alpha=0.3)
        ax_t.set_yscale("log")
        ax_r.set_yscale("log")
        ax_r.yaxis.set_minor_formatter(matplotlib.ticker.NullFormatter())
        ax_r.axhline(1.0, color="k", lw=0.8)
        ax_t.set_title(group, fontsize=10)
        ax_t.set_ylabel("time per call [s] (median, IQR band)")
        ax_r.set_ylabel(f"÷ {suite['baseline']}")
        ax_r.set_xlabel(suite["x_label"])
    for k in range(len(groups), nrows * ncols):
        axes[2 * (k // ncols), k % ncols].axis("off")
        axes[2 * (k // ncols) + 1, k % ncols].axis("off")
    handles, labels = [], []
    for ax in axes.flat:
        for h, lab in zip(*ax.get_legend_handles_labels(), strict=True):
            if lab not in labels:
                handles.append(h)
                labels.append(lab)
    legend_cols = 2 if ncols == 1 else 4
    legend_rows = math.ceil(len(labels) / legend_cols)
    stops = _stops(suite)
    footer = ("stops: " + "; ".join(s.replace("`", "") for s in stops)) if stops else ""
    footer_in = 0.15 * math.ceil(len(footer) / (14 * width)) if footer else 0.0
    bottom_in = 0.2 + 0.2 * legend_rows + footer_in
    fig.legend(handles, labels, loc="lower center", ncol=legend_cols, fontsize=8, frameon=False,
               bbox_to_anchor=(0.5, footer_in / height))
    if footer:
        fig.text(0.5, 0.004, footer, ha="center", va="bottom", fontsize=7, wrap=True)
    fig.suptitle(suite["title"], fontsize=12)
    fig.tight_layout(rect=(0, bottom_in / height, 1, 0.97))
    fig.savefig(path, dpi=110)
    plt.close(fig)


def run(suites: Sequence[Suite], *, quick: bool, command: str,
        on_case: Callable[[str, dict[str, Any]], None] | None = None) -> dict[str, Any]:
    """Run ``suites``; the whole ``results.json`` object (schema :data:`SCHEMA`)."""
    start = time.perf_counter()
    machine = machine_info()
    out = []
    for suite in suites:
        out.append(run_suite(suite, quick, (lambda case, s=suite: on_case(s.name, case)) if on_case else None))
    machine["load_average_end"] = list(os.getloadavg()) if hasattr(os, "getloadavg") else None
    return {
        "schema": SCHEMA, "created": datetime.now(UTC).isoformat(timespec="seconds"),
        "command": command, "quick": quick, "seconds": time.perf_counter() - start,
        "machine": machine, "suites": out,
    }


if __name__ == "__main__":  # pragma: no cover - the subprocess entry of Suite.env suites
    sys.exit(_worker(sys.argv[1:]))
