"""chainrule.analytic.cookbook_differentials: the basic assumption (32) and the differential rules (33)–(45).

Exact small cases, the singular-X reading of (41) against JAX, the packed complex (45), bad input, and
that the two-variable records (checked on a line) catch a wrong cross term. Backends and dtypes:
tests/test_catalog.py, catalog-wide.
"""

from __future__ import annotations

import jax.numpy as jnp
import numpy as np
import pytest

from chainrule.analytic import cookbook_differentials as cd
from chainrule.analytic import matrix as mx
from chainrule.reference.autodiff import gradient, jvp

X2 = np.array([[1.0, 2.0], [3.0, 4.0]])  # det −2
Y2 = np.array([[0.0, 1.0], [1.0, 0.0]])  # does not commute with X2
SINGULAR3 = np.array([[1.0, 2.0, 3.0], [4.0, 5.0, 6.0], [7.0, 8.0, 9.0]])  # rank 2
#: Its cofactors by hand: C_11 = 5·9 − 6·8 = −3, C_12 = −(4·9 − 6·7) = 6, …; adj = Cᵀ (C is symmetric here).
COFACTORS3 = np.array([[-3.0, 6.0, -3.0], [6.0, -12.0, 6.0], [-3.0, 6.0, -3.0]])


# --- CB-32 … CB-36 ---------------------------------------------------------------------------------------------


def test_basic_assumption_is_the_identity_on_entries():
    J = cd.jac_matrix_entries_X(np.zeros((2, 3)))
    assert J.shape == (2, 3, 2, 3)  # out.shape + in.shape
    np.testing.assert_array_equal(J.reshape(6, 6), np.eye(6))  # ∂X_kl/∂X_ij = δ_ik δ_lj
    assert J[1, 2, 1, 2] == 1.0 and J[1, 2, 1, 0] == 0.0  # δ_ik δ_lj: 0 unless (k, l) = (i, j)
    assert cd.jac_matrix_entries_X(np.zeros((1, 1), dtype=np.float32)).dtype == np.float32


def test_constants_scalars_sums_and_traces_exact_values():
    A, T = np.ones((2, 3)), np.array([[1.0, -2.0], [0.5, 4.0]])
    np.testing.assert_array_equal(cd.jvp_constant_X(A, X2, T), np.zeros((2, 3)))  # shaped like A, not X
    np.testing.assert_array_equal(cd.constant(A, X2), A)
    np.testing.assert_array_equal(cd.jvp_scale_X(np.asarray(-2.0), X2, T), -2.0 * T)
    np.testing.assert_array_equal(cd.jvp_matrix_add_XY(X2, Y2, T, 3 * T), 4 * T)
    assert cd.jvp_trace_X(X2, T) == 5.0 and cd.trace(X2) == 5.0


# --- CB-37 … CB-39 product rules ---------------------------------------------------------------------------------


def test_product_rule_keeps_each_factor_in_its_place():
    dX = np.array([[0.0, 1.0], [0.0, 0.0]])
    # (∂X)Y + X(∂Y) with ∂Y = 0: [[0, 1], [0, 0]] @ [[0, 1], [1, 0]] = [[1, 0], [0, 0]]
    np.testing.assert_array_equal(cd.jvp_matmul_XY(X2, Y2, dX, np.zeros((2, 2))), [[1.0, 0.0], [0.0, 0.0]])
    assert not np.allclose(dX @ Y2, Y2 @ dX)  # Y(∂X) would be a different (wrong) answer
    # ∂X = 0: X(∂Y) with ∂Y = I is X
    np.testing.assert_array_equal(cd.jvp_matmul_XY(X2, Y2, np.zeros((2, 2)), np.eye(2)), X2)


@pytest.mark.parametrize(
    ("jvp_fn", "f", "shapes"),
    [
        (cd.jvp_matmul_XY, cd.matmul, ((2, 3), (3, 4))),
        (cd.jvp_hadamard_product_XY, cd.hadamard_product, ((2, 3), (2, 3))),
        (cd.jvp_kron_XY, cd.kron, ((2, 1), (3, 2))),
    ],
    ids=["matmul", "hadamard", "kron"],
)
def test_bilinear_rules_are_exact_to_first_order(jvp_fn, f, shapes):
    """For a bilinear F: F(X + h dX, Y + h dY) = F(X, Y) + h ∂F + h² F(dX, dY), exactly."""
    rng = np.random.default_rng(0)
    X, Y, dX, dY = (rng.standard_normal(s) for s in (*shapes, *shapes))
    h = 0.5
    np.testing.assert_allclose(f(X + h * dX, Y + h * dY),
                               f(X, Y) + h * jvp_fn(X, Y, dX, dY) + h * h * f(dX, dY), rtol=1e-13, atol=1e-13)


