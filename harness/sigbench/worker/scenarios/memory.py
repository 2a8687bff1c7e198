"""The family of memory scenarios: bytes instead of time, read by ``tracemalloc`` around the
operation of a timed scenario (its set-up and conformance are that scenario's), less what reading
alone reads (``sigbench.worker.memory`` samples them).

Standard library only: this runs in the measured interpreter.
"""

from __future__ import annotations

import gc
import tracemalloc
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Callable, Optional, Tuple

from sigbench.suite.points import Point
from sigbench.worker.scenarios.base import Scenario

if TYPE_CHECKING:
    from sigbench.worker.measure import Bench


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


def _nothing() -> None:
    pass


@dataclass(frozen=True)
class MemoryScenario(Scenario):
    """Bytes of ``measures``'s operation (the timed scenario whose bench it reads)."""

    metric: str = "memory"
    #: The timed scenario whose operation, set-up and conformance this one uses.
    measures: Optional[Scenario] = None

    @property
    def operation(self) -> Scenario:
        assert self.measures is not None
        return self.measures

    def inner_loops(self, point: Point) -> int:
        """The operation's: per receiver connected, or per send."""
        return self.operation.inner_loops(point)

    def read(self, bench: Bench) -> float:
        """Bytes of one reading on ``bench`` (its operation's), per ``unit``, less what reading
        alone reads."""
        raise NotImplementedError(f"{self.name} has no reading")

    @staticmethod
    def alone() -> Tuple[int, int]:
        """What reading around a call that does nothing reads (tracemalloc's own answers)."""
        return traced(_nothing)
