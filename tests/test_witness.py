"""An honest witness (chainrule.reference.witness): its bounds hold at hard points, it says "undecided" where
no derivative exists, it picks the complex step only where that is sound, and it can prove a value wrong."""

from __future__ import annotations

import ast
import math
import pathlib
from math import factorial

import jax
import jax.numpy as jnp
import jax.scipy.special as jss
import numpy as np
import pytest

from chainrule.reference.witness import (
    WitnessEstimate,
    decides,
    directional_derivative,
    outside,
    second_directional_derivative,
    within,
)

ROOT = pathlib.Path(__file__).resolve().parents[1]


# --- closed forms, written here (no scipy): the truths the witness is held to ------------------------------


def i0_series(x, terms=40):
    """I0(x) = Σ (x²/4)^k / (k!)²; works on complex x, so the complex step applies."""
    return sum((x * x / 4) ** k / factorial(k) ** 2 for k in range(terms))


def i1_series(x, terms=40):
    """I1(x) = Σ (x/2)^{2k+1} / (k!(k+1)!) = I0'(x)."""
    return sum((x / 2) ** (2 * k + 1) / (factorial(k) * factorial(k + 1)) for k in range(terms))


def j0_series(x, terms=30):
    """J0(x) = Σ (−1)^k (x²/4)^k / (k!)²."""
    return sum((-1) ** k * (x * x / 4) ** k / factorial(k) ** 2 for k in range(terms))


def j1_series(x, terms=30):
    """J1(x) = Σ (−1)^k (x/2)^{2k+1} / (k!(k+1)!) = −J0'(x)."""
    return sum((-1) ** k * (x / 2) ** (2 * k + 1) / (factorial(k) * factorial(k + 1)) for k in range(terms))


_T30 = np.polynomial.Chebyshev.basis(30)  # a polynomial of degree 30, 30 roots in [-1, 1]


def _t30_slope(x):
    """T_n'(cos θ) = n sin(nθ) / sin θ."""
    th = math.acos(x)
    return 30 * math.sin(30 * th) / math.sin(th)


#: name: (f, x, f'(x)), at points where finite differences are hard
HARD_POINTS = {
    "exp at 0": (np.exp, 0.0, 1.0),
    "exp at 50": (np.exp, 50.0, math.exp(50)),
    "sin near pi": (np.sin, math.pi - 1e-3, math.cos(math.pi - 1e-3)),
    "sin at pi": (np.sin, math.pi, -1.0),
    "log near 1e-8": (np.log, 1e-8, 1e8),
    "cube at 0": (lambda x: x**3, 0.0, 0.0),
    "sqrt near 1e-12": (np.sqrt, 1e-12, 0.5e6),
    "1/x at 1e-6": (lambda x: 1 / x, 1e-6, -1e12),
    "1/x at -1e-3": (lambda x: 1 / x, -1e-3, -1e6),
    "tanh at 20": (np.tanh, 20.0, 1 / math.cosh(20) ** 2),
    "Chebyshev T30 at 0.9": (_T30, 0.9, _t30_slope(0.9)),
    "x sin(1/x) at 0.3": (lambda x: x * np.sin(1 / x), 0.3, math.sin(1 / 0.3) - math.cos(1 / 0.3) / 0.3),
    "x sin(1/x) at 0.05": (lambda x: x * np.sin(1 / x), 0.05, math.sin(20) - math.cos(20) / 0.05),
    "I0 at 0": (i0_series, 0.0, 0.0),
    "I0 at 1.5": (i0_series, 1.5, i1_series(1.5)),
    "J0 at 0.001": (j0_series, 1e-3, -j1_series(1e-3)),
    "J0 at -0.01": (j0_series, -1e-2, -j1_series(-1e-2)),
}


def _not_loose(error, real_error, truth):
    """A bound is useful when within 1e6 of the real error, or below 1e-10 relative to max(1, |truth|)."""
    return error <= max(1e6 * real_error, 1e-10 * max(1.0, abs(truth)))


