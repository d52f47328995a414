r"""Check anyone's hand-derived gradient, Jacobian, VJP, JVP or Hessian against JAX, with a diagnosis.

>>> import numpy as np
>>> f = lambda W, x: ((W @ x) ** 2).sum()                  # f(W, x) = ‖W x‖²
>>> grad_W = lambda W, x: 2 * np.outer(W @ x, x)           # ∂f/∂W = 2 (W x) xᵀ   (right)
>>> check_gradient(f, grad_W, np.zeros((3, 4)), np.zeros(4)).ok
True
>>> wrong = lambda W, x: np.outer(W @ x, x)                # the factor 2 forgotten
>>> check_gradient(f, wrong, np.zeros((3, 4)), np.zeros(4)).diagnosis
'off by a constant factor 0.5'

The candidate is the user's function; the reference is what JAX computes from ``f``:

============  =============================================  =====================================
helper        candidate is called as, and returns            JAX reference
============  =============================================  =====================================
gradient      ``grad(*args)``: shaped like ``args[argnums]`` ``jax.grad(f, argnums)``
jacobian      ``jac(*args)``: ``out.shape + in.shape``       ``jax.jacfwd`` and ``jax.jacrev``
              (dense, or structured from ``analytic``)
vjp           ``vjp(*args, ct)``: ``ctᵀ·J``, like the input  ``jax.vjp`` (``ct`` drawn like the output)
jvp           ``jvp(*args, t)``: ``J·t``, like the output    ``jax.jvp`` (``t`` drawn like the input)
hessian       ``hess(*args)``: ``in.shape + in.shape``       ``jacfwd(jacrev)`` and ``jacrev(jacfwd)``
============  =============================================  =====================================

A tuple ``argnums`` gives a tuple of derivatives (JAX's structure: ``jacfwd`` nests the output's
structure outside the inputs'); arguments may be pytrees (dicts of parameters), reported leaf by leaf
(``params['layer2']['W']``).

**Trials.** ``args`` are examples: every trial draws new inputs of the same shapes and dtypes from
each argument's domain (``domains={"x": "positive"}``; names from :data:`chainrule.reference.samplers.DOMAINS`,
a :class:`~chainrule.reference.samplers.Domain`, a callable ``(rng, shape) -> array``, or ``"fixed"`` to keep
the example's value). Gaussian draws make matrices non-symmetric and the example's shapes are kept,
so pass distinct, non-square dimensions; where the example has a square argument (two equal axes)
and ``f`` accepts other shapes, a passing check is retried with each of those axes grown by one, so a
formula that holds only when dimensions coincide is caught. A failing check is retried at smaller shapes
(``shrink=True``) and reports the smallest failing one. Integer (non-float) leaves are held fixed.

**Candidates of every kind.** A JAX-traceable candidate runs with the reference under one
``jax.jit(jax.vmap(...))`` over all trials (one compilation; the compiled programs are cached, so a
second seed costs one run). A NumPy-only candidate (it calls ``np.*`` on its inputs) is detected when
tracing fails and runs in a loop, one trial at a time, with hygiene checks: it must not modify its
inputs, and two calls on the same inputs must agree (``hygiene=True``). Structured Jacobians
(``chainrule.analytic.structured``) are densified.

**Tolerances** come from one table, :data:`chainrule.reference.tolerances.TOLERANCES`, keyed by the candidate's
dtype (the least precise of the differentiated leaves and the reference precision), never scaled by
size: a block of a trial passes when ``max|candidate − JAX| ≤ atol + rtol·max|JAX|``.

=========  ======  ======
dtype      rtol    atol
=========  ======  ======
float64    1e-9    1e-12
float32    2e-4    1e-6
float16    1e-2    1e-3
bfloat16   5e-2    1e-2
=========  ======  ======

The reference runs in float64 (``precision="float64"``, a scoped ``jax.enable_x64``) on the
candidate's inputs upcast, so a float16 or bfloat16 candidate is judged against exact values at the
very points it saw.

**Two modes** for Jacobians and Hessians. ``mode="dense"`` builds JAX's Jacobian (``jacfwd`` and
``jacrev``, which must agree) and compares every entry; ``mode="probe"`` compares products with
``probes`` random sign vectors instead (``J·v`` against ``jax.jvp``, ``uᵀ·J`` against ``jax.vjp``;
``H·v`` against forward-over-reverse for a Hessian), Freivalds-style. ``mode="auto"`` is dense when
a trial's Jacobian has at most ``max_dense`` entries (65,536). Detection probability: let ``E =
J_claimed − J`` have an entry ``E_ij`` above the tolerance. For a random ±1 vector ``v``, the two
values of ``v_j`` give ``(E v)_i = a ± E_ij``, and one of them is at least ``|E_ij|`` in size, so a
JVP probe sees the error with probability at least 1/2, and so does a VJP probe (column ``j``).
With ``k`` probes of each kind a trial misses it with probability at most ``2^(−2k)``: ``1.5e−5``
for the default ``k = 8``, and a wrong entry present in every trial is missed by all 100 trials with
probability below ``10^(−480)``. (The bound is tight: ``E`` with entries ``+δ, −δ, −δ, +δ`` on a
2 × 2 block cancels with probability exactly 1/4 per JVP/VJP pair; ``tests/test_check.py`` measures
it.) On a failure the worst trial is rebuilt densely, when it fits, for the diagnosis.
Gradients, VJPs and JVPs are compared entry by entry in every mode (they are vectors already).

**Kinks.** One trial in ten is an *edge trial* (when the domain is ``real`` or ``unit``): about a
third of the entries are set exactly to a kink point (``kink_points=(0.0,)``), a sixth to within
1e−6…1e−2 of one, and arguments of equal shape tie on a third of their entries (``maximum(x, y)`` at
``x = y``). Where candidate and JAX differ at such a point, JAX computes the one-sided derivatives
(``jax.jvp`` at ``x ± h·e_j``, ``h = √ε·max(1, |x_j|)``): with ``kinks="between"`` (default) a claimed
value between the left and right slopes is accepted and the report names the convention it follows;
``kinks="jax"`` requires JAX's value. An edge trial where JAX's derivative is not finite, or where
its two witnesses disagree, is dropped.

**Ties.** Entry by entry, ``1`` lies between the slopes ``0`` and ``1`` of both ``∂max(x, y)/∂x`` and
``∂max(x, y)/∂y`` at ``x = y``, yet moving ``x`` and ``y`` together changes ``max(x, y)`` at rate 1, so
the two partials must add up to 1. Where two differentiated arguments of one shape tie
(``x_j = y_j``, tuple ``argnums``; pytree leaves too) and the candidate differs from JAX at ``j``, JAX
also computes the one-sided derivatives along the tie direction ``t = (e_j, e_j)`` (``jax.jvp`` of
``s ↦ f(x + s·e_j, y + s·e_j)`` at ``s = ±h``), and ``∂f/∂x_j + ∂f/∂y_j`` must lie between them, per
output entry (for a VJP, of ``ctᵀf``): JAX's ``(½, ½)``, ``(1, 0)`` and ``(0, 1)`` pass, ``(1, 1)`` is
*wrong at a tie*. Limits: ties are checked pairwise (a three-way tie as its pairs), only between equal
positions of two arguments of one shape (not ``x_i = x_j`` inside one argument, as in ``max(x)``), and
not at a tie on a kink point (``x_j = y_j = 0``), where each argument may sit on a kink of its own and
follow its own convention (``|x| − |y|``: ``(1, 1)`` is a valid generalized gradient there).

Conventions at the tie or kink (``relu`` at 0, ``abs`` at 0, ``clip`` at a bound, ``maximum`` at a
tie):

=========================  ==============================  ===============================
function at the point      JAX                             torch
=========================  ==============================  ===============================
relu(x) at x = 0           ``jax.nn.relu``: 0;             ``torch.relu``: 0
                           ``jnp.maximum(0, x)``: 0.5
maximum(x, y) at x = y     0.5 to each argument            0.5 to each argument
clip(x, lo, hi) at a bound 0.5 (``jnp.clip`` is a          1 (``clamp_backward`` passes
                           ``maximum``/``minimum`` pair)   the gradient on the bounds)
abs(x) at x = 0            1                               0 (``sgn(0) = 0``)
=========================  ==============================  ===============================

The project's own convention (DESIGN.md) is the paper's: ``d/dz max(0, z) = 0`` at ``z = 0``.

**Diagnosis.** A failing report names the kind of mistake (:mod:`chainrule.reference.checker.diagnosis`): wrong shape
(transposed / denominator layout, flattened, a batch sum missing, broadcasts but differs),
non-finite values, a derivative missing for an argument (zero where JAX is not), transposed, a
constant factor (sign flip, 2, 1/2, N, 1/N) or a factor that varies with the inputs, wrong at or
only near a kink, wrong at a tie, holds only for symmetric matrices, holds only when dimensions
coincide, one or a few wrong entries, a dropped term (a rank-one or diagonal difference), close but
not exact, a candidate that raises, mutates its inputs or is nondeterministic. It lists the worst entries with
their indices (only entries outside the tolerance), candidate and JAX labelled, the shapes, dtype,
seed and trial, and a one-line call that reproduces it; ``report.inputs`` holds that trial's
arguments. A wrong shape or structure fails every trial (no error is measured: ``n/a`` in the text,
``null`` in JSON); a candidate that raises, mutates its input or is nondeterministic stops the check
at that trial (``report.stopped``).

**More witnesses.** ``witness="fd"`` adds central finite differences (``h = ε^(1/3)·max(1, |x_j|)``,
in float64) and ``witness="complex-step"`` the complex step (``Im f(x + i·h·e_j)/h``, ``h = 1e−20``;
``f`` must accept complex inputs) as a third witness for gradients and Jacobians, for when JAX's own
convention is in question. They add notes; ``ok`` is always judged against JAX.

**Never a silent pass.** Zero trials and unusable arguments raise ``ValueError``/``TypeError``; a
candidate that raises, returns NaN where JAX is finite, or returns a shape that merely broadcasts to
JAX's is a failure with a message; a trial where JAX itself is not finite (outside the domain) fails
too, and says to declare a domain.
"""

from __future__ import annotations

import inspect
import itertools
import math
import time
from collections import OrderedDict
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from typing import Any

import jax
import jax.numpy as jnp
import numpy as np

from .._structured import is_structured, todense
from .autodiff import x64
from .checker import diagnosis as dx
from .checker.report import BlockResult, CheckReport, Entry
from .samplers import DOMAINS, Domain
from .tolerances import TOLERANCES, Tolerance

__all__ = [
    "CheckReport",
    "assert_gradient",
    "assert_hessian",
    "assert_jacobian",
    "assert_jvp",
    "assert_vjp",
    "check_gradient",
    "check_hessian",
    "check_jacobian",
    "check_jvp",
    "check_vjp",
]

KINDS = ("gradient", "jacobian", "vjp", "jvp", "hessian")

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
    "probes": 8,
    "max_dense": 1 << 16,
    "hygiene": True,
    "shrink": True,
    "name": None,
}

