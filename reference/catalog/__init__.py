"""The rule catalog: one record per rule, pairing an analytic primal with its closed-form derivative.

The catalog is data. ``chainrule verify``, the tests, the README's rule table and the benchmarks all
read the same records. Records live in one module per topic (``rules_<topic>.py`` in this package,
each defining ``RULES``); this package collects them in DESIGN.md's topic order.

>>> from reference.catalog import CATALOG, by_name
>>> by_name("grad_loss_w").id
'L-3'
>>> len({r.topic for r in CATALOG if r.topic in TOPICS[:9]})   # all nine paper topics
9
"""

from __future__ import annotations

import importlib
import pkgutil

from ._record import TOPICS, Arg, Rule

__all__ = ["CATALOG", "TOPICS", "Arg", "Rule", "by_name"]


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


def by_name(name: str) -> Rule:
    """The record called ``name``; ``KeyError`` lists near names when there is none."""
    for r in CATALOG:
        if r.name == name:
            return r
    near = [r.name for r in CATALOG if name.split("_")[-1] in r.name][:8]
    raise KeyError(f"no catalog rule named {name!r}; similar: {near}")
