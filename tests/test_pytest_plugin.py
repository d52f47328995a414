"""The pytest plugin (entry point ``pytest11``): the ``chainrule_check`` fixture in a user's own tests."""

from __future__ import annotations

import re
import subprocess
import sys

# pytester's in-process runs drop every module first imported during a run; JAX's extension modules
# cannot be imported twice in one process, so import them (and the checker) before any run.
import jax  # noqa: F401

import chainrule.reference.check  # noqa: F401

pytest_plugins = ["pytester"]

USER_TESTS = '''
import jax.numpy as jnp
import numpy as np
import pytest


def loss(W, x):
    return jnp.sum(jnp.tanh(W @ x))


def grad_loss_W(W, x):
    return np.outer(1.0 - np.tanh(W @ x) ** 2, x)


def grad_loss_W_half(W, x):
    return 0.5 * grad_loss_W(W, x)


W = np.arange(6.0).reshape(2, 3) / 10
x = np.array([1.0, -2.0, 0.5])


def test_right(chainrule_check):
    report = chainrule_check.gradient(loss, grad_loss_W, W, x, trials=5)
    assert report.ok


def test_wrong(chainrule_check):
    chainrule_check.gradient(loss, grad_loss_W_half, W, x, trials=5, seed=1234)
'''


def test_a_right_gradient_passes_and_a_wrong_one_fails_with_the_diagnosis(pytester):
    pytester.makepyfile(test_user=USER_TESTS)
    result = pytester.runpytest("-p", "no:cacheprovider")
    result.assert_outcomes(passed=1, failed=1)
    text = result.stdout.str()
    assert "test_wrong" in text and "AssertionError" in text
    assert "off by a constant factor" in text  # the diagnosis
    assert "seed 1234" in text  # the seed, to reproduce it
    assert "(candidate)" in text and "(JAX)" in text


def test_the_failure_points_at_the_users_line_not_the_plugins_internals(pytester):
    pytester.makepyfile(test_user=USER_TESTS)
    result = pytester.runpytest("-p", "no:cacheprovider", "-k", "wrong")
    text = result.stdout.str()
    assert "chainrule_check.gradient(loss, grad_loss_W_half" in text
    assert "def _run(" not in text  # frames of the fixture are hidden (__tracebackhide__)


def test_the_plugin_is_loaded_from_the_pytest11_entry_point(pytester):
    pytester.makepyfile(
        test_loaded="""
        def test_loaded(request):
            plugin = request.config.pluginmanager.get_plugin("chainrule")
            assert plugin is not None and plugin.__name__ == "chainrule.reference.pytest_plugin"
        """
    )
    pytester.runpytest("-p", "no:cacheprovider").assert_outcomes(passed=1)


def test_command_line_and_marker_defaults(pytester):
    pytester.makepyfile(
        test_defaults="""
        import jax.numpy as jnp
        import numpy as np
        import pytest

        def f(x):
            return jnp.sum(x * x)

        def grad_f(x):
            return 2 * x

        def test_command_line(chainrule_check):
            report = chainrule_check.gradient(f, grad_f, np.ones(3))
            assert (report.trials, report.seed) == (7, 21)

        @pytest.mark.chainrule(trials=3)
        def test_marker_wins_over_the_command_line(chainrule_check):
            report = chainrule_check.gradient(f, grad_f, np.ones(3))
            assert (report.trials, report.seed) == (3, 21)

        @pytest.mark.chainrule(trials=3)
        def test_a_keyword_wins_over_the_marker(chainrule_check):
            report = chainrule_check.gradient(f, grad_f, np.ones(3), trials=4)
            assert report.trials == 4
            assert len(chainrule_check.reports) == 1
        """
    )
    result = pytester.runpytest("-p", "no:cacheprovider", "--chainrule-trials", "7", "--chainrule-seed", "21")
    result.assert_outcomes(passed=3)


