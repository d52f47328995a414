"""chainrule.analytic.cookbook_structured: Matrix Cookbook §2.8 (CB-133 … CB-144), the Cookbook's structured
convention against the symmetric gradient sym(G) = (G + Gᵀ)/2 on hand-computed 2 × 2 cases, the Toeplitz
diagonal-sum rule against the transcription, the chain rules, and bad input.

Random-input agreement with JAX in float64 and float32: tests/test_catalog.py (every record).
"""

from __future__ import annotations

import dataclasses
import inspect
import re

import jax.numpy as jnp
import numpy as np
import pytest

from chainrule.analytic import cookbook_structured as cs
from chainrule.analytic import matrix as mx
from chainrule.reference.autodiff import gradient, jacobian

A2 = np.array([[1.0, 2.0], [3.0, 4.0]])


def _sym(G):
    return (G + G.T) / 2


# --- the convention: the Cookbook's structured derivative is not sym(G) -------------------------------------


def test_cookbook_convention_against_the_symmetric_gradient_by_hand():
    """f(X) = Tr(AX), A = [[1, 2], [3, 4]], X = [[a, x], [x, b]] symmetric: f = a + 5x + 4b.

    * unstructured gradient G = Aᵀ = [[1, 3], [2, 4]] (what jax.grad returns for a full X);
    * the Cookbook's structured derivative (CB-139): df/d(free parameter), written into each position it
      occupies: [[1, 5], [5, 4]], df/dx = 5;
    * the symmetric gradient sym(G) = [[1, 2.5], [2.5, 4]]: the same diagonal, half off it.
    """
    a, x, b = 0.7, -0.2, 1.3
    X = np.array([[a, x], [x, b]])
    assert mx.trace_AX(A2, X) == pytest.approx(a + 5 * x + 4 * b)
    G = gradient(mx.trace_AX, A2, X, argnums=1)
    np.testing.assert_array_equal(G, A2.T)
    cookbook = cs.grad_trace_AX_symmetric_X(A2, X)
    np.testing.assert_array_equal(cookbook, [[1.0, 5.0], [5.0, 4.0]])
    np.testing.assert_array_equal(cs.symmetric_structured_gradient(G), cookbook)  # (138) with G = Aᵀ
    np.testing.assert_array_equal(_sym(G), [[1.0, 2.5], [2.5, 4.0]])
    np.testing.assert_array_equal(np.diagonal(cookbook), np.diagonal(_sym(G)))
    np.testing.assert_array_equal(cookbook - np.diag(np.diagonal(cookbook)), 2 * (_sym(G) - np.diag([1.0, 4.0])))
    # the Cookbook's entry is the partial derivative with respect to the free parameter x (JAX, on the parameters)
    P = np.array([[a, 0.0], [x, b]])
    np.testing.assert_array_equal(gradient(lambda A, P: mx.trace_AX(A, cs.symmetric_from_params(P)), A2, P,
                                           argnums=1), [[1.0, 0.0], [5.0, 4.0]])
    # sym(G) is the gradient of the Frobenius inner product on symmetric directions: df = ⟨sym(G), dX⟩
    dX = np.array([[0.0, 1.0], [1.0, 0.0]])  # moves the free x by 1
    assert np.sum(_sym(G) * dX) == 5.0
    assert np.sum(cookbook * dX) == 10.0  # the Cookbook's matrix is not that gradient


def test_log_det_convention_by_hand():
    """ln det X for X = [[a, x], [x, b]]: ln(ab − x²); ∂/∂x = −2x/det, which CB-141's 2X⁻¹ − X⁻¹∘I has off
    the diagonal, while sym(G) = X⁻¹ has half of it."""
    a, x, b = 2.0, 0.5, 1.0
    X = np.array([[a, x], [x, b]])
    det = a * b - x**2
    cookbook = cs.grad_log_det_symmetric_X(X)
    np.testing.assert_allclose(cookbook, [[b / det, -2 * x / det], [-2 * x / det, a / det]], rtol=1e-14)
    np.testing.assert_allclose(_sym(mx.grad_log_abs_det_X(X)), np.linalg.inv(X), rtol=1e-14)
    np.testing.assert_allclose(cookbook[0, 1], 2 * np.linalg.inv(X)[0, 1], rtol=1e-14)
    # CB-140: det X = ab − x², so [[b, −2x], [−2x, a]]
    np.testing.assert_allclose(cs.grad_det_symmetric_X(X), [[b, -2 * x], [-2 * x, a]], rtol=1e-14)


