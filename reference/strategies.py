"""Hypothesis strategies for the inputs of a derivative check: the *shapes*, drawn from chainrule's domains.

A check draws its own trials (``trials`` random inputs shaped like the examples, from ``seed``), so what
it takes from an example is its shapes and dtypes. These strategies therefore let Hypothesis choose
the shapes, and nothing else: the arrays are filled by the same seeded samplers as ``chainrule verify``
(:mod:`chainrule.reference.samplers`: ``real``, ``positive``, ``nonzero``, ``away_from_kink``, ``unit``,
or a :class:`~chainrule.reference.samplers.Domain` of your own) from a fixed ``sample_seed``, so equal
shapes give equal arrays. A failing example is then exactly what was checked, and it prints as such:

.. code-block:: text

    Failing test case: test_grad(
        args=arguments(W=(1, 2), x=(2,)),
    )

Inputs avoid coincidences: by default the sizes of one draw are *distinct* (a ``(m, n)`` matrix is
never square, so a formula that only holds for square inputs fails) and square matrices are never
symmetric (so ``A`` and ``Aᵀ`` differ).

**Bounded.** Every new shape costs the check a compilation (a few tenths of a second), so the sizes
are small, ``min_side…max_side`` with ``max_side`` 4 by default (raised just enough to fit the
distinct sizes of a draw), and one draw is one integer: the index of its sizes among all the
allowed ones in lexicographic order. Hypothesis never runs a choice twice (but to replay a failing
example), so a property test checks each shape once, ``4·3 = 12`` shapes at most for two named
dimensions and ``24`` for three, however long Hypothesis shrinks or explains a failure (a passing
test stops when it has tried them all); and it shrinks to the lexicographically smallest failing
sizes.

**Inside a Hypothesis test** the examples already vary the shapes, so a check needs fewer trials of
its own and must not shrink the shapes itself (Hypothesis does): :func:`property_test_options` gives
``trials=20, shrink=False`` there (and ``{}`` elsewhere), which the ``chainrule_check`` fixture of
:mod:`chainrule.reference.pytest_plugin` applies under the options you pass, with a note in the report.

This module needs `Hypothesis <https://hypothesis.readthedocs.io>`_, which comes with the test
extra (``pip install "chainrule[test]"``); it is imported when a strategy is built, not before (and
JAX when the first :class:`Arguments` is drawn, to register it as a pytree).

* :func:`shapes`: a shape of ``ndim`` distinct sizes;
* :func:`arrays`: one array of a given or free shape;
* :func:`square_matrices`: a non-symmetric ``(n, n)`` matrix;
* :func:`arguments`: an :class:`Arguments`, a dict of arrays whose shapes share named dimensions,
  such as ``W=("m", "n"), x=("n",)``, ready to unpack into a function and its derivative;
* :func:`property_test_options`: the options of a check inside a Hypothesis test.

Hypothesis's :func:`~hypothesis.find` returns the smallest example it can shrink to:

>>> from hypothesis import find
>>> find(shapes(2), lambda s: True)          # distinct sizes: never (1, 1)
(1, 2)
>>> find(arguments(W=("m", "n"), x=("n",)), lambda a: True)["W"].shape
(1, 2)
>>> find(arguments(W=("m", "n"), x=("n",)), lambda a: a["W"].shape[0] > 1)     # what it prints
arguments(W=(2, 1), x=(1,))

and in a test they feed :func:`chainrule.check_gradient` (or the ``chainrule_check`` fixture of
:mod:`chainrule.reference.pytest_plugin`). The first check at a shape compiles, which can take
longer than Hypothesis's default 200 ms ``deadline`` (a *passing* example then fails as too slow, or
as flaky), so turn the deadline off:

>>> import numpy as np
>>> from hypothesis import given, settings
>>> @settings(max_examples=20, database=None, deadline=None)
... @given(arguments(W=("m", "n"), x=("n",), domains={"x": "positive"}))
... def test_shapes_agree(args):
...     W, x = args["W"], args["x"]
...     assert W.shape[1] == x.shape[0] and W.shape[0] != W.shape[1]
...     assert bool(np.all(x > 0))
>>> test_shapes_agree()
"""

