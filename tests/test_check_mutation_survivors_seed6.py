"""Behaviour tests that kill the seed-6 sample's surviving mutants (issue 16), a fresh sample of the code
after the seed-5 survivors were dealt with. Each names the mutant it kills and was checked against it by hand.
"""

from __future__ import annotations

import jax.numpy as jnp
import numpy as np
import pytest

from chainrule import check_gradient, check_jacobian, check_jvp, check_vjp
from chainrule.reference.catalog import by_name
from chainrule.reference.catalog.verify import verify_rule
from chainrule.reference.checker.compare import agree
from chainrule.reference.checker.diagnosis import constant_factor, diagnose_values
from chainrule.reference.checker.kinks import classify

RTOL, ATOL = 1e-9, 1e-12  # the float64 row of chainrule.reference.tolerances.TOLERANCES


def test_answers_of_different_shapes_never_agree_even_where_they_broadcast():
    """compare.agree (the benchmarks' correctness check): a (3, 3) answer against a (3,) baseline must not
    agree, although the two broadcast (kills `c.shape != r.shape` → `c.shape < r.shape`, under which
    (3, 3) > (3,) went on to compare them entry by entry and agreed)."""
    assert agree(np.ones((3, 3)), np.ones(3)) is False
    assert agree(np.ones(3), np.ones((3, 3))) is False
    assert agree(np.ones((3, 1)), np.ones(3)) is False
    assert agree(np.ones(3), np.ones(3)) is True


def test_a_dropped_large_outer_product_is_rank_one_beside_a_tiny_second_term():
    """_rank counts singular values above rel·σ₁ (relative to the largest): JAX − candidate = 1000·a bᵀ
    − 1e-4·p qᵀ is a dropped rank-one term, the second being 1e-7 of the first, below rel·σ₁ but above
    the absolute floor (kills `rel * s[0]` → `rel / s[0]`, which called it rank 2)."""
    a, b = np.array([1.0, 2.0, -1.0, 0.5]), np.array([0.5, -1.0, 1.5, 1.0])
    p, q = np.array([1.0, -1.0, 1.0, -1.0]), np.array([1.0, 1.0, -1.0, -1.0])
    M = np.arange(16.0).reshape(4, 4) / 7
    A = 1000 * np.outer(a, b) + M
    r = check_jacobian(lambda x: jnp.asarray(A) @ x, lambda x: jnp.asarray(M + 1e-4 * np.outer(p, q)),
                       np.zeros(4), trials=20, shrink=False)
    assert not r.ok
    assert r.diagnosis.startswith("dropped term: JAX − candidate is a rank-one outer product u vᵀ"), r.diagnosis


def test_an_off_diagonal_entry_at_exactly_the_tolerance_agrees_for_the_diagonal_diagnosis():
    """An entry agrees when |c − r| ≤ tol, as everywhere in the checker: a Jacobian wrong on its whole
    diagonal, with one off-diagonal entry off by exactly tol, is still "wrong on the diagonal only"
    (kills `max |off| <= tol` → `< tol`, which then fell through to another diagnosis)."""
    x = np.array([0.1, 0.7, -0.4, 1.2])
    J = np.diag(np.cos(x))  # sin's Jacobian: zero off the diagonal
    tol = ATOL + RTOL * float(np.max(np.abs(J)))
    wrong = np.diag(2 * np.cos(x))
    wrong[0, 3] = -tol  # JAX's entry is 0: |c − r| = tol exactly
    wrong[1, 1] = 0.5 * np.cos(x[1])  # not a constant factor overall
    d = diagnose_values(wrong, J, out_shape=(4,), in_shape=(4,), rtol=RTOL, atol=ATOL)
    assert d.startswith("dropped term: wrong on the diagonal only (the off-diagonal entries agree)"), d


