"""What several suites share: the budgets where dense references stop, the size grid, small helpers.

The closed forms and primals a suite times are taken from the catalog record that verifies them
(:func:`rule`), as the rest of chainrule does, so what is timed is exactly what ``chainrule verify``
checks.

>>> dense_skips(10, "float64", ("jit(jacfwd)",))
{}
>>> dense_skips(10**5, "float64", ("jit(jacfwd)",))
{'jit(jacfwd)': 'dense n × n Jacobian needs 76,294 MiB > 256 MiB'}
"""

from __future__ import annotations

from typing import Any

import jax.numpy as jnp
import numpy as np

from chainrule.reference.catalog import Rule, by_name

__all__ = ["DENSE_BYTES", "SIZES", "dense_skips", "diagonal_of", "itemsize", "mib", "rule"]

#: A dense n × n Jacobian (and jacfwd's n × n tangent basis) runs only below this many bytes.
DENSE_BYTES = 256 * 2**20

#: The sizes (n, k) of the structured-vs-dense suites' full runs: 10 to 10⁶.
SIZES = (10, 100, 1_000, 3_162, 10_000, 100_000, 1_000_000)


def rule(name: str) -> Rule:
    """The catalog record called ``name``: its ``.primal`` and ``.derivative`` are what a suite times."""
    return by_name(name)


def itemsize(dtype: str) -> int:
    """Bytes per entry of ``dtype``."""
    return np.dtype(dtype).itemsize


def mib(nbytes: float) -> str:
    """``nbytes`` in MiB, for skip reasons and descriptions."""
    return f"{nbytes / 2**20:,.0f} MiB"


def dense_skips(n: int, dtype: str, names: tuple[str, ...]) -> dict[str, str]:
    """The contenders of ``names`` skipped at size ``n``: those that build an ``n × n`` array over budget."""
    need = n * n * itemsize(dtype)
    if need <= DENSE_BYTES:
        return {}
    return {name: f"dense n × n Jacobian needs {mib(need)} > {mib(DENSE_BYTES)}" for name in names}


def diagonal_of(J: Any) -> Any:
    """A dense Jacobian's diagonal: what a structured contender is compared on."""
    return jnp.diagonal(J)
