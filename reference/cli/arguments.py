"""Argument types shared by the subcommands: a bad value is argparse's usage error (exit status 2) with
what was expected and what was seen, never a traceback from deep inside NumPy.

>>> seed_type("7"), trials_type("3")
(7, 3)
>>> seed_type("-1")
Traceback (most recent call last):
...
argparse.ArgumentTypeError: expected a whole number ≥ 0 (NumPy seeds are non-negative), got '-1'
"""

from __future__ import annotations

import argparse

__all__ = ["jobs_type", "seed_type", "trials_type"]


def _int(text: str, low: int, why: str) -> int:
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a whole number ≥ {low} ({why}), got {text!r}") from None
    if value < low:
        raise argparse.ArgumentTypeError(f"expected a whole number ≥ {low} ({why}), got {text!r}")
    return value


def seed_type(text: str) -> int:
    """``--seed``: an int ≥ 0."""
    return _int(text, 0, "NumPy seeds are non-negative")


def trials_type(text: str) -> int:
    """``--trials``: an int ≥ 1."""
    return _int(text, 1, "zero trials would compare nothing")


def jobs_type(text: str) -> int:
    """``--jobs``: an int ≥ 1."""
    return _int(text, 1, "worker processes")
