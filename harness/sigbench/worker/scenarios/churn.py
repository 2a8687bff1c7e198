"""``churn``: connect one more receiver and disconnect it again, on a signal that already has n."""

from functools import partial
from typing import TYPE_CHECKING, Any, Callable

from sigbench.suite.adapter import Adapter
from sigbench.suite.points import Point
from sigbench.suite.receivers import Sender, make_receivers
from sigbench.worker.scenarios.base import Body, Scenario
from sigbench.worker.scenarios.probe import Probe, check_binding
from sigbench.worker.timing import time_repeated

if TYPE_CHECKING:
    from sigbench.worker.measure import Bench


class Churn(Scenario):
    def body(self, bench: "Bench") -> Body:
        bench.emit = emit = self.prepare(bench)
        return lambda loops: bench.meter(partial(time_repeated, emit, loops))

    def prepare(self, bench: "Bench") -> Callable[[], Any]:
        """Connect and disconnect one more receiver on a signal holding the point's receivers."""
        adapter = bench.adapter
        signal = self.make_signal(adapter)
        bench.on_close(partial(adapter.reset, signal))
        connect = adapter.connector(signal, weak=bench.weak)
        for handle in bench.handles:
            connect(handle)
        extra, owner = make_receivers(adapter.style, bench.point.kind or "function", 1)
        bench.kept.append(owner)
        handle = adapter.wrap(extra[0])
        disconnect = adapter.disconnector(signal, weak=bench.weak)

        def churn() -> None:
            connect(handle)
            disconnect(handle)

        return churn

    def check(self, adapter: Adapter, point: Point) -> None:
        """One more receiver connected and disconnected again, several times, on a signal that
        has the point's receivers: it is heard while connected, and afterwards only they are."""
        check_binding(adapter, point, self.make_signal(adapter), "any")
        signal = self.make_signal(adapter)
        try:
            probe = Probe(adapter, signal, point, "any")
            number = point.receivers  # the one more receiver's number, after the others'
            extra, owners = make_receivers(
                adapter.style,
                point.kind or "function",
                1,
                lambda _, sender, payload: probe.record(number, sender, payload),
            )
            handle = adapter.wrap(extra[0])
            connect = adapter.connector(signal, weak=probe.weak)
            disconnect = adapter.disconnector(signal, weak=probe.weak)
            everyone = range(point.receivers)
            for turn in range(3):
                connect(handle)
                probe.send(
                    Sender(f"churn-{turn}"), [*everyone, number], f"churn {turn + 1}: with one more connected"
                )
                disconnect(handle)
                probe.send(
                    Sender(f"after-{turn}"), everyone, f"churn {turn + 1}: after disconnecting it again"
                )
            del owners
        finally:
            adapter.reset(signal)


SCENARIO = Churn(
    "churn",
    "connect one more receiver and disconnect it again, on a signal that already has n",
    (10, 100, 1000),
    "connect and disconnect",
    order=13,
    signal="send",
    needs=("sync",),
)
