"""The rule catalog: one record per rule, pairing an analytic primal with its closed-form derivative.

The catalog is data. ``chainrule verify``, the tests, the README's rule table and the benchmarks all
read the same records. Records live in one module per topic (``rules_<topic>.py`` in this package,
each defining ``RULES``); this package collects them in DESIGN.md's topic order.

>>> from chainrule.reference.catalog import CATALOG, by_name
>>> by_name("grad_loss_w").id
'L-3'
>>> len({r.topic for r in CATALOG if r.topic in TOPICS[:9]})   # all nine paper topics
9
"""

from __future__ import annotations

import difflib
import importlib
import pkgutil

from ._record import TOPICS, Arg, Rule

__all__ = [
    "CATALOG", "COOKBOOK_IDS", "COOKBOOK_MISPRINTS", "REFERENCE_SECTIONS", "RULES_IDS", "TOPICS", "Arg", "Rule",
    "by_name",
]


def _collect() -> tuple[Rule, ...]:
    rules: list[Rule] = []
    for info in sorted(pkgutil.iter_modules(__path__), key=lambda m: m.name):
        if info.name.startswith("rules_"):
            module = importlib.import_module(f"{__name__}.{info.name}")
            rules.extend(module.RULES)
    seen: dict[str, Rule] = {}
    for r in rules:
        if r.name in seen:
            raise ValueError(f"catalog: two records are named {r.name!r} ({r.id} and {seen[r.name].id})")
        seen[r.name] = r
    return tuple(sorted(rules, key=lambda r: TOPICS.index(r.topic)))


#: Every rule, in topic order (scalar … loss, then layer, loss-fn, matrix, hessian).
CATALOG: tuple[Rule, ...] = _collect()


#: Every ID of RULES.md that needs a catalog record: the paper's §2–§8 items and the tutorial examples.
RULES_IDS: tuple[str, ...] = (
    *(f"S-{i}" for i in range(1, 9)), "P-1", "P-2", *(f"M-{i}" for i in range(1, 8)),
    *(f"E-{i}" for i in range(1, 12)), "X-1", "X-2", "X-3", *(f"R-{i}" for i in range(1, 5)),
    *(f"C-{i}" for i in range(14)), *(f"N-{i}" for i in range(1, 6)), *(f"L-{i}" for i in range(1, 8)),
    "T-1", "T-2",
)

#: Every derivative identity of the Matrix Cookbook's Chapter 2 (COOKBOOK.md): its equations (32)–(144)
#: less the definitions (95), (134), (135), plus the unnumbered display after (64), ``CB-64u``.
COOKBOOK_IDS: tuple[str, ...] = tuple(
    f"CB-{n}" for n in (*range(32, 65), "64u", *range(65, 95), *range(96, 134), *range(136, 145))
)

#: The Cookbook's misprinted identities ([E] in COOKBOOK.md): each has a corrected record that passes and a
#: record of the printed form that must fail (``expect="fail"``, status ``xfail``).
COOKBOOK_MISPRINTS: tuple[str, ...] = ("CB-89", "CB-92", "CB-127")

#: The paper's §8 "Matrix Calculus Reference" restates earlier rules; each REF item is verified by the
#: records of the rules it restates (``chainrule verify -k REF-8.2`` selects them).
REFERENCE_SECTIONS: dict[str, tuple[str, ...]] = {
    "REF-8.1": ("P-2", "M-3", "M-6"),  # gradient of f(x, y), the m × n Jacobian, the identity's I
    "REF-8.2": ("E-1", "E-2", "E-3", "E-4", "E-5", "E-6", "E-7", "E-8", "E-9", "E-10"),
    "REF-8.3": ("X-1", "X-2"),
    "REF-8.4": ("R-1", "R-2", "R-3", "N-1"),
    "REF-8.5": ("C-0", "C-2", "C-6", "C-9", "C-11"),
}


def by_name(name: str) -> Rule:
    """The record called ``name``; ``KeyError`` lists near names when there is none."""
    for r in CATALOG:
        if r.name == name:
            return r
    near = difflib.get_close_matches(name, [r.name for r in CATALOG], n=8, cutoff=0.6)
    raise KeyError(f"no catalog rule named {name!r}; similar: {near}")
