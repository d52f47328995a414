r"""The paper's procedure (RULES C-1), mechanically: intermediate variables, local partials, their
combination by the chain rule, and the closed form with the intermediates substituted back.

1. :func:`intermediates` introduces one variable ``u_k`` per operation of the expression, innermost
   first (the paper's step 1); the last is the output ``y``.
2. Each ``u_k`` is differentiated with respect to each of its operands by the local rules of
   :mod:`.rules` (step 2), each citing its catalog ID.
3. The partials are combined (step 3): for a scalar output by the total-derivative chain rule in reverse
   (C-6, C-9: ``∂y/∂p = Σ_{u that take p} (∂y/∂u)(∂u/∂p)``, computed as vector-Jacobian products, as
   backpropagation does, so a matrix variable's gradient never builds a 4-index Jacobian); for a vector
   output by the vector chain rule forward (C-11: ``∂u/∂x = Σ_p (∂u/∂p)(∂p/∂x)``).
4. The intermediates are substituted back and the result simplified (:mod:`.simplify`); what repeats is
   named after its intermediate variable (step 4).

>>> from chainrule.reference.derive.parse import parse
>>> steps = intermediates(parse("sin(x ** 2)", {"x": ()}), wrt=("x",))
>>> [(s.name, s.formula) for s in steps]
[('u_1', 'x²'), ('y', 'sin(u_1)')]
"""

from __future__ import annotations

from dataclasses import dataclass, field

import chainrule.reference.derive.expr as E

from .expr import DeriveError, Expr
from .render import text
from .rules import compose, jacobian, local_partial, unbroadcast, vjp
from .simplify import name_repeats, simplify

__all__ = ["Combination", "Partial", "Step", "closed_form", "combine", "intermediates", "paths"]


@dataclass(frozen=True)
class Partial:
    """One local partial ``∂u/∂p``: its notation and the rule it is."""

    wrt: str
    formula: str
    rule: str


@dataclass
class Step:
    """One intermediate variable ``name = node`` (operands named), its value over the inputs (``full``)
    and its local partials with respect to the operands that depend on the differentiated variables."""

    name: str
    node: Expr
    full: Expr
    operands: tuple[str, ...]
    partials: tuple[Partial, ...] = ()

    @property
    def formula(self) -> str:
        return text(self.node)


#: The output's name: the first of these that no variable of the expression takes.
OUTPUT_NAMES = ("y", "C", "f", "L", "out")


def output_name(e: Expr) -> str:
    """``y``, or the first of :data:`OUTPUT_NAMES` the expression's variables leave free."""
    taken = e.variables()
    return next(n for n in OUTPUT_NAMES if n not in taken)


def intermediates(e: Expr, wrt: tuple[str, ...]) -> list[Step]:
    """One :class:`Step` per operation of ``e``, innermost first; the last is named after the output
    (:func:`output_name`), the others ``u_1``, ``u_2``, … (``t_1``, … if a variable is called ``u_…``)."""
    if e.op in ("var", "const", "dim"):
        raise DeriveError(f"{text(e)}: the expression is a single {'variable' if e.op == 'var' else 'number'}; "
                          "there is nothing to derive step by step")
    steps: list[Step] = []
    taken = e.variables()
    prefix = "u" if not any(v.startswith("u_") for v in taken) else "t"
    by_full: dict[Expr, str] = {}
    depends: dict[str, bool] = {w: True for w in wrt}

    def visit(node: Expr) -> Expr:
        """The node as an operand of its parent: a variable named after its step, or a leaf."""
        if node.op in ("var", "const", "dim"):
            return node
        args = tuple(visit(a) for a in node.args)
        local = Expr(node.op, args, node.attr, node.shape)
        name = f"{prefix}_{len(steps) + 1}"
        operands = tuple(a.attr for a in args if a.op == "var")
        step = Step(name=name, node=local, full=node, operands=operands)
        steps.append(step)
        by_full.setdefault(node, name)
        depends[name] = any(depends.get(o, False) for o in operands)
        return E.var(name, node.shape)

    visit(e)
    last = steps[-1]
    last.name = output_name(e)
    depends[last.name] = depends.pop(next(reversed(depends)))
    for s in steps:
        partials: dict[str, Partial] = {}
        for i, a in enumerate(s.node.args):
            if a.op == "var" and depends.get(a.attr, False):
                formula, rule = local_partial(s.node, i, s.name)
                if a.attr in partials:  # the operand is read twice (x ⊗ x, X @ X): the product rule adds both
                    first = partials[a.attr]
                    lhs, eq, rhs = formula.partition(" = ")
                    same_lhs = eq and first.formula.startswith(lhs + " = ")
                    formula = f"{first.formula} + {rhs if same_lhs else formula}"
                    rule = ", ".join(dict.fromkeys([*first.rule.split(", "), rule, "S-6"]))
                partials[a.attr] = Partial(a.attr, formula, rule)
        s.partials = tuple(partials.values())
    # the operands of the step that used u_last's old name now say y: none can (it is the last)
    return steps


