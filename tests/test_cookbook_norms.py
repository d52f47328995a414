"""chainrule.analytic.cookbook_norms: Matrix Cookbook §2.6–§2.7 (CB-129 … CB-132, complex case), exact values,
the convention at x = a, the complex gradient, and bad input.

Random-input agreement with JAX in float64 and float32: tests/test_catalog.py (every record).
"""

from __future__ import annotations

import jax
import jax.numpy as jnp
import numpy as np
import pytest

from chainrule.analytic import cookbook_norms as cn
from chainrule.reference.autodiff import gradient, jacobian, x64


def test_two_norm_of_a_difference_exact_values():
    x, a = np.array([4.0, 6.0]), np.array([1.0, 2.0])  # x − a = (3, 4), ‖x − a‖ = 5
    assert cn.norm_diff(x, a) == 5.0
    np.testing.assert_allclose(cn.grad_norm_diff_x(x, a), [0.6, 0.8], rtol=1e-15)
    # the Cookbook's form I/‖r‖ − r rᵀ/‖r‖³, written out
    r = x - a
    np.testing.assert_allclose(cn.jac_unit_diff_x(x, a), np.eye(2) / 5 - np.outer(r, r) / 125, rtol=1e-14, atol=1e-16)
    np.testing.assert_allclose(cn.jac_unit_diff_x(x, a), jacobian(cn.unit_diff, x, a), rtol=1e-13)
    assert np.allclose(cn.jac_unit_diff_x(x, a), cn.jac_unit_diff_x(x, a).T)  # symmetric: either layout


def test_unit_direction_jacobian_is_zero_for_n_1():
    """For n = 1 (x − a)/‖x − a‖ = sign(x − a) is locally constant; the closed form gives exactly 0 (JAX's
    reference there is rounding noise, ~1e-16, which is why CB-130's record starts at n = 2)."""
    for x in (-2.0, 0.3, 7.0):
        np.testing.assert_array_equal(cn.jac_unit_diff_x(np.array([x]), np.array([1.0])), [[0.0]])


def test_convention_at_x_equal_a():
    """‖x − a‖ has a kink at x = a: the closed form returns 0 (the minimum-norm subgradient); JAX gives NaN."""
    x = np.array([1.0, -2.0, 0.5])
    np.testing.assert_array_equal(cn.grad_norm_diff_x(x, x), np.zeros(3))
    with np.errstate(all="ignore"):
        assert np.all(np.isnan(gradient(cn.norm_diff, x, x)))
    # CB-130 is undefined there: concrete inputs are rejected
    with pytest.raises(ValueError, match="x = a"):
        cn.jac_unit_diff_x(x, x)


def test_squared_norm_both_printed_sides():
    x = np.array([1.0, -2.0, 3.0])
    np.testing.assert_array_equal(cn.grad_sq_norm_x(x), 2 * x)
    assert cn.sq_norm(x) == cn.norm_of_xtx(x) == 14.0
    np.testing.assert_allclose(gradient(cn.norm_of_xtx, x), 2 * x, rtol=1e-15)
    np.testing.assert_array_equal(gradient(cn.norm_of_xtx, np.zeros(3)), np.zeros(3))  # |·| at 0: JAX takes 0 = 2x


def test_complex_frobenius_gradient_is_2X():
    Xre = np.array([[1.0, -2.0, 0.5], [0.0, 3.0, 1.0]])
    Xim = np.array([[2.0, 1.0, -1.0], [0.5, 0.0, 4.0]])
    X = Xre + 1j * Xim
    assert cn.trace_XXh(Xre, Xim) == pytest.approx(np.trace(X @ X.conj().T).real)
    # the complex gradient ∇ = ∂/∂ℜX + i ∂/∂ℑX (Cookbook (233)), assembled from the two real gradients
    grad = cn.grad_trace_XXh_Xre(Xre, Xim) + 1j * cn.grad_trace_XXh_Xim(Xre, Xim)
    np.testing.assert_array_equal(grad, 2 * X)
    np.testing.assert_allclose(cn.grad_trace_XXh_Xre(Xre, Xim), gradient(cn.trace_XXh, Xre, Xim, argnums=0))
    np.testing.assert_allclose(cn.grad_trace_XXh_Xim(Xre, Xim), gradient(cn.trace_XXh, Xre, Xim, argnums=1))
    # JAX's grad of a real function of a complex argument is the conjugate of the Cookbook's ∇
    with x64():
        g = jax.grad(lambda Z: jnp.real(jnp.trace(Z @ Z.conj().T)))(jnp.asarray(X))
    np.testing.assert_allclose(np.conj(np.asarray(g)), 2 * X, rtol=1e-15)


def test_float32_stays_float32():
    x, a = np.ones(3, dtype=np.float32), np.zeros(3, dtype=np.float32)
    for out in (cn.grad_norm_diff_x(x, a), cn.jac_unit_diff_x(x, a), cn.grad_sq_norm_x(x),
                cn.trace_XXh(x[None, :], a[None, :]), cn.grad_trace_XXh_Xim(x[None, :], a[None, :])):
        assert out.dtype == np.float32


@pytest.mark.parametrize(
    ("call", "exc", "text"),
    [
        (lambda: cn.grad_norm_diff_x(np.ones(3), np.ones(2)), ValueError, "‖x − a‖ needs one length"),
        (lambda: cn.jac_unit_diff_x(np.ones((2, 2)), np.ones(2)), ValueError, "x: expected a vector x"),
        (lambda: cn.grad_sq_norm_x(np.ones((2, 2))), ValueError, "x: expected a vector x"),
        (lambda: cn.grad_trace_XXh_Xre(np.ones((2, 3)), np.ones((3, 2))), ValueError,
         "the real and imaginary parts of one X have one shape"),
        (lambda: cn.trace_XXh(np.ones((2, 3)) + 0j, np.ones((2, 3))), TypeError, "expected a real floating array"),
    ],
)
def test_bad_input_is_explained(call, exc, text):
    with pytest.raises(exc) as info:
        call()
    assert text in str(info.value)
