"""Speed targets held against one run's ratios, with the measured reason for every cell that misses one.

A :class:`Target` says: contender ``contender`` takes at most ``bound`` times the time of ``of`` (the
suite's baseline when ``of`` is ``None``) in the cases ``where`` selects. :func:`target_rows` judges every
such cell of a suite's ``results.json`` entry, and where a cell misses, says why **from the run's own
measurements**, never from a guess, in this order:

* **not measured**: the contender (or the one it is divided by) was skipped or failed there;
* **the same program**: held to the baseline and compiled to the baseline's own XLA kernels (the
  harness's ``same_kernels_as_baseline``): the two programs are one, and the gap is timing noise (the
  rounds' quartiles are given);
* **out of reach**: the target's ``floor`` (one pass over the data, the least any evaluation order can
  cost) already measured above the bound;
* otherwise the gap over the floor, in passes: ``×k`` the one-pass time, with the bandwidths when the
  case's parameters give the bytes streamed (``X_bytes``); and the ``alternative`` evaluation order's
  ratio when the suite measured it (an alternative within the bound says the closed form chose the
  slower order there), and the ``compare`` yardsticks' ratios.

Ratios to the baseline are the harness's (median of per-round ratios); a ratio to another contender
(``of``, the floor) is the ratio of the two medians.

>>> def row(name, median_s, ratio, **kw):
...     return {"name": name, "status": "ok", "median_s": median_s, "ratio": ratio,
...             "ratio_q1": ratio * 0.9, "ratio_q3": ratio * 1.1, **kw}
>>> suite = {"baseline": "grad", "cases": [
...     {"label": "small", "params": {"n": 10}, "contenders": [
...         row("grad", 2e-3, 1.0), row("closed", 2.2e-3, 1.1, same_kernels_as_baseline=True),
...         row("one pass", 1e-3, 0.5)]},
...     {"label": "big", "params": {"n": 10**6, "X_bytes": 8e8}, "contenders": [
...         row("grad", 0.2, 1.0), row("closed", 0.15, 0.75, same_kernels_as_baseline=False),
...         row("one pass", 0.05, 0.25)]}]}
>>> for r in target_rows(suite, Target("closed", 1.0, floor="one pass")):
...     print(r.case, r.measured, "met" if r.met else f"missed: {r.reason}")
small 1.1 missed: the same XLA program as grad (identical kernels): timing noise, rounds ×0.99–1.21
big 0.75 met
>>> r, = target_rows(suite, Target("closed", 0.6, floor="one pass", where=lambda p: p["n"] >= 10**6))
>>> print(r.reason)
×3 the one-pass time (one pass: ×0.25); streams 800 MB at 5.3 GB/s, one pass at 16 GB/s
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

__all__ = ["Target", "TargetRow", "target_rows", "targets_markdown"]


@dataclass(frozen=True)
class Target:
    """``contender`` ≤ ``bound`` × ``of`` (the baseline when ``None``) in the cases ``where(params)`` selects.

    ``floor``: the contender measuring one pass over the data (the least any order can cost);
    ``alternative``: the same closed form in its other evaluation order, when the suite times it;
    ``compare``: yardsticks whose ratios a reason quotes; ``text``: the target as the issue states it.
    """

    contender: str
    bound: float
    of: str | None = None
    where: Callable[[Mapping[str, Any]], bool] = lambda params: True
    floor: str | None = None
    alternative: str | None = None
    compare: tuple[str, ...] = ()
    text: str = ""

    def describe(self, baseline: str) -> str:
        """``closed form (jit) ≤ ×1.0 jit(grad)``, plus the target's own words when it has them."""
        head = f"`{self.contender}` ≤ ×{self.bound:g} `{self.of or baseline}`"
        return f"{head}, {self.text}" if self.text else head


@dataclass(frozen=True)
class TargetRow:
    """One cell judged: the case, the measured ratio (``None`` when not measured), met, and why not."""

    case: str
    measured: float | None
    quartiles: tuple[float, float] | None
    met: bool
    reason: str


def _ok(row: Mapping[str, Any] | None) -> bool:
    return row is not None and row.get("status") == "ok" and row.get("median_s") is not None


def _ratio(rows: Mapping[str, Mapping[str, Any]], name: str, of: str | None) -> float | None:
    """``name``'s time ÷ ``of``'s (the harness's per-round median ratio when ``of`` is the baseline)."""
    row = rows.get(name)
    if not _ok(row):
        return None
    if of is None:
        return row.get("ratio")
    other = rows.get(of)
    return row["median_s"] / other["median_s"] if _ok(other) else None


