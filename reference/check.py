r"""Check anyone's hand-derived gradient, Jacobian, VJP, JVP or Hessian against JAX, with a diagnosis.

>>> import numpy as np
>>> f = lambda W, x: ((W @ x) ** 2).sum()                  # f(W, x) = ‖W x‖²
>>> grad_W = lambda W, x: 2 * np.outer(W @ x, x)           # ∂f/∂W = 2 (W x) xᵀ   (right)
>>> check_gradient(f, grad_W, np.zeros((3, 4)), np.zeros(4)).ok
True
>>> wrong = lambda W, x: np.outer(W @ x, x)                # the factor 2 forgotten
>>> check_gradient(f, wrong, np.zeros((3, 4)), np.zeros(4)).diagnosis
'off by a constant factor 1/2'

The candidate is the user's function; the reference is what JAX computes from ``f``:

============  ==============================================  ==========================================
helper        candidate is called as, and returns             JAX reference
============  ==============================================  ==========================================
gradient      ``grad(*args)``: shaped like ``args[argnums]``  ``jax.grad(f, argnums)``
jacobian      ``jac(*args)``: ``out.shape + in.shape``        ``jax.jacfwd`` and ``jax.jacrev``
              (dense, or structured from ``analytic``)
vjp           ``vjp(*args, ct)``: ``ctᵀ·J``, like the input   ``jax.vjp`` (``ct`` drawn like the output)
jvp           ``jvp(*args, t)``: ``J·t``, like the output     ``jax.jvp`` (``t`` drawn like the input)
hessian       ``hess(*args)``: ``in.shape + in.shape``        ``jacfwd(jacrev)`` and ``jacrev(jacfwd)``
============  ==============================================  ==========================================

A tuple ``argnums`` gives a tuple of derivatives (JAX's structure: ``jacfwd`` nests the output's
structure outside the inputs'); arguments may be pytrees (dicts of parameters), reported leaf by leaf
(``params['layer2']['W']``).

**Trials.** ``args`` are examples: every trial draws new inputs of the same shapes and dtypes from
each argument's domain (``domains={"x": "positive"}``; names from :data:`chainrule.reference.samplers.DOMAINS`,
a :class:`~chainrule.reference.samplers.Domain`, a callable ``(rng, shape) -> array``, or ``"fixed"`` to keep
the example's value). The trials keep the examples' shapes, the shapes ``f`` was written for (a
closure over a fixed 4 × 4 ``A`` is never called at other shapes). Gaussian draws keep values
distinct and matrices non-symmetric, so a formula that holds only for symmetric matrices is caught;
``vary_shapes=True`` also retries a passing check whose example has a square argument (two equal
axes) with each of those axes grown by one, where ``f`` accepts it, so a formula that holds only when
dimensions coincide is caught (``chainrule check``, where shapes are declared, does this by
default). A failing check is retried at smaller shapes (``shrink=True``) and reports the smallest
failing one. Integer (non-float) leaves are held fixed. Zero-size arguments or outputs are an error:
nothing would be compared.

**Custom rules are what is under test, never the reference.** JAX differentiates through
``jax.custom_vjp``/``custom_jvp`` rules; the reference is the derivative of ``f``'s forward as written:
every custom rule defined outside JAX is inlined to its primal function (JAX's own, such as
``jax.nn.relu``'s, keep their conventions), and the report names the rules it found
(``custom_rules="keep"`` trusts them instead). :func:`check_custom_vjp` and :func:`check_custom_jvp`
check a function's own rules against autodiff of its forward.

**Precision.** When the examples are of lower precision than float64 (parameters built with
``jnp.zeros`` in float32), the candidate runs in float64 if it accepts float64 inputs (it returns
float64 derivatives for them), with float64 tolerances, and a note says so; one that only runs in
low precision is judged with that dtype's tolerance, and the report's first line says so
(``candidate_precision="as-given"`` keeps the examples' dtypes).

**Memory.** A check keeps within ``memory`` bytes (default 1 GiB): trials run in chunks that fit, a
Jacobian too large for the budget is checked by probes (``mode="auto"``), and probe mode contracts
each chunk's dense candidate blocks at once, so 100 trials of a 3000 × 3000 Jacobian never sit in
memory together.

**Candidates of every kind.** A JAX-traceable candidate runs with the reference under one
``jax.jit(jax.vmap(...))`` over all trials (one compilation; the compiled programs are cached, so a
second seed costs one run). A NumPy-only candidate (it calls ``np.*`` on its inputs) is detected when
tracing fails and runs in a loop, one trial at a time, with hygiene checks: it must not modify its
inputs (its arguments are snapshotted before every call, so even ``dx = dout; dx[x <= 0] = 0``, which
writes the same values on every call, is caught), and two calls on the same inputs must agree
(``hygiene=True``). A NumPy candidate that raises a numerical error (``LinAlgError``,
``ArithmeticError``) on an edge trial, an input the checker built with entries at a kink point (a
matrix made singular), skips that trial and says so; on an ordinary trial it fails. Structured Jacobians
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
1e−6…1e−2 of one, then entries are tied inside each argument (equal neighbours, the maximum and
minimum copied onto other entries) and arguments of equal shape tie on a third of their entries
(``maximum(x, y)`` at ``x = y``). Where candidate and JAX differ at such a point, JAX computes the
one-sided derivatives (``jax.jvp`` at ``x ± h·e_j``, ``h = √ε·max(1, |x_j|)``): with
``kinks="between"`` (default) a claimed value between the left and right slopes, or between JAX's
derivatives with the trial's ties broken in other orders (the middle rank of ``sort`` at a three-way
tie), is accepted and the report names the convention it follows; ``kinks="jax"`` requires JAX's
value. An edge trial where JAX's derivative is not finite, or where its two witnesses disagree, is
skipped and named in a note. So is an edge trial where ``f`` is singular or ill-conditioned (a
roundoff-sized, kink- and tie-preserving change of the inputs moves JAX's derivative enough to explain
the disagreement; :mod:`~chainrule.reference.checker.conditioning`), and one where the candidate
raised a numerical error there. A candidate that raises or disagrees on an ordinary trial, or on a
well-conditioned edge trial, fails.

**Ties.** Entry by entry, ``1`` lies between the slopes ``0`` and ``1`` of both ``∂max(x, y)/∂x`` and
``∂max(x, y)/∂y`` at ``x = y``, yet moving ``x`` and ``y`` together changes ``max(x, y)`` at rate 1, so
the two partials must add up to 1. Where two differentiated arguments of one shape tie
(``x_j = y_j``, tuple ``argnums``; pytree leaves too) and the candidate differs from JAX at ``j``, JAX
also computes the one-sided derivatives along the tie direction ``t = (e_j, e_j)`` (``jax.jvp`` of
``s ↦ f(x + s·e_j, y + s·e_j)`` at ``s = ±h``), and ``∂f/∂x_j + ∂f/∂y_j`` must lie between them, per
output entry (for a VJP, of ``ctᵀf``): JAX's ``(½, ½)``, ``(1, 0)`` and ``(0, 1)`` pass, ``(1, 1)`` is
*wrong at a tie*. Inside one argument (``max(x)``, max-pooling, ``sort``, ``top_k``), each group of
equal entries ``G`` where the candidate differs from JAX must satisfy ``D− ≤ Σ_{j∈G} ∂f/∂x_j ≤ D+``
along ``1_G``, per output entry: the first maximum, JAX's equal split and any permutation pass;
routing the gradient to every tied maximum (``1 + 1``) is *wrong at a tie* (not checked for JVPs or
in probe mode). Limits: ties between arguments are checked pairwise (a three-way tie as its pairs),
and not at a tie on a kink point (``x_j = y_j = 0``), where each argument may sit on a kink of its own and
follow its own convention (``|x| − |y|``: ``(1, 1)`` is a valid generalized gradient there).

Conventions at the tie or kink (``relu`` at 0, ``abs`` at 0, ``clip`` at a bound, ``maximum`` at a
tie):

==========================  ==============================  ===============================
function at the point       JAX                             torch
==========================  ==============================  ===============================
relu(x) at x = 0            ``jax.nn.relu``: 0;             ``torch.relu``: 0
                            ``jnp.maximum(0, x)``: 0.5
maximum(x, y) at x = y      0.5 to each argument            0.5 to each argument
clip(x, lo, hi) at a bound  0.5 (``jnp.clip`` is a          1 (``clamp_backward`` passes
                            ``maximum``/``minimum`` pair)   the gradient on the bounds)
abs(x) at x = 0             1                               0 (``sgn(0) = 0``)
==========================  ==============================  ===============================

The project's own convention (DESIGN.md) is the paper's: ``d/dz max(0, z) = 0`` at ``z = 0``.

**Diagnosis.** A failing report names the kind of mistake (:mod:`chainrule.reference.checker.diagnosis`): wrong shape
(transposed / denominator layout, flattened, a batch sum missing, broadcasts but differs),
non-finite values, a derivative missing for an argument (zero where JAX is not), transposed, a
constant factor (sign flip, 2, 1/2, N, 1/N) or a factor that varies with the inputs, wrong at or
only near a kink, wrong at a tie, holds only for symmetric matrices, holds only when dimensions
coincide, one or a few wrong entries, a dropped term (a rank-one or diagonal difference), close but
not exact, a candidate that raises, mutates its inputs or is nondeterministic. For a VJP or JVP the
failing trial's Jacobian is rebuilt from the candidate's products with the basis vectors (probed past
``max_dense``) and diagnosed like a Jacobian: a rank-one term per slice (a normalization's variance
path), a path that ignores an output's cotangent (an LSTM's ``dc_next``), not linear in the vector.
Factors are written as people write them (``1/2``, ``√2``, ``N``). It lists the worst entries with
their indices (only entries outside the tolerance), candidate and JAX labelled, the shapes, dtype,
seed and trial, and a one-line call that reproduces it; ``report.inputs`` holds that trial's
arguments. A wrong shape or structure fails every trial (no error is measured: ``n/a`` in the text,
``null`` in JSON); a candidate that raises, mutates its input or is nondeterministic stops the check
at that trial (``report.stopped``).

**More witnesses.** ``witness="fd"`` adds central finite differences (``h = ε^(1/3)·max(1, |x_j|)``,
in float64) and ``witness="complex-step"`` the complex step (``Im f(x + i·h·e_j)/h``, ``h = 1e−20``;
``f`` must accept complex inputs) as a third witness for gradients and Jacobians, for when JAX's own
convention is in question. They add notes; ``ok`` is judged against JAX, arbitrated as below.

**When JAX itself is wrong** (``arbitrate=True``, the default). JAX's derivative rules are code, and
code can be wrong (``jax.scipy.special.i0`` has slope 1 at 0; the truth is ``I1(0) = 0``). On every
trial where the candidate and JAX disagree, a second witness computed from ``f``'s values alone
(:mod:`chainrule.reference.witness`: the complex step where ``f`` takes complex input, else Ridders'
extrapolated central differences in float64, each with an error bound) estimates the disagreeing
entries, one input direction at a time, for every kind of check. If it sides with the candidate beyond
doubt (the candidate within its bound, JAX outside twice the bound), the verdict is "JAX's derivative is
wrong here": the trial passes and ``report.jax_wrong`` lists JAX's value, the witness's value and bound,
the entries, the trial and a few lines of Python that show JAX's value there. If it sides with JAX (or
with neither), the candidate fails as before and a note says so; arbitration stops at that trial, so a
wrong candidate costs one trial's estimates. Where it cannot decide (a kink, where the one-sided slopes
differ; an ill-conditioned point), the kink and tie analysis settles the trial, and a trial it leaves
failing is not counted as a pass. Passing trials are never arbitrated. ``arbitrate=False`` judges
against JAX alone.

**Never a silent pass.** Zero trials and unusable arguments raise ``ValueError``/``TypeError``; a
candidate that raises, returns NaN where JAX is finite, or returns a shape that merely broadcasts to
JAX's is a failure with a message; a trial where JAX itself is not finite (outside the domain) fails
too, and says to declare a domain.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any

from .autodiff import x64
from .checker.custom_rules import own_jvp, own_vjp
from .checker.engine import run_once
from .checker.precision import promote
from .checker.problem import label_of, setup
from .checker.programs import PROGRAMS
from .checker.report import CheckReport
from .checker.shrinking import coincidence, shrink
from .strategies import exclude_from_deadline, property_test_options

__all__ = [
    "CheckReport",
    "assert_custom_jvp",
    "assert_custom_vjp",
    "assert_gradient",
    "assert_hessian",
    "assert_jacobian",
    "assert_jvp",
    "assert_vjp",
    "check_custom_jvp",
    "check_custom_vjp",
    "check_gradient",
    "check_hessian",
    "check_jacobian",
    "check_jvp",
    "check_vjp",
]

def check_gradient(f: Callable[..., Any], grad: Callable[..., Any], *args: Any,
                   argnums: int | tuple[int, ...] = 0, **options: Any) -> CheckReport:
    """Compare ``grad(*args)`` with ``jax.grad(f, argnums)`` on randomized inputs shaped like ``args``.

    ``f`` must return a scalar; ``grad`` returns the gradient shaped like ``args[argnums]`` (a tuple
    of them for a tuple ``argnums``). Options: see the module docstring (``trials=100, seed=0,
    rtol=None, atol=None, domains=None, mode="auto", precision="float64", kinks="between",
    kink_points=(0.0,), witness=None, arbitrate=True, probes=8, max_dense=65536, hygiene=True, shrink=True,
    name=None, avoid=None, avoid_margin=0.05, vary_shapes=False, custom_rules="inline",
    candidate_precision="float64", memory=2**30``).

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



