"""``jax.numpy.linalg`` and ``jax.scipy.linalg``: decompositions and solves, through a real output each.

Decompositions with several outputs are audited one output at a time (``qr(a)[1]``); eigenvectors and
singular vectors are left out (their sign is a gauge, so a derivative of them is a convention). Edge
points: the identity, a matrix with a repeated eigenvalue (eigenvalues have a kink there), a singular
one (``det`` is smooth there, ``inv`` is not defined), a nearly singular one.
"""

from __future__ import annotations

from .spec import Arg, AuditFunction

__all__ = ["LINALG"]

_I = ((1.0, 0.0, 0.0), (0.0, 1.0, 0.0), (0.0, 0.0, 1.0))
_REPEATED = ((2.0, 0.0, 0.0), (0.0, 2.0, 0.0), (0.0, 0.0, 1.0))
_SINGULAR = ((1.0, 2.0, 3.0), (2.0, 4.0, 6.0), (1.0, 0.0, 1.0))
_NEAR_SINGULAR = ((1.0, 2.0, 3.0), (2.0, 4.0, 6.0 + 1e-6), (1.0, 0.0, 1.0))
_NONSYM = ((2.0, 1.0, 0.0), (-1.0, 3.0, 0.5), (0.0, 0.5, 1.0))
_B = (1.0, -2.0, 0.5)

_SQUARE = (Arg((3, 3), "matrix"),)
_SQUARE_EDGES = ((_I,), (_REPEATED,), (_NONSYM,), (_NEAR_SINGULAR,))
_SPD = (Arg((3, 3), "spd"),)
_SPD_EDGES = ((_I,), (_REPEATED,))
_SYM = (Arg((3, 3), "sym"),)


def _entries(sources: list[str | tuple[str, str]], args: tuple[Arg, ...], edges: tuple = ()) -> list[AuditFunction]:
    out = []
    for s in sources:
        name, src = s if isinstance(s, tuple) else (s, s)
        out.append(AuditFunction(name, src, args, "linalg", edges, random=4))
    return out


