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
    return xp.sum(w * x)
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
    import textwrap

    lines = [f"def {name}(*, {', '.join(params)}):"]
    if doc:
        body = textwrap.wrap(doc, WIDTH - 7, break_long_words=False, break_on_hyphens=False)
        if len(body) == 1:
            lines.append(f'    """{body[0]}"""')
        else:
            lines += [f'    """{body[0]}', *(f"    {line}" for line in body[1:]), '    """']
    lines.append(f"    xp = array_namespace({', '.join(params)})")
    for local, e in where:
        lines += _fit(f"{local} = ", code(e, dims))
    lines += _fit("return ", code(result, dims))
    return "\n".join(lines)


#: The generated code keeps within this many columns (PEP 8's 79).
WIDTH = 79


def _top_level_split(s: str) -> list[str]:
    """``s`` cut before each binary operator outside parentheses and brackets (``a * (b + c) @ d`` →
    ``["a", "* (b + c)", "@ d"]``)."""
    parts, depth, start, i = [], 0, 0, 0
    while i < len(s):
        ch = s[i]
        depth += ch in "(["
        depth -= ch in ")]"
        if depth == 0 and s.startswith((" * ", " @ ", " + ", " - ", " / "), i):
            parts.append(s[start:i].strip())
            start = i + 1
            i += 3
            continue
        i += 1
    parts.append(s[start:].strip())
    return parts


def _break(expr: str, indent: int) -> list[str]:
    """Lines holding ``expr`` within :data:`WIDTH` at ``indent``, broken at operators, then inside the
    outermost parentheses (a long name alone may still overrun)."""
    pad = " " * indent
    if indent + len(expr) <= WIDTH:
        return [pad + expr]
    parts = _top_level_split(expr)
    if len(parts) > 1:
        out: list[str] = []
        for k, part in enumerate(parts):
            if k and indent + len(part) > WIDTH:  # "* (long)": keep the operator, break the operand
                op, rest = part[:1], part[2:]
                sub = _break(rest, indent + 2)
                out += [pad + op + " " + sub[0].lstrip(), *sub[1:]]
            else:
                out += _break(part, indent)
        return out
    opening = expr.find("(")
    if opening >= 0 and expr.endswith(")"):
        inner = expr[opening + 1:-1]
        return [pad + expr[:opening + 1], *_break(inner, indent + 4), pad + ")"]
    return [pad + expr]


def _fit(head: str, expr: str) -> list[str]:
    """``    head expr`` on one line when it fits, else ``head(`` + broken lines + ``)``."""
    if 4 + len(head) + len(expr) <= WIDTH:
        return [f"    {head}{expr}"]
    return [f"    {head}(", *_break(expr, 8), "    )"]


def module_source(header: str, functions: list[str], helpers: list[str]) -> str:
    """A whole module: its docstring, the import, the helpers, the functions."""
    import textwrap

    lines = [textwrap.fill(par, WIDTH - 3) for par in header.split("\n\n")]
    parts = [f'"""{chr(10).join(lines[:1])}', *(["", *lines[1:]] if lines[1:] else []), '"""', "",
             "from array_api_compat import array_namespace", ""]
    for h in helpers:
        parts += ["", HELPERS[h]]
    for f in functions:
        parts += ["", f, ""]
    return "\n".join(parts).rstrip() + "\n"
