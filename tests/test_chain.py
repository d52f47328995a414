"""The chain rules (chainrule.analytic.chain), the §4.5 worked examples (chain_examples) and T-1/T-2
(tutorial), by exact values.

The catalog (``chainrule verify -k chain-rule``) checks every closed form against JAX on random draws;
these tests pin the paper's and the tutorial's own numbers, the C-5 pitfall, the structure and shape
contracts of ``vector_chain``, and bad input (backends and dtypes: tests/test_catalog.py, catalog-wide).
"""

from __future__ import annotations

import sys

import numpy as np
import pytest

from chainrule.analytic import chain as ch
from chainrule.analytic import chain_examples as ex
from chainrule.analytic import tutorial as tu
from chainrule.analytic.structured import Diagonal, ScaledIdentity
from chainrule.reference.autodiff import jacobian
from chainrule.reference.catalog import CATALOG, Arg, Rule
from chainrule.reference.catalog.verify import draw_inputs, verify_rule

CHAIN_RULES = [r for r in CATALOG if r.topic == "chain-rule"]

# --- C-3: ln(sin(x³)²) ----------------------------------------------------------------------------


@pytest.mark.parametrize("x", [0.5, 1.0, -1.2, 1.7, 2.0])
def test_c3_equals_the_substituted_closed_form(x):
    expected = 6 * x**2 * np.cos(x**3) / np.sin(x**3)
    np.testing.assert_allclose(ex.grad_ln_sin_x3_squared_x(np.asarray(x)), expected, rtol=1e-13)


def test_c3_outside_its_domain_raises():
    for fn in (ex.ln_sin_x3_squared, ex.grad_ln_sin_x3_squared_x):
        with pytest.raises(ValueError, match=r"sin\(x³\) ≠ 0, but sin\(x³\) = 0 at x = 0.0"):
            fn(np.asarray(0.0))


# --- C-5: the pitfall y = x + x² -----------------------------------------------------------------


def test_c5_total_derivative_is_one_plus_two_x_not_two_x():
    for x in (-2.0, 0.0, 1.0, 3.5):
        assert float(ex.grad_x_plus_x2_x(x)) == 1 + 2 * x
        assert float(ex.naive_grad_x_plus_x2(x)) == 2 * x


def test_c5_the_papers_numeric_demo():
    # At x = 1, y = 2; bumping x by Δx = 1 gives ŷ = 2 + 4 = 6, so Δy = 4, not 1 (the "blind" partial).
    assert float(ex.x_plus_x2(1.0)) == 2.0
    assert float(ex.x_plus_x2(2.0)) == 6.0
    assert float(ex.x_plus_x2(2.0) - ex.x_plus_x2(1.0)) == 4.0


def test_c5_naive_answer_is_not_public():
    assert "naive_grad_x_plus_x2" not in ex.__all__


def test_verify_rejects_the_naive_c5_answer_and_names_it():
    naive = Rule("naive_grad_x_plus_x2", "C-5", "chain-rule", "§4.5.2", ex.x_plus_x2, ex.naive_grad_x_plus_x2,
                 (Arg("x", ()),), "x")
    result = verify_rule(naive, trials=50, seed=3)
    assert not result.ok
    assert result.message.startswith("naive_grad_x_plus_x2 ")  # the message names the rule
    assert "seed 3" in result.message
    right = verify_rule(Rule("grad_x_plus_x2_x", "C-5", "chain-rule", "§4.5.2", ex.x_plus_x2, ex.grad_x_plus_x2_x,
                             (Arg("x", ()),), "x"), trials=50, seed=3)
    assert right.ok, right.message


# --- C-0, C-2, C-7, C-8: small exact values --------------------------------------------------------


def test_c0_three_rules_agree_on_sin_x2():
    for x in (-1.3, 0.0, 0.7, 2.0):
        x = np.asarray(x)
        single = ex.grad_sin_x2_x(x)
        assert float(single) == float(2 * x * np.cos(x**2))
        assert float(ex.grad_sin_x2_x_by_vector_rule(x)) == float(single)
        assert float(ex.grad_sin_x2_x_by_total_derivative(x)) == float(single)


def test_c7_and_c8_closed_forms():
    x = np.asarray(0.8)
    np.testing.assert_allclose(ex.grad_sin_x_plus_x2_x(x), np.cos(x + x**2) * (1 + 2 * x), rtol=1e-15)
    assert float(ex.grad_x_times_x2_x(3.0)) == 27.0  # 3x² at x = 3


