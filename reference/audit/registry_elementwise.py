"""Element-wise functions of ``jax.numpy`` and the ``jax.lax`` primitives under them, one or two arguments.

Grouped by domain, each group with the edge points of its domain (:data:`~.spec.EDGES`) and the function's
own: kinks (``abs``, ``maximum`` ties, ``clip`` at its bounds), integers (``floor`` and kin jump there),
``sinc`` at 0 (a removable singularity JAX special-cases).
"""

from __future__ import annotations

from .spec import Arg, AuditFunction, binary, unary

__all__ = ["ELEMENTWISE"]

# --- jax.numpy, one argument ---------------------------------------------------------------------------

_NUMPY_UNARY = [
    *unary("numpy", ["jnp.sin", "jnp.cos", "jnp.arctan", "jnp.tanh", "jnp.arcsinh", "jnp.square", "jnp.negative",
                     "jnp.positive", "jnp.deg2rad", "jnp.rad2deg", "jnp.degrees", "jnp.radians", "jnp.nan_to_num",
                     "jnp.real", "jnp.conj", "jnp.i0", "jnp.cbrt"], "real", extra=(3.0, 1e-300)),
    *unary("numpy", ["jnp.sinc"], "real", extra=(2.0, 1e-4, -1e-4, 1e-6)),
    *unary("numpy", ["jnp.abs", "jnp.fabs", "jnp.absolute", "jnp.sign"], "real"),
    *unary("numpy", ["jnp.floor", "jnp.ceil", "jnp.round", "jnp.trunc", "jnp.rint"], "real",
           extra=(2.0, 2.5, -1.5, 0.49999999999999994)),
    *unary("numpy", ["jnp.exp", "jnp.exp2", "jnp.expm1", "jnp.sinh", "jnp.cosh"], "moderate",
           extra=(50.0, -50.0, 700.0)),
    *unary("numpy", ["jnp.tan"], "halfpi", extra=(1.5707963267948966,)),
    *unary("numpy", ["jnp.arcsin", "jnp.arccos", "jnp.arctanh"], "unit"),
    *unary("numpy", ["jnp.arccosh"], "ge1"),
    *unary("numpy", ["jnp.log", "jnp.log2", "jnp.log10", "jnp.sqrt", "jnp.reciprocal"], "positive", extra=(1e-300,)),
    *unary("numpy", ["jnp.log1p"], "gtm1"),
    *unary("numpy", [("jnp.clip(x, -1, 1)", "lambda x: jnp.clip(x, -1.0, 1.0)"),
                     ("jnp.ldexp(x, 3)", "lambda x: jnp.ldexp(x, 3)"),
                     ("jnp.power(x, 3)", "lambda x: jnp.power(x, 3)"),
                     ("jnp.power(x, 0.5)", "lambda x: jnp.power(x, 0.5)"),
                     ("jnp.float_power(x, 1.5)", "lambda x: jnp.float_power(x, 1.5)"),
                     ("x ** 2.0", "lambda x: x ** 2.0"),
                     ("jnp.angle", "jnp.angle"),
                     ("jnp.heaviside(x, 0.5)", "lambda x: jnp.heaviside(x, 0.5)")], "real"),
]

# --- jax.numpy, two arguments --------------------------------------------------------------------------

_TIES = ((0.0, 0.0), (1.0, 1.0), (-2.0, -2.0), (0.0, 1.0), (1.0, 0.0), (-1.0, 1.0), (1e-8, 1.0), (3.0, -1e-3),
         (20.0, 0.5), (-300.0, 2.0))

