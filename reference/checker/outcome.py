"""Building the report of a check: the base report, failure marking, worst entries and the line that
reproduces the check.
"""

from __future__ import annotations

import ast
import functools
import inspect
import textwrap
import types
from collections.abc import Mapping
from typing import Any

import numpy as np

from ..tolerances import Tolerance
from . import diagnosis as dx
from .memo import Memo
from .problem import DEFAULTS, Problem, call_label, dtype_name, label_of
from .programs import as_args
from .report import CheckReport, Entry

__all__ = ["Code", "base_report", "dims", "fail", "plural", "reproduce", "shape_list", "source_of", "trial_list",
           "worst_entries"]


def shape_list(P: Problem, shapes: list[tuple[int, ...]]) -> list[tuple[str, tuple[int, ...], str]]:
    return [(lf.path, tuple(s), dtype_name(lf.dtype)) for lf, s in zip(P.leaves, shapes, strict=True)]


def source_of(fn: Any) -> tuple[str, str]:
    """Python source that rebuilds ``fn`` in the caller's namespace, and a hint when it cannot.

    Remembered per function (the last 256): a check repeated at 1,000 seeds reads the source once.

    A named function gives ``module.name`` (or its name); a lambda its own text when its source line
    holds exactly one lambda; a ``functools.partial`` ``functools.partial(func, args…)`` when its
    arguments print as Python. Otherwise the name, with a hint saying what to rebuild.

    >>> import functools
    >>> square = lambda x: x ** 2
    >>> source_of(square)
    ('(lambda x: x ** 2)', '')
    >>> source_of(functools.partial(pow, exp=2))
    ('functools.partial(pow, exp=2)', '')
    """
    found = _SOURCES.lookup(fn)  # None for an unhashable callable: read it every time
    if found is None:
        found = _source_of(fn)
        _SOURCES.keep(fn, found)
    return found


#: What :func:`source_of` read, per function (the last 256).
_SOURCES = Memo(256)


def _source_of(fn: Any) -> tuple[str, str]:
    if isinstance(fn, functools.partial):
        inner, hint = source_of(fn.func)
        parts = [repr(a) for a in fn.args] + [f"{k}={v!r}" for k, v in fn.keywords.items()]
        if all(len(p) <= 80 and "<" not in p and "array(" not in p and "\n" not in p for p in parts):
            return f"functools.partial({', '.join([inner, *parts])})", hint
        return (f"functools.partial({inner}, …)",
                hint or f"rebuild the functools.partial of {label_of(fn.func)} with its bound arguments first")
    name = label_of(fn)
    if name == "<lambda>" and (not isinstance(fn, types.FunctionType) or inspect.unwrap(fn) is not fn):
        return name, "a wrapped lambda (jax.grad(lambda …)?) cannot be printed: bind it to a name and pass that"
    if name == "<lambda>":
        try:
            lines, _ = inspect.getsourcelines(fn)
            text = textwrap.dedent("".join(lines))
            tree = ast.parse(text if not text.lstrip().startswith(".") else "_" + text.lstrip())
        except (OSError, TypeError, SyntaxError):
            tree, text = None, ""
        found = [n for n in ast.walk(tree) if isinstance(n, ast.Lambda)] if tree is not None else []
        if len(found) == 1 and (seg := ast.get_source_segment(text, found[0])):
            return f"({seg})", ""
        return name, "bind each lambda to a name and pass the names"
    return call_label(fn), ""


