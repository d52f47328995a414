"""The catalog covers what issue 11 promises: every row of the Matrix Cookbook's Chapter 2 (COOKBOOK.md) by
its own ``CB-`` ID, each misprint as a passing corrected record plus a printed record that must fail
(``xfail``), every layer family under ``LAYER-*``, and the former ``MAT-*`` IDs kept as aliases."""

from __future__ import annotations

import json
import os
import pathlib
import re

import numpy as np
import pytest

import chainrule.reference.catalog
from chainrule.analytic import matrix as mx
from chainrule.reference.catalog import CATALOG, COOKBOOK_IDS, COOKBOOK_MISPRINTS, Arg, Rule
from chainrule.reference.catalog.verify import select, verify_rule
from chainrule.reference.cli import main
from chainrule.reference.samplers import sample


def _cookbook_md() -> pathlib.Path | None:
    """COOKBOOK.md of the project's shared folder (``../shared`` beside the checkout, or $CHAINRULE_SHARED)."""
    here = pathlib.Path(__file__).resolve().parent.parent
    for folder in (os.environ.get("CHAINRULE_SHARED"), here.parent / "shared"):
        if folder and (pathlib.Path(folder) / "COOKBOOK.md").is_file():
            return pathlib.Path(folder) / "COOKBOOK.md"
    return None


def test_cookbook_ids_are_the_rows_of_cookbook_md():
    path = _cookbook_md()
    assert path is not None, ("COOKBOOK.md, the checklist COOKBOOK_IDS must match, was not found: put the "
                              "project's shared folder beside this checkout (../shared) or name it in "
                              "$CHAINRULE_SHARED")
    rows = [m.group(1) for line in path.read_text().splitlines()
            if (m := re.match(r"^\| (CB-[0-9]+u?) \| 2[ .]", line))]
    assert len(rows) == 111 and tuple(rows) == COOKBOOK_IDS
    printed_wrong = {m.group(1) for line in path.read_text().splitlines()
                     if (m := re.match(r"^\| (CB-[0-9]+u?) \| 2.*\| \[E\] \|$", line))}
    assert printed_wrong == set(COOKBOOK_MISPRINTS)


def test_every_cookbook_row_has_a_passing_record():
    passing = {r.id for r in CATALOG if r.topic == "cookbook" and r.expect == "pass"}
    missing = [i for i in COOKBOOK_IDS if i not in passing]
    assert not missing, f"Cookbook rows with no record: {missing}"
    extra = {r.id for r in CATALOG if r.topic == "cookbook"} - set(COOKBOOK_IDS)
    assert not extra, f"cookbook records whose ID is not a row of COOKBOOK.md: {sorted(extra)}"


def test_each_misprint_has_an_expected_failure_record_and_nothing_else_does():
    xfail = {r.id for r in CATALOG if r.expect == "fail"}
    assert xfail == set(COOKBOOK_MISPRINTS)
    for r in CATALOG:
        if r.expect == "fail":
            assert len(r.misprint) > 20, (r.name, r.misprint)


def test_cookbook_records_cite_their_section_and_equation():
    for r in CATALOG:
        if r.topic == "cookbook":
            n = r.id.removeprefix("CB-")
            assert re.fullmatch(rf"Matrix Cookbook §2(\.\d)*(\.\d)? .*\({n}\)", r.section), (r.name, r.section)


def test_every_layer_family_has_its_id():
    ids = {r.id for r in CATALOG if r.topic == "layer"}
    assert {f"LAYER-{i}" for i in range(1, 33)} <= ids, sorted({f"LAYER-{i}" for i in range(1, 33)} - ids)
    assert len({i for i in ids if i.startswith("LAYER-")}) >= 29


