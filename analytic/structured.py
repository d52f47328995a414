r"""Structured Jacobians: identity, scaled identity, diagonal and diagonal-plus-rank-one, in O(n) memory.

The element-wise rules of the paper (RULES E-2, §4.2) produce Jacobians that are diagonal: ``diag(x)``,
``I``, ``−I``, ``I z``. Building them as dense ``n × n`` arrays wastes O(n²) memory and time, so the
analytic modules return them in structured form and densify only on request (:func:`todense`).

Composition keeps the structure: ``Diagonal @ Diagonal`` is a ``Diagonal`` (the diagonal special case
of the vector chain rule, RULES C-12), a row vector times a ``Diagonal`` is a row vector
(``1⃗ᵀ diag(x) = xᵀ``, RULES N-1), a dense matrix times a ``Diagonal`` scales its columns.

Beyond the paper, the softmax Jacobian ``diag(s) − s sᵀ`` is a diagonal plus a rank-one matrix
(:class:`DiagonalPlusRankOne`): it too is stored as vectors and applied in O(n).

Layout: numerator, like the rest of chainrule; a Jacobian of ``f: Rⁿ → Rⁿ`` has shape ``(n, n)`` with
entry ``(i, j) = ∂f_i/∂x_j``.

>>> import numpy as np
>>> D = Diagonal(np.array([1.0, 2.0, 3.0]))
>>> D.shape
(3, 3)
>>> (D @ D).diagonal()
array([1., 4., 9.])
>>> np.ones(3) @ D          # 1ᵀ diag(x) = xᵀ, as a row (gradient-shaped) vector
array([1., 2., 3.])
>>> todense(ScaledIdentity(np.asarray(2.0), 2))
array([[2., 0.],
       [0., 2.]])
"""

from __future__ import annotations

from typing import Any

import array_api_compat

from .._structured import is_structured, todense

__all__ = ["Diagonal", "DiagonalPlusRankOne", "ScaledIdentity", "identity_like", "is_structured", "todense"]


class _Structured:
    """Common behaviour of the square structured Jacobians (numerator layout)."""

    __array_ufunc__ = None  # make NumPy defer ``ndarray @ J`` to ``J.__rmatmul__``
    __array_priority__ = 1000

    n: int
    #: ``False`` for a structure that is not diagonal (the base class's composition rules then defer).
    _is_diagonal = True

    @property
    def shape(self) -> tuple[int, int]:
        return (self.n, self.n)

    @property
    def ndim(self) -> int:
        return 2

    def diagonal(self) -> Any:  # pragma: no cover - overridden
        raise NotImplementedError

    def todense(self) -> Any:
        """The dense ``(n, n)`` array; O(n²) memory."""
        d = self.diagonal()
        xp = array_api_compat.array_namespace(d)
        return xp.eye(self.n, dtype=d.dtype) * d[None, :]

    @property
    def dtype(self) -> Any:
        return self.diagonal().dtype

    def __array__(self, dtype: Any = None, copy: Any = None) -> Any:
        import numpy as np

        return np.asarray(self.todense(), dtype=dtype)

    def _check_inner(self, other_shape: tuple[int, ...], side: str) -> None:
        inner = other_shape[0] if side == "right" else other_shape[-1]
        if inner != self.n:
            left, right = (self.shape, other_shape) if side == "right" else (other_shape, self.shape)
            raise ValueError(
                f"cannot compose Jacobians of shapes {left} @ {tuple(right)}: inner dimensions differ "
                "(the vector chain rule multiplies (m × k)(k × n))"
            )

    def __matmul__(self, other: Any) -> Any:
        if isinstance(other, _Structured) and not other._is_diagonal:
            return NotImplemented  # the other operand's __rmatmul__ knows its structure
        if isinstance(other, _Structured):
            self._check_inner(other.shape, "right")
            if isinstance(self, ScaledIdentity) and isinstance(other, ScaledIdentity):
                return ScaledIdentity(self.scale * other.scale, self.n)
            return Diagonal(self.diagonal() * other.diagonal())
        other_shape = tuple(other.shape)
        if not other_shape:
            raise ValueError("cannot compose a Jacobian with a 0-d array; use * for scaling")
        self._check_inner(other_shape, "right")
        d = self.diagonal()
        return d.reshape((self.n,) + (1,) * (len(other_shape) - 1)) * other

    def __rmatmul__(self, other: Any) -> Any:
        other_shape = tuple(other.shape)
        if not other_shape:
            raise ValueError("cannot compose a 0-d array with a Jacobian; use * for scaling")
        self._check_inner(other_shape, "left")
        return other * self.diagonal()

    def __neg__(self) -> Any:
        return self * -1.0

    def __rmul__(self, c: Any) -> Any:
        return self * c

    def __add__(self, other: Any) -> Any:
        if isinstance(other, _Structured) and not other._is_diagonal:
            return NotImplemented
        if isinstance(other, _Structured):
            if other.n != self.n:
                raise ValueError(f"cannot add Jacobians of shapes {self.shape} and {other.shape}")
            if isinstance(self, ScaledIdentity) and isinstance(other, ScaledIdentity):
                return ScaledIdentity(self.scale + other.scale, self.n)
            return Diagonal(self.diagonal() + other.diagonal())
        return self.todense() + other

    __radd__ = __add__

    def __sub__(self, other: Any) -> Any:
        return self + (-other)


