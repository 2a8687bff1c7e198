"""The family of sends: one send repeated, on the library's send signal, with the point's
receivers connected for any sender, all for the sender that sends (``matched``), or each for a
sender of its own that never sends (``unmatched``); ``send_after_peak`` first fills the signal
with ``PEAK`` more receivers and empties it again.

Standard library only: this runs in the measured interpreter.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import partial
from typing import TYPE_CHECKING, Any, Callable, List, Optional, Tuple

from sigbench.suite.adapter import Adapter
from sigbench.suite.points import Point
from sigbench.suite.receivers import Sender, make_receivers
from sigbench.worker.scenarios.base import Body, Scenario
from sigbench.worker.scenarios.probe import check_binding
from sigbench.worker.timing import time_repeated

if TYPE_CHECKING:
    from sigbench.worker.measure import Bench

#: Receivers a signal held before ``send_after_peak`` sends on it (all disconnected again).
PEAK = 1000


@dataclass(frozen=True)
class SendScenario(Scenario):
    """One send, repeated, to receivers bound as ``binding`` says (``BINDINGS``)."""

    signal: str = "send"
    needs: Tuple[str, ...] = ("sync",)
    baseline: Optional[str] = "send"
    binding: str = "any"
    #: Fill the signal with ``PEAK`` more receivers, and empty it, before connecting the point's.
    peak: bool = False

    def body(self, bench: Bench) -> Body:
        bench.emit = emit = self.prepare(bench)
        return lambda loops: bench.meter(partial(time_repeated, emit, loops))

    def prepare(self, bench: Bench) -> Callable[[], Any]:
        """The send signal with the point's receivers bound (released on ``close``); the send."""
        adapter, point = bench.adapter, bench.point
        bench.signal = signal = self.make_signal(adapter)
        bench.on_close(partial(adapter.reset, signal))
        if self.peak:
            hold_peak(adapter, point, signal)
        bound: List[Optional[Sender]]
        if self.binding == "matched":
            sender = Sender("bound")
            bound = [sender] * len(bench.handles)
        elif self.binding == "unmatched":
            bound = [Sender(f"bound-{index}") for index in range(len(bench.handles))]
            sender = Sender("stranger")
        else:  # receivers connected for any sender
            bound = [None] * len(bench.handles)
            sender = Sender("sender")
        bench.kept.append(bound)  # libraries that hold senders weakly would drop these connections
        for handle, receiver_sender in zip(bench.handles, bound):
            adapter.connector(signal, weak=bench.weak, sender=receiver_sender)(handle)
        return adapter.emitter(signal, sender, object())

    def check(self, adapter: Adapter, point: Point) -> None:
        before = partial(hold_peak, adapter, point) if self.peak else None
        check_binding(adapter, point, self.make_signal(adapter), self.binding, before=before)


def hold_peak(adapter: Adapter, point: Point, signal: Any) -> None:
    """Connect ``PEAK`` new receivers of the point's kind and reference mode to ``signal``, then
    disconnect them all again (``send_after_peak``)."""
    callables, owners = make_receivers(adapter.style, point.kind or "function", PEAK)
    handles = [adapter.wrap(receiver) for receiver in callables]
    connect = adapter.connector(signal, weak=point.ref == "weak")
    disconnect = adapter.disconnector(signal, weak=point.ref == "weak")
    for handle in handles:
        connect(handle)
    for handle in handles:
        disconnect(handle)
    del owners
