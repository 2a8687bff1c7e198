"""The family of operations on fresh signals: each timed region works on a group of new signals
(``Bench.regions``), set up outside the clock, and times the operation applied to all of them
(connect, disconnect, the death of weakly connected receivers, a send in which receivers die).

A scenario of this family says, for a group of new signals, what its region times (timing itself,
so the clock holds only the library's calls), the same work without the clock (for a front end
that times the call itself, pytest-benchmark), and what to undo after (``Work``).

Standard library only: this runs in the measured interpreter.
"""

from __future__ import annotations

from dataclasses import dataclass
from time import perf_counter
from typing import TYPE_CHECKING, Any, Callable, List, Optional

from sigbench.suite.adapter import Adapter
from sigbench.suite.points import Point
from sigbench.suite.receivers import make_receivers
from sigbench.worker.scenarios.base import Body, Scenario

if TYPE_CHECKING:
    from sigbench.worker.measure import Bench


def _nothing() -> None:
    pass


@dataclass(frozen=True)
class Work:
    """One region's work on its group of signals: ``timed`` times itself and returns its
    seconds; ``bare`` does the same without the clock; ``after`` undoes it, untimed."""

    timed: Callable[[], float]
    bare: Callable[[], Any]
    after: Callable[[], None] = _nothing


@dataclass(frozen=True)
class RegionScenario(Scenario):
    """An operation applied to every receiver of a group of new signals, per region."""

    #: Each region has one new signal, whatever its receivers (a send in which receivers die).
    one_signal: bool = False

    def inner_loops(self, point: Point) -> int:
        """Operations per loop: one per receiver."""
        return max(point.receivers, 1)

    def body(self, bench: Bench) -> Body:
        def region(signals: List[Any]) -> float:
            work = self.work(bench, signals)
            elapsed = bench.meter(work.timed)
            work.after()
            return elapsed

        if self.one_signal:
            return lambda loops: sum(bench.regions(1, region) for _ in range(loops))
        return lambda loops: bench.regions(loops, region)

    def work(self, bench: Bench, signals: List[Any]) -> Work:
        """Set up ``signals`` for one region (untimed) and say what the region does."""
        raise NotImplementedError(f"{self.name} has no region")

    def repeated(self, bench: Bench) -> Optional[Callable[[], Any]]:
        return None  # timed by regions of fresh signals (``work``)


def dying_receivers(adapter: Adapter, point: Point, signals: List[Any]) -> List[List[Any]]:
    """New receivers (``point.receivers`` of its kind) connected weakly to each signal; the
    returned list is all that keeps them alive (clear it and they die)."""
    kept: List[List[Any]] = []
    for signal in signals:
        callables, owners = make_receivers(adapter.style, point.kind or "function", point.receivers)
        handles = [adapter.wrap(receiver) for receiver in callables]
        connect = adapter.connector(signal, weak=True)
        for handle in handles:
            connect(handle)
        kept.append(handles)
        kept.append(owners)
        del callables, handles, owners
    return kept


def time_dropping(kept: List[List[Any]]) -> float:
    """Seconds for dropping the last references in ``kept`` (each death runs its clean-up)."""
    start = perf_counter()
    kept.clear()
    return perf_counter() - start
