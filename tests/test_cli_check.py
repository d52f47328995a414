"""``chainrule check``: exit status 0 for a right derivative, 1 for a wrong one, 2 for a usage error."""

from __future__ import annotations

import json
import pathlib
import re
import shlex
import subprocess
import sys

import pytest

from chainrule.reference.cli import main

FIXTURES = pathlib.Path(__file__).resolve().parent / "fixtures"
EXAMPLES = FIXTURES / "check_examples.py"
TRIALS = ["--trials", "8"]


def _ex(name: str) -> str:
    """``path/to/check_examples.py:name``, the file form of MODULE:NAME."""
    return f"{EXAMPLES}:{name}"


def run(capsys, *argv: str) -> tuple[int, str, str]:
    status = main(["check", *argv])
    out, err = capsys.readouterr()
    return status, out, err


# --- exit status 0 and 1 --------------------------------------------------------------------------


def test_a_right_gradient_passes(capsys):
    status, out, err = run(capsys, _ex("sum_of_squares"), _ex("grad_sum_of_squares"), "--shape", "x=5",
                           *TRIALS)
    assert status == 0, out + err
    assert "candidate" in out or "claimed" in out


def test_a_wrong_gradient_fails_with_its_diagnosis_and_seed(capsys):
    status, out, _ = run(capsys, _ex("sum_of_squares"), _ex("grad_sum_of_squares_half"), "--shape", "x=5",
                         "--seed", "11", *TRIALS)
    assert status == 1
    assert "factor" in out and "0.5" in out
    assert "11" in out  # the seed, so the failure can be reproduced


def test_the_failure_prints_the_command_that_reproduces_it(capsys):
    argv = [_ex("sum_of_squares"), _ex("grad_sum_of_squares_half"), "--shape", "x=4", "--seed", "5", *TRIALS]
    status, out, _ = run(capsys, *argv)
    (line,) = [s for s in out.splitlines() if s.strip().startswith("reproduce: ")]
    words = shlex.split(line.split("reproduce: ", 1)[1])
    assert words[:2] == ["chainrule", "check"] and "--seed" in words and "5" in words
    again, out_again, _ = run(capsys, *words[2:])
    assert (again, out_again) == (status, out)


def test_a_transposed_jacobian_of_a_non_square_matrix_fails(capsys):
    status, out, _ = run(capsys, _ex("affine"), _ex("jac_affine_x_transposed"), "--shape", "W=3,4",
                         "--shape", "x=4", "--argnums", "x", *TRIALS)
    assert status == 1
    assert "transpose" in out.lower() or "layout" in out.lower()


def test_a_right_jacobian_wrt_a_named_argument_passes(capsys):
    status, out, err = run(capsys, _ex("affine"), _ex("jac_affine_x"), "--shape", "W=3,4", "--shape", "x=4",
                           "--argnums", "1", "--kind", "jacobian", *TRIALS)
    assert status == 0, out + err


def test_a_defaulted_parameter_keeps_its_default(capsys):
    status, out, err = run(capsys, _ex("loss"), _ex("grad_loss_W"), "--shape", "W=2,3", "--shape", "x=3",
                           "--json", *TRIALS)
    assert status == 0, out + err
    # only W and x are drawn; scale is never given a random value, so both functions use scale = 1.0
    assert [a["name"] for a in json.loads(out)["shapes"]] == ["W", "x"]


def test_domains_reach_the_random_trials(capsys):
    status, out, err = run(capsys, _ex("log_sum"), _ex("grad_log_sum"), "--shape", "x=4",
                           "--domain", "x=positive", *TRIALS)
    assert status == 0, out + err
    # the control: without --domain, x is drawn with negative entries, ln x is not finite, and it fails
    status, out, _ = run(capsys, _ex("log_sum"), _ex("grad_log_sum"), "--shape", "x=4", *TRIALS)
    assert status == 1 and "declare one" in out, out


def test_an_importable_module_is_found_from_the_current_folder(capsys, monkeypatch):
    monkeypatch.chdir(FIXTURES)
    status, out, err = run(capsys, "check_examples:sum_of_squares", "check_examples:grad_sum_of_squares",
                           "--shape", "x=3", *TRIALS)
    assert status == 0, out + err


