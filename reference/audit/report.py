"""What an audit found: :class:`Finding` (one point where JAX's derivative misses the witness's bound),
:class:`FunctionResult` (one function's sweep) and :class:`AuditReport` (the whole run), with the
reproduction a person can paste."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import numpy as np

from .spec import IMPORTS

__all__ = ["AuditReport", "Finding", "FunctionResult"]

#: How a mode is computed, for the table and the reproduction.
MODES = {"jvp": "jax.jvp (forward)", "vjp": "jax.vjp (reverse)", "grad": "jax.grad (reverse)"}


def _literal(a: np.ndarray) -> str:
    """A Python literal that rebuilds ``a`` exactly (``repr`` of every float)."""
    a = np.asarray(a, np.float64)
    if a.ndim == 0:
        return repr(float(a))

    def nest(x: np.ndarray) -> str:
        if x.ndim == 1:
            return "[" + ", ".join(repr(float(v)) for v in x) + "]"
        return "[" + ", ".join(nest(r) for r in x) + "]"

    return f"jnp.array({nest(a)})"


def _short(a: Any) -> str:
    a = np.asarray(a, np.float64)
    if a.size == 1:
        return f"{float(a.reshape(())):.6g}"
    return "[" + ", ".join(f"{v:.4g}" for v in a.ravel()[:4]) + (", …]" if a.size > 4 else "]")


@dataclass(frozen=True)
class Finding:
    """JAX's derivative at one point, outside the witness's error bound (plus tolerance, times the margin).

    ``mode`` is ``"jvp"`` (``jax.jvp`` with ``tangent``), ``"vjp"`` (``⟨vjp(cotangent), tangent⟩``) or
    ``"grad"`` (the same for a scalar output). ``jax`` and ``witness`` are that quantity (the JVP's shape
    is f's output; the VJP's a scalar); ``entry`` indexes the worst entry, ``ratio`` how many tolerances
    it misses by (``inf`` for a NaN)."""

    function: str
    source: str
    family: str
    argument: int
    nargs: int
    mode: str
    point: tuple[np.ndarray, ...]
    tangent: np.ndarray
    cotangent: np.ndarray
    jax: np.ndarray
    witness: np.ndarray
    witness_error: np.ndarray
    method: str
    entry: tuple[int, ...]
    ratio: float

    @property
    def jax_at_entry(self) -> float:
        return float(np.asarray(self.jax)[self.entry])

    @property
    def witness_at_entry(self) -> float:
        return float(np.asarray(self.witness)[self.entry])

    @property
    def error_at_entry(self) -> float:
        return float(np.asarray(self.witness_error)[self.entry])

    def describe(self) -> str:
        where = ", ".join(_short(p) for p in self.point)
        arg = f"∂/∂arg{self.argument} " if self.nargs > 1 else ""
        return (f"{arg}at ({where}): JAX {self.jax_at_entry:.6g}, witness {self.witness_at_entry:.6g} "
                f"± {self.error_at_entry:.2g}")

    def repro(self) -> str:
        """A few lines of Python that print JAX's value (the comment says what the witness found)."""
        used = [line for alias, line in IMPORTS.items() if f"{alias}." in self.source or alias == "jnp"]
        lines = ["import jax", *used, "with jax.enable_x64(True):", f"    f = {self.source}"]
        scalar_args = all(np.ndim(p) == 0 for p in self.point)
        args = ", ".join(_literal(p) for p in self.point)
        k = self.argument
        if self.nargs == 1:
            partial, at = "f", _literal(self.point[0])
        else:
            names = [f"x{i}" for i in range(self.nargs)]
            lines.append(f"    {', '.join(names)} = {args}")
            call = ", ".join("a" if i == k else n for i, n in enumerate(names))
            partial, at = f"lambda a: f({call})", names[k]
        if self.mode == "grad" and scalar_args:
            argnums = f", argnums={k}" if self.nargs > 1 else ""
            expr = f"jax.grad(f{argnums})({args})"
        elif self.mode == "jvp":
            expr = f"jax.jvp({partial}, ({at},), ({_literal(self.tangent)},))[1]"
        else:
            lines.append(f"    _, f_vjp = jax.vjp({partial}, {at})")
            expr = f"jnp.vdot(f_vjp({_literal(self.cotangent)})[0], {_literal(self.tangent)})"
        witness = np.asarray(self.witness)
        note = (f"JAX {self.jax_at_entry:.17g}; the derivative is {self.witness_at_entry:.17g} "
                f"± {self.error_at_entry:.2g}" + (f" at entry {self.entry}" if witness.ndim else "")
                + f" (chainrule audit witness, {self.method})")
        lines.append(f"    print({expr})")
        lines.append(f"    # {note}")
        return "\n".join(lines)

    def to_json(self) -> dict[str, Any]:
        return {"function": self.function, "source": self.source, "family": self.family,
                "argument": self.argument, "mode": self.mode,
                "point": [np.asarray(p).tolist() for p in self.point],
                "tangent": np.asarray(self.tangent).tolist(), "cotangent": np.asarray(self.cotangent).tolist(),
                "jax": _json_floats(self.jax), "witness": _json_floats(self.witness),
                "witness_error": _json_floats(self.witness_error), "method": self.method,
                "entry": list(self.entry), "ratio": _json_floats(self.ratio), "repro": self.repro()}


