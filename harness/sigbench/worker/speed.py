"""The machine's speed, sensed inside a worker: a small, fixed reference workload timed before
the first value, after every value, and inside a value at least every ``READ_EVERY`` seconds
(between its timed regions); and the rule that keeps values taken in slow phases out.

Shared machines and CI runners slow down in phases (on the machine this was built on: to about
half speed, for 10 ms to 2 s, up to four tenths of the time in bad hours) that no process of ours
causes.  A value taken in such a phase measures the machine, not the library.  The reference
workload is pure-Python work of the kind signal dispatch does (calls, attribute access,
arithmetic); a reading is its seconds per unit.

The rule (``Sensing.slow``): a reading is slow when it exceeds the point's quiet speed (the
fastest reading taken for that point in any process of the run, or of the environments of one
interpreter in a run over several, at most a quarter above the run's
fastest: ``sigbench.analysis.speed.quiet_speed``) by more than the run's
threshold, which the runner derives from the spread of the readings themselves
(``sigbench.analysis.speed.threshold``).  A value is slow when any reading taken beside or inside
it is, or when its readings together lie above the point's quiet readings' centre by more than
``MEAN_SIGMAS`` standard errors of their mean (``slow_on_average``): a machine slowed by a few
percent through a whole value, less than one reading can tell from its own scatter.  A value
that did not have its CPU to itself (another process of the same machine ran on it) reads slow
too: its thread's CPU time falls short of its wall time, which a reading of half a
millisecond can miss between the scheduler's time slices, so the value gets one reading more,
its fastest reading over that share.  A slow value is taken again, up to ``RETAKES`` times the
values asked for; what is still slow after that is kept in the record but left out of the
figures.  Until the runner knows a threshold (the run's first workers), values are taken without
judging; the runner judges every value again as it learns more.

Standard library only: this runs in the measured interpreter.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from time import perf_counter, thread_time
from typing import Callable, Dict, List, Optional, Tuple

#: Seconds one reading of the reference takes (its units are calibrated once per worker): long
#: enough that an interruption of tens of microseconds moves it by a few percent only.
READING_SECONDS = 0.0005
#: Inside a value, a reading is taken between timed regions once this long has passed since the
#: last: the shortest slow phase, so that none fits between two readings unseen.
READ_EVERY = 0.01
#: A value whose thread had less than this share of its wall time on the CPU was shared with
#: another process (unshared, the share is within 0.3% of 1 here).
SHARED_BELOW = 0.98
#: A value found slow is taken again up to this many times the values asked for, in all.
RETAKES = 2
#: A reading is slow beyond this many robust standard deviations above the quiet readings'
#: centre (``sigbench.analysis.speed.threshold``).
SLOW_SIGMAS = 5.0
#: A value's readings are slow on average beyond this many standard errors (``slow_on_average``):
#: a value taken at quiet speed would be left out by them one time in a hundred were the quiet
#: centre exact (it is read off the point's fastest reading, and misses by a third of a reading's
#: spread or so: quiet runs here left out 3 to 8 values in a hundred more than at 5).  Readings
#: scatter independently of the values beside them, so leaving quiet values out by them costs
#: re-takes, not a bias; values slowed by a few percent through all their readings follow them.
#: It is the standard normal's 99th percentile (``statistics.NormalDist().inv_cdf(0.99)``), written
#: out: importing ``statistics`` here would bring ``decimal`` and ``fractions`` into every worker,
#: and what a worker imported moves its figures by a percent or two (the clean-state page).
MEAN_SIGMAS = 2.3263478740408408


def slow_on_average(slowdowns: List[float], centre: float, spread: float) -> bool:
    """Whether a value's readings, by their log slowdowns against the point's quiet speed, lie on
    average beyond the quiet readings' ``centre`` (log, above the quiet speed) by more than
    ``MEAN_SIGMAS`` standard errors of a mean of that many readings of ``spread`` (a reading's
    standard deviation): a machine slowed a little for a whole value, by less than one reading
    can tell from its own scatter, is seen in them together."""
    return sum(slowdowns) / len(slowdowns) > centre + MEAN_SIGMAS * spread / math.sqrt(len(slowdowns))


class _Unit:
    __slots__ = ("count",)

    def __init__(self) -> None:
        self.count = 0

    def step(self, value: int) -> None:
        self.count += value


def reference(units: int) -> float:
    """Seconds for ``units`` units of the fixed reference workload: a bound-method call, an
    attribute update and a bit of arithmetic each."""
    unit = _Unit()
    step = unit.step
    iterations = range(units)
    start = perf_counter()
    for index in iterations:
        step(index & 7)
    return perf_counter() - start


@dataclass
class Sensing:
    """The rule's state in one worker: the run's ``threshold`` (the log of the slowdown beyond
    which a reading is slow; None while the runner knows none), the current point's ``quiet``
    speed (from the runner, lowered by this worker's own readings of the point), and every
    reading taken, in order."""

    threshold: Optional[float] = None
    quiet: Optional[float] = None
    #: A reading's standard deviation (log) at quiet speed, and the point's quiet readings' centre
    #: above its quiet speed (log), from the runner (None: not known yet).
    spread: Optional[float] = None
    centre: Optional[float] = None
    units: int = 0
    readings: List[float] = field(default_factory=list)
    _last: float = 0.0

    def calibrate(self, seconds: float = READING_SECONDS) -> None:
        """Choose the units of one reading (about ``seconds``)."""
        units = 256
        while True:
            elapsed = min(reference(units) for _ in range(3))
            if elapsed >= seconds / 4 or units >= 1 << 24:
                break
            units *= 4
        self.units = max(1, round(units * seconds / max(elapsed, 1e-9)))

    def start_point(self, quiet: Optional[float], centre: Optional[float] = None) -> None:
        """A new point: its quiet speed and its quiet readings' centre as the runner knows them
        (None: not yet)."""
        self.quiet, self.centre = quiet, centre

    def read(self) -> float:
        """One reading, in seconds per unit; the point's quiet speed follows the fastest."""
        reading = reference(self.units) / self.units
        self.readings.append(reading)
        self.quiet = reading if self.quiet is None else min(self.quiet, reading)
        self._last = perf_counter()
        return reading

    def tick(self) -> None:
        """Between timed regions of a value: a reading, if ``READ_EVERY`` has passed."""
        if perf_counter() - self._last >= READ_EVERY:
            self.read()

    def slow(self, reading: float) -> bool:
        """Whether ``reading`` exceeds the point's quiet speed by more than the threshold."""
        if self.threshold is None or self.quiet is None:
            return False
        return math.log(reading / self.quiet) > self.threshold

    def slow_value(self, readings: List[float]) -> bool:
        """Whether a value with ``readings`` was taken in a slow phase: one of them slow, or all of
        them on average (``slow_on_average``)."""
        if any(self.slow(r) for r in readings):
            return True
        if self.quiet is None or self.spread is None or self.centre is None or self.threshold is None:
            return False
        quiet = self.quiet
        return slow_on_average([math.log(r / quiet) for r in readings], self.centre, self.spread)


#: One value taken with the readings beside and inside it: (value, [reading, ...]).
Sensed = Tuple[float, List[float]]


def sensed_value(take: Callable[[], float], sensing: Sensing) -> Sensed:
    """One value of ``take()`` with its readings: the last one taken before it, those ``take``
    made, one after it, and one more if it shared its CPU (``SHARED_BELOW``; judged for values
    of ``READING_SECONDS`` or more, shorter ones being too short for the clocks)."""
    first = len(sensing.readings) - 1
    wall, cpu = perf_counter(), thread_time()
    value = take()
    wall = perf_counter() - wall
    share = (thread_time() - cpu) / wall if wall >= READING_SECONDS else 1.0
    sensing.read()
    readings = sensing.readings[first:]
    if share < SHARED_BELOW:
        readings = [*readings, min(readings) / max(share, 0.01)]
    return value, readings


def sensed_values(
    take: Callable[[], float], count: int, sensing: Sensing, retakes: int = RETAKES
) -> Dict[str, List[Sensed]]:
    """Take ``count`` values of ``take()``, with a reading before the first and after each (the
    reading after one is the reading before the next) and those ``take`` itself made
    (``Sensing.tick``), and one for a value that shared its CPU (``SHARED_BELOW``).  A value
    with a slow reading is taken again, up to ``retakes`` times
    ``count`` values in all; the result lists the ``quiet`` values and the ``slow`` ones, each
    with its readings, in the order they were taken."""
    quiet: List[Sensed] = []
    slow: List[Sensed] = []
    sensing.read()
    attempts = 0
    while len(quiet) < count and attempts < count * (1 + retakes):
        value, readings = sensed_value(take, sensing)
        attempts += 1
        (slow if sensing.slow_value(readings) else quiet).append((value, readings))
    return {"quiet": quiet, "slow": slow}