_TRACE_ERRORS: tuple[type[BaseException], ...] = (
    jax.errors.TracerArrayConversionError,
    jax.errors.ConcretizationTypeError,
    jax.errors.TracerBoolConversionError,
    jax.errors.TracerIntegerConversionError,
    jax.errors.UnexpectedTracerError,
)
_EDGE_DOMAINS = ("real", "unit")
_CHUNK_ENTRIES = 1 << 22  # at most this many Jacobian entries per trial chunk in memory
_SCAN_POINTS = 41


# =================================================================================================
# Public helpers
# =================================================================================================


def check_gradient(f: Callable[..., Any], grad: Callable[..., Any], *args: Any,
                   argnums: int | tuple[int, ...] = 0, **options: Any) -> CheckReport:
    """Compare ``grad(*args)`` with ``jax.grad(f, argnums)`` on randomized inputs shaped like ``args``.

    ``f`` must return a scalar; ``grad`` returns the gradient shaped like ``args[argnums]`` (a tuple
    of them for a tuple ``argnums``). Options: see the module docstring (``trials=100, seed=0,
    rtol=None, atol=None, domains=None, mode="auto", precision="float64", kinks="between",
    kink_points=(0.0,), witness=None, probes=8, max_dense=65536, hygiene=True, shrink=True,
    name=None``).

    >>> import numpy as np
    >>> r = check_gradient(lambda x: (x ** 3).sum(), lambda x: -3 * x ** 2, np.zeros(3), trials=5)
    >>> r.ok, r.diagnosis
    (False, 'sign flipped (factor −1)')
    """
    return _check("gradient", f, grad, args, argnums, options)


def check_jacobian(f: Callable[..., Any], jac: Callable[..., Any], *args: Any,
                   argnums: int | tuple[int, ...] = 0, **options: Any) -> CheckReport:
    """Compare ``jac(*args)`` (numerator layout ``out.shape + in.shape``; dense or structured) with
    ``jax.jacfwd``/``jax.jacrev`` of ``f``, entry by entry, or by random products in probe mode.

    >>> import numpy as np
    >>> W = np.zeros((3, 2))
    >>> check_jacobian(lambda x, W: W @ x, lambda x, W: W.T, np.zeros(2), W, trials=5).diagnosis
    "transposed (denominator layout): claimed (2, 3) is the transpose of JAX's (3, 2)"
    """
    return _check("jacobian", f, jac, args, argnums, options)


def check_vjp(f: Callable[..., Any], vjp: Callable[..., Any], *args: Any,
              argnums: int | tuple[int, ...] = 0, **options: Any) -> CheckReport:
    """Compare ``vjp(*args, ct)`` (``ctᵀ·J``, shaped like ``args[argnums]``) with ``jax.vjp``.

    ``ct`` is drawn per trial, standard normal, shaped like ``f``'s output (a pytree if it is one).

    >>> import numpy as np
    >>> import jax.numpy as jnp
    >>> vjp = lambda x, ct: ct * jnp.cos(x)                # ctᵀ diag(cos x)
    >>> check_vjp(jnp.sin, vjp, np.zeros(4), trials=5).ok
    True
    """
    return _check("vjp", f, vjp, args, argnums, options)


def check_jvp(f: Callable[..., Any], jvp: Callable[..., Any], *args: Any,
              argnums: int | tuple[int, ...] = 0, **options: Any) -> CheckReport:
    """Compare ``jvp(*args, t)`` (``J·t``, shaped like ``f``'s output) with ``jax.jvp``.

    ``t`` is drawn per trial, standard normal, shaped like ``args[argnums]`` (a tuple of tangents for
    a tuple ``argnums``).

    >>> import numpy as np
    >>> check_jvp(lambda x: x ** 2, lambda x, t: 2 * x * t, np.zeros(4), trials=5).ok
    True
    """
    return _check("jvp", f, jvp, args, argnums, options)


def check_hessian(f: Callable[..., Any], hess: Callable[..., Any], *args: Any,
                  argnums: int | tuple[int, ...] = 0, **options: Any) -> CheckReport:
    """Compare ``hess(*args)`` (shape ``in.shape + in.shape``) with JAX's Hessian of a scalar ``f``.

    >>> import numpy as np
    >>> A = np.zeros((3, 3))
    >>> r = check_hessian(lambda x, A: x @ A @ x, lambda x, A: 2 * A, np.zeros(3), A, trials=5)
    >>> r.ok, r.diagnosis.split(":")[0]                   # ∇²(xᵀAx) = A + Aᵀ
    (False, 'holds only for symmetric matrices')
    """
    return _check("hessian", f, hess, args, argnums, options)


def _assert(kind: str, f: Callable[..., Any], cand: Callable[..., Any], args: tuple[Any, ...],
            argnums: int | tuple[int, ...], options: dict[str, Any]) -> CheckReport:
    __tracebackhide__ = True
    report = _check(kind, f, cand, args, argnums, options)
    if not report.ok:
        raise AssertionError(str(report))
    return report


def assert_gradient(f: Callable[..., Any], grad: Callable[..., Any], *args: Any,
                    argnums: int | tuple[int, ...] = 0, **options: Any) -> CheckReport:
    """:func:`check_gradient`, raising ``AssertionError(str(report))`` on failure; returns the report."""
    __tracebackhide__ = True
    return _assert("gradient", f, grad, args, argnums, options)


def assert_jacobian(f: Callable[..., Any], jac: Callable[..., Any], *args: Any,
                    argnums: int | tuple[int, ...] = 0, **options: Any) -> CheckReport:
    """:func:`check_jacobian`, raising ``AssertionError(str(report))`` on failure; returns the report."""
    __tracebackhide__ = True
    return _assert("jacobian", f, jac, args, argnums, options)


def assert_vjp(f: Callable[..., Any], vjp: Callable[..., Any], *args: Any,
               argnums: int | tuple[int, ...] = 0, **options: Any) -> CheckReport:
    """:func:`check_vjp`, raising ``AssertionError(str(report))`` on failure; returns the report."""
    __tracebackhide__ = True
    return _assert("vjp", f, vjp, args, argnums, options)


def assert_jvp(f: Callable[..., Any], jvp: Callable[..., Any], *args: Any,
               argnums: int | tuple[int, ...] = 0, **options: Any) -> CheckReport:
    """:func:`check_jvp`, raising ``AssertionError(str(report))`` on failure; returns the report."""
    __tracebackhide__ = True
    return _assert("jvp", f, jvp, args, argnums, options)


def assert_hessian(f: Callable[..., Any], hess: Callable[..., Any], *args: Any,
                   argnums: int | tuple[int, ...] = 0, **options: Any) -> CheckReport:
    """:func:`check_hessian`, raising ``AssertionError(str(report))`` on failure; returns the report."""
    __tracebackhide__ = True
    return _assert("hessian", f, hess, args, argnums, options)


# =================================================================================================
# The problem: arguments, leaves, domains, options
# =================================================================================================


@dataclass
class _Leaf:
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
class _Problem:
    kind: str
    f: Callable[..., Any]
    cand: Callable[..., Any]
    argnums: tuple[int, ...]
    argnums_given: int | tuple[int, ...]
    names: list[str]
    treedef: Any
    leaves: list[_Leaf]
    opts: dict[str, Any]
    tol: Tolerance
    tol_key: str
    ref_dtype: np.dtype | None
    cand_label: str
    ref_label: str
    wrt: str
    dense: bool = True

    @property
    def diff_leaves(self) -> list[int]:
        return [i for i, lf in enumerate(self.leaves) if lf.diff]


@dataclass
class _Block:
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


def _label(fn: Any) -> str:
    name = getattr(fn, "__qualname__", None) or getattr(fn, "__name__", None) or type(fn).__name__
    if "<locals>" in str(name):  # a nested function or lambda: its own name reads better
        name = getattr(fn, "__name__", name)
    return str(name)


def _call_label(fn: Any) -> str:
    """``module.qualname`` when it is importable, else the qualname (for the reproduction line)."""
    mod = getattr(fn, "__module__", None)
    name = _label(fn)
    if mod and mod not in ("__main__", "builtins") and "<" not in name:
        return f"{mod}.{name}"
    return name


def _arg_names(f: Callable[..., Any], n: int) -> list[str]:
    try:
        params = [p for p in inspect.signature(f).parameters.values()
                  if p.kind in (p.POSITIONAL_ONLY, p.POSITIONAL_OR_KEYWORD)]
    except (TypeError, ValueError):
        params = []
    names = [p.name for p in params[:n]]
    return names + [f"arg{i}" for i in range(len(names), n)]


def _is_float(dtype: Any) -> bool:
    return bool(jnp.issubdtype(dtype, jnp.floating))


def _dtype_name(dtype: Any) -> str:
    return np.dtype(dtype).name


def _resolve_domain(spec: Any, where: str) -> Domain | None:
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
        return Domain(_label(spec), spec, "user sampler")
    raise TypeError(f"domains[{where!r}]: expected a domain name, a samplers.Domain or a callable "
                    f"(rng, shape) -> array, got {type(spec).__name__}")


def _normalize_argnums(argnums: Any, n: int) -> tuple[int, ...]:
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


def _setup(kind: str, f: Any, cand: Any, args: tuple[Any, ...], argnums: Any,
           options: dict[str, Any]) -> _Problem:
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
    for key, allowed in (("mode", ("auto", "dense", "probe")), ("kinks", ("between", "jax")),
                         ("precision", ("float64", "float32", "as-is")),
                         ("witness", (None, "fd", "complex-step"))):
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
    nums = _normalize_argnums(argnums, n)
    names = _arg_names(f, n)
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
        if arr.dtype == object or not (_is_float(arr.dtype) or jnp.issubdtype(arr.dtype, jnp.integer)
                                       or arr.dtype == np.bool_):
            raise TypeError(f"{lpath}: expected a real floating array, got dtype {arr.dtype}; convert it, "
                            f"e.g. np.asarray({lpath}, dtype=float)")
        diff = k in nums
        if diff and not _is_float(arr.dtype):
            raise TypeError(f"{lpath}: a differentiated argument must be real floating, got {arr.dtype}; "
                            f"convert it, e.g. np.asarray(..., dtype=float), or leave it out of argnums")
        leaves.append(_Leaf(arg=k, path=lpath, shape=tuple(arr.shape), dtype=arr.dtype, example=arr,
                            diff=diff, drawn=_is_float(arr.dtype), domain=DOMAINS["real"]))
    if not any(lf.diff for lf in leaves):
        raise ValueError(f"argnums={argnums!r}: the differentiated argument(s) hold no arrays")

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
        dom = _resolve_domain(spec, str(key))
        for lf in hit:
            if not _is_float(lf.dtype):
                continue
            lf.domain, lf.drawn = dom, dom is not None
    for lf in leaves:
        if lf.diff and not lf.drawn:
            raise ValueError(f"domains: {lf.path} is differentiated, so it cannot be 'fixed'")

    # precision and tolerance key: the least precise of the candidate's inputs and the reference
    cand_dtypes = {np.dtype(lf.dtype) for lf in leaves if lf.diff}
    ref_dtype = {"float64": np.dtype(np.float64), "float32": np.dtype(np.float32), "as-is": None}[opts["precision"]]
    pool = set(cand_dtypes) | ({ref_dtype} if ref_dtype is not None else set())
    worst = max(pool, key=lambda d: float(jnp.finfo(d).eps))
    key = _dtype_name(worst)
    if key not in TOLERANCES:
        raise ValueError(f"no tolerance for dtype {key}; chainrule.reference.tolerances.TOLERANCES has "
                         f"{sorted(TOLERANCES)}")
    base = TOLERANCES[key]
    tol = Tolerance(rtol=base.rtol if opts["rtol"] is None else float(opts["rtol"]),
                    atol=base.atol if opts["atol"] is None else float(opts["atol"]))

    fname = _label(f)
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
    return _Problem(kind=kind, f=f, cand=cand, argnums=nums, argnums_given=an, names=names,
                    treedef=treedef, leaves=leaves, opts=opts, tol=tol, tol_key=key, ref_dtype=ref_dtype,
                    cand_label=opts["name"] or _label(cand), ref_label=ref_label, wrt=wrt)


