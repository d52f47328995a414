"""``chainrule derive``: the paper's loss derived and verified from the command line; exit status 0 when
verified, 2 on a usage error or an expression that cannot be derived."""

from __future__ import annotations

import dataclasses
import doctest
import json

import pytest

from chainrule.reference.cli import derive as derive_cli
from chainrule.reference.cli import main

LOSS = "mean((y - relu(X @ w + b)) ** 2)"
LOSS_ARGS = [LOSS, "--wrt", "w,b", "--shape", "X=N,n", "--shape", "w=n", "--shape", "b=", "--shape", "y=N",
             "--trials", "10"]
CLOSED_FORM_W = "(2/N) Xᵀ(1[z > 0] ⊗ (z − y))"


@pytest.fixture(autouse=True)
def _plain_pipe(monkeypatch):
    """Output as a pipe sees it: rich's default 80 columns, no forced colour."""
    for var in ("COLUMNS", "LINES", "FORCE_COLOR", "TTY_COMPATIBLE", "TTY_INTERACTIVE", "JUPYTER_COLUMNS"):
        monkeypatch.delenv(var, raising=False)


def run(capsys, *argv: str) -> tuple[int, str, str]:
    status = main(["derive", *argv])
    out, err = capsys.readouterr()
    return status, out, err


def usage_error(capsys, *argv: str) -> str:
    """Run a command that argparse rejects; its stderr."""
    with pytest.raises(SystemExit) as exit_:
        main(["derive", *argv])
    assert exit_.value.code == 2
    return capsys.readouterr().err


# --- the paper's loss -----------------------------------------------------------------------------


def test_the_papers_loss_is_derived_and_verified(capsys):
    status, out, err = run(capsys, *LOSS_ARGS)
    assert status == 0, out + err
    assert CLOSED_FORM_W in out
    assert "verified" in out and "NOT verified" not in out
    assert "CB-69" in out and "N-4" in out  # the steps cite catalog rules
    assert "def grad_w(" in out and "def grad_b(" in out


def test_the_default_output_piped_is_plain_and_fits_80_columns(capsys):
    status, out, _ = run(capsys, *LOSS_ARGS)
    assert status == 0
    assert "\x1b" not in out  # no ANSI escape codes when stdout is not a terminal
    too_long = [line for line in out.splitlines() if len(line) > 80]
    assert not too_long, too_long
    assert not [line for line in out.splitlines() if line != line.rstrip()]  # no padding to the width


def test_json(capsys):
    status, out, _ = run(capsys, *LOSS_ARGS, "--json")
    assert status == 0
    data = json.loads(out)
    assert data["verified"] is True
    assert data["results"]["w"]["formula"] == "(2/N) Xᵀ(1[z > 0] ⊗ (z − y))"
    assert data["results"]["b"]["shape"] == []
    assert data["wrt"] == ["w", "b"]
    assert data["shapes"]["X"] == ["N", "n"] and data["shapes"]["b"] == []
    assert all(c["trials"] == 10 for c in data["verification"]["checks"].values())


def test_markdown(capsys):
    status, out, _ = run(capsys, *LOSS_ARGS, "--markdown")
    assert status == 0
    assert "| variable |" in out
    assert "```python" in out and "def grad_w(" in out
    assert CLOSED_FORM_W in out
    assert out.endswith("```\n")


def test_latex(capsys):
    status, out, err = run(capsys, *LOSS_ARGS, "--latex")
    assert status == 0, err
    assert "\\begin{aligned}" in out and "\\end{aligned}" in out
    assert "\\frac{\\partial C}{\\partial w}" in out


def test_the_seed_is_passed_through(capsys):
    status, out, _ = run(capsys, "sum(exp(x))", "--wrt", "x", "--shape", "x=3", "--trials", "3", "--seed", "7",
                         "--json")
    assert status == 0
    data = json.loads(out)
    assert data["results"]["x"]["formula"] == "exp(x)"
    assert data["verification"]["checks"]["x"]["trials"] == 3


def test_output_formats_are_exclusive(capsys):
    err = usage_error(capsys, *LOSS_ARGS, "--json", "--latex")
    assert "not allowed with" in err


# --- exit status 1 --------------------------------------------------------------------------------


def test_a_derivation_that_does_not_verify_exits_1(capsys, monkeypatch):
    import chainrule.reference.derive as api

    real = api.derive

    def unverified(*args, **kwargs):
        report = real(*args, **kwargs)  # as if the chain rule's combination disagreed with JAX
        report.verification.derivation = dataclasses.replace(
            report.verification.derivation, combination_ok=False, combination_message="a planted disagreement")
        assert not report.verified
        return report

    monkeypatch.setattr(api, "derive", unverified)
    status, out, _ = run(capsys, "sum(exp(x))", "--wrt", "x", "--shape", "x=3", "--trials", "3")
    assert status == 1
    assert "NOT verified" in out and "derivation check:" in out
    status, out, err = run(capsys, "sum(exp(x))", "--wrt", "x", "--shape", "x=3", "--trials", "3", "--latex")
    assert status == 1
    assert "\\begin{aligned}" in out and "NOT verified" in err


# --- exit status 2: expressions derive cannot take ------------------------------------------------