def _json_floats(a: Any) -> Any:
    """NaN and infinities as strings (JSON has neither)."""
    arr = np.asarray(a, np.float64)
    if arr.ndim == 0:
        v = float(arr)
        return v if np.isfinite(v) else str(v)
    return [_json_floats(x) for x in arr]


@dataclass
class FunctionResult:
    """One function's sweep: ``rows`` (point, argument) pairs compared in each mode, ``decided`` of them
    where the witness was decided; ``error`` when the sweep could not run, ``skipped`` arguments JAX does
    not differentiate (argument → JAX's message)."""

    name: str
    family: str
    rows: int = 0
    decided: int = 0
    points: int = 0
    findings: list[Finding] = field(default_factory=list)
    skipped: dict[int, str] = field(default_factory=dict)
    error: str | None = None
    seconds: float = 0.0

    @property
    def status(self) -> str:
        if self.error:
            return "error"
        return "wrong" if self.findings else "ok"

    def to_json(self) -> dict[str, Any]:
        return {"name": self.name, "family": self.family, "status": self.status, "points": self.points,
                "rows": self.rows, "decided": self.decided, "findings": len(self.findings),
                "skipped": {str(k): v for k, v in self.skipped.items()}, "error": self.error,
                "seconds": round(self.seconds, 3)}


@dataclass
class AuditReport:
    """The whole audit: ``results`` per function, ``findings`` across them; ``functions`` the names checked."""

    results: list[FunctionResult]
    seed: int
    rtol: float
    atol: float
    seconds: float = 0.0

    @property
    def functions(self) -> tuple[str, ...]:
        return tuple(r.name for r in self.results)

    @property
    def findings(self) -> list[Finding]:
        return [f for r in self.results for f in r.findings]

    def grouped(self) -> list[tuple[Finding, int]]:
        """One line per (function, argument, mode): its worst finding and how many points share it."""
        groups: dict[tuple[str, int, str], list[Finding]] = {}
        for f in self.findings:
            groups.setdefault((f.function, f.argument, f.mode), []).append(f)
        return [(max(fs, key=lambda f: f.ratio), len(fs)) for fs in groups.values()]

    def to_json(self) -> dict[str, Any]:
        return {"functions": [r.to_json() for r in self.results], "findings": [f.to_json() for f in self.findings],
                "checked": len(self.results), "wrong": sum(r.status == "wrong" for r in self.results),
                "errors": sum(r.status == "error" for r in self.results),
                "rows": sum(r.rows for r in self.results), "decided": sum(r.decided for r in self.results),
                "seed": self.seed, "rtol": self.rtol, "atol": self.atol, "seconds": round(self.seconds, 2)}

    def __str__(self) -> str:
        lines = [f"chainrule audit: {len(self.results)} functions, {len(self.findings)} findings "
                 f"({self.seconds:.1f} s, seed {self.seed}, rtol {self.rtol:g}, atol {self.atol:g})"]
        for f, n in self.grouped():
            lines.append(f"  {f.function} [{f.mode}] {f.describe()}" + (f" (+{n - 1} more points)" if n > 1 else ""))
        return "\n".join(lines)
