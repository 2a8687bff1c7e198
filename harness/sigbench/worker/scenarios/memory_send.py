"""``memory_send``: peak bytes allocated during one send above what was allocated when it began."""

from typing import TYPE_CHECKING

from sigbench.worker.scenarios.memory import MemoryScenario, traced
from sigbench.worker.scenarios.send import SCENARIO as SEND

if TYPE_CHECKING:
    from sigbench.worker.measure import Bench


class MemorySend(MemoryScenario):
    def read(self, bench: "Bench") -> float:
        """Peak bytes allocated during one send (the bench's), above those allocated when it began."""
        _, peak_alone = self.alone()
        _, peak = traced(bench.emit)
        return float(peak - peak_alone)


SCENARIO = MemorySend(
    "memory_send",
    "peak bytes allocated (tracemalloc) during one send with n receivers connected for any "
    "sender, above what was allocated when it began",
    (0, 1, 10, 100, 1000),
    "send",
    order=10,
    signal="send",
    measures=SEND,
)
