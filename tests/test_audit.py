"""``chainrule audit`` (chainrule.reference.audit): the pinned findings about JAX itself, silence on correct
functions and at conventions, the registry's coverage, the reproduction, and the command line."""

from __future__ import annotations

import contextlib
import io
import json
import math
import os
import subprocess
import sys

import numpy as np
import pytest

from chainrule.reference.audit import FAMILIES, REGISTRY, audit, select
from chainrule.reference.cli import main

UPDATE_THE_PIN = ("JAX fixed it: update this pin in tests/test_audit.py and the list of findings in the README's "
                  "'Audit JAX itself' section")


@pytest.fixture(scope="module")
def bessel_report():
    return audit("jss.i0,jss.bessel_jn(x*v=2)")  # a name holding a comma is picked by a glob


def _at(findings, x):
    return [f for f in findings if np.ndim(f.point[0]) == 0 and float(f.point[0]) == x]


# --- the pins: where JAX 0.10 is wrong ----------------------------------------------------------------------


def test_pin_jax_i0_has_slope_1_at_0_where_the_truth_is_i1_of_0_which_is_0(bessel_report):
    found = _at([f for f in bessel_report.findings if f.function == "jss.i0"], 0.0)
    assert {f.mode for f in found} == {"jvp", "grad"}, (
        f"the audit no longer finds jax.scipy.special.i0's derivative at 0 wrong ({found}); {UPDATE_THE_PIN}")
    for f in found:
        assert f.jax_at_entry == 1.0 and abs(f.witness_at_entry) <= f.error_at_entry < 1e-8, f
    others = [f for f in bessel_report.findings if f.function == "jss.i0" and float(f.point[0]) != 0.0]
    assert not others, f"i0 was only wrong at exactly 0: {[f.describe() for f in others]}"


def test_pin_jax_bessel_jn_differentiates_wrongly_near_0(bessel_report):
    found = [f for f in bessel_report.findings if f.function == "jss.bessel_jn(x, v=2)"]
    near = sorted({float(f.point[0]) for f in found})
    assert 1e-3 in near and -1e-3 in near and 0.01 in near, (
        f"the audit no longer finds bessel_jn's derivative wrong near 0 (wrong at {near}); {UPDATE_THE_PIN}")
    assert max(abs(x) for x in near) < 0.05, f"bessel_jn was wrong only for |x| ≲ 0.02, now also at {near}"
    # d/dx J0 at 0.001 is −J1(0.001) ≈ −0.0005: JAX's jvp there is NaN, its vjp orders of magnitude off
    j1 = sum((-1) ** k * 0.0005 ** (2 * k + 1) / (math.factorial(k) * math.factorial(k + 1)) for k in range(10))
    jvp = [f for f in _at(found, 1e-3) if f.mode == "jvp"]
    assert jvp and abs(float(jvp[0].witness[0]) + j1) <= float(jvp[0].witness_error[0]), jvp
    assert any(not np.isfinite(f.jax).all() or np.max(np.abs(f.jax - f.witness)) > 1 for f in _at(found, 1e-3))


def test_a_finding_reproduces_by_pasting_its_lines(bessel_report):
    (f,) = [f for f in _at(bessel_report.findings, 0.0) if f.function == "jss.i0" and f.mode == "grad"]
    printed = io.StringIO()
    with contextlib.redirect_stdout(printed):
        exec(f.repro(), {})
    assert float(printed.getvalue()) == f.jax_at_entry, (f.repro(), printed.getvalue())
    assert "jss.i0" in f.repro() and "enable_x64" in f.repro()


# --- silence where JAX is right, and at conventions -----------------------------------------------------------


def test_correct_functions_give_no_findings():
    report = audit("jnp.sin,jnp.exp,jnp.tanh")
    assert report.functions == ("jnp.sin", "jnp.tanh", "jnp.exp")
    assert report.findings == [], [f.describe() for f in report.findings]
    for r in report.results:  # the witness really decided them: silence is not for want of a verdict
        assert r.status == "ok" and r.rows >= 30 and r.decided >= 0.9 * r.rows, r


def test_kinks_and_ties_are_conventions_not_findings():
    """relu at 0, max and sort at ties: the witness's one-sided slopes differ there, so it is undecided."""
    report = audit("nn.relu,jnp.maximum,jnp.sort,jnp.abs")
    assert report.findings == [], [f.describe() for f in report.findings]
    assert all(r.decided < r.rows for r in report.results), [(r.name, r.decided, r.rows) for r in report.results]


# --- the registry -------------------------------------------------------------------------------------------


