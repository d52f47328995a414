r"""Matrix Cookbook §2.4.1–§2.4.2: derivatives of matrices, vectors and scalar forms, first and second order.

One closed form per row of COOKBOOK.md, each citing the Cookbook's own equation number (``CB-<n>``);
the complex LMS row (89) and the higher-order rows (90)–(97) are in
:mod:`chainrule.analytic.cookbook_forms_higher`. Rows already
in :mod:`chainrule.analytic.matrix` are not repeated here: CB-69 (``grad_inner_x``), CB-70
(``grad_bilinear_X``), CB-81 (``grad_quadratic_form_x``) and CB-84's W = I case
(``grad_squared_residual_x``).

| ID | identity | function |
|---|---|---|
| CB-71 | ∂aᵀXᵀb/∂X = b aᵀ | :func:`grad_bilinear_transposed_X` |
| CB-72 | ∂aᵀXa/∂X = ∂aᵀXᵀa/∂X = a aᵀ | :func:`grad_bilinear_aa_X` |
| CB-73 | ∂X/∂X_ij = J^ij (the whole Jacobian) | :func:`jac_identity_map_X` |
| CB-74 | ∂(XA)_ij/∂X_mn = δ_im A_nj | :func:`jac_product_XA_X` |
| CB-75 | ∂(XᵀA)_ij/∂X_mn = δ_in A_mj | :func:`jac_product_XtA_X` |
| CB-76 | ∂/∂X_ij Σ X_kl X_mn = 2 Σ X_kl | :func:`grad_squared_sum_X` |
| CB-77 | ∂bᵀXᵀXc/∂X = X(bcᵀ + cbᵀ) | :func:`grad_bilinear_gram_X` |
| CB-78 | ∂(Bx+b)ᵀC(Dx+d)/∂x | :func:`grad_affine_bilinear_x` |
| CB-79 | ∂(XᵀBX)_kl/∂X_ij (entry form) | :func:`jac_congruence_X` |
| CB-80 | ∂(XᵀBX)/∂X_ij = XᵀBJ^ij + J^ji BX | :func:`jac_congruence_X_from_single_entries` |
| CB-82 | ∂bᵀXᵀDXc/∂X = DᵀXbcᵀ + DXcbᵀ | :func:`grad_bilinear_weighted_gram_X` |
| CB-83 | ∂(Xb+c)ᵀD(Xb+c)/∂X = (D+Dᵀ)(Xb+c)bᵀ | :func:`grad_affine_quadratic_X` |
| CB-84, 87, 88 | ∂/∂s, ∂/∂x, ∂/∂A of (x − As)ᵀW(x − As), W symmetric | :func:`grad_weighted_residual_s` … |
| CB-85, 86 | ∂/∂x, ∂/∂s of (x − s)ᵀW(x − s), W symmetric | :func:`grad_weighted_difference_x` … |

Layout (DESIGN.md, COOKBOOK.md §1): the gradient of a scalar is shaped like its argument (``jax.grad``,
the Cookbook's ``(∂f/∂X)_ij = ∂f/∂X_ij``); an entry form ``∂F_kl/∂X_ij`` is the numerator-layout Jacobian
``out.shape + in.shape`` with entry ``[k, l, i, j]``. For the rows written as ``∂F/∂X_ij`` (a matrix
shaped like F, one per entry of X, layout ``M``) the whole Jacobian is returned, built from the row's
formula for every (i, j) at once: ``J^ij`` is the single-entry matrix ``(J^ij)_kl = δ_ik δ_jl``, and the
stack of all of them is an ``(m, n, m, n)`` array whose ``[i, j]`` slice is ``J^ij``.

No kinks anywhere in this module: every function is a polynomial in its arguments.

References:
  K. B. Petersen and M. S. Pedersen, "The Matrix Cookbook", Technical University of Denmark,
  version 20121115, §2.4.1, §2.4.2.
"""

from __future__ import annotations

from typing import Any

from ._array import inputs, require_ndim, require_symmetric
from .matrix import _matmul_shapes, _square