def test_the_symmetric_gradient_convention_fails_the_record():
    """A record built with sym(G) in place of the Cookbook's matrix fails, on exactly the off-diagonal free
    parameters, each claimed at half of JAX's value."""
    from chainrule.reference.catalog import by_name
    from chainrule.reference.catalog.verify import verify_rule

    def sym_convention(A, P):
        G = mx.grad_trace_AX_X(A, cs.symmetric_from_params(P))
        return cs.symmetric_params((G + G.T) / 2)

    good = by_name("grad_trace_AX_symmetric_P")
    bad = dataclasses.replace(good, name="sym_convention", derivative=sym_convention)
    assert verify_rule(good, trials=20).ok
    result = verify_rule(bad, trials=20)
    assert not result.ok
    assert "wrong entries of 9 at (1, 0), (2, 0), (2, 1) (the others agree)" in result.diagnosis
    claimed, expected = map(float, re.search(r"claimed (\S+), JAX (\S+) \|", result.message).groups())
    assert expected == pytest.approx(2 * claimed, rel=1e-5)


def test_every_structured_closed_form_states_the_convention():
    for fn in (cs.jac_symmetric_from_params_P, cs.symmetric_structured_gradient, cs.grad_trace_AX_symmetric_X,
               cs.grad_det_symmetric_X, cs.grad_log_det_symmetric_X, cs.grad_trace_AX_diagonal_X,
               cs.grad_trace_AT_toeplitz_T, cs.grad_trace_AT_symmetric_toeplitz_T):
        doc = inspect.getdoc(fn)
        assert "Cookbook's" in doc and "convention" in doc, fn.__name__
        assert "sym(G)" in doc or "sym(α(A))" in doc, fn.__name__


# --- structure matrices and the general rule (133), (138) ---------------------------------------------------


def test_structure_matrices_by_hand_and_as_the_parametrization_jacobian():
    S = cs.jac_symmetric_from_params_P(np.zeros((2, 2)))
    assert S.shape == (2, 2, 2, 2)
    np.testing.assert_array_equal(S[:, :, 0, 0], [[1.0, 0.0], [0.0, 0.0]])  # S^11 = J^11 + J^11 − J^11 J^11
    np.testing.assert_array_equal(S[:, :, 1, 0], [[0.0, 1.0], [1.0, 0.0]])  # S^21 = J^21 + J^12
    np.testing.assert_array_equal(S[:, :, 0, 1], np.zeros((2, 2)))  # A_12 is not a free parameter
    P = np.random.default_rng(0).standard_normal((3, 3))
    np.testing.assert_array_equal(cs.jac_symmetric_from_params_P(P), jacobian(cs.symmetric_from_params, P))
    A = cs.symmetric_from_params(P)
    np.testing.assert_array_equal(A, A.T)
    np.testing.assert_array_equal(np.tril(A), np.tril(P))


def test_general_rule_133_gives_138():
    """Tr(Gᵀ S^ij) for every free (i, j), written back into both positions, is G + Gᵀ − diag(G)."""
    rng = np.random.default_rng(1)
    G, P = rng.standard_normal((4, 4)), rng.standard_normal((4, 4))
    on_params = cs.chain_rule_trace(G, cs.jac_symmetric_from_params_P(P))
    np.testing.assert_allclose(on_params, cs.symmetric_params(cs.symmetric_structured_gradient(G)), rtol=1e-15)
    np.testing.assert_allclose(cs.symmetric_from_params(on_params), cs.symmetric_structured_gradient(G), rtol=1e-15)


