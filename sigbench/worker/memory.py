"""Memory inside a worker: the bytes a connection keeps and the bytes a send needs, by tracemalloc.

Standard library only: this runs in the measured interpreter.  A memory point performs the
operation of its timed twin (``Point.operation``) with tracemalloc tracing from before its set-up,
so a container that grows counts its growth, not its whole new size:

- ``memory_connect``: bytes still allocated after connecting n receivers to a new, empty signal
  and a collection, per receiver (the receivers themselves were made before);
- ``memory_send``: the peak of bytes allocated during one send above those allocated when it
  began (what the send needs at once; freelist reuse is invisible to tracemalloc).

Every reading is taken again around a call that does nothing, and that reading (the tuples and
ints tracemalloc's own answers make) is subtracted, so a send that allocates nothing reads 0.
"""

from __future__ import annotations

import gc
import tracemalloc
from dataclasses import replace
from time import perf_counter
from typing import Any, Callable, Dict, List, Tuple

from sigbench.suite.adapter import Adapter
from sigbench.suite.scenarios import Point
from sigbench.worker.measure import Bench, Timing, inner_loops, sample


def _nothing() -> None:
    pass


def traced(call: Callable[[], Any]) -> Tuple[int, int]:
    """(bytes allocated during ``call()`` still allocated after it and a collection, peak bytes
    allocated above the start while it ran); tracemalloc must be tracing."""
    gc.collect()
    tracemalloc.reset_peak()
    start = tracemalloc.get_traced_memory()
    call()
    peak = tracemalloc.get_traced_memory()[1]
    gc.collect()
    end = tracemalloc.get_traced_memory()[0]
    return end - start[0], peak - start[0]


def connect_all(connect: Callable[[Any], Any], handles: List[Any]) -> None:
    for handle in handles:
        connect(handle)


class MemorySampler:
    """One memory point made ready: tracing started, its operation's set-up built; ``value()``
    reads its bytes once more; ``close()`` releases it and stops tracing."""

    def __init__(self, adapter: Adapter, point: Point) -> None:
        self.point = point
        self.inner = inner_loops(point.operation)  # per receiver for connect, per send for send
        self.loops = 1
        self._started = not tracemalloc.is_tracing()
        if self._started:
            tracemalloc.start()
        try:
            self.bench = Bench(adapter, point.operation)
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

    def value(self) -> float:
        """Bytes per receiver (connect) or per send (peak), less what measuring alone reads."""
        retained_alone, peak_alone = traced(_nothing)
        if self.point.operation.scenario == "connect":
            adapter, weak = self.bench.adapter, self.bench.weak
            signal = adapter.new_signal()
            try:
                retained, _ = traced(
                    lambda: connect_all(adapter.connector(signal, weak=weak), self.bench.handles)
                )
            finally:
                adapter.reset(signal)
            return (retained - retained_alone) / self.inner
        _, peak = traced(self.bench.emit)
        return float(peak - peak_alone)

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


def measure_memory(adapter: Adapter, point: Point, timing: Timing) -> Dict[str, Any]:
    """Read ``point``'s bytes ``timing.values`` times, in the shape of
    ``sigbench.worker.measure.measure``'s result (one loop, one operation).  No warm-ups: the
    sampler's first reading, not kept, is one."""
    started = perf_counter()
    return sample(MemorySampler(adapter, point), replace(timing, warmups=0, values=1), started)