from __future__ import annotations

import math
import sys
from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING, Any

import numpy as np

from .samplers import DOMAINS, Domain, sample

if TYPE_CHECKING:  # pragma: no cover
    from hypothesis.strategies import SearchStrategy

__all__ = [
    "PROPERTY_TEST_OPTIONS",
    "Arguments",
    "arguments",
    "arrays",
    "exclude_from_deadline",
    "property_test_options",
    "shapes",
    "square_matrices",
]

_DTYPES = ("float64", "float32")
_SEED_MAX = 2**32 - 1
#: ``max_side`` when none is given (raised where a draw needs more distinct sizes)
_DEFAULT_MAX_SIDE = 4
#: seeds a square matrix's sampler tries, from ``sample_seed`` on, for a non-symmetric draw
_ASYMMETRY_TRIES = 100

#: The options of a check inside a Hypothesis test: each example is one shape, Hypothesis varies and
#: shrinks the shapes, so a check runs fewer trials and no shape-shrinking retries of its own.
PROPERTY_TEST_OPTIONS: dict[str, Any] = {"trials": 20, "shrink": False}


def property_test_options() -> dict[str, Any]:
    """:data:`PROPERTY_TEST_OPTIONS` while a Hypothesis test runs an example, ``{}`` otherwise.

    Callers apply it *under* the options they were given (an explicit ``trials=`` wins). It never
    imports Hypothesis: where Hypothesis is not imported yet, no Hypothesis test is running.

    >>> property_test_options()
    {}
    >>> from hypothesis import given, strategies as st
    >>> seen = []
    >>> @given(st.just(0))
    ... def test(_):
    ...     seen.append(property_test_options())
    >>> test()
    >>> seen
    [{'trials': 20, 'shrink': False}]
    """
    return dict(PROPERTY_TEST_OPTIONS) if _in_hypothesis_test() else {}


def _in_hypothesis_test() -> bool:
    """Whether a Hypothesis test is running an example (never imports Hypothesis: where it is not
    imported yet, no Hypothesis test is running)."""
    in_test = getattr(sys.modules.get("hypothesis"), "currently_in_test_context", None)
    return in_test is not None and bool(in_test())


def exclude_from_deadline(seconds: float, why: str = "chainrule: compiling a check") -> None:
    """Tell a running Hypothesis test that ``seconds`` of its example were not the test's own work.

    A check at a shape it has not seen compiles its programs (0.2–0.5 s here), over Hypothesis's
    default 200 ms deadline, and the rerun at that shape is fast: Hypothesis would report a passing
    property as ``DeadlineExceeded`` or "Unreliable test timings". Hypothesis already leaves its own
    draws and garbage collection out of an example's time (``ConjectureData.draw_times``); a check's
    compilation is left out the same way. Outside a Hypothesis test, or where that record is not
    there, nothing happens.
    """
    if seconds <= 0 or not _in_hypothesis_test():
        return
    try:
        from hypothesis.control import current_build_context

        times = current_build_context().data.draw_times
    except Exception:  # another Hypothesis: its deadline applies as it is
        return
    key = f"generate:{why}"
    times[key] = times.get(key, 0.0) + float(seconds)


def _st() -> Any:
    try:
        from hypothesis import strategies as st
    except ImportError:  # pragma: no cover - exercised only without the test extra
        raise ImportError(
            "chainrule.reference.strategies needs Hypothesis; install it with `pip install \"chainrule[test]\"` "
            "(or `pip install hypothesis`)"
        ) from None
    return st


def _check_int(name: str, v: Any, least: int) -> None:
    if not isinstance(v, int) or isinstance(v, bool) or v < least:
        raise ValueError(f"{name}: expected an int ≥ {least}, got {v!r}")


