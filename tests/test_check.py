"""The validation helpers' own tests: a library of deliberately wrong derivations, each caught with the
right diagnosis, and the correct versions passing 1,000 randomized trials with no false alarm.

Every wrong derivation below has a correct twin in ``CORRECT``; the false-alarm test runs each twin
over 1,000 trials (one ``jit(vmap)`` call each, 100 of them edge trials at kinks and ties).
"""

from __future__ import annotations

import json
import re
import sys

import jax
import jax.numpy as jnp
import numpy as np
import pytest

from chainrule import (
    CheckReport,
    assert_gradient,
    assert_jacobian,
    check_gradient,
    check_hessian,
    check_jacobian,
    check_jvp,
    check_vjp,
)
from chainrule.analytic.structured import Diagonal
from chainrule.reference.catalog.verify import TOLERANCES

FAST = {"trials": 20, "shrink": False}

# =================================================================================================
# Primals and their correct derivatives (the twins of the wrong ones below)
# =================================================================================================


def tanh_layer(W, x):
    """f(W, x) = Σ tanh(W x); W (3, 4), x (4,)."""
    return jnp.sum(jnp.tanh(W @ x))


def grad_tanh_layer_W(W, x):
    return jnp.outer(1 - jnp.tanh(W @ x) ** 2, x)


def grad_tanh_layer_x(W, x):
    return W.T @ (1 - jnp.tanh(W @ x) ** 2)


def mse(w, X, y):
    """C(w) = mean((X w − y)²); w (3,), X (5, 3), y (5,)."""
    return jnp.mean((X @ w - y) ** 2)


def grad_mse_w(w, X, y):
    return 2 * X.T @ (X @ w - y) / y.shape[0]


def softmax(z):
    return jax.nn.softmax(z)


def jac_softmax(z):
    s = jax.nn.softmax(z)
    return jnp.diag(s) - jnp.outer(s, s)


def relu_sum(z):
    """Σ max(0, z), written where(z > 0, z, 0) so that JAX's derivative at 0 is 0 (the paper's)."""
    return jnp.sum(jnp.where(z > 0, z, 0.0))


def grad_relu_sum(z):
    return (z > 0).astype(z.dtype)


def sin_x(x):
    return jnp.sum(x * jnp.sin(x))


def grad_sin_x(x):
    return jnp.sin(x) + x * jnp.cos(x)


def quad(x, A):
    """xᵀ A x; A non-symmetric in every trial."""
    return x @ A @ x


def grad_quad_x(x, A):
    return (A + A.T) @ x


def hess_quad_x(x, A):
    return A + A.T


def elementwise(x):
    return jnp.sin(x) * x[0]


def jac_elementwise(x):
    return jnp.diag(jnp.cos(x) * x[0]) + jnp.zeros((x.size, x.size)).at[:, 0].set(jnp.sin(x))


def max_pair(x, y):
    return jnp.sum(jnp.maximum(x, y))


def grad_max_pair(x, y):  # ties: (0, 1), another valid choice between JAX's slopes than JAX's (½, ½)
    return (x > y).astype(x.dtype), (x <= y).astype(y.dtype)


def abs_sum(x):
    return jnp.sum(jnp.abs(x))


def grad_abs_sum(x):  # torch's convention: sgn(0) = 0 (JAX's is 1)
    return jnp.sign(x)


def clip_sum(x):
    return jnp.sum(jnp.clip(x, -1.0, 1.0))


def grad_clip_sum(x):  # torch's convention: 1 on the bounds (JAX's is ½)
    return ((x >= -1.0) & (x <= 1.0)).astype(x.dtype)


W34, X4 = np.zeros((3, 4)), np.zeros(4)
MSE_ARGS = (np.zeros(3), np.zeros((5, 3)), np.zeros(5))

CORRECT = {
    "tanh_layer wrt W": (check_gradient, tanh_layer, grad_tanh_layer_W, (W34, X4), {}),
    "tanh_layer wrt (W, x)": (check_gradient, tanh_layer, lambda W, x: (grad_tanh_layer_W(W, x),
                                                                          grad_tanh_layer_x(W, x)),
                              (W34, X4), {"argnums": (0, 1)}),
    "mse": (check_gradient, mse, grad_mse_w, MSE_ARGS, {}),
    "softmax": (check_jacobian, softmax, jac_softmax, (np.zeros(5),), {}),
    "relu": (check_gradient, relu_sum, grad_relu_sum, (np.zeros(6),), {}),
    "x sin x": (check_gradient, sin_x, grad_sin_x, (np.zeros(4),), {}),
    "xᵀAx": (check_gradient, quad, grad_quad_x, (np.zeros(3), np.zeros((3, 3))), {}),
    "∇²xᵀAx": (check_hessian, quad, hess_quad_x, (np.zeros(3), np.zeros((3, 3))), {}),
    "elementwise": (check_jacobian, elementwise, jac_elementwise, (np.zeros(4),), {}),
    "maximum ties": (check_gradient, max_pair, grad_max_pair, (np.zeros(5), np.zeros(5)), {"argnums": (0, 1)}),
    "abs": (check_gradient, abs_sum, grad_abs_sum, (np.zeros(5),), {}),
    "clip": (check_gradient, clip_sum, grad_clip_sum, (np.zeros(5),), {"kink_points": (-1.0, 0.0, 1.0)}),
}


