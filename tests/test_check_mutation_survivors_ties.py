"""Behaviour tests that kill the seed-5 sample's surviving mutants of the kink and tie rules
(``kinks.py``, ``ties.py``, ``ties_within.py``) and of ``chainrule verify``'s messages (issue 16).

Each test pins what a user sees (a report's pass/fail, its notes, a diagnosis or a message), and was
checked by hand against its mutant.
"""

from __future__ import annotations

import re

import jax.numpy as jnp
import numpy as np

from chainrule import check_gradient, check_jacobian


def test_sort_with_ties_broken_in_reverse_passes_over_more_than_one_chunk_of_kink_trials():
    """Seed-5 survivor (kinks.py): the kink rule examines failing edge trials in chunks of 64 and goes on to
    the next chunk after one accepted with the ties broken in random orders; `if not accept_kinks(…): break`
    → `if not not …` stopped after the first such chunk, and the trials of the later chunks failed.

    1000 trials hold 100 edge trials; nearly all tie entries of x, and a sort that breaks ties the other
    way round from JAX's differs there: about 96 failing trials, two chunks, three-way ties among them (the
    middle rank's one-sided slopes are 0 and 0: only the tie-broken range accepts it)."""
    def ties_reversed(x):
        return np.eye(x.size)[np.argsort(-x, kind="stable")[::-1]]

    r = check_jacobian(jnp.sort, ties_reversed, np.zeros(5), trials=1000, seed=0)
    assert r.ok, str(r)
    assert any("the derivative at the tie broken in another order" in n for n in r.notes), r.notes


def _abs_x_plus_y_squared(x, y):
    return jnp.sum(jnp.abs(x)) + jnp.sum(y ** 2)


def _left_slope_of_abs(x, y):  # d|x|/dx = −1 at x = 0 (JAX takes +1): a valid convention
    return jnp.where(x > 0, 1.0, -1.0), 2 * y


def test_arguments_of_two_shapes_are_never_paired_for_the_tie_rule():
    """Seed-5 survivor (ties.py): tie_pairs skips two arguments whose shapes differ (they cannot tie entry by
    entry); `out_leaf != … or shape != …` → `… and …` paired x (4,) with y (3,) once a trial was accepted at a
    kink, and the check raised ("operands could not be broadcast together")."""
    r = check_gradient(_abs_x_plus_y_squared, _left_slope_of_abs, np.zeros(4), np.zeros(3), argnums=(0, 1),
                       seed=0)
    assert r.ok, str(r)
    assert any("entries at a kink: the candidate takes the left slope" in n for n in r.notes), r.notes


def test_entries_of_two_arguments_that_are_not_equal_are_not_counted_as_tied():
    """Seed-5 survivor (ties.py): the tie rule examines the entries where x_j = y_j; `xa == xb` →
    `xa is not xb` (always True) took every entry off the kink points, and the report claimed "7 tied
    entries (equal values of two arguments of one shape) checked" where no tie was examined at all.

    f = Σ x + Σ |y|: the candidate differs from JAX only at y_j = 0 (|y|'s left slope), where x_j = y_j
    means x_j = 0, a kink point, left to the kink rule; and where x_j = y_j ≠ 0 it agrees with JAX. So no tied
    entry is examined. With max(x, y) the candidate differs at the ties themselves, and they are counted."""
    def f(x, y):
        return jnp.sum(x) + jnp.sum(jnp.abs(y))

    def left_slope(x, y):
        return jnp.ones_like(x), jnp.where(y > 0, 1.0, -1.0)

    r = check_gradient(f, left_slope, np.zeros(4), np.zeros(4), argnums=(0, 1), seed=0)
    assert r.ok, str(r)
    assert any("entries at a kink: the candidate takes the left slope" in n for n in r.notes), r.notes
    assert not any("tied entr" in n for n in r.notes), r.notes

    def first_argument_at_a_tie(x, y):  # ∂max(x, y): all to x at x = y (JAX splits ½, ½)
        return (x >= y).astype(x.dtype), (x < y).astype(x.dtype)

    ties = check_gradient(lambda x, y: jnp.sum(jnp.maximum(x, y)), first_argument_at_a_tie, np.zeros(4),
                          np.zeros(4), argnums=(0, 1), seed=0)
    assert ties.ok, str(ties)
    assert any(re.match(r"\d+ tied entries \(equal values of two arguments of one shape\) checked", n)
               for n in ties.notes), ties.notes


def test_a_tie_where_only_jax_has_a_nonzero_share_names_every_tied_entry():
    """Seed-5 survivor (ties_within.py): the diagnosis names the tied entries f depends on or the candidate
    claims, or all of them when fewer than two do; `active.size < 2` → `< 1` left one entry, and the
    message said "gives shares to 0 of the 1 tied entries" of a group of 3.

    x[argmax(x)]: JAX gives the whole gradient to the first maximum; a candidate that takes "the entry
    strictly above all others" gives nothing at a tie for the maximum (each 0 lies between the slopes 0
    and 1, but the shares add up to 0, not 1)."""
    def strictly_largest(x):
        x = np.asarray(x)
        return np.array([float(all(x[i] > x[j] for j in range(x.size) if j != i)) for i in range(x.size)])

    r = check_gradient(lambda x: x[jnp.argmax(x)], strictly_largest, np.zeros(4), seed=0, shrink=False)
    assert not r.ok
    m = re.match(r"wrong at a tie: where x\[\d\] = x\[\d\]( = x\[\d\])* = \S+ \(trial \d+; (\d) equal entries of x\), "
                 r"the candidate gives shares to 0 of the (\d) tied entries: shares 0 \+ 0", r.diagnosis)
    assert m and m.group(2) == m.group(3), r.diagnosis


def test_verify_names_the_failing_trial_one_based():
    """Seed-5 survivor (verify.py): a failing rule's message names the trial as "trial k/N", k from 1;
    `report.trial + 1` → `report.trial / 1` wrote "trial 0.0/1" for the only trial."""
    from chainrule.analytic.structured import Diagonal
    from chainrule.reference.catalog import Arg, Rule
    from chainrule.reference.catalog.verify import verify_rule

    def mul(w, x):
        return w * x

    def doubled(w, x):
        return Diagonal(2.0 * x)

    rule = Rule("jac_mul_w_doubled_test", "E-7", "elementwise", "§4.2", mul, doubled,
                (Arg("w", ("n",)), Arg("x", ("n",))), "w", ({"n": 3},))
    r = verify_rule(rule, trials=1, seed=0)
    assert not r.ok
    assert " | seed 0, trial 1/1 | 1/1 trials fail | " in r.message, r.message