def test_a_float32_answer_for_float64_inputs_is_named_as_a_wrong_dtype_at_the_first_trial():
    """A candidate that returns float32 for float64 inputs fails as a wrong dtype before any value is
    compared (kills the dtype test's `eps(claimed) > eps(inputs)` → `is`, always false on two floats,
    under which it failed only as "close but not exact" at a later trial)."""
    r = check_gradient(lambda x: jnp.sum(jnp.sin(x)), lambda x: jnp.cos(x).astype(jnp.float32), np.zeros(3),
                       trials=10)
    assert not r.ok and r.trial == 0
    assert r.diagnosis == "wrong dtype: the candidate returns float32 for float64 inputs (a constant of lower " \
                          "precision?)", r.diagnosis


def test_a_value_halfway_between_the_one_sided_slopes_is_called_the_midpoint():
    """kinks.classify names which of JAX's values at a kink a derivative is; relu at 0 has slopes 0 and 1,
    so 0.5 is the midpoint, and 0.25 only a value between (kills `(L + R) / 2` → `/ 3`)."""
    assert classify(0.5, 0.0, 1.0, 1e-9) == "the midpoint"
    assert classify(0.25, 0.0, 1.0, 1e-9) == "a value between the slopes"
    assert classify(1 / 3, 0.0, 1.0, 1e-9) == "a value between the slopes"


def test_a_rank_one_term_per_slice_of_different_output_and_input_axes_names_both_axes():
    """A block-diagonal error along output axis 1 and input axis 0 (both of size 3), rank one in each slice,
    is named with both axes; "axis 1 of the output and the input" would point at the wrong input axis
    (kills `a == b` → `a >= b` in the message)."""
    rng = np.random.default_rng(1)
    r = rng.standard_normal((2, 3, 3, 4))  # JAX's Jacobian: output (2, 3), input (3, 4)
    d = np.zeros_like(r)
    for j in range(3):  # slice j: output [:, j], input [j, :], rank one
        d[:, j, j, :] = np.outer(rng.standard_normal(2), rng.standard_normal(4))
    out = diagnose_values(r - d, r, out_shape=(2, 3), in_shape=(3, 4), rtol=RTOL, atol=ATOL)
    assert "within each of the 3 slices along output axis 1 and input axis 0 (zero between slices)" in out, out


def test_a_jacobian_over_a_million_entries_is_not_factored():
    """The low-rank analysis (an SVD) runs only up to MAX_FACTORED = 10⁶ entries, so a diagnosis of a large
    Jacobian stays cheap: a 1001 × 1000 error of rank one is not named as one ("no simple pattern")
    (kills `m * n` → `m // n` in the bound, which factored it)."""
    rng = np.random.default_rng(2)
    r = rng.standard_normal((1001, 1000))
    d = np.outer(rng.standard_normal(1001), rng.standard_normal(1000))
    out = diagnose_values(r - d, r, out_shape=(1001,), in_shape=(1000,), rtol=RTOL, atol=ATOL)
    assert out.startswith("no simple pattern"), out


def test_a_probed_jacobian_wrong_in_two_blocks_names_both_once_rebuilt():
    """Probe mode finds the failure; the dense rebuild of that trial diagnoses every wrong block, each by
    name (kills `len(diags) == 1` → `>= 1`, which kept only the first block's text, unnamed)."""
    def jac(x, y):
        return 2 * jnp.diag(jnp.cos(x) * jnp.cos(y)), 3 * jnp.diag(-jnp.sin(x) * jnp.sin(y))

    r = check_jacobian(lambda x, y: jnp.sin(x) * jnp.cos(y), jac, np.zeros(4), np.zeros(4), argnums=(0, 1),
                       mode="probe", trials=10, shrink=False)
    assert not r.ok
    assert r.diagnosis == "∂f/∂x: off by a constant factor 2; ∂f/∂y: off by a constant factor 3", r.diagnosis