def test_chain_rules_136_137_with_a_non_square_U():
    """U = f(X) = XᵀB of shape 2 × 3 from X of shape 3 × 2, g(U) = Σ sin(U) ∘ C: both forms equal jax.grad(g∘f)."""
    rng = np.random.default_rng(2)
    X, B, C = rng.standard_normal((3, 2)), rng.standard_normal((3, 3)), rng.standard_normal((2, 3))

    def f(X):
        return X.T @ B  # (2, 3)

    def g(U):
        return jnp.sum(jnp.sin(U) * C)

    dU_dX = jacobian(f, X)
    dg_dU = gradient(g, X.T @ B)
    expected = gradient(lambda X: g(f(X)), X)
    np.testing.assert_allclose(cs.chain_rule_sum(dg_dU, dU_dX), expected, rtol=1e-13)
    np.testing.assert_allclose(cs.chain_rule_trace(dg_dU, dU_dX), expected, rtol=1e-13)


# --- diagonal and Toeplitz ---------------------------------------------------------------------------------


def test_diagonal_by_hand():
    d = np.array([2.0, -1.0])
    X = cs.diagonal_from_params(d)
    np.testing.assert_array_equal(X, np.diag(d))
    np.testing.assert_array_equal(cs.grad_trace_AX_diagonal_X(A2, X), [[1.0, 0.0], [0.0, 4.0]])
    np.testing.assert_array_equal(cs.diagonal_params(cs.grad_trace_AX_diagonal_X(A2, X)),
                                  gradient(lambda A, d: mx.trace_AX(A, cs.diagonal_from_params(d)), A2, d,
                                           argnums=1))


def test_toeplitz_parametrizations_round_trip():
    c = np.arange(1.0, 8.0)  # n = 4: 2n − 1 = 7 diagonals, top-right first
    T = cs.toeplitz_from_params(c)
    np.testing.assert_array_equal(T[0], [4.0, 3.0, 2.0, 1.0])
    np.testing.assert_array_equal(T[:, 0], [4.0, 5.0, 6.0, 7.0])
    np.testing.assert_array_equal(cs.toeplitz_params(T), c)
    s = np.array([1.0, 2.0, 3.0])
    Ts = cs.symmetric_toeplitz_from_params(s)
    np.testing.assert_array_equal(Ts, [[1.0, 2.0, 3.0], [2.0, 1.0, 2.0], [3.0, 2.0, 1.0]])
    np.testing.assert_array_equal(cs.symmetric_toeplitz_params(Ts), s)


def _minor(M, i, j):
    """[M]_ij: M with row i and column j deleted (1-based, the Cookbook's notation)."""
    return np.delete(np.delete(M, i - 1, axis=0), j - 1, axis=1)


def test_toeplitz_alpha_diagonal_sum_rule_and_the_cookbooks_listed_entries():
    rng = np.random.default_rng(3)
    n = 4
    A = rng.standard_normal((n, n))
    alpha = cs.grad_trace_AT_toeplitz_T(A, np.eye(n))
    At = A.T
    for i in range(n):
        for j in range(n):
            assert alpha[i, j] == pytest.approx(np.trace(At, offset=j - i))  # Σ_{p−q=i−j} (Aᵀ)_pq
    # the entries the Cookbook lists (1-based)
    assert alpha[0, 0] == pytest.approx(np.trace(A))
    assert alpha[0, 1] == pytest.approx(np.trace(_minor(At, n, 1)))
    assert alpha[1, 0] == pytest.approx(np.trace(_minor(At, 1, n)))
    assert alpha[0, n - 1] == pytest.approx(A[n - 1, 0])
    # the transcription's second off-diagonals are not diagonal sums; the nested minors of COOKBOOK.md §4 are
    assert alpha[0, 2] != pytest.approx(np.trace(_minor(_minor(At, 1, n), n - 1, 2)))
    assert alpha[2, 0] != pytest.approx(np.trace(_minor(_minor(At, 1, n), 2, n - 1)))
    assert alpha[0, 2] == pytest.approx(np.trace(_minor(_minor(At, n, 1), n - 1, 1)))
    assert alpha[2, 0] == pytest.approx(np.trace(_minor(_minor(At, 1, n), 1, n - 1)))
    # Tr(AT) and Tr(TA) agree, and α is the derivative with respect to each diagonal's value
    c = rng.standard_normal(2 * n - 1)
    for primal in (lambda A, c: mx.trace_AX(A, cs.toeplitz_from_params(c)),
                   lambda A, c: mx.trace_AX(cs.toeplitz_from_params(c), A)):
        np.testing.assert_allclose(cs.toeplitz_params(alpha), gradient(primal, A, c, argnums=1), rtol=1e-14)


