r"""Expressions as people write them (the paper's notation) and as array-API Python source.

:func:`text` writes ``(2/N) Xᵀ(1[z > 0] ⊗ (z − y))``: juxtaposition for products with a scalar and
for matrix products, ``⊗`` for the element-wise (Hadamard) product of two arrays and ``⊘`` for their
quotient (the paper's symbols), ``ᵀ`` and ``⁻¹``, ``1[z > 0]`` for the ReLU's mask, ``1⃗`` for a vector
of ones, ``I`` for an identity, ``‖x‖`` for a norm, ``σ`` for the logistic sigmoid. A vector on the left
of ``@`` is a row (``aᵀX⁻¹b``). LaTeX is the same text through the documentation site's converter
(:func:`chainrule.reference.docs.tex.formula_tex`), so the two cannot disagree.

:func:`code` writes a Python expression over an array namespace ``xp`` (NumPy or JAX through
``array_api_compat``), with the ReLU as ``xp.where(z > 0, z, 0)`` (the paper's derivative 0 at 0).

>>> from chainrule.reference.derive.parse import parse
>>> e = parse("a @ inv(X) @ b", {"a": ("n",), "X": ("n", "n"), "b": ("n",)})
>>> text(e)
'aᵀX⁻¹b'
>>> code(e, {"n": "a.shape[0]"})
'xp.sum((a @ xp.linalg.inv(X)) * b)'
"""

from __future__ import annotations

from collections.abc import Mapping
from fractions import Fraction

from ..docs.tex import formula_tex
from ..numbers import MINUS, readable
from .expr import Expr

__all__ = ["code", "latex", "number_text", "text"]

_SUP = str.maketrans("0123456789-", "⁰¹²³⁴⁵⁶⁷⁸⁹⁻")
_FUNC_TEXT = {"exp": "exp", "log": "ln", "sin": "sin", "cos": "cos", "tanh": "tanh", "sigmoid": "σ",
              "sign": "sign", "sum": "sum", "mean": "mean", "softmax": "softmax", "logsumexp": "logsumexp",
              "trace": "Tr", "det": "det", "diag": "diag", "diagonal": "diag"}

# precedence: 1 sums, 2 products, 3 unary minus, 4 powers and postfix, 5 atoms and calls
_ATOM, _POSTFIX, _UNARY, _PRODUCT, _SUM = 5, 4, 3, 2, 1


def number_text(v: object) -> str:
    """``2``, ``1/2``, ``−3``, ``0.001`` (exact fractions as fractions)."""
    if isinstance(v, Fraction):
        s = str(v.numerator) if v.denominator == 1 else f"{abs(v.numerator)}/{v.denominator}"
        if v.denominator != 1 and v < 0:
            s = MINUS + s
        return s.replace("-", MINUS)
    return readable(float(v))  # type: ignore[arg-type]


def _prec(e: Expr) -> int:
    if e.op in ("add", "sub"):
        return _SUM
    if e.op == "const":
        v = e.attr
        return _UNARY if v < 0 or (isinstance(v, Fraction) and v.denominator != 1) else _ATOM
    if e.op == "neg":
        return _UNARY
    if e.op in ("mul", "div", "matmul", "outer"):
        return _PRODUCT
    if e.op in ("pow", "T", "inv"):
        return _POSTFIX
    return _ATOM


def _wrap(e: Expr, at_least: int) -> str:
    s = text(e)
    return f"({s})" if _prec(e) < at_least else s


def _row(e: Expr) -> str:
    """A vector written as a row (it stands left of a matrix): ``aᵀ``, ``aᵀX⁻¹``."""
    if e.op == "matmul" and e.args[0].ndim == 1:
        return _row(e.args[0]) + _wrap(e.args[1], _POSTFIX)
    if e.op == "matmul" and e.args[0].ndim == 2 and e.args[1].ndim == 1:  # (Mv)ᵀ = vᵀMᵀ
        return f"({text(e)})ᵀ"
    return text(e) + "ᵀ" if e.op in ("var", "ones") else f"({text(e)})ᵀ"


def _scalar(e: Expr) -> bool:
    return not e.shape


