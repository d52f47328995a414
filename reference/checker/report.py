"""The report a validation helper returns: what was checked, what was seen, and what to do.

:func:`chainrule.check_gradient` and its siblings return a :class:`CheckReport`. It is a plain record
(every field is listed below), its ``str()`` is the text a failing test prints (STYLE.md habit 7), and
:meth:`CheckReport.to_dict` is its JSON form (``chainrule check --json``).

A report is *localized*: one :class:`BlockResult` per derivative block (per input for a gradient, per
output and input for a Jacobian, pytree leaves named by path like ``params['layer2']['W']``), never one
combined number. ``.claimed`` and ``.expected`` hold the worst block of the worst failing trial (trial 0
and the first block when the check passed), shaped ``out.shape + in.shape``; ``.claimed_2d`` and
``.expected_2d`` reshape them to ``(prod(out.shape), prod(in.shape))`` for a heatmap.

>>> r = CheckReport(ok=True, kind="gradient", candidate="grad_f", reference="jax.grad(f)",
...                 seed=0, trials=100, dtype="float64", rtol=1e-9, atol=1e-12)
>>> r.ok, r.diagnosis, r.to_dict()["kind"]
(True, None, 'gradient')
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Any

import numpy as np

__all__ = ["BlockResult", "CheckReport", "Entry"]


@dataclass
class Entry:
    """One compared entry: the block it belongs to, its index, the candidate's value and JAX's."""

    block: str
    index: tuple[int, ...]
    claimed: float
    expected: float

    @property
    def abs_error(self) -> float:
        return abs(self.claimed - self.expected) if _finite(self.claimed, self.expected) else math.inf


@dataclass
class BlockResult:
    """The verdict on one derivative block (one input's gradient, one ``∂out/∂in`` Jacobian block).

    ``shape`` is JAX's (numerator layout); ``claimed_shape`` the candidate's when it differs (then the
    errors are NaN, ``null`` in JSON, and every trial fails); ``compared`` is ``False`` for a block the
    check never compared because it stopped first (another block has the wrong shape), and such a
    block is not ``ok``.
    """

    name: str
    shape: tuple[int, ...]
    ok: bool
    failures: int
    max_abs_error: float
    max_rel_error: float
    diagnosis: str | None = None
    claimed_shape: tuple[int, ...] | None = None
    compared: bool = True

    @property
    def shapes_differ(self) -> bool:
        """The candidate's block has another shape than JAX's (``shape``): no error can be measured."""
        return self.claimed_shape is not None and tuple(self.claimed_shape) != tuple(self.shape)


def _finite(*xs: float) -> bool:
    return all(math.isfinite(x) for x in xs)


def _num(x: float | None) -> float | None:
    """A JSON-safe float (``None`` for NaN and infinities)."""
    if x is None:
        return None
    x = float(x)
    return x if math.isfinite(x) else None


def _array_json(a: np.ndarray | None) -> Any:
    if a is None:
        return None
    a = np.asarray(a, dtype=np.float64)
    return {"shape": list(a.shape), "values": [_num(v) for v in a.reshape(-1).tolist()]}


@dataclass
class CheckReport:
    """What a ``check_*`` helper saw. ``ok`` is ``True`` only when every trial of every block agreed.

    Fields:

    * ``ok``, ``diagnosis`` (``None`` when ok), ``kind`` (``"gradient"``, ``"jacobian"``, ``"vjp"``,
      ``"jvp"``, ``"hessian"``), ``mode`` (``"dense"``: every entry; ``"probe"``: random products);
    * ``candidate`` and ``reference``: labels of the two sides (the candidate is the user's function,
      the reference what JAX computes);
    * ``max_abs_error``, ``max_rel_error`` over all trials and blocks (normwise per block:
      ``max|c − r| / max|r|``), ``rtol``, ``atol`` and the ``dtype`` key they came from;
    * ``seed``, ``trials`` (trials compared), ``failures`` (failing trials), ``trial`` (0-based index of
      the worst failing trial; 0 when ok; the text counts from 1); ``stopped``: the check stopped at
      ``trial`` (the candidate raised, mutated its input or was nondeterministic there), so
      ``failures`` is 1 and the later trials were not run;
    * ``shapes``: ``[(name, shape, dtype), …]`` of the arguments; ``wrt_shape``: the shape of the block's
      input (for plots); ``inputs``: the arguments of the reported trial;
    * ``claimed``, ``expected``: arrays of the reported block and trial; ``entries``: its worst entries;
    * ``blocks``: one :class:`BlockResult` per block; ``notes``: conventions followed at kinks, third
      witnesses, hygiene and retries; ``smallest_failing``: shapes of the smallest failing retry;
    * ``reproduce``: a one-line Python call that reproduces the report.
    """

    ok: bool
    kind: str
    candidate: str
    reference: str
    seed: int
    trials: int
    dtype: str
    rtol: float
    atol: float
    diagnosis: str | None = None
    mode: str = "dense"
    max_abs_error: float = 0.0
    max_rel_error: float = 0.0
    failures: int = 0
    trial: int | None = 0
    block: str | None = None
    wrt: str = ""
    shapes: list[tuple[str, tuple[int, ...], str]] = field(default_factory=list)
    wrt_shape: tuple[int, ...] | None = None
    out_shape: tuple[int, ...] | None = None
    inputs: tuple[Any, ...] | None = None
    claimed: np.ndarray | None = None
    expected: np.ndarray | None = None
    entries: list[Entry] = field(default_factory=list)
    blocks: list[BlockResult] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    smallest_failing: list[tuple[str, tuple[int, ...]]] | None = None
    reproduce: str = ""
    stopped: bool = False
    seconds: float = 0.0
    #: set when the candidate runs only in low precision: the tolerance is that dtype's (first line)
    precision: str = ""
    #: trials where a second witness sided with the candidate against JAX (they pass): one dict per
    #: direction, with ``trial`` (0-based), ``block``, ``entries``, ``jax``, ``witness``, ``error`` (the
    #: witness's bound), ``candidate``, ``method`` and ``reproduce`` (Python showing JAX's value there)
    jax_wrong: list[dict[str, Any]] = field(default_factory=list)

    # -- derived views -------------------------------------------------------------------------------

    @property
    def in_ndim(self) -> int | None:
        """Rank of the reported block's input (the trailing axes of ``claimed``/``expected``)."""
        return None if self.wrt_shape is None else len(self.wrt_shape)

    def _as_2d(self, a: np.ndarray | None) -> np.ndarray | None:
        if a is None:
            return None
        a = np.asarray(a)
        k = self.in_ndim
        if k is None or k > a.ndim:
            k = min(1, a.ndim)
        rows = math.prod(a.shape[: a.ndim - k])
        return a.reshape(rows, -1) if a.size else a.reshape(rows, 0)

    @property
    def claimed_2d(self) -> np.ndarray | None:
        """``claimed`` as a ``(prod(out.shape), prod(in.shape))`` matrix (a gradient is one row)."""
        return self._as_2d(self.claimed)

    @property
    def expected_2d(self) -> np.ndarray | None:
        """``expected`` (JAX's) as a ``(prod(out.shape), prod(in.shape))`` matrix."""
        return self._as_2d(self.expected)

    def __bool__(self) -> bool:
        return self.ok

    # -- serialization -------------------------------------------------------------------------------

    def to_dict(self) -> dict[str, Any]:
        """A JSON-serializable dict of every field (arrays as ``{"shape", "values"}``)."""
        return {
            "ok": self.ok,
            "status": "pass" if self.ok else "fail",
            "kind": self.kind,
            "mode": self.mode,
            "candidate": self.candidate,
            "reference": self.reference,
            "diagnosis": self.diagnosis,
            "max_abs_error": _num(self.max_abs_error),
            "max_rel_error": _num(self.max_rel_error),
            "rtol": self.rtol,
            "atol": self.atol,
            "dtype": self.dtype,
            "seed": self.seed,
            "trials": self.trials,
            "failures": self.failures,
            "trial": self.trial,
            "stopped": self.stopped,
            "block": self.block,
            "wrt": self.wrt,
            "shapes": [{"name": n, "shape": list(s), "dtype": d} for n, s, d in self.shapes],
            "wrt_shape": None if self.wrt_shape is None else list(self.wrt_shape),
            "out_shape": None if self.out_shape is None else list(self.out_shape),
            "claimed": _array_json(self.claimed),
            "expected": _array_json(self.expected),
            "entries": [
                {"block": e.block, "index": list(e.index), "claimed": _num(e.claimed),
                 "expected": _num(e.expected)}
                for e in self.entries
            ],
            "blocks": [
                {"name": b.name, "shape": list(b.shape), "ok": b.ok, "failures": b.failures,
                 "max_abs_error": _num(b.max_abs_error), "max_rel_error": _num(b.max_rel_error),
                 "diagnosis": b.diagnosis, "compared": b.compared,
                 "claimed_shape": None if b.claimed_shape is None else list(b.claimed_shape)}
                for b in self.blocks
            ],
            "notes": list(self.notes),
            "smallest_failing": None if self.smallest_failing is None else [
                {"name": n, "shape": list(s)} for n, s in self.smallest_failing
            ],
            "reproduce": self.reproduce,
            "seconds": self.seconds,
            "precision": self.precision or None,
            "jax_wrong": [dict(f) for f in self.jax_wrong],
        }

    # -- text ----------------------------------------------------------------------------------------

    def _where(self) -> str:
        return ", ".join(f"{n} {s}" for n, s, _ in self.shapes) or "no arguments"

    def _status(self) -> str:
        """How many trials failed, or where the check stopped."""
        if self.stopped and self.trial is not None:
            left = self.trials - self.trial - 1
            return "the check stopped at this trial" + (f" (the remaining {left} were not run)" if left else "")
        if self.trial is None and not self.failures:
            return f"0/{self.trials} trials compared"
        return f"{self.failures}/{self.trials} trials fail"

    def _block_row(self, b: BlockResult, width: int) -> str:
        state = "ok  " if b.ok else "FAIL"
        if not b.compared:
            return f"    {b.name:<{width}}  --    shape {b.shape}  not compared (the check stopped first)"
        if b.shapes_differ:
            shape = f"shape {b.shape} (JAX), candidate {tuple(b.claimed_shape or ())}"
            errors = "errors n/a (shapes differ)"
        else:
            shape = f"shape {b.shape}"
            errors = f"max abs error {_fmt(b.max_abs_error)}  max rel error {_fmt(b.max_rel_error)}"
        extra = "" if b.ok or not b.failures else f"  {b.failures}/{self.trials} trials fail"
        # a block's diagnosis that is the report's own is printed just above, not repeated
        why = f"  {b.diagnosis}" if b.diagnosis and not b.ok and b.diagnosis not in (self.diagnosis or "") else ""
        return f"    {b.name:<{width}}  {state}  {shape}  {errors}{extra}{why}"

    def __str__(self) -> str:
        verdict = "ok" if self.ok else "FAIL"
        dtypes = sorted({d for _, _, d in self.shapes}) or [self.dtype]
        head = (
            f"check_{self.kind}: {self.candidate} (candidate) vs {self.reference} (JAX)"
            f"{f' wrt {self.wrt}' if self.wrt else ''} | {'/'.join(dtypes)} | {self._where()} | "
            f"seed {self.seed}"
            + (f" | {self.precision}" if self.precision else "")
        )
        lines = []
        if self.ok:
            lines.append(
                f"{head} | {self.trials} trials | {verdict}: max abs error {self.max_abs_error:.3g}, "
                f"max rel error {self.max_rel_error:.3g} (rtol {self.rtol:g}, atol {self.atol:g})"
            )
        else:
            trial = "" if self.trial is None else f", trial {self.trial + 1}/{self.trials}"
            first = self.entries[0] if self.entries else None
            entry = (
                f" | {first.block} entry {first.index}: claimed {_fmt(first.claimed, '.6g')}, "
                f"JAX {_fmt(first.expected, '.6g')}" if first is not None else ""
            )
            lines.append(f"{head}{trial} | {self._status()}{entry} | {self.diagnosis or 'mismatch'}")
            lines.append(f"  diagnosis: {self.diagnosis or 'mismatch (no simple pattern)'}")
        if self.blocks and (len(self.blocks) > 1 or not self.ok):
            lines.append("  per block (candidate vs JAX):")
            width = max(len(b.name) for b in self.blocks)
            for b in self.blocks:
                lines.append(self._block_row(b, width))
        if not self.ok and self.entries:
            lines.append(f"  worst entries (trial {(self.trial or 0) + 1}, {self.block}):")
            lines.append(f"    {'index':<16} {'candidate':>14} {'JAX':>14} {'|diff|':>11}")
            for e in self.entries:
                lines.append(
                    f"    {e.index!s:<16} {_fmt(e.claimed, '.6g'):>14} {_fmt(e.expected, '.6g'):>14} "
                    f"{_fmt(e.abs_error):>11}"
                )
        if not self.ok and self.claimed is not None and self.expected is not None:
            layout = {
                "gradient": "a gradient has its argument's shape",
                "vjp": "ctᵀ·J has the argument's shape",
                "jvp": "J·t has the output's shape",
                "hessian": "in.shape + in.shape",
            }.get(self.kind, "numerator layout: out.shape + in.shape")
            if self.mode == "probe" and self.kind in ("jacobian", "hessian") and self.in_ndim == 0:
                layout = "probe products: (probes,) + the product's shape"
            lines.append(
                f"  shapes: candidate {tuple(np.shape(self.claimed))}, JAX {tuple(np.shape(self.expected))}"
                f" ({layout})"
            )
        for f in self.jax_wrong[:4]:
            lines.append(f"  JAX's derivative is wrong here: trial {f['trial'] + 1}, {f['block']}"
                         f"{f['entries']}: JAX {_vals(f['jax'])}, witness {_vals(f['witness'])} "
                         f"± {f['error']:.1g} ({f['method']}), candidate {_vals(f['candidate'])}")
        if len(self.jax_wrong) > 4:
            lines.append(f"  … and {len(self.jax_wrong) - 4} more (report.jax_wrong)")
        for note in self.notes:
            lines.append(f"  note: {note}")
        if self.smallest_failing:
            shapes = ", ".join(f"{n} {s}" for n, s in self.smallest_failing)
            lines.append(f"  smallest failing shapes: {shapes}")
        lines.append(
            f"  tolerance: rtol {self.rtol:g}, atol {self.atol:g} ({self.dtype}; "
            "a trial passes when max|candidate − JAX| ≤ atol + rtol·max|JAX|, per block)"
        )
        if not self.ok and self.reproduce:
            lines.append(f"  reproduce: {self.reproduce}")
            if self.inputs is not None and self.trial is not None:
                lines.append(f"  (report.inputs holds the arguments of trial {self.trial + 1})")
        return "\n".join(lines)


def _vals(v: Any) -> str:
    """A finding's value, or its first few values, for the text."""
    if isinstance(v, list):
        return "[" + ", ".join(_fmt(x, ".6g") for x in v[:4]) + (", …" if len(v) > 4 else "") + "]"
    return _fmt(v, ".6g")


def _fmt(x: float, spec: str = ".3g") -> str:
    """A number for the text: ``-0`` printed as ``0``, NaN as ``nan``."""
    x = float(x)
    return format(x + 0.0 if x == 0 else x, spec)
