"""Behaviour tests that kill the seed-7 sample's surviving mutants (issue 16), a fresh sample of the code
after the seed-5 and seed-6 survivors were dealt with. Each names the mutant it kills and was checked
against it by hand.
"""

from __future__ import annotations

import re

import jax.numpy as jnp
import numpy as np
import pytest

from chainrule import check_gradient, check_jacobian, check_jvp, check_vjp
from chainrule.reference.catalog import by_name
from chainrule.reference.catalog.verify import draw_inputs
from chainrule.reference.checker.diagnosis import diagnose_values

RTOL, ATOL = 1e-9, 1e-12  # the float64 row of chainrule.reference.tolerances.TOLERANCES


def test_a_value_below_both_positive_one_sided_slopes_is_wrong_at_the_kink():
    """|x| + 2x has slopes 1 and 3 at 0; a candidate giving 0.5 there lies outside [1, 3], "wrong at a
    kink", not a matter of convention (kills `c < min(L, R) - tk` → `min(L, R) % tk`, a bound near 0
    that let 0.5 through as inside)."""
    r = check_gradient(lambda x: jnp.sum(jnp.abs(x) + 2 * x), lambda x: np.where(x == 0, 0.5, np.sign(x) + 2),
                       np.zeros(4), trials=50, shrink=False)
    assert not r.ok
    assert r.diagnosis.startswith("wrong at a kink: at entry (") and r.diagnosis.endswith(
        "the candidate gives 0.5, outside JAX's one-sided derivatives [1, 3]"), r.diagnosis


def test_one_wrong_column_of_a_two_row_jacobian_is_named_as_that_input_entry():
    """A Jacobian of 2 outputs wrong only in column 1 (both entries) is "wrong only in the derivatives with
    respect to input entry (1,)": one line is found from two rows up (kills `m < 2` → `m <= 2`, which
    skipped the one-line analysis for two outputs)."""
    J = np.random.default_rng(0).standard_normal((2, 4))
    wrong = J.copy()
    wrong[:, 1] *= 3
    d = diagnose_values(wrong, J, out_shape=(2,), in_shape=(4,), rtol=RTOL, atol=ATOL)
    assert d == ("wrong only in the derivatives with respect to input entry (1,) (one column of the Jacobian, 2 "
                 "of its 2 entries; the others agree)"), d


def test_the_inputs_of_a_three_argument_jvp_record_include_its_tangent():
    """draw_inputs gives every argument of a record by name; jvp_constant_X takes (A, X, t), and its tangent
    t is the last, drawn apart from X (kills `rule.args[-1]` → `rule.args[1]`, which redrew X under its own
    name and left t out)."""
    rule = by_name("jvp_constant_X")
    assert [a.name for a in rule.args] == ["A", "X", "t"]
    d = draw_inputs(rule, rule.sizes[-1], 5, 0)
    assert sorted(d) == ["A", "X", "t"]
    assert d["t"].shape == d["X"].shape == (5, 3, 2)
    assert not np.array_equal(d["t"], d["X"])
    again = draw_inputs(rule, rule.sizes[-1], 5, 0)  # the primal arguments are the engine's own draw
    assert all(np.array_equal(d[k], again[k]) for k in d)


def test_a_jvp_at_a_kink_far_from_zero_takes_its_one_sided_slopes_a_relative_step_away():
    """|x − 10⁸| at x = 10⁸: the JVP's one-sided derivatives shift the point by ±h·t with h = √ε·(1 + |x|),
    1.5 here; an absolute √ε (1.5e-8, one ulp of 10⁸) rounds the shift away, both sides give JAX's own
    value, and a candidate taking the other slope was a false alarm "sign flipped" (kills `√ε * scale` →
    `√ε % scale`). The note names the sides by the tangent: "left" would be wrong where t < 0."""
    K = 1e8
    r = check_jvp(lambda x: jnp.abs(x - K), lambda x, t: t * np.where(x > K, 1.0, -1.0), np.zeros(1),
                  kink_points=(K,), trials=50)
    assert r.ok, str(r)
    note = next(n for n in r.notes if " at a kink: " in n)
    assert "the candidate takes the slope from the +t side, JAX the slope from the −t side" in note, note