class Diagonal(_Structured):
    r"""The Jacobian ``diag(d)``: shape ``(n, n)``, stored as the vector ``d`` of shape ``(n,)``.

    Entry ``(i, j)`` is ``d_i`` if ``i = j`` and 0 otherwise (RULES E-2: the element-wise diagonal
    condition). Multiplying by a scalar, negating, adding another diagonal and composing with ``@`` keep
    the structure; :meth:`todense` builds the array.

    >>> import numpy as np
    >>> J = Diagonal(np.array([2.0, -1.0]))
    >>> (-J).diagonal(), (J @ np.array([[1.0, 1.0], [1.0, 1.0]]))
    (array([-2.,  1.]), array([[ 2.,  2.],
           [-1., -1.]]))
    """

    def __init__(self, diag: Any):
        if getattr(diag, "ndim", None) != 1:
            raise ValueError(
                f"Diagonal needs the diagonal as a 1-d array, got shape {tuple(getattr(diag, 'shape', ()))}"
            )
        self.diag = diag
        self.n = int(diag.shape[0])

    def diagonal(self) -> Any:
        """The diagonal ``d``, shape ``(n,)``."""
        return self.diag

    def __mul__(self, c: Any) -> Diagonal:
        return Diagonal(self.diag * c)

    def __repr__(self) -> str:
        return f"Diagonal(n={self.n}, diag={self.diag!r})"


class ScaledIdentity(_Structured):
    r"""The Jacobian ``c·I``: shape ``(n, n)``, stored as the 0-d array ``c`` and the size ``n``.

    The paper's ``I`` (RULES M-6, E-3), ``−I`` (E-6) and ``I z`` (X-2) are all of this kind.

    >>> import numpy as np
    >>> J = ScaledIdentity(np.asarray(3.0), 4)
    >>> J.shape, J.diagonal()
    ((4, 4), array([3., 3., 3., 3.]))
    """

    def __init__(self, scale: Any, n: int):
        if getattr(scale, "ndim", None) != 0:
            raise ValueError(
                "ScaledIdentity needs the scale as a 0-d array (it fixes the array library and dtype), "
                f"got {type(scale).__name__} with shape {getattr(scale, 'shape', None)}"
            )
        if n < 0:
            raise ValueError(f"ScaledIdentity: n must be ≥ 0, got {n}")
        self.scale = scale
        self.n = int(n)

    def diagonal(self) -> Any:
        """The diagonal ``c·1⃗``, shape ``(n,)``."""
        xp = array_api_compat.array_namespace(self.scale)
        return xp.full((self.n,), self.scale, dtype=self.scale.dtype)

    def __mul__(self, c: Any) -> ScaledIdentity:
        return ScaledIdentity(self.scale * c, self.n)

    def __repr__(self) -> str:
        return f"ScaledIdentity(n={self.n}, scale={self.scale!r})"