def _gbps(nbytes: float, seconds: float) -> str:
    """Bytes per second as GB/s, two significant digits, never in e-notation (0.12, 9.3, 27, 120)."""
    rate = nbytes / seconds / 1e9
    return f"{rate:.2g} GB/s" if rate < 100 else f"{rate:.0f} GB/s"


def _bytes(n: float) -> str:
    """``n`` bytes as people write them: 40 kB, 160 MB, 1.6 GB."""
    for unit, scale in (("GB", 1e9), ("MB", 1e6), ("kB", 1e3)):
        if n >= scale:
            return f"{n / scale:.3g} {unit}"
    return f"{n:.0f} B"


def _why(t: Target, baseline: str, rows: Mapping[str, Mapping[str, Any]], params: Mapping[str, Any],
         measured: float) -> str:
    row = rows[t.contender]
    alt = _ratio(rows, t.alternative, t.of) if t.alternative else None
    if t.of is None and row.get("same_kernels_as_baseline"):
        same = (f"the same XLA program as {baseline} (identical kernels): timing noise, rounds "
                f"×{row['ratio_q1']:.3g}–{row['ratio_q3']:.3g}")
        if alt is not None and alt <= t.bound:
            same += f"; the other evaluation order measured ×{alt:.3g}, within the target"
        return same
    parts = []
    floor = _ratio(rows, t.floor, t.of) if t.floor else None
    if floor is not None and floor > t.bound:
        parts.append(f"out of reach: one pass alone (`{t.floor}`) measured ×{floor:.3g}")
    elif floor is not None:
        passes = rows[t.contender]["median_s"] / rows[t.floor]["median_s"]
        text = f"×{passes:.2g} the one-pass time" + (f" (one pass: ×{floor:.3g})" if t.floor != t.of else "")
        if params.get("X_bytes"):
            nbytes = float(params["X_bytes"])
            text += (f"; streams {_bytes(nbytes)} at {_gbps(nbytes, rows[t.contender]['median_s'])}, "
                     f"one pass at {_gbps(nbytes, rows[t.floor]['median_s'])}")
        parts.append(text)
    if alt is not None:
        verdict = "within the target: the closed form chose the slower order here" if alt <= t.bound else "also over"
        parts.append(f"the other evaluation order measured ×{alt:.3g} ({verdict})")
    seen = [(name, _ratio(rows, name, t.of)) for name in t.compare]
    if any(r is not None for _, r in seen):
        parts.append("; ".join(f"`{name}` ×{r:.3g}" for name, r in seen if r is not None))
    return "; ".join(parts) if parts else f"×{measured:.3g}, no yardstick measured here to say why"


def target_rows(suite: Mapping[str, Any], target: Target) -> Iterator[TargetRow]:
    """Every case of ``suite`` (a ``results.json`` entry) that ``target`` selects, judged against it."""
    baseline = suite["baseline"]
    for case in suite["cases"]:
        params = case.get("params") or {}
        if not target.where(params):
            continue
        rows = {c["name"]: c for c in case["contenders"]}
        measured = _ratio(rows, target.contender, target.of)
        if measured is None:
            missing = [n for n in (target.contender, target.of) if n and not _ok(rows.get(n))]
            why = "; ".join(f"`{n}` {(rows.get(n) or {}).get('reason') or (rows.get(n) or {}).get('status', 'absent')}"
                            for n in missing)
            yield TargetRow(case["label"], None, None, False, f"not measured: {why}")
            continue
        own = rows[target.contender]
        quart = (own["ratio_q1"], own["ratio_q3"]) if target.of is None and "ratio_q1" in own else None
        met = measured <= target.bound
        yield TargetRow(case["label"], measured, quart, met,
                        "" if met else _why(target, baseline, rows, params, measured))


def targets_markdown(suite: Mapping[str, Any], targets: Sequence[Target]) -> str:
    """A section per target: how many selected cells meet it, and a table of those that miss, with reasons."""
    lines = ["### Targets, judged on this run", ""]
    for t in targets:
        rows = list(target_rows(suite, t))
        if not rows:
            lines += [f"- {t.describe(suite['baseline'])}: no case of this run is selected.", ""]
            continue
        missed = [r for r in rows if not r.met]
        lines += [f"- {t.describe(suite['baseline'])}: **met in {len(rows) - len(missed)} of {len(rows)} cells**"
                  + ("." if not missed else "; missed:"), ""]
        if missed:
            lines += ["  | case | measured | rounds | measured reason |", "  |---|---|---|---|"]
            for r in missed:
                got = "—" if r.measured is None else f"×{r.measured:.3g}"
                spread = "—" if r.quartiles is None else f"×{r.quartiles[0]:.3g}–{r.quartiles[1]:.3g}"
                lines.append(f"  | {r.case} | {got} | {spread} | {r.reason} |")
            lines.append("")
    return "\n".join(lines)
