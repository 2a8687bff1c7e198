"""How slow the machine ran, from the readings of the reference workload that workers take
beside and inside their values (``sigbench.worker.speed``): the rule's threshold, each point's
quiet speed, the judging of every value by them, and what the run summary and the report say of
the conditions (the share of values taken in slow phases, the values taken again or left short).

The threshold is derived from the readings themselves: every reading's slowdown against its
point's quiet speed (the log of their ratio), pooled over the run.  The quiet readings' centre and
spread are read off the low quantiles, which slow phases do not reach while fewer than about
three readings in four are slow (a median and its absolute deviation would follow them from one
in three on): the spread from the gap between the 10th and 25th percentiles, as a normal
distribution's, and the centre a normal's 0.674 spreads above the 25th percentile.  A reading
is slow beyond that centre plus ``SLOW_SIGMAS`` spreads: between what the reference's speed does
by itself (a few percent, with what ran before it and where the process's memory lies) and what
the machine does to it.  Beyond three slow readings in four the quantiles lie in the slow phases
too, so the threshold is never above ``CEILING``: a reading a quarter slower than its point's
fastest is slow on any machine, where a slow phase roughly halves the speed.

A point's quiet speed is its fastest reading, but never more than ``CEILING`` above the run's
fastest over every point (``quiet_speed``): the reference runs at nearly the same speed in every
point (within 1.18 times the run's fastest over 557 points of 18 implementations), so a point whose
fastest reading lies beyond that took none at quiet speed (a slow phase lasted through all its
processes, as it can in a short run) and must not be judged against its own slow speed.
"""

from __future__ import annotations

import math
import statistics
import threading
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Dict, Iterable, List, Optional, Sequence, Tuple, TypedDict, cast

from sigbench.results.store import record_from_document
from sigbench.results.stretch import WINDOW_SECONDS
from sigbench.results.table import frame_from_documents
from sigbench.run.quiet_memory import FEWEST_POINTS
from sigbench.worker.speed import SLOW_SIGMAS, slow_on_average

#: The highest threshold: a reading this much slower than its point's fastest is always slow.
CEILING = math.log(1.25)
#: The threshold is derived once at least this many readings are known.
FEWEST_READINGS = 50
#: A normal distribution's 25th percentile lies this many standard deviations below its centre,
#: and its 10th this many below its 25th.
QUARTILE_SIGMAS = -statistics.NormalDist().inv_cdf(0.25)
TENTH_TO_QUARTILE_SIGMAS = statistics.NormalDist().inv_cdf(0.25) - statistics.NormalDist().inv_cdf(0.10)


#: The quantile of the absolute log differences between successive readings of a value that a
#: reading's spread is read from (``reading_spread``), and what it is in standard deviations of
#: one reading: the difference of two normal draws has sqrt(2) times their deviation.
PAIR_QUANTILE = 0.25
PAIR_QUANTILE_SIGMAS = math.sqrt(2) * statistics.NormalDist().inv_cdf(0.5 + PAIR_QUANTILE / 2)
#: The threshold and the spread are read again once the readings (differences) they were read from
#: grew by this factor: they move slowly, and reading them goes over every reading known (after
#: every worker, that cost a bad hour's run a minute for each).
REREAD = 1.05


class RunValues(TypedDict):
    values: List[float]


class Run(RunValues, total=False):
    """A run of one point in one process as the runner keeps it (``ProcessRun``), as far as its
    speed goes: ``values``, and with sensing ``speed`` (the readings of each value) and ``slow``
    (values left out, each [value, readings...])."""

    speed: List[List[float]]
    slow: List[List[float]]


def values_with_readings(run: Run) -> List[Tuple[float, List[float]]]:
    """Every value ``run`` took with its readings: those kept, then those left out as slow."""
    return [
        *zip(run["values"], run.get("speed", [])),
        *((value, readings) for value, *readings in run.get("slow", [])),
    ]


def value_readings(run: Run) -> List[List[float]]:
    """The readings of each of ``run``'s values, quiet or slow, in their order within a value
    (of a results file's ``sensing`` entry too, which keeps no kept values)."""
    return list(run.get("speed", [])) + [readings for _, *readings in run.get("slow", [])]


def run_readings(run: Run) -> List[float]:
    """Every reading of ``run``'s values, quiet or slow."""
    return [r for readings in value_readings(run) for r in readings]


def threshold(slowdowns: Sequence[float]) -> Optional[float]:
    """The log slowdown beyond which a reading is slow, from the logs of readings' slowdowns
    against their points' quiet speeds (see the module's docstring); None with fewer than
    ``FEWEST_READINGS``."""
    if len(slowdowns) < FEWEST_READINGS:
        return None
    tenth, quartile = (statistics.quantiles(slowdowns, n=20)[i] for i in (1, 4))
    spread = (quartile - tenth) / TENTH_TO_QUARTILE_SIGMAS
    return min(quartile + (QUARTILE_SIGMAS + SLOW_SIGMAS) * spread, CEILING)