__all__ = [
    "affine_bilinear",
    "affine_quadratic",
    "bilinear_aa",
    "bilinear_gram",
    "bilinear_transposed",
    "bilinear_transposed_aa",
    "bilinear_weighted_gram",
    "congruence",
    "grad_affine_bilinear_x",
    "grad_affine_quadratic_X",
    "grad_bilinear_aa_X",
    "grad_bilinear_gram_X",
    "grad_bilinear_transposed_X",
    "grad_bilinear_weighted_gram_X",
    "grad_squared_sum_X",
    "grad_weighted_difference_s",
    "grad_weighted_difference_x",
    "grad_weighted_residual_A",
    "grad_weighted_residual_s",
    "grad_weighted_residual_x",
    "identity_map",
    "jac_congruence_X",
    "jac_congruence_X_from_single_entries",
    "jac_identity_map_X",
    "jac_product_XA_X",
    "jac_product_XtA_X",
    "product_XA",
    "product_XtA",
    "squared_sum",
    "weighted_difference",
    "weighted_residual",
]

Array = Any


# --- helpers ---------------------------------------------------------------------------------------

#: What to do with a non-symmetric W in CB-84 … CB-88.
_SYMMETRIC_FIX = ("pass (W + Wᵀ)/2 (the quadratic form only sees that part), or use the general form with W + Wᵀ in "
                  "place of 2W")


def _vec(name: str, v: Array, dim: str) -> None:
    require_ndim(name, v, 1, f"a vector {name} of shape ({dim},)")


def _mat(name: str, M: Array, dims: str) -> None:
    require_ndim(name, M, 2, f"a matrix {name} of shape ({dims})")


def _length(name: str, v: Array, n: int, why: str) -> None:
    if v.shape[0] != n:
        raise ValueError(f"{name}: expected length {n} ({why}), got shape {tuple(v.shape)}; "
                         f"pass a vector of length {n}")




def _single_entries(xp: Any, m: int, n: int, dtype: Any) -> Array:
    """The stack of all single-entry matrices: ``E[i, j] = J^ij`` (m × n), i.e. ``E[i, j, k, l] = δ_ik δ_jl``."""
    return xp.eye(m, dtype=dtype)[:, None, :, None] * xp.eye(n, dtype=dtype)[None, :, None, :]


def _to_numerator(xp: Any, R: Array) -> Array:
    """``R[i, j, k, l] = (∂F/∂X_ij)_kl`` (one F per entry of X) as the Jacobian ``[k, l, i, j]``."""
    return xp.permute_dims(R, (2, 3, 0, 1))


# --- CB-71 / CB-72 First order: bilinear forms -------------------------------------------------------------


def _aXtb(a: Array, X: Array, b: Array) -> tuple[Any, Array, Array, Array]:
    xp, (a, X, b) = inputs(a=a, X=X, b=b)
    _vec("a", a, "n")
    _mat("X", X, "m, n")
    _vec("b", b, "m")
    _length("a", a, X.shape[1], "aᵀXᵀ needs len(a) = columns of X")
    _length("b", b, X.shape[0], "Xᵀb needs len(b) = rows of X")
    return xp, a, X, b


def bilinear_transposed(a: Array, X: Array, b: Array) -> Array:
    r"""Primal of CB-71: ``aᵀXᵀb``. Shapes: a ``(n,)``, X ``(m, n)``, b ``(m,)`` → ``()``."""
    _, a, X, b = _aXtb(a, X, b)
    return b @ X @ a


def grad_bilinear_transposed_X(a: Array, X: Array, b: Array) -> Array:
    r"""∂aᵀXᵀb/∂X = b aᵀ   (CB-71, Matrix Cookbook §2.4.1)

    ``aᵀXᵀb = bᵀXa = Σᵢⱼ bᵢ X_ij aⱼ``, so the entry ``(i, j)`` is ``bᵢ aⱼ``: CB-70 with the roles of the
    vectors swapped. Shapes as :func:`bilinear_transposed`; returns ``(m, n)``, like X.

    >>> import numpy as np
    >>> grad_bilinear_transposed_X(np.array([1.0, 2.0]), np.zeros((1, 2)), np.array([3.0]))
    array([[3., 6.]])
    """
    _, a, X, b = _aXtb(a, X, b)
    return b[:, None] * a[None, :]


