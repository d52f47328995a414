"""Retries at other shapes: a failing check shrunk to the smallest shapes that still fail, and a passing
check with a square argument retried with one axis grown (a formula that holds only when dimensions
coincide).
"""

from __future__ import annotations

from dataclasses import replace

import jax
import jax.numpy as jnp
import numpy as np

from ..autodiff import x64
from .drawing import draw, extras
from .engine import run_once
from .problem import Problem
from .programs import as_args, first_line, numpy_call, upcast
from .report import CheckReport

__all__ = ["candidate_rejects", "coincidence", "remap", "retry", "shrink"]


def remap(P: Problem, shapes: list[tuple[int, ...]], mapping: dict[int, int]) -> list[tuple[int, ...]]:
    return [tuple(mapping.get(d, d) for d in s) if lf.drawn else s for lf, s in zip(P.leaves, shapes, strict=True)]


def retry(P: Problem, shapes: list[tuple[int, ...]]) -> CheckReport | None:
    """The check at other shapes (fewer trials, no further retries); ``None`` if f or the candidate
    does not accept them (the shapes are not free)."""
    Q = replace(P, opts={**P.opts, "witness": None})
    trials = min(P.opts["trials"], 20)
    try:
        rep = run_once(Q, shapes, trials, P.opts["seed"])
    except (ValueError, TypeError):
        return None
    if rep.diagnosis and rep.diagnosis.startswith(("the candidate raised", "wrong structure", "JAX's")):
        return None
    return rep


def shrink(P: Problem, shapes: list[tuple[int, ...]], report: CheckReport) -> None:
    """Retry a failing check at smaller shapes; record the smallest that still fails."""
    fixed = {d for lf, s in zip(P.leaves, shapes, strict=True) if not lf.drawn for d in s}
    sizes = sorted({d for lf, s in zip(P.leaves, shapes, strict=True) if lf.drawn for d in s} - fixed)
    best = None
    for start in (1, 2):
        target = list(range(start, start + len(sizes)))
        if not sizes or target == sizes or any(t > s for t, s in zip(target, sizes, strict=True)):
            continue
        new = remap(P, shapes, dict(zip(sizes, target, strict=True)))
        rep = retry(P, new)
        if rep is not None and not rep.ok:
            best = new
            break
    if best is not None:
        report.smallest_failing = [(lf.path, s) for lf, s in zip(P.leaves, best, strict=True)]


def coincidence(P: Problem, shapes: list[tuple[int, ...]], report: CheckReport) -> None:
    """A passing check whose example has a square argument (two equal axes, e.g. ``W (3, 3)``): grow
    each of those axes by one, where f accepts it, and fail if the candidate breaks there."""
    tried = attempts = 0
    for li, (lf, s) in enumerate(zip(P.leaves, shapes, strict=True)):
        if not lf.drawn:
            continue
        for ax, d in enumerate(s):
            if d < 2 or list(s).count(d) < 2 or tried >= 2 or attempts >= 6:
                continue
            new = list(shapes)
            new[li] = (*s[:ax], d + 1, *s[ax + 1:])
            attempts += 1
            try:
                jax.eval_shape(P.f, *as_args(P, [jax.ShapeDtypeStruct(x, np.float64 if P.leaves[i].drawn else
                                                                   P.leaves[i].dtype) for i, x in enumerate(new)]))
            except Exception:
                continue
            tried += 1
            rep = retry(P, new)
            if rep is None:
                new_cand_fails = candidate_rejects(P, new)
                if new_cand_fails is None:
                    continue
                rep_diag = new_cand_fails
            elif rep.ok:
                continue
            else:
                rep_diag = rep.diagnosis or "mismatch"
            report.ok = False
            given = f"{lf.path} {s}"
            grown = f"{lf.path} {new[li]}"
            report.diagnosis = (f"holds only when dimensions coincide: passes at {given}, fails at {grown} "
                                f"({rep_diag})")
            report.failures = report.trials if rep is None else rep.failures
            report.smallest_failing = [(x.path, sh) for x, sh in zip(P.leaves, new, strict=True)]
            if rep is not None:
                report.claimed, report.expected, report.entries = rep.claimed, rep.expected, rep.entries
                report.block, report.inputs, report.trial = rep.block, rep.inputs, rep.trial
                report.wrt_shape, report.out_shape = rep.wrt_shape, rep.out_shape
            return


def candidate_rejects(P: Problem, shapes: list[tuple[int, ...]]) -> str | None:
    """f accepts ``shapes`` but the candidate raises (or returns a wrong shape) there."""
    leaves, _ = draw(P, shapes, 1, P.opts["seed"])
    try:
        with x64(True):
            out_struct = jax.eval_shape(P.f, *as_args(P, upcast(P, [jnp.asarray(a[0]) for a in leaves])))
            extra = extras(P, out_struct, 1, P.opts["seed"])
            _, out = numpy_call(replace(P, out_def=jax.tree_util.tree_structure(out_struct)), leaves, extra, 0)
    except Exception as exc:
        return f"the candidate raised {first_line(exc)}"
    del out
    return None
