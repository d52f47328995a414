r"""Reading the functions of a derivation: their parameter names, and (best effort) a lambda's source.

A step's function, its partials and its claims name their parameters after variables, so
:func:`params_of` is how a :class:`~chainrule.reference.derivation.Derivation` wires them up;
:func:`describe` gives the text shown in the step table (the lambda's body as written, else
``name(params)``).

>>> params_of(lambda x, u_1: x + u_1, "step 'u_2'")
('x', 'u_1')
>>> def square(x):
...     return x * x
>>> describe(square, ("x",))
'square(x)'
"""

from __future__ import annotations

import ast
import functools
import inspect
import linecache
from typing import Any

__all__ = ["describe", "lambda_source", "params_of"]


def params_of(fn: Any, where: str) -> tuple[str, ...]:
    """The parameter names of ``fn``; every one must be passable by keyword."""
    if not callable(fn):
        raise TypeError(f"{where}: expected a callable, got {type(fn).__name__}")
    try:
        sig = inspect.signature(fn)
    except (TypeError, ValueError) as exc:
        raise ValueError(
            f"{where}: cannot read the parameters of {fn!r} ({exc}); wrap it in a lambda whose "
            "parameters are named after the variables it uses, e.g. lambda u_1: jnp.sin(u_1)"
        ) from None
    names = []
    for p in sig.parameters.values():
        if p.kind in (p.VAR_POSITIONAL, p.VAR_KEYWORD, p.POSITIONAL_ONLY):
            raise ValueError(
                f"{where}: parameter {p.name!r} of {getattr(fn, '__name__', fn)!r} is "
                f"{p.kind.description}; parameters must be plain names of variables (wrap the function "
                "in a lambda, e.g. lambda u_1: jnp.sin(u_1))"
            )
        names.append(p.name)
    return tuple(names)


@functools.lru_cache(maxsize=64)
def _parsed(filename: str, source: str) -> ast.AST | None:
    try:
        return ast.parse(source, filename)
    except (SyntaxError, ValueError):
        return None


def lambda_source(fn: Any) -> str | None:
    """The body of a lambda as written in its source file (``x**2``), or None when unknown."""
    code = getattr(fn, "__code__", None)
    if code is None or code.co_name != "<lambda>":
        return None
    source = "".join(linecache.getlines(code.co_filename))
    tree = _parsed(code.co_filename, source) if source else None
    if tree is None:
        return None
    args = code.co_varnames[: code.co_argcount + code.co_kwonlyargcount]
    positions = [p for p in code.co_positions() if None not in p]
    found: list[tuple[int, str]] = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Lambda) and node.lineno == code.co_firstlineno:
            a = node.args
            if tuple(x.arg for x in a.posonlyargs + a.args + a.kwonlyargs) != args:
                continue
            b = node.body
            lo, hi = (b.lineno, b.col_offset), (b.end_lineno, b.end_col_offset)
            inside = sum(lo <= (p[0], p[2]) and (p[1], p[3]) <= hi for p in positions)
            text = ast.get_source_segment(source, b)
            if text is not None:
                found.append((inside, " ".join(text.split())))
    found.sort(key=lambda c: -c[0])
    if not found or (len(found) > 1 and found[0][0] == found[1][0] and found[0][1] != found[1][1]):
        return None
    return found[0][1]


def describe(fn: Any, params: tuple[str, ...]) -> str:
    """The text of ``fn`` for the step table: a lambda's body, else ``name(params)``."""
    text = lambda_source(fn)
    if text is not None:
        return text
    name = getattr(fn, "__name__", type(fn).__name__)
    return f"{name}({', '.join(params)})"