@pytest.mark.parametrize("name", list(CORRECT))
def test_correct_derivations_pass_1000_trials(name):
    """No false alarm: each correct derivation passes 1,000 random trials (100 of them at kinks/ties)."""
    checker, f, cand, args, kw = CORRECT[name]
    report = checker(f, cand, *args, trials=1000, seed=12345, **kw)
    assert report.ok, str(report)
    assert report.trials == 1000 and report.failures == 0 and report.diagnosis is None


@pytest.mark.parametrize("name", list(CORRECT))
def test_correct_derivations_pass_over_1000_seeds(name):
    """No false alarm over 1,000 seeds: each seed is an independent stream of 10 draws, the last an edge
    trial (entries on, near and tied at kinks; one trial in ten is one); the compiled programs are
    cached, so a new seed costs one run, not a compilation."""
    checker, f, cand, args, kw = CORRECT[name]
    false_alarms = [seed for seed in range(1000)
                    if not checker(f, cand, *args, trials=10, seed=seed, **kw).ok]
    assert false_alarms == [], f"{name}: false alarms at seeds {false_alarms[:10]}"


# =================================================================================================
# The library of wrong derivations: each caught, with the right diagnosis
# =================================================================================================


def test_sign_flip():
    r = check_gradient(tanh_layer, lambda W, x: -grad_tanh_layer_W(W, x), W34, X4, seed=7, **FAST)
    assert not r.ok
    assert r.diagnosis == "sign flipped (factor −1)"
    text = str(r)
    assert "seed 7" in text and "trial" in text and "(candidate)" in text and "(JAX)" in text
    i, j = r.entries[0].index
    assert f"({i}, {j})" in text
    assert r.entries[0].claimed == pytest.approx(-r.entries[0].expected)


def test_transposed_jacobian_non_square():
    W = np.zeros((3, 5))
    r = check_jacobian(lambda x, W: jnp.tanh(W @ x), lambda x, W: (W * (1 - jnp.tanh(W @ x) ** 2)[:, None]).T,
                       np.zeros(5), W, **FAST)
    assert r.diagnosis == "transposed (denominator layout): claimed (5, 3) is the transpose of JAX's (3, 5)"


def test_transposed_gradient_of_a_square_matrix_is_caught_because_draws_are_not_symmetric():
    r = check_gradient(lambda W: jnp.trace(W @ W @ W), lambda W: 3 * (W @ W), np.zeros((3, 3)), **FAST)
    assert r.diagnosis == "transposed (denominator layout)"


def test_missing_factor_2():
    r = check_gradient(sin_x, lambda x: (jnp.sin(x) + x * jnp.cos(x)) / 2, np.zeros(4), **FAST)
    assert r.diagnosis == "off by a constant factor 1/2"


def test_missing_one_over_n():
    r = check_gradient(mse, lambda w, X, y: 2 * X.T @ (X @ w - y), *MSE_ARGS, **FAST)
    assert r.diagnosis.startswith("off by a constant factor 5 (= N with N = 5")


def test_extra_one_over_n():
    r = check_gradient(mse, lambda w, X, y: grad_mse_w(w, X, y) / 5, *MSE_ARGS, **FAST)
    assert r.diagnosis.startswith("off by a constant factor 1/5 (= 1/N with N = 5")


def test_dropped_outer_product_term_of_softmax():
    r = check_jacobian(softmax, lambda z: jnp.diag(jax.nn.softmax(z)), np.zeros(5), **FAST)
    assert r.diagnosis.startswith("dropped term: JAX − candidate is a rank-one outer product")


def test_dropped_diagonal_term():
    r = check_jacobian(elementwise, lambda x: jnp.zeros((4, 4)).at[:, 0].set(jnp.sin(x))
                       + jnp.diag(jnp.zeros(4).at[0].set(jnp.cos(x[0]) * x[0])), np.zeros(4), **FAST)
    assert r.diagnosis.startswith("dropped term: wrong on the diagonal only")


def test_one_wrong_entry_is_located():
    r = check_jacobian(elementwise, lambda x: jac_elementwise(x).at[1, 2].add(0.5), np.zeros(4), seed=3, **FAST)
    assert r.diagnosis == "one wrong entry at (1, 2)"
    assert r.entries[0].index == (1, 2)
    assert r.entries[0].claimed - r.entries[0].expected == pytest.approx(0.5)
    assert "seed 3" in str(r) and "(1, 2)" in str(r)


def test_relative_error_1e_4_in_float64():
    r = check_gradient(sin_x, lambda x: grad_sin_x(x) + 1e-4 * jnp.cos(3 * x), np.zeros(4), **FAST)
    assert not r.ok
    assert r.diagnosis.startswith("close but not exact: relative error")
    assert 1e-5 < r.max_rel_error < 1e-3


def test_constant_close_to_one_is_named():
    r = check_gradient(sin_x, lambda x: 1.0001 * grad_sin_x(x), np.zeros(4), **FAST)
    assert r.diagnosis.startswith("close but not exact: off by a constant factor 1.0001")


