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

