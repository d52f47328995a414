"""``jax.scipy.special`` and ``jax.scipy.stats``: special functions and log-densities, in the arguments
where JAX differentiates them.

Integer orders and shape parameters that JAX does not differentiate are fixed in the source text
(``polygamma(1, x)``, ``expn(2, x)``). The Bessel functions get points near 0 (``bessel_jn`` differentiates
wrongly there in JAX 0.10, ``i0`` at exactly 0).
"""

from __future__ import annotations

from .spec import Arg, AuditFunction, binary, unary

__all__ = ["SPECIAL", "STATS"]

_NEAR_ZERO = (1e-4, -1e-4, 1e-3, -1e-3, 0.01, -0.01, 0.02, 0.05, 1e-6)

# --- jax.scipy.special ---------------------------------------------------------------------------------

_SPECIAL = [
    *unary("special", ["jss.erf", "jss.erfc", "jss.expit", "jss.ndtr", "jss.log_ndtr", "jss.dawsn", "jss.erfcx",
                       "jss.i0", "jss.i0e", "jss.i1", "jss.i1e"], "real", extra=(-30.0, -1e3, 5.0, -5.0)),
    *unary("special", [("jss.bessel_jn(x, v=2)", "lambda x: jss.bessel_jn(x, v=2)"),
                       ("jss.bessel_jn(x, v=0)", "lambda x: jss.bessel_jn(x, v=0)")], "moderate", extra=_NEAR_ZERO),
    *unary("special", [("jss.fresnel(x)[0]", "lambda x: jss.fresnel(x)[0]"),
                       ("jss.fresnel(x)[1]", "lambda x: jss.fresnel(x)[1]"),
                       ("jss.sici(x)[0]", "lambda x: jss.sici(x)[0]")], "moderate"),
    *unary("special", ["jss.erfinv"], "unit"),
    *unary("special", ["jss.logit", "jss.ndtri"], "prob"),
    *unary("special", ["jss.gammaln", "jss.gamma", "jss.digamma", "jss.loggamma", "jss.factorial", "jss.spence",
                       "jss.entr", ("jss.sici(x)[1]", "lambda x: jss.sici(x)[1]"),
                       ("jss.polygamma(1, x)", "lambda x: jss.polygamma(1, x)"),
                       ("jss.polygamma(2, x)", "lambda x: jss.polygamma(2, x)"),
                       ("jss.polygamma(3, x)", "lambda x: jss.polygamma(3, x)"),
                       ("jss.zeta(3.0, x)", "lambda x: jss.zeta(3.0, x)"),
                       ("jss.gammainc(2.5, x)", "lambda x: jss.gammainc(2.5, x)"),
                       ("jss.gammaincc(2.5, x)", "lambda x: jss.gammaincc(2.5, x)"),
                       ("jss.gammainc(a, 1.5)", "lambda a: jss.gammainc(a, 1.5)"),
                       ("jss.hyp1f1(1.5, 2.5, x)", "lambda x: jss.hyp1f1(1.5, 2.5, x)"),
                       ("jss.poch(x, 3.0)", "lambda x: jss.poch(x, 3.0)"),
                       ("jss.boxcox(x, 0.5)", "lambda x: jss.boxcox(x, 0.5)"),
                       ("jss.boxcox1p(x, 0.5)", "lambda x: jss.boxcox1p(x, 0.5)")],
           "positive", extra=(0.0,)),
    *unary("special", [("jss.gammaln (negative x)", "jss.gammaln"), ("jss.digamma (negative x)", "jss.digamma")],
           "nonzero", extra=(-0.5, -1.5, -2.25)),
    # vmap(exp1), vmap(expn) and vmap(expi) never return when a batch holds an x below about 1e-4 (JAX 0.10:
    # under vmap both branches run, and the continued fraction does not converge there): kept away from 0
    *unary("special", ["jss.exp1", ("jss.expn(2, x)", "lambda x: jss.expn(2, x)")], "away0"),
    *unary("special", ["jss.expi"], "away0_signed"),
    *unary("special", [("jss.multigammaln(x, 3)", "lambda x: jss.multigammaln(x, 3)")], "gt1"),
    *unary("special", [("jss.hyp2f1(0.5, 1.5, 2.5, x)", "lambda x: jss.hyp2f1(0.5, 1.5, 2.5, x)"),
                       ("jss.betainc(2.0, 3.0, x)", "lambda x: jss.betainc(2.0, 3.0, x)")], "prob"),
    *binary("special", ["jss.xlogy", "jss.xlog1py"], ("real", "positive"),
            edges=((0.0, 1.0), (0.0, 1e-8), (1.0, 1e-8), (2.0, 0.5), (-1.0, 3.0), (0.0, 2.0))),
    *binary("special", ["jss.betaln", "jss.beta", "jss.kl_div", "jss.rel_entr"], ("positive", "positive"),
            edges=((1.0, 1.0), (0.5, 2.0), (1e-3, 3.0), (20.0, 0.5), (0.0, 1.0))),
    *binary("special", [("jss.owens_t", "jss.owens_t")], ("real", "real"),
            edges=((0.0, 1.0), (1.0, 0.0), (0.5, 2.0))),
    *unary("special", [("jss.zeta(s, 1.5)", "lambda s: jss.zeta(s, 1.5)")], "gt1"),
    AuditFunction("jss.logsumexp", "jss.logsumexp", (Arg((4,)),), "special",
                  edges=(((0.0, 0.0, 0.0, 0.0),), ((1e3, 1e3, -1e3, 0.0),), ((-800.0, -800.0, -900.0, -1e3),))),
    AuditFunction("jss.softmax", "jss.softmax", (Arg((4,)),), "special", edges=(((0.0, 0.0, 0.0, 0.0),),)),
    AuditFunction("jss.log_softmax", "jss.log_softmax", (Arg((4,)),), "special",
                  edges=(((0.0, 0.0, 0.0, 0.0),), ((1e3, 0.0, -1e3, 1.0),))),
]

