"""Behaviour tests that kill the seed-8 sample's surviving mutants (issue 16), a fresh sample of the code
after the seed-7 survivors were dealt with. Each names the mutant it kills and was checked against it by hand.
"""

from __future__ import annotations

import jax.numpy as jnp
import numpy as np

from chainrule import check_gradient, check_jacobian


def _first_two_maxima(x):
    """∂ x[argmax x] routed to the first two maxima (JAX: all to the first): 1 + 1 at a tie, not 1."""
    x = np.asarray(x)
    g = np.zeros_like(x)
    g[np.flatnonzero(x == x.max())[:2]] = 1.0
    return g


def test_a_tie_names_the_entries_the_candidate_or_jax_uses_not_only_those_both_use():
    """Three equal maxima; the candidate gives 1 to the first two, JAX all to the first: the message names the
    entries either of them uses, x[0] and x[1] (kills `|c| > tb | |r| > tb` → `&`, which kept x[0] alone,
    then fell back to all three: "gives shares to 2 of the 3")."""
    r = check_gradient(lambda x: x[jnp.argmax(x)], _first_two_maxima, np.zeros(5), seed=0, shrink=False)
    assert r.diagnosis.startswith("wrong at a tie: where x[0] = x[1] = 0.324967 (trial 92; 3 equal entries of x), "
                                  "the candidate routes the gradient to all 2 tied entries: shares 1 + 1 = 2, but "
                                  "moving them together changes f at rate 1 from either side"), r.diagnosis


def test_a_probed_jacobian_wrong_in_two_blocks_reports_the_first_blocks_entries():
    """Rebuilt densely after probe mode, two wrong blocks are both named, and the report's block, worst
    entries and values are the first block's, ∂f/∂x (kills `diags[0]` → `diags[-1]`, ∂f/∂y's)."""
    def jac(x, y):
        return 2 * jnp.diag(jnp.cos(x) * jnp.cos(y)), 3 * jnp.diag(-jnp.sin(x) * jnp.sin(y))

    r = check_jacobian(lambda x, y: jnp.sin(x) * jnp.cos(y), jac, np.zeros(4), np.zeros(4), argnums=(0, 1),
                       mode="probe", trials=10, shrink=False)
    assert r.diagnosis == "∂f/∂x: off by a constant factor 2; ∂f/∂y: off by a constant factor 3", r.diagnosis
    assert r.block == "∂f/∂x" and r.entries and all(e.block == "∂f/∂x" for e in r.entries), (r.block, r.entries)
    e = r.entries[0]
    assert e.claimed == 2 * e.expected, e


def _abs_difference_grad_one_sided_at_ties(x, y):
    """∂|x − y|: (1, 0) at x = y, each partial within [−1, 1], but the sum is 1 where moving both together
    changes nothing."""
    gx = np.where(x > y, 1.0, np.where(x < y, -1.0, 1.0))
    gy = np.where(x > y, -1.0, np.where(x < y, 1.0, 0.0))
    return gx, gy


def test_a_tie_between_two_arguments_along_which_f_is_constant_has_rate_zero():
    """|x − y| does not change along the tie direction: JAX's derivative there "is 0 from either side", and
    partials adding up to 1 are wrong at the tie (the rate test is math.isclose now; the old `abs(hi − lo)`
    was under a pragma that hid `hi % lo`, a ZeroDivisionError at lo = 0)."""
    r = check_gradient(lambda x, y: jnp.sum(jnp.abs(x - y)), _abs_difference_grad_one_sided_at_ties, np.zeros(4),
                       np.zeros(4), argnums=(0, 1), seed=0, shrink=False)
    assert r.diagnosis.startswith("wrong at a tie: where x[3] = y[3] (trial 92), the candidate's ∂f/∂x[3] + "
                                  "∂f/∂y[3] = 1 + 0 = 1, but JAX's derivative along the tie direction (x[3] and "
                                  "y[3] moved together) is 0 from either side (JAX's partials: 1 + -1)"), r.diagnosis


def test_verify_catalog_draws_100_trials_per_configuration_by_default():
    """The documented default: 100 random trials per shape configuration (kills `trials: int = 100` →
    `101` in verify_catalog's signature)."""
    from chainrule.reference.catalog import by_name
    from chainrule.reference.catalog.verify import verify_catalog

    rule = by_name("jac_mul_w")
    (result,) = verify_catalog([rule])
    assert result.ok and result.trials == 100 * len(rule.sizes), result