def paths(steps: list[Step], source: str) -> list[tuple[str, ...]]:
    """Every dataflow path from ``source`` to the output ``y`` through the intermediate variables."""
    consumers: dict[str, list[str]] = {}
    for s in steps:
        for p in dict.fromkeys(s.operands):
            consumers.setdefault(p, []).append(s.name)
    out: list[tuple[str, ...]] = []
    last = steps[-1].name

    def walk(node: str, trail: tuple[str, ...]) -> None:
        if node == last:
            out.append(trail)
            return
        for c in consumers.get(node, []):
            walk(c, (*trail, c))

    walk(source, (source,))
    return out


@dataclass
class Combination:
    """How the partials combine into ``∂y/∂v`` for one variable ``v``: the terms of the chain rule (one per
    step that takes ``v``), as symbols and as the simplified expression over the intermediate variables."""

    variable: str
    terms: tuple[str, ...]
    value: Expr
    rule: str


@dataclass
class Derived:
    """The combined derivatives: ``adjoints`` (scalar output) or ``jacobians`` (vector output), with the
    :class:`Combination` of every variable on a path."""

    mode: str  # "reverse" (scalar output: gradients) or "forward" (vector output: Jacobians)
    totals: dict[str, Expr]
    combinations: list[Combination] = field(default_factory=list)


def _expand(e: Expr, defs: dict[str, Expr]) -> Expr:
    if e.op == "var" and e.attr in defs:
        return defs[e.attr]
    if not e.args:
        return e
    return Expr(e.op, tuple(_expand(a, defs) for a in e.args), e.attr, e.shape)


def combine(steps: list[Step], wrt: tuple[str, ...], shapes: dict[str, tuple]) -> Derived:
    """Step 3 of the procedure: the chain rule over the steps' local rules."""
    out_shape = steps[-1].node.shape
    if not out_shape:
        return _reverse(steps, wrt)
    return _forward(steps, wrt, shapes)


def _reverse(steps: list[Step], wrt: tuple[str, ...]) -> Derived:
    y = steps[-1].name
    adj: dict[str, Expr] = {y: E.const(1)}
    terms: dict[str, list[str]] = {}
    shapes = {s.name: s.node.shape for s in steps}
    for s in reversed(steps):
        g = adj.get(s.name)
        if g is None:
            continue
        u = E.var(s.name, s.node.shape)
        for i, a in enumerate(s.node.args):
            if a.op != "var" or not any(p.wrt == a.attr for p in s.partials):
                continue
            contribution = unbroadcast(vjp(s.node, i, g, u), a.shape)
            shapes.setdefault(a.attr, a.shape)
            adj[a.attr] = contribution if a.attr not in adj else E.add(adj[a.attr], contribution)
            terms.setdefault(a.attr, []).append(f"(∂{y}/∂{s.name})(∂{s.name}/∂{a.attr})"
                                                if s.name != y else f"∂{y}/∂{a.attr}")
    def rule(name: str) -> str:
        """C-6 where several paths meet (the total derivative), else C-1 for scalars and C-11 for arrays."""
        if len(terms.get(name, ())) > 1:
            return "C-6"
        return "C-1" if not shapes.get(name) else "C-11"

    combos = []
    for s in reversed(steps[:-1]):  # back from the output, as backpropagation computes them
        if s.name in adj:
            combos.append(Combination(s.name, tuple(terms.get(s.name, ())), simplify(adj[s.name]), rule(s.name)))
    for w in wrt:
        if w in adj:
            combos.append(Combination(w, tuple(terms.get(w, ())), simplify(adj[w]), rule(w)))
    return Derived("reverse", {w: adj[w] for w in wrt if w in adj}, combos)