def test_wrong_shape_that_broadcasts_is_a_failure():
    r = check_gradient(lambda x: jnp.sum(x ** 2), lambda x: (2 * x)[:, None], np.zeros(3), **FAST)
    assert not r.ok
    assert r.diagnosis.startswith("wrong shape: claimed (3, 1), JAX (3,)")
    assert r.claimed.shape == (3, 1) and r.expected.shape == (3,)


def test_missing_batch_sum():
    r = check_gradient(lambda w, X: jnp.sum((X @ w) ** 2), lambda w, X: 2 * (X @ w)[:, None] * X,
                       np.zeros(3), np.zeros((5, 3)), **FAST)
    assert "wrong shape: claimed (5, 3), JAX (3,)" in r.diagnosis
    assert "a batch dimension's sum is missing" in r.diagnosis


def test_derivative_missing_for_second_argument_is_localized():
    """``jax.test_util.check_grads`` folds all inputs into one projection; here each input has its block."""
    r = check_gradient(tanh_layer, lambda W, x: (grad_tanh_layer_W(W, x), jnp.zeros_like(x)), W34, X4,
                       argnums=(0, 1), **FAST)
    assert r.diagnosis == "derivative missing for argument 1 (x) (zero where JAX is not)"
    by_name = {b.name: b for b in r.blocks}
    assert by_name["W"].ok and not by_name["x"].ok


def test_non_finite_where_jax_is_finite():
    r = check_gradient(abs_sum, lambda x: x / jnp.abs(x), np.zeros(5), **FAST)
    assert r.diagnosis.startswith("non-finite values (NaN or inf where JAX is finite)")


def test_factor_that_varies_with_the_inputs():
    r = check_gradient(sin_x, lambda x: jnp.sum(x ** 2) * grad_sin_x(x), np.zeros(4), **FAST)
    assert r.diagnosis.startswith("proportional to JAX in each trial, but the factor varies")


def test_formula_only_right_for_symmetric_matrices():
    r = check_gradient(quad, lambda x, A: 2 * A @ x, np.zeros(3), np.zeros((3, 3)), **FAST)
    assert r.diagnosis.startswith("holds only for symmetric matrices")
    assert "A" in r.diagnosis
    h = check_hessian(quad, lambda x, A: 2 * A, np.zeros(3), np.zeros((3, 3)), **FAST)
    assert h.diagnosis.startswith("holds only for symmetric matrices")


def test_formula_only_right_for_square_inputs_is_caught_by_a_grown_axis():
    def wrong(W, x):  # uses W.shape[1] where W.shape[0] belongs: invisible while W is square
        return jnp.outer(jnp.ones(W.shape[1]), x)

    r = check_gradient(lambda W, x: jnp.sum(W @ x), wrong, np.zeros((3, 3)), np.zeros(3), trials=20,
                       vary_shapes=True)
    assert not r.ok
    assert r.diagnosis.startswith("holds only when dimensions coincide: passes at W (3, 3), fails at W (4, 3)")


# -- kinks ----------------------------------------------------------------------------------------


def test_kink_convention_between_the_slopes_is_accepted_and_named():
    r = check_gradient(relu_sum, lambda z: (z >= 0).astype(z.dtype), np.zeros(6), trials=100)
    assert r.ok, str(r)
    assert any("candidate takes the right slope, JAX the left slope" in n for n in r.notes)


def test_wrong_kink_convention_when_jax_convention_is_required():
    r = check_gradient(relu_sum, lambda z: (z >= 0).astype(z.dtype), np.zeros(6), kinks="jax", **FAST)
    assert r.diagnosis.startswith("wrong kink convention")
    assert "right slope (1)" in r.diagnosis and "left slope (0)" in r.diagnosis


def test_value_outside_the_one_sided_slopes_fails():
    r = check_gradient(relu_sum, lambda z: jnp.where(z == 0, 2.0, (z > 0).astype(z.dtype)), np.zeros(6), **FAST)
    assert r.diagnosis.startswith("wrong at a kink")
    assert "outside JAX's one-sided derivatives [0, 1]" in r.diagnosis


def test_wrong_only_near_a_kink():
    r = check_gradient(relu_sum, lambda z: (z > 0.05).astype(z.dtype), np.zeros(6), trials=100, shrink=False)
    assert not r.ok
    assert r.diagnosis.startswith("wrong only near a kink")
    assert 0 < r.failures < 100


def test_conventions_table_values_are_jax_s():
    """The docs table of conventions at the kink (JAX column) is what JAX computes."""
    with jax.enable_x64(True):
        z = jnp.float64(0.0)
        assert jax.grad(jax.nn.relu)(z) == 0.0
        assert jax.grad(lambda x: jnp.maximum(0.0, x))(z) == 0.5
        assert jax.grad(jnp.maximum, (0, 1))(z, z) == (0.5, 0.5)
        assert jax.grad(lambda x: jnp.clip(x, -1.0, 1.0))(1.0) == 0.5
        assert jax.grad(jnp.abs)(z) == 1.0


# -- ties: the partials of tied arguments must add up along the tie direction --------------------


