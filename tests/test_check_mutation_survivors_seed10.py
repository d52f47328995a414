"""Behaviour tests that kill the seed-10 sample's surviving mutants (issue 16), a fresh sample of the code
after the seed-9 survivors were dealt with. Each names the mutant it kills and was checked against it by hand.
"""

from __future__ import annotations

import re
import sys
from pathlib import Path

import jax.numpy as jnp
import numpy as np
import pytest

from chainrule import check_gradient, check_jacobian, check_jvp, check_vjp
from chainrule.reference.checker.diagnosis import describe_factor, diagnose_values

sys.path.insert(0, str(Path(__file__).parent))
from test_check_ties_edges import inv_f, inv_vjp_qr


@pytest.mark.parametrize(("n", "seed", "moved"), [(4, 33, r"by up to \d(\.\d+)?e-\d+ relative"),
                                                   (3, 6, "without bound")])
def test_a_skipped_ill_conditioned_trial_says_how_far_jax_moved(n, seed, moved):
    """A right inverse VJP (by QR; JAX's is by LU) at an edge trial where x has condition ≈ 2e+09 (n=4,
    seed 33) and where it is singular (n=3, seed 6): the note says how far a 9e-16 relative change of the
    inputs moves JAX's derivative, a finite relative change in the first and "without bound" in the second
    (kills `not np.isfinite(change)` → `np.isfinite(change)`, which swapped the two)."""
    r = check_vjp(inv_f, inv_vjp_qr, np.zeros((n, n)), seed=seed)
    notes = [note for note in r.notes if "ill-conditioned for f" in note]
    assert r.ok and len(notes) == 1, (r.ok, r.notes)
    assert re.search(rf"moves JAX's derivative {moved}; x ", notes[0]), notes[0]


def test_a_forgotten_one_over_n_in_float32_is_one_constant_factor_despite_rounding():
    """A float32 mean loss over N = 16,384 rows whose gradient forgot the 1/N, checked in float32: the
    factor in each trial is 16,384 give or take float32 rounding (about 1e-2 absolute), well within the
    pattern tolerance 2e-3 relative to the factor, so the diagnosis is one constant factor, N (kills
    `prt * max|k|` → `prt % max|k|`, an absolute 2e-3 under which the factor "varies with the inputs")."""
    X = np.random.default_rng(0).normal(size=(16384, 3)).astype(np.float32)

    def loss(w, X):
        return jnp.mean(jnp.tanh(X @ w))

    def grad_forgot_mean(w, X):
        t = np.tanh(X @ w)
        return X.T @ (1 - t**2)

    r = check_gradient(loss, grad_forgot_mean, np.zeros(3, np.float32), X, shrink=False, precision="float32",
                       candidate_precision="as-given")
    assert not r.ok and r.diagnosis.startswith("off by a constant factor "), r.diagnosis
    assert "16384" in r.diagnosis, r.diagnosis


def test_the_reported_trial_is_an_ordinary_one_when_edge_trials_fail_worse():
    """1% off everywhere and far off where an entry of x is 0 (the edge trials, the last ten of 100): the
    report shows the worst ordinary trial, not an edge trial, and its factor (kills each way of letting an
    edge trial's larger error win: `~edge` dropped, `&` → `|`)."""
    def jac(x):
        return jnp.diag(2.02 * x + jnp.where(x == 0, 5.0, 0.0))

    r = check_jacobian(lambda x: x**2, jac, np.zeros(4), shrink=False)
    assert not r.ok and r.failures == 100, (r.ok, r.failures)
    assert r.trial < 90 and r.diagnosis.startswith("off by a constant factor 1.01"), (r.trial, r.diagnosis)


@pytest.mark.parametrize("check", ["jvp", "probe"])
def test_no_tie_note_where_the_tie_rule_inside_a_leaf_does_not_apply(check):
    """The rule for ties inside one leaf runs on dense gradients, Jacobians and VJPs only: a JVP check, or a
    Jacobian checked by probes, at inputs full of ties (the edge trials' kink points and tied entries) says
    nothing about tied groups (kills `return {}, 0` → `return {}, -1`, which printed "-1 groups of tied
    entries … checked")."""
    if check == "jvp":
        r = check_jvp(jnp.sort, lambda x, t: jnp.take_along_axis(t, jnp.argsort(x), 0), np.zeros(5))
    else:
        r = check_jacobian(jnp.sort, lambda x: jax_sort_jacobian(x), np.zeros(5), mode="probe")
    assert r.ok, r.diagnosis
    assert not any("tied entries" in n for n in r.notes), r.notes


