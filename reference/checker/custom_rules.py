r"""Custom derivative rules are what is under test, never the reference.

JAX differentiates a function through its ``jax.custom_vjp``/``jax.custom_jvp`` rules, so a reference
built with ``jax.grad(f)`` would take the user's own backward on trust: ``check_gradient(f,
jax.grad(f), x)`` would compare the rule with itself. The reference is the derivative of the forward
computation *as written*: :func:`inline_custom_rules` returns ``f`` with every custom rule defined
outside JAX replaced by its primal function (JAX's own library rules, such as ``jax.nn.relu``'s, keep
their conventions), and :func:`custom_rules_in` names the rules it found.

How: ``f`` is traced to a jaxpr (``jax.make_jaxpr``, at the shapes it is called with), and the jaxpr is
evaluated equation by equation; a ``custom_vjp_call``/``custom_jvp_call`` whose function lives outside
the ``jax`` package is evaluated through its ``call_jaxpr`` (the primal), and the jaxprs inside ``jit``,
``scan``, ``cond``, ``while`` and friends are rewritten the same way. Tracing the jaxpr rather than
patching ``custom_vjp.__call__`` keeps it right when ``f``'s inner ``jit`` or ``scan`` was traced and
cached before.

>>> import jax, jax.numpy as jnp
>>> @jax.custom_vjp
... def double_sin(x):
...     return jnp.sin(x)
>>> double_sin.defvjp(lambda x: (jnp.sin(x), x), lambda x, g: (2 * g * jnp.cos(x),))  # off by 2
>>> f = lambda x: double_sin(x) + jax.nn.relu(x)
>>> [r.split(" at ")[0] for r in custom_rules_in(f, (jnp.ones(3),))]
['custom_vjp double_sin']
>>> round(float(jax.grad(f)(0.5)), 5), round(float(jax.grad(inline_custom_rules(f))(0.5)), 5)
(2.75517, 1.87758)

(``2 cos ½ + 1`` through the rule, ``cos ½ + 1`` as written.)
"""

from __future__ import annotations

import functools
import os
from collections.abc import Callable, Sequence
from typing import Any

import jax
import jax.extend.core as jcore
import numpy as np

from .memo import Memo

__all__ = ["CUSTOM_PRIMITIVES", "custom_rules_in", "inline_custom_rules", "is_library_rule", "own_jvp", "own_vjp"]

#: The primitives that carry a custom derivative rule.
CUSTOM_PRIMITIVES = ("custom_vjp_call", "custom_jvp_call", "custom_vjp_call_jaxpr")

_JAX_DIRS = tuple(os.path.dirname(m.__file__) + os.sep for m in (jax, np) if getattr(m, "__file__", None))
try:  # jaxlib's own rules (jax._src lives in jax; jaxlib holds compiled kernels)
    import jaxlib

    _JAX_DIRS += (os.path.dirname(jaxlib.__file__) + os.sep,)
except ImportError:  # pragma: no cover
    pass


def _source(eqn: Any) -> str:
    """``"name at path:line"`` of a custom rule's primal function (JAX's debug info), or its name."""
    cj = eqn.params.get("call_jaxpr") or eqn.params.get("fun_jaxpr")
    info = getattr(getattr(cj, "jaxpr", None), "debug_info", None)
    src = getattr(info, "func_src_info", None)
    return str(src or eqn.params.get("name") or eqn.primitive.name)


def is_library_rule(eqn: Any) -> bool:
    """Whether a custom-rule equation comes from JAX itself (``jax.nn.relu``, ``jnp.linalg.det``, …)."""
    src = _source(eqn)
    path = src.split(" at ", 1)[1].rsplit(":", 1)[0] if " at " in src else ""
    return bool(path) and os.path.abspath(path).startswith(_JAX_DIRS)


def _is_user_rule(eqn: Any) -> bool:
    return eqn.primitive.name in CUSTOM_PRIMITIVES and not is_library_rule(eqn)


