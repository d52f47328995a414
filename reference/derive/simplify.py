r"""A small set of value-preserving rewrite rules that turn a mechanically combined derivative into the
closed form a person would write, and the naming of repeated subexpressions.

Every rule below keeps the value wherever the expression it came from is defined; the derivation's
verification (:mod:`.verify`) evaluates the simplified closed form against JAX, so a rule that changed a
value would fail there, never pass as a result. The rules:

* **products** are flattened into ``c · f₁^p₁ ⊗ f₂^p₂ …`` (element-wise products commute): exact
  constant coefficients multiply, repeated factors add their exponents (``x ⊗ x⁻¹`` cancels, ``u/d · d =
  u``), ``1`` and ``0`` factors go, vectors of ones are dropped where broadcasting restores the shape;
* **the ReLU's mask** ``1[z > 0]`` makes ``max(0, z)`` equal to ``z`` in every factor it multiplies (the
  paper's step 5 of L-3) and is idempotent;
* **signs**: a negative coefficient times one difference is the difference reversed
  (``−c (y − z) = c (z − y)``); ``a + (−b) = a − b``;
* **like terms** add (``Aᵀx + Aᵀx = 2Aᵀx``), and ``Pv + Qv = (P + Q)v``;
* **matrix products**: scalars move out (``Xᵀ(c v) = c Xᵀv``), ``I`` disappears, a vector left of a
  matrix becomes the matrix's transpose on the right (``vᵀM = (Mᵀv)ᵀ``, a gradient is a column), and
  ``(Aᵀ)ᵀ = A``.

>>> from chainrule.reference.derive.parse import parse
>>> from chainrule.reference.derive.render import text
>>> text(simplify(parse("2 * (x * y) / x - x * 0", {"x": ("n",), "y": ("n",)})))
'2y'
"""

from __future__ import annotations

from fractions import Fraction

import chainrule.reference.derive.expr as E

from .expr import Expr, Number
from .render import text

__all__ = ["factor_out", "name_repeats", "simplify"]


# ---------------------------------------------------------------------------------------------------------
# products


def _factors(e: Expr) -> tuple[Number, dict[Expr, Number]]:
    """``e`` as ``coefficient, {factor: exponent}`` (vectors of ones dropped)."""
    if e.op == "const":
        return e.attr, {}
    if e.op == "ones":
        return Fraction(1), {}
    if e.op == "mul":
        c1, f1 = _factors(e.args[0])
        c2, f2 = _factors(e.args[1])
        return c1 * c2, _merge(f1, f2)
    if e.op == "div":
        c1, f1 = _factors(e.args[0])
        c2, f2 = _factors(e.args[1])
        if c2 == 0:
            return Fraction(1), {e: Fraction(1)}
        return c1 / c2, _merge(f1, {k: -v for k, v in f2.items()})
    if e.op == "neg":
        c, f = _factors(e.args[0])
        return -c, f
    if e.op == "pow":
        base = e.args[0]
        if base.op == "const":
            try:
                return E.number(base.attr ** e.attr), {}
            except (ZeroDivisionError, ValueError, OverflowError, TypeError):
                return Fraction(1), {e: Fraction(1)}
        if base.op in ("mul", "div", "neg"):
            c, f = _factors(base)
            p = e.attr
            if isinstance(p, Fraction) and p.denominator == 1 and not (c == 0 and p < 0):
                return c ** p, {k: v * p for k, v in f.items()}
        return Fraction(1), {base: e.attr}
    return Fraction(1), {e: Fraction(1)}


def _merge(a: dict[Expr, Number], b: dict[Expr, Number]) -> dict[Expr, Number]:
    out = dict(a)
    for k, v in b.items():
        out[k] = out.get(k, 0) + v
    return {k: v for k, v in out.items() if v != 0}


def _power(f: Expr, p: Number) -> Expr:
    if p == 1:
        return f
    if f.op == "step":
        return f
    return E.pow_(f, p)


def _order(fp: tuple[Expr, Number]) -> tuple:
    f = fp[0]
    return (f.op != "step", f.size(), text_key(f))


def text_key(f: Expr) -> str:
    return repr(f)


