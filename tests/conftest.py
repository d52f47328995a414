"""Strict numerics for the whole suite, and the shared verify results of the catalog.

* NumPy floating-point errors raise (a NaN or overflow in a closed form is a bug, not a warning).
* JAX's 64-bit mode is never flipped globally: references use the scoped ``chainrule.reference.autodiff.x64``.
* Hypothesis is derandomized (the ``chainrule`` profile), so every run tries the same examples.
* JAX's persistent compilation cache is on, in the same directory as ``chainrule verify``'s
  (:mod:`chainrule.reference.compile_cache`: ``CHAINRULE_CACHE_DIR``, else the user's cache dir; off
  with ``CHAINRULE_NO_CACHE=1``): a second run, or a run after ``chainrule verify``, loads the compiled
  programs instead of compiling them again. The key is JAX's (the program itself), so a changed
  formula compiles afresh.
* ``catalog_results`` verifies every catalog rule once per session (float64), for the catalog tests and
  the README table test alike; ``catalog_results_float32`` the same in float32 (seed 1). Both run as
  ``chainrule verify`` does, in batches on the usable cores (in the worker's own process under xdist).
* On several cores (``-n auto --dist loadfile``, pytest-xdist, as the README's test command runs it) a
  test file is one unit of work, so a module's fixtures (the docs site's build, the bench run) are built
  once; the catalog fixtures' only user is ``tests/test_catalog.py``, so the catalog is verified once per
  dtype. (``--dist loadgroup`` would group across files, but pytest 9 ignores the test-id suffix
  pytest-xdist 3.8 groups by.) ``-n auto`` is the usable cores, at most 8 (each worker imports JAX and
  compiles its own programs).
* The longest test files go out first (:data:`LONGEST_FIRST`, then the rest in collection order):
  pytest-xdist hands out files in the order it is given, once its own reordering (by test count, which
  put the 7 tests of the 35 s docs build last, alone on one worker at the end) is turned off, so the
  short files fill in behind the long ones and both workers finish together.
"""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import settings

np.seterr(all="raise", under="ignore")

# Hypothesis runs derandomized: the same examples on every machine, so CI cannot flake on a rare draw.
settings.register_profile("chainrule", derandomize=True, database=None, deadline=None)
settings.load_profile("chainrule")


#: The test files that take longest, longest first: seconds on the 2-core development VM, warm caches,
#: two xdist workers (2026-12-08). ``tests/test_conftest_order.py`` checks that each still exists.
LONGEST_FIRST = (
    "tests/test_bench.py",  # 36 s: `chainrule bench --quick`, every suite and its plot
    "tests/test_docs_site.py",  # 35 s: the site's build (two verify runs, Sphinx), then Chromium
    "tests/realworld/test_realworld.py",  # 34 s: 24 public backward passes at 50 seeds, and 57 mutants
    "tests/test_catalog.py",  # 17 s: the catalog verified in float64 and float32
    "tests/test_check.py",  # 16 s
    "tests/test_audit.py",  # 13 s
    "tests/test_check_library_use.py",  # 11 s
    "tests/test_check_ties_edges.py",  # 10 s
    "tests/test_arbitration.py",  # 8 s
    "tests/test_docstrings.py",  # 6 s
    "tests/test_compile_cache.py",  # 6 s
    "tests/test_packaging.py",  # 6 s
    "tests/test_verify.py",  # 5 s
    "tests/test_program_store.py",  # 5 s
    "tests/test_check_mutation_survivors.py",  # 5 s
)


def pytest_configure(config):
    """Before any test compiles: the persistent compilation cache, shared with ``chainrule verify``. Under
    pytest-xdist, its files go out in the order :func:`pytest_collection_modifyitems` gives them."""
    from chainrule.reference.compile_cache import enable_compilation_cache

    enable_compilation_cache()
    if hasattr(config.option, "loadscopereorder"):  # pytest-xdist's --dist loadfile/loadscope
        config.option.loadscopereorder = False
    if hasattr(config, "workerinput"):
        import atexit

        atexit.register(_leave_worker_at_once)  # after JAX's own handler, so it runs before it


def _leave_worker_at_once() -> None:
    """An xdist worker's last act, once its gateway has closed (every report sent): leave without JAX's exit
    handler, which frees every compiled program and cache one by one (2-3 s per worker here, while the
    controller waits for both), and without the interpreter's teardown. Not when coverage is measuring,
    which writes its data at exit."""
    import os
    import sys

    if "coverage" in sys.modules:
        return
    sys.stdout.flush()
    sys.stderr.flush()
    os._exit(0)


def pytest_collection_modifyitems(session, config, items):
    """The files of :data:`LONGEST_FIRST` first, in its order; within a file, and among the other files,
    the collection order is kept (a stable sort)."""
    rank = {path: i for i, path in enumerate(LONGEST_FIRST)}
    items.sort(key=lambda item: rank.get(item.nodeid.split("::")[0], len(rank)))


@pytest.hookimpl(optionalhook=True)
def pytest_xdist_auto_num_workers(config):
    """``-n auto``: one worker per usable core (this process's CPU affinity), at most 8."""
    from chainrule.reference.catalog.parallel import default_jobs

    return min(default_jobs(), 8)


def _verify_all(dtype: str, seed: int) -> dict:
    """The whole catalog once, as ``chainrule verify`` runs it: batches on the usable cores, or in this
    process in a pytest-xdist worker, where the other workers use the cores already (two spawned verify
    workers per dtype there cost 8 s of CPU importing JAX, and gained no time). The results do not depend
    on the number of processes (``tests/test_verify.py`` compares them)."""
    import os

    from chainrule.reference.catalog import CATALOG
    from chainrule.reference.catalog.parallel import default_jobs, verify_in_parallel

    jobs = 1 if os.environ.get("PYTEST_XDIST_WORKER") else default_jobs()
    results = verify_in_parallel(CATALOG, jobs=jobs, trials=100, seed=seed, dtype=dtype)
    return {r.name: r for r in results}


@pytest.fixture(scope="session")
def catalog_results():
    return _verify_all("float64", seed=0)


@pytest.fixture(scope="session")
def catalog_results_float32():
    return _verify_all("float32", seed=1)


@pytest.fixture
def promoted_closed_form_rule():
    """A catalog-style record (E-7's Jacobian of w ⊙ x) whose closed form returns float64 whatever the inputs'
    dtype: under float32 it fails "wrong dtype" at the first trial."""
    from chainrule.analytic.structured import Diagonal
    from chainrule.reference.catalog import Arg, Rule

    def mul(w, x):
        return w * x

    def promoted(w, x):
        return Diagonal(np.asarray(x, np.float64))

    return Rule("jac_mul_w_promoted_test", "E-7", "elementwise", "§4.2", mul, promoted,
                (Arg("w", ("n",)), Arg("x", ("n",))), "w", ({"n": 3},))


def pytest_sessionfinish(session, exitstatus):
    """The tests use chainrule as users import it: ``python -m pytest`` puts the repository root on
    ``sys.path``, where ``import analytic`` would load a second, wrongly named copy of the package."""
    import sys

    stray = sorted(k for k in sys.modules if k.split(".")[0] in ("analytic", "reference", "benchmarks"))
    if stray:
        raise RuntimeError(f"tests imported the repository's folders by their bare names: {stray[:5]}; "
                           "import chainrule.analytic / chainrule.reference / chainrule.benchmarks instead")