def _sub_jaxprs(value: Any) -> list[Any]:
    if isinstance(value, jcore.ClosedJaxpr):
        return [value.jaxpr]
    if isinstance(value, jcore.Jaxpr):
        return [value]
    if isinstance(value, tuple | list):
        return [j for v in value for j in _sub_jaxprs(v)]
    return []


def _user_rules(jaxpr: Any, found: list[str]) -> list[str]:
    for eqn in jaxpr.eqns:
        if _is_user_rule(eqn):
            kind = "custom_jvp" if eqn.primitive.name == "custom_jvp_call" else "custom_vjp"
            label = f"{kind} {_source(eqn)}"
            if label not in found:
                found.append(label)
        for value in eqn.params.values():
            for sub in _sub_jaxprs(value):
                _user_rules(sub, found)
    return found


def _structs(avals: Sequence[Any]) -> list[jax.ShapeDtypeStruct]:
    """Shape-dtype stand-ins for abstract values (``jax.typeof`` of arrays, or a jaxpr's ``v.aval``)."""
    return [jax.ShapeDtypeStruct(a.shape, a.dtype, weak_type=getattr(a, "weak_type", False)) for a in avals]


#: What :func:`custom_rules_in` found, per ``(f, the arguments' structure, shapes and dtypes)`` (the last 256):
#: a check repeated at other seeds traces ``f`` once.
_FOUND = Memo(256)


def custom_rules_in(f: Callable[..., Any], args: tuple[Any, ...]) -> list[str]:
    """The custom rules defined outside JAX that ``f(*args)`` uses: ``"custom_vjp name at file:line"``."""
    flat, tree = jax.tree_util.tree_flatten(args)
    avals = [jax.typeof(a) for a in flat]
    key = (f, tree, tuple((a.shape, a.dtype, getattr(a, "weak_type", False)) for a in avals))
    found = _FOUND.lookup(key)
    if found is None:
        closed = jax.make_jaxpr(f)(*jax.tree_util.tree_unflatten(tree, _structs(avals)))
        found = tuple(_user_rules(closed.jaxpr, []))
        _FOUND.keep(key, found)
    return list(found)


def _has_user_rules(jaxpr: Any) -> bool:
    return bool(_user_rules(jaxpr, []))


def _rewrite(value: Any) -> Any:
    """A param value with every sub-jaxpr's user rules inlined (unchanged when it has none)."""
    if isinstance(value, jcore.ClosedJaxpr):
        if not _has_user_rules(value.jaxpr):
            return value
        closed = value

        def run(*a: Any) -> list[Any]:
            return _evaluate(closed.jaxpr, closed.consts, a)

        return jax.make_jaxpr(run)(*_structs([v.aval for v in closed.jaxpr.invars]))
    if isinstance(value, jcore.Jaxpr):
        if not _has_user_rules(value):
            return value
        new = _rewrite(jcore.ClosedJaxpr(value, ()))
        if new.consts:  # an open jaxpr cannot take constants: keep the rule rather than guess
            raise NotImplementedError("a custom rule inside a primitive that takes an open jaxpr (checkpoint?) "
                                      "captures constants")
        return new.jaxpr
    if isinstance(value, tuple) and any(isinstance(v, jcore.ClosedJaxpr | jcore.Jaxpr) for v in value):
        return tuple(_rewrite(v) for v in value)
    return value