def reproduce(P: Problem, shapes: list[tuple[int, ...]]) -> str:
    leaves = []
    for lf, s in zip(P.leaves, shapes, strict=True):
        if lf.drawn:
            leaves.append(Code(f"np.zeros({tuple(s)!r}, {dtype_name(lf.dtype)!r})"))
        else:
            leaves.append(Code(f"np.asarray({lf.example.tolist()!r}, {dtype_name(lf.dtype)!r})"))
    args = as_args(P, leaves)
    opts = [f"argnums={P.argnums_given!r}"]
    for key in ("trials", "seed", "rtol", "atol", "mode", "precision", "kinks", "witness", "arbitrate", "probes",
                "vary_shapes", "custom_rules", "candidate_precision", "memory"):
        if P.entry and key == "custom_rules":
            continue
        if P.opts[key] != DEFAULTS[key] or key in ("trials", "seed"):
            opts.append(f"{key}={P.opts[key]!r}")
    if P.opts["domains"]:
        doms = {k: (v if isinstance(v, str) else Code(getattr(v, "name", None) or label_of(v)))
                for k, v in P.opts["domains"].items()}
        opts.append(f"domains={doms!r}")
    f_src, f_hint = source_of(P.given_f if P.given_f is not None else P.f)
    if P.entry:  # check_custom_vjp(f, *args): the candidate is f's own rule
        head, hints = f"chainrule.{P.entry}({f_src}, ", [f_hint]
    else:
        c_src, c_hint = source_of(P.cand)
        head, hints = f"chainrule.check_{P.kind}({f_src}, {c_src}, ", [f_hint, c_hint]
    hint = "; ".join(dict.fromkeys(h for h in hints if h))
    return f"{head}{', '.join(repr(a) for a in args)}, {', '.join(opts)})" + (f"  # {hint}" if hint else "")


class Code(str):
    """A string whose repr is itself (source code inside a reproduction line)."""

    def __repr__(self) -> str:
        return str(self)


def base_report(P: Problem, shapes: list[tuple[int, ...]], trials: int, seed: int) -> CheckReport:
    notes = []
    if P.custom_rules:
        rules = "; ".join(P.custom_rules)
        if P.opts["custom_rules"] == "inline":
            notes.append(f"f uses custom derivative rules of its own ({rules}): the reference inlines them to "
                         "their primal functions and differentiates the forward as written"
                         + ("" if P.entry else " (custom_rules='keep' trusts them instead)"))
        else:
            notes.append(f"f uses custom derivative rules of its own ({rules}); custom_rules='keep': the "
                         "reference runs them, so they are trusted, not checked")
    if P.precision_note and not P.low_precision:
        notes.append(P.precision_note)
    return CheckReport(
        ok=True, kind=P.kind, candidate=P.cand_label, reference=P.ref_label, seed=int(seed),
        trials=int(trials), dtype=P.tol_key, rtol=P.tol.rtol, atol=P.tol.atol,
        mode="dense" if P.dense or P.kind not in ("jacobian", "hessian") else "probe",
        wrt=P.wrt, shapes=shape_list(P, shapes),
        reproduce=reproduce(P, shapes) if trials == P.opts["trials"] and seed == P.opts["seed"] else "",
        notes=notes, precision=P.precision_note if P.low_precision else "",
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
    bound = tol.bound(scale)
    found = [Entry(name, idx, cv, rv) for idx, cv, rv in dx.worst_entries(c, r, count)]
    wrong = [e for e in found if not e.abs_error <= bound]
    return wrong or found[:1]


def dims(P: Problem, shapes: list[tuple[int, ...]]) -> tuple[int, ...]:
    return tuple(sorted({d for s in shapes for d in s if d > 1}))


def plural(n: int, word: str, many: str | None = None) -> str:
    """``n`` and ``word``, or its plural ``many`` (``word + "s"`` by default) unless ``n`` is 1.

    >>> plural(1, "trial"), plural(0, "trial"), plural(3, "entry", "entries")
    ('1 trial', '0 trials', '3 entries')
    """
    return f"{n} {word if n == 1 else many or word + 's'}"


def trial_list(trials: Mapping[int, Any] | list[int]) -> str:
    """``"trial 4"`` or ``"trials 1, 5, 9, …"`` for 0-based trial indices (at most eight shown)."""
    ts = sorted(trials)
    shown = ", ".join(str(t + 1) for t in ts[:8]) + (", …" if len(ts) > 8 else "")
    return f"trial{'' if len(ts) == 1 else 's'} {shown}"
