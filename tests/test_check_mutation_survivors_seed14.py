"""Behaviour tests that kill the seed-14 sample's surviving mutants (issue 16), a fresh sample of the code
after the seed-13 survivors were dealt with. Each names the mutant it kills and was checked against it by hand.
"""

from __future__ import annotations

import jax.numpy as jnp
import numpy as np
import pytest

from chainrule import check_gradient, check_jacobian

#: the kink scan's step at |x| ≤ 1 in float64: one-sided derivatives are taken at x ∓ h·e_j
H = float(np.sqrt(np.finfo(np.float64).eps))


def _two_kinks(second):
    """Σ relu(x) + relu(x − second): kinks at 0 and at ``second``, a step and a half away from 0."""
    def f(x):
        return jnp.sum(jnp.maximum(x, 0.0) + jnp.maximum(x - second, 0.0))
    return f


def _steps(second, at_zero):
    def grad(x):
        x = np.asarray(x)
        return np.where(x == 0, at_zero, (x > 0).astype(float) + (x > second).astype(float))
    return grad


@pytest.mark.parametrize(("second", "at_zero", "sides"), [(1.5 * H, 1.5, "[0, 1]"), (-1.5 * H, 0.5, "[1, 2]")])
def test_a_second_kink_a_step_and_a_half_away_does_not_widen_the_one_sided_derivatives(second, at_zero, sides):
    """At x = 0 the one-sided derivatives of Σ relu(x) + relu(x − s), s = ±1.5h, are [0, 1] (s > 0) or [1, 2]
    (s < 0); a candidate giving 1.5 or 0.5 there is wrong. Taken 2h away instead of h the scan crosses the
    second kink and reads [0, 2], a false pass (kills the right step `+1.0` → `+2.0`, and the left `−1.0` →
    `−2.0`, a seed-12 survivor first taken for equivalent)."""
    r = check_gradient(_two_kinks(second), _steps(second, at_zero), np.zeros(4))
    assert not r.ok and r.diagnosis == (f"wrong at a kink: at entry (0,) the candidate gives {at_zero:g}, outside "
                                        f"JAX's one-sided derivatives {sides}"), r.diagnosis
    right = check_gradient(_two_kinks(second), _steps(second, 1.0 if second > 0 else 1.5), np.zeros(4))
    assert right.ok, right.diagnosis


def test_a_candidate_that_writes_into_its_input_stops_the_check_at_that_trial():
    """An in-place write into x is a failure that ends the check: stopped, one failing trial, the other 99 not
    run, and the summary says so (kills `stopped=True` → `False`, which counted all 100 as failing)."""
    def grad_in_place(x):
        x[x < 0] = 0.0
        return np.cos(x)

    r = check_gradient(lambda x: jnp.sum(jnp.sin(x)), grad_in_place, np.zeros(3))
    assert not r.ok and r.stopped and r.failures == 1 and r.trial == 0
    assert r.diagnosis.startswith("the candidate mutates its input x")
    assert "the check stopped at this trial (the remaining 99 were not run)" in str(r).splitlines()[0]


def test_four_scattered_wrong_entries_are_all_named():
    """A 10 × 10 Jacobian wrong at 4 scattered entries: the diagnosis names all four positions (kills
    `[:4]` → `[:3]`, which dropped the fourth)."""
    def jac(x):
        J = np.diag(np.cos(x))
        for i, j in ((0, 1), (2, 3), (5, 7), (8, 2)):
            J[i, j] += 1.0
        return J

    r = check_jacobian(jnp.sin, jac, np.zeros(10))
    assert r.diagnosis == "4 wrong entries of 100 at (0, 1), (2, 3), (5, 7), (8, 2) (the others agree)", r.diagnosis


def test_a_candidate_wrong_near_the_kink_in_every_trial_is_not_called_wrong_only_near_a_kink():
    """∂ Σ relu(x) over 100 entries with an extra 0.5 wherever |x| < 0.1: every draw has such entries, so every
    trial fails. "Wrong only near a kink" is said of failures confined to some trials (the kink scan, a compiled
    program, runs only then); here the wrong entries are listed (kills `P.dense and …` → `P.dense or …`, which
    scanned anyway and said "wrong only near a kink … and 0 of 100 trials pass")."""
    def bumped_step(x):
        x = np.asarray(x)
        return (x > 0).astype(float) + 0.5 * (np.abs(x) < 0.1)

    r = check_gradient(lambda x: jnp.sum(jnp.maximum(x, 0.0)), bumped_step, np.zeros(100))
    assert not r.ok and r.failures == 100
    assert r.diagnosis == "5 wrong entries of 100 at (15,), (38,), (50,), (69,), … (the others agree)", r.diagnosis


def test_counts_in_words_say_zero_in_the_plural():
    """plural: "1 trial", "0 trials", "2 entries at a kink" (kills `n == 1` → `n <= 1`, "0 trial")."""
    from chainrule.reference.checker.outcome import plural

    assert [plural(n, "trial") for n in (0, 1, 2)] == ["0 trials", "1 trial", "2 trials"]
    assert [plural(n, "entry", "entries") for n in (0, 1, 2)] == ["0 entries", "1 entry", "2 entries"]


