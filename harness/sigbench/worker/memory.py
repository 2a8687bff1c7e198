"""Memory inside a worker: a memory point's readings of bytes, by tracemalloc.

Standard library only: this runs in the measured interpreter.  A memory point performs the
operation of the timed scenario it measures (``MemoryScenario.measures``) with tracemalloc tracing
from before its set-up, so a container that grows counts its growth, not its whole new size;
what one reading reads is the memory scenario's own (``MemoryScenario.read``).  Every reading is
taken again around a call that does nothing, and that reading (the tuples and ints tracemalloc's
own answers make) is subtracted, so a send that allocates nothing reads 0.
"""

from __future__ import annotations

import gc
import tracemalloc
from dataclasses import replace
from time import perf_counter
from typing import List, Tuple

from sigbench.suite.adapter import Adapter
from sigbench.suite.points import Point
from sigbench.suite.records import Measured
from sigbench.worker.measure import Bench, Timing, sample
from sigbench.worker.scenarios import SCENARIOS
from sigbench.worker.scenarios.memory import MemoryScenario


class MemorySampler:
    """One memory point made ready: tracing started, its operation's set-up built; ``value()``
    reads its bytes once more; ``close()`` releases it and stops tracing."""

    def __init__(self, adapter: Adapter, point: Point) -> None:
        self.point = point
        scenario = SCENARIOS[point.scenario]
        assert isinstance(scenario, MemoryScenario), f"{point.scenario} reads no bytes"
        self.scenario = scenario
        self.inner = scenario.inner_loops(point)  # per receiver for connect, per send for send
        self.loops = 1
        self._started = not tracemalloc.is_tracing()
        if self._started:
            tracemalloc.start()
        try:
            self.bench = Bench(adapter, scenario.point_of_operation(point))
        except BaseException:
            self._stop()
            raise
        # What exists now outlives every reading: the collections around each one need not
        # walk it (on Flask's heap a full collection takes milliseconds).  A heap the caller
        # froze already stays frozen, and is not thawed by ``close``.
        gc.collect()
        self._froze = gc.get_freeze_count() == 0
        if self._froze:
            gc.freeze()
        try:
            # One reading that is not kept: a first call allocates what later ones reuse (on
            # CPython 3.9, 85 bytes more in a first send that allocates nothing).
            self.value()
        except BaseException:
            self.close()
            raise

    def warm_up(self, count: int) -> List[Tuple[int, float]]:
        """None: the reading made ready, not kept, was the warm-up."""
        return []

    def value(self) -> float:
        """Bytes per ``unit`` of one more reading (``MemoryScenario.read``)."""
        return self.scenario.read(self.bench)

    def close(self) -> None:
        if self._froze:
            gc.unfreeze()
        try:
            self.bench.close()
        finally:
            self._stop()

    def _stop(self) -> None:
        if self._started:
            tracemalloc.stop()


def measure_memory(adapter: Adapter, point: Point, timing: Timing) -> Measured:
    """Read ``point``'s bytes ``timing.values`` times, in the shape of
    ``sigbench.worker.measure.measure``'s result (one loop, one operation).  No warm-ups: the
    sampler's first reading, not kept, is one."""
    started = perf_counter()
    return sample(MemorySampler(adapter, point), replace(timing, warmups=0, values=1), started)