def check_custom_vjp(f: Callable[..., Any], *args: Any, argnums: int | tuple[int, ...] = 0,
                     **options: Any) -> CheckReport:
    """Check ``f``'s own ``jax.custom_vjp`` (or ``custom_jvp``) rules: ``jax.vjp(f)``, which runs them, is
    the candidate; the reference is ``jax.vjp`` of ``f``'s forward as written, the rules inlined to their
    primal functions (:mod:`chainrule.reference.checker.custom_rules`). Works for rules used under
    ``jit``, ``vmap`` and ``scan``, with ``nondiff_argnums`` and pytrees; options as :func:`check_vjp`.

    >>> import jax, jax.numpy as jnp, numpy as np
    >>> @jax.custom_vjp
    ... def softplus(x):
    ...     return jnp.logaddexp(x, 0.0)
    >>> softplus.defvjp(lambda x: (softplus(x), x), lambda x, g: (g * jax.nn.sigmoid(-x),))  # sign slip
    >>> r = check_custom_vjp(lambda x: softplus(x), np.zeros(4), trials=10)
    >>> r.ok, r.candidate
    (False, 'jax.vjp(<lambda>) through its custom rules')
    """
    return _check("vjp", f, own_vjp(f, argnums), args, argnums, _own_rule_options("vjp", f, options),
                  "check_custom_vjp")


