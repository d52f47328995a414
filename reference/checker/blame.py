"""The diagnosis of one failing block: zero where JAX is not, a kink, a global pattern (transposed,
constant factor, dropped term …), only near a kink, only for symmetric matrices; and the dense rebuild
of a probe-mode failure.
"""

from __future__ import annotations

import math
from dataclasses import replace
from typing import Any

import jax
import jax.numpy as jnp
import numpy as np

from ..autodiff import x64
from . import diagnosis as dx
from .blocks import make_blocks
from .compare import errors
from .kinks import classify, near_kink
from .outcome import dims, worst_entries
from .problem import Block, Problem
from .programs import (
    as_args,
    candidate_output,
    normalize_tree,
    numpy_call,
    programs,
    reference_outputs,
    run_batched,
    to_numpy_tree,
    upcast,
)
from .report import CheckReport

__all__ = ["dense_rediagnose", "diagnose_block", "symmetric_probe"]


def diagnose_block(P: Problem, bi: int, b: Block, t: int, claimed: list[np.ndarray], ref: list[np.ndarray],
                    ok: np.ndarray, leaves: list[np.ndarray], extra: dict[str, Any], edge: np.ndarray,
                    kink_info: dict[tuple[int, int], tuple[np.ndarray, np.ndarray]],
                    tie_info: dict[tuple[int, int], str], shapes: list[tuple[int, ...]], traceable: bool) -> str:
    """Name the mistake in block ``bi`` (worst failing trial ``t``)."""
    if (bi, t) in tie_info:
        return tie_info[(bi, t)]
    tol = P.tol
    c = claimed[bi][t].astype(np.float64)
    r = ref[bi][t].astype(np.float64)
    fails = np.flatnonzero(~ok[bi])
    scale = float(np.max(np.abs(r), initial=0.0))
    tb = tol.atol + tol.rtol * scale
    eps = float(jnp.finfo(P.leaves[P.diff_leaves[0]].dtype).eps)
    prt = max(1e-6, 100 * eps, 10 * tol.rtol)
    # non-finite
    if (~np.isfinite(c) & np.isfinite(r)).any():
        return dx.diagnose_values(c, r, out_shape=b.out_shape, in_shape=b.in_shape)
    # derivative missing: zero in every failing trial where JAX is not
    zero = all(float(np.max(np.abs(claimed[bi][u]), initial=0.0)) <= tol.atol
               for u in fails)
    if zero and scale > tb:
        if (b.in_leaf is not None and not b.product) or (b.product and b.in_leaf is not None):
            lf = P.leaves[b.in_leaf]
            who = (f"argument {lf.arg} ({P.names[lf.arg]})" if lf.path == P.names[lf.arg]
                   else f"{lf.path} (argument {lf.arg})")
            return f"derivative missing for {who} (zero where JAX is not)"
        return "zero where JAX is not (a derivative missing)"
    # at a kink (JAX's one-sided derivatives known for this trial)
    if (bi, t) in kink_info:
        L, R = kink_info[(bi, t)]
        tk = tb + (1e-6 if P.tol_key == "float64" else 1e-3) * max(scale, 1.0)
        at = (np.abs(R - L) > tk) & (np.abs(c - r) > tb)
        if at.any():
            idx = tuple(int(i) for i in np.argwhere(at)[0])
            c_, r_, L_, R_ = c[idx], r[idx], L[idx], R[idx]
            others_ok = bool(np.all((np.abs(c - r) <= tb) | at))
            if c_ < min(L_, R_) - tk or c_ > max(L_, R_) + tk:
                return (f"wrong at a kink: at entry {idx} the candidate gives {c_:.6g}, outside JAX's "
                        f"one-sided derivatives [{min(L_, R_):.6g}, {max(L_, R_):.6g}]")
            if others_ok:
                return (f"wrong kink convention: at entry {idx} (a kink) the candidate takes the "
                        f"{classify(c_, L_, R_, tk)} ({c_:.6g}), JAX the {classify(r_, L_, R_, tk)} ({r_:.6g})"
                        " (kinks='jax')")
    # clean global patterns first
    d = dx.diagnose_values(c, r, out_shape=b.out_shape, in_shape=b.in_shape, dims=dims(P, shapes),
                           rtol=tol.rtol, atol=tol.atol, pattern_rtol=prt)
    if d.startswith(("transposed", "sign flipped", "off by", "close but not exact: off by")):
        if d.startswith(("off by", "sign flipped")) and len(fails) > 1:
            ks = [dx.constant_factor(claimed[bi][u], ref[bi][u], prt) for u in fails[:10]]
            if all(k is not None for k in ks) and max(ks) - min(ks) > prt * max(abs(k) for k in ks):
                shown = ", ".join(f"{k:.3g}" for k in ks[:4])
                return (f"proportional to JAX in each trial, but the factor varies with the inputs ({shown}, …): "
                        "a missing input-dependent scalar factor")
        return d
    # only near a kink?
    if P.dense and b.in_leaf is not None and not b.product and len(fails) < ok.shape[1]:
        bad = np.argwhere(np.abs(c - r) > tb)[:8]
        entries = [tuple(int(i) for i in ix) for ix in bad]
        if entries:
            try:
                near = near_kink(P, b, leaves, extra, t, entries, tb)
            except Exception:
                near = [False]
            if all(near):
                edge_note = " (an edge trial)" if edge[t] else ""
                n_e, n_t = len(entries), ok.shape[1]
                what = "the wrong entry" if n_e == 1 else f"all {n_e} wrong entries"
                return (f"wrong only near a kink: {what} of trial {t + 1}{edge_note} lie within 0.1 of a point "
                        f"where JAX's derivative jumps, and {n_t - len(fails)} of {n_t} trials pass")
    # holds only for symmetric matrices?
    sym = symmetric_probe(P, bi, t, leaves, extra, traceable)
    if sym is not None:
        return sym
    return d


