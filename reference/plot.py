"""A picture of a check: the candidate's Jacobian, JAX's Jacobian, and their difference as heatmaps.

Three panels side by side, so a transposed layout (the difference is antisymmetric about the
diagonal), a banded error (one diagonal or one row lights up) or a missing factor (the two left panels
share a pattern but not a scale) is seen at a glance:

1. **candidate (claimed)**: what the hand-derived derivative returned;
2. **JAX (expected)**: what ``jax.jacfwd`` / ``jax.grad`` computed, on the *same* color scale as 1;
3. **difference, candidate − JAX**: a diverging scale centred on 0, its worst entry boxed.

Arrays of any rank are drawn as 2-d ``(out, in)`` matrices: a Jacobian of shape
``out.shape + in.shape`` (numerator layout) becomes ``(prod(out.shape), prod(in.shape))`` in
row-major (C) order, and the axis labels state that reshaping. A gradient keeps its argument's shape
(a row for a vector, the matrix itself for a matrix), and so do a VJP and a JVP.

Figures are built on a private :class:`matplotlib.figure.Figure` with the Agg canvas: no ``pyplot``,
no backend switch (``matplotlib.use``), no change to ``matplotlib.rcParams``. That is the one plotting
policy of the package: :func:`new_figure` and :func:`save_figure` implement it, and the benchmark plots
(:mod:`chainrule.benchmarks.plots`) use them too.

>>> import numpy as np, pathlib, tempfile
>>> J = np.arange(12.0).reshape(3, 4)
>>> with tempfile.TemporaryDirectory() as d:
...     out = plot_jacobians(2 * J, J, pathlib.Path(d) / "jac.png", title="off by 2")
...     out.name, out.stat().st_size > 0
('jac.png', True)
"""

from __future__ import annotations

import math
import os
import textwrap
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np

if TYPE_CHECKING:  # matplotlib is imported on first use: importing this module stays cheap
    from matplotlib.figure import Figure

__all__ = ["new_figure", "plot_jacobians", "plot_report", "save_figure"]

#: Largest side (in entries) drawn with each entry's value written in its cell.
_ANNOTATE_MAX = 8

#: Resolution of every PNG the package writes.
DPI = 110


def new_figure(figsize: tuple[float, float], **kwargs: Any) -> Figure:
    """A :class:`~matplotlib.figure.Figure` drawn by its own Agg canvas, unknown to ``pyplot``.

    No backend is selected and no global state changes, so it is safe inside a user's session (a
    notebook with an interactive backend, a test run). ``kwargs`` go to ``Figure`` (``layout=…``).

    >>> fig = new_figure((2.0, 1.5))
    >>> type(fig.canvas).__name__, fig.get_size_inches().tolist()
    ('FigureCanvasAgg', [2.0, 1.5])
    """
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure

    fig = Figure(figsize=figsize, **kwargs)
    FigureCanvasAgg(fig)
    return fig


def save_figure(fig: Figure, path: str | os.PathLike[str], *, dpi: int = DPI) -> Path:
    """Write ``fig`` to ``path`` (its extension picks the format) and return the path.

    >>> import pathlib, tempfile
    >>> fig = new_figure((2.0, 1.5))
    >>> _ = fig.subplots().plot([1, 2, 3])
    >>> with tempfile.TemporaryDirectory() as d:
    ...     out = save_figure(fig, pathlib.Path(d) / "line.png")
    ...     out.read_bytes()[:4] == b"\\x89PNG"
    True
    """
    path = Path(path)
    fig.savefig(path, dpi=dpi)
    return path


def _as_array(name: str, a: Any) -> np.ndarray:
    """``a`` as a float64 NumPy array (structured Jacobians densified through ``__array__``)."""
    if a is None:
        raise ValueError(f"{name}: expected an array, got None (a passing report may carry no arrays)")
    try:
        arr = np.asarray(a)
    except Exception as exc:  # an object NumPy cannot read at all
        raise TypeError(f"{name}: expected an array-like, got {type(a).__name__} ({exc})") from None
    if arr.dtype == object or not (np.issubdtype(arr.dtype, np.number) or arr.dtype == bool):
        raise TypeError(f"{name}: expected a numeric array, got dtype {arr.dtype}")
    if np.iscomplexobj(arr):
        raise TypeError(f"{name}: expected a real array, got dtype {arr.dtype}; plot .real and .imag")
    return arr.astype(np.float64)


