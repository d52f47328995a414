"""Behaviour tests that kill the seed-13 sample's surviving mutants (issue 16), a fresh sample of the code
after the seed-12 survivors were dealt with. Each names the mutant it kills and was checked against it by hand.
"""

from __future__ import annotations

import jax.numpy as jnp
import numpy as np
import pytest

from chainrule import check_gradient, check_vjp

DTYPES = [np.float64, np.float32, np.float16, jnp.bfloat16]


def _relu_sum(x):
    return jnp.sum(jnp.where(x > 0, x, jnp.zeros_like(x)))


def _slope_at_zero(value):
    def cand(x):
        return np.where(x > 0, 1.0, np.where(x == 0, value, 0.0)).astype(x.dtype)
    return cand


@pytest.mark.parametrize("dtype", DTYPES)
def test_a_value_half_a_slope_outside_a_kink_is_wrong_at_the_kink_in_every_dtype(dtype):
    """Σ relu(x), checked as given in each dtype, with 1.5 at the kink: outside JAX's one-sided derivatives
    [0, 1] by far more than the dtype's kink slack (1e-6 or 1e-3 of max(1, max|JAX|)) (kills a slack of
    1 + its value, under which 1.5 was inside and the diagnosis fell back to "wrong only near a kink")."""
    r = check_gradient(_relu_sum, _slope_at_zero(1.5), np.zeros(4, dtype), precision="as-is",
                       candidate_precision="as-given", shrink=False)
    assert not r.ok and r.diagnosis.startswith("wrong at a kink: at entry (") and r.diagnosis.endswith(
        "the candidate gives 1.5, outside JAX's one-sided derivatives [0, 1]"), r.diagnosis


@pytest.mark.parametrize("dtype", DTYPES)
def test_the_right_slope_at_a_kink_is_accepted_in_every_dtype(dtype):
    """Σ relu(x), checked as given in each dtype, with the right slope 1 at the kink (JAX takes the left, 0):
    between JAX's one-sided derivatives, accepted under kinks='between' (kills a negative slack, value − 1,
    under which no value at a kink was inside)."""
    r = check_gradient(_relu_sum, _slope_at_zero(1.0), np.zeros(4, dtype), precision="as-is",
                       candidate_precision="as-given")
    assert r.ok, r.diagnosis


def test_the_kink_scan_moves_only_the_entry_it_scans():
    """(Σ relu(x))² couples the entries: ∂f/∂x₀ = 2·Σ relu(x)·1[x₀ > 0] jumps as x₀ crosses 0, 0.05 away,
    and the scan sees it only if the other entries stay where they are (kills `x + s·e` → `x + s/e`, which
    sent them to ±inf and NaN)."""
    import jax

    from chainrule.reference.checker.blocks import make_blocks
    from chainrule.reference.checker.kinks import near_kink
    from chainrule.reference.checker.problem import setup

    def f(x):
        return jnp.sum(jnp.maximum(x, 0.0)) ** 2

    with jax.enable_x64(True):
        P = setup("gradient", f, lambda x: x, (np.zeros(3),), 0, {})
        (block,) = make_blocks(P, jax.eval_shape(f, jnp.zeros(3)), [(3,)])
        x = np.array([[0.0512, 1.0, 2.0]])
        assert near_kink(P, block, [x], {}, 0, [(0,), (1,)], 1e-9) == [True, False]


@pytest.mark.parametrize(("claimed", "reference"), [((2, 4), (2, 3)), ((2, 3), (2, 4)), ((3,), (2, 3))])
def test_errors_refuses_blocks_of_different_shapes_either_way(claimed, reference):
    """compare.errors on a claimed block larger or smaller than the reference: a ValueError naming both shapes,
    never a broadcast comparison (kills `claimed.shape != reference.shape` → `<`, which let a larger one by)."""
    from chainrule.reference.checker.compare import errors
    from chainrule.reference.tolerances import TOLERANCES

    with pytest.raises(ValueError, match=r"^errors: claimed has shape"):
        errors(np.zeros(claimed), np.zeros(reference), TOLERANCES["float64"])


