"""Hints for the common ways of calling a check wrongly: what to change, said next to the failure.

* a VJP written ``backward(dout, x)`` (the cotangent first, as CS231n and most NumPy code write it):
  ``check_vjp`` calls ``vjp(*args, ct)``, with the cotangent last;
* a VJP or JVP candidate without the cotangent or tangent parameter at all (a gradient, or ``ct``
  forgotten);
* a candidate returning a derivative for several arguments while ``argnums`` names one.
"""

from __future__ import annotations

import inspect
from typing import Any

import jax
import numpy as np

from .problem import Problem, label_of
from .programs import normalize_tree

__all__ = ["argnums_hint", "call_hint", "positional_count"]

_EXTRA = {"vjp": ("cotangent", "ct", "check_vjp", "vjp(*args, ct)"),
          "jvp": ("tangent", "t", "check_jvp", "jvp(*args, t)")}


def positional_count(fn: Any) -> int | None:
    """How many positional arguments ``fn`` takes (None: any number, or unknown)."""
    try:
        params = list(inspect.signature(fn).parameters.values())
    except (TypeError, ValueError):
        return None
    if any(p.kind == p.VAR_POSITIONAL for p in params):
        return None
    return sum(p.kind in (p.POSITIONAL_ONLY, p.POSITIONAL_OR_KEYWORD) and p.default is p.empty for p in params)


def call_hint(P: Problem, exc: BaseException, cargs: tuple[Any, ...]) -> str:
    """A hint for a candidate that raised on its first trial, or ``""``."""
    if P.kind not in _EXTRA:
        return ""
    what, _, check, call = _EXTRA[P.kind]
    name = label_of(P.cand)
    n_args = len(cargs) - 1
    n = positional_count(P.cand)
    if n is not None and n == n_args and isinstance(exc, TypeError):
        return (f" (hint: {check} calls the candidate as {call}, with the {what} last; {name} takes {n} "
                f"argument(s), as many as f: add the {what} parameter, or use "
                f"{'check_gradient' if P.kind == 'vjp' else 'check_jacobian'} if it is a full derivative)")
    # the cotangent first? try it once, on copies
    try:
        swapped = (cargs[-1], *cargs[:-1])
        out = P.cand(*jax.tree_util.tree_map(lambda a: np.array(a), swapped))
        jax.tree_util.tree_map(np.asarray, normalize_tree(out))
    except Exception:
        return ""
    return (f" (hint: {name} runs when given the {what} FIRST; {check} calls {call}, with the {what} "
            f"last: pass lambda *a: {name}(a[-1], *a[:-1]))")


def argnums_hint(P: Problem, cand_struct: Any) -> str:
    """``" (pass argnums=(0, 1, 2))"`` when the candidate returns one derivative for each of several
    arguments while ``argnums`` names one, else ``""``."""
    if isinstance(P.argnums_given, tuple) or P.kind not in ("gradient", "vjp"):
        return ""
    cs = normalize_tree(cand_struct)
    if not isinstance(cs, tuple) or len(cs) < 2:
        return ""
    args = jax.tree_util.tree_unflatten(P.treedef, [np.empty(lf.shape) for lf in P.leaves])

    def signature(tree: Any) -> Any:
        return (jax.tree_util.tree_structure(tree),
                tuple(tuple(getattr(x, "shape", ())) for x in jax.tree_util.tree_leaves(tree)))

    wanted = [signature(c) for c in cs]
    have = [signature(a) for a in args]
    used: list[int] = []
    for w in wanted:
        k = next((i for i, h in enumerate(have) if h == w and i not in used), None)
        if k is None:
            return ""
        used.append(k)
    return f" (the candidate returns {len(cs)} derivatives: to check them all, pass argnums={tuple(used)!r})"
