"""One function's sweep: its points batched, JAX's ``jvp`` and ``vjp``/``grad`` at every (point, argument)
pair, and the witness (:mod:`chainrule.reference.witness`) on the same pairs, all in float64.

For each argument ``k`` and point ``x`` the row's direction is ``v`` (1 for a scalar argument, a random unit
array otherwise) and its cotangent ``u`` (1 for a scalar output, random otherwise). The witness differentiates
``g(t) = f(x + t·s·v)`` for every row at once (one jitted, vmapped ``f``; ``s`` a per-row step scale), then:

* the JVP ``J·v`` is compared entry by entry with ``g'(0)/s``;
* the VJP ``⟨Jᵀu, v⟩`` with ``⟨u, g'(0)/s⟩``, whose bound is ``Σ|u|·error``.

A row is a finding where the witness is decided and JAX misses ``MARGIN·(error + atol + rtol·|w|)``
(:func:`chainrule.reference.witness.outside`). At kinks and ties the one-sided slopes differ, so the witness
is undecided and a convention is never reported. JAX's derivatives are differentiated with symbolic zeros
for the other arguments (one program per argument), so an infinite partial in another argument cannot
turn a row into ``inf·0 = NaN``.
"""

from __future__ import annotations

import time
from typing import Any

import numpy as np

from ..witness import WitnessEstimate, directional_derivative, outside, richardson_steps
from .report import Finding, FunctionResult
from .spec import AuditFunction

__all__ = ["sweep"]


def _first_line(e: BaseException) -> str:
    text = str(e).strip().splitlines()
    return f"{type(e).__name__}: {text[0] if text else ''}"[:200]


def _unit(d: np.ndarray) -> np.ndarray:
    """Each row (leading axis) scaled to unit Euclidean norm."""
    return d / np.sqrt(np.sum(d * d, axis=tuple(range(1, d.ndim)), keepdims=True))


def _rows_of(est: WitnessEstimate, rows: slice) -> WitnessEstimate:
    """The estimate restricted to some rows (the leading axis)."""
    return WitnessEstimate(value=est.value[rows], error=est.error[rows], method=est.method, steps=est.steps,
                           decided=bool(est.decided_each[rows].all()), decided_each=est.decided_each[rows],
                           method_each=est.method_each[rows])


def _worst(jax_value: np.ndarray, est: WitnessEstimate, rtol: float, atol: float) -> tuple[tuple[int, ...], float]:
    with np.errstate(all="ignore"):
        tol = est.error + atol + rtol * np.abs(est.value)
        ratio = np.where(np.isfinite(jax_value), np.abs(jax_value - est.value) / tol, np.inf)
        ratio = np.where(est.decided_each, ratio, -1.0)
    idx = np.unravel_index(int(np.argmax(ratio)), ratio.shape) if ratio.ndim else ()
    return tuple(int(i) for i in idx), float(ratio[idx] if ratio.ndim else ratio)


def sweep(spec: AuditFunction, ns: dict[str, Any], *, seed: int = 0, rtol: float = 1e-6,
          atol: float = 1e-10) -> FunctionResult:
    """Audit one function; never raises for the function's sake (``result.error`` says what failed)."""
    import jax
    import jax.numpy as jnp

    start = time.perf_counter()
    result = FunctionResult(spec.name, spec.family)
    with jax.enable_x64(True):
        try:
            _sweep(spec, ns, seed, rtol, atol, result, jax, jnp)
        except Exception as e:  # the function itself would not run: reported, not raised
            result.error = _first_line(e)
    result.seconds = time.perf_counter() - start
    return result


