"""Judging a run: JAX's own health (finite, witnesses agree), the per-block errors with the one tolerance
table, kink and tie acceptance, the third witness, and the worst failing block and trial.
"""

from __future__ import annotations

from typing import Any

import jax
import jax.numpy as jnp
import numpy as np

from ..tolerances import Tolerance
from .blame import dense_rediagnose, diagnose_block
from .compare import errors
from .kinks import accept_kinks, one_sided
from .outcome import fail, worst_entries
from .problem import Block, Problem
from .programs import cached, first_line, trial_inputs
from .report import BlockResult, CheckReport
from .ties import check_ties
from .witnesses import fd_blocks

__all__ = ["judge"]


def judge(P: Problem, report: CheckReport, blocks: list[Block], leaves: list[np.ndarray],
             extra: dict[str, Any], edge: np.ndarray, claimed: list[np.ndarray], ref: list[np.ndarray],
             witnesses: list[list[np.ndarray]], shapes: list[tuple[int, ...]], traceable: bool,
             primal_ok: np.ndarray) -> CheckReport:
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
        fin = np.isfinite(r.reshape(T, -1)).all(axis=1)
        keep &= fin | ~edge
        bad = ~fin & ~edge
        if bad.any():
            t = int(np.flatnonzero(bad)[0])
            report.inputs = trial_inputs(P, leaves, t)
            return fail(report, f"JAX's derivative is not finite at trial {t + 1}: the inputs left f's domain; "
                                 "declare one, e.g. domains={'x': 'positive'}", trial=t, failures=int(bad.sum()))
    if len(witnesses) > 1:
        for a, b in zip(witnesses[0], witnesses[1], strict=True):
            _, _, agree, _ = errors(b, a, Tolerance(rtol=max(tol.rtol, 1e-9) * 10, atol=tol.atol * 10))
            agree |= ~keep
            keep &= agree | ~edge
            bad = ~agree & ~edge
            if bad.any():
                t = int(np.flatnonzero(bad)[0])
                report.inputs = trial_inputs(P, leaves, t)
                return fail(report, f"JAX's two witnesses (jacfwd and jacrev) disagree at trial {t + 1}: f is "
                                     "not differentiable there", trial=t, failures=int(bad.sum()))
    dropped = int((~keep).sum())
    if dropped:
        report.notes.append(f"{dropped} edge trial(s) dropped: JAX's derivative is not finite or not unique there")
    if not keep.any():
        return fail(report, "no trial left to compare: every trial was dropped (JAX is not finite there)",
                     trial=None, failures=0)

    ok = np.ones((len(blocks), T), dtype=bool)
    abs_e = np.zeros((len(blocks), T))
    rel_e = np.zeros((len(blocks), T))
    for bi, (c, r) in enumerate(zip(claimed, ref, strict=True)):
        a, rl, o, _ = errors(c, r, tol)
        ok[bi], abs_e[bi], rel_e[bi] = o | ~keep, np.where(keep, a, 0), np.where(keep, rl, 0)

    # kinks: failing trials get JAX's one-sided derivatives
    kink_info: dict[tuple[int, int], tuple[np.ndarray, np.ndarray]] = {}
    conventions: dict[tuple[int, int], list[tuple[str, str]]] = {}  # (block, trial) -> per entry
    if P.kind in ("gradient", "jacobian", "vjp", "jvp") and P.dense and P.opts["kink_points"] is not None:
        for bi, b in enumerate(blocks):
            fails = np.flatnonzero(~ok[bi])
            if not fails.size:
                continue
            if (fails_regular := fails[~edge[fails]]).size:
                continue  # a trial away from any kink fails: no convention can excuse it
            del fails_regular
            fn = cached(P, ("one-sided", b.in_leaf, b.out_leaf), lambda b=b: one_sided(P, b))
            chunk = min(64, fails.size)
            for start in range(0, fails.size, chunk):  # stop at the first chunk that stays failing
                part = fails[start:start + chunk]
                idx = np.concatenate([part, np.repeat(part[-1:], chunk - part.size)])
                try:
                    L, R = (np.asarray(a, np.float64) for a in fn(*jax.tree_util.tree_map(
                        lambda a, idx=idx: jnp.asarray(a[idx]), (leaves, extra))))
                except Exception:  # f not differentiable off the point: no kink information
                    break
                if not accept_kinks(P, bi, part, L, R, claimed, ref, ok, kink_info, conventions):
                    break
    # ties: entries accepted one by one must also sum to the derivative along the tie direction
    tie_info, tied_checked = check_ties(P, blocks, leaves, extra, claimed, ref, ok, conventions)
    counts: dict[tuple[str, str], int] = {}
    for (bi, t), keys in conventions.items():
        if ok[bi, t]:  # a trial a tie rejected afterwards accepts nothing
            for key in keys:
                counts[key] = counts.get(key, 0) + 1
    for (cc, rr), n in sorted(counts.items()):
        report.notes.append(
            f"{n} entr{'y' if n == 1 else 'ies'} at a kink: the candidate takes the {cc}, JAX the {rr}; "
            "accepted because it lies between JAX's one-sided derivatives (kinks='between'; "
            "kinks='jax' requires JAX's convention)")
    if tied_checked and not tie_info:
        report.notes.append(
            f"{tied_checked} tied entr{'y' if tied_checked == 1 else 'ies'} (equal values of two arguments of "
            "one shape) checked along the tie direction: the candidate's two partials add up to JAX's "
            "derivative along it")

    # third witness
    witness_flags = (False, True)
    if P.opts["witness"] is not None:
        try:
            fd = fd_blocks(P, blocks, leaves)
        except Exception as exc:
            raise ValueError(f"witness={P.opts['witness']!r}: could not evaluate f that way "
                             f"({first_line(exc)}); the complex step needs an f that accepts complex inputs"
                             ) from exc
        ftol = Tolerance(rtol=1e-6, atol=1e-8) if P.opts["witness"] == "fd" else Tolerance(rtol=1e-12, atol=1e-14)
        c_vs, j_vs, c_ok, j_ok = 0.0, 0.0, True, True
        for bi in range(len(blocks)):
            sel = keep & ~edge
            if not sel.any():
                continue
            _, rc, oc, _ = errors(claimed[bi][sel], fd[bi][sel], ftol)
            _, rj, oj, _ = errors(ref[bi][sel], fd[bi][sel], ftol)
            c_vs, j_vs = max(c_vs, float(rc.max())), max(j_vs, float(rj.max()))
            c_ok, j_ok = c_ok and bool(oc.all()), j_ok and bool(oj.all())
        label = "central finite differences" if P.opts["witness"] == "fd" else "the complex step"
        report.notes.append(
            f"third witness ({label}, edge trials excluded): candidate vs it max rel error {c_vs:.2g} "
            f"({'agrees' if c_ok else 'DISAGREES'}); JAX vs it {j_vs:.2g} ({'agrees' if j_ok else 'DISAGREES'})")
        witness_flags = (c_ok, j_ok)

    # per-block results
    fails_any = ~ok.all(axis=0)
    report.failures = int(fails_any.sum())
    report.max_abs_error = float(abs_e.max(initial=0.0))
    report.max_rel_error = float(rel_e.max(initial=0.0))
    for bi, b in enumerate(blocks):
        report.blocks.append(BlockResult(b.name, b.shape, bool(ok[bi].all()), int((~ok[bi]).sum()),
                                         float(abs_e[bi].max(initial=0.0)), float(rel_e[bi].max(initial=0.0))))
    if not fails_any.any():
        b0 = 0
        report.trial = 0
        report.block = blocks[b0].name
        report.claimed, report.expected = np.asarray(claimed[b0][0]), np.asarray(ref[b0][0])
        report.wrt_shape, report.out_shape = tuple(blocks[b0].in_shape), tuple(blocks[b0].out_shape)
        return report

    # worst failing block and trial
    score = np.where(ok, -np.inf, rel_e)
    bi, t = np.unravel_index(int(np.argmax(score)), score.shape)
    bi, t = int(bi), int(t)
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
    if witness_flags == (True, False):
        report.diagnosis += (" (the candidate agrees with the third witness and JAX does not: "
                             "JAX's convention may be what differs)")
    return report