def check_custom_jvp(f: Callable[..., Any], *args: Any, argnums: int | tuple[int, ...] = 0,
                     **options: Any) -> CheckReport:
    """Check ``f``'s own ``jax.custom_jvp`` rules: ``jax.jvp(f)``, which runs them, against ``jax.jvp`` of
    ``f``'s forward as written (the rules inlined); options as :func:`check_jvp`.

    >>> import jax, jax.numpy as jnp, numpy as np
    >>> @jax.custom_jvp
    ... def cube(x):
    ...     return x ** 3
    >>> _ = cube.defjvp(lambda p, t: (cube(p[0]), 3 * p[0] ** 2 * t[0]))
    >>> check_custom_jvp(cube, np.zeros(3), trials=10).ok
    True
    """
    return _check("jvp", f, own_jvp(f, argnums), args, argnums, _own_rule_options("jvp", f, options),
                  "check_custom_jvp")


def _own_rule_options(kind: str, f: Callable[..., Any], options: dict[str, Any]) -> dict[str, Any]:
    """A ``check_custom_*`` call's options: the candidate named for ``f``'s rules, which are inlined in the
    reference (the rules are what is checked)."""
    return {**options, "name": options.get("name") or f"jax.{kind}({label_of(f)}) through its custom rules",
            "custom_rules": "inline"}


