"""Behaviour tests that kill the seed-9 sample's surviving mutants (issue 16), a fresh sample of the code
after the seed-8 survivors were dealt with. Each names the mutant it kills and was checked against it by hand.
"""

from __future__ import annotations

import re
import sys
from pathlib import Path

import jax.numpy as jnp
import numpy as np
import pytest

from chainrule import check_gradient, check_jacobian, check_vjp
from chainrule.reference.checker.diagnosis import diagnose_values
from chainrule.reference.tolerances import TOLERANCES


def test_two_wrong_shapes_are_both_named_and_the_report_shows_the_first():
    """Both gradients of the wrong shape: the diagnosis names both, and the report's block, arrays and shapes
    are the first one's, x's (kills the wrong-shape path's `diags[0]` → `diags[-1]`, y's)."""
    r = check_gradient(lambda x, y: jnp.sum(x) * jnp.sum(y), lambda x, y: (np.zeros(3), np.zeros(2)),
                       np.zeros(4), np.zeros(5), argnums=(0, 1), trials=5, shrink=False)
    assert r.diagnosis == "x: wrong shape: claimed (3,), JAX (4,); y: wrong shape: claimed (2,), JAX (5,)", r.diagnosis
    assert r.block == "x" and r.wrt_shape == (4,), (r.block, r.wrt_shape)
    assert np.shape(r.claimed) == (3,) and np.shape(r.expected) == (4,)


def test_mode_auto_over_the_memory_budget_probes_instead_of_raising():
    """mode='auto' with a dense Jacobian over the memory budget (256 × 256 × 3 witnesses × 8 bytes = 1.5 MiB
    against 1 MiB) runs in probe mode; only mode='dense' refuses (kills `mode == "dense"` → `mode <= "dense"`,
    under which "auto" sorted before "dense" and raised)."""
    f, jac = jnp.sin, lambda x: jnp.diag(jnp.cos(x))
    r = check_jacobian(f, jac, np.zeros(256), mode="auto", memory=1 << 20, trials=5)
    assert r.ok and [b.name for b in r.blocks] == ["J·v → f", "uᵀJ → x"], [b.name for b in r.blocks]
    with pytest.raises(ValueError, match=r"^mode='dense': one trial's jacobian has 65,536 entries"):
        check_jacobian(f, jac, np.zeros(256), mode="dense", memory=1 << 20, trials=5)


def _relu_sum(z):
    return jnp.sum(jnp.where(z > 0, z, 0.0))


def test_the_kink_note_says_entry_for_one():
    """Seed 1 draws exactly one kink entry of a scalar relu input: "1 entry at a kink" (kills `n == 1` →
    `n == 2`, "1 entries"; the plural for several is pinned in test_check_mutation_survivors_judge.py)."""
    from chainrule.reference.checker.drawing import draw
    from chainrule.reference.checker.problem import setup

    def right_slope(z):
        return jnp.where(z >= 0, 1.0, 0.0)

    r = check_gradient(_relu_sum, right_slope, np.zeros(()), kinks="between", seed=1)
    P = setup("gradient", _relu_sum, right_slope, (np.zeros(()),), 0, {"seed": 1, "kinks": "between"})
    leaves, edge = draw(P, [()], 100, 1)
    assert int((leaves[0][edge] == 0).sum()) == 1
    assert r.ok and any(n.startswith("1 entry at a kink: the candidate takes the right slope, JAX the left slope; "
                                     "accepted") for n in r.notes), r.notes


def _max3(x, y, z):
    return jnp.sum(jnp.maximum(jnp.maximum(x, y), z))


def _max3_all_tied_to_x_and_y(x, y, z):
    """∂ max(x, y, z), as JAX routes it (to the first maximum), except at a three-way tie: 1 to x and 1 to y."""
    m = np.maximum(np.maximum(x, y), z)
    three = (x == m) & (y == m) & (z == m)
    gx = np.where(three, 1.0, x == m)
    gy = np.where(three, 1.0, (y == m) & (x != m))
    gz = np.where(three, 0.0, (z == m) & (x != m) & (y != m))
    return gx, gy, gz


