"""``residue_dead``: bytes a signal still holds for weakly connected receivers that died and were
cleaned up: bookkeeping residue (bytes per receiver; ideal 0)."""

import gc
from typing import TYPE_CHECKING

from sigbench.suite.adapter import Adapter
from sigbench.suite.points import Point
from sigbench.suite.receivers import Sender
from sigbench.worker.scenarios.collect import SCENARIO as COLLECT
from sigbench.worker.scenarios.lifetime import WEAK_MODES, LifetimeScenario, Payload, fresh_receivers

if TYPE_CHECKING:
    from sigbench.worker.measure import Bench


class ResidueDead(LifetimeScenario):
    def prepare(self, bench: "Bench") -> None:
        bench.signal = self.connected(bench)
        # What the send after the deaths sends, made once: a library that keeps what it last sent
        # keeps the same objects, allocated before any reading.
        bench.kept.extend((Sender("after-deaths"), Payload(0)))

    def read(self, bench: "Bench") -> float:
        """Bytes per receiver still allocated after ``repetitions`` new receivers were connected
        weakly to the bench's signal (which keeps its n live ones), then dropped, a collection,
        and one send (a library may clean up on its next send).  One such round first, outside
        the reading, so that containers have grown to their peak: what is read is what every
        dead receiver leaves, not a table that has not shrunk."""
        adapter, signal, kind, count = bench.adapter, bench.signal, bench.point.kind, self.repetitions
        connect = adapter.connector(signal, weak=True)
        send = adapter.emitter(signal, *bench.kept[-2:]) if adapter.sync_send else None

        def connect_new() -> None:  # the receivers die when it returns
            for handle, _ in fresh_receivers(adapter, kind, count):
                connect(handle)

        def round() -> None:
            connect_new()
            gc.collect()
            if send is not None:
                send()

        round()
        return self.bytes_per(round)

    def check(self, adapter: Adapter, point: Point) -> None:
        COLLECT.check(adapter, point)


SCENARIO = ResidueDead(
    "residue_dead",
    "bytes the signal still holds (tracemalloc), after a collection, for weakly connected "
    "receivers that died and were cleaned up, over 100 of them beside n live ones: bookkeeping "
    "residue; ideal 0",
    (1,),
    "receiver",
    order=10.6,
    modes=WEAK_MODES,
)
