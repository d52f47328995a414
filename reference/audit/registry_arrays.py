"""Functions of whole arrays: ``jax.numpy`` reductions, scans, sorting and products, and ``jax.nn``.

Edge points are ties (``max``, ``sort``, ``median`` and ``top_k`` of equal entries: a derivative there is a
convention, which the witness leaves undecided because the one-sided slopes differ), zeros (``norm`` at 0,
``prod`` with a zero entry), and huge spreads (``logsumexp``, ``softmax``).
"""

from __future__ import annotations

from .spec import Arg, AuditFunction, unary

__all__ = ["NN", "REDUCTIONS"]

_V = (Arg((4,)),)
_TIE = (1.0, 3.0, 3.0, -1.0)
_ZERO = (0.0, 0.0, 0.0, 0.0)
_ONE_ZERO = (2.0, 0.0, -1.5, 0.5)
_SPREAD = (1e3, -1e3, 0.5, 1e-8)
_VECTOR_EDGES = ((_TIE,), (_ZERO,), (_ONE_ZERO,), (_SPREAD,), ((1e-8, -1e-8, 2e-8, 0.0),))


def _vector(family: str, sources: list[str | tuple[str, str]], edges=_VECTOR_EDGES, args=_V) -> list[AuditFunction]:
    out = []
    for s in sources:
        name, src = s if isinstance(s, tuple) else (s, s)
        out.append(AuditFunction(name, src, args, family, edges))
    return out


# --- reductions and scans ------------------------------------------------------------------------------

_REDUCTIONS = [
    *_vector("reduction", [
        "jnp.sum", "jnp.prod", "jnp.mean", "jnp.var", "jnp.std", "jnp.max", "jnp.min", "jnp.amax", "jnp.amin",
        "jnp.ptp", "jnp.median", "jnp.nansum", "jnp.nanmean", "jnp.nanprod", "jnp.nanmax", "jnp.nanmin",
        "jnp.nanvar", "jnp.nanstd", "jnp.nanmedian", "jnp.cumsum", "jnp.cumprod", "jnp.nancumsum",
        "jnp.nancumprod", "jnp.sort", "jnp.diff", "jnp.linalg.vector_norm",
        ("jnp.var(x, ddof=1)", "lambda x: jnp.var(x, ddof=1)"),
        ("jnp.std(x, ddof=1)", "lambda x: jnp.std(x, ddof=1)"),
        ("jnp.average(x, weights=w)", "lambda x: jnp.average(x, weights=jnp.array([1.0, 2.0, 0.5, 3.0]))"),
        ("jnp.quantile(x, 0.3)", "lambda x: jnp.quantile(x, 0.3)"),
        ("jnp.percentile(x, 75)", "lambda x: jnp.percentile(x, 75.0)"),
        ("jnp.linalg.norm(x)", "jnp.linalg.norm"),
        ("jnp.linalg.norm(x, 1)", "lambda x: jnp.linalg.norm(x, 1)"),
        ("jnp.linalg.norm(x, inf)", "lambda x: jnp.linalg.norm(x, jnp.inf)"),
        ("jnp.linalg.norm(x, -inf)", "lambda x: jnp.linalg.norm(x, -jnp.inf)"),
        ("jnp.linalg.norm(x, 3)", "lambda x: jnp.linalg.norm(x, 3)"),
        ("jnp.linalg.norm(x, 0.5)", "lambda x: jnp.linalg.norm(x, 0.5)"),
        ("lax.cumlogsumexp", "lax.cumlogsumexp"), ("lax.cummax", "lax.cummax"), ("lax.cummin", "lax.cummin"),
        ("lax.cumsum", "lax.cumsum"), ("lax.cumprod", "lax.cumprod"),
        ("lax.top_k(x, 2)[0]", "lambda x: lax.top_k(x, 2)[0]"),
        ("lax.reduce_max", "lambda x: lax.reduce_max(x, axes=(0,))"),
        ("jnp.convolve(x, k)", "lambda x: jnp.convolve(x, jnp.array([1.0, -2.0, 0.5]))"),
        ("jnp.correlate(x, k, 'full')", "lambda x: jnp.correlate(x, jnp.array([0.5, 1.0]), 'full')"),
        ("jnp.fft.rfft(x).real", "lambda x: jnp.fft.rfft(x).real"),
        ("jnp.abs(jnp.fft.fft(x))", "lambda x: jnp.abs(jnp.fft.fft(x))"),
        ("jnp.roll(x, 1)", "lambda x: jnp.roll(x, 1)"),
        ("jnp.flip", "jnp.flip"),
        ("jnp.cov", "lambda x: jnp.cov(jnp.stack([x, x ** 2]))"),
        ("jnp.corrcoef", "lambda x: jnp.corrcoef(jnp.stack([x, jnp.sin(x)]))[0, 1]"),
    ]),
    *_vector("reduction", [("jnp.dot", "jnp.dot"), ("jnp.inner", "jnp.inner"), ("jnp.vdot", "jnp.vdot"),
                           ("jnp.outer", "jnp.outer"), ("jnp.kron", "jnp.kron"),
                           ("jnp.einsum('i,j->ij')", "lambda a, b: jnp.einsum('i,j->ij', a, b)")],
             edges=((_TIE, _ONE_ZERO), (_ZERO, _SPREAD)), args=(Arg((4,)), Arg((4,)))),
    *_vector("reduction", [("jnp.cross", "jnp.cross")], edges=(((1.0, 0.0, 0.0), (0.0, 1.0, 0.0)),),
             args=(Arg((3,)), Arg((3,)))),
    *_vector("reduction", [("jnp.matmul", "jnp.matmul"),
                           ("jnp.tensordot(a, b, 1)", "lambda a, b: jnp.tensordot(a, b, 1)")],
             edges=(), args=(Arg((2, 3)), Arg((3, 2)))),
    *_vector("reduction", [("jnp.trace", "jnp.trace"), ("jnp.linalg.matrix_norm", "jnp.linalg.matrix_norm")],
             edges=((((1.0, 0.0), (0.0, 1.0)),),), args=(Arg((2, 2)),)),
]

