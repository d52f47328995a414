r"""Generated source: the closed form as an array-API module (what ``report.code`` holds), and the small
functions the verification runs (each step, each local partial) at fixed sizes.

The module defines the expression itself (``f``) and one function per differentiated variable
(``grad_w``, or ``jac_x`` for a vector output), taking every variable by keyword and computing with the
namespace of its arguments (:func:`array_api_compat.array_namespace`), so NumPy arrays give NumPy
results and JAX arrays (under ``jax.jit`` too) JAX ones. Named subexpressions become local variables.

>>> from chainrule.reference.derive.parse import parse
>>> e = parse("sum(w * x)", {"w": ("n",), "x": ("n",)})
>>> print(function_source("f", e, ["w", "x"], {"n": "w.shape[0]"}, []))
def f(*, w, x):
    xp = array_namespace(w, x)
    return xp.sum((w * x))
"""

from __future__ import annotations

from collections.abc import Mapping

from .expr import Expr
from .render import code

__all__ = ["HELPERS", "dim_sources", "function_source", "module_source", "uses"]

#: Helper functions the generated code may call (``_softmax``, ``_logsumexp``), numerically stable.
HELPERS = {
    "softmax": '''def _softmax(xp, z):
    """softmax(z) = exp(z − max z) / sum(exp(z − max z)), for a vector z."""
    e = xp.exp(z - xp.max(z))
    return e / xp.sum(e)
''',
    "logsumexp": '''def _logsumexp(xp, z):
    """log sum exp(z) = max z + log sum exp(z − max z), for a vector z."""
    m = xp.max(z)
    return m + xp.log(xp.sum(xp.exp(z - m)))
''',
}


def uses(exprs: list[Expr]) -> list[str]:
    """The helpers of :data:`HELPERS` that ``exprs`` need."""
    ops = {n.op for e in exprs for n in e.walk()}
    return [h for h in HELPERS if h in ops]


def dim_sources(shapes: Mapping[str, tuple]) -> dict[str, str]:
    """Source for each named dimension: the first variable axis that has it (``"X.shape[0]"``)."""
    out: dict[str, str] = {}
    for name, shape in shapes.items():
        for axis, d in enumerate(shape):
            if isinstance(d, str) and d not in out:
                out[d] = f"{name}.shape[{axis}]"
    return out


def function_source(name: str, result: Expr, params: list[str], dims: Mapping[str, str],
                    where: list[tuple[str, Expr]], doc: str | None = None) -> str:
    """``def name(*, params): …`` computing ``result`` after the named subexpressions ``where``."""
    lines = [f"def {name}(*, {', '.join(params)}):"]
    if doc:
        lines.append(f'    """{doc}"""')
    lines.append(f"    xp = array_namespace({', '.join(params)})")
    for local, e in where:
        lines.append(f"    {local} = {code(e, dims)}")
    lines.append(f"    return {code(result, dims)}")
    return "\n".join(lines)


def module_source(header: str, functions: list[str], helpers: list[str]) -> str:
    """A whole module: its docstring, the import, the helpers, the functions."""
    parts = [f'"""{header}"""', "", "from array_api_compat import array_namespace", ""]
    for h in helpers:
        parts += ["", HELPERS[h]]
    for f in functions:
        parts += ["", f, ""]
    return "\n".join(parts).rstrip() + "\n"