def _abs_plus_2x(x):
    return jnp.sum(jnp.abs(x) + 2 * x)


def _slope_at_zero(value):
    return lambda x: np.where(x == 0, value, np.sign(x) + 2).astype(x.dtype)


def test_a_derivative_at_a_kink_may_stray_past_the_one_sided_slopes_by_the_kink_slack_only():
    """|x| + 2x has slopes 1 and 3 at 0. In float64 a value 1e-4 below the left slope is wrong (the slack is
    1e-6·max(1, max|JAX|) = 3e-6), named "wrong at a kink"; in float32 (slack 1e-3·3) a value 1e-3 below is
    the left slope within the precision, for f and for 1000·f alike. Kills `1e-6 if float64 else 1e-3` →
    `if not float64` (blame.py, which called the float64 case a convention, and the same in kinks.py, which
    accepted it), now in one place, tolerances.kink_tolerance, and `slack * max(scale, 1)` → `/`, which
    rejected the float32 case."""
    r = check_gradient(_abs_plus_2x, _slope_at_zero(1 - 1e-4), np.zeros(4), trials=50, shrink=False)
    assert not r.ok
    assert r.diagnosis.endswith("the candidate gives 0.9999, outside JAX's one-sided derivatives [1, 3]"), \
        r.diagnosis
    for k in (1.0, 1000.0):  # the slack scales with max|JAX|: the same relative error, the same verdict
        r32 = check_gradient(lambda x, k=k: k * _abs_plus_2x(x), lambda x, k=k: k * _slope_at_zero(1 - 1e-3)(x),
                             np.zeros(4, np.float32), trials=50, precision="float32")
        assert r32.ok, (k, str(r32))
        assert any("the candidate takes the left slope" in n for n in r32.notes), r32.notes


def test_a_float16_derivative_at_a_kink_within_float16s_own_tolerance_of_a_slope_is_that_slope():
    """In float16 the tolerance (rtol 1e-2) outweighs the kink slack (1e-3): a candidate giving 0.98 at the
    kink of |x| + 2x (slopes 1 and 3) is the left slope within float16's precision, accepted (kills
    `terms * (atol + rtol * scale)` → `atol * rtol * scale` in kink_tolerance, which rejected it)."""
    r = check_gradient(_abs_plus_2x, _slope_at_zero(0.98), np.zeros(4, np.float16), trials=50,
                       candidate_precision="as-given")
    assert r.ok, str(r)
    assert any("the candidate takes the left slope" in n for n in r.notes), r.notes
    wrong = check_gradient(_abs_plus_2x, _slope_at_zero(0.9), np.zeros(4, np.float16), trials=50,
                           candidate_precision="as-given", shrink=False)
    assert wrong.diagnosis.startswith("wrong at a kink"), wrong.diagnosis


def test_a_vjp_at_a_kink_takes_jaxs_one_sided_derivatives_weighted_by_the_cotangent():
    """check_vjp of |x| with the left slope at 0 (JAX takes the right): the one-sided derivatives of the
    product ctᵀ·J are ct·(∓1), and ct·(−1) lies between them (kills `o * ct` → `o + ct` in the VJP's
    column function, whose bounds ±1 + ct rejected the candidate wherever |ct| > 1/2)."""
    r = check_vjp(jnp.abs, lambda x, ct: ct * np.where(x > 0, 1.0, -1.0), np.zeros(1), trials=50)
    assert r.ok, str(r)
    assert any("the candidate takes the left slope, JAX the right slope" in n for n in r.notes), r.notes


