"""chainrule.analytic.neuron: exact values, the ReLU convention at 0, backends, and bad input."""

from __future__ import annotations

import jax
import jax.numpy as jnp
import numpy as np
import pytest

from chainrule.analytic import neuron as nn
from chainrule.analytic.structured import Diagonal
from chainrule.reference.autodiff import gradient, x64

# --- the kink convention (RULES N-3): d/dz max(0, z) = 0 at z = 0 ---------------------------------


def test_relu_derivative_at_zero_is_zero_as_in_the_paper():
    assert float(nn.grad_relu_z(np.asarray(0.0))) == 0.0
    assert float(nn.grad_relu_z(np.asarray(-0.0))) == 0.0
    assert float(nn.grad_relu_z(np.asarray(1e-300))) == 1.0


def test_jax_agrees_with_the_primal_at_zero():
    # The primal is written where(z > 0, z, 0) so that autodiff gives the paper's 0 at the kink ...
    assert gradient(nn.relu, 0.0) == 0.0
    with x64():
        assert float(jax.grad(jax.nn.relu)(0.0)) == 0.0


def test_jnp_maximum_gives_one_half_at_zero_which_is_why_primals_never_use_it():
    # ... whereas jnp.maximum(0, z) splits the derivative at the tie: 0.5, not the paper's 0.
    with x64():
        assert float(jax.grad(lambda z: jnp.maximum(0.0, z))(0.0)) == 0.5


def test_broadcast_relu_jacobian_is_diagonal_with_zero_at_the_kink():
    J = nn.jac_relu_x(np.array([-2.0, 0.0, 0.5]))
    assert isinstance(J, Diagonal)
    np.testing.assert_array_equal(J.todense(), np.diag([0.0, 0.0, 1.0]))


def test_activation_gradient_is_zero_exactly_at_the_kink():
    w, x = np.array([1.0, -1.0]), np.array([2.0, 2.0])  # w·x = 0
    np.testing.assert_array_equal(nn.grad_activation_w(w, 0.0, x), [0.0, 0.0])
    assert float(nn.grad_activation_b(w, 0.0, x)) == 0.0
    np.testing.assert_array_equal(nn.grad_activation_w(w, 1e-12, x), x)


# --- loss_gradient: the public API -------------------------------------------------------------------


def test_loss_gradient_masks_per_sample():
    # z = [3, -1, 5]: sample 1 is inactive and must contribute nothing.
    X = np.array([[1.0, 2.0], [3.0, -4.0], [2.0, 3.0]])
    w, b, y = np.array([1.0, 1.0]), 0.0, np.array([1.0, 0.0, 4.0])
    gw, gb = nn.loss_gradient(w, b, X, y)
    e = np.array([2.0, 0.0, 1.0])  # errors of the active units
    np.testing.assert_allclose(gw, (2 / 3) * (e @ X), rtol=1e-15)
    np.testing.assert_allclose(gb, (2 / 3) * e.sum(), rtol=1e-15)


def test_loss_gradient_cases_outside_the_sum_reading_is_wrong():
    """The 2018 text's "cases outside the sum" reading differs from autodiff when units are mixed."""
    X = np.array([[1.0, 2.0], [3.0, -4.0]])
    w, b, y = np.array([1.0, 1.0]), 0.0, np.array([1.0, 0.5])
    z = X @ w + b
    outside = (2 / 2) * ((z - y) @ X)  # one mask for the whole sum: all units counted
    jax_gw = gradient(nn.loss, w, b, X, y)
    assert not np.allclose(outside, jax_gw)
    np.testing.assert_allclose(nn.loss_gradient(w, b, X, y)[0], jax_gw, rtol=1e-14)


def test_loss_gradient_with_one_sample_is_two_e_x():
    x, w, b, y = np.array([0.5, -1.0, 2.0]), np.array([1.0, 0.5, 1.0]), 0.25, np.array([1.0])
    e = x @ w + b - y[0]
    gw, gb = nn.loss_gradient(w, b, x[None, :], y)
    np.testing.assert_allclose(gw, 2 * e * x, rtol=1e-15)
    np.testing.assert_allclose(gb, 2 * e, rtol=1e-15)


def test_loss_gradient_numpy_in_numpy_out_and_dtype_kept():
    rng = np.random.default_rng(0)
    for dtype in (np.float32, np.float64):
        X = rng.standard_normal((7, 3)).astype(dtype)
        w, y = rng.standard_normal(3).astype(dtype), rng.standard_normal(7).astype(dtype)
        gw, gb = nn.loss_gradient(w, dtype(0.1), X, y)
        assert isinstance(gw, np.ndarray) and gw.dtype == dtype and gw.shape == (3,)
        assert np.asarray(gb).dtype == dtype and np.shape(gb) == ()


