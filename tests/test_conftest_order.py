"""The suite's file order (``conftest.LONGEST_FIRST``): the long files go to the xdist workers first."""

from __future__ import annotations

from pathlib import Path

import pytest
from conftest import LONGEST_FIRST

ROOT = Path(__file__).resolve().parents[1]


def test_every_listed_file_exists_once():
    missing = [p for p in LONGEST_FIRST if not (ROOT / p).is_file()]
    assert not missing, f"conftest.LONGEST_FIRST names files that are gone (renamed?): {missing}"
    assert len(set(LONGEST_FIRST)) == len(LONGEST_FIRST)


def test_the_session_runs_the_listed_files_first_in_their_order(request: pytest.FixtureRequest):
    rank = {p: i for i, p in enumerate(LONGEST_FIRST)}
    files = list(dict.fromkeys(item.nodeid.split("::")[0] for item in request.session.items))
    ranks = [rank.get(f, len(rank)) for f in files]
    assert ranks == sorted(ranks), files[:20]


def test_xdist_keeps_the_given_order(request: pytest.FixtureRequest):
    """pytest-xdist is a test dependency (the README's command runs on it): its option is there, and off."""
    option = request.config.option
    assert hasattr(option, "loadscopereorder"), "pytest-xdist is missing: pip install '.[test]'"
    assert option.loadscopereorder is False


def test_a_worker_leaves_at_once_unless_coverage_is_measuring(monkeypatch: pytest.MonkeyPatch):
    import os
    import sys
    import types

    import conftest

    exits: list[int] = []
    monkeypatch.setattr(os, "_exit", exits.append)
    monkeypatch.setitem(sys.modules, "coverage", types.ModuleType("coverage"))
    conftest._leave_worker_at_once()
    assert exits == []  # coverage writes its data at exit: the exit handlers must run
    monkeypatch.delitem(sys.modules, "coverage")
    conftest._leave_worker_at_once()
    assert exits == [0]
