"""Behaviour tests that kill the seed-15 sample's surviving mutants (issue 16), a fresh sample of the code
after the seed-14 survivors were dealt with. Each names the mutant it kills and was checked against it by hand.
"""

from __future__ import annotations

import jax.numpy as jnp
import numpy as np
import pytest

from chainrule import check_jvp, check_vjp

_W = np.linspace(0.5, 1.5, 4095)


def test_a_probed_block_of_exact_zeros_is_a_dropped_path_even_with_zero_tolerances():
    """rtol = atol = 0: a NumPy-only VJP that drops the second output's cotangent, probed (4097 basis calls
    would be needed): its products for ∂f[1]/∂x are exactly 0, and 0 ≤ 0 still names the dropped path
    (kills `<= tol` → `< tol`, under which a zero tolerance hid it behind "no simple pattern")."""
    def two_outputs(x):
        return jnp.outer(_W, jnp.sin(x)).sum(axis=1), jnp.sum(x ** 2)

    def vjp_ignoring_the_second_output(x, ct):
        return np.cos(x) * np.dot(_W, ct[0])

    r = check_vjp(two_outputs, vjp_ignoring_the_second_output, np.zeros(3), trials=20, shrink=False, rtol=0.0,
                  atol=0.0)
    assert "∂f[1]/∂x: zero where JAX is not (a path dropped?)" in r.diagnosis, r.diagnosis


def _relu_plus_square(x):
    return jnp.sum(jnp.maximum(x, 0.0) + x ** 2)


def _jvp_with_value_at_zero(value):
    def jvp(x, t):
        x = np.asarray(x)
        return np.sum(np.where(x == 0, value, (x > 0) + 2 * x) * t)
    return jvp


def test_a_jvps_one_sided_derivatives_are_taken_a_small_step_away():
    """Σ relu(x) + x² along t at an edge trial with entries at 0: the one-sided derivatives are taken at
    x ∓ h·t with h = √ε·(1 + max|x|), where the x² term has barely moved; 1.5 at the kink lies outside them
    and fails, the right slope 1 passes (kills `√ε · scale` → `√ε + scale`, a step of more than 1 that moved
    2x·t so far that 1.5 fell inside)."""
    wrong = check_jvp(_relu_plus_square, _jvp_with_value_at_zero(1.5), np.zeros(3))
    assert not wrong.ok and wrong.diagnosis.startswith("wrong at a kink: at entry () the candidate gives "), \
        wrong.diagnosis
    assert check_jvp(_relu_plus_square, _jvp_with_value_at_zero(1.0), np.zeros(3)).ok


@pytest.mark.parametrize("W", [np.array([[1.0, 2.0], [0.5, -1.0], [1.5, 0.3]]),
                               np.array([[1.0, 2.0, 0.5], [-1.0, 1.5, 0.3]])], ids=["two inputs", "two outputs"])
def test_a_rank_one_term_is_found_with_two_inputs_or_two_outputs(W):
    """W·sin(x), W of 3 × 2 or 2 × 3, with a constant 0.5 added to every entry of the Jacobian: JAX − candidate
    is the rank-one −0.5·1·1ᵀ, and two inputs (outputs) are enough to say so (kills `n < 2` → `n <= 2` and
    `m < 2` → `m <= 2`, which skipped the low-rank analysis there)."""
    from chainrule import check_jacobian

    x0 = np.zeros(W.shape[1])
    r = check_jacobian(lambda x: jnp.asarray(W) @ jnp.sin(x), lambda x: W * np.cos(x) + 0.5, x0, shrink=False)
    assert r.diagnosis.startswith("dropped term: JAX − candidate is a rank-one outer product u vᵀ"), r.diagnosis