def jax_sort_jacobian(x):
    return jnp.eye(x.shape[0])[jnp.argsort(x)]


def test_wrong_entries_in_one_column_of_a_two_column_jacobian_are_named_as_that_column():
    """A 3 × 2 Jacobian wrong at rows 0 and 2 of column 1: "one column", input entry (1,) (kills `n < 2` →
    `n == 2`, under which two input entries were too few to name a column)."""
    r = np.arange(1.0, 7.0).reshape(3, 2)
    c = r.copy()
    c[0, 1] += 1.0
    c[2, 1] += 5.0
    d = diagnose_values(c, r, out_shape=(3,), in_shape=(2,))
    assert d.startswith("wrong only in the derivatives with respect to input entry (1,) (one column of the "
                        "Jacobian, 2 of its 3 entries"), d


def test_a_one_column_jacobian_is_not_said_to_be_wrong_in_one_column():
    """With one input entry every wrong entry is in its column, which says nothing: two wrong entries of a
    4 × 1 Jacobian are listed instead (kills `n < 2` → `n == 2`, which named "input entry (0,)")."""
    r = np.arange(1.0, 5.0).reshape(4, 1)
    c = r.copy()
    c[1, 0] += 1.0
    c[3, 0] -= 2.0
    d = diagnose_values(c, r, out_shape=(4,), in_shape=(1,))
    assert d.startswith("2 wrong entries of 4 at (1, 0), (3, 0) (the others agree)"), d


def test_a_factor_that_varies_with_the_inputs_is_shown_in_the_numbers_people_write():
    """A gradient of Σx² scaled by √(1 + number of positive entries of x): the factor varies from trial to
    trial, and the diagnosis shows the first four as √2, √3, 2 and √5 are written, not 1.41 or 1.73 (kills
    `readable(k, 1e-6, …)` → `readable(k, -0.999999, …)`, under which no factor was recognized)."""
    def scaled(x):
        return 2 * x * np.sqrt(1.0 + np.sum(x > 0))

    r = check_gradient(lambda x: jnp.sum(x**2), scaled, np.zeros(4), shrink=False)
    m = re.fullmatch(r"proportional to JAX in each trial, but the factor varies with the inputs \(([^…]+)\): "
                     r"a missing input-dependent scalar factor", r.diagnosis)
    assert m is not None, r.diagnosis
    shown = m.group(1).split(", ")
    assert len(shown) == 4 and set(shown) <= {"√2", "√3", "2", "√5"} and len(set(shown)) > 1, shown


def test_a_large_tie_group_beside_a_close_value_is_broken_in_distinct_orders():
    """40 entries tied at 1 and a 41st at 1 + 1e-6: at each of the 32 points where the ties are broken, the 40
    take distinct values in a new random order (the gradient of Σ sort(x)·(1, …, 41) is a different
    permutation of the weights each time), and none passes the 41st (kills `gap/(2·size)` → `gap/2^size`, a
    step of 1e-18 that float64 cannot register at 1, which left the ties unbroken: one order, 32 times)."""
    import jax

    from chainrule.reference.checker.kinks import tie_broken
    from chainrule.reference.checker.problem import setup

    def f(x):
        return jnp.sum(jnp.sort(x) * jnp.arange(1.0, 42.0, dtype=x.dtype))

    x = np.r_[np.full(40, 1.0), 1.0 + 1e-6]
    with jax.enable_x64(True):
        P = setup("gradient", f, lambda x: x, (np.zeros(41),), 0, {})
        g = tie_broken(P, [x[None]], {}, [0])[0][0]
    assert g.shape == (32, 41)
    assert len({tuple(row) for row in g}) == 32
    assert (g[:, 40] == 41).all() and all(sorted(row[:40]) == list(range(1, 41)) for row in g)


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_forward_and_reverse_jacobians_that_differ_by_amplified_rounding_are_not_called_non_differentiable(seed):
    """f(x) = A·tanh(B·x) with A = 1e8·(1, −1) and B = (1, 1 + 1e-5)ᵀ: the Jacobian is a difference of two
    terms of about 6e7 and much smaller than either, so jacfwd and jacrev, rounding differently, disagree by
    up to 1.6e-9 of it (8 to 12 of 100 trials above 1e-10 at these seeds). That is within the witnesses'
    agreement tolerance, 10 × rtol = 1e-8, and the check of JAX's own forward Jacobian passes (kills
    `max(rtol, 1e-9) * 10` → `/ 10`, under which these trials were "not differentiable")."""
    import jax

    A, B = np.array([[1e8, -1e8]]), np.array([[1.0], [1.0 + 1e-5]])

    def f(x):
        return A @ jnp.tanh(B @ x)

    r = check_jacobian(f, jax.jacfwd(f), np.zeros(1), shrink=False, seed=seed)
    assert r.ok, r.diagnosis


