"""The traced programs: JAX's references (jacfwd/jacrev/grad/vjp/jvp and probes) and the candidate,
under one ``jax.jit(jax.vmap(...))`` over all trials, cached per problem; and the trial-by-trial calls of
a NumPy-only candidate.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import replace
from typing import Any

import jax
import jax.numpy as jnp
import numpy as np

from ..._structured import is_structured, todense
from .memo import Memo
from .problem import DEFAULTS, Problem, is_float, least_precise

__all__ = [
    "CHUNK_BYTES", "FAST_COMPILE", "NUMPY_ONLY", "PROGRAMS", "STRUCTS", "as_args", "cached", "candidate_args",
    "candidate_output", "densify", "diff_tree", "first_line", "normalize_tree", "numpy_args", "numpy_call",
    "padded_size", "programs", "reference_outputs", "remember_structs", "remembered_structs", "run_batched",
    "to_numpy_tree", "trial_inputs", "upcast", "wrt_function"
]


#: the default memory budget of a check in bytes (the ``memory`` option): trials run in chunks whose
#: arrays (JAX's derivatives and the candidate's, float64) fit it
CHUNK_BYTES: int = DEFAULTS["memory"]


def upcast(P: Problem, leaves: Sequence[Any]) -> list[Any]:
    """The reference's inputs: float leaves cast to the reference dtype."""
    if P.ref_dtype is None:
        return list(leaves)
    return [jnp.asarray(x).astype(P.ref_dtype) if lf.drawn or is_float(lf.dtype) else jnp.asarray(x)
            for x, lf in zip(leaves, P.leaves, strict=True)]


def as_args(P: Problem, leaves: Sequence[Any]) -> tuple[Any, ...]:
    return jax.tree_util.tree_unflatten(P.treedef, list(leaves))


def wrt_function(P: Problem, args: tuple[Any, ...]) -> tuple[Callable[..., Any], tuple[Any, ...]]:
    """``g(*primals) = f(*args with args[argnums] = primals)`` and the primals."""
    def g(*ps: Any) -> Any:
        a = list(args)
        for k, p in zip(P.argnums, ps, strict=True):
            a[k] = p
        return P.f(*a)

    return g, tuple(args[k] for k in P.argnums)


def diff_tree(P: Problem, leaves_of_diff: Sequence[Any], primals: tuple[Any, ...]) -> tuple[Any, ...]:
    """Arrange a flat list of diff-leaf-shaped arrays as the tuple of primals' structures."""
    structs = [jax.tree_util.tree_structure(p) for p in primals]
    out, i = [], 0
    for s in structs:
        n = s.num_leaves
        out.append(jax.tree_util.tree_unflatten(s, list(leaves_of_diff[i:i + n])))
        i += n
    return tuple(out)


def reference_outputs(P: Problem, leaves: Sequence[Any], extra: Mapping[str, Any]) -> tuple[Any, ...]:
    """JAX's witnesses for one trial (each a pytree)."""
    args = as_args(P, upcast(P, leaves))
    up = (lambda a: a.astype(P.ref_dtype)) if P.ref_dtype is not None else (lambda a: a)
    an = P.argnums_given
    match P.kind:  # a match, not ==: `is` and `==` agree on the kinds' interned literals (equivalent mutants)
        case "gradient":
            return (jax.grad(P.f, argnums=an)(*args),)
        case "hessian" if P.dense:
            return (jax.jacfwd(jax.jacrev(P.f, argnums=an), argnums=an)(*args),
                    jax.jacrev(jax.jacfwd(P.f, argnums=an), argnums=an)(*args))
        case "jacobian" if P.dense:
            return (jax.jacfwd(P.f, argnums=an)(*args), jax.jacrev(P.f, argnums=an)(*args))
    g, ps = wrt_function(P, args)
    match P.kind:  # the rest: a VJP, a JVP, and the probe modes of a Hessian and a Jacobian
        case "vjp":
            out_def = jax.tree_util.tree_structure(jax.eval_shape(g, *ps))
            ct = jax.tree_util.tree_unflatten(out_def, [up(c) for c in extra["ct"]])
            res = jax.vjp(g, *ps)[1](ct)
            return (res[0] if not isinstance(an, tuple) else res,)
        case "jvp":
            t = diff_tree(P, [up(c) for c in extra["t"]], ps)
            return (jax.jvp(g, ps, t)[1],)
        case "hessian":
            V = diff_tree(P, [up(v) for v in extra["V"]], ps)
            gg = jax.grad(g, argnums=tuple(range(len(ps))))
            hv = jax.vmap(lambda v: jax.jvp(gg, ps, v)[1])(V)
            return (hv,)
    V = diff_tree(P, [up(v) for v in extra["V"]], ps)
    jv = jax.vmap(lambda v: jax.jvp(g, ps, v)[1])(V)
    out_def = jax.tree_util.tree_structure(jax.eval_shape(g, *ps))
    U = jax.tree_util.tree_unflatten(out_def, [up(u) for u in extra["U"]])
    pull = jax.vjp(g, *ps)[1]
    uj = jax.vmap(pull)(U)
    return (jv, uj)


