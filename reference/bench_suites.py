"""The benchmark suites of ``chainrule bench``: closed forms vs ``jax.grad``, ``jacfwd``, ``jacrev``.

Each suite is one :class:`~chainrule.reference.bench.Suite` record whose ``cases(quick)`` function yields one
:class:`~chainrule.reference.bench.Case` per problem size; a case's ``build()`` allocates the inputs and lists
the contenders. To add a suite, write such a function and append a record to :data:`SUITES`.

* ``loss_gradient``: RULES L-3/L-5, the neuron's loss gradient over X of N × d (§6);
* ``elementwise``: the diagonal Jacobian of an element-wise operator (RULES N-4, E-2), O(n)
  structured vs dense ``jacfwd``/``jacrev``;
* ``chain_rule``: the vector chain rule composing four diagonal Jacobians (RULES C-12) vs autodiff
  of the composition;
* ``checking``: the cost of checking one rule over many trials: vmapped vs looped, cold and warm;
* ``sharded``: the loss gradient under ``jit`` with X sharded over 8 simulated CPU devices;
* ``softmax_jacobian``: LF-1, the softmax Jacobian ``diag(s) − s sᵀ`` kept structured (O(k)) vs the
  dense ``k × k`` one (``jacfwd``, ``jacrev``, or the closed form densified), used once on a vector;
* ``hvp``: H-4 / H-5, closed-form Hessian-vector products vs ``jax.jvp(jax.grad)`` (and the dense
  Hessian while it fits), for logistic regression and softmax cross-entropy.
"""

from __future__ import annotations

import math
from collections.abc import Iterator
from types import SimpleNamespace
from typing import Any

import jax
import jax.numpy as jnp
import numpy as np

from chainrule.analytic.structured import Diagonal

from .bench import Case, Contender, Suite
from .catalog import by_name


def _rule(name: str) -> Any:
    """A catalog record: the benchmarks take each closed form *with its primal* from the catalog, as the
    rest of reference/ does, so what is timed is exactly what ``chainrule verify`` checks."""
    return by_name(name)


# The closed forms and primals timed here, each reached through the record that verifies it.
nn = SimpleNamespace(
    loss=_rule("loss_gradient_w").primal,
    loss_gradient=_rule("loss_gradient_w").uses[0],  # the public chainrule.analytic.neuron.loss_gradient
    relu=_rule("jac_relu_x").primal,
    jac_relu_x=_rule("jac_relu_x").derivative,
)
lf = SimpleNamespace(
    softmax=_rule("jac_softmax_z").primal,
    jac_softmax_z=_rule("jac_softmax_z").derivative,
    logistic_loss=_rule("hvp_logistic_loss_w").primal,
    softmax_cross_entropy=_rule("hvp_softmax_cross_entropy_z").primal,
)
he = SimpleNamespace(
    hvp_logistic_loss_w=_rule("hvp_logistic_loss_w").derivative,
    hess_logistic_loss_w=_rule("hess_logistic_loss_w").derivative,
    hvp_softmax_cross_entropy_z=_rule("hvp_softmax_cross_entropy_z").derivative,
)

__all__ = ["SUITES", "single_pass_loss_gradient"]

#: A dense n × n Jacobian (and jacfwd's n × n tangent basis) runs only below this many bytes.
DENSE_BYTES = 256 * 2**20
#: jacfwd of the loss costs about N·d² multiply-adds (d tangents); it runs only below this.
JACFWD_WORK = 2 * 10**9
#: The dense vector chain rule multiplies three n × n matrices (3n³ multiply-adds); below this only.
DENSE_CHAIN_WORK = 10**10
#: The loss-gradient grid keeps N·d at most this (X of 160 MB in float64): the full run's time.
LOSS_ELEMENTS = 2 * 10**7


def _itemsize(dtype: str) -> int:
    return np.dtype(dtype).itemsize


def _mib(nbytes: float) -> str:
    return f"{nbytes / 2**20:,.0f} MiB"


# --- 1. the neuron's loss gradient (RULES L-3, L-5) ----------------------------------------------