def reading_spread(differences: Sequence[float]) -> Optional[float]:
    """A reading's standard deviation (log) at quiet speed, from the absolute log differences of
    successive readings of a value: their ``PAIR_QUANTILE`` quantile, as a normal difference's.
    A difference across the edge of a slow phase, or between two readings in one (they scatter
    more than quiet ones), lies among the upper ones; the lower quarter is the quiet readings'
    own.  None with fewer than ``FEWEST_READINGS`` differences."""
    if len(differences) < FEWEST_READINGS:
        return None
    return statistics.quantiles(differences, n=4)[0] / PAIR_QUANTILE_SIGMAS


def quiet_centre(spread: float, readings: int) -> float:
    """How far (log) a point's quiet readings' centre lies above its fastest of ``readings``: the
    expected lowest of that many normal draws (Blom's approximation), in ``spread``s."""
    return spread * -statistics.NormalDist().inv_cdf(0.625 / (readings + 0.25))


def quiet_speed(point_fastest: float, run_fastest: float) -> float:
    """A point's quiet speed: its fastest reading, at most ``CEILING`` above the run's fastest
    (see the module's docstring)."""
    return min(point_fastest, run_fastest * math.exp(CEILING))


def in_reference_units(runs: Sequence[Run]) -> Optional[float]:
    """A point's median value over the median of the readings beside and inside its values (each
    value's mean reading, the values kept only): its cost in units of the reference workload,
    which a machine running slow for a whole run, or part of it, slows alike (None without
    values or readings)."""
    values = [value for run in runs for value in run["values"]]
    readings = [statistics.fmean(found) for run in runs for found in run.get("speed", []) if found]
    if not values or not readings:
        return None
    return statistics.median(values) / statistics.median(readings)


def reference_medians(document: Dict[str, Any]) -> Dict[str, float]:
    """Every sensed point's median in units of the reference workload (``in_reference_units``),
    by name: what stays of two runs' disagreement once the machine's speed around each point is
    divided out."""
    found = {}
    for name, entry in record_from_document(document).points.items():
        if entry.runs and all("speed" in run for run in entry.runs):
            value = in_reference_units(cast(List[Run], entry.runs))
            if value is not None:
                found[name] = value
    return found


def speed_corrected(value: float, reading: float, usual: float) -> float:
    """A worker's median ``value`` as at the ``usual`` reading of its environment, from the
    median ``reading`` beside its values: the machine's speed in that worker divided out.

    Between workers that run interleaved (the rounds of a run over several environments), the
    machine's phases land on one worker and not the next, and move a round's ratio by several
    percent; the reference, read beside the same values, moves with them.  Each environment's
    ``usual`` reading (``usual_reading``) keeps its own speed of the reference (its
    interpreter's, its layout's) out of the ratio: interleaved, every environment meets the same
    mix of phases."""
    return value / reading * usual


def usual_reading(readings: Iterable[float]) -> float:
    """The usual reading of a run or an environment: the geometric mean of its readings (a median
    can sit between the quiet and the slow readings); over a history's hundreds of workers it is
    known to a few tenths of a percent."""
    return statistics.geometric_mean(readings)