def _product(coef: Number, factors: dict[Expr, Number], shape: tuple) -> Expr:
    """Rebuild ``coef · Π f^p`` of ``shape``: the constant part (numbers and dimensions) first, then the
    scalar factors, then the arrays; a quotient as ``/`` (scalars) or ``⊘`` (arrays)."""
    if coef == 0:
        return E.const(0) if not shape else E.mul(E.const(0), E.ones(shape))
    items = sorted(factors.items(), key=_order)
    dims_num = [_power(f, p) for f, p in items if f.op == "dim" and p > 0]
    dims_den = [_power(f, -p) for f, p in items if f.op == "dim" and p < 0]
    scal_num = [_power(f, p) for f, p in items if not f.shape and f.op != "dim" and p > 0]
    scal_den = [_power(f, -p) for f, p in items if not f.shape and f.op != "dim" and p < 0]
    arr_num = [_power(f, p) for f, p in items if f.shape and p > 0]
    arr_den = [_power(f, -p) for f, p in items if f.shape and p < 0]
    c = coef
    negative = c < 0
    c = abs(c)
    p_, q_ = (c.numerator, c.denominator) if isinstance(c, Fraction) else (c, 1)
    # the constant part: (p · N) / (q · M)
    top = _chain([E.const(p_)] if p_ != 1 or not dims_num else [], dims_num)
    bottom = _chain([E.const(q_)] if q_ != 1 else [], dims_den)
    constant = top if bottom is None else E.div(top, bottom)
    scalar = _chain([], scal_num)
    if scal_den:
        scalar = E.div(scalar if scalar is not None else E.const(1), _chain([], scal_den))
    array = _chain([], arr_num)
    if arr_den:
        den_arr = _chain([], arr_den)
        array = E.div(array if array is not None else E.ones(den_arr.shape), den_arr)
    if constant.is_const(1) and array is not None and scalar is not None and scalar.op == "div" \
            and scalar.args[0].is_const(1):  # (1/s) v is written v/s
        scalar, array = None, E.div(array, scalar.args[1])
    parts = [x for x in (None if constant.is_const(1) else constant, scalar, array) if x is not None]
    if not parts:
        out = E.const(1) if not shape else E.ones(shape)
    else:
        out = parts[-1]
        for x in reversed(parts[:-1]):
            out = E.mul(x, out)
    if tuple(out.shape) != tuple(shape):
        out = E.mul(out, E.ones(shape))
    return E.neg(out) if negative else out


def _chain(head: list[Expr], rest: list[Expr]) -> Expr | None:
    items = head + rest
    if not items:
        return None
    out = items[0]
    for x in items[1:]:
        out = E.mul(out, x)
    return out


_ELEMENTWISE_OPS = frozenset({"add", "sub", "mul", "div", "neg", "pow", *E.ELEMENTWISE})


def _replace_aligned(e: Expr, old: Expr, new: Expr) -> Expr:
    """``e`` with ``old`` replaced by ``new`` where ``old`` sits entry for entry under ``e`` (reached through
    element-wise operations only, with ``e``'s shape): never inside a matrix product or a reduction."""
    if e == old:
        return new
    if e.op not in _ELEMENTWISE_OPS or tuple(e.shape) != tuple(old.shape):
        return e
    args = tuple(_replace_aligned(a, old, new) if tuple(a.shape) == tuple(e.shape) else a for a in e.args)
    return e if args == e.args else Expr(e.op, args, e.attr, e.shape)


def _replace(e: Expr, old: Expr, new: Expr) -> Expr:
    if e == old:
        return new
    if not e.args:
        return e
    args = tuple(_replace(a, old, new) for a in e.args)
    return e if args == e.args else Expr(e.op, args, e.attr, e.shape)


def _simplify_product(e: Expr) -> Expr:
    coef, factors = _factors(e)
    # the ReLU's mask: 1[z > 0] ⊗ g(max(0, z)) = 1[z > 0] ⊗ g(z); 1[z > 0]^k = 1[z > 0]
    masks = [f.args[0] for f in factors if f.op == "step"]
    for z in masks:
        relu = E.call("relu", z)
        factors = {(_replace_aligned(f, relu, z) if f.op != "step" else f): p for f, p in factors.items()}
        factors = {f: (Fraction(1) if f.op == "step" else p) for f, p in factors.items()}
    if masks:
        merged: dict[Expr, Number] = {}
        for f, p in factors.items():
            f2 = simplify(f) if f.op != "step" else f
            merged[f2] = merged.get(f2, 0) + p
        factors = {f: p for f, p in merged.items() if p != 0}
    # a negative coefficient times one difference: −c (a − b) = c (b − a)
    subs = [f for f, p in factors.items() if f.op == "sub" and p == 1]
    if coef < 0 and len(subs) == 1:
        s = subs[0]
        coef = -coef
        factors = {(Expr("sub", (s.args[1], s.args[0]), None, s.shape) if f == s else f): p
                   for f, p in factors.items()}
    out = _product(coef, factors, e.shape)
    # distribute over a sum when that cancels something: u ⊗ (a ⊘ u + b) = a + u ⊗ b
    for f, p in factors.items() if _trying() else ():
        if p == 1 and f.op in ("add", "sub"):
            rest = _product(coef, {k: v for k, v in factors.items() if k != f}, e.shape)
            terms = [simplify(E.mul(rest, f.args[0])), simplify(E.mul(rest, f.args[1]))]
            rest_factors = _factors(rest)[1]
            cancels = any(rest_factors.get(k, 0) + v == 0 for part in f.args for k, v in _factors(part)[1].items())
            if not cancels:
                continue
            candidate = simplify(Expr(f.op, tuple(terms), None,
                                      E.broadcast_shape(terms[0].shape, terms[1].shape, "distribute")))
            if candidate.size() < out.size():
                return candidate
    return out