def _axes_text(shape: tuple[int, ...], axes: range) -> str:
    """``"axis 1 (4)"`` or ``"axes 1–2 of (3, 4, 5) → 20"`` for the axes folded into one side."""
    if len(axes) == 0:
        return "scalar (1)"
    if len(axes) == 1:
        return f"axis {axes[0]} ({shape[axes[0]]})"
    size = math.prod(shape[i] for i in axes)
    return f"axes {axes[0]}–{axes[-1]} of {shape} → {size}"


def _to_2d(shape: tuple[int, ...], in_ndim: int, own: str | None) -> tuple[tuple[int, int], str, str]:
    """The 2-d shape an array of ``shape`` is drawn as, with its row and column labels.

    ``own`` is ``None`` for a Jacobian (split into ``(out, in)`` at ``in_ndim``) or the symbol of an
    array drawn in its own shape (a gradient ``∂f/∂x``, a VJP, a JVP).
    """
    ndim = len(shape)
    if own is not None:
        # A gradient has its argument's shape: a vector is the paper's 1 × n row, a matrix is drawn
        # as itself, higher ranks fold their trailing axes into columns.
        if ndim <= 1:
            n = shape[0] if ndim else 1
            return (1, n), "(one row)", f"{own}[j]: {_axes_text(shape, range(ndim))}"
        rows, cols = range(0, 1), range(1, ndim)
        return ((shape[0], math.prod(shape[1:])), f"{own}[i, …]: {_axes_text(shape, rows)}",
                f"{own}[…, j]: {_axes_text(shape, cols)}")
    if not 0 <= in_ndim <= ndim:
        raise ValueError(f"in_ndim: expected 0 ≤ in_ndim ≤ {ndim} for an array of shape {shape}, "
                         f"got {in_ndim}")
    out_axes, in_axes = range(0, ndim - in_ndim), range(ndim - in_ndim, ndim)
    rows = math.prod(shape[i] for i in out_axes)
    cols = math.prod(shape[i] for i in in_axes)
    return ((rows, cols), f"output index i: {_axes_text(shape, out_axes)}",
            f"input index j: {_axes_text(shape, in_axes)}")


def _default_in_ndim(ndim: int) -> int:
    """Trailing axes taken as the input's when nobody says: half, rounded up (1-d → a row)."""
    return (ndim + 1) // 2


def _check_path(path: str | os.PathLike[str]) -> Path:
    path = Path(path)
    if not path.parent.is_dir():
        raise ValueError(f"path: the folder {str(path.parent)!r} does not exist; create it first")
    if path.suffix.lower() not in (".png", ".pdf", ".svg"):
        raise ValueError(f"path: expected a file name ending in .png, .pdf or .svg, got {str(path)!r}")
    return path


def _draw(
    claimed: Any,
    expected: Any,
    path: str | os.PathLike[str],
    *,
    title: str | None,
    in_ndim: int | None,
    own: str | None,
) -> Path:
    path = _check_path(path)
    return save_figure(_figure(claimed, expected, title=title, in_ndim=in_ndim, own=own), path)