class DiagonalPlusRankOne(_Structured):
    r"""The Jacobian ``diag(d) + c·u vᵀ``: shape ``(n, n)``, stored as ``d, u, v`` of shape ``(n,)`` and ``c``.

    Entry ``(i, j)`` is ``d_i·[i = j] + c·u_i v_j``. The softmax Jacobian ``diag(s) − s sᵀ`` is
    ``DiagonalPlusRankOne(s, s, s, -1.0)``; log-softmax's ``I − 1⃗ sᵀ`` is ``(1⃗, 1⃗, s, −1)``.
    Products with vectors and matrices cost O(n) per column and never build the matrix:

    * ``J @ M = d ⊙ M + c·u (vᵀ M)``; ``M @ J = M ⊙ d + c·(M u) vᵀ``;
    * a diagonal structure on either side keeps the form (``diag(a) J = diag(a d) + c (a ⊙ u) vᵀ``);
      scaling by a number scales ``d`` and ``c``; adding a diagonal adds to ``d``;
    * two of them composed or added are rank two: the result is dense.

    ``c`` is a Python number or a 0-d array (it keeps ``d``'s dtype either way).

    >>> import numpy as np
    >>> s = np.array([0.5, 0.25, 0.25])
    >>> J = DiagonalPlusRankOne(s, s, s, -1.0)        # diag(s) − s sᵀ
    >>> J @ np.ones(3)                                 # rows of a softmax Jacobian sum to 0
    array([0., 0., 0.])
    >>> J.todense()[0]
    array([ 0.25 , -0.125, -0.125])
    """

    _is_diagonal = False

    def __init__(self, d: Any, u: Any, v: Any, c: Any = 1.0):
        for name, a in (("d", d), ("u", u), ("v", v)):
            if getattr(a, "ndim", None) != 1:
                raise ValueError(
                    f"DiagonalPlusRankOne: {name} must be a 1-d array, got "
                    f"{type(a).__name__} with shape {tuple(getattr(a, 'shape', ()))}"
                )
        if not (d.shape[0] == u.shape[0] == v.shape[0]):
            raise ValueError(
                "DiagonalPlusRankOne: d, u and v must have one length n, got "
                f"{d.shape[0]}, {u.shape[0]} and {v.shape[0]}"
            )
        if getattr(c, "ndim", 0) != 0 or isinstance(c, (bool, complex)):
            raise ValueError(
                f"DiagonalPlusRankOne: c must be a real scalar (Python float or 0-d array), got {c!r}"
            )
        self.d, self.u, self.v, self.c = d, u, v, c
        self.n = int(d.shape[0])

    @property
    def dtype(self) -> Any:
        return self.d.dtype

    def diagonal(self) -> Any:
        """The diagonal ``d + c·(u ⊙ v)``, shape ``(n,)``."""
        return self.d + self.c * (self.u * self.v)

    def todense(self) -> Any:
        """The dense ``(n, n)`` array ``diag(d) + c·u vᵀ``; O(n²) memory."""
        xp = array_api_compat.array_namespace(self.d)
        return xp.eye(self.n, dtype=self.d.dtype) * self.d[None, :] + self.c * (self.u[:, None] * self.v[None, :])

    def __mul__(self, c: Any) -> DiagonalPlusRankOne:
        return DiagonalPlusRankOne(self.d * c, self.u, self.v, self.c * c)

    def __matmul__(self, other: Any) -> Any:
        if isinstance(other, _Structured):
            self._check_inner(other.shape, "right")
            if other._is_diagonal:  # (diag(d) + c u vᵀ) diag(a) = diag(d a) + c u (v a)ᵀ
                a = other.diagonal()
                return DiagonalPlusRankOne(self.d * a, self.u, self.v * a, self.c)
            return self.todense() @ other.todense()
        other_shape = tuple(other.shape)
        if not other_shape:
            raise ValueError("cannot compose a Jacobian with a 0-d array; use * for scaling")
        self._check_inner(other_shape, "right")
        if len(other_shape) == 1:
            xp = array_api_compat.array_namespace(other)
            return self.d * other + self.c * self.u * xp.sum(self.v * other)
        col = (self.n,) + (1,) * (len(other_shape) - 1)
        xp = array_api_compat.array_namespace(other)
        vM = xp.tensordot(self.v, other, axes=1)  # vᵀ M
        return self.d.reshape(col) * other + self.c * (self.u.reshape(col) * vM[None, ...])

    def __rmatmul__(self, other: Any) -> Any:
        if isinstance(other, _Structured):  # only diagonal kinds reach here (they defer to us)
            self._check_inner(other.shape, "left")
            a = other.diagonal()  # diag(a)(diag(d) + c u vᵀ) = diag(a d) + c (a u) vᵀ
            return DiagonalPlusRankOne(a * self.d, a * self.u, self.v, self.c)
        other_shape = tuple(other.shape)
        if not other_shape:
            raise ValueError("cannot compose a 0-d array with a Jacobian; use * for scaling")
        self._check_inner(other_shape, "left")
        xp = array_api_compat.array_namespace(other)
        Mu = xp.tensordot(other, self.u, axes=1)  # M u, shape other_shape[:-1]
        return other * self.d + self.c * (Mu[..., None] * self.v)

    def __add__(self, other: Any) -> Any:
        if isinstance(other, _Structured):
            if other.n != self.n:
                raise ValueError(f"cannot add Jacobians of shapes {self.shape} and {other.shape}")
            if other._is_diagonal:
                return DiagonalPlusRankOne(self.d + other.diagonal(), self.u, self.v, self.c)
            return self.todense() + other.todense()
        return self.todense() + other

    __radd__ = __add__

    def __repr__(self) -> str:
        return f"DiagonalPlusRankOne(n={self.n}, d={self.d!r}, u={self.u!r}, v={self.v!r}, c={self.c!r})"


def identity_like(x: Any, scale: Any = None) -> ScaledIdentity:
    """``I`` (or ``scale·I``) of size ``len(x)``, in ``x``'s array library and dtype (RULES M-6)."""
    xp = array_api_compat.array_namespace(x)
    c = xp.asarray(1.0 if scale is None else scale, dtype=x.dtype)
    return ScaledIdentity(c, int(x.shape[0]))
