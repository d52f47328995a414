"""What a benchmark run leaves behind: ``results.json``, ``summary.md`` and one PNG per suite.

:func:`write_results` writes all three from the object :func:`chainrule.benchmarks.harness.run`
returns; :func:`summary_markdown` is the Markdown alone and :func:`cell` one figure of its tables
(also what ``chainrule bench`` prints).

>>> cell({"status": "ok", "median_s": 1.234e-3, "ratio": 0.55, "matches": True})
'1.23 ms (×0.55)'
>>> cell({"status": "ok", "median_s": 4e-6, "matches": False})
'4 µs MISMATCH'
>>> cell({"status": "skipped", "reason": "n × n needs 1 TiB"})
'skipped'
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from .harness import stops
from .plots import plot_headline, plot_suite

__all__ = ["cell", "headline", "summary_markdown", "write_results"]


def write_results(results: Mapping[str, Any], out: Path) -> list[Path]:
    """Write ``results.json``, ``summary.md`` and one PNG per suite into ``out`` (and, with the loss-gradient
    suite, the README's ``headline.png``); the paths written."""
    out = Path(out)
    out.mkdir(parents=True, exist_ok=True)
    paths = [out / "results.json", out / "summary.md"]
    paths[0].write_text(json.dumps(results, indent=1, ensure_ascii=False) + "\n")
    paths[1].write_text(summary_markdown(results))
    for suite in results["suites"]:
        png = out / f"{suite['name']}.png"
        plot_suite(suite, png)
        paths.append(png)
        if suite["name"] == "loss_gradient":  # the README's headline figure
            paths.append(plot_headline(suite, out / "headline.png"))
    return paths


def _fmt_time(s: float | None) -> str:
    if s is None:
        return "—"
    for unit, scale in (("s", 1.0), ("ms", 1e-3), ("µs", 1e-6)):
        if s >= scale:
            return f"{s / scale:.3g} {unit}"
    return f"{s / 1e-9:.3g} ns"


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


def _ratios(suite: Mapping[str, Any], name: str) -> list[tuple[str, Mapping[str, Any]]]:
    out = []
    for case in suite["cases"]:
        for c in case["contenders"]:
            if c["name"] == name and c.get("ratio") is not None:
                out.append((case["label"], c))
    return out


def headline(suite: Mapping[str, Any], machine: Mapping[str, Any] | None = None) -> str | None:
    """The suite's headline: its headline contender's ratio to the baseline across the cases, spread, floor.

    ``None`` when the suite names no headline contender or it has no ratio in this run.

    >>> row = lambda r, q1, q3: {"name": "closed form (jit)", "ratio": r, "ratio_q1": q1, "ratio_q3": q3}
    >>> suite = {"baseline": "jit(grad)", "headline": "closed form (jit)", "floor": None,
    ...          "cases": [{"label": "n=10", "contenders": [row(0.9, 0.85, 0.95)]},
    ...                    {"label": "n=100", "contenders": [row(1.2, 1.1, 1.3)]}]}
    >>> print(headline(suite))  # doctest: +NORMALIZE_WHITESPACE
    `closed form (jit)` ÷ `jit(grad)`: ×0.9–1.2 over 2 cases (median ×1.05); slowest n=100 ×1.2
    (quartiles ×1.1–1.3 across rounds); 1 of 2 cases at or below ×1.0.
    """
    name = suite.get("headline")
    rows = _ratios(suite, name) if name else []
    if not rows:
        return None
    ratios = [c["ratio"] for _, c in rows]
    worst_label, worst = max(rows, key=lambda lc: lc[1]["ratio"])
    text = (f"`{name}` ÷ `{suite['baseline']}`: ×{min(ratios):.2g}–{max(ratios):.2g} over {len(rows)} cases "
            f"(median ×{_median(ratios):.2f}); slowest {worst_label} ×{worst['ratio']:.2g} (quartiles "
            f"×{worst['ratio_q1']:.2g}–{worst['ratio_q3']:.2g} across rounds); "
            f"{sum(r <= 1.0 for r in ratios)} of {len(rows)} cases at or below ×1.0.")
    same = [label for label, c in rows if c.get("same_kernels_as_baseline")]
    if same:
        above = [label for label, c in rows if c["ratio"] > 1.0]
        text += (f" {len(same)} of {len(rows)} cases compile to the baseline's own kernels (XLA runs the same "
                 f"program: a ratio off 1 there is timing noise); {sum(a in same for a in above)} of the "
                 f"{len(above)} cases above ×1.0 are among them.")
    floor = suite.get("floor")
    if floor:
        floors = dict((label, c) for label, c in _ratios(suite, floor))
        over = [c["ratio"] / floors[label]["ratio"] for label, c in rows if label in floors]
        if over:
            text += (f" One-pass floor `{floor}`: ×{min(f['ratio'] for f in floors.values()):.2g}–"
                     f"{max(f['ratio'] for f in floors.values()):.2g} of the baseline; the headline is "
                     f"×{min(over):.2g}–{max(over):.2g} the floor (median ×{_median(over):.2f}).")
    if machine:
        text += (f" Measured on {machine['cpu']}, {machine['usable_cores']} usable cores, load average "
                 f"{', '.join(f'{x:.2f}' for x in machine.get('load_average') or [])} at the start.")
    return text


def _median(values: list[float]) -> float:
    v = sorted(values)
    return (v[len(v) // 2] + v[(len(v) - 1) // 2]) / 2


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
        "answer (the dtype's row of chainrule's one tolerance table) are in `results.json`.",
        "",
    ]
    for suite in results["suites"]:
        names: list[str] = []
        for case in suite["cases"]:
            names += [c["name"] for c in case["contenders"] if c["name"] not in names]
        lines += [f"## {suite['title']}", "", suite["description"], "",
                  f"Baseline: `{suite['baseline']}`. Devices: {', '.join(suite['devices'])}.", ""]
        head = headline(suite, m)
        if head:
            lines += [f"**Headline.** {head}", ""]
        lines.append("| case | " + " | ".join(f"`{n}`" for n in names) + " |")
        lines.append("|---|" + "---|" * len(names))
        for case in suite["cases"]:
            by = {c["name"]: c for c in case["contenders"]}
            lines.append(f"| {case['label']} | "
                         + " | ".join(cell(by[n]) if n in by else "" for n in names) + " |")
        where = stops(suite)
        if where:
            lines += ["", "Where references stop: " + "; ".join(where) + "."]
        extra = suite.get("summary_markdown")  # the suite's own table (Suite.summary), when it has one
        if extra:
            lines += ["", extra.rstrip()]
        lines.append("")
    return "\n".join(lines)