def _aXa(a: Array, X: Array) -> tuple[Any, Array, Array]:
    xp, (a, X) = inputs(a=a, X=X)
    _vec("a", a, "n")
    _square("X", X)
    _length("a", a, X.shape[0], "aᵀXa needs len(a) = size of X")
    return xp, a, X


def bilinear_aa(a: Array, X: Array) -> Array:
    r"""Primal of CB-72 (left side): ``aᵀXa``. Shapes: a ``(n,)``, X ``(n, n)`` → ``()``."""
    _, a, X = _aXa(a, X)
    return a @ X @ a


def bilinear_transposed_aa(a: Array, X: Array) -> Array:
    r"""Primal of CB-72 (right side): ``aᵀXᵀa``. Shapes: a ``(n,)``, X ``(n, n)`` → ``()``."""
    _, a, X = _aXa(a, X)
    return a @ X.T @ a


def grad_bilinear_aa_X(a: Array, X: Array) -> Array:
    r"""∂aᵀXa/∂X = ∂aᵀXᵀa/∂X = a aᵀ   (CB-72, Matrix Cookbook §2.4.1)

    Both forms equal ``Σᵢⱼ aᵢ X_ij aⱼ`` (a scalar is its own transpose), so they share one gradient,
    the symmetric ``a aᵀ``. Shapes: a ``(n,)``, X ``(n, n)``; returns ``(n, n)``.

    >>> import numpy as np
    >>> grad_bilinear_aa_X(np.array([1.0, -2.0]), np.zeros((2, 2)))
    array([[ 1., -2.],
           [-2.,  4.]])
    """
    _, a, X = _aXa(a, X)
    return a[:, None] * a[None, :]


# --- CB-73 … CB-75 First order: matrices by matrices ---------------------------------------------------------


def identity_map(X: Array) -> Array:
    r"""Primal of CB-73: ``F(X) = X``. Shapes: X ``(m, n)`` → ``(m, n)``."""
    _, (X,) = inputs(X=X)
    _mat("X", X, "m, n")
    return X


def jac_identity_map_X(X: Array) -> Array:
    r"""∂X/∂X_ij = J^ij   (CB-73, Matrix Cookbook §2.4.1)

    Layout ``M``: the row gives one matrix per entry (i, j), shaped like X; stacked over every (i, j) they
    make the Jacobian ``[k, l, i, j] = (J^ij)_kl = δ_ik δ_jl`` of shape ``(m, n, m, n)`` (numerator layout),
    the identity on ``m × n`` matrices. Shapes: X ``(m, n)``.

    >>> import numpy as np
    >>> J = jac_identity_map_X(np.zeros((2, 3)))
    >>> J.shape, J[1, 2].tolist()     # ∂X_12/∂X = J^12 as a gradient: 1 at (1, 2) only
    ((2, 3, 2, 3), [[0.0, 0.0, 0.0], [0.0, 0.0, 1.0]])
    """
    xp, (X,) = inputs(X=X)
    _mat("X", X, "m, n")
    m, n = X.shape
    return _to_numerator(xp, _single_entries(xp, m, n, X.dtype))


def _XA(X: Array, A: Array, transposed: bool) -> tuple[Any, Array, Array]:
    xp, (X, A) = inputs(X=X, A=A)
    _mat("X", X, "m, n")
    if transposed:
        _mat("A", A, "m, p")
        _matmul_shapes("Xᵀ", X.T, "A", A)
    else:
        _mat("A", A, "n, p")
        _matmul_shapes("X", X, "A", A)
    return xp, X, A


def product_XA(X: Array, A: Array) -> Array:
    r"""Primal of CB-74: ``XA``. Shapes: X ``(m, n)``, A ``(n, p)`` → ``(m, p)``."""
    _, X, A = _XA(X, A, transposed=False)
    return X @ A


