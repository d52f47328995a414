"""The problem a check solves: the arguments as leaves, what is differentiated, the options, the tolerance.

:func:`setup` validates everything a ``check_*`` call was given (every bad input gets a ``TypeError`` or
``ValueError`` saying what was expected, what was seen and what to do) and returns a :class:`Problem`;
:class:`Block` names one compared derivative block.
"""

from __future__ import annotations

import inspect
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

import jax
import jax.numpy as jnp
import numpy as np

from ..samplers import DOMAINS, Domain
from ..tolerances import TOLERANCES, Tolerance
from .custom_rules import custom_rules_in, inline_custom_rules

__all__ = [
    "DEFAULTS", "KINDS", "TRACE_ERRORS", "Block", "Leaf", "Problem", "arg_names", "call_label", "dtype_name",
    "is_float", "label_of", "least_precise", "normalize_argnums", "resolve_domain", "setup"
]


#: Every option a ``check_*`` helper takes, with its default.
DEFAULTS: dict[str, Any] = {
    "trials": 100,
    "seed": 0,
    "rtol": None,
    "atol": None,
    "domains": None,
    "mode": "auto",
    "precision": "float64",
    "kinks": "between",
    "kink_points": (0.0,),
    "witness": None,
    "arbitrate": True,
    "probes": 8,
    "max_dense": 1 << 16,
    "hygiene": True,
    "shrink": True,
    "name": None,
    "avoid": None,
    "avoid_margin": 0.05,
    "vary_shapes": False,
    "custom_rules": "inline",
    "candidate_precision": "float64",
    "memory": 1 << 30,
}


KINDS = ("gradient", "jacobian", "vjp", "jvp", "hessian")


TRACE_ERRORS: tuple[type[BaseException], ...] = (
    jax.errors.TracerArrayConversionError,
    jax.errors.ConcretizationTypeError,
    jax.errors.TracerBoolConversionError,
    jax.errors.TracerIntegerConversionError,
    jax.errors.UnexpectedTracerError,
)


@dataclass
class Leaf:
    """One array leaf of the arguments."""

    arg: int
    path: str
    shape: tuple[int, ...]
    dtype: np.dtype
    example: np.ndarray
    diff: bool
    drawn: bool
    domain: Domain | None = None


@dataclass
class Problem:
    kind: str
    f: Callable[..., Any]
    cand: Callable[..., Any]
    argnums: tuple[int, ...]
    argnums_given: int | tuple[int, ...]
    names: list[str]
    treedef: Any
    leaves: list[Leaf]
    opts: dict[str, Any]
    tol: Tolerance
    tol_key: str
    ref_dtype: np.dtype | None
    cand_label: str
    ref_label: str
    wrt: str
    dense: bool = True
    #: the candidate must return exactly the inputs' dtype (``chainrule verify``: a closed form that
    #: promotes float32 to float64 fails); ``check_*`` only rejects a *lower* precision
    exact_dtype: bool = False
    #: the custom rules (defined outside JAX) found in ``f``: inlined in the reference unless
    #: ``custom_rules="keep"``
    custom_rules: list[str] = field(default_factory=list)
    #: the public function the check was called as (``check_custom_vjp``), for the reproduce line
    entry: str = ""
    #: how the candidate's precision was chosen (low-precision examples), for the report
    precision_note: str = ""
    low_precision: bool = False
    #: ``f`` as the user gave it (``f`` itself may be its custom-rules-inlined twin)
    given_f: Any = None
    #: the tree structure of ``f``'s output, once the engine has traced it: a VJP's cotangents take it, and
    #: a NumPy candidate's arguments are built per trial without tracing ``f`` again
    out_def: Any = None

    @property
    def diff_leaves(self) -> list[int]:
        return [i for i, lf in enumerate(self.leaves) if lf.diff]


@dataclass
class Block:
    """One derivative block: which leaf of the output and of the input, and the compared shape."""

    name: str
    out_shape: tuple[int, ...]
    in_shape: tuple[int, ...]
    in_leaf: int | None = None  # global leaf index of the input leaf (None: a JVP product)
    out_leaf: int | None = None  # index among the output's leaves (None: gradient / VJP)
    product: bool = False  # probe-mode product block (leading probe axis)

    @property
    def shape(self) -> tuple[int, ...]:
        return tuple(self.out_shape) + tuple(self.in_shape)


