"""``collect``: weakly connected receivers die and the signal lets them go: the library's clean-up
path, per receiver."""

from functools import partial
from typing import TYPE_CHECKING, Any, List

from sigbench.suite.adapter import Adapter
from sigbench.suite.points import Point
from sigbench.worker.scenarios.probe import check_binding
from sigbench.worker.scenarios.regions import RegionScenario, Work, dying_receivers, time_dropping

if TYPE_CHECKING:
    from sigbench.worker.measure import Bench


class Collect(RegionScenario):
    def work(self, bench: "Bench", signals: List[Any]) -> Work:
        kept = dying_receivers(bench.adapter, bench.point, signals)
        return Work(partial(time_dropping, kept), kept.clear)

    def check(self, adapter: Adapter, point: Point) -> None:
        check_binding(adapter, point, self.make_signal(adapter), "any")  # weak ones vanish


SCENARIO = Collect(
    "collect",
    "n weakly connected receivers die (their last references dropped) and the signal lets "
    "them go: the library's clean-up path, per receiver",
    (1, 10, 100, 1000),
    "receiver",
    order=11,
    modes=(("weak", "function"), ("weak", "method")),
    receivers_die=True,
)