def test_a_candidate_raising_inside_a_combined_program_is_named_and_the_others_still_run():
    """Two checks run as one compiled program (what `chainrule verify` does per rule); the second candidate's
    host callback raises for some trials. The combined run falls back to one check at a time: the first passes,
    the second says the candidate raised, with the callback's own error (kills `except Exception` →
    `except CosmicRayTestingException`, under which the error ended the whole run)."""
    import jax

    from chainrule.reference.checker.engine import run_many
    from chainrule.reference.checker.problem import setup

    def f(x):
        return jnp.sum(jnp.sin(x))

    def host_cos(x):
        x = np.asarray(x)
        if np.max(np.abs(x)) > 0.9:
            raise FloatingPointError("the kernel overflowed")
        return np.cos(x)

    def cos_by_callback(x):
        return jax.pure_callback(host_cos, jax.ShapeDtypeStruct(x.shape, x.dtype), x, vmap_method="sequential")

    with jax.enable_x64(True):
        right = setup("gradient", f, jnp.cos, (np.zeros(3),), 0, {"trials": 20})
        raising = setup("gradient", f, cos_by_callback, (np.zeros(3),), 0, {"trials": 20})
        first, second = run_many([(right, [(3,)], 20, 0), (raising, [(3,)], 20, 0)])
    assert first.ok, first.diagnosis
    assert second.diagnosis == ("the candidate raised FloatingPointError: the kernel overflowed (raised in a host "
                                "callback; JAX reports JaxRuntimeError)"), second.diagnosis


def _tie_partials(a, b):
    def partials(x, y):
        x, y = np.asarray(x), np.asarray(y)
        gx = np.where(x > y, 1.0, np.where(x == y, a, 0.0))
        gy = np.where(y > x, 1.0, np.where(x == y, b, 0.0))
        return gx, gy
    return partials


def test_a_ties_sum_may_carry_each_partials_tolerance():
    """max(x, y) at x = y with the check's rtol = 0.1: the two partials 0.7 + 0.38 = 1.08 are each within the
    kink rule, and their sum lies within two terms of the tolerance of the rate 1 (each partial may carry its
    own), so it passes; 0.75 + 0.4 = 1.15 does not (kills `terms=2` → `terms=1`, which held the sum of two
    partials to one term's tolerance and failed 1.08)."""
    from chainrule import check_gradient

    def f(x, y):
        return jnp.sum(jnp.maximum(x, y))

    ok = check_gradient(f, _tie_partials(0.7, 0.38), np.zeros(3), np.zeros(3), argnums=(0, 1), rtol=0.1)
    assert ok.ok, ok.diagnosis
    bad = check_gradient(f, _tie_partials(0.75, 0.4), np.zeros(3), np.zeros(3), argnums=(0, 1), rtol=0.1)
    assert not bad.ok and "= 0.75 + 0.4 = 1.15" in bad.diagnosis, bad.diagnosis


def test_a_dense_jacobian_runs_when_its_three_copies_fit_the_memory_budget_exactly():
    """mode='dense' needs one trial's Jacobian three times (JAX's two witnesses and the candidate's), float64:
    44,100 entries take 1,058,400 bytes, so memory=1,058,400 runs and one byte less is refused, naming the size
    (kills `3·8·entries` → `4·8·entries`, which refused the budget that fits)."""
    from chainrule import check_jacobian

    def jac(x):
        return jnp.diag(jnp.cos(x))

    assert check_jacobian(jnp.sin, jac, np.zeros(210), mode="dense", memory=3 * 8 * 210 * 210, trials=5).ok
    with pytest.raises(ValueError, match=r"^mode='dense': one trial's jacobian has 44,100 entries, 1.01 MiB with "):
        check_jacobian(jnp.sin, jac, np.zeros(210), mode="dense", memory=3 * 8 * 210 * 210 - 1, trials=5)