def test_a_value_below_both_slopes_is_named_as_another_tie_order():
    """classify: with slopes 1 and 3, 0.5 lies below both by more than the tolerance, so only a tie broken
    in another order explains it (kills `c < min(L, R) - tol` → `* tol`, which called it "between")."""
    from chainrule.reference.checker.kinks import classify

    assert classify(0.5, 1.0, 3.0, 1e-6) == "the derivative at the tie broken in another order"
    assert classify(3.5, 1.0, 3.0, 1e-6) == "the derivative at the tie broken in another order"
    assert classify(1.5, 1.0, 3.0, 1e-6) == "a value between the slopes"


def test_a_rule_results_json_keeps_finite_errors_and_nulls_the_rest():
    """RuleResult.to_json: a measured error is a number, a wrong shape's (NaN, nothing compared) is null
    (kills `if np.isfinite(…)` → `if not …`, which nulled the numbers and kept NaN)."""
    import json

    from chainrule.analytic.structured import Diagonal
    from chainrule.reference.catalog import Arg, Rule, by_name
    from chainrule.reference.catalog.verify import verify_rule

    good = verify_rule(by_name("jac_mul_w"), trials=10).to_json()
    assert isinstance(good["max_abs_error"], float) and isinstance(good["max_rel_error"], float), good
    json.dumps(good, allow_nan=False)

    def mul(w, x):
        return w * x

    def too_short(w, x):
        return Diagonal(x[:2])

    rule = Rule("jac_mul_w_short_test", "E-7", "elementwise", "§4.2", mul, too_short,
                (Arg("w", ("n",)), Arg("x", ("n",))), "w", ({"n": 3},))
    bad = verify_rule(rule, trials=10).to_json()
    assert bad["status"] == "fail" and bad["max_abs_error"] is None and bad["max_rel_error"] is None, bad
    json.dumps(bad, allow_nan=False)


def test_a_candidate_of_lower_precision_reports_the_inputs_of_its_first_call():
    """A NumPy candidate that returns float32 for float64 inputs fails "wrong dtype" at trial 0, and
    report.inputs are trial 0's arguments, the ones of its first call (kills `trial_inputs(P, leaves, 0)` →
    `-1` in that failure, the last trial's)."""
    seen = []

    def float32_grad(x):
        seen.append(np.array(x))
        return np.cos(x).astype(np.float32)

    r = check_gradient(lambda x: jnp.sum(jnp.sin(x)), float32_grad, np.zeros(3), trials=10)
    assert r.trial == 0 and r.diagnosis.startswith("wrong dtype: the candidate returns float32 for float64"), str(r)
    np.testing.assert_array_equal(np.asarray(r.inputs[0]), seen[0])


def test_a_batch_of_two_whose_second_primal_raises_names_that_one_and_runs_the_other():
    """verify_catalog: when a batch's combined run raises, its rules run one by one, whatever the batch's
    size; with two rules the right one passes its trials and the raising one is named (kills `len(rules) >
    1` → `> 2`, which blamed the first rule and left the second "pass" with 0 trials, a false pass)."""
    from chainrule.analytic.structured import Diagonal
    from chainrule.reference.catalog import Arg, Rule
    from chainrule.reference.catalog.verify import verify_catalog

    def mul(w, x):
        return w * x

    def raises(w, x):
        raise ValueError("this primal cannot be traced")

    def right(w, x):
        return Diagonal(x)

    args = (Arg("w", ("n",)), Arg("x", ("n",)))
    rules = [Rule("mul_right_test", "E-7", "elementwise", "§4.2", mul, right, args, "w", ({"n": 3},)),
             Rule("primal_raises_test", "E-7", "elementwise", "§4.2", raises, right, args, "w", ({"n": 3},))]
    first, second = verify_catalog(rules, trials=10)
    assert (first.name, first.status, first.trials) == ("mul_right_test", "pass", 10), first
    assert second.status == "fail" and "this primal cannot be traced" in second.message, second


def test_a_factor_equal_to_the_root_of_a_dimension_is_named_unless_the_root_is_whole():
    """√N names a factor when N is not a perfect square (√5 with N = 5); for N = 400, √N = 20 is a plain
    whole factor and is written as 20 (the test is `sqrt(N).is_integer()` now: `isqrt(n) ** 2 == n` had an
    `is` twin that only large N tell apart)."""
    from chainrule.reference.checker.diagnosis import describe_factor

    assert describe_factor(20.0, (400, 3)) == "off by a constant factor 20"
    assert describe_factor(5 ** 0.5, (5, 3)).startswith("off by a constant factor √5 (= √N with N = 5"), \
        describe_factor(5 ** 0.5, (5, 3))