def test_a_probed_path_that_is_zero_within_the_tolerance_is_named_as_dropped():
    """A VJP that drops the path of output 1 but adds 1e-13·ct[1] (below atol = 1e-12), or 1e-11·ct[1] (below
    atol + rtol·max|JAX|), is "zero where JAX is not" in that block, probed (kills `atol + rtol · max|r|` →
    `atol // rtol · …`, a tolerance of 0 under which only an exact zero counted as zero, and seed 8's
    `atol % rtol · …`, 1e-12·max|r|)."""
    for noise in (1e-13, 1e-11):
        r = check_vjp(lambda x: (jnp.sin(x), x ** 2), lambda x, ct, noise=noise: ct[0] * jnp.cos(x) + noise * ct[1],
                      np.zeros(40), trials=5, max_dense=16)
        assert r.diagnosis.startswith("zero where JAX is not (a path dropped?) — in ∂f[1]/∂x, the Jacobian is too "
                                      "large to rebuild"), (noise, r.diagnosis)


def _max_grad_summing_to_two_at_ties(x, y):
    """∂ Σ max(x, y): (1, 1) at a tie away from 0 (shares that add up to 2, not 1); JAX's (½, ½) at x = y = 0."""
    gx = np.where(x > y, 1.0, np.where(x < y, 0.0, np.where(x == 0, 0.5, 1.0)))
    gy = np.where(y > x, 1.0, np.where(y < x, 0.0, np.where(y == 0, 0.5, 1.0)))
    return gx, gy


def test_every_trial_wrong_at_a_tie_between_two_arguments_fails_not_only_the_first():
    """The tie rule goes on to the next trial after one already failed at an earlier tie: the trials the
    kinks='between' rule rejects are exactly those kinks='jax' rejects, for a candidate wrong at every tie
    (kills `continue` → `break`, which stopped at the first trial with two ties and let the later trials
    pass)."""
    def f(x, y):
        return jnp.sum(jnp.maximum(x, y))

    for seed in range(3):
        between = check_gradient(f, _max_grad_summing_to_two_at_ties, np.zeros(6), np.zeros(6), argnums=(0, 1),
                                 seed=seed, shrink=False)
        jax_rule = check_gradient(f, _max_grad_summing_to_two_at_ties, np.zeros(6), np.zeros(6), argnums=(0, 1),
                                  seed=seed, shrink=False, kinks="jax")
        assert between.diagnosis.startswith("wrong at a tie: where x["), between.diagnosis
        assert between.failures == jax_rule.failures > 1, (seed, between.failures, jax_rule.failures)


def test_verify_names_the_first_trial_for_a_closed_form_of_the_wrong_dtype(promoted_closed_form_rule):
    """A closed form that returns float64 under float32 fails "wrong dtype" at the first trial, named
    "trial 1/10" (kills the exact-dtype failure's `trial=0` → `trial=1`, which named trial 2)."""
    from chainrule.reference.catalog.verify import verify_rule

    r = verify_rule(promoted_closed_form_rule, trials=10, seed=0, dtype="float32")
    assert not r.ok
    assert " | seed 0, trial 1/10 | 10/10 trials fail | wrong dtype: claimed float64, JAX float32 (a constant " \
           "promoted the result?)" in r.message, r.message


def test_the_note_on_skipped_edge_trials_counts_those_where_the_witnesses_disagreed():
    """Of 4 dropped edge trials, JAX is not finite at 1 and its witnesses disagree at the other 3: the note
    says "at 1 of them" and "disagree at 3" (kills `len(trials) - len(inf)` → `%`, "disagree at 0"). No
    public function was found whose edge trials mix the two (inv on 2 × 2 matrices, 6,000 trials), so the
    note is built from a drawn problem directly."""
    from chainrule.reference.checker.drawing import draw
    from chainrule.reference.checker.judge import dropped_note
    from chainrule.reference.checker.problem import setup

    P = setup("jacobian", jnp.linalg.inv, lambda X: X, (np.zeros((2, 2)),), 0, {})
    leaves, edge = draw(P, [(2, 2)], 40, 0)
    trials = [int(t) for t in np.flatnonzero(edge)]
    assert len(trials) == 4
    not_finite = np.zeros(40, dtype=bool)
    not_finite[trials[0]] = True
    note = dropped_note(P, leaves, trials, not_finite, {})
    assert note.startswith("4 edge trials skipped (trials 37, 38, 39, 40): the checker "), note
    assert "JAX's derivative is not finite at 1 of them (" in note, note
    assert note.endswith("and JAX's two witnesses disagree at 3 (f is not differentiable there); not counted"), note


