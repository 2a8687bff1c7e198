"""``retain_receiver``: receivers still alive after a strongly connected receiver was disconnected
and the caller dropped it (receivers per disconnect; ideal 0)."""

import weakref
from typing import TYPE_CHECKING, Any, List

from sigbench.suite.adapter import Adapter
from sigbench.suite.points import Point
from sigbench.suite.receivers import Sender
from sigbench.worker.scenarios.disconnect import SCENARIO as DISCONNECT
from sigbench.worker.scenarios.lifetime import STRONG_MODES, LifetimeScenario, Payload, alive, fresh_receivers

if TYPE_CHECKING:
    from sigbench.worker.measure import Bench


class RetainReceiver(LifetimeScenario):
    def read(self, bench: "Bench") -> float:
        """On a new signal with the bench's receivers, ``repetitions`` new receivers connected
        strongly, one send (a library may cache what it calls), each disconnected and dropped:
        how many still live per disconnect."""
        adapter = bench.adapter
        signal = self.make_signal(adapter)
        try:
            connect = adapter.connector(signal, weak=False)
            for handle in bench.handles:
                connect(handle)
            references = _disconnected(adapter, signal, bench.point.kind, self.repetitions)
            return alive(references) / self.repetitions
        finally:
            adapter.reset(signal)

    def check(self, adapter: Adapter, point: Point) -> None:
        DISCONNECT.check(adapter, point)


def _disconnected(adapter: Adapter, signal: Any, kind: Any, count: int) -> List["weakref.ref[Any]"]:
    """Weak references to ``count`` new receivers' owners, connected to ``signal``, sent to once
    and disconnected again; the references to them made here end when this returns."""
    fresh = fresh_receivers(adapter, kind, count)
    connect = adapter.connector(signal, weak=False)
    for handle, _ in fresh:
        connect(handle)
    if adapter.sync_send:
        adapter.emitter(signal, Sender("before-disconnect"), Payload(0))()
    disconnect = adapter.disconnector(signal, weak=False)
    for handle, _ in fresh:
        disconnect(handle)
    return [weakref.ref(owner) for _, owner in fresh]


SCENARIO = RetainReceiver(
    "retain_receiver",
    "receivers still alive after a strongly connected receiver is disconnected and the caller "
    "drops it (weak references after gc.collect(), over 100 receivers connected, sent to once "
    "and disconnected, beside n that stay; ideal 0)",
    (1,),
    "disconnect",
    order=10.3,
    metric="count",
    modes=STRONG_MODES,
    needs=("disconnect",),
)