def test_kron_matches_numpy_and_its_rule_matches_jax():
    rng = np.random.default_rng(1)
    X, Y, dX, dY = rng.standard_normal((2, 1)), rng.standard_normal((3, 2)), rng.standard_normal((2, 1)), \
        rng.standard_normal((3, 2))
    np.testing.assert_array_equal(cd.kron(X, Y), np.kron(X, Y))
    np.testing.assert_allclose(cd.jvp_kron_XY(X, Y, dX, dY), np.kron(dX, Y) + np.kron(X, dY), rtol=1e-15)
    np.testing.assert_allclose(cd.jvp_kron_XY(X, Y, dX, dY), jvp(cd.kron, (X, Y), (dX, dY))[1], rtol=1e-14)


# --- CB-41 … CB-43 determinants ------------------------------------------------------------------------------------


def test_adjugate_from_cofactors_at_invertible_singular_and_1x1():
    np.testing.assert_allclose(cd.adjugate(X2), [[4.0, -2.0], [-3.0, 1.0]], rtol=1e-14)
    np.testing.assert_allclose(cd.adjugate(SINGULAR3), COFACTORS3.T, rtol=1e-13, atol=1e-13)
    np.testing.assert_allclose(SINGULAR3 @ cd.adjugate(SINGULAR3), np.zeros((3, 3)), atol=1e-12)  # det(X) I = 0
    assert np.linalg.matrix_rank(cd.adjugate(SINGULAR3)) == 1  # rank n − 1 → adj of rank one, not zero
    np.testing.assert_array_equal(cd.adjugate(np.zeros((1, 1))), [[1.0]])  # the empty minor's det is 1
    np.testing.assert_array_equal(cd.adjugate(np.zeros((3, 3))), np.zeros((3, 3)))  # rank ≤ n − 2 → 0


def test_det_differential_at_a_singular_matrix_is_the_adjugate_one_and_jax_agrees():
    """(41) holds at singular X: det X = 0 but ∂det X ≠ 0. JAX's det JVP (a cofactor-based solve) agrees there;
    (42) det(X) Tr(X⁻¹∂X) cannot be evaluated (X⁻¹ does not exist), and is rejected."""
    T = np.array([[1.0, 0.0, 0.0], [0.0, 0.0, 0.0], [0.0, 0.0, 2.0]])
    claimed = cd.jvp_det_adj_X(SINGULAR3, T)
    assert claimed == pytest.approx(COFACTORS3[0, 0] * 1.0 + COFACTORS3[2, 2] * 2.0)  # = −3 − 6 = −9
    assert float(jvp(jnp.linalg.det, (SINGULAR3,), (T,))[1]) == pytest.approx(-9.0, abs=1e-12)
    np.testing.assert_allclose(gradient(jnp.linalg.det, SINGULAR3), COFACTORS3, atol=1e-12)
    assert cd.determinant(SINGULAR3) == pytest.approx(0.0, abs=1e-12)  # the singular primal is accepted
    with pytest.raises(ValueError, match="singular to working precision"):
        cd.jvp_det_X(SINGULAR3, T)


def test_jacobi_formula_exact_values_and_the_two_forms_agree():
    D = np.diag([2.0, 4.0])
    assert cd.jvp_det_X(D, np.eye(2)) == pytest.approx(8.0 * (0.5 + 0.25))
    rng = np.random.default_rng(2)
    X, T = rng.standard_normal((3, 3)) + 3 * np.eye(3), rng.standard_normal((3, 3))
    assert cd.jvp_det_X(X, T) == pytest.approx(cd.jvp_det_adj_X(X, T), rel=1e-12)  # adj(X) = det(X) X⁻¹


def test_log_det_needs_a_positive_determinant_and_its_differential_is_also_that_of_log_abs_det():
    N = np.array([[2.0, 0.0], [0.0, -4.0]])  # det −8
    with pytest.raises(ValueError, match=r"ln det X needs det X > 0, got det X = -8.*use ln\|det X\|"):
        cd.log_det(N)
    T = np.array([[1.0, 3.0], [-1.0, 1.0]])
    assert cd.jvp_log_det_X(N, T) == pytest.approx(0.5 - 0.25)  # Tr(X⁻¹T) = 1/2 − 1/4
    assert cd.jvp_log_det_X(N, T) == pytest.approx(float(jvp(mx.log_abs_det, (N,), (T,))[1]), rel=1e-14)
    assert cd.log_det(np.abs(N)) == pytest.approx(np.log(8.0))


# --- CB-44 / CB-45 transposes ------------------------------------------------------------------------------------


