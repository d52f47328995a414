"""The diagnosis of one failing block: zero where JAX is not, a kink, a global pattern (transposed,
constant factor, dropped term …), only near a kink, only for symmetric matrices; the dense rebuild of a
probe-mode failure; and, for a VJP or JVP, the Jacobian rebuilt from the candidate's own products.

A VJP (``ctᵀ·J``) or JVP (``J·t``) compared on one random vector per trial shows a dropped term only as
"no simple pattern". :func:`product_rediagnose` calls the candidate at the worst trial's inputs with
every basis vector (``e_k``: each row of ``J`` for a VJP, each column for a JVP; vmapped when the
candidate traces, a loop when it is NumPy-only), builds its Jacobian block by block (output leaf ×
differentiated leaf) and diagnoses each against JAX's (the same products of ``jax.vjp``/``jax.jvp``):
a rank-one difference, one per slice (batch-norm's variance path, softmax's row sum), a path that
ignores one output's cotangent (an LSTM cell's ``dc_next``). Too large a Jacobian (more than
``max_dense`` entries) is probed instead: ``probes`` random products per leaf name the wrong block and
the pattern of its errors. A candidate that is not linear in the vector is said to be so.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, replace
from typing import Any

import jax
import jax.numpy as jnp
import numpy as np

from ..autodiff import x64
from ..numbers import readable
from ..tolerances import kink_tolerance
from . import diagnosis as dx
from .blocks import make_blocks, out_names
from .compare import as_rows, errors
from .kinks import classify, kink_sides, near_kink
from .outcome import dims, worst_entries
from .problem import Block, Problem
from .programs import (
    as_args,
    candidate_args,
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

__all__ = ["MAX_BASIS_CALLS", "dense_rediagnose", "diagnose_block", "product_rediagnose", "symmetric_probe"]


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
    tb = tol.bound(scale)
    prt = _pattern_rtol(P)
    # non-finite (JAX's derivative is finite at every trial compared: judge fails the check where it is not
    # on an ordinary trial and drops such an edge trial, so only the candidate's values need the test)
    if not np.isfinite(c).all():
        return dx.diagnose_values(c, r, out_shape=b.out_shape, in_shape=b.in_shape)
    # derivative missing: zero in every failing trial where JAX is not
    zero = all(float(np.max(np.abs(claimed[bi][u]))) <= tol.atol for u in fails)  # a failing block has entries
    if zero and scale > tb:
        if (b.in_leaf is not None and not b.product) or (b.product and b.in_leaf is not None):
            lf = P.leaves[b.in_leaf]
            # equivalent mutants (no mutate): a leaf's path is its argument's name followed by its key path,
            # so it is never below the name: <= is ==
            who = (f"argument {lf.arg} ({P.names[lf.arg]})" if lf.path == P.names[lf.arg]  # pragma: no mutate
                   else f"{lf.path} (argument {lf.arg})")
            return f"derivative missing for {who} (zero where JAX is not)"
        return "zero where JAX is not (a derivative missing)"
    # at a kink (JAX's one-sided derivatives known for this trial)
    if (bi, t) in kink_info:
        L, R = kink_info[(bi, t)]
        tk = kink_tolerance(P.tol, P.tol_key, scale)
        at = (np.abs(R - L) > tk) & (np.abs(c - r) > tb)
        if at.any():
            idx = tuple(int(i) for i in np.argwhere(at)[0])
            c_, r_, L_, R_ = c[idx], r[idx], L[idx], R[idx]
            others_ok = bool(np.all((np.abs(c - r) <= tb) | at))
            if c_ < min(L_, R_) - tk or c_ > max(L_, R_) + tk:
                return (f"wrong at a kink: at entry {idx} the candidate gives {c_:.6g}, outside JAX's "
                        f"one-sided derivatives [{min(L_, R_):.6g}, {max(L_, R_):.6g}]")
            if others_ok:
                sides = kink_sides(P)
                return (f"wrong kink convention: at entry {idx} (a kink) the candidate takes "
                        f"{classify(c_, L_, R_, tk, sides)} ({c_:.6g}), JAX {classify(r_, L_, R_, tk, sides)} "
                        f"({r_:.6g}) (kinks='jax')")
    # clean global patterns first
    d = dx.diagnose_values(c, r, out_shape=b.out_shape, in_shape=b.in_shape, dims=dims(P, shapes),
                           rtol=tol.rtol, atol=tol.atol, pattern_rtol=prt)
    if d.startswith(("transposed", "sign flipped", "off by", "close but not exact: off by")):
        # equivalent mutants (no mutate): with one failing trial the factors cannot vary, so > 1 is > 0
        if d.startswith(("off by", "sign flipped")) and len(fails) > 1:  # pragma: no mutate
            ks = [dx.constant_factor(claimed[bi][u], ref[bi][u], prt) for u in fails]  # every failing trial
            if all(k is not None for k in ks) and max(ks) - min(ks) > prt * max(abs(k) for k in ks):
                seen = list(dict.fromkeys(readable(k, 1e-6, digits=3) for k in ks))  # distinct as written, in order
                shown = ", ".join(seen[:4]) + (", …" if len(seen) > 4 else "")
                return (f"proportional to JAX in each trial, but the factor varies with the inputs ({shown}): "
                        "a missing input-dependent scalar factor")
        return d
    # only near a kink?
    if P.dense and b.in_leaf is not None and not b.product and len(fails) < ok.shape[1]:
        wrong = np.argwhere(np.abs(c - r) > tb)
        entries = [tuple(int(i) for i in ix) for ix in wrong[:8]]  # the first 8 are scanned
        if entries:
            try:
                near = near_kink(P, b, leaves, extra, t, entries, tb)
            except Exception:
                near = [False]
            if all(near):
                edge_note = " (an edge trial)" if edge[t] else ""
                n_e, n_w, n_t = len(entries), len(wrong), ok.shape[1]
                # equivalent mutants (no mutate): there is at least one entry here, so <= 1 is == 1
                what = "the wrong entry" if n_e == 1 else f"all {n_e} wrong entries"  # pragma: no mutate
                verb = "lies" if n_e == 1 else "lie"  # pragma: no mutate - equivalent, as above
                if n_e < n_w:
                    what = f"the first {n_e} of the {n_w} wrong entries"

                return (f"wrong only near a kink: {what} of trial {t + 1}{edge_note} {verb} within 0.1 of a point "
                        f"where JAX's derivative jumps, and {n_t - len(fails)} of {n_t} trials pass")
    # holds only for symmetric matrices?
    sym = symmetric_probe(P, bi, t, leaves, extra, traceable)
    if sym is not None:
        return sym
    # a VJP or JVP: the candidate's Jacobian, rebuilt from its products, says more than one product
    # (unless a few entries of the product are wrong: a few columns or rows, said more plainly as they are)
    if P.kind in ("vjp", "jvp") and not d.startswith("one wrong entry") and " wrong entries of " not in d:
        regular = [u for u in fails if not edge[u]]
        tr = t if not edge[t] else next(iter(regular), t)  # an edge trial's pattern from an ordinary one if any
        try:
            rebuilt = product_rediagnose(P, bi, b, tr, claimed[bi][tr], leaves, extra, traceable,
                                         dims(P, shapes))
        except Exception:
            rebuilt = None
        if rebuilt is not None:
            return rebuilt
    return d


def symmetric_probe(P: Problem, bi: int, t: int, leaves: list[np.ndarray], extra: dict[str, Any],
                     traceable: bool) -> str | None:  # pragma: no mutate - equivalent: annotations (PEP 563)
    """Re-run trial ``t`` with each square-matrix argument symmetrized: does the candidate then agree?"""
    for li, lf in enumerate(P.leaves):
        # equivalent mutants (no mutate): a matrix leaf's (T, m, m) ends in the same two axes as (m, m); a vector
        # leaf's (T, n) would be symmetrized across trials, which makes no wrong derivative agree with JAX
        s = leaves[li].shape[1:]  # pragma: no mutate
        if not lf.drawn or len(s) < 2 or s[-1] != s[-2] or s[-1] < 2:
            continue
        sym = [a.copy() for a in leaves]  # every trial symmetrized: same shapes, no new compilation
        x = sym[li].astype(np.float64)
        x_plus_xt = x + np.swapaxes(x, -1, -2)
        # equivalent mutants (no mutate): any symmetric matrix shows it; halving keeps the draw's scale, and
        # x + xᵀ scaled otherwise (/1, //2, *2) is symmetric too
        sym[li] = (x_plus_xt / 2).astype(lf.dtype)  # pragma: no mutate
        T = len(x)  # the trials
        try:
            with x64(True):
                progs = programs(P)
                if traceable:
                    # equivalent mutants (no mutate): per_trial only sizes the chunks (a floor of 1 entry)
                    refs, cl, _ = run_batched(progs["joint"], sym, extra, T, 1)  # pragma: no mutate
                    cl_l = [np.asarray(a)[t] for a in jax.tree_util.tree_leaves(normalize_tree(cl))]
                else:
                    refs, _ = run_batched(progs["ref"], sym, extra, T, 1)  # pragma: no mutate - as above
                    _, out = numpy_call(P, sym, extra, t)
                    cl_l = [np.asarray(a) for a in jax.tree_util.tree_leaves(to_numpy_tree(out))]
            # equivalent mutants (no mutate): refs are JAX's witnesses (jacfwd, jacrev), equal to rounding, so
            # refs[0] and refs[-1] tell the same
            r_l = [np.asarray(a)[t] for a in jax.tree_util.tree_leaves(normalize_tree(refs[0]))]  # pragma: no mutate
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
    # equivalent mutant (no mutate): the engine matched the candidate's structure to JAX's before any trial
    for b, c, r in zip(blocks, c_l, r_l, strict=True):  # pragma: no mutate
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


#: A NumPy-only candidate is called once per basis vector: beyond this many calls it is probed instead.
MAX_BASIS_CALLS = 4096


@dataclass
class _Products:
    """The candidate's and JAX's products with the rows of ``dirs`` at one trial (VJP: cotangents, one
    array per output leaf; JVP: tangents, one per differentiated leaf), each ``(rows, *result shape)``."""

    P: Problem
    t: int
    dirs: list[np.ndarray]
    cand: list[np.ndarray]
    ref: list[np.ndarray]
    jblocks: list[Block]  # the Jacobian blocks, output leaf major (as check_jacobian names them)
    out_names: list[str]  # f, f[1], f['h']
    out_shapes: list[tuple[int, ...]]
    in_shapes: list[tuple[int, ...]]
    dense: bool  # dirs are the basis vectors (and a zero row last), not random probes
    probed_because: str  # why not dense: the Jacobian's size over max_dense, or the basis calls' count


#: The last rebuild, ``{key: products}`` (one entry): it serves every failing block of one check. The key
#: holds only the id and shapes of the trials' arrays (large: they are not kept alive), and the products hold
#: the problem they were made for.
_LAST: dict[tuple[Any, ...], _Products] = {}


def _key(leaves: list[np.ndarray], t: int) -> tuple[Any, ...]:
    return (id(leaves), tuple(a.shape for a in leaves), int(t))


def _run_rows(prog: Any, leaves: list[np.ndarray], t: int, key: str, dirs: list[np.ndarray]) -> Any:
    """Run the check's own compiled program ``prog`` (``ref`` or ``joint``) on trial ``t``'s inputs with the
    rows of ``dirs`` as its cotangents or tangents, as many rows per call as there are trials: the
    shapes it was compiled for, so nothing is compiled again."""
    T = leaves[0].shape[0]  # pragma: no mutate - equivalent: every leaf's leading axis is the trials
    rows = dirs[0].shape[0]
    lv = [np.repeat(np.asarray(a[t:t + 1]), T, axis=0) for a in leaves]
    parts = []
    for start in range(0, rows, T):
        idx = np.arange(start, start + T).clip(max=rows - 1)
        parts.append(jax.tree_util.tree_map(np.asarray, prog(lv, {key: [d[idx] for d in dirs]})))
    return jax.tree_util.tree_map(lambda *xs: np.concatenate(xs)[:rows], *parts)


def _numpy_rows(P: Problem, lv: list[np.ndarray], key: str, dirs: list[np.ndarray]) -> list[np.ndarray]:
    """A NumPy-only candidate called once per row of ``dirs`` (fresh copies of the inputs each time)."""
    # equivalent mutant (no mutate): any row gives the vector's structure and dtypes
    base = candidate_args(P, lv, {key: [d[0] for d in dirs]}, np)  # pragma: no mutate
    vec_def = jax.tree_util.tree_structure(base[-1])
    dtypes = [np.asarray(a).dtype for a in jax.tree_util.tree_leaves(base[-1])]
    per_row = []
    for r in range(dirs[0].shape[0]):
        vec = jax.tree_util.tree_unflatten(vec_def, [d[r].astype(dt) for d, dt in zip(dirs, dtypes, strict=True)])
        out = P.cand(*as_args(P, [np.array(a) for a in lv]), vec)
        per_row.append([np.asarray(a, np.float64) for a in jax.tree_util.tree_leaves(to_numpy_tree(out))])
    # equivalent mutant (no mutate): every row has one array per output leaf, so strict never fires
    return [np.stack(parts) for parts in zip(*per_row, strict=True)]  # pragma: no mutate


def _products(P: Problem, leaves: list[np.ndarray], t: int, traceable: bool) -> _Products:
    """Call the candidate and JAX at trial ``t`` with the basis vectors (or, for a Jacobian over
    ``max_dense`` entries, ``probes`` random vectors per leaf)."""
    last = _LAST.get(_key(leaves, t))
    if last is not None and last.P is P:
        return last
    vjp = P.kind == "vjp"  # pragma: no mutate - equivalent: "vjp" sorts after every other kind, so >= is ==
    key = "ct" if vjp else "t"
    lv = [np.asarray(a[t]) for a in leaves]
    with x64(True):
        out_struct = jax.eval_shape(P.f, *as_args(P, upcast(P, [jnp.asarray(a) for a in lv])))
        out_shapes = [tuple(o.shape) for o in jax.tree_util.tree_leaves(out_struct)]
        in_shapes = [tuple(lv[i].shape) for i in P.diff_leaves]
        jblocks = make_blocks(replace(P, kind="jacobian", dense=True), out_struct, [a.shape for a in lv])
        shapes = out_shapes if vjp else in_shapes
        sizes = [math.prod(s) for s in shapes]
        total = sum(sizes)
        calls = total + 1
        m_out, n_in = sum(math.prod(s) for s in out_shapes), sum(math.prod(s) for s in in_shapes)
        probed_because = (f"{m_out} × {n_in} entries, over max_dense={P.opts['max_dense']}"
                          if m_out * n_in > P.opts["max_dense"]
                          else "" if traceable or calls <= MAX_BASIS_CALLS
                          else f"{calls} calls of a candidate that runs only in NumPy, over {MAX_BASIS_CALLS}")
        dense = not probed_because
        if dense:
            eye = np.eye(calls, total)
            offs = np.cumsum([0, *sizes])
            dirs = [eye[:, a:b].reshape(calls, *s) for a, b, s in zip(offs[:-1], offs[1:], shapes, strict=True)]
        else:  # probes random vectors per leaf, the other leaves zero
            k = P.opts["probes"]
            # equivalent mutants (no mutate): any constant third word gives seeded, reproducible probes
            rng = np.random.default_rng([int(P.opts["seed"]), int(t), 0xB1A3])  # pragma: no mutate
            dirs = [np.zeros((k * len(shapes), *s)) for s in shapes]
            for g, s in enumerate(shapes):
                dirs[g][g * k:(g + 1) * k] = rng.standard_normal((k, *s))
        progs = programs(P)
        cand = ref = None
        if traceable:
            try:
                ref, cand, _ = _run_rows(progs["joint"], leaves, t, key, dirs)
                ref = ref[0]
                cand = [np.asarray(a, np.float64) for a in jax.tree_util.tree_leaves(normalize_tree(cand))]
            # equivalent mutant (no mutate): the joint program already ran these shapes at every trial; the
            # NumPy fallback guards against a failure the trials would have shown first
            except Exception:  # pragma: no mutate
                cand = None
        if cand is None:  # a NumPy-only candidate: JAX's rows batched, the candidate's one by one
            ref = _run_rows(progs["ref"], leaves, t, key, dirs)[0][0]
            cand = _numpy_rows(P, lv, key, dirs)
    ref_l = [np.asarray(a, np.float64) for a in jax.tree_util.tree_leaves(normalize_tree(ref))]
    res = _Products(P, t, dirs, cand, ref_l, jblocks, [n for n, _ in out_names(out_struct)], out_shapes, in_shapes,
                    dense, probed_because)
    _LAST.clear()
    _LAST[_key(leaves, t)] = res
    return res


def _pair(pr: _Products, jb: Block) -> tuple[np.ndarray, np.ndarray]:
    """Candidate and JAX for Jacobian block ``jb``: the dense block (``out.shape + in.shape``) from the
    basis products, or the probes' products ``(probes, result size)`` of its leaf pair."""
    P = pr.P
    o, i = jb.out_leaf, P.diff_leaves.index(jb.in_leaf)
    vjp = P.kind == "vjp"  # pragma: no mutate - equivalent: "vjp" sorts after every other kind, so >= is ==
    g, res = (o, i) if vjp else (i, o)  # the direction leaf, the result leaf
    sizes = [math.prod(s) for s in (pr.out_shapes if vjp else pr.in_shapes)]
    start = sum(sizes[:g])
    rows = slice(start, start + sizes[g]) if pr.dense else slice(g * P.opts["probes"], (g + 1) * P.opts["probes"])
    c, r = pr.cand[res][rows], pr.ref[res][rows]
    n_rows = c.shape[0]
    c, r = as_rows(c, n_rows), as_rows(r, n_rows)
    if not pr.dense:
        return c, r
    shape = tuple(jb.out_shape) + tuple(jb.in_shape)
    return (c.reshape(shape), r.reshape(shape)) if vjp else (c.T.reshape(shape), r.T.reshape(shape))