def test_an_all_zero_gradient_is_a_missing_derivative_even_with_atol_zero():
    """atol=0 and a candidate returning zeros: still "derivative missing for argument 0 (x)", since |0| ≤ atol
    (kills `<= tol.atol` → `<`, under which 0 < 0 fell through to the generic "zero where JAX is not")."""
    r = check_gradient(lambda x: jnp.sum(jnp.sin(x)), lambda x: np.zeros_like(x), np.zeros(3), atol=0.0)
    assert r.diagnosis == "derivative missing for argument 0 (x) (zero where JAX is not)", r.diagnosis


def test_a_varying_factor_is_shown_with_three_significant_digits():
    """2x·(1.5 + 0.1·tanh x₀) for ∇Σx²: the factor varies from trial to trial and is no number people write
    otherwise, so its first four distinct values are shown as 1.48, 1.43, … (kills `digits=3` → `digits=2`,
    "1.5, 1.4")."""
    def scaled(x):
        return 2 * x * (1.5 + 0.1 * np.tanh(x[0]))

    r = check_gradient(lambda x: jnp.sum(x**2), scaled, np.zeros(4), shrink=False)
    assert r.diagnosis == ("proportional to JAX in each trial, but the factor varies with the inputs (1.48, 1.43, "
                           "1.44, 1.58, …): a missing input-dependent scalar factor"), r.diagnosis


def test_a_factor_that_changes_in_a_few_trials_late_in_the_run_is_still_seen_to_vary():
    """cos(x) times 3 where x₀ > 1.5 and 2 elsewhere: every failing trial is examined, so the diagnosis is the
    varying factor (2, 3). Found from the survivor `fails[:10]` → `fails[:11]`: the first ten failing trials
    alone all had factor 2, and the diagnosis was the reported (worst) trial's "off by a constant factor 3 (= N
    with N = 3: a missing 1/N …)", untrue twice over."""
    def rarely_three(x):
        return np.cos(x) * (3.0 if x[0] > 1.5 else 2.0)

    r = check_gradient(lambda x: jnp.sum(jnp.sin(x)), rarely_three, np.zeros(3), shrink=False)
    assert r.diagnosis == ("proportional to JAX in each trial, but the factor varies with the inputs (2, 3): a "
                           "missing input-dependent scalar factor"), r.diagnosis


def test_a_wrong_shape_that_broadcasts_says_so():
    """A gradient of Σ sin(x), x of 3 entries, returned as the one-entry array [Σx]: shape (1,) broadcasts
    against (3,), and the diagnosis says a derivative of one shape is not one of the other (kills
    `broadcasts = True` → `False`, which gave only the numerator-layout text)."""
    r = check_gradient(lambda x: jnp.sum(jnp.sin(x)), lambda x: np.array([x.sum()]), np.zeros(3))
    assert r.diagnosis == ("wrong shape: claimed (1,), JAX (3,) (they broadcast together, but a derivative of "
                           "shape (1,) is not one of shape (3,))"), r.diagnosis


@pytest.mark.parametrize(("term", "ids"), [("REF-8.1", {"P-2", "M-3", "M-6"}), ("ref-8.3", {"X-1", "X-2"}),
                                           ("REF-8.4, E-1", {"R-1", "R-2", "R-3", "N-1", "E-1"})])
def test_a_reference_item_of_the_papers_section_8_selects_the_rules_it_restates(term, ids):
    """`chainrule verify -k REF-8.1` selects the records of the rules §8.1 restates, in any case, alone or
    with other terms (kills `k.lower() == term` → `is`, under which no REF item selected anything)."""
    from chainrule.reference.catalog import CATALOG
    from chainrule.reference.catalog.verify import select

    assert {r.id for r in select(CATALOG, term)} == ids


def test_mixed_precision_inputs_accept_derivatives_in_the_least_precise_of_them():
    """x float64 and y float32: derivatives returned in float32 are of the inputs' least precise dtype,
    judged with float32 tolerances, and pass; float16 is below every input's precision, a wrong dtype (kills
    the least-precise key `-eps` → `not eps`, which took x's float64 as the floor: a false "wrong dtype")."""
    def f(x, y):
        return jnp.sum(jnp.sin(x) * y)

    def grads_in(dtype):
        return lambda x, y: ((np.cos(x) * y).astype(dtype), np.sin(x).astype(dtype))

    r = check_gradient(f, grads_in(np.float32), np.zeros(3), np.zeros(3, np.float32), argnums=(0, 1))
    assert r.ok, r.diagnosis
    r = check_gradient(f, grads_in(np.float16), np.zeros(3), np.zeros(3, np.float32), argnums=(0, 1))
    assert not r.ok and r.diagnosis.startswith("wrong dtype: the candidate returns float16"), r.diagnosis