def test_transpose_and_the_packed_conjugate_transpose():
    T = np.array([[1.0, 2.0, 3.0]])
    np.testing.assert_array_equal(cd.jvp_transpose_X(np.zeros((1, 3)), T), T.T)
    rng = np.random.default_rng(3)
    X = rng.standard_normal((2, 3)) + 1j * rng.standard_normal((2, 3))
    dX = rng.standard_normal((2, 3)) + 1j * rng.standard_normal((2, 3))

    def pack(M):
        return np.stack([M.real, M.imag])

    np.testing.assert_array_equal(cd.conj_transpose(pack(X)), pack(X.conj().T))  # packed Xᴴ
    np.testing.assert_array_equal(cd.jvp_conj_transpose_Z(pack(X), pack(dX)), pack(dX.conj().T))  # (∂X)ᴴ
    # along the complex curve X(t) = X + t dX, a finite difference of Xᴴ in the real t (exact: linear)
    h = 0.25
    np.testing.assert_allclose((cd.conj_transpose(pack(X + h * dX)) - cd.conj_transpose(pack(X))) / h,
                               cd.jvp_conj_transpose_Z(pack(X), pack(dX)), rtol=1e-14, atol=1e-15)


# --- bad input -------------------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("call", "exc", "text"),
    [
        (lambda: cd.jvp_matmul_XY(np.ones((2, 3)), np.ones((2, 3)), np.ones((2, 3)), np.ones((2, 3))), ValueError,
         "X (shape (2, 3)) and Y (shape (2, 3)) do not compose"),
        (lambda: cd.jvp_matmul_XY(np.ones((2, 3)), np.ones((3, 1)), np.ones((3, 2)), np.ones((3, 1))), ValueError,
         "dX: expected a tangent (the direction ∂X) shaped like X, (2, 3), got (3, 2)"),
        (lambda: cd.jvp_matrix_add_XY(np.ones((2, 3)), np.ones((3, 2)), np.ones((2, 3)), np.ones((3, 2))),
         ValueError, "X + Y needs X and Y of one shape, got X (2, 3) and Y (3, 2)"),
        (lambda: cd.hadamard_product(np.ones((2, 2)), np.ones((2, 1))), ValueError, "X ∘ Y needs X and Y of one shape"),
        (lambda: cd.jvp_trace_X(np.ones((2, 3)), np.ones((2, 3))), ValueError,
         "X: expected a square matrix (n, n), got shape (2, 3)"),
        (lambda: cd.jvp_scale_X(np.ones(2), np.ones((2, 2)), np.ones((2, 2))), ValueError,
         "alpha: expected a scalar α (0-d array)"),
        (lambda: cd.jvp_conj_transpose_Z(np.ones((3, 2, 2)), np.ones((3, 2, 2))), ValueError,
         "Z: expected a complex matrix packed as (2, m, n)"),
        (lambda: cd.jvp_det_adj_X(np.ones((2, 2)), np.ones((2, 3))), ValueError, "t: expected a tangent"),
        (lambda: cd.jac_matrix_entries_X(np.ones(3)), ValueError, "X: expected a matrix X of shape (m, n)"),
        (lambda: cd.transpose(np.ones((2, 2), dtype=np.complex128)), TypeError, "X: expected a real floating array"),
    ],
)
def test_bad_input_is_explained(call, exc, text):
    with pytest.raises(exc) as info:
        call()
    assert text in str(info.value)


# --- the two-variable records: checked on a line, so a wrong cross term is caught --------------------------------


def _jvp_matmul_cross_term(X, Y, dX, dY, s, ds):
    """A plausible slip: (X + dX)(Y + dY) − XY, the finite change, keeps the second-order term dX dY."""
    from chainrule.reference.catalog.rules_cookbook_differentials import jvp_matmul_on_line

    return jvp_matmul_on_line(X, Y, dX, dY, s, ds) + (ds * dX) @ (ds * dY)


def _jvp_matmul_swapped(X, Y, dX, dY, s, ds):
    """A plausible slip: Y(∂X) instead of (∂X)Y (square case only)."""
    Xs, Ys = X + s * dX, Y + s * dY
    return (ds * Ys) @ dX + Xs @ (ds * dY)


@pytest.mark.parametrize("wrong", [_jvp_matmul_cross_term, _jvp_matmul_swapped])
def test_verify_rejects_a_wrong_product_rule(wrong):
    from chainrule.reference.catalog import Rule, by_name
    from chainrule.reference.catalog.verify import verify_rule

    good = by_name("jvp_matmul_XY")
    sizes = ({"m": 2, "k": 2, "n": 2},)
    assert verify_rule(Rule("good_matmul", "CB-37", "cookbook", "test", good.primal, good.derivative, good.args,
                            "s", sizes, origin="extension", reference="jvp"), trials=20).ok
    bad = Rule(f"wrong{wrong.__name__}", "CB-37", "cookbook", "test", good.primal, wrong, good.args, "s", sizes,
               origin="extension", reference="jvp")
    result = verify_rule(bad, trials=20)
    assert not result.ok and "jax.jvp" in result.message