def text(e: Expr) -> str:
    """``e`` in the paper's notation."""
    op, a = e.op, e.args
    if op == "var":
        return str(e.attr)
    if op == "dim":
        return str(e.attr)
    if op == "const":
        s = number_text(e.attr)
        return s if not e.shape else f"{s}·1⃗" if len(e.shape) == 1 else f"{s}·𝟏"
    if op == "ones":
        return "1⃗" if len(e.shape) == 1 else "1⃗1⃗ᵀ"
    if op == "eye":
        return "I"
    if op == "add":
        return f"{text(a[0])} + {_wrap(a[1], _SUM + 1) if a[1].op in ('add', 'sub') else text(a[1])}"
    if op == "sub":
        return f"{text(a[0])} − {_wrap(a[1], _PRODUCT)}"
    if op == "neg":
        return MINUS + _wrap(a[0], _PRODUCT)
    if op == "mul":
        x, y = a
        if _scalar(x) and not _scalar(y):
            left = f"({text(x)})" if x.op == "div" or _prec(x) < _PRODUCT else text(x)
            right = _wrap(y, _PRODUCT)
            tight = x.op == "const" and y.op in ("var", "T", "matmul") and right[:1].isalpha()
            return f"{left}{'' if tight else ' '}{right}"
        if _scalar(x) and _scalar(y):
            left = f"({text(x)})" if x.op == "div" else _wrap(x, _PRODUCT)
            right = _wrap(y, _POSTFIX if y.op not in ("mul", "div") else _PRODUCT)
            if x.op == "const" and y.op == "const":
                return f"{left}·{right}"
            lead = y
            while lead.op in ("mul", "div", "pow"):
                lead = lead.args[0]
            tight = x.op == "const" and lead.op in ("var", "dim") and not right.startswith("(")
            return f"{left}{'' if tight else ' '}{right}"
        if not _scalar(x) and _scalar(y):
            return f"{_wrap(y, _ATOM if y.op in ('div', 'mul') else _POSTFIX)} {_wrap(x, _PRODUCT)}"
        return f"{_wrap(x, _POSTFIX)} ⊗ {_wrap(y, _POSTFIX)}"
    if op == "div":
        x, y = a
        sym = "/" if _scalar(y) else " ⊘ "
        return f"{_wrap(x, _PRODUCT)}{sym}{_wrap(y, _POSTFIX)}"
    if op == "pow":
        p = e.attr
        if p == Fraction(1, 2):
            return f"√({text(a[0])})" if a[0].op != "var" else f"√{a[0].attr}"
        if isinstance(p, Fraction) and p.denominator == 1:
            return _wrap(a[0], _ATOM) + str(p.numerator).translate(_SUP)
        return f"{_wrap(a[0], _ATOM)}^{{{number_text(p)}}}"
    if op == "matmul":
        x, y = a
        if x.ndim == 1 and y.ndim == 1:
            return _row(x) + _wrap(y, _POSTFIX)
        if x.ndim == 1:
            return _row(x) + _wrap(y, _POSTFIX)
        right = text(y) if (y.op in ("matmul", "outer") and y.args[0].ndim == 2) or y.op == "outer" else _wrap(
            y, _POSTFIX)
        return _wrap(x, _PRODUCT) + right
    if op == "outer":
        return _wrap(a[0], _POSTFIX) + _row(a[1])
    if op == "T":
        inner = a[0]
        if inner.op == "inv":
            return _wrap(inner.args[0], _ATOM) + "⁻ᵀ"
        return _wrap(inner, _ATOM) + "ᵀ"
    if op == "inv":
        return _wrap(a[0], _ATOM) + "⁻¹"
    if op == "step":
        return f"1[{text(a[0])} > 0]"
    if op == "relu":
        return f"max(0, {text(a[0])})"
    if op == "abs":
        return f"|{text(a[0])}|"
    if op == "sqrt":
        return f"√({text(a[0])})" if a[0].op != "var" else f"√{a[0].attr}"
    if op == "norm":
        return f"‖{text(a[0])}‖" + ("_F" if a[0].ndim == 2 else "")
    if op == "sum0":
        return f"{_wrap(a[0], _ATOM)}ᵀ1⃗"
    return f"{_FUNC_TEXT[op]}({text(a[0])})"


