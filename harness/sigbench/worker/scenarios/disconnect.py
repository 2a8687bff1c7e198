"""``disconnect``: disconnect n connected receivers, one by one (time per receiver)."""

from functools import partial
from typing import TYPE_CHECKING, Any, List

from sigbench.suite.adapter import Adapter
from sigbench.suite.points import Point
from sigbench.suite.receivers import Sender
from sigbench.worker.scenarios.probe import Probe, check_binding
from sigbench.worker.scenarios.regions import RegionScenario, Work
from sigbench.worker.timing import apply_each, time_each

if TYPE_CHECKING:
    from sigbench.worker.measure import Bench


class Disconnect(RegionScenario):
    def work(self, bench: "Bench", signals: List[Any]) -> Work:
        adapter, weak = bench.adapter, bench.weak
        for signal in signals:
            connect = adapter.connector(signal, weak=weak)
            for handle in bench.handles:
                connect(handle)
        disconnectors = [adapter.disconnector(signal, weak=weak) for signal in signals]
        return Work(
            partial(time_each, disconnectors, bench.handles),
            partial(apply_each, disconnectors, bench.handles),
        )

    def check(self, adapter: Adapter, point: Point) -> None:
        """Delivery and lifetime as connected here; then half the receivers disconnected are gone,
        and after all of them nobody hears a send."""
        check_binding(adapter, point, self.make_signal(adapter), "any")
        signal = self.make_signal(adapter)
        try:
            probe = Probe(adapter, signal, point, "any")
            disconnect = adapter.disconnector(signal, weak=probe.weak)
            half = point.receivers // 2
            for handle in probe.handles[:half]:
                disconnect(handle)
            probe.send(Sender("after-half"), range(half, point.receivers), f"after disconnecting {half}")
            for handle in probe.handles[half:]:
                disconnect(handle)
            probe.send(Sender("after-all"), (), "after disconnecting every receiver")
        finally:
            adapter.reset(signal)


SCENARIO = Disconnect(
    "disconnect",
    "disconnect n connected receivers, one by one",
    (1, 10, 100, 1000),
    "receiver",
    order=2,
    needs=("disconnect",),
)