def _max_side(min_side: int, max_side: int | None, needed: int, exclude: frozenset[int] = frozenset()) -> int:
    """``max_side`` checked, or when ``None`` the default: 4, or just enough for ``needed`` sizes."""
    _check_int("min_side", min_side, 1)
    if max_side is not None:
        _check_int("max_side", max_side, 1)
        if min_side > max_side:
            raise ValueError(f"min_side ({min_side}) > max_side ({max_side}); expected min_side ≤ max_side")
        return max_side
    top = max(_DEFAULT_MAX_SIDE, min_side)
    while len([v for v in range(min_side, top + 1) if v not in exclude]) < needed:
        top += 1
    return top


def _check_domain(name: str, domain: Any) -> str | Domain:
    if isinstance(domain, Domain):
        return domain
    if isinstance(domain, str) and domain in DOMAINS:
        return domain
    raise ValueError(f"{name}: unknown domain {domain!r}; expected one of {sorted(DOMAINS)} or a "
                     "chainrule.reference.samplers.Domain")


def _check_dtype(dtype: str) -> str:
    if dtype not in _DTYPES:
        raise ValueError(f"dtype: expected one of {_DTYPES}, got {dtype!r}")
    return dtype


def _check_seed(sample_seed: int | None) -> int | None:
    if sample_seed is not None and (not isinstance(sample_seed, int) or isinstance(sample_seed, bool)
                                    or not 0 <= sample_seed <= _SEED_MAX):
        raise ValueError(f"sample_seed: expected an int in [0, 2**32 - 1] or None (Hypothesis draws it), "
                         f"got {sample_seed!r}")
    return sample_seed


def _unrank(index: int, pool: Sequence[int], count: int, distinct: bool) -> tuple[int, ...]:
    """The ``index``-th tuple of ``count`` sizes from ``pool`` (sorted), in lexicographic order."""
    if not distinct:
        digits = []
        for _ in range(count):
            index, d = divmod(index, len(pool))
            digits.append(pool[d])
        return tuple(reversed(digits))
    left = list(pool)
    out = []
    for j in range(count):
        block = math.perm(len(left) - 1, count - j - 1)
        q, index = divmod(index, block)
        out.append(left.pop(q))
    return tuple(out)


def _sizes(
    count: int, min_side: int, max_side: int, distinct: bool, exclude: frozenset[int] = frozenset()
) -> SearchStrategy[tuple[int, ...]]:
    """``count`` sizes in ``[min_side, max_side]``; when ``distinct``, pairwise distinct and not in
    ``exclude`` (the fixed sizes of the same draw). One integer, the sizes' lexicographic rank, so that
    each choice Hypothesis makes is one shape and it shrinks towards the smallest sizes."""
    st = _st()
    pool = [v for v in range(min_side, max_side + 1) if not (distinct and v in exclude)]
    if distinct and len(pool) < count:
        raise ValueError(
            f"cannot draw {count} distinct sizes from [{min_side}, {max_side}]"
            + (f" avoiding the fixed sizes {sorted(exclude)}" if exclude else "")
            + f"; raise max_side to at least {min_side + count + len(exclude) - 1} or pass distinct=False"
        )
    if count == 0:
        return st.just(())
    total = math.perm(len(pool), count) if distinct else len(pool) ** count
    return st.integers(0, total - 1).map(lambda i: _unrank(i, pool, count, distinct))


def _seeds(sample_seed: int | None) -> SearchStrategy[int]:
    st = _st()
    return st.just(sample_seed) if sample_seed is not None else st.integers(0, _SEED_MAX)


def _domain_name(domain: str | Domain) -> str:
    return domain if isinstance(domain, str) else domain.name


_PYTREE = False


