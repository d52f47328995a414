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
| ``symmetric`` | square: ``(M + Mᵀ)/2``, M standard normal                    | Cookbook rows with A = Aᵀ           |
| ``symmetric_invertible`` | square: ``Q diag(±σ) Qᵀ``, σ log-uniform on [0.5, 2] | symmetric and invertible         |
| ``spd``       | square: ``Q diag(σ) Qᵀ``, σ log-uniform on [0.5, 2]          | positive definite (ln det, SPD)     |
| ``orthogonal`` | square: Q of a QR, its R's diagonal made positive (Haar) | Qᵀ Q = I                          |
| ``full_rank`` | ``(…, m, n)``: ``U diag(σ) Vᵀ``, U, V orthonormal, σ in [0.5, 2] | full rank (X⁺, XᵀX) |

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


def _orthonormal(rng: np.random.Generator, shape: tuple[int, ...]) -> np.ndarray:
    """``(…, m, k)`` with orthonormal columns (m ≥ k): Q of a QR with R's diagonal made positive (Haar)."""
    Q, R = np.linalg.qr(rng.standard_normal(shape))
    return Q * np.sign(np.sign(np.diagonal(R, axis1=-2, axis2=-1)) + 0.5)[..., None, :]


def _square(name: str, shape: tuple[int, ...]) -> int:
    if len(shape) < 2 or shape[-1] != shape[-2]:
        raise ValueError(f"the {name} domain draws square matrices (…, n, n), got shape {shape}")
    return shape[-1]


def _sigma(rng: np.random.Generator, shape: tuple[int, ...]) -> np.ndarray:
    return np.exp(rng.uniform(np.log(0.5), np.log(2.0), shape))


def _symmetric(rng: np.random.Generator, shape: tuple[int, ...]) -> np.ndarray:
    """Square ``(M + Mᵀ)/2`` with M standard normal."""
    _square("symmetric", shape)
    M = rng.standard_normal(shape)
    return (M + np.swapaxes(M, -1, -2)) / 2


def _eigen(rng: np.random.Generator, shape: tuple[int, ...], signs: bool) -> np.ndarray:
    n = shape[-1]
    Q = _orthonormal(rng, shape)
    lam = _sigma(rng, (*shape[:-2], n))
    if signs:
        lam = lam * rng.choice([-1.0, 1.0], lam.shape)
    return (Q * lam[..., None, :]) @ np.swapaxes(Q, -1, -2)


def _symmetric_invertible(rng: np.random.Generator, shape: tuple[int, ...]) -> np.ndarray:
    """Square ``Q diag(±σ) Qᵀ``: symmetric, eigenvalues of either sign with |λ| in [0.5, 2]."""
    _square("symmetric_invertible", shape)
    return _eigen(rng, shape, signs=True)


def _spd(rng: np.random.Generator, shape: tuple[int, ...]) -> np.ndarray:
    """Square ``Q diag(σ) Qᵀ``: symmetric positive definite, eigenvalues in [0.5, 2]."""
    _square("spd", shape)
    return _eigen(rng, shape, signs=False)


def _orthogonal(rng: np.random.Generator, shape: tuple[int, ...]) -> np.ndarray:
    """Square orthogonal Q (QᵀQ = I), Haar-distributed."""
    _square("orthogonal", shape)
    return _orthonormal(rng, shape)


def _full_rank(rng: np.random.Generator, shape: tuple[int, ...]) -> np.ndarray:
    """``(…, m, n)``: ``U diag(σ) Vᵀ`` with orthonormal U (m × k), V (n × k), k = min(m, n), σ in [0.5, 2]."""
    if len(shape) < 2:
        raise ValueError(f"the full_rank domain draws matrices (…, m, n), got shape {shape}")
    m, n = shape[-2:]
    k = min(m, n)
    U = _orthonormal(rng, (*shape[:-2], m, k))
    V = _orthonormal(rng, (*shape[:-2], n, k))
    return (U * _sigma(rng, (*shape[:-2], k))[..., None, :]) @ np.swapaxes(V, -1, -2)


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
        Domain("symmetric", _symmetric, "square symmetric, (M + Mᵀ)/2"),
        Domain("symmetric_invertible", _symmetric_invertible, "square symmetric, |eigenvalues| in [0.5, 2]"),
        Domain("spd", _spd, "symmetric positive definite, eigenvalues in [0.5, 2]"),
        Domain("orthogonal", _orthogonal, "square orthogonal (Haar)"),
        Domain("full_rank", _full_rank, "full rank m × n, singular values in [0.5, 2]"),
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
