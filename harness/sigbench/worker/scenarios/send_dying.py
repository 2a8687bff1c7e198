"""``send_dying``: one send to n weakly connected receivers, every even-numbered one dropping the
last reference to the receiver after it as it is called."""

import gc
from collections import Counter
from functools import partial
from time import perf_counter
from typing import TYPE_CHECKING, Any, Callable, List, Optional

from sigbench.suite.adapter import Adapter
from sigbench.suite.points import Point
from sigbench.suite.receivers import Sender, make_receivers
from sigbench.worker.scenarios.base import ConformanceError
from sigbench.worker.scenarios.probe import check_binding
from sigbench.worker.scenarios.regions import RegionScenario, Work

if TYPE_CHECKING:
    from sigbench.worker.measure import Bench


class SendDying(RegionScenario):
    def inner_loops(self, point: Point) -> int:
        return 1

    def work(self, bench: "Bench", signals: List[Any]) -> Work:
        adapter = bench.adapter
        (signal,) = signals
        alive = killing_receivers(adapter, bench.point, signal)
        emit = adapter.emitter(signal, Sender("sender"), object())

        def after() -> None:  # untimed, as after a connect region
            disconnect = adapter.disconnector(signal, weak=True)
            for survivor in alive:
                if survivor is not None:
                    disconnect(survivor[0])

        return Work(partial(time_send_once, emit, alive), partial(_send, emit, alive), after)

    def check(self, adapter: Adapter, point: Point) -> None:
        """Delivery and lifetime; then a send during which every even-numbered receiver drops the
        last reference to the next one: nothing escapes, every receiver that stays alive is
        called exactly once, a dying one at most once (it may already be held for the call); the
        next send reaches exactly the survivors."""
        check_binding(adapter, point, self.make_signal(adapter), "any")
        signal = adapter.new_signal()
        try:
            calls: List[int] = []
            alive = killing_receivers(adapter, point, signal, calls)
            survivors = list(range(0, point.receivers, 2))
            emit = adapter.emitter(signal, Sender("dying"), object())
            for what in ("the send in which receivers die", "the next send"):
                calls.clear()
                try:
                    emit()
                except Exception as exc:
                    raise ConformanceError(f"send_dying: {what} raised {type(exc).__name__}: {exc}") from exc
                counts = Counter(calls)
                problems = [f"#{i} called {counts[i]} times" for i in survivors if counts[i] != 1]
                if what == "the next send":
                    problems += [f"dead #{i} called" for i in sorted(set(counts) - set(survivors))]
                else:
                    problems += [f"dying #{i} called {n} times" for i, n in counts.items() if n > 1 and i % 2]
                if problems:
                    raise ConformanceError(f"send_dying: {what}: " + "; ".join(problems[:4]))
                gc.collect()
            del alive
        finally:
            adapter.reset(signal)


def killing_receivers(
    adapter: Adapter, point: Point, signal: Any, calls: Optional[List[int]] = None
) -> List[Any]:
    """``point.receivers`` receivers connected weakly to ``signal``; each even-numbered one, when
    called, drops the last reference to the receiver after it (and notes its own number in
    ``calls``).  The returned list holds the only references: entry ``i`` keeps receiver ``i``."""
    alive: List[Any] = []

    def called(index: int, sender: Any, payload: Any) -> None:
        if calls is not None:
            calls.append(index)
        if index % 2 == 0 and index + 1 < len(alive):
            alive[index + 1] = None

    def connect_all() -> None:  # its names, not the caller's, hold the receivers meanwhile
        callables, owners = make_receivers(adapter.style, point.kind or "function", point.receivers, called)
        connect = adapter.connector(signal, weak=True)
        for receiver, owner in zip(callables, owners):
            handle = adapter.wrap(receiver)
            connect(handle)
            alive.append((handle, owner))

    connect_all()
    return alive


def time_send_once(emit: Callable[[], Any], alive: List[Any]) -> float:
    """Seconds for one send (``alive`` keeps its receivers alive until it is over)."""
    start = perf_counter()
    emit()
    return perf_counter() - start


def _send(emit: Callable[[], Any], alive: List[Any]) -> None:
    """One send, untimed (``alive`` keeps its receivers alive until it is over)."""
    emit()


SCENARIO = SendDying(
    "send_dying",
    "one send to n weakly connected receivers, every even-numbered one dropping the last "
    "reference to the receiver after it as it is called",
    (2, 10, 100),
    "send",
    order=12,
    modes=(("weak", "function"), ("weak", "method")),
    needs=("sync",),
    baseline="send",
    one_signal=True,  # a new signal and new receivers for every send, since half of them die in it
    receivers_die=True,
)