# --- jax.nn --------------------------------------------------------------------------------------------

_KINKS = (0.0, 1e-8, -1e-8, 1.0, -1.0, 6.0, 3.0, -3.0, 2.0, -2.0, 1e-3, 30.0, -30.0, 1e3, -1e3)

_NN = [
    *unary("nn", ["nn.relu", "nn.relu6", "nn.silu", "nn.swish", "nn.sigmoid", "nn.log_sigmoid", "nn.softplus",
                  "nn.soft_sign", "nn.elu", "nn.celu", "nn.selu", "nn.leaky_relu", "nn.hard_tanh", "nn.hard_sigmoid",
                  "nn.hard_silu", "nn.hard_swish", "nn.mish", "nn.squareplus", "nn.sparse_plus", "nn.sparse_sigmoid",
                  "nn.tanh", "nn.identity",
                  ("nn.gelu(x, approximate=True)", "lambda x: nn.gelu(x, approximate=True)"),
                  ("nn.gelu(x, approximate=False)", "lambda x: nn.gelu(x, approximate=False)"),
                  ("nn.elu(x, alpha=0.5)", "lambda x: nn.elu(x, alpha=0.5)"),
                  ("nn.celu(x, alpha=2.0)", "lambda x: nn.celu(x, alpha=2.0)")], "real", extra=_KINKS),
    *unary("nn", ["nn.log1mexp"], "positive"),
    *_vector("nn", ["nn.softmax", "nn.log_softmax", "nn.standardize", "nn.logsumexp", "nn.logmeanexp", "nn.glu",
                    ("nn.softmax(x, where=mask)",
                     "lambda x: nn.softmax(x, where=jnp.array([True, True, False, True]))"),
                    ("nn.one_hot(2, 4) @ nn.log_softmax(x)", "lambda x: nn.one_hot(2, 4) @ nn.log_softmax(x)")]),
    AuditFunction("nn.dot_product_attention", "lambda q, k, v: nn.dot_product_attention(q, k, v)",
                  (Arg((1, 3, 1, 2)), Arg((1, 3, 1, 2)), Arg((1, 3, 1, 2))), "nn", random=4),
]

REDUCTIONS: list[AuditFunction] = _REDUCTIONS
NN: list[AuditFunction] = _NN