def test_mixed_precision_inputs_each_with_its_gradient_in_its_own_dtype_pass():
    """x in float32 and y in float64, checked as given, the candidate returning each gradient in its input's
    dtype: no gradient is of lower precision than the least precise input, so no "wrong dtype" (kills the
    least precise input's `key=-eps` → `key=+eps`, the most precise, float64, which called x's float32
    gradient a lower precision)."""
    def f(x, y):
        return jnp.sum(x.astype(y.dtype) * y)

    def grad(x, y):
        return (y.astype(x.dtype), x.astype(y.dtype))

    r = check_gradient(f, grad, np.zeros(3, np.float32), np.zeros(3), argnums=(0, 1), precision="as-is",
                       candidate_precision="as-given", trials=10)
    assert r.ok, r.diagnosis


def test_a_kink_at_either_end_of_the_scan_window_is_found():
    """near_kink scans JAX's derivative over x_j ± 0.1·max(1, |x_j|) in 40 steps. For Σ relu(x) at x = 0.098
    the kink at 0 lies in the first step of the window, at −0.098 in the last, at 0.0512 inside, at 0.5
    outside: a jump of 1 at either end counts, with no neighbour beyond it to compare (kills the padding
    `[0.0]` → `[1.0]` at either end, under which an end jump had to exceed 10)."""
    import jax

    from chainrule.reference.checker.blocks import make_blocks
    from chainrule.reference.checker.kinks import near_kink
    from chainrule.reference.checker.problem import setup

    def f(x):
        return jnp.sum(jnp.maximum(x, 0.0))

    with jax.enable_x64(True):
        P = setup("gradient", f, lambda x: x, (np.zeros(4),), 0, {})
        (block,) = make_blocks(P, jax.eval_shape(f, jnp.zeros(4)), [(4,)])
        x = np.array([[0.098, -0.098, 0.0512, 0.5]])
        assert near_kink(P, block, [x], {}, 0, [(0,), (1,), (2,), (3,)], 1e-9) == [True, True, True, False]


@pytest.mark.parametrize("second", ["one more array", "a longer array"])
def test_a_numpy_candidate_whose_second_call_returns_another_structure_is_nondeterministic(second):
    """A NumPy VJP whose second call on the same inputs returns an extra array, or an array of another
    shape: a clear failure naming both structures, not a crash in the comparison (kills `or` → `and` in the
    structure test; `zip(strict=True)` after it is then moot)."""
    calls = []

    def drifting(x, g):
        calls.append(1)
        dx = np.cos(x) * g
        if len(calls) >= 4:  # after the calls that learn its structure and run trial 0: trial 0 again
            return (dx, dx) if second == "one more array" else np.r_[dx, 0.0]
        return dx

    r = check_vjp(jnp.sin, drifting, np.zeros(3), trials=5)
    assert not r.ok and r.diagnosis.startswith("nondeterministic candidate: two calls on the same inputs "
                                               "return an array of shape (3,) with shapes [(3,)], then "), r.diagnosis
    tail = "a tuple of 2 with shapes [(3,), (3,)]" if second == "one more array" else \
        "an array of shape (4,) with shapes [(4,)]"
    assert r.diagnosis.endswith(tail), r.diagnosis