@pytest.mark.parametrize("complex_step", [None, False], ids=["complex-step-allowed", "real-differences-only"])
@pytest.mark.parametrize("case", list(HARD_POINTS))
def test_the_bound_holds_at_hard_points_and_is_not_uselessly_loose(case, complex_step):
    f, x, truth = HARD_POINTS[case]
    est = directional_derivative(lambda t: f(x + t), complex_step=complex_step)
    real_error = abs(float(est.value) - truth)
    assert est.decided, f"{case}: undecided ({est.reason}); value {est.value} ± {est.error}, truth {truth}"
    assert real_error <= est.error, f"{case}: |{float(est.value)!r} − {truth!r}| = {real_error:.3g} > bound {est.error}"
    assert _not_loose(float(est.error), real_error, truth), f"{case}: bound {est.error} vs real error {real_error:.3g}"
    assert est.method == ("richardson" if complex_step is False else "complex-step"), est.method


def test_the_bound_holds_on_a_batch_of_points_entry_by_entry():
    """Many points in one call (the audit's way): every entry carries its own bound."""
    x = np.array([-3.0, -0.5, 1e-6, 0.7, 2.0, 11.0])
    est = directional_derivative(lambda t: np.arctan(x + t) + np.exp(-(x + t) ** 2), complex_step=False)
    truth = 1 / (1 + x * x) - 2 * x * np.exp(-x * x)
    assert est.value.shape == x.shape and est.error.shape == x.shape
    assert est.decided_each.all(), est.decided_each
    assert np.all(np.abs(est.value - truth) <= est.error), (est.value - truth, est.error)


def test_the_real_differences_alone_see_tanh_at_20_only_as_zero_within_their_noise():
    """sech²(20) = 1.7e-17 is below the rounding of 1 − tanh: the real differences can only bound it."""
    est = directional_derivative(lambda t: np.tanh(20.0 + t), complex_step=False)
    truth = 1 / math.cosh(20) ** 2
    assert abs(float(est.value) - truth) <= est.error
    assert est.error > truth  # the bound is honest about not resolving the slope
    assert directional_derivative(lambda t: np.tanh(20.0 + t)).error < 1e-3 * truth  # the complex step does


# --- where no derivative exists ----------------------------------------------------------------------------


UNDECIDABLE = {
    "|x| at 0 (a kink)": lambda t: abs(t),
    "jnp.abs at 0": lambda t: jnp.abs(jnp.float64(t)),
    "max(x, 0) at 0 (ReLU's kink)": lambda t: np.maximum(t, 0.0),
    "a jump at 0": lambda t: 1.0 if t > 0 else 0.0,
    "NaN everywhere": lambda t: float("nan") * t,
    "NaN at 0 only": lambda t: np.sin(t) / t,
    "raises at 0": lambda t: 1 / t,
    "sqrt at 0 (infinite slope)": lambda t: np.sqrt(t),
    "log outside its domain": lambda t: np.log(-1.0 + t),
    "sign at 0": lambda t: np.sign(t),
    "tan at the double nearest pi/2 (the pole lies between two doubles)": lambda t: np.tan(math.pi / 2 + t),
    "1/x at 1e-300 (a spike no step resolves)": lambda t: 1 / (1e-300 + t),
}


@pytest.mark.parametrize("case", list(UNDECIDABLE))
def test_points_without_a_derivative_come_back_undecided(case):
    with jax.enable_x64(True):
        est = directional_derivative(UNDECIDABLE[case])
    assert not est.decided, f"{case}: decided {est.value} ± {est.error} ({est.method})"
    assert est.reason


def test_a_function_rounded_to_float32_inside_is_not_taken_for_flat():
    """Rounded to float32, sin(1 + t) is constant over small steps: those plateaus must not claim 0 ± 0."""
    est = directional_derivative(lambda t: np.float64(np.float32(np.sin(1.0 + t))), complex_step=False)
    assert not est.decided or abs(float(est.value) - math.cos(1.0)) <= est.error, est
    assert abs(float(est.value) - math.cos(1.0)) < 1e-3, est  # the wide steps did see the slope


def test_at_a_kink_the_one_sided_slopes_disagree_even_though_the_central_one_converges():
    """|x| differences centrally to exactly 0 at every step; only the one-sided slopes (±1) reveal the kink."""
    est = directional_derivative(lambda t: abs(t), complex_step=False)
    assert float(est.value) == 0.0 and float(est.error) < 1e-12  # what the central tableau alone would claim
    assert not est.decided