def _figure(claimed: Any, expected: Any, *, title: str | None, in_ndim: int | None, own: str | None) -> Figure:
    """The three-panel :class:`~matplotlib.figure.Figure` (not attached to pyplot)."""
    from matplotlib.colors import Normalize, TwoSlopeNorm
    from matplotlib.patches import Rectangle
    from matplotlib.ticker import MaxNLocator

    c = _as_array("claimed", claimed)
    e = _as_array("expected", expected)

    def layout(a: np.ndarray, k: int) -> tuple[np.ndarray, str, str]:
        shape2, ylabel, xlabel = _to_2d(a.shape, k, own)
        return a.reshape(shape2), ylabel, xlabel

    # The split is decided on JAX's array; a candidate of another rank (a wrong shape) is split
    # as far as its own rank allows.
    k = _default_in_ndim(e.ndim) if in_ndim is None else in_ndim
    e2, e_ylabel, e_xlabel = layout(e, k)
    c2, c_ylabel, c_xlabel = layout(c, k if c.shape == e.shape else min(k, c.ndim))
    same = c.shape == e.shape
    diff = c2 - e2 if same else None

    finite = np.concatenate([c2[np.isfinite(c2)], e2[np.isfinite(e2)]])
    lo, hi = (float(finite.min()), float(finite.max())) if finite.size else (-1.0, 1.0)
    if lo == hi:
        lo, hi = lo - 1.0, hi + 1.0
    shared = Normalize(vmin=lo, vmax=hi)

    # Height follows the flattest panel, so a 1 × n gradient row is not lost in white space.
    ratio = max(a.shape[0] / a.shape[1] for a in (c2, e2))
    fig = new_figure((15.5, 2.2 + min(max(4.5 * ratio, 0.6), 4.2)), layout="constrained")
    axes = fig.subplots(1, 3)

    import matplotlib

    values_cmap = matplotlib.colormaps["viridis"].with_extremes(bad="magenta")
    diff_cmap = matplotlib.colormaps["RdBu_r"].with_extremes(bad="magenta")

    def show(ax: Any, a: np.ndarray, norm: Any, cmap: Any, heading: str, ylabel: str, xlabel: str) -> None:
        rows, cols = a.shape
        aspect = "equal" if max(rows, cols) <= 12 * min(rows, cols) else "auto"
        image = ax.imshow(np.ma.masked_invalid(a), norm=norm, cmap=cmap, aspect=aspect,
                          interpolation="nearest")
        bad = int(np.size(a) - np.count_nonzero(np.isfinite(a)))
        if bad:
            heading += f"\n{bad} non-finite entr{'y' if bad == 1 else 'ies'} (magenta)"
        ax.set_title(heading, fontsize=10)
        ax.set_ylabel(ylabel, fontsize=9)
        ax.set_xlabel(xlabel, fontsize=9)
        for axis, n in ((ax.xaxis, cols), (ax.yaxis, rows)):
            if n <= 12:
                axis.set_ticks(range(n))
            else:
                axis.set_major_locator(MaxNLocator(integer=True))
        wide = cols > 3 * rows
        fig.colorbar(image, ax=ax, shrink=0.85, orientation="horizontal" if wide else "vertical")
        if max(rows, cols) <= _ANNOTATE_MAX:
            for (i, j), v in np.ndenumerate(a):
                ax.text(j, i, f"{v:.3g}", ha="center", va="center", fontsize=7, color="white",
                        path_effects=_outline())

    show(axes[0], c2, shared, values_cmap, f"candidate (claimed)  shape {c.shape}", c_ylabel, c_xlabel)
    show(axes[1], e2, shared, values_cmap, f"JAX (expected)  shape {e.shape}", e_ylabel, e_xlabel)
    if diff is not None:
        finite_diff = diff[np.isfinite(diff)]
        largest = float(np.abs(finite_diff).max()) if finite_diff.size else 0.0
        span = largest if largest > 0 else 1.0
        norm = TwoSlopeNorm(vcenter=0.0, vmin=-span, vmax=span)
        n_differ = int(np.count_nonzero(~np.isclose(c2, e2, rtol=1e-9, atol=1e-12, equal_nan=False)))
        heading = (f"difference: candidate − JAX\nmax finite |diff| {largest:.3g}, "
                   f"{n_differ}/{diff.size} entries differ")
        show(axes[2], diff, norm, diff_cmap, heading, c_ylabel, c_xlabel)
        score = np.where(np.isfinite(diff), np.abs(diff), np.inf)
        if diff.size and float(score.max()) > 0:
            i, j = np.unravel_index(int(np.argmax(score)), diff.shape)
            axes[2].add_patch(Rectangle((j - 0.5, i - 0.5), 1, 1, fill=False, edgecolor="black",
                                        linewidth=2))
    else:
        ax = axes[2]
        ax.set_axis_off()
        ax.set_title("difference: candidate − JAX", fontsize=10)
        note = ""
        if c.ndim == 2 and c.T.shape == e.shape and np.allclose(c.T, e, rtol=1e-6, atol=1e-9):
            note = "\ncandidate = JAXᵀ: transposed\n(denominator layout?)"
        elif c.size == e.size:
            note = "\nsame number of entries: reshaped?"
        ax.text(0.5, 0.5, f"no difference to draw:\nshapes differ\ncandidate {c.shape}\nJAX {e.shape}"
                + note,
                ha="center", va="center", fontsize=11, transform=ax.transAxes)
    fig.suptitle(title or "candidate vs JAX", fontsize=12)
    return fig


def _outline() -> list[Any]:
    from matplotlib import patheffects

    return [patheffects.withStroke(linewidth=1.5, foreground="black")]