def _pattern_rtol(P: Problem) -> float:
    """How exactly a pattern must hold: ``max(1e-6, 100 ε, 10 rtol)``, with ε and rtol those of the check's
    tolerance row (the least precise of the candidate's inputs and the reference)."""
    # equivalent mutants (no mutate): a pattern tolerance, 10 vs 11 times rtol, names the same patterns but
    # within 10% of the boundary; 100·ε exceeds 10·rtol only for bfloat16 (0.78 against 0.5), where a
    # "pattern" holding to within 50-78% is noise either way
    return max(1e-6, 100 * float(jnp.finfo(P.tol_key).eps), 10 * P.tol.rtol)  # pragma: no mutate


def _linearity(pr: _Products, P: Problem, b: Block, claimed_t: np.ndarray, leaves: list[np.ndarray],
               extra: dict[str, Any]) -> str | None:  # pragma: no mutate - annotations (PEP 563)
    """A VJP must be linear in ``ct`` (a JVP in ``t``): zero for a zero vector, and the rebuilt Jacobian
    applied to the trial's vector gives back the candidate's own product."""
    vjp = P.kind == "vjp"  # pragma: no mutate - equivalent: "vjp" sorts after every other kind, so >= is ==
    vec, what = ("cotangent", "ct") if vjp else ("tangent", "t")
    res = P.diff_leaves.index(b.in_leaf) if vjp else b.out_leaf
    scale = max(float(np.max(np.abs(r), initial=0.0)) for r in pr.ref)
    # the product with the zero vector (the last row), shaped like the failing block b: never empty (a block
    # without entries passes), so its max needs no initial value
    at_zero = float(np.max(np.abs(pr.cand[res][-1])))
    # equivalent mutants (no mutate): the multiple of atol only moves the bounds by atol; a VJP that is not
    # linear in its vector misses them by the size of its nonlinear term, a linear one by rounding
    floor = 10 * P.tol.atol  # pragma: no mutate
    if at_zero > floor + P.tol.rtol * scale:
        return (f"not linear in the {vec}: with {what} = 0 the candidate returns a non-zero {b.name} (max |·| "
                f"{at_zero:.3g}): a term not multiplied by the {vec}?")
    cargs = candidate_args(P, [np.asarray(a[pr.t]) for a in leaves],
                           {k: [np.asarray(a[pr.t]) for a in v] for k, v in extra.items()}, np)
    vecs = [np.asarray(a, np.float64).ravel() for a in jax.tree_util.tree_leaves(cargs[-1])]
    n_dir = sum(v.size for v in vecs)
    rows = as_rows(pr.cand[res][:n_dir], n_dir)
    u = np.concatenate(vecs)
    back, bound = u @ rows, float(np.max(np.abs(u) @ np.abs(rows), initial=0.0))
    gap = np.abs(back - np.asarray(claimed_t, np.float64).ravel())
    if np.any(gap > floor + _pattern_rtol(P) * bound):
        return (f"not linear in the {vec}: its products with the basis {vec}s, combined with the trial's {what}, "
                f"do not add up to its product with {what} (max gap {float(np.max(gap)):.3g}): is {what} "
                "squared, or inside a nonlinearity?")
    return None