def label_of(fn: Any) -> str:
    name = getattr(fn, "__qualname__", None) or getattr(fn, "__name__", None) or type(fn).__name__
    if "<locals>" in str(name):  # a nested function or lambda: its own name reads better
        name = getattr(fn, "__name__", name)
    return str(name)


def call_label(fn: Any) -> str:
    """``module.qualname`` when it is importable, else the qualname (for the reproduction line)."""
    mod = getattr(fn, "__module__", None)
    name = label_of(fn)
    if mod and mod not in ("__main__", "builtins") and "<" not in name:
        return f"{mod}.{name}"
    return name


def arg_names(f: Callable[..., Any], n: int) -> list[str]:
    try:
        params = [p for p in inspect.signature(f).parameters.values()
                  if p.kind in (p.POSITIONAL_ONLY, p.POSITIONAL_OR_KEYWORD)]
    except (TypeError, ValueError):
        params = []
    names = [p.name for p in params[:n]]
    return names + [f"arg{i}" for i in range(len(names), n)]


def is_float(dtype: Any) -> bool:
    return bool(jnp.issubdtype(dtype, jnp.floating))


def dtype_name(dtype: Any) -> str:
    return np.dtype(dtype).name


def least_precise(dtypes: Iterable[Any]) -> np.dtype:
    """The least precise of ``dtypes``, the one of the largest machine epsilon: what a check's tolerance, a
    cotangent's dtype and the candidate's lowest acceptable output precision are judged by.

    >>> import ml_dtypes
    >>> least_precise([np.float64, np.float32, np.float64]), least_precise([np.float16, ml_dtypes.bfloat16])
    (dtype('float32'), dtype(bfloat16))
    """
    return max((np.dtype(d) for d in dtypes), key=lambda d: float(jnp.finfo(d).eps))


def resolve_domain(spec: Any, where: str) -> Domain | None:
    """``None`` means "fixed": keep the example's value."""
    if isinstance(spec, str):
        if spec == "fixed":
            return None
        if spec not in DOMAINS:
            raise ValueError(f"domains[{where!r}]: unknown domain {spec!r}; expected one of "
                             f"{sorted(DOMAINS)}, 'fixed', a samplers.Domain or a callable (rng, shape)")
        return DOMAINS[spec]
    if isinstance(spec, Domain):
        return spec
    if callable(spec):
        return Domain(label_of(spec), spec, "user sampler")
    raise TypeError(f"domains[{where!r}]: expected a domain name, a samplers.Domain or a callable "
                    f"(rng, shape) -> array, got {type(spec).__name__}")


def normalize_argnums(argnums: Any, n: int) -> tuple[int, ...]:
    items = argnums if isinstance(argnums, tuple) else (argnums,)
    if not items or any(isinstance(a, bool) or not isinstance(a, int | np.integer) for a in items):
        raise TypeError(f"argnums: expected an int or a non-empty tuple of ints, got {argnums!r}")
    out = []
    for a in items:
        a = int(a)
        if not -n <= a < n:
            raise ValueError(f"argnums: {a} is out of range for {n} argument(s); pass an index below {n}")
        out.append(a % n)
    if len(set(out)) != len(out):
        raise ValueError(f"argnums: repeated argument in {argnums!r}")
    return tuple(out)