def test_one_entry_at_a_kink_leaves_the_others_decided():
    x = np.array([-1.0, 0.0, 2.0])
    est = directional_derivative(lambda t: np.abs(x + t) ** 3 + np.abs(x + t))
    assert est.decided_each.tolist() == [True, False, True]
    assert not est.decided
    np.testing.assert_allclose(est.value[[0, 2]], [-4.0, 13.0], rtol=1e-9)


def test_at_a_domain_edge_one_side_decides_and_the_method_says_which():
    forward = directional_derivative(lambda t: t * np.sqrt(t) + 2 * t)  # defined for t >= 0 only
    backward = directional_derivative(lambda t: -t * np.sqrt(-t) + 2 * t)  # t <= 0 only
    for est in (forward, backward):
        assert est.decided and abs(float(est.value) - 2.0) <= est.error < 1e-6, est
    assert forward.method == "richardson-forward" and backward.method == "richardson-backward"


def test_steps_shrink_into_the_domain():
    """log(1e-8 + t) is NaN for t < −1e-8: the steps below that decide, the wider ones are dropped."""
    est = directional_derivative(lambda t: np.log(1e-8 + t), complex_step=False)
    assert est.decided and abs(float(est.value) - 1e8) <= est.error
    assert max(est.steps) > 1e-8 > min(est.steps)


# --- which method ------------------------------------------------------------------------------------------


def test_the_complex_step_is_used_where_g_is_holomorphic():
    with jax.enable_x64(True):
        est = directional_derivative(lambda t: jnp.sin(1.0 + t) * jnp.exp(t))
    assert est.method == "complex-step" and est.decided
    assert abs(float(est.value) - (math.cos(1.0) + math.sin(1.0))) <= est.error < 1e-13


@pytest.mark.parametrize("case, g", [
    ("jnp.abs returns real numbers", lambda t: jnp.abs(1.0 + t)),
    ("float() rejects complex numbers", lambda t: math.sin(float(1.0 + t))),
    ("jax.scipy.special.i0 rejects complex dtypes", lambda t: jss.i0(0.5 + t)),
    ("jnp.sign(z) = z/|z| is not holomorphic: the real differences contradict it", lambda t: jnp.sign(1.0 + t)),
], ids=["abs", "float", "i0", "sign"])
def test_the_complex_step_is_not_used_where_g_is_not_holomorphic_capable(case, g):
    with jax.enable_x64(True):
        est = directional_derivative(g)
    assert est.method == "richardson", f"{case}: {est.method}"
    assert est.decided


def test_jnp_maximum_is_holomorphic_away_from_its_tie_so_either_method_gives_its_slope():
    """jnp.maximum compares complex numbers lexicographically: max(1 + ih, 0) = 1 + ih, a sound complex step."""
    with jax.enable_x64(True):
        for x, slope in ((1.0, 1.0), (-1.0, 0.0)):
            est = directional_derivative(lambda t, x=x: jnp.maximum(x + t, 0.0))
            assert est.decided and abs(float(est.value) - slope) <= est.error < 1e-12, (x, est)
        assert not directional_derivative(lambda t: jnp.maximum(t, 0.0)).decided  # the tie


def test_complex_step_true_forces_it_and_says_when_it_cannot():
    est = directional_derivative(lambda t: np.exp(t), complex_step=True)
    assert est.method == "complex-step" and abs(float(est.value) - 1.0) <= est.error
    with pytest.raises(ValueError, match="cannot be differentiated by the complex step"):
        directional_derivative(lambda t: math.exp(float(t)), complex_step=True)


# --- second derivatives ------------------------------------------------------------------------------------


def test_mixed_second_differences_bound_the_truth():
    cases = [
        (lambda s, t: np.sin(1.0 + s + 2 * t), -2 * math.sin(1.0)),
        (lambda s, t: np.exp(0.3 + s) * np.log(2.0 + t), math.exp(0.3) / 2),
        (lambda s, t: (s + 1.0) ** 3 * (t - 2.0) ** 2, 3 * 2 * -2.0),
        (lambda s, t: np.log(1e-4 + s + t), -1e8),
    ]
    for h, truth in cases:
        est = second_directional_derivative(h)
        assert est.decided and abs(float(est.value) - truth) <= est.error, (truth, est)
        assert _not_loose(float(est.error), abs(float(est.value) - truth), truth), (truth, est)


def test_mixed_second_differences_at_a_kink_are_undecided():
    assert not second_directional_derivative(lambda s, t: np.abs(s + t)).decided


