"""chainrule.analytic.scalar (§2, RULES S-1 … S-8): the paper's worked numbers, backends, dtypes and bad input."""

from __future__ import annotations

import jax
import jax.numpy as jnp
import numpy as np
import pytest

from chainrule.analytic import scalar as sc
from chainrule.reference.autodiff import gradient, x64

# (derivative, primal, keyword constants, a point in the domain)
RULES = [
    (sc.grad_constant_x, sc.constant, {}, -1.5),
    (sc.grad_constant_x, sc.constant, {"c": -2.5}, 0.75),
    (sc.grad_times_constant_x, sc.times_constant, {}, -1.5),
    (sc.grad_constant_times_square_x, sc.constant_times_square, {"c": -0.5}, 1.25),
    (sc.grad_power_x, sc.power, {}, -1.5),
    (sc.grad_power_x, sc.power, {"n": -2}, -1.5),
    (sc.grad_power_x, sc.power, {"n": 0.5}, 1.5),
    (sc.grad_power_x, sc.power, {"n": -1.5}, 0.5),
    (sc.grad_square_plus_multiple_x, sc.square_plus_multiple, {}, -1.5),
    (sc.grad_square_minus_multiple_x, sc.square_minus_multiple, {"c": 0.25}, -1.5),
    (sc.grad_square_times_self_x, sc.square_times_self, {}, -1.5),
    (sc.grad_log_of_square_x, sc.log_of_square, {}, -1.5),
    (sc.grad_scaled_sum_x, sc.scaled_sum, {}, -1.5),
]
IDS = [f"{d.__name__}{kw or ''}" for d, _, kw, _ in RULES]


# --- the paper's worked examples, exactly --------------------------------------------------------


@pytest.mark.parametrize(
    ("derivative", "kwargs", "x", "expected"),
    [
        (sc.grad_constant_x, {}, 5.0, 0.0),  # d/dx 99 = 0
        (sc.grad_times_constant_x, {}, 5.0, 3.0),  # d/dx 3x = 3
        (sc.grad_power_x, {}, 2.0, 12.0),  # d/dx x³ = 3x²
        (sc.grad_power_x, {}, -2.0, 12.0),
        (sc.grad_square_plus_multiple_x, {}, 2.0, 7.0),  # 2x + 3
        (sc.grad_square_minus_multiple_x, {}, 2.0, 1.0),  # 2x − 3
        (sc.grad_square_times_self_x, {}, 2.0, 12.0),  # x² + x·2x = 3x²
        (sc.grad_log_of_square_x, {}, 4.0, 0.5),  # 2/x
        (sc.grad_log_of_square_x, {}, -2.0, -1.0),
        (sc.grad_scaled_sum_x, {}, 1.0, 27.0),  # 9 + 18x
        (sc.grad_scaled_sum_x, {}, 0.0, 9.0),
        # the general forms
        (sc.grad_power_x, {"n": -2}, 2.0, -0.25),  # −2x⁻³
        (sc.grad_power_x, {"n": 0.5}, 4.0, 0.25),  # ½ x^−½
        (sc.grad_power_x, {"n": 1}, -3.0, 1.0),
        (sc.grad_power_x, {"n": 0}, 0.0, 0.0),  # x⁰ = 1, a constant, also at 0
        (sc.grad_constant_times_square_x, {"c": -0.5}, 2.0, -2.0),  # c·2x
        (sc.grad_times_constant_x, {"c": -0.5}, 2.0, -0.5),
    ],
)
def test_paper_examples_exact(derivative, kwargs, x, expected):
    assert float(derivative(np.asarray(x), **kwargs)) == expected


def test_product_rule_terms_equal_the_power_rule():
    # S-6 on x²·x must equal S-3 on x³ (the paper: "= 3x²"), and the primals agree too.
    xs = np.linspace(-3.0, 3.0, 13)
    for x in xs:
        assert float(sc.grad_square_times_self_x(x)) == pytest.approx(float(sc.grad_power_x(x, n=3)), rel=1e-15)
        assert float(sc.square_times_self(x)) == pytest.approx(float(sc.power(x, n=3)), rel=1e-15)


def test_linearity_of_the_derivative_operator():
    # S-8: d/dx 9(x + x²) = 9 (d/dx x + d/dx x²), built from S-3's pieces.
    for x in (-2.0, 0.5, 3.0):
        pieces = 9.0 * (float(sc.grad_power_x(x, n=1)) + float(sc.grad_power_x(x, n=2)))
        assert float(sc.grad_scaled_sum_x(x)) == pieces


@pytest.mark.parametrize(("derivative", "primal", "kwargs", "x"), RULES, ids=IDS)
def test_jax_agrees_at_a_point(derivative, primal, kwargs, x):
    expected = gradient(lambda t: primal(t, **kwargs), x)
    np.testing.assert_allclose(derivative(np.asarray(x), **kwargs), expected, rtol=1e-14, atol=0)


# --- backends and dtypes ------------------------------------------------------------------------------


def test_python_float_in_gives_float64_scalar():
    out = sc.grad_log_of_square_x(2.0)
    assert isinstance(out, np.ndarray) and out.dtype == np.float64 and float(out) == 1.0


# --- bad input ------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("call", "exc", "text"),
    [
        (lambda: sc.grad_log_of_square_x(np.asarray(0.0)), ValueError, "x: ln(x²) is defined only where x ≠ 0"),
        (lambda: sc.log_of_square(0.0), ValueError, "move x off 0"),
        (lambda: sc.grad_power_x(np.asarray(0.0), n=-2), ValueError, "negative exponent n = -2"),
        (lambda: sc.grad_power_x(np.asarray(-1.0), n=0.5), ValueError, "x > 0"),
        (lambda: sc.power(np.asarray(-1.0), n=0.5), ValueError, "non-integer exponent n = 0.5"),
        (lambda: sc.grad_power_x(np.asarray(2), n=3), TypeError, "x: expected a real floating array"),
        (lambda: sc.grad_scaled_sum_x(np.arange(3)), TypeError, "got int64"),
        (lambda: sc.grad_power_x(np.ones(3)), ValueError, "x: expected a scalar x (§2's rules are scalar"),
        (lambda: sc.grad_log_of_square_x(np.ones((1,))), ValueError, "got shape (1,)"),
        (lambda: sc.grad_power_x(np.asarray(2.0), n=True), TypeError, "n: expected a real Python number"),
        (lambda: sc.grad_power_x(np.asarray(2.0), n=np.ones(1)), TypeError, "n: expected a real Python number"),
        (lambda: sc.grad_times_constant_x(np.asarray(2.0), c="3"), TypeError, "c: expected a real Python number"),
        (lambda: sc.grad_constant_x(np.asarray(2.0), c=float("nan")), ValueError, "c: expected a finite number"),
        (lambda: sc.grad_square_times_self_x([1.0]), TypeError, "x: expected an array"),
    ],
)
def test_bad_input_raises_with_a_message_naming_the_argument(call, exc, text):
    with pytest.raises(exc) as info:
        call()
    assert text in str(info.value)


def test_domain_check_is_skipped_inside_jit_where_values_are_unknown():
    # Under jit the value is a tracer, unknown at trace time: no ValueError, 2/0 runs and gives inf.
    with x64():
        f = jax.jit(sc.grad_log_of_square_x)
        assert float(f(jnp.asarray(-4.0))) == -0.5
        assert np.isinf(float(f(jnp.asarray(0.0))))