def test_jaxs_two_witnesses_agree_within_rounding_even_when_the_check_asks_for_exact_equality():
    """rtol = atol = 0 and the candidate jax.jacfwd(f), the check's own first witness, for a 20 × 20 Jacobian
    where jacfwd and jacrev differ by rounding (about 2e-16 relative): the witnesses are still compared to
    their floor of 1e-8, so the check passes instead of a false "JAX's two witnesses disagree" (kills the floor
    `max(rtol, 1e-9)` → `max(rtol, −0.999999999)`); jax.jacrev(f) as the candidate fails, by rounding."""
    import jax

    from chainrule import check_jacobian

    rng = np.random.default_rng(0)
    W1, W2 = rng.standard_normal((20, 20)), rng.standard_normal((20, 20))

    def f(x):
        return jnp.tanh(jnp.asarray(W2) @ jnp.tanh(jnp.asarray(W1) @ x)) * jnp.sum(x ** 2)

    r = check_jacobian(f, jax.jacfwd(f), np.zeros(20), rtol=0.0, atol=0.0, trials=10)
    assert r.ok, r.diagnosis
    r = check_jacobian(f, jax.jacrev(f), np.zeros(20), rtol=0.0, atol=0.0, trials=10)
    assert not r.ok and r.diagnosis.startswith("close but not exact: relative error "), r.diagnosis


def test_a_probed_jacobian_right_in_its_first_block_is_rebuilt_for_the_second():
    """Probe mode, f(x, y) = sin(x)·cos(y): ∂f/∂x right, ∂f/∂y off by 2. The dense rebuild skips the right
    block and diagnoses the wrong one (kills `continue` → `break` at the first right block, which left the
    probe diagnosis alone)."""
    from chainrule import check_jacobian

    def jac(x, y):
        return jnp.diag(jnp.cos(x) * jnp.cos(y)), 2 * jnp.diag(-jnp.sin(x) * jnp.sin(y))

    r = check_jacobian(lambda x, y: jnp.sin(x) * jnp.cos(y), jac, np.zeros(4), np.zeros(4), argnums=(0, 1),
                       mode="probe", trials=10, shrink=False)
    assert r.diagnosis == "off by a constant factor 2" and r.block == "∂f/∂y", (r.diagnosis, r.block)
    assert any("rebuilt densely" in n for n in r.notes), r.notes


def test_the_rebuilt_products_are_never_served_for_another_problem():
    """blame keeps the last rebuild, keyed by the id of the trials' arrays (ids are reused once an array is
    freed): a second problem at the same key gets its own products, never the first problem's (kills
    `last.P is P` → `last.P != P`, which served them to any other problem)."""
    import jax

    from chainrule.reference.checker.blame import _products
    from chainrule.reference.checker.drawing import draw
    from chainrule.reference.checker.problem import setup

    with jax.enable_x64(True):
        P1 = setup("vjp", jnp.sin, lambda x, ct: ct * jnp.cos(x), (np.zeros(3),), 0, {"trials": 4})
        P2 = setup("vjp", jnp.tanh, lambda x, ct: ct * (1 - jnp.tanh(x) ** 2), (np.zeros(3),), 0, {"trials": 4})
        leaves, _ = draw(P1, [(3,)], 4, 0)
        first = _products(P1, leaves, 0, True)
        second = _products(P2, leaves, 0, True)
        assert first.P is P1 and second.P is P2
        assert not np.allclose(first.ref[0], second.ref[0])  # sin's and tanh's Jacobians at the same point


def test_constant_factor_of_arrays_of_two_shapes_is_none_either_way():
    """diagnosis.constant_factor is public: arrays of two shapes have no factor, whichever is the larger, and it
    says None rather than raising (kills `c.shape != r.shape` → `>`, under which (3,) against (4,) broadcast and
    raised)."""
    from chainrule.reference.checker.diagnosis import constant_factor

    assert constant_factor(2 * np.ones(3), np.ones(4)) is None
    assert constant_factor(2 * np.ones(4), np.ones(3)) is None
    assert constant_factor(2 * np.ones((2, 2)), np.ones(4)) is None
    assert constant_factor(2 * np.ones(4), np.ones(4)) == 2.0
