"""Run a finished session's survivors again, against the code as it is now, with the same test command.

    python tests/mutation/rerun.py SESSION.sqlite [--out rerun.json]

A survivor is examined by hand, then marked equivalent or killed by a new test. This measures the second
half the way the tool measured the first: each survivor's recorded diff is applied to this checkout
(``git apply`` with a few lines of fuzz, since the file may have moved on), ``run_mutant.py`` decides, and
the file is restored. Each survivor ends as one of:

- ``killed``: the test command fails against it;
- ``survived``: the test command passes (a real survivor still, unless it is an equivalent mutant);
- ``equivalent``: its line now carries ``# pragma: no mutate`` (the reason is written there);
- ``gone``: the mutated line is no longer there (the code was rewritten without it). Where only the lines
  around it changed, the mutated line is put in place of the one line that still reads as the original
  beside one of its old neighbours.

Run it from the same kind of scratch checkout as ``cosmic-ray exec`` (it edits files in place), with no
uncommitted changes under ``reference/``.
"""

from __future__ import annotations

import argparse
import json
import sqlite3
import subprocess
import sys
from pathlib import Path

PRAGMA = "pragma: no mutate"


def survivors(session: Path) -> list[dict[str, object]]:
    """The session's survivors: job id, file, line, operator and recorded diff, in file and line order."""
    db = sqlite3.connect(session)
    rows = db.execute(
        "select s.job_id, s.module_path, s.start_pos_row, s.operator_name, r.diff"
        " from work_results r join mutation_specs s using(job_id)"
        " where r.worker_outcome = 'NORMAL' and r.test_outcome = 'SURVIVED'"
        " order by s.module_path, s.start_pos_row").fetchall()
    return [dict(job=j, path=p, line=ln, operator=o, diff=d) for j, p, ln, o, d in rows]


def _patch(diff: str) -> str:
    """cosmic-ray's recorded diff (after its ``--- mutation diff ---`` header) as a patch ``git apply`` reads.

    >>> _patch("--- mutation diff ---\\n--- a/r.py\\n+++ b/r.py\\n@@ -1 +1 @@\\n-x = 1\\n+x = 2")
    '--- a/r.py\\n+++ b/r.py\\n@@ -1 +1 @@\\n-x = 1\\n+x = 2\\n'
    """
    lines = diff.splitlines()
    start = next(i for i, line in enumerate(lines) if line.startswith("--- a/"))
    return "\n".join(lines[start:]) + "\n"


def _original_line(diff: str) -> str:
    """The line the mutant replaces, as it reads in the unmutated code.

    >>> _original_line("--- a/r.py\\n+++ b/r.py\\n@@ -1 +1 @@\\n-x = 1\\n+x = 2")
    'x = 1'
    """
    return next(line[1:] for line in diff.splitlines() if line.startswith("-") and not line.startswith("---"))


def _mutated_line(diff: str) -> str:
    """The line the mutant puts in its place.

    >>> _mutated_line("--- a/r.py\\n+++ b/r.py\\n@@ -1 +1 @@\\n-x = 1\\n+x = 2")
    'x = 2'
    """
    return next(line[1:] for line in diff.splitlines() if line.startswith("+") and not line.startswith("+++"))


def _code(line: str) -> str:
    return line.split("#", 1)[0].strip()


def _neighbours(diff: str) -> tuple[str, str]:
    """The code of the lines just before and just after the mutated one in the recorded diff.

    >>> _neighbours("--- a/r.py\\n+++ b/r.py\\n@@ -1,3 +1,3 @@\\n if a:\\n-    x = 1\\n+    x = 2\\n y = x")
    ('if a:', 'y = x')
    """
    body = [line for line in diff.splitlines() if not line.startswith(("---", "+++", "@@"))]
    i = next(k for k, line in enumerate(body) if line.startswith("-"))
    before = _code(body[i - 1][1:]) if i > 0 else ""
    after = _code(body[i + 2][1:]) if i + 2 < len(body) else ""
    return before, after


def _apply_by_line(path: str, diff: str, row: int, reach: int = 40) -> bool:
    """Where the lines around the mutated one have changed (so the diff's context no longer matches), put the
    mutated line in place of the one line within ``reach`` of ``row`` whose code still reads as the original,
    next to a line that still reads as its neighbour did (a short line such as ``return 0`` recurs; with a
    neighbour it is the same place). False when there is no such line, or more than one."""
    original, mutated = _original_line(diff), _mutated_line(diff)
    before, after = _neighbours(diff)
    lines = Path(path).read_text().splitlines(keepends=True)
    lo = max(0, row - 1 - reach)

    def placed(i: int) -> bool:
        return ((i > 0 and before != "" and _code(lines[i - 1]) == before)
                or (i + 1 < len(lines) and after != "" and _code(lines[i + 1]) == after))

    hits = [i for i in range(lo, min(len(lines), row + reach)) if _code(lines[i]) == _code(original) and placed(i)]
    if len(hits) != 1:
        return False
    lines[hits[0]] = mutated + "\n"
    Path(path).write_text("".join(lines))
    return True


def _marked_now(path: str, original: str, row: int, reach: int = 40) -> bool:
    """Whether the mutated line, found by its text within ``reach`` lines of where it was, now carries the
    pragma that marks it equivalent."""
    lines = Path(path).read_text().splitlines()
    near = lines[max(0, row - 1 - reach):row + reach]
    return any(_code(line) == _code(original) and PRAGMA in line for line in near)


def rerun_one(s: dict[str, object]) -> str:
    """Apply one survivor's diff, run the test command, restore the file: its outcome now."""
    diff, path = str(s["diff"]), str(s["path"])
    if _marked_now(path, _original_line(diff), int(s["line"])):
        return "equivalent"
    patch = _patch(diff)
    if subprocess.run(["git", "apply", "--check", "-C1", "-"], input=patch, text=True,
                      capture_output=True).returncode == 0:
        subprocess.run(["git", "apply", "-C1", "-"], input=patch, text=True, check=True)
    elif not _apply_by_line(path, diff, int(s["line"])):
        return "gone"
    try:
        code = subprocess.call([sys.executable, "tests/mutation/run_mutant.py"], stdout=subprocess.DEVNULL,
                               stderr=subprocess.DEVNULL)
    finally:
        subprocess.run(["git", "checkout", "--", path], check=True)
    return "survived" if code == 0 else "killed"


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("session", type=Path)
    ap.add_argument("--out", type=Path, default=Path("rerun.json"))
    args = ap.parse_args(argv)
    if subprocess.run(["git", "diff", "--quiet", "--", "reference"]).returncode != 0:
        sys.exit("reference/ has uncommitted changes: rerun edits files in place and restores them with git;"
                 " commit or stash first")
    results = []
    todo = survivors(args.session)
    for i, s in enumerate(todo, 1):
        outcome = rerun_one(s)
        results.append({k: s[k] for k in ("job", "path", "line", "operator")} | {"outcome": outcome})
        print(f"[{i}/{len(todo)}] {s['path']}:{s['line']} {s['operator']}: {outcome}", flush=True)
        args.out.write_text(json.dumps(results, indent=1))
    counts = {k: sum(r["outcome"] == k for r in results) for k in ("killed", "survived", "equivalent", "gone")}
    print(", ".join(f"{v} {k}" for k, v in counts.items()))
    return 0


if __name__ == "__main__":
    sys.exit(main())
