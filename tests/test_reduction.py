"""chainrule.analytic.reduction: exact values, the R-3 v1 erratum, free shapes, bad input.

Backends and dtypes: tests/test_catalog.py, catalog-wide.
"""

from __future__ import annotations

import dataclasses

import jax
import jax.numpy as jnp
import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

from chainrule.analytic import reduction as rd
from chainrule.analytic.structured import todense
from chainrule.reference.autodiff import x64
from chainrule.reference.catalog import by_name
from chainrule.reference.catalog.rules_reduction import RULES
from chainrule.reference.catalog.verify import verify_rule

X = np.array([1.0, -2.0, 4.0])
W = np.array([0.5, 0.5, -1.0])
Z = np.asarray(2.0)
A = np.array([[1.0, 2.0, 0.0], [0.0, -1.0, 1.0]])  # m = 2, n = 3: non-square

# --- exact values at a point (R-1 … R-4) -------------------------------------------------------------


def test_general_sum_is_the_column_sums_of_a_full_jacobian():
    """R-1: each f_i(x) = sin((Ax)_i) uses all of x; ∂y/∂x_j = Σ_i cos((Ax)_i) A_ij."""
    x = np.zeros(3)  # Ax = 0, cos = 1: the Jacobian is A itself
    J = rd.jac_sin_matvec_x(A, x)
    np.testing.assert_array_equal(J, A)
    np.testing.assert_array_equal(rd.grad_sum_sin_matvec_x(A, x), [1.0, 1.0, 1.0])
    x = np.array([np.pi / 2, 0.0, 0.0])  # Ax = [π/2, 0]: cos = [0, 1], only row 1 of A counts
    np.testing.assert_allclose(rd.grad_sum_sin_matvec_x(A, x), [0.0, -1.0, 1.0], atol=1e-16)
    np.testing.assert_allclose(rd.grad_sum_sin_matvec_x(A, x), np.ones(2) @ rd.jac_sin_matvec_x(A, x),
                               rtol=1e-15, atol=1e-16)


EXACT = [
    (rd.grad_sum_vector_x, (X,), np.ones(3)),
    (rd.grad_sum_mul_scalar_x, (X, Z), np.array([2.0, 2.0, 2.0])),  # [z, …, z]
    (rd.grad_sum_mul_scalar_z, (X, Z), np.asarray(3.0)),  # sum(x)
    (rd.grad_sum_add_scalar_x, (X, Z), np.ones(3)),
    (rd.grad_sum_add_scalar_z, (X, Z), np.asarray(3.0)),  # n
    (rd.grad_sum_add_w, (W, X), np.ones(3)),
    (rd.grad_sum_add_x, (W, X), np.ones(3)),
]


@pytest.mark.parametrize(("fn", "args", "expected"), EXACT, ids=[f.__name__ for f, _, _ in EXACT])
def test_exact_values(fn, args, expected):
    got = fn(*args)
    assert np.shape(got) == expected.shape
    np.testing.assert_array_equal(got, expected)


def test_primals_at_a_point():
    assert float(rd.sum_vector(X)) == 3.0
    assert float(rd.sum_mul_scalar(X, Z)) == 6.0
    assert float(rd.sum_add_scalar(X, Z)) == 9.0
    assert float(rd.sum_add(W, X)) == 3.0
    np.testing.assert_array_equal(rd.sin_matvec(A, np.zeros(3)), [0.0, 0.0])


def test_gradients_have_the_arguments_shapes():
    """The paper's 1 × n row is an (n,) array; a derivative with respect to the scalar z is ()."""
    assert rd.grad_sum_sin_matvec_x(A, X).shape == (3,)
    assert rd.jac_sin_matvec_x(A, X).shape == (2, 3)
    assert rd.grad_sum_mul_scalar_z(X, Z).shape == ()
    assert rd.grad_sum_add_scalar_z(X, 2.0).shape == ()


# --- the v1 erratum -----------------------------------------------------------------------------


def _erratum_n(x, z):
    """The Feb-2018 (v1) reference section's claim: ∇_z sum(xz) = n."""
    return jnp.asarray(float(x.shape[0]), dtype=x.dtype)