def densify(out: Any) -> Any:
    return jax.tree_util.tree_map(lambda a: jnp.asarray(todense(a)), out, is_leaf=is_structured)


def candidate_args(P: Problem, leaves: Sequence[Any], extra: Mapping[str, Any], xp: Any) -> tuple[Any, ...]:
    """The candidate's arguments: the trial's leaves, plus ``ct`` or ``t`` in the candidate's dtype."""
    args = as_args(P, leaves)
    diff = [P.leaves[i] for i in P.diff_leaves]
    match P.kind:  # a match, not ==: `is` and `==` agree on the kinds' interned literals
        case "vjp":
            low = least_precise(lf.dtype for lf in diff)
            out_def = P.out_def if P.out_def is not None else jax.tree_util.tree_structure(
                jax.eval_shape(P.f, *as_args(P, [jnp.asarray(x) for x in leaves])))
            ct = jax.tree_util.tree_unflatten(out_def, [xp.asarray(c).astype(low) for c in extra["ct"]])
            return (*args, ct)
        case "jvp":
            ps = tuple(args[k] for k in P.argnums)
            t = diff_tree(P, [xp.asarray(c).astype(lf.dtype) for c, lf in zip(extra["t"], diff, strict=True)], ps)
            return (*args, t if isinstance(P.argnums_given, tuple) else t[0])
        case _:
            return args


def candidate_output(P: Problem, leaves: Sequence[Any], extra: Mapping[str, Any]) -> Any:
    return densify(P.cand(*candidate_args(P, leaves, extra, jnp)))


PROGRAMS = Memo(64)


#: XLA options for small programs compiled once: optimize for compile time, not run time.
# equivalent mutants (no mutate): an optimization level changes compile and run time, never a value
FAST_COMPILE = {"xla_backend_optimization_level": 0}  # pragma: no mutate


