"""What a structured Jacobian is, defined once for the whole package.

A structured Jacobian (identity, scaled identity, diagonal, diagonal plus rank one: the classes of
:mod:`chainrule.analytic.structured`, or a user's own) is any object with a ``todense()`` method that is
not itself an array (arrays of the array API have ``__array_namespace__``; NumPy's have ``todense``
only on ``np.matrix``, which is not accepted as structured). The analytic side builds them; the
checker, ``verify`` and ``Derivation`` recognise them through this protocol, so the validation helpers
never import :mod:`chainrule.analytic`.

>>> import numpy as np
>>> class Scaled:
...     def __init__(self, c, n): self.c, self.n = c, n
...     def todense(self): return self.c * np.eye(self.n)
>>> is_structured(Scaled(2.0, 2)), is_structured(np.eye(2))
(True, False)
>>> todense(Scaled(2.0, 2))
array([[2., 0.],
       [0., 2.]])
"""

from __future__ import annotations

from typing import Any

import numpy as np

__all__ = ["is_structured", "todense"]


def is_structured(J: Any) -> bool:
    """True for a structured Jacobian: it has ``todense()`` and is not an array."""
    if isinstance(J, np.ndarray) or hasattr(J, "__array_namespace__"):
        return False
    return callable(getattr(J, "todense", None))


def todense(J: Any) -> Any:
    """The dense array of a structured Jacobian (in its own array library); arrays pass through."""
    return J.todense() if is_structured(J) else J
