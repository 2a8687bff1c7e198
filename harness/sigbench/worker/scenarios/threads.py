"""The family of threads: ``THREADS`` threads at once on one signal, each sending (and, to churn,
connecting and disconnecting a receiver of its own after every send).  Measured only on a
free-threaded interpreter; checked on every one.

Standard library only: this runs in the measured interpreter.
"""

from __future__ import annotations

import sys
import threading
from collections import Counter
from dataclasses import dataclass
from functools import partial
from time import perf_counter
from typing import TYPE_CHECKING, Any, Callable, List, Optional, Sequence, Tuple

from sigbench.suite.adapter import Adapter
from sigbench.suite.points import Point
from sigbench.suite.receivers import Sender, make_receivers
from sigbench.worker.scenarios.base import Body, ConformanceError
from sigbench.worker.scenarios.probe import Probe, check_binding
from sigbench.worker.scenarios.sends import SendScenario
from sigbench.worker.timing import time_repeated

if TYPE_CHECKING:
    from sigbench.worker.measure import Bench

#: Threads sending at once in the thread scenarios (twice the cores of a small CI machine).
THREADS = 4
#: Sends per thread in the thread checks: enough for the threads' sends to interleave.
THREAD_SENDS = 1000
#: Seconds a thread holds the GIL before it is asked to hand over, during the thread checks (the
#: interpreter's default is 0.005): threads then switch inside a library's operations, where a race
#: between them shows. On a free-threaded interpreter, threads run at once anyway.
THREAD_SWITCH_INTERVAL = 1e-6


@dataclass(frozen=True)
class ThreadScenario(SendScenario):
    """``THREADS`` threads sending at once; with ``churn``, each also connecting and disconnecting
    a receiver of its own after every send."""

    free_threaded: bool = True
    needs: Tuple[str, ...] = ("sync", "threads")
    baseline: Optional[str] = None
    churn: bool = False

    def inner_loops(self, point: Point) -> int:
        """Operations per loop: a send (or round) per thread."""
        return THREADS

    def body(self, bench: Bench) -> Body:
        bench.emit = emit = self.prepare(bench)
        operations: List[Callable[[], Any]] = [emit] * THREADS
        if self.churn:
            adapter = bench.adapter
            extras, owners = make_receivers(adapter.style, bench.point.kind or "function", THREADS)
            bench.kept.append(owners)
            connect = adapter.connector(bench.signal, weak=bench.weak)
            disconnect = adapter.disconnector(bench.signal, weak=bench.weak)
            operations = [churning_send(emit, connect, disconnect, adapter.wrap(extra)) for extra in extras]
        return lambda loops: bench.meter(partial(run_threads, operations, loops))

    def check(self, adapter: Adapter, point: Point) -> None:
        check_binding(adapter, point, self.make_signal(adapter), "any")
        check_threads(adapter, point, self.make_signal(adapter), self.churn)


def run_threads(operations: Sequence[Callable[[], Any]], loops: int) -> float:
    """Seconds from releasing one started thread per operation at once until each has called its
    operation ``loops`` times; the first exception raised in a thread is raised here once all
    have stopped."""
    gate = threading.Barrier(len(operations) + 1)
    errors: List[BaseException] = []

    def repeat(operation: Callable[[], Any]) -> None:
        gate.wait()
        try:
            time_repeated(operation, loops)
        except BaseException as exc:
            errors.append(exc)

    threads = [threading.Thread(target=repeat, args=(operation,)) for operation in operations]
    for thread in threads:
        thread.start()
    gate.wait()
    start = perf_counter()
    for thread in threads:
        thread.join()
    elapsed = perf_counter() - start
    if errors:
        raise errors[0]
    return elapsed


def churning_send(
    emit: Callable[[], Any], connect: Callable[[Any], Any], disconnect: Callable[[Any], Any], handle: Any
) -> Callable[[], None]:
    """One send, then connecting and disconnecting ``handle`` (a thread's own receiver)."""

    def operation() -> None:
        emit()
        connect(handle)
        disconnect(handle)

    return operation


def check_threads(adapter: Adapter, point: Point, signal: Any, churn: bool) -> None:
    """``THREADS`` threads sending at once on ``signal`` (reset after; with ``churn``, each also
    connecting and disconnecting a receiver of its own after every send): no thread raises, every
    receiver is called once per send with the sender and payload (nothing lost, nothing doubled),
    a churning one at most once per send; afterwards a send reaches exactly the receivers."""
    try:
        probe = Probe(adapter, signal, point, "any")
        sender, payload = Sender("threads"), object()
        emit = adapter.emitter(signal, sender, payload)
        operations: List[Callable[[], Any]] = [emit] * THREADS
        if churn:  # receivers numbered after the point's own
            extras, _owners = make_receivers(
                adapter.style,
                point.kind or "function",
                THREADS,
                lambda index, got, data: probe.record(point.receivers + index, got, data),
            )
            connect = adapter.connector(signal, weak=probe.weak)
            disconnect = adapter.disconnector(signal, weak=probe.weak)
            operations = [churning_send(emit, connect, disconnect, adapter.wrap(extra)) for extra in extras]
        what = f"{point.scenario}: {THREADS} threads x {THREAD_SENDS} sends"
        interval = sys.getswitchinterval()
        sys.setswitchinterval(THREAD_SWITCH_INTERVAL)
        try:
            run_threads(operations, THREAD_SENDS)
        except Exception as exc:
            raise ConformanceError(f"{what}: a thread raised {type(exc).__name__}: {exc}") from exc
        finally:
            sys.setswitchinterval(interval)
        sends = THREADS * THREAD_SENDS
        counts = Counter(index for index, _, _ in probe.calls)
        problems = [f"#{i} called {counts[i]} times" for i in range(point.receivers) if counts[i] != sends]
        problems += [f"churning #{i} called {n} times" for i, n in counts.items() if n > sends]
        strays = sum(got is not sender or data is not payload for _, got, data in probe.calls)
        if strays:
            problems.append(f"{strays} call(s) with the wrong sender or payload")
        if problems:
            raise ConformanceError(f"{what}, each receiver {sends} times: " + "; ".join(problems[:4]))
        probe.send(Sender("after"), range(point.receivers), f"{point.scenario}: a send after the threads")
    finally:
        adapter.reset(signal)
