"""``leak_cycle``: bytes still allocated, after a collection, over many cycles of connecting a new
receiver and disconnecting it again, on a signal that keeps n receivers (bytes per cycle; ideal 0)."""

from typing import TYPE_CHECKING

from sigbench.suite.adapter import Adapter
from sigbench.suite.points import Point
from sigbench.worker.scenarios.churn import SCENARIO as CHURN
from sigbench.worker.scenarios.lifetime import LifetimeScenario, fresh_receivers

if TYPE_CHECKING:
    from sigbench.worker.measure import Bench


class LeakCycle(LifetimeScenario):
    def prepare(self, bench: "Bench") -> None:
        bench.signal = self.connected(bench)

    def read(self, bench: "Bench") -> float:
        """Bytes per cycle still allocated after ``repetitions`` receivers (made before, alive
        throughout) were each connected to the bench's signal and disconnected again; one cycle
        first, outside the reading, so that a container's first growth is not counted."""
        adapter = bench.adapter
        connect = adapter.connector(bench.signal, weak=bench.weak)
        disconnect = adapter.disconnector(bench.signal, weak=bench.weak)
        fresh = fresh_receivers(adapter, bench.point.kind, self.repetitions + 1)
        handles = [handle for handle, _ in fresh]
        connect(handles[0])
        disconnect(handles[0])

        def cycles() -> None:
            for handle in handles[1:]:
                connect(handle)
                disconnect(handle)

        return self.bytes_per(cycles)

    def check(self, adapter: Adapter, point: Point) -> None:
        CHURN.check(adapter, point)


SCENARIO = LeakCycle(
    "leak_cycle",
    "bytes still allocated (tracemalloc), after a collection, over 500 cycles of connecting a "
    "new receiver and disconnecting it again, on a signal that keeps n receivers; ideal 0",
    (0, 10),
    "cycle",
    order=10.5,
    needs=("disconnect",),
    repetitions=500,
)