def test_bad_option_and_marker_are_usage_errors(pytester):
    pytester.makepyfile(
        test_bad="""
        import pytest

        @pytest.mark.chainrule(5)
        def test_positional(chainrule_check):
            pass
        """
    )
    result = pytester.runpytest("-p", "no:cacheprovider", "--chainrule-trials", "0")
    assert result.ret == pytest_usage_error()
    assert "--chainrule-trials must be at least 1, got 0" in result.stderr.str()
    result = pytester.runpytest("-p", "no:cacheprovider")
    assert "keyword options only" in result.stdout.str()
    result.assert_outcomes(errors=1)


def pytest_usage_error() -> int:
    import pytest

    return pytest.ExitCode.USAGE_ERROR


def test_loading_the_plugin_imports_neither_jax_nor_matplotlib():
    code = (
        "import sys, chainrule.reference.pytest_plugin\n"
        "heavy = sorted(m for m in sys.modules if m.split('.')[0] in ('jax', 'jaxlib', 'matplotlib'))\n"
        "print(heavy)\n"
        "sys.exit(1 if heavy else 0)\n"
    )
    run = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120)
    assert run.returncode == 0, f"loading the plugin imported {run.stdout}{run.stderr}"


def test_hypothesis_shapes_feed_the_fixture(pytester):
    pytester.makepyfile(
        test_hypo="""
        import jax.numpy as jnp
        import numpy as np
        from hypothesis import HealthCheck, Phase, given, settings

        from chainrule.reference.strategies import arguments

        def f(W, x):
            return jnp.sum((W @ x) ** 2)

        def grad_W(W, x):
            return 2 * np.outer(W @ x, x)

        SETTINGS = settings(max_examples=3, deadline=None, database=None, phases=[Phase.generate],
                            suppress_health_check=[HealthCheck.function_scoped_fixture])

        @SETTINGS
        @given(arguments(W=("m", "n"), x=("n",)))
        def test_right(chainrule_check, args):
            chainrule_check.gradient(f, grad_W, args["W"], args["x"], trials=4, shrink=False)

        @SETTINGS
        @given(arguments(W=("m", "n"), x=("n",)))
        def test_wrong_layout(chainrule_check, args):
            chainrule_check.gradient(f, lambda W, x: 2 * np.outer(x, W @ x), args["W"], args["x"], trials=4,
                                     shrink=False)
        """
    )
    result = pytester.runpytest("-p", "no:cacheprovider")
    result.assert_outcomes(passed=1, failed=1)
    text = result.stdout.str()
    assert "Failing test case" in text or "Falsifying example" in text
    assert "transposed (denominator layout)" in text
    assert "args=arguments(W=(1, 2), x=(2,))" in text  # the failing example: the shapes that were checked
    assert "'W': array(" not in text  # not values the check never used


PROPERTY_TESTS = '''
import json

import jax.numpy as jnp
import numpy as np
from hypothesis import given, settings

import chainrule
from chainrule.reference.strategies import arguments

DEFAULTS = settings.get_profile("default")  # Hypothesis's own defaults, whatever profile is loaded


def f(W, x):
    return jnp.sum(jnp.tanh(W @ x))


def grad_W(W, x):
    return np.outer(1.0 - np.tanh(W @ x) ** 2, x)


def grad_W_half(W, x):
    return 0.5 * grad_W(W, x)


def log(name, args, **more):
    with open(f"{name}.jsonl", "a") as fh:
        fh.write(json.dumps({"shapes": [list(s) for s in args.shapes.values()], **more}) + "\\n")


@settings(DEFAULTS)
@given(arguments(W=("m", "n"), x=("n",)))
def test_wrong_with_the_fixture(chainrule_check, args):
    log("fixture", args, checks=len(chainrule_check.reports))
    chainrule_check.gradient(f, grad_W_half, args["W"], args["x"])


@settings(DEFAULTS)
@given(arguments(W=("m", "n"), x=("n",)))
def test_wrong_with_assert_gradient(args):
    log("direct", args)
    chainrule.assert_gradient(f, grad_W_half, args["W"], args["x"])


@settings(DEFAULTS, deadline=None)  # the first check at each shape compiles for longer than 200 ms
@given(arguments(W=("m", "n"), x=("n",)))
def test_right_with_the_fixture(chainrule_check, args):
    log("right", args)
    report = chainrule_check.gradient(f, grad_W, args["W"], args["x"])
    assert report.ok and report.trials == 20
'''