def test_former_mat_ids_select_their_cookbook_records():
    assert [r.name for r in select(CATALOG, "MAT-3")] == ["grad_bilinear_X"]
    assert {r.id for r in select(CATALOG, "MAT-3")} == {"CB-70"}
    assert {r.name for r in select(CATALOG, "mat-11")} == {"jvp_inv_X", "jac_inv_X"}
    former = select(CATALOG, "matrix")
    assert len(former) == 14 and {a for r in former for a in r.aliases} == {f"MAT-{i}" for i in range(1, 14)}
    assert {r.topic for r in select(CATALOG, "cookbook")} == {"cookbook"}
    assert len(select(CATALOG, "cookbook")) > 111


# --- expected failures: a misprint must fail, and saying so is not a pass ------------------------------------


def _transposed_det_gradient(X):
    """∂det X/∂X = det(X) X⁻¹ (a deliberately transposed gradient)   (CB-49)"""
    import array_api_compat

    xp = array_api_compat.array_namespace(X)
    return mx.det(X) * xp.linalg.inv(X)


def _expected_failure(derivative, name):
    return Rule(name, "CB-49", "cookbook", "Matrix Cookbook §2.1.2 (49)", mx.det, derivative,
                (Arg("X", ("n", "n"), "well_conditioned"),), "X", ({"n": 3},), expect="fail",
                misprint="the gradient is transposed: det(X) X⁻¹ instead of det(X) X⁻ᵀ")


def test_a_misprint_that_fails_is_an_xfail_with_the_engines_diagnosis():
    r = verify_rule(_expected_failure(_transposed_det_gradient, "printed_det"))
    assert r.status == "xfail" and r.ok
    assert r.diagnosis.startswith("transposed") and "expected: the gradient is transposed" in r.diagnosis
    assert "reproduce: chainrule verify -k printed_det" in r.message


def test_an_expected_failure_that_passes_is_a_failure():
    r = verify_rule(_expected_failure(mx.grad_det_X, "printed_but_right"))
    assert r.status == "fail" and not r.ok
    assert "must disagree with JAX" in r.message and "100 trials agree" in r.message


def test_an_expected_failure_must_state_its_misprint():
    with pytest.raises(ValueError, match="states its misprint"):
        Rule("x", "CB-49", "cookbook", "s", mx.det, mx.grad_det_X, (Arg("X", ("n", "n"), "well_conditioned"),),
             "X", ({"n": 2},), expect="fail")
    with pytest.raises(ValueError, match="expect 'maybe' is not one of"):
        Rule("x", "CB-49", "cookbook", "s", mx.det, mx.grad_det_X, (Arg("X", ("n", "n"), "well_conditioned"),),
             "X", ({"n": 2},), expect="maybe")


def test_cli_counts_xfail_apart_and_exits_0(monkeypatch, capsys):
    printed = _expected_failure(_transposed_det_gradient, "injected_printed_det")
    monkeypatch.setattr(chainrule.reference.catalog, "CATALOG", (*CATALOG, printed))
    assert main(["verify", "--json", "-k", "injected_printed_det,CB-49"]) == 0
    out = json.loads(capsys.readouterr().out)
    assert (out["passed"], out["failed"], out["xfailed"]) == (1, 0, 1)
    assert {row["status"] for row in out["rules"]} == {"pass", "xfail"}
    assert main(["verify", "-k", "injected_printed_det,CB-49"]) == 0
    text = " ".join(capsys.readouterr().out.split())
    assert "xfail" in text and "1 passed, 0 failed, 1 failed as expected" in text


# --- the domains the Cookbook's assumptions become ----------------------------------------------------------