class SpeedKnowledge:
    """Every reading of a run so far, by point: each point's quiet speed and the run's threshold
    (one may serve several runners, the environments of one interpreter in a run, from several
    threads)."""

    def __init__(self) -> None:
        self._lock = threading.RLock()
        self.readings: Dict[str, List[float]] = {}
        self._quiet: Dict[str, float] = {}
        self._fastest = math.inf
        self._count = 0
        self._threshold: Optional[float] = None
        self._threshold_from = 0
        self._differences: List[float] = []
        self._spread: Optional[float] = None
        self._spread_from = 0

    def add(self, name: str, runs: Iterable[Run]) -> None:
        """The readings of ``runs`` of the point ``name`` (those already known are not repeated:
        call it with a point's new runs only)."""
        runs = list(runs)
        found = [r for run in runs for r in run_readings(run)]
        if not found:
            return
        with self._lock:
            self._differences.extend(
                abs(math.log(b / a))
                for run in runs
                for readings in value_readings(run)
                for a, b in zip(readings, readings[1:])
            )
            self.readings.setdefault(name, []).extend(found)
            self._quiet[name] = min(self._quiet.get(name, math.inf), *found)
            self._fastest = min(self._fastest, self._quiet[name])
            self._count += len(found)

    @property
    def fastest(self) -> Optional[float]:
        """The run's fastest reading over every point (None before any)."""
        return None if math.isinf(self._fastest) else self._fastest

    def quiet(self, name: str) -> Optional[float]:
        """The point's quiet speed (``quiet_speed``; before any reading of it, the slowest it
        may be; None before any reading at all)."""
        if math.isinf(self._fastest):
            return None
        return quiet_speed(self._quiet.get(name, math.inf), self._fastest)

    def threshold(self, exact: bool = False) -> Optional[float]:
        """The run's threshold (``threshold``) over every reading known: read again once they
        grew by ``REREAD`` since it was last read, or now if ``exact`` (so is the spread)."""
        with self._lock:
            if self._threshold is None or exact or self._count >= REREAD * self._threshold_from:
                slowdowns = [
                    math.log(r / quiet)
                    for name, found in self.readings.items()
                    for quiet in [quiet_speed(self._quiet[name], self._fastest)]
                    for r in found
                ]
                self._threshold, self._threshold_from = threshold(slowdowns), self._count
            count = len(self._differences)
            if self._spread is None or exact or count >= REREAD * self._spread_from:
                self._spread, self._spread_from = reading_spread(self._differences), count
            return self._threshold

    def spread(self) -> Optional[float]:
        """A reading's standard deviation at quiet speed (``reading_spread``) over every value
        known; None until the threshold is known."""
        return self._spread if self.threshold() is not None else None

    def centre(self, name: str) -> Optional[float]:
        """The point's quiet readings' centre above its quiet speed (``quiet_centre``); None
        before its spread is known or without a reading of the point."""
        spread = self.spread()
        with self._lock:
            count = len(self.readings.get(name, ()))
        return quiet_centre(spread, count) if spread is not None and count else None

    def slow(self, name: str, readings: Sequence[float]) -> bool:
        """Whether a value with ``readings`` (of the point ``name``) was taken in a slow phase by
        what is known now: one of them slow, or all of them on average (``slow_on_average``)."""
        limit, quiet = self.threshold(), self.quiet(name)
        if limit is None or quiet is None:
            return False
        slowdowns = [math.log(r / quiet) for r in readings]
        if max(slowdowns) > limit:
            return True
        spread, centre = self.spread(), self.centre(name)
        return spread is not None and centre is not None and slow_on_average(slowdowns, centre, spread)

    def judge(self, name: str, runs: Iterable[Run]) -> None:
        """Sort every value of the point's ``runs`` anew into quiet (``values``, ``speed``) and
        slow (``slow``) by what is known now (nothing moves while no threshold is known)."""
        limit, quiet = self.threshold(), self.quiet(name)
        if limit is None or quiet is None:
            return
        for run in runs:
            if "speed" not in run:
                continue
            taken = values_with_readings(run)
            values: List[float] = []
            speed: List[List[float]] = []
            slow: List[List[float]] = []
            for value, readings in taken:
                if self.slow(name, readings):
                    slow.append([value, *readings])
                else:
                    values.append(value)
                    speed.append(readings)
            # Sorted anew all at once: a run interrupted (Ctrl-C) while judged keeps every value.
            run["values"], run["speed"], run["slow"] = values, speed, slow


