"""Catalog records for the Matrix Cookbook §2.2–§2.3, derivatives of an inverse and of eigenvalues (topic
``cookbook``): CB-59, CB-62 … CB-68 and the unnumbered CB-64u.

See :mod:`chainrule.analytic.cookbook_inverse`. CB-60 (``jac_inv_X``) and CB-61 (``grad_inverse_bilinear_X``)
are in :mod:`rules_matrix`. Domains:

* (59): ``Y(x) = Y₀ + xY₁ + x²Y₂`` with Y₀ invertible (``well_conditioned``), ``‖Y₁‖₂ = ‖Y₂‖₂ = 0.15``
  (:data:`SMALL`), ``|x| ≤ 1`` (``unit``): σ_min(Y(x)) ≥ 0.2. (64) shifts a ``well_conditioned`` X by a
  :data:`SMALL` A, so σ_min(X + A) ≥ 0.35.
* (64u): ``J(W) = aᵀWb + Tr(W²)`` with ``W = A⁻¹`` (the brief's concrete J), and the general rule as the
  backward pass of the inverse, ``J = Σ ct ∘ A⁻¹`` with ct held fixed.
* (65), (66): each printed side is its own record (Σ eig / Tr, Π eig / det). The eigenvalue sides draw
  :data:`SEPARATED_SPECTRUM`, real matrices ``P B P⁻¹`` whose eigenvalues are at least 0.5 apart, with a
  complex-conjugate pair when n ≥ 2 (JAX's ``eig`` derivative is ill-conditioned near repeated ones).
* (67), (68): :data:`SIMPLE_SPECTRUM`, symmetric A with eigenvalue gaps in [0.5, 1.5] (float32 passes);
  the direction is the record's last argument, drawn symmetric here (the engine draws general tangents;
  the primal symmetrizes A, so only their symmetric part acts). (68)'s eigenvector signs are fixed (entry
  of largest magnitude positive); draws stay 0.05 away from the ties where that rule flips a sign.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np

from chainrule.analytic import cookbook_inverse as ci
from chainrule.analytic import matrix as mx

from ..samplers import DOMAINS, Domain
from ._record import Arg, Rule

#: 1 × 1, then 3 × 3 (every matrix here is square; linear algebra is slow to compile).
SQUARE_SIZES = ({"n": 1}, {"n": 3})


def _small(rng: np.random.Generator, shape: tuple[int, ...]) -> np.ndarray:
    """Standard normal, rescaled to spectral norm 0.15 (matrix by matrix)."""
    G = rng.standard_normal(shape)
    return 0.15 * G / np.linalg.norm(G, ord=2, axis=(-2, -1))[..., None, None]


def _orthonormal(rng: np.random.Generator, shape: tuple[int, ...]) -> np.ndarray:
    Q, R = np.linalg.qr(rng.standard_normal(shape))
    return Q * np.sign(np.sign(np.diagonal(R, axis1=-2, axis2=-1)) + 0.5)[..., None, :]


def _simple_spectrum(rng: np.random.Generator, shape: tuple[int, ...]) -> np.ndarray:
    """Symmetric ``Q diag(λ) Qᵀ``, λ ascending from [−2, −1] with gaps in [0.5, 1.5]; exactly symmetric."""
    n = shape[-1]
    gaps = rng.uniform(0.5, 1.5, (*shape[:-2], n))
    lam = rng.uniform(-2.0, -1.0, (*shape[:-2], 1)) + np.cumsum(gaps, axis=-1) - gaps[..., :1]
    Q = _orthonormal(rng, shape)
    A = (Q * lam[..., None, :]) @ np.swapaxes(Q, -1, -2)
    return (A + np.swapaxes(A, -1, -2)) / 2


def _separated_spectrum(rng: np.random.Generator, shape: tuple[int, ...]) -> np.ndarray:
    """Real ``P B P⁻¹``: P ``well_conditioned``; B block diagonal with a rotation-scaling block (eigenvalues
    ``a ± ib``, ``|a| ≤ 1``, b in [0.5, 1.5]) first when n ≥ 2, then real eigenvalues of random signs whose
    magnitudes are cumulative sums of uniform [0.5, 1] steps (≥ 0.5 from 0 and from each other)."""
    n = shape[-1]
    batch = shape[:-2]
    B = np.zeros(shape)
    start = 0
    if n >= 2:
        a, b = rng.uniform(-1.0, 1.0, batch), rng.uniform(0.5, 1.5, batch)
        B[..., 0, 0] = B[..., 1, 1] = a
        B[..., 0, 1], B[..., 1, 0] = -b, b
        start = 2
    k = n - start
    if k:
        magnitudes = np.cumsum(rng.uniform(0.5, 1.0, (*batch, k)), axis=-1)
        signs = rng.choice([-1.0, 1.0], (*batch, k))
        for i in range(k):
            B[..., start + i, start + i] = signs[..., i] * magnitudes[..., i]
    P = DOMAINS["well_conditioned"].draw(rng, shape)
    return P @ B @ np.linalg.inv(P)


#: Perturbations of spectral norm 0.15: Y₀ + x Y₁ + x² Y₂ and X + A stay invertible.
SMALL = Domain("small_perturbation", _small, "spectral norm 0.15")
#: Symmetric matrices with simple eigenvalues (gaps ≥ 0.5): eigh is differentiable, float32 passes.
SIMPLE_SPECTRUM = Domain("simple_spectrum", _simple_spectrum, "symmetric, eigenvalue gaps in [0.5, 1.5]")
#: Real matrices with eigenvalues ≥ 0.5 apart (and ≥ 0.5 from 0), a complex pair when n ≥ 2.
SEPARATED_SPECTRUM = Domain("separated_spectrum", _separated_spectrum,
                            "real P B P⁻¹, eigenvalues 0.5 apart, a complex pair when n ≥ 2")


def _sign_ties(A: np.ndarray, t: np.ndarray | None = None) -> np.ndarray:
    """Per eigenvector: its largest |entry| minus its second largest (the sign rule flips a sign at 0)."""
    V = np.linalg.eigh((A + A.T) / 2)[1]
    if V.shape[0] < 2:
        return np.ones(1)
    top = -np.sort(-np.abs(V), axis=0)
    return top[0] - top[1]


def inverse_pulled(A: Any, ct: Any) -> Any:
    """``J = Σ ct ∘ A⁻¹``: the scalar whose gradient is CB-64u's general rule (the inverse's backward pass)."""
    return (ct * mx.inv(A)).sum()


_SECTION = {"59": "2.2", "62": "2.2", "63": "2.2", "64": "2.2", "64u": "2.2", "65": "2.3", "66": "2.3",
            "67": "2.3", "68": "2.3"}


def _rule(name: str, eq: str, primal: Callable[..., Any], derivative: Callable[..., Any],
          args: tuple[Arg, ...], wrt: str, sizes: tuple[dict[str, int], ...] = SQUARE_SIZES, **kw: Any) -> Rule:
    return Rule(name, f"CB-{eq}", "cookbook", f"Matrix Cookbook §{_SECTION[eq]} ({eq})", primal, derivative, args,
                wrt, sizes, origin="extension", **kw)


_SQ = Arg("X", ("n", "n"), "well_conditioned")
_SPECTRUM = Arg("X", ("n", "n"), SEPARATED_SPECTRUM)
_EIG = (Arg("A", ("n", "n"), SIMPLE_SPECTRUM), Arg("t", ("n", "n"), "symmetric"))

RULES = [
    _rule("jac_inverse_curve_x", "59", ci.inverse_curve, ci.jac_inverse_curve_x,
          (Arg("Y0", ("n", "n"), "well_conditioned"), Arg("Y1", ("n", "n"), SMALL), Arg("Y2", ("n", "n"), SMALL),
           Arg("x", (), "unit")), "x", note="along the curve Y(x) = Y₀ + xY₁ + x²Y₂"),
    _rule("grad_det_inv_X", "62", ci.det_inv, ci.grad_det_inv_X, (_SQ,), "X"),
    _rule("grad_trace_A_inv_B_X", "63", ci.trace_A_inv_B, ci.grad_trace_A_inv_B_X,
          (Arg("A", ("p", "n")), _SQ, Arg("B", ("n", "p"))), "X", ({"n": 1, "p": 1}, {"n": 3, "p": 2})),
    _rule("grad_trace_inv_X_plus_A_X", "64", ci.trace_inv_X_plus_A, ci.grad_trace_inv_X_plus_A_X,
          (_SQ, Arg("A", ("n", "n"), SMALL)), "X"),
    _rule("grad_inverse_objective_A", "64u", ci.inverse_objective, ci.grad_inverse_objective_A,
          (Arg("a", ("n",)), Arg("A", ("n", "n"), "well_conditioned"), Arg("b", ("n",))), "A",
          note="unnumbered display after (64); J(W) = aᵀWb + Tr(W²), W = A⁻¹"),
    _rule("vjp_inv_A", "64u", inverse_pulled, ci.vjp_inv_A,
          (Arg("A", ("n", "n"), "well_conditioned"), Arg("ct", ("n", "n"))), "A",
          note="unnumbered display after (64); backward pass, checked as the gradient of J = Σ ct ∘ A⁻¹"),
    _rule("grad_sum_eig_X", "65", ci.sum_eig, ci.grad_sum_eig_X, (_SPECTRUM,), "X",
          note="the Σ eig(X) side; a complex-conjugate pair of eigenvalues when n ≥ 2"),
    _rule("grad_sum_eig_X_trace_side", "65", ci.trace, ci.grad_sum_eig_X, (Arg("X", ("n", "n")),), "X",
          note="the Tr(X) side"),
    _rule("grad_prod_eig_X", "66", ci.prod_eig, mx.grad_det_X, (_SPECTRUM,), "X",
          note="the Π eig(X) side, closed form grad_det_X (CB-49); a complex pair when n ≥ 2"),
    _rule("grad_prod_eig_X_det_side", "66", mx.det, mx.grad_det_X, (_SQ,), "X",
          note="the det X side, the same closed form as CB-49"),
    _rule("jvp_eigenvalues_symmetric_A", "67", ci.eigenvalues_symmetric, ci.jvp_eigenvalues_symmetric_A, _EIG, "A",
          reference="jvp", note="A symmetric with simple eigenvalues; jvp of eigh along a symmetric ∂A"),
    _rule("jvp_eigenvectors_symmetric_A", "68", ci.eigenvectors_symmetric, ci.jvp_eigenvectors_symmetric_A, _EIG,
          "A", reference="jvp", kink=_sign_ties,
          note="unit eigenvectors, sign fixed (largest-magnitude entry positive); jvp of eigh along a symmetric ∂A"),
]
