"""The rule table of the README (and of any page that shows the catalog), built from the catalog's records."""

from __future__ import annotations

from collections.abc import Iterable

from ._record import TOPICS, Rule
from .verify import WITNESSES

__all__ = ["rule_table"]

_ORIGIN = {
    "paper": "paper",
    "extension": "extension (not in the paper)",
    "implied": "implied by the paper",
    "assumed": "assumed variant",
    "tutorial": "tutorial notes",
}


def _cell(text: str) -> str:
    return text.replace("|", "\\|")


def rule_table(rules: Iterable[Rule]) -> str:
    """A Markdown table of ``rules``: ID, rule, formula, topic, section, origin, status.

    Status is what ``chainrule verify`` checks for every row: the closed form against
    ``jax.jacfwd`` and ``jax.jacrev`` (``tests/test_catalog.py`` runs it for each record); a misprinted
    formula kept on purpose (``expect="fail"``) must fail, and its row says what is wrong. A record that
    moved keeps its former ID beside the new one (``CB-70 (was MAT-3)``).
    """
    rules = list(rules)
    counts = ", ".join(f"{t} {n}" for t in TOPICS if (n := sum(r.topic == t for r in rules)))
    lines = [
        f"{len(rules)} rules: {counts}.",
        "",
        "| ID | rule | formula | topic | § | origin | status |",
        "|---|---|---|---|---|---|---|",
    ]
    for r in rules:
        witnesses = " + ".join(WITNESSES[r.reference])
        status = (f"printed misprint, must fail vs {witnesses} (xfail): {_cell(r.misprint)}" if r.expect == "fail"
                  else f"verified vs {witnesses}")
        rid = r.id + "".join(f" (was {a})" for a in r.aliases)
        lines.append(
            f"| {rid} | `{r.name}` | {_cell(r.formula)} | {r.topic} | {r.section} | {_ORIGIN[r.origin]} | {status} |"
        )
    return "\n".join(lines) + "\n"