def _register_pytree() -> None:
    """Make :class:`Arguments` a JAX pytree like the dict it is (JAX registers ``dict`` itself, not its
    subclasses), so that a check takes one as a dict of parameters: ``check_gradient(f, g, args)``."""
    global _PYTREE
    if _PYTREE:
        return
    import jax

    def flatten_with_keys(a: Arguments) -> tuple[list[tuple[Any, Any]], Any]:
        return [(jax.tree_util.DictKey(k), v) for k, v in a.items()], a._aux()

    def flatten(a: Arguments) -> tuple[list[Any], Any]:
        return list(a.values()), a._aux()

    def unflatten(aux: Any, children: Any) -> Arguments:
        keys, dtype, domains, sample_seed = aux
        return Arguments(dict(zip(keys, children, strict=True)), dtype=dtype, domains=dict(domains),
                         sample_seed=sample_seed)

    jax.tree_util.register_pytree_with_keys(Arguments, flatten_with_keys, unflatten, flatten)
    _PYTREE = True


class Arguments(dict[str, np.ndarray]):
    """What :func:`arguments` draws: a dict of arrays, whose repr is what a check uses of it.

    Index it (``args["W"]``), unpack it (``f(**args)``), iterate it or pass it to a check as a pytree of
    parameters, like the dict it is; its repr is the call of :func:`arguments` with the sizes bound,
    which draws these very arrays again, and which Hypothesis prints as a failing example. ``shapes``
    maps each argument to its shape.

    >>> from hypothesis import find
    >>> args = find(arguments(W=("m", "n"), x=("n",), domains={"x": "positive"}), lambda a: True)
    >>> args
    arguments(W=(1, 2), x=(2,), domains={'x': 'positive'})
    >>> args.shapes, list(args)
    ({'W': (1, 2), 'x': (2,)}, ['W', 'x'])
    """

    def __init__(self, values: Mapping[str, np.ndarray], *, dtype: str = "float64",
                 domains: Mapping[str, str | Domain] | None = None, sample_seed: int = 0) -> None:
        super().__init__(values)
        self.dtype = dtype
        self.domains: dict[str, str | Domain] = dict(domains or {})
        self.sample_seed = sample_seed
        _register_pytree()

    def _aux(self) -> tuple[Any, ...]:
        return tuple(self), self.dtype, tuple(self.domains.items()), self.sample_seed

    @property
    def shapes(self) -> dict[str, tuple[int, ...]]:
        return {k: tuple(np.shape(v)) for k, v in self.items()}

    def __repr__(self) -> str:
        parts = [f"{k}={s!r}" for k, s in self.shapes.items()]
        domains = {k: _domain_name(d) for k, d in self.domains.items() if _domain_name(d) != "real"}
        if domains:
            parts.append(f"domains={domains!r}")
        if self.dtype != "float64":
            parts.append(f"dtype={self.dtype!r}")
        if self.sample_seed != 0:
            parts.append(f"sample_seed={self.sample_seed!r}")
        return f"arguments({', '.join(parts)})"

    def _repr_pretty_(self, p: Any, cycle: bool) -> None:
        """Hypothesis's (and IPython's) printer: the same as the repr."""
        p.text(repr(self))


def _values(domain: str | Domain, shape: tuple[int, ...], dtype: str,
            sample_seed: int | None) -> SearchStrategy[np.ndarray]:
    """An array of ``shape`` drawn by the domain's sampler from ``sample_seed`` (Hypothesis's if ``None``)."""
    return _seeds(sample_seed).map(lambda seed: sample(domain, np.random.default_rng(seed), shape, dtype))


def shapes(
    ndim: int, *, min_side: int = 1, max_side: int | None = None, distinct: bool = True
) -> SearchStrategy[tuple[int, ...]]:
    """Shapes of ``ndim`` sizes in ``[min_side, max_side]``, pairwise distinct unless ``distinct=False``.

    Distinct sizes keep a matrix non-square and a transposed Jacobian the wrong shape. ``max_side``
    defaults to 4, or to the least that fits ``ndim`` distinct sizes.

    >>> from hypothesis import find
    >>> find(shapes(3, min_side=2), lambda s: True)
    (2, 3, 4)
    """
    _check_int("ndim", ndim, 0)
    top = _max_side(min_side, max_side, ndim if distinct else 1)
    return _sizes(ndim, min_side, top, distinct)