def jac_product_XA_X(X: Array, A: Array) -> Array:
    r"""∂(XA)_ij/∂X_mn = δ_im A_nj = (J^mn A)_ij   (CB-74, Matrix Cookbook §2.4.1)

    Entry form (``E``): ``(XA)_ij = Σ_l X_il A_lj`` depends on row i of X only. Shapes: X ``(m, n)``,
    A ``(n, p)``; returns the numerator-layout Jacobian ``(m, p, m, n)`` with entry ``[i, j, m, n]``.

    >>> import numpy as np
    >>> jac_product_XA_X(np.zeros((1, 2)), np.array([[1.0], [2.0]])).tolist()
    [[[[1.0, 2.0]]]]
    """
    xp, X, A = _XA(X, A, transposed=False)
    return xp.eye(X.shape[0], dtype=X.dtype)[:, None, :, None] * A.T[None, :, None, :]


def product_XtA(X: Array, A: Array) -> Array:
    r"""Primal of CB-75: ``XᵀA``. Shapes: X ``(m, n)``, A ``(m, p)`` → ``(n, p)``."""
    _, X, A = _XA(X, A, transposed=True)
    return X.T @ A


def jac_product_XtA_X(X: Array, A: Array) -> Array:
    r"""∂(XᵀA)_ij/∂X_mn = δ_in A_mj = (J^nm A)_ij   (CB-75, Matrix Cookbook §2.4.1)

    Entry form (``E``): ``(XᵀA)_ij = Σ_l X_li A_lj`` depends on column i of X only. Shapes: X ``(m, n)``,
    A ``(m, p)``; returns the numerator-layout Jacobian ``(n, p, m, n)`` with entry ``[i, j, m, n]``.

    >>> import numpy as np
    >>> jac_product_XtA_X(np.zeros((2, 1)), np.array([[1.0], [2.0]])).tolist()
    [[[[1.0], [2.0]]]]
    """
    xp, X, A = _XA(X, A, transposed=True)
    return xp.eye(X.shape[1], dtype=X.dtype)[:, None, None, :] * A.T[None, :, :, None]


# --- CB-76 … CB-80 Second order ----------------------------------------------------------------------------


def squared_sum(X: Array) -> Array:
    r"""Primal of CB-76: ``Σ_klmn X_kl X_mn = (Σ_kl X_kl)²``. Shapes: X ``(m, n)`` → ``()``."""
    xp, (X,) = inputs(X=X)
    _mat("X", X, "m, n")
    s = xp.sum(X)
    return s * s


def grad_squared_sum_X(X: Array) -> Array:
    r"""∂/∂X_ij Σ_klmn X_kl X_mn = 2 Σ_kl X_kl   (CB-76, Matrix Cookbook §2.4.2)

    The sum is ``S²`` with ``S = Σ_kl X_kl`` and ``∂S/∂X_ij = 1``: every entry of the gradient is ``2S``.
    Shapes: X ``(m, n)``; returns ``(m, n)``, constant.

    >>> import numpy as np
    >>> grad_squared_sum_X(np.array([[1.0, 2.0]]))
    array([[6., 6.]])
    """
    xp, (X,) = inputs(X=X)
    _mat("X", X, "m, n")
    return 2.0 * xp.sum(X) * xp.ones_like(X)


def _bXtXc(b: Array, X: Array, c: Array) -> tuple[Any, Array, Array, Array]:
    xp, (b, X, c) = inputs(b=b, X=X, c=c)
    _vec("b", b, "n")
    _mat("X", X, "m, n")
    _vec("c", c, "n")
    _length("b", b, X.shape[1], "Xb needs len(b) = columns of X")
    _length("c", c, X.shape[1], "Xc needs len(c) = columns of X")
    return xp, b, X, c


def bilinear_gram(b: Array, X: Array, c: Array) -> Array:
    r"""Primal of CB-77: ``bᵀXᵀXc = (Xb)ᵀ(Xc)``. Shapes: b, c ``(n,)``, X ``(m, n)`` → ``()``."""
    _, b, X, c = _bXtXc(b, X, c)
    return (X @ b) @ (X @ c)