def programs(P: Problem) -> dict[str, Callable[..., Any]]:
    """``jit(vmap(...))`` programs: ``joint`` (reference and candidate), ``ref`` (reference only)."""
    key = (P.kind, P.f, P.cand, P.argnums_given, P.treedef, tuple(lf.dtype for lf in P.leaves),
           tuple(lf.drawn for lf in P.leaves), P.ref_dtype, P.dense, P.opts["probes"])
    hit = PROGRAMS.lookup(key)
    if hit is not None:
        return hit
    Q = replace(P)

    def reference(leaves: Any, extra: Any) -> Any:
        """JAX's witnesses, and whether f's own value is finite (JAX's derivative can be finite outside
        f's domain: d log x = 1/x at x < 0)."""
        # equivalent mutant (== → is): kind is always one of the checker's own interned string literals
        if Q.kind == "gradient":  # the value comes with the gradient  # pragma: no mutate
            value, grad = jax.value_and_grad(Q.f, argnums=Q.argnums_given)(*as_args(Q, upcast(Q, leaves)))
            return (grad,), jnp.all(jnp.isfinite(value))
        out = jax.tree_util.tree_leaves(Q.f(*as_args(Q, upcast(Q, leaves))))
        return reference_outputs(Q, leaves, extra), jnp.all(jnp.stack([jnp.all(jnp.isfinite(o)) for o in out]))

    def joint(leaves: Any, extra: Any) -> Any:
        refs, fin = reference(leaves, extra)
        return refs, candidate_output(Q, leaves, extra), fin

    def ref(leaves: Any, extra: Any) -> Any:
        return reference(leaves, extra)

    # Dense checks are small programs that run once or twice: XLA's backend optimizations cost more
    # compile time than they save (about half of it); probe-mode programs are large and keep them.
    options = FAST_COMPILE if Q.dense else None
    progs = {"joint_vmapped": jax.vmap(joint), "joint": jax.jit(jax.vmap(joint), compiler_options=options),
             "ref": jax.jit(jax.vmap(ref), compiler_options=options)}
    PROGRAMS.keep(key, progs)
    return progs


#: ``(f's output, the candidate's output)`` as :func:`jax.eval_shape` gives them, per check signature (the
#: functions themselves, the arguments' structure, shapes and dtypes): the same check at another seed or trial
#: count traces neither again. Keyed, like :data:`PROGRAMS`, by the function objects, which it keeps alive.
STRUCTS = Memo(256)


def _structs_key(P: Problem, shapes: Sequence[tuple[int, ...]]) -> tuple[Any, ...]:
    return (P.kind, P.f, P.cand, P.argnums_given, P.treedef, tuple(map(tuple, shapes)),
            tuple(lf.dtype for lf in P.leaves), P.ref_dtype)


#: What :data:`STRUCTS` keeps for the candidate's output when it is NumPy-only (it did not trace): it then
#: runs trial by trial, and its structure is read from its first trial's output.
NUMPY_ONLY = "NumPy-only"


def remembered_structs(P: Problem, shapes: Sequence[tuple[int, ...]]
                       ) -> tuple[Any, Any] | None:  # pragma: no mutate - equivalent: annotations (PEP 563)
    """The output structures :func:`remember_structs` kept for this check's signature, if any."""
    return STRUCTS.lookup(_structs_key(P, shapes))


def remember_structs(P: Problem, shapes: Sequence[tuple[int, ...]], structs: tuple[Any, Any]) -> None:
    """Keep ``(f's output, the candidate's output)`` structures for this check's signature (the last 256);
    the candidate's is :data:`NUMPY_ONLY` when it did not trace."""
    STRUCTS.keep(_structs_key(P, shapes), structs)


def cached(P: Problem, name: Any, build: Callable[[], Callable[..., Any]]) -> Callable[..., Any]:
    """A further compiled program of ``P`` (kink analysis, …), cached beside its main programs."""
    progs = programs(P)
    if name not in progs:
        progs[name] = build()
    return progs[name]


def padded_size(n: int) -> int:
    """The batch size ``n ≥ 1`` items are padded to for one compiled call: the next power of two, at least 8,
    so a run compiles few sizes. It is never below ``n``: every item is examined, and the padding rows
    (repeats) are not read.

    >>> [padded_size(n) for n in (1, 8, 9, 100)]
    [8, 8, 16, 128]
    """
    return 1 << max(3, (n - 1).bit_length())


