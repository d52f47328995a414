"""Judging a run: JAX's own health (finite, witnesses agree), the per-block errors with the one tolerance
table, kink and tie acceptance (ties between arguments and inside one), the edge trials skipped where f is
singular or ill-conditioned (:mod:`~chainrule.reference.checker.conditioning`), the third witness, and the
worst failing block and trial.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import jax.numpy as jnp
import numpy as np

from ..tolerances import Tolerance
from .arbitrate import arbitrate, undecided_note
from .blame import dense_rediagnose, diagnose_block
from .compare import as_rows, errors
from .conditioning import condition_phrases, explained, what_the_checker_did
from .kinks import settle_kinks
from .outcome import fail, plural, trial_list, worst_entries
from .problem import Block, Problem
from .programs import first_line, trial_inputs
from .report import BlockResult, CheckReport
from .ties import check_ties
from .ties_within import check_ties_within
from .witnesses import fd_blocks

__all__ = ["judge"]


def judge(P: Problem, report: CheckReport, blocks: list[Block], leaves: list[np.ndarray],
             extra: dict[str, Any], edge: np.ndarray, claimed: list[np.ndarray], ref: list[np.ndarray],
             witnesses: list[list[np.ndarray]], shapes: list[tuple[int, ...]], traceable: bool,
             primal_ok: np.ndarray,
             skipped: Mapping[int, str] | None = None) -> CheckReport:  # pragma: no mutate - annotations (PEP 563)
    """Judge one run: ``claimed`` and ``ref`` hold every block over all trials (leading axis), ``edge``
    marks the edge trials, ``primal_ok`` where f itself is finite. ``skipped`` maps the (0-based) edge
    trials on which the candidate raised a numerical error (the engine filled their claimed values with
    NaN) to the exception's first line: they are not compared; where f is singular or ill-conditioned
    there they are named in a note, and where it is not (a derivative that exists and is stable, which the
    candidate must compute) the check fails, once no ordinary trial fails already."""
    T = report.trials
    tol = P.tol
    # JAX's own health: finite, and its witnesses agree
    keep = primal_ok | ~edge
    bad = ~primal_ok & ~edge
    if bad.any():
        t = int(np.flatnonzero(bad)[0])
        report.inputs = trial_inputs(P, leaves, t)
        return fail(report, f"f itself is not finite at trial {t + 1}: the inputs left f's domain; declare one, "
                             "e.g. domains={'x': 'positive'}", trial=t, failures=int(bad.sum()))
    keep &= primal_ok
    for r in ref:
        fin = np.isfinite(as_rows(r, T)).all(axis=1)
        keep &= np.logical_or(fin, ~edge)
        bad = np.logical_and(~fin, ~edge)
        if bad.any():
            t = int(np.flatnonzero(bad)[0])
            report.inputs = trial_inputs(P, leaves, t)
            return fail(report, f"JAX's derivative is not finite at trial {t + 1}: the inputs left f's domain; "
                                 "declare one, e.g. domains={'x': 'positive'}", trial=t, failures=int(bad.sum()))
    not_finite = ~keep
    if len(witnesses) > 1:
        # equivalent mutants (no mutate): the two witnesses give one array per block, so strict= never matters
        for a, b in zip(witnesses[0], witnesses[1], strict=True):  # pragma: no mutate
            # equivalent mutants (no mutate): the normwise rtol·max|JAX| term decides unless the whole block is
            # within ~1e-11 of zero, where jacfwd and jacrev agree exactly
            _, _, agree, _ = errors(b, a, Tolerance(rtol=max(tol.rtol, 1e-9) * 10,
                                                    atol=tol.atol * 10))  # pragma: no mutate
            agree |= ~keep
            keep &= np.logical_or(agree, ~edge)
            bad = ~agree & ~edge  # pragma: no mutate - equivalent: * of two bool arrays is their &
            if bad.any():
                t = int(np.flatnonzero(bad)[0])
                report.inputs = trial_inputs(P, leaves, t)
                return fail(report, f"JAX's two witnesses (jacfwd and jacrev) disagree at trial {t + 1}: f is "
                                     "not differentiable there", trial=t, failures=int(bad.sum()))
    if (~keep).any():
        report.notes.append(dropped_note(P, leaves, np.flatnonzero(~keep).tolist(), not_finite, skipped or {}))
    # only edge trials are ever skipped: the engine fails a check whose candidate raises on an ordinary one
    raised = {int(t): str(m) for t, m in (skipped or {}).items() if keep[int(t)]}
    for t in raised:
        keep[t] = False
    if not keep.any():
        why = ("the candidate raised on every trial JAX is finite at" if raised
               else "every trial was dropped (JAX is not finite there)")
        return fail(report, f"no trial left to compare: {why}", trial=None, failures=0)

    ok = np.ones((len(blocks), T), dtype=bool)
    abs_e = np.zeros((len(blocks), T))
    rel_e = np.zeros((len(blocks), T))
    for bi, (c, r) in enumerate(zip(claimed, ref, strict=True)):
        a, rl, o, _ = errors(c, r, tol)
        # a trial not compared has no error: zeros (which are never a maximum: a compared error is at least 0)
        ok[bi] = o | ~keep
        abs_e[bi], rel_e[bi] = np.where(keep, a, np.zeros_like(a)), np.where(keep, rl, np.zeros_like(rl))

    # JAX is a witness, not the truth: on a failing trial a second one, from f's values alone, decides who is
    # wrong; where it cannot (a kink, a tie, an ill-conditioned point) the analysis below settles the trial
    undecided = arbitrate(P, report, blocks, leaves, extra, edge, claimed, ref, ok, abs_e, rel_e)
    # kinks: failing trials get JAX's one-sided derivatives
    kink_info: dict[tuple[int, int], tuple[np.ndarray, np.ndarray]] = {}
    conventions: dict[tuple[int, int], list[tuple[str, str]]] = {}  # (block, trial) -> per entry
    settle_kinks(P, blocks, leaves, extra, edge, claimed, ref, ok, kink_info, conventions)
    # ties: entries accepted one by one must also sum to the derivative along the tie direction
    pair_info, tied_checked = check_ties(P, blocks, leaves, extra, claimed, ref, ok, conventions)
    within_info, groups_checked = check_ties_within(P, blocks, leaves, extra, claimed, ref, ok, conventions)
    tie_info = {**pair_info, **within_info}
    # edge trials at inputs where f is singular or ill-conditioned: skipped, and said
    forced = skip_ill_conditioned(P, report, blocks, leaves, extra, edge, claimed, ref, ok, abs_e, rel_e,
                                  raised, tie_info)
    tie_info.update(forced)
    counts: dict[tuple[str, str], int] = {}
    for (bi, t), keys in conventions.items():
        if ok[bi, t]:  # a trial a tie rejected afterwards accepts nothing
            for key in keys:
                counts[key] = counts.get(key, 0) + 1
    for (cc, rr), n in sorted(counts.items()):
        broken = " (or between JAX's derivatives with the ties broken in other orders)" if "tie broken" in cc else ""
        report.notes.append(
            f"{plural(n, 'entry', 'entries')} at a kink: the candidate takes {cc}, JAX {rr}; "
            f"accepted because it lies between JAX's one-sided derivatives{broken} (kinks='between'; "
            "kinks='jax' requires JAX's convention)")
    if tied_checked and not pair_info:
        report.notes.append(
            f"{plural(tied_checked, 'tied entry', 'tied entries')} (equal values of two arguments of "
            "one shape) checked along the tie direction: the candidate's two partials add up to JAX's "
            "derivative along it")
    if groups_checked and not within_info:
        report.notes.append(
            f"{plural(groups_checked, 'group')} of tied entries (equal values inside one "
            "argument) checked along the tie direction: the candidate's shares add up to JAX's derivative "
            "along it")

    # third witness
    witness_backs_candidate = False  # the third witness agrees with the candidate and not with JAX
    if P.opts["witness"] is not None:
        try:
            fd = fd_blocks(P, blocks, leaves)
        except Exception as exc:
            raise ValueError(f"witness={P.opts['witness']!r}: could not evaluate f that way "
                             f"({first_line(exc)}); the complex step needs an f that accepts complex inputs"
                             ) from exc
        is_fd = P.opts["witness"] == "fd"  # pragma: no mutate - equivalent: the other value, "complex-step", < "fd"
        ftol = Tolerance(rtol=1e-6, atol=1e-8) if is_fd else Tolerance(rtol=1e-12, atol=1e-14)
        # equivalent mutants (no mutate): any start <= 0 is overwritten by the first block's max error (>= 0);
        # only a check without one ordinary trial (never drawn: one trial in ten is an edge trial) keeps it
        c_vs, j_vs, c_ok, j_ok = 0.0, 0.0, True, True  # pragma: no mutate
        sel = np.logical_and(keep, ~edge)  # the ordinary trials kept: the same for every block
        if sel.any():
            for bi in range(len(blocks)):
                _, rc, oc, _ = errors(claimed[bi][sel], fd[bi][sel], ftol)
                _, rj, oj, _ = errors(ref[bi][sel], fd[bi][sel], ftol)
                c_vs, j_vs = max(c_vs, float(rc.max())), max(j_vs, float(rj.max()))
                c_ok, j_ok = c_ok and bool(oc.all()), j_ok and bool(oj.all())
        label = "central finite differences" if is_fd else "the complex step"
        report.notes.append(
            f"third witness ({label}, edge trials excluded): candidate vs it max rel error {c_vs:.2g} "
            f"({'agrees' if c_ok else 'DISAGREES'}); JAX vs it {j_vs:.2g} ({'agrees' if j_ok else 'DISAGREES'})")
        witness_backs_candidate = c_ok and not j_ok


    undecided_note(report, ok, undecided)

    # per-block results
    fails_any = ~ok.all(axis=0)
    report.failures = int(fails_any.sum())
    # a check has at least one block and one trial (problem.py refuses zero trials and empty arguments)
    report.max_abs_error = float(abs_e.max())
    report.max_rel_error = float(rel_e.max())
    for bi, b in enumerate(blocks):
        report.blocks.append(BlockResult(b.name, b.shape, bool(ok[bi].all()), int((~ok[bi]).sum()),
                                         float(abs_e[bi].max()), float(rel_e[bi].max())))
    if not fails_any.any():
        b0 = 0
        report.trial = 0
        report.block = blocks[b0].name
        report.claimed, report.expected = np.asarray(claimed[b0][0]), np.asarray(ref[b0][0])
        report.wrt_shape, report.out_shape = tuple(blocks[b0].in_shape), tuple(blocks[b0].out_shape)
        return report

    # worst failing block and trial: an ordinary one where one fails (an edge trial is an artificial input)
    shown = np.flatnonzero(~ok & ~edge if np.logical_and(fails_any, ~edge).any() else ~ok)
    bi, t = (int(i) for i in np.unravel_index(shown[np.argmax(rel_e.ravel()[shown])], rel_e.shape))
    b = blocks[bi]
    c, r = claimed[bi][t], ref[bi][t]
    report.trial = t
    report.block = b.name
    report.inputs = trial_inputs(P, leaves, t)
    report.claimed, report.expected = np.asarray(c), np.asarray(r)
    report.wrt_shape, report.out_shape = tuple(b.in_shape), tuple(b.out_shape)
    report.entries = worst_entries(b.name, c, r, P.tol)
    report.ok = False
    diags = []
    for bj, bb in enumerate(blocks):
        if ok[bj].all():
            continue
        # the reported trial when this block fails there too (one trial for the whole text), else its worst
        tj = t if not ok[bj, t] else int(np.argmax(np.where(ok[bj], -np.inf, rel_e[bj])))
        d = diagnose_block(P, bj, bb, tj, claimed, ref, ok, leaves, extra, edge, kink_info, tie_info, shapes,
                            traceable)
        report.blocks[bj].diagnosis = d
        diags.append((bb.name, d))
    grouped: dict[str, list[str]] = {}
    for n, d in diags:  # a tie fails two blocks with one diagnosis: say it once
        grouped.setdefault(d, []).append(n)
    if len(grouped) == 1:
        report.diagnosis = diags[0][1]
    else:
        report.diagnosis = "; ".join(f"{', '.join(ns)}: {d}" for d, ns in grouped.items())
    if not P.dense and P.kind in ("jacobian", "hessian"):
        dense_rediagnose(P, report, leaves, extra, t)
    if witness_backs_candidate:
        report.diagnosis += (" (the candidate agrees with the third witness and JAX does not: "
                             "JAX's convention may be what differs)")
    return report


def skip_ill_conditioned(P: Problem, report: CheckReport, blocks: list[Block], leaves: list[np.ndarray],
                         extra: dict[str, Any], edge: np.ndarray, claimed: list[np.ndarray], ref: list[np.ndarray],
                         ok: np.ndarray, abs_e: np.ndarray, rel_e: np.ndarray, raised: dict[int, str],
                         tie_info: dict[tuple[int, int], str]) -> dict[tuple[int, int], str]:
    """Skip the failing edge trials where f's conditioning explains the disagreement, and the ``raised``
    ones where f is singular or ill-conditioned (:func:`~chainrule.reference.checker.conditioning.explained`),
    with a note naming them; mark in ``ok`` the raised ones where f is well-conditioned, and return their
    diagnoses ``{(block, trial): text}``. Runs only when every failing trial is an edge trial (otherwise
    the check fails anyway, and the raised trials are only named as not compared); trials a tie rule
    rejected keep that diagnosis."""
    fails = ~ok.all(axis=0)
    if (fails & ~edge).any():
        if raised:
            report.notes.append(f"{plural(len(raised), 'edge trial')} not compared ({trial_list(raised)}): the "
                                f"candidate raised {first_raised(raised)} there")
        return {}
    failing = [int(t) for t in np.flatnonzero(fails) if not any((bi, int(t)) in tie_info for bi in range(len(blocks)))]
    trials = sorted(set(failing) | set(raised))
    if not trials:
        return {}
    try:
        yes, no = explained(P, blocks, leaves, extra, trials, claimed, ref, ok, set(raised))
    except Exception:  # the reference cannot run at perturbed inputs: nothing is excused
        yes, no = {}, {t: float("nan") for t in trials}
    forced: dict[tuple[int, int], str] = {}
    for t in yes:
        ok[:, t] = True
        abs_e[:, t] = rel_e[:, t] = 0.0
    for t in sorted(no):
        if t not in raised:
            continue
        did = what_the_checker_did(P, leaves, [t])
        ok[:, t] = False
        abs_e[:, t] = rel_e[:, t] = np.inf
        for bi in range(len(blocks)):
            forced[(bi, t)] = (
                f"the candidate raised {raised[t]} at trial {t + 1}, an edge trial (the checker {did}), but f is "
                f"well-conditioned there (a relative change of {delta(P):.1g} in the inputs moves JAX's derivative "
                f"by {no[t]:.2g} relative): its derivative exists and is stable at that input, and the "
                "candidate must compute it")
    disagreed = sorted(t for t in yes if t not in raised)
    excused = sorted(t for t in yes if t in raised)
    for group in (disagreed, excused):
        if not group:
            continue
        why = (f"where the candidate raised {first_raised({t: raised[t] for t in group})}" if group is excused
               else "which explains the candidate's disagreement")
        did = what_the_checker_did(P, leaves, group)
        conds = "".join(f"; {phrase}" for phrase in condition_phrases(P, leaves, group))
        change = max(yes[t] for t in group)
        moved = "without bound" if not np.isfinite(change) else f"by up to {change:.2g} relative"
        report.notes.append(
            f"{plural(len(group), 'edge trial')} skipped ({trial_list(group)}): the checker {did} there, and the "
            f"input is singular or ill-conditioned for f (a relative change of {delta(P):.1g} in the inputs moves "
            f"JAX's derivative {moved}{conds}), {why}; not counted")
    return forced


def dropped_note(P: Problem, leaves: list[np.ndarray], trials: list[int], not_finite: np.ndarray,
                 raised: Mapping[int, str]) -> str:
    """The note naming the edge trials dropped because JAX's own derivative is not finite (or its two
    witnesses disagree) there, with what the checker did to the inputs and the candidate's errors."""
    inf = [t for t in trials if not_finite[t]]
    why = []
    if inf:
        conds = ", ".join(condition_phrases(P, leaves, inf))
        # equivalent mutants (no mutate): inf is a subset of trials, so >= is ==
        at = "" if len(inf) == len(trials) else f" at {len(inf)} of them"  # pragma: no mutate
        why.append(f"JAX's derivative is not finite{at}{f' ({conds})' if conds else ''}")
    disagree = len(trials) - len(inf)  # the others: dropped because JAX's witnesses disagree there
    if disagree:
        at = "" if not inf else f" at {disagree}"
        why.append(f"JAX's two witnesses disagree{at} (f is not differentiable there)")
    hit = {t: raised[t] for t in trials if t in raised}
    if not hit:
        also = ""
    elif len(hit) == len(trials):
        also = f"; the candidate raised {first_raised(hit)} there too"
    else:
        also = f"; the candidate raised {first_raised(hit)} at {len(hit)} of them"
    return (f"{plural(len(trials), 'edge trial')} skipped ({trial_list(trials)}): the checker "
            f"{what_the_checker_did(P, leaves, trials)} there, and {' and '.join(why)}{also}; not counted")


def delta(P: Problem) -> float:
    """The relative size of the perturbations :mod:`~chainrule.reference.checker.conditioning` applies."""
    return 4.0 * float(jnp.finfo(P.tol_key).eps)


def first_raised(raised: Mapping[int, str]) -> str:
    kinds = sorted(set(raised.values()))
    return kinds[0] + (f" (and {plural(len(kinds) - 1, 'other error')})" if len(kinds) > 1 else "")