# ---------------------------------------------------------------------------------------------------------
# sums


def _split(e: Expr) -> tuple[Number, Expr]:
    """``e = c · rest`` with ``rest`` coefficient-free."""
    coef, factors = _factors(e)
    rest = _product(Fraction(1), factors, e.shape)
    return coef, rest


def _simplify_sum(e: Expr) -> Expr:
    a, b = e.args
    sign = 1 if e.op == "add" else -1
    if _is_zero(b):
        return _fit(a, e.shape)
    if _is_zero(a):
        return _fit(b if sign > 0 else simplify(E.neg(b)), e.shape)
    ca, ra = _split(a)
    cb, rb = _split(b)
    if ra == rb:
        return simplify(_product(ca + sign * cb, _factors(ra)[1], e.shape))
    # Av + Aw = A(v + w), with the coefficients inside
    ka, sa, xa = factor_out(a)
    kb, sb, xb = factor_out(b)
    if (xa.op == "matmul" and xb.op == "matmul" and xa.args[0] == xb.args[0]
            and xa.args[1].shape == xb.args[1].shape and _trying()):
        left_a = E.mul(_chain([E.const(ka)], sa), xa.args[1])
        left_b = E.mul(_chain([E.const(kb)], sb), xb.args[1])
        inner = E.add(left_a, left_b) if sign > 0 else E.sub(left_a, left_b)
        candidate = simplify(E.matmul(xa.args[0], inner))
        if candidate.size() < e.size():
            return candidate
    # Pv + Qv = (P + Q)v
    if a.op == "matmul" and b.op == "matmul" and a.args[1] == b.args[1] and a.args[0].shape == b.args[0].shape:
        inner = E.add(a.args[0], b.args[0]) if sign > 0 else E.sub(a.args[0], b.args[0])
        return simplify(E.matmul(inner, a.args[1]))
    # a common factor: c ⊗ p + c ⊗ q = c ⊗ (p + q)
    fa, fb = _factors(ra)[1], _factors(rb)[1]
    common = {k: (min(fa[k], fb[k]) if fa[k] > 0 else max(fa[k], fb[k]))
              for k in fa if k in fb and (fa[k] > 0) == (fb[k] > 0)}
    if common and _trying():
        rest_a = _product(ca, {k: v - common.get(k, 0) for k, v in fa.items()}, e.shape)
        rest_b = _product(cb, {k: v - common.get(k, 0) for k, v in fb.items()}, e.shape)
        inner = simplify(E.add(rest_a, rest_b) if sign > 0 else E.sub(rest_a, rest_b))
        scalar_common = all(not k.shape for k in common)
        factor = _product(Fraction(1), common, () if scalar_common else e.shape)
        candidate = simplify(E.mul(factor, inner))
        if tuple(candidate.shape) == tuple(e.shape) and candidate.size() < e.size():
            return candidate
    out = e
    if sign > 0 and ca < 0 < cb:  # −c r + b = b − c r
        return simplify(E.sub(b, _product(-ca, _factors(ra)[1], a.shape)))
    if cb < 0:  # a + (−c r) = a − c r
        flipped = _product(-cb, _factors(rb)[1], b.shape)
        out = E.sub(a, flipped) if sign > 0 else E.add(a, flipped)
        out = Expr(out.op, out.args, None, e.shape)
    expanded = _expand_polynomial(out) if _trying() else None
    if expanded is not None and expanded.size() < out.size():
        return expanded
    return out


#: The most monomials :func:`_expand_polynomial` builds before it gives up.
_MAX_MONOMIALS = 64


