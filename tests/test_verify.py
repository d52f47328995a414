"""`chainrule verify` through the one engine: a wrong closed form is caught, diagnosed as check_jacobian
diagnoses it, named, and reproducible."""

from __future__ import annotations

import dataclasses
import itertools
import json
import pathlib
import re

import numpy as np
import pytest

import chainrule.reference.catalog
from chainrule.analytic import neuron as nn
from chainrule.analytic.structured import Diagonal
from chainrule.reference.catalog import Arg, Rule, by_name
from chainrule.reference.catalog.verify import TOLERANCES, config_seed, draw_inputs, select, verify_rule
from chainrule.reference.cli import main

N_SIZES = ({"n": 1}, {"n": 4})


def _mul(w, x):
    return w * x


def _jac_mul_w_right(w, x):
    return Diagonal(x)


def _jac_mul_w_doubled(w, x):
    return Diagonal(2.0 * x)


def _jac_mul_w_wrong_shape(w, x):
    return x


def _raises(w, x):
    raise RuntimeError("boom")


def _rule(derivative, name="jac_mul_w_test", **kw):
    return Rule(name, "E-7", "elementwise", "§4.2", _mul, derivative,
                (Arg("w", ("n",)), Arg("x", ("n",))), "w", N_SIZES, **kw)


def test_a_correct_rule_passes_with_all_trials_counted():
    r = verify_rule(_rule(_jac_mul_w_right), trials=50)
    assert r.ok and r.trials == 100 and r.message is None and r.diagnosis is None


def test_a_factor_two_is_caught_and_diagnosed():
    r = verify_rule(_rule(_jac_mul_w_doubled), trials=50, seed=123)
    assert not r.ok and r.diagnosis == "off by a constant factor 2"
    for part in ("jac_mul_w_test vs jax.jacfwd and jax.jacrev (wrt w)", "seed 123", "trial",
                 "off by a constant factor 2",
                 "reproduce: chainrule verify -k jac_mul_w_test --seed 123 --dtype float64"):
        assert part in r.message, part


def test_a_wrong_shape_is_caught():
    r = verify_rule(_rule(_jac_mul_w_wrong_shape), trials=5)
    assert not r.ok and "wrong shape" in r.message and "(1,)" in r.message


def test_a_raising_closed_form_is_a_failure_not_a_pass():
    r = verify_rule(_rule(_raises), trials=5)
    assert not r.ok and "the candidate raised RuntimeError: boom" in r.message


def _primal_raises(w, x):
    raise ValueError("this primal cannot be traced")


def test_a_batch_reports_every_rule_as_it_is_alone_and_names_the_one_whose_primal_raises():
    """verify_catalog compiles BATCH rules as one program; each result is still the rule's own."""
    from chainrule.reference.catalog.verify import BATCH, verify_catalog

    raising = Rule("primal_raises_test", "E-7", "elementwise", "§4.2", _primal_raises, _jac_mul_w_right,
                   (Arg("w", ("n",)), Arg("x", ("n",))), "w", N_SIZES)
    rules = [_rule(_jac_mul_w_right, name="right_1"), _rule(_jac_mul_w_doubled, name="doubled"), raising,
             _rule(_jac_mul_w_wrong_shape, name="wrong_shape"), by_name("grad_dot_w"), by_name("jac_sigmoid_x")]
    assert len(rules) <= BATCH  # one batch
    together = verify_catalog(rules, trials=20)
    alone = [verify_rule(r, trials=20) for r in rules]
    assert [r.name for r in together] == [r.name for r in rules]
    assert [r.status for r in together] == [r.status for r in alone] == ["pass", "fail", "fail", "fail", "pass",
                                                                         "pass"]
    assert [r.diagnosis for r in together] == [r.diagnosis for r in alone]
    assert "the primal raised" in together[2].message and "this primal cannot be traced" in together[2].message
    for t, a in zip(together, alone, strict=True):
        assert t.trials == a.trials
        assert t.max_rel_error == pytest.approx(a.max_rel_error, rel=1e-6, abs=1e-15, nan_ok=True)


def test_a_one_ulp_scale_error_passes_but_a_1e_6_error_fails():
    r_ok = verify_rule(_rule(lambda w, x: Diagonal(x * (1 + 1e-13))), trials=20)
    r_bad = verify_rule(_rule(lambda w, x: Diagonal(x * (1 + 1e-6))), trials=20)
    assert r_ok.ok and not r_bad.ok


def test_float32_promotion_is_reported():
    r = verify_rule(_rule(lambda w, x: Diagonal(x.astype("float64"))), trials=5, dtype="float32")
    assert not r.ok and "wrong dtype: claimed float64, JAX float32" in r.message


