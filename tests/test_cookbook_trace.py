"""chainrule.analytic.cookbook_trace(_higher): the Matrix Cookbook's §2.5 (CB-98 … CB-128), exact values,
the two sides of each row, the matrix power series, the CB-127 erratum, and bad input.

Every record passes ``verify`` in float64 and float32, NumPy in → NumPy out, and under ``jax.jit``:
tests/test_catalog.py, catalog-wide.
"""

from __future__ import annotations

import numpy as np
import pytest

from chainrule.analytic import cookbook_trace as ct
from chainrule.analytic import cookbook_trace_higher as ch
from chainrule.analytic import matrix as mx
from chainrule.reference.autodiff import gradient

X2 = np.array([[1.0, 2.0], [3.0, 4.0]])  # not symmetric: a missing transpose shows


# --- §2.5.1 first order and §2.5.2 second order: exact values ---------------------------------------------


def test_first_order_exact_values():
    A, B = np.array([[1.0, 2.0]]), np.array([[1.0], [0.0], [-1.0]])  # Tr(AXᵀB): A (1, 2), X (3, 2), B (3, 1)
    np.testing.assert_array_equal(ct.grad_trace_AXtB_X(A, np.zeros((3, 2)), B), [[1.0, 2.0], [0.0, 0.0],
                                                                                  [-1.0, -2.0]])  # BA
    A23 = np.array([[1.0, 2.0, 0.0], [-1.0, 0.5, 3.0]])
    np.testing.assert_array_equal(ct.grad_trace_XtA_X(A23, np.zeros((2, 3))), A23)  # A itself, not Aᵀ
    K = np.array([[2.0, 5.0], [7.0, 3.0]])
    np.testing.assert_array_equal(ct.grad_trace_kron_AX_X(K, X2 @ X2 @ X2 - 9.0), 5.0 * np.eye(2))
    assert ct.trace_kron_AX(K, np.ones((3, 3))) == pytest.approx(5.0 * 3.0)  # Tr(A)Tr(X), A and X of other sizes
    assert ct.trace_XA(A23.T, A23) == pytest.approx(mx.trace_AX(A23.T, A23))  # CB-100's two sides


def test_second_order_exact_values():
    np.testing.assert_array_equal(ct.grad_trace_X2_X(X2), [[2.0, 6.0], [4.0, 8.0]])  # 2Xᵀ
    B = np.array([[1.0, 0.0], [0.0, 0.0]])  # XB = [[1, 0], [3, 0]], BX = [[1, 2], [0, 0]]
    np.testing.assert_array_equal(ct.grad_trace_X2B_X(X2, B), [[2.0, 3.0], [2.0, 0.0]])
    N = np.array([[0.0, 1.0], [0.0, 0.0]])
    np.testing.assert_array_equal(ct.grad_trace_BXXt_X(N, np.array([[1.0], [2.0]])), [[2.0], [1.0]])  # BX + BᵀX
    np.testing.assert_array_equal(ct.grad_trace_XBXt_X(N, np.array([[1.0, 2.0]])), [[2.0, 1.0]])  # XBᵀ + XB
    one = np.ones((1, 1))
    # scalars: Tr(aXbX) = abx², Tr(bxcxb) = b²cx², Tr(xbxc) = bcx², Tr(axbxc) = abcx², Tr((axb + c)²) → 2a(axb + c)b
    np.testing.assert_array_equal(ct.grad_trace_AXBX_X(2 * one, 3 * one, 5 * one), [[60.0]])
    np.testing.assert_array_equal(ct.grad_trace_BtXtCXB_X(2 * one, 3 * one, 5 * one), [[120.0]])
    np.testing.assert_array_equal(ct.grad_trace_XtBXC_X(3 * one, 2 * one, 5 * one), [[60.0]])
    np.testing.assert_array_equal(ct.grad_trace_AXBXtC_X(2 * one, 3 * one, 5 * one, 7 * one), [[420.0]])
    np.testing.assert_array_equal(ct.grad_trace_AXB_plus_C_sq_X(2 * one, 3 * one, 5 * one, -one), [[580.0]])
    np.testing.assert_array_equal(ct.grad_trace_kron_XX_X(X2), 10.0 * np.eye(2))  # 2Tr(X) I


