"""Hand-written backward passes from public code, checked the way a library author checks them.

Every correct case passes at 50 seeds (a false alarm makes a user uninstall the checker); every mutant,
a realistic mistake in the same code, is caught, and where the mistake is of a known kind the
diagnosis names it. The cases live in ``rw_*.py`` beside this file, each citing its source.
"""

from __future__ import annotations

import importlib
from pathlib import Path

import pytest
from rw_case import Case, run

SEEDS = range(50)
MODULES = sorted(p.stem for p in Path(__file__).parent.glob("rw_*.py") if p.stem != "rw_case")
CASES: list[Case] = [c for m in MODULES for c in importlib.import_module(m).CASES]
MUTANTS = [(c, m) for c in CASES for m in c.mutants]


def test_the_suite_is_as_large_as_promised():
    assert len(CASES) >= 20, [c.name for c in CASES]
    assert all(len(c.mutants) >= 2 for c in CASES), [c.name for c in CASES if len(c.mutants) < 2]
    assert all(c.source.count("/") >= 2 for c in CASES), "each case cites owner/repo path"
    assert len({c.name for c in CASES}) == len(CASES)


@pytest.mark.parametrize("case", CASES, ids=[c.name for c in CASES])
def test_a_correct_backward_pass_passes_at_50_seeds(case: Case):
    alarms = []
    for seed in SEEDS:
        r = run(case, seed=seed)
        if not r.ok:
            alarms.append(f"seed {seed}: {r.diagnosis}")
    assert not alarms, f"{len(alarms)} false alarm(s) of {len(SEEDS)}:\n" + "\n".join(alarms[:5])


@pytest.mark.parametrize(("case", "mutant"), MUTANTS, ids=[f"{c.name}: {m.name}" for c, m in MUTANTS])
def test_a_mutant_is_caught_and_named(case: Case, mutant):
    r = run(case, mutant.candidate)
    assert not r.ok, f"{mutant.name} passed:\n{r}"
    if mutant.diagnosis is not None:
        assert mutant.diagnosis in (r.diagnosis or ""), f"expected {mutant.diagnosis!r}:\n{r}"