def test_c6_closed_form():
    x = np.asarray(1.3)
    expected = np.sin(x**2) + 2 * x**2 * np.cos(x**2) + 2 * x * np.cos(x) - x**2 * np.sin(x)
    np.testing.assert_allclose(ex.grad_x_sin_x2_plus_x2_cos_x_x(x), expected, rtol=1e-14)


def test_c9_dot_product_equals_the_sum_with_u_n_plus_1_equal_x():
    c, x = np.array([0.5, -1.0, 2.0]), np.asarray(0.3)
    u = np.sin(c * x)
    summed = ch.total_derivative(u.sum(), [x] * 3, list(c * np.cos(c * x)))  # ∂f/∂x + Σ_i (∂f/∂u_i)(∂u_i/∂x)
    np.testing.assert_allclose(ex.grad_x_sum_sin_cx_x(c, x), summed, rtol=1e-15)
    # and both equal the product rule on f = x Σ sin(c_i x), written out: Σ sin(c_i x) + x Σ c_i cos(c_i x)
    np.testing.assert_allclose(summed, np.sin(c * x).sum() + x * (c * np.cos(c * x)).sum(), rtol=1e-14)


# --- C-10: [ln(x²), sin(3x)] both ways ----------------------------------------------------------


def test_c10_at_a_point_both_routes():
    x = np.asarray(2.0)
    expected = np.array([1.0, 3 * np.cos(6.0)])  # [2/x, 3cos(3x)]
    np.testing.assert_allclose(ex.jac_ln_x2_sin_3x_x(x), expected, rtol=1e-15)
    np.testing.assert_allclose(ex.jac_ln_x2_sin_3x_x_by_rows(x), expected, rtol=1e-15)
    assert ex.jac_ln_x2_sin_3x_x(x).shape == (2,)  # the 2 × 1 column


def test_c10_at_zero_raises():
    for fn in (ex.ln_x2_sin_3x, ex.jac_ln_x2_sin_3x_x, ex.jac_ln_x2_sin_3x_x_by_rows):
        with pytest.raises(ValueError, match="only where x ≠ 0"):
            fn(0.0)


# --- T-1 and T-2: the MyGrad transcripts' numbers, exactly -------------------------------------


def test_t1_numbers():
    x, y = 3.0, 1.0
    p, q = tu.t1_p(x, y), tu.t1_q(x, y)
    assert (float(p), float(q), float(tu.t1_g(x, y))) == (9.0, 7.0, -262.0)
    assert float(tu.grad_t1_g_p(p, q)) == 18.0
    assert float(tu.grad_t1_g_q(p, q)) == -147.0
    assert float(tu.grad_t1_g_x(x, y)) == -186.0
    assert float(tu.grad_t1_g_y(x, y)) == 15.0


def test_t2_numbers():
    x, y = 5.0, 4.0
    p, q = tu.t2_p(x, y), tu.t2_q(x, y)
    assert (float(p), float(q), float(tu.t2_g(x, y))) == (11.0, 44.0, 5324.0)
    assert float(tu.grad_t2_g_p(p, q)) == 968.0
    assert float(tu.grad_t2_g_q(p, q)) == 121.0
    assert float(tu.grad_t2_g_x(x, y)) == 484.0
    assert float(tu.grad_t2_g_y(x, y)) == 5203.0
    np.testing.assert_array_equal(tu.grad_t2_g_xy(np.array([x, y])), [484.0, 5203.0])


# --- vector_chain: structure, shapes, the table ---------------------------------------------------


def test_vector_chain_keeps_diagonals_diagonal_in_linear_memory():
    n = 2_000_000  # dense, each factor would need 32 TB
    a, b = np.linspace(1.0, 2.0, n), np.linspace(-1.0, 1.0, n)
    J = ch.vector_chain(Diagonal(a), Diagonal(b))
    assert isinstance(J, Diagonal) and J.shape == (n, n)
    np.testing.assert_array_equal(J.diagonal(), a * b)


def test_c12_diagonal_holds_the_single_variable_values():
    x = np.array([-1.5, 0.0, 0.4, 2.0])
    J = ex.jac_sin_x2_elementwise_x(x)
    assert isinstance(J, Diagonal)
    np.testing.assert_array_equal(J.diagonal(), [float(ex.grad_sin_x2_x(v)) for v in x])


def test_vector_chain_mixes_structured_and_dense():
    rng = np.random.default_rng(0)
    d, M = rng.standard_normal(4), rng.standard_normal((4, 3))
    np.testing.assert_allclose(ch.vector_chain(Diagonal(d), M), np.diag(d) @ M, rtol=1e-15)
    np.testing.assert_allclose(ch.vector_chain(M.T, Diagonal(d)), M.T @ np.diag(d), rtol=1e-15)
    np.testing.assert_allclose(ch.vector_chain(M[:, 0], Diagonal(d)), M[:, 0] * d, rtol=1e-15)  # row
    J = ch.vector_chain(ScaledIdentity(np.asarray(2.0), 4), ScaledIdentity(np.asarray(3.0), 4))
    assert isinstance(J, ScaledIdentity) and float(J.scale) == 6.0