def test_a_function_that_raises_is_a_failure_not_a_pass(capsys):
    status, _, err = run(capsys, _ex("broken"), _ex("grad_sum_of_squares"), "--shape", "x=3", *TRIALS)
    assert status == 1
    assert "broken on purpose" in err and "RuntimeError" in err


def test_json_prints_one_object_with_the_report_fields(capsys):
    status, out, _ = run(capsys, _ex("sum_of_squares"), _ex("grad_sum_of_squares_half"), "--shape", "x=4",
                         "--seed", "3", "--json", *TRIALS)
    assert status == 1
    report = json.loads(out)
    for key in ("ok", "diagnosis", "max_abs_error", "max_rel_error", "seed"):
        assert key in report, sorted(report)
    assert report["ok"] is False
    assert report["seed"] == 3
    assert "factor" in report["diagnosis"]
    assert report["max_abs_error"] > 0
    assert report["kind"] == "gradient"
    assert report["reproduce"].startswith("chainrule check ") and "--seed 3" in report["reproduce"]


def test_json_of_a_pass(capsys):
    status, out, _ = run(capsys, _ex("sum_of_squares"), _ex("grad_sum_of_squares"), "--shape", "x=4", "--json",
                         *TRIALS)
    report = json.loads(out)
    assert status == 0 and report["ok"] is True and report["diagnosis"] is None


def test_dtype_and_mode_reach_the_checker(capsys):
    status, out, _ = run(capsys, _ex("affine"), _ex("jac_affine_x"), "--shape", "W=3,4", "--shape", "x=4",
                         "--argnums", "x", "--dtype", "float32", "--mode", "probe", "--json", *TRIALS)
    report = json.loads(out)
    assert status == 0 and report["ok"] is True
    assert (report["dtype"], report["mode"]) == ("float32", "probe")
    assert "--dtype float32" in report["reproduce"] and "--mode probe" in report["reproduce"]


def test_plot_writes_a_png(capsys, tmp_path):
    png = tmp_path / "check.png"
    status, _, err = run(capsys, _ex("affine"), _ex("jac_affine_x_transposed"), "--shape", "W=3,3",
                         "--shape", "x=3", "--argnums", "x", "--plot", str(png), *TRIALS)
    assert status == 1
    assert png.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    assert f"wrote {png}" in err


def test_the_console_script_exits_with_the_status():
    exe = pathlib.Path(sys.executable).with_name("chainrule")
    assert exe.exists(), "the chainrule console script is missing: install the package (pip install '.[test]')"
    run_ = subprocess.run([str(exe), "check", _ex("sum_of_squares"), _ex("grad_sum_of_squares_half"),
                           "--shape", "x=3", *TRIALS], capture_output=True, text=True, timeout=300)
    assert run_.returncode == 1, run_.stderr
    assert "factor" in run_.stdout