def _assert(kind: str, f: Callable[..., Any], cand: Callable[..., Any], args: tuple[Any, ...],
            argnums: int | tuple[int, ...], options: dict[str, Any], entry: str = "") -> CheckReport:
    __tracebackhide__ = True
    report = _check(kind, f, cand, args, argnums, options, entry)
    if not report.ok:
        raise AssertionError(str(report))
    return report



def assert_custom_vjp(f: Callable[..., Any], *args: Any, argnums: int | tuple[int, ...] = 0,
                      **options: Any) -> CheckReport:
    """:func:`check_custom_vjp`, raising ``AssertionError(str(report))`` on failure; returns the report."""
    __tracebackhide__ = True
    return _assert("vjp", f, own_vjp(f, argnums), args, argnums, _own_rule_options("vjp", f, options),
                   "check_custom_vjp")


def assert_custom_jvp(f: Callable[..., Any], *args: Any, argnums: int | tuple[int, ...] = 0,
                      **options: Any) -> CheckReport:
    """:func:`check_custom_jvp`, raising ``AssertionError(str(report))`` on failure; returns the report."""
    __tracebackhide__ = True
    return _assert("jvp", f, own_jvp(f, argnums), args, argnums, _own_rule_options("jvp", f, options),
                   "check_custom_jvp")


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



