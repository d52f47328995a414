"""chainrule.analytic.elementwise: exact values, structure, the max(w, x) tie convention, free shapes, bad input.

Backends and dtypes: tests/test_catalog.py, catalog-wide.
"""

from __future__ import annotations

import tracemalloc

import jax
import jax.numpy as jnp
import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

from chainrule.analytic import elementwise as ew
from chainrule.analytic.structured import Diagonal, ScaledIdentity, todense
from chainrule.reference.autodiff import x64
from chainrule.reference.catalog.rules_elementwise import RULES

W = np.array([1.0, -2.0, 3.0])
X = np.array([2.0, 4.0, -0.5])
A = np.array([[1.0, 2.0, 0.0], [0.0, -1.0, 1.0], [3.0, 0.0, 1.0]])

# --- exact values at a point (E-1 … E-11) ------------------------------------------------------------

EXACT = [
    (ew.jac_matvec_mul_w, (A, W, X), np.diag(X) @ A),
    (ew.jac_matvec_mul_x, (A, W, X), np.diag([-3.0, 5.0, 6.0])),  # Aw = [-3, 5, 6]
    (ew.jac_square_mul_exp_w, (W, np.zeros(3)), np.diag([2.0, -4.0, 6.0])),
    (ew.jac_square_mul_exp_x, (W, np.zeros(3)), np.diag([1.0, 4.0, 9.0])),
    (ew.jac_add_w, (W, X), np.eye(3)),
    (ew.jac_add_x, (W, X), np.eye(3)),
    (ew.jac_sub_w, (W, X), np.eye(3)),
    (ew.jac_sub_x, (W, X), -np.eye(3)),
    (ew.jac_mul_w, (W, X), np.diag([2.0, 4.0, -0.5])),
    (ew.jac_mul_x, (W, X), np.diag([1.0, -2.0, 3.0])),
    (ew.jac_div_w, (W, X), np.diag([0.5, 0.25, -2.0])),
    (ew.jac_div_x, (W, X), np.diag([-0.25, 0.125, -12.0])),  # −w_i/x_i²
    (ew.jac_maximum_w, (W, X), np.diag([0.0, 0.0, 1.0])),
    (ew.jac_maximum_x, (W, X), np.diag([1.0, 1.0, 0.0])),
    (ew.jac_greater_w, (W, X), np.zeros((3, 3))),
    (ew.jac_greater_x, (W, X), np.zeros((3, 3))),
]


@pytest.mark.parametrize(("fn", "args", "expected"), EXACT, ids=[f.__name__ for f, _, _ in EXACT])
def test_exact_values(fn, args, expected):
    np.testing.assert_array_equal(todense(fn(*args)), expected)


def test_primals_at_a_point():
    np.testing.assert_array_equal(ew.matvec_mul(A, W, X), [-6.0, 20.0, -3.0])
    np.testing.assert_allclose(ew.square_mul_exp(W, np.array([0.0, 1.0, 0.0])), [1.0, 4 * np.e, 9.0], rtol=1e-15)
    np.testing.assert_array_equal(ew.div(W, X), [0.5, -0.5, -6.0])
    np.testing.assert_array_equal(ew.maximum(W, X), [2.0, 4.0, 3.0])
    np.testing.assert_array_equal(ew.greater(W, X), [0.0, 0.0, 1.0])


def test_general_case_is_not_diagonal_but_its_x_partial_is():
    """E-1: f_i(w) = (Aw)_i uses all of w, so J_w has off-diagonal entries; g_i(x) = x_i keeps J_x diagonal."""
    Jw = ew.jac_matvec_mul_w(A, W, X)
    assert isinstance(Jw, np.ndarray) and Jw.shape == (3, 3)
    assert np.count_nonzero(Jw - np.diag(np.diag(Jw))) > 0
    assert isinstance(ew.jac_matvec_mul_x(A, W, X), Diagonal)


# --- structured results stay structured ------------------------------------------------------------

STRUCTURE = [
    (ew.jac_add_w, ScaledIdentity, 1.0),
    (ew.jac_add_x, ScaledIdentity, 1.0),
    (ew.jac_sub_w, ScaledIdentity, 1.0),
    (ew.jac_sub_x, ScaledIdentity, -1.0),
    (ew.jac_greater_w, ScaledIdentity, 0.0),
    (ew.jac_greater_x, ScaledIdentity, 0.0),
    (ew.jac_mul_w, Diagonal, None),
    (ew.jac_mul_x, Diagonal, None),
    (ew.jac_div_w, Diagonal, None),
    (ew.jac_div_x, Diagonal, None),
    (ew.jac_square_mul_exp_w, Diagonal, None),
    (ew.jac_square_mul_exp_x, Diagonal, None),
    (ew.jac_maximum_w, Diagonal, None),
    (ew.jac_maximum_x, Diagonal, None),
]


