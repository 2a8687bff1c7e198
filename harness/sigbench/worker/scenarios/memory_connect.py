"""``memory_connect``: bytes that stay allocated when n distinct receivers are connected to an
empty signal, after a collection, per receiver."""

from typing import TYPE_CHECKING, Any, Callable, List

from sigbench.worker.scenarios.connect import SCENARIO as CONNECT
from sigbench.worker.scenarios.memory import MemoryScenario, traced

if TYPE_CHECKING:
    from sigbench.worker.measure import Bench


class MemoryConnect(MemoryScenario):
    def read(self, bench: "Bench") -> float:
        """Bytes per receiver still allocated after connecting the bench's receivers (made before)
        to a new signal and a collection."""
        retained_alone, _ = self.alone()
        adapter, weak, handles = bench.adapter, bench.weak, bench.handles
        signal = adapter.new_signal()
        try:
            retained, _ = traced(lambda: connect_all(adapter.connector(signal, weak=weak), handles))
        finally:
            adapter.reset(signal)
        return (retained - retained_alone) / self.inner_loops(bench.point)


def connect_all(connect: Callable[[Any], Any], handles: List[Any]) -> None:
    for handle in handles:
        connect(handle)


SCENARIO = MemoryConnect(
    "memory_connect",
    "bytes that stay allocated (tracemalloc) when n distinct receivers are connected to an "
    "empty signal, after a collection, per receiver",
    (1, 10, 100, 1000),
    "receiver",
    order=9,
    measures=CONNECT,
)
