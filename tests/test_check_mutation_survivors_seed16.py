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