def symmetric_probe(P: Problem, bi: int, t: int, leaves: list[np.ndarray], extra: dict[str, Any],
                     traceable: bool) -> str | None:
    """Re-run trial ``t`` with each square-matrix argument symmetrized: does the candidate then agree?"""
    for li, lf in enumerate(P.leaves):
        s = leaves[li].shape[1:]
        if not lf.drawn or len(s) < 2 or s[-1] != s[-2] or s[-1] < 2:
            continue
        sym = [a.copy() for a in leaves]  # every trial symmetrized: same shapes, no new compilation
        x = sym[li].astype(np.float64)
        sym[li] = ((x + np.swapaxes(x, -1, -2)) / 2).astype(lf.dtype)
        T = leaves[0].shape[0]
        try:
            with x64(True):
                progs = programs(P)
                if traceable:
                    refs, cl, _ = run_batched(progs["joint"], sym, extra, T, 1)
                    cl_l = [np.asarray(a)[t] for a in jax.tree_util.tree_leaves(normalize_tree(cl))]
                else:
                    refs, _ = run_batched(progs["ref"], sym, extra, T, 1)
                    _, out = numpy_call(P, sym, extra, t)
                    cl_l = [np.asarray(a) for a in jax.tree_util.tree_leaves(to_numpy_tree(out))]
            r_l = [np.asarray(a)[t] for a in jax.tree_util.tree_leaves(normalize_tree(refs[0]))]
        except Exception:
            continue
        if not P.dense:
            continue
        agree = all(bool(errors(c[None], r[None], P.tol)[2][0]) for c, r in zip(cl_l, r_l, strict=True))
        if agree:
            name = lf.path
            return (f"holds only for symmetric matrices: the candidate agrees with JAX when {name} is made "
                    f"symmetric, and {name} is not symmetric here")
    return None


def dense_rediagnose(P: Problem, report: CheckReport, leaves: list[np.ndarray], extra: dict[str, Any],
                      t: int) -> None:
    """Probe mode found a failure: rebuild trial ``t`` densely (when it fits) for a sharper diagnosis."""
    Q = replace(P, dense=True)
    lv = [jnp.asarray(a[t]) for a in leaves]
    try:
        out_struct = jax.eval_shape(P.f, *as_args(P, upcast(P, lv)))
        blocks = make_blocks(Q, out_struct, [lf.shape for lf in P.leaves])
        if sum(math.prod(b.shape) for b in blocks) > 64 * P.opts["max_dense"]:
            report.notes.append("probe mode: the Jacobian is too large to rebuild for a diagnosis")
            return
        ref = jax.jit(lambda lv: reference_outputs(Q, lv, {})[0])(lv)
        try:
            cl = jax.jit(lambda lv: candidate_output(Q, lv, {}))(lv)
        except Exception:
            _, cl = numpy_call(Q, leaves, {}, t)
            cl = to_numpy_tree(cl)
    except Exception:
        return
    r_l = [np.asarray(a) for a in jax.tree_util.tree_leaves(normalize_tree(ref))]
    c_l = [np.asarray(a) for a in jax.tree_util.tree_leaves(normalize_tree(cl))]
    diags = []
    for b, c, r in zip(blocks, c_l, r_l, strict=True):
        _, _, okb, _ = errors(c[None], r[None], P.tol)
        if okb[0]:
            continue
        d = dx.diagnose_values(c, r, out_shape=b.out_shape, in_shape=b.in_shape,
                               dims=dims(P, [lf.shape for lf in P.leaves]), rtol=P.tol.rtol, atol=P.tol.atol)
        if d.startswith("zero where JAX"):
            lf = P.leaves[b.in_leaf]
            d = f"derivative missing for {lf.path} (zero where JAX is not)"
        diags.append((b, c, r, d))
    if not diags:
        return
    b, c, r, d = diags[0]
    report.diagnosis = d if len(diags) == 1 else "; ".join(f"{bb.name}: {dd}" for bb, _, _, dd in diags)
    report.block = b.name
    report.claimed, report.expected = c, r
    report.wrt_shape, report.out_shape = tuple(b.in_shape), tuple(b.out_shape)
    report.entries = worst_entries(b.name, c, r, P.tol)
    report.notes.append(f"probe mode detected the failure; trial {t + 1} was rebuilt densely for the diagnosis")