def test_non_square_products_are_shaped_like_X():
    rng = np.random.default_rng(0)
    A, X, B = rng.standard_normal((2, 3)), rng.standard_normal((3, 4)), rng.standard_normal((4, 2))
    G = ct.grad_trace_AXBX_X(rng.standard_normal((4, 3)), X, rng.standard_normal((4, 3)))
    assert G.shape == X.shape
    C = rng.standard_normal((2, 2))
    G = ct.grad_trace_AXB_plus_C_sq_X(A, X, B, C)
    np.testing.assert_allclose(G, gradient(ct.trace_AXB_plus_C_sq, A, X, B, C, argnums=1), rtol=1e-13)


def test_the_sides_of_each_row_are_the_same_function():
    """Rows written two or three ways (cyclic permutations, CB-115, CB-120) share one closed form."""
    rng = np.random.default_rng(1)
    X, Bm, Bn = rng.standard_normal((3, 2)), rng.standard_normal((3, 3)), rng.standard_normal((2, 2))
    assert ct.trace_XtA(X + 1.0, X) == pytest.approx(ct.trace_AXt(X + 1.0, X))
    assert ct.trace_BXXt(Bm, X) == pytest.approx(ct.trace_XXtB(Bm, X))
    assert ct.trace_BXXt(Bm, X) == pytest.approx(mx.trace_XtAX(Bm, X))  # and CB-108
    assert ct.trace_XBXt(Bn, X) == pytest.approx(ct.trace_BXtX(Bn, X))
    assert ct.trace_XBXt(Bn, X) == pytest.approx(ct.trace_XtXB(Bn, X))
    assert ct.trace_XtX(X) == pytest.approx(ct.trace_XXt(X)) == pytest.approx(mx.frobenius_sq(X))
    assert ct.trace_kron_XX(Bm) == pytest.approx(ct.trace_X_times_trace_X(Bm))
    np.testing.assert_allclose(ct.grad_trace_BXXt_X(Bm, X), mx.grad_trace_XtAX_X(Bm, X), rtol=1e-15)


# --- §2.5.3 higher order: the power k ----------------------------------------------------------------------


def test_powers_exact_values_and_special_cases():
    np.testing.assert_array_equal(ch.grad_trace_Xk_X(X2, k=1), np.eye(2))  # X⁰ = I: CB-99
    np.testing.assert_array_equal(ch.grad_trace_Xk_X(X2, k=2), ct.grad_trace_X2_X(X2))  # CB-106
    np.testing.assert_array_equal(ch.grad_trace_Xk_X(X2, k=3), 3.0 * (X2 @ X2).T)
    B = np.array([[0.0, 1.0], [2.0, 0.0]])
    np.testing.assert_array_equal(ch.grad_trace_AXk_X(B, X2, k=2), ct.grad_trace_X2B_X(X2, B))  # CB-107
    np.testing.assert_array_equal(ch.grad_trace_AXk_X(B, X2, k=1), B.T)  # CB-100
    one = np.ones((1, 1))
    np.testing.assert_array_equal(ch.grad_trace_BtXtCXXtCXB_X(3 * one, 2 * one, 5 * one), [[7200.0]])  # 4b²c²x³


# --- §2.5.4 other: (XᵀCX)⁻¹ forms and the CB-127 erratum ----------------------------------------------------


def test_inverse_forms_exact_values():
    one = np.ones((1, 1))
    # Tr((c x²)⁻¹ a) = a/(c x²): −2a/(c x³) = −2·3/(1·8)
    np.testing.assert_allclose(ch.grad_trace_XtCX_inv_A_X(2 * one, one, 3 * one), [[-0.75]], rtol=1e-15)
    # X a column x: the generalized Rayleigh quotient f = xᵀBx / xᵀCx, gradient 2(Bx − f Cx)/(xᵀCx)
    x, B = np.array([[1.0], [1.0]]), np.array([[2.0, 0.0], [0.0, 0.0]])
    np.testing.assert_allclose(ch.grad_trace_XtCX_inv_XtBX_X(x, np.eye(2), B), [[1.0], [-1.0]], rtol=1e-15)