def _forward(steps: list[Step], wrt: tuple[str, ...], shapes: dict[str, tuple]) -> Derived:
    totals: dict[str, Expr] = {}
    combos: list[Combination] = []
    for x in wrt:
        xs = tuple(shapes[x])
        if len(xs) > 1:
            raise DeriveError(f"∂y/∂{x}: {x} is a matrix and y a vector, so the Jacobian has 3 indices; derive a "
                              f"scalar of y (sum(...), a @ ... ) for the gradient with respect to {x}")
        jac: dict[str, Expr] = {x: E.eye(xs[0]) if xs else E.const(1)}
        for s in steps:
            parts = []
            names = []
            for i, a in enumerate(s.node.args):
                if a.op != "var" or a.attr not in jac:
                    continue
                local = jacobian(s.node, i, E.var(s.name, s.node.shape))
                parts.append(compose(local, jac[a.attr], s.node.shape, a.shape, xs))
                names.append(f"(∂{s.name}/∂{a.attr})(∂{a.attr}/∂{x})" if a.attr != x
                             else f"∂{s.name}/∂{x}")
            if not parts:
                continue
            total = parts[0]
            for p in parts[1:]:
                total = E.add(total, p)
            jac[s.name] = total
            combos.append(Combination(f"{s.name}|{x}", tuple(names), simplify(total),
                                      "C-11" if len(parts) == 1 else "C-6, C-11"))
        if steps[-1].name in jac:
            totals[x] = jac[steps[-1].name]
    return Derived("forward", totals, combos)


@dataclass
class ClosedForm:
    """The closed form of ``∂y/∂x`` for each differentiated variable, over the inputs, with the
    subexpressions that repeat named (``where``), as expressions."""

    results: dict[str, Expr]
    where: dict[str, list[tuple[str, Expr]]]
    expanded: dict[str, Expr]


def _is_affine(e: Expr) -> bool:
    """``Xw + b`` or ``w·x + b``: a matrix-vector or dot product plus a bias (the paper's ``z``)."""
    return e.op == "add" and any(a.op == "matmul" and a.args[1].ndim == 1 for a in e.args)


def per_sample(result: Expr) -> str | None:
    """``c Σ_i v_i x_iᵀ`` for a gradient ``c Xᵀv`` with ``X`` a variable whose rows are samples and ``v``
    element-wise in per-sample vectors (the paper's L-3: ``(2/N) Σ_i 1[z_i > 0](z_i − y_i) x_iᵀ``); else
    ``None``."""
    scale: Expr | None = None
    core = result
    if core.op == "mul" and not core.args[0].shape:
        scale, core = core.args
    if core.op == "sum" and core.args[0].ndim == 1:  # c Σ_i v_i (L-5's form of ∂C/∂b)
        X, v = None, core.args[0]
    elif (core.op == "matmul" and core.args[0].op == "T" and core.args[0].args[0].op == "var"
          and core.args[1].ndim == 1):
        X, v = core.args[0].args[0], core.args[1]
    else:
        return None
    rows = v.shape[0]

    def indexed(e: Expr) -> Expr | None:
        if e.op == "var":
            if not e.shape:
                return e
            return E.var(f"{e.attr}_i", ()) if len(e.shape) == 1 and e.shape[0] == rows else None
        if e.op in ("const", "dim"):
            return e if not e.shape else None
        if e.op not in ("add", "sub", "mul", "div", "neg", "pow", *E.ELEMENTWISE) or not all(
                a.ndim <= 1 for a in e.args):
            return None
        args = [indexed(a) for a in e.args]
        if any(a is None for a in args):
            return None
        return Expr(e.op, tuple(args), e.attr, ())  # type: ignore[arg-type]

    vi = indexed(v)
    if vi is None or vi.op == "var":  # Σ_i y_i is just sum(y)
        return None
    if X is None:
        term = text(vi)
    else:
        name = X.attr.lower() if X.attr.isupper() and X.attr.lower() not in result.variables() else f"{X.attr}_row"
        term = text(E.mul(vi, E.var(f"{name}_iᵀ", ())))
    lead = "" if scale is None else (f"({text(scale)}) " if scale.op == "div" else f"{text(scale)} ")
    return f"{lead}Σ_i {term}"


def closed_form(steps: list[Step], derived: Derived) -> ClosedForm:
    """Step 4: substitute the intermediates back, simplify, and name what repeats."""
    defs = {s.name: s.full for s in steps}
    expanded = {x: simplify(_expand(e, defs)) for x, e in derived.totals.items()}
    taken = frozenset(v for s in steps for v in s.full.variables())
    names = {s.full: s.name for s in steps}
    # the paper's name for an affine pre-activation (z = w·x + b, z = Xw + b, N-5 and L-1), where free
    affine = [s.full for s in steps if _is_affine(s.full)]
    if affine and "z" not in taken:
        names[affine[0]] = "z"
    results: dict[str, Expr] = {}
    where: dict[str, list[tuple[str, Expr]]] = {}
    for x, e in expanded.items():
        (named,), defs_x = name_repeats([e], names, taken=taken)
        results[x], where[x] = named, defs_x
    return ClosedForm(results, where, expanded)
