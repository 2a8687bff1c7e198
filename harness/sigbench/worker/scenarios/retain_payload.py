"""``retain_payload``: payload objects the library still keeps alive after a send has returned and
the caller has dropped its references (objects per send; ideal 0)."""

from dataclasses import dataclass
from typing import TYPE_CHECKING, Tuple

from sigbench.suite.adapter import Adapter
from sigbench.suite.points import Point
from sigbench.worker.scenarios.lifetime import LifetimeScenario, count_per_send
from sigbench.worker.scenarios.probe import check_binding

if TYPE_CHECKING:
    from sigbench.worker.measure import Bench


@dataclass(frozen=True)
class RetainSent(LifetimeScenario):
    """Sends, each with a new object as the ``vary`` argument: how many of those objects live on."""

    metric: str = "count"
    needs: Tuple[str, ...] = ("sync",)
    #: The argument each send gets anew: ``payload`` or ``sender``.
    vary: str = "payload"

    def prepare(self, bench: "Bench") -> None:
        bench.signal = self.connected(bench)

    def read(self, bench: "Bench") -> float:
        """Of ``repetitions`` sends on the bench's signal, each with a new object, the objects
        still alive per send once dropped and collected."""
        return count_per_send(bench, bench.signal, self.vary, self.repetitions)

    def check(self, adapter: Adapter, point: Point) -> None:
        check_binding(adapter, point, self.make_signal(adapter), "any")


SCENARIO = RetainSent(
    "retain_payload",
    "payload objects the library still keeps alive after a send returns and the caller has "
    "dropped its references (weak references after gc.collect(), over 100 sends with n "
    "receivers connected; ideal 0)",
    (1,),
    "send",
    order=10.1,
)