def _monomials(e: Expr) -> list[tuple[Number, dict[Expr, Number]]] | None:
    """``e`` as a sum of monomials ``c · Π f^p`` (element-wise), or ``None`` when that grows too large."""
    if e.op in ("add", "sub"):
        left, right = _monomials(e.args[0]), _monomials(e.args[1])
        if left is None or right is None:
            return None
        s = 1 if e.op == "add" else -1
        return left + [(s * c, f) for c, f in right]
    if e.op == "neg":
        inner = _monomials(e.args[0])
        return None if inner is None else [(-c, f) for c, f in inner]
    if e.op == "mul":
        left, right = _monomials(e.args[0]), _monomials(e.args[1])
        if left is None or right is None or len(left) * len(right) > _MAX_MONOMIALS:
            return None
        return [(c1 * c2, _merge(f1, f2)) for c1, f1 in left for c2, f2 in right]
    if e.op == "div" and e.args[1].op not in ("add", "sub"):
        num = _monomials(e.args[0])
        c2, f2 = _factors(e.args[1])
        if num is None or c2 == 0:
            return None
        return [(c / c2, _merge(f, {k: -v for k, v in f2.items()})) for c, f in num]
    return [_factors(e)]


def _expand_polynomial(e: Expr) -> Expr | None:
    """``e`` multiplied out and its like terms collected (``−y ⊗ (1 − s) + (1 − y) ⊗ s = s − y``)."""
    terms = _monomials(e)
    if terms is None or len(terms) > _MAX_MONOMIALS:
        return None
    collected: dict[frozenset, tuple[Number, dict[Expr, Number]]] = {}
    for c, f in terms:
        key = frozenset(f.items())
        old = collected.get(key)
        collected[key] = (c + old[0], f) if old else (c, f)
    kept = [(c, f) for c, f in collected.values() if c != 0]
    if len(kept) >= len(terms):  # nothing combined or cancelled: keep the factored form
        return None
    if not kept:
        return simplify(E.mul(E.const(0), E.ones(e.shape)) if e.shape else E.const(0))
    kept.sort(key=lambda cf: cf[0] < 0)
    out: Expr | None = None
    for c, f in kept:
        term = _product(abs(c), f, e.shape)
        if out is None:
            out = term if c > 0 else E.neg(term)
        else:
            out = E.add(out, term) if c > 0 else E.sub(out, term)
    assert out is not None
    return Expr(out.op, out.args, out.attr, tuple(e.shape)) if tuple(out.shape) != tuple(e.shape) and False else (
        out if tuple(out.shape) == tuple(e.shape) else E.mul(out, E.ones(e.shape)))


def _is_zero(e: Expr) -> bool:
    c, _ = _factors(e)
    return c == 0


def _fit(x: Expr, shape: tuple) -> Expr:
    return x if tuple(x.shape) == tuple(shape) else simplify(E.mul(x, E.ones(shape)))


# ---------------------------------------------------------------------------------------------------------
# matrix products and transposes


def factor_out(e: Expr) -> tuple[Number, list[Expr], Expr]:
    """``e = c · (scalars) · array``: the coefficient, the scalar factors, the array part."""
    coef, factors = _factors(e)
    scal = {f: p for f, p in factors.items() if not f.shape}
    arr = {f: p for f, p in factors.items() if f.shape}
    scalars = [_power(f, p) if p > 0 else E.pow_(f, p) for f, p in scal.items()]
    return coef, scalars, _product(Fraction(1), arr, e.shape)


def _simplify_matmul(e: Expr) -> Expr:
    a, b = e.args
    if a.op == "eye":
        return b
    if b.op == "eye":
        return a
    ca, sa, ra = factor_out(a)
    cb, sb, rb = factor_out(b)
    if ca == 0 or cb == 0:
        return simplify(E.mul(E.const(0), E.ones(e.shape)) if e.shape else E.const(0))
    core: Expr
    if ra.ndim == 1 and rb.ndim == 2:  # vᵀM = (Mᵀv)ᵀ: a gradient is a column
        core = E.matmul(simplify(E.transpose(rb)), ra)
    elif ra.op == "ones" and rb.ndim == 1:
        core = E.call("sum", rb)
    elif rb.op == "ones" and ra.ndim == 1:
        core = E.call("sum", ra)
    elif ra.ndim == 1 and rb.ndim == 1:  # aᵀb = sum(a ⊗ b), kept when the product cancels
        dot = E.matmul(ra, rb)
        summed = simplify(E.call("sum", E.mul(ra, rb)))
        core = summed if summed.size() < dot.size() else dot
    else:
        core = E.matmul(ra, rb)
    if ca == 1 and cb == 1 and not sa and not sb:
        return core
    scale = _chain([E.const(ca * cb)], sa + sb)
    return simplify(E.mul(scale, core))


