r"""Read an expression written as NumPy-like Python into an :class:`~.expr.Expr`, with Python's :mod:`ast`.

What is accepted (:data:`SUPPORTED`): named variables whose shapes are given; numbers; ``+ - * / @ **``
(a power's exponent is a number); unary ``-``; ``.T``; and the functions ``sum``, ``mean``, ``exp``,
``log``, ``sin``, ``cos``, ``tanh``, ``sigmoid``, ``relu`` (also written ``maximum(0, z)``), ``abs``,
``sqrt``, ``softmax``, ``logsumexp``, ``trace``, ``det``, ``inv``, ``norm``, ``diag``, each also with a
``np.``, ``jnp.``, ``numpy.`` or ``np.linalg.`` prefix. Anything else raises :class:`~.expr.DeriveError`
naming the construct, where it is, and what is supported.

>>> e = parse("mean((y - relu(X @ w + b)) ** 2)", {"X": ("N", "n"), "w": ("n",), "b": (), "y": ("N",)})
>>> e.op, e.shape
('mean', ())
>>> try:
...     parse("x % 2", {"x": ()})
... except DeriveError as exc:
...     print(str(exc)[:62])
x % 2: the operator % (Mod) is not supported; supported: + - *
"""

from __future__ import annotations

import ast
from collections.abc import Mapping

import chainrule.reference.derive.expr as E

from .expr import DeriveError, Dim, Expr

__all__ = ["FUNCTIONS", "SUPPORTED", "parse"]

#: The functions an expression may call.
FUNCTIONS = ("sum", "mean", "exp", "log", "sin", "cos", "tanh", "sigmoid", "relu", "abs", "sqrt", "softmax",
             "logsumexp", "trace", "det", "inv", "norm", "diag")

#: What the error messages list as supported.
SUPPORTED = ("+ - * / @ **, unary -, .T, and the functions sum, mean, exp, log, sin, cos, tanh, sigmoid, relu, "
             "maximum(0, ·), abs, sqrt, softmax, logsumexp, trace, det, inv, norm, diag")

_ALIASES = {"ln": "log", "tr": "trace", "max0": "relu"}
_PREFIXES = ("np", "jnp", "numpy", "xp", "jax.numpy", "np.linalg", "jnp.linalg", "numpy.linalg",
             "jax.nn", "jax.scipy.special", "scipy.special")
_BINOPS = {ast.Add: E.add, ast.Sub: E.sub, ast.Mult: E.mul, ast.Div: E.div, ast.MatMult: E.matmul}


def _dotted(node: ast.AST) -> str | None:
    if isinstance(node, ast.Name):
        return node.id
    if isinstance(node, ast.Attribute):
        head = _dotted(node.value)
        return None if head is None else f"{head}.{node.attr}"
    return None