def _check(kind: str, f: Any, cand: Any, args: tuple[Any, ...], argnums: Any,
           options: dict[str, Any], entry: str = "") -> CheckReport:
    start = time.perf_counter()
    implicit = {k: v for k, v in property_test_options().items() if k not in options}
    P = setup(kind, f, cand, args, argnums, {**implicit, **options})
    P.entry = entry
    compiled_before = len(PROGRAMS)
    if entry and not P.custom_rules:
        raise ValueError(f"{entry}: {label_of(f)} uses no custom_vjp/custom_jvp rule of its own (JAX's library "
                         "rules, such as jax.nn.relu's, are not what is checked); to check a hand-written "
                         f"derivative, use check_{kind}(f, candidate, *args)")
    shapes = [lf.shape for lf in P.leaves]
    with x64(True):
        P = promote(P)
        report = run_once(P, shapes, P.opts["trials"], P.opts["seed"])
        if not report.ok and P.opts["shrink"] and report.diagnosis is not None:
            shrink(P, shapes, report)
        elif report.ok and P.opts["vary_shapes"]:
            coincidence(P, shapes, report)
    report.seconds = time.perf_counter() - start
    if implicit:
        shown = ", ".join(f"{k}={v!r}" for k, v in implicit.items())
        report.notes.append(f"run inside a Hypothesis test with {shown}: Hypothesis varies and shrinks the "
                            f"shapes (pass {'/'.join(f'{k}=' for k in implicit)} to the check to change it); a "
                            "check that compiled is left out of Hypothesis's deadline")
        if len(PROGRAMS) != compiled_before:
            exclude_from_deadline(report.seconds)
    return report
