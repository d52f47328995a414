"""Behaviour tests that kill the seed-5 sample's surviving mutants of ``reference/checker/blame.py`` (issue 16).

Each test pins what a user sees in a failing check's diagnosis; the mutant it kills is named beside it.
"""

from __future__ import annotations

import jax
import jax.numpy as jnp
import numpy as np

from chainrule import check_gradient, check_vjp

FAST = {"trials": 20, "shrink": False}


def test_a_formula_right_only_for_symmetric_2x2_matrices_is_named():
    """The symmetric probe covers the smallest square matrices: ∇ₓ xᵀAx = (A + Aᵀ)x, and 2Ax holds only
    for a symmetric A, also 2 × 2 (kills `s[-1] < 2` → `s[-1] <= 2`, which skipped 2 × 2 matrices)."""
    r = check_gradient(lambda x, A: x @ A @ x, lambda x, A: 2 * A @ x, np.zeros(2), np.zeros((2, 2)), **FAST)
    assert not r.ok
    assert r.diagnosis.startswith("holds only for symmetric matrices: the candidate agrees with JAX when A is made "
                                  "symmetric"), r.diagnosis


def test_a_sign_flipped_gradient_below_atol_is_not_called_missing():
    """A gradient smaller than atol everywhere (0.9e-12 against float64's 1e-12), claimed with its sign
    flipped, fails (|c − r| = 1.8e-12) and is named as flipped: the candidate is as large as JAX, so
    "derivative missing" would be wrong (kills `scale > tb` → `scale is not tb`, always true on floats)."""
    g = 0.9e-12
    r = check_gradient(lambda x: g * jnp.sum(x), lambda x: -g * jnp.ones_like(x), np.zeros(3), **FAST)
    assert not r.ok
    assert r.diagnosis.startswith("sign flipped"), r.diagnosis
    assert "missing" not in r.diagnosis


def test_a_jump_below_the_kink_threshold_is_not_diagnosed_as_a_kink_convention():
    """x + 1e-7·|x|: its derivative jumps by 2e-7 at 0, below the float64 kink threshold (1e-6 relative),
    so kinks='between' does not excuse the candidate's left slope there, and the diagnosis must not name
    a kink convention either (kills `1e-6 * max(scale, 1)` → `1e-6 // max(scale, 1)` in the diagnosis's
    kink threshold, which then saw a kink and blamed the convention)."""
    r = check_gradient(lambda x: jnp.sum(x + 1e-7 * jnp.abs(x)), lambda x: np.where(x > 0, 1 + 1e-7, 1 - 1e-7),
                       np.zeros(8), **FAST)
    assert not r.ok
    assert r.diagnosis.startswith("close but not exact: relative error 2.0e-07"), r.diagnosis
    assert "kink" not in r.diagnosis


_W = np.linspace(0.5, 1.5, 4094)


def _two_outputs(x):  # 4094 + 1 = 4095 outputs: a NumPy-only VJP is called with 4095 basis cotangents and 0
    return jnp.outer(_W, jnp.sin(x)).sum(axis=1), jnp.sum(x ** 2)


def _vjp_ignoring_the_second_output(x, ct):  # NumPy only; the 2x·ct[1] term of the second output dropped
    a, _ = ct
    return np.cos(x) * np.dot(_W, a)


def test_a_numpy_only_vjp_with_4096_basis_calls_is_rebuilt_densely():
    """A NumPy-only candidate is called once per basis cotangent plus the zero one: 4095 outputs make
    4096 calls, still within the limit, so its Jacobian is rebuilt densely and the ignored cotangent is
    named (kills MAX_BASIS_CALLS 4096 → 4095, which probed it as "too large to rebuild")."""
    r = check_vjp(_two_outputs, _vjp_ignoring_the_second_output, np.zeros(3), **FAST)
    assert not r.ok
    assert r.diagnosis.startswith("zero where JAX is not: the candidate ignores the cotangent of f[1]"), r.diagnosis
    assert f"rebuilt from the candidate's VJPs of the 4095 basis cotangents at trial {r.trial + 1}" in r.diagnosis


_W2 = np.linspace(0.5, 1.5, 4095)


def test_a_numpy_only_vjp_past_the_basis_call_limit_says_that_is_why_it_was_probed():
    """4096 outputs make 4097 basis calls of a NumPy-only candidate, one past the limit, while its
    Jacobian (4096 × 3 = 12,288 entries) is far below max_dense: the diagnosis must give the call limit
    as the reason it probed, not max_dense (found while triaging the MAX_BASIS_CALLS survivor)."""
    def two_outputs(x):
        return jnp.outer(_W2, jnp.sin(x)).sum(axis=1), jnp.sum(x ** 2)

    def vjp_ignoring_the_second_output(x, ct):  # NumPy only; the 2x·ct[1] term dropped
        return np.cos(x) * np.dot(_W2, ct[0])

    r = check_vjp(two_outputs, vjp_ignoring_the_second_output, np.zeros(3), **FAST)
    assert not r.ok
    assert ("too large to rebuild (4097 calls of a candidate that runs only in NumPy, over 4096): from 8 random "
            f"cotangents per leaf at trial {r.trial + 1}") in r.diagnosis, r.diagnosis
    assert "max_dense" not in r.diagnosis


def test_a_probed_vjp_names_the_trial_its_products_were_taken_at():
    """A VJP too large to rebuild is probed at the reported trial, and the diagnosis says which (1-based)
    (kills `t + 1` → `t % 1`, which always said trial 0)."""
    def vjp_without_the_outer_product(x, ct):  # ctᵀ diag(s): the −s sᵀ term of the softmax Jacobian dropped
        return ct * jax.nn.softmax(x)

    r = check_vjp(jax.nn.softmax, vjp_without_the_outer_product, np.zeros(40), max_dense=100, **FAST)
    assert not r.ok
    assert f"too large to rebuild (40 × 40 entries, over max_dense=100): from 8 random cotangents per leaf at trial " \
           f"{r.trial + 1}" in r.diagnosis, r.diagnosis


def test_a_slightly_nonlinear_vjp_of_a_small_function_is_not_linear():
    """ct + 0.01·ct² is not linear in ct, however small f is: at f = 1e-3·sin x the gap between the
    candidate's product with ct and its basis products combined (≈ 6e-5) is far above the pattern rtol
    times their size (of order 1e-9) but below their size itself (of order 1e-3) and below 1e-6 ** (their size)
    (kills `_pattern_rtol(P) * bound` → `+ bound` and → `** bound`, either of which let it pass as linear)."""
    s = 1e-3
    r = check_vjp(lambda x: s * jnp.sin(x), lambda x, ct: s * (ct + 0.01 * ct ** 2) * jnp.cos(x), np.zeros(4),
                  **FAST)
    assert not r.ok
    assert r.diagnosis.startswith("not linear in the cotangent: its products with the basis cotangents, combined "
                                  "with the trial's ct, do not add up to its product with ct"), r.diagnosis