def test_kinks_are_avoided_by_redrawing():
    rule = by_name("grad_activation_w")
    inputs = draw_inputs(rule, {"n": 3}, 500, 0, "float64")
    z = np.einsum("tn,tn->t", inputs["w"], inputs["x"]) + inputs["b"]
    assert np.min(np.abs(z)) >= rule.kink_margin
    unguarded = dataclasses.replace(rule, kink=None)  # the same draw without the guard comes closer
    z0 = (lambda d: np.einsum("tn,tn->t", d["w"], d["x"]) + d["b"])(draw_inputs(unguarded, {"n": 3}, 500, 0))
    assert np.min(np.abs(z0)) < rule.kink_margin


def test_same_seed_same_draws_other_seed_other_draws():
    rule = by_name("grad_loss_w")
    sizes = rule.sizes[2]
    a, b, c = (draw_inputs(rule, sizes, 10, config_seed(s, rule, 2))["X"] for s in (5, 5, 6))
    np.testing.assert_array_equal(a, b)
    assert not np.allclose(a, c)
    assert verify_rule(rule, trials=10, seed=5).ok and verify_rule(rule, trials=10, seed=6).ok


# --- one engine: verify diagnoses a broken record exactly as check_jacobian does ------------------------


def _transposed(A, x):
    """The Jacobian of A x written in denominator layout (Aᵀ)."""
    return A.T


def _doubled(A, x):
    """Twice the Jacobian of A x."""
    return 2.0 * A


def _negated(A, x):
    """The Jacobian of A x with its sign flipped."""
    return -A


@pytest.mark.parametrize("broken", [_transposed, _doubled, _negated], ids=["transposed", "factor 2", "sign"])
def test_verify_reports_the_diagnosis_check_jacobian_gives(broken, monkeypatch, capsys):
    """A broken record injected into the catalog: ``chainrule verify`` fails it with the diagnosis that a
    user's own ``check_jacobian`` call gives for the same primal and closed form."""
    import chainrule

    good = by_name("jac_matvec_x")  # ∂(A x)/∂x = A, A of shape (m, n) with m ≠ n in one configuration
    record = dataclasses.replace(good, name="injected_" + broken.__name__.strip("_"), derivative=broken)
    from_verify = verify_rule(record)
    A, x = np.zeros((3, 5)), np.zeros(5)
    from_check = chainrule.check_jacobian(good.primal, broken, A, x, argnums=1)
    assert not from_verify.ok and not from_check.ok
    assert from_verify.diagnosis == from_check.diagnosis, (from_verify.diagnosis, from_check.diagnosis)
    expected = {"_transposed": "transposed", "_doubled": "off by a constant factor 2",
                "_negated": "sign flipped"}[broken.__name__]
    assert expected in from_verify.diagnosis
    monkeypatch.setattr(chainrule.reference.catalog, "CATALOG", (*chainrule.reference.catalog.CATALOG, record))
    assert main(["verify", "-k", record.name]) == 1
    assert from_check.diagnosis in " ".join(capsys.readouterr().out.split())


def test_bad_arguments():
    with pytest.raises(ValueError, match="trials: expected at least 1, got 0"):
        verify_rule(by_name("grad_dot_w"), trials=0)
    with pytest.raises(ValueError, match="dtype: expected one of"):
        verify_rule(by_name("grad_dot_w"), dtype="float16")


def test_malformed_records_are_rejected_at_definition():
    with pytest.raises(ValueError, match="wrt 'q' is not an argument"):
        Rule("bad", "X", "neuron", "§5", nn.dot, nn.grad_dot_w, (Arg("w", ("n",)), Arg("x", ("n",))), "q")
    with pytest.raises(ValueError, match="topic 'physics' is not one of"):
        Rule("bad", "X", "physics", "§5", nn.dot, nn.grad_dot_w, (Arg("w", ("n",)), Arg("x", ("n",))), "w")


def test_select_by_name_id_topic_and_glob():
    from chainrule.reference.catalog import CATALOG

    l3 = [r.name for r in CATALOG if r.id == "L-3"]
    assert l3 and [r.name for r in select(CATALOG, "L-3")] == l3
    neuron = [r.name for r in CATALOG if r.topic == "neuron"]
    assert neuron and [r.name for r in select(CATALOG, "neuron")] == neuron
    assert {r.name for r in select(CATALOG, "grad_loss_*")} >= {"grad_loss_w", "grad_loss_b"}
    assert select(CATALOG, "no-such-rule-anywhere") == []


def test_tolerances_table_is_keyed_by_dtype_and_is_the_one_the_readme_documents():
    order = ["float64", "float32", "float16", "bfloat16"]  # coarser precision, looser tolerance
    assert sorted(TOLERANCES) == sorted(order)
    for fine, coarse in itertools.pairwise(order):
        assert TOLERANCES[coarse].rtol > TOLERANCES[fine].rtol and TOLERANCES[coarse].atol > TOLERANCES[fine].atol
    readme = (pathlib.Path(__file__).resolve().parents[1] / "README.md").read_text()
    documented = {k: (float(r), float(a))
                  for k, r, a in re.findall(r"(float64|float32|float16|bfloat16) `([\d.e-]+)/([\d.e-]+)`", readme)}
    assert documented == {k: (t.rtol, t.atol) for k, t in TOLERANCES.items()}, "update README.md's Options"


