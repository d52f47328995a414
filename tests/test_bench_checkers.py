"""The ``checkers`` benchmark suite (chainrule vs ``jax.test_util.check_grads`` on the real-world cases):
its quick mode on two cases gives results of the documented structure, and it says clearly when the
real-world cases are missing. No timing is asserted."""

from __future__ import annotations

import numpy as np
import pytest

from chainrule.benchmarks.harness import run_case
from chainrule.benchmarks.suites import checkers

TWO = ("nielsen_network_backprop", "autograd_grad_inv")


@pytest.fixture(scope="module")
def rows() -> list[dict]:
    return [run_case(case, checkers.BASELINE, repeats=3) for case in checkers.cases(True, only=TWO)]


def test_quick_mode_on_two_cases_records_both_checkers_side_by_side(rows):
    assert sorted(row["label"] for row in rows) == sorted(TWO)
    for row in rows:
        p = row["params"]
        assert p["case"] == row["label"] and p["seeds"] == checkers.SEEDS[0] and p["mutants"] >= 2
        for name in ("chainrule", "check_grads"):
            fig = p[name]
            assert fig["seeds"] == p["seeds"] and fig["mutants"] == p["mutants"], name
            assert 0 <= fig["false_alarms"] <= fig["seeds"] and 0 <= fig["caught"] <= fig["mutants"], name
            assert fig["catch_rate"] == pytest.approx(fig["caught"] / fig["mutants"]), name
            assert fig["cold_s"] > 0 and fig["warm_s"] > 0, name
            assert len(fig["per_mutant"]) == fig["mutants"], name
        assert all(m["outcome"] in ("pass", "fail") or m["outcome"].startswith("error: ")
                   for m in p["check_grads"]["per_mutant"])
        assert p["chainrule"]["diagnosed_as_expected"] <= p["chainrule"]["caught"]
        by = {c["name"]: c for c in row["contenders"]}
        assert by[checkers.BASELINE]["ratio"] == pytest.approx(1.0)
        assert by["hand-written (NumPy)"]["matches"], row["label"]  # the correct candidate, at the example
        for c in by.values():
            assert c["status"] == "ok" and c["median_s"] > 0, (row["label"], c["name"], c.get("reason"))
    table = checkers.side_by_side({"cases": rows})
    assert all(f"| {label} |" in table for label in TWO)


def test_missing_realworld_cases_raise_a_clear_error(tmp_path):
    with pytest.raises(FileNotFoundError, match=r"tests/realworld/rw_\*\.py.*from a checkout"):
        checkers.load_cases(tmp_path / "tests" / "realworld")


def test_a_redrawn_point_keeps_fixed_and_boolean_arguments():
    case = next(c for _, c in checkers.load_cases() if c.name == "mytorch_causal_attention_backward")
    example, point = case.example(), checkers.draw_point(case, 3)
    assert point[3].dtype == np.bool_ and np.array_equal(point[3], example[3])  # the mask
    assert point[0].shape == example[0].shape and not np.array_equal(point[0], example[0])