def _sweep(spec: AuditFunction, ns: dict[str, Any], seed: int, rtol: float, atol: float, result: FunctionResult,
           jax: Any, jnp: Any) -> None:
    f = eval(spec.source, dict(ns))  # the registry's own text: the reproduction quotes the same
    K = len(spec.args)
    pts = spec.points(seed)
    X = [np.stack([p[k] for p in pts]) for k in range(K)]
    N = len(pts)
    rng = np.random.default_rng([seed, 7, sum(map(ord, spec.name))])

    # rows: every point once per argument; the direction lives in that argument only. An array argument
    # gets two more rows per point, along w and v + w: a derivative is linear in the direction, and where
    # the directional derivatives are not (a tie: the median of equal entries, a repeated eigenvalue) the
    # row is undecided, whatever the one-sided slopes say
    blocks: list[tuple[int, np.ndarray]] = []  # (argument, directions (N, *shape)) per block of N rows
    for k, a in enumerate(spec.args):
        blocks.append((k, np.ones((N, *a.shape)) if not a.shape else _unit(rng.normal(size=(N, *a.shape)))))
    linear: dict[int, tuple[int, int]] = {}  # argument -> (block of w, block of v + w)
    for k, a in enumerate(spec.args):
        if a.shape:
            w_dir = _unit(rng.normal(size=(N, *a.shape)))
            linear[k] = (len(blocks), len(blocks) + 1)
            blocks += [(k, w_dir), (k, blocks[k][1] + w_dir)]
    R = len(blocks) * N
    base = [np.concatenate([x] * len(blocks)) for x in X]
    V = [np.zeros_like(b) for b in base]
    wrt = np.repeat([k for k, _ in blocks], N)
    for b, (k, d) in enumerate(blocks):
        V[k][b * N:(b + 1) * N] = d
    wrt_size = np.array([np.max(np.abs(base[wrt[r]][r])) for r in range(R)])
    S = np.clip(wrt_size, 1e-3, 1.0)  # the step scale: smaller near 0, so a kink at 0 is not stepped over
    SV = [v * S.reshape((-1,) + (1,) * (v.ndim - 1)) for v in V]

    # f at every step the witness may ask for, every row: one program, one call
    ts = np.asarray(richardson_steps())

    @jax.jit
    def moved(t: Any, xs: list[Any], svs: list[Any]) -> Any:
        return jax.vmap(lambda ti: jax.vmap(f)(*[x + ti * sv for x, sv in zip(xs, svs, strict=True)]))(t)

    xs, svs = [jnp.asarray(b) for b in base], [jnp.asarray(v) for v in SV]
    Y = np.asarray(moved(jnp.asarray(ts), xs, svs))
    if not np.issubdtype(Y.dtype, np.floating):
        raise TypeError(f"{spec.source} returns {Y.dtype}, not real floating values")
    table = {float(t): Y[i] for i, t in enumerate(ts)}
    out_shape = Y.shape[2:]
    keep = np.isfinite(Y[0].reshape(R, -1)).all(axis=1)  # rows inside f's domain
    result.points = int(keep[:N].sum())
    if not keep.any():
        raise ValueError("f is not finite at any of its points: check the domain in the registry")

    def g(t: float) -> np.ndarray:
        if float(t) in table:
            return table[float(t)]
        return np.asarray(moved(jnp.asarray([t]), xs, svs))[0]  # not planned: one more program

    est = directional_derivative(g, complex_step=False)
    scale = S.reshape((-1,) + (1,) * len(out_shape))
    value, error = est.value / scale, est.error / scale
    # decided: inside f's domain, two-sided (at a domain edge only a one-sided derivative exists, and JAX's
    # value there, often NaN, is a convention), and linear in the direction (array arguments)
    decided = keep.reshape((-1,) + (1,) * len(out_shape)) & est.decided_each & (est.method_each == "richardson")
    for k, (bw, bvw) in linear.items():
        v_rows, w_rows, vw_rows = (slice(b * N, (b + 1) * N) for b in (k, bw, bvw))
        with np.errstate(all="ignore"):
            gap = np.abs(value[vw_rows] - value[v_rows] - value[w_rows])
            tol = error[vw_rows] + error[v_rows] + error[w_rows] + atol + rtol * np.abs(value[vw_rows])
        decided[v_rows] &= decided[w_rows] & decided[vw_rows] & (gap <= tol)
    w = WitnessEstimate(value=value, error=error, method=est.method, steps=est.steps,
                        decided=bool(decided.all()), decided_each=decided, method_each=est.method_each)
    U = np.ones((R, *out_shape)) if not out_shape else rng.normal(size=(R, *out_shape))
    jax_side = _jax_side(f, K, N, base, V, U, jax, jnp, result)

    for k in range(K):
        if k in result.skipped:
            continue
        rows = slice(k * N, (k + 1) * N)
        jvp_vals, vjp_vals = jax_side[k]
        wk = _rows_of(w, rows)
        n_kept = int(keep[rows].sum())
        result.rows += 2 * n_kept
        axes = tuple(range(1, 1 + len(out_shape)))
        decided_rows = wk.decided_each.reshape(N, -1).all(axis=1)
        result.decided += 2 * int(decided_rows.sum())
        u = U[rows]
        with np.errstate(all="ignore"):
            dot = WitnessEstimate(value=np.sum(u * wk.value, axis=axes), error=np.sum(np.abs(u) * wk.error, axis=axes),
                                  method=wk.method, steps=wk.steps, decided=bool(decided_rows.all()),
                                  decided_each=decided_rows, method_each=wk.method_each.reshape(N, -1)[:, 0])
        # JAX's own rounding: <u, jvp> and <vjp(u), v> are the same number; where both are finite, their gap
        # is noise JAX's rules cannot beat, and a miss no larger than it is imprecision, not a wrong rule
        with np.errstate(all="ignore"):
            modes_gap = np.abs(np.sum(u * jvp_vals, axis=axes) - vjp_vals)
        modes_gap = np.where(np.isfinite(modes_gap), modes_gap, 0.0)
        reverse = "grad" if not out_shape else "vjp"
        for mode, vals, ref in (("jvp", jvp_vals, wk), (reverse, vjp_vals, dot)):
            slack = 2 * modes_gap.reshape((-1,) + (1,) * (np.ndim(ref.value) - 1))
            ref = WitnessEstimate(value=ref.value, error=ref.error + slack, method=ref.method, steps=ref.steps,
                                  decided=ref.decided, decided_each=ref.decided_each, method_each=ref.method_each)
            bad = outside(ref, vals, rtol=rtol, atol=atol).reshape(N, -1).any(axis=1)
            for i in np.flatnonzero(bad):
                one = WitnessEstimate(value=ref.value[i], error=ref.error[i], method=ref.method, steps=ref.steps,
                                      decided=bool(ref.decided_each[i].all()), decided_each=ref.decided_each[i],
                                      method_each=ref.method_each[i])
                entry, ratio = _worst(np.asarray(vals[i]), one, rtol, atol)
                methods = sorted(set(np.asarray(one.method_each, object).ravel().tolist()))
                result.findings.append(Finding(
                    function=spec.name, source=spec.source, family=spec.family, argument=k, nargs=K, mode=mode,
                    point=tuple(b[rows][i] for b in base), tangent=V[k][rows][i], cotangent=u[i],
                    jax=np.asarray(vals[i]), witness=np.asarray(one.value), witness_error=np.asarray(one.error),
                    method="+".join(methods), entry=entry, ratio=ratio))