def test_a_probed_vjp_wrong_in_the_first_outputs_path_is_named_from_its_own_probes():
    """The rows of cotangent leaf 0 are 0 … probes; the block ∂f[0]/∂x, off by 2, is diagnosed from those 8
    alone (kills `(g + 1) * probes` → `(g + 1) | probes`, 9 rows, one from leaf 1's probes)."""
    r = check_vjp(lambda x: (jnp.sin(x), x ** 2), lambda x, ct: 2 * ct[0] * jnp.cos(x) + 2 * x * ct[1],
                  np.zeros(40), trials=5, max_dense=16)
    assert r.diagnosis.startswith("off by a constant factor 2 — in ∂f[0]/∂x, the Jacobian is too large"), r.diagnosis


def test_arguments_of_two_shapes_in_either_order_are_never_paired_for_the_tie_rule():
    """x (3,) before y (4,): tie_pairs must skip them whatever the order (kills `a.in_shape != b.in_shape` →
    `>`, under which (3,) > (4,) is false, the two were paired, and the check raised)."""
    r = check_gradient(lambda x, y: jnp.sum(jnp.abs(x)) + jnp.sum(y ** 2),
                       lambda x, y: (jnp.where(x > 0, 1.0, -1.0), 2 * y), np.zeros(3), np.zeros(4), argnums=(0, 1),
                       seed=0)
    assert r.ok, str(r)
    assert any("entries at a kink: the candidate takes the left slope" in n for n in r.notes), r.notes


def test_a_factor_just_below_one_is_close_with_its_relative_error():
    """0.999 × the Jacobian: "close but not exact: off by a constant factor 0.999 (relative error 1.0e-03)"
    (kills `abs(k - 1)` → `abs(k % 1)`, which wrote 1.0e+00 below 1 and was right only above)."""
    r = check_jacobian(jnp.sin, lambda x: 0.999 * jnp.diag(jnp.cos(x)), np.zeros(3), trials=5)
    assert r.diagnosis == "close but not exact: off by a constant factor 0.999 (relative error 1.0e-03)", r.diagnosis


def test_a_block_left_uncompared_by_another_blocks_wrong_shape_has_no_failures():
    """∂f/∂y of the wrong shape stops the check; ∂f/∂x was never compared: 0 failing trials, not compared,
    not ok (kills `else 0` → `else -1` in the shape failure's block results)."""
    r = check_gradient(lambda x, y: jnp.sum(x * y), lambda x, y: (y, x[:2]), np.zeros(3), np.zeros(3),
                       argnums=(0, 1), trials=5)
    assert r.diagnosis == "wrong shape: claimed (2,), JAX (3,)", r.diagnosis
    x, y = r.blocks
    assert (x.name, x.failures, x.compared, x.ok) == ("x", 0, False, False), x
    assert (y.name, y.failures, y.compared, y.claimed_shape) == ("y", 5, True, (2,)), y


