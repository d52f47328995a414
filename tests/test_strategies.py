"""chainrule.reference.strategies: Hypothesis inputs that avoid coincidences (non-square, non-symmetric, in-domain)."""

from __future__ import annotations

import itertools
import subprocess
import sys

import numpy as np
import pytest
from hypothesis import HealthCheck, find, given, settings
from hypothesis import strategies as st
from hypothesis.errors import NoSuchExample

from chainrule.reference.samplers import Domain
from chainrule.reference.strategies import (
    PROPERTY_TEST_OPTIONS,
    Arguments,
    arguments,
    arrays,
    property_test_options,
    shapes,
    square_matrices,
)

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
    assert A.shape == (n, n) and 2 <= n <= 4
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
        (lambda: arguments(x=("n",), sample_seed=-1), r"sample_seed: expected an int in \[0, 2\*\*32 - 1\] or None"),
        (lambda: arrays((2,), sample_seed=1.5), "sample_seed: expected an int"),
        (lambda: shapes(2, max_side=0), "max_side: expected an int ≥ 1, got 0"),
    ],
)
def test_bad_arguments_get_clear_errors(build, match):
    with pytest.raises(ValueError, match=match):
        build()


def test_strategies_compose_with_hypothesis():
    both = st.tuples(arrays((2,)), square_matrices(2))
    x, A = find(both, lambda t: True)
    assert x.shape == (2,) and A.shape == (2, 2)


# --- what Hypothesis draws is what a check uses: the shapes ---------------------------------------------


def test_arguments_print_as_the_call_that_draws_them_with_the_sizes_bound():
    args = find(arguments(W=("m", "n"), x=("n",)), lambda a: a["W"].shape[0] > 1)
    assert isinstance(args, Arguments) and isinstance(args, dict)
    assert repr(args) == "arguments(W=(2, 1), x=(1,))"
    assert args.shapes == {"W": (2, 1), "x": (1,)}
    # the repr is a strategy that draws these very arrays again
    again = find(eval(repr(args), {"arguments": arguments}), lambda a: True)
    assert list(again) == ["W", "x"]
    for k in args:
        np.testing.assert_array_equal(again[k], args[k])


def test_the_repr_names_what_differs_from_the_defaults():
    args = find(arguments(W=("m", "n"), x=("n",), domains={"x": "positive", "W": "real"}, dtype="float32"),
                lambda a: True)
    assert repr(args) == "arguments(W=(1, 2), x=(2,), domains={'x': 'positive'}, dtype='float32')"
    assert args["x"].dtype == np.float32 and np.all(args["x"] > 0)
    ones = Domain("ones", lambda rng, shape: np.ones(shape), "all ones")
    assert repr(find(arguments(v=(3,), domains={"v": ones}), lambda a: True)) == (
        "arguments(v=(3,), domains={'v': 'ones'})")


def test_hypothesis_prints_the_shapes_of_a_failing_example_not_array_values():
    @settings(settings.get_profile("default"), database=None)
    @given(arguments(W=("m", "n"), x=("n",)))
    def prop(args):
        raise AssertionError("a wrong gradient")

    with pytest.raises(AssertionError) as info:
        prop()
    notes = "\n".join(getattr(info.value, "__notes__", []))
    assert "args=arguments(W=(1, 2), x=(2,))" in notes
    assert "array(" not in notes


def test_equal_shapes_give_equal_arrays_unless_hypothesis_draws_the_seed():
    seen: dict[tuple[int, ...], list[np.ndarray]] = {}

    @settings(max_examples=30, database=None, deadline=None)
    @given(arrays(ndim=1), st.integers(0, 3))  # the second argument repeats each shape
    def same(x, _):
        seen.setdefault(x.shape, []).append(x)

    same()
    assert all(np.array_equal(xs[0], x) for xs in seen.values() for x in xs)
    drawn = find(arguments(x=(50,), sample_seed=None), lambda a: float(a["x"][0]) > 1.0)
    assert "sample_seed=" in repr(drawn)  # a seed Hypothesis drew is part of the example
    again = find(eval(repr(drawn), {"arguments": arguments}), lambda a: True)
    np.testing.assert_array_equal(again["x"], drawn["x"])


def test_a_property_test_tries_each_shape_once_and_stops_when_all_were_tried():
    calls: list[tuple[int, ...]] = []

    @settings(max_examples=1000, database=None, deadline=None)
    @given(arguments(W=("m", "n"), x=("n",)))
    def prop(args):
        calls.append(args["W"].shape)

    prop()
    assert len(calls) == len(set(calls))  # no shape twice: no check compiled twice
    assert set(calls) == set(itertools.permutations(range(1, 5), 2))  # the 4·3 distinct-size shapes


