"""Behaviour tests that kill the seed-16 sample's surviving mutants (issue 16), a fresh sample of the code
after the seed-15 survivors were dealt with. Each names the mutant it kills and was checked against it by hand.
"""

from __future__ import annotations

import jax.numpy as jnp
import numpy as np

from chainrule import check_jacobian


def test_a_probed_numpy_only_jacobian_is_rebuilt_densely_by_calling_it_in_numpy():
    """Probe mode found a NumPy-only Jacobian wrong (∂f/∂x off by 2). The dense rebuild cannot trace it, so it
    calls it in NumPy, and the report carries the dense diagnosis and its note (kills `except Exception` →
    `except CosmicRayTestingException` around the traced call, which dropped the rebuild)."""
    def jac(x, y):
        return 2 * np.diag(np.cos(x) * np.cos(y)), np.diag(-np.sin(x) * np.sin(y))

    r = check_jacobian(lambda x, y: jnp.sin(x) * jnp.cos(y), jac, np.zeros(4), np.zeros(4), argnums=(0, 1),
                       mode="probe", trials=10, shrink=False)
    assert r.diagnosis == "off by a constant factor 2" and r.block == "∂f/∂x", (r.diagnosis, r.block)
    assert "probe mode detected the failure; trial 1 was rebuilt densely for the diagnosis" in r.notes, r.notes


def _cancelling_where_x0_is_positive(x):
    # 3x + 1e16·x − 1e16·x where x[0] > 0: jacfwd and jacrev round it to 4 and 3 there; plain 3x elsewhere
    cancel = x * 3.0 + x * 1e16 + x * -1e16
    return jnp.where(x[0] > 0, cancel, 3.0 * x)


def test_a_witness_disagreement_names_its_trial_counting_from_one():
    """Seed 0: the first trial with x[0] > 0, where jacfwd and jacrev disagree, is the fourth (index 3), and
    the message says "trial 4" (kills `t + 1` → `t | 1`, "trial 3")."""
    r = check_jacobian(_cancelling_where_x0_is_positive, lambda x: 3.0 * jnp.eye(2), np.zeros(2), seed=0)
    assert r.trial == 3 and r.diagnosis == ("JAX's two witnesses (jacfwd and jacrev) disagree at trial 4: f is not "
                                            "differentiable there"), r.diagnosis


def test_an_entry_wrong_between_a_tenth_and_a_fifth_left_of_a_kink_is_not_near_it():
    """∂ Σ relu(x) with an extra 0.5 wherever −0.2 < x < −0.1: the wrong entries lie farther than 0.1 from the
    kink at 0, so the scan (±0.1·max(1, |x|)) sees no jump and the wrong entry is named plainly (kills the
    scan's range `linspace(−1, 1)` → `linspace(−1, 2)`, which reached 0.2 to the right and said "wrong only
    near a kink")."""
    from chainrule import check_gradient

    def bumped_left_of_the_kink(x):
        x = np.asarray(x)
        return (x > 0).astype(float) + 0.5 * ((x > -0.2) & (x < -0.1))

    r = check_gradient(lambda x: jnp.sum(jnp.maximum(x, 0.0)), bumped_left_of_the_kink, np.zeros(8), shrink=False)
    assert r.failures == 27 and r.diagnosis == "one wrong entry at (3,)", r.diagnosis
