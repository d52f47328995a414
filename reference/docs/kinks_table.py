"""The conventions guide's table: what JAX's autodiff returns at kinks and ties, measured when the site is
built, beside the convention of chainrule's closed forms and the usual hand-written NumPy idiom.

>>> rows = kink_rows()
>>> [r.jax for r in rows if r.name == "jax.nn.relu"]
['0']
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

__all__ = ["KinkRow", "kink_rows", "kink_table_markdown"]


@dataclass(frozen=True)
class KinkRow:
    name: str
    point: str
    jax: str
    numpy_idiom: str
    numpy_value: str
    chainrule: str  # the catalog's closed form evaluated there, or why there is none


def _fmt(v: Any) -> str:
    import numpy as np

    a = np.asarray(v, dtype=np.float64).reshape(-1)
    text = [("0" if x == 0 else f"{x:g}") for x in a]
    return text[0] if len(text) == 1 else "[" + ", ".join(text) + "]"


def _np_unit(d: Any) -> Any:
    import numpy as np

    with np.errstate(all="ignore"):
        return d / np.linalg.norm(d)


def kink_rows() -> list[KinkRow]:
    """Each row measured now: ``jax.grad`` at the kink, the NumPy idiom's value there."""
    import jax
    import jax.numpy as jnp
    import numpy as np

    def g(f: Callable[[Any], Any], x: Any) -> str:
        with jax.enable_x64(True):
            return _fmt(jax.grad(lambda t: jnp.sum(f(t)))(jnp.asarray(x, jnp.float64)))

    from ..catalog import by_name  # the closed forms come through the catalog, which pairs them with primals

    grad_relu_z = by_name("grad_relu_z").derivative
    vjp_max_pool2d_x = by_name("vjp_max_pool2d_x").derivative
    grad_norm_diff_x = by_name("grad_norm_diff_x").derivative

    z0 = 0.0
    tie = np.ones((1, 1, 1, 2))
    none = "no closed form of its own"
    return [
        KinkRow("jax.nn.relu", "z = 0", g(jax.nn.relu, z0), "(z > 0).astype(float)", _fmt(np.array(z0) > 0),
                f"{_fmt(grad_relu_z(np.asarray(z0)))} (`grad_relu_z`, RULES N-3)"),
        KinkRow("jnp.maximum(0, z)", "z = 0", g(lambda t: jnp.maximum(0.0, t), z0), "(z > 0).astype(float)",
                _fmt(np.array(z0) > 0), "primals write ReLU as `where(z > 0, z, 0)`, never this"),
        KinkRow("jnp.abs", "z = 0", g(jnp.abs, z0), "np.sign(z)", _fmt(np.sign(z0)), none),
        KinkRow("jnp.clip(z, -1, 1)", "z = 1", g(lambda t: jnp.clip(t, -1.0, 1.0), 1.0),
                "((z > -1) & (z < 1)).astype(float)", _fmt((np.array(1.0) > -1) & (np.array(1.0) < 1)), none),
        KinkRow("2×1 max-pool over a tie", "x = [1, 1]",
                g(lambda t: jnp.max(t.reshape(1, 2), axis=1), [1.0, 1.0]), "mask = (x == x.max())",
                _fmt(np.array([1.0, 1.0]) == 1.0),
                f"{_fmt(vjp_max_pool2d_x(tie, np.ones((1, 1, 1, 1)), window=(1, 2)))} (`vjp_max_pool2d_x`: the "
                "first maximum takes all, LAYER-19)"),
        KinkRow("jnp.linalg.norm(x − a)", "x = a", g(jnp.linalg.norm, [0.0, 0.0]), "(x − a) / np.linalg.norm(x − a)",
                _fmt(_np_unit(np.zeros(2))),
                f"{_fmt(grad_norm_diff_x(np.zeros(2), np.zeros(2)))} (`grad_norm_diff_x`, CB-129)"),
    ]


def kink_table_markdown() -> str:
    """A Markdown section with the table, for the conventions guide."""
    rows = kink_rows()
    lines = ["## At kinks and ties: JAX, NumPy idioms and chainrule", "",
             "What `jax.grad` returns at each kink, measured when this site was built, beside the NumPy "
             "expression people write in a hand-written backward pass and chainrule's convention. The checker "
             "accepts any value between JAX's one-sided derivatives at a kink (`kinks=\"between\"`, the "
             "default) or requires JAX's (`kinks=\"jax\"`). PyTorch is not a dependency and is not measured "
             "here; the checker's documentation in the API reference tabulates what its backward formulas "
             "return at these points, read from its source.", "",
             "| function | at | `jax.grad` | NumPy idiom | its value | chainrule |", "|---|---|---|---|---|---|"]
    for r in rows:
        lines.append(f"| `{r.name}` | {r.point} | {r.jax} | `{r.numpy_idiom}` | {r.numpy_value} | {r.chainrule} |")
    return "\n".join(lines) + "\n"
