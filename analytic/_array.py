"""Array-namespace resolution and input validation shared by every analytic module.

Every public formula in :mod:`analytic` starts with :func:`inputs`, which

* resolves the array namespace (NumPy, JAX, or any array-API library) through
  :func:`array_api_compat.array_namespace`, so one formula runs on every backend;
* turns Python numbers into 0-d arrays of the namespace, in the dtype of the other arguments;
* rejects what no formula here accepts: integer, boolean and complex arrays, with a
  :class:`TypeError` that names the argument, the dtype seen and the fix.

Shape and domain checks (:func:`require_ndim`, :func:`require_same_shape`, :func:`require_nonzero`, …)
raise :class:`ValueError` with the same three parts. Value checks run only on concrete arrays: inside
``jax.jit`` the values are tracers and are not known until run time, so a value check there is skipped
(the shape checks still run, at trace time).

This module never imports JAX.
"""

from __future__ import annotations

import numbers
from typing import Any

import array_api_compat
import numpy as np

__all__ = [
    "inputs",
    "is_concrete",
    "require_ndim",
    "require_nonzero",
    "require_positive",
    "require_same_length",
    "require_same_shape",
    "require_shape",
    "require_symmetric",
    "same_length_vectors",
]


def _describe_dtype(x: Any) -> str:
    dtype = getattr(x, "dtype", None)
    return str(dtype) if dtype is not None else type(x).__name__


def inputs(**named: Any) -> tuple[Any, list[Any]]:
    """Resolve the array namespace of ``named`` and return ``(xp, [arrays in the given order])``.

    Python ``int``/``float`` values become 0-d arrays of the namespace (dtype: that of the first array
    argument, else float64). Arrays must have a real floating dtype.

    >>> import numpy as np
    >>> xp, (w, b) = inputs(w=np.ones(3), b=0.5)
    >>> b.dtype, b.shape
    (dtype('float64'), ())
    >>> inputs(w=np.arange(3))
    Traceback (most recent call last):
    ...
    TypeError: w: expected a real floating array (float32 or float64), got int64; convert it first, e.g. w.astype(float)
    """
    arrays = {k: v for k, v in named.items() if not _is_python_number(v)}
    for name, value in arrays.items():
        if not hasattr(value, "dtype") or not hasattr(value, "shape"):
            raise TypeError(
                f"{name}: expected an array (NumPy or JAX) or a Python number, got "
                f"{type(value).__name__}; wrap it with numpy.asarray(..., dtype=float)"
            )
        _require_real_floating(name, value)
    if arrays:
        try:
            xp = array_api_compat.array_namespace(*arrays.values())
        except TypeError as exc:
            kinds = ", ".join(f"{k}: {type(v).__module__}.{type(v).__name__}" for k, v in arrays.items())
            raise TypeError(
                f"arguments come from different array libraries ({kinds}); pass all NumPy arrays or all "
                "JAX arrays"
            ) from exc
        dtype = next(iter(arrays.values())).dtype
    else:
        xp = array_api_compat.array_namespace(np.empty(0))
        dtype = xp.float64
    out = []
    for name, value in named.items():
        if _is_python_number(value):
            if isinstance(value, bool) or isinstance(value, complex):
                raise TypeError(
                    f"{name}: expected a real number, got {type(value).__name__} {value!r}; pass a float"
                )
            value = xp.asarray(float(value), dtype=dtype)
        elif isinstance(value, np.generic):
            value = np.asarray(value)
        out.append(value)
    return xp, out


def _is_python_number(value: Any) -> bool:
    return isinstance(value, numbers.Number) and not hasattr(value, "dtype")


def _require_real_floating(name: str, x: Any) -> None:
    kind = getattr(getattr(x, "dtype", None), "kind", None)
    if kind is None:  # not a NumPy dtype: ask the array API
        xp = array_api_compat.array_namespace(x)
        ok = xp.isdtype(x.dtype, "real floating")
    else:
        ok = kind == "f" or str(x.dtype) == "bfloat16"
    if not ok:
        raise TypeError(
            f"{name}: expected a real floating array (float32 or float64), got {_describe_dtype(x)}; "
            f"convert it first, e.g. {name}.astype(float)"
        )


def is_concrete(x: Any) -> bool:
    """True when ``x``'s values are known now (NumPy, or a JAX array outside a trace)."""
    if array_api_compat.is_numpy_array(x) or isinstance(x, np.generic):
        return True
    try:
        # The same conversion the value checks use: a jit tracer refuses it, and so does a
        # jax.grad/jacfwd tracer, even where its primal value happens to be known (eager autodiff).
        np.asarray(x.reshape(-1)[:1])
    except Exception as exc:  # a tracer refuses to become a NumPy array
        name = type(exc).__name__
        if "Tracer" in name or "Concretization" in name:
            return False
        raise
    return True


def require_ndim(name: str, x: Any, ndim: int, what: str) -> None:
    """Raise ``ValueError`` unless ``x.ndim == ndim``; ``what`` names the expected object."""
    if x.ndim != ndim:
        raise ValueError(
            f"{name}: expected {what} ({ndim}-d array), got shape {tuple(x.shape)}; "
            + (
                f"reshape it, e.g. {name}.reshape(-1)"
                if ndim == 1
                else f"pass a {ndim}-d array"
                if ndim
                else f"pass a scalar, e.g. float({name})"
            )
        )


