"""One PNG per benchmark suite: time per call against size (log-log), over the ratio to the baseline (and,
for a suite with ``plot_memory``, each program's memory against size).

Drawn by the package's one plotting policy (:func:`chainrule.reference.plot.new_figure` and
:func:`~chainrule.reference.plot.save_figure`): a private ``Figure`` on the Agg canvas, no ``pyplot``,
no ``matplotlib.use``, no change to global matplotlib state.

>>> import pathlib, tempfile
>>> row = {"name": "closed form", "status": "ok", "median_s": 1e-3, "q1_s": 9e-4, "q3_s": 1.1e-3, "ratio": 0.5}
>>> base = {"name": "jit(grad)", "status": "ok", "median_s": 2e-3, "q1_s": 1.9e-3, "q3_s": 2.1e-3, "ratio": 1.0}
>>> suite = {"title": "toy", "baseline": "jit(grad)", "x_label": "n",
...          "cases": [{"label": f"n={n}", "group": "float64", "size": n, "contenders": [row, base]}
...                    for n in (10, 100)]}
>>> with tempfile.TemporaryDirectory() as d:
...     png = plot_suite(suite, pathlib.Path(d) / "toy.png")
...     png.read_bytes()[:4] == b"\\x89PNG"
True
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from chainrule.reference.plot import new_figure, save_figure

from .harness import stops

__all__ = ["plot_headline", "plot_suite"]


_SUPERSCRIPT = str.maketrans("0123456789-", "⁰¹²³⁴⁵⁶⁷⁸⁹⁻")


def _tick(v: float) -> str:
    """A minor tick as people write it: ``200``, ``5000``, ``2×10⁶`` (not ``2e+06``).

    >>> [_tick(v) for v in (200.0, 5000.0, 2e6, 5e7)]
    ['200', '5000', '2×10⁶', '5×10⁷']
    """
    if v < 1e4:
        return f"{v:g}"
    e = math.floor(math.log10(v))
    return f"{round(v / 10**e, 3):g}×10{str(e).translate(_SUPERSCRIPT)}"


def plot_suite(suite: Mapping[str, Any], path: Path) -> Path:
    """Log-log time vs size (one line per contender) over the ratio to the baseline, per group; ``path``."""
    import matplotlib
    from matplotlib.ticker import FuncFormatter, LogLocator, NullFormatter

    groups = list(dict.fromkeys(c["group"] for c in suite["cases"]))
    names = list(dict.fromkeys(r["name"] for c in suite["cases"] for r in c["contenders"]))
    palette = matplotlib.colormaps["tab10"]
    colors = {n: palette(i % 10) for i, n in enumerate(names)}
    markers = dict(zip(names, "osD^vP*Xh<>p", strict=False))
    ncols = min(3, len(groups))
    nrows = math.ceil(len(groups) / ncols)
    memory = bool(suite.get("plot_memory"))
    panels = 3 if memory else 2  # time, ratio (and memory) per group
    width, height = max(8.0, 5.2 * ncols), (9.0 if memory else 6.4) * nrows
    fig = new_figure((width, height))
    ratios = [2.2, 1, 1.6] if memory else [2.2, 1]
    axes = fig.subplots(panels * nrows, ncols, squeeze=False, gridspec_kw={"height_ratios": ratios * nrows})
    for gi, group in enumerate(groups):
        row0 = panels * (gi // ncols)
        ax_t, ax_r = axes[row0, gi % ncols], axes[row0 + 1, gi % ncols]
        ax_m = axes[row0 + 2, gi % ncols] if memory else None
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
            if ax_m is not None and any(p[1].get("memory_bytes") for p in pts):
                ax_m.plot(xs, [(p[1].get("memory_bytes") or math.nan) / 2**20 for p in pts], **style)
        for ax in (ax_t, ax_r) if ax_m is None else (ax_t, ax_r, ax_m):
            ax.set_xscale("log")
            # minor ticks at 2× and 5× a power of ten, labelled plainly: a range narrower than a decade
            # still has labels, and matplotlib's default labels every minor tick there, on top of each other
            ax.xaxis.set_minor_locator(LogLocator(subs=(2.0, 5.0)))
            xs_all = [c["size"] for c in cases]
            narrow = max(xs_all) / min(xs_all) < 300  # over 2½ decades, labelled minor ticks collide
            ax.xaxis.set_minor_formatter(FuncFormatter(lambda v, _: _tick(v)) if narrow else NullFormatter())
            ax.grid(True, which="major", alpha=0.3)
        ax_t.set_yscale("log")
        ax_r.set_yscale("log")
        ax_r.yaxis.set_minor_formatter(NullFormatter())
        ax_r.axhline(1.0, color="k", lw=0.8)
        ax_t.set_title(group, fontsize=10)
        ax_t.set_ylabel("time per call [s] (median, IQR band)")
        ax_r.set_ylabel(f"÷ {suite['baseline']}")
        (ax_r if ax_m is None else ax_m).set_xlabel(suite["x_label"])
        if ax_m is not None:
            ax_m.set_yscale("log")
            ax_m.set_ylabel("memory [MiB] (XLA temporaries\n+ outputs; NumPy: tracemalloc peak)", fontsize=8)
    for k in range(len(groups), nrows * ncols):
        for p in range(panels):
            axes[panels * (k // ncols) + p, k % ncols].axis("off")
    handles, labels = [], []
    for ax in axes.flat:
        for h, lab in zip(*ax.get_legend_handles_labels(), strict=True):
            if lab not in labels:
                handles.append(h)
                labels.append(lab)
    legend_cols = 2 if ncols == 1 else 4
    legend_rows = math.ceil(len(labels) / legend_cols)
    where = stops(suite)
    footer = ("stops: " + "; ".join(s.replace("`", "") for s in where)) if where else ""
    footer_in = 0.15 * math.ceil(len(footer) / (14 * width)) if footer else 0.0
    bottom_in = 0.2 + 0.2 * legend_rows + footer_in
    fig.legend(handles, labels, loc="lower center", ncol=legend_cols, fontsize=8, frameon=False,
               bbox_to_anchor=(0.5, footer_in / height))
    if footer:
        fig.text(0.5, 0.004, footer, ha="center", va="bottom", fontsize=7, wrap=True)
    fig.suptitle(suite["title"], fontsize=12)
    fig.tight_layout(rect=(0, bottom_in / height, 1, 0.97))
    return save_figure(fig, path)


def plot_headline(suite: Mapping[str, Any], path: Path, contender: str = "closed form (jit)",
                  floor: str = "X @ w: one pass over X (jit)") -> Path:
    """The README's headline: one panel, ``contender``'s time ÷ the baseline's at every size of every group
    (solid), and the one-pass floor's (dashed, the least any gradient can cost), on one shared axis.

    >>> import pathlib, tempfile
    >>> rows = lambda r: [{"name": "closed form (jit)", "ratio": r}, {"name": "jit(grad)", "ratio": 1.0}]
    >>> suite = {"title": "toy", "baseline": "jit(grad)", "x_label": "N",
    ...          "cases": [{"group": "float64", "size": n, "contenders": rows(0.9)} for n in (10, 100)]}
    >>> with tempfile.TemporaryDirectory() as d:
    ...     plot_headline(suite, pathlib.Path(d) / "h.png").read_bytes()[:4] == b"\\x89PNG"
    True
    """
    from matplotlib.ticker import FuncFormatter, LogLocator, NullFormatter

    groups = list(dict.fromkeys(c["group"] for c in suite["cases"]))
    fig = new_figure((8.0, 4.2))
    ax = fig.subplots()
    import matplotlib

    palette = matplotlib.colormaps["tab10"]
    for gi, group in enumerate(groups):
        cases = sorted((c for c in suite["cases"] if c["group"] == group), key=lambda c: c["size"])
        for name, style in ((contender, {"ls": "-", "marker": "o"}), (floor, {"ls": "--", "marker": None})):
            pts = [(c["size"], r["ratio"]) for c in cases for r in c["contenders"]
                   if r["name"] == name and r.get("ratio") is not None]
            if pts:
                ax.plot(*zip(*pts, strict=True), color=palette(gi % 10), ms=4, lw=1.4 if style["ls"] == "-" else 0.9,
                        label=group if name == contender else None, **style)
    ax.axhline(1.0, color="k", lw=0.8)
    ax.set_xscale("log")
    ax.set_yscale("log")
    ax.yaxis.set_major_locator(LogLocator(subs=(1.0, 2.0, 5.0)))  # ×0.1, ×0.2, ×0.5, ×1, ×2: ratios read plainly
    ax.yaxis.set_major_formatter(FuncFormatter(lambda v, _: f"×{v:g}"))
    ax.yaxis.set_minor_formatter(NullFormatter())
    ax.grid(True, which="major", alpha=0.3)
    ax.set_xlabel(suite["x_label"])
    ax.set_ylabel(f"time ÷ {suite['baseline']}  (below 1: faster)")
    ax.set_title(f"{contender} ÷ {suite['baseline']} (solid); one pass over X, the floor (dashed)", fontsize=10)
    ax.legend(fontsize=8, ncol=2, frameon=False)
    fig.tight_layout()
    return save_figure(fig, path)
