"""chainrule.reference.strategies: Hypothesis inputs that avoid coincidences (non-square, non-symmetric, in-domain)."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import HealthCheck, find, given, settings
from hypothesis import strategies as st
from hypothesis.errors import NoSuchExample

from chainrule.reference.samplers import Domain
from chainrule.reference.strategies import arguments, arrays, shapes, square_matrices

FAST = settings(max_examples=40, database=None, deadline=None,
                suppress_health_check=[HealthCheck.too_slow])


@FAST
@given(shapes(3, min_side=1, max_side=5))
def test_shapes_have_distinct_sizes_in_range(shape):
    assert len(shape) == 3 and len(set(shape)) == 3
    assert all(1 <= s <= 5 for s in shape)


@FAST
@given(shapes(2, max_side=2, distinct=False))
def test_shapes_may_repeat_when_asked(shape):
    assert all(1 <= s <= 2 for s in shape)


def test_square_shapes_appear_only_when_distinct_is_off():
    assert find(shapes(2, max_side=3, distinct=False), lambda s: s[0] == s[1]) == (1, 1)
    with pytest.raises(NoSuchExample):
        find(shapes(2, max_side=3), lambda s: s[0] == s[1], settings=settings(max_examples=200, database=None))


@FAST
@given(arrays(domain="positive", dtype="float32", ndim=2))
def test_arrays_come_from_the_domain_with_the_dtype(x):
    assert x.dtype == np.float32 and x.ndim == 2 and x.shape[0] != x.shape[1]
    assert np.all((x >= 0.25) & (x <= 4.0))


@FAST
@given(arrays((3, 2), domain="away_from_kink"))
def test_fixed_shape_arrays_stay_away_from_the_kink(x):
    assert x.shape == (3, 2) and x.dtype == np.float64
    assert np.all(np.abs(x) >= 0.1)


@FAST
@given(arrays((), domain="nonzero"))
def test_scalars_are_zero_dimensional_arrays(x):
    assert x.shape == () and abs(float(x)) >= 0.25


def test_a_user_domain_is_used_as_given():
    ones = Domain("ones", lambda rng, shape: np.ones(shape), "all ones")
    x = find(arrays((2, 3), domain=ones), lambda a: True)
    np.testing.assert_array_equal(x, np.ones((2, 3)))


@FAST
@given(square_matrices(domain="unit"))
def test_square_matrices_are_never_symmetric(A):
    n = A.shape[0]
    assert A.shape == (n, n) and 2 <= n <= 6
    assert np.abs(A - A.T).max() >= 0.1 * np.abs(A).max()


@FAST
@given(square_matrices(3, domain="well_conditioned"))
def test_square_matrices_accept_matrix_domains(A):
    assert A.shape == (3, 3)
    assert np.linalg.cond(A) <= 4.0 + 1e-9


@FAST
@given(arguments(W=("m", "n"), x=("n",), b=("m",), c=(), domains={"x": "positive"}))
def test_arguments_share_named_dimensions(args):
    W, x, b, c = args["W"], args["x"], args["b"], args["c"]
    assert list(args) == ["W", "x", "b", "c"]
    assert W.shape == (b.shape[0], x.shape[0]) and W.shape[0] != W.shape[1]
    assert c.shape == () and np.all(x > 0)


@FAST
@given(arguments(A=("n", 3), v=(3,)))
def test_named_dimensions_avoid_the_fixed_sizes(args):
    assert args["A"].shape[0] != 3


def test_the_smallest_example_is_the_smallest_non_square_one():
    args = find(arguments(X=("N", "n"), y=("N",)), lambda a: True)
    assert args["X"].shape == (1, 2) and args["y"].shape == (1,)


@FAST
@given(arguments(a=("n",), b=("n",), c=()))
def test_arguments_are_drawn_independently_not_from_one_shared_seed(args):
    a, b = args["a"], args["b"]
    assert not np.array_equal(a, b)
    assert float(args["c"]) not in (float(a[0]), float(b[0]))


def test_draws_are_reproducible_from_the_same_hypothesis_choices():
    # The same shrunk example twice: values come from a seeded sampler, not global randomness.
    a = find(arrays((4,)), lambda x: True)
    b = find(arrays((4,)), lambda x: True)
    np.testing.assert_array_equal(a, b)


@pytest.mark.parametrize(
    ("build", "match"),
    [
        (lambda: shapes(-1), "ndim: expected an int ≥ 0, got -1"),
        (lambda: shapes(2, min_side=0), "min_side: expected an int ≥ 1, got 0"),
        (lambda: shapes(2, min_side=4, max_side=3), r"min_side \(4\) > max_side \(3\)"),
        (lambda: shapes(4, max_side=3), "cannot draw 4 distinct sizes"),
        (lambda: arrays(domain="imaginary"), "unknown domain 'imaginary'"),
        (lambda: arrays((2,), dtype="float16"), r"dtype: expected one of \('float64', 'float32'\), got 'float16'"),
        (lambda: arrays(("a",)), "shape: expected a sequence of ints"),
        (lambda: square_matrices(1), "always symmetric"),
        (lambda: square_matrices(min_side=1), "always symmetric"),
        (lambda: arguments(), "at least one keyword"),
        (lambda: arguments(x="n"), "expected a tuple"),
        (lambda: arguments(x=("n",), domains={"y": "positive"}), r"no argument named \['y'\]"),
        (lambda: arguments(x=(-1,)), "neither a name nor a size"),
        (lambda: arguments(A=("a", "b", 1, 2), max_side=3), "avoiding the fixed sizes"),
    ],
)
def test_bad_arguments_get_clear_errors(build, match):
    with pytest.raises(ValueError, match=match):
        build()


def test_strategies_compose_with_hypothesis():
    both = st.tuples(arrays((2,)), square_matrices(2))
    x, A = find(both, lambda t: True)
    assert x.shape == (2,) and A.shape == (2, 2)