def grad_max_pair_both(x, y):  # wrong: 1 to *each* argument at a tie (each alone between its slopes)
    return (x >= y).astype(x.dtype), (x <= y).astype(y.dtype)


def test_partials_claiming_1_and_1_at_a_tie_are_caught_and_the_tie_named():
    """Per entry, 1 lies between the one-sided slopes 0 and 1 of ∂max/∂x and of ∂max/∂y; but moving x and
    y together changes max(x, y) at rate 1, so the two partials must add up to 1, not 2."""
    r = check_gradient(max_pair, grad_max_pair_both, np.zeros(5), np.zeros(5), argnums=(0, 1), trials=100)
    assert not r.ok
    assert 0 < r.failures <= 10  # only the edge trials hold ties
    m = re.fullmatch(r"wrong at a tie: where x\[(\d)\] = y\[\1\] \(trial (\d+)\), the candidate's "
                     r"∂f/∂x\[\1\] \+ ∂f/∂y\[\1\] = 1 \+ 1 = 2, but JAX's derivative along the tie direction "
                     r"\(x\[\1\] and y\[\1\] moved together\) is 1 from either side \(JAX's partials: 0\.5 \+ 0\.5\).*",
                     r.diagnosis)
    assert m, r.diagnosis
    assert int(m.group(2)) == r.trial + 1
    assert [b.ok for b in r.blocks] == [False, False]
    assert str(r).count("wrong at a tie") == 2  # the header and the diagnosis line, not each block row again
    inputs = r.inputs
    j = int(m.group(1))
    assert inputs[0][j] == inputs[1][j] != 0.0  # a real tie, away from the kink point


@pytest.mark.parametrize(
    "cand",
    [lambda x, y: jax.grad(max_pair, (0, 1))(x, y), grad_max_pair,
     lambda x, y: ((x >= y).astype(x.dtype), (x < y).astype(y.dtype))],
    ids=["jax (1/2, 1/2)", "(0, 1)", "(1, 0)"],
)
def test_partials_that_add_up_at_a_tie_pass(cand):
    r = check_gradient(max_pair, cand, np.zeros(5), np.zeros(5), argnums=(0, 1), trials=1000, seed=12345)
    assert r.ok, str(r)
    if any("kink" in n for n in r.notes):  # a convention other than JAX's: the ties were checked
        assert any(re.match(r"\d+ tied entries .* checked along the tie direction", n) for n in r.notes), r.notes


def test_tie_rule_for_a_jacobian_and_a_vjp():
    def jac_both(x, y):
        return jnp.diag((x >= y).astype(x.dtype)), jnp.diag((x <= y).astype(y.dtype))

    def jac_one(x, y):
        return jnp.diag((x >= y).astype(x.dtype)), jnp.diag((x < y).astype(y.dtype))

    def maximum(x, y):
        return jnp.maximum(x, y)

    args = (np.zeros(4), np.zeros(4))
    kw = {"argnums": (0, 1), "trials": 100, "shrink": False}  # 10 edge trials, with ties
    r = check_jacobian(maximum, jac_both, *args, **kw)
    assert re.match(r"wrong at a tie: where x\[(\d)\] = y\[\1\] .* ∂f\[\1\]/∂x\[\1\] \+ ∂f\[\1\]/∂y\[\1\] = 1 \+ 1",
                    r.diagnosis), r.diagnosis
    assert check_jacobian(maximum, jac_one, *args, **kw).ok
    r = check_vjp(maximum, lambda x, y, ct: (ct * (x >= y), ct * (x <= y)), *args, **kw)
    assert r.diagnosis.startswith("wrong at a tie") and "∂(ctᵀf)/∂x[" in r.diagnosis
    assert check_vjp(maximum, lambda x, y, ct: (ct * (x >= y), ct * (x < y)), *args, **kw).ok


def test_separate_kinks_of_two_arguments_at_one_point_are_not_a_tie():
    """|x| − |y| at x = y = 0: each partial follows its own convention (1 and 1 is a valid generalized
    gradient there), so the tie rule is not applied at ties on a kink point."""
    def f(x, y):
        return jnp.sum(jnp.abs(x) - jnp.abs(y))

    def grad(x, y):
        return jnp.where(x >= 0, 1.0, -1.0), jnp.where(y > 0, -1.0, 1.0)  # sgn(0) = 1 for x, −1 for y

    r = check_gradient(f, grad, np.zeros(5), np.zeros(5), argnums=(0, 1), trials=200)
    assert r.ok, str(r)


# =================================================================================================
# Candidates of every kind, pytrees, modes, precision, witnesses, hygiene
# =================================================================================================


def test_numpy_only_candidate_runs_in_a_loop():
    def grad_np(W, x):  # np.outer cannot trace
        return np.outer(1 - np.tanh(W @ x) ** 2, x)

    r = check_gradient(tanh_layer, grad_np, W34, X4, trials=30)
    assert r.ok, str(r)
    assert any("not JAX-traceable" in n for n in r.notes)
    bad = check_gradient(tanh_layer, lambda W, x: 2 * grad_np(W, x), W34, X4, trials=10, shrink=False)
    assert bad.diagnosis == "off by a constant factor 2"


