"""chainrule.analytic.jacobian (§4, §4.1, RULES M-1 … M-7): worked numbers, layouts, shapes, bad input.

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

from chainrule.analytic import jacobian as ja
from chainrule.analytic.structured import ScaledIdentity, todense
from chainrule.reference.autodiff import jacobian, x64
from chainrule.reference.catalog import by_name
from chainrule.reference.catalog.verify import verify_rule

# --- M-1 and M-2: the paper's worked numbers, exactly -------------------------------------------------


def test_m1_partials_and_gradient():
    x, y = np.asarray(3.0), np.asarray(2.0)
    assert float(ja.grad_two_x_plus_y8_x(x, y)) == 2.0  # 2 ∂x/∂x + 0
    assert float(ja.grad_two_x_plus_y8_y(x, y)) == 1024.0  # 0 + 8y⁷
    np.testing.assert_array_equal(ja.grad_two_x_plus_y8_vec_v(np.array([3.0, -1.0])), [2.0, -8.0])


def test_m2_jacobian_at_a_point_and_its_transpose():
    # J = [[6yx, 3x²], [2, 8y⁷]] at (x, y) = (2, 5) and (1, 2); the denominator layout is Jᵀ.
    J = ja.jac_fg_v(np.array([2.0, 5.0]))
    np.testing.assert_array_equal(J, [[60.0, 12.0], [2.0, 625000.0]])
    np.testing.assert_array_equal(ja.jac_fg_v_denominator(np.array([2.0, 5.0])), [[60.0, 2.0], [12.0, 625000.0]])
    np.testing.assert_array_equal(ja.jac_fg_v(np.array([1.0, 2.0])), [[12.0, 3.0], [2.0, 1024.0]])
    np.testing.assert_array_equal(ja.jac_fg_v_denominator(np.array([1.0, 2.0])), [[12.0, 2.0], [3.0, 1024.0]])


def test_m2_rows_are_the_gradients_of_f_and_g():
    from chainrule.analytic.partials import grad_three_x2y_vec_v

    v = np.array([-0.7, 1.3])
    J = ja.jac_fg_v(v)
    np.testing.assert_array_equal(J[0], grad_three_x2y_vec_v(v))  # ∇f, P-2
    np.testing.assert_array_equal(J[1], ja.grad_two_x_plus_y8_vec_v(v))  # ∇g, M-1


def test_m2_numerator_layout_matches_jacfwd_and_not_its_transpose():
    v = np.array([1.0, 2.0])
    ref = jacobian(ja.fg, v)
    np.testing.assert_array_equal(ja.jac_fg_v(v), ref)
    assert not np.allclose(ja.jac_fg_v_denominator(v), ref)


def test_denominator_record_rejects_a_numerator_jacobian():
    # The catalog's layout="denominator" is real: handing it the numerator Jacobian must fail, as a transpose.
    good = by_name("jac_fg_v_denominator")
    assert good.layout == "denominator"
    wrong = dataclasses.replace(good, name="jac_fg_v_as_denominator", derivative=ja.jac_fg_v)
    result = verify_rule(wrong, trials=20, seed=3)
    assert not result.ok
    assert "transposed" in result.message and "seed 3" in result.message


def test_m4_is_m2_in_vector_form():
    rng = np.random.default_rng(0)
    for v in rng.standard_normal((10, 2)):
        np.testing.assert_array_equal(ja.jac_fg_vector_x(v), ja.jac_fg_v(v))
        np.testing.assert_allclose(ja.fg_vector(v), ja.fg(v), rtol=1e-15)
    np.testing.assert_array_equal(ja.jac_fg_vector_x(np.array([1.0, 2.0])), [[12.0, 3.0], [2.0, 1024.0]])


# --- M-3: the general m × n Jacobian, shapes free ---------------------------------------------------------


def _rows(A: np.ndarray, x: np.ndarray) -> np.ndarray:
    """The Jacobian the slow way: one gradient row ∇f_i(x) = cos(a_i·x) a_iᵀ per output, stacked."""
    return np.stack([np.cos(a @ x) * a for a in A])


@settings(max_examples=12, deadline=None)
@given(m=st.integers(1, 5), n=st.integers(1, 5), seed=st.integers(0, 2**16))
def test_m3_general_jacobian_is_the_gradients_stacked_as_rows(m, n, seed):
    rng = np.random.default_rng(seed)
    A, x = rng.standard_normal((m, n)), rng.standard_normal(n)
    J = ja.jac_sin_of_linear_x(A, x)
    assert J.shape == ja.jacobian_shape((m,), (n,)) == (m, n)
    # _rows sums each row's dot product in another order than the matrix product: rounding differs.
    np.testing.assert_allclose(J, _rows(A, x), rtol=1e-12, atol=1e-14)
    np.testing.assert_allclose(ja.jac_sin_of_linear_x_from_partials(A, x), J, rtol=1e-15, atol=0)
    # (JAX's values for these shapes are the catalog's job: `chainrule verify -k M-3`.)


def test_m3_example_is_neither_square_nor_diagonal():
    A = np.array([[1.0, 2.0, 0.5], [-1.0, 0.0, 3.0]])
    J = ja.jac_sin_of_linear_x(A, np.array([0.1, -0.2, 0.3]))
    assert J.shape == (2, 3) and np.count_nonzero(J) == 5


# --- M-5: the shape table ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("out_shape", "in_shape", "array_shape", "paper_shape"),
    [
        ((), (), (), (1, 1)),  # scalar f, scalar x
        ((), (4,), (4,), (1, 4)),  # scalar f, vector x: a row (the gradient)
        ((3,), (), (3,), (3, 1)),  # vector f, scalar x: a column
        ((3,), (4,), (3, 4), (3, 4)),  # vector f, vector x
    ],
)
def test_m5_shape_table(out_shape, in_shape, array_shape, paper_shape):
    assert ja.jacobian_shape(out_shape, in_shape) == array_shape
    assert ja.jacobian_shape(list(out_shape), list(in_shape), matrix=True) == paper_shape


@settings(max_examples=12, deadline=None)
@given(
    m=st.one_of(st.none(), st.integers(1, 4)),
    n=st.one_of(st.none(), st.integers(1, 4)),
    seed=st.integers(0, 2**16),
)
def test_m5_jacobian_shape_is_what_jacfwd_returns(m, n, seed):
    # m or n None: a scalar f or a scalar x (the four cases of the table).
    out_shape, in_shape = (() if m is None else (m,)), (() if n is None else (n,))
    rng = np.random.default_rng(seed)
    A, x = rng.standard_normal(out_shape + in_shape), rng.standard_normal(in_shape)
    expected = ja.jacobian_shape(out_shape, in_shape)
    with x64():  # tracing only: the shape jacfwd would return, without compiling anything
        ref = jax.eval_shape(jax.jacfwd(ja.sin_of_linear, argnums=1), jnp.asarray(A), jnp.asarray(x))
    J = ja.jac_sin_of_linear_x(A, x)
    assert J.shape == ref.shape == expected  # values: the four M-5 records of the catalog


# --- M-6: the identity -------------------------------------------------------------------------------


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_m6_identity_jacobian_is_a_structured_I(dtype):
    x = np.array([0.5, -1.0, 2.0], dtype=dtype)
    J = ja.jac_identity_x(x)
    assert isinstance(J, ScaledIdentity) and J.shape == (3, 3)
    dense = todense(J)
    assert dense.dtype == dtype
    np.testing.assert_array_equal(dense, np.eye(3))
    np.testing.assert_array_equal(dense, jacobian(ja.identity, x.astype(np.float64)))
    y = ja.identity(x)
    assert y is not x and y.dtype == dtype
    np.testing.assert_array_equal(y, x)


# --- M-7: scalar partials, reassembled -------------------------------------------------------------


def test_m7_reassembles_diag_x_for_the_hadamard_product():
    w, x = np.array([3.0, -1.0, 0.5]), np.array([1.0, 2.0, -4.0])
    np.testing.assert_array_equal(ja.jac_hadamard_w_from_partials(w, x), np.diag(x))
    np.testing.assert_array_equal(jacobian(ja.hadamard, w, x), np.diag(x))


def test_m7_entries_land_at_row_i_column_j():
    J = ja.jacobian_from_partials(lambda i, j: 10.0 * i + j, 2, 3, like=np.zeros(1, dtype=np.float32))
    assert J.dtype == np.float32
    np.testing.assert_array_equal(J, [[0.0, 1.0, 2.0], [10.0, 11.0, 12.0]])


# --- bad input ------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("call", "exc", "text"),
    [
        (lambda: ja.jac_fg_v(np.ones(3)), ValueError, "v: expected shape (2,) (the point v = [x, y] of R²)"),
        (lambda: ja.jac_fg_v_denominator(np.array([1, 2])), TypeError, "v: expected a real floating array"),
        (lambda: ja.jac_fg_vector_x(np.ones((2, 2))), ValueError, "x: expected shape (2,) (the vector x"),
        (lambda: ja.grad_two_x_plus_y8_y(np.asarray(1.0), np.ones(2)), ValueError, "y: expected a scalar y"),
        (lambda: ja.jac_sin_of_linear_x(np.ones((2, 3)), np.ones(4)), ValueError,
         "A: expected shape out_shape + x.shape"),
        (lambda: ja.jac_sin_of_linear_x(np.ones((2, 3)), np.ones(4)), ValueError, "got A (2, 3) with x (4,)"),
        (lambda: ja.sin_of_linear(np.ones((2, 2, 3)), np.ones(3)), ValueError, "A: expected shape"),
        (lambda: ja.sin_of_linear(np.ones(3), np.ones((3, 1))), ValueError, "x: expected a scalar or a vector"),
        (lambda: ja.jac_sin_of_linear_x(np.ones((2, 3), dtype=int), np.ones(3)), TypeError,
         "A: expected a real floating array"),
        (lambda: ja.jac_sin_of_linear_x_from_partials(np.ones(3), np.ones(3)), ValueError,
         "A: expected a matrix A of shape (m, n)"),
        (lambda: ja.jac_identity_x(np.asarray(1.0)), ValueError, "x: expected a vector x ∈ Rⁿ"),
        (lambda: ja.jac_hadamard_w_from_partials(np.ones(3), np.ones(2)), ValueError, "w (3,), x (2,)"),
        (lambda: ja.jacobian_shape(3, (2,)), TypeError, "out_shape: expected a shape tuple"),
        (lambda: ja.jacobian_shape((2,), (-1,)), ValueError, "in_shape: expected non-negative integer sizes"),
        (lambda: ja.jacobian_shape((2, 2), (3,), matrix=True), ValueError,
         "out_shape: matrix=True covers the paper's scalars and vectors only"),
        (lambda: ja.jacobian_from_partials(lambda i, j: np.ones(2), 2, 2, like=np.ones(2)), ValueError,
         "partial: expected the scalar ∂f_i/∂x_j, got shape (2,) at (i, j) = (0, 0)"),
        (lambda: ja.jacobian_from_partials(lambda i, j: 0.0, 0, 2, like=np.ones(2)), ValueError,
         "m: expected a size ≥ 1, got 0"),
        (lambda: ja.jacobian_from_partials(lambda i, j: 0.0, 2, 1.5, like=np.ones(2)), TypeError,
         "n: expected an int size"),
        (lambda: ja.jacobian_from_partials(np.ones(2), 2, 2, like=np.ones(2)), TypeError,
         "partial: expected a function"),
        (lambda: ja.jacobian_from_partials(lambda i, j: 0.0, 2, 2, like=np.ones(2, dtype=int)), TypeError,
         "like: expected a real floating array"),
    ],
)
def test_bad_input_raises_with_a_message_naming_the_argument(call, exc, text):
    with pytest.raises(exc) as info:
        call()
    assert text in str(info.value)