def test_loss_gradient_under_jit_equals_numpy_and_autodiff():
    rng = np.random.default_rng(1)
    X, w, y = rng.standard_normal((50, 4)), rng.standard_normal(4), rng.standard_normal(50)
    with x64():
        gw, gb = jax.jit(nn.loss_gradient)(jnp.asarray(w), jnp.asarray(0.3), jnp.asarray(X), jnp.asarray(y))
        assert isinstance(gw, jax.Array)
    nw, nb = nn.loss_gradient(w, 0.3, X, y)
    np.testing.assert_allclose(np.asarray(gw), nw, rtol=1e-13)
    np.testing.assert_allclose(float(gb), float(nb), rtol=1e-13)
    np.testing.assert_allclose(nw, gradient(nn.loss, w, 0.3, X, y, argnums=0), rtol=1e-12)


@pytest.mark.parametrize(
    ("args", "exc", "text"),
    [
        ((np.ones(3), 0.0, np.ones((4, 2)), np.ones(4)), ValueError, "w has length 3 but X has 2 along axis 1"),
        ((np.ones(2), 0.0, np.ones((4, 2)), np.ones(3)), ValueError, "y has length 3 but X has 4"),
        ((np.ones(2), np.ones(2), np.ones((4, 2)), np.ones(4)), ValueError, "b: expected a scalar bias b"),
        ((np.ones(2), 0.0, np.ones(2), np.ones(4)), ValueError, "X: expected a data matrix X of shape (N, n)"),
        ((np.ones(2), 0.0, np.ones((4, 2), dtype=int), np.ones(4)), TypeError, "X: expected a real floating array"),
        ((np.ones(2), 0.0, np.ones((4, 2), dtype=complex), np.ones(4)), TypeError, "got complex128"),
        ((np.ones(2), 0.0, np.ones((0, 2)), np.ones(0)), ValueError, "at least one sample"),
        ((np.ones(2), 0.0, [[1.0, 2.0]], np.ones(1)), TypeError, "X: expected an array"),
    ],
)
def test_loss_gradient_bad_input(args, exc, text):
    with pytest.raises(exc) as info:
        nn.loss_gradient(*args)
    assert text in str(info.value)


def test_dot_rejects_mismatched_lengths():
    with pytest.raises(ValueError, match=r"w \(3,\), x \(2,\)"):
        nn.grad_dot_w(np.ones(3), np.ones(2))


def test_grad_relu_z_rejects_vectors_and_points_to_the_broadcast_rule():
    with pytest.raises(ValueError, match="use jac_relu_x"):
        nn.grad_relu_z(np.ones(3))


def _dot_count(N: int, n: int) -> int:
    import jax
    import jax.numpy as jnp

    from chainrule.analytic.neuron import loss_gradient

    args = (jnp.zeros(n, jnp.float32), jnp.zeros((), jnp.float32), jnp.zeros((N, n), jnp.float32),
            jnp.zeros(N, jnp.float32))
    return str(jax.make_jaxpr(loss_gradient)(*args)).count("dot_general")


def test_under_jit_the_sum_is_the_contraction_on_small_or_narrow_X_and_one_fused_loop_on_tall_wide_X():
    # issue 12: the evaluation order is picked from the static shapes (the benchmarks measured both);
    # both orders are the same sum, so the values agree: test_loss_gradient_* above check those.
    assert _dot_count(100, 100) == 2  # z = Xw, then (1[z > 0] e) @ X: the program autodiff builds
    assert _dot_count(1_000_000, 10) == 2  # narrow rows: the fused loop measured ×7 slower here
    assert _dot_count(50_000, 64) == 1  # z = Xw only; Σ 1[z_i > 0] e_i x_i is one element-wise reduction


def test_both_evaluation_orders_under_jit_match_numpy_on_one_tall_input():
    import jax
    import numpy as np

    from chainrule.analytic.neuron import loss_gradient

    rng = np.random.default_rng(3)
    for N, n in ((50_000, 64), (49_999, 64), (50_000, 63)):
        X = rng.standard_normal((N, n))
        w, y = rng.standard_normal(n) / 8, rng.standard_normal(N)
        with jax.enable_x64(True):
            jw, jb = jax.jit(loss_gradient)(w, np.asarray(0.1), X, y)
        nw, nb = loss_gradient(w, np.asarray(0.1), X, y)
        np.testing.assert_allclose(np.asarray(jw), nw, rtol=1e-10, atol=1e-12)
        np.testing.assert_allclose(float(jb), float(nb), rtol=1e-10, atol=1e-12)