def test_a_near_miss_of_a_symmetric_jacobian_is_not_called_transposed():
    """JAX's Jacobian S is symmetric, so a transpose cannot be told from it; a candidate 2.7e-7 off (within
    the pattern tolerance of Sᵀ = S, outside the check's) is close but not exact, never "transposed"
    (kills `t.shape == r.shape and _close(t, r)` → `!=`, which dropped the symmetric exception)."""
    S = np.array([[2.0, 1.0, 0.5], [1.0, 3.0, -1.0], [0.5, -1.0, 1.0]])
    E = 1e-7 * np.arange(9.0).reshape(3, 3)
    r = check_jacobian(lambda x: jnp.asarray(S) @ x, lambda x: jnp.asarray(S + E), np.zeros(3), trials=10,
                       shrink=False)
    assert not r.ok
    assert r.diagnosis.startswith("close but not exact: relative error 2.7e-07"), r.diagnosis


def test_a_probed_jacobian_over_64_times_max_dense_is_not_rebuilt():
    """Probe mode rebuilds a failing trial densely only up to 64·max_dense entries, and says so past that:
    a 10 × 10 Jacobian under max_dense=1 is over (kills `64 * max_dense` → `64 << max_dense`, 128 here,
    which rebuilt it; for a real max_dense that bound is astronomically large and the rebuild runs out of
    memory)."""
    r = check_jacobian(jnp.sin, lambda x: 2 * jnp.diag(jnp.cos(x)), np.zeros(10), mode="probe", max_dense=1,
                       trials=10, shrink=False)
    assert not r.ok
    assert "probe mode: the Jacobian is too large to rebuild for a diagnosis" in r.notes, r.notes


def test_slices_of_one_row_are_not_called_block_diagonal():
    """The block-diagonal diagnosis needs slices of at least 2 × 2 (m ≥ 2k and n ≥ 2k): for an output of 3
    entries against an input (3, 2), each slice would be one row, trivially rank one, so the error is named
    per input slice instead (kills `m < 2 * k` → `m < 2 >> k`, which called it block-diagonal)."""
    rng = np.random.default_rng(3)
    r = rng.standard_normal((3, 3, 2))
    d = np.zeros_like(r)
    for j in range(3):
        d[j, j, :] = rng.standard_normal(2)
    out = diagnose_values(r - d, r, out_shape=(3,), in_shape=(3, 2), rtol=RTOL, atol=ATOL)
    assert out.startswith("dropped term: JAX − candidate is a rank-one outer product u vᵀ for each of the 3 indices "
                          "along input axis 0"), out


def test_a_denominator_layout_record_is_verified_through_its_transpose():
    """verify turns a denominator-layout closed form (in.shape + out.shape) into numerator layout by moving
    the input axes last; M-2's denominator record must verify (kills the axes' tuple `+` → `&`, a TypeError
    that failed the record; only the catalog's own run met it before)."""
    rule = by_name("jac_fg_v_denominator")
    assert rule.layout == "denominator"
    result = verify_rule(rule, trials=10, seed=0)
    assert result.ok, result


def _masked_loss(w, y):
    """Squared error over the observed targets; NaN marks a missing one (the NaN-safe `where` twice)."""
    miss = jnp.isnan(y)
    return jnp.sum(jnp.where(miss, 0.0, (w - jnp.where(miss, 0.0, y)) ** 2))


def _masked_loss_grad(w, y):
    miss = np.isnan(y)
    return np.where(miss, 0.0, 2 * (w - np.where(miss, 0.0, y)))


def test_a_fixed_argument_holding_nan_is_not_called_mutated():
    """The hygiene check compares every argument before and after the call with NaN equal to NaN: a target
    that marks missing entries with NaN, held fixed, is not "mutated" by a candidate that only reads it
    (kills `equal_nan=True` → `False`, a false alarm on every such check)."""
    y = np.array([0.5, np.nan, -1.0, np.nan, 2.0])
    r = check_gradient(_masked_loss, _masked_loss_grad, np.zeros(5), y, domains={"y": "fixed"}, trials=10)
    assert r.ok, r.diagnosis
    wrong = check_gradient(_masked_loss, lambda w, y: 2 * _masked_loss_grad(w, y), np.zeros(5), y,
                           domains={"y": "fixed"}, trials=10)
    assert wrong.diagnosis == "off by a constant factor 2", wrong.diagnosis


