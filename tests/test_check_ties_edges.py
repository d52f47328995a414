"""Ties inside one argument, and edge trials at inputs where f is singular or ill-conditioned.

* Edge trials tie entries *inside* one argument (equal neighbours, the maximum copied), and at such a tie
  the candidate's shares of the tied entries must add up to JAX's derivative along the tie direction:
  a max-pool backward routing the gradient to every tied maximum (which passed before, "ok: max abs
  error 1.58") fails with a tie diagnosis; first-max, equal splits and any valid ``sort``/``top_k``
  tie-break pass.
* An edge trial the checker built where f is singular or ill-conditioned (the candidate raises, returns
  ``inf``, or disagrees by amplified roundoff) is skipped and named in the notes; ordinary trials and
  well-conditioned edge trials still count, so a wrong candidate still fails.
"""

from __future__ import annotations

import re

import jax
import jax.numpy as jnp
import numpy as np
import pytest
from jax.scipy.linalg import solve_triangular

from chainrule import check_gradient, check_jacobian, check_vjp
from chainrule.reference.checker.conditioning import perturb
from chainrule.reference.checker.drawing import draw, tie_within
from chainrule.reference.checker.problem import setup
from chainrule.reference.checker.ties_within import tie_groups

SEEDS = range(20)

# =================================================================================================
# max pooling: 2 × 2 windows, stride 2, on a (4, 6) input; NumPy backward passes, CS231n style
# =================================================================================================

POOL_IN = np.zeros((4, 6))


def maxpool(x):
    return jax.lax.reduce_window(x, -jnp.inf, jax.lax.max, (2, 2), (2, 2), "VALID")


def pool_sum(x):
    return jnp.sum(maxpool(x))