class _Reader:
    def __init__(self, text: str, shapes: Mapping[str, tuple[Dim, ...]]) -> None:
        self.text = text
        self.shapes = shapes

    def where(self, node: ast.AST) -> str:
        seg = ast.get_source_segment(self.text, node)
        return seg if seg is not None else self.text

    def fail(self, node: ast.AST, what: str) -> DeriveError:
        return DeriveError(f"{self.where(node)}: {what}; supported: {SUPPORTED}")

    def number(self, node: ast.AST) -> E.Number | None:
        """The value of a numeric literal (``2``, ``-0.5``), else ``None``."""
        if isinstance(node, ast.Constant) and isinstance(node.value, int | float) and not isinstance(
                node.value, bool):
            return E.number(node.value)
        if isinstance(node, ast.UnaryOp) and isinstance(node.op, ast.USub | ast.UAdd):
            v = self.number(node.operand)
            if v is not None:
                return -v if isinstance(node.op, ast.USub) else v
        return None

    def read(self, node: ast.AST) -> Expr:
        if isinstance(node, ast.Constant):
            if isinstance(node.value, bool) or not isinstance(node.value, int | float):
                raise self.fail(node, f"the constant {node.value!r} is not a real number")
            return E.const(node.value)
        if isinstance(node, ast.Name):
            if node.id not in self.shapes:
                known = ", ".join(sorted(self.shapes)) or "none"
                raise DeriveError(
                    f"{node.id}: unknown name; every variable needs a shape (shapes={{'{node.id}': ...}} or "
                    f"--shape {node.id}=...); variables with shapes: {known}"
                )
            return E.var(node.id, tuple(self.shapes[node.id]))
        if isinstance(node, ast.BinOp):
            if isinstance(node.op, ast.Pow):
                p = self.number(node.right)
                if p is None:
                    raise self.fail(node, "the exponent of ** must be a number (x ** 2, x ** -0.5); for a "
                                          "variable exponent write exp(p * log(x))")
                return self._wrap(node, lambda: E.pow_(self.read(node.left), p))
            fn = _BINOPS.get(type(node.op))
            if fn is None:
                sym = {ast.Mod: "%", ast.FloorDiv: "//", ast.LShift: "<<", ast.RShift: ">>", ast.BitOr: "|",
                       ast.BitAnd: "&", ast.BitXor: "^"}.get(type(node.op), type(node.op).__name__)
                raise self.fail(node, f"the operator {sym} ({type(node.op).__name__}) is not supported")
            left, right = self.read(node.left), self.read(node.right)
            return self._wrap(node, lambda: fn(left, right))
        if isinstance(node, ast.UnaryOp):
            if isinstance(node.op, ast.USub):
                return E.neg(self.read(node.operand))
            if isinstance(node.op, ast.UAdd):
                return self.read(node.operand)
            raise self.fail(node, f"the unary operator {type(node.op).__name__} is not supported")
        if isinstance(node, ast.Attribute):
            if node.attr == "T":
                inner = self.read(node.value)
                return self._wrap(node, lambda: E.transpose(inner))
            raise self.fail(node, f"the attribute .{node.attr} is not supported (only .T)")
        if isinstance(node, ast.Call):
            return self.call(node)
        raise self.fail(node, f"{type(node).__name__} ({self.where(node)!r}) is not an expression derive takes")

    def _wrap(self, node: ast.AST, build):  # type: ignore[no-untyped-def]
        try:
            return build()
        except DeriveError as exc:
            msg = str(exc)
            where = self.where(node)
            raise DeriveError(msg if msg.startswith(where) else f"in {where}: {msg}") from None

    def call(self, node: ast.Call) -> Expr:
        name = _dotted(node.func)
        if isinstance(node.func, ast.Attribute) and _dotted(node.func.value) in self.shapes:
            method = node.func.attr
            raise self.fail(node, f"method calls are not supported; write {method}({self.where(node.func.value)}) "
                                  f"instead of {self.where(node)}")
        if name is None:
            raise self.fail(node, "only named functions can be called")
        short = name
        for prefix in sorted(_PREFIXES, key=len, reverse=True):
            if name.startswith(prefix + "."):
                short = name[len(prefix) + 1:]
                break
        short = _ALIASES.get(short, short)
        if node.keywords:
            kw = ", ".join(f"{k.arg}=" for k in node.keywords)
            raise self.fail(node, f"keyword arguments ({kw}) are not supported; sum and mean reduce over every "
                                  "entry (for a sum over one axis multiply by a ones vector: X.T @ u)")
        if short in ("maximum", "max") and len(node.args) == 2:
            zero = [i for i, a in enumerate(node.args) if self.number(a) == 0]
            if zero:
                other = node.args[1 - zero[0]]
                return E.call("relu", self.read(other))
            raise self.fail(node, f"{name}(a, b) is supported only as maximum(0, z) (the ReLU, with the paper's "
                                  "derivative 0 at z = 0)")
        if short not in FUNCTIONS:
            raise self.fail(node, f"the function {name} is not supported")
        if len(node.args) != 1:
            raise self.fail(node, f"{name} takes one argument, got {len(node.args)}")
        arg = self.read(node.args[0])
        return self._wrap(node, lambda: E.call(short, arg))


def _check_shapes(shapes: Mapping[str, tuple[Dim, ...]]) -> dict[str, tuple[Dim, ...]]:
    out: dict[str, tuple[Dim, ...]] = {}
    if not isinstance(shapes, Mapping):
        raise TypeError(f"shapes: expected a dict {{name: shape}}, e.g. {{'X': ('N', 'n'), 'w': ('n',), 'b': ()}}, "
                        f"got {type(shapes).__name__}")
    for name, shape in shapes.items():
        if not isinstance(name, str) or not name.isidentifier():
            raise DeriveError(f"shapes: {name!r} is not a variable name (a Python identifier)")
        if isinstance(shape, str | int):
            shape = (shape,)
        try:
            dims = tuple(shape)
        except TypeError:
            raise DeriveError(f"shapes[{name!r}]: expected a tuple of dimensions, e.g. ('N', 'n'), (), got "
                              f"{shape!r}") from None
        if len(dims) > 2:
            raise DeriveError(f"shapes[{name!r}]: {dims} has {len(dims)} axes; derive takes scalars (), vectors "
                              "(n,) and matrices (m, n)")
        for d in dims:
            named = isinstance(d, str) and d.isidentifier()
            if isinstance(d, bool) or not (named or (isinstance(d, int) and d >= 1)):
                raise DeriveError(f"shapes[{name!r}]: dimension {d!r} is neither a name (a Python identifier such "
                                  "as 'N') nor a positive integer")
        out[name] = dims
    return out


def parse(text: str, shapes: Mapping[str, tuple[Dim, ...]]) -> Expr:
    """The expression ``text`` over the variables of ``shapes`` (name → tuple of dimensions)."""
    if not isinstance(text, str) or not text.strip():
        raise DeriveError(f"expected an expression such as 'sum(w * x)', got {text!r}")
    shapes = _check_shapes(shapes)
    try:
        tree = ast.parse(text.strip(), mode="eval")
    except SyntaxError as exc:
        raise DeriveError(f"{text!r} is not a Python expression: {exc.msg} at column {exc.offset}") from None
    reader = _Reader(text.strip(), shapes)
    return reader.read(tree.body)
