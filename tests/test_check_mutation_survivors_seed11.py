"""Behaviour tests that kill the seed-11 sample's surviving mutants (issue 16), a fresh sample of the code
after the seed-10 survivors were dealt with. Each names the mutant it kills and was checked against it by hand.
"""

from __future__ import annotations

import re

import jax.numpy as jnp
import numpy as np

from chainrule import check_gradient, check_vjp
from chainrule.reference.checker.diagnosis import diagnose_shape, diagnose_values


def test_a_flattened_jacobian_of_more_than_256_entries_is_named_flattened():
    """A 20 × 15 Jacobian returned flattened to 300 entries: "the values match after reshaping" (kills
    `c.size == r.size` → `c.size is r.size`, true only for the small ints Python caches, up to 256)."""
    r = np.random.default_rng(0).normal(size=(20, 15))
    d = diagnose_shape(r.ravel(), r, out_shape=(20,), in_shape=(15,))
    assert d == "wrong shape: claimed (300,), JAX (20, 15) (the values match after reshaping: flattened?)", d


def test_a_rank_one_term_per_slice_along_two_different_axes_names_both():
    """JAX − candidate zero except a rank-one 4 × 4 block in each of the 3 slices pairing output axis 0 with
    input axis 1 (out (3, 4), in (4, 3)): the diagnosis names "output axis 0 and input axis 1", not one shared
    axis (kills `a == b` → `a <= b`, under which axis 0 and axis 1 read as the same axis)."""
    rng = np.random.default_rng(0)
    r = rng.normal(size=(3, 4, 4, 3))
    d = np.zeros_like(r)
    for i in range(3):
        d[i, :, :, i] = np.outer(rng.normal(size=4), rng.normal(size=4))
    out = diagnose_values(r - d, r, out_shape=(3, 4), in_shape=(4, 3))
    assert out.startswith("dropped term: JAX − candidate is a rank-one outer product u vᵀ within each of the 3 "
                          "slices along output axis 0 and input axis 1 (zero between slices)"), out


def test_the_complex_step_witness_agrees_with_a_right_gradient():
    """witness='complex-step' on Σ sin(x) with its right gradient: the note says both agree with the witness
    (kills the complex step's atol 1e-14 → −0.99999999999999, under which nothing agreed)."""
    r = check_gradient(lambda x: jnp.sum(jnp.sin(x)), np.cos, np.zeros(3), witness="complex-step")
    assert r.ok, r.diagnosis
    notes = [n for n in r.notes if n.startswith("third witness (the complex step")]
    assert len(notes) == 1 and "(agrees); JAX vs it" in notes[0] and notes[0].endswith("(agrees)"), r.notes


def test_float32_ties_are_broken_in_the_reference_precision():
    """Three float32 entries tied at 0.5, checked in float64 (the default): the tie-broken points are built in
    float64, whose step √ε·1 ≈ 1.5e-8 float32 cannot hold, so the three take distinct values and more than
    one order appears over the 32 break points (kills the loop that casts the rows to the reference dtype,
    run zero times: the steps rounded away in float32 and left one order)."""
    import jax

    from chainrule.reference.checker.kinks import tie_broken
    from chainrule.reference.checker.problem import setup

    def f(x):
        return jnp.sum(jnp.sort(x) * jnp.arange(1.0, 5.0, dtype=x.dtype))

    x = np.array([0.5, 0.5, 0.5, 2.0], np.float32)
    with jax.enable_x64(True):
        P = setup("gradient", f, lambda x: x, (np.zeros(4, np.float32),), 0, {})
        g = tie_broken(P, [x[None]], {}, [0])[0][0]
    assert len({tuple(row) for row in g}) > 1 and (g[:, 3] == 4).all(), g[:4]


def _relu_plus_x(x):
    return jnp.sum(x + jnp.where(x > 0, x, 0.0))


def test_a_kink_convention_is_not_blamed_when_entries_away_from_the_kink_are_wrong_too():
    """Under kinks='jax', a candidate that takes the midpoint 1.5 at a kink of Σ (x + relu(x)) and is also 10%
    off elsewhere in the same (edge) trials: not "wrong kink convention", since the entries off the kink
    disagree too (kills `|c − r| <= tb` → `is not tb` in the others-agree test, always true)."""
    def midpoint_and_off(x):
        g = 1.0 + np.where(x > 0, 1.0, np.where(x == 0, 0.5, 0.0))
        return np.where((x != 0) & np.any(x == 0), 1.1 * g, g)

    r = check_gradient(_relu_plus_x, midpoint_and_off, np.zeros(4), kinks="jax", shrink=False)
    assert not r.ok and r.trial >= 90, (r.ok, r.trial)
    assert not r.diagnosis.startswith("wrong kink convention"), r.diagnosis