def test_v1_erratum_n_is_wrong_for_sum_xz_but_right_for_sum_x_plus_z():
    wrong = dataclasses.replace(by_name("grad_sum_mul_scalar_z"), name="v1_erratum_sum_xz",
                                derivative=_erratum_n, sizes=({"n": 4},))
    right = dataclasses.replace(by_name("grad_sum_add_scalar_z"), name="v1_erratum_sum_x_plus_z",
                                derivative=_erratum_n, sizes=({"n": 4},))
    failed, passed = verify_rule(wrong, trials=20), verify_rule(right, trials=20)
    assert not failed.ok and "v1_erratum_sum_xz vs jax.jacfwd and jax.jacrev (wrt z)" in failed.message
    assert passed.ok, passed.message
    # and the fixed value, sum(x), passes where n failed
    assert verify_rule(by_name("grad_sum_mul_scalar_z"), trials=20).ok


def test_v1_erratum_at_a_point():
    x = np.array([1.0, 2.0, 3.0, 10.0])  # n = 4, sum(x) = 16
    with x64():
        jax_z = float(jax.grad(rd.sum_mul_scalar, argnums=1)(jnp.asarray(x), jnp.asarray(0.5)))
        jax_plus = float(jax.grad(rd.sum_add_scalar, argnums=1)(jnp.asarray(x), jnp.asarray(0.5)))
    assert jax_z == float(rd.grad_sum_mul_scalar_z(x, 0.5)) == 16.0 != len(x)
    assert jax_plus == float(rd.grad_sum_add_scalar_z(x, 0.5)) == len(x)


# --- computed as 1⃗ᵀ I with the structured identity ----------------------------------------------


def test_sum_w_plus_x_gradient_is_linear_in_memory_at_a_million():
    n = 10**6
    g = rd.grad_sum_add_w(np.ones(n), np.ones(n))
    assert isinstance(g, np.ndarray) and g.shape == (n,) and g.nbytes == 8 * n
    assert float(g.min()) == float(g.max()) == 1.0


# --- free shapes (Hypothesis): closed form = jax.grad ---------------------------------------------------

_ENTRY = st.floats(-10.0, 10.0, allow_subnormal=False)


@jax.jit
def _jax_gradients(A, x, w, z):
    args = {"A": A, "x": x, "w": w, "z": z}
    return tuple(
        jax.jacfwd(rule.primal, argnums=rule.argnum)(*(args[a.name] for a in rule.args)) for rule in RULES
    )


@settings(max_examples=8, deadline=None)
@given(data=st.data(), m=st.integers(1, 3), n=st.integers(1, 4))
def test_every_rule_matches_jax_on_free_shapes(data, m, n):
    args = {
        "A": data.draw(hnp.arrays(np.float64, (m, n), elements=_ENTRY), label="A"),
        "x": data.draw(hnp.arrays(np.float64, n, elements=_ENTRY), label="x"),
        "w": data.draw(hnp.arrays(np.float64, n, elements=_ENTRY), label="w"),
        "z": np.asarray(data.draw(_ENTRY, label="z")),
    }
    with x64():
        refs = _jax_gradients(*(jnp.asarray(args[k]) for k in "Axwz"))
    for rule, ref in zip(RULES, refs, strict=True):
        claimed = todense(rule.derivative(*(args[a.name] for a in rule.args)))
        np.testing.assert_allclose(claimed, np.asarray(ref), rtol=1e-12, atol=1e-13, err_msg=rule.name)


# --- bad input ---------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("fn", "args", "exc", "text"),
    [
        (rd.grad_sum_vector_x, (np.ones(3, dtype=int),), TypeError,
         "x: expected a real floating array (float32 or float64), got int64"),
        (rd.grad_sum_add_w, (np.ones(3), np.ones(3, dtype=np.complex64)), TypeError,
         "x: expected a real floating array (float32 or float64), got complex64"),
        (rd.grad_sum_add_x, (np.ones(3), np.ones(4)), ValueError,
         "arguments of one shape (m = n = |y|), got w (3,), x (4,)"),
        (rd.grad_sum_sin_matvec_x, (np.ones((2, 3)), np.ones(4)), ValueError,
         "x has length 4 but A has 3 along axis 1 (shape (2, 3)); they must match"),
        (rd.jac_sin_matvec_x, (np.ones(3), np.ones(3)), ValueError,
         "A: expected a matrix A of shape (m, n) (2-d array), got shape (3,)"),
        (rd.grad_sum_mul_scalar_z, (np.ones(3), np.ones(1)), ValueError,
         "z: expected a scalar z (expanded to 1⃗z) (0-d array), got shape (1,)"),
        (rd.grad_sum_vector_x, (np.ones((2, 2)),), ValueError,
         "x: expected a vector x ∈ Rⁿ (1-d array), got shape (2, 2)"),
    ],
)
def test_bad_input(fn, args, exc, text):
    with pytest.raises(exc) as info:
        fn(*args)
    assert text in str(info.value)
