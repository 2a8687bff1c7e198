"""The family of workloads: a whole shape of use timed in one region, on a new signal each time,
to check the cost model (``sigbench.analysis.costmodel``) against: connect the point's n
receivers (so the connects are n), send ``sends`` times from a sender they are all connected
for, then disconnect the first ``disconnects`` of them (the rest are disconnected after the
clock stops).  The point's reference mode and receiver kind are the workload's.

Measured only when named (``only_when_named``): a shape's value is a check of the model, not a
figure of its own, and the default run does not grow by them.

Standard library only: this runs in the measured interpreter.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import partial
from typing import TYPE_CHECKING, Any, List, Tuple

from sigbench.suite.adapter import Adapter
from sigbench.suite.points import Point
from sigbench.suite.receivers import Sender
from sigbench.worker.scenarios.probe import Probe, check_binding
from sigbench.worker.scenarios.regions import RegionScenario, Work
from sigbench.worker.timing import run_workload, time_workload

if TYPE_CHECKING:
    from sigbench.worker.measure import Bench

#: Sends of a workload's check: each must reach every receiver exactly once.
CHECK_SENDS = 2


@dataclass(frozen=True)
class WorkloadScenario(RegionScenario):
    """Connect n receivers to a new signal, send ``sends`` times, disconnect the first
    ``disconnects``: one value is the seconds of the whole workload."""

    sends: int = 1
    disconnects: int = 0
    needs: Tuple[str, ...] = ("sync", "disconnect")
    one_signal: bool = True
    only_when_named: bool = True
    baseline_note: str = "baseline's plain list through the same workload"

    def __post_init__(self) -> None:
        if len(self.receivers) != 1 or not 0 <= self.disconnects <= self.receivers[0]:
            raise ValueError(f"{self.name}: a workload has one receiver count and disconnects at most those")

    @property
    def connects(self) -> int:
        """Connects of the workload: its receivers, each connected once to an empty signal."""
        return self.receivers[0]

    def inner_loops(self, point: Point) -> int:
        """One operation per loop: the whole workload."""
        return 1

    def work(self, bench: Bench, signals: List[Any]) -> Work:
        adapter, weak, handles = bench.adapter, bench.weak, bench.handles
        (signal,) = signals
        connect = adapter.connector(signal, weak=weak)
        disconnect = adapter.disconnector(signal, weak=weak)
        send = adapter.emitter(signal, Sender("sender"), object())
        leaving, staying = handles[: self.disconnects], handles[self.disconnects :]

        def after() -> None:  # untimed, as after a connect region
            for handle in staying:
                disconnect(handle)

        workload = (connect, handles, send, self.sends, disconnect, leaving)
        return Work(partial(time_workload, *workload), partial(run_workload, *workload), after)

    def check(self, adapter: Adapter, point: Point) -> None:
        """Delivery and lifetime as connected here; then the workload's shape on a new signal:
        every send reaches each receiver exactly once, and after the first ``disconnects`` are
        disconnected (at most the point's receivers, for a check at fewer) only the rest hear."""
        check_binding(adapter, point, self.make_signal(adapter), "any")
        signal = self.make_signal(adapter)
        try:
            probe = Probe(adapter, signal, point, "any")
            everyone = range(point.receivers)
            for turn in range(CHECK_SENDS):
                probe.send(Sender(f"workload-{turn}"), everyone, f"{self.name}: send {turn + 1}")
            leaving = min(self.disconnects, point.receivers)
            if leaving:
                disconnect = adapter.disconnector(signal, weak=probe.weak)
                for handle in probe.handles[:leaving]:
                    disconnect(handle)
                probe.send(
                    Sender("after"),
                    range(leaving, point.receivers),
                    f"{self.name}: after disconnecting the first {leaving}",
                )
        finally:
            adapter.reset(signal)


def workload(
    name: str, description: str, receivers: int, sends: int, disconnects: int, order: float
) -> WorkloadScenario:
    """A workload scenario of ``receivers`` connects, ``sends`` sends and ``disconnects``
    disconnects (one that disconnects nothing does not need a library that can)."""
    then = f", disconnect {disconnects} of them" if disconnects else ""
    return WorkloadScenario(
        name,
        f"{description}: connect {receivers} receivers to a new signal, send {sends} times{then} "
        "(the whole workload timed at once)",
        (receivers,),
        "workload",
        order=order,
        sends=sends,
        disconnects=disconnects,
        needs=("sync", "disconnect") if disconnects else ("sync",),
    )
