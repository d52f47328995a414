"""Behaviour tests that kill judge.py's mutants which survived the seed-5 sample (issue 16).

Each test pins what a user sees: the trial a message names, the report of a passing check, the wording
of a note, the error raised when the third witness cannot run.
"""

from __future__ import annotations

import jax
import jax.numpy as jnp
import numpy as np
import pytest

from chainrule import check_gradient, check_jacobian
from chainrule.reference.samplers import Domain


def _positive_but(k: int, value: float) -> Domain:
    """uniform(0.5, 1), except x[0] = value at trial k (an ordinary trial of ten)."""
    def draw(rng: np.random.Generator, shape: tuple[int, ...]) -> np.ndarray:
        x = rng.uniform(0.5, 1.0, shape)
        x[k, 0] = value
        return x

    return Domain(f"trial {k} at {value}", draw, f"uniform(0.5, 1); trial {k} has x[0] = {value}")


def test_f_not_finite_on_an_ordinary_trial_names_that_trial():
    """Seed-5 survivor (judge.py): "f itself is not finite at trial {t + 1}" with `t + 2` named the trial
    after the one where log(x) left its domain."""
    r = check_gradient(lambda x: jnp.sum(jnp.log(x)), lambda x: 1 / x, np.zeros(3), trials=10,
                       domains={"x": _positive_but(3, -1.0)})
    assert not r.ok and r.trial == 3 and r.failures == 1, str(r)
    assert r.diagnosis.startswith("f itself is not finite at trial 4: the inputs left f's domain"), r.diagnosis


def test_a_non_finite_jax_derivative_on_an_ordinary_trial_names_that_trial():
    """Seed-5 survivor (judge.py): "JAX's derivative is not finite at trial {t + 1}" with `t - 1` named
    two trials too early. sqrt|x| is finite at x = 0, its derivative is not."""
    r = check_gradient(lambda x: jnp.sum(jnp.sqrt(jnp.abs(x))), lambda x: 0.5 / jnp.sqrt(x), np.zeros(3),
                       trials=10, domains={"x": _positive_but(3, 0.0)})
    assert not r.ok and r.trial == 3 and r.failures == 1, str(r)
    assert r.diagnosis.startswith("JAX's derivative is not finite at trial 4: the inputs left f's domain"), \
        r.diagnosis


def _cancelling(x):
    # 3x + 1e16·x − 1e16·x: jacfwd adds (3 + 1e16) − 1e16 = 4 in float64, jacrev (−1e16 + 1e16) + 3 = 3
    return x * 3.0 + x * 1e16 + x * -1e16


def test_jacfwd_and_jacrev_a_quarter_apart_are_a_disagreement_named_at_the_first_trial():
    """Seed-5 survivors (judge.py): JAX's two witnesses must agree within 10·rtol (relative); with
    `rtol * 10` → `rtol + 10` a 25% disagreement passed as agreement (and the candidate was judged against
    jacfwd alone); with `flatnonzero(bad)[0]` → `[1]` the message named the second disagreeing trial."""
    r = check_jacobian(_cancelling, lambda x: 3.0 * jnp.eye(2), np.zeros(2), seed=0)
    assert not r.ok and r.trial == 0, str(r)
    assert r.failures == 90, str(r)  # every ordinary trial; the ten edge trials are dropped
    assert r.diagnosis == ("JAX's two witnesses (jacfwd and jacrev) disagree at trial 1: f is not differentiable "
                           "there"), r.diagnosis


def _relu_sum(z):
    return jnp.sum(jnp.where(z > 0, z, 0.0))


def test_the_note_on_kinks_says_entries_for_several():
    """Seed-5 survivor (judge.py): `n == 1` → `n >= 1` wrote "7 entry at a kink"."""
    r = check_gradient(_relu_sum, lambda z: jnp.where(z >= 0, 1.0, 0.0), np.zeros(4), kinks="between", seed=0)
    assert r.ok, str(r)
    note = next(n for n in r.notes if " at a kink: " in n)
    n = int(note.split()[0])
    assert n > 1 and note.startswith(f"{n} entries at a kink: the candidate takes the right slope, JAX the left "
                                     "slope; accepted"), note


def test_a_third_witness_that_cannot_evaluate_f_raises_a_value_error_naming_the_witness():
    """Seed-5 survivor (judge.py): `except Exception` → `except CosmicRayTestingException` let erf's
    TypeError on complex inputs escape instead of the ValueError that says what to do."""
    def f(x):
        return jnp.sum(jax.scipy.special.erf(x))

    def grad(x):
        return 2 / np.sqrt(np.pi) * jnp.exp(-x ** 2)

    with pytest.raises(ValueError, match=r"^witness='complex-step': could not evaluate f that way \(TypeError: "
                                         r"erf does not accept dtype complex128.*the complex step needs an f that "
                                         r"accepts complex inputs$"):
        check_gradient(f, grad, np.zeros(3), witness="complex-step", trials=10)


def _first_trial_at(values: np.ndarray) -> Domain:
    def draw(rng: np.random.Generator, shape: tuple[int, ...]) -> np.ndarray:
        x = rng.uniform(-1.0, 1.0, shape)
        x[0] = values
        return x

    return Domain("first trial fixed", draw, "uniform(-1, 1); trial 0 is fixed")


def test_a_passing_report_shows_the_first_trial_candidate_and_jax_alike():
    """Seed-5 survivors (judge.py): a passing report shows trial 0, its candidate and JAX's derivative; with
    `report.trial = 0` → `1` it named trial 1 for trial 0's values, and with `ref[b0][0]` → `ref[b0][1]` it
    showed JAX's derivative at another trial's inputs beside the candidate's at the first."""
    x0 = np.array([0.1, 0.2, 0.3])
    r = check_gradient(lambda x: jnp.sum(jnp.sin(x)), jnp.cos, np.zeros(3), trials=10,
                       domains={"x": _first_trial_at(x0)})
    assert r.ok and r.trial == 0 and r.to_dict()["trial"] == 0, str(r)
    np.testing.assert_allclose(r.claimed, np.cos(x0), rtol=1e-12)
    np.testing.assert_allclose(r.expected, np.cos(x0), rtol=1e-12)


def test_edge_trials_dropped_all_for_a_non_finite_derivative_say_so_without_a_count():
    """Seed-5 survivor (judge.py): when JAX's derivative is not finite at every dropped trial the note says
    so plainly; `len(inf) == len(trials)` → `<` wrote "not finite at 6 of them" of all six."""
    r = check_gradient(lambda x: jnp.sum(jnp.cbrt(x)), lambda x: jnp.cbrt(x) / (3 * x), np.zeros(3), seed=0,
                       shrink=False)
    note = next(n for n in r.notes if "skipped" in n)
    assert note.endswith(", and JAX's derivative is not finite; not counted"), note
