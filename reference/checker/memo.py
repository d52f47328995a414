"""Bounded in-process memos for the checker's caches keyed by function objects (compiled programs, output
structures, the custom rules found in ``f``, the reproduce line's source of a function): a check repeated at other
seeds reuses them."""

from __future__ import annotations

from collections import OrderedDict
from collections.abc import Hashable
from typing import Any

__all__ = ["Memo"]


class Memo(OrderedDict):
    """The last ``bound`` entries put, the least recently used dropped first. A key that cannot be hashed
    (it holds an unhashable callable) is never remembered: :meth:`lookup` gives ``None``, :meth:`keep` does
    nothing.

    >>> m = Memo(2)
    >>> m.keep("a", 1); m.keep("b", 2); m.lookup("a"); m.keep("c", 3)
    1
    >>> list(m), m.lookup(([],))
    (['a', 'c'], None)
    """

    def __init__(self, bound: int) -> None:
        super().__init__()
        self.bound = bound

    def lookup(self, key: Hashable) -> Any:
        """The value kept for ``key`` (now the most recently used), or ``None``."""
        try:
            hit = self.get(key)
        except TypeError:  # unhashable: never kept
            return None
        if hit is not None:
            self.move_to_end(key)
        return hit

    def keep(self, key: Hashable, value: Any) -> None:
        """Remember ``value`` for ``key``, dropping the least recently used entries beyond the bound."""
        try:
            self[key] = value
        except TypeError:  # unhashable: nothing remembered
            return
        # equivalent mutants (no mutate): the bound and which entry is dropped change the speed only
        while len(self) > self.bound:  # pragma: no mutate
            self.popitem(last=False)  # pragma: no mutate
