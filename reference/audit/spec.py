"""One record per audited JAX function: its source text, its arguments' shapes and domains, its edge points.

The record is data (STYLE.md): the sweep evaluates :attr:`AuditFunction.source` in :data:`NAMESPACE` to get
the callable, and the reproduction printed with a finding quotes the same text, so what a person pastes is
what was audited.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np

__all__ = ["DOMAINS", "EDGES", "IMPORTS", "Arg", "AuditFunction", "binary", "namespace", "unary"]

#: The aliases a source text may use, and the import line each needs in a reproduction.
IMPORTS = {
    "jnp": "import jax.numpy as jnp",
    "jss": "import jax.scipy.special as jss",
    "jsl": "import jax.scipy.linalg as jsl",
    "stats": "import jax.scipy.stats as stats",
    "lax": "from jax import lax",
    "nn": "from jax import nn",
}


def namespace() -> dict[str, Any]:
    """The names :attr:`AuditFunction.source` is evaluated in (imports JAX: call it inside the sweep only)."""
    import jax
    import jax.numpy as jnp
    import jax.scipy.linalg as jsl
    import jax.scipy.special as jss
    import jax.scipy.stats as stats
    from jax import lax, nn

    return {"jax": jax, "jnp": jnp, "jss": jss, "jsl": jsl, "stats": stats, "lax": lax, "nn": nn}


# --- domains: where a function is defined and differentiable, as samplers ---------------------------------


def _signed_logs(rng: np.random.Generator, shape: tuple[int, ...], lo: float, hi: float) -> np.ndarray:
    return rng.choice([-1.0, 1.0], size=shape) * 10.0 ** rng.uniform(lo, hi, size=shape)


def _spd(rng: np.random.Generator, shape: tuple[int, ...]) -> np.ndarray:
    a = rng.normal(size=shape)
    return a @ np.swapaxes(a, -1, -2) / shape[-1] + np.eye(shape[-1])


def _sym(rng: np.random.Generator, shape: tuple[int, ...]) -> np.ndarray:
    a = rng.normal(size=shape)
    return (a + np.swapaxes(a, -1, -2)) / 2


def _well_conditioned(rng: np.random.Generator, shape: tuple[int, ...]) -> np.ndarray:
    a = rng.normal(size=shape)
    if len(shape) == 2 and shape[0] == shape[1]:
        a = a + 2.0 * np.eye(shape[0])
    return a


#: name: sampler(rng, shape) -> float64 array inside the domain
DOMAINS: dict[str, Callable[[np.random.Generator, tuple[int, ...]], np.ndarray]] = {
    "real": lambda rng, s: np.where(rng.uniform(size=s) < 0.5, rng.normal(0, 1.5, size=s), _signed_logs(rng, s, -3, 1)),
    "moderate": lambda rng, s: rng.uniform(-5, 5, size=s),
    "positive": lambda rng, s: 10.0 ** rng.uniform(-2, 1.5, size=s),
    "nonzero": lambda rng, s: _signed_logs(rng, s, -2, 1.3),
    "unit": lambda rng, s: rng.uniform(-0.95, 0.95, size=s),
    "halfpi": lambda rng, s: rng.uniform(-1.5, 1.5, size=s),
    "prob": lambda rng, s: rng.uniform(0.02, 0.98, size=s),
    "ge1": lambda rng, s: 1.0 + 10.0 ** rng.uniform(-2, 1.3, size=s),
    "gtm1": lambda rng, s: -1.0 + 10.0 ** rng.uniform(-2, 1.3, size=s),
    "gt1": lambda rng, s: 1.2 + rng.uniform(0, 5, size=s),
    "small": lambda rng, s: rng.uniform(-0.5, 0.5, size=s),
    "away0": lambda rng, s: 10.0 ** rng.uniform(-1.5, 1.5, size=s),
    "away0_signed": lambda rng, s: _signed_logs(rng, s, -1.5, 1.3),
    "matrix": _well_conditioned,
    "spd": _spd,
    "sym": _sym,
}

#: Edge points per scalar domain: zero, ±1, tiny and large magnitudes, the ends of an interval.
EDGES: dict[str, tuple[float, ...]] = {
    "real": (0.0, 1.0, -1.0, 1e-8, -1e-8, 1e-3, -1e-3, 0.5, -2.5, 20.0, -20.0, 300.0, -300.0),
    "moderate": (0.0, 1.0, -1.0, 1e-8, -1e-3, 3.0, -4.0),
    "positive": (1e-8, 1e-3, 0.5, 1.0, 2.0, 20.0, 1e3, 1e8),
    "nonzero": (1.0, -1.0, 1e-6, -1e-3, 0.5, 20.0, -300.0),
    "unit": (0.0, 0.5, -0.5, 1e-8, 1 - 1e-6, -1 + 1e-6),
    "halfpi": (0.0, 1.0, -1.0, 1e-8, 1.5, -1.5),
    "prob": (1e-8, 1e-3, 0.5, 0.9, 1 - 1e-3, 1 - 1e-8),
    "ge1": (1 + 1e-8, 1 + 1e-3, 2.0, 1e3),
    "gtm1": (-1 + 1e-8, -1 + 1e-3, 0.0, 1e-8, 1.0, 1e3),
    "gt1": (1 + 1e-6, 1.5, 2.0, 10.0),
    "small": (0.0, 1e-8, -0.25, 0.5),
    "away0": (1e-2, 0.5, 1.0, 2.0, 20.0, 700.0),
    "away0_signed": (1e-2, -1e-2, 0.5, -1.0, 2.0, 20.0, -20.0),
}


@dataclass(frozen=True)
class Arg:
    """One argument: its shape (``()`` for a scalar) and its domain (a key of :data:`DOMAINS`)."""

    shape: tuple[int, ...] = ()
    domain: str = "real"


@dataclass(frozen=True)
class AuditFunction:
    """A JAX function under audit.

    ``source`` is a Python expression (in the aliases of :data:`IMPORTS`) that evaluates to the callable,
    e.g. ``"jnp.sin"`` or ``"lambda x: jss.bessel_jn(x, v=2)"``; it takes ``len(args)`` arrays and returns
    one real array. ``edges`` are extra points, one tuple of argument values each (ties, kinks, domain
    ends, the points a function is known to get wrong); ``random`` points are drawn from each argument's
    domain besides. ``family`` groups the table: ``numpy``, ``lax``, ``nn``, ``special``, ``stats``,
    ``reduction``, ``linalg``.
    """

    name: str
    source: str
    args: tuple[Arg, ...]
    family: str
    edges: tuple[tuple[Any, ...], ...] = ()
    random: int = 6
    note: str = field(default="", compare=False)

    def points(self, seed: int = 0) -> list[tuple[np.ndarray, ...]]:
        """The edge points (those inside the shapes given), then ``random`` draws from the domains."""
        rng = np.random.default_rng([seed, sum(map(ord, self.name))])
        out: list[tuple[np.ndarray, ...]] = []
        for edge in self.edges:
            if len(edge) != len(self.args):
                raise ValueError(f"{self.name}: an edge point needs {len(self.args)} values (one per argument), "
                                 f"got {len(edge)}: {edge!r}")
            arrays = tuple(np.broadcast_to(np.asarray(v, np.float64), a.shape).copy()
                           for v, a in zip(edge, self.args, strict=True))
            out.append(arrays)
        for _ in range(self.random):
            out.append(tuple(DOMAINS[a.domain](rng, a.shape).astype(np.float64) for a in self.args))
        return out


def unary(family: str, sources: Sequence[str | tuple[str, str]], domain: str = "real",
          extra: Sequence[float] = (), name_prefix: str = "") -> list[AuditFunction]:
    """Scalar functions of one argument on ``domain``, with its edge points and ``extra`` ones.

    Each source is an expression (its own name) or ``(name, expression)``."""
    out = []
    for s in sources:
        name, src = s if isinstance(s, tuple) else (name_prefix + s, s)
        edges = tuple((v,) for v in (*EDGES.get(domain, ()), *extra))
        out.append(AuditFunction(name, src, (Arg((), domain),), family, edges))
    return out


def binary(family: str, sources: Sequence[str | tuple[str, str]], domains: tuple[str, str] = ("real", "real"),
           edges: Sequence[tuple[float, float]] = ()) -> list[AuditFunction]:
    """Scalar functions of two arguments; ``edges`` are ``(x, y)`` pairs (ties, zeros, signs)."""
    out = []
    for s in sources:
        name, src = s if isinstance(s, tuple) else (s, s)
        out.append(AuditFunction(name, src, (Arg((), domains[0]), Arg((), domains[1])), family, tuple(edges)))
    return out