def latex(s: str) -> str:
    """The LaTeX of a formula written by :func:`text` (the documentation site's converter)."""
    return formula_tex(s)


# ---------------------------------------------------------------------------------------------------------
# code

#: Operations that are one call of their (bare) argument.
_CODE_CALLS = {
    **{op: f"xp.{op}({{}})" for op in ("exp", "log", "sin", "cos", "tanh", "abs", "sqrt", "sign", "sum", "mean")},
    **{op: f"xp.linalg.{op}({{}})" for op in ("inv", "det", "trace", "diagonal")},
    "sum0": "xp.sum({}, axis=0)", "softmax": "_softmax(xp, {})", "logsumexp": "_logsumexp(xp, {})",
}


def _num(v: object) -> str:
    if isinstance(v, Fraction):
        return str(v.numerator) if v.denominator == 1 else f"({v.numerator} / {v.denominator})"
    return repr(float(v))  # type: ignore[arg-type]


def code(e: Expr, dims: Mapping[str, str], names: Mapping[Expr, str] | None = None) -> str:
    """Python source for ``e`` over ``xp``; ``dims`` maps each dimension name to source giving its size
    (``"X.shape[0]"``); ``names`` maps subexpressions already bound to local variables."""
    names = names or {}

    def b(x: Expr) -> str:  # an argument of a call: its own outer parentheses are not needed
        s = c(x)
        return s[1:-1] if s.startswith("(") and s.endswith(")") and _balanced(s[1:-1]) else s

    def c(x: Expr) -> str:
        if x in names:
            return names[x]
        op, a = x.op, x.args
        if op == "var":
            return str(x.attr)
        if op == "dim":
            return dims[x.attr]
        if op == "const":
            if not x.shape:
                return _num(x.attr)
            return f"xp.full(({', '.join(_dimsrc(d) for d in x.shape)},), {_num(x.attr)})"
        if op == "ones":
            return f"xp.ones(({', '.join(_dimsrc(d) for d in x.shape)},))"
        if op == "eye":
            return f"xp.eye({_dimsrc(x.shape[0])})"
        if op == "add":
            return f"({c(a[0])} + {c(a[1])})"
        if op == "sub":
            return f"({c(a[0])} - {c(a[1])})"
        if op == "mul":
            return f"({c(a[0])} * {c(a[1])})"
        if op == "div":
            return f"({c(a[0])} / {c(a[1])})"
        if op == "neg":
            return f"(-{c(a[0])})"
        if op == "pow":
            return f"({c(a[0])} ** {_num(x.attr)})"
        if op == "matmul":
            if a[0].ndim == 1 and a[1].ndim == 1:
                return f"xp.sum({c(a[0])} * {c(a[1])})"
            return f"({c(a[0])} @ {c(a[1])})"
        if op == "outer":
            return f"({c(a[0])}[:, None] * {c(a[1])}[None, :])"
        if op == "T":
            return f"xp.matrix_transpose({b(a[0])})"
        if op == "step":
            return f"xp.where({c(a[0])} > 0, 1.0, 0.0)"
        if op == "relu":
            inner = b(a[0])
            return f"xp.where({inner} > 0, {inner}, 0.0)"
        if op == "sigmoid":
            return f"(1 / (1 + xp.exp(-{c(a[0])})))"
        if op in _CODE_CALLS:
            return _CODE_CALLS[op].format(b(a[0]))
        if op == "norm":
            inner = c(a[0])
            return f"xp.sqrt(xp.sum({inner} * {inner}))"
        if op == "diag":
            inner = c(a[0])
            return f"({inner}[:, None] * xp.eye({inner}.shape[0]))"

        raise AssertionError(f"no code for {op}")  # every op of expr.OPS is handled above

    def _dimsrc(d: object) -> str:
        return str(d) if isinstance(d, int) else dims[d]  # type: ignore[index]

    out = c(e)
    return out[1:-1] if out.startswith("(") and _balanced(out[1:-1]) else out


def _balanced(s: str) -> bool:
    depth = 0
    for ch in s:
        depth += ch == "("
        depth -= ch == ")"
        if depth < 0:
            return False
    return depth == 0
