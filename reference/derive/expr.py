r"""The expressions ``chainrule derive`` works on: an immutable tree of operations with symbolic shapes.

A node is an :class:`Expr`: an operation name (:data:`OPS`), its operands, an attribute (a variable's
name, a constant's value, an exponent) and its shape, a tuple of dimensions, each a name (``"N"``) or an
integer. Shapes follow NumPy's rules with named dimensions: two dimensions broadcast when they are equal
or one of them is the integer 1, and ``@`` contracts equal inner dimensions. A mismatch raises
:class:`DeriveError` naming the operation and both dimensions.

Nodes compare and hash by value, so a subexpression that occurs twice is recognised (the closed form
names it once, :mod:`.simplify`). Numbers are exact where the expression is: integer literals make
:class:`fractions.Fraction` coefficients, so ``2 * (1/N)`` prints ``2/N``.

>>> x = var("x", ("n",))
>>> e = call("sum", mul(x, x))
>>> e.shape, e.op, e.args[0].shape
((), 'sum', ('n',))
>>> add(var("X", ("N", "n")), var("b", ("n",))).shape
('N', 'n')
"""

from __future__ import annotations

from dataclasses import dataclass, field
from fractions import Fraction
from typing import Any

__all__ = [
    "ELEMENTWISE", "OPS", "DeriveError", "Dim", "Expr", "Number", "add", "broadcast_shape", "call", "const",
    "dim", "div", "matmul", "mul", "neg", "number", "pow_", "size_of", "sub", "transpose", "var",
]

Dim = str | int
Number = Fraction | float

#: Element-wise functions of one argument: the name ``derive`` accepts → its derivative's rule text.
ELEMENTWISE = ("exp", "log", "sin", "cos", "tanh", "sigmoid", "relu", "abs", "sqrt", "sign", "step")

#: Every operation a node can hold (``step`` is the mask ``1[a > 0]``, ``sign`` the sign function; both
#: appear in derivatives, and ``derive`` does not accept them in an expression).
OPS = (
    "var", "const", "dim", "add", "sub", "mul", "div", "neg", "pow", "matmul", "T", *ELEMENTWISE,
    "sum", "mean", "sum0", "softmax", "logsumexp", "trace", "det", "inv", "norm", "diag", "diagonal",
    "outer", "eye", "ones",
)


class DeriveError(ValueError):
    """An expression ``derive`` cannot take: what was expected, what was seen, what to do."""


@dataclass(frozen=True)
class Expr:
    """One node: ``op`` applied to ``args``; ``attr`` is a variable's name, a constant's value, a power's
    exponent or a dimension's name; ``shape`` is symbolic (names and integers)."""

    op: str
    args: tuple[Expr, ...] = ()
    attr: Any = None
    shape: tuple[Dim, ...] = ()
    _hash: int = field(default=0, compare=False, repr=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "_hash", hash((self.op, self.args, self.attr, self.shape)))

    def __hash__(self) -> int:
        return self._hash

    @property
    def ndim(self) -> int:
        return len(self.shape)

    @property
    def is_scalar(self) -> bool:
        return not self.shape

    def is_const(self, value: Any = None) -> bool:
        """A constant (with ``value``, that constant)."""
        return self.op == "const" and (value is None or self.attr == value)

    def walk(self) -> list[Expr]:
        """Every node, operands before the nodes that use them (post-order; repeats kept)."""
        out: list[Expr] = []
        for a in self.args:
            out.extend(a.walk())
        out.append(self)
        return out

    def size(self) -> int:
        """The number of nodes."""
        return 1 + sum(a.size() for a in self.args)

    def variables(self) -> set[str]:
        """The names of the variables it reads."""
        return {n.attr for n in self.walk() if n.op == "var"}

    def __repr__(self) -> str:  # compact, for error messages and doctests
        if self.op == "var":
            return f"var({self.attr!r})"
        if self.op in ("const", "dim"):
            return f"{self.op}({self.attr!r})"
        inner = ", ".join(map(repr, self.args))
        return f"{self.op}({inner}{', ' + repr(self.attr) if self.attr is not None else ''})"


def number(v: Any) -> Number:
    """An exact :class:`Fraction` for integers and fractions, else a float."""
    if isinstance(v, Fraction):
        return v
    if isinstance(v, bool):
        raise DeriveError(f"expected a number, got the boolean {v!r}")
    if isinstance(v, int):
        return Fraction(v)
    f = float(v)
    if f.is_integer() and abs(f) < 2**53:
        return Fraction(int(f))
    return f


def var(name: str, shape: tuple[Dim, ...]) -> Expr:
    return Expr("var", (), name, tuple(shape))


def const(value: Any, shape: tuple[Dim, ...] = ()) -> Expr:
    return Expr("const", (), number(value), tuple(shape))


def dim(name: Dim) -> Expr:
    """A dimension used as a number (``N`` in ``1/N``); an integer dimension is a constant."""
    if isinstance(name, int):
        return const(name)
    return Expr("dim", (), name, ())


def size_of(shape: tuple[Dim, ...]) -> Expr:
    """The number of entries of ``shape``, as an expression (``N n``; an integer when every axis is one)."""
    if not shape:
        return const(1)
    out: Expr = dim(shape[0])
    for d in shape[1:]:
        out = mul(out, dim(d))
    return out


def _same(a: Dim, b: Dim) -> bool:
    return a == b


