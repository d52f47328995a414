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


@pytest.mark.parametrize(("n", "seed", "phrase"), [(4, 33, "x has condition ≈ 2e+09"), (3, 6, "x is singular")])
def test_a_skipped_ill_conditioned_trial_names_the_condition_number_or_singular(n, seed, phrase):
    """A right inverse VJP (by QR; JAX's is by LU) at an ill-conditioned edge trial: the note gives x's
    condition number where it is finite and says singular where it is not (kills `if np.isfinite(c)` →
    `if not np.isfinite(c)`, which swapped the two: "condition ≈ inf", "singular" for 2e+09)."""
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


def test_a_symmetric_only_formula_is_named_for_matrices_behind_two_batch_axes():
    """∇ₓ Σ xᵀA_bc x over a (2, 1, 3, 3) batch of matrices; 2 Σ A_bc x holds only for symmetric A_bc, and the
    square axes are the last two whatever comes before (kills `s[-1] < 2` → `s[+1] < 2`, which read the batch
    axis of length 1 as the matrices' size and skipped A)."""
    def f(x, A):
        return jnp.einsum("i,bcij,j->", x, A, x)

    r = check_gradient(f, lambda x, A: 2 * np.einsum("bcij,j->i", A, x), np.zeros(3), np.zeros((2, 1, 3, 3)),
                       trials=10)
    assert r.diagnosis.startswith("holds only for symmetric matrices: the candidate agrees with JAX when A is made "
                                  "symmetric"), r.diagnosis


def _every_tied_maximum_of_x_gets_one(x, y):
    """∂ max(x ⧺ y) with 1 for every tied maximum of x (JAX splits it): wrong at a tie inside x."""
    m = max(x.max(), y.max())
    gx = (x == m).astype(float)
    if gx.any():
        return gx, np.zeros_like(y)
    gy = np.zeros_like(y)
    gy[np.argmax(y)] = 1.0
    return gx, gy


def test_a_tie_inside_a_leaf_beside_an_equal_entry_of_another_has_two_one_sided_rates():
    """x[0] = x[1] = x[2] = max, and y holds the same value: moving x's tied entries together changes the
    maximum at rate 0 downwards (y's entry stays) and 1 upwards; the message gives both (kills `math.isclose(hi,
    lo, rel_tol=1e-9, abs_tol=1e-9)` → `abs_tol=1.000000001`, which called 0 and 1 close: "at rate 0 from either
    side")."""
    r = check_gradient(lambda x, y: jnp.max(jnp.concatenate([x, y])), _every_tied_maximum_of_x_gets_one,
                       np.zeros(4), np.zeros(4), argnums=(0, 1), seed=0, shrink=False)
    assert r.diagnosis.startswith("wrong at a tie: where x[0] = x[1] = x[2] = 0.671204 (trial 93; 3 equal entries of "
                                  "x), the candidate routes the gradient to all 3 tied entries: shares 1 + 1 + 1 = 3, "
                                  "but moving them together changes f at rate 0 from one side and 1 from the other"), \
        r.diagnosis


def test_a_rank_one_term_per_slice_is_found_along_an_output_and_an_input_axis_of_different_positions():
    """JAX − candidate block-diagonal along output axis 0 of (3, 2, 1) and input axis 1 of (2, 3), a rank-one
    outer product in each of the 3 slices: named as such (kills the input axis's offset `no + b` → `no ^ b`,
    3 ^ 1 = 2, which paired output axis 0 with output axis 2 and fell through to the per-output-slice text)."""
    rng = np.random.default_rng(0)
    U, V = rng.uniform(1, 2, (3, 2, 1)), rng.uniform(1, 2, (3, 2))
    d = np.zeros((3, 2, 1, 2, 3))
    for i in range(3):
        d[i, :, :, :, i] = np.einsum("pq,r->pqr", U[i], V[i])
    r = rng.standard_normal(d.shape)
    assert diagnose_values(r - d, r, out_shape=(3, 2, 1), in_shape=(2, 3), rtol=1e-9, atol=1e-12).startswith(
        "dropped term: JAX − candidate is a rank-one outer product u vᵀ within each of the 3 slices along output "
        "axis 0 and input axis 1 (zero between slices)")


@pytest.mark.parametrize("check", ["vjp", "jvp"])
def test_a_float32_reference_takes_its_vectors_in_float32(check):
    """precision='float32': JAX's VJP (JVP) runs at float32 inputs, so its cotangent (tangent) is cast to
    float32 too; a right product passes (kills `if P.ref_dtype is not None` → `is None`, which passed JAX the
    float64 vectors: "unexpected JAX type … got float64[3], but expected float32[3]")."""
    from chainrule import check_jvp

    if check == "vjp":
        r = check_vjp(jnp.sin, lambda x, ct: jnp.cos(x) * ct, np.zeros(3, np.float32), precision="float32",
                      trials=10)
    else:
        r = check_jvp(jnp.sin, lambda x, t: jnp.cos(x) * t, np.zeros(3, np.float32), precision="float32", trials=10)
    assert r.ok, str(r)


