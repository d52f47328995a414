"""Hypothesis strategies for the inputs of a derivative check, drawn from chainrule's domains.

Inputs that avoid coincidences: by default the sizes of one draw are *distinct* (a ``(m, n)`` matrix
is never square, so a formula that only holds for square inputs fails), square matrices are never
symmetric (so ``A`` and ``Aᵀ`` differ), and values come from the same seeded samplers as
``chainrule verify`` (:mod:`chainrule.reference.samplers`: ``real``, ``positive``, ``nonzero``,
``away_from_kink``, ``unit``, or a :class:`~chainrule.reference.samplers.Domain` of your own). Hypothesis
shrinks the sizes towards the smallest failing ones and the values towards a small seed.

This module needs `Hypothesis <https://hypothesis.readthedocs.io>`_, which comes with the test
extra (``pip install "chainrule[test]"``); it is imported when a strategy is built, not before.

* :func:`shapes`: a shape of ``ndim`` distinct sizes;
* :func:`arrays`: one array of a given or free shape;
* :func:`square_matrices`: a non-symmetric ``(n, n)`` matrix;
* :func:`arguments`: a dict of arrays whose shapes share named dimensions, such as
  ``W=("m", "n"), x=("n",)``, ready to unpack into a function and its derivative.

Hypothesis's :func:`~hypothesis.find` returns the smallest example it can shrink to:

>>> from hypothesis import find
>>> find(shapes(2), lambda s: True)          # distinct sizes: never (1, 1)
(1, 2)
>>> find(arguments(W=("m", "n"), x=("n",)), lambda a: True)["W"].shape
(1, 2)

and in a test they feed :func:`chainrule.check_gradient` (or the ``chainrule_check`` fixture of
:mod:`chainrule.reference.pytest_plugin`):

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

from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING, Any

import numpy as np

from .samplers import DOMAINS, Domain, sample

if TYPE_CHECKING:  # pragma: no cover
    from hypothesis.strategies import SearchStrategy

__all__ = ["arguments", "arrays", "shapes", "square_matrices"]

_DTYPES = ("float64", "float32")
_SEED_MAX = 2**32 - 1


def _st() -> Any:
    try:
        from hypothesis import strategies as st
    except ImportError:  # pragma: no cover - exercised only without the test extra
        raise ImportError(
            "chainrule.reference.strategies needs Hypothesis; install it with `pip install \"chainrule[test]\"` "
            "(or `pip install hypothesis`)"
        ) from None
    return st


def _check_sides(min_side: int, max_side: int) -> None:
    for name, v in (("min_side", min_side), ("max_side", max_side)):
        if not isinstance(v, int) or isinstance(v, bool) or v < 1:
            raise ValueError(f"{name}: expected an int ≥ 1, got {v!r}")
    if min_side > max_side:
        raise ValueError(f"min_side ({min_side}) > max_side ({max_side}); expected min_side ≤ max_side")


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


def _sizes(
    count: int, min_side: int, max_side: int, distinct: bool, exclude: frozenset[int] = frozenset()
) -> SearchStrategy[list[int]]:
    """``count`` sizes in ``[min_side, max_side]``; when ``distinct``, pairwise distinct and not in
    ``exclude`` (the fixed sizes of the same draw)."""
    st = _st()
    if not distinct:
        return st.lists(st.integers(min_side, max_side), min_size=count, max_size=count)
    pool = [v for v in range(min_side, max_side + 1) if v not in exclude]
    if len(pool) < count:
        raise ValueError(
            f"cannot draw {count} distinct sizes from [{min_side}, {max_side}]"
            + (f" avoiding the fixed sizes {sorted(exclude)}" if exclude else "")
            + f"; raise max_side to at least {min_side + count + len(exclude) - 1} or pass distinct=False"
        )
    if count == 0:
        return st.just([])
    return st.lists(st.sampled_from(pool), min_size=count, max_size=count, unique=True)


def _values(domain: str | Domain, shape: tuple[int, ...], dtype: str) -> SearchStrategy[np.ndarray]:
    """An array of ``shape`` drawn by the domain's sampler from a seed that Hypothesis chooses."""
    st = _st()

    # A composite (not ``.map``) so that Hypothesis prints a failing example's arrays themselves.
    @st.composite
    def values(draw: Any) -> np.ndarray:
        return sample(domain, np.random.default_rng(draw(st.integers(0, _SEED_MAX))), shape, dtype)

    return values()


def shapes(
    ndim: int, *, min_side: int = 1, max_side: int = 6, distinct: bool = True
) -> SearchStrategy[tuple[int, ...]]:
    """Shapes of ``ndim`` sizes in ``[min_side, max_side]``, pairwise distinct unless ``distinct=False``.

    Distinct sizes keep a matrix non-square and a transposed Jacobian the wrong shape.

    >>> from hypothesis import find
    >>> find(shapes(3, min_side=2), lambda s: True)
    (2, 3, 4)
    """
    if not isinstance(ndim, int) or isinstance(ndim, bool) or ndim < 0:
        raise ValueError(f"ndim: expected an int ≥ 0, got {ndim!r}")
    _check_sides(min_side, max_side)
    return _sizes(ndim, min_side, max_side, distinct).map(tuple)