def _logged(pytester, name):
    import json

    return [json.loads(line) for line in (pytester.path / f"{name}.jsonl").read_text().splitlines()]


def test_a_failing_property_test_checks_each_shape_once_and_prints_what_it_checked(pytester):
    # At Hypothesis's default settings (shrinking and the explain phase on): before, every example ran
    # a full check (100 trials, shape-shrinking retries), Hypothesis went through ~110 examples over ~30
    # shapes (each a compilation), and printed array values the check never used.
    pytester.makepyfile(test_props=PROPERTY_TESTS)
    result = pytester.runpytest("-p", "no:cacheprovider")
    result.assert_outcomes(passed=1, failed=2)  # no function_scoped_fixture health check for the fixture
    text = result.stdout.str()
    for name in ("fixture", "direct", "right"):
        calls = [tuple(map(tuple, c["shapes"])) for c in _logged(pytester, name)]
        assert len(set(calls)) <= 12, name  # m ≠ n in 1…4: twelve shapes at most, each compiled once
        assert len(calls) <= len(set(calls)) + 3, name  # a shape again only to replay the failing example
    fixture = _logged(pytester, "fixture")
    assert [c["checks"] for c in fixture] == list(range(len(fixture)))  # one check per example
    # what was checked: the shapes (Hypothesis's failing example), the seed and the call that reproduces it
    # (pytest repeats each failure in its short summary where CI is set: look at the failing-case blocks)
    for test in ("test_wrong_with_the_fixture", "test_wrong_with_assert_gradient"):
        assert re.search(rf"Failing test case: {test}\([\s\S]{{0,160}}?args=arguments\(W=\(1, 2\), x=\(2,\)\)",
                         text), test
    assert "'W': array(" not in text
    assert "seed 0, trial" in text
    assert ("reproduce: chainrule.check_gradient(test_props.f, test_props.grad_W_half, np.zeros((1, 2), "
            "'float64'), np.zeros((2,), 'float64'), argnums=0, trials=20, seed=0)") in text
    assert "note: run inside a Hypothesis test with trials=20, shrink=False" in text
    assert "chainrule_check=ChainruleCheck(defaults={})" in text


def test_inside_a_hypothesis_test_checks_run_fewer_trials_unless_told_otherwise():
    import numpy as np
    from hypothesis import given, settings
    from hypothesis import strategies as st

    from chainrule.reference.pytest_plugin import ChainruleCheck

    def f(x):
        return (x ** 3).sum()

    def grad(x):
        return 3 * x ** 2

    check = ChainruleCheck()
    outside = check.gradient(f, grad, np.ones(3))
    assert outside.trials == 100 and not any("Hypothesis" in n for n in outside.notes)

    @settings(max_examples=1, database=None, deadline=None)
    @given(st.just(None))
    def inside(_):
        implicit = check.gradient(f, grad, np.ones(3))
        assert implicit.trials == 20 and any("trials=20, shrink=False" in n for n in implicit.notes)
        told = ChainruleCheck({"trials": 7}).gradient(f, grad, np.ones(3))
        assert told.trials == 7 and any("with shrink=False" in n for n in told.notes)
        both = check.gradient(f, grad, np.ones(3), trials=5, shrink=True)
        assert both.trials == 5 and not any("Hypothesis" in n for n in both.notes)

    inside()