def test_an_unsupported_construct_exits_2_naming_it(capsys):
    status, out, err = run(capsys, "x % 2", "--wrt", "x", "--shape", "x=", "--trials", "10")
    assert status == 2
    assert out == ""
    assert err.startswith("chainrule derive: error: ")
    assert "%" in err and "not supported" in err


def test_a_shape_mismatch_exits_2_naming_the_dimensions(capsys):
    status, _, err = run(capsys, "x @ A", "--wrt", "x", "--shape", "x=n", "--shape", "A=m,k", "--trials", "10")
    assert status == 2
    assert err.startswith("chainrule derive: error: ")
    assert "'n'" in err and "'m'" in err


def test_a_variable_without_a_shape_exits_2(capsys):
    status, _, err = run(capsys, "x @ y", "--wrt", "x", "--shape", "x=n", "--trials", "10")
    assert status == 2
    assert "y" in err and "--shape y=" in err


def test_a_wrt_variable_that_is_not_there_exits_2(capsys):
    status, _, err = run(capsys, "sum(x)", "--wrt", "z", "--shape", "x=n", "--trials", "10")
    assert status == 2
    assert "'z'" in err


# --- exit status 2: usage errors ------------------------------------------------------------------


@pytest.mark.parametrize("shape", ["X", "1X=N", "X=N,-1", "X=N,0", "X=N,,n", "X=2.5", "X=N n"])
def test_a_malformed_shape_is_a_usage_error(capsys, shape):
    err = usage_error(capsys, "sum(X)", "--wrt", "X", "--shape", shape)
    assert "chainrule derive: error: argument --shape" in err
    assert repr(shape) in err


def test_a_shape_given_twice_is_a_usage_error(capsys):
    status, _, err = run(capsys, "sum(x)", "--wrt", "x", "--shape", "x=n", "--shape", "x=3")
    assert status == 2
    assert "chainrule derive: error: --shape: 'x' given twice" in err


def test_no_shape_at_all_is_a_usage_error(capsys):
    status, _, err = run(capsys, "sum(x)", "--wrt", "x")
    assert status == 2
    assert "--shape" in err


@pytest.mark.parametrize("wrt", ["", "w,", "w,w", "1w"])
def test_a_malformed_wrt_is_a_usage_error(capsys, wrt):
    err = usage_error(capsys, LOSS, "--wrt", wrt, "--shape", "w=n")
    assert "chainrule derive: error: argument --wrt" in err


def test_wrt_is_required(capsys):
    err = usage_error(capsys, LOSS, "--shape", "w=n")
    assert "--wrt" in err


@pytest.mark.parametrize(("flag", "value", "expected"), [
    ("--trials", "0", "expected a whole number ≥ 1"),
    ("--trials", "many", "expected a whole number ≥ 1"),
    ("--seed", "-1", "expected a whole number ≥ 0"),
])
def test_bad_trials_and_seed_are_usage_errors(capsys, flag, value, expected):
    err = usage_error(capsys, *LOSS_ARGS, flag, value)
    assert f"argument {flag}" in err and expected in err


# --- the parsers on their own ---------------------------------------------------------------------


def test_shape_type():
    assert derive_cli.shape_type("X=N,n") == ("X", ("N", "n"))
    assert derive_cli.shape_type(" W = 3 , 4 ") == ("W", (3, 4))
    assert derive_cli.shape_type("b=") == ("b", ())
    assert derive_cli.shape_type("b=()") == ("b", ())
    assert derive_cli.shape_type("X=(N,n)") == ("X", ("N", "n"))


def test_the_module_documents_the_command_and_its_doctests_pass():
    assert "chainrule derive" in derive_cli.__doc__ and "--shape X=N,n" in derive_cli.__doc__
    result = doctest.testmod(derive_cli)
    assert result.attempted >= 2 and result.failed == 0


def test_derive_is_listed_in_the_cli_help(capsys):
    with pytest.raises(SystemExit) as exit_:
        main(["--help"])
    assert exit_.value.code == 0
    assert "derive" in capsys.readouterr().out


# --- report.py rendering defects, pinned until they are fixed there ---------------------------------


def test_the_rich_step_table_keeps_the_relu_indicator(capsys):
    status, out, _ = run(capsys, *LOSS_ARGS)
    assert status == 0
    assert "diag(1[u_2 > 0])" in out


def test_the_markdown_step_table_escapes_absolute_value_bars(capsys):
    status, out, _ = run(capsys, "sum(abs(x))", "--wrt", "x", "--shape", "x=n", "--trials", "3", "--markdown")
    assert status == 0
    (row,) = [line for line in out.splitlines() if line.startswith("| u_1 ")]
    assert row.replace("\\|", "").count("|") == 5  # four cells


def test_domain_option_reaches_the_checks(capsys):
    status, out, _ = run(capsys, "log(1 + x * x)", "--wrt", "x", "--shape", "x=n", "--domain", "x=unit",
                         "--trials", "10", "--json")
    assert status == 0
    assert json.loads(out)["verification"]["domains"] == {"x": "unit"}


def test_a_bad_domain_is_a_usage_error(capsys):
    err = usage_error(capsys, "log(x)", "--wrt", "x", "--shape", "x=", "--domain", "x=bogus")
    assert "unknown domain 'bogus'" in err