def test_the_sweep_covers_at_least_200_jax_functions_across_every_family():
    names = [f.name for f in REGISTRY]
    assert len(names) == len(set(names)), "two registry entries share a name"
    assert len(REGISTRY) >= 200, len(REGISTRY)
    assert set(FAMILIES) == {"numpy", "lax", "nn", "special", "stats", "reduction", "linalg"}
    for family in FAMILIES:
        assert len(select(family)) >= 10, family


def test_every_registry_entry_evaluates_at_its_points():
    """Each source is valid, takes its arguments' shapes and returns real floating values, finite at most of
    its points (edge points may leave the domain; the sweep drops those)."""
    import jax

    from chainrule.reference.audit.spec import namespace

    ns = namespace()
    problems = []
    with jax.enable_x64(True):
        for spec in REGISTRY:
            pts = spec.points()
            try:
                f = eval(spec.source, dict(ns))
                y = np.asarray(jax.vmap(f)(*[np.stack([p[k] for p in pts]) for k in range(len(spec.args))]))
            except Exception as e:
                problems.append(f"{spec.name}: {type(e).__name__}: {e}")
                continue
            finite = np.isfinite(y.reshape(len(pts), -1)).all(axis=1)
            if not np.issubdtype(y.dtype, np.floating) or finite.sum() < max(3, len(pts) // 2):
                problems.append(f"{spec.name}: {y.dtype}, finite at {finite.sum()}/{len(pts)} points")
    assert not problems, problems


def test_select_matches_names_families_globs_and_substrings():
    assert [f.name for f in select("jss.i0")] == ["jss.i0"]
    assert {f.name for f in select("jss.i0*")} == {"jss.i0", "jss.i0e"}
    assert {f.family for f in select("linalg")} == {"linalg"}
    assert {f.name for f in select("bessel_jn")} == {"jss.bessel_jn(x, v=2)", "jss.bessel_jn(x, v=0)"}
    assert select("no-such-function") == []
    with pytest.raises(ValueError, match="no audited function matches 'no-such-function'"):
        audit("no-such-function")


def test_the_report_says_what_it_checked(bessel_report):
    data = json.loads(json.dumps(bessel_report.to_json()))  # JSON-clean: NaNs as strings
    assert data["checked"] == len(bessel_report.functions) == 2
    assert {r["name"] for r in data["functions"]} == set(bessel_report.functions)
    assert data["wrong"] == 2 and len(data["findings"]) == len(bessel_report.findings)
    assert all("repro" in f and f["method"] for f in data["findings"])
    assert "jss.i0 [grad]" in str(bessel_report)


# --- the command line ---------------------------------------------------------------------------------------


def _cli(*argv):
    env = {k: v for k, v in os.environ.items() if k not in ("COLUMNS", "LINES")}
    return subprocess.run([sys.executable, "-m", "chainrule", "audit", *argv], capture_output=True, text=True,
                          env=env)


def test_cli_table_keeps_its_status_column_at_80_columns_when_piped():
    run = _cli("-k", "jss.i0,jnp.sin")
    assert run.returncode == 0, run.stderr  # findings are output, not an error
    lines = run.stdout.splitlines()
    table = lines[:lines.index("")]  # the table; the reproductions below it keep their lines whole
    assert table and max(len(line) for line in table) <= 80, [line for line in table if len(line) > 80]
    rows = [line.split() for line in table if line.split()[:1] == ["WRONG"]]
    assert [r[:3] for r in rows] == [["WRONG", "jss.i0", "jvp"], ["WRONG", "jss.i0", "grad"]], table
    assert "WRONG jss.i0 [grad] at (0): JAX 1, witness 0" in run.stdout
    assert "print(jax.grad(f)(0.0))" in run.stdout  # the reproduction
    assert "2 functions" in run.stdout and "2 findings" in run.stdout


def test_cli_json_parses(capsys):
    assert main(["audit", "--json", "-k", "jnp.cos"]) == 0
    data = json.loads(capsys.readouterr().out)
    assert [r["name"] for r in data["functions"]] == ["jnp.cos"] and data["findings"] == []


def test_cli_a_pattern_that_matches_nothing_is_a_usage_error(capsys):
    assert main(["audit", "-k", "no-such-function"]) == 2
    err = capsys.readouterr().err
    assert "no audited function matches -k 'no-such-function'" in err and "--list" in err


def test_cli_list(capsys):
    assert main(["audit", "--list", "-k", "linalg"]) == 0
    out = capsys.readouterr().out
    assert "jnp.linalg.det" in out and "jss.i0" not in out