@pytest.mark.parametrize(
    ("left", "right", "shapes"),
    [
        ((3, 4), (5, 2), ("(3×4)", "(5×2)")),
        ((4,), (3, 2), ("(4)", "(3×2)")),
        ((2, 3), (2,), ("(2×3)", "(2)")),
    ],
)
def test_vector_chain_inner_dimension_mismatch_names_both_shapes(left, right, shapes):
    with pytest.raises(ValueError) as info:
        ch.vector_chain(np.ones(left), np.ones(right))
    message = str(info.value)
    assert f"∂f/∂g of shape {shapes[0]}" in message and f"∂g/∂x of shape {shapes[1]}" in message
    assert "(m×k)(k×n)" in message


def test_vector_chain_order_matters():
    df_dg, dg_dx = np.ones((3, 4)), np.ones((4, 2))
    assert ch.vector_chain(df_dg, dg_dx).shape == (3, 2)
    with pytest.raises(ValueError, match=r"\(4×2\) by ∂g/∂x of shape \(3×4\)"):
        ch.vector_chain(dg_dx, df_dg)  # (∂g/∂x)(∂f/∂g): (4×2)(3×4) is not defined


def test_vector_chain_with_structured_factors_checks_shapes_too():
    with pytest.raises(ValueError, match=r"\(3×3\) by ∂g/∂x of shape \(4×2\)"):
        ch.vector_chain(Diagonal(np.ones(3)), np.ones((4, 2)))
    with pytest.raises(ValueError, match="g_ndim must be 1"):
        ch.vector_chain(Diagonal(np.ones(3)), np.asarray(2.0))
    with pytest.raises(ValueError, match="g_ndim: expected a non-negative int"):
        ch.vector_chain(np.ones(2), np.ones(2), g_ndim=-1)


@pytest.mark.parametrize(
    ("df_du", "du_dx", "out"),
    [
        ((), (), ()),  # f, u, x scalars: (1×1)(1×1)
        ((4,), (4,), ()),  # f scalar, u vector, x scalar: (1×k)(k×1)
        ((4,), (4, 2), (2,)),  # f scalar, u, x vectors: (1×k)(k×n)
        ((3,), (), (3,)),  # f vector, u, x scalars: (m×1)(1×1)
        ((3, 4), (4,), (3,)),  # f, u vectors, x scalar: (m×k)(k×1)
        ((3, 4), (4, 2), (3, 2)),  # f, u, x vectors: (m×k)(k×n)
    ],
)
def test_vector_chain_shape_table(df_du, du_dx, out):
    rng = np.random.default_rng(1)
    A, B = rng.standard_normal(df_du), rng.standard_normal(du_dx)
    J = ch.vector_chain(A, B)
    assert J.shape == out
    expected = np.tensordot(A, B, axes=1 if (df_du and du_dx) else 0)
    np.testing.assert_allclose(J, expected, rtol=1e-14)


def test_vector_chain_outer_product_case_needs_g_ndim_zero():
    # f vector of a scalar u of a vector x: (m×1)(1×n). Not in the paper's table; checked against JAX.
    A, B, x = np.array([0.5, -1.0, 2.0]), np.array([1.5, -0.5]), np.array([0.2, 0.4, -0.3])
    J = ex.jac_b_cos_sin_ax_x(A, B, x)
    assert J.shape == (2, 3)
    np.testing.assert_allclose(J, jacobian(ex.b_cos_sin_ax, A, B, x, argnums=2), rtol=1e-13)
    assert ch.vector_chain(np.ones(3), np.ones(3)).shape == ()  # default reading contracts: (1×k)(k×1) ...
    assert ch.vector_chain(np.ones(2), np.ones(3), g_ndim=0).shape == (2, 3)  # ... unless g is scalar


# --- C-4: forward and backward order -----------------------------------------------------------------