def test_a_kink_convention_names_an_entry_where_the_candidate_differs():
    """Under kinks='jax', a candidate that takes the right slope at the last entry at a kink only (JAX takes
    the left one, 1, everywhere): the convention message names that entry and "the right slope (2)", not an
    earlier kink entry where the two agree (kills `|c − r| > tb` → `!= tb` in the at-kink test, which
    counted agreeing entries, |c − r| = 0)."""
    def last_kink_right(x):
        g = 1.0 + (x > 0)
        zeros = np.flatnonzero(x == 0)
        if zeros.size:
            g = g.astype(float)
            g[zeros[-1]] = 2.0
        return g

    r = check_gradient(_relu_plus_x, last_kink_right, np.zeros(6), kinks="jax", shrink=False)
    assert not r.ok and r.diagnosis.startswith("wrong kink convention: at entry ("), r.diagnosis
    assert "the candidate takes the right slope (2), JAX the left slope (1)" in r.diagnosis, r.diagnosis


def test_a_candidate_wrong_just_right_of_a_kink_at_many_entries_says_how_many_were_scanned():
    """Σ relu(x) over 600 entries, with a derivative that switches on at 1e-5 instead of 0: only the edge
    trials' entries drawn just right of the kink are wrong, a dozen per trial. The diagnosis scans the first 8
    and says so, "the first 8 of the N wrong entries", instead of calling 8 "all" (kills `[:8]` → `[:9]`,
    which scanned and named 9)."""
    def late_switch(x):
        return np.where(x > 1e-5, 1.0, 0.0)

    r = check_gradient(lambda x: jnp.sum(jnp.where(x > 0, x, 0.0)), late_switch, np.zeros(600), shrink=False)
    m = re.match(r"wrong only near a kink: the first 8 of the (\d+) wrong entries of trial (\d+) \(an edge trial\) "
                 r"lie within 0\.1 of a point where JAX's derivative jumps, and 90 of 100 trials pass$", r.diagnosis)
    assert not r.ok and m is not None and int(m.group(1)) > 8, r.diagnosis


def test_each_break_point_of_each_trial_spreads_its_ties_by_whole_steps_from_the_trial_itself():
    """tie_broken with 3 break points for two trials of Σ x²/2 (whose gradient is x itself): every row is its
    trial's input with each tied group spread over v, v + h, …, v + (n − 1)h in some order (h = √ε at 1 and
    2), the other entries unchanged (kills `n·breaks + s` → `n·breaks | s` for the row read, equal only while
    breaks is a power of two: with 3, trial 2's rows started from an already spread row)."""
    import jax

    from chainrule.reference.checker.kinks import tie_broken
    from chainrule.reference.checker.problem import setup

    x = np.array([[1.0, 1.0, 1.0, 5.0], [2.0, 2.0, 7.0, 9.0]])
    with jax.enable_x64(True):
        P = setup("gradient", lambda x: jnp.sum(x**2) / 2, lambda x: x, (np.zeros(4),), 0, {})
        out = tie_broken(P, [x], {}, [0, 1], breaks=3)
    h = np.sqrt(np.finfo(np.float64).eps)
    for t, tied, v in ((0, [0, 1, 2], 1.0), (1, [0, 1], 2.0)):
        rows = out[t][0]
        assert rows.shape == (3, 4)
        for row in rows:
            steps = np.sort((row[tied] - v) / (h * v))
            assert np.allclose(steps, np.arange(len(tied)), atol=1e-3), (t, row)
            others = [j for j in range(4) if j not in tied]
            assert (row[others] == x[t, others]).all(), (t, row)


def test_a_constant_factor_is_not_sought_where_jax_is_not_finite():
    """constant_factor with JAX's values holding an inf returns None at once, with no warning from an empty
    median (kills `isfinite(c) and isfinite(r)` → `or`, under which a finite candidate went on to a median of
    nothing)."""
    import warnings

    from chainrule.reference.checker.diagnosis import constant_factor

    with warnings.catch_warnings():
        warnings.simplefilter("error")
        assert constant_factor(np.ones(3), np.array([1.0, np.inf, 1.0])) is None