def run_batched(fn: Callable[..., Any], leaves: list[np.ndarray], extra: dict[str, Any],
                 trials: int, per_trial: int, memory: int = CHUNK_BYTES,
                 # equivalent mutants (no mutate): an annotation, never evaluated (__future__ annotations)
                 post: Callable[[Any, dict[str, Any]], Any] | None = None) -> Any:  # pragma: no mutate
    """Run ``fn`` over all trials, in equal chunks when a trial's arrays are large.

    ``per_trial`` is the number of float64 entries one trial's arrays hold; a chunk holds at most
    ``memory`` bytes of them. ``post(outputs, extra_of_the_chunk)`` shrinks each chunk's outputs before
    they are kept (probe mode contracts the candidate's dense Jacobian with the probes there), so
    the memory in use stays one chunk's, whatever the number of trials.
    """
    # equivalent mutants (no mutate): every caller passes per_trial >= 1 (the engine a trial's entries, at least
    # one per array; the symmetric probe 1), so the floor of 1 or 0 only matters for a division by zero never made
    per = max(1, per_trial)  # pragma: no mutate
    chunk = max(1, min(trials, memory // (8 * per)))
    # equivalent mutants (no mutate): chunk ≤ trials (the min above), and a chunked run gives the same values as
    # one call, so every comparison here changes only the memory used
    if chunk >= trials:  # pragma: no mutate
        out = jax.tree_util.tree_map(np.asarray, fn(leaves, extra))
        return out if post is None else post(out, extra)
    parts = []
    for start in range(0, trials, chunk):
        idx = np.arange(start, start + chunk).clip(max=trials - 1)
        sub = jax.tree_util.tree_map(lambda a, idx=idx: a[idx], (leaves, extra))
        out = jax.tree_util.tree_map(np.asarray, fn(*sub))
        parts.append(out if post is None else post(out, sub[1]))
    joined = jax.tree_util.tree_map(lambda *xs: np.concatenate(xs)[:trials], *parts)
    return joined


def first_line(exc: BaseException) -> str:
    r"""``Type: first line of the message``; for an error a host callback raised inside a compiled program
    (``jax.pure_callback``), whose message carries the Python traceback, the callback's own last line.

    >>> first_line(ValueError("shapes (3,) and (4,) not aligned\nmore"))
    'ValueError: shapes (3,) and (4,) not aligned'
    >>> first_line(RuntimeError("INTERNAL: CpuCallback error: Traceback (most recent call last):\n  File ..."
    ...                         "\nFloatingPointError: overflow"))
    'FloatingPointError: overflow (raised in a host callback; JAX reports RuntimeError)'
    """
    text = str(exc).strip()
    lines = text.splitlines()
    if "Traceback (most recent call last)" in text and len(lines) > 1 and ": " in lines[-1]:
        return f"{lines[-1].strip()} (raised in a host callback; JAX reports {type(exc).__name__})"
    return f"{type(exc).__name__}: {lines[0] if text else ''}".rstrip(": ")


def trial_inputs(P: Problem, leaves: list[np.ndarray], t: int) -> tuple[Any, ...]:
    return as_args(P, [np.array(a[t]) for a in leaves])


def numpy_args(P: Problem, leaves: list[np.ndarray], extra: dict[str, Any], t: int) -> tuple[Any, ...]:
    """The candidate's arguments for trial ``t`` as fresh NumPy arrays (it may write to them)."""
    lv = [np.array(a[t]) for a in leaves]
    ex = {k: [np.array(a[t]) for a in v] for k, v in extra.items()}
    return candidate_args(P, lv, ex, np)


def numpy_call(P: Problem, leaves: list[np.ndarray], extra: dict[str, Any], t: int) -> Any:
    cargs = numpy_args(P, leaves, extra, t)
    return cargs, P.cand(*cargs)


def to_numpy_tree(out: Any) -> Any:
    return jax.tree_util.tree_map(lambda a: np.asarray(todense(a)), normalize_tree(out), is_leaf=is_structured)


def normalize_tree(tree: Any) -> Any:
    """Lists become tuples, so a candidate returning ``[a, b]`` for ``(a, b)`` is not a mismatch."""
    if isinstance(tree, list):
        return tuple(normalize_tree(t) for t in tree)
    if isinstance(tree, tuple) and not hasattr(tree, "_fields"):
        return tuple(normalize_tree(t) for t in tree)
    if isinstance(tree, dict):
        return {k: normalize_tree(v) for k, v in tree.items()}
    return tree