@dataclass
class Conditions:
    """How slow the machine ran, over a run's timed points."""

    #: Values taken in all, and those with a slow reading (left out of the figures).
    taken: int = 0
    slow: int = 0
    #: Slow values replaced by a quiet one, and values a process came up short of what it asked.
    retaken: int = 0
    short: int = 0
    #: Per point with any slow value: [slow values, of which re-taken, values short].
    points: Dict[str, List[int]] = field(default_factory=dict)
    #: The median slowdown of a slow value's slowest reading against its point's quiet speed.
    slowdown: Optional[float] = None
    #: The share of all readings that were slow.
    slow_readings: float = 0.0
    #: The run's fastest reading, the fastest this interpreter had read on this machine before it
    #: (``sigbench.run.quiet_memory``) and when, and a reading's spread (all None if not known).
    fastest: Optional[float] = None
    machine: Optional[Tuple[float, str]] = None
    spread: Optional[float] = None
    #: The factors divided out of the timed values for their run's slower stretches
    #: (``sigbench.results.stretch``): their median and their largest (None if not known).
    stretch: Optional[Tuple[float, float]] = None
    #: The run's level against the machine's remembered one (``sigbench.run.quiet_memory.settle``):
    #: its factor, the points it was read over, the date of the run that set the level.
    level: Optional[Tuple[float, int, str]] = None

    @property
    def sensed(self) -> bool:
        return self.taken > 0

    @property
    def slow_share(self) -> float:
        return self.slow / self.taken if self.taken else 0.0

    def lines(self) -> List[str]:
        """The conditions part of a summary: one line, or none for a run without sensing."""
        if not self.sensed:
            return []
        how = f", at a median {self.slowdown:.2f}× the quiet speed" if self.slowdown else ""
        return [
            f"Machine speed: slow in {self.slow_readings:.1%} of the readings{how}; {self.slow} of "
            f"{self.taken} values ({self.slow_share:.1%}) were taken while it ran slow and are left out of "
            f"the figures: {self.retaken} re-taken, {self.short} left short, over {len(self.points)} points.",
            *self.stretch_lines(),
            *self.level_lines(),
            *self.machine_lines(),
        ]

    def level_lines(self) -> List[str]:
        """What the figures divide out for the machine's level against the one it remembers."""
        if self.level is None:
            return [
                "Machine level: not read against one remembered (a first run of this interpreter here, "
                f"fewer than {FEWEST_POINTS} points in common with the level, a gate's side, a run over "
                "several environments, a merged or an older file): the figures stand at the run's own speed."
            ]
        factor, points, since = self.level
        if factor == 1.0:
            return [
                f"Machine level: the quickest run here yet ({points} points in common with the last "
                "level): its readings set the level remembered, and its figures stand as measured."
            ]
        return [
            f"Machine level: the reference's readings took {factor:.3f}× as long as at the level "
            f"remembered from the quickest run here ({since[:10]}; median over {points} points): the "
            "figures divide every value by that."
        ]

    def stretch_lines(self) -> List[str]:
        """What the figures divide out for the run's slower stretches, if anything."""
        if self.stretch is None or self.stretch[1] <= 1.0:
            return []
        median, largest = self.stretch
        return [
            f"Slower stretches: the figures divide each value by how much slower the machine ran in its "
            f"stretch of {WINDOW_SECONDS} s than in the run's quick ones, by a median {median:.3f}×, at "
            f"most {largest:.3f}×."
        ]

    def machine_lines(self) -> List[str]:
        """How far the run's fastest reading stayed from the machine's: beyond one reading's
        spread, it never met the machine's quiet speed (a run's fastest, the lowest of thousands of
        readings, comes much closer than that when it does: within 1.0% over twelve runs here)."""
        if self.machine is None or self.fastest is None:
            return []
        reading, date = self.machine
        ratio = self.fastest / reading
        said = (
            f"Its fastest reading was {ratio:.3f}× the fastest this interpreter read on this machine "
            f"before ({date[:10]})"
        )
        if self.spread is not None and math.log(ratio) > self.spread:
            after = (
                "its values by about that much or more, and its figures by what its level did not divide out"
                if self.level is not None
                else "its figures by about that much or more"
            )
            return [
                f"{said}: it never ran at the machine's quiet speed, and slowed {after}; compare runs "
                "in the reference's units (sigbench compare)."
            ]
        return [f"{said}."]


def conditions(document: Dict[str, Any]) -> Conditions:
    """The conditions of a results ``document`` (an empty ``Conditions`` for one without sensing)."""
    section = document.get("sigbench", {})
    asked = int(section.get("settings", {}).get("values", 0))
    found = Conditions()
    slowdowns: List[float] = []
    readings = slow_readings = 0
    limit = section.get("settings", {}).get("slow_threshold")
    machine = section.get("settings", {}).get("machine_quiet")
    found.machine = (float(machine["reading"]), str(machine["date"])) if machine else None
    found.spread = section.get("settings", {}).get("reading_spread")
    level = section.get("settings", {}).get("machine_level")
    found.level = (float(level["factor"]), int(level["points"]), str(level["since"])) if level else None
    fastest = {
        item["name"]: min(every)
        for item in section.get("points", [])
        if (every := [r for run in item.get("sensing", []) for r in run_readings(run)])
    }
    run_fastest = min(fastest.values(), default=math.inf)
    found.fastest = None if math.isinf(run_fastest) else run_fastest
    for item in section.get("points", []):
        if item["name"] not in fastest:
            continue
        sensing = item["sensing"]
        every = [r for run in sensing for r in run_readings(run)]
        quiet = quiet_speed(fastest[item["name"]], run_fastest)
        readings += len(every)
        if limit is not None:
            slow_readings += sum(math.log(r / quiet) > limit for r in every)
        for run in sensing:
            kept, slow = len(run["speed"]), len(run["slow"])
            short = max(asked - kept, 0)
            found.taken += kept + slow
            found.slow += slow
            found.short += short
            found.retaken += slow - short
            if slow:
                tally = found.points.setdefault(item["name"], [0, 0, 0])
                tally[0] += slow
                tally[1] += slow - short
                tally[2] += short
                slowdowns.extend(max(value[1:]) / quiet for value in run["slow"])
    found.slowdown = statistics.median(slowdowns) if slowdowns else None
    found.slow_readings = slow_readings / readings if readings else 0.0
    if fastest and document.get("benchmarks"):
        frame = frame_from_documents({Path("run.json"): document})
        factors = frame["stretch"][frame["reading"].notna()]
        if len(factors):
            found.stretch = (float(factors.median()), float(factors.max()))
    return found