def _jax_side(f: Any, K: int, N: int, base: list[np.ndarray], V: list[np.ndarray], U: np.ndarray, jax: Any,
              jnp: Any, result: FunctionResult) -> dict[int, tuple[np.ndarray, np.ndarray]]:
    """Per argument ``k``: ``jax.jvp`` along ``v`` and ``⟨vjp(u), v⟩`` with the other arguments closed over,
    per row; all arguments in one program, or one each where some argument has no rule (``skipped``)."""

    def for_argument(k: int) -> Any:
        def one(x_all: list[Any], vk: Any, uk: Any) -> tuple[Any, Any]:
            def partial(a: Any) -> Any:
                args = list(x_all)
                args[k] = a
                return f(*args)

            t_out = jax.jvp(partial, (x_all[k],), (vk,))[1]
            _, back = jax.vjp(partial, x_all[k])
            return t_out, jnp.sum(back(uk)[0] * vk)

        return jax.vmap(one)

    def inputs(k: int) -> tuple[list[Any], Any, Any]:
        rows = slice(k * N, (k + 1) * N)
        return [jnp.asarray(b[rows]) for b in base], jnp.asarray(V[k][rows]), jnp.asarray(U[rows])

    def as_numpy(pair: Any) -> tuple[np.ndarray, np.ndarray]:
        return np.asarray(pair[0], np.float64), np.asarray(pair[1], np.float64)

    try:
        every = jax.jit(lambda ins: [for_argument(k)(*ins[k]) for k in range(K)])(
            [inputs(k) for k in range(K)])
        return {k: as_numpy(every[k]) for k in range(K)}
    except Exception:  # some argument has no derivative rule: find which, keep the others
        out = {}
        for k in range(K):
            try:
                out[k] = as_numpy(jax.jit(for_argument(k))(*inputs(k)))
            except Exception as e:
                result.skipped[k] = _first_line(e)
        return out
