"""Behaviour tests that kill the seed-5 sample's survivors in the checker's engine and its programs (issue 16).

Each test pins what a user sees: the sizes a memory error names, the trial a report blames and the
inputs it hands back, and how many trials one compiled call runs under the memory budget.
"""

from __future__ import annotations

import itertools

import jax
import jax.numpy as jnp
import numpy as np
import pytest

# a domain whose trial k alone carries x[0] = MARK, a value no uniform(-1, 1) draw takes (pytest puts tests/ on
# sys.path: the helper is shared with the first survivors module, not copied)
from test_check_mutation_survivors import MARK, _marked_at

from chainrule import check_gradient, check_jacobian

TRIALS = 10


def _sum_sin(x):
    return jnp.sum(jnp.sin(x))


def test_a_memory_error_writes_sizes_under_one_gib_with_their_fraction_of_a_mib():
    """engine.py `_size`: `nbytes / 2**20` → `nbytes // 2**20` wrote 22.9 MiB as "22 MiB" and 1.5 MiB as
    "1 MiB" (a whole number of MiB, as in the existing 4 MiB test, reads the same either way)."""
    # 1000 × 1000 entries × 3 arrays × 8 bytes = 24,000,000 bytes = 22.89 MiB; the budget is 1.5 MiB
    with pytest.raises(ValueError, match=r"has 1,000,000 entries, 22\.9 MiB with JAX's two witnesses and the "
                                         r"candidate's, above the memory budget of 1\.5 MiB; use mode='probe'"):
        check_jacobian(jnp.sin, jnp.cos, np.zeros(1000), mode="dense", memory=3 << 19)


def _cos_with_no_value_at_the_mark(x):
    x = np.asarray(x)  # NumPy only: not JAX-traceable, so it runs trial by trial
    if x[0] == MARK:
        raise ValueError("no value at 7")
    return np.cos(x)


def test_a_numpy_candidate_raising_only_at_the_second_trial_is_blamed_there():
    """engine.py `prepare`: a NumPy candidate's output structure is read from trial 0; with `numpy_args(…, 0)`
    → `(…, 1)` a candidate raising only at trial 1 was reported as raising at trial 0, with trial 0's inputs."""
    r = check_gradient(_sum_sin, _cos_with_no_value_at_the_mark, np.zeros(3), trials=TRIALS,
                       domains={"x": _marked_at(1)}, shrink=False)
    assert not r.ok and r.stopped, str(r)
    assert r.trial == 1, r.trial
    assert r.diagnosis == "the candidate raised ValueError: no value at 7", r.diagnosis
    assert r.inputs[0][0] == MARK  # the inputs handed back are those it raised at


def test_a_numpy_candidate_checked_on_a_single_trial_runs():
    """The same mutant read trial 1 of a one-trial check: an IndexError instead of a report."""
    r = check_gradient(_sum_sin, lambda x: np.cos(np.asarray(x)), np.zeros(3), trials=1)
    assert r.ok, str(r)
    assert "the candidate is not JAX-traceable: it ran in a loop, one trial at a time" in r.notes, r.notes


def test_a_nondeterministic_numpy_candidate_is_blamed_at_the_first_trial():
    """engine.py `execute`: the second call that tests determinism is made at trial 0; `trial=0` → `trial=1`
    blamed trial 1, whose inputs are not the ones the report hands back."""
    calls = itertools.count()

    def drifting_cos(x):  # each call 0.1% larger than the last
        return np.cos(np.asarray(x)) * (1 + 1e-3 * next(calls))

    r = check_gradient(_sum_sin, drifting_cos, np.zeros(3), trials=TRIALS, domains={"x": _marked_at(0)},
                       shrink=False)
    assert not r.ok and r.stopped, str(r)
    assert r.diagnosis.startswith("nondeterministic candidate: two calls on the same inputs differ by up to "), \
        r.diagnosis
    assert r.trial == 0, r.trial
    assert r.inputs[0][0] == MARK  # trial 0's inputs, the trial reported


@pytest.mark.parametrize("traceable", [True, False])
def test_a_wrong_shape_hands_back_the_inputs_of_the_trial_it_reports(traceable):
    """engine.py `shape_failure`: a wrong shape is reported at trial 0; `trial_inputs(…, 0)` → `(…, -1)`
    handed back the last trial's inputs instead."""
    def wrong_shape(x):
        x = x if traceable else np.asarray(x)
        return (jnp if traceable else np).cos(x)[:2]

    r = check_gradient(_sum_sin, wrong_shape, np.zeros(3), trials=TRIALS, domains={"x": _marked_at(0)})
    assert not r.ok and r.trial == 0, str(r)
    assert r.diagnosis.startswith("wrong shape"), r.diagnosis
    assert r.inputs[0][0] == MARK, r.inputs  # trial 0 carries the mark; the others do not


@pytest.mark.parametrize("memory, batch", [(None, TRIALS), (8 * 2**20, 3)])
def test_a_check_runs_as_many_trials_at_once_as_the_memory_budget_holds(monkeypatch, memory, batch):
    """programs.py `run_batched`: a chunk holds `memory // (8 · entries per trial)` trials; with `//` → `>>`
    (memory / 2^(8 · entries)) every check of more than one input ran its compiled program one trial at a
    time: ten compiled calls instead of one here, a hundred for the default 100 trials."""
    import chainrule.reference.checker.engine as engine

    batches: list[int] = []
    original = engine.run_batched

    def spy(fn, *args, **kw):
        def recorded(*a):
            out = fn(*a)
            batches.append(jax.tree_util.tree_leaves(out)[0].shape[0])  # trials in this compiled call
            return out

        return original(recorded, *args, **kw)

    monkeypatch.setattr(engine, "run_batched", spy)
    # a 300 × 300 Jacobian: 3 arrays × 0.72 MB per trial, so 3 trials fit 8 MiB and all 10 fit the default 1 GiB
    opts = {} if memory is None else {"memory": memory}
    r = check_jacobian(jnp.sin, lambda x: jnp.diag(jnp.cos(x)), np.zeros(300), trials=TRIALS, mode="dense",
                       shrink=False, **opts)
    assert r.ok, str(r)
    assert batches == [batch] * -(-TRIALS // batch), batches  # ⌈10 / batch⌉ calls, each as full as fits
