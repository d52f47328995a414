"""Building the report of a check: the base report, failure marking, worst entries and the line that
reproduces the check.
"""

from __future__ import annotations

import numpy as np

from ..tolerances import Tolerance
from . import diagnosis as dx
from .problem import DEFAULTS, Problem, call_label, dtype_name, label_of
from .programs import as_args
from .report import CheckReport, Entry

__all__ = ["Code", "base_report", "dims", "fail", "reproduce", "shape_list", "worst_entries"]


def shape_list(P: Problem, shapes: list[tuple[int, ...]]) -> list[tuple[str, tuple[int, ...], str]]:
    return [(lf.path, tuple(s), dtype_name(lf.dtype)) for lf, s in zip(P.leaves, shapes, strict=True)]


def reproduce(P: Problem, shapes: list[tuple[int, ...]]) -> str:
    leaves = []
    for lf, s in zip(P.leaves, shapes, strict=True):
        if lf.drawn:
            leaves.append(Code(f"np.zeros({tuple(s)!r}, {dtype_name(lf.dtype)!r})"))
        else:
            leaves.append(Code(f"np.asarray({lf.example.tolist()!r}, {dtype_name(lf.dtype)!r})"))
    args = as_args(P, leaves)
    opts = [f"argnums={P.argnums_given!r}"]
    for key in ("trials", "seed", "rtol", "atol", "mode", "precision", "kinks", "witness", "probes"):
        if P.opts[key] != DEFAULTS[key] or key in ("trials", "seed"):
            opts.append(f"{key}={P.opts[key]!r}")
    if P.opts["domains"]:
        doms = {k: (v if isinstance(v, str) else Code(getattr(v, "name", None) or label_of(v)))
                for k, v in P.opts["domains"].items()}
        opts.append(f"domains={doms!r}")
    return (f"chainrule.check_{P.kind}({call_label(P.f)}, {call_label(P.cand)}, "
            f"{', '.join(repr(a) for a in args)}, {', '.join(opts)})")


class Code(str):
    """A string whose repr is itself (source code inside a reproduction line)."""

    def __repr__(self) -> str:
        return str(self)


def base_report(P: Problem, shapes: list[tuple[int, ...]], trials: int, seed: int) -> CheckReport:
    return CheckReport(
        ok=True, kind=P.kind, candidate=P.cand_label, reference=P.ref_label, seed=int(seed),
        trials=int(trials), dtype=P.tol_key, rtol=P.tol.rtol, atol=P.tol.atol,
        mode="dense" if P.dense or P.kind not in ("jacobian", "hessian") else "probe",
        wrt=P.wrt, shapes=shape_list(P, shapes),
        reproduce=reproduce(P, shapes) if trials == P.opts["trials"] and seed == P.opts["seed"] else "",
    )


def fail(report: CheckReport, diagnosis: str, *, trial: int | None = None, failures: int | None = None,
          stopped: bool = False) -> CheckReport:
    """Mark ``report`` failed. ``failures`` defaults to every trial (a structural failure: wrong shape,
    structure or dtype); ``stopped``: the check ended at ``trial`` (the candidate raised, mutated its
    input or was nondeterministic there), which is then the one failing trial and the rest were not run."""
    report.ok = False
    report.diagnosis = diagnosis
    report.trial = trial
    report.stopped = stopped
    report.failures = 1 if stopped else report.trials if failures is None else failures
    return report


def worst_entries(name: str, c: np.ndarray, r: np.ndarray, tol: Tolerance, count: int = 5) -> list[Entry]:
    """The worst entries of one block of one trial, only those outside the tolerance (at least one), so
    the report never lists agreeing entries as wrong ones."""
    scale = float(np.max(np.abs(np.asarray(r, np.float64)), initial=0.0))
    bound = tol.atol + tol.rtol * scale
    found = [Entry(name, idx, cv, rv) for idx, cv, rv in dx.worst_entries(c, r, count)]
    wrong = [e for e in found if not e.abs_error <= bound]
    return wrong or found[:1]


def dims(P: Problem, shapes: list[tuple[int, ...]]) -> tuple[int, ...]:
    return tuple(sorted({d for s in shapes for d in s if d > 1}))
