"""Input samplers with domains: where a rule's random trials draw their arguments.

A domain names the set a formula is valid on. Draws are NumPy, seeded, and of the requested dtype;
the same seed gives the same draws on every machine.

| domain        | draws                                                        | for                                 |
|---------------|--------------------------------------------------------------|-------------------------------------|
| ``real``      | standard normal                                              | polynomials, sums, products         |
| ``positive``  | log-uniform on [0.25, 4]                                     | logarithms, square roots, x ⊘ …     |
| ``nonzero``   | ±(log-uniform on [0.25, 4])                                  | divisors, ln(x²), 2/x               |
| ``away_from_kink`` | ±uniform on [0.1, 2]: never within 0.1 of 0            | ReLU and other kinks at 0           |
| ``unit``      | uniform on [−1, 1]                                           | bounded arguments                   |
| ``probability`` | uniform on [0, 1]                                          | binary labels (soft targets)        |
| ``simplex``   | a probability vector along the last axis (softmax of normal draws) | cross-entropy targets          |
| ``well_conditioned`` | square ``(…, n, n)``: ``U diag(±σ) Vᵀ``, σ log-uniform on [0.5, 2] | inverse, det, log det |

>>> import numpy as np
>>> x = sample("nonzero", np.random.default_rng(0), (1000,), "float64")
>>> bool(np.all(np.abs(x) >= 0.25)), x.dtype
(True, dtype('float64'))
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np

__all__ = ["DOMAINS", "Domain", "sample"]


@dataclass(frozen=True)
class Domain:
    """A named input domain: ``draw(rng, shape) -> float64 ndarray``."""

    name: str
    draw: Callable[[np.random.Generator, tuple[int, ...]], np.ndarray]
    description: str


def _real(rng: np.random.Generator, shape: tuple[int, ...]) -> np.ndarray:
    return rng.standard_normal(shape)


def _positive(rng: np.random.Generator, shape: tuple[int, ...]) -> np.ndarray:
    return np.exp(rng.uniform(np.log(0.25), np.log(4.0), shape))


def _nonzero(rng: np.random.Generator, shape: tuple[int, ...]) -> np.ndarray:
    return rng.choice([-1.0, 1.0], shape) * _positive(rng, shape)


def _away_from_kink(rng: np.random.Generator, shape: tuple[int, ...]) -> np.ndarray:
    return rng.choice([-1.0, 1.0], shape) * rng.uniform(0.1, 2.0, shape)


def _unit(rng: np.random.Generator, shape: tuple[int, ...]) -> np.ndarray:
    return rng.uniform(-1.0, 1.0, shape)


def _probability(rng: np.random.Generator, shape: tuple[int, ...]) -> np.ndarray:
    return rng.uniform(0.0, 1.0, shape)


def _simplex(rng: np.random.Generator, shape: tuple[int, ...]) -> np.ndarray:
    """Entries > 0 that sum to 1 along the last axis (a softmax of standard-normal logits)."""
    if not shape:
        raise ValueError("the simplex domain needs at least one axis (the categories)")
    z = rng.standard_normal(shape)
    e = np.exp(z - z.max(axis=-1, keepdims=True))
    return e / e.sum(axis=-1, keepdims=True)


def _well_conditioned(rng: np.random.Generator, shape: tuple[int, ...]) -> np.ndarray:
    """Square ``U diag(±σ) Vᵀ``: random orthogonal U, V, σ in [0.5, 2] (condition ≤ 4), det of either sign."""
    if len(shape) < 2 or shape[-1] != shape[-2]:
        raise ValueError(f"the well_conditioned domain draws square matrices (…, n, n), got shape {shape}")
    n = shape[-1]
    U, _ = np.linalg.qr(rng.standard_normal(shape))
    V, _ = np.linalg.qr(rng.standard_normal(shape))
    sigma = np.exp(rng.uniform(np.log(0.5), np.log(2.0), (*shape[:-2], n)))
    sigma = sigma * rng.choice([-1.0, 1.0], sigma.shape)  # random signs: det of either sign, also for n = 1
    return (U * sigma[..., None, :]) @ np.swapaxes(V, -1, -2)


DOMAINS: dict[str, Domain] = {
    d.name: d
    for d in (
        Domain("real", _real, "standard normal"),
        Domain("positive", _positive, "log-uniform on [0.25, 4]"),
        Domain("nonzero", _nonzero, "±log-uniform on [0.25, 4]"),
        Domain("away_from_kink", _away_from_kink, "±uniform on [0.1, 2]"),
        Domain("unit", _unit, "uniform on [-1, 1]"),
        Domain("probability", _probability, "uniform on [0, 1]"),
        Domain("simplex", _simplex, "probability vectors along the last axis"),
        Domain("well_conditioned", _well_conditioned, "square, singular values in [0.5, 2]"),
    )
}


def sample(
    domain: str | Domain, rng: np.random.Generator, shape: tuple[int, ...], dtype: str = "float64"
) -> np.ndarray:
    """Draw an array of ``shape`` from ``domain`` (a name in :data:`DOMAINS` or a :class:`Domain`)."""
    if isinstance(domain, str):
        try:
            domain = DOMAINS[domain]
        except KeyError:
            raise ValueError(
                f"unknown domain {domain!r}; expected one of {sorted(DOMAINS)} or a samplers.Domain"
            ) from None
    if dtype not in ("float32", "float64"):
        raise ValueError(f"dtype: expected 'float32' or 'float64', got {dtype!r}")
    return np.asarray(domain.draw(rng, tuple(shape)), dtype=np.float64).astype(dtype)