def setup(kind: str, f: Any, cand: Any, args: tuple[Any, ...], argnums: Any,
           options: dict[str, Any], *, find_custom_rules: bool = True) -> Problem:
    """The check's :class:`Problem`. ``find_custom_rules=False`` skips tracing f for custom rules defined
    outside JAX (the catalog's primals are analytic array-API code, which has none)."""
    unknown = sorted(set(options) - set(DEFAULTS))
    if unknown:
        raise TypeError(f"check_{kind}: unknown option(s) {', '.join(unknown)}; the options are "
                        f"{', '.join(DEFAULTS)}")
    opts = {**DEFAULTS, **options}
    if not callable(f) or not callable(cand):
        bad = "f" if not callable(f) else "the candidate"
        raise TypeError(f"check_{kind}: {bad} must be callable, got {type(f if bad == 'f' else cand).__name__}")
    if not args:
        raise ValueError(f"check_{kind}: pass example arguments after the two functions, e.g. "
                         f"check_{kind}(f, candidate, np.zeros(3))")
    trials = opts["trials"]
    if isinstance(trials, bool) or not isinstance(trials, int | np.integer) or trials < 1:
        raise ValueError(f"trials: expected an int ≥ 1, got {trials!r} (zero trials would be a silent pass)")
    if not isinstance(opts["seed"], int | np.integer) or isinstance(opts["seed"], bool):
        raise TypeError(f"seed: expected an int, got {opts['seed']!r}")
    if opts["seed"] < 0:
        raise ValueError(f"seed: expected an int ≥ 0, got {opts['seed']!r}")
    memory = opts["memory"]
    if isinstance(memory, bool) or not isinstance(memory, int | np.integer) or memory < 1 << 20:
        raise ValueError(f"memory: expected a budget in bytes of at least 1 MiB (1 << 20), got {memory!r}")
    if opts["avoid"] is not None and not callable(opts["avoid"]):
        raise TypeError(f"avoid: expected a callable (*args) -> distances to the nearest kink, or None, got "
                        f"{type(opts['avoid']).__name__}")
    margin = opts["avoid_margin"]
    if isinstance(margin, bool) or not isinstance(margin, int | float) or not margin >= 0:
        raise ValueError(f"avoid_margin: expected a number ≥ 0, got {margin!r}")
    for key, allowed in (("mode", ("auto", "dense", "probe")), ("kinks", ("between", "jax")),
                         ("precision", ("float64", "float32", "as-is")),
                         ("witness", (None, "fd", "complex-step")), ("custom_rules", ("inline", "keep")),
                         ("candidate_precision", ("float64", "as-given")), ("vary_shapes", (False, True)),
                         ("arbitrate", (True, False))):
        if opts[key] not in allowed:
            raise ValueError(f"{key}: expected one of {allowed}, got {opts[key]!r}")
    if opts["witness"] is not None and kind not in ("gradient", "jacobian"):
        raise ValueError(f"witness={opts['witness']!r} is available for check_gradient and check_jacobian, "
                         f"not check_{kind}")
    if not isinstance(opts["probes"], int) or opts["probes"] < 1:
        raise ValueError(f"probes: expected an int ≥ 1, got {opts['probes']!r}")
    for key in ("rtol", "atol"):
        v = opts[key]
        if v is not None and (isinstance(v, bool) or not isinstance(v, int | float) or not v >= 0):
            raise ValueError(f"{key}: expected a number ≥ 0 or None (the dtype's default), got {v!r}")
    points = tuple(float(p) for p in opts["kink_points"])
    opts["kink_points"] = points

    n = len(args)
    nums = normalize_argnums(argnums, n)
    names = arg_names(f, n)
    flat, treedef = jax.tree_util.tree_flatten_with_path(tuple(args))
    leaves = []
    for path, value in flat:
        k = int(path[0].idx)
        lpath = names[k] + jax.tree_util.keystr(tuple(path[1:]))
        if isinstance(value, bool) or value is None or isinstance(value, str):
            raise TypeError(f"{lpath}: expected an array or a number, got {type(value).__name__} {value!r}; "
                            "bind non-array arguments with functools.partial")
        try:
            arr = np.asarray(value)
        except Exception as exc:
            raise TypeError(f"{lpath}: expected an array, got {type(value).__name__}") from exc
        if isinstance(value, float) and not isinstance(value, np.floating):
            arr = arr.astype(np.float64)
        if arr.dtype == object or not (is_float(arr.dtype) or jnp.issubdtype(arr.dtype, jnp.integer)
                                       or arr.dtype == np.bool_):
            raise TypeError(f"{lpath}: expected a real floating array, got dtype {arr.dtype}; convert it, "
                            f"e.g. np.asarray({lpath}, dtype=float)")
        diff = k in nums
        if diff and not is_float(arr.dtype):
            raise TypeError(f"{lpath}: a differentiated argument must be real floating, got {arr.dtype}; "
                            f"convert it, e.g. np.asarray(..., dtype=float), or leave it out of argnums")
        leaves.append(Leaf(arg=k, path=lpath, shape=tuple(arr.shape), dtype=arr.dtype, example=arr,
                            diff=diff, drawn=is_float(arr.dtype), domain=DOMAINS["real"]))
    if not any(lf.diff for lf in leaves):
        raise ValueError(f"argnums={argnums!r}: the differentiated argument(s) hold no arrays")
    empty = [lf for lf in leaves if lf.diff and 0 in lf.shape]
    if empty:
        raise ValueError(f"{empty[0].path} has shape {empty[0].shape}, with no entries: there is nothing to "
                         "compare, and a check of it would pass without looking; pass an example with at "
                         "least one entry per axis")

    domains = opts["domains"] or {}
    if not isinstance(domains, Mapping):
        raise TypeError(f"domains: expected a dict {{argument name or index: domain}}, got {type(domains).__name__}")
    for key, spec in domains.items():
        if isinstance(key, int | np.integer) and not isinstance(key, bool):
            hit = [lf for lf in leaves if lf.arg == int(key) % n] if -n <= int(key) < n else []
        elif isinstance(key, str):
            hit = [lf for lf in leaves if names[lf.arg] == key and lf.arg == names.index(key)]
            hit = hit or [lf for lf in leaves if lf.path == key or lf.path.startswith(key + "[")]
        else:
            hit = []
        if not hit:
            raise ValueError(f"domains: {key!r} names no argument; expected one of {names}, an index "
                             f"below {n}, or a leaf path such as {leaves[0].path!r}")
        dom = resolve_domain(spec, str(key))
        for lf in hit:
            if not is_float(lf.dtype):
                continue
            lf.domain, lf.drawn = dom, dom is not None
    for lf in leaves:
        if lf.diff and not lf.drawn:
            raise ValueError(f"domains: {lf.path} is differentiated, so it cannot be 'fixed'")

    # precision and tolerance key: the least precise of the candidate's inputs and the reference
    cand_dtypes = {np.dtype(lf.dtype) for lf in leaves if lf.diff}
    ref_dtype = {"float64": np.dtype(np.float64), "float32": np.dtype(np.float32), "as-is": None}[opts["precision"]]
    pool = set(cand_dtypes) | ({ref_dtype} if ref_dtype is not None else set())
    key = dtype_name(least_precise(pool))
    if key not in TOLERANCES:
        raise ValueError(f"no tolerance for dtype {key}; chainrule.reference.tolerances.TOLERANCES has "
                         f"{sorted(TOLERANCES)}")
    base = TOLERANCES[key]
    tol = Tolerance(rtol=base.rtol if opts["rtol"] is None else float(opts["rtol"]),
                    atol=base.atol if opts["atol"] is None else float(opts["atol"]))

    fname = label_of(f)
    wrt_names = [names[k] for k in nums]
    wrt = wrt_names[0] if len(wrt_names) == 1 else "(" + ", ".join(wrt_names) + ")"
    an = nums[0] if not isinstance(argnums, tuple) else nums
    ref_label = {
        "gradient": f"jax.grad({fname})",
        "jacobian": f"jax.jacfwd/jacrev({fname})",
        "vjp": f"jax.vjp({fname})",
        "jvp": f"jax.jvp({fname})",
        "hessian": f"jax.hessian({fname})",
    }[kind]
    rules: list[str] = []
    try:  # traced in 64-bit mode, as every reference is (a float64 constant in f stays float64)
        if find_custom_rules:
            with jax.enable_x64(True):
                rules = custom_rules_in(f, jax.tree_util.tree_unflatten(treedef, [lf.example for lf in leaves]))
    except Exception:  # f does not trace at the example: the engine says so with the shapes
        rules = []
    ref_f = inline_custom_rules(f) if rules and opts["custom_rules"] == "inline" else f
    return Problem(kind=kind, f=ref_f, cand=cand, argnums=nums, argnums_given=an, names=names,
                    treedef=treedef, leaves=leaves, opts=opts, tol=tol, tol_key=key, ref_dtype=ref_dtype,
                    cand_label=opts["name"] or label_of(cand), ref_label=ref_label, wrt=wrt, custom_rules=rules,
                    given_f=f)