@pytest.mark.parametrize(("seed", "note"), [(5, "1 tied entry (equal values"), (1, "2 tied entries (equal values")])
def test_the_tie_note_between_two_arguments_counts_in_words(seed, note):
    """max(x, y) with all of a tie routed to x: the note counts the tied entries checked, "1 tied entry" at
    seed 5 and "2 tied entries" at seed 1 (kills `== 1` → `== 2` in the plural)."""
    def all_to_x(x, y):
        gx = (x >= y).astype(float)
        return gx, 1.0 - gx

    r = check_gradient(lambda x, y: jnp.sum(jnp.maximum(x, y)), all_to_x, np.zeros(2), np.zeros(2),
                       argnums=(0, 1), seed=seed)
    assert r.ok and any(n.startswith(note) for n in r.notes), r.notes


@pytest.mark.parametrize("n", [6, 7, 300])
def test_a_tie_message_names_six_tied_entries_one_by_one_and_elides_the_rest(n):
    """The diagnosis of n tied maxima given 1 each: six are named with their shares, a seventh only as "…"
    (kills MAX_SHOWN 6 → 5, which elided the sixth). Built with within_message: no seed's edge trials tie six
    entries of a leaf away from a kink point, so a check never reaches this length."""
    import jax

    from chainrule.reference.checker.blocks import make_blocks
    from chainrule.reference.checker.problem import setup
    from chainrule.reference.checker.ties_within import within_message

    with jax.enable_x64(True):
        P = setup("gradient", jnp.max, lambda x: x, (np.zeros(n + 3),), 0, {})
        (block,) = make_blocks(P, jax.eval_shape(jnp.max, jnp.zeros(n + 3)), [(n + 3,)])
    x = np.linspace(0.1, 0.5, n + 3)
    x[1:1 + n] = 2.0
    msg = within_message(P, block, 0, np.arange(1, 1 + n), 4, x, np.ones(n), np.full(n, 1 / n), 1.0, 1.0, tb=1e-9)
    named = "a[1] = a[2] = a[3] = a[4] = a[5] = a[6]"
    shares = "1 + 1 + 1 + 1 + 1 + 1"
    if n == 300:  # a group past Python's cached small ints: counts compared by value (kills `==` → `is`)
        assert "the candidate routes the gradient to all 300 tied entries: " in msg, msg
    elif n == 6:
        assert msg.startswith(f"wrong at a tie: where {named} = 2 (trial 5; 6 equal entries of a), the candidate "
                              f"routes the gradient to all 6 tied entries: shares {shares} = 6, "), msg
    else:
        assert msg.startswith(f"wrong at a tie: where {named} = … = 2 (trial 5; 7 equal entries of a), the candidate "
                              f"routes the gradient to all 7 tied entries: shares {shares} + … = 7, "), msg


_W3 = np.linspace(0.5, 1.5, 4095)


def test_a_probed_numpy_vjp_is_called_with_the_probes_only():
    """4096 outputs in two leaves make a NumPy-only VJP too costly to rebuild densely, so it is probed: 8 random
    cotangents per output leaf, the other leaf zero. The candidate gets exactly those 16 calls besides the
    trials' (whose cotangents are random in both leaves) and never an all-zero cotangent (kills `k·n` → `k << n`
    rows, which called it 16 more times with zero padding)."""
    seen = []

    def two_outputs(x):
        return jnp.outer(_W3, jnp.sin(x)).sum(axis=1), jnp.sum(x ** 2)

    def vjp_ignoring_the_second_output(x, ct):  # NumPy only; the 2x·ct[1] term dropped
        seen.append([bool(np.any(c)) for c in ct])
        return np.cos(x) * np.dot(_W3, ct[0])

    r = check_vjp(two_outputs, vjp_ignoring_the_second_output, np.zeros(3), trials=20, shrink=False)
    assert not r.ok and "too large to rebuild (4097 calls" in r.diagnosis, r.diagnosis
    assert seen.count([True, False]) == 8 and seen.count([False, True]) == 8, seen
    assert [False, False] not in seen, seen.count([False, False])
