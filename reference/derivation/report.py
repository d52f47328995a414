r"""The outcome of :meth:`Derivation.check <chainrule.reference.derivation.Derivation.check>`: reports and their text.

:class:`StepCheck` is one step's claimed local partials against ``jax.jacfwd``'s, :class:`ClaimCheck`
one claimed total against JAX, :class:`DerivationReport` the whole derivation: its verdict, adjoints,
gradients, wrong steps and missing paths, and its step table as text (``str()``), Markdown
(:meth:`DerivationReport.markdown`) or a ``rich`` renderable (:meth:`DerivationReport.table`).

>>> import numpy as np
>>> s = StepCheck(name="u", formula="x**2", params=("x",), value=np.array(4.0), claimed={"x": np.array(4.0)},
...               claimed_text={"x": "4"}, jax={"x": np.array(4.0)}, partial_formulas={"x": "2 * x"},
...               wrong=(), max_abs_error=0.0, max_rel_error=0.0, messages=())
>>> s.ok
True
"""

from __future__ import annotations

import io
from dataclasses import dataclass
from typing import Any

import numpy as np

from ..tolerances import Tolerance
from .display import arrow, fmt, with_value
from .measure import agrees

__all__ = ["ClaimCheck", "DerivationReport", "StepCheck"]



@dataclass(frozen=True)
class StepCheck:
    """One step of a checked derivation: its claimed local partials against ``jax.jacfwd``'s.

    ``claimed`` and ``jax`` map each differentiated parameter to the partial at the given point
    (dense, numerator layout); ``wrong`` lists the parameters whose claimed partial disagrees at some
    checked point, and ``messages`` says where and by how much.
    """

    name: str
    formula: str
    params: tuple[str, ...]
    value: np.ndarray
    claimed: dict[str, np.ndarray]
    claimed_text: dict[str, str]
    jax: dict[str, np.ndarray]
    partial_formulas: dict[str, str]
    wrong: tuple[str, ...]
    max_abs_error: float
    max_rel_error: float
    messages: tuple[str, ...]

    @property
    def ok(self) -> bool:
        return not self.wrong


@dataclass(frozen=True)
class ClaimCheck:
    """A claimed total derivative ``dy/dx`` against JAX, and the paths that explain a difference."""

    wrt: str
    formula: str
    claimed: np.ndarray
    jax: np.ndarray
    ok: bool
    missing_paths: tuple[tuple[str, ...], ...]
    doubled_paths: tuple[tuple[str, ...], ...]
    message: str | None
    max_abs_error: float
    max_rel_error: float


