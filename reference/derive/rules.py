r"""The local rules of ``chainrule derive``: for every operation, its partial derivative with respect to each
operand in the paper's notation with the catalog rule it is (its RULES, LF, LAYER or CB ID), its
vector-Jacobian product (the reverse, backpropagation form used for a scalar output) and its Jacobian
(the forward, vector chain rule form used for a vector output).

Layout: numerator, like the rest of chainrule. The partial of ``u`` with respect to ``p`` has shape
``u.shape + p.shape``; for a scalar output ``y`` the adjoint ``∂y/∂u`` is shaped like ``u`` (the
gradient, ``jax.grad``'s shape) and the VJP maps it to ``∂y/∂p`` shaped like ``p``. Conventions at kinks
are the paper's: ``d/dz max(0, z) = 0`` at ``z = 0`` (N-3), ``d|x|/dx = sign(x) = 0`` at 0.

>>> from chainrule.reference.derive import expr as E
>>> x, w = E.var("x", ("n",)), E.var("w", ("n",))
>>> local_partial(E.mul(w, x), 0)
('diag(x)', 'E-7')
>>> from chainrule.reference.derive.render import text
>>> text(vjp(E.mul(w, x), 0, E.var("g", ("n",)), E.var("u", ("n",))))
'g ⊗ x'
"""

from __future__ import annotations

from fractions import Fraction

import chainrule.reference.derive.expr as E

from .expr import DeriveError, Expr
from .render import text

__all__ = ["derivative_of", "jacobian", "local_partial", "unbroadcast", "vjp"]


# ---------------------------------------------------------------------------------------------------------
# element-wise functions: f'(a), written with u = f(a) where that is shorter (exp, tanh, σ, √)


def derivative_of(op: str, a: Expr, u: Expr) -> Expr:
    """``f'(a)`` for the element-wise function ``op`` with ``u = f(a)``."""
    one = E.const(1)
    if op == "exp":
        return u
    if op == "log":
        return E.div(one, a)
    if op == "sin":
        return E.call("cos", a)
    if op == "cos":
        return E.neg(E.call("sin", a))
    if op == "tanh":
        return E.sub(one, E.pow_(u, 2))
    if op == "sigmoid":
        return E.mul(u, E.sub(one, u))
    if op == "relu":
        return E.call("step", a)
    if op == "abs":
        return E.call("sign", a)
    if op == "sqrt":
        return E.div(E.const(Fraction(1, 2)), u)
    raise AssertionError(op)


_ELEMENTWISE_ID = {"exp": "E-2", "log": "E-2", "sin": "E-2", "cos": "E-2", "tanh": "LAYER-6",
                   "sigmoid": "LAYER-5", "relu": "N-4", "abs": "E-2", "sqrt": "E-2"}


def _n(e: Expr) -> str:
    return text(e)