def grad_bilinear_gram_X(b: Array, X: Array, c: Array) -> Array:
    r"""∂bᵀXᵀXc/∂X = X(bcᵀ + cbᵀ)   (CB-77, Matrix Cookbook §2.4.2)

    Product rule on ``(Xb)ᵀ(Xc)``: ``d = (dX b)ᵀXc + (Xb)ᵀdX c``, so the gradient is ``Xc bᵀ + Xb cᵀ``.
    Shapes as :func:`bilinear_gram`; returns ``(m, n)``, like X.

    >>> import numpy as np
    >>> grad_bilinear_gram_X(np.array([1.0, 0.0]), np.array([[1.0, 2.0]]), np.array([0.0, 1.0]))
    array([[2., 1.]])
    """
    _, b, X, c = _bXtXc(b, X, c)
    return (X @ c)[:, None] * b[None, :] + (X @ b)[:, None] * c[None, :]


def _affine_bilinear(B: Array, b: Array, C: Array, D: Array, d: Array,
                     x: Array) -> tuple[Any, Array, Array, Array, Array, Array, Array]:
    xp, (B, b, C, D, d, x) = inputs(B=B, b=b, C=C, D=D, d=d, x=x)
    _mat("B", B, "p, n")
    _vec("b", b, "p")
    _mat("C", C, "p, q")
    _mat("D", D, "q, n")
    _vec("d", d, "q")
    _vec("x", x, "n")
    _matmul_shapes("B", B, "x", x)
    _matmul_shapes("D", D, "x", x)
    _length("b", b, B.shape[0], "Bx + b needs len(b) = rows of B")
    _length("d", d, D.shape[0], "Dx + d needs len(d) = rows of D")
    if tuple(C.shape) != (B.shape[0], D.shape[0]):
        raise ValueError(
            f"C: expected shape ({B.shape[0]}, {D.shape[0]}) (rows of B by rows of D, so that "
            f"(Bx + b)ᵀC(Dx + d) is defined), got {tuple(C.shape)}"
        )
    return xp, B, b, C, D, d, x


def affine_bilinear(B: Array, b: Array, C: Array, D: Array, d: Array, x: Array) -> Array:
    r"""Primal of CB-78: ``(Bx + b)ᵀC(Dx + d)``. Shapes: B ``(p, n)``, b ``(p,)``, C ``(p, q)``, D ``(q, n)``,
    d ``(q,)``, x ``(n,)`` → ``()``."""
    _, B, b, C, D, d, x = _affine_bilinear(B, b, C, D, d, x)
    return (B @ x + b) @ C @ (D @ x + d)


def grad_affine_bilinear_x(B: Array, b: Array, C: Array, D: Array, d: Array, x: Array) -> Array:
    r"""∂(Bx+b)ᵀC(Dx+d)/∂x = BᵀC(Dx+d) + DᵀCᵀ(Bx+b)   (CB-78, Matrix Cookbook §2.4.2)

    Product rule: ``d = (B dx)ᵀC(Dx + d) + (Bx + b)ᵀC D dx``. Shapes as :func:`affine_bilinear`; returns
    ``(n,)``, like x. With ``B = D = I``, ``b = d = 0`` it is CB-81's ``(C + Cᵀ)x``.

    >>> import numpy as np
    >>> I = np.eye(1)
    >>> grad_affine_bilinear_x(I, np.zeros(1), 3 * I, I, np.ones(1), np.array([2.0]))   # ∂ 3x(x + 1) = 6x + 3
    array([15.])
    """
    _, B, b, C, D, d, x = _affine_bilinear(B, b, C, D, d, x)
    return B.T @ (C @ (D @ x + d)) + D.T @ (C.T @ (B @ x + b))


def _XtBX(X: Array, B: Array) -> tuple[Any, Array, Array]:
    xp, (X, B) = inputs(X=X, B=B)
    _mat("X", X, "m, n")
    _square("B", B)
    _matmul_shapes("B", B, "X", X)
    return xp, X, B


def congruence(X: Array, B: Array) -> Array:
    r"""Primal of CB-79 and CB-80: ``XᵀBX``. Shapes: X ``(m, n)``, B ``(m, m)`` → ``(n, n)``."""
    _, X, B = _XtBX(X, B)
    return X.T @ B @ X