def test_structured_jacobians_are_accepted():
    assert check_jacobian(jnp.sin, lambda x: Diagonal(jnp.cos(x)), np.zeros(5), **FAST).ok
    r = check_jacobian(jnp.sin, lambda x: Diagonal(-jnp.cos(x)), np.zeros(5), **FAST)
    assert r.diagnosis == "sign flipped (factor −1)"


def _mlp(params, x):
    h = jnp.tanh(params["layer1"]["W"] @ x + params["layer1"]["b"])
    return jnp.sum(params["layer2"]["W"] @ h)


def _grad_mlp(params, x, factor=1.0):
    W1, b1, W2 = params["layer1"]["W"], params["layer1"]["b"], params["layer2"]["W"]
    h = jnp.tanh(W1 @ x + b1)
    dh = W2.sum(0) * (1 - h ** 2)
    return {"layer1": {"W": jnp.outer(dh, x), "b": dh}, "layer2": {"W": factor * jnp.broadcast_to(h, W2.shape)}}


PARAMS = {"layer1": {"W": np.zeros((4, 3)), "b": np.zeros(4)}, "layer2": {"W": np.zeros((2, 4))}}


def test_pytree_parameters_reported_by_leaf_path():
    assert check_gradient(_mlp, _grad_mlp, PARAMS, np.zeros(3), **FAST).ok
    r = check_gradient(_mlp, lambda p, x: _grad_mlp(p, x, factor=3.0), PARAMS, np.zeros(3), **FAST)
    assert r.diagnosis.startswith("off by a constant factor 3")
    assert r.block == "params['layer2']['W']"
    assert [b.ok for b in r.blocks] == [True, True, False]
    assert "params['layer2']['W']  FAIL" in str(r)


def test_wrong_structure_for_tuple_argnums():
    r = check_gradient(tanh_layer, grad_tanh_layer_W, W34, X4, argnums=(0, 1), **FAST)
    assert r.diagnosis.startswith("wrong structure: the candidate returns an array of shape (3, 4), JAX a tuple of 2")


def test_jacobian_of_pytree_output_blocks_per_output_and_input():
    def f(x, y):
        return {"a": x * y, "b": jnp.sum(x)}

    def jac(x, y):
        return {"a": (jnp.diag(y), jnp.diag(x)), "b": (jnp.ones_like(x), 2 * jnp.zeros_like(y))}

    r = check_jacobian(f, jac, np.zeros(3), np.zeros(3), argnums=(0, 1), **FAST)
    assert r.ok, str(r)
    assert [b.name for b in r.blocks] == ["∂f['a']/∂x", "∂f['a']/∂y", "∂f['b']/∂x", "∂f['b']/∂y"]


def test_vjp_and_jvp():
    f = lambda W, x: jnp.tanh(W @ x)  # noqa: E731
    assert check_vjp(f, lambda W, x, ct: W.T @ (ct * (1 - f(W, x) ** 2)), W34, X4, argnums=1, **FAST).ok
    assert check_jvp(f, lambda W, x, t: (1 - f(W, x) ** 2) * (W @ t), W34, X4, argnums=1, **FAST).ok
    r = check_vjp(f, lambda W, x, ct: W.T @ ct, W34, X4, argnums=1, **FAST)
    assert not r.ok and r.kind == "vjp"
    r = check_jvp(f, lambda W, x, t: -(1 - f(W, x) ** 2) * (W @ t), W34, X4, argnums=1, **FAST)
    assert r.diagnosis == "sign flipped (factor −1)"


def test_hessian_dense_and_probe():
    probe = check_hessian(quad, hess_quad_x, np.zeros(3), np.zeros((3, 3)), mode="probe", **FAST)
    assert probe.ok and probe.mode == "probe"
    wrong = check_hessian(quad, lambda x, A: 2 * hess_quad_x(x, A), np.zeros(3), np.zeros((3, 3)), mode="probe",
                          **FAST)
    assert wrong.mode == "probe" and wrong.diagnosis == "off by a constant factor 2"
    r = check_hessian(sin_x, lambda x: jnp.diag(2 * jnp.cos(x) - x * jnp.sin(x)) * 2, np.zeros(4), **FAST)
    assert r.diagnosis == "off by a constant factor 2"


def _probe_case(delta):
    n = 40

    def f(x):
        return jnp.tanh(x) * jnp.sum(x)

    def J(x):
        return jnp.diag(1 - jnp.tanh(x) ** 2) * jnp.sum(x) + jnp.outer(jnp.tanh(x), jnp.ones_like(x))

    E = np.zeros((n, n))
    E[3, 7], E[3, 9], E[5, 7], E[5, 9] = delta, -delta, -delta, delta  # cancels in rows and columns
    return f, (lambda x: J(x) + E), np.zeros(n)


