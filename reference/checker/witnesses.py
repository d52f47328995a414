"""More witnesses: central finite differences and the complex step as a third opinion beside JAX.
"""

from __future__ import annotations

from typing import Any

import jax
import jax.numpy as jnp
import numpy as np

from .problem import Block, Problem, is_float
from .programs import as_args

__all__ = ["fd_blocks"]


def fd_blocks(P: Problem, blocks: list[Block], leaves: list[np.ndarray]) -> list[np.ndarray]:
    """Dense blocks by central finite differences or the complex step, in float64, for every trial."""
    method = P.opts["witness"]
    by_leaf = sorted({b.in_leaf for b in blocks})

    def one(lv: Any) -> Any:
        base = [jnp.asarray(a).astype(jnp.float64) if is_float(a.dtype) else a for a in lv]
        res = {}
        for li in by_leaf:
            x = base[li]
            n = max(1, x.size)
            E = jnp.eye(n, dtype=jnp.float64).reshape((n, *x.shape))

            def at(xi: Any, li: int = li) -> Any:
                ls = list(base)
                ls[li] = xi
                return jax.tree_util.tree_leaves(P.f(*as_args(P, ls)))

            if method == "fd":
                h = jnp.finfo(jnp.float64).eps ** (1 / 3) * jnp.maximum(1.0, jnp.abs(x))

                def colfd(e: Any, x: Any = x, h: Any = h, at: Any = at) -> Any:
                    hp = jnp.sum(h * e)
                    up_, dn = at(x + h * e), at(x - h * e)
                    return [(a - b) / (2 * hp) for a, b in zip(up_, dn, strict=True)]

                cols = jax.vmap(colfd)(E)
            else:
                def colcs(e: Any, x: Any = x, at: Any = at) -> Any:
                    return [jnp.imag(o) / 1e-20 for o in at(x.astype(jnp.complex128) + 1e-20j * e)]

                cols = jax.vmap(colcs)(E)
            res[li] = cols
        return res

    res = jax.jit(jax.vmap(one))([jnp.asarray(a) for a in leaves])
    out = []
    for b in blocks:
        cols = res[b.in_leaf][b.out_leaf or 0]  # (T, n) + out_shape
        T = cols.shape[0]
        arr = np.moveaxis(np.asarray(cols, np.float64), 1, -1)
        out.append(arr.reshape((T, *b.out_shape, *b.in_shape)))
    return out
