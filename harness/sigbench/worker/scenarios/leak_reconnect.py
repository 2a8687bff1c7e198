"""``leak_reconnect``: bytes still allocated, after a collection, over many calls of connect for a
receiver that is already connected (bytes per call; ideal 0).

A library may refuse such a call (it raises: nothing is kept, 0), ignore it, or connect the
receiver once more, so that it is called again on every send: a plain list does, and reads the
slots it grows by."""

import gc
from typing import TYPE_CHECKING, Any, Callable, List

from sigbench.suite.adapter import Adapter
from sigbench.suite.points import Point
from sigbench.suite.receivers import Sender
from sigbench.worker.scenarios.base import ConformanceError
from sigbench.worker.scenarios.lifetime import LifetimeScenario, heard, safely
from sigbench.worker.scenarios.probe import Probe

if TYPE_CHECKING:
    from sigbench.worker.measure import Bench


class LeakReconnect(LifetimeScenario):
    def prepare(self, bench: "Bench") -> None:
        bench.signal = self.connected(bench)

    def read(self, bench: "Bench") -> float:
        """Bytes per call still allocated after ``repetitions`` more connects of the bench's
        receivers (connected already), one after another."""
        connect = bench.adapter.connector(bench.signal, weak=bench.weak)
        handles, rounds = bench.handles, self.repetitions // max(len(bench.handles), 1)

        def reconnect() -> None:
            for _ in range(rounds):
                reconnect_each(connect, handles)

        return self.bytes_per(reconnect)

    def check(self, adapter: Adapter, point: Point) -> None:
        """Receivers connected, then connected again three times (a library may refuse that): a
        send reaches every one of them (once, or once per connect) and nobody else; weak ones
        vanish with their last reference, strong ones outlive it."""
        signal = self.make_signal(adapter)
        try:
            probe = Probe(adapter, signal, point, "any")
            connect = adapter.connector(signal, weak=probe.weak)
            for _ in range(3):
                reconnect_each(connect, probe.handles)
            everyone = set(range(point.receivers))
            counts = heard(probe, Sender("again"), "after connecting every receiver again")
            missing, extra = everyone - set(counts), set(counts) - everyone
            if missing or extra:
                raise ConformanceError(
                    f"after connecting every receiver again: {len(missing)} receiver(s) not called, "
                    f"{len(extra)} called that should not be"
                )
            probe.owners, probe.handles = [], []
            gc.collect()
            counts = heard(probe, Sender("dropped"), "after the caller dropped its receivers")
            expected = set() if probe.weak else everyone
            if set(counts) != expected:
                raise ConformanceError(
                    f"{point.ref} receivers connected more than once, after the caller dropped them: "
                    f"{len(counts)} of {point.receivers} called, {len(expected)} expected"
                )
        finally:
            adapter.reset(signal)


def reconnect_each(connect: Callable[[Any], Any], handles: List[Any]) -> None:
    """Connect every one of ``handles`` again (no reference to one outlives the call)."""
    for handle in handles:
        safely(connect, handle)


SCENARIO = LeakReconnect(
    "leak_reconnect",
    "bytes still allocated (tracemalloc), after a collection, over 1000 calls of connect for "
    "receivers that are already connected (n of them); ideal 0, a library that connects a "
    "receiver again grows by it",
    (1,),
    "call",
    order=10.4,
    repetitions=1000,
)