def test_probe_mode_detection_probability_matches_the_stated_bound():
    """A ±δ error that cancels in its rows and columns escapes one JVP+VJP probe pair with probability
    exactly 1/4 = 2^(−2k) for k = 1 (the docs' bound, tight); with the default k = 8 nothing escapes."""
    f, wrong, x = _probe_case(0.5)
    r1 = check_jacobian(f, wrong, x, mode="probe", probes=1, trials=2000, shrink=False)
    caught = r1.failures / r1.trials
    assert abs(caught - 0.75) < 5 * np.sqrt(0.75 * 0.25 / 2000), caught
    r8 = check_jacobian(f, wrong, x, mode="probe", trials=500, shrink=False)
    assert r8.mode == "probe" and r8.failures == 500
    assert "2 wrong entries" in r8.diagnosis or "4 wrong entries" in r8.diagnosis
    single = check_jacobian(f, lambda x: _probe_case(0.0)[1](x).at[3, 7].add(1e-6), x, mode="probe",
                            probes=1, trials=200, shrink=False)
    assert single.failures == 200  # a lone wrong entry shows in every probe (|v_j| = 1)
    assert check_jacobian(f, _probe_case(0.0)[1], x, mode="probe", trials=200).ok


def test_probe_mode_is_chosen_automatically_by_size():
    f, right, x = _probe_case(0.0)
    assert check_jacobian(f, right, x, trials=5, max_dense=100).mode == "probe"
    assert check_jacobian(f, right, x, trials=5).mode == "dense"


@pytest.mark.parametrize("dtype", ["float16", "bfloat16"])
def test_low_precision_candidates_against_float64(dtype):
    x = np.zeros(8, dtype=jnp.dtype(dtype))
    r = check_gradient(sin_x, grad_sin_x, x, trials=50, candidate_precision="as-given")
    assert r.ok, str(r)
    assert r.dtype == dtype and (r.rtol, r.atol) == (TOLERANCES[dtype].rtol, TOLERANCES[dtype].atol)
    assert not check_gradient(sin_x, lambda x: jnp.sin(x), x, candidate_precision="as-given", **FAST).ok
    # by default a candidate that accepts float64 runs in float64, with float64 tolerances
    r = check_gradient(sin_x, grad_sin_x, x, **FAST)
    assert r.ok and r.dtype == "float64" and any(f"the examples are {dtype}" in n for n in r.notes), str(r)


def test_third_witnesses():
    r = check_gradient(sin_x, grad_sin_x, np.zeros(4), witness="fd", **FAST)
    assert r.ok and any("central finite differences" in n and "agrees" in n for n in r.notes)
    r = check_gradient(sin_x, grad_sin_x, np.zeros(4), witness="complex-step", **FAST)
    assert r.ok and any("complex step" in n for n in r.notes)
    with pytest.raises(ValueError, match="witness='fd' is available for check_gradient and check_jacobian, not "
                                         "check_vjp"):
        check_vjp(jnp.sin, lambda x, ct: ct, np.zeros(3), witness="fd")


def test_candidate_that_mutates_its_input():
    def grad_mutating(x):
        x *= 2  # in place: the caller's array changes
        return np.cos(x / 2)

    r = check_gradient(lambda x: jnp.sum(jnp.sin(x)), grad_mutating, np.zeros(4), **FAST)
    assert r.diagnosis.startswith("the candidate mutates its input x")


def test_nondeterministic_candidate():
    rng = np.random.default_rng()
    r = check_gradient(lambda x: jnp.sum(jnp.sin(x)), lambda x: np.cos(x) + 1e-3 * rng.standard_normal(),
                       np.zeros(4), **FAST)
    assert r.diagnosis.startswith("nondeterministic candidate")


# =================================================================================================
# Never a silent pass; errors for unusable arguments
# =================================================================================================


def test_candidate_that_raises_fails_with_its_message():
    def not_done(x):
        raise NotImplementedError("backward pass not written yet")

    r = check_gradient(sin_x, not_done, np.zeros(3), **FAST)
    assert not r.ok
    assert r.diagnosis == "the candidate raised NotImplementedError: backward pass not written yet"


def test_jax_not_finite_outside_the_domain_fails_and_says_declare_one():
    r = check_gradient(lambda x: jnp.sum(jnp.log(x)), lambda x: 1 / x, np.zeros(3), **FAST)
    assert not r.ok and "declare one" in r.diagnosis
    assert check_gradient(lambda x: jnp.sum(jnp.log(x)), lambda x: 1 / x, np.zeros(3),
                          domains={"x": "positive"}, **FAST).ok


def test_fixed_and_custom_domains():
    def f(x, eps):
        return jnp.sum(jnp.sqrt(x ** 2 + eps))

    def g(x, eps):  # right only where x ≥ 1 and eps = 1e-3: passes only if both domains reach the draws
        return jnp.where(x >= 1, 1.0, -1.0) * x / jnp.sqrt(x ** 2 + 1e-3)

    def custom(rng, shape):  # a user's own domain for x
        return rng.uniform(1, 2, shape)

    r = check_gradient(f, g, np.zeros(3), 1e-3, domains={"eps": "fixed", 0: custom}, **FAST)
    assert r.ok, str(r)
    # the controls: x from the default domain, or eps redrawn, and the same candidate fails
    assert not check_gradient(f, g, np.zeros(3), 1e-3, domains={"eps": "fixed"}, **FAST).ok
    assert not check_gradient(f, g, np.zeros(3), 1e-3, domains={"eps": "positive", 0: custom}, **FAST).ok