# --- arbitration: the witness can prove a value wrong ------------------------------------------------------


def test_decides_rejects_a_deliberately_wrong_value():
    est = directional_derivative(lambda t: np.sin(1.0 + t))
    right, wrong = math.cos(1.0), math.cos(1.0) * (1 + 1e-4)
    assert decides(est, right, wrong, rtol=1e-7, atol=0.0) == "candidate"
    assert decides(est, wrong, right, rtol=1e-7, atol=0.0) == "jax"
    assert decides(est, right, right, rtol=1e-7, atol=0.0) == "undecided"  # both within
    assert decides(est, -right, wrong, rtol=1e-7, atol=0.0) == "undecided"  # neither
    assert decides(est, right, float("nan"), rtol=1e-7, atol=0.0) == "candidate"  # a NaN misses everything
    assert decides(est, right, right * (1 + 1e-8), rtol=1e-7, atol=0.0) == "undecided"  # within tolerance


def test_an_undecided_witness_decides_nothing():
    est = directional_derivative(lambda t: abs(t))
    assert decides(est, 0.0, 1.0, rtol=1e-7, atol=1e-12) == "undecided"
    assert not within(est, 0.0, rtol=1e-7, atol=1e-12).any()
    assert not outside(est, 1.0, rtol=1e-7, atol=1e-12).any()


def test_the_witness_proves_jax_wrong_about_i0_at_0_and_j0_near_0():
    """JAX 0.10: d/dx i0 at 0 is 1 (truth I1(0) = 0); d/dx J0 at 0.001 is −51000 (truth −J1(0.001))."""
    with jax.enable_x64(True):
        i0 = directional_derivative(lambda t: jss.i0(jnp.float64(t)))
        jax_i0 = float(jax.grad(jss.i0)(0.0))
        j0 = directional_derivative(lambda t: jss.bessel_jn(1e-3 + jnp.float64(t), v=2)[0])
        jax_j0 = float(jax.grad(lambda x: jss.bessel_jn(x, v=2)[0])(1e-3))
    assert i0.method == j0.method == "richardson"  # neither takes complex input
    assert decides(i0, i1_series(0.0), jax_i0, rtol=1e-7, atol=1e-12) == ("candidate" if jax_i0 != 0 else "undecided")
    assert decides(j0, -j1_series(1e-3), jax_j0, rtol=1e-7, atol=1e-12) == (
        "candidate" if abs(jax_j0 + j1_series(1e-3)) > 1e-6 else "undecided")


def test_decides_checks_its_arguments():
    est = directional_derivative(lambda t: np.array([np.sin(t), np.cos(t)]))
    with pytest.raises(ValueError, match=r"shaped like the witness's value \(2,\)"):
        decides(est, np.zeros(3), np.zeros(2), rtol=1e-7, atol=0.0)
    with pytest.raises(ValueError, match="rtol: expected a finite number >= 0"):
        decides(est, np.zeros(2), np.zeros(2), rtol=-1.0, atol=0.0)


# --- bad input and the independence promise ----------------------------------------------------------------


def test_bad_input_gets_a_clear_error():
    with pytest.raises(ValueError, match="scale: expected a positive finite step scale"):
        directional_derivative(np.sin, scale=0.0)
    with pytest.raises(TypeError, match="complex_step: expected None, True or False"):
        directional_derivative(np.sin, complex_step="yes")  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="same shape at every t"):
        directional_derivative(lambda t: np.zeros(2) if t == 0 else np.zeros(3))
    with pytest.raises(TypeError, match="differentiates real functions"):
        directional_derivative(lambda t: np.exp(1j * t), complex_step=False)


def test_the_estimate_is_a_frozen_record():
    est = directional_derivative(np.sin)
    assert isinstance(est, WitnessEstimate)
    with pytest.raises(AttributeError):
        est.value = np.zeros(())  # type: ignore[misc]


def test_the_witness_never_touches_jax_autodiff():
    tree = ast.parse((ROOT / "reference" / "witness.py").read_text())
    imported = {a.name.split(".")[0] for n in ast.walk(tree) if isinstance(n, ast.Import) for a in n.names}
    imported |= {n.module.split(".")[0] for n in ast.walk(tree) if isinstance(n, ast.ImportFrom) and n.module}
    assert "numpy" in imported and "jax" not in imported, imported