def jac_congruence_X(X: Array, B: Array) -> Array:
    r"""∂(XᵀBX)_kl/∂X_ij = δ_lj (XᵀB)_ki + δ_kj (BX)_il   (CB-79, Matrix Cookbook §2.4.2)

    Entry form (``E``) of the product rule ``d(XᵀBX) = dXᵀ BX + XᵀB dX``. Shapes: X ``(m, n)``,
    B ``(m, m)``; returns the numerator-layout Jacobian ``(n, n, m, n)`` with entry ``[k, l, i, j]``.
    :func:`jac_congruence_X_from_single_entries` (CB-80) is the same Jacobian written with ``J^ij``.

    >>> import numpy as np
    >>> jac_congruence_X(np.array([[3.0]]), np.array([[2.0]])).tolist()   # ∂(2x²)/∂x = 4x
    [[[[12.0]]]]
    """
    xp, X, B = _XtBX(X, B)
    eye = xp.eye(X.shape[1], dtype=X.dtype)
    return (X.T @ B)[:, None, :, None] * eye[None, :, None, :] + eye[:, None, None, :] * (B @ X).T[None, :, :, None]


def jac_congruence_X_from_single_entries(X: Array, B: Array) -> Array:
    r"""∂(XᵀBX)/∂X_ij = XᵀBJ^ij + J^ji BX   (CB-80, Matrix Cookbook §2.4.2)

    Layout ``M``: one ``n × n`` matrix per entry (i, j) of X, with ``J^ij`` ``m × n`` and ``J^ji = (J^ij)ᵀ``
    ``n × m``; all of them are computed at once on the stack of single-entry matrices and returned as the
    numerator-layout Jacobian ``(n, n, m, n)``, entry ``[k, l, i, j]`` (equal to :func:`jac_congruence_X`).
    Shapes: X ``(m, n)``, B ``(m, m)``.

    >>> import numpy as np
    >>> jac_congruence_X_from_single_entries(np.array([[3.0]]), np.array([[2.0]])).tolist()
    [[[[12.0]]]]
    """
    xp, X, B = _XtBX(X, B)
    E = _single_entries(xp, *X.shape, X.dtype)  # E[i, j] = J^ij, (m, n)
    per_entry = (X.T @ B) @ E + xp.matrix_transpose(E) @ (B @ X)  # [i, j] = ∂(XᵀBX)/∂X_ij, (n, n)
    return _to_numerator(xp, per_entry)


# --- CB-82 / CB-83 Second order: weighted Gram and affine quadratic forms ------------------------------------


def _bXtDXc(b: Array, X: Array, D: Array, c: Array) -> tuple[Any, Array, Array, Array, Array]:
    xp, (b, X, D, c) = inputs(b=b, X=X, D=D, c=c)
    _, b, X, c = _bXtXc(b, X, c)
    _square("D", D)
    _matmul_shapes("D", D, "X", X)
    return xp, b, X, D, c


def bilinear_weighted_gram(b: Array, X: Array, D: Array, c: Array) -> Array:
    r"""Primal of CB-82: ``bᵀXᵀDXc``. Shapes: b, c ``(n,)``, X ``(m, n)``, D ``(m, m)`` → ``()``."""
    _, b, X, D, c = _bXtDXc(b, X, D, c)
    return (X @ b) @ D @ (X @ c)


def grad_bilinear_weighted_gram_X(b: Array, X: Array, D: Array, c: Array) -> Array:
    r"""∂bᵀXᵀDXc/∂X = DᵀXbcᵀ + DXcbᵀ   (CB-82, Matrix Cookbook §2.4.2)

    Product rule on ``(Xb)ᵀD(Xc)``. Transcription typo (COOKBOOK.md §4): the Mathpix transcription shows
    the first term as "DᵀX bᵀcᵀ", which does not compose; the form here, ``DᵀX b cᵀ``, is the one SymPy's
    and the Tensor Cookbook's tests use. Shapes as :func:`bilinear_weighted_gram`; returns ``(m, n)``.

    >>> import numpy as np
    >>> grad_bilinear_weighted_gram_X(np.ones(1), np.array([[2.0]]), np.array([[3.0]]), np.ones(1))   # 6x
    array([[12.]])
    """
    _, b, X, D, c = _bXtDXc(b, X, D, c)
    return (D.T @ (X @ b))[:, None] * c[None, :] + (D @ (X @ c))[:, None] * b[None, :]


