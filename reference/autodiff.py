"""What JAX says: numerator-layout wrappers of ``jax.grad``, ``jacfwd``, ``jacrev``, ``jvp`` and ``vjp``.

Every wrapper returns the derivative in chainrule's layout contract (DESIGN.md):

* a Jacobian has shape ``out.shape + in.shape`` (numerator layout, the paper's);
* the gradient of a scalar function has the argument's shape (the paper's ``1 × n`` row, flattened).

They run in float64 by default inside a *scoped* :func:`x64` context, never by flipping JAX's global
configuration: ``precision="float32"`` leaves the arguments' dtypes alone.

>>> import numpy as np
>>> J = jacobian(lambda x: x * x, np.array([1.0, 2.0]))
>>> J
array([[2., 0.],
       [0., 4.]])
>>> gradient(lambda x, y: 3 * x**2 * y, 2.0, 5.0, argnums=(0, 1))   # RULES P-2: [6yx, 3x²]
(array(60.), array(12.))
"""

from __future__ import annotations

import contextlib
from collections.abc import Callable, Iterator, Sequence
from typing import Any

import jax
import jax.numpy as jnp
import numpy as np

__all__ = ["gradient", "hvp", "jacobian", "jvp", "vjp", "x64"]


@contextlib.contextmanager
def x64(enabled: bool = True) -> Iterator[None]:
    """Run the block with JAX's 64-bit mode on (or off), restoring the previous setting after."""
    with jax.enable_x64(enabled):
        yield


def _as_inputs(args: Sequence[Any], precision: str) -> list[Any]:
    out = []
    for a in args:
        arr = jnp.asarray(a)
        if precision == "float64" and jnp.issubdtype(arr.dtype, jnp.floating):
            arr = arr.astype(jnp.float64)
        elif not jnp.issubdtype(arr.dtype, jnp.floating):
            raise TypeError(
                f"reference derivatives need real floating inputs, got {arr.dtype}; convert with "
                "numpy.asarray(..., dtype=float)"
            )
        out.append(arr)
    return out


def _check_precision(precision: str) -> None:
    if precision not in ("float64", "float32", "as-is"):
        raise ValueError(f"precision: expected 'float64', 'float32' or 'as-is', got {precision!r}")


def _to_numpy(tree: Any) -> Any:
    return jax.tree_util.tree_map(np.asarray, tree)


def jacobian(
    f: Callable[..., Any],
    *args: Any,
    argnums: int | tuple[int, ...] = 0,
    mode: str = "fwd",
    precision: str = "float64",
) -> Any:
    """Jacobian of ``f`` at ``args``, shape ``out.shape + args[argnums].shape`` (``mode``: fwd or rev)."""
    _check_precision(precision)
    if mode not in ("fwd", "rev"):
        raise ValueError(f"mode: expected 'fwd' or 'rev', got {mode!r}")
    with x64(precision == "float64" or precision == "as-is"):
        xs = _as_inputs(args, precision)
        jac = jax.jacfwd if mode == "fwd" else jax.jacrev
        return _to_numpy(jac(f, argnums=argnums)(*xs))


def gradient(
    f: Callable[..., Any],
    *args: Any,
    argnums: int | tuple[int, ...] = 0,
    precision: str = "float64",
) -> Any:
    """Gradient of a scalar ``f`` at ``args``, shaped like the argument (``jax.grad``)."""
    _check_precision(precision)
    with x64(precision == "float64" or precision == "as-is"):
        xs = _as_inputs(args, precision)
        out = jax.eval_shape(f, *xs)
        if getattr(out, "shape", None) != ():
            raise ValueError(
                f"gradient needs a scalar-valued function, got output shape {getattr(out, 'shape', None)}; "
                "use jacobian() for vector-valued functions"
            )
        return _to_numpy(jax.grad(f, argnums=argnums)(*xs))


def jvp(f: Callable[..., Any], args: Sequence[Any], tangents: Sequence[Any], precision: str = "float64") -> Any:
    """``(f(args), J·t)``: the Jacobian-vector product (forward mode) for each argument's tangent."""
    _check_precision(precision)
    with x64(precision != "float32"):
        xs = _as_inputs(args, precision)
        ts = [jnp.asarray(t, dtype=x.dtype) for t, x in zip(tangents, xs, strict=True)]
        return _to_numpy(jax.jvp(f, tuple(xs), tuple(ts)))


def vjp(f: Callable[..., Any], args: Sequence[Any], cotangent: Any, precision: str = "float64") -> Any:
    """``ctᵀ·J`` for each argument: the vector-Jacobian product (reverse mode)."""
    _check_precision(precision)
    with x64(precision != "float32"):
        xs = _as_inputs(args, precision)
        out, pullback = jax.vjp(f, *xs)
        ct = jnp.asarray(cotangent, dtype=out.dtype)
        return _to_numpy(pullback(ct))


def hvp(f: Callable[..., Any], x: Any, t: Any, precision: str = "float64") -> Any:
    """Hessian-vector product ``∇²f(x)·t`` as ``jax.jvp`` of ``jax.grad`` (forward-over-reverse)."""
    _check_precision(precision)
    with x64(precision != "float32"):
        (xa,) = _as_inputs([x], precision)
        ta = jnp.asarray(t, dtype=xa.dtype)
        return _to_numpy(jax.jvp(jax.grad(f), (xa,), (ta,))[1])
