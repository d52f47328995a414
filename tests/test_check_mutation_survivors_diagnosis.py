"""Behaviour tests that kill the seed-5 sample's surviving mutants of ``reference/checker/diagnosis.py``
(issue 16): each pins a diagnosis a user reads, from a check or from the diagnosis functions themselves.
"""

from __future__ import annotations

import jax.numpy as jnp
import numpy as np

from chainrule import check_gradient, check_jacobian
from chainrule.reference.checker.diagnosis import diagnose_shape, diagnose_values

RTOL, ATOL = 1e-9, 1e-12  # the float64 row of chainrule.reference.tolerances.TOLERANCES


def test_a_factor_within_the_pattern_tolerance_of_1_is_not_called_a_constant_factor():
    """Seed-5 survivor (constant_factor): k ≠ 1 is tested as |k − 1| > rtol; with |k − 0| the check called a
    candidate 1 + 5e-7 times JAX's "off by a constant factor 1" instead of close but not exact."""
    r = check_gradient(lambda x: jnp.sum(x ** 2), lambda x: 2 * (1 + 5e-7) * x, np.zeros(4), seed=0)
    assert not r.ok
    assert r.diagnosis.startswith("close but not exact: relative error 5.0e-07 (tolerance rtol 1e-09)"), r.diagnosis


def test_a_tiny_factor_must_hold_to_within_its_own_size():
    """Seed-5 survivor (constant_factor): c ≈ k·r must hold within rtol·|k|·scale; with `rtol % |k|` a factor
    below rtol (3e-7 here) was allowed an error of (rtol mod k)·scale = 1e-7·scale, 300,000 times more, and
    3e-7 times JAX's gradient plus errors hundreds of times its rtol·|k|·scale was named a factor."""
    def three_e_minus_7_and_noise(x):
        return 3e-7 * 2 * x + 1e-9 * np.cos(7 * x)  # errors up to 1e-9; rtol·|k|·scale = 3e-13·max|2x|

    r = check_gradient(lambda x: jnp.sum(x ** 2), three_e_minus_7_and_noise, np.zeros(4), seed=0)
    assert not r.ok
    assert r.diagnosis.startswith("no simple pattern (not a constant factor"), r.diagnosis
    exact = check_gradient(lambda x: jnp.sum(x ** 2), lambda x: 3e-7 * 2 * x, np.zeros(4), seed=0)
    assert exact.diagnosis == "off by a constant factor 3e−07", exact.diagnosis  # without the noise, it is one


def test_diagnose_shape_names_a_transpose_with_its_default_tolerance():
    """Seed-5 survivor (diagnose_shape's default rtol 1e-6 → −0.999999): called as its docstring shows, with
    the default, a negative tolerance matched nothing and the transpose was reported as just a wrong shape."""
    r = np.array([[1.0, 2.0], [3.0, 4.0], [5.0, 6.0]])
    assert diagnose_shape(r.T, r, out_shape=(3,), in_shape=(2,)) == (
        "transposed (denominator layout): claimed (2, 3) is the transpose of JAX's (3, 2)")
    assert diagnose_shape(r.T * (1 + 1e-7), r, out_shape=(3,), in_shape=(2,)).startswith("transposed")


def _orthonormal_pair(a: np.ndarray, b: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    return a / np.linalg.norm(a), b / np.linalg.norm(b)


def test_a_dropped_rank_one_term_is_named_through_errors_within_the_tolerance():
    """Seed-5 survivor (_low_rank's noise floor tol·√(m + n) → tol·√(m / n)): singular values of d = JAX −
    candidate up to tol·√(m + n) are what entries within the tolerance can make. A dropped rank-one term of
    relative size 1e-3 with, on top, errors of 0.6·tol in every entry (a second singular value 2.5·tol) was
    called rank 2 with the floor tol·√(4/4) = tol; it is rank one."""
    A = np.arange(1.0, 17.0).reshape(4, 4) / 16  # scale 1: tol = 1e-12 + 1e-9
    tol = ATOL + RTOL * 1.0
    u, v = _orthonormal_pair(np.array([1.0, -1.0, 0.0, 0.0]), np.array([1.0, 1.0, 0.0, 0.0]))
    u2, v2 = _orthonormal_pair(np.ones(4), np.array([1.0, -1.0, 1.0, -1.0]))  # ⟂ u, ⟂ v
    d = 1e-3 * np.outer(u, v) + 2.5 * tol * np.outer(u2, v2)  # the second part's entries are 0.625·tol
    r = check_jacobian(lambda x: jnp.asarray(A) @ x, lambda x: A - d, np.zeros(4), seed=0)
    assert not r.ok
    assert r.diagnosis.startswith("dropped term: JAX − candidate is a rank-one outer product u vᵀ (a missing "
                                  "outer-product term"), r.diagnosis


def test_an_entry_between_slices_at_exactly_the_tolerance_agrees():
    """Seed-5 survivor (_low_rank, the zero-between-slices test `> tol` → `>= tol`): an entry agrees when
    |c − r| ≤ tol, the same as the check's; one entry between the slices off by exactly tol (and JAX's
    Jacobian is zero there) must not hide a row softmax's dropped −s sᵀ per slice."""
    s = np.array([[0.2, 0.3, 0.5], [0.6, 0.3, 0.1]])
    J, wrong = np.zeros((2, 3, 2, 3)), np.zeros((2, 3, 2, 3))
    for i in range(2):  # the softmax of each row; the candidate drops its −s sᵀ term
        J[i, :, i, :], wrong[i, :, i, :] = np.diag(s[i]) - np.outer(s[i], s[i]), np.diag(s[i])
    tol = ATOL + RTOL * float(np.max(np.abs(J)))
    wrong[0, 0, 1, 0] = -tol  # between the slices: JAX's entry is 0, the candidate's −tol, |c − r| = tol exactly
    d = diagnose_values(wrong, J, out_shape=(2, 3), in_shape=(2, 3), rtol=RTOL, atol=ATOL)
    assert d.startswith("dropped term: JAX − candidate is a rank-one outer product u vᵀ within each of the 2 "
                        "slices along axis 0 (of the output and the input; zero between slices)"), d


def test_a_rank_one_term_per_input_slice_is_named():
    """Seed-5 survivor (_low_rank's input slices, reshape to (k, m, n // k) → (k, m, n ** k)): the reshape
    raised, and a Jacobian wrong by a rank-one term u_j v_jᵀ in each slice x[j, :] lost its diagnosis."""
    rng = np.random.default_rng(0)
    A = rng.standard_normal((4, 2, 3))  # f(x) = A·x for x of shape (2, 3): its Jacobian is A
    u, v = rng.standard_normal((2, 4)), rng.standard_normal((2, 3))
    d = np.einsum("jo,jk->ojk", u, v)  # JAX − candidate = u_j v_jᵀ in each slice [:, j, :]: rank 2 overall

    r = check_jacobian(lambda x: jnp.einsum("oij,ij->o", jnp.asarray(A), x), lambda x: A - d, np.zeros((2, 3)),
                       seed=0)
    assert not r.ok
    assert r.diagnosis.startswith("dropped term: JAX − candidate is a rank-one outer product u vᵀ for each of the 2 "
                                  "indices along input axis 0: a missing or extra outer-product term per input "
                                  "slice"), r.diagnosis
