"""``create``: make a new signal."""

from functools import partial
from typing import TYPE_CHECKING

from sigbench.suite.adapter import Adapter
from sigbench.suite.points import Point
from sigbench.suite.receivers import Sender
from sigbench.worker.scenarios.base import Body, ConformanceError, Scenario
from sigbench.worker.scenarios.probe import Probe
from sigbench.worker.timing import time_repeated

if TYPE_CHECKING:
    from sigbench.worker.measure import Bench


class Create(Scenario):
    def body(self, bench: "Bench") -> Body:
        bench.emit = emit = bench.adapter.new_signal
        return lambda loops: bench.meter(partial(time_repeated, emit, loops))

    def check(self, adapter: Adapter, point: Point) -> None:
        """Two new signals are two objects, and a new one delivers to three receivers."""
        first = adapter.new_signal()
        adapter.reset(first)
        second = adapter.new_signal()
        try:
            if first is second:
                raise ConformanceError("create: new_signal returned the same object twice")
            ref, kind = sorted(adapter.combos)[0]
            probe = Probe(adapter, second, Point(adapter.name, "send", 3, ref, kind), "any")
            probe.send(Sender("create"), range(3), "create: a new signal with 3 receivers")
        finally:
            adapter.reset(second)


SCENARIO = Create(
    "create",
    "make a new signal",
    (0,),
    "signal",
    order=0,
    has_receivers=False,
    needs=("create",),
    baseline_note="baseline (making an empty list)",
)