# =================================================================================================
# Drawing trials
# =================================================================================================


def _draw(P: _Problem, shapes: list[tuple[int, ...]], trials: int, seed: int,
          ) -> tuple[list[np.ndarray], np.ndarray]:
    """``trials`` draws of every leaf (leading axis = trial) and the mask of edge trials."""
    rng = np.random.default_rng([int(seed), 0x5EED])
    out: list[np.ndarray] = []
    for lf, shape in zip(P.leaves, shapes, strict=True):
        if not lf.drawn:
            out.append(np.broadcast_to(lf.example, (trials, *shape)).copy())
        else:
            assert lf.domain is not None
            out.append(np.asarray(lf.domain.draw(rng, (trials, *shape)), dtype=np.float64))
    edge = np.zeros(trials, dtype=bool)
    edgeable = [i for i, lf in enumerate(P.leaves)
                if lf.drawn and lf.domain is not None and lf.domain.name in _EDGE_DOMAINS]
    points = np.asarray(P.opts["kink_points"], dtype=np.float64)
    n_edge = trials // 10 if (points.size and edgeable and P.kind != "hessian") else 0
    if n_edge:
        edge[trials - n_edge:] = True
        for i in edgeable:
            x = out[i][trials - n_edge:]
            u = rng.random(x.shape)
            at = rng.choice(points, x.shape)
            near = at + rng.choice([-1.0, 1.0], x.shape) * 10.0 ** rng.uniform(-6, -2, x.shape)
            out[i][trials - n_edge:] = np.where(u < 1 / 3, at, np.where(u < 0.5, near, x))
        by_shape: dict[tuple[int, ...], list[int]] = {}
        for i in edgeable:
            by_shape.setdefault(shapes[i], []).append(i)
        for group in by_shape.values():
            for a, b in itertools.pairwise(group):
                xa, xb = out[a][trials - n_edge:], out[b][trials - n_edge:]
                tie = rng.random(xb.shape) < 1 / 3
                out[b][trials - n_edge:] = np.where(tie, xa, xb)
    for i, lf in enumerate(P.leaves):
        if lf.drawn:
            out[i] = out[i].astype(lf.dtype)
    return out, edge


def _extras(P: _Problem, out_struct: Any, trials: int, seed: int) -> dict[str, Any]:
    """Per-trial random vectors: cotangents (vjp), tangents (jvp), probes (probe mode)."""
    rng = np.random.default_rng([int(seed), 0xC0DE])
    k = P.opts["probes"]
    diff = [P.leaves[i] for i in P.diff_leaves]
    out_leaves = jax.tree_util.tree_leaves(out_struct)
    ex: dict[str, Any] = {}
    if P.kind == "vjp":
        ex["ct"] = [rng.standard_normal((trials, *o.shape)) for o in out_leaves]
    if P.kind == "jvp":
        ex["t"] = [rng.standard_normal((trials, *lf.shape)) for lf in diff]
    if not P.dense and P.kind in ("jacobian", "hessian"):
        ex["V"] = [rng.choice([-1.0, 1.0], (trials, k, *lf.shape)) for lf in diff]
        if P.kind == "jacobian":
            ex["U"] = [rng.choice([-1.0, 1.0], (trials, k, *o.shape)) for o in out_leaves]
    return ex


# =================================================================================================
# The traced programs (cached per f, candidate, kind, structure and dtypes)
# =================================================================================================


def _up(P: _Problem, leaves: Sequence[Any]) -> list[Any]:
    """The reference's inputs: float leaves cast to the reference dtype."""
    if P.ref_dtype is None:
        return list(leaves)
    return [jnp.asarray(x).astype(P.ref_dtype) if lf.drawn or _is_float(lf.dtype) else jnp.asarray(x)
            for x, lf in zip(leaves, P.leaves, strict=True)]


def _args(P: _Problem, leaves: Sequence[Any]) -> tuple[Any, ...]:
    return jax.tree_util.tree_unflatten(P.treedef, list(leaves))


def _wrt(P: _Problem, args: tuple[Any, ...]) -> tuple[Callable[..., Any], tuple[Any, ...]]:
    """``g(*primals) = f(*args with args[argnums] = primals)`` and the primals."""
    def g(*ps: Any) -> Any:
        a = list(args)
        for k, p in zip(P.argnums, ps, strict=True):
            a[k] = p
        return P.f(*a)

    return g, tuple(args[k] for k in P.argnums)


def _diff_tree(P: _Problem, leaves_of_diff: Sequence[Any], primals: tuple[Any, ...]) -> tuple[Any, ...]:
    """Arrange a flat list of diff-leaf-shaped arrays as the tuple of primals' structures."""
    structs = [jax.tree_util.tree_structure(p) for p in primals]
    out, i = [], 0
    for s in structs:
        n = s.num_leaves
        out.append(jax.tree_util.tree_unflatten(s, list(leaves_of_diff[i:i + n])))
        i += n
    return tuple(out)


def _reference(P: _Problem, leaves: Sequence[Any], extra: Mapping[str, Any]) -> tuple[Any, ...]:
    """JAX's witnesses for one trial (each a pytree)."""
    args = _args(P, _up(P, leaves))
    up = (lambda a: a.astype(P.ref_dtype)) if P.ref_dtype is not None else (lambda a: a)
    an = P.argnums_given
    if P.kind == "gradient":
        return (jax.grad(P.f, argnums=an)(*args),)
    if P.kind == "hessian" and P.dense:
        return (jax.jacfwd(jax.jacrev(P.f, argnums=an), argnums=an)(*args),
                jax.jacrev(jax.jacfwd(P.f, argnums=an), argnums=an)(*args))
    if P.kind == "jacobian" and P.dense:
        return (jax.jacfwd(P.f, argnums=an)(*args), jax.jacrev(P.f, argnums=an)(*args))
    g, ps = _wrt(P, args)
    if P.kind == "vjp":
        out_def = jax.tree_util.tree_structure(jax.eval_shape(g, *ps))
        ct = jax.tree_util.tree_unflatten(out_def, [up(c) for c in extra["ct"]])
        res = jax.vjp(g, *ps)[1](ct)
        return (res[0] if not isinstance(an, tuple) else res,)
    if P.kind == "jvp":
        t = _diff_tree(P, [up(c) for c in extra["t"]], ps)
        return (jax.jvp(g, ps, t)[1],)
    V = _diff_tree(P, [up(v) for v in extra["V"]], ps)
    if P.kind == "hessian":
        gg = jax.grad(g, argnums=tuple(range(len(ps))))
        hv = jax.vmap(lambda v: jax.jvp(gg, ps, v)[1])(V)
        return (hv,)
    jv = jax.vmap(lambda v: jax.jvp(g, ps, v)[1])(V)
    out_def = jax.tree_util.tree_structure(jax.eval_shape(g, *ps))
    U = jax.tree_util.tree_unflatten(out_def, [up(u) for u in extra["U"]])
    pull = jax.vjp(g, *ps)[1]
    uj = jax.vmap(pull)(U)
    return (jv, uj)


def _densify(out: Any) -> Any:
    return jax.tree_util.tree_map(lambda a: jnp.asarray(todense(a)), out, is_leaf=is_structured)


def _candidate_args(P: _Problem, leaves: Sequence[Any], extra: Mapping[str, Any], xp: Any) -> tuple[Any, ...]:
    """The candidate's arguments: the trial's leaves, plus ``ct`` or ``t`` in the candidate's dtype."""
    args = _args(P, leaves)
    if P.kind not in ("vjp", "jvp"):
        return args
    diff = [P.leaves[i] for i in P.diff_leaves]
    low = min((lf.dtype for lf in diff), key=lambda d: -float(jnp.finfo(d).eps))
    if P.kind == "vjp":
        out_def = jax.tree_util.tree_structure(jax.eval_shape(P.f, *_args(P, [jnp.asarray(x) for x in leaves])))
        ct = jax.tree_util.tree_unflatten(out_def, [xp.asarray(c).astype(low) for c in extra["ct"]])
        return (*args, ct)
    ps = tuple(args[k] for k in P.argnums)
    t = _diff_tree(P, [xp.asarray(c).astype(lf.dtype) for c, lf in zip(extra["t"], diff, strict=True)], ps)
    return (*args, t if isinstance(P.argnums_given, tuple) else t[0])


def _candidate(P: _Problem, leaves: Sequence[Any], extra: Mapping[str, Any]) -> Any:
    return _densify(P.cand(*_candidate_args(P, leaves, extra, jnp)))


_PROGRAMS: OrderedDict[Any, dict[str, Callable[..., Any]]] = OrderedDict()


def _programs(P: _Problem) -> dict[str, Callable[..., Any]]:
    """``jit(vmap(...))`` programs: ``joint`` (reference and candidate), ``ref`` (reference only)."""
    key = (P.kind, P.f, P.cand, P.argnums_given, P.treedef, tuple(lf.dtype for lf in P.leaves),
           tuple(lf.drawn for lf in P.leaves), P.ref_dtype, P.dense, P.opts["probes"])
    try:
        hit = _PROGRAMS.get(key)
    except TypeError:  # an unhashable callable: no caching
        key, hit = None, None
    if hit is not None:
        _PROGRAMS.move_to_end(key)
        return hit
    Q = replace(P)

    def reference(leaves: Any, extra: Any) -> Any:
        """JAX's witnesses, and whether f's own value is finite (JAX's derivative can be finite outside
        f's domain: d log x = 1/x at x < 0)."""
        if Q.kind == "gradient":  # the value comes with the gradient
            value, grad = jax.value_and_grad(Q.f, argnums=Q.argnums_given)(*_args(Q, _up(Q, leaves)))
            return (grad,), jnp.all(jnp.isfinite(value))
        out = jax.tree_util.tree_leaves(Q.f(*_args(Q, _up(Q, leaves))))
        return _reference(Q, leaves, extra), jnp.all(jnp.stack([jnp.all(jnp.isfinite(o)) for o in out]))

    def joint(leaves: Any, extra: Any) -> Any:
        refs, fin = reference(leaves, extra)
        return refs, _candidate(Q, leaves, extra), fin

    def ref(leaves: Any, extra: Any) -> Any:
        return reference(leaves, extra)

    progs = {"joint": jax.jit(jax.vmap(joint)), "ref": jax.jit(jax.vmap(ref))}
    if key is not None:
        _PROGRAMS[key] = progs
        while len(_PROGRAMS) > 64:
            _PROGRAMS.popitem(last=False)
    return progs