def arrays(
    shape: Sequence[int] | None = None,
    *,
    ndim: int = 1,
    domain: str | Domain = "real",
    dtype: str = "float64",
    min_side: int = 1,
    max_side: int = 6,
    distinct: bool = True,
) -> SearchStrategy[np.ndarray]:
    """NumPy arrays from ``domain``: of ``shape`` when given, else of a free shape from :func:`shapes`.

    ``dtype`` is ``"float64"`` or ``"float32"``. Values come from :func:`chainrule.reference.samplers.sample`
    with a seed Hypothesis draws (and shrinks).

    >>> import numpy as np
    >>> from hypothesis import find
    >>> x = find(arrays((3, 2), domain="positive", dtype="float32"), lambda a: True)
    >>> x.shape, x.dtype, bool(np.all(x > 0))
    ((3, 2), dtype('float32'), True)
    """
    domain = _check_domain("domain", domain)
    dtype = _check_dtype(dtype)
    if shape is not None:
        try:
            fixed = tuple(int(s) for s in shape)
        except (TypeError, ValueError):
            raise ValueError(f"shape: expected a sequence of ints, got {shape!r}") from None
        if any(s < 0 for s in fixed):
            raise ValueError(f"shape: sizes must be ≥ 0, got {fixed}")
        return _values(domain, fixed, dtype)
    return shapes(ndim, min_side=min_side, max_side=max_side, distinct=distinct).flatmap(
        lambda s: _values(domain, s, dtype)
    )


def square_matrices(
    n: int | None = None,
    *,
    domain: str | Domain = "real",
    dtype: str = "float64",
    min_side: int = 2,
    max_side: int = 6,
) -> SearchStrategy[np.ndarray]:
    """Non-symmetric ``(n, n)`` matrices (``n`` free in ``[min_side, max_side]`` when not given).

    Every draw satisfies ``max|A − Aᵀ| ≥ 0.1·max|A|``, so a formula that silently transposes a
    square argument is caught. ``n`` must be at least 2 (a 1 × 1 matrix is always symmetric).

    >>> import numpy as np
    >>> from hypothesis import find
    >>> A = find(square_matrices(), lambda a: True)
    >>> A.shape, bool(np.abs(A - A.T).max() > 0)
    ((2, 2), True)
    """
    st = _st()
    domain = _check_domain("domain", domain)
    dtype = _check_dtype(dtype)
    if n is not None:
        if not isinstance(n, int) or isinstance(n, bool) or n < 2:
            raise ValueError(f"n: expected an int ≥ 2 (a 1 × 1 matrix is always symmetric), got {n!r}")
        sides = st.just(n)
    else:
        _check_sides(min_side, max_side)
        if min_side < 2:
            raise ValueError(f"min_side: expected ≥ 2 (a 1 × 1 matrix is always symmetric), got {min_side}")
        sides = st.integers(min_side, max_side)

    def asymmetric(a: np.ndarray) -> bool:
        a64 = a.astype(np.float64)
        return bool(np.abs(a64 - a64.T).max() >= 0.1 * np.abs(a64).max() > 0)

    return sides.flatmap(lambda k: _values(domain, (k, k), dtype)).filter(asymmetric)


def arguments(
    *,
    domains: Mapping[str, str | Domain] | None = None,
    dtype: str = "float64",
    min_side: int = 1,
    max_side: int = 6,
    distinct: bool = True,
    **specs: Sequence[int | str],
) -> SearchStrategy[dict[str, np.ndarray]]:
    """A dict of arrays, one per keyword, whose shapes share named dimensions.

    Each keyword names an argument and gives its shape as a tuple of sizes (ints) and dimension names
    (strs): ``arguments(W=("m", "n"), x=("n",), b=())`` draws ``m`` and ``n`` once (by default
    distinct from each other and from the fixed sizes of the call) and returns
    ``{"W": (m, n) array, "x": (n,) array, "b": () array}`` in keyword order. ``domains`` maps
    argument names to domains (default ``"real"``).

    >>> from hypothesis import find
    >>> args = find(arguments(X=("N", "n"), y=("N",), domains={"y": "unit"}), lambda a: True)
    >>> {k: v.shape for k, v in args.items()}
    {'X': (1, 2), 'y': (1,)}
    """
    st = _st()
    if not specs:
        raise ValueError("arguments: expected at least one keyword such as x=('n',)")
    dtype = _check_dtype(dtype)
    _check_sides(min_side, max_side)
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

    sizes = _sizes(len(names), min_side, max_side, distinct, frozenset(fixed))

    # A composite (not ``.map``) so that Hypothesis prints a failing example's arrays themselves.
    @st.composite
    def draw_arguments(draw: Any) -> dict[str, np.ndarray]:
        bound = dict(zip(names, draw(sizes), strict=True))
        # One generator for the whole call, so two arguments never share their values.
        rng = np.random.default_rng(draw(st.integers(0, _SEED_MAX)))
        return {arg: sample(resolved[arg], rng, tuple(bound[d] if isinstance(d, str) else d for d in spec),
                            dtype)
                for arg, spec in specs.items()}

    return draw_arguments()
