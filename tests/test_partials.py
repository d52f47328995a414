"""chainrule.analytic.partials (§3, RULES P-1, P-2): the paper's worked numbers and bad input.

Backends and dtypes: tests/test_catalog.py, catalog-wide.
"""

from __future__ import annotations

import numpy as np
import pytest

from chainrule.analytic import partials as pa
from chainrule.reference.autodiff import gradient

# --- the paper's worked examples, exactly ---------------------------------------------------------


def test_p2_partials_and_gradient_at_2_5():
    # f(x, y) = 3x²y: ∂f/∂x = 6yx = 60, ∂f/∂y = 3x² = 12, ∇f(2, 5) = [60, 12].
    x, y = np.asarray(2.0), np.asarray(5.0)
    assert float(pa.grad_three_x2y_x(x, y)) == 60.0
    assert float(pa.grad_three_x2y_y(x, y)) == 12.0
    np.testing.assert_array_equal(pa.grad_three_x2y_vec_v(np.array([2.0, 5.0])), [60.0, 12.0])
    assert float(pa.three_x2y(x, y)) == 60.0 and float(pa.three_x2y_vec(np.array([2.0, 5.0]))) == 60.0


def test_p2_partial_in_x_treats_y_as_a_constant():
    # Seen from ∂/∂x, y is a constant: ∂f/∂x is linear in y and vanishes at y = 0; ∂f/∂y ignores y.
    x = np.asarray(1.5)
    assert float(pa.grad_three_x2y_x(x, np.asarray(0.0))) == 0.0
    assert float(pa.grad_three_x2y_x(x, np.asarray(2.0))) == 2 * float(pa.grad_three_x2y_x(x, np.asarray(1.0)))
    assert float(pa.grad_three_x2y_y(x, np.asarray(-7.0))) == float(pa.grad_three_x2y_y(x, np.asarray(3.0)))


def test_p1_partials_swap_the_factors():
    x, y = np.asarray(2.0), np.asarray(5.0)
    assert float(pa.grad_product_x(x, y)) == 5.0  # ∂(xy)/∂x = y
    assert float(pa.grad_product_y(x, y)) == 2.0  # ∂(xy)/∂y = x


def test_jax_agrees_at_the_paper_point():
    np.testing.assert_array_equal(gradient(pa.three_x2y, 2.0, 5.0, argnums=(0, 1)), (60.0, 12.0))
    np.testing.assert_array_equal(gradient(pa.three_x2y_vec, np.array([2.0, 5.0])), [60.0, 12.0])
    np.testing.assert_array_equal(gradient(pa.product, 2.0, 5.0, argnums=(0, 1)), (5.0, 2.0))


# --- bad input ------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("call", "exc", "text"),
    [
        (lambda: pa.grad_three_x2y_vec_v(np.ones(3)), ValueError,
         "v: expected shape (2,) (the point v = [x, y] of R²), got (3,)"),
        (lambda: pa.three_x2y_vec(np.ones((2, 1))), ValueError, "v: expected shape (2,)"),
        (lambda: pa.grad_three_x2y_vec_v(np.array([2, 5])), TypeError, "v: expected a real floating array"),
        (lambda: pa.grad_three_x2y_x(np.ones(2), np.asarray(1.0)), ValueError, "x: expected a scalar x"),
        (lambda: pa.grad_three_x2y_y(np.asarray(1.0), np.ones(2)), ValueError, "y: expected a scalar y"),
        (lambda: pa.grad_product_x(np.asarray(1.0), np.asarray(2)), TypeError, "y: expected a real floating"),
        (lambda: pa.grad_product_y(np.asarray(1.0), np.asarray(2.0 + 1j)), TypeError, "got complex128"),
    ],
)
def test_bad_input_raises_with_a_message_naming_the_argument(call, exc, text):
    with pytest.raises(exc) as info:
        call()
    assert text in str(info.value)
