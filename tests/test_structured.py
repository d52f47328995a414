"""chainrule.analytic.structured: structure is kept through composition, and densified only on request."""

from __future__ import annotations

import jax
import jax.numpy as jnp
import numpy as np
import pytest

from chainrule.analytic.structured import Diagonal, ScaledIdentity, identity_like, is_structured, todense


def test_composition_keeps_structure_and_matches_dense():
    rng = np.random.default_rng(0)
    d1, d2 = rng.standard_normal(5), rng.standard_normal(5)
    D1, D2, S = Diagonal(d1), Diagonal(d2), ScaledIdentity(np.asarray(3.0), 5)
    A = rng.standard_normal((5, 3))
    cases = [(D1 @ D2, np.diag(d1) @ np.diag(d2)), (S @ D1, 3 * np.diag(d1)), (D1 @ S, 3 * np.diag(d1)),
             (S @ S, 9 * np.eye(5)), (-D1, -np.diag(d1)), (D1 + S, np.diag(d1) + 3 * np.eye(5)),
             (D1 - D2, np.diag(d1 - d2)), (2.0 * D1, np.diag(2 * d1))]
    for got, want in cases:
        assert is_structured(got)
        np.testing.assert_allclose(todense(got), want, rtol=1e-15, atol=0)
    np.testing.assert_allclose(D1 @ A, np.diag(d1) @ A, rtol=1e-15, atol=0)
    np.testing.assert_allclose(A.T @ D1, A.T @ np.diag(d1), rtol=1e-15, atol=0)
    np.testing.assert_allclose(np.ones(5) @ D1, d1, rtol=1e-15, atol=0)
    assert isinstance(S @ S, ScaledIdentity)


def test_large_diagonal_stays_linear_in_memory():
    n = 2_000_000  # dense would need 32 TB
    D = Diagonal(np.linspace(1.0, 2.0, n)) @ Diagonal(np.full(n, 2.0))
    assert isinstance(D, Diagonal) and D.shape == (n, n) and D.diagonal().nbytes == 8 * n
    np.testing.assert_array_equal(D.diagonal(), 2.0 * np.linspace(1.0, 2.0, n))


def test_shape_mismatch_names_both_shapes():
    with pytest.raises(ValueError, match=r"\(3, 3\) @ \(4, 2\)"):
        Diagonal(np.ones(3)) @ np.ones((4, 2))
    with pytest.raises(ValueError, match=r"Diagonal needs the diagonal as a 1-d array, got shape \(2, 2\)"):
        Diagonal(np.ones((2, 2)))
    with pytest.raises(ValueError, match=r"ScaledIdentity needs the scale as a 0-d array .* got float"):
        ScaledIdentity(1.0, 3)


def test_works_inside_jit():
    f = jax.jit(lambda x: todense(Diagonal(x) @ identity_like(x, 2.0)))
    np.testing.assert_array_equal(f(jnp.arange(3.0)), np.diag([0.0, 2.0, 4.0]))


def test_identity_like_keeps_dtype():
    J = identity_like(np.ones(4, dtype=np.float32))
    assert J.dtype == np.float32 and todense(J).dtype == np.float32
    np.testing.assert_array_equal(todense(J), np.eye(4))
    np.testing.assert_array_equal(todense(identity_like(np.ones(3), -1.0)), -np.eye(3))


def test_is_structured_and_todense_are_the_one_package_wide_protocol():
    """analytic re-exports chainrule._structured's duck-typed protocol: one definition, not a second one."""
    import chainrule._structured as protocol
    from chainrule.analytic import structured

    assert structured.is_structured is protocol.is_structured
    assert structured.todense is protocol.todense

    class Scaled:  # a user's structured Jacobian: anything with todense() that is not an array
        def todense(self):
            return 2.0 * np.eye(2)

    assert is_structured(Scaled()) and not is_structured(np.eye(2)) and not is_structured(jnp.eye(2))
    np.testing.assert_array_equal(todense(Scaled()), 2.0 * np.eye(2))
    a = np.eye(2)
    assert todense(a) is a  # arrays pass through
