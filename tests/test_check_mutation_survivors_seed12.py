"""Behaviour tests that kill the seed-12 sample's surviving mutants (issue 16), a fresh sample of the code
after the seed-11 survivors were dealt with. Each names the mutant it kills and was checked against it by hand.
"""

from __future__ import annotations

import jax.numpy as jnp
import numpy as np

from chainrule import check_jacobian


def test_a_jacobian_of_exactly_max_dense_entries_is_checked_densely():
    """An 8 × 8 Jacobian with max_dense=64: at the limit, not over it, so mode='auto' compares it densely
    (one block ∂f/∂x); one entry fewer allowed and it is probed (kills `entries <= max_dense` → `<`)."""
    def jac(x):
        return jnp.diag(jnp.cos(x))

    at = check_jacobian(jnp.sin, jac, np.zeros(8), max_dense=64, trials=5)
    over = check_jacobian(jnp.sin, jac, np.zeros(8), max_dense=63, trials=5)
    assert at.ok and [b.name for b in at.blocks] == ["∂f/∂x"], [b.name for b in at.blocks]
    assert over.ok and [b.name for b in over.blocks] == ["J·v → f", "uᵀJ → x"], [b.name for b in over.blocks]


def test_the_symmetric_probe_goes_on_to_the_next_matrix_when_one_cannot_be_probed():
    """f(S, x, A) = Σ S + xᵀAx, with a NumPy gradient wrt x of 2Ax (right only for symmetric A) that also
    inverts the 2 × 2 S − Sᵀ, so it cannot run where S is symmetric. Probing S raises; the probe goes on to A and names
    it (kills `continue` → `break` after a probe that raised, which gave up before A)."""
    def quad(S, x, A):
        return jnp.sum(S) + x @ A @ x

    def symmetric_only(S, x, A):
        np.linalg.inv(S - S.T)  # a 2 × 2 skew part: raises LinAlgError where S is symmetric
        return 2 * A @ x

    from chainrule import check_gradient

    r = check_gradient(quad, symmetric_only, np.zeros((2, 2)), np.zeros(3), np.zeros((3, 3)), argnums=1,
                       shrink=False, trials=20)
    assert not r.ok and r.diagnosis.startswith("holds only for symmetric matrices: the candidate agrees with JAX "
                                               "when A is made symmetric"), r.diagnosis



def test_a_candidate_that_raises_when_its_wrong_shape_is_examined_is_reported_at_trial_1():
    """A NumPy VJP that returns 4 entries for a 3-entry x on its first call, and raises on the next, when the
    wrong shape's values are examined at trial 0: the report says it raised, at trial 0 (shown as trial 1),
    with that trial's inputs (kills `trial=0` → `trial=-1` in that failure)."""
    from chainrule import check_vjp

    calls = []

    def wrong_then_raising(x, g):
        calls.append(1)
        if len(calls) > 1:
            raise ValueError("cache miss")
        return np.zeros(4)

    r = check_vjp(jnp.sin, wrong_then_raising, np.zeros(3), trials=5)
    assert not r.ok and r.diagnosis == "the candidate raised ValueError: cache miss", r.diagnosis
    assert r.trial == 0 and r.inputs is not None, (r.trial, r.inputs)


def test_an_exact_multiple_is_a_constant_factor_at_zero_tolerance():
    """constant_factor(2r, r, rtol=0): every entry is exactly twice JAX's, so the factor 2 holds with no
    tolerance at all (kills `max|c − k·r| <= rtol·|k|·scale` → `<`, which found no factor at rtol 0)."""
    from chainrule.reference.checker.diagnosis import constant_factor

    r = np.array([1.0, -2.0, 0.5, 3.0])
    assert constant_factor(2 * r, r, 0.0) == 2.0


def test_a_rank_one_difference_in_a_two_row_jacobian_is_a_dropped_term():
    """JAX − candidate = u vᵀ on a 2 × 4 Jacobian, every entry wrong: a rank-one outer product, for two output
    entries as for more (kills `m < 2` → `m <= 2`, which left two-row Jacobians out of the low-rank test)."""
    from chainrule.reference.checker.diagnosis import diagnose_values

    rng = np.random.default_rng(0)
    r = rng.normal(size=(2, 4))
    d = np.outer([1.0, -2.0], [0.5, 1.0, -1.5, 2.0])
    out = diagnose_values(r - d, r, out_shape=(2,), in_shape=(4,))
    assert out.startswith("dropped term: JAX − candidate is a rank-one outer product u vᵀ"), out


