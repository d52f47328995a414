"""Verify the catalog on several cores: batches of rules in worker processes (``chainrule verify --jobs N``).

Almost all of ``chainrule verify``'s time is JAX tracing and XLA compiling the checks, one core at a
time; worker processes run batches side by side. Each worker is a fresh interpreter (``spawn``: JAX does
not survive ``fork``) that imports the catalog and verifies the rules it is sent **by name**, so its
results are exactly those of :func:`~chainrule.reference.catalog.verify.verify_catalog` in this process
(the same seeds per rule and configuration). A rule that is not the catalog's own record of its name (a
record built or patched at run time, as tests do) cannot be sent by name and runs here instead. A
worker uses this process's persistent compilation cache
(:func:`~chainrule.reference.compile_cache.enable_compilation_cache`) when it has one.
"""

from __future__ import annotations

import multiprocessing
import os
from collections.abc import Callable, Iterable, Sequence
from concurrent.futures import FIRST_COMPLETED, ProcessPoolExecutor, wait

from ..compile_cache import enable_compilation_cache, enabled_cache_dir
from ._record import Rule
from .verify import BATCH, RuleResult, verify_catalog

__all__ = ["default_jobs", "verify_in_parallel"]


def default_jobs() -> int:
    """The usable cores of this process (its CPU affinity), at least 1."""
    try:
        return max(1, len(os.sched_getaffinity(0)))
    except AttributeError:  # macOS, Windows
        return max(1, os.cpu_count() or 1)


def _verify_names(names: Sequence[str], trials: int, seed: int, dtype: str) -> list[RuleResult]:
    """In a worker: verify the catalog's records called ``names`` (one batch)."""
    from . import by_name

    return verify_catalog([by_name(n) for n in names], trials=trials, seed=seed, dtype=dtype)


def _start_worker(cache_dir: str | None) -> None:
    """In a worker, before it compiles: the parent's persistent compilation cache, if it has one."""
    if cache_dir is not None:
        enable_compilation_cache(cache_dir)


def _is_catalogs_own(rule: Rule) -> bool:
    from . import by_name

    try:
        return by_name(rule.name) is rule
    except KeyError:
        return False


def verify_in_parallel(
    rules: Iterable[Rule],
    *,
    jobs: int,
    trials: int = 100,
    seed: int = 0,
    dtype: str = "float64",
    on_result: Callable[[RuleResult], None] | None = None,
) -> list[RuleResult]:
    """:func:`verify_catalog` on ``jobs`` worker processes; the results in the order of ``rules``.

    ``jobs = 1`` (or a handful of rules) runs in this process. ``on_result`` is called as batches finish.
    """
    if isinstance(jobs, bool) or not isinstance(jobs, int) or jobs < 1:
        raise ValueError(f"jobs: expected a number of worker processes ≥ 1, got {jobs!r}")
    rules = list(rules)
    if jobs == 1 or len(rules) <= BATCH:
        return verify_catalog(rules, trials=trials, seed=seed, dtype=dtype, on_result=on_result)
    results: dict[int, RuleResult] = {}
    remote = [i for i, r in enumerate(rules) if _is_catalogs_own(r)]
    local = [i for i in range(len(rules)) if i not in set(remote)]
    batches = [remote[k:k + BATCH] for k in range(0, len(remote), BATCH)]
    context = multiprocessing.get_context("spawn")
    cache = enabled_cache_dir()
    with ProcessPoolExecutor(max_workers=min(jobs, len(batches)), mp_context=context, initializer=_start_worker,
                             initargs=(None if cache is None else str(cache),)) as pool:
        pending = {pool.submit(_verify_names, [rules[i].name for i in b], trials, seed, dtype): b for b in batches}
        if local:  # while the workers start: the rules only this process knows
            for i, r in zip(local, verify_catalog([rules[i] for i in local], trials=trials, seed=seed,
                                                  dtype=dtype, on_result=on_result), strict=True):
                results[i] = r
        while pending:
            done, _ = wait(pending, return_when=FIRST_COMPLETED)
            for future in done:
                batch = pending.pop(future)
                for i, r in zip(batch, future.result(), strict=True):
                    results[i] = r
                    if on_result is not None:
                        on_result(r)
        _stop_workers(pool)
    return [results[i] for i in range(len(rules))]


def _stop_workers(pool: ProcessPoolExecutor) -> None:
    """Every result is in: stop the idle workers instead of waiting for them to exit. A worker holds nothing
    more (its programs are in the persistent cache, written when compiled); a clean exit of two JAX workers
    took 0.8 s here, terminating them 0.06 s. ``_processes`` is the executor's own table of its workers (no
    public way to stop them before Python 3.14); without it the pool shuts down as usual."""
    for process in list((getattr(pool, "_processes", None) or {}).values()):
        process.terminate()