def test_a_wrong_structure_says_why_for_either_form_of_argnums():
    """argnums=(0, 1) asks for one derivative per argnum; argnums=0 for one array in numerator layout; the
    message says which (kills `if isinstance(P.argnums_given, tuple)` → `if not …`, which swapped them)."""
    def f(x, y):
        return jnp.sum(x * y)

    both = check_gradient(f, lambda x, y: y, np.zeros(3), np.zeros(3), argnums=(0, 1), trials=5)
    assert both.diagnosis == ("wrong structure: the candidate returns an array of shape (3,), JAX a tuple of 2 "
                              "(one derivative per argnum)"), both.diagnosis
    first = check_gradient(f, lambda x, y: (y, x), np.zeros(3), np.zeros(3), argnums=0, trials=5)
    assert first.diagnosis.startswith("wrong structure: the candidate returns a tuple of 2, JAX an array of shape "
                                      "(3,) (numerator layout)"), first.diagnosis


def test_a_factor_that_changes_with_the_inputs_is_named_even_when_one_factor_divides_the_other():
    """The candidate is JAX's gradient times 2 where x[0] > 0 and times 4 elsewhere: proportional in each
    trial, by a factor that varies (kills `max(ks) − min(ks)` → `max(ks) % min(ks)`, 0 for 4 and 2, which
    called the factors constant)."""
    def factor_by_sign(x):
        return jnp.cos(x) * jnp.where(x[0] > 0, 2.0, 4.0)

    r = check_gradient(lambda x: jnp.sum(jnp.sin(x)), factor_by_sign, np.zeros(3), seed=0, shrink=False)
    assert r.diagnosis.startswith("proportional to JAX in each trial, but the factor varies with the inputs ("), \
        r.diagnosis
    assert set(re.search(r"inputs \(([^)]*)\)", r.diagnosis).group(1).split(", ")) == {"2", "4"}, r.diagnosis


def test_a_dropped_outer_product_beside_rounding_noise_is_still_rank_one_in_probe_mode():
    """softmax's VJP without its −s sᵀ term, computed with errors of 1e-7 relative besides: the products'
    errors are one vector's multiples up to noise a millionth of their size, which the rank test ignores
    (kills `prt * s[0]` → `prt // s[0]`, a floor of 0 that counted the noise as more rank)."""
    import jax

    def vjp_without_the_outer_product_rounded(x, ct):
        return ct * jax.nn.softmax(x) * (1 + 1e-7 * jnp.sin(1e3 * x))

    r = check_vjp(jax.nn.softmax, vjp_without_the_outer_product_rounded, np.zeros(40), max_dense=100, trials=20,
                  shrink=False)
    assert "the errors of all 8 products are multiples of one vector" in r.diagnosis, r.diagnosis


def _abs_sin_and_a_square(x):
    """Kinks every π/30 ≈ 0.105 along x[0..6] (so every point is within 0.1 of one); x[7] smooth."""
    return jnp.sum(jnp.abs(jnp.sin(30 * x[:7]))) + x[7] ** 2


def _abs_sin_and_a_square_grad(x):
    return jnp.concatenate([30 * jnp.cos(30 * x[:7]) * jnp.sign(jnp.sin(30 * x[:7])), 2 * x[7:]])


def test_wrong_near_kinks_in_seven_entries_and_far_from_any_in_the_eighth_is_not_only_near_a_kink():
    """Wrong in all 8 entries wherever x[7] > 0: the first 7 sit near kinks, the 8th near none, so the
    mistake is not "wrong only near a kink" (kills `argwhere(…)[:8]` → `[:7]`, which looked at the first 7
    wrong entries only and said it was)."""
    def wrong_where_x7_is_positive(x):
        return _abs_sin_and_a_square_grad(x) + jnp.where(x[7] > 0, 1.0, 0.0) * jnp.arange(1.0, 9.0) ** 2

    assert check_gradient(_abs_sin_and_a_square, _abs_sin_and_a_square_grad, np.zeros(8), seed=0).ok
    r = check_gradient(_abs_sin_and_a_square, wrong_where_x7_is_positive, np.zeros(8), seed=0, shrink=False)
    assert not r.ok and not r.diagnosis.startswith("wrong only near a kink"), r.diagnosis


def test_a_one_block_vjp_with_no_pattern_keeps_the_products_own_diagnosis():
    """A VJP that is linear in ct but is no Jacobian of sin (ct·M, M random): its one block rebuilt says
    nothing more, so the diagnosis is the products' own, without "rebuilt from …" (kills `len(mine) == 1` →
    `== 2` of the code before the rewrite as a match)."""
    M = np.random.default_rng(0).standard_normal((5, 5))
    r = check_vjp(jnp.sin, lambda x, ct: ct @ M, np.zeros(5), seed=0, shrink=False, trials=10)
    assert r.diagnosis == "no simple pattern (not a constant factor, a transpose, a few entries or a dropped outer " \
                          "product)", r.diagnosis
