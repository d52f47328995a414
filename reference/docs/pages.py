"""The documentation site's generated pages: one reStructuredText page per catalog topic, and the API page.

Every formula comes from its one source, ``Rule.formula`` (the first line of the closed form's docstring),
written as TeX by :func:`~.tex.formula_tex`; every status from the ``chainrule verify --json`` runs the
build made (:class:`VerifyRuns`).

>>> from chainrule.reference.catalog import CATALOG
>>> anchor(CATALOG[0])
'rule-s-1-grad-constant-x'
"""

from __future__ import annotations

import ast
import inspect
import re
import textwrap
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

from ..catalog import CATALOG, COOKBOOK_MISPRINTS, TOPICS, Rule
from ..catalog.verify import WITNESSES
from .tex import formula_tex

__all__ = ["TOPIC_TITLES", "VerifyRuns", "anchor", "api_page", "catalog_index", "topic_page"]

#: Page titles, the paper's sections first (DESIGN.md's topic order).
TOPIC_TITLES: dict[str, str] = {
    "scalar": "Scalar derivative rules (§2)",
    "partial": "Partial derivatives (§3)",
    "jacobian": "Jacobians (§4)",
    "elementwise": "Element-wise binary operators (§4.2)",
    "scalar-expansion": "Scalar expansion (§4.3)",
    "reduction": "Vector sum reduction (§4.4)",
    "chain-rule": "The chain rules (§4.5)",
    "neuron": "The gradient of neuron activation (§5)",
    "loss": "The gradient of the neural network loss function (§6)",
    "layer": "Layers",
    "loss-fn": "Loss functions",
    "cookbook": "The Matrix Cookbook, chapter 2",
    "hessian": "Hessians",
}
assert set(TOPIC_TITLES) == set(TOPICS), "every catalog topic has a page title"


@dataclass
class VerifyRuns:
    """The ``chainrule verify --json`` runs behind the pages: per dtype, each rule's result by name."""

    by_dtype: dict[str, dict[str, Mapping[str, Any]]] = field(default_factory=dict)
    when: str = ""
    machine: str = ""

    @classmethod
    def from_json(cls, runs: Mapping[str, Mapping[str, Any]], when: str, machine: str) -> VerifyRuns:
        """``runs``: dtype → the object ``chainrule verify --json --dtype DTYPE`` prints."""
        return cls({d: {r["name"]: r for r in run["rules"]} for d, run in runs.items()}, when, machine)

    def cell(self, rule: Rule) -> str:
        """One line per dtype: status, trials, largest relative error."""
        parts = []
        for dtype, results in self.by_dtype.items():
            r = results.get(rule.name)
            if r is None:
                parts.append(f"{dtype}: not run")
                continue
            err = r.get("max_rel_error")
            err_text = "n/a" if err is None else f"{err:.2g}"
            parts.append(f"{dtype}: **{r['status']}**, {r['trials']} trials, largest relative error {err_text}")
        return "; ".join(parts) if parts else "not verified in this build"


def anchor(rule: Rule) -> str:
    """The rule's anchor on its topic page (``rule-l-3-grad-loss-w``): its ID and name, since records
    may share an ID (a misprint and its correction, a rule and its JVP)."""
    return "rule-" + re.sub(r"[^a-z0-9]+", "-", f"{rule.id}-{rule.name}".lower()).strip("-")


def _rst(text: str) -> str:
    """Free text (a misprint's description, a section) as reST that means itself: ``|a|`` is not a
    substitution, ``*`` not emphasis."""
    return re.sub(r"([\\|*`_])", r"\\\1", text)


def _heading(text: str, mark: str) -> str:
    return f"{text}\n{mark * max(len(text), 3)}\n"


def _math(rule: Rule) -> str:
    return ".. math::\n\n" + textwrap.indent(formula_tex(rule.formula), "   ") + "\n"


def _source_without_docstring(fn: Any) -> str:
    """``fn``'s source with its docstring left out (the docstring is rendered above it)."""
    src = textwrap.dedent(inspect.getsource(fn))
    tree = ast.parse(src)
    node = tree.body[0]
    if (isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef) and node.body
            and isinstance(node.body[0], ast.Expr) and isinstance(getattr(node.body[0], "value", None), ast.Constant)
            and isinstance(node.body[0].value.value, str)):
        doc = node.body[0]
        lines = src.splitlines()
        del lines[doc.lineno - 1:doc.end_lineno]
        src = "\n".join(lines) + "\n"
    return src


def _shapes(rule: Rule) -> str:
    args = ", ".join(f"``{a.name}`` ``{a.shape}`` ({a.domain if isinstance(a.domain, str) else a.domain.name})"
                     for a in rule.args)
    return f"{args}; with respect to ``{rule.wrt}``; tried at {rule.describe_sizes()}"