def _Xbc_D(X: Array, b: Array, c: Array, D: Array) -> tuple[Any, Array, Array, Array, Array]:
    xp, (X, b, c, D) = inputs(X=X, b=b, c=c, D=D)
    _mat("X", X, "m, n")
    _vec("b", b, "n")
    _vec("c", c, "m")
    _square("D", D)
    _length("b", b, X.shape[1], "Xb needs len(b) = columns of X")
    _length("c", c, X.shape[0], "Xb + c needs len(c) = rows of X")
    _matmul_shapes("D", D, "X", X)
    return xp, X, b, c, D


def affine_quadratic(X: Array, b: Array, c: Array, D: Array) -> Array:
    r"""Primal of CB-83: ``(Xb + c)ᵀD(Xb + c)``. Shapes: X ``(m, n)``, b ``(n,)``, c ``(m,)``, D ``(m, m)`` → ``()``."""
    _, X, b, c, D = _Xbc_D(X, b, c, D)
    r = X @ b + c
    return r @ D @ r


def grad_affine_quadratic_X(X: Array, b: Array, c: Array, D: Array) -> Array:
    r"""∂(Xb+c)ᵀD(Xb+c)/∂X = (D+Dᵀ)(Xb+c)bᵀ   (CB-83, Matrix Cookbook §2.4.2)

    CB-81 in ``r = Xb + c`` (``∂rᵀDr/∂r = (D + Dᵀ)r``) times ``∂r/∂X_ij = bⱼ eᵢ``: an outer product.
    D need not be symmetric. Shapes as :func:`affine_quadratic`; returns ``(m, n)``, like X.

    >>> import numpy as np
    >>> grad_affine_quadratic_X(np.array([[1.0]]), np.array([2.0]), np.array([1.0]), np.array([[1.0]]))
    array([[12.]])
    """
    _, X, b, c, D = _Xbc_D(X, b, c, D)
    r = X @ b + c
    return (D @ r + D.T @ r)[:, None] * b[None, :]


# --- CB-84 … CB-88 Second order: weighted least squares, W symmetric --------------------------------------


def _residual(x: Array, A: Array, s: Array, W: Array) -> tuple[Any, Array, Array, Array, Array]:
    xp, (x, A, s, W) = inputs(x=x, A=A, s=s, W=W)
    _vec("x", x, "m")
    _mat("A", A, "m, n")
    _vec("s", s, "n")
    _square("W", W)
    _matmul_shapes("A", A, "s", s)
    _length("x", x, A.shape[0], "x − As needs len(x) = rows of A")
    _matmul_shapes("W", W, "x", x)
    return xp, x, A, s, W


def weighted_residual(x: Array, A: Array, s: Array, W: Array) -> Array:
    r"""Primal of CB-84, CB-87, CB-88: ``(x − As)ᵀW(x − As)``. Shapes: x ``(m,)``, A ``(m, n)``, s ``(n,)``,
    W ``(m, m)`` → ``()``. Any W here; the closed forms assume W symmetric."""
    _, x, A, s, W = _residual(x, A, s, W)
    r = x - A @ s
    return r @ W @ r


def grad_weighted_residual_s(x: Array, A: Array, s: Array, W: Array) -> Array:
    r"""∂/∂s (x − As)ᵀW(x − As) = −2AᵀW(x − As)   (CB-84, Matrix Cookbook §2.4.2)

    CB-81 in ``r = x − As`` with a symmetric W (``W + Wᵀ = 2W``), times ``∂r/∂s = −A``. The weighted
    least-squares gradient; ``W = I`` is :func:`chainrule.analytic.matrix.grad_squared_residual_x`.
    Assumes W symmetric (a concrete non-symmetric W is rejected: its gradient has ``W + Wᵀ`` for ``2W``).
    Shapes as :func:`weighted_residual`; returns ``(n,)``, like s.

    >>> import numpy as np
    >>> grad_weighted_residual_s(np.array([1.0]), np.array([[2.0]]), np.array([1.0]), np.array([[3.0]]))
    array([12.])
    """
    _, x, A, s, W = _residual(x, A, s, W)
    require_symmetric("W", W, "CB-84", _SYMMETRIC_FIX)
    return -2.0 * ((W @ (x - A @ s)) @ A)