# --- jax.scipy.stats -----------------------------------------------------------------------------------

_STATS = [
    *unary("stats", ["stats.norm.pdf", "stats.norm.cdf", "stats.norm.logpdf", "stats.norm.logcdf", "stats.norm.sf",
                     "stats.norm.logsf", "stats.cauchy.logpdf", "stats.cauchy.cdf", "stats.logistic.logpdf",
                     "stats.logistic.cdf", "stats.laplace.logpdf", "stats.laplace.cdf", "stats.gumbel_r.logpdf",
                     "stats.gumbel_l.cdf", ("stats.vonmises.logpdf(x, 2.0)", "lambda x: stats.vonmises.logpdf(x, 2.0)"),
                     ("stats.t.logpdf(x, 3.0)", "lambda x: stats.t.logpdf(x, 3.0)"),
                     ("stats.gennorm.logpdf(x, 1.5)", "lambda x: stats.gennorm.logpdf(x, 1.5)"),
                     ("stats.truncnorm.logpdf(x, -1, 2)", "lambda x: stats.truncnorm.logpdf(x, -1.0, 2.0)")],
           "real", extra=(-30.0, 30.0)),
    *unary("stats", ["stats.norm.ppf", "stats.norm.isf"], "prob"),
    *unary("stats", ["stats.expon.logpdf",
                     ("stats.gamma.logpdf(x, 2.5)", "lambda x: stats.gamma.logpdf(x, 2.5)"),
                     ("stats.gamma.cdf(x, 2.5)", "lambda x: stats.gamma.cdf(x, 2.5)"),
                     ("stats.chi2.logpdf(x, 3.0)", "lambda x: stats.chi2.logpdf(x, 3.0)"),
                     ("stats.pareto.logpdf(x, 2.0)", "lambda x: stats.pareto.logpdf(x + 1.0, 2.0)"),
                     ("stats.poisson.logpmf(3, mu)", "lambda mu: stats.poisson.logpmf(3.0, mu)")], "positive"),
    *unary("stats", [("stats.beta.logpdf(x, 2, 3)", "lambda x: stats.beta.logpdf(x, 2.0, 3.0)"),
                     ("stats.beta.cdf(x, 2, 3)", "lambda x: stats.beta.cdf(x, 2.0, 3.0)")], "prob"),
    *binary("stats", [("stats.norm.logpdf(x, 0, scale)", "lambda x, s: stats.norm.logpdf(x, 0.0, s)")],
            ("real", "positive"), edges=((0.0, 1.0), (1.0, 1e-3))),
    AuditFunction("stats.multivariate_normal.logpdf", "lambda x: stats.multivariate_normal.logpdf(x, "
                  "jnp.zeros(3), jnp.array([[2.0, 0.5, 0.0], [0.5, 1.0, 0.2], [0.0, 0.2, 1.5]]))",
                  (Arg((3,)),), "stats", edges=(((0.0, 0.0, 0.0),),)),
    AuditFunction("stats.dirichlet.logpdf", "lambda x: stats.dirichlet.logpdf(x / jnp.sum(x), "
                  "jnp.array([1.5, 2.0, 3.0]))", (Arg((3,), "positive"),), "stats", edges=(((1.0, 1.0, 1.0),),)),
]

SPECIAL: list[AuditFunction] = _SPECIAL
STATS: list[AuditFunction] = _STATS