def test_classify_at_zero_tolerance_names_exact_slopes_and_the_exact_midpoint():
    """With ``tol = 0`` only exact values match: −1 and 1 are the slopes and 0 their midpoint, exactly (kills
    `abs(c − (L + R)/2) <= tol` → `< tol`, under which an exact midpoint at tolerance 0 was "a value between
    the slopes")."""
    from chainrule.reference.checker.kinks import classify

    assert [classify(c, -1.0, 1.0, 0.0) for c in (-1.0, 1.0, 0.0, 0.25)] == [
        "the left slope", "the right slope", "the midpoint", "a value between the slopes"]


def test_a_gradient_of_a_three_axis_array_with_its_axes_reversed_is_transposed():
    """A gradient with respect to a 2 × 3 × 2 array returned with all three axes reversed (the same shape):
    "transposed", as for a matrix (kills `r.ndim >= 2` → `== 2`, under which only matrices were tried)."""
    r = np.random.default_rng(0).normal(size=(2, 3, 2))
    d = diagnose_values(np.transpose(r), r, out_shape=(), in_shape=(2, 3, 2))
    assert d.startswith("transposed"), d


def test_padded_sizes_are_the_next_power_of_two_of_at_least_eight():
    """The tie analyses pad their items to a power of two (few compiled sizes) that is never below the count
    and never more than twice it above 8 (kills `(n − 1).bit_length()` → `(n ^ 1).bit_length()`, 16 for 8)."""
    from chainrule.reference.checker.programs import padded_size

    assert [padded_size(n) for n in (1, 2, 7, 8, 9, 16, 17, 100, 128)] == [8, 8, 8, 8, 16, 16, 32, 128, 128]


def test_a_midpoint_at_a_kink_between_positive_slopes_is_a_convention_not_outside():
    """Σ (x + relu(x)) has slopes 1 and 2 at its kink; a candidate taking their midpoint 1.5 there, under
    kinks='jax', is named a wrong kink convention, with the value inside JAX's one-sided derivatives (kills
    `min(L, R) − tk` → `min(L, R) / tk`, about 1e6, under which 1.5 was "outside [1, 2]")."""
    def f(x):
        return jnp.sum(x + jnp.where(x > 0, x, 0.0))

    def midpoint(x):
        return 1.0 + np.where(x > 0, 1.0, np.where(x == 0, 0.5, 0.0))

    r = check_gradient(f, midpoint, np.zeros(3), kinks="jax", shrink=False)
    assert not r.ok and r.diagnosis.startswith("wrong kink convention: at entry ("), r.diagnosis
    assert "the candidate takes the midpoint (1.5), JAX the left slope (1)" in r.diagnosis, r.diagnosis


@pytest.mark.parametrize(("k", "name"), [(2.0, "2"), (0.5, "1/2"), (2**0.5, "√2")])
def test_a_factor_of_two_is_not_blamed_on_a_dimension_of_two(k, name):
    """A factor 2, 1/2 or √2 with an input dimension of 2 is written as the number alone: 2 is too common a
    factor to read as N (kills `q > 2` → `q >= 2`, which appended "(= N with N = 2 …)")."""
    assert describe_factor(k, dims=(2, 5)) == f"off by a constant factor {name}"


def test_a_candidate_close_to_both_witnesses_is_not_said_to_be_backed_against_jax():
    """A gradient off by 1e-7 relative (a rounded constant), with witness='fd': finite differences agree with
    the candidate and with JAX alike (within 1e-6), so the diagnosis does not add that the third witness backs
    the candidate against JAX (kills `c_ok and not j_ok` → `c_ok or not j_ok`)."""
    r = check_gradient(lambda x: jnp.sum(jnp.sin(x)), lambda x: np.cos(x) * (1 + 1e-7), np.zeros(3),
                       witness="fd", shrink=False)
    assert not r.ok and r.diagnosis.startswith("close but not exact"), r.diagnosis
    assert "third witness" not in r.diagnosis, r.diagnosis
    assert any(n.startswith("third witness (central finite differences") and "(agrees); JAX vs it" in n
               and n.endswith("(agrees)") for n in r.notes), r.notes