def _evaluate(jaxpr: Any, consts: Sequence[Any], args: Sequence[Any]) -> list[Any]:
    """Evaluate ``jaxpr`` on ``args`` (concrete or traced), user custom rules replaced by their primal."""
    env: dict[Any, Any] = {}

    def read(v: Any) -> Any:
        return v.val if isinstance(v, jcore.Literal) else env[v]

    for v, c in zip(jaxpr.constvars, consts, strict=True):
        env[v] = c
    for v, a in zip(jaxpr.invars, args, strict=True):
        env[v] = a
    for eqn in jaxpr.eqns:
        invals = [read(v) for v in eqn.invars]
        if _is_user_rule(eqn):
            cj = eqn.params.get("call_jaxpr") or eqn.params["fun_jaxpr"]
            outs = _evaluate(cj.jaxpr, cj.consts, invals)
        else:
            params = {k: _rewrite(v) for k, v in eqn.params.items()}
            bind_params = eqn.primitive.get_bind_params(params)
            with eqn.ctx.manager:
                ans = eqn.primitive.bind(*invals, **bind_params)
            outs = ans if eqn.primitive.multiple_results else [ans]
        for v, o in zip(eqn.outvars, outs, strict=True):
            if not isinstance(v, jcore.DropVar):
                env[v] = o
    return [read(v) for v in jaxpr.outvars]


def inline_custom_rules(f: Callable[..., Any]) -> Callable[..., Any]:
    """``f`` with every custom rule defined outside JAX replaced by its primal function.

    The returned function takes array arguments (pytrees of them) like ``f`` and re-traces ``f`` at each
    call's shapes; it is cached per ``f`` so that checks of one function share compiled programs.
    """
    try:
        return _INLINED[f]
    except (KeyError, TypeError):
        pass

    @functools.wraps(f)
    def inlined(*args: Any) -> Any:
        flat, tree = jax.tree_util.tree_flatten(args)
        closed, out_shape = jax.make_jaxpr(f, return_shape=True)(
            *jax.tree_util.tree_unflatten(tree, _structs([jax.typeof(a) for a in flat])))
        outs = _evaluate(closed.jaxpr, closed.consts, flat)
        return jax.tree_util.tree_unflatten(jax.tree_util.tree_structure(out_shape), outs)

    try:
        _INLINED[f] = inlined
    except TypeError:  # an unhashable callable
        pass
    return inlined


_INLINED: dict[Any, Callable[..., Any]] = {}


def _with(args: tuple[Any, ...], argnums: int | tuple[int, ...], primals: tuple[Any, ...]) -> list[Any]:
    a = list(args)
    for k, p in zip(argnums if isinstance(argnums, tuple) else (argnums,), primals, strict=True):
        a[k] = p
    return a


def own_vjp(f: Callable[..., Any], argnums: int | tuple[int, ...] = 0) -> Callable[..., Any]:
    """``vjp(*args, ct)``: ``ctᵀ·J`` as JAX computes it through ``f``'s own custom rules (the candidate
    of ``check_custom_vjp``), shaped like ``args[argnums]`` (a tuple for a tuple ``argnums``)."""
    def vjp(*args_ct: Any) -> Any:
        *args, ct = args_ct
        nums = argnums if isinstance(argnums, tuple) else (argnums,)
        primals = tuple(args[k] for k in nums)
        _, pull = jax.vjp(lambda *ps: f(*_with(tuple(args), argnums, ps)), *primals)
        res = pull(ct)
        return res if isinstance(argnums, tuple) else res[0]

    vjp.__name__ = vjp.__qualname__ = f"own_vjp({getattr(f, '__name__', 'f')})"
    return vjp


def own_jvp(f: Callable[..., Any], argnums: int | tuple[int, ...] = 0) -> Callable[..., Any]:
    """``jvp(*args, t)``: ``J·t`` as JAX computes it through ``f``'s own custom rules (the candidate of
    ``check_custom_jvp``), shaped like ``f``'s output."""
    def jvp(*args_t: Any) -> Any:
        *args, t = args_t
        nums = argnums if isinstance(argnums, tuple) else (argnums,)
        primals = tuple(args[k] for k in nums)
        tangents = tuple(t) if isinstance(argnums, tuple) else (t,)
        return jax.jvp(lambda *ps: f(*_with(tuple(args), argnums, ps)), primals, tangents)[1]

    jvp.__name__ = jvp.__qualname__ = f"own_jvp({getattr(f, '__name__', 'f')})"
    return jvp
