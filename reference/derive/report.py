r"""The outcome of :func:`chainrule.derive`: the derivation, the closed form, the code, the verdict, and its
renderings: plain text (``str()``), Markdown (:meth:`DeriveReport.markdown`), LaTeX
(:attr:`DeriveReport.latex`), a ``rich`` renderable (:meth:`DeriveReport.__rich__`) and JSON
(:meth:`DeriveReport.to_json`).
"""

from __future__ import annotations

import io
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from .build import Combination, Step
from .render import latex as to_latex
from .verify import Verification

__all__ = ["DeriveReport", "Result"]


@dataclass
class Result:
    """The closed form of one derivative: ``∂y/∂x``, its text and LaTeX, its named subexpressions."""

    variable: str
    kind: str  # "gradient" (shaped like the variable) or "jacobian" (numerator layout)
    shape: tuple
    text: str
    where: tuple[tuple[str, str], ...]
    function: str
    #: the same gradient summed over samples (``(2/N) Σ_i 1[z_i > 0](z_i − y_i) x_iᵀ``), where it has that form
    per_sample: str | None = None

    @property
    def line(self) -> str:
        tail = ", where " + "; ".join(f"{n} = {t}" for n, t in self.where) if self.where else ""
        return f"{self.text}{tail}"


@dataclass
class DeriveReport:
    r"""What :func:`chainrule.derive` returns.

    * ``verified``: every local partial agreed with ``jax.jacfwd`` (derivation checker) and the generated
      code with ``jax.grad``/``jax.jacfwd`` (``check_gradient``/``check_jacobian``) on every trial;
    * ``steps``: the intermediate variables with their local partials and rule IDs;
    * ``combinations``: how the chain rule combines them, term by term;
    * ``paths``: every dataflow path from each differentiated variable to the output;
    * ``results``: one :class:`Result` per differentiated variable;
    * ``formula`` (text), ``latex``, ``code`` (a module's source), ``functions`` (name → callable taking
      the variables by keyword).
    """

    expression: str
    output: str
    wrt: tuple[str, ...]
    shapes: dict[str, tuple]
    steps: tuple[Step, ...]
    combinations: tuple[Combination, ...]
    paths: dict[str, tuple[tuple[str, ...], ...]]
    results: dict[str, Result]
    code: str
    functions: dict[str, Callable[..., Any]]
    verification: Verification
    seconds: float
    rules: tuple[str, ...] = field(default=())

    # --- the verdict ---------------------------------------------------------------------------

    @property
    def verified(self) -> bool:
        return self.verification.ok

    @property
    def formula(self) -> str:
        """Every derivative's closed form, one per line: ``∂C/∂w = …, where …``, each followed by its form
        summed over samples where it has one (``∂C/∂w = (2/N) Σ_i 1[z_i > 0] (z_i − y_i) x_iᵀ``)."""
        lines = []
        for r in self.results.values():
            lines.append(f"∂{self.output}/∂{r.variable} = {r.line}")
            if r.per_sample:
                lines.append(f"∂{self.output}/∂{r.variable} = {r.per_sample}")
        return "\n".join(lines)

    @property
    def latex(self) -> str:
        """The closed forms in LaTeX (one ``\\begin{aligned}`` line each)."""
        lines = []
        for r in self.results.values():
            body = to_latex(r.text)
            if r.where:
                body += r",\quad " + r",\ ".join(f"{to_latex(n)} = {to_latex(t)}" for n, t in r.where)
            if r.per_sample:
                body += r" \\" + "\n" + rf"&= {to_latex(r.per_sample)}"
            lines.append(rf"\frac{{\partial {self.output}}}{{\partial {to_latex(r.variable)}}} &= {body}")
        return "\\begin{aligned}\n" + " \\\\\n".join(lines) + "\n\\end{aligned}"

    @property
    def problems(self) -> list[str]:
        """What failed verification, one line each (empty when verified)."""
        out = []
        if not self.verification.derivation.ok:
            out.append(f"derivation check: {self.verification.derivation.diagnosis}")
        for x, rep in self.verification.checks.items():
            if not rep.ok:
                first = str(rep).splitlines()[0] if str(rep) else ""
                out.append(f"closed form ∂{self.output}/∂{x}: {rep.diagnosis or first}")
        return out

    # --- renderings ----------------------------------------------------------------------------

    def _sections(self) -> list[tuple[str, list[str]]]:
        shapes = ", ".join(f"{k} {_shape(v)}" for k, v in self.shapes.items())
        out: list[tuple[str, list[str]]] = []
        out.append(("Expression", [f"{self.output} = {self.expression}", f"shapes: {shapes}",
                                   f"with respect to: {', '.join(self.wrt)}"]))
        steps = []
        for s in self.steps:
            steps.append(f"{s.name} = {s.formula}")
            for p in s.partials:
                steps.append(f"    ∂{s.name}/∂{p.wrt} = {p.formula}    [{p.rule}]")
        out.append(("1-2. Intermediates and their local partials", steps))
        comb = []
        for c in self.combinations:
            var, _, wrt = c.variable.partition("|")
            lhs = f"∂{var}/∂{wrt}" if wrt else f"∂{self.output}/∂{var}"
            chain = " + ".join(c.terms)
            middle = "" if chain == lhs else f" = {chain}"
            comb.append(f"{lhs}{middle} = {_text(c.value)}    [{c.rule}]")
        out.append(("3. Chain rule", comb))
        paths = [f"{x}: " + "; ".join(" → ".join(p) for p in ps) for x, ps in self.paths.items()]
        out.append(("Dataflow paths", paths))
        out.append(("4. Closed form (intermediates substituted back)", self.formula.splitlines()))
        v = self.verification
        trials = next(iter(v.checks.values())).trials if v.checks else 0
        sizes = ", ".join(f"{k} = {n}" for k, n in v.sizes.items()) or "no named dimensions"
        verdict = "verified" if self.verified else "NOT verified"
        partials = "agree" if not v.derivation.wrong_steps else "DISAGREE"
        lines = [f"{verdict}: local partials {partials} with jax.jacfwd at {v.derivation.points} points;",
                 f"the generated code {'agrees' if all(r.ok for r in v.checks.values()) else 'DISAGREES'} with "
                 f"JAX on {trials} random trials per variable", f"sizes: {sizes}; domains: " +
                 ", ".join(f"{k} {d}" for k, d in v.domains.items()), *self.problems,
                 f"{self.seconds:.1f} s"]
        out.append(("Verification", lines))
        return out

    def __str__(self) -> str:
        buf = io.StringIO()
        for title, lines in self._sections():
            buf.write(f"{title}\n")
            for line in lines:
                buf.write(f"  {line}\n")
            buf.write("\n")
        buf.write("Code\n")
        buf.write(self.code)
        return buf.getvalue()

    def markdown(self) -> str:
        """The derivation as Markdown: sections, the steps as a table, the closed form and the code."""
        md = [f"## `{self.expression}`", ""]
        for title, lines in self._sections():
            md.append(f"### {title}")
            md.append("")
            if title.startswith("1-2"):
                md += ["| variable | definition | local partial | rule |", "|---|---|---|---|"]
                for s in self.steps:
                    first = True
                    for p in s.partials or ():
                        md.append(f"| {s.name if first else ''} | {_cell(s.formula) if first else ''} | "
                                  f"∂{s.name}/∂{p.wrt} = {_cell(p.formula)} | {p.rule} |")
                        first = False
                    if first:
                        md.append(f"| {s.name} | {_cell(s.formula)} | (no differentiated operand) | |")
            else:
                md += [f"- {line}" for line in lines]
            md.append("")
        md += ["### Code", "", "```python", self.code.rstrip(), "```", ""]
        return "\n".join(md)

    def __rich__(self) -> Any:
        return self.renderable()

    def renderable(self, *, code: bool = True) -> Any:
        """The ``rich`` renderable: sections, the step table and (``code=True``) the code, highlighted and
        wrapped. ``chainrule derive`` prints the code itself instead, unwrapped, so it can be copied."""
        from rich.console import Group
        from rich.syntax import Syntax
        from rich.table import Table
        from rich.text import Text

        parts: list[Any] = []
        for title, lines in self._sections():
            if title.startswith("1-2"):
                table = Table(title=title, title_justify="left", show_lines=False)
                for col in ("variable", "definition", "local partial", "rule"):
                    table.add_column(col, overflow="fold")
                for s in self.steps:
                    rows = [(f"∂{s.name}/∂{p.wrt} = {p.formula}", p.rule) for p in s.partials] or [("", "")]
                    for k, (partial, rule) in enumerate(rows):  # Text, never markup: 1[u_2 > 0] is mathematics
                        table.add_row(Text(s.name if k == 0 else ""), Text(s.formula if k == 0 else ""),
                                      Text(partial), Text(rule))
                parts.append(table)
                continue
            style = "bold green" if title == "Verification" and self.verified else (
                "bold red" if title == "Verification" else "bold")
            parts.append(Text(title, style=style))
            parts.extend(Text("  " + line) for line in lines)
            parts.append(Text(""))
        if code:
            parts.append(Text("Code", style="bold"))
            parts.append(Syntax(self.code, "python", word_wrap=True))
        return Group(*parts)

    def to_json(self) -> dict[str, Any]:
        """Everything as plain JSON types (``chainrule derive --json``)."""
        v = self.verification
        return {
            "expression": self.expression,
            "output": self.output,
            "wrt": list(self.wrt),
            "shapes": {k: list(s) for k, s in self.shapes.items()},
            "verified": self.verified,
            "steps": [{"name": s.name, "definition": s.formula,
                       "partials": [{"wrt": p.wrt, "formula": p.formula, "rule": p.rule} for p in s.partials]}
                      for s in self.steps],
            "chain_rule": [{"variable": c.variable, "terms": list(c.terms), "value": _text(c.value),
                            "rule": c.rule} for c in self.combinations],
            "paths": {x: [list(p) for p in ps] for x, ps in self.paths.items()},
            "results": {x: {"kind": r.kind, "shape": list(r.shape), "formula": r.text,
                            "where": [{"name": n, "value": t} for n, t in r.where], "function": r.function,
                            "per_sample": r.per_sample}
                        for x, r in self.results.items()},
            "formula": self.formula,
            "latex": self.latex,
            "code": self.code,
            "rules": list(self.rules),
            "verification": {
                "derivation_ok": bool(v.derivation.ok),
                "derivation_points": int(v.derivation.points),
                "checks": {x: {"ok": bool(r.ok), "trials": int(r.trials), "max_abs_error": _float(r.max_abs_error),
                               "max_rel_error": _float(r.max_rel_error), "diagnosis": r.diagnosis}
                           for x, r in v.checks.items()},
                "sizes": v.sizes,
                "domains": v.domains,
                "problems": self.problems,
            },
            "seconds": round(self.seconds, 3),
        }


def _cell(text: str) -> str:
    """Text for a Markdown table cell: ``|x|`` must not end the cell."""
    return text.replace("|", "\\|")


def _float(x: Any) -> float | None:
    try:
        f = float(x)
    except (TypeError, ValueError):
        return None
    return f if f == f and abs(f) != float("inf") else None


def _shape(s: tuple) -> str:
    return "(" + ", ".join(str(d) for d in s) + ("," if len(s) == 1 else "") + ")"


def _text(e: Any) -> str:
    from .render import text

    return text(e)