LINALG: list[AuditFunction] = [
    *_entries(["jnp.linalg.det", "jnp.linalg.inv", "jnp.linalg.pinv", "jnp.linalg.svdvals", "jsl.det", "jsl.inv",
               "jsl.expm",
               ("jnp.linalg.slogdet(a)[1]", "lambda a: jnp.linalg.slogdet(a)[1]"),
               ("jnp.linalg.svd(a, compute_uv=False)", "lambda a: jnp.linalg.svd(a, compute_uv=False)"),
               ("jnp.linalg.norm(a, 'fro')", "lambda a: jnp.linalg.norm(a, 'fro')"),
               ("jnp.linalg.norm(a, 'nuc')", "lambda a: jnp.linalg.norm(a, 'nuc')"),
               ("jnp.linalg.norm(a, 2)", "lambda a: jnp.linalg.norm(a, 2)"),
               ("jnp.linalg.norm(a, -2)", "lambda a: jnp.linalg.norm(a, -2)"),
               ("jnp.linalg.norm(a, 1)", "lambda a: jnp.linalg.norm(a, 1)"),
               ("jnp.linalg.norm(a, inf)", "lambda a: jnp.linalg.norm(a, jnp.inf)"),
               ("jnp.linalg.cond", "jnp.linalg.cond"),
               ("jnp.linalg.matrix_power(a, 3)", "lambda a: jnp.linalg.matrix_power(a, 3)"),
               ("jnp.linalg.matrix_power(a, -2)", "lambda a: jnp.linalg.matrix_power(a, -2)"),
               ("jnp.linalg.tensorinv(a, 1)", "lambda a: jnp.linalg.tensorinv(a, 1)"),
               ("jsl.polar(a)[0]", "lambda a: jsl.polar(a)[0]"),
               ("jsl.schur(a)[0] (eigenvalues)", "lambda a: jnp.diag(jsl.schur(a @ a.T)[0])"),
               ("jsl.hessenberg(a) diagonal", "lambda a: jnp.diag(jsl.hessenberg(a + a.T))"),
               ("jsl.expm_frechet(a, e)[1]", "lambda a: jsl.expm_frechet(a, jnp.eye(3))[1]")],
             _SQUARE, _SQUARE_EDGES),
    # QR and LU have a sign (pivot) gauge that LAPACK fixes differently where a column is already reduced
    # (a diagonal matrix): Q jumps there, so these are audited at random points only
    *_entries([("jnp.linalg.qr(a)[0]", "lambda a: jnp.linalg.qr(a)[0]"),
               ("jnp.linalg.qr(a)[1]", "lambda a: jnp.linalg.qr(a)[1]"),
               ("jsl.qr(a)[1]", "lambda a: jsl.qr(a)[1]"),
               ("jsl.lu(a)[1]", "lambda a: jsl.lu(a)[1]"),
               ("jsl.lu(a)[2]", "lambda a: jsl.lu(a)[2]")], _SQUARE),
    # A symmetric positive definite argument, symmetrized in the source: jax.scipy.linalg reads one triangle
    # while its derivative rules assume a symmetric tangent, a convention the audit does not report
    *_entries([("jnp.linalg.cholesky", "lambda a: jnp.linalg.cholesky((a + a.T) / 2)"),
               ("jsl.cholesky", "lambda a: jsl.cholesky((a + a.T) / 2)"),
               ("jsl.sqrtm(a).real", "lambda a: jsl.sqrtm((a + a.T) / 2).real"),
               ("jsl.cho_solve(jsl.cho_factor(a), b)",
                "lambda a: jsl.cho_solve(jsl.cho_factor((a + a.T) / 2), jnp.array([1.0, -2.0, 0.5]))"),
               ("jsl.solve(a, b, assume_a='pos')",
                "lambda a: jsl.solve((a + a.T) / 2, jnp.array([1.0, -2.0, 0.5]), assume_a='pos')")],
             _SPD, _SPD_EDGES),
    *_entries([("jnp.linalg.eigh(a)[0]", "lambda a: jnp.linalg.eigh(a)[0]"),
               ("jnp.linalg.eigvalsh", "jnp.linalg.eigvalsh"),
               ("jsl.eigh(a, eigvals_only=True)", "lambda a: jsl.eigh(a, eigvals_only=True)"),
               ("jnp.linalg.eigvals(a).real (symmetric a)", "lambda a: jnp.sort(jnp.linalg.eigvals(a + a.T).real)")],
             _SYM, ((_I,), (_REPEATED,), (_NONSYM,))),
    *_entries(["jnp.linalg.solve", "jsl.solve",
               ("jsl.solve_triangular(a, b, lower=True)", "lambda a, b: jsl.solve_triangular(a, b, lower=True)"),
               ("jsl.lu_solve(jsl.lu_factor(a), b)", "lambda a, b: jsl.lu_solve(jsl.lu_factor(a), b)")],
             (Arg((3, 3), "matrix"), Arg((3,))), ((_I, _B), (_NONSYM, _B))),
    *_entries([("jnp.linalg.lstsq(a, b)[0]", "lambda a, b: jnp.linalg.lstsq(a, b)[0]"),
               ("jnp.linalg.pinv (tall)", "lambda a, b: jnp.linalg.pinv(a) @ b")],
              (Arg((4, 2)), Arg((4,)))),
    *_entries([("jnp.linalg.tensorsolve", "lambda a, b: jnp.linalg.tensorsolve(a.reshape(2, 2, 4), b.reshape(2, 2))")],
              (Arg((4, 4), "matrix"), Arg((4,)))),
    *_entries([("jnp.linalg.multi_dot", "lambda a, b, c: jnp.linalg.multi_dot([a, b, c])")],
              (Arg((2, 3)), Arg((3, 3)), Arg((3, 2)))),
    *_entries([("jsl.eigh_tridiagonal(d, e, eigvals_only=True)",
                "lambda d, e: jsl.eigh_tridiagonal(d, e, eigvals_only=True)")], (Arg((3,)), Arg((2,)))),
]