@pytest.mark.parametrize(("fn", "kind", "scale"), STRUCTURE, ids=[f.__name__ for f, _, _ in STRUCTURE])
def test_structured_type_and_linear_storage_at_a_million(fn, kind, scale):
    n = 10**6
    w, x = np.linspace(1.0, 2.0, n), np.linspace(3.0, 4.0, n)
    tracemalloc.start()
    try:
        J = fn(w, x)
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert isinstance(J, kind) and J.shape == (n, n)
    assert peak < 10 * 8 * n, f"peak {peak} bytes: more than O(n) (a dense J would need {8 * n * n})"
    if kind is ScaledIdentity:
        assert J.scale.shape == () and float(J.scale) == scale
    else:
        assert J.diagonal().shape == (n,) and J.diagonal().nbytes == 8 * n


def test_structure_composes_as_the_chain_rule():
    """diag(x) diag(w) = diag(w ⊗ x), and 1⃗ᵀ diag(x) = xᵀ: products keep the structure."""
    P = ew.jac_mul_w(W, X) @ ew.jac_mul_x(W, X)
    assert isinstance(P, Diagonal)
    np.testing.assert_array_equal(P.diagonal(), W * X)
    np.testing.assert_array_equal(np.ones(3) @ ew.jac_mul_w(W, X), X)


# --- E-11: the tie convention of max(w, x) -----------------------------------------------------------


def test_max_tie_derivative_goes_to_x():
    w = np.array([1.0, -2.0, 0.0, 5.0])
    x = np.array([1.0, -2.0, 0.0, 4.0])  # ties at 0, 1, 2; w wins at 3
    np.testing.assert_array_equal(ew.jac_maximum_w(w, x).diagonal(), [0.0, 0.0, 0.0, 1.0])
    np.testing.assert_array_equal(ew.jac_maximum_x(w, x).diagonal(), [1.0, 1.0, 1.0, 0.0])
    total = ew.jac_maximum_w(w, x) + ew.jac_maximum_x(w, x)
    np.testing.assert_array_equal(total.diagonal(), np.ones(4))  # the two partials split nothing


def test_jax_agrees_with_the_tie_convention_of_the_where_primal():
    w = np.array([1.0, -2.0, 5.0])
    x = np.array([1.0, -2.0, 4.0])
    with x64():
        Jw = jax.jacfwd(ew.maximum, argnums=0)(jnp.asarray(w), jnp.asarray(x))
        Jx = jax.jacrev(ew.maximum, argnums=1)(jnp.asarray(w), jnp.asarray(x))
    np.testing.assert_array_equal(np.asarray(Jw), ew.jac_maximum_w(w, x).todense())
    np.testing.assert_array_equal(np.asarray(Jx), ew.jac_maximum_x(w, x).todense())


def test_jnp_maximum_splits_the_tie_which_is_why_the_primal_uses_where():
    with x64():
        dw, dx = jax.grad(lambda w, x: jnp.maximum(w, x), argnums=(0, 1))(1.0, 1.0)
    assert (float(dw), float(dx)) == (0.5, 0.5)


def test_greater_has_a_zero_jacobian_also_per_jax():
    w, x = np.array([1.0, 0.0, 2.0]), np.array([0.0, 1.0, 2.0])
    with x64():
        J = jax.jacfwd(ew.greater, argnums=(0, 1))(jnp.asarray(w), jnp.asarray(x))
    for Jj, ours in zip(J, (ew.jac_greater_w(w, x), ew.jac_greater_x(w, x)), strict=True):
        np.testing.assert_array_equal(np.asarray(Jj), ours.todense())


def test_the_catalog_keeps_maximum_draws_away_from_ties():
    rule = next(r for r in RULES if r.name == "jac_maximum_w")
    assert rule.kink is not None and rule.origin == "extension"
    np.testing.assert_array_equal(rule.kink(w=W, x=X), W - X)


# --- free shapes (Hypothesis): closed form = jax.jacfwd, ties included --------------------------------

_DIVISOR = st.floats(0.1, 100.0) | st.floats(-100.0, -0.1)
_REAL = st.floats(-100.0, 100.0, allow_subnormal=False)
_ENTRY = st.floats(-10.0, 10.0, allow_subnormal=False)
_ATOL = 1e-300  # XLA on CPU flushes subnormal results to zero; NumPy keeps them


