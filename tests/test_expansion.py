"""chainrule.analytic.expansion: exact values, structure, column-vector z-derivatives, free shapes, bad input.

Backends and dtypes: tests/test_catalog.py, catalog-wide.
"""

from __future__ import annotations

import jax
import jax.numpy as jnp
import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

from chainrule.analytic import expansion as ex
from chainrule.analytic.structured import Diagonal, ScaledIdentity, todense
from chainrule.reference.autodiff import x64
from chainrule.reference.catalog.rules_expansion import RULES

X = np.array([1.0, -2.0, 4.0])
Z = np.asarray(2.0)

# --- exact values at a point (X-1 … X-3) -------------------------------------------------------------

EXACT = [
    (ex.jac_add_scalar_x, np.eye(3)),
    (ex.jac_add_scalar_z, np.ones(3)),
    (ex.jac_mul_scalar_x, 2.0 * np.eye(3)),
    (ex.jac_mul_scalar_z, X),
    (ex.jac_sub_scalar_x, np.eye(3)),
    (ex.jac_sub_scalar_z, -np.ones(3)),
    (ex.jac_rsub_scalar_x, -np.eye(3)),
    (ex.jac_rsub_scalar_z, np.ones(3)),
    (ex.jac_div_scalar_x, 0.5 * np.eye(3)),
    (ex.jac_div_scalar_z, np.array([-0.25, 0.5, -1.0])),  # −x/z²
    (ex.jac_rdiv_scalar_x, np.diag([-2.0, -0.5, -0.125])),  # −z/x_i²
    (ex.jac_rdiv_scalar_z, np.array([1.0, -0.5, 0.25])),  # 1/x_i
]


@pytest.mark.parametrize(("fn", "expected"), EXACT, ids=[f.__name__ for f, _ in EXACT])
def test_exact_values(fn, expected):
    np.testing.assert_array_equal(todense(fn(X, Z)), expected)


def test_primals_at_a_point():
    np.testing.assert_array_equal(ex.add_scalar(X, Z), [3.0, 0.0, 6.0])
    np.testing.assert_array_equal(ex.mul_scalar(X, Z), [2.0, -4.0, 8.0])
    np.testing.assert_array_equal(ex.sub_scalar(X, Z), [-1.0, -4.0, 2.0])
    np.testing.assert_array_equal(ex.rsub_scalar(X, Z), [1.0, 4.0, -2.0])
    np.testing.assert_array_equal(ex.div_scalar(X, Z), [0.5, -1.0, 2.0])
    np.testing.assert_array_equal(ex.rdiv_scalar(X, Z), [2.0, -1.0, 0.5])


def test_z_may_be_a_python_number_and_takes_x_dtype():
    J = ex.jac_mul_scalar_x(X.astype(np.float32), 3)
    assert isinstance(J, ScaledIdentity) and J.scale.dtype == np.float32 and float(J.scale) == 3.0


# --- structure: I, −I, I z, I/z stay O(1); diag(−z/x_i²) stays O(n) -----------------------------------

STRUCTURE = [
    (ex.jac_add_scalar_x, ScaledIdentity, 1.0),
    (ex.jac_mul_scalar_x, ScaledIdentity, 2.0),
    (ex.jac_sub_scalar_x, ScaledIdentity, 1.0),
    (ex.jac_rsub_scalar_x, ScaledIdentity, -1.0),
    (ex.jac_div_scalar_x, ScaledIdentity, 0.5),
    (ex.jac_rdiv_scalar_x, Diagonal, None),
]


@pytest.mark.parametrize(("fn", "kind", "scale"), STRUCTURE, ids=[f.__name__ for f, _, _ in STRUCTURE])
def test_x_jacobians_stay_structured_at_a_million(fn, kind, scale):
    n = 10**6
    x = np.linspace(1.0, 2.0, n)
    J = fn(x, Z)
    assert isinstance(J, kind) and J.shape == (n, n)
    if kind is ScaledIdentity:
        assert J.scale.shape == () and float(J.scale) == scale
    else:
        assert J.diagonal().shape == (n,) and J.diagonal().nbytes == 8 * n
        np.testing.assert_allclose(J.diagonal(), -2.0 / x**2, rtol=1e-15)  # −z/x_i² with z = 2