# A = [[2, 1], [0, 2]] is not symmetric; X = [[1, 0]], C = B = [[1]]: N = [[3, 1], [0, 2]], f = (N⁻¹)₁₁ = 1/3.
A_NONSYM = np.array([[2.0, 1.0], [0.0, 2.0]])
X_ROW, ONE = np.array([[1.0, 0.0]]), np.array([[1.0]])


def test_cb127_printed_form_is_wrong_for_a_non_symmetric_A():
    """COOKBOOK.md §3's minimal counterexample, X 1 × 2 (n = 2): an exact instance, then the §3 recipe."""
    truth = gradient(ch.trace_Ninv_XtBX, A_NONSYM, X_ROW, ONE, ONE, argnums=1)
    np.testing.assert_allclose(truth, [[4 / 9, -1 / 9]], rtol=1e-14)
    np.testing.assert_allclose(ch.grad_trace_Ninv_XtBX_X(A_NONSYM, X_ROW, ONE, ONE), truth, rtol=1e-14)
    np.testing.assert_allclose(ch.grad_trace_Ninv_XtBX_X_printed(A_NONSYM, X_ROW, ONE, ONE), [[4 / 9, -2 / 9]],
                               rtol=1e-14)  # printed ≠ truth in the second entry
    # §3's recipe: X 1 × 2, C > 0, B symmetric, A = a random 2 × 2 + 3I (seed 0)
    rng = np.random.default_rng(0)
    A, X = rng.standard_normal((2, 2)) + 3 * np.eye(2), rng.standard_normal((1, 2))
    C, B = np.array([[1.5]]), np.array([[-0.7]])
    truth = gradient(ch.trace_Ninv_XtBX, A, X, C, B, argnums=1)
    np.testing.assert_allclose(ch.grad_trace_Ninv_XtBX_X(A, X, C, B), truth, rtol=1e-13)
    gap = np.max(np.abs(ch.grad_trace_Ninv_XtBX_X_printed(A, X, C, B) - truth)) / np.max(np.abs(truth))
    assert gap > 1e-3, gap


def test_cb127_printed_form_holds_for_a_symmetric_A_and_for_n_1():
    rng = np.random.default_rng(2)
    M, X = rng.standard_normal((3, 3)), rng.standard_normal((4, 3))
    A, C, B = M @ M.T + np.eye(3), np.diag([1.0, 2.0, 0.5, 1.5]), np.ones((4, 4))
    truth = gradient(ch.trace_Ninv_XtBX, A, X, C, B, argnums=1)
    np.testing.assert_allclose(ch.grad_trace_Ninv_XtBX_X_printed(A, X, C, B), truth, rtol=1e-12)
    np.testing.assert_allclose(ch.grad_trace_Ninv_XtBX_X(A, X, C, B), truth, rtol=1e-12)
    a, x = np.array([[2.0]]), np.array([[1.0], [-2.0]])  # n = 1: N is a scalar, so symmetric
    np.testing.assert_allclose(ch.grad_trace_Ninv_XtBX_X_printed(a, x, np.eye(2), B[:2, :2]),
                               ch.grad_trace_Ninv_XtBX_X(a, x, np.eye(2), B[:2, :2]), rtol=1e-14)


def test_verify_reports_the_printed_cb127_as_an_expected_failure():
    from chainrule.reference.catalog.rules_cookbook_trace import RULES
    from chainrule.reference.catalog.verify import verify_rule

    printed = {r.name: r for r in RULES if r.id == "CB-127"}
    bad = verify_rule(printed["grad_trace_Ninv_XtBX_X_printed"], trials=20)
    assert bad.status == "xfail", bad.message
    assert "symmetric" in bad.diagnosis
    assert verify_rule(printed["grad_trace_Ninv_XtBX_X_printed_symmetric_A"], trials=20).status == "pass"