def test_under_kinks_jax_a_jvps_other_convention_is_named_by_the_tangents_sides():
    """kinks='jax' rejects |x|'s left slope at 0 in a JVP; the diagnosis names JAX's and the candidate's
    values as the slopes from the −t and +t sides (the tangent's sign decides which is left)."""
    r = check_jvp(jnp.abs, lambda x, t: t * np.where(x > 0, 1.0, -1.0), np.zeros(1), trials=50, kinks="jax",
                  shrink=False)
    assert re.fullmatch(r"wrong kink convention: at entry \(0,\) \(a kink\) the candidate takes the slope from the "
                        r"([−+])t side \((\S+)\), JAX the slope from the ([−+])t side \((\S+)\) \(kinks='jax'\)",
                        r.diagnosis), r.diagnosis
    m = re.fullmatch(r".*the candidate takes the slope from the ([−+])t side \((\S+)\), JAX the slope from the "
                     r"([−+])t side \((\S+)\).*", r.diagnosis)
    assert m.group(1) != m.group(3) and float(m.group(2)) == -float(m.group(4)), r.diagnosis


def test_a_vjp_and_a_jvp_check_of_one_trial_run():
    """One trial is a valid check: the candidate's output structure is traced with trial 0's cotangent or
    tangent (kills `a[0]` → `a[1]` there, an IndexError with a single trial)."""
    r = check_vjp(jnp.sin, lambda x, ct: ct * jnp.cos(x), np.zeros(3), trials=1)
    assert r.ok and r.trials == 1, str(r)
    r = check_jvp(jnp.sin, lambda x, t: t * jnp.cos(x), np.zeros(3), trials=1)
    assert r.ok and r.trials == 1, str(r)


def test_the_descent_step_records_verify_through_the_gradient_their_step_implies():
    """A `step` record is checked as (x − step(x))/η against jax.grad (RULES L-4, L-6); η = 0.1 here, so
    multiplying by η instead is off by 100 (kills `/ eta` → `* eta`)."""
    from chainrule.reference.catalog.verify import verify_rule

    for name in ("descent_step_w", "descent_step_b"):
        rule = by_name(name)
        assert rule.reference == "step" and rule.params["eta"] == 0.1
        result = verify_rule(rule, trials=10, seed=0)
        assert result.ok, result.message


def _max_minus_min_grad_counting_a_tie_once(x):
    """∂(max x − min x): e_j for every maximum minus e_k for the first minimum; at x[0] = x[1] that is
    (1, 1) − (1, 0) = (0, 1), each share between its one-sided slopes (−1 and 1), the sum 1, not 0."""
    g = (x == x.max()).astype(x.dtype)
    g[np.argmin(x)] -= 1.0
    return g


def test_a_tie_whose_group_rate_is_zero_says_so():
    """max x − min x does not change when the tied pair moves together: JAX's rate along the tie is 0 from
    either side, and shares adding up to 1 are wrong at the tie (kills `abs(hi - lo)` → `abs(hi % lo)`,
    which raised ZeroDivisionError at lo = 0)."""
    r = check_gradient(lambda x: jnp.max(x) - jnp.min(x), _max_minus_min_grad_counting_a_tie_once, np.zeros(2),
                       seed=0, shrink=False)
    assert re.fullmatch(r"wrong at a tie: where x\[0\] = x\[1\] = \S+ \(trial \d+; 2 equal entries of x\), the "
                        r"candidate gives shares to 1 of the 2 tied entries: shares 0 \+ 1 = 1, but moving them "
                        r"together changes f at rate 0 from either side \(JAX's shares: 0 \+ 0\); .*", r.diagnosis), \
        r.diagnosis


def test_a_constant_within_the_tolerance_does_not_make_a_vjp_nonlinear():
    """A VJP of scale 10⁶ with an extra diagonal term and a constant 1e-9 (far inside rtol·scale = 1e-3):
    the rebuilt Jacobian names the diagonal term; the constant is no evidence of a term not multiplied by
    the cotangent (kills `10 atol + rtol * scale` → `rtol // scale` in the linearity test, a threshold of
    1e-11 that called it "not linear")."""
    r = check_vjp(lambda x: 1e6 * jnp.sin(x), lambda x, ct: ct * 1e6 * jnp.cos(x) + 1e3 * ct * x ** 2 + 1e-9,
                  np.zeros(4), trials=10, shrink=False)
    assert r.diagnosis.startswith("dropped term: wrong on the diagonal only (the off-diagonal entries agree)"), \
        r.diagnosis