_NUMPY_BINARY = [
    *binary("numpy", ["jnp.add", "jnp.subtract", "jnp.multiply", "jnp.maximum", "jnp.minimum", "jnp.fmax",
                      "jnp.fmin", "jnp.hypot", "jnp.arctan2", "jnp.logaddexp", "jnp.logaddexp2", "jnp.copysign"],
            edges=_TIES),
    *binary("numpy", ["jnp.divide", "jnp.true_divide", "jnp.floor_divide", "jnp.remainder", "jnp.mod", "jnp.fmod"],
            ("real", "nonzero"), edges=((0.0, 1.0), (1.0, 1.0), (3.0, 2.0), (-3.0, 2.0), (1e-8, 1e-3), (5.0, -0.3),
                                        (1.0, 1e-6))),
    *binary("numpy", ["jnp.power", "jnp.float_power", "jnp.pow"], ("positive", "real"),
            edges=((1.0, 2.0), (2.0, 0.0), (1e-8, 0.5), (0.5, -1.0), (3.0, 1e-8), (0.0, 2.0), (0.0, 3.5),
                   (0.0, 1.0), (20.0, 3.0))),
    AuditFunction("jnp.polyval", "jnp.polyval", (Arg((4,)), Arg((), "real")), "numpy",
                  edges=(((1.0, -2.0, 0.5, 3.0), 0.0), ((0.0, 0.0, 0.0, 1.0), 1e3))),
    AuditFunction("jnp.interp(x, xp, fp)", "lambda x: jnp.interp(x, jnp.array([0.0, 1.0, 3.0]), "
                  "jnp.array([1.0, -1.0, 2.0]))", (Arg((), "moderate"),), "numpy",
                  edges=((0.0,), (1.0,), (3.0,), (0.5,), (-1.0,), (4.0,))),
    AuditFunction("jnp.where(x > 0, x**2, -x)", "lambda x: jnp.where(x > 0, x**2, -x)", (Arg(),), "numpy",
                  edges=((0.0,), (1.0,), (-1.0,), (1e-8,))),
]

# --- jax.lax primitives ---------------------------------------------------------------------------------

_LAX = [
    *unary("lax", ["lax.sin", "lax.cos", "lax.atan", "lax.tanh", "lax.asinh", "lax.logistic", "lax.erf", "lax.erfc",
                   "lax.cbrt", "lax.neg", "lax.square", "lax.abs", "lax.sign", "lax.round", "lax.floor",
                   ("lax.integer_pow(x, 3)", "lambda x: lax.integer_pow(x, 3)"),
                   ("lax.integer_pow(x, -2)", "lambda x: lax.integer_pow(x, -2)"),
                   ("lax.clamp(-1, x, 1)", "lambda x: lax.clamp(-1.0, x, 1.0)"),
                   ("lax.reduce_precision(x, 11, 52)", "lambda x: lax.reduce_precision(x, 11, 52)")], "real"),
    *unary("lax", ["lax.exp", "lax.exp2", "lax.expm1", "lax.sinh", "lax.cosh"], "moderate", extra=(50.0,)),
    *unary("lax", ["lax.tan"], "halfpi"),
    *unary("lax", ["lax.asin", "lax.acos", "lax.atanh", "lax.erf_inv"], "unit"),
    *unary("lax", ["lax.acosh"], "ge1"),
    *unary("lax", ["lax.log", "lax.sqrt", "lax.rsqrt", "lax.lgamma", "lax.digamma", "lax.bessel_i0e",
                   "lax.bessel_i1e"], "positive"),
    *unary("lax", ["lax.log1p"], "gtm1"),
    *binary("lax", ["lax.atan2", "lax.max", "lax.min", "lax.add", "lax.sub", "lax.mul"],
            edges=_TIES),
    *binary("lax", ["lax.div", "lax.rem"], ("real", "nonzero"), edges=((0.0, 1.0), (3.0, 2.0), (-3.0, 2.0))),
    *binary("lax", ["lax.pow"], ("positive", "real"), edges=((1.0, 2.0), (0.0, 2.0), (2.0, 0.0), (1e-8, 0.5))),
    *binary("lax", ["lax.igamma", "lax.igammac"], ("positive", "positive"),
            edges=((1.0, 1e-8), (2.5, 1.0), (0.5, 20.0), (1e-3, 1e-3), (30.0, 30.0))),
    *unary("lax", [("lax.polygamma(1, x)", "lambda x: lax.polygamma(1.0, x)")], "positive"),
    *binary("lax", ["lax.zeta"], ("gt1", "positive"), edges=((2.0, 1.0), (1.5, 1e-3), (3.0, 20.0))),
    AuditFunction("lax.betainc", "lax.betainc",
                  (Arg((), "positive"), Arg((), "positive"), Arg((), "prob")), "lax",
                  edges=((2.0, 3.0, 0.5), (0.5, 0.5, 1e-3), (1.0, 1.0, 0.999))),
]

ELEMENTWISE: list[AuditFunction] = [*_NUMPY_UNARY, *_NUMPY_BINARY, *_LAX]
