"""``leak_signal``: bytes still allocated for a signal that was made, connected to n receivers,
sent on and dropped: global registries that keep signals (bytes per signal; ideal 0)."""

from typing import TYPE_CHECKING

from sigbench.suite.adapter import Adapter
from sigbench.suite.points import Point
from sigbench.suite.receivers import Sender
from sigbench.worker.scenarios.lifetime import LifetimeScenario, Payload
from sigbench.worker.scenarios.probe import check_binding

if TYPE_CHECKING:
    from sigbench.worker.measure import Bench


class LeakSignal(LifetimeScenario):
    def read(self, bench: "Bench") -> float:
        """Bytes per signal still allocated after ``repetitions`` signals were each made,
        connected to the bench's receivers (alive throughout), sent on once, released as every
        point releases its signals (``Adapter.reset``: an adapter's own bookkeeping, PyQt6's
        deferred deletions) and dropped."""
        adapter, weak, handles, count = bench.adapter, bench.weak, bench.handles, self.repetitions
        sender, payload = Sender("once"), Payload(0)  # made before the reading, kept throughout

        def signals() -> None:
            for _ in range(count):
                signal = adapter.new_signal()
                connect = adapter.connector(signal, weak=weak)
                for handle in handles:
                    connect(handle)
                if adapter.sync_send:
                    adapter.emitter(signal, sender, payload)()
                adapter.reset(signal)

        return self.bytes_per(signals)

    def check(self, adapter: Adapter, point: Point) -> None:
        check_binding(adapter, point, adapter.new_signal(), "any")


SCENARIO = LeakSignal(
    "leak_signal",
    "bytes still allocated (tracemalloc), after a collection, per signal made, connected to n "
    "receivers, sent on and dropped, over 50 signals: global registries that keep signals; ideal 0",
    (10,),
    "signal",
    order=10.7,
    needs=("create",),
    repetitions=50,
)
