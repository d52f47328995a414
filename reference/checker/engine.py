"""The engine: one check at one set of shapes — draw the trials, run the candidate and JAX's references,
and hand them to :func:`~chainrule.reference.checker.judge.judge` (or explain a wrong shape or structure).
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass, replace
from typing import Any

import jax
import jax.numpy as jnp
import numpy as np

from . import diagnosis as dx
from .blocks import contract, describe_struct, expected_dense_struct, make_blocks
from .compare import errors
from .drawing import draw, extras
from .hints import argnums_hint, call_hint
from .judge import judge
from .outcome import base_report, fail
from .problem import Block, Problem, is_float, label_of, least_precise
from .program_store import load_structs, save_structs, stored_program
from .programs import (
    FAST_COMPILE,
    NUMPY_ONLY,
    as_args,
    candidate_output,
    first_line,
    normalize_tree,
    numpy_args,
    numpy_call,
    programs,
    reference_outputs,
    remember_structs,
    remembered_structs,
    run_batched,
    to_numpy_tree,
    trial_inputs,
    upcast,
)
from .report import BlockResult, CheckReport

__all__ = ["NUMERICAL_ERRORS", "Prepared", "execute", "prepare", "run_many", "run_once", "shape_failure"]


#: Exceptions that mean "no value at this input" rather than "a bug": on an edge trial (an input the
#: checker built, with entries set to kink points) the trial is handed to the judge as skipped, which
#: excuses it only where f is singular or ill-conditioned there; on an ordinary trial it fails.
NUMERICAL_ERRORS: tuple[type[BaseException], ...] = (np.linalg.LinAlgError, ArithmeticError)


@dataclass
class Prepared:
    """A check drawn and structure-checked at one set of shapes, ready to run (:func:`execute`)."""

    P: Problem
    shapes: list[tuple[int, ...]]
    report: CheckReport
    leaves: list[np.ndarray]
    edge: np.ndarray
    extra: dict[str, Any]
    blocks: list[Block]
    out_shapes: list[tuple[int, ...]]
    traceable: bool
    per_trial: int
    dense_shapes: list[tuple[int, ...]]
    structs: tuple[Any, Any]  # f's output and the candidate's, as traced (or as stored: run_many)


def _size(nbytes: float) -> str:
    """``1.5 GiB``, ``2.1 MiB``: a byte count as people write it."""
    return f"{nbytes / 2**30:.3g} GiB" if nbytes >= 2**30 else f"{nbytes / 2**20:.3g} MiB"


def run_once(P: Problem, shapes: list[tuple[int, ...]], trials: int, seed: int) -> CheckReport:
    """One check at one set of shapes: draw, run, compare, diagnose."""
    prep = prepare(P, shapes, trials, seed)
    return prep if isinstance(prep, CheckReport) else execute(prep)


# equivalent mutants (no mutate): annotations, strings under `from __future__ import annotations`
def run_many(jobs: Sequence[tuple[Problem, list[tuple[int, ...]], int, int]], *,
             store_as: str | None = None) -> list[CheckReport]:  # pragma: no mutate
    """Several checks ``(problem, shapes, trials, seed)``, the traceable ones compiled as ONE program.

    ``chainrule verify`` runs every shape configuration of a rule this way: one compilation per rule
    instead of one per configuration. Each check is otherwise exactly :func:`run_once`'s (a combined run
    that raises falls back to running them one by one, which then reports who raised).

    ``store_as`` describes the program for the store of traced programs (:mod:`.program_store`); only a
    caller whose functions are all the package's own (``chainrule verify``) may pass it, since the store's
    key covers the package's sources, not the closures of a user's functions.
    """
    known = described = None
    if store_as is not None:  # what tracing told a run before: f's and the candidate's output structures
        described = store_as + "|" + ";".join(f"{P.kind}:{P.cand_label}:{P.ref_label}:{shapes}:{trials}:{seed}"
                                              for P, shapes, trials, seed in jobs)
        known = load_structs(described, len(jobs))
    preps = [prepare(P, shapes, trials, seed, structs=known[i] if known else None)
             for i, (P, shapes, trials, seed) in enumerate(jobs)]
    if described is not None and known is None and all(isinstance(p, Prepared) and p.traceable for p in preps):
        save_structs(described, [p.structs for p in preps])  # type: ignore[union-attr]
    # equivalent mutants of the budget test: it decides only whether one joint program holds every
    # configuration at once; the results are the same either way, only the memory in use differs
    ready = [p for p in preps if isinstance(p, Prepared) and p.traceable
             and 8 * p.per_trial * p.report.trials <= p.P.opts["memory"]]  # pragma: no mutate
    outputs: dict[int, Any] = {}
    if len(ready) > 1:
        fns = [programs(p.P)["joint_vmapped"] for p in ready]
        options = FAST_COMPILE if all(p.P.dense for p in ready) else None
        # equivalent mutants (no mutate): fns and batch are built from the same list, so strict= never matters
        combined = jax.jit(lambda batch: [fn(lv, ex)
                                          for fn, (lv, ex) in zip(fns, batch, strict=True)],  # pragma: no mutate
                           compiler_options=options)
        batch = [(p.leaves, p.extra) for p in ready]
        program = combined
        if store_as is not None:
            labels = "|".join(f"{p.P.kind}:{p.P.cand_label}:{p.P.ref_label}:{p.P.dense}" for p in ready)
            program = stored_program(combined, batch, f"{store_as}|{labels}", options)
        try:
            result = program(batch)
            outputs = {id(p): jax.tree_util.tree_map(np.asarray, r) for p, r in zip(ready, result, strict=True)}
        except Exception:  # someone raised under jit(vmap): run one by one, which says who
            outputs = {}
    return [p if isinstance(p, CheckReport) else execute(p, outputs.get(id(p))) for p in preps]


def _unchanged(before: np.ndarray, after: np.ndarray) -> bool:
    """``after`` holds ``before``'s values (NaN where it had NaN): first by bytes, which is most calls and
    several times faster on the small arrays a trial has, then as ``np.array_equal(equal_nan=True)``.

    >>> a = np.array([1.0, np.nan])
    >>> _unchanged(a, a.copy()), _unchanged(a, np.array([1.0, -np.nan])), _unchanged(a, np.array([2.0, np.nan]))
    (True, True, False)
    """
    if before.shape == after.shape and before.dtype == after.dtype and before.tobytes() == after.tobytes():
        return True
    return bool(np.array_equal(before, after, equal_nan=True))


def prepare(P: Problem, shapes: list[tuple[int, ...]], trials: int, seed: int,
            structs: tuple[Any, Any] | None = None) -> Prepared | CheckReport:  # pragma: no mutate - annotations
    """Draw the trials and check what the candidate returns; a report when that already fails.

    ``structs`` is ``(f's output, the candidate's output)`` as ``jax.eval_shape`` gave them for this very
    check in an earlier run (:func:`run_many`'s store); without it both are traced here."""
    T = int(trials)
    if structs is None:
        structs = remembered_structs(P, shapes)  # the same check at another seed: traced already
    leaves, edge = draw(P, shapes, T, seed)
    # device_put, not jnp.asarray: the same arrays, without compiling a conversion per new shape
    lv0 = [jax.device_put(a[0]) for a in leaves]
    ref_args0 = as_args(P, upcast(P, lv0))
    try:
        out_struct = structs[0] if structs is not None else jax.eval_shape(P.f, *ref_args0)
    except Exception as exc:
        raise ValueError(f"f ({label_of(P.f)}) failed on arguments of shapes "
                         f"{', '.join(f'{lf.path} {s}' for lf, s in zip(P.leaves, shapes, strict=True))}: "
                         f"{first_line(exc)}; f must be a JAX-traceable function of the given arguments"
                         ) from exc
    out_leaves = jax.tree_util.tree_leaves(out_struct)
    P.out_def = jax.tree_util.tree_structure(out_struct)
    if P.kind in ("gradient", "hessian") and (len(out_leaves) != 1 or out_leaves[0].shape):  # shape (): scalar
        raise ValueError(f"check_{P.kind} needs a scalar-valued f, but {label_of(P.f)} returns "
                         f"{[tuple(o.shape) for o in out_leaves]}; use check_jacobian for a vector-valued f")
    in_size = sum(math.prod(shapes[i]) for i in P.diff_leaves)
    out_size = sum(math.prod(o.shape) for o in out_leaves)
    if out_size == 0:  # pragma: no mutate - equivalent: a size is never negative, so == 0 is <= 0
        raise ValueError(f"f ({label_of(P.f)}) returns {[tuple(o.shape) for o in out_leaves]}, with no entries: "
                         "there is nothing to compare, and a check of it would pass without looking; pass "
                         "examples at which f's output has at least one entry")
    entries = (in_size * in_size) if P.kind == "hessian" else in_size * out_size
    if P.kind in ("jacobian", "hessian"):
        mode = P.opts["mode"]
        dense_bytes = 3 * 8 * entries  # JAX's two witnesses and the candidate's, float64
        fits = dense_bytes <= P.opts["memory"]
        if mode == "dense" and not fits:
            raise ValueError(f"mode='dense': one trial's {P.kind} has {entries:,} entries, "
                             f"{_size(dense_bytes)} with JAX's two witnesses and the candidate's, "
                             f"above the memory budget of {_size(P.opts['memory'])}; use mode='probe' "
                             "(random products, no dense Jacobian) or raise memory=")
        P.dense = mode == "dense" or (mode == "auto" and entries <= P.opts["max_dense"] and fits)
    else:
        P.dense = True
    report = base_report(P, shapes, T, seed)
    extra = extras(P, out_struct, T, seed)
    ex0 = {k: [jax.device_put(a[0]) for a in v] for k, v in extra.items()}
    blocks = make_blocks(P, out_struct, shapes)
    out_shapes = [tuple(o.shape) for o in out_leaves]

    # -- is the candidate traceable? what does it return? ------------------------------------------
    traceable = True
    cand_struct = None
    if structs is not None and structs[1] is NUMPY_ONLY:  # it did not trace at this signature before
        traceable = False
    else:
        try:
            cand_struct = (structs[1] if structs is not None
                           else jax.eval_shape(lambda lv, ex: candidate_output(P, lv, ex), lv0, ex0))
        except Exception:
            traceable = False
    if structs is None:
        # a NumPy-only candidate is remembered as one: its failed trace (JAX filters the traceback of the
        # error, stat-ing each frame's file) cost 3.6 ms of a 21 ms check at each further seed
        remember_structs(P, shapes, (out_struct, cand_struct if traceable else NUMPY_ONLY))
    if not traceable:
        cargs = numpy_args(P, leaves, extra, 0)
        try:
            cand_struct = to_numpy_tree(P.cand(*cargs))
        except Exception as exc:
            report.inputs = trial_inputs(P, leaves, 0)
            return fail(report, f"the candidate raised {first_line(exc)}{call_hint(P, exc, cargs)}", trial=0,
                        stopped=True)
    # expected dense structure
    dense_expect = expected_dense_struct(P, ref_args0, out_struct)
    claimed_leaves_s = jax.tree_util.tree_leaves(normalize_tree(cand_struct))
    exp_leaves_s = jax.tree_util.tree_leaves(dense_expect)
    if (jax.tree_util.tree_structure(normalize_tree(cand_struct))
            != jax.tree_util.tree_structure(normalize_tree(dense_expect))
            or any(tuple(c.shape) != tuple(e.shape) for c, e in zip(claimed_leaves_s, exp_leaves_s, strict=True))):
        return shape_failure(P, report, leaves, extra, blocks, cand_struct, dense_expect, traceable)
    floor_eps = float(jnp.finfo(least_precise(P.leaves[i].dtype for i in P.diff_leaves)).eps)
    bad_dtype = [(c.dtype, e.dtype) for c, e in zip(claimed_leaves_s, exp_leaves_s, strict=True)
                 if is_float(c.dtype) and float(jnp.finfo(c.dtype).eps) > floor_eps]
    if P.exact_dtype and not bad_dtype:
        want = P.leaves[P.diff_leaves[0]].dtype
        # equivalent mutants (no mutate): a lower precision failed above, so a dtype other than want is a
        # higher one, which NumPy orders above it: != is >
        bad_dtype = [(c.dtype, want) for c in claimed_leaves_s
                     if is_float(c.dtype) and c.dtype != want]  # pragma: no mutate
        if bad_dtype:
            report.inputs = trial_inputs(P, leaves, 0)
            return fail(report, f"wrong dtype: claimed {bad_dtype[0][0]}, JAX {want} (a constant promoted the "
                                "result?)", trial=0)
    if bad_dtype:
        report.inputs = trial_inputs(P, leaves, 0)
        return fail(report, f"wrong dtype: the candidate returns {bad_dtype[0][0]} for "
                             f"{P.leaves[P.diff_leaves[0]].dtype} inputs (a constant of lower precision?)",
                     trial=0)

    return Prepared(P, shapes, report, leaves, edge, extra, blocks, out_shapes, traceable,
                    max(entries, out_size, in_size) * 3, [tuple(e.shape) for e in exp_leaves_s],
                    (out_struct, cand_struct))


def execute(prep: Prepared, joint_out: Any = None) -> CheckReport:
    """Run a prepared check (or take ``joint_out``, its traceable program's outputs), compare, diagnose."""
    P, shapes, report, leaves, edge, extra = prep.P, prep.shapes, prep.report, prep.leaves, prep.edge, prep.extra
    blocks, out_shapes, traceable, per_trial = prep.blocks, prep.out_shapes, prep.traceable, prep.per_trial
    T = report.trials
    progs = programs(P)
    claimed: list[np.ndarray]
    notes: list[str] = []
    memory = P.opts["memory"]
    post = None
    if not P.dense:  # probe mode: contract the candidate's dense blocks chunk by chunk, never all trials
        def post(out: Any, ex: dict[str, Any]) -> Any:
            r, c, fin = out
            dense = [np.asarray(a) for a in jax.tree_util.tree_leaves(normalize_tree(c))]
            return r, contract(P, dense, ex, blocks, out_shapes, shapes), fin
    skipped: dict[int, str] = {}
    if traceable:
        try:
            refs, cl, primal_ok = (joint_out if joint_out is not None
                                   else run_batched(progs["joint"], leaves, extra, T, per_trial, memory, post))
            if joint_out is not None and post is not None:
                refs, cl, primal_ok = post(joint_out, extra)
            claimed = [np.asarray(a) for a in jax.tree_util.tree_leaves(normalize_tree(cl))]
        except Exception as exc:
            traceable = False
            notes.append(f"the candidate traced but failed under jit(vmap) ({first_line(exc)}); it ran "
                         "trial by trial instead")
    if not traceable:
        refs, primal_ok = run_batched(progs["ref"], leaves, extra, T, per_trial, memory)
        claimed_per: list[list[np.ndarray]] = []

        def kept(parts: list[np.ndarray], t: int) -> list[np.ndarray]:
            """One trial's outputs as kept: in probe mode its products, not its dense Jacobian."""
            if P.dense:
                return parts
            ex_t = {k: [a[t:t + 1] for a in v] for k, v in extra.items()}
            return [p_[0] for p_ in contract(P, [p_[None] for p_ in parts], ex_t, blocks, out_shapes, shapes)]

        for t in range(T):
            cargs = numpy_args(P, leaves, extra, t)
            before = [np.array(a) for a in jax.tree_util.tree_leaves(cargs)]  # snapshot BEFORE the call
            try:
                out = to_numpy_tree(P.cand(*cargs))
            except NUMERICAL_ERRORS as exc:
                if not edge[t]:
                    report.inputs = trial_inputs(P, leaves, t)
                    return fail(report, f"the candidate raised {first_line(exc)} on an ordinary trial (not one "
                                         "the checker built at a kink)", trial=t, stopped=True)
                skipped[t] = first_line(exc)
                claimed_per.append(kept([np.full(s_, np.nan) for s_ in prep.dense_shapes], t))
                continue
            except Exception as exc:
                # no call hint: trial 0 already ran once above, so this candidate takes the call as given
                report.inputs = trial_inputs(P, leaves, t)
                return fail(report, f"the candidate raised {first_line(exc)}", trial=t, stopped=True)
            if P.opts["hygiene"]:
                after = jax.tree_util.tree_leaves(cargs)
                for before_a, after_a, lf in zip(before, after, P.leaves + [None] * len(after), strict=False):
                    if not _unchanged(before_a, np.asarray(after_a)):
                        # equivalent mutants (no mutate): == vs is on the checker's own interned literal
                        vector = "cotangent" if P.kind == "vjp" else "tangent"  # pragma: no mutate
                        where = lf.path if lf is not None else f"its {vector}"
                        report.inputs = trial_inputs(P, leaves, t)
                        return fail(report, f"the candidate mutates its input {where} (it must not modify "
                                             "its arguments in place, e.g. dx = dout; dx[x <= 0] = 0 writes "
                                             "into dout: copy first, dx = dout.copy())", trial=t, stopped=True)
                if t == 0:  # pragma: no mutate - equivalent: a trial index is never negative, so <= 0 is == 0
                    fresh = jax.tree_util.tree_unflatten(jax.tree_util.tree_structure(cargs),
                                                         [np.array(a) for a in before])
                    again = to_numpy_tree(P.cand(*fresh))
                    a_l, b_l = jax.tree_util.tree_leaves(out), jax.tree_util.tree_leaves(again)
                    shapes_a, shapes_b = [np.shape(a) for a in a_l], [np.shape(b) for b in b_l]
                    if (jax.tree_util.tree_structure(out) != jax.tree_util.tree_structure(again)
                            or shapes_a != shapes_b):
                        report.inputs = trial_inputs(P, leaves, 0)
                        return fail(report, f"nondeterministic candidate: two calls on the same inputs return "
                                             f"{describe_struct(out)} with shapes {shapes_a}, then "
                                             f"{describe_struct(again)} with shapes {shapes_b}", trial=0,
                                    stopped=True)
                    # two calls may round differently (micrograd sums over a set, whose order varies):
                    # only a difference the tolerance would see is nondeterminism
                    diffs = []
                    # equivalent mutant (no mutate): the two calls' leaves were matched one for one above
                    for a, b in zip(a_l, b_l, strict=True):  # pragma: no mutate
                        if not np.array_equal(a, b, equal_nan=True):
                            err, _, agree, _ = errors(np.asarray(b)[None], np.asarray(a)[None], P.tol)
                            if not agree[0]:
                                diffs.append(float(err[0]))
                    if diffs:
                        report.inputs = trial_inputs(P, leaves, 0)
                        return fail(report, f"nondeterministic candidate: two calls on the same inputs "
                                             f"differ by up to {max(diffs):.3g}", trial=0, stopped=True)
            claimed_per.append(kept([np.asarray(a) for a in jax.tree_util.tree_leaves(out)], t))
        claimed = [np.stack(parts) for parts in zip(*claimed_per, strict=True)]
        notes.append("the candidate is not JAX-traceable: it ran in a loop, one trial at a time")

    if P.dense:
        witnesses = [[np.asarray(a) for a in jax.tree_util.tree_leaves(normalize_tree(r))] for r in refs]
    else:  # probe mode: one list of products, J·v per output leaf then uᵀJ per input leaf
        witnesses = [[np.asarray(a) for a in jax.tree_util.tree_leaves(normalize_tree(refs))]]
    ref = witnesses[0]
    report.notes.extend(notes)
    more = {"skipped": skipped} if skipped else {}
    return judge(P, report, blocks, leaves, extra, edge, claimed, ref, witnesses, shapes, traceable,
                    np.asarray(primal_ok, dtype=bool), **more)


def shape_failure(P: Problem, report: CheckReport, leaves: list[np.ndarray], extra: dict[str, Any],
                   blocks: list[Block], cand_struct: Any, dense_expect: Any, traceable: bool) -> CheckReport:
    """The candidate's structure or shapes differ from JAX's: compute trial 0 concretely and explain."""
    report.inputs = trial_inputs(P, leaves, 0)
    cs = normalize_tree(cand_struct)
    es = normalize_tree(dense_expect)
    c_def, e_def = jax.tree_util.tree_structure(cs), jax.tree_util.tree_structure(es)
    if c_def != e_def:
        why = "one derivative per argnum" if isinstance(P.argnums_given, tuple) else "numerator layout"
        return fail(report, f"wrong structure: the candidate returns {describe_struct(cs)}, JAX "
                             f"{describe_struct(es)} ({why}){argnums_hint(P, cand_struct)}", trial=0)
    # values of trial 0: candidate (concrete) and JAX's dense reference
    lv0 = [jax.device_put(a[0]) for a in leaves]
    ex0 = {k: [jax.device_put(a[0]) for a in v] for k, v in extra.items()}
    try:
        if traceable:
            out = jax.jit(lambda lv, ex: candidate_output(P, lv, ex))(lv0, ex0)
        else:
            _, out = numpy_call(P, leaves, extra, 0)
        c_leaves = [np.asarray(a) for a in jax.tree_util.tree_leaves(to_numpy_tree(out))]
    except Exception as exc:
        return fail(report, f"the candidate raised {first_line(exc)}", trial=0, stopped=True)
    Q = replace(P, dense=True)
    ref0 = jax.jit(lambda lv, ex: reference_outputs(Q, lv, ex)[0])(lv0, ex0)
    r_leaves = [np.asarray(a) for a in jax.tree_util.tree_leaves(normalize_tree(ref0))]
    dense_blocks = make_blocks(Q, jax.eval_shape(P.f, *as_args(P, upcast(P, lv0))), [lf.shape for lf in P.leaves]) \
        if P.kind in ("jacobian", "hessian") else blocks
    rtol = max(1e-6, 100 * P.tol.rtol)
    # a wrong shape fails every trial (the shapes do not depend on the draw); the blocks whose shapes
    # agree are not compared, since the check stops here
    diags: list[tuple[Block, np.ndarray, np.ndarray, str]] = []
    report.blocks = []
    # equivalent mutant (no mutate): a wrong structure returned above, so there is one leaf of each per block
    for b, c, r in zip(dense_blocks, c_leaves, r_leaves, strict=True):  # pragma: no mutate
        differ = c.shape != r.shape
        d = dx.diagnose_shape(c, r, out_shape=b.out_shape, in_shape=b.in_shape, rtol=rtol) if differ else None
        if d is not None:
            diags.append((b, c, r, d))
        report.blocks.append(BlockResult(b.name, b.shape, False, report.trials if differ else 0, math.nan,
                                         math.nan, d, claimed_shape=tuple(c.shape), compared=differ))
    report.max_abs_error = report.max_rel_error = math.nan  # no value was compared: null in JSON
    if not diags:
        return fail(report, "wrong shape", trial=0)
    b, c, r, _ = diags[0]
    report.block = b.name
    report.claimed, report.expected = c, r
    report.wrt_shape, report.out_shape = tuple(b.in_shape), tuple(b.out_shape)
    # equivalent mutants (no mutate): with one diagnosis, diags[0] is diags[-1]
    diagnosis = diags[0][3] if len(diags) == 1 else "; ".join(  # pragma: no mutate
        f"{bb.name}: {dd}" for bb, _, _, dd in diags)
    return fail(report, diagnosis, trial=0)
