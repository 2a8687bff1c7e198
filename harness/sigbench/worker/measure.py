"""Timing loops inside a worker: build the timed body, calibrate loops, warm up, take values.

Standard library only: this runs in the measured interpreter.  Values are seconds per
operation: per send, per created signal, or per receiver for connect and disconnect.
"""

from __future__ import annotations

import gc
import math
from collections import Counter
from dataclasses import dataclass
from time import perf_counter
from typing import TYPE_CHECKING, Any, Callable, Dict, List, Optional, Tuple, Union

from sigbench.suite.adapter import Adapter
from sigbench.suite.points import Point
from sigbench.suite.receivers import make_receivers
from sigbench.suite.records import FunctionDumps, Measured, Phases
from sigbench.worker.scenarios import SCENARIOS
from sigbench.worker.scenarios.base import Body
from sigbench.worker.speed import Sensing, sensed_values
from sigbench.worker.timing import Meter, wall_time

if TYPE_CHECKING:
    from sigbench.worker.memory import MemorySampler

#: Operations (receivers connected, disconnected or dropped) per timed region of a connect,
#: disconnect or collect value: the signals of one region exist at once, the next reuses memory.
GROUP_OPERATIONS = 64
#: Calibration never asks for more loops than this (bounds memory of connect/disconnect setups).
MAX_LOOPS = 10_000_000
#: Calibration grows loops no further than one call of the body, setup included, is expected to
#: take this long (connecting 1000 pluggy plugins before timing their disconnect takes 0.3 s;
#: dropping a psygnal receiver takes 40 ns, connecting it 17 us).  A point's processes differ
#: about twice as much as its values (disconnect: 1.8% against 0.9%), so a set-up-heavy point
#: buys more precision per second with more processes than with longer values: at 0.015 s in
#: place of 0.03 s, runs took 35 s less with the same precision, and no scenario's medians moved
#: by more than 0.3% (Flask's, three points each, by up to 1.4%, within their spread).
MAX_BODY_SECONDS = 0.015
#: A calibration call: its loops, what it measured, its wall seconds.
Calibrated = Tuple[int, float, float]
#: A calibration call that took this many times what the call before predicts is made again
#: before it may end the calibration (``calibrate``).
OUT_OF_LINE = 3.0
#: In instruction mode, calibration grows loops until a region counts this many instructions
#: (the count of a region varies by a few hundred instructions with the state of the heap: at
#: this size, by a few hundredths of a percent).
MIN_INSTRUCTIONS = 10_000_000


@dataclass(frozen=True)
class Timing:
    """How long and how often to time one point in one process."""

    warmups: int
    values: int
    #: Minimum duration of one value, in seconds; calibration picks loops to reach it.
    min_time: float


def inner_loops(point: Point) -> int:
    """Operations per loop of ``point``'s body (``Scenario.inner_loops``)."""
    return SCENARIOS[point.scenario].inner_loops(point)