@pytest.mark.parametrize(
    ("kwargs", "error", "match"),
    [
        ({"trials": 0}, ValueError, "trials: expected an int ≥ 1"),
        ({"mode": "fast"}, ValueError, "mode: expected one of"),
        ({"domains": {"z": "positive"}}, ValueError, "domains: 'z' names no argument"),
        ({"domains": {"x": "tiny"}}, ValueError, "unknown domain 'tiny'"),
        ({"bogus": 1}, TypeError, "unknown option"),
        ({"argnums": 3}, ValueError, "argnums: 3 is out of range"),
    ],
)
def test_unusable_arguments_raise(kwargs, error, match):
    with pytest.raises(error, match=re.escape(match) if "≥" in match else match):
        check_gradient(sin_x, grad_sin_x, np.zeros(3), **kwargs)


def test_vector_valued_f_for_check_gradient_raises():
    with pytest.raises(ValueError, match="needs a scalar-valued f"):
        check_gradient(jnp.sin, jnp.cos, np.zeros(3))


# =================================================================================================
# The report
# =================================================================================================


def test_report_text_json_and_reproduction():
    r = check_gradient(sin_x, lambda x: 2 * grad_sin_x(x), np.zeros(4), seed=11, trials=30)
    assert isinstance(r, CheckReport) and not r.ok and not bool(r)
    d = json.loads(json.dumps(r.to_dict()))
    assert d["status"] == "fail" and d["seed"] == 11 and d["diagnosis"] == "off by a constant factor 2"
    assert d["claimed"]["shape"] == [4] and d["trials"] == 30
    assert r.claimed_2d.shape == (1, 4)
    text = str(r)
    assert re.search(r"reproduce: chainrule\.check_gradient\([\w.]*sin_x, \(lambda x: 2 \* grad_sin_x\(x\)\), "
                     r"np\.zeros\(\(4,\), 'float64'\)", text)
    import chainrule  # the line really reproduces: run it where the test's names are in scope

    again = eval(r.reproduce, {**globals(), "chainrule": chainrule, __name__.rsplit(".", 1)[-1]: sys.modules[__name__]})
    assert (again.ok, again.diagnosis, again.max_abs_error) == (r.ok, r.diagnosis, r.max_abs_error)
    assert "seed=11" in text and "trials=30" in text
    assert r.smallest_failing == [("x", (1,))]
    assert r.inputs is not None and r.inputs[0].shape == (4,)
    assert np.allclose(r.expected, grad_sin_x(r.inputs[0]))


def _not_written(x):
    raise NotImplementedError("backward pass not written yet")


def _transposed_jac(x, W):
    return (W * (1 - jnp.tanh(W @ x) ** 2)[:, None]).T


REPRESENTATIVE_FAILURES = {
    "sign flip": lambda: check_gradient(tanh_layer, lambda W, x: -grad_tanh_layer_W(W, x), W34, X4, **FAST),
    "transposed": lambda: check_jacobian(lambda x, W: jnp.tanh(W @ x), _transposed_jac, np.zeros(5),
                                         np.zeros((3, 5)), **FAST),
    "wrong shape (3, 1)": lambda: check_gradient(lambda x: jnp.sum(x ** 2), lambda x: (2 * x)[:, None],
                                                 np.zeros(3), **FAST),
    "factor N": lambda: check_gradient(mse, lambda w, X, y: 2 * X.T @ (X @ w - y), *MSE_ARGS, **FAST),
    "dropped term": lambda: check_jacobian(softmax, lambda z: jnp.diag(jax.nn.softmax(z)), np.zeros(5), **FAST),
    "one wrong entry": lambda: check_jacobian(elementwise, lambda x: jac_elementwise(x).at[1, 2].add(0.5),
                                              np.zeros(4), seed=3, **FAST),
    "raises": lambda: check_gradient(sin_x, _not_written, np.zeros(3), **FAST),
    "one argument of two": lambda: check_gradient(tanh_layer, lambda W, x: (grad_tanh_layer_W(W, x), 0 * x), W34,
                                                  X4, argnums=(0, 1), **FAST),
}


@pytest.mark.parametrize("name", list(REPRESENTATIVE_FAILURES))
def test_report_text_is_consistent_and_labels_both_sides(name):
    """Every line of a failing report agrees with the header, says which side is the candidate and which
    is JAX, and prints no NaN; the JSON form has none either."""
    r = REPRESENTATIVE_FAILURES[name]()
    text = str(r)
    head, *rest = text.splitlines()
    assert "(candidate) vs " in head and "(JAX)" in head
    assert "nan" not in text and "expected" not in text
    assert not re.search(r"(?<![\w.])-0(?![\w.])", text), text  # no negative zero printed
    assert "  diagnosis: " + r.diagnosis in rest
    if r.stopped:
        assert f"trial {r.trial + 1}/{r.trials} | the check stopped at this trial" in head and r.failures == 1
    else:
        assert f"| {r.failures}/{r.trials} trials fail |" in head
    rows = [line for line in rest if re.match(r"    \S.*  (ok  |FAIL)  shape ", line)]
    assert len(rows) == len(r.blocks)
    counts = [int(m.group(1)) for line in rows if (m := re.search(r"  (\d+)/\d+ trials fail", line))]
    assert all(c <= r.failures for c in counts) and (not counts or max(counts) == r.failures or len(counts) > 1)
    if r.entries:
        assert rest[rest.index(next(line for line in rest if line.startswith("  worst entries"))) + 1].split() == [
            "index", "candidate", "JAX", "|diff|"]
        assert f"claimed {r.entries[0].claimed + 0.0:.6g}, JAX " in head
    if r.claimed is not None:
        assert any(line.startswith("  shapes: candidate ") and ", JAX " in line for line in rest)
    json.dumps(r.to_dict(), allow_nan=False)


