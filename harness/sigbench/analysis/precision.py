"""How precisely each point of a run is known: the half-width of the 95% CI of its median as a
fraction of the median, the report's interval (worker processes resampled first), checked by
Student's t while the processes are few (``relative_precision``).

The runner stops giving a point processes once this is within its profile's target
(``sigbench.run.runner.Profile``); the summary and the report show what each point reached,
how many processes that took, and the points that hit the cap without reaching it.
"""

from __future__ import annotations

import math
import zlib
from collections import Counter
from dataclasses import dataclass, field
from typing import Any, Dict, List, Optional, Sequence, Tuple

from sigbench.analysis.stats import FEW_PROCESSES, clustered_median_ci, student_half_width, typical_runs
from sigbench.results.store import point_runs
from sigbench.worker.scenarios import READ_SCENARIOS

#: From this share of a profile's most processes on, a point short of its target gets another only
#: while its precision, narrowing as 1/sqrt(processes), would reach the target within the most: on
#: this machine a point's processes differ more than its values, and a point that needs ten times
#: the cap would take its whole share of a run and still miss it.
REACH_FROM = 0.5


def within_reach(precision: float, processes: int, target: float, most: int) -> bool:
    """Would ``processes`` processes of ``precision`` (a 95% CI half-width, relative) reach
    ``target`` within ``most``, the half-width narrowing as 1/sqrt(processes)?"""
    return processes * (precision / target) ** 2 <= most  # NaN, inf: not within reach


def relative_precision(name: str, runs: Sequence[Sequence[float]]) -> float:
    """Half the width of the 95% CI of a point's median over the median: the report's interval
    (``clustered_bootstrap``, processes resampled first, seeded by the point's ``name``), and
    with fewer than ``FEW_PROCESSES`` processes the wider of that and Student's t interval over
    the process medians (``sigbench.analysis.stats.widened``).  NaN with fewer than two
    processes; 0 when all values are the same."""
    groups = [[float(value) for value in run] for run in runs if len(run)]
    if len(groups) < 2:
        return math.nan
    estimate = clustered_median_ci(groups, seed=zlib.crc32(name.encode()))
    if estimate.value == 0:
        return 0.0 if estimate.low == estimate.high else math.inf
    relative = (estimate.high - estimate.low) / 2 / abs(estimate.value)
    if len(groups) < FEW_PROCESSES:  # Student's is relative already (of the log medians)
        relative = max(relative, student_half_width(groups))
    return relative


@dataclass
class Precision:
    """What a run's points reached against its profile's target (``target`` None: no target)."""

    target: Optional[float]
    most: int
    #: point name -> (processes, relative precision)
    points: Dict[str, Tuple[int, float]] = field(default_factory=dict)
    #: Seconds of a point's processes after which it got no more (the run's ``point_seconds``).
    point_seconds: Optional[float] = None

    def reached(self) -> List[str]:
        return [name for name, (_, p) in self.points.items() if self.target is not None and p <= self.target]

    def capped(self) -> List[str]:
        """Points that stopped short of the target, least precise first: at the most processes,
        out of reach from ``REACH_FROM`` of them on (``within_reach``), or after
        ``point_seconds`` of processes."""
        if self.target is None:
            return []
        names = [n for n, (_, p) in self.points.items() if not p <= self.target]
        return sorted(names, key=lambda n: -self.points[n][1])

    def processes_needed(self) -> Counter[int]:
        """How many of the points that reached the target needed each number of processes."""
        return Counter(self.points[name][0] for name in self.reached())

    def lines(self) -> List[str]:
        """The precision part of a summary: one line, and one more per point at the cap (a few)."""
        if not self.points:
            return []
        ordered = sorted(p for _, p in self.points.values() if not math.isnan(p))
        median = ordered[len(ordered) // 2] if ordered else math.nan
        if self.target is None:
            return [f"Precision (95% CI half-width of the median): median ±{median:.1%}"]
        needed = self.processes_needed()
        distribution = ", ".join(f"{k}: {needed[k]}" for k in sorted(needed))
        capped = self.capped()
        why = [f"at the cap of {self.most}", f"out of reach from {math.ceil(self.most * REACH_FROM)}"]
        if self.point_seconds is not None:
            why.append(f"after {self.point_seconds:g} s of a point's processes")
        lines = [
            f"Precision: {len(self.reached())} of {len(self.points)} timed points within ±{self.target:.1%} "
            f"(95% CI of the median; median ±{median:.1%}); processes needed: {distribution or 'none'}; "
            f"{len(capped)} stopped short of it ({', '.join(why[:-1])}, or {why[-1]})"
            + (":" if capped else ".")
        ]
        lines += [f"  {name}: ±{self.points[name][1]:.1%}" for name in capped[:8]]
        if len(capped) > 8:
            lines.append(f"  ... and {len(capped) - 8} more")
        return lines


def precision_of(document: Dict[str, Any]) -> Precision:
    """The precision of every timed point with values in a results ``document``, against its
    settings (``target``, ``max_processes``).  Memory points are left out: their bytes differ
    between processes by layout, not by noise, so they get the fewest processes, no more."""
    section = document.get("sigbench", {})
    settings = section.get("settings", {})
    memory = {p["name"] for p in section.get("points", []) if p["scenario"] in READ_SCENARIOS}
    precision = Precision(
        settings.get("target"),
        int(settings.get("max_processes", settings.get("processes", 1))),
        point_seconds=settings.get("point_seconds"),
    )
    mads = settings.get("outlying_mads")
    for name, runs in point_runs(document).items():
        if runs and name not in memory:
            precision.points[name] = (len(runs), relative_precision(name, typical_runs(runs, mads)))
    return precision
