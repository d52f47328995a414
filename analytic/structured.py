r"""Structured Jacobians: identity, scaled identity and diagonal, in O(n) memory.

The element-wise rules of the paper (RULES E-2, §4.2) produce Jacobians that are diagonal: ``diag(x)``,
``I``, ``−I``, ``I z``. Building them as dense ``n × n`` arrays wastes O(n²) memory and time, so the
analytic modules return them in structured form and densify only on request (:func:`todense`).

Composition keeps the structure: ``Diagonal @ Diagonal`` is a ``Diagonal`` (the diagonal special case
of the vector chain rule, RULES C-12), a row vector times a ``Diagonal`` is a row vector
(``1⃗ᵀ diag(x) = xᵀ``, RULES N-1), a dense matrix times a ``Diagonal`` scales its columns.

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

__all__ = ["Diagonal", "ScaledIdentity", "identity_like", "is_structured", "todense"]


class _Structured:
    """Common behaviour of the square structured Jacobians (numerator layout)."""

    __array_ufunc__ = None  # make NumPy defer ``ndarray @ J`` to ``J.__rmatmul__``
    __array_priority__ = 1000

    n: int

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


def identity_like(x: Any, scale: Any = None) -> ScaledIdentity:
    """``I`` (or ``scale·I``) of size ``len(x)``, in ``x``'s array library and dtype (RULES M-6)."""
    xp = array_api_compat.array_namespace(x)
    c = xp.asarray(1.0 if scale is None else scale, dtype=x.dtype)
    return ScaledIdentity(c, int(x.shape[0]))


def is_structured(J: Any) -> bool:
    """True for a :class:`Diagonal` or :class:`ScaledIdentity`."""
    return isinstance(J, _Structured)


def todense(J: Any) -> Any:
    """A dense array for any Jacobian: structured ones are built, arrays pass through unchanged."""
    return J.todense() if isinstance(J, _Structured) else J