def test_two_scattered_wrong_entries_are_named_as_two_entries():
    """Two wrong entries of a 4 × 4 Jacobian, in different rows and columns: "2 wrong entries of 16 at
    (0, 1), (2, 3)" (kills `nbad <= 3` → `nbad == 3`, which sent two entries on to the low-rank analysis)."""
    J = np.random.default_rng(4).standard_normal((4, 4))
    wrong = J.copy()
    wrong[0, 1] += 1.0
    wrong[2, 3] -= 2.0
    d = diagnose_values(wrong, J, out_shape=(4,), in_shape=(4,), rtol=RTOL, atol=ATOL)
    assert d == "2 wrong entries of 16 at (0, 1), (2, 3) (the others agree)", d


def test_a_value_outside_the_slopes_is_reported_at_the_first_such_entry():
    """With several entries on relu's kink at 0 and the candidate giving 2 at each, the diagnosis names the
    first of them in index order (kills `argwhere(at)[0]` → `[-1]`, which named the last)."""
    def relu_grad_two_at_zero(z):
        return np.where(z > 0, 1.0, np.where(z == 0, 2.0, 0.0))

    seen_several = False
    for seed in range(4):
        r = check_gradient(lambda z: jnp.sum(jnp.where(z > 0, z, 0.0)), relu_grad_two_at_zero, np.zeros(6), seed=seed,
                           shrink=False)
        zeros = np.flatnonzero(np.asarray(r.inputs[0]) == 0)
        seen_several |= zeros.size > 1
        assert r.diagnosis == (f"wrong at a kink: at entry ({zeros[0]},) the candidate gives 2, outside JAX's "
                               "one-sided derivatives [0, 1]"), (zeros, r.diagnosis)
    assert seen_several


def test_a_memory_budget_between_half_and_one_gib_is_written_in_mib():
    """768 MiB is written in MiB, not as 0.75 GiB (kills `nbytes >= 2**30` → `2**29`)."""
    with pytest.raises(ValueError, match=r"above the memory budget of 768 MiB; use mode='probe'"):
        check_jacobian(jnp.sin, jnp.cos, np.zeros(31_623), mode="dense", memory=3 << 28)


def test_errors_just_over_the_tolerance_are_close_not_a_rank_one_term_per_slice():
    """Four entries of a (2, 2) × (2, 2) Jacobian off by 1.5·tol: every singular value is under the rank
    floor, so no slice has rank one, and the diagnosis is "close but not exact" (kills `max rank == 1` →
    `<= 1` per output slice, which called rank 0 everywhere "rank one in each slice")."""
    J = np.random.default_rng(5).standard_normal((2, 2, 2, 2))
    tol = ATOL + RTOL * np.max(np.abs(J))
    E = 1.5 * tol * np.eye(4)[::-1].reshape(2, 2, 2, 2)
    d = diagnose_values(J + E, J, out_shape=(2, 2), in_shape=(2, 2), rtol=RTOL, atol=ATOL)
    assert d.startswith("close but not exact: relative error 1.5e-09 (tolerance rtol 1e-09)"), d


def test_a_numpy_candidate_that_raises_at_once_reports_the_inputs_of_that_first_call():
    """A candidate that raises on its first call (trial 0, while the check learns its output's shape) keeps
    trial 0's arguments in report.inputs, the ones it was called with (kills `trial_inputs(P, leaves, 0)` →
    `-1`, the last trial's)."""
    seen = []

    def raises(x):
        seen.append(np.array(x))
        raise KeyError("no such layer")

    r = check_gradient(lambda x: jnp.sum(jnp.sin(x)), raises, np.zeros(3), trials=10)
    assert r.stopped and r.trial == 0 and r.diagnosis.startswith("the candidate raised KeyError"), str(r)
    np.testing.assert_array_equal(np.asarray(r.inputs[0]), seen[0])  # its first call in NumPy (later: hints)