# --- matrix functions: the truncated series of CB-98 and CB-128 ---------------------------------------------


def _symmetric(n: int, norm: float, seed: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    rng = np.random.default_rng(seed)
    M = rng.standard_normal((n, n))
    S = (M + M.T) / 2
    S *= norm / np.linalg.norm(S)
    lam, Q = np.linalg.eigh(S)
    return S, lam, Q


def test_exp_and_sin_series_match_the_matrix_functions():
    """On a symmetric X, f(X) = Q f(Λ) Qᵀ: the series agree with exp and cos to float64 rounding."""
    S, lam, Q = _symmetric(4, 1.9, seed=3)
    np.testing.assert_allclose(ct.grad_trace_exp_X(S), (Q * np.exp(lam)) @ Q.T, rtol=0, atol=1e-14)
    np.testing.assert_allclose(ch.grad_trace_sin_X(S), (Q * np.cos(lam)) @ Q.T, rtol=0, atol=1e-14)
    assert ct.trace_exp(S) == pytest.approx(np.exp(lam).sum(), rel=1e-15)
    assert ch.trace_sin(S) == pytest.approx(np.sin(lam).sum(), abs=1e-15)


def test_matrix_function_gradients_are_transposed():
    """f(X)ᵀ, not f(X): for nilpotent N, exp(N) = I + N and cos(N) = I (N² = 0), sin(N) = N."""
    N = np.array([[0.0, 1.5], [0.0, 0.0]])
    np.testing.assert_allclose(ct.grad_trace_exp_X(N), np.eye(2) + N.T, rtol=0, atol=1e-16)
    np.testing.assert_array_equal(ch.grad_trace_sin_X(N), np.eye(2))
    assert ct.trace_exp(N) == pytest.approx(2.0, rel=1e-15)


def test_polynomial_F_is_the_power_series_with_its_derivative_series():
    X = np.array([[0.5, -1.0, 0.0], [2.0, 1.0, 0.5], [0.0, -0.5, 1.5]])
    P = [np.linalg.matrix_power(X, k) for k in range(8)]
    coeffs = (1.0, -2.0, 0.0, 0.5, 3.0, 0.0, -1.0, 0.25)  # degree 7, zeros skipped by the evaluator
    assert ct.trace_polynomial(X, coeffs) == pytest.approx(np.trace(sum(c * p for c, p in zip(coeffs, P, strict=True))))
    f = sum(k * c * P[k - 1] for k, c in enumerate(coeffs) if k)
    np.testing.assert_allclose(ct.grad_trace_polynomial_X(X, coeffs), f.T, rtol=1e-13)
    np.testing.assert_allclose(ct.grad_trace_polynomial_X(X, (0.0, 0.0, 0.0, 1.0)), ch.grad_trace_Xk_X(X, k=3),
                               rtol=1e-15)  # F = x³: CB-121
    np.testing.assert_array_equal(ct.grad_trace_polynomial_X(X, (4.0,)), np.zeros((3, 3)))  # a constant F


def test_float32_stays_float32():
    X = np.array([[0.5, -0.25], [0.125, 0.75]], dtype=np.float32)
    for G in (ct.grad_trace_exp_X(X), ch.grad_trace_sin_X(X), ct.grad_trace_polynomial_X(X, (1.0, 2.0, 3.0)),
              ch.grad_trace_Xk_X(X, k=3), ct.grad_trace_kron_XX_X(X), ct.grad_trace_X2_X(X)):
        assert G.dtype == np.float32, G.dtype


# --- bad input ---------------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("call", "exc", "text"),
    [
        (lambda: ct.grad_trace_AXtB_X(np.ones((1, 2)), np.ones((3, 2)), np.ones((2, 1))), ValueError,
         "Tr(AXᵀB): B has shape (2, 1), but its axis 0 (m) must be 3 to conform with X (shape (3, 2)); "
         "expected A (p, n), X (m, n), B (m, p): pass conformable matrices"),
        (lambda: ct.grad_trace_X2_X(np.ones((2, 3))), ValueError,
         "Tr(X²): X has shape (2, 3), but its axis 1 (n) must be 2"),
        (lambda: ct.grad_trace_X2_X(np.ones(3)), ValueError,
         "X: expected a matrix X of shape (n, n) for Tr(X²) (2-d array), got shape (3,)"),
        (lambda: ct.grad_trace_XtA_X(np.ones((2, 3)), np.ones((3, 2))), ValueError, "Tr(XᵀA): X has shape (3, 2)"),
        (lambda: ct.grad_trace_X2_X(np.eye(2, dtype=int)), TypeError, "X: expected a real floating array"),
        (lambda: ch.grad_trace_Xk_X(np.eye(2), k=0), ValueError, "k: the rule needs an integer power k ≥ 1, got k = 0"),
        (lambda: ch.grad_trace_Xk_X(np.eye(2), k=1.5), TypeError, "k: expected a Python int power k ≥ 1"),
        (lambda: ch.grad_trace_AXk_X(np.eye(2), np.eye(2), k=True), TypeError, "k: expected a Python int"),
        (lambda: ct.grad_trace_polynomial_X(np.eye(2), ()), TypeError, "coeffs: expected a non-empty sequence"),
        (lambda: ct.grad_trace_polynomial_X(np.eye(2), (1.0, "2")), TypeError, "coeffs: expected real numbers"),
        (lambda: ct.grad_trace_exp_X(3.0 * np.eye(2)), ValueError,
         "X: exp(X) is a truncated power series, accurate to float64 only for ‖X‖_F ≤ 2, but ‖X‖_F = 4.243"),
        (lambda: ch.trace_sin(np.full((2, 2), 5.0)), ValueError, "sin(X) is a truncated power series"),
        (lambda: ch.grad_trace_XtCX_inv_A_X(np.ones((2, 1)), np.array([[1.0, 2.0], [0.0, 1.0]]), np.ones((1, 1))),
         ValueError, "C: ∂Tr[(XᵀCX)⁻¹A]/∂X (CB-125) assumes a symmetric C, but max|C − Cᵀ| = 2"),
        (lambda: ch.grad_trace_XtCX_inv_A_X(np.ones((1, 2)), np.ones((1, 1)), np.eye(2)), ValueError,
         "XᵀCX: Tr[(XᵀCX)⁻¹A] needs XᵀCX invertible, but it is singular to working precision"),
        (lambda: ch.grad_trace_XtCX_inv_XtBX_X(np.ones((2, 1)), np.eye(2), np.array([[0.0, 1.0], [0.0, 0.0]])),
         ValueError, "B: ∂Tr[(XᵀCX)⁻¹(XᵀBX)]/∂X (CB-126) assumes a symmetric B"),
        (lambda: ch.grad_trace_Ninv_XtBX_X(-np.ones((2, 2)), np.ones((1, 2)), np.ones((1, 1)), np.ones((1, 1))),
         ValueError, "N = A + XᵀCX: Tr[N⁻¹(XᵀBX)] needs N = A + XᵀCX invertible"),
        (lambda: ch.grad_trace_Ninv_XtBX_X(np.eye(2), np.ones((1, 2)), np.ones((2, 2)), np.ones((1, 1))),
         ValueError, "Tr[N⁻¹(XᵀBX)]: C has shape (2, 2), but its axis 0 (m) must be 1"),
    ],
)
def test_bad_input_is_explained(call, exc, text):
    with pytest.raises(exc) as info:
        call()
    assert text in str(info.value)


def test_value_checks_are_skipped_under_jit():
    """Inside jax.jit the values are tracers: the series-ball and symmetry checks cannot run (shapes still do)."""
    import jax
    import jax.numpy as jnp

    from chainrule.reference.autodiff import x64

    with x64():
        G = jax.jit(ct.grad_trace_exp_X)(jnp.asarray(3.0 * np.eye(2)))  # outside the ball: no error, less accurate
        assert G.shape == (2, 2)
        with pytest.raises(ValueError, match="must be 2"):
            jax.jit(ct.grad_trace_X2_X)(jnp.ones((2, 3)))