def _rule_block(rule: Rule, runs: VerifyRuns) -> list[str]:
    fn = rule.derivative
    target = f"{fn.__module__}.{fn.__qualname__}"
    what = " + ".join(WITNESSES[rule.reference])
    rid = rule.id + "".join(f" (was {a})" for a in rule.aliases)
    out = [f".. _{anchor(rule)}:", "", _heading(_rst(f"{rid} · {rule.name}"), "-"), _math(rule),
           f"- **Reference**: {_rst(rule.section)}; origin: {rule.origin}",
           f"- **Arguments**: {_shapes(rule)}",
           f"- **Layout**: {rule.layout}; checked against {what}"]
    if rule.expect == "fail":
        out.append(f"- **Printed misprint, kept as an expected failure**: {_rst(rule.misprint)}")
    out += [f"- **Verification**: {runs.cell(rule)}", "",
            f".. autofunction:: {target}", "   :no-index:", "",
            ".. code-block:: python", "   :caption: the closed form", "",
            textwrap.indent(_source_without_docstring(fn), "   "), ""]
    return out


def _misprint_table(rules: list[Rule]) -> list[str]:
    """Printed and corrected forms side by side, for every misprinted Cookbook identity."""
    rows = []
    for cb in COOKBOOK_MISPRINTS:
        printed = [r for r in rules if r.id == cb and r.expect == "fail"]
        corrected = [r for r in rules if r.id == cb and r.expect != "fail"]
        for p in printed:
            c = next((r for r in corrected if r.wrt == p.wrt), corrected[0] if corrected else None)
            rows.append((cb, p, c))
    if not rows:
        return []
    out = [_heading("Misprints: printed and corrected", "-"),
           "Each misprinted identity has two records: the printed form, kept as an expected failure (it must "
           "disagree with JAX), and the corrected form, verified.", "",
           ".. list-table::", "   :header-rows: 1", "   :widths: 12 18 70", "",
           "   * - equation", "     - form", "     - formula"]
    for cb, p, c in rows:
        out += [f"   * - :ref:`{cb} <{anchor(p)}>`", "     - printed (must fail)",
                f"     - :math:`{formula_tex(p.formula)}`",
                f"   * - :ref:`{cb} <{anchor(c)}>`" if c else "   * -", "     - corrected (verified)",
                f"     - :math:`{formula_tex(c.formula)}`" if c else "     - (no corrected record)"]
    return [*out, ""]


def topic_page(topic: str, runs: VerifyRuns, rules: Iterable[Rule] = CATALOG) -> str:
    """The reStructuredText page of one topic: every rule with its anchor, formula, status and code."""
    rules = [r for r in rules if r.topic == topic]
    passed = sum(all(res.get(r.name, {}).get("status") in ("pass", "xfail") for res in runs.by_dtype.values())
                 for r in rules) if runs.by_dtype else 0
    out = [f".. _topic-{topic}:", "", _heading(TOPIC_TITLES[topic], "="),
           f"{len(rules)} rules. Verified when this site was built ({runs.when}, {runs.machine}): "
           f"{passed} of {len(rules)} as expected in {' and '.join(runs.by_dtype) or 'no dtype'} "
           "(an expected failure, a printed misprint, counts when it fails).", ""]
    if topic == "cookbook":
        out += _misprint_table(rules)
    for r in rules:
        out += _rule_block(r, runs)
    return "\n".join(out) + "\n"


def catalog_index(runs: VerifyRuns, rules: Iterable[Rule] = CATALOG) -> str:
    rules = list(rules)
    out = [_heading("The catalog", "="),
           f"{len(rules)} rules, one page per topic. Each rule has its ID, its formula, its shapes and "
           "conventions, its closed-form code and its status from the ``chainrule verify --json`` runs made "
           f"when this site was built ({runs.when}, {runs.machine}).", "",
           ".. toctree::", "   :maxdepth: 1", ""]
    out += [f"   {t}" for t in TOPICS if any(r.topic == t for r in rules)]
    out += ["", ".. list-table::", "   :header-rows: 1", "", "   * - topic", "     - rules"]
    for t in TOPICS:
        n = sum(r.topic == t for r in rules)
        if n:
            out += [f"   * - :ref:`{TOPIC_TITLES[t]} <topic-{t}>`", f"     - {n}"]
    return "\n".join(out) + "\n"


def api_page(public: Iterable[str], defaults: Mapping[str, Any]) -> str:
    """Every public name of ``chainrule``, and every checker option with its default."""
    out = [_heading("API reference", "="),
           "Everything ``chainrule`` exports (``chainrule.__all__``), from its docstrings; the examples are "
           "the docstrings' doctests, which the test suite runs.", "",
           _heading("Checker options", "-"),
           "Every ``check_*`` and ``assert_*`` takes these keyword options (``**options``); the defaults are "
           "the checker's own table (``chainrule.reference.checker.problem.DEFAULTS``).", "",
           ".. list-table::", "   :header-rows: 1", "", "   * - option", "     - default"]
    for k, v in defaults.items():
        out += [f"   * - ``{k}``", f"     - ``{v!r}``"]
    out += ["", _heading("How the checker works", "-"), ".. automodule:: chainrule.reference.check",
            "   :no-members:", "", _heading("Public names", "-")]
    for name in public:
        out += [f".. autoclass:: chainrule.{name}" if name[0].isupper() else f".. autofunction:: chainrule.{name}",
                *(["   :members:"] if name[0].isupper() else []), ""]
    return "\n".join(out) + "\n"
