"""Keep a seeded random sample of a cosmic-ray session's pending mutants; mark the others skipped.

    python tests/mutation/sample.py SESSION.sqlite N [--seed S]

The whole run (every mutant of tests/mutation/cosmic-ray.toml's modules) takes many hours on two
cores; issue 16 accepts a documented random sample of at least 200. The sample is drawn after
``cr-filter-pragma`` has marked the equivalent mutants (``# pragma: no mutate`` with the reason beside
it), so equivalents are never drawn.
"""

from __future__ import annotations

import argparse
import random


def main() -> None:
    # imported here: the test run collects this file for doctests, where cosmic-ray (the mutation extra)
    # need not be installed
    from cosmic_ray.work_db import WorkDB, use_db
    from cosmic_ray.work_item import WorkerOutcome, WorkResult

    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("session")
    p.add_argument("n", type=int)
    p.add_argument("--seed", type=int, default=0)
    args = p.parse_args()
    with use_db(args.session, WorkDB.Mode.open) as db:
        pending = sorted(db.pending_work_items, key=lambda item: item.job_id)
        keep = set(item.job_id for item in random.Random(args.seed).sample(pending, min(args.n, len(pending))))
        skipped = WorkResult(worker_outcome=WorkerOutcome.SKIPPED, output="not in the random sample")
        db.set_multiple_results([item.job_id for item in pending if item.job_id not in keep], skipped)
    print(f"kept {len(keep)} of {len(pending)} pending mutants (seed {args.seed})")


if __name__ == "__main__":
    main()