def test_a_failing_property_test_stays_bounded_by_the_number_of_shapes():
    # Hypothesis shrinks, then explains ("or any other generated value") with up to a hundred more
    # examples; each is a check, and each new shape a compilation. At most 4·3·2 shapes here, each tried
    # once, and the failing one replayed.
    calls: list[tuple[tuple[int, ...], ...]] = []

    @settings(settings.get_profile("default"), database=None)
    @given(arguments(W=("n", "k"), X=("N", "n"), b=("k",)))
    def prop(args):
        calls.append(tuple(args.shapes.values()))
        raise AssertionError("a wrong gradient")

    with pytest.raises(AssertionError):
        prop()
    assert len(set(calls)) <= 24
    assert len(calls) <= len(set(calls)) + 3


def test_shapes_shrink_to_the_smallest_failing_sizes_in_lexicographic_order():
    assert find(shapes(2), lambda s: s[0] > 1) == (2, 1)
    assert find(shapes(2), lambda s: s[1] > 2) == (1, 3)
    assert find(shapes(3), lambda s: min(s) > 1) == (2, 3, 4)
    assert find(arguments(A=("n", 3), v=(3,)), lambda a: a["A"].shape[0] > 2)["A"].shape == (4, 3)


def test_max_side_defaults_to_four_or_just_enough_for_the_distinct_sizes():
    @settings(max_examples=200, database=None, deadline=None)
    @given(shapes(2), shapes(2, distinct=False), square_matrices(), shapes(6), arguments(A=("a", "b", 1, 2)))
    def prop(two, free, A, six, args):
        assert max(two) <= 4 and max(free) <= 4 and A.shape[0] <= 4
        assert sorted(six) == [1, 2, 3, 4, 5, 6]
        assert sorted(args["A"].shape[:2]) == [3, 4]

    prop()


def test_square_matrices_of_a_nearly_symmetric_draw_take_the_next_seed():
    def symmetric_at_seed_0(rng, shape):
        return np.ones(shape) if rng.bit_generator.seed_seq.entropy == 0 else np.array([[1.0, 2.0], [0.0, 1.0]])

    flaky = Domain("symmetric_at_seed_0", symmetric_at_seed_0, "ones from seed 0, else not symmetric")
    A = find(square_matrices(2, domain=flaky), lambda a: True)
    np.testing.assert_array_equal(A, [[1.0, 2.0], [0.0, 1.0]])
    ones = Domain("ones", lambda rng, shape: np.ones(shape), "all ones")
    with pytest.raises(ValueError, match="drew no non-symmetric 2 × 2 matrix"):
        find(square_matrices(2, domain=ones), lambda a: True)


def test_checks_inside_a_hypothesis_test_get_fewer_trials_and_no_shrinking():
    assert property_test_options() == {}
    seen = []

    @settings(max_examples=2, database=None, deadline=None)
    @given(shapes(1))
    def prop(shape):
        seen.append(property_test_options())

    prop()
    assert seen and all(o == PROPERTY_TEST_OPTIONS == {"trials": 20, "shrink": False} for o in seen)
    assert property_test_options() == {}


def test_asking_for_the_property_test_options_never_imports_hypothesis():
    code = ("import sys, chainrule.reference.strategies as s\n"
            "assert s.property_test_options() == {}\n"
            "sys.exit(1 if 'hypothesis' in sys.modules else 0)\n")
    run = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120)
    assert run.returncode == 0, run.stdout + run.stderr


def test_arguments_are_a_pytree_of_parameters_for_a_check_like_the_dict_they_are():
    import pickle

    import jax
    import jax.numpy as jnp

    from chainrule import check_gradient

    args = find(arguments(W=("m", "n"), x=("n",)), lambda a: a["W"].shape == (2, 3))
    leaves, tree = jax.tree_util.tree_flatten(args)
    assert [leaf.shape for leaf in leaves] == [(2, 3), (3,)]
    assert repr(jax.tree_util.tree_unflatten(tree, leaves)) == repr(args)
    report = check_gradient(lambda p: jnp.sum(p["W"] @ p["x"]),
                            lambda p: {"W": np.outer(np.ones(2), p["x"]), "x": p["W"].sum(axis=0)},
                            args, trials=5)
    assert report.ok, report
    assert repr(pickle.loads(pickle.dumps(args))) == repr(args)