def test_a_probe_mode_check_in_chunks_passes_a_right_jacobian_and_fails_a_wrong_one():
    """mode='probe' with a memory budget of 1 MiB runs 100 trials of a 64-wide Jacobian in chunks, each
    contracted with its own probes (run_batched's `post`, given the chunk's probes): the right Jacobian
    passes and a wrong one fails, both under jit(vmap), with no fall back to running trial by trial (kills
    `post(out, sub[1])` → `sub[2]`, whose IndexError sent the check to the slow loop)."""
    def right(x):
        return jnp.diag(jnp.cos(x))

    def wrong(x):
        return jnp.diag(jnp.cos(x)) * 1.5

    ok = check_jacobian(jnp.sin, right, np.zeros(64), mode="probe", memory=1 << 20)
    bad = check_jacobian(jnp.sin, wrong, np.zeros(64), mode="probe", memory=1 << 20, shrink=False)
    assert ok.ok, ok.diagnosis
    assert not bad.ok and bad.failures == 100, (bad.failures, bad.diagnosis)
    assert not [n for r in (ok, bad) for n in r.notes if "trial by trial" in n], ok.notes + bad.notes


def test_a_candidate_that_raises_where_f_is_singular_is_excused_with_what_it_raised():
    """The QR inverse VJP refusing matrices of condition above 1e12: at seed 6's last edge trial x is singular
    and JAX's derivative, though finite, moves without bound, so the trial is skipped, and the note says the
    candidate raised there rather than that the conditioning explains a disagreement (kills the `group is
    excused` test → `group < excused`)."""
    def refusing(x, g):
        if np.linalg.cond(x) > 1e12:
            raise np.linalg.LinAlgError("ill-conditioned matrix")
        return inv_vjp_qr(x, g)

    r = check_vjp(inv_f, refusing, np.zeros((3, 3)), seed=6)
    notes = [n for n in r.notes if "ill-conditioned for f" in n]
    assert r.ok and len(notes) == 1, (r.ok, r.notes)
    assert notes[0].endswith("moves JAX's derivative without bound; x is singular), where the candidate raised "
                             "LinAlgError: ill-conditioned matrix; not counted"), notes[0]


def test_a_wrong_shape_is_named_in_a_one_trial_vjp_check():
    """With trials=1 the shape failure's dense values come from trial 0's inputs and cotangent, the only ones
    there are (kills `a[0]` → `a[1]` for the cotangent, an IndexError with one trial)."""
    r = check_vjp(jnp.sin, lambda x, g: np.zeros(4), np.zeros(3), trials=1)
    assert not r.ok and r.diagnosis == "wrong shape: claimed (4,), JAX (3,)", r.diagnosis


def test_a_trial_where_a_wrong_candidate_raised_is_not_compared_nor_counted():
    """A QR inverse VJP with its transposes forgotten that also refuses matrices of condition above 1e12: it
    fails on the ordinary trials, and at seed 6's last edge trial, where x is singular but JAX's derivative is
    finite, it raised. That trial is named as not compared and is left out of the failures (95) and of the
    largest error, which stays finite (kills the loop that takes raised trials out of the comparison, run zero
    times: 96 failures and an infinite largest error)."""
    from test_check_ties_edges import qr_inverse

    def refusing_transposed(x, g):
        if np.linalg.cond(x) > 1e12:
            raise np.linalg.LinAlgError("ill-conditioned matrix")
        a = np.asarray(qr_inverse(x))
        return -a @ g @ a

    r = check_vjp(inv_f, refusing_transposed, np.zeros((3, 3)), seed=6, shrink=False)
    assert not r.ok and r.failures == 95 and np.isfinite(r.max_abs_error), (r.failures, r.max_abs_error)
    assert "1 edge trial not compared (trial 100): the candidate raised LinAlgError: ill-conditioned matrix there" \
        in r.notes, r.notes

