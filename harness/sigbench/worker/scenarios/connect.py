"""``connect``: connect n distinct receivers to an empty signal (time per receiver)."""

from functools import partial
from typing import TYPE_CHECKING, Any, List

from sigbench.suite.adapter import Adapter
from sigbench.suite.points import Point
from sigbench.worker.scenarios.probe import check_binding
from sigbench.worker.scenarios.regions import RegionScenario, Work
from sigbench.worker.timing import apply_each, time_each

if TYPE_CHECKING:
    from sigbench.worker.measure import Bench


class Connect(RegionScenario):
    def work(self, bench: "Bench", signals: List[Any]) -> Work:
        adapter, weak = bench.adapter, bench.weak
        connectors = [adapter.connector(signal, weak=weak) for signal in signals]

        def after() -> None:
            # Disconnect them again (untimed): a signal dropped with its receivers may leave
            # reference cycles (blinker's), which a region would then pay to collect.
            for disconnect in [adapter.disconnector(signal, weak=weak) for signal in signals]:
                for handle in bench.handles:
                    disconnect(handle)

        return Work(
            partial(time_each, connectors, bench.handles),
            partial(apply_each, connectors, bench.handles),
            after,
        )

    def check(self, adapter: Adapter, point: Point) -> None:
        check_binding(adapter, point, self.make_signal(adapter), "any")


SCENARIO = Connect(
    "connect", "connect n distinct receivers to an empty signal", (1, 10, 100, 1000), "receiver", order=1
)