def _zero_block(pr: _Products, jb: Block, blocks: list[Block]) -> tuple[str, bool]:
    """A Jacobian block that is zero where JAX's is not: a path dropped, or a vector ignored altogether
    (then the text is the same for every block, ``False``: it needs no block name)."""
    P = pr.P
    vjp = P.kind == "vjp"  # pragma: no mutate - equivalent: "vjp" sorts after every other kind, so >= is ==
    # equivalent mutants (no mutate): leaf indices are small ints, which CPython interns, so == and is agree
    same = [x for x in blocks if (x.out_leaf == jb.out_leaf if vjp else x.in_leaf == jb.in_leaf)]  # pragma: no mutate
    # equivalent mutants (no mutate): the initial of a max of absolute values only matters for an empty
    # block, whose max is then ≤ atol for any initial ≤ atol (0 or −1)
    all_zero = all(float(np.max(np.abs(_pair(pr, x)[0]), initial=0.0)) <= P.tol.atol  # pragma: no mutate
                   for x in same)
    out_name = pr.out_names[int(jb.out_leaf)]
    in_name = P.leaves[jb.in_leaf].path
    if all_zero and vjp:
        return (f"zero where JAX is not: the candidate ignores the cotangent of {out_name} (every derivative "
                f"of {out_name} it implies is zero): a path dropped, like an LSTM cell's dc_next?", False)
    if all_zero:
        return (f"zero where JAX is not: the candidate ignores the tangent of {in_name} (every derivative "
                f"with respect to {in_name} it implies is zero): a path dropped?", False)
    return f"zero where JAX is not: the path from {in_name} to {out_name} is missing (a dropped term?)", True