def grad_weighted_residual_x(x: Array, A: Array, s: Array, W: Array) -> Array:
    r"""∂/∂x (x − As)ᵀW(x − As) = 2W(x − As)   (CB-87, Matrix Cookbook §2.4.2)

    CB-81 in ``r = x − As`` with W symmetric, times ``∂r/∂x = I``. Assumes W symmetric (a concrete
    non-symmetric W is rejected). Shapes as :func:`weighted_residual`; returns ``(m,)``, like x.

    >>> import numpy as np
    >>> grad_weighted_residual_x(np.array([1.0]), np.array([[2.0]]), np.array([1.0]), np.array([[3.0]]))
    array([-6.])
    """
    _, x, A, s, W = _residual(x, A, s, W)
    require_symmetric("W", W, "CB-87", _SYMMETRIC_FIX)
    return 2.0 * (W @ (x - A @ s))


def grad_weighted_residual_A(x: Array, A: Array, s: Array, W: Array) -> Array:
    r"""∂/∂A (x − As)ᵀW(x − As) = −2W(x − As)sᵀ   (CB-88, Matrix Cookbook §2.4.2)

    ``∂r/∂A_ij = −sⱼ eᵢ`` for ``r = x − As``, so the gradient is the outer product of ``−2Wr`` and s.
    Assumes W symmetric (a concrete non-symmetric W is rejected). Shapes as :func:`weighted_residual`;
    returns ``(m, n)``, like A.

    >>> import numpy as np
    >>> grad_weighted_residual_A(np.array([1.0]), np.array([[2.0]]), np.array([1.0]), np.array([[3.0]]))
    array([[6.]])
    """
    _, x, A, s, W = _residual(x, A, s, W)
    require_symmetric("W", W, "CB-88", _SYMMETRIC_FIX)
    return -2.0 * (W @ (x - A @ s))[:, None] * s[None, :]


def _difference(x: Array, s: Array, W: Array) -> tuple[Any, Array, Array, Array]:
    xp, (x, s, W) = inputs(x=x, s=s, W=W)
    _vec("x", x, "n")
    _vec("s", s, "n")
    _square("W", W)
    _length("s", s, x.shape[0], "x − s needs vectors of one length")
    _matmul_shapes("W", W, "x", x)
    return xp, x, s, W


def weighted_difference(x: Array, s: Array, W: Array) -> Array:
    r"""Primal of CB-85 and CB-86: ``(x − s)ᵀW(x − s)``. Shapes: x, s ``(n,)``, W ``(n, n)`` → ``()``."""
    _, x, s, W = _difference(x, s, W)
    r = x - s
    return r @ W @ r


def grad_weighted_difference_x(x: Array, s: Array, W: Array) -> Array:
    r"""∂/∂x (x − s)ᵀW(x − s) = 2W(x − s)   (CB-85, Matrix Cookbook §2.4.2)

    CB-81 in ``r = x − s`` with W symmetric. Assumes W symmetric (a concrete non-symmetric W is rejected).
    Shapes as :func:`weighted_difference`; returns ``(n,)``, like x.

    >>> import numpy as np
    >>> grad_weighted_difference_x(np.array([3.0]), np.array([1.0]), np.array([[2.0]]))
    array([8.])
    """
    _, x, s, W = _difference(x, s, W)
    require_symmetric("W", W, "CB-85", _SYMMETRIC_FIX)
    return 2.0 * (W @ (x - s))


def grad_weighted_difference_s(x: Array, s: Array, W: Array) -> Array:
    r"""∂/∂s (x − s)ᵀW(x − s) = −2W(x − s)   (CB-86, Matrix Cookbook §2.4.2)

    CB-85 with ``∂r/∂s = −I`` for ``r = x − s``. Assumes W symmetric (a concrete non-symmetric W is
    rejected). Shapes as :func:`weighted_difference`; returns ``(n,)``, like s.

    >>> import numpy as np
    >>> grad_weighted_difference_s(np.array([3.0]), np.array([1.0]), np.array([[2.0]]))
    array([-8.])
    """
    _, x, s, W = _difference(x, s, W)
    require_symmetric("W", W, "CB-86", _SYMMETRIC_FIX)
    return -2.0 * (W @ (x - s))