def _simplify_transpose(e: Expr) -> Expr:
    a = e.args[0]
    if a.op == "T":
        return a.args[0]
    if a.op in ("eye", "diag"):
        return a
    if a.op == "outer":
        return E.call("outer", a.args[1], a.args[0])
    coef, scalars, arr = factor_out(a)
    if coef != 1 or scalars:
        return simplify(E.mul(_chain([E.const(coef)], scalars), E.transpose(arr)))
    return e


# ---------------------------------------------------------------------------------------------------------


#: How deep the rewrites that try an alternative form (distributing, factoring, multiplying out) may nest:
#: each simplifies the alternative it builds, and two of them could otherwise undo each other forever.
_MAX_TRIAL_DEPTH = 4
_depth = 0


def _trying() -> bool:
    """Whether a rewrite may build and simplify an alternative form here."""
    return _depth < _MAX_TRIAL_DEPTH


def simplify(e: Expr) -> Expr:
    """``e`` rewritten bottom-up by the rules of this module until nothing changes."""
    global _depth
    _depth += 1
    try:
        seen = 0
        while True:
            out = _once(e)
            if out == e or seen > 20:
                return out
            e, seen = out, seen + 1
    finally:
        _depth -= 1


def _once(e: Expr) -> Expr:
    if not e.args:
        return e
    args = tuple(_once(a) for a in e.args)
    e = e if args == e.args else Expr(e.op, args, e.attr, e.shape)
    if e.op in ("mul", "div", "neg", "pow"):
        return _simplify_product(e)
    if e.op in ("add", "sub"):
        return _simplify_sum(e)
    if e.op == "matmul":
        return _simplify_matmul(e)
    if e.op == "T":
        return _simplify_transpose(e)
    if e.op == "diag" and e.args[0].op == "ones":
        return E.eye(e.args[0].shape[0])
    if e.op == "outer":
        ca, sa, ra = factor_out(e.args[0])
        cb, sb, rb = factor_out(e.args[1])
        if ca != 1 or cb != 1 or sa or sb:
            return simplify(E.mul(_chain([E.const(ca * cb)], sa + sb), E.call("outer", ra, rb)))
    if e.op == "sum" and e.args[0].op == "ones":
        return simplify(E.size_of(e.args[0].shape))
    if e.op in ("sum", "sum0"):
        coef, scalars, arr = factor_out(e.args[0])
        if arr.op == "ones":
            return simplify(E.mul(_chain([E.const(coef)], scalars), E.size_of(arr.shape[:1] if e.op == "sum0"
                                                                             else arr.shape)) if e.op == "sum"
                            else E.mul(_chain([E.const(coef)], scalars), E.mul(E.dim(arr.shape[0]),
                                                                               E.ones(arr.shape[1:]))))
        if coef != 1 or scalars:
            return simplify(E.mul(_chain([E.const(coef)], scalars), E.call(e.op, arr)))
    return e


# ---------------------------------------------------------------------------------------------------------
# naming what repeats


def name_repeats(exprs: list[Expr], names: dict[Expr, str], *, min_size: int = 2,
                 taken: frozenset[str] = frozenset()) -> tuple[list[Expr], list[tuple[str, Expr]]]:
    """Name the subexpressions of ``exprs`` that occur more than once (at least ``min_size`` nodes),
    largest first, each after the derivation's intermediate variable it equals (``names``) where there
    is one, else ``z``, ``z_2``, …. Returns ``exprs`` with those subexpressions replaced by their names,
    and the definitions ``(name, expr)`` in an order where each uses only names defined before it."""
    current = list(exprs)
    defs: list[tuple[str, Expr]] = []
    used: set[str] = set(taken)
    fresh = 1
    while True:
        counts: dict[Expr, int] = {}
        for e in current + [d for _, d in defs]:
            for node in e.walk():
                if node.args and node.size() >= min_size and node.op not in ("step", "T", "ones", "eye", "neg", "pow"):
                    counts[node] = counts.get(node, 0) + 1
        repeated = [n for n, c in counts.items() if c > 1 and len(text(n)) >= 6]
        if not repeated:
            break
        n = max(repeated, key=lambda n: n.size())
        name = names.get(n)
        if name in used:
            name = None
        while name is None or name in used:
            name = "z" if fresh == 1 else f"z_{fresh}"
            fresh += 1
        used.add(name)
        ref = E.var(name, n.shape)
        current = [_replace(e, n, ref) for e in current]
        defs = [(k, _replace(d, n, ref)) for k, d in defs]
        defs.append((name, n))
    return current, list(reversed(defs))