def _cached(P: _Problem, name: Any, build: Callable[[], Callable[..., Any]]) -> Callable[..., Any]:
    """A further compiled program of ``P`` (kink analysis, …), cached beside its main programs."""
    progs = _programs(P)
    if name not in progs:
        progs[name] = build()
    return progs[name]


def _run_batched(fn: Callable[..., Any], leaves: list[np.ndarray], extra: dict[str, Any],
                 trials: int, per_trial: int) -> Any:
    """Run ``fn`` over all trials, in equal chunks when a trial's arrays are large."""
    chunk = max(1, min(trials, _CHUNK_ENTRIES // max(1, per_trial)))
    if chunk >= trials:
        return jax.tree_util.tree_map(np.asarray, fn(leaves, extra))
    parts = []
    for start in range(0, trials, chunk):
        idx = np.arange(start, start + chunk).clip(max=trials - 1)
        sub = jax.tree_util.tree_map(lambda a, idx=idx: a[idx], (leaves, extra))
        parts.append(jax.tree_util.tree_map(np.asarray, fn(*sub)))
    joined = jax.tree_util.tree_map(lambda *xs: np.concatenate(xs)[:trials], *parts)
    return joined


# =================================================================================================
# Blocks: naming and flattening of the compared arrays
# =================================================================================================


def _out_names(out_struct: Any) -> list[tuple[str, tuple[int, ...]]]:
    flat, _ = jax.tree_util.tree_flatten_with_path(out_struct)
    if len(flat) == 1 and not flat[0][0]:
        return [("f", tuple(flat[0][1].shape))]
    return [("f" + jax.tree_util.keystr(tuple(p)), tuple(s.shape)) for p, s in flat]


def _blocks(P: _Problem, out_struct: Any, shapes: list[tuple[int, ...]]) -> list[_Block]:
    outs = _out_names(out_struct)
    diff = P.diff_leaves
    k = P.opts["probes"]
    if P.kind in ("gradient", "vjp"):
        return [_Block(P.leaves[i].path, (), shapes[i], in_leaf=i) for i in diff]
    if P.kind == "jvp":
        return [_Block(f"J·t → {name}", s, (), out_leaf=j) for j, (name, s) in enumerate(outs)]
    if P.kind == "jacobian" and P.dense:
        return [_Block(f"∂{name}/∂{P.leaves[i].path}", s, shapes[i], in_leaf=i, out_leaf=j)
                for j, (name, s) in enumerate(outs) for i in diff]
    if P.kind == "hessian" and P.dense:
        return [_Block(f"∂²f/∂{P.leaves[i].path}∂{P.leaves[j].path}", shapes[i], shapes[j], in_leaf=j,
                       out_leaf=a) for a, i in enumerate(diff) for j in diff]
    if P.kind == "hessian":
        return [_Block(f"H·v → {P.leaves[i].path}", (k, *shapes[i]), (), in_leaf=i, product=True)
                for i in diff]
    return ([_Block(f"J·v → {name}", (k, *s), (), out_leaf=j, product=True) for j, (name, s) in enumerate(outs)]
            + [_Block(f"uᵀJ → {P.leaves[i].path}", (k, *shapes[i]), (), in_leaf=i, product=True) for i in diff])


def _normalize_tree(tree: Any) -> Any:
    """Lists become tuples, so a candidate returning ``[a, b]`` for ``(a, b)`` is not a mismatch."""
    if isinstance(tree, list):
        return tuple(_normalize_tree(t) for t in tree)
    if isinstance(tree, tuple) and not hasattr(tree, "_fields"):
        return tuple(_normalize_tree(t) for t in tree)
    if isinstance(tree, dict):
        return {k: _normalize_tree(v) for k, v in tree.items()}
    return tree


def _contract(P: _Problem, claimed: list[np.ndarray], extra: dict[str, Any], blocks: list[_Block],
              out_shapes: list[tuple[int, ...]], shapes: list[tuple[int, ...]]) -> list[np.ndarray]:
    """Probe mode: the candidate's dense blocks times the probes, in the blocks' order."""
    diff = P.diff_leaves
    T = claimed[0].shape[0] if claimed else 0
    V = [np.asarray(v, np.float64).reshape(T, P.opts["probes"], -1) for v in extra["V"]]
    n_in = len(diff)
    if P.kind == "hessian":
        res = []
        for a in range(n_in):
            acc = 0.0
            for b in range(n_in):
                C = claimed[a * n_in + b].astype(np.float64).reshape(T, math.prod(shapes[diff[a]]), -1)
                acc = acc + np.einsum("toi,tki->tko", C, V[b])
            res.append(np.asarray(acc).reshape((T, P.opts["probes"], *shapes[diff[a]])))
        return res
    U = [np.asarray(u, np.float64).reshape(T, P.opts["probes"], -1) for u in extra["U"]]
    jv, uj = [], []
    for o, oshape in enumerate(out_shapes):
        acc = 0.0
        for b in range(n_in):
            C = claimed[o * n_in + b].astype(np.float64).reshape(T, math.prod(oshape), -1)
            acc = acc + np.einsum("toi,tki->tko", C, V[b])
        jv.append(np.asarray(acc).reshape((T, P.opts["probes"], *oshape)))
    for b in range(n_in):
        acc = 0.0
        for o, oshape in enumerate(out_shapes):
            C = claimed[o * n_in + b].astype(np.float64).reshape(T, math.prod(oshape), -1)
            acc = acc + np.einsum("tko,toi->tki", U[o], C)
        uj.append(np.asarray(acc).reshape((T, P.opts["probes"], *shapes[diff[b]])))
    return jv + uj


# =================================================================================================
# Kinks: one-sided derivatives and proximity scans (JAX, on failing trials only)
# =================================================================================================


def _column_fn(P: _Problem, block: _Block) -> Callable[..., Any]:
    """``col(leaves, extra, x_shifted, e) -> block column``: ∂f/∂x along the one-hot ``e`` at a point."""
    li = block.in_leaf

    def col(leaves: Any, extra: Any, xs: Any, e: Any) -> Any:
        up = _up(P, leaves)

        def g(xi: Any) -> Any:
            ls = list(up)
            ls[li] = xi
            return jax.tree_util.tree_leaves(P.f(*_args(P, ls)))

        outs = jax.jvp(g, (xs,), (e,))[1]
        if P.kind == "gradient":
            return outs[0]
        if P.kind == "vjp":
            return sum(jnp.sum(o * c.astype(o.dtype)) for o, c in zip(outs, extra["ct"], strict=True))
        return outs[block.out_leaf]

    return col


def _one_sided(P: _Problem, block: _Block) -> Callable[..., Any]:
    """``fn(leaves, extra) -> (L, R)``: left and right derivatives of ``block``, batched over trials."""
    li = block.in_leaf

    if P.kind == "jvp":
        def one(lv: Any, ex: Any, sign: float) -> Any:
            args = _args(P, _up(P, lv))
            g, ps = _wrt(P, args)
            t = _diff_tree(P, [c.astype(jnp.result_type(p)) for c, p in
                               zip(ex["t"], jax.tree_util.tree_leaves(ps), strict=True)], ps)
            scale = 1.0 + max(jnp.max(jnp.abs(p)) for p in jax.tree_util.tree_leaves(ps))
            h = jnp.sqrt(jnp.finfo(jax.tree_util.tree_leaves(ps)[0].dtype).eps) * scale
            shifted = jax.tree_util.tree_map(lambda p, v: p + sign * h * v, ps, t)
            return jax.tree_util.tree_leaves(jax.jvp(g, shifted, t)[1])[block.out_leaf]
    else:
        col = _column_fn(P, block)

        def one(lv: Any, ex: Any, sign: float) -> Any:
            x = _up(P, lv)[li]
            n = max(1, x.size)
            E = jnp.eye(n, dtype=x.dtype).reshape((n, *x.shape))
            h = jnp.sqrt(jnp.finfo(x.dtype).eps) * jnp.maximum(1.0, jnp.abs(x))
            cols = jax.vmap(lambda e: col(lv, ex, x + sign * h * e, e))(E)
            return jnp.moveaxis(cols, 0, -1).reshape(tuple(cols.shape[1:]) + tuple(x.shape))

    return jax.jit(jax.vmap(lambda lv, ex: (one(lv, ex, -1.0), one(lv, ex, 1.0))))


def _near_kink(P: _Problem, block: _Block, leaves: list[np.ndarray], extra: dict[str, Any], trial: int,
               entries: list[tuple[int, ...]], tol: float) -> list[bool]:
    """For each entry (out index + in index) of ``block`` at ``trial``: does JAX's derivative along the
    entry's input coordinate jump within ``0.1·max(1, |x_j|)`` of the point?"""
    if P.kind not in ("gradient", "jacobian", "vjp") or block.in_leaf is None or block.product:
        return [False] * len(entries)
    li = block.in_leaf
    out_nd = len(block.out_shape)
    x_shape = tuple(block.in_shape)
    col = _column_fn(P, block)
    lv = [jnp.asarray(a[trial]) for a in leaves]
    ex = {k: [jnp.asarray(a[trial]) for a in v] for k, v in extra.items()}
    x = _up(P, lv)[li]
    E, outs_idx, R = [], [], []
    for idx in entries:
        j = np.ravel_multi_index(idx[out_nd:], x_shape) if x_shape else 0
        e = np.zeros(max(1, math.prod(x_shape)))
        e[j] = 1.0
        E.append(e.reshape(x_shape))
        outs_idx.append(int(np.ravel_multi_index(idx[:out_nd], block.out_shape)) if out_nd else 0)
        R.append(0.1 * max(1.0, abs(float(np.asarray(x).reshape(-1)[j]))))
    E_ = jnp.asarray(np.stack(E), x.dtype)
    S = jnp.asarray(np.linspace(-1.0, 1.0, _SCAN_POINTS)[None, :] * np.asarray(R)[:, None], x.dtype)
    O_ = jnp.asarray(outs_idx)

    def per_entry(e: Any, s_row: Any, o: Any) -> Any:
        return jax.vmap(lambda s: jnp.reshape(col(lv, ex, x + s * e, e), (-1,))[o])(s_row)

    G = np.asarray(jax.jit(jax.vmap(per_entry))(E_, S, O_), np.float64)
    out = []
    for g in G:
        d = np.abs(np.diff(g))
        left = np.concatenate([[0.0], d[:-1]])
        right = np.concatenate([d[1:], [0.0]])
        jump = (d > max(tol, 1e-3 * float(np.max(np.abs(g)))) ) & (d > 10 * np.maximum(left, right))
        out.append(bool(jump.any()))
    return out


def _accept_kinks(P: _Problem, bi: int, part: np.ndarray, L: np.ndarray, R: np.ndarray,
                  claimed: list[np.ndarray], ref: list[np.ndarray], ok: np.ndarray,
                  kink_info: dict[tuple[int, int], tuple[np.ndarray, np.ndarray]],
                  conventions: dict[tuple[int, int], list[tuple[str, str]]]) -> bool:
    """Accept failing trials ``part`` of block ``bi`` whose mismatches all sit at kinks, between JAX's
    one-sided derivatives ``L``, ``R`` (``kinks="between"``). True when every trial was accepted."""
    tol = P.tol
    all_ok = True
    for n, t in enumerate(part):
        c = claimed[bi][t].astype(np.float64)
        r = ref[bi][t].astype(np.float64)
        scale = float(np.max(np.abs(r), initial=0.0))
        tb = tol.atol + tol.rtol * scale
        tk = tb + (1e-6 if P.tol_key == "float64" else 1e-3) * max(scale, 1.0)
        at_kink = np.abs(R[n] - L[n]) > tk
        kink_info[(bi, int(t))] = (L[n], R[n])
        good = np.abs(c - r) <= tb
        inside = (c >= np.minimum(L[n], R[n]) - tk) & (c <= np.maximum(L[n], R[n]) + tk)
        accepted = good | (at_kink & inside) if P.opts["kinks"] == "between" else good
        if np.all(accepted & np.isfinite(c)) and (at_kink & ~good).any():
            ok[bi, t] = True
            sel = at_kink & ~good
            conventions[(bi, int(t))] = [(_classify(c_, L_, R_, tk), _classify(r_, L_, R_, tk))
                                         for c_, r_, L_, R_ in zip(c[sel], r[sel], L[n][sel], R[n][sel],
                                                                   strict=True)]
        else:
            all_ok = False
    return all_ok


def _classify(c: float, L: float, R: float, tol: float) -> str:
    if abs(c - L) <= tol:
        return "left slope"
    if abs(c - R) <= tol:
        return "right slope"
    if abs(c - (L + R) / 2) <= tol:
        return "midpoint"
    return "a value between the slopes"


def _tie_pairs(P: _Problem, blocks: list[_Block]) -> list[tuple[int, int]]:
    """Pairs of dense blocks of one output whose inputs are two differentiated leaves of one shape: at a
    tie between them (equal values at an index), their two partials move together."""
    if P.kind not in ("gradient", "jacobian", "vjp") or not P.dense:
        return []
    pairs = []
    for ia, a in enumerate(blocks):
        for ib in range(ia + 1, len(blocks)):
            b = blocks[ib]
            if (a.product or b.product or a.in_leaf is None or b.in_leaf is None or a.in_leaf == b.in_leaf
                    or a.out_leaf != b.out_leaf or tuple(a.in_shape) != tuple(b.in_shape)):
                continue
            pairs.append((ia, ib))
    return pairs


def _tie_directional(P: _Problem, A: _Block, B: _Block) -> Callable[..., Any]:
    """``fn(leaves, extra, e) -> (D−, D+)``, batched: JAX's derivative of ``s ↦ f(x + s·e, y + s·e)`` at
    ``s = −h`` and ``s = +h`` (``x``, ``y`` the inputs of ``A`` and ``B``, ``e`` one-hot at the tied
    index, ``h = √ε·max(1, |x_j|)``): the one-sided directional derivatives along the tie direction,
    flattened over the output (a scalar for a gradient, ``ctᵀ·(…)`` for a VJP)."""
    la, lb = A.in_leaf, B.in_leaf

    def one(lv: Any, ex: Any, e: Any, sign: float) -> Any:
        up = _up(P, lv)
        xa, xb = up[la], up[lb]
        e = e.astype(xa.dtype)
        h = jnp.sqrt(jnp.finfo(xa.dtype).eps) * jnp.maximum(1.0, jnp.sum(jnp.abs(xa) * e))

        def g(s: Any) -> Any:
            ls = list(up)
            ls[la], ls[lb] = xa + s * e, xb + s * e
            return jax.tree_util.tree_leaves(P.f(*_args(P, ls)))

        outs = jax.jvp(g, (sign * h,), (jnp.ones((), xa.dtype),))[1]
        if P.kind == "gradient":
            return jnp.reshape(outs[0], (-1,))
        if P.kind == "vjp":
            return jnp.reshape(sum(jnp.sum(o * c.astype(o.dtype)) for o, c in zip(outs, ex["ct"], strict=True)),
                               (-1,))
        return jnp.reshape(outs[A.out_leaf], (-1,))

    return jax.jit(jax.vmap(lambda lv, ex, e: (one(lv, ex, e, -1.0), one(lv, ex, e, 1.0))))


def _check_ties(P: _Problem, blocks: list[_Block], leaves: list[np.ndarray], extra: dict[str, Any],
                claimed: list[np.ndarray], ref: list[np.ndarray], ok: np.ndarray,
                accepted: dict[tuple[int, int], list[tuple[str, str]]]) -> tuple[dict[tuple[int, int], str], int]:
    """At a tie ``x_j = y_j`` of two differentiated arguments of one shape, each claimed partial was
    accepted on its own between its one-sided slopes; together they must also lie between JAX's
    one-sided derivatives along the tie direction ``t = (e_j, e_j)``: ``D− ≤ ∂f/∂x_j + ∂f/∂y_j ≤ D+``
    (for ``maximum(x, y)``: ``1 ≤ sum ≤ 1``, so ``(½, ½)``, ``(1, 0)``, ``(0, 1)`` pass and ``(1, 1)``
    fails). Checked on the trials accepted at a kink, at the tied entries where the candidate differs
    from JAX, and only at ties away from the kink points: where both arguments also sit on a kink of
    their own (``|x| − |y|`` at ``x = y = 0``) each partial may follow its own convention (the claim is
    still a generalized gradient), so the sum rule is not required there. Marks failing trials in
    ``ok`` (both blocks) and returns ``{(block, trial): diagnosis}`` and the number of tied entries
    checked."""
    tol = P.tol
    info: dict[tuple[int, int], str] = {}
    checked = 0
    for ia, ib in _tie_pairs(P, blocks):
        A, B = blocks[ia], blocks[ib]
        trials = sorted({t for (bi, t) in accepted if bi in (ia, ib) and ok[ia, t] and ok[ib, t]})
        items: list[tuple[int, int]] = []
        for t in trials:
            xa, xb = leaves[A.in_leaf][t].reshape(-1), leaves[B.in_leaf][t].reshape(-1)
            tied = np.flatnonzero((xa == xb) & ~np.isin(xa, np.asarray(P.opts["kink_points"], xa.dtype)))
            if not tied.size:
                continue
            m = max(1, math.prod(A.out_shape))
            ca, ra = (a[t].astype(np.float64).reshape(m, -1) for a in (claimed[ia], ref[ia]))
            cb, rb = (a[t].astype(np.float64).reshape(m, -1) for a in (claimed[ib], ref[ib]))
            tb = tol.atol + tol.rtol * max(float(np.max(np.abs(ra), initial=0.0)),
                                           float(np.max(np.abs(rb), initial=0.0)))
            differs = ((np.abs(ca - ra) > tb) | (np.abs(cb - rb) > tb))[:, tied].any(axis=0)
            items.extend((t, int(j)) for j in tied[differs])
        if not items:
            continue
        checked += len(items)
        fn = _cached(P, ("tie", A.in_leaf, B.in_leaf, A.out_leaf), lambda A=A, B=B: _tie_directional(P, A, B))
        n_in = max(1, math.prod(A.in_shape))
        size = 1 << max(3, (len(items) - 1).bit_length())  # padded to a power of two: few compilations
        idx = [items[min(k, len(items) - 1)] for k in range(size)]
        ts = np.asarray([t for t, _ in idx])
        E = np.zeros((size, n_in))
        E[np.arange(size), [j for _, j in idx]] = 1.0
        try:
            Dm, Dp = (np.asarray(a, np.float64) for a in fn(
                [jnp.asarray(a[ts]) for a in leaves], {k: [jnp.asarray(a[ts]) for a in v] for k, v in extra.items()},
                jnp.asarray(E.reshape((size, *A.in_shape)))))
        except Exception:  # f not differentiable along the tie: no tie information
            continue
        for k, (t, j) in enumerate(items):
            if not (ok[ia, t] and ok[ib, t]):
                continue  # this trial already failed at an earlier tie
            m = max(1, math.prod(A.out_shape))
            ca, ra = (a[t].astype(np.float64).reshape(m, -1)[:, j] for a in (claimed[ia], ref[ia]))
            cb, rb = (a[t].astype(np.float64).reshape(m, -1)[:, j] for a in (claimed[ib], ref[ib]))
            scale = max(float(np.max(np.abs(ref[ia][t]), initial=0.0)), float(np.max(np.abs(ref[ib][t]), initial=0.0)))
            tk = 2 * (tol.atol + tol.rtol * scale) + (1e-6 if P.tol_key == "float64" else 1e-3) * max(scale, 1.0)
            lo, hi = np.minimum(Dm[k], Dp[k]), np.maximum(Dm[k], Dp[k])
            total = ca + cb
            bad = (total < lo - tk) | (total > hi + tk) | ~np.isfinite(total)
            if not bad.any():
                continue
            o = int(np.flatnonzero(bad)[0])
            ok[ia, t] = ok[ib, t] = False
            info[(ia, t)] = info[(ib, t)] = _tie_message(P, A, B, o, j, t, ca[o], cb[o], ra[o], rb[o],
                                                         float(lo[o]), float(hi[o]))
    return info, checked


def _tie_message(P: _Problem, A: _Block, B: _Block, o: int, j: int, t: int, ca: float, cb: float,
                 ra: float, rb: float, lo: float, hi: float) -> str:
    """The diagnosis of partials that do not add up at a tie (output entry ``o``, input entry ``j``)."""
    def index(flat: int, shape: tuple[int, ...]) -> str:  # "[i, j]", or "" for a scalar
        return f"[{', '.join(str(int(i)) for i in np.unravel_index(flat, shape))}]" if shape else ""

    a, b = P.leaves[A.in_leaf].path, P.leaves[B.in_leaf].path
    at = index(j, tuple(A.in_shape))
    if P.kind == "jacobian":
        out = A.name[1:A.name.index("/∂")] + index(o, tuple(A.out_shape))
    else:
        out = "(ctᵀf)" if P.kind == "vjp" else "f"
    if abs(hi - lo) <= 1e-9 * max(1.0, abs(lo)):
        jax_side = f"is {lo:.6g} from either side"
    else:
        jax_side = f"are {lo:.6g} and {hi:.6g} (one side each)"
    return (f"wrong at a tie: where {a}{at} = {b}{at} (trial {t + 1}), the candidate's ∂{out}/∂{a}{at} + "
            f"∂{out}/∂{b}{at} = {ca:.6g} + {cb:.6g} = {ca + cb:.6g}, but JAX's derivative along the tie "
            f"direction ({a}{at} and {b}{at} moved together) {jax_side} (JAX's partials: {ra:.6g} + {rb:.6g}); "
            "each partial alone lies between its one-sided slopes, but at a tie the two must add up to the "
            "derivative along the tie")


# =================================================================================================
# Third witnesses: finite differences and the complex step
# =================================================================================================


def _fd_blocks(P: _Problem, blocks: list[_Block], leaves: list[np.ndarray]) -> list[np.ndarray]:
    """Dense blocks by central finite differences or the complex step, in float64, for every trial."""
    method = P.opts["witness"]
    by_leaf = sorted({b.in_leaf for b in blocks})

    def one(lv: Any) -> Any:
        base = [jnp.asarray(a).astype(jnp.float64) if _is_float(a.dtype) else a for a in lv]
        res = {}
        for li in by_leaf:
            x = base[li]
            n = max(1, x.size)
            E = jnp.eye(n, dtype=jnp.float64).reshape((n, *x.shape))

            def at(xi: Any, li: int = li) -> Any:
                ls = list(base)
                ls[li] = xi
                return jax.tree_util.tree_leaves(P.f(*_args(P, ls)))

            if method == "fd":
                h = jnp.finfo(jnp.float64).eps ** (1 / 3) * jnp.maximum(1.0, jnp.abs(x))

                def colfd(e: Any, x: Any = x, h: Any = h, at: Any = at) -> Any:
                    hp = jnp.sum(h * e)
                    up_, dn = at(x + h * e), at(x - h * e)
                    return [(a - b) / (2 * hp) for a, b in zip(up_, dn, strict=True)]

                cols = jax.vmap(colfd)(E)
            else:
                def colcs(e: Any, x: Any = x, at: Any = at) -> Any:
                    return [jnp.imag(o) / 1e-20 for o in at(x.astype(jnp.complex128) + 1e-20j * e)]

                cols = jax.vmap(colcs)(E)
            res[li] = cols
        return res

    res = jax.jit(jax.vmap(one))([jnp.asarray(a) for a in leaves])
    out = []
    for b in blocks:
        cols = res[b.in_leaf][b.out_leaf or 0]  # (T, n) + out_shape
        T = cols.shape[0]
        arr = np.moveaxis(np.asarray(cols, np.float64), 1, -1)
        out.append(arr.reshape((T, *b.out_shape, *b.in_shape)))
    return out


# =================================================================================================
# The check
# =================================================================================================


@dataclass
class _Outcome:
    """Everything one run at one set of shapes produced (before retries)."""

    report: CheckReport
    shapes: list[tuple[int, ...]]
    extra_notes: list[str] = field(default_factory=list)


def _check(kind: str, f: Any, cand: Any, args: tuple[Any, ...], argnums: Any,
           options: dict[str, Any]) -> CheckReport:
    start = time.perf_counter()
    P = _setup(kind, f, cand, args, argnums, options)
    shapes = [lf.shape for lf in P.leaves]
    with x64(True):
        report = _run(P, shapes, P.opts["trials"], P.opts["seed"])
        if not report.ok and P.opts["shrink"] and report.diagnosis is not None:
            _shrink(P, shapes, report)
        elif report.ok and P.opts["shrink"]:
            _coincidence(P, shapes, report)
    report.seconds = time.perf_counter() - start
    return report


def _shape_list(P: _Problem, shapes: list[tuple[int, ...]]) -> list[tuple[str, tuple[int, ...], str]]:
    return [(lf.path, tuple(s), _dtype_name(lf.dtype)) for lf, s in zip(P.leaves, shapes, strict=True)]


def _reproduce(P: _Problem, shapes: list[tuple[int, ...]]) -> str:
    leaves = []
    for lf, s in zip(P.leaves, shapes, strict=True):
        if lf.drawn:
            leaves.append(_Code(f"np.zeros({tuple(s)!r}, {_dtype_name(lf.dtype)!r})"))
        else:
            leaves.append(_Code(f"np.asarray({lf.example.tolist()!r}, {_dtype_name(lf.dtype)!r})"))
    args = _args(P, leaves)
    opts = [f"argnums={P.argnums_given!r}"]
    for key in ("trials", "seed", "rtol", "atol", "mode", "precision", "kinks", "witness", "probes"):
        if P.opts[key] != DEFAULTS[key] or key in ("trials", "seed"):
            opts.append(f"{key}={P.opts[key]!r}")
    if P.opts["domains"]:
        doms = {k: (v if isinstance(v, str) else _Code(getattr(v, "name", None) or _label(v)))
                for k, v in P.opts["domains"].items()}
        opts.append(f"domains={doms!r}")
    return (f"chainrule.check_{P.kind}({_call_label(P.f)}, {_call_label(P.cand)}, "
            f"{', '.join(repr(a) for a in args)}, {', '.join(opts)})")


class _Code(str):
    """A string whose repr is itself (source code inside a reproduction line)."""

    def __repr__(self) -> str:
        return str(self)


def _base_report(P: _Problem, shapes: list[tuple[int, ...]], trials: int, seed: int) -> CheckReport:
    return CheckReport(
        ok=True, kind=P.kind, candidate=P.cand_label, reference=P.ref_label, seed=int(seed),
        trials=int(trials), dtype=P.tol_key, rtol=P.tol.rtol, atol=P.tol.atol,
        mode="dense" if P.dense or P.kind not in ("jacobian", "hessian") else "probe",
        wrt=P.wrt, shapes=_shape_list(P, shapes),
        reproduce=_reproduce(P, shapes) if trials == P.opts["trials"] and seed == P.opts["seed"] else "",
    )


def _fail(report: CheckReport, diagnosis: str, *, trial: int | None = None, failures: int | None = None,
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


def _first_line(exc: BaseException) -> str:
    text = str(exc).strip()
    return f"{type(exc).__name__}: {text.splitlines()[0] if text else ''}".rstrip(": ")


def _trial_inputs(P: _Problem, leaves: list[np.ndarray], t: int) -> tuple[Any, ...]:
    return _args(P, [np.array(a[t]) for a in leaves])


def _numpy_call(P: _Problem, leaves: list[np.ndarray], extra: dict[str, Any], t: int) -> Any:
    lv = [np.array(a[t]) for a in leaves]
    ex = {k: [np.asarray(a[t]) for a in v] for k, v in extra.items()}
    cargs = _candidate_args(P, lv, ex, np)
    return cargs, P.cand(*cargs)


def _to_numpy_tree(out: Any) -> Any:
    return jax.tree_util.tree_map(lambda a: np.asarray(todense(a)), _normalize_tree(out), is_leaf=is_structured)


def _run(P: _Problem, shapes: list[tuple[int, ...]], trials: int, seed: int) -> CheckReport:
    """One check at one set of shapes: draw, run, compare, diagnose."""
    T = int(trials)
    leaves, edge = _draw(P, shapes, T, seed)
    lv0 = [jnp.asarray(a[0]) for a in leaves]
    ref_args0 = _args(P, _up(P, lv0))
    try:
        out_struct = jax.eval_shape(P.f, *ref_args0)
    except Exception as exc:
        raise ValueError(f"f ({_label(P.f)}) failed on arguments of shapes "
                         f"{', '.join(f'{lf.path} {s}' for lf, s in zip(P.leaves, shapes, strict=True))}: "
                         f"{_first_line(exc)}; f must be a JAX-traceable function of the given arguments"
                         ) from exc
    out_leaves = jax.tree_util.tree_leaves(out_struct)
    if P.kind in ("gradient", "hessian") and (len(out_leaves) != 1 or out_leaves[0].shape != ()):
        raise ValueError(f"check_{P.kind} needs a scalar-valued f, but {_label(P.f)} returns "
                         f"{[tuple(o.shape) for o in out_leaves]}; use check_jacobian for a vector-valued f")
    in_size = sum(math.prod(shapes[i]) for i in P.diff_leaves)
    out_size = sum(math.prod(o.shape) for o in out_leaves)
    entries = (in_size * in_size) if P.kind == "hessian" else in_size * out_size
    if P.kind in ("jacobian", "hessian"):
        mode = P.opts["mode"]
        P.dense = mode == "dense" or (mode == "auto" and entries <= P.opts["max_dense"])
    else:
        P.dense = True
    report = _base_report(P, shapes, T, seed)
    extra = _extras(P, out_struct, T, seed)
    ex0 = {k: [jnp.asarray(a[0]) for a in v] for k, v in extra.items()}
    blocks = _blocks(P, out_struct, shapes)
    out_shapes = [tuple(o.shape) for o in out_leaves]

    # -- is the candidate traceable? what does it return? ------------------------------------------
    traceable = True
    cand_struct = None
    try:
        cand_struct = jax.eval_shape(lambda lv, ex: _candidate(P, lv, ex), lv0, ex0)
    except Exception:
        traceable = False
    if not traceable:
        try:
            _, out0 = _numpy_call(P, leaves, extra, 0)
            cand_struct = _to_numpy_tree(out0)
        except Exception as exc:
            report.inputs = _trial_inputs(P, leaves, 0)
            return _fail(report, f"the candidate raised {_first_line(exc)}", trial=0, stopped=True)
    # expected dense structure
    dense_expect = _expected_dense_struct(P, ref_args0)
    claimed_leaves_s = jax.tree_util.tree_leaves(_normalize_tree(cand_struct))
    exp_leaves_s = jax.tree_util.tree_leaves(dense_expect)
    if (jax.tree_util.tree_structure(_normalize_tree(cand_struct))
            != jax.tree_util.tree_structure(_normalize_tree(dense_expect))
            or any(tuple(c.shape) != tuple(e.shape) for c, e in zip(claimed_leaves_s, exp_leaves_s, strict=True))):
        return _shape_failure(P, report, leaves, extra, blocks, cand_struct, dense_expect, traceable)
    bad_dtype = [(c.dtype, e.dtype) for c, e in zip(claimed_leaves_s, exp_leaves_s, strict=True)
                 if _is_float(c.dtype) and float(jnp.finfo(c.dtype).eps) > float(
                     jnp.finfo(min((P.leaves[i].dtype for i in P.diff_leaves),
                                   key=lambda d: -float(jnp.finfo(d).eps))).eps)]
    if bad_dtype:
        report.inputs = _trial_inputs(P, leaves, 0)
        return _fail(report, f"wrong dtype: the candidate returns {bad_dtype[0][0]} for "
                             f"{P.leaves[P.diff_leaves[0]].dtype} inputs (a constant of lower precision?)",
                     trial=0)

    # -- run all trials ----------------------------------------------------------------------------
    progs = _programs(P)
    per_trial = max(entries, out_size, in_size) * 3
    claimed: list[np.ndarray]
    notes: list[str] = []
    if traceable:
        try:
            refs, cl, primal_ok = _run_batched(progs["joint"], leaves, extra, T, per_trial)
            claimed = [np.asarray(a) for a in jax.tree_util.tree_leaves(_normalize_tree(cl))]
        except Exception as exc:
            traceable = False
            notes.append(f"the candidate traced but failed under jit(vmap) ({_first_line(exc)}); it ran "
                         "trial by trial instead")
    if not traceable:
        refs, primal_ok = _run_batched(progs["ref"], leaves, extra, T, per_trial)
        claimed_per: list[list[np.ndarray]] = []
        for t in range(T):
            try:
                cargs, out = _numpy_call(P, leaves, extra, t)
                snapshot = [np.array(a) for a in jax.tree_util.tree_leaves(cargs)]
                if P.opts["hygiene"] and t == 0:
                    again = _to_numpy_tree(P.cand(*cargs))
                out = _to_numpy_tree(out)
            except Exception as exc:
                report.inputs = _trial_inputs(P, leaves, t)
                return _fail(report, f"the candidate raised {_first_line(exc)}", trial=t, stopped=True)
            if P.opts["hygiene"]:
                after = jax.tree_util.tree_leaves(cargs)
                for before_a, after_a, lf in zip(snapshot, after, P.leaves + [None] * len(after), strict=False):
                    if not np.array_equal(before_a, np.asarray(after_a), equal_nan=True):
                        where = lf.path if lf is not None else "its cotangent/tangent argument"
                        report.inputs = _trial_inputs(P, leaves, t)
                        return _fail(report, f"the candidate mutates its input {where} (it must not modify "
                                             "its arguments in place; copy them first)", trial=t, stopped=True)
                if t == 0:
                    a_l, b_l = jax.tree_util.tree_leaves(out), jax.tree_util.tree_leaves(again)
                    diffs = [float(np.max(np.abs(np.asarray(a, np.float64) - np.asarray(b, np.float64)),
                                          initial=0.0)) for a, b in zip(a_l, b_l, strict=True)
                             if not np.array_equal(a, b, equal_nan=True)]
                    if diffs:
                        report.inputs = _trial_inputs(P, leaves, 0)
                        return _fail(report, f"nondeterministic candidate: two calls on the same inputs "
                                             f"differ by up to {max(diffs):.3g}", trial=0, stopped=True)
            claimed_per.append([np.asarray(a) for a in jax.tree_util.tree_leaves(out)])
        claimed = [np.stack(parts) for parts in zip(*claimed_per, strict=True)]
        notes.append("the candidate is not JAX-traceable: it ran in a loop, one trial at a time")

    if P.dense:
        witnesses = [[np.asarray(a) for a in jax.tree_util.tree_leaves(_normalize_tree(r))] for r in refs]
    else:  # probe mode: one list of products, J·v per output leaf then uᵀJ per input leaf
        witnesses = [[np.asarray(a) for a in jax.tree_util.tree_leaves(_normalize_tree(refs))]]
    if not P.dense:
        claimed = _contract(P, claimed, extra, blocks, out_shapes, shapes)
    ref = witnesses[0]
    report.notes.extend(notes)
    return _compare(P, report, blocks, leaves, extra, edge, claimed, ref, witnesses, shapes, traceable,
                    np.asarray(primal_ok, dtype=bool))


def _expected_dense_struct(P: _Problem, ref_args: tuple[Any, ...]) -> Any:
    """What the candidate must return (shapes only), from JAX's dense reference."""
    an = P.argnums_given
    if P.kind == "gradient":
        return jax.eval_shape(jax.grad(P.f, argnums=an), *ref_args)
    if P.kind == "jacobian":
        return jax.eval_shape(jax.jacfwd(P.f, argnums=an), *ref_args)
    if P.kind == "hessian":
        return jax.eval_shape(jax.jacfwd(jax.jacrev(P.f, argnums=an), argnums=an), *ref_args)
    g, ps = _wrt(P, ref_args)
    if P.kind == "vjp":
        res = jax.eval_shape(lambda *p: jax.vjp(g, *p)[1](g(*p)), *ps)
        return res[0] if not isinstance(an, tuple) else res
    return jax.eval_shape(g, *ps)


def _shape_failure(P: _Problem, report: CheckReport, leaves: list[np.ndarray], extra: dict[str, Any],
                   blocks: list[_Block], cand_struct: Any, dense_expect: Any, traceable: bool) -> CheckReport:
    """The candidate's structure or shapes differ from JAX's: compute trial 0 concretely and explain."""
    report.inputs = _trial_inputs(P, leaves, 0)
    cs = _normalize_tree(cand_struct)
    es = _normalize_tree(dense_expect)
    c_def, e_def = jax.tree_util.tree_structure(cs), jax.tree_util.tree_structure(es)
    if c_def != e_def:
        why = "one derivative per argnum" if isinstance(P.argnums_given, tuple) else "numerator layout"
        return _fail(report, f"wrong structure: the candidate returns {_describe_struct(cs)}, JAX "
                             f"{_describe_struct(es)} ({why})", trial=0)
    # values of trial 0: candidate (concrete) and JAX's dense reference
    lv0 = [jnp.asarray(a[0]) for a in leaves]
    ex0 = {k: [jnp.asarray(a[0]) for a in v] for k, v in extra.items()}
    try:
        if traceable:
            out = jax.jit(lambda lv, ex: _candidate(P, lv, ex))(lv0, ex0)
        else:
            _, out = _numpy_call(P, leaves, extra, 0)
        c_leaves = [np.asarray(a) for a in jax.tree_util.tree_leaves(_to_numpy_tree(out))]
    except Exception as exc:
        return _fail(report, f"the candidate raised {_first_line(exc)}", trial=0, stopped=True)
    Q = replace(P, dense=True)
    ref0 = jax.jit(lambda lv, ex: _reference(Q, lv, ex)[0])(lv0, ex0)
    r_leaves = [np.asarray(a) for a in jax.tree_util.tree_leaves(_normalize_tree(ref0))]
    dense_blocks = _blocks(Q, jax.eval_shape(P.f, *_args(P, _up(P, lv0))), [lf.shape for lf in P.leaves]) \
        if P.kind in ("jacobian", "hessian") else blocks
    rtol = max(1e-6, 100 * P.tol.rtol)
    # a wrong shape fails every trial (the shapes do not depend on the draw); the blocks whose shapes
    # agree are not compared, since the check stops here
    diags: list[tuple[_Block, np.ndarray, np.ndarray, str]] = []
    report.blocks = []
    for b, c, r in zip(dense_blocks, c_leaves, r_leaves, strict=True):
        differ = c.shape != r.shape
        d = dx.diagnose_shape(c, r, out_shape=b.out_shape, in_shape=b.in_shape, rtol=rtol) if differ else None
        if d is not None:
            diags.append((b, c, r, d))
        report.blocks.append(BlockResult(b.name, b.shape, False, report.trials if differ else 0, math.nan,
                                         math.nan, d, claimed_shape=tuple(c.shape), compared=differ))
    report.max_abs_error = report.max_rel_error = math.nan  # no value was compared: null in JSON
    if not diags:
        return _fail(report, "wrong shape", trial=0)
    b, c, r, _ = diags[0]
    report.block = b.name
    report.claimed, report.expected = c, r
    report.wrt_shape, report.out_shape = tuple(b.in_shape), tuple(b.out_shape)
    diagnosis = diags[0][3] if len(diags) == 1 else "; ".join(f"{bb.name}: {dd}" for bb, _, _, dd in diags)
    return _fail(report, diagnosis, trial=0)


def _describe_struct(tree: Any) -> str:
    if isinstance(tree, tuple):
        return f"a tuple of {len(tree)}"
    if isinstance(tree, dict):
        return f"a dict with keys {sorted(map(str, tree))}"
    shape = getattr(tree, "shape", None)
    return f"an array of shape {tuple(shape)}" if shape is not None else type(tree).__name__


def _errors(c: np.ndarray, r: np.ndarray, tol: Tolerance) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Per trial: abs error, rel error, ok, scale (``c``, ``r`` with leading trial axis)."""
    T = r.shape[0]
    c2 = c.reshape(T, -1).astype(np.float64)
    r2 = r.reshape(T, -1).astype(np.float64)
    with np.errstate(all="ignore"):
        diff = np.abs(c2 - r2)
        diff = np.where(np.isnan(diff), np.inf, diff)
        abs_err = diff.max(axis=1, initial=0.0)
        scale = np.abs(r2).max(axis=1, initial=0.0)
        rel = np.where(scale > 0, abs_err / np.where(scale > 0, scale, 1.0), abs_err)
        ok = (abs_err <= tol.atol + tol.rtol * scale) & np.isfinite(c2).all(axis=1)
    return abs_err, rel, ok, scale


def _worst_entries(name: str, c: np.ndarray, r: np.ndarray, tol: Tolerance, count: int = 5) -> list[Entry]:
    """The worst entries of one block of one trial, only those outside the tolerance (at least one), so
    the report never lists agreeing entries as wrong ones."""
    scale = float(np.max(np.abs(np.asarray(r, np.float64)), initial=0.0))
    bound = tol.atol + tol.rtol * scale
    found = [Entry(name, idx, cv, rv) for idx, cv, rv in dx.worst_entries(c, r, count)]
    wrong = [e for e in found if not e.abs_error <= bound]
    return wrong or found[:1]


def _dims(P: _Problem, shapes: list[tuple[int, ...]]) -> tuple[int, ...]:
    return tuple(sorted({d for s in shapes for d in s if d > 1}))


def _compare(P: _Problem, report: CheckReport, blocks: list[_Block], leaves: list[np.ndarray],
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
        report.inputs = _trial_inputs(P, leaves, t)
        return _fail(report, f"f itself is not finite at trial {t + 1}: the inputs left f's domain; declare one, "
                             "e.g. domains={'x': 'positive'}", trial=t, failures=int(bad.sum()))
    keep &= primal_ok
    for r in ref:
        fin = np.isfinite(r.reshape(T, -1)).all(axis=1)
        keep &= fin | ~edge
        bad = ~fin & ~edge
        if bad.any():
            t = int(np.flatnonzero(bad)[0])
            report.inputs = _trial_inputs(P, leaves, t)
            return _fail(report, f"JAX's derivative is not finite at trial {t + 1}: the inputs left f's domain; "
                                 "declare one, e.g. domains={'x': 'positive'}", trial=t, failures=int(bad.sum()))
    if len(witnesses) > 1:
        for a, b in zip(witnesses[0], witnesses[1], strict=True):
            _, _, agree, _ = _errors(b, a, Tolerance(rtol=max(tol.rtol, 1e-9) * 10, atol=tol.atol * 10))
            agree |= ~keep
            keep &= agree | ~edge
            bad = ~agree & ~edge
            if bad.any():
                t = int(np.flatnonzero(bad)[0])
                report.inputs = _trial_inputs(P, leaves, t)
                return _fail(report, f"JAX's two witnesses (jacfwd and jacrev) disagree at trial {t + 1}: f is "
                                     "not differentiable there", trial=t, failures=int(bad.sum()))
    dropped = int((~keep).sum())
    if dropped:
        report.notes.append(f"{dropped} edge trial(s) dropped: JAX's derivative is not finite or not unique there")
    if not keep.any():
        return _fail(report, "no trial left to compare: every trial was dropped (JAX is not finite there)",
                     trial=None, failures=0)

    ok = np.ones((len(blocks), T), dtype=bool)
    abs_e = np.zeros((len(blocks), T))
    rel_e = np.zeros((len(blocks), T))
    for bi, (c, r) in enumerate(zip(claimed, ref, strict=True)):
        a, rl, o, _ = _errors(c, r, tol)
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
            fn = _cached(P, ("one-sided", b.in_leaf, b.out_leaf), lambda b=b: _one_sided(P, b))
            chunk = min(64, fails.size)
            for start in range(0, fails.size, chunk):  # stop at the first chunk that stays failing
                part = fails[start:start + chunk]
                idx = np.concatenate([part, np.repeat(part[-1:], chunk - part.size)])
                try:
                    L, R = (np.asarray(a, np.float64) for a in fn(*jax.tree_util.tree_map(
                        lambda a, idx=idx: jnp.asarray(a[idx]), (leaves, extra))))
                except Exception:  # f not differentiable off the point: no kink information
                    break
                if not _accept_kinks(P, bi, part, L, R, claimed, ref, ok, kink_info, conventions):
                    break
    # ties: entries accepted one by one must also sum to the derivative along the tie direction
    tie_info, tied_checked = _check_ties(P, blocks, leaves, extra, claimed, ref, ok, conventions)
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
            fd = _fd_blocks(P, blocks, leaves)
        except Exception as exc:
            raise ValueError(f"witness={P.opts['witness']!r}: could not evaluate f that way "
                             f"({_first_line(exc)}); the complex step needs an f that accepts complex inputs"
                             ) from exc
        ftol = Tolerance(rtol=1e-6, atol=1e-8) if P.opts["witness"] == "fd" else Tolerance(rtol=1e-12, atol=1e-14)
        c_vs, j_vs, c_ok, j_ok = 0.0, 0.0, True, True
        for bi in range(len(blocks)):
            sel = keep & ~edge
            if not sel.any():
                continue
            _, rc, oc, _ = _errors(claimed[bi][sel], fd[bi][sel], ftol)
            _, rj, oj, _ = _errors(ref[bi][sel], fd[bi][sel], ftol)
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
    report.inputs = _trial_inputs(P, leaves, t)
    report.claimed, report.expected = np.asarray(c), np.asarray(r)
    report.wrt_shape, report.out_shape = tuple(b.in_shape), tuple(b.out_shape)
    report.entries = _worst_entries(b.name, c, r, P.tol)
    report.ok = False
    diags = []
    for bj, bb in enumerate(blocks):
        if ok[bj].all():
            continue
        # the reported trial when this block fails there too (one trial for the whole text), else its worst
        tj = t if not ok[bj, t] else int(np.argmax(np.where(ok[bj], -np.inf, rel_e[bj])))
        d = _diagnose_block(P, bj, bb, tj, claimed, ref, ok, leaves, extra, edge, kink_info, tie_info, shapes,
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
        _dense_rediagnose(P, report, leaves, extra, t)
    if witness_flags == (True, False):
        report.diagnosis += (" (the candidate agrees with the third witness and JAX does not: "
                             "JAX's convention may be what differs)")
    return report


def _diagnose_block(P: _Problem, bi: int, b: _Block, t: int, claimed: list[np.ndarray], ref: list[np.ndarray],
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
                        f"{_classify(c_, L_, R_, tk)} ({c_:.6g}), JAX the {_classify(r_, L_, R_, tk)} ({r_:.6g})"
                        " (kinks='jax')")
    # clean global patterns first
    d = dx.diagnose_values(c, r, out_shape=b.out_shape, in_shape=b.in_shape, dims=_dims(P, shapes),
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
                near = _near_kink(P, b, leaves, extra, t, entries, tb)
            except Exception:
                near = [False]
            if all(near):
                edge_note = " (an edge trial)" if edge[t] else ""
                n_e, n_t = len(entries), ok.shape[1]
                what = "the wrong entry" if n_e == 1 else f"all {n_e} wrong entries"
                return (f"wrong only near a kink: {what} of trial {t + 1}{edge_note} lie within 0.1 of a point "
                        f"where JAX's derivative jumps, and {n_t - len(fails)} of {n_t} trials pass")
    # holds only for symmetric matrices?
    sym = _symmetric_probe(P, bi, t, leaves, extra, traceable)
    if sym is not None:
        return sym
    return d


def _symmetric_probe(P: _Problem, bi: int, t: int, leaves: list[np.ndarray], extra: dict[str, Any],
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
                progs = _programs(P)
                if traceable:
                    refs, cl, _ = _run_batched(progs["joint"], sym, extra, T, 1)
                    cl_l = [np.asarray(a)[t] for a in jax.tree_util.tree_leaves(_normalize_tree(cl))]
                else:
                    refs, _ = _run_batched(progs["ref"], sym, extra, T, 1)
                    _, out = _numpy_call(P, sym, extra, t)
                    cl_l = [np.asarray(a) for a in jax.tree_util.tree_leaves(_to_numpy_tree(out))]
            r_l = [np.asarray(a)[t] for a in jax.tree_util.tree_leaves(_normalize_tree(refs[0]))]
        except Exception:
            continue
        if not P.dense:
            continue
        agree = all(bool(_errors(c[None], r[None], P.tol)[2][0]) for c, r in zip(cl_l, r_l, strict=True))
        if agree:
            name = lf.path
            return (f"holds only for symmetric matrices: the candidate agrees with JAX when {name} is made "
                    f"symmetric, and {name} is not symmetric here")
    return None


def _dense_rediagnose(P: _Problem, report: CheckReport, leaves: list[np.ndarray], extra: dict[str, Any],
                      t: int) -> None:
    """Probe mode found a failure: rebuild trial ``t`` densely (when it fits) for a sharper diagnosis."""
    Q = replace(P, dense=True)
    lv = [jnp.asarray(a[t]) for a in leaves]
    try:
        out_struct = jax.eval_shape(P.f, *_args(P, _up(P, lv)))
        blocks = _blocks(Q, out_struct, [lf.shape for lf in P.leaves])
        if sum(math.prod(b.shape) for b in blocks) > 64 * P.opts["max_dense"]:
            report.notes.append("probe mode: the Jacobian is too large to rebuild for a diagnosis")
            return
        ref = jax.jit(lambda lv: _reference(Q, lv, {})[0])(lv)
        try:
            cl = jax.jit(lambda lv: _candidate(Q, lv, {}))(lv)
        except Exception:
            _, cl = _numpy_call(Q, leaves, {}, t)
            cl = _to_numpy_tree(cl)
    except Exception:
        return
    r_l = [np.asarray(a) for a in jax.tree_util.tree_leaves(_normalize_tree(ref))]
    c_l = [np.asarray(a) for a in jax.tree_util.tree_leaves(_normalize_tree(cl))]
    diags = []
    for b, c, r in zip(blocks, c_l, r_l, strict=True):
        _, _, okb, _ = _errors(c[None], r[None], P.tol)
        if okb[0]:
            continue
        d = dx.diagnose_values(c, r, out_shape=b.out_shape, in_shape=b.in_shape,
                               dims=_dims(P, [lf.shape for lf in P.leaves]), rtol=P.tol.rtol, atol=P.tol.atol)
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
    report.entries = _worst_entries(b.name, c, r, P.tol)
    report.notes.append(f"probe mode detected the failure; trial {t + 1} was rebuilt densely for the diagnosis")


# =================================================================================================
# Retries at other shapes
# =================================================================================================


def _remap(P: _Problem, shapes: list[tuple[int, ...]], mapping: dict[int, int]) -> list[tuple[int, ...]]:
    return [tuple(mapping.get(d, d) for d in s) if lf.drawn else s for lf, s in zip(P.leaves, shapes, strict=True)]


def _retry(P: _Problem, shapes: list[tuple[int, ...]]) -> CheckReport | None:
    """The check at other shapes (fewer trials, no further retries); ``None`` if f or the candidate
    does not accept them (the shapes are not free)."""
    Q = replace(P, opts={**P.opts, "witness": None})
    trials = min(P.opts["trials"], 20)
    try:
        rep = _run(Q, shapes, trials, P.opts["seed"])
    except (ValueError, TypeError):
        return None
    if rep.diagnosis and rep.diagnosis.startswith(("the candidate raised", "wrong structure", "JAX's")):
        return None
    return rep


def _shrink(P: _Problem, shapes: list[tuple[int, ...]], report: CheckReport) -> None:
    """Retry a failing check at smaller shapes; record the smallest that still fails."""
    fixed = {d for lf, s in zip(P.leaves, shapes, strict=True) if not lf.drawn for d in s}
    sizes = sorted({d for lf, s in zip(P.leaves, shapes, strict=True) if lf.drawn for d in s} - fixed)
    best = None
    for start in (1, 2):
        target = list(range(start, start + len(sizes)))
        if not sizes or target == sizes or any(t > s for t, s in zip(target, sizes, strict=True)):
            continue
        new = _remap(P, shapes, dict(zip(sizes, target, strict=True)))
        rep = _retry(P, new)
        if rep is not None and not rep.ok:
            best = new
            break
    if best is not None:
        report.smallest_failing = [(lf.path, s) for lf, s in zip(P.leaves, best, strict=True)]


def _coincidence(P: _Problem, shapes: list[tuple[int, ...]], report: CheckReport) -> None:
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
                jax.eval_shape(P.f, *_args(P, [jax.ShapeDtypeStruct(x, np.float64 if P.leaves[i].drawn else
                                                                   P.leaves[i].dtype) for i, x in enumerate(new)]))
            except Exception:
                continue
            tried += 1
            rep = _retry(P, new)
            if rep is None:
                new_cand_fails = _candidate_rejects(P, new)
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


def _candidate_rejects(P: _Problem, shapes: list[tuple[int, ...]]) -> str | None:
    """f accepts ``shapes`` but the candidate raises (or returns a wrong shape) there."""
    leaves, _ = _draw(P, shapes, 1, P.opts["seed"])
    try:
        with x64(True):
            out_struct = jax.eval_shape(P.f, *_args(P, _up(P, [jnp.asarray(a[0]) for a in leaves])))
            extra = _extras(P, out_struct, 1, P.opts["seed"])
            _, out = _numpy_call(P, leaves, extra, 0)
    except Exception as exc:
        return f"the candidate raised {_first_line(exc)}"
    del out
    return None