def test_c4_forward_and_backward_agree_but_only_forward_builds_matrices(monkeypatch):
    rng = np.random.default_rng(2)
    A, B, x = rng.standard_normal((6, 5)), rng.standard_normal((4, 6)), rng.standard_normal(5)
    shapes: list[tuple[int, ...]] = []
    real = ch.vector_chain

    def spy(df_dg, dg_dx, **kw):
        out = real(df_dg, dg_dx, **kw)
        shapes.append(tuple(out.shape))
        return out

    monkeypatch.setattr(ex, "vector_chain", spy)
    forward = ex.grad_sq_norm_b_sin_ax_x_forward(A, B, x)
    forward_shapes, shapes[:] = list(shapes), []
    backward = ex.grad_sq_norm_b_sin_ax_x_backward(A, B, x)
    np.testing.assert_allclose(forward, backward, rtol=1e-13)
    assert forward_shapes == [(6, 5), (4, 5), (5,)]  # k×n, then m×n: O(mkn) work
    assert shapes == [(6,), (6,), (5,)]  # rows only: O(mk + kn) work


# --- the combinators' own contracts --------------------------------------------------------------


def test_total_derivative_bad_input():
    with pytest.raises(ValueError, match="got 2 partials ∂f/∂u_i and 1 derivatives"):
        ch.total_derivative(0.0, [1.0, 2.0], [3.0])
    with pytest.raises(TypeError, match="pass vectors ∂f/∂u and ∂u/∂x to vector_chain"):
        ch.total_derivative(0.0, np.ones(2), np.ones(2))
    with pytest.raises(TypeError, match="compose Jacobians with vector_chain"):
        ch.total_derivative(0.0, [Diagonal(np.ones(2))], [np.ones(2)])
    with pytest.raises(ValueError, match="must share one shape"):
        ch.total_derivative(0.0, [np.ones(2)], [np.ones(3)])
    assert float(ch.total_derivative(2.5, [], [])) == 2.5  # no intermediates: just the partial


def test_single_variable_chain_bad_input():
    with pytest.raises(ValueError, match="must share one shape"):
        ch.single_variable_chain(np.ones(2), np.ones(3))
    with pytest.raises(TypeError, match="expected a real floating array"):
        ch.single_variable_chain(np.ones(2, dtype=int), 1.0)
    np.testing.assert_array_equal(ch.single_variable_chain(np.array([1.0, 2.0]), 3.0), [3.0, 6.0])


@pytest.mark.parametrize(
    ("fn", "args", "text"),
    [
        (ex.grad_sin_x2_x, (np.ones(2),), "x: expected a scalar x"),
        (ex.jac_b_sin_ax_x, (np.ones((4, 2)), np.ones((3, 5)), np.ones(2)), "make A's columns match x"),
        (ex.jac_b_cos_sin_ax_x, (np.ones((4, 3)), np.ones(4), np.ones(2)), "A: expected shape u.shape + x.shape"),
        (ex.jac_b_cos_sin_ax_x, (np.ones(4), np.ones(3), np.asarray(1.0)), "B: expected shape f.shape + u.shape"),
        (tu.grad_t2_g_xy, (np.ones(3),), "xy: expected the vector [x, y] of shape (2,)"),
        (ex.grad_x_sum_sin_cx_x, (np.ones(2), np.ones(2)), "x: expected a scalar x"),
    ],
)
def test_bad_shapes_are_named(fn, args, text):
    with pytest.raises(ValueError) as info:
        fn(*args)
    assert text in str(info.value)


# --- the catalog's `uses`: every listed combinator really is what the derivative goes through ------------


@pytest.mark.parametrize("rule", [r for r in CHAIN_RULES if r.uses], ids=lambda r: r.name)
def test_records_go_through_the_combinators_they_list(rule, monkeypatch):
    calls = {fn.__name__: 0 for fn in rule.uses}
    for fn in rule.uses:
        def counting(*args, _fn=fn, **kwargs):
            calls[_fn.__name__] += 1
            return _fn(*args, **kwargs)

        monkeypatch.setattr(sys.modules[rule.derivative.__module__], fn.__name__, counting)
    draws = draw_inputs(rule, rule.sizes[-1], 1, np.random.default_rng(0), "float64")
    rule.derivative(*(draws[a.name][0] for a in rule.args))
    assert all(calls.values()), f"{rule.name} lists {calls} but does not call all of them"


def test_every_combinator_is_used_by_some_record():
    used = {fn for r in CHAIN_RULES for fn in r.uses}
    assert {ch.single_variable_chain, ch.total_derivative, ch.vector_chain} <= used


def test_vector_chain_densifies_a_users_structured_jacobian():
    """Any object with todense() (chainrule._structured's protocol) composes; it is densified first."""
    class Scaled:
        def todense(self):
            return 2.0 * np.eye(3)

    np.testing.assert_array_equal(ch.vector_chain(Scaled(), np.ones((3, 2))), 2.0 * np.ones((3, 2)))
    with pytest.raises(TypeError, match="compose Jacobians with vector_chain"):
        ch.single_variable_chain(Scaled(), 1.0)
