"""cosmic-ray's test command: run the tests that execute the mutated line first, then, if they all pass, all.

    python tests/mutation/run_mutant.py map     # once per scratch checkout, on the unmutated code
    python tests/mutation/run_mutant.py         # cosmic-ray's test-command (tests/mutation/cosmic-ray.toml)

``map`` runs :data:`TESTS` under coverage.py with one context per test (pytest-cov's ``--cov-context=test``)
and writes :data:`MAP`: for each line of ``reference/``, the tests that execute it.

The test command reads the mutated lines from ``git diff`` (cosmic-ray mutates the checkout in place) and
runs the tests that execute them, ``pytest -x``. If one fails, the mutant is killed: that verdict is final,
the selected tests are a subset of the full command's. If they all pass, or no test executes the line (a
line run only in a subprocess, or a test pytest cannot select), the full command decides, so a survivor
is a survivor of the whole of :data:`TESTS` exactly as without the map. The map only makes a kill cheaper:
most mutants die in the first seconds of the few tests that run their line, instead of after the whole
ordered list (45-120 s each on two cores).
"""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from collections import defaultdict
from pathlib import Path

#: the checker's test files, the fastest killers first (``-x`` stops at the first failure)
TESTS = [
    "tests/test_check.py",
    "tests/test_check_golden.py",
    "tests/test_check_mutation_survivors.py",
    "tests/test_check_mutation_survivors_blame.py",
    "tests/test_check_mutation_survivors_diagnosis.py",
    "tests/test_check_mutation_survivors_engine.py",
    "tests/test_check_mutation_survivors_judge.py",
    "tests/test_check_mutation_survivors_ties.py",
    "tests/test_check_mutation_survivors_seed6.py",
    "tests/test_check_mutation_survivors_seed7.py",
    "tests/test_check_mutation_survivors_seed8.py",
    "tests/test_check_mutation_survivors_seed9.py",
    "tests/test_check_mutation_survivors_seed10.py",
    "tests/test_check_mutation_survivors_seed11.py",
    "tests/test_check_mutation_survivors_seed12.py",
    "tests/test_check_mutation_survivors_seed13.py",
    "tests/test_check_mutation_survivors_seed14.py",
    "tests/test_check_mutation_survivors_seed15.py",
    "tests/test_check_mutation_survivors_seed16.py",
    "tests/test_check_diagnosis.py",
    "tests/test_check_ties_edges.py",
    "tests/test_verify.py",
    "tests/test_cli_check.py",
    "tests/test_check_library_use.py",
    "tests/test_catalog_coverage.py",
    "tests/test_arbitration.py",
    "tests/test_check_custom_rules.py",
    "tests/test_program_store.py",
    "tests/test_compile_cache.py",
    "tests/test_witness.py",
    "tests/test_pytest_plugin.py",
    "tests/test_strategies.py",
]
MAP = Path(".mutation-tests.json")
PYTEST = [sys.executable, "-m", "pytest", "-x", "-q", "-p", "no:cacheprovider"]
#: a mutated token on a continuation line belongs to the statement that starts up to this many lines above
CONTINUATION = 3
ENV = {
    "JAX_COMPILATION_CACHE_DIR": ".jax-cache-mutation",
    "JAX_PERSISTENT_CACHE_MIN_COMPILE_TIME_SECS": "0",
    "JAX_PERSISTENT_CACHE_MIN_ENTRY_SIZE_BYTES": "-1",
}


def _run(args: list[str]) -> int:
    return subprocess.call(args, env={**os.environ, **ENV})


def build_map() -> None:
    """Run :data:`TESTS` under coverage, one context per test, and write :data:`MAP`."""
    data_file = ".coverage-mutation"
    code = _run([sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", "--cov=reference",
                 "--cov-context=test", "--cov-report=", *TESTS])
    if code != 0:
        sys.exit(f"the unmutated code must pass {' '.join(TESTS)} before a map is made (pytest exit {code})")
    os.replace(".coverage", data_file)
    write_map(data_file)


def write_map(data_file: str) -> None:
    """Write :data:`MAP` from a coverage data file recorded with one context per test."""
    import coverage

    data = coverage.CoverageData(basename=data_file)
    data.read()
    root = Path.cwd().resolve()
    out: dict[str, dict[int, list[str]]] = {}
    for measured in data.measured_files():
        path = Path(measured).resolve()
        if root not in path.parents:
            continue
        by_line = data.contexts_by_lineno(measured)
        out[str(path.relative_to(root))] = {
            line: sorted({c.rsplit("|", 1)[0] for c in contexts if c}) for line, contexts in by_line.items()}
    MAP.write_text(json.dumps(out))
    lines = sum(len(v) for v in out.values())
    print(f"wrote {MAP}: {lines} executed lines in {len(out)} files")


def mutated_lines(diff: str) -> dict[str, list[int]]:
    """The changed lines of each file in a ``git diff -U0`` (new-file line numbers).

    >>> mutated_lines("+++ b/reference/a.py\\n@@ -10 +10 @@\\n-x\\n+y\\n@@ -20,2 +21,2 @@\\n")
    {'reference/a.py': [10, 21, 22]}
    """
    out: dict[str, list[int]] = defaultdict(list)
    path = None
    for line in diff.splitlines():
        if line.startswith("+++ "):
            path = line[6:] if line.startswith("+++ b/") else None
        elif line.startswith("@@") and path is not None:
            m = re.match(r"@@ -\S+ \+(\d+)(?:,(\d+))? @@", line)
            if m:
                start, count = int(m.group(1)), int(m.group(2) or 1)
                out[path].extend(range(start, start + max(count, 1)))
    return dict(out)


def selected_tests(changed: dict[str, list[int]], coverage_map: dict[str, dict[str, list[str]]]) -> list[str]:
    """The tests that execute a changed line (or the statement it continues), in :data:`TESTS`' order.

    >>> m = {"reference/a.py": {"9": ["tests/test_verify.py::t2", "tests/test_check.py::t1"]}}
    >>> selected_tests({"reference/a.py": [11]}, m)
    ['tests/test_check.py::t1', 'tests/test_verify.py::t2']
    >>> selected_tests({"reference/a.py": [30]}, m)
    []
    """
    found: set[str] = set()
    for path, lines in changed.items():
        by_line = coverage_map.get(path, {})
        for line in lines:
            for near in range(line - CONTINUATION, line + 1):
                found.update(by_line.get(str(near), ()))
    order = {name: i for i, name in enumerate(TESTS)}
    return sorted((t for t in found if t.split("::", 1)[0] in order),
                  key=lambda t: (order[t.split("::", 1)[0]], t))


def run_mutant() -> int:
    """cosmic-ray's test command: 0 when the mutant survives :data:`TESTS`, nonzero when it is killed."""
    diff = subprocess.run(["git", "diff", "-U0", "--no-color", "--", "reference"], capture_output=True,
                          text=True, check=True).stdout
    tests = selected_tests(mutated_lines(diff), json.loads(MAP.read_text())) if MAP.exists() else []
    if tests:
        code = _run([*PYTEST, *tests])
        if code == 1:  # a selected test failed: killed (2-5 are pytest's own trouble: let the full run decide)
            print(f"killed by one of the {len(tests)} tests that execute the mutated line")
            return 1
    return _run([*PYTEST, *TESTS])


if __name__ == "__main__":
    if sys.argv[1:] == ["map"]:
        build_map()
    elif not sys.argv[1:]:
        sys.exit(run_mutant())
    else:
        sys.exit(__doc__)
