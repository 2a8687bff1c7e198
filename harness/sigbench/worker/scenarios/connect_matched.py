"""``connect_matched``: connect n distinct receivers to an empty signal, each bound to the one
sender that will send (time per receiver): what binding to a sender costs a connect."""

from functools import partial
from typing import TYPE_CHECKING, Any, List

from sigbench.suite.adapter import Adapter
from sigbench.suite.points import Point
from sigbench.suite.receivers import Sender
from sigbench.worker.scenarios.probe import check_binding
from sigbench.worker.scenarios.regions import RegionScenario, Work
from sigbench.worker.timing import apply_each, time_each

if TYPE_CHECKING:
    from sigbench.worker.measure import Bench


class ConnectMatched(RegionScenario):
    def work(self, bench: "Bench", signals: List[Any]) -> Work:
        adapter, weak = bench.adapter, bench.weak
        sender = Sender("bound")
        connectors = [adapter.connector(signal, weak=weak, sender=sender) for signal in signals]

        def after() -> None:  # untimed, as after a connect region
            for disconnect in [adapter.disconnector(signal, weak=weak, sender=sender) for signal in signals]:
                for handle in bench.handles:
                    disconnect(handle)

        handles = bench.handles
        return Work(partial(time_each, connectors, handles), partial(apply_each, connectors, handles), after)

    def check(self, adapter: Adapter, point: Point) -> None:
        check_binding(adapter, point, self.make_signal(adapter), "matched")


SCENARIO = ConnectMatched(
    "connect_matched",
    "connect n distinct receivers to an empty signal, each bound to the one sender that sends",
    (1, 10, 100, 1000),
    "receiver",
    order=1.5,
    needs=("sender",),
    baseline="connect",
    baseline_note="baseline's plain connect of as many receivers (a list cannot bind to a sender)",
)