@pytest.mark.parametrize("dtype", ["float64", "float32"])
def test_structured_domains_draw_what_they_say(dtype):
    rng = np.random.default_rng(0)
    tol = 1e-12 if dtype == "float64" else 1e-5
    S = sample("symmetric", rng, (50, 4, 4), dtype).astype(np.float64)
    assert np.abs(S - np.swapaxes(S, -1, -2)).max() == 0
    P = sample("spd", rng, (50, 4, 4), dtype).astype(np.float64)
    lam = np.linalg.eigvalsh(P)
    assert np.abs(P - np.swapaxes(P, -1, -2)).max() <= tol and lam.min() >= 0.5 - 1e-4 and lam.max() <= 2 + 1e-4
    Q = sample("symmetric_invertible", rng, (200, 3, 3), dtype).astype(np.float64)
    lam = np.linalg.eigvalsh(Q)
    assert np.abs(lam).min() >= 0.5 - 1e-4 and (lam < 0).any() and (lam > 0).any()
    Qo = sample("orthogonal", rng, (50, 3, 3), dtype).astype(np.float64)
    assert np.abs(np.swapaxes(Qo, -1, -2) @ Qo - np.eye(3)).max() <= 10 * tol + 1e-6
    for shape in ((50, 5, 3), (50, 2, 4)):
        s = np.linalg.svd(sample("full_rank", rng, shape, dtype).astype(np.float64), compute_uv=False)
        assert s.shape[-1] == min(shape[-2:]) and s.min() >= 0.5 - 1e-4 and s.max() <= 2 + 1e-4


@pytest.mark.parametrize("domain", ["symmetric", "symmetric_invertible", "spd", "orthogonal"])
def test_square_domains_reject_other_shapes(domain):
    with pytest.raises(ValueError, match=rf"the {domain} domain draws square matrices \(…, n, n\), got shape \(3, 2\)"):
        sample(domain, np.random.default_rng(0), (3, 2))
    with pytest.raises(ValueError, match=r"full_rank domain draws matrices \(…, m, n\), got shape \(3,\)"):
        sample("full_rank", np.random.default_rng(0), (3,))


def test_cli_json_shows_a_misprint_as_passing_corrections_and_xfailing_printed_forms(capsys):
    assert main(["verify", "--json", "-k", "CB-92"]) == 0
    out = json.loads(capsys.readouterr().out)
    rows = {r["name"]: r for r in out["rules"]}
    assert {r["topic"] for r in rows.values()} == {"cookbook"} and {r["id"] for r in rows.values()} == {"CB-92"}
    printed = {n for n, r in rows.items() if r["status"] == "xfail"}
    assert printed == {"grad_power_gram_X_printed", "grad_power_gram_X_printed_n1"}
    assert all(r["status"] == "pass" for n, r in rows.items() if n not in printed)
    assert (out["passed"], out["failed"], out["xfailed"]) == (len(rows) - 2, 0, 2)


def test_the_rule_table_counts_the_new_topics():
    from chainrule.reference.catalog.table import rule_table

    first = rule_table(CATALOG).splitlines()[0]
    layer = sum(r.topic == "layer" for r in CATALOG)
    cookbook = sum(r.topic == "cookbook" for r in CATALOG)
    assert f"layer {layer}," in first and f"cookbook {cookbook}," in first and "matrix" not in first
    assert "| CB-70 (was MAT-3) | `grad_bilinear_X` |" in rule_table(CATALOG)


def test_the_piped_table_shows_each_printed_misprint_with_its_diagnosis_within_80_columns():
    import subprocess
    import sys

    env = {k: v for k, v in os.environ.items() if k not in ("COLUMNS", "LINES")}
    run = subprocess.run([sys.executable, "-m", "chainrule", "verify", "-k", "CB-92", "--jobs", "1"],
                         capture_output=True, text=True, env=env)
    assert run.returncode == 0, run.stderr
    lines = run.stdout.splitlines()
    assert max(len(line) for line in lines) <= 80, [line for line in lines if len(line) > 80]
    text = " ".join(run.stdout.split())
    assert "xfail grad_power_gram_X_printed (CB-92): 2 wrong entries of 4" in text
    assert "expected: the first term of the printed sum" in text
    assert "2 passed, 0 failed, 2 failed as expected" in text