def test_a_custom_vjp_f_without_forward_mode_still_gets_a_diagnosis_at_its_kinks():
    """Σ relu(x) through a jax.custom_vjp (JAX's rule: slope 0 at 0), and a gradient taking slope 1 at 0: the
    edge trials fail, and the kink analysis, which needs forward mode, cannot run on a custom_vjp function. The
    check still ends with a diagnosis (kills `except Exception` → a class never raised, which let jax.jvp's
    TypeError out of the check)."""
    import jax

    from chainrule import check_gradient

    @jax.custom_vjp
    def relu(x):
        return jnp.where(x > 0, x, 0.0)

    relu.defvjp(lambda x: (relu(x), x), lambda x, g: (jnp.where(x > 0, g, 0.0),))

    r = check_gradient(lambda x: jnp.sum(relu(x)), lambda x: (x >= 0).astype(float), np.zeros(4), shrink=False,
                       custom_rules="keep")
    assert not r.ok and r.diagnosis, r.diagnosis
    assert r.trial >= 90, r.trial


def test_a_failing_rule_names_the_trial_the_engine_reported_counted_from_one():
    """A rule whose gradient of Σ x² is off by 1 + x₀²/100, verified with seed 1: the worst trial is the
    engine's index 95 (an odd one) for that configuration, and the message says "trial 96/100" (kills
    `report.trial + 1` → `| 1` and `^ 1`, which agree with + 1 on even indices only: 95 and 94)."""
    import array_api_compat
    import jax

    from chainrule.reference.catalog import Arg, Rule
    from chainrule.reference.catalog.verify import config_seed, rule_check, verify_rule
    from chainrule.reference.checker.engine import run_once

    def sumsq(x):
        """Σ x²"""
        return array_api_compat.array_namespace(x).sum(x**2)

    def grad_off(x):
        """2x·(1 + x₀²/100)"""
        return 2 * x * (1 + x[..., 0:1] ** 2 / 100)

    rule = Rule("sumsq_off", "E-1", "elementwise", "s", sumsq, grad_off, (Arg("x", ("n",), "real"),), "x",
                ({"n": 4},))
    with jax.enable_x64(True):
        P, shapes = rule_check(rule, {"n": 4}, seed=config_seed(1, rule, 0))
        report = run_once(P, shapes, 100, P.opts["seed"])
    result = verify_rule(rule, seed=1)
    assert report.trial == 95, report.trial
    assert result.status == "fail" and "| seed 1, trial 96/100 |" in result.message, result.message


def test_a_value_between_a_custom_rules_kink_value_and_its_slopes_fails_at_a_scalar_kink():
    """A relu whose custom_jvp gives 5 at 0 (its one-sided slopes are 0 and 1), kept as written: a scalar
    candidate taking 3 at 0 is outside [0, 1] and fails. A trial without ties is not sent to the tie-broken
    pass, whose range would include JAX's own 5 (kills `not ok and has_ties` → `not ok or has_ties`, which
    sent it there and passed)."""
    import jax

    from chainrule import check_gradient

    @jax.custom_jvp
    def odd_relu(x):
        return jnp.where(x > 0, x, 0.0)

    @odd_relu.defjvp
    def _(primals, tangents):
        (x,), (t,) = primals, tangents
        return odd_relu(x), jnp.where(x > 0, 1.0, jnp.where(x == 0, 5.0, 0.0)) * t

    def three_at_zero(x):
        return np.where(x > 0, 1.0, np.where(x == 0, 3.0, 0.0))

    r = check_gradient(lambda x: jnp.sum(odd_relu(x)), three_at_zero, np.zeros(()), custom_rules="keep",
                       shrink=False)
    assert not r.ok and r.diagnosis == ("wrong at a kink: at entry () the candidate gives 3, outside JAX's "
                                        "one-sided derivatives [0, 1]"), r.diagnosis


def test_a_traceable_vjp_that_needs_jax_arrays_gets_its_jacobian_rebuilt_under_jax():
    """A VJP of sin written g.at[:].multiply(sin x) (sin where cos belongs) works on JAX arrays only. Its
    Jacobian is rebuilt from its products in JAX's program, which says "wrong on the diagonal only" (kills
    `if traceable` → `if not traceable`, which sent it to the NumPy loop, where it raised, and lost the
    rebuilt diagnosis)."""
    from chainrule import check_vjp

    r = check_vjp(jnp.sin, lambda x, g: g.at[:].multiply(jnp.sin(x)), np.zeros(5), shrink=False)
    assert r.diagnosis.startswith("dropped term: wrong on the diagonal only"), r.diagnosis
    assert "rebuilt from the candidate's VJPs of the 5 basis cotangents" in r.diagnosis, r.diagnosis