def test_at_a_three_way_tie_the_tie_direction_has_two_one_sided_rates():
    """At x = y = z, moving x and y together changes max(x, y, z) at rate 0 downwards and 1 upwards: the
    message gives both (kills `math.isclose(hi, lo, rel_tol=1e-9, …)` → `rel_tol=1.000000001`, which called 0
    and 1 close and said "is 0 from either side")."""
    r = check_gradient(_max3, _max3_all_tied_to_x_and_y, np.zeros(4), np.zeros(4), np.zeros(4), argnums=(0, 1, 2),
                       seed=0, shrink=False)
    assert r.diagnosis.startswith("wrong at a tie: where x[3] = y[3] (trial 99), the candidate's ∂f/∂x[3] + "
                                  "∂f/∂y[3] = 1 + 1 = 2, but JAX's derivative along the tie direction (x[3] and "
                                  "y[3] moved together) is 0 from one side and 1 from the other"), r.diagnosis


def test_a_kink_convention_is_accepted_beside_entries_that_agree_to_rounding():
    """relu's right slope at its kinks, and off the kinks JAX's values times (1 + 1e-10), within rtol 1e-9:
    accepted with kinks='between' (kills the kink acceptance's `tb = atol + rtol·scale` → `atol % rtol·scale`,
    a bound of 1e-12 that rejected the rounding)."""
    def right_slope_rounded(z):
        return jnp.where(z > 0, 1.0 + 1e-10, jnp.where(z == 0, 1.0, 0.0))

    r = check_gradient(_relu_sum, right_slope_rounded, np.zeros(4), kinks="between", seed=0)
    assert r.ok, str(r)
    assert any(" at a kink: the candidate takes the right slope, JAX the left slope; accepted" in n
               for n in r.notes), r.notes


def test_a_jump_under_a_thousandth_of_the_derivative_is_not_a_kink():
    """f = Σ 1000 z + 0.1 relu(z): its derivative jumps by 0.1 at 0, under 1e-3 of its size (1000), which the
    kink scan counts as no jump; a candidate wrong by 0.1 just right of 0 is then wrong, not "wrong only near
    a kink" (kills `1e-3 * max|g|` → `1e-3 / max|g|`, which counted the jump)."""
    def f(z):
        return jnp.sum(1000.0 * z + 0.1 * jnp.where(z > 0, z, 0.0))

    def late_step(z):  # the 0.1 step taken at 0.05 instead of 0
        return 1000.0 + 0.1 * (z > 0.05)

    r = check_gradient(f, late_step, np.zeros(4), seed=0, shrink=False)
    assert not r.ok and not r.diagnosis.startswith("wrong only near a kink"), r.diagnosis


sys.path.insert(0, str(Path(__file__).parent))
from test_check_ties_edges import inv_f, inv_vjp_qr  # noqa: E402


@pytest.mark.parametrize(("n", "seed", "phrase"), [(4, 24, "x has condition ≈ 1e+10"), (3, 6, "x is singular")])
def test_a_skipped_ill_conditioned_trial_names_the_condition_number_or_singular(n, seed, phrase):
    """A right inverse VJP (by QR; JAX's is by LU) at an ill-conditioned edge trial: the note gives x's
    condition number where it is finite and says singular where it is not (kills `if np.isfinite(c)` →
    `if not np.isfinite(c)`, which swapped the two: "condition ≈ inf", "singular" for 1e+10)."""
    r = check_vjp(inv_f, inv_vjp_qr, np.zeros((n, n)), seed=seed)
    notes = [note for note in r.notes if "ill-conditioned for f" in note]
    assert r.ok and len(notes) == 1, (r.ok, r.notes)
    assert re.search(rf"moves JAX's derivative [^;]+; {re.escape(phrase)}\), which explains", notes[0]), notes[0]


def test_diagnose_values_takes_the_shapes_by_name_only():
    """out_shape and in_shape are keyword-only, so they cannot be passed in each other's place by position
    (kills `*` → `/` in the signature, which accepted them positionally)."""
    J = np.arange(6.0).reshape(2, 3)
    with pytest.raises(TypeError):
        diagnose_values(2 * J, J, (2,), (3,))
    assert diagnose_values(2 * J, J, out_shape=(2,), in_shape=(3,)).startswith("off by a constant factor 2")


def test_a_candidate_within_the_tolerance_of_zero_everywhere_is_a_missing_derivative():
    """Every entry of the candidate exactly at the bound atol + rtol·max|JAX| counts as zero, as the pass test
    counts an error at the bound as passing (kills `c_max <= tol` → `c_max < tol`)."""
    tol = TOLERANCES["float64"]
    r = np.array([1.0, -1.0])
    c = np.full(2, tol.bound(1.0))
    assert diagnose_values(c, r, out_shape=(), in_shape=(2,), rtol=tol.rtol, atol=tol.atol) == \
        "zero where JAX is not (derivative missing)"