def _probe_pattern(c: np.ndarray, r: np.ndarray, P: Problem, dims_: tuple[int, ...], prt: float) -> str:
    """What ``probes`` products of one block say: zero, a constant factor, errors of low rank."""
    tol = P.tol.bound_for(r)
    if float(np.max(np.abs(c), initial=0.0)) <= tol:
        return "zero where JAX is not (a path dropped?)"
    k = dx.constant_factor(c, r, prt)
    if k is not None:
        return dx.describe_factor(k, dims_)
    e = r - c
    n = min(e.shape)
    s = np.linalg.svd(e, compute_uv=False)
    rank = int(np.sum(s > max(prt * s[0], tol * math.sqrt(sum(e.shape)))))
    if rank == 1:
        return (f"the errors of all {e.shape[0]} products are multiples of one vector: JAX − candidate is "
                "consistent with a rank-one outer product u vᵀ (a dropped outer-product term?)")
    if rank < n:
        return (f"the errors of {e.shape[0]} products span only {rank} dimensions: JAX − candidate has rank "
                f"{rank} or so (a dropped or extra low-rank term?)")
    return f"no simple pattern in {e.shape[0]} products (not zero, a constant factor or a low-rank difference)"


# equivalent mutants (no mutate): the annotations are strings under `from __future__ import annotations`,
# never evaluated
def product_rediagnose(P: Problem, bi: int, b: Block, t: int, claimed_t: np.ndarray, leaves: list[np.ndarray],
                       extra: dict[str, Any], traceable: bool,
                       dims_: tuple[int, ...]) -> str | None:  # pragma: no mutate
    """A VJP or JVP block failed at trial ``t``: diagnose the Jacobian the candidate's products imply.

    The candidate is called with every basis vector (or probed, past ``max_dense`` entries), its
    Jacobian blocks are compared with JAX's and diagnosed like :func:`chainrule.check_jacobian`'s; the
    text names the wrong block(s) and the trial. ``None`` when that says nothing clearer than the
    product itself (one output and input, no pattern found).
    """
    pr = _products(P, leaves, t, traceable)
    vjp = P.kind == "vjp"  # pragma: no mutate - equivalent: "vjp" sorts after every other kind, so >= is ==
    if pr.dense:
        lin = _linearity(pr, P, b, claimed_t, leaves, extra)
        if lin is not None:
            return lin
    # equivalent mutants (no mutate): leaf indices are small ints, which CPython interns, so == and is agree
    mine = [jb for jb in pr.jblocks
            if (jb.in_leaf == b.in_leaf if vjp else jb.out_leaf == b.out_leaf)]  # pragma: no mutate
    prt = _pattern_rtol(P)
    found: list[tuple[Block, str, bool]] = []
    for jb in mine:
        c, r = _pair(pr, jb)
        if bool(errors(c[None], r[None], P.tol)[2][0]):
            continue
        if pr.dense:
            d = dx.diagnose_values(c, r, out_shape=jb.out_shape, in_shape=jb.in_shape, dims=dims_,
                                   rtol=P.tol.rtol, atol=P.tol.atol, pattern_rtol=prt)
            named = True
            if d.startswith("zero where JAX"):
                d, named = _zero_block(pr, jb, pr.jblocks)
        else:
            d, named = _probe_pattern(c, r, P, dims_, prt), True
        found.append((jb, d, named))
    match mine, found:
        case _, []:  # every product agrees
            return None
        case [_], [(_, only, _)] if only.startswith("no simple pattern"):  # the one block, nothing to say of it
            return None
    products = "VJPs" if vjp else "JVPs"
    vec = "cotangent" if vjp else "tangent"
    if pr.dense:
        n_basis = pr.dirs[0].shape[0] - 1
        how = f"rebuilt from the candidate's {products} of the {n_basis} basis {vec}s at trial {t + 1}"
    else:
        how = (f"the Jacobian is too large to rebuild ({pr.probed_because}): from {P.opts['probes']} random "
               f"{vec}s per leaf at trial {t + 1}")
    if not any(named for _, _, named in found):  # a vector ignored: one text for every block, no name
        return f"{'; '.join(dict.fromkeys(d for _, d, _ in found))} — in the Jacobian {how}"
    match found:
        case [(jb, d, _)]:
            return f"{d} — in {jb.name}, {how}"
    return "; ".join(f"{jb.name}: {d}" for jb, d, _ in found) + f" — the Jacobian blocks {how}"
