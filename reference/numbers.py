"""Numbers the way people write them: ``2``, ``1/2``, ``−1``, ``√2``, ``1/√2``, ``3√2/4``, ``π/2``.

A diagnosis that says "off by a constant factor 1.41421" makes its reader do the arithmetic;
:func:`readable` does it: integers, simple fractions ``p/q`` (small ``q``), square roots ``√k`` of small
square-free ``k`` with a simple rational coefficient (``1/√k``, ``p√k/q``), multiples of ``π`` and
``√(2π)``, and otherwise 6 significant digits. Negative numbers take the Unicode minus sign ``−``
(U+2212), as every message of the checker does.

>>> readable(2.0), readable(0.5), readable(-1.0), readable(2 ** 0.5), readable(2 ** -0.5)
('2', '1/2', '−1', '√2', '1/√2')
>>> readable(1.2345678)
'1.23457'
"""

from __future__ import annotations

import math
from fractions import Fraction

__all__ = ["MINUS", "fraction", "readable"]

#: The Unicode minus sign, U+2212.
MINUS = "\u2212"

#: Square-free radicands tried for ``p√k/q``.
_RADICANDS = (2, 3, 5, 6, 7, 10, 11, 13, 14, 15, 17, 19, 21, 22, 23, 26, 29, 30)


def fraction(x: float, tol: float = 1e-9, max_denominator: int = 64, max_numerator: int = 4096) -> Fraction | None:
    """The simple fraction ``p/q`` (``q ≤ max_denominator``, ``|p| ≤ max_numerator``) within ``tol``
    (relative, and absolute below 1) of ``x``, or ``None``.

    >>> fraction(0.25), fraction(-1.5), fraction(0.1234567)
    (Fraction(1, 4), Fraction(-3, 2), None)
    """
    if not math.isfinite(x):
        return None
    f = Fraction(x).limit_denominator(max_denominator)
    if abs(f.numerator) > max_numerator:
        return None
    return f if abs(float(f) - x) <= tol * max(1.0, abs(x)) else None


def _coefficient(p: int, q: int, symbol: str) -> str:
    """``p·symbol/q`` written out: ``√2``, ``3√2``, ``√2/4``, ``3√2/4``."""
    head = symbol if p == 1 else f"{p}{symbol}"
    return head if q == 1 else f"{head}/{q}"


def _rational_multiple(a: float, base: float, tol: float, max_den: int = 16, max_num: int = 16) -> Fraction | None:
    f = fraction(a / base, tol, max_den, max_num)
    return f if f is not None and f > 0 else None


def _positive(a: float, tol: float, digits: int) -> str:
    """``readable`` of a positive, finite ``a``."""
    if a < 1e15 and abs(a - round(a)) <= tol * max(1.0, a) and round(a) > 0:
        return str(round(a))
    f = fraction(a, tol)
    if f is not None and f > 0:
        p, q = f.numerator, f.denominator
        if p > 16 and 1000 % q == 0:  # 25/2 reads better as 12.5
            return f"{p / q:g}"
        return f"{p}/{q}"
    for k in _RADICANDS:
        c = _rational_multiple(a, math.sqrt(k), tol)  # a = (p/q)·√k
        if c is not None:
            p, q = c.numerator, c.denominator
            if q % k == 0 and (p == 1 or q == k):  # = p/(m√k): 1/√2, 2/√3, 1/(2√2)
                m = q // k
                return f"{p}/√{k}" if m == 1 else f"{p}/({m}√{k})"
            return _coefficient(p, q, f"√{k}")
    for symbol, base in (("π", math.pi), ("√(2π)", math.sqrt(2 * math.pi))):
        c = _rational_multiple(a, base, tol)
        if c is not None:
            return _coefficient(c.numerator, c.denominator, symbol)
        c = _rational_multiple(a * base, 1.0, tol)
        if c is not None:
            p, q = c.numerator, c.denominator
            return f"{p}/{symbol}" if q == 1 else f"{p}/({q}{symbol})"
    return f"{a:.{digits}g}".replace("-", MINUS)


def readable(x: float, tol: float = 1e-9, digits: int = 6) -> str:
    """``x`` written the way a person writes it, within relative tolerance ``tol``.

    Integers, simple fractions ``p/q`` (``q ≤ 64``; a long numerator over 2, 4, 5, 8, … as a decimal,
    ``12.5``), ``√k``, ``1/√k``, ``p/(m√k)`` and ``p√k/q`` for small square-free ``k`` (coefficients
    up to 16/16), multiples of ``π`` and of ``√(2π)`` and their reciprocals; otherwise ``digits``
    significant digits. Negative numbers take the sign ``−``.

    >>> [readable(v) for v in (3.0, -0.25, 1 / 3, 2 / 3, 64.0, 1e6, 12.5, 100 / 3)]
    ['3', '−1/4', '1/3', '2/3', '64', '1000000', '12.5', '100/3']
    >>> [readable(v) for v in (3 ** 0.5, 3 * 2 ** 0.5 / 4, 1 / 8 ** 0.5, -(2 ** 0.5) / 2, 2 / 3 ** 0.5)]
    ['√3', '3√2/4', '1/(2√2)', '−1/√2', '2/√3']
    >>> import math
    >>> [readable(v) for v in (math.pi, math.pi / 2, 1 / math.pi, 1 / math.sqrt(2 * math.pi))]
    ['π', 'π/2', '1/π', '1/√(2π)']
    >>> readable(1.41421), readable(1.41421, tol=1e-5), readable(0.1234567, digits=3)
    ('1.41421', '√2', '0.123')
    >>> readable(0.0), readable(float("inf")), readable(-1e-7)
    ('0', 'inf', '−1e−07')
    """
    x = float(x)
    if math.isnan(x):
        return "nan"
    if math.isinf(x):
        return "inf" if x > 0 else f"{MINUS}inf"
    if x == 0.0:
        return "0"
    if x < 0:
        return MINUS + _positive(-x, tol, digits)
    return _positive(x, tol, digits)