@jax.jit
def _jax_jacobians(args):
    """jax.jacfwd of every rule's primal, in one jit: one compilation per n."""
    return tuple(
        jax.jacfwd(rule.primal, argnums=rule.argnum)(*(args[rule.name][a.name] for a in rule.args))
        for rule in RULES
    )


@settings(max_examples=12, deadline=None)
@given(data=st.data(), n=st.integers(1, 4))
def test_every_rule_matches_jax_on_free_shapes(data, n):
    w = data.draw(hnp.arrays(np.float64, n, elements=_REAL), label="w")
    x = data.draw(hnp.arrays(np.float64, n, elements=_DIVISOR), label="x")
    a = data.draw(hnp.arrays(np.float64, (n, n), elements=_ENTRY), label="A")
    if data.draw(st.booleans(), label="ties"):  # exact ties w_i = x_i: the convention must match JAX
        x = np.where((np.arange(n) % 2 == 0) & (np.abs(w) >= 0.1), w, x)  # x stays a valid divisor
    args = {}
    for rule in RULES:
        args[rule.name] = {"A": a, "w": w, "x": x}
        if rule.primal is ew.square_mul_exp:
            args[rule.name]["x"] = np.clip(w, -5.0, 5.0)  # exp(x) stays moderate
    with x64():
        refs = _jax_jacobians(jax.tree.map(jnp.asarray, args))
    for rule, ref in zip(RULES, refs, strict=True):
        claimed = todense(rule.derivative(*(args[rule.name][a.name] for a in rule.args)))
        np.testing.assert_allclose(claimed, np.asarray(ref), rtol=1e-13, atol=_ATOL, err_msg=rule.name)


# --- bad input ---------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("fn", "args", "exc", "text"),
    [
        (ew.jac_mul_w, (np.ones(3, dtype=int), np.ones(3)), TypeError,
         "w: expected a real floating array (float32 or float64), got int64"),
        (ew.jac_add_x, (np.ones(3), np.ones(3, dtype=complex)), TypeError,
         "x: expected a real floating array (float32 or float64), got complex128"),
        (ew.jac_mul_x, (np.ones(3), np.ones(2)), ValueError,
         "arguments of one shape (m = n = |y|), got w (3,), x (2,)"),
        (ew.jac_sub_w, (np.ones((2, 2)), np.ones(2)), ValueError,
         "w: expected a vector w ∈ Rⁿ (1-d array), got shape (2, 2)"),
        (ew.div, (np.ones(3), np.array([1.0, 0.0, 2.0])), ValueError,
         "x: w ⊘ x is defined only where x ≠ 0, but x has 1 zero entry (first at flat index 1)"),
        (ew.jac_div_w, (np.ones(2), np.zeros(2)), ValueError, "but x has 2 zero entries"),
        (ew.jac_div_x, (np.ones(2), np.array([0.0, 1.0])), ValueError,
         "∂(w ⊘ x)/∂x = diag(−w_i/x_i²) is defined only where x ≠ 0"),
        (ew.jac_matvec_mul_w, (np.ones((3, 2)), np.ones(3), np.ones(3)), ValueError,
         "A: expected shape (3, 3)"),
        (ew.jac_maximum_w, ([1.0, 2.0], np.ones(2)), TypeError, "w: expected an array"),
    ],
)
def test_bad_input(fn, args, exc, text):
    with pytest.raises(exc) as info:
        fn(*args)
    assert text in str(info.value)


def test_zero_divisor_check_is_skipped_under_jit_where_values_are_unknown():
    # Inside jax.jit x is a tracer: its values are unknown at trace time, so no ValueError; IEEE rules.
    with x64():
        out = jax.jit(lambda w, x: ew.jac_div_w(w, x).diagonal())(jnp.ones(2), jnp.asarray([0.0, 4.0]))
    np.testing.assert_array_equal(np.asarray(out), [np.inf, 0.25])


def test_eager_autodiff_through_the_divisor_check():
    # Outside jit, jax.jacfwd passes tracers whose primal values are known; the x ≠ 0 check must step
    # aside for them (they cannot become NumPy arrays) instead of crashing.
    w, x = np.array([3.0, 1.0]), np.array([1.0, -2.0])
    with x64():
        J = jax.jacfwd(ew.div, argnums=1)(jnp.asarray(w), jnp.asarray(x))
    np.testing.assert_array_equal(np.asarray(J), ew.jac_div_x(w, x).todense())