@pytest.mark.parametrize(
    ("make", "row"),
    [
        (REPRESENTATIVE_FAILURES["transposed"],
         "    ∂f/∂x  FAIL  shape (3, 5) (JAX), candidate (5, 3)  errors n/a (shapes differ)  20/20 trials fail"),
        (REPRESENTATIVE_FAILURES["wrong shape (3, 1)"],
         "    x  FAIL  shape (3,) (JAX), candidate (3, 1)  errors n/a (shapes differ)  20/20 trials fail"),
    ],
    ids=["transposed non-square", "(3, 1) for (3,)"],
)
def test_a_wrong_shape_fails_every_trial_in_the_header_the_block_row_and_json(make, row):
    r = make()
    assert r.failures == r.trials == 20 and r.blocks[0].failures == 20 and r.blocks[0].shapes_differ
    text = str(r)
    assert "| 20/20 trials fail |" in text.splitlines()[0]
    assert row in text.splitlines()
    d = json.loads(json.dumps(r.to_dict(), allow_nan=False))
    assert d["max_abs_error"] is None and d["max_rel_error"] is None  # nothing was compared: null, not NaN
    block = d["blocks"][0]
    assert (block["max_abs_error"], block["failures"], block["compared"]) == (None, 20, True)
    assert block["claimed_shape"] == list(r.claimed.shape) != block["shape"]


def test_a_wrong_shape_in_one_block_leaves_the_others_not_compared():
    r = check_gradient(tanh_layer, lambda W, x: (grad_tanh_layer_W(W, x), grad_tanh_layer_x(W, x)[:, None]),
                       W34, X4, argnums=(0, 1), **FAST)
    assert r.diagnosis.startswith("wrong shape: claimed (4, 1), JAX (4,)")
    lines = str(r).splitlines()
    assert "    W  --    shape (3, 4)  not compared (the check stopped first)" in lines
    assert "    x  FAIL  shape (4,) (JAX), candidate (4, 1)  errors n/a (shapes differ)  20/20 trials fail" in lines
    assert [(b.compared, b.ok) for b in r.blocks] == [(False, False), (True, False)]


def test_a_candidate_that_raises_stops_the_check_there():
    r = REPRESENTATIVE_FAILURES["raises"]()
    assert r.stopped and r.failures == 1 and r.trial == 0
    assert "| seed 0, trial 1/20 | the check stopped at this trial (the remaining 19 were not run) |" in str(r)
    assert r.to_dict()["stopped"] is True

    def raises_later(x, calls=[]):  # noqa: B006 - counts its calls; NumPy-only, so it runs trial by trial
        calls.append(1)
        if len(calls) > 4:
            raise FloatingPointError("overflow")
        return np.sin(x) + x * np.cos(x)

    r = check_gradient(sin_x, raises_later, np.zeros(3), **FAST)
    assert r.stopped and r.failures == 1 and r.diagnosis == ("the candidate raised FloatingPointError: overflow on an "
                                                           "ordinary trial (not one the checker built at a kink)")
    assert f"trial {r.trial + 1}/20 | the check stopped at this trial (the remaining {19 - r.trial} were not run)" \
        in str(r)


def test_worst_entries_list_only_wrong_entries():
    r = REPRESENTATIVE_FAILURES["one wrong entry"]()
    assert [e.index for e in r.entries] == [(1, 2)]
    lines = str(r).splitlines()
    table = lines[lines.index(f"  worst entries (trial {r.trial + 1}, ∂f/∂x):") + 2:]
    assert table[0].split()[:2] == ["(1,", "2)"] and table[1].startswith("  shapes:")


def test_assert_helpers_raise_with_the_report_text():
    assert assert_gradient(sin_x, grad_sin_x, np.zeros(4), **FAST).ok
    with pytest.raises(AssertionError, match=r"sign flipped \(factor −1\)"):
        assert_jacobian(jnp.sin, lambda x: -jnp.diag(jnp.cos(x)), np.zeros(3), **FAST)


def test_readme_example_prints_the_report_shown(capsys):
    """README "Check your own gradient": the Python block, run, prints the report block below it."""
    from pathlib import Path

    text = Path(__file__).resolve().parents[1].joinpath("README.md").read_text(encoding="utf-8")
    section = text.split("## Check your own gradient", 1)[1]
    code = section.split("```python\n", 1)[1].split("```", 1)[0]
    shown = section.split("prints (a real run):\n\n```\n", 1)[1].split("```", 1)[0]
    exec(compile(code, "README.md", "exec"), {"__name__": "__main__"})
    assert capsys.readouterr().out == shown
