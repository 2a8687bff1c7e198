"""Differential profiles: which functions made a judged change, from the function counts of
both sides (``RunRecord.profiles``).

Per function and operation, both sides' calls and own work: bytecode instructions a Python
function executed itself (``python``; a built-in C function, ``[C] name``, has calls only), or
machine instructions a C function executed itself under callgrind (``native``, instructions
mode).  A function's weight is its own work plus one per call (a built-in's weight is its
calls), and the functions responsible for a change are those whose weight moved the same way
as the verdict, largest first, each with its share of everything that moved that way.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Dict, List, Mapping, Optional, Sequence, Tuple

import pandas

from sigbench.analysis.verdicts import FASTER, SLOWER, Verdict
from sigbench.results.schema import PROFILE_KINDS

#: Rows per benchmark that the terminal, Markdown and HTML show (the full table is kept beside).
TOP = 3
#: What a kind's own work is counted in.
WORK_UNITS = {"python": "bytecodes", "native": "instructions"}


@dataclass(frozen=True)
class FunctionChange:
    """One function's counts per operation on both sides (0 where it did not run)."""

    kind: str
    function: str
    calls: Tuple[float, float]
    #: Own work (bytecodes or instructions); None for a built-in function's.
    work: Optional[Tuple[float, float]]
    #: Its part of all the weight that moved the way of the change (0 to 1; 0 when it moved the
    #: other way or the change is neither slower nor faster).
    share: float = 0.0

    def weight(self, side: int) -> float:
        return self.calls[side] + (self.work[side] if self.work else 0.0)

    @property
    def change(self) -> float:
        """Candidate's weight less the baseline's."""
        return self.weight(1) - self.weight(0)

    def describe(self) -> str:
        """``blinker/base.py:Signal.send: bytecodes/op 264 → 274 (+10), calls/op 1 → 1``."""
        parts = []
        if self.work is not None:
            unit = WORK_UNITS[self.kind]
            before, after = self.work
            parts.append(
                f"{unit}/op {count_text(before)} → {count_text(after)} ({count_text(after - before, '+')})"
            )
        if self.kind == "python":  # callgrind's calls of a recursive C function depend on how it
            before, after = self.calls  # splits recursion levels: those are in the full table only
            parts.append(f"calls/op {count_text(before)} → {count_text(after)}")
        share = f" [{self.share:.0%} of the change]" if self.share else ""
        return f"{self.function}: {', '.join(parts)}{share}"


def count_text(value: float, sign: str = "") -> str:
    """A count per operation: whole with thousands separators from 100, else 3 significant digits."""
    return f"{value:{sign},.0f}" if abs(value) >= 100 else f"{value:{sign}.3g}"


def differential(
    base: Mapping[str, Any], candidate: Mapping[str, Any], verdict: Verdict
) -> List[FunctionChange]:
    """Every function of either side's profile (a ``RunRecord.profiles`` entry) whose counts
    differ, the ones responsible for ``verdict`` first (largest change that way first), then the
    rest by the size of their change."""
    direction = 1 if verdict == SLOWER else -1 if verdict == FASTER else 0
    changes: List[FunctionChange] = []
    for kind in PROFILE_KINDS:
        if kind not in base or kind not in candidate:
            continue  # counted on one side only: nothing to compare
        before, after = base[kind], candidate[kind]
        for function in set(before) | set(after):
            old, new = before.get(function, [0.0, None]), after.get(function, [0.0, None])
            has_work = old[1] is not None or new[1] is not None
            work = (float(old[1] or 0.0), float(new[1] or 0.0)) if has_work else None
            change = FunctionChange(kind, function, (float(old[0]), float(new[0])), work)
            if change.change or change.calls[0] != change.calls[1]:
                changes.append(change)
    shares = {}
    for kind in PROFILE_KINDS:
        moved = sum(c.change * direction for c in changes if c.kind == kind and c.change * direction > 0)
        for c in changes:
            if c.kind == kind and moved and c.change * direction > 0:
                shares[(kind, c.function)] = c.change * direction / moved
    ranked = [
        FunctionChange(c.kind, c.function, c.calls, c.work, shares.get((c.kind, c.function), 0.0))
        for c in changes
    ]
    return sorted(ranked, key=lambda c: (-c.share, -abs(c.change), c.kind, c.function))


def responsible(changes: Sequence[FunctionChange], kind: str, top: int = TOP) -> List[FunctionChange]:
    """The first ``top`` functions of ``kind`` that carry part of the change (``differential``'s order)."""
    return [c for c in changes if c.kind == kind and c.share > 0][:top]


def profile_table(changes: Mapping[str, Sequence[FunctionChange]]) -> pandas.DataFrame:
    """Every benchmark's function changes, one row each: the full table kept beside the results."""
    rows = [
        {
            "benchmark": benchmark,
            "kind": c.kind,
            "function": c.function,
            "calls_before": c.calls[0],
            "calls_after": c.calls[1],
            "work_unit": WORK_UNITS[c.kind] if c.work is not None else "",
            "work_before": c.work[0] if c.work is not None else None,
            "work_after": c.work[1] if c.work is not None else None,
            "weight_change": c.change,
            "share_of_change": c.share,
        }
        for benchmark, found in changes.items()
        for c in found
    ]
    columns = [
        "benchmark",
        "kind",
        "function",
        "calls_before",
        "calls_after",
        "work_unit",
        "work_before",
        "work_after",
        "weight_change",
        "share_of_change",
    ]
    return pandas.DataFrame(rows, columns=columns)


def profile_lines(changes: Sequence[FunctionChange], top: int = TOP) -> List[str]:
    """The top functions of each kind responsible for the change, described; or why none is named."""
    lines = [c.describe() for kind in PROFILE_KINDS for c in responsible(changes, kind, top)]
    if not lines:
        lines = ["no function's calls or own work changed the way of the verdict"]
    return lines


def judged_profiles(
    base: Mapping[str, Mapping[str, Any]],
    candidate: Mapping[str, Mapping[str, Any]],
    verdicts: Dict[str, Verdict],
) -> Dict[str, List[FunctionChange]]:
    """``differential`` for every benchmark judged slower or faster that both sides profiled."""
    return {
        name: differential(base[name], candidate[name], verdict)
        for name, verdict in verdicts.items()
        if verdict in (SLOWER, FASTER) and name in base and name in candidate
    }