def test_a_zero_candidate_is_not_a_constant_factor_and_equal_values_are_no_difference():
    """constant_factor finds k ≠ 0, 1 with c ≈ k·r: an all-zero candidate is a missing derivative, named
    as such by diagnose_values, never "factor 0" (kills `k == 0.0 or not isfinite(k)` → `and`, which
    returned 0.0). Values that agree everywhere are "no difference", not "close but not exact: relative
    error 0" (the case the `0 < nbad` guards used to reach)."""
    r = np.array([[1.0, -2.0], [0.5, 3.0]])
    assert constant_factor(np.zeros_like(r), r) is None
    assert constant_factor(-0.5 * r, r) == -0.5
    assert constant_factor(r, r) is None
    assert diagnose_values(np.zeros_like(r), r, out_shape=(2,), in_shape=(2,), rtol=RTOL,
                           atol=ATOL) == "zero where JAX is not (derivative missing)"
    same = diagnose_values(r * (1 + 1e-12), r, out_shape=(2,), in_shape=(2,), rtol=RTOL, atol=ATOL)
    assert same.startswith("no difference: every entry agrees within atol + rtol·max|JAX| = 3e-09"), same
    nan = diagnose_values(np.full_like(r, np.nan), np.full_like(r, np.nan), out_shape=(2,), in_shape=(2,),
                          rtol=RTOL, atol=ATOL)
    assert nan.startswith("JAX's derivative is not finite at (0, 0), (0, 1), (1, 0), … (4 entries)"), nan


def test_a_probed_vjp_wrong_in_one_outputs_path_is_named_from_that_outputs_probes_only():
    """Probed products: the rows of cotangent leaf g are g·probes … (g+1)·probes; the block ∂f[1]/∂x is
    diagnosed from its own 8 rows, where the candidate is off by 2, not from all 16, where the right rows
    of ∂f[0]/∂x blur it into "rank 8" (kills `g * probes` → `g & probes`). The same for a JVP's second
    tangent leaf."""
    def vjp(x, ct):
        return ct[0] * jnp.cos(x) + 2 * (2 * x * ct[1])

    r = check_vjp(lambda x: (jnp.sin(x), x ** 2), vjp, np.zeros(40), trials=5, max_dense=16)
    assert r.diagnosis.startswith("off by a constant factor 2 — in ∂f[1]/∂x, the Jacobian is too large to "
                                  "rebuild (80 × 40 entries, over max_dense=16): from 8 random cotangents"), r.diagnosis

    def jvp(x, y, t):
        return jnp.cos(x) * t[0] + 2 * (2 * y * t[1])

    r = check_jvp(lambda x, y: jnp.sin(x) + y ** 2, jvp, np.zeros(40), np.zeros(40), argnums=(0, 1), trials=5,
                  max_dense=16)
    assert r.diagnosis.startswith("off by a constant factor 2 — in ∂f/∂y, the Jacobian is too large to rebuild "
                                  "(40 × 80 entries, over max_dense=16): from 8 random tangents"), r.diagnosis


def _sort_ties_reversed(x):
    return np.eye(x.size)[np.argsort(-x, kind="stable")[::-1]]


@pytest.mark.parametrize("kink", [0.0, 1000.0, 1e8])
def test_sort_with_ties_reversed_passes_at_kink_points_of_any_size(kink):
    """Edge trials put entries on a kink point and 1e-6 … 1e-2 from it; sort's Jacobian there, ties broken
    the other way, is accepted by breaking the ties in other orders. The spread must stay inside the gap to
    the nearest other value: √ε·|value| alone (1.5e-5 at 1000) crossed a near entry, a false alarm on 3 of
    6 seeds; at 1e8 the spread must still be more than an ulp (kills `√ε · max(1, |v|)` → `√ε / max(…)`,
    under which ties at 1e8 stayed tied and failed on all 6)."""
    alarms = [(s, r.diagnosis) for s in range(6)
              if not (r := check_jacobian(jnp.sort, _sort_ties_reversed, np.zeros(5), kink_points=(kink,),
                                          seed=s)).ok]
    assert alarms == []