def _block_rows(N: int, limit: int = 4096) -> int:
    """The largest divisor of N that is at most ``limit`` (the scan's block of rows)."""
    return next(B for B in range(min(N, limit), 0, -1) if N % B == 0)


def single_pass_loss_gradient(w: Any, b: Any, X: Any, y: Any) -> tuple[Any, Any]:
    """The loss gradient in one pass over X with ``jax.lax.scan`` over row blocks (JAX only).

    Not part of :mod:`analytic` (the array API has no loop primitive and ``analytic`` never imports
    JAX): a yardstick that shows what fusing the two products with each block of rows buys.
    """
    N, d = X.shape
    B = _block_rows(N)

    def block(sums: tuple[Any, Any], Xy: tuple[Any, Any]) -> tuple[tuple[Any, Any], None]:
        X_b, y_b = Xy
        z = X_b @ w + b
        masked_error = jnp.where(z > 0, z - y_b, jnp.zeros_like(z))
        return (sums[0] + masked_error @ X_b, sums[1] + jnp.sum(masked_error)), None

    (sum_w, sum_b), _ = jax.lax.scan(block, (jnp.zeros_like(w), jnp.zeros_like(b)),
                                     (X.reshape(N // B, B, d), y.reshape(N // B, B)))
    return (2.0 / N) * sum_w, (2.0 / N) * sum_b


def _loss_data(N: int, d: int, dtype: str, seed: int = 0) -> tuple[np.ndarray, ...]:
    rng = np.random.default_rng([seed, N, d])
    X = rng.standard_normal((N, d)).astype(dtype)
    w = (rng.standard_normal(d) / math.sqrt(d)).astype(dtype)  # about half the units active
    b = np.asarray(0.1, dtype=dtype)
    y = rng.standard_normal(N).astype(dtype)
    return w, b, X, y


def _loss_case(N: int, d: int, dtype: str) -> Case:
    skipped = {}
    if N * d * d > JACFWD_WORK:
        skipped["jit(jacfwd)"] = f"N·d² = {N * d * d:.0e} multiply-adds > {JACFWD_WORK:.0e}"

    def build() -> list[Contender]:
        w, b, X, y = _loss_data(N, d, dtype)
        wj, bj, Xj, yj = (jnp.asarray(a) for a in (w, b, X, y))
        jax_args = (wj, bj, Xj, yj)
        both = (0, 1)
        out = [
            Contender("closed form (NumPy)", nn.loss_gradient, (w, b, X, y), jit=False),
            Contender("closed form (jit)", nn.loss_gradient, jax_args),
            Contender("jit(grad)", jax.grad(nn.loss, argnums=both), jax_args),
            Contender("jit(jacrev)", jax.jacrev(nn.loss, argnums=both), jax_args),
        ]
        if "jit(jacfwd)" not in skipped:
            out.append(Contender("jit(jacfwd)", jax.jacfwd(nn.loss, argnums=both), jax_args))
        out += [
            Contender("scan, one pass (jit, JAX only)", single_pass_loss_gradient, jax_args),
            Contender("X @ w: one pass over X (jit)", lambda X, w: X @ w, (Xj, wj), compare=False),
        ]
        return out

    return Case(f"N={N:,} d={d} {dtype}", f"d = {d}, {dtype}", N, build, dtype,
                {"N": N, "d": d, "X_bytes": N * d * _itemsize(dtype)}, skipped)


def loss_gradient_cases(quick: bool) -> Iterator[Case]:
    """N from 10² to 10⁶ and d in 10, 100, 1,000 (N·d ≤ :data:`LOSS_ELEMENTS`), float32 and float64."""
    if quick:
        yield from (_loss_case(N, 20, "float32") for N in (500, 5_000))
        return
    for dtype in ("float32", "float64"):
        for d in (10, 100, 1000):
            for N in (100, 1_000, 10_000, 100_000, 200_000, 1_000_000):
                if N * d <= LOSS_ELEMENTS:
                    yield _loss_case(N, d, dtype)


# --- 2. element-wise operator Jacobians (RULES N-4, E-2) -----------------------------------------


def _dense_skips(n: int, dtype: str, names: tuple[str, ...]) -> dict[str, str]:
    need = n * n * _itemsize(dtype)
    if need <= DENSE_BYTES:
        return {}
    return {name: f"dense n × n Jacobian needs {_mib(need)} > {_mib(DENSE_BYTES)}" for name in names}


def _diagonal_of(J: Any) -> Any:
    return jnp.diagonal(J)


def _elementwise_case(n: int, dtype: str = "float64") -> Case:
    skipped = _dense_skips(n, dtype, ("jit(jacfwd)", "jit(jacrev)"))

    def build() -> list[Contender]:
        x = np.random.default_rng([1, n]).standard_normal(n).astype(dtype)
        xj = jnp.asarray(x)
        out = [
            Contender("closed form (NumPy)", nn.jac_relu_x, (x,), jit=False,
                      view=lambda J: J.diagonal()),
            Contender("closed form (jit)", lambda x: nn.jac_relu_x(x).diagonal(), (xj,)),
            Contender("jvp with 1⃗ (jit)",
                      lambda x: jax.jvp(nn.relu, (x,), (jnp.ones_like(x),))[1], (xj,)),
            Contender("vjp with 1⃗ (jit)", lambda x: jax.vjp(nn.relu, x)[1](jnp.ones_like(x))[0], (xj,)),
        ]
        for name, jac in (("jit(jacfwd)", jax.jacfwd), ("jit(jacrev)", jax.jacrev)):
            if name not in skipped:
                out.append(Contender(name, jac(nn.relu), (xj,), view=_diagonal_of))
        return out

    return Case(f"n={n:,}", f"∂max(0, x)/∂x = diag(1[x > 0]), {dtype}", n, build, dtype,
                {"n": n}, skipped)


_SIZES = (10, 100, 1_000, 3_162, 10_000, 100_000, 1_000_000)


def elementwise_cases(quick: bool) -> Iterator[Case]:
    """n from 10 to 10⁶; the dense references stop where n × n passes :data:`DENSE_BYTES`."""
    yield from (_elementwise_case(n) for n in ((10, 300) if quick else _SIZES))


# --- 3. the vector chain rule over diagonal Jacobians (RULES C-12) --------------------------------


def _chain_primal(w1: Any, w2: Any, x: Any) -> Any:
    """``f(x) = max(0, w₂ ⊗ max(0, w₁ ⊗ x))``: four element-wise steps."""
    return nn.relu(w2 * nn.relu(w1 * x))


def _chain_factors(w1: Any, w2: Any, x: Any) -> list[Diagonal]:
    """The four diagonal Jacobians of the steps, last first: ∂f/∂x = J₄ J₃ J₂ J₁ (RULES C-12)."""
    u1 = w1 * x
    u3 = w2 * nn.relu(u1)
    # ∂(w ⊗ u)/∂u = diag(w) (RULES E-7) and ∂max(0, u)/∂u = diag(1[u > 0]) (RULES N-4)
    return [nn.jac_relu_x(u3), Diagonal(w2), nn.jac_relu_x(u1), Diagonal(w1)]


def _chain_structured(w1: Any, w2: Any, x: Any) -> Diagonal:
    J4, J3, J2, J1 = _chain_factors(w1, w2, x)
    return J4 @ J3 @ J2 @ J1  # Diagonal @ Diagonal stays a Diagonal: O(n) per product


def _chain_dense(w1: Any, w2: Any, x: Any) -> Any:
    J4, J3, J2, J1 = (J.todense() for J in _chain_factors(w1, w2, x))
    return J4 @ J3 @ J2 @ J1  # the chain rule as written, with dense n × n matrices: O(n³)


def _chain_case(n: int, dtype: str = "float64") -> Case:
    skipped = _dense_skips(n, dtype, ("jit(jacfwd)", "jit(jacrev)"))
    if 3 * n**3 > DENSE_CHAIN_WORK:
        skipped["dense chain (jit)"] = f"3n³ = {3 * n**3:.0e} multiply-adds > {DENSE_CHAIN_WORK:.0e}"

    def build() -> list[Contender]:
        rng = np.random.default_rng([2, n])
        w1, w2, x = (rng.standard_normal(n).astype(dtype) for _ in range(3))
        args = tuple(jnp.asarray(a) for a in (w1, w2, x))

        def f(x: Any, w1: Any = args[0], w2: Any = args[1]) -> Any:
            return _chain_primal(w1, w2, x)

        out = [
            Contender("closed form (NumPy)", _chain_structured, (w1, w2, x), jit=False,
                      view=lambda J: J.diagonal()),
            Contender("closed form (jit)", lambda w1, w2, x: _chain_structured(w1, w2, x).diagonal(), args),
            Contender("jvp with 1⃗ (jit)", lambda x: jax.jvp(f, (x,), (jnp.ones_like(x),))[1], args[2:]),
            Contender("vjp with 1⃗ (jit)", lambda x: jax.vjp(f, x)[1](jnp.ones_like(x))[0], args[2:]),
        ]
        if "dense chain (jit)" not in skipped:
            out.append(Contender("dense chain (jit)", _chain_dense, args, view=_diagonal_of))
        for name, jac in (("jit(jacfwd)", jax.jacfwd), ("jit(jacrev)", jax.jacrev)):
            if name not in skipped:
                out.append(Contender(name, jac(f), args[2:], view=_diagonal_of))
        return out

    return Case(f"n={n:,}", f"∂f/∂x, f = max(0, w₂ ⊗ max(0, w₁ ⊗ x)), {dtype}", n, build, dtype,
                {"n": n, "steps": 4}, skipped)


def chain_rule_cases(quick: bool) -> Iterator[Case]:
    """n from 10 to 10⁶; the dense chain stops at :data:`DENSE_CHAIN_WORK`, jacfwd/jacrev at memory."""
    yield from (_chain_case(n) for n in ((10, 300) if quick else _SIZES))


# --- 4. the cost of checking one rule --------------------------------------------------------------

#: The rule the checking suite verifies (a catalog name).
CHECKED_RULE = "grad_loss_w"
#: The eager loop (no jit) runs only up to this many trials.
EAGER_TRIALS = 100


def _checking_case(trials: int) -> Case:
    skipped = {}
    if trials > EAGER_TRIALS:
        skipped["loop, eager (no jit)"] = f"{trials} trials > {EAGER_TRIALS}: about 30 ms per trial"

    def build() -> list[Contender]:
        from .catalog import by_name
        from .verify import draw_inputs, verify_rule

        rule = by_name(CHECKED_RULE)
        sizes = rule.sizes[-1]
        drawn = draw_inputs(rule, sizes, trials, np.random.default_rng(3), "float64")
        batch = tuple(jnp.asarray(drawn[a.name]) for a in rule.args)
        k = rule.argnum

        def trial(*args: Any) -> tuple[Any, Any, Any]:
            """What verify compares for one trial: jacfwd, jacrev and the closed form."""
            return (jax.jacfwd(rule.primal, argnums=k)(*args), jax.jacrev(rule.primal, argnums=k)(*args),
                    rule.derivative(*args))

        step = jax.jit(trial)

        def looped(*batch: Any, one: Any = step) -> list[Any]:
            return [one(*(a[t] for a in batch)) for t in range(trials)]

        def stacked(outs: list[Any]) -> tuple[np.ndarray, ...]:
            return tuple(np.stack([np.asarray(o[i]) for o in outs]) for i in range(3))

        out = [
            Contender("vmap (jit)", jax.vmap(trial), batch),
            Contender("loop over jit(trial)", looped, batch, jit=False, view=stacked),
        ]
        if "loop, eager (no jit)" not in skipped:
            out.append(Contender("loop, eager (no jit)", lambda *b: looped(*b, one=trial), batch,
                                 jit=False, view=stacked))
        out.append(Contender("verify_rule (all shape configs, draws included)",
                             lambda: verify_rule(rule, trials=trials), (), jit=False, compare=False))
        return out

    return Case(f"{trials} trials", f"{CHECKED_RULE} (RULES L-3), float64", trials, build, "float64",
                {"trials": trials, "rule": CHECKED_RULE}, skipped)


def checking_cases(quick: bool) -> Iterator[Case]:
    """10 to 1,000 trials of one rule; the eager loop stops at :data:`EAGER_TRIALS`."""
    yield from (_checking_case(t) for t in ((3,) if quick else (10, 100, 1_000)))


# --- 5. the loss gradient with X sharded over devices ----------------------------------------------

#: Simulated CPU devices of the sharded suite (XLA_FLAGS, set before JAX starts: a subprocess).
SHARDS = 8


def _sharded_case(N: int, d: int, dtype: str = "float32") -> Case:
    def build() -> list[Contender]:
        from jax.sharding import NamedSharding
        from jax.sharding import PartitionSpec as P

        if len(jax.devices()) < SHARDS:
            raise RuntimeError(
                f"the sharded suite needs {SHARDS} devices, JAX sees {len(jax.devices())}; run it "
                f"with XLA_FLAGS=--xla_force_host_platform_device_count={SHARDS} (chainrule bench "
                "does this in a subprocess)"
            )
        mesh = jax.make_mesh((SHARDS,), ("rows",))
        rows, replicated = NamedSharding(mesh, P("rows")), NamedSharding(mesh, P())
        w, b, X, y = _loss_data(N, d, dtype)
        sharded = (jax.device_put(w, replicated), jax.device_put(b, replicated),
                   jax.device_put(X, rows), jax.device_put(y, rows))
        single = tuple(jax.device_put(a, jax.devices()[0]) for a in (w, b, X, y))
        grad = jax.grad(nn.loss, argnums=(0, 1))
        return [
            Contender(f"closed form (jit, X sharded ×{SHARDS})", nn.loss_gradient, sharded),
            Contender(f"jit(grad) (X sharded ×{SHARDS})", grad, sharded),
            Contender("closed form (jit, 1 device)", nn.loss_gradient, single),
            Contender("jit(grad) (1 device)", grad, single),
        ]

    return Case(f"N={N:,} d={d} {dtype}", f"d = {d}, {dtype}, {SHARDS} simulated CPU devices", N,
                build, dtype, {"N": N, "d": d, "shards": SHARDS})


def sharded_cases(quick: bool) -> Iterator[Case]:
    """N of 800 (quick) or 10⁴ to 2·10⁵, d = 100, float32."""
    if quick:
        yield _sharded_case(800, 16)
        return
    yield from (_sharded_case(N, 100) for N in (10_000, 100_000, 200_000))


# --- 6. the softmax Jacobian, structured vs dense (LF-1) ------------------------------------------


def _softmax_jacobian_case(k: int, dtype: str = "float64") -> Case:
    dense = ("closed form, densified (jit)", "jit(jacfwd) @ t", "jit(jacrev) @ t")
    skipped = _dense_skips(k, dtype, dense)

    def build() -> list[Contender]:
        rng = np.random.default_rng([6, k])
        z, t = (rng.standard_normal(k).astype(dtype) for _ in range(2))
        zj, tj = jnp.asarray(z), jnp.asarray(t)
        out = [
            Contender("closed form (NumPy)", lambda z, t: lf.jac_softmax_z(z) @ t, (z, t), jit=False),
            Contender("closed form (jit)", lambda z, t: lf.jac_softmax_z(z) @ t, (zj, tj)),
            Contender("jvp (jit)", lambda z, t: jax.jvp(lf.softmax, (z,), (t,))[1], (zj, tj)),
            Contender("vjp (jit)", lambda z, t: jax.vjp(lf.softmax, z)[1](t)[0], (zj, tj)),
        ]
        builders = {
            "closed form, densified (jit)": lambda z, t: lf.jac_softmax_z(z).todense() @ t,
            "jit(jacfwd) @ t": lambda z, t: jax.jacfwd(lf.softmax)(z) @ t,
            "jit(jacrev) @ t": lambda z, t: jax.jacrev(lf.softmax)(z) @ t,
        }
        out += [Contender(name, fn, (zj, tj)) for name, fn in builders.items() if name not in skipped]
        return out

    return Case(f"k={k:,}", f"∂softmax(z)/∂z applied to t, {dtype}", k, build, dtype, {"k": k}, skipped)


def softmax_jacobian_cases(quick: bool) -> Iterator[Case]:
    """k from 10 to 10⁶ classes; the dense Jacobians stop where k × k passes :data:`DENSE_BYTES`."""
    yield from (_softmax_jacobian_case(k) for k in ((10, 300) if quick else _SIZES))


# --- 7. Hessian-vector products, closed form vs jvp(grad) (H-4, H-5) ---------------------------------

#: Samples of the logistic-regression HVP cases (X is HVP_SAMPLES × n).
HVP_SAMPLES = 100


def _logistic_hvp_case(n: int, dtype: str = "float64") -> Case:
    skipped = _dense_skips(n, dtype, ("closed-form Hessian @ t (jit)", "jax.hessian @ t (jit)"))

    def build() -> list[Contender]:
        rng = np.random.default_rng([7, n])
        X = (rng.standard_normal((HVP_SAMPLES, n)) / math.sqrt(n)).astype(dtype)
        w, t = (rng.standard_normal(n).astype(dtype) for _ in range(2))
        b, y = np.asarray(0.1, dtype=dtype), rng.random(HVP_SAMPLES).astype(dtype)
        args = tuple(jnp.asarray(a) for a in (w, b, X, y, t))

        def loss(w: Any, b: Any, X: Any, y: Any) -> Any:
            return lf.logistic_loss(w, b, X, y)

        out = [
            Contender("closed form (NumPy)", he.hvp_logistic_loss_w, (w, b, X, y, t), jit=False),
            Contender("closed form (jit)", he.hvp_logistic_loss_w, args),
            Contender("jvp(grad) (jit)",
                      lambda w, b, X, y, t: jax.jvp(lambda v: jax.grad(loss)(v, b, X, y), (w,), (t,))[1], args),
            Contender("vjp(grad) (jit)",
                      lambda w, b, X, y, t: jax.vjp(lambda v: jax.grad(loss)(v, b, X, y), w)[1](t)[0], args),
        ]
        if "jax.hessian @ t (jit)" not in skipped:
            out += [
                Contender("closed-form Hessian @ t (jit)",
                          lambda w, b, X, y, t: he.hess_logistic_loss_w(w, b, X, y) @ t, args),
                Contender("jax.hessian @ t (jit)", lambda w, b, X, y, t: jax.hessian(loss)(w, b, X, y) @ t, args),
            ]
        return out

    return Case(f"n={n:,} N={HVP_SAMPLES}", f"logistic regression ∇²L·t (H-4), N = {HVP_SAMPLES}, {dtype}", n,
                build, dtype, {"n": n, "N": HVP_SAMPLES}, skipped)


def _softmax_ce_hvp_case(k: int, dtype: str = "float64") -> Case:
    skipped = _dense_skips(k, dtype, ("jax.hessian @ t (jit)",))

    def build() -> list[Contender]:
        rng = np.random.default_rng([8, k])
        z, t = (rng.standard_normal(k).astype(dtype) for _ in range(2))
        y = rng.dirichlet(np.ones(k)).astype(dtype)
        args = tuple(jnp.asarray(a) for a in (z, y, t))

        def ce(z: Any, y: Any) -> Any:
            return lf.softmax_cross_entropy(z, y)

        out = [
            Contender("closed form (NumPy)", he.hvp_softmax_cross_entropy_z, (z, y, t), jit=False),
            Contender("closed form (jit)", he.hvp_softmax_cross_entropy_z, args),
            Contender("jvp(grad) (jit)", lambda z, y, t: jax.jvp(lambda v: jax.grad(ce)(v, y), (z,), (t,))[1], args),
            Contender("vjp(grad) (jit)", lambda z, y, t: jax.vjp(lambda v: jax.grad(ce)(v, y), z)[1](t)[0], args),
        ]
        if "jax.hessian @ t (jit)" not in skipped:
            out.append(Contender("jax.hessian @ t (jit)", lambda z, y, t: jax.hessian(ce)(z, y) @ t, args))
        return out

    return Case(f"k={k:,}", f"softmax cross-entropy ∇²L·t (H-5), {dtype}", k, build, dtype, {"k": k}, skipped)


def hvp_cases(quick: bool) -> Iterator[Case]:
    """n (parameters) from 10 to 10⁵ for logistic regression, 10 to 10⁶ classes for softmax CE."""
    if quick:
        yield from (_logistic_hvp_case(n) for n in (10, 300))
        yield from (_softmax_ce_hvp_case(k) for k in (10, 300))
        return
    yield from (_logistic_hvp_case(n) for n in _SIZES if n <= 100_000)
    yield from (_softmax_ce_hvp_case(k) for k in _SIZES)


# --- the registry ---------------------------------------------------------------------------------

SUITES: tuple[Suite, ...] = (
    Suite("loss_gradient", "Neuron loss gradient (RULES L-3, L-5): closed form vs autodiff",
          "(∂C/∂w, ∂C/∂b) for C = mean((y − max(0, Xw + b))²), X of N × d (N·d ≤ 2·10⁷). "
          "'closed form' is chainrule.analytic.neuron.loss_gradient; 'scan, one pass' is a JAX-only yardstick "
          "(lax.scan over row blocks) and 'X @ w' one pass over X.",
          "N (rows of X)", "jit(grad)", loss_gradient_cases),
    Suite("elementwise", "Element-wise Jacobian (RULES N-4): structured O(n) vs dense",
          "∂max(0, x)/∂x = diag(1[x > 0]). The closed form is an O(n) Diagonal; jvp/vjp with a vector of "
          "ones recover the same diagonal in one pass (the fair opponent); jacfwd/jacrev build the "
          f"dense n × n Jacobian (compared on its diagonal) while it fits in {_mib(DENSE_BYTES)}.",
          "n", "jvp with 1⃗ (jit)", elementwise_cases),
    Suite("chain_rule", "Vector chain rule (RULES C-12): composed diagonal Jacobians vs autodiff",
          "∂f/∂x for f(x) = max(0, w₂ ⊗ max(0, w₁ ⊗ x)) as the product of four diagonal Jacobians "
          "(structured: O(n) per product), the same product with dense matrices, and autodiff of f.",
          "n", "jvp with 1⃗ (jit)", chain_rule_cases),
    Suite("checking", "The cost of checking a rule: vmapped vs looped, cold and warm",
          f"One trial = jacfwd, jacrev and the closed form of {CHECKED_RULE} (N = 3, n = 7), as "
          "chainrule verify compares them. Solid: warm (median); dashed: cold (compile + first call).",
          "trials", "vmap (jit)", checking_cases, plot_cold=True),
    Suite("sharded", f"Loss gradient under jit with X sharded over {SHARDS} simulated CPU devices",
          f"X and y split by rows over {SHARDS} CPU devices (XLA_FLAGS="
          f"--xla_force_host_platform_device_count={SHARDS}, in a subprocess); w and b replicated. "
          "The simulated devices share this machine's cores: this shows the closed form partitions "
          "and agrees with jax.grad, not a speed-up.",
          "N (rows of X)", f"jit(grad) (X sharded ×{SHARDS})", sharded_cases,
          env={"XLA_FLAGS": f"--xla_force_host_platform_device_count={SHARDS}"}),
    Suite("softmax_jacobian", "Softmax Jacobian (LF-1): structured diag(s) − s sᵀ vs dense",
          "∂softmax(z)/∂z used once, on a vector t. The closed form is a DiagonalPlusRankOne built and applied "
          "in O(k); jvp/vjp do the same product in one pass (the fair opponent); the densified closed form "
          f"and jacfwd/jacrev build the k × k Jacobian first, while it fits in {_mib(DENSE_BYTES)}.",
          "k (classes)", "jvp (jit)", softmax_jacobian_cases),
    Suite("hvp", "Hessian-vector products (H-4, H-5): closed form vs jvp(grad)",
          "∇²L·t for logistic regression (X of N × n, N = 100: (1/N) Xᵀ(p(1 − p) ⊙ Xt)) and softmax "
          "cross-entropy over k classes (s ⊙ t − s(s·t)), against forward-over-reverse jax.jvp(jax.grad), "
          "reverse-over-reverse, and the dense Hessian times t while it fits.",
          "n (parameters)", "jvp(grad) (jit)", hvp_cases),
)