def broadcast_shape(a: tuple[Dim, ...], b: tuple[Dim, ...], what: str) -> tuple[Dim, ...]:
    """NumPy broadcasting with named dimensions; a mismatch is a :class:`DeriveError` naming them."""
    out: list[Dim] = []
    for i in range(1, max(len(a), len(b)) + 1):
        da = a[-i] if i <= len(a) else 1
        db = b[-i] if i <= len(b) else 1
        if _same(da, db) or db == 1:
            out.append(da)
        elif da == 1:
            out.append(db)
        else:
            raise DeriveError(
                f"{what}: shapes {_fmt_shape(a)} and {_fmt_shape(b)} do not broadcast: dimension {da!r} "
                f"meets {db!r} (axis {-i}); give both the same dimension name in shapes, or transpose one"
            )
    return tuple(reversed(out))


def _fmt_shape(s: tuple[Dim, ...]) -> str:
    return "(" + ", ".join(str(d) for d in s) + ("," if len(s) == 1 else "") + ")"


def _binary(op: str, a: Expr, b: Expr, symbol: str) -> Expr:
    return Expr(op, (a, b), None, broadcast_shape(a.shape, b.shape, f"{a!r} {symbol} {b!r}"))


def add(a: Expr, b: Expr) -> Expr:
    return _binary("add", a, b, "+")


def sub(a: Expr, b: Expr) -> Expr:
    return _binary("sub", a, b, "-")


def mul(a: Expr, b: Expr) -> Expr:
    return _binary("mul", a, b, "*")


def div(a: Expr, b: Expr) -> Expr:
    return _binary("div", a, b, "/")


def neg(a: Expr) -> Expr:
    return Expr("neg", (a,), None, a.shape)


def pow_(a: Expr, p: Any) -> Expr:
    return Expr("pow", (a,), number(p), a.shape)


def transpose(a: Expr) -> Expr:
    """``a.T``: a matrix transposed; a vector or a scalar unchanged, as in NumPy (``x.T @ x`` is ``x @ x``:
    ``@`` puts a vector on the side it needs)."""
    if a.ndim < 2:
        return a
    return Expr("T", (a,), None, (a.shape[1], a.shape[0]))


def matmul(a: Expr, b: Expr) -> Expr:
    """``a @ b`` for vectors and matrices, NumPy's rules: the inner dimensions must be equal."""
    if a.ndim not in (1, 2) or b.ndim not in (1, 2):
        raise DeriveError(f"{a!r} @ {b!r}: @ takes vectors and matrices, got shapes {_fmt_shape(a.shape)} and "
                          f"{_fmt_shape(b.shape)}; multiply a scalar with *")
    inner_a, inner_b = a.shape[-1], b.shape[0]
    if not _same(inner_a, inner_b):
        raise DeriveError(
            f"{a!r} @ {b!r}: inner dimensions differ, {inner_a!r} (last axis of {_fmt_shape(a.shape)}) and "
            f"{inner_b!r} (first axis of {_fmt_shape(b.shape)}); give them the same name in shapes, or "
            "transpose one side with .T"
        )
    shape = (*a.shape[:-1], *b.shape[1:])
    return Expr("matmul", (a, b), None, shape)


def call(name: str, *args: Expr) -> Expr:
    """``name(args)`` for the functions of :data:`OPS`, with its shape rule."""
    a = args[0]
    if name in ELEMENTWISE:
        return Expr(name, (a,), None, a.shape)
    if name in ("sum", "mean", "logsumexp"):
        return Expr(name, (a,), None, ())
    if name == "sum0":
        return Expr(name, (a,), None, a.shape[1:])
    if name == "softmax":
        if a.ndim != 1:
            raise DeriveError(f"softmax({a!r}): expected a vector, got shape {_fmt_shape(a.shape)}; softmax "
                              "normalises one vector of scores")
        return Expr(name, (a,), None, a.shape)
    if name in ("trace", "det", "inv"):
        if a.ndim != 2 or not _same(a.shape[0], a.shape[1]):
            raise DeriveError(f"{name}({a!r}): expected a square matrix, got shape {_fmt_shape(a.shape)}; give "
                              "both axes the same dimension name in shapes, e.g. ('n', 'n')")
        return Expr(name, (a,), None, a.shape if name == "inv" else ())
    if name == "norm":
        if a.ndim not in (1, 2):
            raise DeriveError(f"norm({a!r}): expected a vector (2-norm) or a matrix (Frobenius norm), got shape "
                              f"{_fmt_shape(a.shape)}")
        return Expr(name, (a,), None, ())
    if name == "diag":
        if a.ndim == 1:
            return Expr("diag", (a,), None, (a.shape[0], a.shape[0]))
        if a.ndim == 2 and _same(a.shape[0], a.shape[1]):
            return Expr("diagonal", (a,), None, (a.shape[0],))
        raise DeriveError(f"diag({a!r}): expected a vector (makes a diagonal matrix) or a square matrix (takes "
                          f"its diagonal), got shape {_fmt_shape(a.shape)}")
    if name == "diagonal":
        return Expr("diagonal", (a,), None, (a.shape[0],))
    if name == "outer":
        b = args[1]
        return Expr("outer", (a, b), None, (*a.shape, *b.shape))
    raise DeriveError(f"unknown function {name!r}")


def eye(n: Dim) -> Expr:
    return Expr("eye", (), None, (n, n))


def ones(shape: tuple[Dim, ...]) -> Expr:
    return Expr("ones", (), None, tuple(shape))