@dataclass(frozen=True)
class DerivationReport:
    r"""The outcome of :meth:`Derivation.check`.

    * ``ok``: every local partial, the combination and every claimed total agree with JAX;
    * ``adjoints[v]``: ``∂y/∂v`` for every input and step, from the *claimed* partials at the point
      (what MyGrad shows as ``v.grad``), shape ``y.shape + v.shape``; ``jax_adjoints`` is JAX's;
    * ``gradients[x]``: the total derivative ``dy/dx`` from the claimed partials; ``jax_gradients``
      is ``jax.grad`` (scalar y) or ``jax.jacfwd`` (vector y) of the composed function;
    * ``wrong_steps``: the steps whose claimed partials disagree with JAX, in order;
    * ``missing_paths[x]``: for a claimed total that is wrong while every local partial is right, the
      dataflow paths from ``x`` to ``y`` that it leaves out;
    * ``diagnosis``: one line saying what is wrong (``None`` when ok); ``str()`` is the step table.
    """

    output: str
    output_shape: tuple[int, ...]
    inputs: tuple[str, ...]
    constants: tuple[str, ...]
    values: dict[str, np.ndarray]
    steps: tuple[StepCheck, ...]
    adjoints: dict[str, np.ndarray]
    jax_adjoints: dict[str, np.ndarray]
    gradients: dict[str, np.ndarray]
    jax_gradients: dict[str, np.ndarray]
    claims: tuple[ClaimCheck, ...]
    combination_ok: bool
    combination_message: str | None
    seed: int
    around: int
    scale: float
    points: int
    dropped: int
    rtol: float
    atol: float
    max_abs_error: float
    max_rel_error: float
    #: Where a second witness showed JAX's local partial wrong and the claim right (issue 15): step,
    #: parameter, point, JAX's value, the witness's and its bound, the claim. JAX's references were
    #: corrected there before the check, so ``ok`` does not hold JAX's mistake against the derivation.
    jax_wrong: tuple[dict[str, Any], ...] = ()

    @property
    def ok(self) -> bool:
        return not self.wrong_steps and self.combination_ok and all(c.ok for c in self.claims)

    @property
    def tolerance(self) -> Tolerance:
        """The normwise tolerance every comparison used (``TOLERANCES["float64"]``)."""
        return Tolerance(rtol=self.rtol, atol=self.atol)

    @property
    def wrong_steps(self) -> tuple[str, ...]:
        return tuple(s.name for s in self.steps if s.wrong)

    @property
    def missing_paths(self) -> dict[str, tuple[tuple[str, ...], ...]]:
        return {c.wrt: c.missing_paths for c in self.claims if c.missing_paths}

    @property
    def messages(self) -> tuple[str, ...]:
        """Every failure, one line each (the seed and how to reproduce included)."""
        out = [m for s in self.steps for m in s.messages]
        if self.combination_message and not self.wrong_steps:
            out.append(self.combination_message)
        out.extend(c.message for c in self.claims if c.message)
        return tuple(out)

    @property
    def diagnosis(self) -> str | None:
        if self.ok:
            return None
        if self.wrong_steps:
            parts = [f"∂{s.name}/∂{p}" for s in self.steps for p in s.wrong]
            return (f"wrong local partial{'s' if len(parts) > 1 else ''}: {', '.join(parts)} (step"
                    f"{'s' if len(self.wrong_steps) > 1 else ''} {', '.join(self.wrong_steps)})")
        if not self.combination_ok:
            return ("the claimed partials agree with JAX but their combination does not: a step's value "
                    "depends on something that is not one of its parameters (a closure?)")
        for c in self.claims:
            if c.missing_paths:
                return (f"claimed d{self.output}/d{c.wrt} = {c.formula} misses the path"
                        f"{'s' if len(c.missing_paths) > 1 else ''} "
                        f"{' and '.join(arrow(p) for p in c.missing_paths)}")
            if c.doubled_paths:
                return (f"claimed d{self.output}/d{c.wrt} = {c.formula} counts the path "
                        f"{' and '.join(arrow(p) for p in c.doubled_paths)} twice")
            if not c.ok:
                return (f"claimed d{self.output}/d{c.wrt} = {c.formula} disagrees with JAX, and no "
                        "missing or doubled path explains it")
        return None  # pragma: no cover - ok covers every other case

    # --- rendering ------------------------------------------------------------------------------

    def _rows(self) -> list[tuple[str, str, str, str, str, str, str]]:
        """(variable, definition, value, claimed partials, JAX's partials, ∂y/∂v, status) rows."""
        rows = []
        y = self.output
        for x in self.inputs:
            g, gj = self.adjoints[x], self.jax_adjoints[x]
            same = agrees(g, gj, self.tolerance)
            rows.append((x, "input", fmt(self.values[x]), "", "",
                         fmt(g) if same else f"{fmt(g)} (JAX {fmt(gj)})", "ok" if same else "differs"))
        for c in self.constants:
            rows.append((c, "constant", fmt(self.values[c]), "", "", "", ""))
        for s in self.steps:
            a, aj = self.adjoints[s.name], self.jax_adjoints[s.name]
            same = agrees(a, aj, self.tolerance)
            claimed = [f"∂/∂{p} = {with_value(s.partial_formulas[p], s.claimed_text[p])}" for p in s.params]
            jaxs = [f"∂/∂{p} = {fmt(s.jax[p])}" for p in s.params]
            status = "ok" if s.ok else "WRONG " + ", ".join(f"∂/∂{p}" for p in s.wrong)
            adj = fmt(a) if same else f"{fmt(a)} (JAX {fmt(aj)})"
            rows.append((s.name if s.name != y else f"{s.name} (output)", s.formula, fmt(s.value),
                         "\n".join(claimed) or "(constant)", "\n".join(jaxs) or "", adj, status))
        return rows

    def _header(self) -> tuple[str, ...]:
        return ("variable", "definition", "value", "claimed partials", "JAX's partials",
                f"∂{self.output}/∂·", "status")

    def _summary(self) -> list[str]:
        y = self.output
        diff = "jax.grad" if self.output_shape == () else "jax.jacfwd"
        lines = []
        for x in self.inputs:
            ok = agrees(self.gradients[x], self.jax_gradients[x], self.tolerance)
            lines.append(f"d{y}/d{x} = {fmt(self.gradients[x])} from the claimed partials; {diff}: "
                         f"{fmt(self.jax_gradients[x])}  {'ok' if ok else 'DIFFERS'}")
        for c in self.claims:
            lines.append(f"claimed d{y}/d{c.wrt} = {c.formula} = {fmt(c.claimed)}; JAX: {fmt(c.jax)}  "
                         f"{'ok' if c.ok else 'WRONG'}")
        where = "the given point" if self.around == 0 else (
            f"the given point and {self.around} random points around it (seed {self.seed}, "
            f"scale {self.scale:g}{f'; {self.dropped} skipped: not finite' if self.dropped else ''})")
        lines.append(f"checked at {where}; float64, rtol {self.rtol:g}, atol {self.atol:g}")
        for f in self.jax_wrong:
            lines.append(f"JAX's derivative is wrong here: ∂{f['step']}/∂{f['param']} {f['where']}: JAX "
                         f"{f['jax']:.6g}, a second witness {f['witness']:.6g} ± {f['error']:.1g} (from the step's "
                         f"values alone), claimed {f['claimed']:.6g}; judged against the witness")
        if self.ok:
            judge = "JAX (the second witness where JAX is wrong)" if self.jax_wrong else "JAX"
            lines.append(f"PASS: every claimed partial agrees with {judge}, and the chain rule reproduces "
                         f"{diff} of the composed function")
        else:
            lines.append(f"FAIL: {self.diagnosis}")
            lines.extend(f"  {m}" for m in self.messages)
        return lines

    def markdown(self, title: str | None = None) -> str:
        """The step table and the summary as GitHub Markdown."""

        def cell(text: str) -> str:
            return text.replace("|", "\\|").replace("\n", "<br>") or " "

        head = self._header()
        lines = [f"**{title}**", ""] if title else []
        lines.append("| " + " | ".join(head) + " |")
        lines.append("|" + "---|" * len(head))
        lines.extend("| " + " | ".join(cell(c) for c in row) + " |" for row in self._rows())
        lines.append("")
        lines.extend(f"- {s.strip()}" if not s.startswith("  ") else f"  - `{s.strip()}`"
                     for s in self._summary())
        return "\n".join(lines) + "\n"

    def table(self, title: str | None = None) -> Any:
        """The step table as a ``rich`` renderable (a table followed by the summary lines)."""
        from rich.console import Group
        from rich.table import Table
        from rich.text import Text

        table = Table(title=Text(title) if title else None, show_lines=True)
        for col in self._header():
            table.add_column(col, overflow="fold")
        for row in self._rows():
            status = row[-1]
            style = "green" if status == "ok" else ("bold red" if status else "")
            table.add_row(*(Text(c) for c in row[:-1]), Text(status, style=style))
        summary = []
        for line in self._summary():
            style = "bold green" if line.startswith("PASS") else "bold red" if line.startswith("FAIL") else ""
            summary.append(Text(line, style=style))
        return Group(table, *summary)

    def __rich__(self) -> Any:
        return self.table()

    def __str__(self) -> str:
        from rich.console import Console

        buf = io.StringIO()
        Console(file=buf, width=140, color_system=None, soft_wrap=True).print(self.table())
        return buf.getvalue()