def test_a_large_factor_is_named_as_n_within_a_relative_tolerance():
    """A factor 1000·(1 + 1e-7) with a dimension of 1000 is N = 1000: the match is relative to the factor (a
    tolerance of 1e-6 of it), not an absolute 1e-6 (kills `tol * a` → `tol % a`)."""
    from chainrule.reference.checker.diagnosis import describe_factor

    d = describe_factor(1000 * (1 + 1e-7), dims=(1000, 3))
    assert d.startswith("off by a constant factor 1000 (= N with N = 1000"), d


def test_a_term_not_multiplied_by_the_cotangent_below_the_tolerance_is_not_called_nonlinear():
    """A VJP of sin that takes sin for its derivative and adds a weight decay of 1e-10·x: wrong, and diagnosed
    from its rebuilt Jacobian (wrong on the diagonal only). Its value at ct = 0, about 2e-10, is within
    10·atol + rtol·max|JAX|, so it is not "not linear in the cotangent" (kills `floor + rtol·scale` →
    `floor % rtol·scale`, a bound of 1e-11·scale)."""
    def sin_with_decay(x, g):
        return g * np.sin(x) + 1e-10 * x

    r = check_vjp(jnp.sin, sin_with_decay, np.zeros(5), shrink=False)
    assert not r.ok and r.diagnosis.startswith("dropped term: wrong on the diagonal only"), r.diagnosis


def test_a_wrong_share_at_a_tie_inside_the_second_argument_fails_when_the_first_has_none():
    """Σ x² + max(y), with a gradient that gives 1 to every tied maximum of y: x's block holds no tie where
    the candidate differs, y's does, and the check fails on y's tie (kills `continue` → `break` after a block
    with nothing to examine, which skipped y and passed)."""
    def every_max_gets_one(x, y):
        return 2 * x, (y == np.max(y)).astype(float)

    r = check_gradient(lambda x, y: jnp.sum(x**2) + jnp.max(y), every_max_gets_one, np.zeros(3), np.zeros(4),
                       argnums=(0, 1), shrink=False)
    assert not r.ok and r.diagnosis.startswith("wrong at a tie: where y["), r.diagnosis
    assert "the candidate routes the gradient to all 2 tied entries: shares 1 + 1 = 2" in r.diagnosis, r.diagnosis


def test_the_third_witness_sides_with_a_right_candidate_against_a_wrong_custom_rule_in_f():
    """f uses a custom_jvp for sin whose rule doubles the derivative, kept as written (custom_rules='keep'):
    the right gradient cos fails against JAX, and finite differences agree with the candidate and not with JAX,
    which the note and the diagnosis say (kills `j_ok and all(…)` → `j_ok or all(…)`, under which JAX always
    agreed with the witness)."""
    import jax

    @jax.custom_jvp
    def my_sin(x):
        return jnp.sin(x)

    @my_sin.defjvp
    def _(primals, tangents):
        (x,), (t,) = primals, tangents
        return jnp.sin(x), 2 * jnp.cos(x) * t

    r = check_gradient(lambda x: jnp.sum(my_sin(x)), np.cos, np.zeros(3), witness="fd", custom_rules="keep",
                       shrink=False)
    assert not r.ok and r.diagnosis.endswith("(the candidate agrees with the third witness and JAX does not: "
                                             "JAX's convention may be what differs)"), r.diagnosis
    assert any(n.startswith("third witness") and n.endswith("(DISAGREES)") for n in r.notes), r.notes


def test_the_third_witness_sides_with_jax_against_a_wrong_candidate():
    """A gradient of Σ sin twice too large, with witness='fd': the note says the candidate disagrees with the
    witness and JAX agrees, and the diagnosis adds nothing about JAX's convention (kills `c_ok and all(…)` →
    `c_ok or all(…)`, under which the candidate always agreed)."""
    r = check_gradient(lambda x: jnp.sum(jnp.sin(x)), lambda x: 2 * np.cos(x), np.zeros(3), witness="fd",
                       shrink=False)
    assert not r.ok and r.diagnosis == "off by a constant factor 2", r.diagnosis
    notes = [n for n in r.notes if n.startswith("third witness")]
    assert len(notes) == 1 and "(DISAGREES); JAX vs it" in notes[0] and notes[0].endswith("(agrees)"), notes
