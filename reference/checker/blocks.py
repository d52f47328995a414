"""Blocks: the compared arrays of a check named and shaped (one per output leaf × input leaf), the
probe-mode contraction of a claimed Jacobian, and the structure a candidate must return.
"""

from __future__ import annotations

import math
from typing import Any

import jax
import numpy as np

from .problem import Block, Problem
from .programs import wrt_function

__all__ = ["contract", "describe_struct", "expected_dense_struct", "make_blocks", "out_names"]


def out_names(out_struct: Any) -> list[tuple[str, tuple[int, ...]]]:
    flat, _ = jax.tree_util.tree_flatten_with_path(out_struct)
    if len(flat) == 1 and not flat[0][0]:
        return [("f", tuple(flat[0][1].shape))]
    return [("f" + jax.tree_util.keystr(tuple(p)), tuple(s.shape)) for p, s in flat]


def make_blocks(P: Problem, out_struct: Any, shapes: list[tuple[int, ...]]) -> list[Block]:
    outs = out_names(out_struct)
    diff = P.diff_leaves
    k = P.opts["probes"]
    if P.kind in ("gradient", "vjp"):
        return [Block(P.leaves[i].path, (), shapes[i], in_leaf=i) for i in diff]
    if P.kind == "jvp":
        return [Block(f"J·t → {name}", s, (), out_leaf=j) for j, (name, s) in enumerate(outs)]
    if P.kind == "jacobian" and P.dense:
        return [Block(f"∂{name}/∂{P.leaves[i].path}", s, shapes[i], in_leaf=i, out_leaf=j)
                for j, (name, s) in enumerate(outs) for i in diff]
    if P.kind == "hessian" and P.dense:
        return [Block(f"∂²f/∂{P.leaves[i].path}∂{P.leaves[j].path}", shapes[i], shapes[j], in_leaf=j,
                       out_leaf=a) for a, i in enumerate(diff) for j in diff]
    if P.kind == "hessian":
        return [Block(f"H·v → {P.leaves[i].path}", (k, *shapes[i]), (), in_leaf=i, product=True)
                for i in diff]
    return ([Block(f"J·v → {name}", (k, *s), (), out_leaf=j, product=True) for j, (name, s) in enumerate(outs)]
            + [Block(f"uᵀJ → {P.leaves[i].path}", (k, *shapes[i]), (), in_leaf=i, product=True) for i in diff])


def contract(P: Problem, claimed: list[np.ndarray], extra: dict[str, Any], blocks: list[Block],
              out_shapes: list[tuple[int, ...]], shapes: list[tuple[int, ...]]) -> list[np.ndarray]:
    """Probe mode: the candidate's dense blocks times the probes, in the blocks' order.

    The products are batched matrix products (``@``, BLAS per trial), not ``einsum``, whose unoptimized
    loop took 49–52 ms per trial for a 3000 × 3000 block against 7.5–7.7 ms (a probed check of
    ``jnp.tanh`` on 3000 entries, 100 trials: 8.2 s before, 1.7–2.5 s after). A block already in float64
    is not copied (``np.asarray``): a claimed Jacobian can be most of a trial's memory."""
    diff = P.diff_leaves
    T = claimed[0].shape[0] if claimed else 0
    V = [np.asarray(v, np.float64).reshape(T, P.opts["probes"], -1) for v in extra["V"]]
    n_in = len(diff)
    if P.kind == "hessian":
        res = []
        for a in range(n_in):
            acc = 0.0
            for b in range(n_in):
                C = np.asarray(claimed[a * n_in + b], np.float64).reshape(T, math.prod(shapes[diff[a]]), -1)
                acc = acc + V[b] @ np.swapaxes(C, 1, 2)  # (t, k, o): each probe v times Cᵀ, through BLAS
            res.append(np.asarray(acc).reshape((T, P.opts["probes"], *shapes[diff[a]])))
        return res
    U = [np.asarray(u, np.float64).reshape(T, P.opts["probes"], -1) for u in extra["U"]]
    jv, uj = [], []
    for o, oshape in enumerate(out_shapes):
        acc = 0.0
        for b in range(n_in):
            C = np.asarray(claimed[o * n_in + b], np.float64).reshape(T, math.prod(oshape), -1)
            acc = acc + V[b] @ np.swapaxes(C, 1, 2)  # (t, k, o): J·v for each probe v
        jv.append(np.asarray(acc).reshape((T, P.opts["probes"], *oshape)))
    for b in range(n_in):
        acc = 0.0
        for o, oshape in enumerate(out_shapes):
            C = np.asarray(claimed[o * n_in + b], np.float64).reshape(T, math.prod(oshape), -1)
            acc = acc + U[o] @ C  # (t, k, i): uᵀJ for each probe u
        uj.append(np.asarray(acc).reshape((T, P.opts["probes"], *shapes[diff[b]])))
    return jv + uj


def expected_dense_struct(P: Problem, ref_args: tuple[Any, ...], out_struct: Any) -> Any:
    """What the candidate must return (shapes only): the structure of JAX's dense reference, built from
    the output's and the differentiated inputs' shapes without tracing a derivative.

    JAX's conventions: ``grad`` and ``vjp`` are shaped like the inputs; ``jacfwd`` nests the output's
    structure outside the inputs' (``out.shape + in.shape`` per leaf pair); the Hessian nests the
    gradient's structure outside the inputs' (``in.shape + in.shape``); ``jvp`` is shaped like the output.
    A tuple ``argnums`` gives a tuple over the arguments at each inner level.
    """
    _, ps = wrt_function(P, ref_args)
    tree_map = jax.tree_util.tree_map
    tupled = isinstance(P.argnums_given, tuple)

    def like_inputs(shape: tuple[int, ...], dtype: Any) -> Any:
        inner = tuple(tree_map(lambda i: jax.ShapeDtypeStruct(tuple(shape) + tuple(i.shape), dtype), p)
                      for p in ps)
        return inner if tupled else inner[0]

    shaped = tuple(tree_map(lambda i: jax.ShapeDtypeStruct(tuple(i.shape), i.dtype), p) for p in ps)
    grad_like = shaped if tupled else shaped[0]
    if P.kind in ("gradient", "vjp"):
        return grad_like
    if P.kind == "jvp":
        return out_struct
    if P.kind == "jacobian":
        return tree_map(lambda o: like_inputs(o.shape, o.dtype), out_struct)
    return tree_map(lambda g: like_inputs(g.shape, g.dtype), grad_like)  # the Hessian


def describe_struct(tree: Any) -> str:
    if isinstance(tree, tuple):
        return f"a tuple of {len(tree)}"
    if isinstance(tree, dict):
        return f"a dict with keys {sorted(map(str, tree))}"
    shape = getattr(tree, "shape", None)
    return f"an array of shape {tuple(shape)}" if shape is not None else type(tree).__name__