def require_shape(name: str, x: Any, shape: tuple[int, ...], why: str) -> None:
    """Raise ``ValueError`` unless ``x.shape == shape``."""
    if tuple(x.shape) != tuple(shape):
        raise ValueError(f"{name}: expected shape {tuple(shape)} ({why}), got {tuple(x.shape)}")


def require_same_shape(**named: Any) -> None:
    """Raise ``ValueError`` unless every argument has the same shape (element-wise rules)."""
    shapes = {k: tuple(v.shape) for k, v in named.items()}
    if len(set(shapes.values())) > 1:
        listing = ", ".join(f"{k} {s}" for k, s in shapes.items())
        raise ValueError(
            f"element-wise rule needs arguments of one shape (m = n = |y|), got {listing}; "
            "pass vectors of equal length"
        )


def require_same_length(name_a: str, a: Any, name_b: str, b: Any, axis_b: int = 0) -> None:
    """Raise ``ValueError`` unless ``len(a) == b.shape[axis_b]`` (mismatched lengths)."""
    if a.shape[0] != b.shape[axis_b]:
        raise ValueError(
            f"{name_a} has length {a.shape[0]} but {name_b} has {b.shape[axis_b]} along axis {axis_b} "
            f"(shape {tuple(b.shape)}); they must match"
        )


def require_nonzero(name: str, x: Any, rule: str) -> None:
    """Raise ``ValueError`` if a concrete ``x`` has a zero entry (outside ``rule``'s domain)."""
    if is_concrete(x):
        bad = np.flatnonzero(np.asarray(x).reshape(-1) == 0)
        if bad.size:
            raise ValueError(
                f"{name}: {rule} is defined only where {name} ≠ 0, but {name} has {bad.size} zero "
                f"entr{'y' if bad.size == 1 else 'ies'} (first at flat index {int(bad[0])}); "
                f"move {name} off 0"
            )


def require_positive(name: str, x: Any, rule: str) -> None:
    """Raise ``ValueError`` if a concrete ``x`` has an entry ≤ 0 (outside ``rule``'s domain)."""
    if is_concrete(x):
        flat = np.asarray(x).reshape(-1)
        bad = np.flatnonzero(~(flat > 0))
        if bad.size:
            raise ValueError(
                f"{name}: {rule} is defined only where {name} > 0, but {name}[{int(bad[0])}] = "
                f"{flat[bad[0]]!r} (flat index; {bad.size} such entries); pass positive values"
            )


def same_length_vectors(**named: Any) -> tuple[Any, ...]:
    """``(xp, *arrays)`` for real vectors that must share one length (element-wise rules, ``w·x``).

    >>> import numpy as np
    >>> xp, w, x = same_length_vectors(w=np.ones(2), x=np.ones(2))
    >>> same_length_vectors(w=np.ones(2), x=np.ones(3))  # doctest: +ELLIPSIS
    Traceback (most recent call last):
    ...
    ValueError: element-wise rule needs arguments of one shape (m = n = |y|), got w (2,), x (3,); ...
    """
    xp, arrays = inputs(**named)
    for name, a in zip(named, arrays, strict=True):
        require_ndim(name, a, 1, f"a vector {name} ∈ Rⁿ")
    require_same_shape(**dict(zip(named, arrays, strict=True)))
    return (xp, *arrays)


def require_symmetric(name: str, A: Any, rule: str, fix: str | None = None) -> None:
    """Raise ``ValueError`` unless ``A`` is a square matrix and, when concrete, symmetric to working
    precision (``max|A − Aᵀ| ≤ 1000·ε·max(1, max|A|)``, ε of A's dtype). ``rule`` names what needs it,
    ``fix`` what to do instead (default: pass the symmetric part).

    >>> import numpy as np
    >>> require_symmetric("W", np.array([[1.0, 2.0], [0.0, 1.0]]), "CB-84")
    Traceback (most recent call last):
    ...
    ValueError: W: CB-84 assumes a symmetric W, but max|W − Wᵀ| = 2; pass the symmetric part (W + Wᵀ)/2
    """
    if getattr(A, "ndim", None) != 2 or A.shape[0] != A.shape[1]:
        raise ValueError(f"{name}: {rule} needs a square symmetric matrix, got shape {tuple(getattr(A, 'shape', ()))}")
    if is_concrete(A) and A.shape[0]:
        a = np.asarray(A, dtype=np.float64)
        gap = float(np.max(np.abs(a - a.T)))
        scale = max(1.0, float(np.max(np.abs(a))))
        if gap > 1e3 * float(np.finfo(np.dtype(str(A.dtype))).eps) * scale:
            raise ValueError(f"{name}: {rule} assumes a symmetric {name}, but max|{name} − {name}ᵀ| = {gap:.3g}; "
                             f"{fix or f'pass the symmetric part ({name} + {name}ᵀ)/2'}")