class Bench:
    """The timed body of one point, with what it must keep alive between calls.

    The point's scenario builds it (``Scenario.body``): what stays across calls (a signal with
    receivers, ``emit``) and the body, which builds its per-region set-up, measures its regions
    with ``meter`` and returns what was measured (seconds, or instructions); callers collect
    garbage before each call, outside any clock.
    """

    def __init__(
        self, adapter: Adapter, point: Point, meter: Meter = wall_time, sensing: Optional[Sensing] = None
    ) -> None:
        self.adapter = adapter
        self.meter = meter
        self.point = point
        #: Reads the machine's speed between timed regions, when one is due (``Sensing.tick``).
        self.sensing = sensing
        self.scenario = SCENARIOS[point.scenario]
        self.weak = point.ref == "weak"
        callables, self.owners = make_receivers(adapter.style, point.kind or "function", point.receivers)
        self.handles = [adapter.wrap(receiver) for receiver in callables]
        self._cleanups: List[Callable[[], None]] = []
        #: What the scenario keeps alive while the bench lives (senders, extra receivers).
        self.kept: List[Any] = []
        #: The signal a body that works on one signal sends on (``None`` for fresh signals).
        self.signal: Any = None
        #: One operation, ready to call, for the bodies that repeat one (sends, churn, requests).
        self.emit: Callable[[], Any] = _no_operation
        self.body: Body = self.scenario.body(self)

    def on_close(self, cleanup: Callable[[], None]) -> None:
        """Have ``close`` call ``cleanup`` (the last registered first)."""
        self._cleanups.append(cleanup)

    def close(self) -> None:
        """Release what the scenario kept (its signals, a request's receivers, an event loop), so
        that global registries start clean for the next point."""
        while self._cleanups:
            self._cleanups.pop()()

    def groups(self, loops: int) -> List[int]:
        """Split loops into groups of signals that exist at once, each group its own timed region
        of about ``GROUP_OPERATIONS`` operations (one signal, at 64 receivers and more).

        A region's size does not depend on the loop count: were all of a value's signals alive
        together, the value would depend on how much memory they need at once (whether it fits a
        cache, how much the process must fetch), so on the loop count that calibration chose and
        on what ran before.  With ``max_signals=1`` (a global registry) each signal is its own
        region.  A region's timer reads cost tens of ns, shared by its operations.
        """
        size = max(1, GROUP_OPERATIONS // max(self.point.receivers, 1))
        size = min(size, self.adapter.max_signals or size)
        return [min(size, loops - done) for done in range(0, loops, size)]

    def regions(self, loops: int, region: Callable[[List[Any]], float]) -> float:
        """Time ``region`` over groups of new signals (``groups``).  After each, its signals are
        released and the young generations collected, outside any timed region, so that no
        region pays for collecting the reference cycles its predecessors' signals left (one
        library's dropped signals leave many, another's none).  Not a full collection: that
        would also empty the interpreter's free lists, and the next region would pay for
        filling them again (connecting to 64 new signals then costs 40% more)."""
        adapter, total = self.adapter, 0.0
        for count in self.groups(loops):
            signals = [adapter.new_signal() for _ in range(count)]
            total += region(signals)
            for signal in signals:
                adapter.reset(signal)
            del signals
            gc.collect(1)
            if self.sensing is not None:
                self.sensing.tick()
        return total


def _no_operation() -> None:
    """``Bench.emit`` of a scenario that repeats no single operation."""


def calibrate(body: Body, target: float, wall_limit: bool = True) -> int:
    """The loop count whose measured region reaches ``target`` (seconds, or instructions).

    Grows loops like pyperf (at most 10x a step), and stops early when loops reach
    ``MAX_LOOPS`` or, with ``wall_limit``, at the loops whose call of the body is expected to take
    ``MAX_BODY_SECONDS`` of wall time, setup included (bodies whose set-up costs far more than
    their timed region would otherwise overshoot it tenfold).  A call that would end it and took
    ``OUT_OF_LINE`` times what the call before predicts (or is the first) is made once more and
    the faster counts: one pause of the machine (a few ms, here) in a call of one loop once gave a
    send loops=10 for a whole run, each value 10 sends, 25% slow and noisy.
    """
    loops, before = 1, None
    while True:
        measured, wall = _call(body, loops)
        stop = _stop_at(loops, measured, wall, target, wall_limit)
        if stop is not None and _out_of_line(before, loops, measured, wall):
            again = _call(body, loops)
            measured, wall = min(measured, again[0]), min(wall, again[1])
            stop = _stop_at(loops, measured, wall, target, wall_limit)
        if stop is not None:
            return stop
        before = (loops, measured, wall)
        loops = min(_grown(loops, measured, target), MAX_LOOPS)


def _call(body: Body, loops: int) -> Tuple[float, float]:
    """One call of ``body``: (what it measured, its wall seconds)."""
    gc.collect()  # garbage left by earlier points is not this body's setup cost
    started = perf_counter()
    measured = body(loops)
    return measured, perf_counter() - started


def _grown(loops: int, measured: float, target: float) -> int:
    """The next loop count: aimed a little past the target, 2x to 10x this one."""
    if measured <= 0:
        return loops * 10
    return min(max(loops * 2, math.ceil(loops * 1.2 * target / measured)), loops * 10)


def _stop_at(loops: int, measured: float, wall: float, target: float, wall_limit: bool) -> Optional[int]:
    """The loop count to end calibration at after a call of ``loops`` that measured ``measured``
    in ``wall`` seconds, or None to grow on."""
    if measured >= target or loops >= MAX_LOOPS or (wall_limit and wall >= MAX_BODY_SECONDS):
        return loops
    if wall_limit and wall > 0 and _grown(loops, measured, target) * wall / loops > MAX_BODY_SECONDS:
        return max(loops, math.floor(loops * MAX_BODY_SECONDS / wall))
    return None


def _out_of_line(before: Optional[Calibrated], loops: int, measured: float, wall: float) -> bool:
    """Did this call take ``OUT_OF_LINE`` times what the call ``before`` (loops, measured, wall)
    predicts for ``loops``, or is there none?"""
    if before is None:
        return True
    scale = loops / before[0]
    return measured > OUT_OF_LINE * before[1] * scale or wall > OUT_OF_LINE * before[2] * scale


class Sampler:
    """One point made ready to measure: its body built, loops calibrated (unless given), and
    ``value()`` measuring it once more; ``close()`` releases it.

    Without ``meter``, values are seconds per operation.  With an instruction ``meter``, values
    are instructions per operation: the count of 2L loops less the count of L loops, over L
    operations, so the region's fixed cost (the callback, the clock reads) cancels; loops are
    calibrated by count only, never wall time, so every process picks the same L.
    """

    def __init__(
        self,
        adapter: Adapter,
        point: Point,
        min_time: float,
        loops: Optional[int] = None,
        meter: Optional[Meter] = None,
        sensing: Optional[Sensing] = None,
    ) -> None:
        self.counting = meter is not None
        self.bench = Bench(adapter, point, meter or wall_time, sensing)
        self.inner = inner_loops(point)
        try:
            if loops is None:
                loops = (
                    calibrate(self.bench.body, MIN_INSTRUCTIONS, wall_limit=False)
                    if self.counting
                    else calibrate(self.bench.body, min_time)
                )
        except BaseException:
            self.bench.close()
            raise
        self.loops = loops
        #: Counting: the callgrind dumps of the first value's L and 2L loops, and its operations.
        self.function_dumps: Optional[FunctionDumps] = None

    def warm_up(self, count: int) -> List[Tuple[int, float]]:
        """``count`` warm-ups, each the scenario's ``warm_up_share`` of a value's loops (at least
        one; counting: a whole value, whose profiles do not time it), as (loops, value) pairs."""
        share = 1.0 if self.counting else self.bench.scenario.warm_up_share
        loops = max(1, math.ceil(self.loops * share))
        return [(loops, self.value(loops)) for _ in range(count)]

    def value(self, loops: Optional[int] = None) -> float:
        """One value of ``loops`` (default: the calibrated loops; counting: always those)."""
        body = self.bench.body
        gc.collect()
        if not self.counting:
            loops = loops or self.loops
            return body(loops) / (loops * self.inner)
        loops = self.loops
        # The dumps of the first value (an ``InstructionMeter``'s ``by_function``), for each C
        # function's counts (``sigbench.worker.meter.dumps_costs``).
        meter: Any = self.bench.meter if hasattr(self.bench.meter, "take_dumps") else None
        wanted = meter is not None and not self.function_dumps
        if meter is not None:
            meter.by_function = wanted
        single = body(loops)
        first = meter.take_dumps() if meter is not None else []
        gc.collect()
        double = body(2 * loops)
        if double <= single:
            raise ValueError(f"{2 * loops} loops counted {double:.0f}, no more than {loops} loops")
        if wanted:
            self.function_dumps = {
                "single": first,
                "double": meter.take_dumps(),
                "operations": loops * self.inner,
            }
            meter.by_function = False
        return (double - single) / (loops * self.inner)

    def close(self) -> None:
        self.bench.close()


#: Counts per operation smaller than this are rounding, not work.
SMALLEST = 0.005


def per_operation(
    single: Tuple[Counter[str], Counter[str]], double: Tuple[Counter[str], Counter[str]], operations: int
) -> Dict[str, List[Optional[float]]]:
    """Per function, ``[calls, own work]`` per operation: the tallies (calls, work) of 2L loops
    less those of L loops, over the L loops' operations (so a region's fixed cost cancels)."""
    (calls_1, work_1), (calls_2, work_2) = single, double
    found: Dict[str, List[Optional[float]]] = {}
    for label in set(calls_1) | set(calls_2) | set(work_1) | set(work_2):
        calls = (calls_2[label] - calls_1[label]) / operations
        work = (work_2[label] - work_1[label]) / operations
        if abs(calls) >= SMALLEST or abs(work) >= SMALLEST:
            found[label] = [round(calls, 3), round(work, 3)]
    return found


def measure(
    adapter: Adapter,
    point: Point,
    timing: Timing,
    loops: Optional[int] = None,
    meter: Optional[Meter] = None,
    sensing: Optional[Sensing] = None,
) -> Measured:
    """Warm up and measure ``point`` (calibrating loops unless given): see ``Sampler``.  With
    ``sensing`` (wall time only), each value is taken between two readings of the machine's
    speed, and values taken while it ran slow are taken again or left out (``speed``)."""
    started = perf_counter()
    return sample(Sampler(adapter, point, timing.min_time, loops, meter, sensing), timing, started, sensing)


def sample(
    sampler: Union[Sampler, MemorySampler], timing: Timing, started: float, sensing: Optional[Sensing] = None
) -> Measured:
    """Warm-ups, then values, from a ready ``sampler`` (``Sampler``, or ``sigbench.worker.memory``'s),
    which is closed after; the result a worker reports, its duration counted from ``started``,
    with its ``phases``: the seconds of making the sampler ready (``setup``), of its values, and
    of sensing the machine's speed.  With ``sensing``, ``values`` are the quiet values, ``speed``
    the readings beside and inside each, and ``slow`` the values left out, each as [value,
    reading, ...]."""
    ready = perf_counter()
    speed: List[List[float]] = []
    slow: List[List[float]] = []
    try:
        warmups = sampler.warm_up(timing.warmups)
        if sensing is None:
            values = [sampler.value() for _ in range(timing.values)]
        else:
            read = len(sensing.readings)
            taken = sensed_values(sampler.value, timing.values, sensing)
            values = [value for value, _ in taken["quiet"]]
            speed = [readings for _, readings in taken["quiet"]]
            slow = [[value, *readings] for value, readings in taken["slow"]]
            sensing_seconds = sum(sensing.readings[read:]) * sensing.units
    finally:
        sampler.close()
    ended = perf_counter()
    dumps: Optional[FunctionDumps] = getattr(sampler, "function_dumps", None)
    phases: Phases = {"setup": ready - started, "values": ended - ready}
    if sensing is not None:
        phases["sensing"] = sensing_seconds
    measured: Measured = {"function_dumps": dumps} if dumps else {}
    measured.update(
        {"loops": sampler.loops, "inner_loops": sampler.inner, "warmups": warmups, "values": values}
    )
    if sensing is not None:
        measured.update({"speed": speed, "slow": slow})
    measured.update({"duration": ended - started, "phases": phases})
    return measured