def pool_backward(x, dout, route):
    """dx of 2 × 2 max pooling: ``route`` the window's gradient to the first maximum (np.argmax, right),
    to every tied maximum (wrong), or split it equally among them (right)."""
    dx = np.zeros_like(x)
    for i in range(x.shape[0] // 2):
        for j in range(x.shape[1] // 2):
            w = x[2 * i:2 * i + 2, 2 * j:2 * j + 2]
            if route == "first":
                k, l_ = np.unravel_index(np.argmax(w), w.shape)
                dx[2 * i + k, 2 * j + l_] += dout[i, j]
            else:
                m = (w == w.max()).astype(x.dtype)
                dx[2 * i:2 * i + 2, 2 * j:2 * j + 2] += dout[i, j] * (m if route == "all" else m / m.sum())
    return dx


def test_max_pool_backward_routing_to_every_tied_maximum_fails_at_a_tie():
    """Each tied maximum's share 1 lies between its one-sided slopes 0 and 1, so this passed entry by entry;
    but moving the tied maxima together changes the window's maximum at rate 1, not 2."""
    r = check_gradient(pool_sum, lambda x: pool_backward(x, np.ones((2, 3)), "all"), POOL_IN)
    assert not r.ok
    assert 0 < r.failures <= 10  # only edge trials hold ties
    m = re.match(r"wrong at a tie: where x\[(\d), (\d)\] = x\[(\d), (\d)\] = (\S+) \(trial (\d+); 2 equal entries "
                 r"of x\), the candidate routes the gradient to all 2 tied entries: shares 1 \+ 1 = 2, but moving "
                 r"them together changes f at rate 1 from either side \(JAX's shares: ", r.diagnosis)
    assert m, r.diagnosis
    i1, j1, i2, j2 = (int(g) for g in m.groups()[:4])
    x = r.inputs[0]
    assert x[i1, j1] == x[i2, j2] == pytest.approx(float(m.group(5)), rel=1e-5) != 0.0  # a real tie, off the kink
    assert (i1 // 2, j1 // 2) == (i2 // 2, j2 // 2)  # in one window, its maximum
    assert x[i1, j1] == x[2 * (i1 // 2):2 * (i1 // 2) + 2, 2 * (j1 // 2):2 * (j1 // 2) + 2].max()
    assert int(m.group(6)) == r.trial + 1


def test_max_pool_vjp_routing_to_every_tied_maximum_fails_at_every_seed():
    bad = lambda x, ct: pool_backward(x, ct, "all")  # noqa: E731
    reports = [check_vjp(maxpool, bad, POOL_IN, seed=s, shrink=False) for s in SEEDS]
    assert [r.seed for r in reports if r.ok] == []
    assert all(r.diagnosis.startswith("wrong at a tie: where x[") and "routes the cotangent to all" in r.diagnosis
               and "changes ctᵀf at rate" in r.diagnosis for r in reports), reports[0].diagnosis


@pytest.mark.parametrize("route", ["first", "split"])
def test_max_pool_backward_to_the_first_maximum_or_split_equally_passes_at_20_seeds(route):
    cand = lambda x, ct: pool_backward(x, ct, route)  # noqa: E731
    alarms = [(s, r.diagnosis) for s in SEEDS if not (r := check_vjp(maxpool, cand, POOL_IN, seed=s)).ok]
    assert alarms == []


def test_overlapping_max_pool_windows():
    """3 × 3 windows, stride 1 (each entry in up to 9 windows): the tie rule per window still holds for
    first-max, and routing to every tied maximum is caught."""
    def pool3(x):
        return jax.lax.reduce_window(x, -jnp.inf, jax.lax.max, (3, 3), (1, 1), "VALID")

    def backward(x, ct, every):
        dx = np.zeros_like(x)
        for i in range(ct.shape[0]):
            for j in range(ct.shape[1]):
                w = x[i:i + 3, j:j + 3]
                if every:
                    dx[i:i + 3, j:j + 3] += ct[i, j] * (w == w.max())
                else:
                    k, l_ = np.unravel_index(np.argmax(w), w.shape)
                    dx[i + k, j + l_] += ct[i, j]
        return dx

    args = (np.zeros((5, 5)),)
    assert all(check_vjp(pool3, lambda x, ct: backward(x, ct, False), *args, seed=s).ok for s in range(5))
    r = check_vjp(pool3, lambda x, ct: backward(x, ct, True), *args, shrink=False)
    assert r.diagnosis.startswith("wrong at a tie"), r.diagnosis


# =================================================================================================
# max(x), sort, top_k
# =================================================================================================


def test_max_of_a_vector_at_a_tie():
    x = np.zeros(5)
    r = check_gradient(jnp.max, lambda a: (a == a.max()).astype(a.dtype), x, shrink=False)  # 1 to every tied max
    assert re.match(r"wrong at a tie: where a\[\d\] = a\[\d\].* the candidate routes the gradient to all (\d) tied "
                    r"entries: shares 1 \+ 1.* but moving them together changes f at rate 1 from either side",
                    r.diagnosis), r.diagnosis
    first = lambda a: np.eye(a.size)[np.argmax(a)]  # noqa: E731  (JAX splits equally: ½ + ½)
    reports = [check_gradient(jnp.max, first, x, seed=s) for s in SEEDS]
    assert [r.seed for r in reports if not r.ok] == []
    assert any(re.search(r"\d+ groups? of tied entries \(equal values inside one argument\) checked along the tie "
                         r"direction", n) for r in reports for n in r.notes)
    assert check_gradient(jnp.max, jax.grad(jnp.max), x, trials=1000).ok
    assert check_gradient(lambda a: a[jnp.argmax(a)], first, x, trials=1000).ok  # an argmax-based selection


def _permutation(order):
    return lambda x: np.eye(x.size)[order(x)]


SORTS = {
    "stable": _permutation(lambda x: np.argsort(x, kind="stable")),
    "stable, ties reversed": _permutation(lambda x: np.argsort(-x, kind="stable")[::-1]),
    "quicksort": _permutation(lambda x: np.argsort(x, kind="quicksort")),
}


@pytest.mark.parametrize("name", list(SORTS))
def test_sort_with_any_tie_break_passes(name):
    """Any permutation that sorts x is a valid Jacobian of sort at a tie, three-way ties included (the
    middle rank's entry has one-sided slopes 0 and 0: the ties are also broken in other orders)."""
    alarms = [(s, r.diagnosis) for s in SEEDS if not (r := check_jacobian(jnp.sort, SORTS[name], np.zeros(5),
                                                                              seed=s)).ok]
    assert alarms == []


def test_sort_routing_to_every_tied_entry_fails():
    r = check_jacobian(jnp.sort, lambda x: (np.sort(x)[:, None] == x[None, :]).astype(x.dtype), np.zeros(5),
                       shrink=False)
    assert re.match(r"wrong at a tie: where a\[\d\] = a\[\d\].* the candidate routes ∂f\[\d\] to all \d tied entries",
                    r.diagnosis), r.diagnosis


def top3(x):
    return jax.lax.top_k(x, 3)[0]


@pytest.mark.parametrize("order", [lambda x: np.argsort(-x, kind="stable")[:3],
                                   lambda x: np.argsort(x, kind="stable")[::-1][:3]], ids=["first", "last"])
def test_top_k_with_any_tie_break_passes(order):
    alarms = [(s, r.diagnosis) for s in SEEDS
              if not (r := check_jacobian(top3, _permutation(order), np.zeros(6), seed=s)).ok]
    assert alarms == []


def test_top_k_routing_to_every_tied_entry_fails():
    r = check_jacobian(top3, lambda x: (np.sort(x)[::-1][:3, None] == x[None, :]).astype(x.dtype), np.zeros(6),
                       shrink=False)
    assert r.diagnosis.startswith("wrong at a tie: where x["), r.diagnosis


# =================================================================================================
# abs and clip at their kinks: the kink rule, "between the one-sided slopes", ties of zeros included
# =================================================================================================


@pytest.mark.parametrize("at_zero", [0.0, 0.3, -1.0, 1.0])
def test_abs_at_zero_accepts_any_value_in_minus_one_one(at_zero):
    cand = lambda x: np.where(x == 0, at_zero, np.sign(x))  # noqa: E731
    assert all(check_gradient(lambda x: jnp.sum(jnp.abs(x)), cand, np.zeros(6), seed=s).ok for s in range(5))


def test_abs_at_zero_outside_the_slopes_fails():
    r = check_gradient(lambda x: jnp.sum(jnp.abs(x)), lambda x: np.where(x == 0, 2.0, np.sign(x)), np.zeros(6))
    assert r.diagnosis.startswith("wrong at a kink") and "outside JAX's one-sided derivatives [-1, 1]" in r.diagnosis


@pytest.mark.parametrize("on_bound", [0.0, 0.5, 1.0])
def test_clip_at_a_bound_accepts_any_value_between_the_slopes(on_bound):
    def cand(x):
        return np.where(np.abs(x) == 1.0, on_bound, (np.abs(x) < 1.0).astype(x.dtype))

    assert all(check_gradient(lambda x: jnp.sum(jnp.clip(x, -1.0, 1.0)), cand, np.zeros(6), seed=s,
                              kink_points=(-1.0, 0.0, 1.0)).ok for s in range(5))
    bad = lambda x: np.where(np.abs(x) == 1.0, 1.5, (np.abs(x) < 1.0).astype(x.dtype))  # noqa: E731
    r = check_gradient(lambda x: jnp.sum(jnp.clip(x, -1.0, 1.0)), bad, np.zeros(6), kink_points=(-1.0, 0.0, 1.0))
    assert r.diagnosis.startswith("wrong at a kink"), r.diagnosis


def test_within_argument_ties_at_a_kink_point_are_left_to_the_kink_rule():
    """|x₀| − |x₁| at x₀ = x₁ = 0: each entry sits on a kink of its own (the candidate's (1, 1) is a valid
    generalized gradient), so equal values on a kink point are not held to the tie rule."""
    def f(x):
        return jnp.abs(x[0]) - jnp.abs(x[1]) + jnp.sum(x[2:] ** 2)

    def grad(x):
        g = 2 * x.copy()
        g[0] = 1.0 if x[0] >= 0 else -1.0
        g[1] = -1.0 if x[1] > 0 else 1.0
        return g

    assert all(check_gradient(f, grad, np.zeros(4), seed=s).ok for s in range(10))


# =================================================================================================
# the drawing: ties inside one argument
# =================================================================================================


def test_edge_trials_tie_entries_inside_one_argument():
    P = setup("gradient", jnp.max, jnp.max, (np.zeros((4, 6)),), 0, {})
    leaves, edge = draw(P, [(4, 6)], 1000, 0)
    x = leaves[0]
    assert edge.sum() == 100
    tied = [bool(tie_groups(x[t], (0.0,))) for t in range(1000)]
    assert sum(tied[t] for t in np.flatnonzero(edge)) >= 95  # nearly every edge trial holds a tie off 0
    assert not any(tied[t] for t in np.flatnonzero(~edge))  # ordinary trials hold none
    at_max = [x[t].max() != 0 and (x[t] == x[t].max()).sum() > 1 for t in np.flatnonzero(edge)]
    assert sum(at_max) >= 30  # ties at the maximum (max, max-pool)
    one = np.full((3, 1), 0.5)
    tie_within(np.random.default_rng(0), one)  # a leaf of one entry is left alone
    assert (one == 0.5).all()


def test_the_perturbation_of_the_conditioning_measure_keeps_zeros_and_ties():
    P = setup("gradient", jnp.max, jnp.max, (np.zeros(5),), 0, {})
    x = np.array([0.0, 0.7, 0.7, -1.3, 1e-6])
    y = perturb(P, x, np.float64, 0)
    assert y[0] == 0.0 and y[1] == y[2] != 0.7 and y[3] != -1.3
    assert np.all(np.abs(y - x) <= 4 * np.finfo(float).eps * np.abs(x))
    free = perturb(P, x, np.float64, 0, free=True, scale=16.0)
    assert free[0] != 0.0 and free[1] != free[2]  # the free perturbation moves zeros and breaks ties


# =================================================================================================
# edge trials at singular or ill-conditioned inputs
# =================================================================================================


def inv_f(x):
    return jnp.linalg.inv(x)


def grad_inv_autograd(x, g):
    """HIPS/autograd's grad_inv, ``lambda ans, x: lambda g: -ans.T @ g @ ans.T``, computing ``ans`` itself."""
    ans = np.linalg.inv(x)
    return -ans.T @ g @ ans.T


def qr_inverse(x):
    q, r = jnp.linalg.qr(x)
    return solve_triangular(r, q.T)


def inv_vjp_qr(x, g):
    """Right, with the inverse by QR (JAX's is by LU): at a nearly singular input the two differ by
    roundoff amplified by the condition number."""
    a = qr_inverse(x)
    return -a.T @ g @ a.T


@pytest.mark.parametrize("n", [3, 4])
def test_a_right_inverse_vjp_passes_at_20_seeds_and_the_ill_conditioned_edge_trials_are_named(n):
    reports = [check_vjp(inv_f, inv_vjp_qr, np.zeros((n, n)), seed=s) for s in SEEDS]
    assert [(r.seed, r.diagnosis) for r in reports if not r.ok] == []
    named = [note for r in reports for note in r.notes if "ill-conditioned for f" in note]
    assert named, "no seed met an ill-conditioned edge trial"
    assert all(re.match(r"\d+ edge trials? skipped \(trials? [\d, …]+\): the checker set entries to the kink point 0 "
                        r".*there, and the input is singular or ill-conditioned for f \(a relative change of 9e-16 in "
                        r"the inputs moves JAX's derivative .*x (has condition ≈ .*|is singular)\), which explains the "
                        r"candidate's disagreement; not counted", note) for note in named), named[0]


def test_a_wrong_inverse_vjp_still_fails():
    def transposed(x, g):  # the transposes forgotten
        a = qr_inverse(x)
        return -a @ g @ a

    reports = [check_vjp(inv_f, transposed, np.zeros((4, 4)), seed=s, shrink=False) for s in range(5)]
    assert not any(r.ok for r in reports)
    assert all(r.diagnosis.startswith("holds only for symmetric matrices") for r in reports), reports[0].diagnosis


def test_a_candidate_wrong_only_on_edge_trials_still_fails_where_the_input_is_well_conditioned():
    def wrong_on_edges(x, g):  # an edge trial holds zeros: then the factor 2 is dropped
        v = inv_vjp_qr(x, g)
        return jnp.where(jnp.any(x == 0), 0.5 * v, v)

    r = check_vjp(inv_f, wrong_on_edges, np.zeros((4, 4)), shrink=False)
    assert not r.ok and 0 < r.failures <= 10  # the well-conditioned edge trials count
    assert r.trial >= 90 and not any(f"trial {r.trial + 1})" in n or f"trial {r.trial + 1}," in n for n in r.notes)


def test_autograd_grad_inv_raising_on_singular_edge_trials_passes_at_20_seeds():
    """The NumPy candidate raises LinAlgError where an edge trial made x singular: those trials are skipped
    and named (the engine passes them to judge as ``skipped``)."""
    reports = [check_vjp(inv_f, grad_inv_autograd, np.zeros((3, 3)), seed=s) for s in SEEDS]
    assert [(r.seed, r.diagnosis) for r in reports if not r.ok] == []
    notes = [n for r in reports for n in r.notes if "edge trial" in n and "skipped" in n]
    assert any("the candidate raised LinAlgError: Singular matrix" in n for n in notes), notes[:3]
    assert all(n.endswith("not counted") for n in notes)


def test_a_candidate_raising_on_an_ordinary_trial_fails():
    def raises(x, g):
        raise np.linalg.LinAlgError("Singular matrix")

    r = check_vjp(inv_f, raises, np.zeros((3, 3)))
    assert not r.ok and r.stopped
    assert r.diagnosis.startswith("the candidate raised LinAlgError: Singular matrix")


def test_a_candidate_raising_on_a_well_conditioned_edge_trial_fails():
    """d|x|/dx computed as x / |x| raises 0/0 at x = 0 (an edge trial): f is well-conditioned there, its
    derivative exists, and the candidate must compute it."""
    def sign_by_division(x):
        with np.errstate(invalid="raise", divide="raise"):
            return x / np.abs(x)

    r = check_gradient(lambda x: jnp.sum(jnp.abs(x)), sign_by_division, np.zeros(5), shrink=False)
    assert not r.ok
    assert re.match(r"the candidate raised FloatingPointError: .* at trial \d+, an edge trial \(the checker set "
                    r"entries to the kink point 0.*\), but f is well-conditioned there", r.diagnosis), r.diagnosis


def test_a_traceable_candidate_returning_nan_at_a_well_conditioned_kink_still_fails():
    r = check_gradient(lambda x: jnp.sum(jnp.abs(x)), lambda x: x / jnp.abs(x), np.zeros(5), shrink=False)
    assert not r.ok and "non-finite" in r.diagnosis, r.diagnosis