def test_symmetric_toeplitz_by_hand():
    """T = [[s₀, s₁], [s₁, s₀]]: Tr(AT) = 5 s₀ + 5 s₁ for A = [[1, 2], [3, 4]]. α(A) = [[5, 3], [2, 5]], so
    α + αᵀ − α∘I = [[5, 5], [5, 5]]; sym(α) would have 2.5 off the diagonal."""
    T = cs.symmetric_toeplitz_from_params(np.array([0.3, -0.4]))
    np.testing.assert_array_equal(cs.grad_trace_AT_toeplitz_T(A2, T), [[5.0, 3.0], [2.0, 5.0]])
    np.testing.assert_array_equal(cs.grad_trace_AT_symmetric_toeplitz_T(A2, T), [[5.0, 5.0], [5.0, 5.0]])
    np.testing.assert_array_equal(gradient(lambda A, s: mx.trace_AX(A, cs.symmetric_toeplitz_from_params(s)),
                                           A2, np.array([0.3, -0.4]), argnums=1), [5.0, 5.0])


def test_float32_stays_float32():
    A, P = A2.astype(np.float32), np.eye(2, dtype=np.float32)
    outs = (cs.grad_trace_AX_symmetric_X(A, P), cs.grad_det_symmetric_X(P), cs.jac_symmetric_from_params_P(P),
            cs.toeplitz_params(A), cs.toeplitz_from_params(np.ones(3, dtype=np.float32)),
            cs.grad_trace_AT_symmetric_toeplitz_T(A, P), cs.chain_rule_trace(A, cs.jac_symmetric_from_params_P(P)))
    for out in outs:
        assert out.dtype == np.float32


# --- bad input ---------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("call", "exc", "text"),
    [
        (lambda: cs.grad_det_symmetric_X(A2), ValueError, "X: the symmetric determinant rule assumes a symmetric X"),
        (lambda: cs.grad_trace_AX_symmetric_X(A2, np.eye(3)), ValueError, "A has shape (2, 2) but X has (3, 3)"),
        (lambda: cs.grad_trace_AX_diagonal_X(A2, A2), ValueError, "X: the rule needs a diagonal X"),
        (lambda: cs.grad_trace_AT_toeplitz_T(A2, A2), ValueError, "T: the rule needs a Toeplitz T"),
        (lambda: cs.grad_trace_AT_symmetric_toeplitz_T(A2, np.array([[1.0, 2.0], [0.0, 1.0]])), ValueError,
         "T: the rule needs a symmetric Toeplitz T"),
        (lambda: cs.toeplitz_from_params(np.ones(4)), ValueError, "has 2n − 1 diagonals (an odd number), got 4"),
        (lambda: cs.symmetric_from_params(np.ones((2, 3))), ValueError, "P: expected a square matrix"),
        (lambda: cs.chain_rule_sum(np.ones((2, 3)), np.ones((3, 2, 2))), ValueError,
         "dU_dX: expected the Jacobian ∂U/∂X of shape U.shape + X.shape = (2, 3) + X.shape"),
        (lambda: cs.grad_log_det_symmetric_X(np.ones((2, 2))), ValueError, "X: the rule needs an invertible matrix"),
    ],
)
def test_bad_input_is_explained(call, exc, text):
    with pytest.raises(exc) as info:
        call()
    assert text in str(info.value)