def local_partial(node: Expr, i: int, name: str = "u") -> tuple[str, str]:
    """``∂u/∂(operand i)`` of ``u = node`` in the paper's notation (operands by name, the node's own value
    by ``name``), and the rule's ID."""
    op, args = node.op, node.args
    a = args[i]
    u_vec = bool(node.shape)
    same = tuple(a.shape) == tuple(node.shape)
    if op in ("add", "sub"):
        sign = "−" if op == "sub" and i == 1 else ""
        if not node.shape:
            return f"{sign}1", "S-4" if op == "add" else "S-5"
        if same and node.ndim == 1:
            return f"{sign}I", ("E-3" if i == 0 else "E-4") if op == "add" else ("E-5" if i == 0 else "E-6")
        if same:
            return f"{sign}I (the identity map on {len(node.shape)}-index arrays)", "CB-35"
        if not a.shape:
            return f"{sign}1⃗", "X-1" if op == "add" else "X-3"
        return f"{sign}(row i of ∂u/∂{_n(a)} is I: {_n(a)} is added to every row)", "LAYER-2"
    if op == "mul":
        other = _n(args[1 - i])
        if not node.shape:
            return other, "P-1"
        if not a.shape:
            return other, "X-2"
        if not args[1 - i].shape:
            return f"{other} I", "X-2"
        if node.ndim == 1:
            return f"diag({other})", "E-7" if i == 0 else "E-8"
        return f"diag(vec({other}))", "CB-38"
    if op == "div":
        x, y = _n(args[0]), _n(args[1])
        scal = not node.shape
        if i == 0:
            if scal or not args[1].shape:
                return (f"1/{y}", "X-3") if not scal else (f"1/{y}", "S-2")
            return f"diag(1 ⊘ {y})", "E-9"
        if scal:
            return f"−{x}/{y}²", "S-7"
        if not args[1].shape:
            return f"−{x}/{y}²", "X-3"
        return f"diag(−{x} ⊘ {y}²)", "E-10"
    if op == "neg":
        return ("−1", "S-2") if not node.shape else ("−I", "S-2")
    if op == "pow":
        p = node.attr
        body = f"{_n(E.const(p))} {_n(E.pow_(a, p - 1))}" if p != 2 else f"2{_n(a)}"
        return (body, "S-3") if not u_vec else (f"diag({body})", "S-3")
    if op in _ELEMENTWISE_ID:
        d = text(derivative_of(op, a, E.var(name, node.shape)))
        rid = _ELEMENTWISE_ID[op] if u_vec or op not in ("relu",) else "N-3"
        if op == "relu":
            d = f"1[{_n(a)} > 0]"
        return (d, rid) if not u_vec else (f"diag({d})", rid)
    if op == "matmul":
        x, y = args
        if x.ndim == 1 and y.ndim == 1:
            return f"{_n(args[1 - i])}ᵀ", "N-1"
        if x.ndim == 2 and y.ndim == 1:
            return (_n(x), "CB-69") if i == 1 else (f"∂u_j/∂{_n(x)}_kl = δ_jk {_n(y)}_l", "LAYER-1")
        if x.ndim == 1 and y.ndim == 2:
            return (f"{_n(y)}ᵀ", "CB-69") if i == 0 else (f"∂u_j/∂{_n(y)}_kl = δ_jl {_n(x)}_k", "LAYER-1")
        if i == 0:
            return f"∂u_ij/∂{_n(x)}_kl = δ_ik {_n(y)}_lj", "CB-74"
        return f"∂u_ij/∂{_n(y)}_kl = δ_jl {_n(x)}_ik", "CB-37"
    if op == "T":
        return "∂u_ij/∂A_kl = δ_il δ_jk (Aᵀ's entries are A's, swapped)".replace("A", _n(a)), "CB-44"
    if op == "sum":
        return ("1⃗ᵀ", "R-2") if a.ndim == 1 else ("1⃗1⃗ᵀ (every entry 1)", "R-2")
    if op == "mean":
        count = text(E.size_of(a.shape))
        return (f"(1/{count}) 1⃗ᵀ" if a.ndim == 1 else f"(1/({count})) 1⃗1⃗ᵀ"), "R-2"
    if op == "softmax":
        return f"diag({name}) − {name} {name}ᵀ", "LF-1"
    if op == "logsumexp":
        return f"softmax({_n(a)})ᵀ", "LF-2"
    if op == "trace":
        return "I", "CB-99"
    if op == "det":
        return f"det({_n(a)}) {_n(a)}⁻ᵀ", "CB-49"
    if op == "inv":
        return "∂(X⁻¹)_ij/∂X_kl = −(X⁻¹)_ik (X⁻¹)_lj".replace("X", _n(a)), "CB-60"
    if op == "norm":
        return (f"{_n(a)}ᵀ/‖{_n(a)}‖", "CB-129") if a.ndim == 1 else (f"{_n(a)}/‖{_n(a)}‖_F", "CB-115")
    if op == "diag":
        return f"∂diag({_n(a)})_ij/∂{_n(a)}_k = δ_ij δ_ik", "extension"
    if op == "diagonal":
        return f"∂diag({_n(a)})_i/∂{_n(a)}_jk = δ_ij δ_ik", "extension"
    raise AssertionError(op)


# ---------------------------------------------------------------------------------------------------------
# reverse: the VJP of each operation (scalar output)


def unbroadcast(g: Expr, shape: tuple) -> Expr:
    """The adjoint ``g`` of a broadcast result, summed back to the operand's ``shape`` (the transpose of
    broadcasting: a scalar added to a vector collects ``sum(ḡ)``, a row added to a matrix ``Gᵀ1⃗``)."""
    if tuple(g.shape) == tuple(shape):
        return g
    if not shape:
        return E.call("sum", g)
    while len(g.shape) > len(shape):
        g = E.call("sum0", g)
    if tuple(g.shape) != tuple(shape):
        raise DeriveError(f"broadcasting shape {tuple(shape)} to {tuple(g.shape)} along an axis of size 1 is not "
                          "supported; give the operands equal shapes")
    return g


def vjp(node: Expr, i: int, g: Expr, u: Expr) -> Expr:
    """``∂y/∂(operand i)`` from ``g = ∂y/∂u`` for ``u = node`` (``u`` names the node's value), before
    summing back over broadcast axes (:func:`unbroadcast`)."""
    op, args = node.op, node.args
    a = args[i]
    if op == "add":
        return g
    if op == "sub":
        return g if i == 0 else E.neg(g)
    if op == "mul":
        return E.mul(g, args[1 - i])
    if op == "div":
        if i == 0:
            return E.div(g, args[1])
        return E.neg(E.mul(g, E.div(args[0], E.pow_(args[1], 2))))
    if op == "neg":
        return E.neg(g)
    if op == "pow":
        p = node.attr
        return E.mul(g, E.mul(E.const(p), E.pow_(a, p - 1)))
    if op in _ELEMENTWISE_ID:
        return E.mul(g, derivative_of(op, a, u))
    if op == "matmul":
        x, y = args
        if x.ndim == 1 and y.ndim == 1:
            return E.mul(g, args[1 - i])
        if x.ndim == 2 and y.ndim == 1:
            return E.call("outer", g, y) if i == 0 else E.matmul(E.transpose(x), g)
        if x.ndim == 1 and y.ndim == 2:
            return E.matmul(y, g) if i == 0 else E.call("outer", x, g)
        return E.matmul(g, E.transpose(y)) if i == 0 else E.matmul(E.transpose(x), g)
    if op == "T":
        return E.transpose(g)
    if op == "sum":
        return E.mul(g, E.ones(a.shape))
    if op == "mean":
        return E.mul(E.div(g, E.size_of(a.shape)), E.ones(a.shape))
    if op == "softmax":
        return E.mul(u, E.sub(g, E.matmul(g, u)))
    if op == "logsumexp":
        return E.mul(g, E.call("softmax", a))
    if op == "trace":
        return E.mul(g, E.eye(a.shape[0]))
    if op == "det":
        return E.mul(E.mul(g, u), E.transpose(E.call("inv", a)))
    if op == "inv":
        return E.neg(E.matmul(E.matmul(E.transpose(u), g), E.transpose(u)))
    if op == "norm":
        return E.mul(g, E.div(a, u))
    if op == "diag":
        return E.call("diagonal", g)
    if op == "diagonal":
        return E.call("diag", g)
    raise AssertionError(op)