def plot_jacobians(
    claimed: Any,
    expected: Any,
    path: str | os.PathLike[str],
    *,
    title: str | None = None,
    in_ndim: int | None = None,
) -> Path:
    """Draw the candidate's and JAX's Jacobians and their difference as three heatmaps; return ``path``.

    ``claimed`` and ``expected`` are arrays in numerator layout (``out.shape + in.shape``; structured
    Jacobians are densified). Each is drawn as a 2-d ``(out, in)`` matrix: its last ``in_ndim`` axes
    (default: half its rank, rounded up, so a vector is a row and a matrix is itself) are flattened
    into columns, the others into rows, row-major; the axis labels say which axes went where. The two
    Jacobians share one color scale; the difference ``claimed − expected`` has a diverging scale
    centred on 0 and its largest entry boxed. Non-finite entries are drawn magenta and counted. When
    the shapes differ the third panel says so instead of drawing a difference.

    ``path``'s extension picks the format (``.png``, ``.pdf``, ``.svg``); its folder must exist.
    """
    if in_ndim is not None and (not isinstance(in_ndim, int) or isinstance(in_ndim, bool) or in_ndim < 0):
        raise ValueError(f"in_ndim: expected a non-negative int or None, got {in_ndim!r}")
    return _draw(claimed, expected, path, title=title, in_ndim=in_ndim, own=None)


def plot_report(report: Any, path: str | os.PathLike[str]) -> Path:
    """Draw a check report's claimed and JAX derivatives (its worst failing trial, or trial 0).

    ``report`` is what :func:`chainrule.check_gradient` and its siblings return: its ``.claimed`` and
    ``.expected`` arrays are drawn by :func:`plot_jacobians`; a gradient keeps its argument's shape, a
    Hessian splits its axes in half. The title names the kind of check, the verdict, the diagnosis,
    the seed and the trial.
    """
    for attr in ("claimed", "expected", "ok"):
        if not hasattr(report, attr):
            raise TypeError(f"report: expected a check report with .{attr} (from chainrule.reference.check_*), "
                            f"got {type(report).__name__}")
    if report.claimed is None or report.expected is None:
        raise ValueError("report: it carries no claimed/expected arrays to draw (did the candidate raise "
                         f"before returning?); its text: {str(report).splitlines()[0] if str(report) else ''}")
    kind = _kind(report)
    e = np.asarray(report.expected)
    in_ndim = e.ndim // 2 if kind == "hessian" else _in_ndim_of(report, e.ndim)
    own = _OWN_SHAPE.get(kind)
    wrt = getattr(report, "wrt", None)
    if kind == "gradient" and isinstance(wrt, str) and wrt and "," not in wrt:
        own = f"∂f/∂{wrt}"
    return _draw(report.claimed, report.expected, path, title=_report_title(report), in_ndim=in_ndim,
                 own=own)


#: Kinds of check whose arrays are drawn in their own shape, with the symbol their labels use.
_OWN_SHAPE = {"gradient": "∂f/∂x", "vjp": "ctᵀJ", "jvp": "J t"}


def _kind(report: Any) -> str:
    return str(getattr(report, "kind", None) or "jacobian")


def _report_title(report: Any) -> str:
    """``check_gradient: FAIL: <diagnosis>  (seed 7, trial 4/100)``."""
    verdict = "ok" if report.ok else f"FAIL: {getattr(report, 'diagnosis', None) or 'mismatch'}"
    where = []
    if getattr(report, "seed", None) is not None:
        where.append(f"seed {report.seed}")
    if getattr(report, "trial", None) is not None and getattr(report, "trials", None):
        where.append(f"trial {_trial_number(report)}/{report.trials}")
    wrt, block = getattr(report, "wrt", None), getattr(report, "block", None)
    which = [f"wrt {wrt}"] if wrt else []
    if block and block != wrt:
        which.append(f"block {block}")
    head = f"check_{_kind(report)}" + (f" ({', '.join(which)})" if which else "")
    return "\n".join(textwrap.wrap(f"{head}: {verdict}" + (f"  ({', '.join(where)})" if where else ""),
                                    width=150))


def _trial_number(report: Any) -> int:
    """The 1-based trial number the report's text uses (``report.trial`` is 0-based)."""
    return int(report.trial) + 1


def _in_ndim_of(report: Any, ndim: int) -> int | None:
    """The rank of the argument a Jacobian is taken with respect to, when the report records it."""
    for attr in ("wrt_ndim", "in_ndim"):
        value = getattr(report, attr, None)
        if isinstance(value, int) and 0 <= value <= ndim:
            return value
    shape = getattr(report, "wrt_shape", None)
    if isinstance(shape, tuple) and len(shape) <= ndim:
        return len(shape)
    return None