def _relu_sum(z):
    return jnp.sum(jnp.where(z > 0, z, 0.0))


def test_wrong_only_near_a_kink_means_within_a_tenth_of_it():
    """The scan for a nearby kink spans ±0.1·max(1, |z|) around a wrong entry: a relu gradient wrong only on
    z ∈ (0, 0.05] is "wrong only near a kink"; one wrong only on (0.1, 0.2] is not, since its kink at 0 is
    further than 0.1 (kills the scan direction `e[j] = 1.0` → `2.0`, which doubled the span to 0.2)."""
    def wrong_next_to_the_kink(z):
        return np.where((z > 0) & (z <= 0.05), 0.0, (z > 0).astype(float))

    def wrong_a_little_further(z):
        return np.where((z > 0.1) & (z <= 0.2), 0.0, (z > 0).astype(float))

    near = check_gradient(_relu_sum, wrong_next_to_the_kink, np.zeros(4), seed=0, shrink=False)
    assert near.diagnosis.startswith("wrong only near a kink: the wrong entry of trial"), near.diagnosis
    further = check_gradient(_relu_sum, wrong_a_little_further, np.zeros(4), seed=0, shrink=False)
    assert not further.ok and not further.diagnosis.startswith("wrong only near a kink"), further.diagnosis


def test_a_wrong_shape_that_is_the_transpose_of_a_wrong_jacobian_is_not_called_transposed():
    """2Wᵀ for W x: the shape is W's transposed, but the values are not W's, so the diagnosis is the wrong
    shape with the numerator layout it expects, not "transposed" (kills the shape patterns' `max(1e-6, 100
    rtol)` → `max(1.000001, …)`, a tolerance under which 2W passed for W)."""
    W = np.zeros((3, 2))
    r = check_jacobian(lambda x, W: W @ x, lambda x, W: 2 * W.T, np.zeros(2), W, trials=5)
    assert r.diagnosis == "wrong shape: claimed (2, 3), JAX (3, 2) (numerator layout: out.shape + in.shape = (3, 2))", \
        r.diagnosis


def test_up_to_half_the_entries_wrong_is_a_part_of_the_derivative():
    """A 4 × 4 Jacobian wrong in 8 scattered entries (no line, no low rank) is "wrong in 8 of 16 entries";
    in 9 of them, "no simple pattern" (the bound is half the entries, inclusive: the old `nbad < size / 2`
    had a live `<=` twin that no test told apart)."""
    from chainrule.reference.checker.diagnosis import diagnose_values

    J = np.random.default_rng(0).standard_normal((4, 4))
    for k, expected in ((8, "wrong in 8 of 16 entries (the others agree)"), (9, "no simple pattern")):
        E = np.zeros(16)
        E[np.random.default_rng(0).permutation(16)[:k]] = np.random.default_rng(100).uniform(1, 2, k)
        d = diagnose_values(J + E.reshape(4, 4), J, out_shape=(4,), in_shape=(4,), rtol=1e-9, atol=1e-12)
        assert d.startswith(expected), (k, d)


def test_the_kink_note_counts_every_entry_at_a_kink_once():
    """relu's right slope at 0: the note counts the entries the candidate takes at a kink, one each; they
    are the drawn entries equal to 0 (kills `counts.get(key, 0) + 1` → `+ 2`)."""
    from chainrule.reference.checker.drawing import draw
    from chainrule.reference.checker.problem import setup

    def f(z):
        return jnp.sum(jnp.where(z > 0, z, 0.0))

    def right_slope(z):
        return (z >= 0).astype(z.dtype)

    r = check_gradient(f, right_slope, np.zeros(6), trials=40, seed=0)
    P = setup("gradient", f, right_slope, (np.zeros(6),), 0, {"trials": 40, "seed": 0})
    leaves, edge = draw(P, [(6,)], 40, 0)
    on_kink = int((leaves[0][edge] == 0).sum())
    assert r.ok and on_kink > 1, (r.ok, on_kink)
    assert any(n.startswith(f"{on_kink} entries at a kink: the candidate takes the right slope") for n in r.notes), \
        (on_kink, r.notes)