# --- exit status 2: usage errors ------------------------------------------------------------------


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (["no_such_module_xyz:f", "no_such_module_xyz:g", "--shape", "x=3"],
         "no module named 'no_such_module_xyz'"),
        ([_ex("sum_of_square"), _ex("grad_sum_of_squares"), "--shape", "x=3"],
         "has no attribute 'sum_of_square'; did you mean sum_of_squares"),
        ([_ex("NOT_A_FUNCTION"), _ex("grad_sum_of_squares"), "--shape", "x=3"], "is a int, not a function"),
        ([str(FIXTURES / "missing.py") + ":f", _ex("grad_sum_of_squares"), "--shape", "x=3"], "no such file"),
        (["sum_of_squares", _ex("grad_sum_of_squares"), "--shape", "x=3"], "expected MODULE:NAME"),
        ([_ex("sum_of_squares"), _ex("grad_sum_of_squares"), "--shape", "x"], "expected NAME=SIZES"),
        ([_ex("sum_of_squares"), _ex("grad_sum_of_squares"), "--shape", "x=3,a"], "positive integers"),
        ([_ex("sum_of_squares"), _ex("grad_sum_of_squares"), "--shape", "x=0"], "at least 1"),
        ([_ex("sum_of_squares"), _ex("grad_sum_of_squares"), "--shape", "x=3", "--shape", "x=4"], "given twice"),
        ([_ex("sum_of_squares"), _ex("grad_sum_of_squares"), "--shape", "y=3"],
         "has no parameter named 'y'; its parameters are (x)"),
        ([_ex("affine"), _ex("jac_affine_x"), "--shape", "W=3,4"], "no shape for parameter x"),
        ([_ex("affine"), _ex("jac_affine_x"), "--shape", "x=4"], "no shape for parameter W"),
        ([_ex("sum_of_squares"), _ex("grad_sum_of_squares")], "no shape for parameter x"),
        ([_ex("sum_of_squares"), _ex("grad_sum_of_squares"), "--shape", "x=3", "--domain", "x=imaginary"],
         "unknown domain 'imaginary'"),
        ([_ex("sum_of_squares"), _ex("grad_sum_of_squares"), "--shape", "x=3", "--domain", "y=positive"],
         "--domain: y is not among the arguments"),
        ([_ex("sum_of_squares"), _ex("grad_sum_of_squares"), "--shape", "x=3", "--argnums", "2"],
         "position 2 is out of range"),
        ([_ex("sum_of_squares"), _ex("grad_sum_of_squares"), "--shape", "x=3", "--argnums", "w"],
         "'w' is neither a position nor one of the arguments"),
        ([_ex("sum_of_squares"), _ex("grad_sum_of_squares"), "--shape", "x=3", "--trials", "0"],
         "--trials must be at least 1"),
        ([_ex("sum_of_squares"), _ex("grad_sum_of_squares"), "--shape", "x=3", "--plot", "/no/such/dir/a.png"],
         "does not exist"),
        ([_ex("sum_of_squares"), _ex("grad_sum_of_squares"), "--shape", "x=3", "--plot", "out.txt"],
         "expected a .png, .pdf or .svg"),
    ],
    ids=["unknown-module", "unknown-attribute", "not-callable", "missing-file", "no-colon", "shape-no-equals",
         "shape-not-int", "shape-zero", "shape-twice", "shape-unknown-param", "shape-missing-x",
         "shape-missing-W", "no-shapes", "bad-domain", "domain-unknown-param", "argnums-range",
         "argnums-name", "trials-zero", "plot-folder", "plot-extension"],
)
def test_usage_errors_exit_2_with_a_clear_message(capsys, argv, message):
    status, out, err = run(capsys, *argv)
    assert status == 2
    assert out == ""
    assert err.startswith("chainrule check: ")
    assert message in err, err


def test_shape_syntax_variants():
    from chainrule.reference.cli.check import _parse_shape

    assert _parse_shape("W=3,4") == ("W", (3, 4))
    assert _parse_shape("W=(3, 4)") == ("W", (3, 4))
    assert _parse_shape("W=3x4") == ("W", (3, 4))
    assert _parse_shape("x=5") == ("x", (5,))
    assert _parse_shape("b=") == ("b", ())
    assert _parse_shape("b=()") == ("b", ())


def test_an_import_error_inside_the_users_module_is_reported_as_such(capsys, tmp_path):
    bad = tmp_path / "bad_module.py"
    bad.write_text("import numpy_does_not_exist_xyz\n\ndef f(x):\n    return x\n")
    status, _, err = run(capsys, f"{bad}:f", f"{bad}:f", "--shape", "x=2")
    assert status == 2
    assert "importing" in err and "numpy_does_not_exist_xyz" in err


def test_check_is_listed_in_the_cli_help(capsys):
    with pytest.raises(SystemExit) as exit_:
        main(["--help"])
    assert exit_.value.code == 0
    assert "check" in capsys.readouterr().out


# --- the README's example is a real run -----------------------------------------------------------


def test_the_readme_example_is_what_the_command_prints(capsys, monkeypatch, tmp_path):
    readme = (FIXTURES.parents[1] / "README.md").read_text()
    section = readme.split("### From the command line and pytest", 1)[1]
    filename = re.search(r"With a file `(\w+\.py)`", section).group(1)
    source = re.search(r"```python\n(.*?)```", section, re.S).group(1)
    block = re.search(r"```\n(\$ chainrule check .*?)```", section, re.S).group(1).splitlines()
    command, printed = block[0].removeprefix("$ "), block[1:]
    (tmp_path / filename).write_text(source)
    monkeypatch.chdir(tmp_path)
    module = filename.removesuffix(".py")
    try:
        status, out, err = run(capsys, *shlex.split(command)[2:])
    finally:
        sys.modules.pop(module, None)
    assert status == 1
    assert out.splitlines() + err.splitlines() == printed, "update the README with this real run"