# --- the CLI ----------------------------------------------------------------------------------------


def test_cli_verify_json_schema(capsys):
    assert main(["verify", "--json", "-k", "N-1,L-5"]) == 0
    out = json.loads(capsys.readouterr().out)
    assert out["failed"] == 0 and out["passed"] == len(out["rules"]) >= 3
    for row in out["rules"]:
        assert set(row) >= {"name", "id", "topic", "section", "status", "trials", "max_abs_error",
                            "max_rel_error", "dtype"}
        assert row["status"] == "pass" and row["trials"] >= 100 and row["dtype"] == "float64"


def test_cli_verify_fails_with_exit_1_and_names_the_broken_rule(monkeypatch, capsys):
    broken = _rule(_jac_mul_w_doubled, name="injected_broken_rule")
    monkeypatch.setattr(chainrule.reference.catalog, "CATALOG", (*chainrule.reference.catalog.CATALOG, broken))
    assert main(["verify", "-k", "injected_broken_rule,grad_dot_w"]) == 1
    out = capsys.readouterr().out
    assert "injected_broken_rule" in out and "FAIL" in out and "1 passed, 1 failed" in " ".join(out.split())
    assert main(["verify", "--json", "-k", "injected_broken_rule"]) == 1
    row = json.loads(capsys.readouterr().out)["rules"][0]
    assert row["name"] == "injected_broken_rule" and row["status"] == "fail"


def test_cli_verify_unknown_pattern_is_a_usage_error(capsys):
    assert main(["verify", "-k", "no-such-rule-anywhere"]) == 2
    assert "no rule matches" in capsys.readouterr().err


def test_cli_rules_markdown(capsys):
    assert main(["rules", "--markdown"]) == 0
    assert "| L-3 | `grad_loss_w` |" in capsys.readouterr().out


def test_select_ids_and_topics_exactly():
    from chainrule.reference.catalog import CATALOG

    assert {r.id for r in select(CATALOG, "C-1")} == {"C-1"}  # not C-10 … C-13
    assert {r.topic for r in select(CATALOG, "scalar")} == {"scalar"}  # not scalar-expansion
    assert {r.topic for r in select(CATALOG, "scalar,scalar-expansion")} == {"scalar", "scalar-expansion"}
    chosen = select(CATALOG, "c-1,grad_relu")
    assert {r.id for r in chosen} == {"C-1", "N-3"}
    assert select(CATALOG, "C-99") == []  # an unknown ID is a substring pattern that matches nothing


def test_cli_verify_table_keeps_its_status_column_at_80_columns_when_piped():
    """Piped, rich renders 80 columns: every row still shows its status and its whole rule name."""
    import os
    import subprocess
    import sys

    env = {k: v for k, v in os.environ.items() if k not in ("COLUMNS", "LINES")}
    picked = "C-3,LAYER-2,H-7,grad_dot_w"
    run = subprocess.run([sys.executable, "-m", "chainrule", "verify", "-k", picked],
                         capture_output=True, text=True, env=env)
    assert run.returncode == 0, run.stderr
    lines = run.stdout.splitlines()
    assert max(len(line) for line in lines) <= 80, [line for line in lines if len(line) > 80]
    from chainrule.reference.catalog import CATALOG

    names = [r.name for r in select(CATALOG, picked)]
    assert len(names) >= 6
    for name in names:
        assert any(line.split()[:2] == ["pass", name] for line in lines if line.strip()), name


def test_verify_on_two_worker_processes_gives_every_rule_its_own_result_in_order():
    """``chainrule verify --jobs 2``: batches go to spawned workers by name; a record the workers cannot
    know (built here) runs in this process; the results equal the in-process ones, in the given order."""
    from chainrule.reference.catalog import CATALOG
    from chainrule.reference.catalog.parallel import verify_in_parallel
    from chainrule.reference.catalog.verify import BATCH, verify_catalog

    rules = [*CATALOG[:BATCH + 3], _rule(_jac_mul_w_doubled, name="built_here_broken")]
    here = verify_catalog(rules, trials=10)
    there = verify_in_parallel(rules, jobs=2, trials=10)
    assert [r.name for r in there] == [r.name for r in rules]
    assert [r.status for r in there] == [r.status for r in here] == ["pass"] * (BATCH + 3) + ["fail"]
    for a, b in zip(there, here, strict=True):
        assert a.trials == b.trials
        assert a.max_rel_error == pytest.approx(b.max_rel_error, rel=1e-6, abs=1e-15, nan_ok=True)
    with pytest.raises(ValueError, match="jobs: expected a number of worker processes ≥ 1, got 0"):
        verify_in_parallel(rules, jobs=0)


def test_cli_verify_rejects_a_bad_jobs_count(capsys):
    with pytest.raises(SystemExit) as exit_:
        main(["verify", "--jobs", "0"])
    assert exit_.value.code == 2
    assert "expected a whole number ≥ 1 (worker processes), got '0'" in capsys.readouterr().err