# ---------------------------------------------------------------------------------------------------------
# forward: the local Jacobian of each operation in matrix form (vector output, vector or scalar operands)


def jacobian(node: Expr, i: int, u: Expr) -> Expr:
    """``∂u/∂(operand i)`` as an expression: a scalar, a column ``(m,)`` (vector ``u``, scalar operand), a
    row ``(n,)`` (scalar ``u``, vector operand) or a matrix ``(m, n)``. Matrices are not supported: their
    Jacobians are 3- and 4-index arrays (derive a scalar of them instead)."""
    op, args = node.op, node.args
    a = args[i]
    if a.ndim > 1 or node.ndim > 1:
        raise DeriveError(
            f"the Jacobian of {text(node)} with respect to {text(a)}: a vector output's Jacobian is built here "
            f"from vectors and scalars, and {text(a if a.ndim > 1 else node)} is a matrix (its Jacobian has 3 "
            "or 4 indices); derive a scalar of it (sum(...), a @ ... @ b) for a gradient instead"
        )
    n_u = node.shape[0] if node.shape else None

    def eye_like() -> Expr:
        return E.eye(n_u) if n_u is not None else E.const(1)

    def diag(d: Expr) -> Expr:  # the Jacobian of an element-wise map with derivative d (scalar or vector)
        if n_u is None:
            return d
        if not a.shape:
            return d if d.shape else E.mul(d, E.ones(node.shape))
        return E.call("diag", d) if d.shape else E.mul(d, E.eye(n_u))

    if op in ("add", "sub"):
        j = eye_like() if a.shape == node.shape else E.ones(node.shape)
        return E.neg(j) if op == "sub" and i == 1 else j
    if op == "mul":
        return diag(args[1 - i]) if node.shape else args[1 - i]
    if op == "div":
        d = E.div(E.const(1), args[1]) if i == 0 else E.neg(E.div(args[0], E.pow_(args[1], 2)))
        return diag(d) if node.shape else d
    if op == "neg":
        return E.neg(eye_like())
    if op == "pow":
        d = E.mul(E.const(node.attr), E.pow_(a, node.attr - 1))
        return diag(d)
    if op in _ELEMENTWISE_ID:
        return diag(derivative_of(op, a, u))
    if op == "matmul":
        x, y = args
        if x.ndim == 1 and y.ndim == 1:
            return args[1 - i]
        return x if x.ndim == 2 else E.transpose(y)  # ∂(Mv)/∂v = M (CB-69), ∂(vᵀM)/∂v = Mᵀ
    if op == "sum":
        return E.ones(a.shape) if a.shape else E.const(1)
    if op == "mean":
        return E.div(E.ones(a.shape), E.size_of(a.shape)) if a.shape else E.const(1)
    if op == "softmax":
        return E.sub(E.call("diag", u), E.call("outer", u, u))
    if op == "logsumexp":
        return E.call("softmax", a)
    if op == "norm":
        return E.div(a, u)
    raise DeriveError(f"derive builds Jacobians of vector outputs from element-wise operations, sums, dot "
                      f"and matrix-vector products, softmax, logsumexp and norms; {op} is not one of them "
                      "(derive a scalar of the expression for a gradient instead)")


def compose(jac_u_p: Expr, jac_p_x: Expr, u_shape: tuple, p_shape: tuple, x_shape: tuple) -> Expr:
    """The vector chain rule (C-11): ``(∂u/∂p)(∂p/∂x)`` for scalars and vectors, in numerator layout."""
    if not jac_u_p.shape or not jac_p_x.shape:
        return E.mul(jac_u_p, jac_p_x)
    if u_shape and not p_shape and x_shape:   # column (m,) times row (n,)
        return E.call("outer", jac_u_p, jac_p_x)
    if not p_shape:                          # the p-axis is absent: a product of a column and a scalar
        return E.mul(jac_u_p, jac_p_x)
    return E.matmul(jac_u_p, jac_p_x)