def test_z_derivatives_are_columns_shaped_like_x():
    """The paper's vertical n × 1 vectors: out.shape + z.shape = (n,), what jax.jacfwd returns."""
    with x64():
        ref = jax.jacfwd(ex.mul_scalar, argnums=1)(jnp.asarray(X), jnp.asarray(Z))
    assert ref.shape == (3,)
    z_rules = [rule for rule in RULES if rule.wrt == "z"]
    assert len(z_rules) == 6, [r.name for r in z_rules]  # one per operator: +, ×, −, z − x, ÷, z ÷ x
    for rule in z_rules:
        assert rule.derivative(X, Z).shape == (3,), rule.name


def test_jac_mul_scalar_z_returns_a_copy_of_x():
    x = X.copy()
    out = ex.jac_mul_scalar_z(x, Z)
    out[0] = 99.0
    assert x[0] == 1.0


# --- free shapes (Hypothesis): closed form = jax.jacfwd -----------------------------------------------

_NONZERO = st.floats(0.1, 100.0) | st.floats(-100.0, -0.1)


@jax.jit
def _jax_jacobians(x, z):
    """jax.jacfwd of every rule's primal, in one jit: one compilation per length of x."""
    return tuple(jax.jacfwd(rule.primal, argnums=rule.argnum)(x, z) for rule in RULES)


@settings(max_examples=10, deadline=None)
@given(x=st.integers(1, 5).flatmap(lambda n: hnp.arrays(np.float64, n, elements=_NONZERO)), z=_NONZERO)
def test_every_rule_matches_jax_on_free_shapes(x, z):
    with x64():
        refs = _jax_jacobians(jnp.asarray(x), jnp.asarray(z))
    for rule, ref in zip(RULES, refs, strict=True):
        claimed = todense(rule.derivative(x, np.asarray(z)))
        np.testing.assert_allclose(claimed, np.asarray(ref), rtol=1e-13, err_msg=rule.name)


# --- bad input ---------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("fn", "args", "exc", "text"),
    [
        (ex.jac_add_scalar_z, (np.ones(3, dtype=np.int32), 1.0), TypeError,
         "x: expected a real floating array (float32 or float64), got int32"),
        (ex.jac_mul_scalar_x, (np.ones(3), np.asarray(1.0 + 2.0j)), TypeError,
         "z: expected a real floating array (float32 or float64), got complex128"),
        (ex.jac_mul_scalar_x, (np.ones(3), 1j), TypeError, "z: expected a real number, got complex"),
        (ex.jac_mul_scalar_z, (np.ones(3), np.ones(3)), ValueError,
         "z: expected a scalar z (expanded to 1⃗z) (0-d array), got shape (3,)"),
        (ex.add_scalar, (np.asarray(1.0), 1.0), ValueError,
         "x: expected a vector x ∈ Rⁿ (1-d array), got shape ()"),
        (ex.div_scalar, (np.ones(3), 0.0), ValueError,
         "z: x / z is defined only where z ≠ 0, but z has 1 zero entry"),
        (ex.jac_div_scalar_z, (np.ones(3), np.asarray(0.0)), ValueError, "move z off 0"),
        (ex.jac_rdiv_scalar_x, (np.array([1.0, 0.0]), 2.0), ValueError,
         "x: ∂(z / x)/∂x = diag(−z/x_i²) is defined only where x ≠ 0"),
        (ex.jac_rdiv_scalar_z, (np.array([0.0, 0.0]), 2.0), ValueError, "x has 2 zero entries"),
    ],
)
def test_bad_input(fn, args, exc, text):
    with pytest.raises(exc) as info:
        fn(*args)
    assert text in str(info.value)
