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