def arrays(
    shape: Sequence[int] | None = None,
    *,
    ndim: int = 1,
    domain: str | Domain = "real",
    dtype: str = "float64",
    min_side: int = 1,
    max_side: int | None = None,
    distinct: bool = True,
    sample_seed: int | None = 0,
) -> SearchStrategy[np.ndarray]:
    """NumPy arrays from ``domain``: of ``shape`` when given, else of a free shape from :func:`shapes`.

    ``dtype`` is ``"float64"`` or ``"float32"``. Values come from :func:`chainrule.reference.samplers.sample`
    with ``sample_seed``: by default 0, so an array is determined by its shape (a check draws its own
    trials and uses only the shape; a given ``shape`` is then a single example); ``sample_seed=None``
    lets Hypothesis draw (and shrink) the seed, for properties of the values themselves.

    >>> import numpy as np
    >>> from hypothesis import find
    >>> x = find(arrays((3, 2), domain="positive", dtype="float32"), lambda a: True)
    >>> x.shape, x.dtype, bool(np.all(x > 0))
    ((3, 2), dtype('float32'), True)
    """
    domain = _check_domain("domain", domain)
    dtype = _check_dtype(dtype)
    sample_seed = _check_seed(sample_seed)
    if shape is not None:
        try:
            fixed = tuple(int(s) for s in shape)
        except (TypeError, ValueError):
            raise ValueError(f"shape: expected a sequence of ints, got {shape!r}") from None
        if any(s < 0 for s in fixed):
            raise ValueError(f"shape: sizes must be ≥ 0, got {fixed}")
        return _values(domain, fixed, dtype, sample_seed)
    return shapes(ndim, min_side=min_side, max_side=max_side, distinct=distinct).flatmap(
        lambda s: _values(domain, s, dtype, sample_seed)
    )


def _asymmetric(a: np.ndarray) -> bool:
    a64 = a.astype(np.float64)
    return bool(np.abs(a64 - a64.T).max() >= 0.1 * np.abs(a64).max() > 0)


def square_matrices(
    n: int | None = None,
    *,
    domain: str | Domain = "real",
    dtype: str = "float64",
    min_side: int = 2,
    max_side: int | None = None,
    sample_seed: int | None = 0,
) -> SearchStrategy[np.ndarray]:
    """Non-symmetric ``(n, n)`` matrices (``n`` free in ``[min_side, max_side]`` when not given).

    Every draw satisfies ``max|A − Aᵀ| ≥ 0.1·max|A|``, so a formula that silently transposes a
    square argument is caught. ``n`` must be at least 2 (a 1 × 1 matrix is always symmetric).
    ``max_side`` defaults to 4; ``sample_seed`` is as for :func:`arrays` (a draw that comes out
    nearly symmetric is redrawn from the next seed).

    >>> import numpy as np
    >>> from hypothesis import find
    >>> A = find(square_matrices(), lambda a: True)
    >>> A.shape, bool(np.abs(A - A.T).max() > 0)
    ((2, 2), True)
    """
    st = _st()
    domain = _check_domain("domain", domain)
    dtype = _check_dtype(dtype)
    sample_seed = _check_seed(sample_seed)
    if n is not None:
        if not isinstance(n, int) or isinstance(n, bool) or n < 2:
            raise ValueError(f"n: expected an int ≥ 2 (a 1 × 1 matrix is always symmetric), got {n!r}")
        sides = st.just(n)
    else:
        top = _max_side(min_side, max_side, 1)
        if min_side < 2:
            raise ValueError(f"min_side: expected ≥ 2 (a 1 × 1 matrix is always symmetric), got {min_side}")
        sides = st.integers(min_side, top)

    def asymmetric(k: int, seed: int) -> np.ndarray:
        for s in range(seed, seed + _ASYMMETRY_TRIES):
            a = sample(domain, np.random.default_rng(s % (_SEED_MAX + 1)), (k, k), dtype)
            if _asymmetric(a):
                return a
        raise ValueError(f"domain {_domain_name(domain)!r} drew no non-symmetric {k} × {k} matrix from "
                         f"{_ASYMMETRY_TRIES} seeds; square_matrices needs a domain that can")

    return st.tuples(sides, _seeds(sample_seed)).map(lambda ks: asymmetric(*ks))