def test_a_linear_vjp_of_a_large_function_is_not_called_nonlinear_for_its_rounding():
    """W·sin(x) with W of order 1e12, and a VJP linear in ct but with every entry of W a little off: its basis
    products combined with ct differ from its product with ct by rounding only (about 3e-4 at this size), far
    below the pattern rtol times their size, so it is wrong but linear (kills `rtol * bound` → `rtol % bound`, an
    absolute 1e-6 slack that called it "not linear in the cotangent")."""
    from chainrule import check_vjp

    rng = np.random.default_rng(0)
    W = rng.uniform(0.5, 1.5, (3, 4)) * 1e12
    W_off = W * (1 + 0.01 * rng.standard_normal((3, 4)))
    r = check_vjp(lambda x: jnp.asarray(W) @ jnp.sin(x), lambda x, ct: np.cos(x) * (W_off.T @ ct), np.zeros(4),
                  shrink=False)
    assert not r.ok and r.diagnosis == ("no simple pattern (not a constant factor, a transpose, a few entries or a "
                                        "dropped outer product)"), r.diagnosis


def test_a_closed_form_of_the_wrong_dtype_reports_the_inputs_of_the_trial_it_names(promoted_closed_form_rule):
    """The catalog's exact-dtype rule: a closed form returning float64 under float32 fails at trial 1 (index 0),
    and the report's inputs are that trial's draw, as `draw_inputs` gives it (kills `trial_inputs(P, leaves, 0)`
    → `1`, the next trial's inputs under the first trial's name)."""
    import jax

    from chainrule.reference.catalog.verify import draw_inputs, rule_check
    from chainrule.reference.checker.engine import run_once

    rule = promoted_closed_form_rule

    with jax.enable_x64(True):  # as chainrule verify runs it
        P, shapes = rule_check(rule, {"n": 3}, trials=10, dtype="float32", seed=0)
        report = run_once(P, shapes, 10, 0)
    assert report.trial == 0 and report.diagnosis.startswith("wrong dtype: claimed float64, JAX float32")
    drawn = draw_inputs(rule, {"n": 3}, 10, 0, "float32")
    np.testing.assert_array_equal(report.inputs[0], drawn["w"][0])
    np.testing.assert_array_equal(report.inputs[1], drawn["x"][0])


def test_a_hessian_wrong_near_a_kink_of_f_is_not_scanned_as_if_it_were_a_gradient():
    """The Hessian of Σ relu(x) is 0; a candidate claiming 0.5 wherever |x| < 0.1 is wrong in 17 trials. The kink
    scan reads first derivatives (a gradient's, a Jacobian's, a VJP's); for a Hessian it would scan f′, which
    jumps at 0, and say "wrong only near a kink … where JAX's derivative jumps" of a second derivative that does
    not (kills the guard's `or` → `and`, which let a Hessian block through)."""
    from chainrule import check_hessian

    def hessian_bumped_near_zero(x):
        return np.diag(0.5 * (np.abs(np.asarray(x)) < 0.1))

    r = check_hessian(lambda x: jnp.sum(jnp.maximum(x, 0.0)), hessian_bumped_near_zero, np.zeros(3), shrink=False)
    assert not r.ok and r.failures == 17 and r.diagnosis == "one wrong entry at (0, 0)", r.diagnosis


def test_slices_of_one_column_are_not_called_rank_one_blocks():
    """f(x) = (sin x, x²) stacked per entry, with ∂(x²)/∂x claimed as 3x: the error is block-diagonal along the
    axis f and x share, but each slice is 2 × 1, rank one whatever it holds, so naming it "a rank-one outer
    product within each slice" would say nothing (kills `n < 2·k` → `n < 1·k`, which let 1-column slices in)."""
    def f(x):
        return jnp.stack([jnp.sin(x), x ** 2], axis=1)

    def jac(x):
        k = x.shape[0]
        J = np.zeros((k, 2, k))
        J[np.arange(k), 0, np.arange(k)] = np.cos(x)
        J[np.arange(k), 1, np.arange(k)] = 3 * x
        return J

    r = check_jacobian(f, jac, np.zeros(4), shrink=False)
    assert not r.ok and "within each of the 4 slices" not in r.diagnosis, r.diagnosis


def test_slices_of_one_row_are_not_called_rank_one_blocks():
    """The transpose of the case above: f(X) = sin X[:, 0] + X[:, 1]², X of 4 × 2, with the second partial claimed
    as 3·X[:, 1]: slices of 1 × 2 (kills `m < 2·k` → `m < 1·k`)."""
    def f(X):
        return jnp.sin(X[:, 0]) + X[:, 1] ** 2

    def jac(X):
        k = X.shape[0]
        J = np.zeros((k, k, 2))
        J[np.arange(k), np.arange(k), 0] = np.cos(X[:, 0])
        J[np.arange(k), np.arange(k), 1] = 3 * X[:, 1]
        return J

    r = check_jacobian(f, jac, np.zeros((4, 2)), shrink=False)
    assert not r.ok and "within each of the 4 slices" not in r.diagnosis, r.diagnosis