def arguments(
    *,
    domains: Mapping[str, str | Domain] | None = None,
    dtype: str = "float64",
    min_side: int = 1,
    max_side: int | None = None,
    distinct: bool = True,
    sample_seed: int | None = 0,
    **specs: Sequence[int | str],
) -> SearchStrategy[Arguments]:
    """An :class:`Arguments` (a dict of arrays), one per keyword, whose shapes share named dimensions.

    Each keyword names an argument and gives its shape as a tuple of sizes (ints) and dimension names
    (strs): ``arguments(W=("m", "n"), x=("n",), b=())`` draws ``m`` and ``n`` once (by default
    distinct from each other and from the fixed sizes of the call) and returns
    ``{"W": (m, n) array, "x": (n,) array, "b": () array}`` in keyword order, printed as
    ``arguments(W=(2, 3), x=(3,), b=())``. ``domains`` maps argument names to domains (default
    ``"real"``); ``max_side`` defaults to 4, or to the least that fits the distinct sizes; the arrays
    come from one generator seeded with ``sample_seed`` (see :func:`arrays`).

    >>> from hypothesis import find
    >>> args = find(arguments(X=("N", "n"), y=("N",), domains={"y": "unit"}), lambda a: True)
    >>> {k: v.shape for k, v in args.items()}
    {'X': (1, 2), 'y': (1,)}
    """
    st = _st()
    if not specs:
        raise ValueError("arguments: expected at least one keyword such as x=('n',)")
    dtype = _check_dtype(dtype)
    sample_seed = _check_seed(sample_seed)
    domains = dict(domains or {})
    unknown = sorted(set(domains) - set(specs))
    if unknown:
        raise ValueError(f"domains: no argument named {unknown}; the arguments are {list(specs)}")
    resolved = {name: _check_domain(f"domains[{name!r}]", domains.get(name, "real")) for name in specs}
    names: list[str] = []
    fixed: set[int] = set()
    for arg, spec in specs.items():
        if isinstance(spec, str) or not isinstance(spec, Sequence):
            raise ValueError(f"{arg}: expected a tuple of sizes and dimension names such as ('m', 3), "
                             f"got {spec!r}")
        for d in spec:
            if isinstance(d, str):
                if d not in names:
                    names.append(d)
            elif not isinstance(d, int) or isinstance(d, bool) or d < 0:
                raise ValueError(f"{arg}: dimension {d!r} is neither a name nor a size ≥ 0")
            else:
                fixed.add(d)

    exclude = frozenset(fixed)
    top = _max_side(min_side, max_side, len(names) if distinct else 1, exclude if distinct else frozenset())
    sizes = _sizes(len(names), min_side, top, distinct, exclude)

    def build(drawn: tuple[tuple[int, ...], int]) -> Arguments:
        bound = dict(zip(names, drawn[0], strict=True))
        # One generator for the whole call, so two arguments never share their values.
        rng = np.random.default_rng(drawn[1])
        values = {arg: sample(resolved[arg], rng, tuple(bound[d] if isinstance(d, str) else d for d in spec), dtype)
                  for arg, spec in specs.items()}
        return Arguments(values, dtype=dtype, domains=resolved, sample_seed=drawn[1])

    return st.tuples(sizes, _seeds(sample_seed)).map(build)
